//! The live transport against a scripted loopback server: connection refused, timeouts,
//! truncated and non-JSON bodies end as clear errors naming the request, never as a panic.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::{Reply, Script, serve};
use tapedeck::transport::live::Endpoint;
use tapedeck::transport::{Outgoing, TransportErrorKind};

fn get(target: &str) -> Outgoing {
    Outgoing::get("show", target, None)
}

fn endpoint(base: &str, timeout: Duration) -> Endpoint {
    Endpoint::plain(&format!("{base}/v2.1"), BTreeMap::new(), vec![], timeout).unwrap()
}

#[tokio::test]
async fn connection_refused_names_the_request() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let e = endpoint(&format!("http://127.0.0.1:{port}"), Duration::from_secs(5));
    let err = e.exchange(&get("/servers"), Instant::now()).await.unwrap_err();
    assert_eq!(err.kind, TransportErrorKind::Connect);
    assert!(err.message.contains("GET") && err.message.contains("/v2.1/servers"), "{}", err.message);
    assert!(err.message.contains("could not connect"), "{}", err.message);
}

#[tokio::test]
async fn a_hanging_provider_times_out() {
    let script = Script::default();
    script.on("GET /v2.1/servers", vec![Reply::Hang]);
    let e = endpoint(&serve(script).await, Duration::from_millis(300));
    let started = Instant::now();
    let err = e.exchange(&get("/servers"), Instant::now()).await.unwrap_err();
    assert_eq!(err.kind, TransportErrorKind::Timeout, "{}", err.message);
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn a_truncated_body_is_an_io_error() {
    let script = Script::default();
    script.on("GET /v2.1/servers", vec![Reply::Truncated]);
    let e = endpoint(&serve(script).await, Duration::from_secs(5));
    let err = e.exchange(&get("/servers"), Instant::now()).await.unwrap_err();
    assert_eq!(err.kind, TransportErrorKind::Io, "{}", err.message);
}

#[tokio::test]
async fn a_non_json_body_is_kept_as_text() {
    let script = Script::default();
    script.on("GET /v2.1/servers", vec![Reply::Text(502, "<html>Bad Gateway</html>".into())]);
    let e = endpoint(&serve(script).await, Duration::from_secs(5));
    let ex = e.exchange(&get("/servers"), Instant::now()).await.unwrap();
    assert_eq!(ex.response.status, 502);
    assert_eq!(ex.response.body, None);
    assert_eq!(ex.response.text.as_deref(), Some("<html>Bad Gateway</html>"));
}

#[tokio::test]
async fn absolute_targets_outside_the_endpoint_are_refused() {
    let e = endpoint("http://127.0.0.1:9", Duration::from_secs(1));
    let err = e.exchange(&get("http://elsewhere.example/v2.1/servers"), Instant::now()).await.unwrap_err();
    assert_eq!(err.kind, TransportErrorKind::Invalid);
}
