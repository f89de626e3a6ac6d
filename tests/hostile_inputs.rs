//! Limits against hostile files: a deeply nested document, a YAML alias bomb, a huge file and
//! runaway nesting in a cassette body each end as a clear error with exit code 2 — no stack
//! overflow, no unbounded memory, no panic — quickly. Generated at test time (no multi-MB
//! fixtures in the repository). Also: an error on a 5 MB line, special files in the
//! parsed-cassette cache, a captured value that would lead a request out of the endpoint, and
//! two recordings of different suites given to `diff`.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{Reply, Script, repo, serve, tapedeck};

/// Runs tapedeck from the repository: it must end within 20 s and without a panic or overflow.
fn run_bounded(args: &[&str]) -> (i32, String) {
    let started = Instant::now();
    let (code, out, err) = tapedeck(args, repo());
    assert!(started.elapsed() < Duration::from_secs(20), "took {:?}", started.elapsed());
    assert!(!err.contains("panicked") && !err.contains("overflow"), "{err}");
    (code, format!("{out}{err}"))
}

fn run_suite(dir: &Path, text: &str) -> (i32, String) {
    let suite = dir.join("hostile.yaml");
    std::fs::write(&suite, text).unwrap();
    let cassettes = dir.join("cassettes").display().to_string();
    run_bounded(&["run", "--cassettes", &cassettes, &suite.display().to_string()])
}

#[test]
fn deep_nesting_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("suite: s\nsteps: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    let (code, out) = run_suite(dir.path(), &text);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("hostile.yaml:") && out.contains("nests deeper than"), "{out}");
    let block: String = (0..5000).map(|i| format!("{}- \n", "  ".repeat(i))).collect();
    let (code, out) = run_suite(dir.path(), &format!("suite: s\nsteps:\n{block}"));
    assert_eq!(code, 2, "{out}");
}

#[test]
fn an_alias_bomb_is_refused() {
    // "Billion laughs" inside a response body (bodies are free-form JSON, so every alias would
    // be expanded): 9^10 strings if nothing stopped it.
    let mut bomb = String::from("{a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]");
    for i in 1..11 {
        let prev = format!("*a{}", i - 1);
        bomb.push_str(&format!(", a{i}: &a{i} [{}]", [prev.as_str(); 9].join(", ")));
    }
    bomb.push('}');
    let (code, err) = cassette_with_body(&bomb);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("server-reboot@2.1.yaml:") && err.contains("refused"), "{err}");
}

/// Replays the shipped reboot cassette with its first response body replaced by `body`.
fn cassette_with_body(body: &str) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let shipped = std::fs::read_to_string(repo().join("cassettes/nova-34.0.0/server-reboot@2.1.yaml")).unwrap();
    // The original body moves under a key the reader rejects — after the new body was read.
    let text = shipped.replacen("    body:\n", &format!("    body: {body}\n    x-body:\n"), 1);
    let cassettes = dir.path().join("cassettes");
    std::fs::create_dir_all(&cassettes).unwrap();
    std::fs::write(cassettes.join("server-reboot@2.1.yaml"), text).unwrap();
    run_bounded(&[
        "run",
        "--cassettes",
        &cassettes.display().to_string(),
        "--microversion",
        "2.1",
        "suites/server-reboot.yaml",
    ])
}

#[test]
fn a_file_over_the_size_limit_is_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hostile.yaml");
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(65 * 1024 * 1024).unwrap(); // sparse: costs no disk
    let cassettes = dir.path().join("cassettes").display().to_string();
    let (code, _, err) = tapedeck(&["run", "--cassettes", &cassettes, &path.display().to_string()], repo());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("larger than"), "{err}");
}

#[test]
fn a_cassette_over_its_size_limit_is_refused_before_reading() {
    // Cassettes may be larger than other inputs (a long recorded wait, read as a stream), up to
    // 256 MiB.
    let dir = tempfile::tempdir().unwrap();
    let file = std::fs::File::create(dir.path().join("server-reboot@2.1.yaml")).unwrap();
    file.set_len(257 * 1024 * 1024).unwrap(); // sparse: costs no disk
    let cassettes = dir.path().display().to_string();
    let (code, err) =
        run_bounded(&["run", "--cassettes", &cassettes, "--microversion", "2.1", "suites/server-reboot.yaml"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("server-reboot@2.1.yaml: cassette is 269484032 bytes, larger than the 268435456 byte limit"),
        "{err}"
    );
}

#[test]
fn a_cassette_with_a_runaway_body_is_refused() {
    let (code, err) = cassette_with_body(&format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000)));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("server-reboot@2.1.yaml:") && err.contains("nests deeper than"), "{err}");
}

#[test]
fn an_error_on_a_5_mb_line_prints_a_line_not_the_5_mb() {
    let dir = tempfile::tempdir().unwrap();
    let long = "x".repeat(5_000_000);
    // An error 5 MB into a line: the snippet shows the part around the column.
    let far = format!("suite: s\nsteps:\n  - request: {{GET: /servers, json: {{a: \"{long}\"}}, bogus: 1}}\n");
    // An error quoting a 5 MB value: the message keeps its start and its end.
    let quoted = format!("suite: s\nsteps:\n  - request: {{GET: /servers}}\n    expect: {{status: \"{long}\"}}\n");
    let mut shown = String::new();
    for text in [far, quoted] {
        let (code, out) = run_suite(dir.path(), &text);
        assert_eq!(code, 2, "{}", &out[..out.len().min(2000)]);
        assert!(out.len() < 2000, "{} bytes of message", out.len());
        shown += &out.replace(&dir.path().display().to_string(), "[dir]");
    }
    insta::assert_snapshot!("a_5_mb_line", shown);
}

