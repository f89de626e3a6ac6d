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
    // Diagnostics like a compiler's: what was meant, one error per mistake, indentation named.
    capture_cascade => "capture-cascade",
    repeated_undefined_variable => "repeated-undefined-variable",
    near_miss_required => "near-miss-required",
    mis_indented_key => "mis-indented-key",
    mis_indented_line => "mis-indented-line",
    tab_indent => "tab-indent",
    unknown_operation => "unknown-operation",
}

/// The `error: ` lines of a run of `file` (not the snippet lines under them).
fn errors_of(file: &str) -> Vec<String> {
    let (code, _, stderr) = tapedeck(&["run", &format!("tests/fixtures/bad-suites/{file}.yaml")]);
    assert_eq!(code, 2, "{stderr}");
    stderr.lines().filter(|l| l.starts_with("error: ")).map(|l| l.split_once(": ").unwrap().1.to_string()).collect()
}

#[test]
fn near_misses_say_what_was_meant() {
    let e = errors_of("three-unknown-keys");
    assert!(e[0].ends_with("unknown key `expct`; did you mean `expect`?"), "{e:?}");
    let e = errors_of("unknown-status");
    assert!(e[0].ends_with("`ACTIV` is not a server status; did you mean `ACTIVE`?"), "{e:?}");
    let e = errors_of("unknown-operation");
    assert!(e[0].ends_with("`list-server` is not an operation of the api-ref; did you mean `list-servers`?"), "{e:?}");
    let e = errors_of("undefined-variable-in-body");
    assert!(e[0].ends_with("undefined variable `image_reff`; did you mean `image_ref`?"), "{e:?}");
    // Nothing near: the accepted names are listed instead.
    let e = errors_of("undefined-variable");
    assert!(e[0].contains("undefined variable `server_id`; defined at this point: flavor_ref"), "{e:?}");
}

#[test]
fn an_error_that_follows_from_another_is_not_reported() {
    // One bad capture pointer, eight later uses of what it captures: one error.
    assert_eq!(errors_of("capture-cascade").len(), 1);
    // A misspelt variable used three times: one error (the later uses are a note), and the
    // unknown path status does not also make the path "end elsewhere".
    let e = errors_of("repeated-undefined-variable");
    assert_eq!(e.len(), 2, "{e:?}");
    let (_, _, stderr) = tapedeck(&["run", "tests/fixtures/bad-suites/repeated-undefined-variable.yaml"]);
    assert!(stderr.contains("= note: `sever_id` is also used at 7:30, 8:21"), "{stderr}");
    // `servr` is not also a missing `server`; the other two steps' mistakes are still found.
    let e = errors_of("near-miss-required");
    assert_eq!(e.len(), 3, "{e:?}");
    assert!(e[1].ends_with("`wait` needs the key `server`") && e[2].ends_with("a step needs `request` or `wait`"));
}

#[test]
fn indentation_mistakes_are_named() {
    let e = errors_of("mis-indented-key");
    assert_eq!(
        e,
        [
            "tests/fixtures/bad-suites/mis-indented-key.yaml:6:7: this looks mis-indented: `expect` at column 7 belongs to the step, whose keys are at column 5"
        ]
    );
    let e = errors_of("mis-indented-line");
    assert!(e[0].ends_with("this looks mis-indented: `expect` at column 3 fits at column 5, with `request` on line 4"));
    let e = errors_of("tab-indent");
    assert!(e[0].contains(":4:1: a tab indents line 4: YAML indents with spaces only"), "{e:?}");
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
