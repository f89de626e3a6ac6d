//! The bad-input catalogue: malformed cassettes, provider files, clouds.yaml, certification
//! profiles, api-ref trees and flags (the malformed suites are in `suite_errors.rs`). Each ends
//! with exit code 2, nothing run, and the message kept as an insta snapshot — file:line:column
//! where the input has positions.

mod common;

use std::path::Path;
use std::process::Command;

const SUITE: &str = "suite: s\nmicroversions: [\"2.1\"]\nsteps:\n  - request: {GET: /servers}\n";

fn fixture(name: &str) -> String {
    std::fs::read_to_string(common::repo().join("tests/fixtures/bad-inputs").join(name)).unwrap()
}

/// Runs tapedeck in a fresh directory holding `files` (name → content) and the suite `s.yaml`.
fn run(files: &[(&str, String)], args: &[&str], env: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.yaml"), SUITE).unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tapedeck"));
    cmd.args(args).current_dir(dir.path()).env("HOME", dir.path()).env_remove("OS_CLOUD").env_remove("OS_AUTH_URL");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{args:?}\nstdout: {stdout}\nstderr: {stderr}");
    assert!(!stdout.contains("PASS") && !stdout.contains("FAIL"), "nothing may run: {stdout}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr.replace(&dir.path().display().to_string(), "[dir]")
}

fn cassette(name: &str) -> String {
    run(&[("c/s@2.1.yaml", fixture(name))], &["run", "--cassettes", "c", "s.yaml"], &[])
}

fn provider(name: &str) -> String {
    let files = [(name, fixture(name)), ("clouds-ok.yaml", fixture("clouds-ok.yaml"))];
    run(&files, &["run", "--mode", "live", "--provider", name, "s.yaml"], &[])
}

fn clouds(name: &str) -> String {
    run(
        &[(name, fixture(name))],
        &["run", "--mode", "live", "--os-cloud", "a", "s.yaml"],
        &[("OS_CLIENT_CONFIG_FILE", name)],
    )
}

fn profile(name: &str) -> String {
    run(&[(name, fixture(name))], &["certify", "--profile", name, "--out", "out", "s.yaml"], &[])
}

macro_rules! catalogue {
    ($($test:ident: $kind:ident($file:literal)),* $(,)?) => {
        $(#[test] fn $test() { insta::assert_snapshot!(stringify!($test), $kind($file)); })*
    };
}

catalogue! {
    cassette_truncated: cassette("cassette-truncated.yaml"),
    cassette_unknown_key: cassette("cassette-unknown-key.yaml"),
    cassette_future_format: cassette("cassette-future-format.yaml"),
    cassette_wrong_type: cassette("cassette-wrong-type.yaml"),
    cassette_bad_microversion: cassette("cassette-bad-microversion.yaml"),
    cassette_cut_in_body: cassette("cassette-cut-in-body.yaml"),
    cassette_count_mismatch: cassette("cassette-count-mismatch.yaml"),
    cassette_time_overflow: cassette("cassette-time-overflow.yaml"),
    cassette_other_suite: cassette("cassette-other-suite.yaml"),
    provider_missing_endpoint: provider("provider-missing-endpoint.yaml"),
    provider_bad_url: provider("provider-bad-url.yaml"),
    provider_unknown_key: provider("provider-unknown-key.yaml"),
    provider_bad_label: provider("provider-bad-label.yaml"),
    provider_unknown_cloud: provider("provider-unknown-cloud.yaml"),
    provider_wrong_type: provider("provider-wrong-type.yaml"),
    clouds_not_mapping: clouds("clouds-not-mapping.yaml"),
    clouds_bad_yaml: clouds("clouds-bad-yaml.yaml"),
    clouds_bad_auth_type: clouds("clouds-bad-auth-type.yaml"),
    profile_bad_status: profile("profile-bad-status.yaml"),
    profile_bad_date: profile("profile-bad-date.yaml"),
    profile_unknown_key: profile("profile-unknown-key.yaml"),
    profile_no_capabilities: profile("profile-no-capabilities.yaml"),
}

#[test]
fn api_ref_broken_and_missing() {
    let broken = run(
        &[("ref/api-ref/source/parameters.yaml", "server_id:\n  in: path\n  type: [oops\n".into())],
        &["schemas", "derive", "--api-ref", "ref", "--out", "out"],
        &[],
    );
    insta::assert_snapshot!("api_ref_broken", broken);
    let missing = run(&[], &["schemas", "derive", "--api-ref", "nowhere", "--out", "out"], &[]);
    insta::assert_snapshot!("api_ref_missing", missing);
    assert!(!Path::new("out").exists());
}

#[test]
fn validate_bad_inputs() {
    let unknown_op = run(
        &[("doc.json", "{}".into())],
        &["validate", "--operation", "show-server-detail", "--microversion", "2.1", "doc.json"],
        &[],
    );
    insta::assert_snapshot!("validate_unknown_operation", unknown_op);
    let not_json = run(
        &[("doc.json", "{\"server\": ".into())],
        &["validate", "--operation", "show-server-details", "--microversion", "2.1", "doc.json"],
        &[],
    );
    insta::assert_snapshot!("validate_not_json", not_json);
}

#[test]
fn bad_flags() {
    insta::assert_snapshot!("flag_shard", run(&[], &["run", "--shard", "0/3", "s.yaml"], &[]));
    insta::assert_snapshot!("flag_request_timeout", run(&[], &["run", "--request-timeout", "5", "s.yaml"], &[]));
    insta::assert_snapshot!("flag_cleanup_without_provider", run(&[], &["cleanup"], &[]));
}

#[test]
fn cleanup_takes_only_its_own_flags() {
    for flag in [&["--list"][..], &["--report", "json=r.json"], &["--shard", "1/2"], &["--mode", "live"]] {
        let mut args = vec!["cleanup", "--provider", "p.json"];
        args.extend_from_slice(flag);
        let err = run(&[], &args, &[]);
        assert!(err.contains(&format!("unexpected argument '{}'", flag[0])), "{flag:?}: {err}");
    }
}
