//! `tapedeck certify` from the shipped cassettes: the bundle holds the verdict, the reports and
//! the cassettes as evidence whose SHA-256 sums match; a profile that needs more than the
//! suites cover is not certified (exit 1), with the reason.

mod common;

use common::{repo, tapedeck};
use serde_json::Value;

#[test]
fn shipped_profile_certifies_the_shipped_cassettes_with_evidence() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("bundle");
    let (code, stdout, stderr) = tapedeck(
        &["certify", "--profile", "profiles/nova-34-compute-servers.yaml", "--out", &dir.display().to_string()],
        repo(),
    );
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("CERTIFIED against profile nova-34-compute-servers"));
    let cert: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("certification.json")).unwrap()).unwrap();
    assert_eq!(cert["certified"], true);
    assert_eq!(cert["provider"]["api_versions"]["max"], "2.104");
    let skipped: Vec<&str> = cert["capabilities"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["verdict"] == "skipped")
        .map(|c| c["capability"].as_str().unwrap())
        .collect();
    assert_eq!(skipped, ["compute-security-groups", "compute-floating-ips"], "skips are kept with their reasons");
    for e in cert["evidence"].as_array().unwrap() {
        let bytes = std::fs::read(dir.join(e["path"].as_str().unwrap())).unwrap();
        assert_eq!(e["sha256"], tapedeck::util::json::sha256_hex(&bytes));
    }
    for f in ["certification.md", "report.json", "report.md", "junit.xml", "SHA256SUMS"] {
        assert!(dir.join(f).is_file(), "{f}");
    }
}

#[test]
fn a_required_capability_nobody_tests_blocks_certification() {
    let out = tempfile::tempdir().unwrap();
    let profile = out.path().join("profile.yaml");
    std::fs::write(
        &profile,
        "profile: strict\ncapabilities:\n  compute-servers-reboot: required\n  compute-servers-teleport: required\n",
    )
    .unwrap();
    let dir = out.path().join("bundle");
    let (code, stdout, _) = tapedeck(
        &[
            "certify",
            "--profile",
            &profile.display().to_string(),
            "--out",
            &dir.display().to_string(),
            "suites/server-reboot.yaml",
        ],
        repo(),
    );
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("NOT CERTIFIED against profile strict: compute-servers-teleport"), "{stdout}");
    let md = std::fs::read_to_string(dir.join("certification.md")).unwrap();
    assert!(md.contains("untested"));
}

#[test]
fn a_broken_profile_is_an_input_error() {
    let out = tempfile::tempdir().unwrap();
    let profile = out.path().join("profile.yaml");
    std::fs::write(&profile, "profile: x\ncapabilities:\n  a: mandatory\n").unwrap();
    let (code, _, stderr) =
        tapedeck(&["certify", "--profile", &profile.display().to_string(), "--out", "/tmp/unused"], repo());
    assert_eq!(code, 2);
    assert!(stderr.contains("profile.yaml:3:6") && stderr.contains("mandatory"), "{stderr}");
}
