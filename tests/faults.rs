//! Provider faults, injected by a loopback proxy in front of the real Nova sandbox (set
//! TAPEDECK_PROVIDER as for tests/live.rs): 500, 503 with Retry-After, 429, connection reset,
//! read timeout, truncated body, non-JSON body, a slow and a huge response. Each ends as a
//! failed step with the evidence, or — for requests that may be repeated — as a retried
//! success honouring Retry-After; never a hang, never a panic, and a POST is never repeated.

mod common;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

use common::{Seen, read_request, repo, tapedeck};

#[derive(Clone, Debug)]
enum Fault {
    Status(u16, Option<&'static str>),
    Reset,
    Hang,
    Truncated,
    NotJson,
    Slow(Duration),
    Huge(usize),
}

/// The first `times` requests matching `method` and `path_prefix` get `fault`; everything
/// else goes to Nova.
#[derive(Clone)]
struct Rule {
    method: &'static str,
    path_prefix: &'static str,
    fault: Fault,
    times: usize,
}

#[derive(Clone, Default)]
struct Proxy {
    rules: Arc<Mutex<Vec<Rule>>>,
    /// Every request seen: method, path, when.
    seen: Arc<Mutex<Vec<(String, String, Instant)>>>,
    /// Requests being answered now, and the most there ever were at once.
    in_flight: Arc<Mutex<(usize, usize)>>,
}

impl Proxy {
    fn fault_for(&self, method: &str, path: &str) -> Option<Fault> {
        let mut rules = self.rules.lock().unwrap();
        let rule = rules.iter_mut().find(|r| r.method == method && path.contains(r.path_prefix) && r.times > 0)?;
        rule.times -= 1;
        Some(rule.fault.clone())
    }

