//! `tapedeck.toml`: found here or above, its paths relative to itself, flags winning over it,
//! its mistakes input errors at line:column; and the shipped set wherever no project is.

mod common;

use common::repo;

fn run(dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tapedeck"))
        .args(args)
        .current_dir(dir)
        .env("TAPEDECK_CACHE_DIR", dir.join(".cache"))
        .env_remove("OS_CLOUD")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn an_empty_directory_replays_the_shipped_set() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = run(dir.path(), &["run"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(err.contains("suites: the shipped conformance set"), "{err}");
    assert!(out.contains("68 passed, 0 failed, 2 skipped"), "{out}");
    // The shipped profile by name, from the shipped cassettes: re-verified, never certified.
    let (code, out, err) = run(dir.path(), &["certify", "--profile", "nova-34-compute-servers", "--out", "bundle"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("REPLAYED: the recorded evidence passes profile nova-34-compute-servers"), "{out}");
}

#[test]
fn the_config_file_above_says_what_runs_and_flags_win() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("project/deep")).unwrap();
    std::fs::create_dir_all(dir.path().join("project/mine")).unwrap();
    let reboot = std::fs::read_to_string(repo().join("suites/server-reboot.yaml")).unwrap();
    std::fs::write(dir.path().join("project/mine/reboot.yaml"), reboot).unwrap();
    let shipped = repo().join("cassettes/nova-34.0.0").display().to_string();
    std::fs::write(
        dir.path().join("project/tapedeck.toml"),
        format!("suites = [\"mine\"]\ncassettes = \"{shipped}\"\nmicroversion = \"2.104\"\n"),
    )
    .unwrap();
    let deep = dir.path().join("project/deep");
    let (code, out, err) = run(&deep, &["run"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("server-reboot @ 2.104") && !out.contains("@ 2.1 "), "{out}");
    let (code, out, _) = run(&deep, &["run", "--microversion", "2.1"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("server-reboot @ 2.1 ") && !out.contains("2.104"), "the flag wins: {out}");
}

#[test]
fn a_mistake_in_the_config_file_is_an_input_error_at_its_place() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tapedeck.toml"), "jobs = 2\nsuits = [\"x\"]\n").unwrap();
    let (code, out, err) = run(dir.path(), &["run"]);
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(err.contains("tapedeck.toml:2:1") && err.contains("unknown field `suits`"), "{err}");
    // Commands that need no configuration are not stopped by it.
    let (code, _, err) = run(dir.path(), &["schemas", "list"]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_var_no_suite_uses_is_a_warning_with_the_nearest_name() {
    let dir = tempfile::tempdir().unwrap();
    // The config file's variables are for every suite discover saw: never warned about.
    std::fs::write(dir.path().join("tapedeck.toml"), "[vars]\nnot_read_here = \"x\"\n").unwrap();
    let suite = repo().join("suites/server-reboot.yaml").display().to_string();
    let args = ["run", "--var", "image_reff=x", "--var", "zzz=1", "--var", "flavor_ref=1", suite.as_str()];
    let (code, out, err) = run(dir.path(), &args);
    assert_eq!(code, 0, "a warning, not an error\n{out}\n{err}");
    assert!(err.contains("warning: --var image_reff: no selected suite uses it; did you mean `image_ref`?"), "{err}");
    assert!(err.contains("warning: --var zzz: no selected suite uses it\n"), "{err}");
    assert!(!err.contains("flavor_ref") && !err.contains("not_read_here"), "{err}");
}
