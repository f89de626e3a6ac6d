//! Record → cassette → replay through the whole binary, against a scripted loopback server:
//! redaction of canaries, endpoint placeholder, replay order of repeated polls, stale and
//! incomplete cassettes, and atomic writes (a failed record leaves the old cassette intact).

mod common;

use std::path::Path;

use common::{Reply, Script, serve, tapedeck};
use serde_json::Value;

const TOKEN: &str = "TOKEN-CANARY-7f3a";
const ADMIN_PASS: &str = "PASSWORD-CANARY-91bc";
const SECRET: &str = "SECRET-CANARY-c0de";

const SUITE: &str = r#"
suite: scripted
microversions: ["2.1"]
steps:
  - name: create
    request:
      POST: /servers
      json: {server: {name: "td-${run_id}", imageRef: "img", flavorRef: "1", metadata: {note: "SECRET-CANARY-c0de"}}}
    expect: {status: 202, headers: {location: present}}
    capture: {server_id: /server/id}
    cleanup: {DELETE: "/servers/${server_id}"}
  - name: active
    wait: {server: "${server_id}", until: ACTIVE, path: [BUILD, ACTIVE], interval: 50ms}
  - name: delete
    request: {DELETE: "/servers/${server_id}"}
    expect: {status: 204}
"#;