    fn count(&self, method: &str, path_prefix: &str) -> Vec<Instant> {
        let seen = self.seen.lock().unwrap();
        seen.iter().filter(|(m, p, _)| m == method && p.contains(path_prefix)).map(|(_, _, t)| *t).collect()
    }
}

async fn start_proxy(upstream: String, proxy: Proxy) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let client = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else { return };
            let (proxy, client, upstream) = (proxy.clone(), client.clone(), upstream.clone());
            tokio::spawn(async move {
                let Some(Seen { method, path, headers, body }) = read_request(&mut sock).await else { return };
                proxy.seen.lock().unwrap().push((method.clone(), path.clone(), Instant::now()));
                {
                    let mut f = proxy.in_flight.lock().unwrap();
                    f.0 += 1;
                    f.1 = f.1.max(f.0);
                }
                let fault = proxy.fault_for(&method, &path);
                let respond = |status: u16, extra: &str, ctype: &str, body: &[u8]| {
                    let mut r = format!(
                        "HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    )
                    .into_bytes();
                    r.extend_from_slice(body);
                    r
                };
                let bytes = match fault {
                    Some(Fault::Status(code, retry_after)) => {
                        // As Nova answers an error: the microversion echoed, a request id.
                        let mut extra = retry_after.map(|r| format!("Retry-After: {r}\r\n")).unwrap_or_default();
                        for (k, v) in common::nova_headers(&headers) {
                            extra.push_str(&format!("{k}: {v}\r\n"));
                        }
                        // Nova's fault key for the status (nova's `Fault._fault_names`).
                        let key = match code {
                            400 => "badRequest",
                            409 => "conflictingRequest",
                            413 | 429 => "overLimit",
                            503 => "serviceUnavailable",
                            _ => "computeFault",
                        };
                        let body = format!(r#"{{"{key}": {{"code": {code}, "message": "injected by the test proxy"}}}}"#);
                        respond(code, &extra, "application/json", body.as_bytes())
                    }
                    Some(Fault::Reset) => Vec::new(),
                    Some(Fault::Hang) => {
                        tokio::time::sleep(Duration::from_secs(60)).await;
                        Vec::new()
                    }
                    Some(Fault::Truncated) => {
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{\"servers\": [".to_vec()
                    }
                    Some(Fault::NotJson) => respond(200, "", "application/json", b"<html>proxy error</html>"),
                    Some(Fault::Huge(n)) => {
                        let mut body = b"{\"servers\": [], \"padding\": \"".to_vec();
                        body.resize(n, b'x');
                        body.extend_from_slice(b"\"}");
                        respond(200, "", "application/json", &body)
                    }
                    Some(Fault::Slow(d)) => {
                        tokio::time::sleep(d).await;
                        forward(&client, &upstream, &method, &path, &headers, body).await
                    }
                    None => forward(&client, &upstream, &method, &path, &headers, body).await,
                };
                proxy.in_flight.lock().unwrap().0 -= 1;
                let _ = sock.write_all(&bytes).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    format!("http://{addr}")
}

async fn forward(
    client: &reqwest::Client,
    upstream: &str,
    method: &str,
    path: &str,
    headers: &[(String, String)],
    body: String,
) -> Vec<u8> {
    let mut req = client.request(reqwest::Method::from_bytes(method.as_bytes()).unwrap(), format!("{upstream}{path}"));
    for (k, v) in headers.iter().filter(|(k, _)| !matches!(k.as_str(), "host" | "content-length" | "connection")) {
        req = req.header(k, v);
    }
    if !body.is_empty() {
        req = req.body(body);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let mut head = format!("HTTP/1.1 {status} X\r\n");
    for (k, v) in resp.headers() {
        if !matches!(k.as_str(), "content-length" | "connection" | "transfer-encoding") {
            head.push_str(&format!("{k}: {}\r\n", v.to_str().unwrap_or("")));
        }
    }
    let bytes = resp.bytes().await.unwrap();
    head.push_str(&format!("Content-Length: {}\r\nConnection: close\r\n\r\n", bytes.len()));
    let mut out = head.into_bytes();
    out.extend_from_slice(&bytes);
    out
}

struct Setup {
    _dir: tempfile::TempDir,
    provider: PathBuf,
    suites: PathBuf,
    proxy: Proxy,
}

const SUITES: &[(&str, &str)] = &[
    (
        "list.yaml",
        "suite: fault-list\nmicroversions: [\"2.1\"]\nsteps:\n  - name: list\n    request: {GET: /servers, query: {name: \"^td-${run_id}-\"}}\n    expect: {status: 200}\n",
    ),
    (
        "create.yaml",
        "suite: fault-create\nmicroversions: [\"2.1\"]\nsteps:\n  - name: create\n    request:\n      POST: /servers\n      json: {server: {name: \"td-${run_id}-fault\", imageRef: \"${image_ref}\", flavorRef: \"${flavor_ref}\", networks: [{uuid: \"${network}\"}]}}\n    expect: {status: 202}\n    capture: {id: /server/id}\n    cleanup: {DELETE: \"/servers/${id}\"}\n",
    ),
];

/// A provider file like TAPEDECK_PROVIDER's, with the compute endpoint behind the proxy.
async fn setup() -> Option<Setup> {
    let file = common::live_provider()?;
    let p = tapedeck::provider::load(&file).unwrap();
    let options = tapedeck::provider::ConnectOptions::new(Duration::from_secs(30));
    let endpoint = tapedeck::provider::connect(&p, &options).await.unwrap().endpoint;
    let url = reqwest::Url::parse(&endpoint.url).unwrap();
    let upstream = url.origin().ascii_serialization();
    let proxy = Proxy::default();
    let base = start_proxy(upstream, proxy.clone()).await;

    let text = std::fs::read_to_string(&file).unwrap();
    let mut doc: Value = serde_saphyr::from_str(&text).unwrap();
    doc["endpoint"] = Value::String(format!("{base}{}", url.path().trim_end_matches('/')));
    if let Some(clouds) = doc.get("clouds_file").and_then(Value::as_str) {
        let absolute = file.parent().unwrap().join(clouds);
        doc["clouds_file"] = Value::String(absolute.display().to_string());
    }
    let dir = tempfile::tempdir().unwrap();
    let provider = dir.path().join("proxy-provider.json");
    std::fs::write(&provider, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    let suites = dir.path().join("suites");
    std::fs::create_dir_all(&suites).unwrap();
    for (name, text) in SUITES {
        std::fs::write(suites.join(name), text).unwrap();
    }
    Some(Setup { _dir: dir, provider, suites, proxy })
}

impl Setup {
    fn inject(&self, method: &'static str, path_prefix: &'static str, fault: Fault, times: usize) {
        let mut rules = self.proxy.rules.lock().unwrap();
        rules.clear();
        rules.push(Rule { method, path_prefix, fault, times });
        self.proxy.seen.lock().unwrap().clear();
    }

    /// Runs a suite live through the proxy; the JSON report's run.
    async fn run(&self, suite: &str, extra: &[&str]) -> (i32, String, Value) {
        let path = self.suites.join(suite).display().to_string();
        self.run_paths(extra, &[&path]).await
    }

    async fn run_paths(&self, extra: &[&str], paths: &[&str]) -> (i32, String, Value) {
        let report = self._dir.path().join("report.json");
        let mut args: Vec<String> = vec!["run", "--mode", "live", "--provider"].into_iter().map(String::from).collect();
        args.push(self.provider.display().to_string());
        args.push("--report".into());
        args.push(format!("json={}", report.display()));
        args.extend(extra.iter().map(|s| s.to_string()));
        args.extend(paths.iter().map(|s| s.to_string()));
        let (code, out, err) = tokio::task::spawn_blocking(move || {
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            tapedeck(&refs, repo())
        })
        .await
        .unwrap();
        assert!(!err.contains("panicked"), "{err}");
        let run = std::fs::read_to_string(&report)
            .ok()
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
            .map(|r| r["runs"][0].clone())
            .unwrap_or(Value::Null);
        (code, format!("{out}\n{err}"), run)
    }
}

fn warnings(run: &Value) -> Vec<String> {
    run["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|s| s["checks"].as_array().into_iter().flatten())
        .filter(|c| c["state"] == "warning" && c["kind"] == "transport")
        .filter_map(|c| c["message"].as_str().map(String::from))
        .collect()
}

fn list_gets(s: &Setup) -> Vec<Instant> {
    s.proxy.count("GET", "/servers?name=")
}

#[tokio::test(flavor = "multi_thread")]
async fn idempotent_requests_are_retried_honouring_retry_after() {
    let Some(s) = setup().await else { return };
    // 503 with Retry-After: 1 → one retry, a second later.
    s.inject("GET", "/servers?name=", Fault::Status(503, Some("1")), 1);
    let (code, out, run) = s.run("list.yaml", &[]).await;
    assert_eq!(code, 0, "{out}");
    let gets = list_gets(&s);
    assert_eq!(gets.len(), 2);
    assert!(gets[1] - gets[0] >= Duration::from_millis(950), "Retry-After honoured: {:?}", gets[1] - gets[0]);
    assert!(warnings(&run).iter().any(|w| w.contains("503") && w.contains("retried after 1.0 s")), "{run:#}");
    // The 503 is kept as evidence: both attempts are exchanges of the run.
    assert_eq!(run["exchanges"].as_array().unwrap().len(), 2);

    // 429 without Retry-After, twice → backoff, success at the third attempt.
    s.inject("GET", "/servers?name=", Fault::Status(429, None), 2);
    let (code, out, _) = s.run("list.yaml", &[]).await;
    assert_eq!((code, list_gets(&s).len()), (0, 3), "{out}");

    // Connection reset, truncated body, read timeout: a GET cannot have changed anything.
    for fault in [Fault::Reset, Fault::Truncated, Fault::Hang] {
        s.inject("GET", "/servers?name=", fault.clone(), 1);
        let started = Instant::now();
        let (code, out, run) = s.run("list.yaml", &["--request-timeout", "2s"]).await;
        assert_eq!((code, list_gets(&s).len()), (0, 2), "{fault:?}: {out}");
        assert_eq!(warnings(&run).len(), 1, "{fault:?}: {run:#}");
        assert!(started.elapsed() < Duration::from_secs(20), "{fault:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn faults_that_retrying_cannot_fix_fail_the_step_with_evidence() {
    let Some(s) = setup().await else { return };
    // A 500 is the provider's answer, kept as evidence, not retried.
    s.inject("GET", "/servers?name=", Fault::Status(500, None), 1);
    let (code, out, run) = s.run("list.yaml", &[]).await;
    assert_eq!((code, list_gets(&s).len()), (1, 1), "{out}");
    assert!(out.contains("expected 200, got 500"), "{out}");
    assert_eq!(run["exchanges"][0]["response"]["body"]["computeFault"]["code"], 500);

    // A non-JSON body where JSON is due: the schema check says so, with the text.
    s.inject("GET", "/servers?name=", Fault::NotJson, 1);
    let (code, out, run) = s.run("list.yaml", &[]).await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("not JSON"), "{out}");
    assert_eq!(run["exchanges"][0]["response"]["text"], "<html>proxy error</html>");

    // Unavailable for good: bounded retries, then the step fails with the last answer.
    s.inject("GET", "/servers?name=", Fault::Status(503, None), 100);
    let started = Instant::now();
    let (code, out, _) = s.run("list.yaml", &[]).await;
    assert_eq!((code, list_gets(&s).len()), (1, 4), "{out}");
    assert!(started.elapsed() < Duration::from_secs(15));

    // A huge response is cut off at the cap, never buffered whole.
    s.inject("GET", "/servers?name=", Fault::Huge(80 * 1024 * 1024), 100);
    let (code, out, _) = s.run("list.yaml", &[]).await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("larger than"), "{out}");

    // A slow answer within the timeout is just slow.
    s.inject("GET", "/servers?name=", Fault::Slow(Duration::from_millis(1500)), 1);
    let (code, out, run) = s.run("list.yaml", &["--request-timeout", "10s"]).await;
    assert_eq!(code, 0, "{out}");
    assert!(run["exchanges"][0]["duration_ms"].as_u64().unwrap() >= 1500);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_post_is_never_repeated() {
    let Some(s) = setup().await else { return };
    s.inject("POST", "/servers", Fault::Status(503, Some("1")), 1);
    let (code, out, run) = s.run("create.yaml", &[]).await;
    assert_eq!(code, 1, "{out}");
    assert_eq!(s.proxy.count("POST", "/servers").len(), 1, "{out}");
    assert!(warnings(&run).iter().any(|w| w.contains("not idempotent")), "{run:#}");
    // The connection reset of a POST: it may have arrived, so it is not repeated either.
    s.inject("POST", "/servers", Fault::Reset, 1);
    let (code, out, _) = s.run("create.yaml", &[]).await;
    assert_eq!((code, s.proxy.count("POST", "/servers").len()), (1, 1), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn max_in_flight_bounds_the_requests_of_all_runs_together() {
    let Some(s) = setup().await else { return };
    // Slow answers make overlapping requests likely; three runs at once share one slot.
    s.inject("GET", "/servers?name=", Fault::Slow(Duration::from_millis(300)), 100);
    for name in ["list-a.yaml", "list-b.yaml", "list-c.yaml"] {
        let text = SUITES[0].1.replace("fault-list", name.trim_end_matches(".yaml"));
        std::fs::write(s.suites.join(name), text).unwrap();
    }
    let paths: Vec<String> =
        ["list-a.yaml", "list-b.yaml", "list-c.yaml"].iter().map(|n| s.suites.join(n).display().to_string()).collect();
    let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
    let (code, out, _) = s.run_paths(&["--jobs", "3", "--max-in-flight", "1"], &paths).await;
    assert_eq!(code, 0, "{out}");
    assert_eq!(list_gets(&s).len(), 3, "{out}");
    assert_eq!(s.proxy.in_flight.lock().unwrap().1, 1, "more than one request in flight");
}

/// `td-…-fault` servers on the provider (the real one, not through the proxy).
fn fault_servers() -> Vec<String> {
    let file = common::live_provider().unwrap().display().to_string();
    let (code, out, err) = tapedeck(&["cleanup", "--dry-run", "--matching=-fault$", "--provider", &file], repo());
    assert_eq!(code, 0, "{out}\n{err}");
    out.lines().filter(|l| l.starts_with("would delete")).map(String::from).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_cleanup_delete_is_sent_again_once_the_server_settled() {
    let Some(s) = setup().await else { return };
    s.inject("DELETE", "/servers/", Fault::Status(409, None), 2);
    let (code, out, run) = s.run("create.yaml", &[]).await;
    assert_eq!(code, 0, "{out}");
    assert_eq!(s.proxy.count("DELETE", "/servers/").len(), 3, "two refusals, then the delete: {out}");
    let cleanup = &run["cleanups"][0];
    assert_eq!(cleanup["verdict"], "passed", "{cleanup:#}");
    let refused = cleanup["checks"].as_array().unwrap().iter().filter(|c| c["state"] == "warning").count();
    assert_eq!(refused, 2, "{cleanup:#}");
    // Followed until the server was gone: nothing is left the moment tapedeck exits.
    assert!(fault_servers().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn what_a_cleanup_cannot_remove_is_listed_and_the_run_fails() {
    let Some(s) = setup().await else { return };
    s.inject("DELETE", "/servers/", Fault::Status(500, None), 1000);
    let (code, out, run) = s.run("create.yaml", &["--cleanup-timeout", "3s"]).await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("left on the provider: 1 cleanup could not") && out.contains("DELETE /servers/"), "{out}");
    assert!(out.contains("sweep them with `tapedeck cleanup`"), "{out}");
    assert_eq!(run["cleanups"][0]["verdict"], "failed");
    // What was listed is what `tapedeck cleanup` removes.
    assert_eq!(fault_servers().len(), 1);
    s.inject("DELETE", "/none", Fault::Reset, 0);
    let file = common::live_provider().unwrap().display().to_string();
    let (code, out, err) = tapedeck(&["cleanup", "--matching=-fault$", "--provider", &file], repo());
    assert_eq!(code, 0, "{out}\n{err}");
}