/// Replays the shipped reboot cassette with `TAPEDECK_CACHE_DIR` holding `make(entry)` where
/// its parsed-cassette entry goes.
#[cfg(unix)]
fn replay_with_cache_entry(make: impl FnOnce(&Path)) -> (i32, String) {
    let cache = tempfile::tempdir().unwrap();
    let shipped = repo().join("cassettes/nova-34.0.0/server-reboot@2.1.yaml");
    let entries = cache.path().join("parsed-cassettes");
    std::fs::create_dir_all(&entries).unwrap();
    let entry = tapedeck::cassette::cache::entry(&entries, &std::fs::read(&shipped).unwrap()).unwrap();
    make(&entry);
    let started = Instant::now();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tapedeck"))
        .args(["run", "--microversion", "2.1", "suites/server-reboot.yaml"])
        .current_dir(repo())
        .env("TAPEDECK_CACHE_DIR", cache.path())
        .env_remove("TAPEDECK_NO_CACHE")
        .output()
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1), text)
}

#[cfg(unix)]
#[test]
fn a_cache_entry_that_is_not_a_regular_file_is_ignored_never_read() {
    let (code, out) = replay_with_cache_entry(|entry| {
        let c = std::ffi::CString::new(entry.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    });
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("PASS  server-reboot @ 2.1"), "{out}");
    let (code, out) = replay_with_cache_entry(|entry| std::os::unix::fs::symlink("/dev/zero", entry).unwrap());
    assert_eq!(code, 0, "{out}");
}

const ESCAPING: &str = r#"
suite: escaping
microversions: ["2.1"]
steps:
  - name: list
    request: {GET: /servers}
    capture: {id: /servers/0/id}
  - name: show
    request: {GET: "/servers/${id}"}
"#;

const ESCAPING_WAIT: &str = r#"
suite: escaping-wait
microversions: ["2.1"]
steps:
  - name: list
    request: {GET: /servers}
    capture: {id: /servers/0/id}
  - name: wait
    wait: {server: "${id}", until: ACTIVE, timeout: 2s, interval: 50ms}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_captured_value_cannot_lead_a_request_out_of_the_endpoint() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("escaping.yaml"), ESCAPING).unwrap();
    std::fs::write(dir.path().join("escaping-wait.yaml"), ESCAPING_WAIT).unwrap();
    let schemas = common::schemas_without_operations(dir.path());
    let script = Script::default();
    // A provider (or anything in between) answering with an id that climbs out of /v2.1.
    let hostile = r#"{"servers": [{"id": "../../v3/auth/tokens"}]}"#;
    script.on("GET /v2.1/servers", vec![Reply::Json(200, vec![], hostile.into())]);
    script.on("GET /v3/auth/tokens", vec![Reply::Json(200, vec![], r#"{"token": {}}"#.into())]);
    let base = serve(script.clone()).await;
    let d = dir.path().to_path_buf();
    let started = Instant::now();
    let (code, out, err) = tokio::task::spawn_blocking(move || {
        let schemas = schemas.display().to_string();
        let endpoint = format!("{base}/v2.1");
        let args = ["run", "--mode", "live", "--schemas", &schemas, "--endpoint", &endpoint, "--token", "tok-123"];
        tapedeck(&[&args[..], &["escaping.yaml", "escaping-wait.yaml"]].concat(), &d)
    })
    .await
    .unwrap();
    assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
    assert_eq!(code, 1, "the runs fail\n{out}\n{err}");
    let sent: Vec<String> = script.seen.lock().unwrap().iter().map(|s| s.path.clone()).collect();
    assert!(sent.iter().all(|p| p.starts_with("/v2.1") && !p.contains("..")), "{sent:?}");
    let refusal =
        "request path `/servers/../../v3/auth/tokens` would leave the compute endpoint: it has a `..` segment";
    for step in ["show", "wait"] {
        let failure = out.split(&format!("step `{step}`")).nth(1).and_then(|rest| rest.lines().nth(1));
        assert!(failure.is_some_and(|l| l.contains("✗ ") && l.contains(refusal)), "{step}: {out}");
    }
}

#[test]
fn diff_names_two_different_suites() {
    let shipped = |name: &str| repo().join("cassettes/nova-34.0.0").join(name).display().to_string();
    let started = Instant::now();
    let (code, out, err) =
        tapedeck(&["diff", &shipped("server-reboot@2.1.yaml"), &shipped("server-lifecycle@2.1.yaml")], repo());
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(code, 1, "{err}");
    // The line after A and B.
    let first = out.lines().find(|l| l.starts_with("DIFF")).unwrap_or_default();
    insta::assert_snapshot!("diff_of_two_suites", first);
}
