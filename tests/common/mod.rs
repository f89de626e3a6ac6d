//! Test helpers: the tapedeck binary, and a scripted HTTP server on loopback for the transport's
//! error handling and redaction (never as a stand-in for Nova's behaviour: that is the sandbox).
#![allow(dead_code)]

mod failing;
mod sdist;
#[allow(unused_imports)]
pub use failing::*;
#[allow(unused_imports)]
pub use sdist::*;

use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

pub fn tapedeck(args: &[&str], dir: &Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tapedeck")).args(args).current_dir(dir).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The provider file of the live tests (`TAPEDECK_PROVIDER`, the real Nova sandbox in CI);
/// without it they say so and do nothing — and with `CI` set they refuse to be left out.
pub fn live_provider() -> Option<std::path::PathBuf> {
    match std::env::var_os("TAPEDECK_PROVIDER") {
        Some(p) => Some(std::path::PathBuf::from(p)),
        None => {
            assert!(std::env::var("CI").is_err(), "CI must run the live tests: set TAPEDECK_PROVIDER (see .ci/run)");
            eprintln!(
                "live tests not enabled: start the sandbox (sandbox/nova/start.sh FILE) and set TAPEDECK_PROVIDER=FILE"
            );
            None
        }
    }
}

/// The sandbox with header identities (`TAPEDECK_PLAIN_PROVIDER`; CI starts one beside the
/// Keystone one), for the live tests that need Nova without Keystone in front.
pub fn plain_provider() -> Option<std::path::PathBuf> {
    match std::env::var_os("TAPEDECK_PLAIN_PROVIDER") {
        Some(p) => Some(std::path::PathBuf::from(p)),
        None => {
            assert!(
                std::env::var("CI").is_err(),
                "CI must run the live tests: set TAPEDECK_PLAIN_PROVIDER (see .ci/run)"
            );
            eprintln!(
                "header-identity live tests not enabled: set TAPEDECK_PLAIN_PROVIDER=FILE (sandbox/nova/start.sh FILE)"
            );
            None
        }
    }
}

pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[derive(Clone, Debug)]
pub enum Reply {
    /// status, extra headers, body
    Json(u16, Vec<(&'static str, String)>, String),
    Text(u16, String),
    /// Announces more bytes than it sends, then closes.
    Truncated,
    /// Accepts and never answers.
    Hang,
    /// Closes the connection without a response.
    Close,
}

/// What the server saw: method, path, headers (lowercase names), body.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

#[derive(Clone, Default)]
pub struct Script {
    replies: Arc<Mutex<HashMap<String, VecDeque<Reply>>>>,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    /// After an accepted `DELETE /x`, `GET /x` answers 404, as Nova's do once the server is gone.
    deletes_remove: Arc<std::sync::atomic::AtomicBool>,
}

fn not_found(key: &str) -> Reply {
    Reply::Json(404, vec![], format!(r#"{{"itemNotFound": {{"code": 404, "message": "no script for {key}"}}}}"#))
}

impl Script {
    /// From now on an accepted `DELETE` removes what it names: a `GET` of it answers 404.
    pub fn remove_on_delete(&self) {
        self.deletes_remove.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    fn deletes_remove(&self) -> bool {
        self.deletes_remove.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Replies for "METHOD /path" in order; the last one repeats.
    pub fn on(&self, key: &str, replies: Vec<Reply>) {
        self.replies.lock().unwrap().insert(key.to_string(), replies.into());
    }

    fn reply(&self, key: &str) -> Reply {
        let mut map = self.replies.lock().unwrap();
        match map.get_mut(key) {
            Some(q) if q.len() > 1 => q.pop_front().unwrap(),
            Some(q) => q.front().cloned().unwrap_or(Reply::Close),
            None => not_found(key),
        }
    }
}

/// Reads one HTTP/1.1 request (head and a `Content-Length` body) from a connection.
pub async fn read_request(sock: &mut tokio::net::TcpStream) -> Option<Seen> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let (head_end, content_length) = loop {
        let n = match sock.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => n,
        };
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..i]).to_string();
            let len = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                })
                .unwrap_or(0);
            break (i + 4, len);
        }
    };
    while buf.len() < head_end + content_length {
        let n = match sock.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => n,
        };
        buf.extend_from_slice(&chunk[..n]);
    }
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.lines();
    let mut first = lines.next().unwrap_or("").split_whitespace();
    let method = first.next().unwrap_or("").to_string();
    let path = first.next().unwrap_or("").to_string();
    let headers = lines
        .filter_map(|l| l.split_once(':').map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string())))
        .collect();
    let body = String::from_utf8_lossy(&buf[head_end..]).to_string();
    Some(Seen { method, path, headers, body })
}

