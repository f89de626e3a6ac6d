//! Limits against hostile files: a deeply nested document, a YAML alias bomb, a huge file and
//! runaway nesting in a cassette body each end as a clear error with exit code 2 — no stack
//! overflow, no unbounded memory, no panic — quickly. Generated at test time (no multi-MB
//! fixtures in the repository).

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{repo, tapedeck};

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
