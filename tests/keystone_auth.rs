//! Keystone v3 client logic against a scripted loopback server: the catalog gives the compute
//! endpoint, a refused token is renewed once and the request repeated, a second refusal is
//! the provider's answer, and no credential reaches an exchange. (The real Keystone and Nova
//! behind auth_token are exercised by the live tests.)

mod common;

use std::time::{Duration, Instant};

use common::{Reply, Script, serve};
use tapedeck::auth::clouds::{Cloud, Method};
use tapedeck::provider;
use tapedeck::provider::{ConnectOptions, connect};
use tapedeck::transport::Outgoing;

fn token_reply(base: &str, id: &str) -> Reply {
    let body = format!(
        r#"{{"token": {{"expires_at": "2099-01-01T00:00:00.000000Z", "catalog": [
            {{"type": "identity", "endpoints": [{{"interface": "public", "region_id": "RegionOne", "url": "{base}/v3"}}]}},
            {{"type": "compute", "endpoints": [{{"interface": "public", "region_id": "RegionOne", "url": "{base}/v2.1"}}]}}]}}}}"#
    );
    Reply::Json(201, vec![("X-Subject-Token", id.to_string())], body)
}

fn cloud(base: &str) -> Cloud {
    Cloud {
        name: "scripted".into(),
        source: "test".into(),
        auth_url: Some(format!("{base}/v3")),
        method: Some(Method::Password),
        username: Some("demo".into()),
        password: Some("PASSWORD-CANARY-5e1f".into()),
        project_name: Some("demo".into()),
        region_name: Some("RegionOne".into()),
        interface: "public".into(),
        ..Cloud::default()
    }
}

fn versions() -> Reply {
    Reply::Json(200, vec![], r#"{"version": {"min_version": "2.1", "version": "2.104"}}"#.into())
}

#[tokio::test]
async fn catalog_endpoint_and_one_reauthentication_after_a_401() {
    let script = Script::default();
    let base = serve(script.clone()).await;
    script.on(
        "POST /v3/auth/tokens",
        vec![token_reply(&base, "TOKEN-ONE-canary"), token_reply(&base, "TOKEN-TWO-canary")],
    );
    script.on("GET /v2.1/", vec![versions()]);
    let unauthorized =
        Reply::Json(401, vec![], r#"{"error": {"code": 401, "title": "Unauthorized", "message": "revoked"}}"#.into());
    script.on("GET /v2.1/servers", vec![unauthorized, Reply::Json(200, vec![], r#"{"servers": []}"#.into())]);

    let p = provider::from_cloud(cloud(&base), None).unwrap();
    let options = ConnectOptions::new(Duration::from_secs(5));
    let conn = connect(&p, &options).await.unwrap();
    assert_eq!(conn.endpoint.url, format!("{base}/v2.1"), "endpoint from the catalog");
    assert_eq!(conn.info.label, "scripted");

    let req = Outgoing::get("list", "/servers", None);
    let ex = conn.endpoint.exchange(&req, Instant::now()).await.unwrap();
    assert_eq!(ex.response.status, 200, "the request is repeated with a new token");
    let seen = script.seen.lock().unwrap().clone();
    let tokens: Vec<String> = seen
        .iter()
        .filter(|s| s.path == "/v2.1/servers")
        .map(|s| s.headers.iter().find(|(k, _)| k == "x-auth-token").map(|(_, v)| v.clone()).unwrap_or_default())
        .collect();
    assert_eq!(tokens, ["TOKEN-ONE-canary", "TOKEN-TWO-canary"]);
    assert_eq!(seen.iter().filter(|s| s.path == "/v3/auth/tokens").count(), 2);
    let stored = serde_json::to_string(&ex).unwrap();
    for canary in ["TOKEN-ONE-canary", "TOKEN-TWO-canary", "PASSWORD-CANARY-5e1f"] {
        assert!(!stored.contains(canary), "{canary} in {stored}");
    }
}

#[tokio::test]
async fn a_second_401_is_the_answer_and_wrong_credentials_fail_clearly() {
    let script = Script::default();
    let base = serve(script.clone()).await;
    script.on("POST /v3/auth/tokens", vec![token_reply(&base, "TOKEN-A-canary")]);
    script.on("GET /v2.1/", vec![versions()]);
    script
        .on("GET /v2.1/servers", vec![Reply::Json(401, vec![], r#"{"error": {"code": 401, "message": "no"}}"#.into())]);
    let p = provider::from_cloud(cloud(&base), Some("mine")).unwrap();
    let options = ConnectOptions::new(Duration::from_secs(5));
    let conn = connect(&p, &options).await.unwrap();
    let req = Outgoing::get("list", "/servers", None);
    let ex = conn.endpoint.exchange(&req, Instant::now()).await.unwrap();
    assert_eq!(ex.response.status, 401);
    assert_eq!(
        script.seen.lock().unwrap().iter().filter(|s| s.path == "/v2.1/servers").count(),
        2,
        "one retry, no more"
    );

    // Keystone says no: the message names the cloud and never the password.
    let refusing = Script::default();
    let base = serve(refusing.clone()).await;
    refusing.on("POST /v3/auth/tokens", vec![Reply::Json(401, vec![], r#"{"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}}"#.into())]);
    let err = connect(&provider::from_cloud(cloud(&base), None).unwrap(), &options).await.err().unwrap().to_string();
    assert!(err.contains("Keystone refused cloud `scripted`") && err.contains("401"), "{err}");
    assert!(!err.contains("PASSWORD-CANARY-5e1f"));

    // A catalog without compute.
    let no_compute = Script::default();
    let base = serve(no_compute.clone()).await;
    no_compute.on(
        "POST /v3/auth/tokens",
        vec![Reply::Json(
            201,
            vec![("X-Subject-Token", "T-canary".into())],
            r#"{"token": {"catalog": [{"type": "identity", "endpoints": []}]}}"#.into(),
        )],
    );
    let err = connect(&provider::from_cloud(cloud(&base), None).unwrap(), &options).await.err().unwrap().to_string();
    assert!(err.contains("no compute service") && err.contains("identity"), "{err}");
}

#[test]
fn unreachable_keystone_and_missing_auth_url_exit_2_with_the_cloud_named() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let clouds = dir.path().join("clouds.yaml");
    std::fs::write(
        &clouds,
        format!(
            "clouds:\n  gone:\n    auth:\n      auth_url: http://127.0.0.1:{port}/v3\n      username: u\n      password: PW-canary-77\n      project_name: p\n  no-url:\n    auth:\n      username: u\n      password: PW-canary-77\n"
        ),
    )
    .unwrap();
    let run = |cloud: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_tapedeck"))
            .args(["run", "--mode", "live", "--os-cloud", cloud, "suites/server-errors.yaml"])
            .env("OS_CLIENT_CONFIG_FILE", &clouds)
            .current_dir(common::repo())
            .output()
            .unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (code, err) = run("gone");
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("cannot reach Keystone") && err.contains("`gone`") && err.contains("could not connect"),
        "{err}"
    );
    // Named with the file it came from, like every other clouds.yaml error.
    assert!(err.contains(&clouds.display().to_string()), "{err}");
    let (code, err) = run("no-url");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("`no-url`") && err.contains("has no auth_url"), "{err}");
    assert!(!err.contains("PW-canary-77"));
}