/// What Nova adds to every answer: the microversion asked for echoed and named in `Vary`
/// (as two header lines, as Nova sends it), and a request id of its own. A script's own
/// headers win.
pub fn nova_headers(request: &[(String, String)]) -> Vec<(&'static str, String)> {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut out = vec![("x-openstack-request-id", format!("req-00000000-0000-4000-8000-{n:012}"))];
    let asked = |name: &str| request.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    if let Some(v) = asked("openstack-api-version") {
        out.push(("OpenStack-API-Version", v));
        out.push(("Vary", "OpenStack-API-Version".into()));
    }
    if let Some(v) = asked("x-openstack-nova-api-version") {
        out.push(("X-OpenStack-Nova-API-Version", v));
        out.push(("Vary", "X-OpenStack-Nova-API-Version".into()));
    }
    out
}

/// Serves `script` on 127.0.0.1; returns the base URL (`http://127.0.0.1:PORT`).
pub async fn serve(script: Script) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else { return };
            let script = script.clone();
            tokio::spawn(async move {
                let Some(Seen { method, path, headers, body }) = read_request(&mut sock).await else { return };
                let key = format!("{method} {}", path.split('?').next().unwrap_or(""));
                script.seen.lock().unwrap().push(Seen { method: method.clone(), path, headers: headers.clone(), body });
                let nova = nova_headers(&headers);
                let response = match script.reply(&key) {
                    Reply::Json(status, extra, body) => {
                        let mut extra = extra;
                        let scripted: Vec<&str> = extra.iter().map(|(k, _)| *k).collect();
                        let added: Vec<_> = nova
                            .into_iter()
                            .filter(|(k, _)| !scripted.iter().any(|e| e.eq_ignore_ascii_case(k)))
                            .collect();
                        extra.extend(added);
                        if method == "DELETE" && (200..300).contains(&status) && script.deletes_remove() {
                            script.on(&key.replacen("DELETE", "GET", 1), vec![not_found(&key)]);
                        }
                        let extra: String = extra.iter().map(|(k, v)| format!("{k}: {v}\r\n")).collect();
                        format!(
                            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                            body.len()
                        )
                    }
                    Reply::Text(status, body) => {
                        format!(
                            "HTTP/1.1 {status} X\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                            body.len()
                        )
                    }
                    Reply::Truncated => {
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"serv"
                            .to_string()
                    }
                    Reply::Hang => {
                        tokio::time::sleep(Duration::from_secs(30)).await;
                        return;
                    }
                    Reply::Close => return,
                };
                let _ = sock.write_all(response.as_bytes()).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    format!("http://{addr}")
}

/// A schema set with the fault format and no operations: every response of a scripted server
/// is a coverage gap rather than a schema failure, so a test sees the logic it is about.
pub fn schemas_without_operations(dir: &Path) -> std::path::PathBuf {
    let schemas = dir.join("schemas-none");
    std::fs::create_dir_all(schemas.join("operations")).unwrap();
    std::fs::copy(repo().join("schemas/faults.json"), schemas.join("faults.json")).unwrap();
    schemas
}