fn nova_like(script: &Script, base_placeholder: &str) {
    script.on(
        "GET /v2.1/",
        vec![Reply::Json(
            200,
            vec![],
            r#"{"version": {"id": "v2.1", "min_version": "2.1", "version": "2.104"}}"#.into(),
        )],
    );
    let created = format!(
        r#"{{"server": {{"id": "abc", "adminPass": "{ADMIN_PASS}", "links": [{{"rel": "self", "href": "{base_placeholder}/v2.1/servers/abc"}}]}}}}"#
    );
    const CREATED: &str = "req-00000000-0000-4000-8000-00000000c0de";
    script.on(
        "POST /v2.1/servers",
        vec![Reply::Json(
            202,
            vec![
                ("Location", format!("{base_placeholder}/v2.1/servers/abc")),
                ("x-openstack-request-id", CREATED.into()),
            ],
            created,
        )],
    );
    // The create's instance action, which the wait asks for once the server is ACTIVE.
    script.on(
        &format!("GET /v2.1/servers/abc/os-instance-actions/{CREATED}"),
        vec![Reply::Json(
            200,
            vec![],
            format!(r#"{{"instanceAction": {{"action": "create", "request_id": "{CREATED}"}}}}"#),
        )],
    );
    let status = |s: &str| Reply::Json(200, vec![], format!(r#"{{"server": {{"id": "abc", "status": "{s}"}}}}"#));
    script.on("GET /v2.1/servers/abc", vec![status("BUILD"), status("BUILD"), status("ACTIVE")]);
    script.on("DELETE /v2.1/servers/abc", vec![Reply::Json(204, vec![], String::new())]);
    script.remove_on_delete();
}

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("scripted.yaml"), SUITE).unwrap();
    common::schemas_without_operations(dir.path());
    dir
}

fn record(dir: &Path, base: &str) -> (i32, String, String) {
    tapedeck(
        &[
            "run",
            "--schemas",
            "schemas-none",
            "--mode",
            "record",
            "--endpoint",
            &format!("{base}/v2.1"),
            "--token",
            TOKEN,
            "--secret",
            SECRET,
            "--cassettes",
            "cassettes",
            "scripted.yaml",
        ],
        dir,
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn record_redacts_and_replay_reproduces_the_polls() {
    let dir = setup();
    let script = Script::default();
    let base = serve(script.clone()).await;
    nova_like(&script, &base);
    let (code, out, err) = tokio::task::spawn_blocking({
        let d = dir.path().to_path_buf();
        let b = base.clone();
        move || record(&d, &b)
    })
    .await
    .unwrap();
    assert_eq!(code, 0, "{out}\n{err}");

    // The provider really got the token, the secret and the password...
    let seen = script.seen.lock().unwrap().clone();
    // (All but the capability probe that asks, without credentials, whether tokens are checked.)
    let with_token = |s: &&common::Seen| s.headers.iter().any(|(k, v)| k == "x-auth-token" && v == TOKEN);
    let anonymous: Vec<String> =
        seen.iter().filter(|s| !with_token(s)).map(|s| format!("{} {}", s.method, s.path)).collect();
    assert_eq!(anonymous, ["GET /v2.1/flavors"]);
    assert!(seen.iter().any(|s| s.body.contains(SECRET)));
    // ...and none of them, nor the endpoint's address, reached the cassette.
    let cassette = std::fs::read_to_string(dir.path().join("cassettes/scripted@2.1.yaml")).unwrap();
    for canary in [TOKEN, ADMIN_PASS, SECRET, base.as_str(), "127.0.0.1"] {
        assert!(!cassette.contains(canary), "{canary} leaked into the cassette:\n{cassette}");
    }
    assert!(cassette.contains("http://endpoint.invalid/v2.1/servers/abc"));
    assert!(cassette.contains("<redacted>"));

    // Replay: no server, same verdict, the three polls in recorded order.
    drop(script);
    let (code, out, err) = tapedeck(
        &[
            "run",
            "--schemas",
            "schemas-none",
            "--cassettes",
            "cassettes",
            "--report",
            "json=report.json",
            "--report",
            "junit=junit.xml",
            "scripted.yaml",
        ],
        dir.path(),
    );
    assert_eq!(code, 0, "{out}\n{err}");
    let junit = std::fs::read_to_string(dir.path().join("junit.xml")).unwrap();
    assert!(junit.starts_with("<?xml"), "{junit}");
    assert!(junit.contains(r#"<testsuite name="scripted@2.1" tests="3""#), "{junit}");
    assert!(junit.contains(r#"<testcase name="active" classname="scripted.v2_1""#), "{junit}");
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap()).unwrap();
    let trace = &report["runs"][0]["steps"][1]["trace"]["observations"];
    let statuses: Vec<&str> = trace.as_array().unwrap().iter().map(|o| o["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["BUILD", "BUILD", "ACTIVE"]);
    // The suite deleted the server itself, so its cleanup was not needed.
    assert_eq!(report["runs"][0]["cleanups"].as_array().unwrap().len(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_record_leaves_the_old_cassette_byte_identical() {
    let dir = setup();
    let script = Script::default();
    let base = serve(script.clone()).await;
    nova_like(&script, &base);
    let d = dir.path().to_path_buf();
    let b = base.clone();
    let (code, _, err) = tokio::task::spawn_blocking(move || record(&d, &b)).await.unwrap();
    assert_eq!(code, 0, "{err}");
    let path = dir.path().join("cassettes/scripted@2.1.yaml");
    let before = std::fs::read(&path).unwrap();

    // The provider drops the connection while the server is building.
    script.on("GET /v2.1/servers/abc", vec![Reply::Close]);
    let d = dir.path().to_path_buf();
    let (code, out, _) = tokio::task::spawn_blocking(move || record(&d, &base)).await.unwrap();
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("left as it was"), "{out}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
    let leftovers: Vec<_> =
        std::fs::read_dir(dir.path().join("cassettes")).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers.len(), 1, "no temporary files may remain: {leftovers:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn stale_incomplete_and_broken_cassettes_are_reported() {
    let dir = setup();
    let script = Script::default();
    let base = serve(script.clone()).await;
    nova_like(&script, &base);
    let d = dir.path().to_path_buf();
    let (code, _, err) = tokio::task::spawn_blocking(move || record(&d, &base)).await.unwrap();
    assert_eq!(code, 0, "{err}");
    let cassette_path = dir.path().join("cassettes/scripted@2.1.yaml");
    let cassette = std::fs::read_to_string(&cassette_path).unwrap();

    // Incomplete: the last poll (ACTIVE) removed by hand.
    let mut doc: Value = serde_saphyr::from_str(&cassette).unwrap();
    let exchanges = doc["exchanges"].as_array_mut().unwrap();
    let last_poll = exchanges
        .iter()
        .rposition(|e| e["request"]["method"] == "GET" && e["request"]["path"] == "/servers/abc")
        .unwrap();
    exchanges.remove(last_poll);
    let run =
        || tapedeck(&["run", "--schemas", "schemas-none", "--cassettes", "cassettes", "scripted.yaml"], dir.path());
    // Its end marker still counts the poll: a cassette cut or edited is refused as broken.
    std::fs::write(&cassette_path, serde_saphyr::to_string(&doc).unwrap()).unwrap();
    let (code, out, err) = run();
    assert_eq!(code, 2, "{out}");
    assert!(err.contains("broken cassette") && err.contains("where its end marker says"), "{err}");
    // With the count lowered too, as a recording with one poll fewer would be.
    let count = doc["exchange_count"].as_u64().unwrap();
    doc["exchange_count"] = (count - 1).into();
    std::fs::write(&cassette_path, serde_saphyr::to_string(&doc).unwrap()).unwrap();
    let (code, out, _) = run();
    assert_eq!(code, 1);
    assert!(
        out.contains("step `active`") && out.contains("recorded fewer times") && out.contains("re-record"),
        "{out}"
    );

    // Stale: the suite changed after recording.
    std::fs::write(&cassette_path, &cassette).unwrap();
    std::fs::write(dir.path().join("scripted.yaml"), SUITE.replace("interval: 50ms", "interval: 100ms")).unwrap();
    let (code, out, _) = tapedeck(
        &[
            "run",
            "--schemas",
            "schemas-none",
            "--cassettes",
            "cassettes",
            "--report",
            "junit=junit.xml",
            "scripted.yaml",
        ],
        dir.path(),
    );
    assert_eq!(code, 1);
    assert!(out.contains("stale cassette"), "{out}");
    let junit = std::fs::read_to_string(dir.path().join("junit.xml")).unwrap();
    assert!(junit.contains("failures=\"1\"") && junit.contains("stale cassette"), "{junit}");

    // A comment does not change the suite's meaning: not stale.
    std::fs::write(dir.path().join("scripted.yaml"), format!("# a comment\n{SUITE}")).unwrap();
    let (code, out, _) =
        tapedeck(&["run", "--schemas", "schemas-none", "--cassettes", "cassettes", "scripted.yaml"], dir.path());
    assert_eq!(code, 0, "{out}");

    // Truncated by hand: an input error with file:line:column, exit 2, nothing run.
    std::fs::write(&cassette_path, &cassette[..cassette.len() * 2 / 3]).unwrap();
    let (code, out, err) =
        tapedeck(&["run", "--schemas", "schemas-none", "--cassettes", "cassettes", "scripted.yaml"], dir.path());
    assert_eq!(code, 2, "{out}{err}");
    assert!(out.is_empty());
    assert!(err.contains("cassettes/scripted@2.1.yaml:") && err.contains("broken cassette"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn suite_variables_keep_their_yaml_type_in_a_body() {
    let dir = setup();
    std::fs::write(
        dir.path().join("typed.yaml"),
        r#"
suite: typed
microversions: ["2.1"]
vars: {n: 3, flag: true, text: "x-${run_id}"}
steps:
  - name: send
    request: {POST: /servers, json: {n: "${n}", flag: "${flag}", text: "${text}", mixed: "n=${n}"}}
    expect: {status: 202}
"#,
    )
    .unwrap();
    let script = Script::default();
    let base = serve(script.clone()).await;
    script.on("POST /v2.1/servers", vec![Reply::Json(202, vec![], "{}".into())]);
    let d = dir.path().to_path_buf();
    let endpoint = format!("{base}/v2.1");
    let (code, out, err) = tokio::task::spawn_blocking(move || {
        let args = ["run", "--mode", "live", "--schemas", "schemas-none", "--endpoint", &endpoint, "--token", TOKEN];
        tapedeck(&[&args[..], &["typed.yaml"]].concat(), &d)
    })
    .await
    .unwrap();
    assert_eq!(code, 0, "{out}\n{err}");
    let seen = script.seen.lock().unwrap().clone();
    let body: Value = serde_json::from_str(&seen.iter().find(|s| s.method == "POST").unwrap().body).unwrap();
    assert_eq!(
        (&body["n"], &body["flag"], &body["none"], &body["mixed"]),
        (&3.into(), &true.into(), &Value::Null, &"n=3".into())
    );
    assert!(body["text"].as_str().unwrap().starts_with("x-"));
}
