//! The shipped suites replay from the shipped cassettes (recorded from the real Nova 34
//! sandbox): every suite runs at every microversion it lists, nothing fails, and skips say why.

mod common;

use common::{repo, tapedeck};
use serde_json::Value;

#[test]
fn shipped_suites_replay_from_shipped_cassettes() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let (code, out, err) = tapedeck(&["run", "--report", &format!("json={}", report.display())], repo());
    assert_eq!(code, 0, "{out}\n{err}");
    let outcome: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let runs = outcome["runs"].as_array().unwrap();
    for entry in std::fs::read_dir(repo().join("suites")).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let name = text.lines().find_map(|l| l.strip_prefix("suite: ")).unwrap().trim();
        assert!(runs.iter().any(|r| r["suite"] == name), "suite {name} did not run");
    }
    for run in runs {
        assert_ne!(run["verdict"], "failed", "{}", run["reason"]);
        if run["verdict"] == "skipped" {
            assert!(run["reason"].as_str().is_some_and(|r| r.contains("not offered")), "{run}");
        } else {
            assert_eq!(run["cassette"]["state"], "replayed");
            // Every response was checked against a derived schema (gaps are allowed, failures not).
            let schema_checks = run["steps"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|s| s["checks"].as_array().unwrap().iter())
                .filter(|c| c["kind"] == "schema")
                .count();
            assert!(schema_checks > 0, "no schema checks in {}", run["suite"]);
        }
    }
}

/// The other shipped release: Nova 33.0.2's cassettes replay against its own derived contract
/// (`--schemas schemas-nova-33.0.2`); the runs at a microversion it does not offer (2.104) are
/// skipped with the reason its version document gave when they were recorded.
#[test]
fn nova_33_cassettes_replay_against_nova_33_schemas() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let (code, out, err) = tapedeck(
        &[
            "run",
            "--cassettes",
            "cassettes/nova-33.0.2",
            "--schemas",
            "schemas-nova-33.0.2",
            "--report",
            &format!("json={}", report.display()),
            "suites",
        ],
        repo(),
    );
    assert_eq!(code, 0, "{out}\n{err}");
    let outcome: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let runs = outcome["runs"].as_array().unwrap();
    let mut replayed = 0;
    for run in runs {
        assert_ne!(run["verdict"], "failed", "{}", run["reason"]);
        let reason = run["reason"].as_str().unwrap_or("");
        match run["verdict"].as_str() {
            Some("skipped") if run["microversion"] == "2.104" => {
                assert!(reason.contains("outside the provider's range 2.1–2.103"), "{run}")
            }
            Some("skipped") => assert!(reason.contains("not offered"), "{run}"),
            _ => {
                assert_eq!(run["cassette"]["state"], "replayed");
                replayed += 1;
            }
        }
    }
    assert!(replayed >= 30, "{replayed} runs replayed");
}

#[test]
fn shards_partition_the_run() {
    let runs_of = |args: &[&str]| -> Vec<String> {
        let (code, out, err) = tapedeck(args, repo());
        assert_eq!(code, 0, "{out}\n{err}");
        let mut runs: Vec<String> = out
            .lines()
            .filter(|l| l.starts_with("PASS") || l.starts_with("SKIP"))
            .map(|l| l.split_whitespace().take(4).collect::<Vec<_>>().join(" "))
            .collect();
        runs.sort();
        runs
    };
    let whole = runs_of(&["run"]);
    let mut union = Vec::new();
    for k in 1..=3 {
        let shard = runs_of(&["run", "--shard", &format!("{k}/3")]);
        assert!(!shard.is_empty());
        union.extend(shard);
    }
    union.sort();
    assert_eq!(union, whole, "every run in exactly one shard");
}
