//! Every malformed suite is rejected before anything runs, with file:line:column, what was
//! expected, and exit code 2. Messages are kept as insta snapshots.

use std::path::Path;
use std::process::Command;

fn tapedeck(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tapedeck"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn check(name: &str) {
    let file = format!("tests/fixtures/bad-suites/{name}.yaml");
    assert!(Path::new(env!("CARGO_MANIFEST_DIR")).join(&file).exists(), "{file}");
    let started = std::time::Instant::now();
    let (code, stdout, stderr) = tapedeck(&["run", &file]);
    assert!(started.elapsed() < std::time::Duration::from_secs(10), "{name}: took {:?}", started.elapsed());
    assert_eq!(code, 2, "{name}: exit code; stderr:\n{stderr}");
    assert!(stdout.is_empty(), "{name}: nothing may run, but stdout was:\n{stdout}");
    assert!(stderr.starts_with(&format!("error: {file}:")), "{name}: message must start with the file: {stderr}");
    insta::assert_snapshot!(name, stderr);
}

macro_rules! bad_suites {
    ($($name:ident => $file:literal),* $(,)?) => {
        $(#[test] fn $name() { check($file); })*
    };
}

bad_suites! {
    unknown_key => "unknown-key",
    wrong_type => "wrong-type",
    bad_yaml => "bad-yaml",
    undefined_variable => "undefined-variable",
    undefined_variable_in_body => "undefined-variable-in-body",
    variable_used_before_capture => "variable-used-before-capture",
    bad_pointer => "bad-pointer",
    bad_duration => "bad-duration",
    unknown_status => "unknown-status",
    two_methods => "two-methods",
    bad_microversion => "bad-microversion",
    missing_steps => "missing-steps",
    path_not_ending_at_until => "path-not-ending-at-until",
    bad_regex => "bad-regex",
    bad_assertion => "bad-assertion",
    unclosed_template => "unclosed-template",
    // Hostile input, second round: paths that leave the endpoint, names that are not tokens,
    // every unknown key at once, library wording in plain words, bytes that are not UTF-8.
    path_escapes => "path-escapes",
    path_relative => "path-relative",
    microversion_below_2_1 => "microversion-below-2-1",
    bad_header_name => "bad-header-name",
    three_unknown_keys => "three-unknown-keys",
    duplicate_key => "duplicate-key",
    two_documents => "two-documents",
    not_utf8 => "not-utf8",
}

#[test]
fn all_errors_of_all_files_are_reported_together() {
    let (code, _, stderr) = tapedeck(&["run", "tests/fixtures/bad-suites"]);
    assert_eq!(code, 2);
    let files =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad-suites")).unwrap().count();
    for entry in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad-suites")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(stderr.contains(&name), "{name} missing from the combined report");
    }
    assert!(stderr.matches("error: ").count() >= files);
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        vec!["run", "--mode", "sideways"],
        vec!["run", "--var", "novalue"],
        vec!["run", "--microversion", "two"],
        vec!["run", "--report", "pdf=x.pdf"],
        vec!["run", "--mode", "live"],
        vec!["run", "no/such/dir"],
    ] {
        let (code, _, stderr) = tapedeck(&args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(!stderr.is_empty());
    }
}
