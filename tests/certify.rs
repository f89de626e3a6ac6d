//! `tapedeck certify` from the shipped cassettes: replay re-verifies recorded evidence and never
//! certifies; the bundle holds the verdict, the reports, the evidence, the profile and suites,
//! and SHA-256 sums of every file that `certify --verify` re-checks before it replays the
//! bundle; shards merge into one verdict; a profile that needs more than the suites cover
//! fails (exit 1), with the reason.

mod common;

use common::{repo, tapedeck};
use serde_json::Value;

/// Each shipped profile names the release it certifies; the Nova 33.0.2 one passes on that
/// release's own cassettes and schemas (its runs at 2.104 skipped, as 33 does not offer it).
#[test]
fn the_nova_33_profile_names_its_release_and_passes_on_nova_33() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("bundle");
    let (code, stdout, stderr) = tapedeck(
        &[
            "certify",
            "--profile",
            "nova-33-compute-servers",
            "--cassettes",
            "cassettes/nova-33.0.2",
            "--schemas",
            "schemas-nova-33.0.2",
            "--out",
            &dir.display().to_string(),
        ],
        repo(),
    );
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("REPLAYED: the recorded evidence passes profile nova-33-compute-servers"), "{stdout}");
    let cert: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("certification.json")).unwrap()).unwrap();
    assert_eq!((&cert["release"], &cert["passes"]), (&"33.0.2".into(), &true.into()));
    assert_eq!(cert["provider"]["api_versions"]["max"], "2.103");
    for (file, release) in [("nova-34-compute-servers.yaml", "34.0.0"), ("nova-33-compute-servers.yaml", "33.0.2")] {
        let text = std::fs::read_to_string(repo().join("profiles").join(file)).unwrap();
        assert!(text.contains(&format!("\nrelease: \"{release}\"\n")), "{file}");
    }
}

#[test]
fn shipped_profile_certifies_the_shipped_cassettes_with_evidence() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("bundle");
    let (code, stdout, stderr) = tapedeck(
        &["certify", "--profile", "profiles/nova-34-compute-servers.yaml", "--out", &dir.display().to_string()],
        repo(),
    );
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("REPLAYED: the recorded evidence passes profile nova-34-compute-servers"), "{stdout}");
    assert!(!stdout.contains("CERTIFIED"), "a replay never certifies: {stdout}");
    let cert: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("certification.json")).unwrap()).unwrap();
    assert_eq!(
        (&cert["certified"], &cert["result"], &cert["passes"]),
        (&false.into(), &"replayed".into(), &true.into())
    );
    assert_eq!(cert["runs"].as_array().unwrap().len(), 70, "every run, structured");
    assert_eq!(cert["runs"][0]["verdict"], "passed");
    assert!(cert["tapedeck"]["commit"].as_str().is_some_and(|c| !c.is_empty()));
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
    for f in ["certification.md", "report.json", "report.md", "junit.xml", "SHA256SUMS", "profile.yaml"] {
        assert!(dir.join(f).is_file(), "{f}");
    }
    // The sums cover every file of the bundle: the suites and the profile too.
    let sums = std::fs::read_to_string(dir.join("SHA256SUMS")).unwrap();
    for f in [
        "certification.json",
        "report.html",
        "profile.yaml",
        "suites/server-reboot.yaml",
        "cassettes/server-reboot@2.1.yaml",
    ] {
        assert!(sums.lines().any(|l| l.ends_with(&format!("  {f}"))), "{f} in SHA256SUMS:\n{sums}");
    }
}

fn certify(args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["certify"];
    all.extend_from_slice(args);
    tapedeck(&all, repo())
}

/// A bundle of the reboot suite, replayed from the shipped cassettes (shard `k/n` when given).
fn reboot_bundle(dir: &std::path::Path, shard: Option<&str>) {
    let profile = dir.join("reboot.yaml");
    std::fs::write(&profile, "profile: reboot\ncapabilities:\n  compute-servers-reboot: required\n").unwrap();
    let out = dir.join(format!("bundle-{}", shard.unwrap_or("all").replace('/', "-")));
    let (p, o) = (profile.display().to_string(), out.display().to_string());
    let mut args = vec!["--profile", &p, "--out", &o];
    if let Some(s) = shard {
        args.extend(["--shard", s]);
    }
    args.push("suites/server-reboot.yaml");
    let (code, stdout, stderr) = certify(&args);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
}

