//! `tapedeck init`: a starting project whose example suite loads, whose files are never
//! overwritten, and which — against the real Nova sandbox behind Keystone, with only its
//! clouds.yaml — discovers, records and replays as its README says.

mod common;

use std::path::Path;
use std::process::Command;

fn tapedeck(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tapedeck"));
    cmd.args(args).current_dir(dir).env("TAPEDECK_CACHE_DIR", dir.join(".cache"));
    for (k, _) in std::env::vars_os().filter(|(k, _)| k.to_string_lossy().starts_with("OS_")) {
        cmd.env_remove(k);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn init_writes_a_project_whose_suite_loads_and_keeps_what_is_there() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = tapedeck(dir.path(), &["init", "proj"]);
    assert_eq!(code, 0, "{out}{err}");
    let proj = dir.path().join("proj");
    for f in ["tapedeck.toml", "suites/example.yaml", ".gitignore", ".github/workflows/tapedeck.yml"] {
        assert!(proj.join(f).is_file(), "{f}\n{out}");
    }
    assert!(out.contains("tapedeck discover --os-cloud NAME"), "{out}");
    // The example suite and the configuration are valid as written.
    let (code, out, err) = tapedeck(&proj, &["run", "--list"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("example-server") && out.contains("2.47"), "{out}");
    // The workflow is YAML, with the replay job.
    let workflow: serde_json::Value =
        serde_saphyr::from_str(&std::fs::read_to_string(proj.join(".github/workflows/tapedeck.yml")).unwrap()).unwrap();
    assert!(
        workflow["jobs"]["replay"].is_object() && workflow["jobs"]["live"]["strategy"]["matrix"]["shard"].is_array()
    );

    // Again: nothing overwritten.
    std::fs::write(proj.join("tapedeck.toml"), "jobs = 1\n").unwrap();
    let (code, out, _) = tapedeck(&proj, &["init"]);
    assert_eq!(code, 0);
    assert!(out.contains("kept what was there: tapedeck.toml, suites/example.yaml"), "{out}");
    assert_eq!(std::fs::read_to_string(proj.join("tapedeck.toml")).unwrap(), "jobs = 1\n");
}

#[test]
fn a_new_project_discovers_records_and_replays_against_nova() {
    let Some(provider_file) = common::live_provider() else { return };
    let provider: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&provider_file).unwrap()).unwrap();
    let clouds =
        provider_file.parent().unwrap().join(provider["clouds_file"].as_str().expect("the --keystone sandbox"));
    let dir = tempfile::tempdir().unwrap();
    let proj = dir.path();
    assert_eq!(tapedeck(proj, &["init"]).0, 0);
    std::fs::copy(clouds, proj.join("clouds.yaml")).unwrap();
    let (code, out, err) = tapedeck(proj, &["discover", "--os-cloud", "tapedeck"]);
    assert_eq!(code, 0, "{out}{err}");
    let config = std::fs::read_to_string(proj.join("tapedeck.toml")).unwrap();
    assert!(
        config.contains("# Your cloud, from clouds.yaml") && config.contains("os_cloud = \"tapedeck\""),
        "{config}"
    );

    let (code, out, err) = tapedeck(proj, &["run", "--mode", "record"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("2 passed, 0 failed"), "{out}");
    for mv in ["2.1", "2.47"] {
        assert!(proj.join(format!("cassettes/tapedeck/example-server@{mv}.yaml")).is_file());
    }
    let (code, out, err) = tapedeck(proj, &["run"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("2 passed, 0 failed") && out.contains("replayed"), "{out}");
}
