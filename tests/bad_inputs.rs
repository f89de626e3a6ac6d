//! The bad-input catalogue: malformed cassettes, provider files, clouds.yaml, certification
//! profiles, api-ref trees and flags (the malformed suites are in `suite_errors.rs`). Each ends
//! with exit code 2, nothing run, and the message kept as an insta snapshot — file:line:column
//! where the input has positions — within 10 s, and with nothing written.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const SUITE: &str = "suite: s\nmicroversions: [\"2.1\"]\nsteps:\n  - request: {GET: /servers}\n";

fn fixture(name: &str) -> String {
    std::fs::read_to_string(common::repo().join("tests/fixtures/bad-inputs").join(name)).unwrap()
}

/// Runs tapedeck in a fresh directory holding `files` (name → content) and the suite `s.yaml`.
fn run(files: &[(&str, String)], args: &[&str], env: &[(&str, &str)]) -> String {
    let files: Vec<(&str, Vec<u8>)> = files.iter().map(|(n, t)| (*n, t.clone().into_bytes())).collect();
    run_in(|dir| write_files(dir, &files), args, env)
}

fn write_files(dir: &Path, files: &[(&str, Vec<u8>)]) {
    for (name, bytes) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}

/// Every path under `dir` (links and special files not followed or opened), but for the
/// parsed-cassette cache in `$HOME/.cache`: a cassette that parsed is cached before the run
/// refuses it for another reason, and the cache is no output.
fn listing(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if entry.file_name() == ".cache" {
            continue;
        }
        if std::fs::symlink_metadata(&path).unwrap().is_dir() {
            out.extend(listing(&path));
        }
        out.push(path);
    }
    out.sort();
    out
}