#[test]
fn verify_reproduces_a_bundle_and_rejects_any_changed_byte() {
    let dir = tempfile::tempdir().unwrap();
    reboot_bundle(dir.path(), None);
    let bundle = dir.path().join("bundle-all");
    let b = bundle.display().to_string();
    let (code, out, err) = certify(&["--verify", &b]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("every file matches SHA256SUMS") && out.contains("VERIFIED: replaying"), "{out}");
    // The HTML report of a bundle opens with the verdict per capability.
    let page = std::fs::read_to_string(bundle.join("report.html")).unwrap();
    let verdicts = page.find("<h2 id=\"certification\">Certification: <span class=\"skipped\">replayed</span></h2>");
    assert!(verdicts.is_some_and(|at| at < page.find("<h2>Capabilities</h2>").unwrap()), "{page}");
    assert!(
        page.contains("<td><code>compute-servers-reboot</code></td><td>required</td><td class=\"passed\">passed</td>")
    );

    // One byte of the evidence changed: named, exit 1.
    let cassette = bundle.join("cassettes/server-reboot@2.1.yaml");
    let original = std::fs::read(&cassette).unwrap();
    let mut forged = original.clone();
    let at = forged.windows(11).position(|w| w == b"status: 202").unwrap() + 8;
    forged[at] = b'3';
    std::fs::write(&cassette, &forged).unwrap();
    let (code, out, err) = certify(&["--verify", &b]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(out.contains("changed: cassettes/server-reboot@2.1.yaml"), "{out}");
    assert!(err.contains("the bundle was changed after it was written"), "{err}");

    // A file slipped in is evidence nobody hashed.
    std::fs::write(&cassette, &original).unwrap();
    std::fs::write(bundle.join("cassettes/extra.yaml"), "x").unwrap();
    let (code, out, _) = certify(&["--verify", &b]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("not in SHA256SUMS: cassettes/extra.yaml"), "{out}");
}

#[test]
fn out_must_be_new_or_empty() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("forged.yaml"), "format: 2").unwrap();
    let (o, p) = (dir.path().display().to_string(), repo().join("profiles/nova-34-compute-servers.yaml"));
    let (code, _, err) = certify(&["--profile", &p.display().to_string(), "--out", &o]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not empty"), "{err}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "nothing written");
}

#[test]
fn shards_merge_into_one_verdict_and_only_a_whole_set_does() {
    let dir = tempfile::tempdir().unwrap();
    reboot_bundle(dir.path(), Some("1/2"));
    reboot_bundle(dir.path(), Some("2/2"));
    let (s1, s2) = (dir.path().join("bundle-1-2"), dir.path().join("bundle-2-2"));
    let (a, b) = (s1.display().to_string(), s2.display().to_string());
    let merged = dir.path().join("merged");
    let m = merged.display().to_string();
    let (code, out, err) = certify(&["--merge", &a, &b, "--out", &m]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("merged 2 shards: REPLAYED: the recorded evidence passes profile reboot"), "{out}");
    let cert: Value =
        serde_json::from_str(&std::fs::read_to_string(merged.join("certification.json")).unwrap()).unwrap();
    assert_eq!(cert["runs"].as_array().unwrap().len(), 2, "both shards' runs");
    assert_eq!(cert["certified"], false, "replayed shards certify nothing");
    let (code, _, err) = certify(&["--merge", &a]);
    assert_eq!(code, 2);
    assert!(err.contains("needs shards 1/2 to 2/2"), "{err}");
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
    assert!(stdout.contains("the recorded evidence fails profile strict: compute-servers-teleport"), "{stdout}");
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

#[test]
fn a_misspelt_capability_is_named_before_anything_runs() {
    // `compute-servers-reboto` would be untested and block the certification for nothing.
    let out = tempfile::tempdir().unwrap();
    let profile = out.path().join("profile.yaml");
    std::fs::write(&profile, "profile: typo\ncapabilities:\n  compute-servers-reboto: required\n").unwrap();
    let dir = out.path().join("bundle");
    let (code, _, stderr) = tapedeck(
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
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("profile.yaml:3:3: no suite tests the capability `compute-servers-reboto`; did you mean `compute-servers-reboot`?"),
        "{stderr}"
    );
    assert!(!dir.exists(), "nothing may be written");
}
