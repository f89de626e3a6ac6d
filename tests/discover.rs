//! `tapedeck discover` against the real Nova sandbox, in both of its modes: a user with only
//! the sandbox's clouds.yaml (Keystone → catalog → Nova), outside the repository, discovers the
//! variables, runs shipped suites live (the admin-only steps skipped as unverified, the
//! capabilities the probes find missing skipped with their answer) and certifies (not
//! positive: checks remain unverified, yet nothing failed); and a provider file with header
//! identities but no variables gets the sandbox's own values chosen for it.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// tapedeck in `dir` with none of the caller's OpenStack variables.
fn tapedeck(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tapedeck"));
    cmd.args(args).current_dir(dir);
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("OS_") {
            cmd.env_remove(k);
        }
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The variables the sandbox set up (its provider file says which).
fn sandbox_variables(provider: &Value) -> BTreeMap<String, String> {
    serde_json::from_value(provider["variables"].clone()).unwrap()
}

#[test]
fn a_clouds_yaml_user_discovers_runs_and_certifies_from_outside_the_repository() {
    let Some(provider_file) = common::live_provider() else { return };
    let provider = read_json(&provider_file);
    let Some(clouds_file) = provider["clouds_file"].as_str() else {
        panic!("TAPEDECK_PROVIDER must be the sandbox started with --keystone (it writes a clouds.yaml)")
    };
    let home = tempfile::tempdir().unwrap();
    let dir = home.path();
    std::fs::copy(provider_file.parent().unwrap().join(clouds_file), dir.join("clouds.yaml")).unwrap();

    let (code, out, err) = tapedeck(dir, &["discover", "--os-cloud", "tapedeck"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("no `admin`") && out.contains("--admin-cloud"), "{out}");
    let config: toml::Table = std::fs::read_to_string(dir.join("tapedeck.toml")).unwrap().parse().unwrap();
    assert_eq!(config["os_cloud"].as_str(), Some("tapedeck"));
    let chosen: BTreeMap<String, String> = config["vars"].clone().try_into().unwrap();
    assert_eq!(chosen, sandbox_variables(&provider), "discover chose what the sandbox offers\n{out}");
    let not_offered = out.split("capabilities not offered").nth(1).unwrap_or_default();
    assert!(not_offered.contains("compute-floating-ips     no floating-IP pool"), "{out}");
    assert!(not_offered.contains("compute-security-groups  no security group visible"), "{out}");
    assert!(!not_offered.contains("compute-auth"), "Nova behind Keystone checks tokens\n{out}");

    // Shipped suites live, with nothing but the configuration discover wrote.
    let (code, out, err) = tapedeck(dir, &["suites", "export", "suites"]);
    assert_eq!(code, 0, "{out}{err}");
    let suites = ["suites/server-create.yaml", "suites/server-errors.yaml", "suites/server-floating-ips.yaml"];
    let mut args = vec!["run", "--mode", "record", "--report", "json=run.json"];
    args.extend(suites);
    let (code, out, err) = tapedeck(dir, &args);
    assert_eq!(code, 0, "no failures\n{out}{err}");
    let report = read_json(&dir.join("run.json"));
    let runs = report["runs"].as_array().unwrap();
    let unverified: Vec<&Value> = runs
        .iter()
        .flat_map(|r| r["steps"].as_array().unwrap())
        .filter(|s| s["unverified"] == Value::Bool(true))
        .collect();
    assert!(!unverified.is_empty(), "the admin-only steps are skipped as unverified");
    for s in &unverified {
        assert_eq!(s["verdict"], "skipped");
        assert!(
            s["reason"].as_str().unwrap().contains("needs identity `admin`, which the provider tapedeck lacks"),
            "{s}"
        );
    }
    let floating = runs.iter().find(|r| r["suite"] == "server-floating-ips").unwrap();
    assert_eq!(floating["verdict"], "skipped");
    assert!(floating["reason"].as_str().unwrap().contains("no floating-IP pool"), "{floating}");
    assert!(dir.join("cassettes/tapedeck").is_dir(), "record writes cassettes/<cloud>");

    // Replay reads where record wrote, without flags, and gives the same verdicts.
    let mut args = vec!["run"];
    args.extend(suites);
    let (code, out, err) = tapedeck(dir, &args);
    assert_eq!(code, 0, "{out}{err}");

    // Certification rests on checks that could be made: with steps unverified it is not
    // positive, though nothing failed.
    std::fs::write(
        dir.join("profile.yaml"),
        "profile: discover-test\ncapabilities:\n  compute-servers-create: required\n  compute-servers-errors: required\n  compute-floating-ips: deprecated\n",
    )
    .unwrap();
    let mut args = vec!["certify", "--profile", "profile.yaml", "--out", "bundle"];
    args.extend(&suites[..2]);
    let (code, out, err) = tapedeck(dir, &args);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("NOT CERTIFIED") && out.contains("compute-servers-create (unverified)"), "{out}");
    assert!(out.contains("not verified: server-create@"), "the unverified checks are listed\n{out}");
    let bundle = std::fs::read_dir(dir.join("bundle")).unwrap().count();
    assert!(bundle > 0);
    let (code, out, err) = tapedeck(dir, &["certify", "--verify", "bundle"]);
    assert_eq!(code, 0, "the bundle verifies\n{out}{err}");
    assert!(out.contains("reproduces its verdict: NOT CERTIFIED"), "and stays not certified\n{out}{err}");
}

#[test]
fn header_identities_without_variables_get_the_sandbox_s_own_values() {
    let Some(plain) = common::plain_provider() else { return };
    let provider = read_json(&plain);
    let dir = tempfile::tempdir().unwrap();
    let mut bare = provider.clone();
    let bare_map = bare.as_object_mut().unwrap();
    for key in ["variables", "unsupported", "sandbox"] {
        bare_map.remove(key);
    }
    let bare_file = dir.path().join("bare.json");
    std::fs::write(&bare_file, serde_json::to_string(&bare).unwrap()).unwrap();

    let (code, out, err) = tapedeck(dir.path(), &["discover", "--provider", "bare.json", "--out", "chosen.json"]);
    assert_eq!(code, 0, "{out}{err}");
    let chosen = read_json(&dir.path().join("chosen.json"));
    assert_eq!(sandbox_variables(&chosen), sandbox_variables(&provider), "{out}");
    assert_eq!(chosen["identities"], provider["identities"], "identities by reference, as given");
    assert_eq!(chosen["endpoint"], provider["endpoint"]);
    assert!(out.contains("identities: admin, user\n"), "{out}");
    assert!(out.contains("skipped 6 m1.tiny.specs (extra specs hw:numa_nodes)"), "{out}");
    // The probes, with no word from a provider file: the header sandbox never asks for a token.
    assert!(out.contains("compute-auth             GET /flavors without credentials → 200"), "{out}");
    assert!(!dir.path().join("tapedeck.toml").exists(), "--out writes the provider file instead");

    // It refuses to overwrite, before asking anything; --dry-run writes nothing.
    let (code, _, err) = tapedeck(dir.path(), &["discover", "--provider", "bare.json", "--out", "chosen.json"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("chosen.json: the file exists"), "{err}");
    let (code, out, err) = tapedeck(dir.path(), &["discover", "--provider", "chosen.json", "--dry-run"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("kept: already set, and ACTIVE"), "{out}");
    assert!(!dir.path().join("tapedeck.toml").exists());

    // The provider file gets written into the configuration, relative to it.
    let (code, out, err) = tapedeck(dir.path(), &["discover", "--provider", "bare.json"]);
    assert_eq!(code, 0, "{out}{err}");
    let config: toml::Table = std::fs::read_to_string(dir.path().join("tapedeck.toml")).unwrap().parse().unwrap();
    assert_eq!(config["provider"].as_str(), Some("bare.json"));
    assert_eq!(config["vars"]["flavor_ref_alt"].as_str(), provider["variables"]["flavor_ref_alt"].as_str());
}
