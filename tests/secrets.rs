//! No secret on disk in any path: canaries sent through every way a secret travels — a value
//! the suite sends under a secret key that the provider quotes back in an error, a `--var` given
//! as a `--secret` too and sent in a query, the `--token` — must not appear in any file tapedeck
//! writes (cassettes, every report, the parsed-cassette cache) nor in what it prints, recording
//! or replaying; and replay matches the redacted recording. A secret too short to redact safely
//! is refused (exit 2), never kept in the clear.

mod common;

use std::path::Path;

use common::{Reply, Script, serve};

const ADMIN_PASS: &str = "CANARY-admin-7e1";
const NOTE: &str = "CANARY-var-5b2";
const TOKEN: &str = "CANARY-token-3c4";

const SUITE: &str = r#"
suite: canaries
microversions: ["2.1"]
steps:
  - name: create quoting the password
    request:
      POST: /servers
      json: {server: {name: "td-${run_id}", imageRef: "img", flavorRef: "1", adminPass: "CANARY-admin-7e1"}}
    expect: {status: 400}
  - name: list by a secret note
    request: {GET: /servers, query: {note: "${note}"}}
    expect: {status: 299}
"#;

fn nova_like(script: &Script) {
    script.on(
        "GET /v2.1",
        vec![Reply::Json(
            200,
            vec![],
            r#"{"version": {"id": "v2.1", "min_version": "2.1", "version": "2.104"}}"#.into(),
        )],
    );
    // Nova's validation errors quote the value they refuse.
    let refused = format!(
        r#"{{"badRequest": {{"code": 400, "message": "Invalid input for field/attribute adminPass. Value: {ADMIN_PASS}. too long"}}}}"#
    );
    script.on("POST /v2.1/servers", vec![Reply::Json(400, vec![], refused)]);
    let echoed = format!(r#"{{"servers": [], "note": "you asked for {NOTE}"}}"#);
    script.on("GET /v2.1/servers", vec![Reply::Json(200, vec![], echoed)]);
}

/// Every file under `dir`, with its text.
fn files(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.display().to_string(), String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned()));
            }
        }
    }
    out
}

fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let cache = dir.join("cache").display().to_string();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_tapedeck"));
    cmd.args(args).current_dir(dir).env("TAPEDECK_CACHE_DIR", &cache);
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const REPORTS: [&str; 8] =
    ["--report", "json=r.json", "--report", "junit=r.xml", "--report", "markdown=r.md", "--report", "html=r.html"];

#[tokio::test(flavor = "multi_thread")]
async fn canaries_reach_no_file_and_no_message() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("canaries.yaml"), SUITE).unwrap();
    common::schemas_without_operations(dir.path());
    let script = Script::default();
    let base = serve(script.clone()).await;
    nova_like(&script);
    let endpoint = format!("{base}/v2.1");
    let var = format!("note={NOTE}");
    let mut record = vec!["run", "--mode", "record", "--endpoint", &endpoint, "--token", TOKEN, "--var", &var];
    record.extend(["--secret", NOTE, "--schemas", "schemas-none", "--cassettes", "cassettes"]);
    record.extend(REPORTS);
    record.push("canaries.yaml");
    let record: Vec<String> = record.into_iter().map(String::from).collect();
    let d = dir.path().to_path_buf();
    let (code, out, err) = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = record.iter().map(String::as_str).collect();
        run(&d, &args)
    })
    .await
    .unwrap();
    // The second step fails on purpose: failures print their evidence, in every report too.
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(out.contains("expected 299, got 200"), "{out}");

    // The provider really got them…
    let seen = script.seen.lock().unwrap().clone();
    assert!(seen.iter().any(|s| s.body.contains(ADMIN_PASS)) && seen.iter().any(|s| s.path.contains(NOTE)));

    // …and the replay, with the same flags, matches the redacted recording and fails the same.
    let mut replay =
        vec!["run", "--var", &var, "--secret", NOTE, "--schemas", "schemas-none", "--cassettes", "cassettes"];
    replay.extend(REPORTS);
    replay.push("canaries.yaml");
    let (rcode, rout, rerr) = run(dir.path(), &replay);
    assert_eq!(rcode, 1, "{rout}\n{rerr}");
    assert!(rout.contains("expected 299, got 200") && !rout.contains("not in cassette"), "{rout}\n{rerr}");

    let mut leaks = Vec::new();
    let printed = [
        ("record stdout".to_string(), out),
        ("record stderr".into(), err),
        ("replay stdout".into(), rout),
        ("replay stderr".into(), rerr),
    ];
    let written = files(dir.path()).into_iter().filter(|(p, _)| !p.ends_with("canaries.yaml"));
    let everything: Vec<(String, String)> = written.chain(printed).collect();
    assert!(
        everything.iter().any(|(p, _)| p.contains("/cache/")),
        "the parsed-cassette cache was written (and searched)"
    );
    for (place, text) in &everything {
        for canary in [ADMIN_PASS, NOTE, TOKEN, base.trim_start_matches("http://")] {
            if text.contains(canary) {
                leaks.push(format!("{canary} in {place}"));
            }
        }
    }
    assert!(leaks.is_empty(), "secrets on disk or in messages: {leaks:#?}");
}

#[test]
fn a_secret_too_short_to_redact_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("canaries.yaml"), SUITE).unwrap();
    let args = ["run", "--mode", "live", "--endpoint", "http://127.0.0.1:9/v2.1", "--token", "Zq", "canaries.yaml"];
    let (code, out, err) = run(dir.path(), &args);
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(err.contains("the --token (or OS_TOKEN) is 2 character(s): too short to redact safely"), "{err}");
    let (code, _, err) = run(dir.path(), &["run", "--secret", "ab", "canaries.yaml"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("a --secret value is 2 character(s)"), "{err}");
    // A suite's own literal: refused where it stands.
    std::fs::write(dir.path().join("short.yaml"), SUITE.replace(ADMIN_PASS, "ab")).unwrap();
    let (code, _, err) = run(dir.path(), &["run", "short.yaml"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("short.yaml:8:") && err.contains("the value sent as `adminPass` is 2 character(s)"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn error_output_names_the_endpoint_by_its_placeholder() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("canaries.yaml"), SUITE).unwrap();
    let script = Script::default();
    let base = serve(script.clone()).await;
    script.on("GET /v2.1", vec![Reply::Hang]);
    let endpoint = format!("{base}/v2.1");
    let d = dir.path().to_path_buf();
    let (code, out, err) = tokio::task::spawn_blocking(move || {
        let args = [
            "run",
            "--mode",
            "live",
            "--endpoint",
            &endpoint,
            "--token",
            TOKEN,
            "--var",
            "note=x",
            "--request-timeout",
            "200ms",
        ];
        run(&d, &[&args[..], &["canaries.yaml"]].concat())
    })
    .await
    .unwrap();
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(err.contains("GET http://endpoint.invalid/v2.1: timed out"), "{err}");
    assert!(!err.contains("127.0.0.1"), "a cloud's internal address stays out of messages: {err}");
}