/// Runs tapedeck in a fresh directory holding the suite `s.yaml` and what `setup` puts there;
/// it must end with exit 2 within 10 s, run nothing and write nothing.
fn run_in(setup: impl FnOnce(&Path), args: &[&str], env: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.yaml"), SUITE).unwrap();
    setup(dir.path());
    let before = listing(dir.path());
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tapedeck"));
    cmd.args(args).current_dir(dir.path()).env("HOME", dir.path()).env_remove("OS_CLOUD").env_remove("OS_AUTH_URL");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let started = Instant::now();
    let out = cmd.output().unwrap();
    assert!(started.elapsed() < Duration::from_secs(10), "{args:?} took {:?}", started.elapsed());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{args:?}\nstdout: {stdout}\nstderr: {stderr}");
    assert!(!stdout.contains("PASS") && !stdout.contains("FAIL"), "nothing may run: {stdout}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(listing(dir.path()), before, "nothing may be written: {args:?}");
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
    clouds_verify_not_boolean: clouds("clouds-verify-not-boolean.yaml"),
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

// Special files: a FIFO (reading it would block forever) and a link to /dev/zero (endless), in
// each place an input is read. Each is refused with its path and what it is.

#[cfg(unix)]
fn fifo(path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo {}", path.display());
}

#[cfg(unix)]
fn dev_zero(path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink("/dev/zero", path).unwrap();
}

/// The message for `name` as a FIFO, then as a link to /dev/zero, given `args` (and `env`).
#[cfg(unix)]
fn special(name: &str, args: &[&str], env: &[(&str, &str)], extra: &[(&str, Vec<u8>)]) -> String {
    let as_fifo = run_in(|d| (write_files(d, extra), fifo(&d.join(name))).0, args, env);
    let as_zero = run_in(|d| (write_files(d, extra), dev_zero(&d.join(name))).0, args, env);
    format!("{as_fifo}{as_zero}")
}

#[cfg(unix)]
#[test]
fn special_files_are_refused() {
    let suite = SUITE.as_bytes().to_vec();
    insta::assert_snapshot!(
        "special_suite_in_dir",
        special("suites/b.yaml", &["run", "suites"], &[], &[("suites/a.yaml", suite.clone())])
    );
    insta::assert_snapshot!("special_named_suite", special("x.yaml", &["run", "x.yaml"], &[], &[]));
    insta::assert_snapshot!(
        "special_cassette",
        special("c/s@2.1.yaml", &["run", "--cassettes", "c", "s.yaml"], &[], &[])
    );
    insta::assert_snapshot!(
        "special_provider",
        special("p.yaml", &["run", "--mode", "live", "--provider", "p.yaml", "s.yaml"], &[], &[])
    );
    insta::assert_snapshot!(
        "special_clouds",
        special(
            "clouds.yaml",
            &["run", "--mode", "live", "--os-cloud", "a", "s.yaml"],
            &[("OS_CLIENT_CONFIG_FILE", "clouds.yaml")],
            &[]
        )
    );
    insta::assert_snapshot!(
        "special_profile",
        special("p.yaml", &["certify", "--profile", "p.yaml", "--out", "out", "s.yaml"], &[], &[])
    );
    insta::assert_snapshot!(
        "special_validate",
        special(
            "doc.json",
            &["validate", "--operation", "show-server-details", "--microversion", "2.1", "doc.json"],
            &[],
            &[]
        )
    );
}

#[cfg(unix)]
#[test]
fn named_links_say_what_they_are() {
    let looped = run_in(
        |d| std::os::unix::fs::symlink(d.join("loop.yaml"), d.join("loop.yaml")).unwrap(),
        &["run", "loop.yaml"],
        &[],
    );
    let dangling =
        run_in(|d| std::os::unix::fs::symlink("gone.yaml", d.join("link.yaml")).unwrap(), &["run", "link.yaml"], &[]);
    insta::assert_snapshot!("named_links", format!("{looped}{dangling}"));
}

#[test]
fn labels_are_one_safe_segment() {
    let clouds = [("clouds.yaml", fixture("clouds-ok.yaml"))];
    let env = [("OS_CLIENT_CONFIG_FILE", "clouds.yaml")];
    let mut out = String::new();
    for label in ["../escaped", "", ".", "a/b"] {
        let endpoint = ["run", "--mode", "record", "--endpoint", "http://127.0.0.1:9/v2.1", "--token", "tok-123"];
        out += &run(&[], &[&endpoint[..], &["--label", label, "s.yaml"]].concat(), &[]);
        out += &run(&clouds, &["run", "--mode", "record", "--os-cloud", "ok", "--label", label, "s.yaml"], &env);
    }
    insta::assert_snapshot!("flag_label", out);
}

#[test]
fn flags_refused_before_anything_runs() {
    let var = |v: &str| run(&[], &["run", "--var", v, "s.yaml"], &[]);
    insta::assert_snapshot!("flag_var_name", format!("{}{}", var("=x"), var("image-ref=x")));
    insta::assert_snapshot!(
        "flag_cassettes_not_a_directory",
        format!(
            "{}{}",
            run(&[], &["run", "--cassettes", "s.yaml", "s.yaml"], &[]),
            run(&[], &["run", "--cassettes", "missing", "s.yaml"], &[])
        )
    );
    insta::assert_snapshot!(
        "accept_cassettes_not_a_directory",
        format!(
            "{}{}",
            run(&[], &["accept", "--cassettes", "s.yaml"], &[]),
            run(&[], &["accept", "--cassettes", "missing"], &[])
        )
    );
    let shipped = common::repo().join("cassettes/nova-34.0.0").display().to_string();
    let ignore = |p: &str| run(&[], &["diff", "--ignore-path", p, &shipped, &shipped], &[]);
    insta::assert_snapshot!("diff_ignore_path", format!("{}{}", ignore("no-slash"), ignore("header:")));
    // Found before the first request: the endpoint (nothing listens there) is never asked.
    let record = |cassettes: &str| {
        let endpoint = ["run", "--mode", "record", "--endpoint", "http://127.0.0.1:9/v2.1", "--token", "tok-123"];
        run(&[], &[&endpoint[..], &["--cassettes", cassettes, "s.yaml"]].concat(), &[])
    };
    insta::assert_snapshot!("record_target_unwritable", format!("{}{}", record("s.yaml"), record("s.yaml/sub")));
    let report = |r: &str| run(&[("d/x", String::new())], &["run", "--report", r, "s.yaml"], &[]);
    insta::assert_snapshot!(
        "flag_report_unwritable",
        format!("{}{}", report("json=s.yaml/report.json"), report("junit=d"))
    );
}

#[test]
fn validate_refuses_what_it_would_misread() {
    let validate = |doc: &[u8], extra: &[&str]| {
        let args =
            [&["validate", "--operation", "show-server-details", "--microversion", "2.1"][..], extra, &["doc.json"]];
        run_in(|d| std::fs::write(d.join("doc.json"), doc).unwrap(), &args.concat(), &[])
    };
    insta::assert_snapshot!(
        "validate_duplicate_key",
        validate(b"{\"server\": {\"id\": \"a\",\n  \"name\": \"x\",\n  \"id\": \"b\"}}", &[])
    );
    insta::assert_snapshot!("validate_not_utf8", validate(b"{\"server\": {\"name\": \"caf\xe9\"}}", &[]));
    insta::assert_snapshot!("validate_status_range", validate(b"{}", &["--status", "999"]));
}

#[test]
fn a_cassette_that_is_not_utf8_is_placed() {
    let text = fixture("cassette-truncated.yaml").into_bytes();
    let at = text.iter().position(|&b| b == b'\n').unwrap() + 3;
    let bytes = [&text[..at], b"\xff", &text[at..]].concat();
    let out = run_in(|d| write_files(d, &[("c/s@2.1.yaml", bytes)]), &["run", "--cassettes", "c", "s.yaml"], &[]);
    insta::assert_snapshot!("cassette_not_utf8", out);
}
