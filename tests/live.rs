//! Live tests against a real provider — in CI the real Nova 34 sandbox
//! (`sandbox/nova/start.sh FILE`, then `TAPEDECK_PROVIDER=FILE cargo test`). Without
//! TAPEDECK_PROVIDER they say so and do nothing; with CI=true they refuse to be left out.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{repo, tapedeck};
use std::sync::Arc;
use tapedeck::provider::{self, Provider};

use tapedeck::provider::{ConnectOptions, connect};
use tapedeck::transport::Outgoing;
use tapedeck::transport::live::Endpoint;

fn provider_file() -> Option<PathBuf> {
    common::live_provider()
}

fn options() -> ConnectOptions {
    ConnectOptions::new(Duration::from_secs(30))
}

async fn endpoint(p: &Provider) -> Arc<Endpoint> {
    connect(p, &options()).await.unwrap().endpoint
}

/// Servers whose name contains `needle`, as admin across all projects.
async fn servers_named(e: &Endpoint, needle: &str) -> Vec<String> {
    let req = Outgoing::get("leftovers", "/servers?all_tenants=1", None).as_identity(Some("admin".into()));
    let ex = e.exchange(&req, Instant::now()).await.unwrap();
    assert_eq!(ex.response.status, 200, "{:?}", ex.response);
    ex.response.body.unwrap()["servers"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["name"].as_str().filter(|n| n.contains(needle)).map(str::to_string))
        .collect()
}

/// Deletion is asynchronous: give cleanups' DELETEs a few seconds to finish.
async fn assert_no_servers_left(e: &Endpoint, needle: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let left = servers_named(e, needle).await;
        if left.is_empty() {
            return;
        }
        assert!(Instant::now() < deadline, "servers left behind: {left:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// `tapedeck run --mode record --provider FILE ARGS…` in `dir`, off the async runtime.
async fn record(provider: &Path, args: &[&str], dir: &Path) -> (i32, String, String) {
    let mut all: Vec<String> = ["run", "--mode", "record", "--provider"].iter().map(|s| s.to_string()).collect();
    all.push(provider.display().to_string());
    all.extend(args.iter().map(|s| s.to_string()));
    let dir = dir.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        tapedeck(&refs, &dir)
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn shipped_suites_record_replay_and_match_the_committed_cassettes() {
    let Some(file) = provider_file() else { return };
    let p = provider::load(&file).unwrap();
    let out = tempfile::tempdir().unwrap();
    let cassettes = out.path().join("cassettes");
    let target = cassettes.display().to_string();
    let (code, stdout, stderr) = record(&file, &["--cassettes", &target, "suites"], repo()).await;
    assert_eq!(code, 0, "live record failed:\n{stdout}\n{stderr}");
    // Four runs at once (the default --jobs): their waits shared list polls, so cassettes hold
    // batch polls, which the replay and the comparison below take as the polls they answered.
    let batched = std::fs::read_dir(&cassettes)
        .unwrap()
        .filter(|e| std::fs::read_to_string(e.as_ref().unwrap().path()).is_ok_and(|t| t.contains("\n  batch:\n")))
        .count();
    assert!(batched > 0, "no cassette recorded a batch poll:\n{stdout}");

    // What was just recorded replays offline...
    let (code, stdout, _) = tapedeck(&["run", "--cassettes", &cassettes.display().to_string(), "suites"], repo());
    assert_eq!(code, 0, "{stdout}");
    // ...and behaves like the committed cassettes of this provider's release (the CI staleness
    // check: cassettes/nova-34.0.0, or cassettes/nova-33.0.2 against a `--nova 33.0.2` sandbox).
    // Runs this provider skipped for a capability it lacks (the header-identity sandbox has no
    // Keystone) are not a change in Nova: they are compared only where both recordings ran them.
    let committed = out.path().join("committed");
    std::fs::create_dir_all(&committed).unwrap();
    let shipped = repo().join("cassettes").join(&p.label);
    assert!(shipped.is_dir(), "no committed cassettes for provider {}: {} is missing", p.label, shipped.display());
    for entry in std::fs::read_dir(&shipped).unwrap() {
        let path = entry.unwrap().path();
        let fresh = cassettes.join(path.file_name().unwrap());
        let not_offered =
            std::fs::read_to_string(&fresh).is_ok_and(|t| t.contains("\nskipped: ") && t.contains("is not offered by"));
        if not_offered {
            eprintln!("not compared (capability not offered by this provider): {}", path.display());
            std::fs::remove_file(&fresh).unwrap();
        } else {
            std::fs::copy(&path, committed.join(path.file_name().unwrap())).unwrap();
        }
    }
    // The behavioural diff (ids, hosts, addresses, timestamps canonicalised); timing is left
    // out because a loaded CI machine is not a change in Nova.
    let (code, stdout, stderr) = tapedeck(
        &["diff", "--ignore", "timing", &committed.display().to_string(), &cassettes.display().to_string()],
        repo(),
    );
    assert_eq!(code, 0, "the real Nova no longer behaves as the committed cassettes say:\n{stdout}\n{stderr}");
    assert!(stdout.contains(" 0 different"), "{stdout}");
    // Through Keystone, the cloud's passwords and secrets reached no cassette.
    if p.identities.values().any(|i| i.cloud.is_some()) {
        let secrets: Vec<String> =
            p.identities.values().filter_map(|i| i.cloud.as_ref()).flat_map(|c| c.secrets()).collect();
        assert!(!secrets.is_empty());
        for entry in std::fs::read_dir(&cassettes).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            for s in &secrets {
                assert!(!text.contains(s.as_str()), "a cloud secret leaked into a cassette");
            }
        }
    }
    assert_no_servers_left(&*endpoint(&p).await, "td-").await;
}

const FAILING: &str = r#"
suite: live-failing
steps:
  - name: create
    request:
      POST: /servers
      json: {server: {name: "td-${run_id}-failing", imageRef: "${image_ref}", flavorRef: "${flavor_ref}", networks: [{uuid: "${network}"}], metadata: {note: "CANARY-d41d8cd9"}}}
    expect: {status: 202}
    capture: {server_id: /server/id}
    cleanup: {DELETE: "/servers/${server_id}"}
  - name: active
    wait: {server: "${server_id}", until: ACTIVE, path: [BUILD, ACTIVE], timeout: 60s}
  - name: impossible
    request: {GET: "/servers/${server_id}"}
    expect: {status: 418}
  - name: never reached
    request: {GET: "/servers/${server_id}"}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_step_still_cleans_up_and_secrets_stay_out() {
    let Some(file) = provider_file() else { return };
    let p = provider::load(&file).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("failing.yaml"), FAILING).unwrap();
    let args = ["--secret", "CANARY-d41d8cd9", "--cassettes", "c", "--report", "json=report.json", "failing.yaml"];
    let (code, stdout, _) = record(&file, &args, dir.path()).await;
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("step `impossible`") && stdout.contains("expected 418"), "{stdout}");

    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap()).unwrap();
    let run = &report["runs"][0];
    assert_eq!(run["steps"][3]["verdict"], "skipped");
    assert_eq!(run["cleanups"][0]["verdict"], "passed", "{}", run["cleanups"]);
    let cassette = std::fs::read_to_string(dir.path().join("c/live-failing@2.1.yaml")).unwrap();
    assert!(!cassette.contains("CANARY-d41d8cd9"));
    let real = endpoint(&p).await;
    assert!(!cassette.contains(&real.origin));
    assert!(cassette.contains("adminPass: <redacted>"));
    assert_no_servers_left(&*endpoint(&p).await, "-failing").await;
}

/// The sandbox started with `--keystone`: Nova behind keystonemiddleware. Other providers
/// (the header-identity sandbox) have no Keystone to test against.
fn keystone_provider() -> Option<(PathBuf, Provider)> {
    let file = provider_file()?;
    let p = provider::load(&file).unwrap();
    if p.identities.get("user").is_some_and(|i| i.cloud.is_some()) {
        Some((file, p))
    } else {
        eprintln!("Keystone live tests not enabled: TAPEDECK_PROVIDER is not a --keystone sandbox");
        assert!(
            std::env::var("CI").is_err(),
            "CI must run the Keystone live tests (sandbox/nova/start.sh FILE --keystone)"
        );
        None
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_token_is_renewed_once_and_the_run_goes_on() {
    let Some((_, p)) = keystone_provider() else { return };
    let e = endpoint(&p).await;
    let k = e.identities["user"].keystone.clone().unwrap();
    let list = Outgoing::get("list", "/servers", None);
    assert_eq!(e.exchange(&list, Instant::now()).await.unwrap().response.status, 200);
    let first = k.token().await.unwrap().id;
    // Revoke it in the real Keystone; Nova's auth_token (cache disabled) refuses it at once.
    let auth_url = k.cloud().auth_url.clone().unwrap();
    let revoke = reqwest::Client::new()
        .delete(tapedeck::auth::keystone::token_url(&auth_url).unwrap())
        .header("X-Auth-Token", &first)
        .header("X-Subject-Token", &first)
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status().as_u16(), 204);
    let again = e.exchange(&list, Instant::now()).await.unwrap();
    assert_eq!(again.response.status, 200, "re-authenticated after the 401");
    assert_ne!(k.token().await.unwrap().id, first, "a new token was issued");
}

#[test]
fn wrong_password_and_unknown_cloud_fail_clearly() {
    let Some((file, _)) = keystone_provider() else { return };
    let clouds = std::fs::read_to_string(file.with_file_name("clouds.yaml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let wrong = dir.path().join("clouds.yaml");
    // Every password of the file replaced by the same wrong one.
    let broken: String = clouds
        .lines()
        .map(|l| {
            if l.trim_start().starts_with("password:") {
                format!("{}password: \"WRONG-PASSWORD-canary\"\n", &l[..l.len() - l.trim_start().len()])
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    std::fs::write(&wrong, broken).unwrap();
    let run = |cloud: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_tapedeck"))
            .args(["run", "--mode", "live", "--os-cloud", cloud, "suites/server-errors.yaml"])
            .env("OS_CLIENT_CONFIG_FILE", &wrong)
            .current_dir(repo())
            .output()
            .unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (code, err) = run("tapedeck");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("Keystone refused cloud `tapedeck`") && err.contains("401"), "{err}");
    assert!(!err.contains("WRONG-PASSWORD-canary"), "{err}");
    let (code, err) = run("no-such-cloud");
    assert_eq!(code, Some(2));
    assert!(err.contains("no cloud named `no-such-cloud`") && err.contains("tapedeck-appcred"), "{err}");
}

#[test]
fn the_capability_probe_skips_what_the_provider_lacks() {
    let Some(file) = provider_file() else { return };
    let args = [
        "run",
        "--mode",
        "live",
        "--provider",
        &file.display().to_string(),
        "--var",
        "flavor_ref_alt=tapedeck-no-such-flavor",
        "suites/server-resize.yaml",
    ];
    let (code, out, err) = tapedeck(&args, repo());
    assert_eq!(code, 0, "{out}\n{err}");
    // Counted in the final list, in plan order (progress lines came as the runs finished).
    let results = out.split("results, in plan order:").last().unwrap_or_default();
    assert_eq!(results.matches("SKIP").count(), 3, "{out}");
    assert!(
        out.contains("compute-servers-resize is not offered")
            && out.contains("tapedeck-no-such-flavor does not exist on the provider"),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn cleanup_lists_then_deletes_leftovers() {
    let Some(file) = provider_file() else { return };
    let p = provider::load(&file).unwrap();
    let e = endpoint(&p).await;
    let name = format!("td-leftover-{}", tapedeck::plan::new_run_id());
    let vars = &p.variables;
    let body = serde_json::json!({"server": {"name": name, "imageRef": vars["image_ref"], "flavorRef": vars["flavor_ref"], "networks": [{"uuid": vars["network"]}]}});
    let create = Outgoing {
        step: "leftover".into(),
        identity: None,
        method: "POST".into(),
        target: "/servers".into(),
        headers: vec![],
        body: Some(body),
    };
    assert_eq!(e.exchange(&create, Instant::now()).await.unwrap().response.status, 202);

    // What a live run counts before it starts (to warn) sees it, as the cleanup list does.
    let counting = ConnectOptions { count_leftovers: true, ..options() };
    let counted = connect(&p, &counting).await.unwrap().leftovers;
    assert!(counted.is_some_and(|n| n >= 1), "{counted:?}");
    let found = tapedeck::provider::leftovers::find(&e).await.unwrap();
    assert!(found.iter().any(|l| l.name == name && l.created.is_some()), "{found:?}");

    let provider_arg = file.display().to_string();
    // Only this test's server: the other live tests run at the same time with their own.
    let run = |extra: &'static [&'static str]| {
        let mut args = vec!["cleanup", "--provider", provider_arg.as_str(), "--matching", name.as_str()];
        args.extend_from_slice(extra);
        tapedeck(&args, repo())
    };
    let (code, out, err) = run(&["--dry-run"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("would delete") && out.contains(&name), "{out}");
    let (code, out, _) = run(&["--dry-run", "--older-than", "1h"]);
    assert_eq!(code, 0);
    assert!(!out.contains(&name), "a fresh server is not older than 1h: {out}");
    let (code, out, _) = run(&[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("deleted") && out.contains(&name), "{out}");
    // Right after, it is gone or on its way out: a run's warning does not count it.
    let after = tapedeck::provider::leftovers::find(&e).await.unwrap();
    assert!(after.iter().filter(|l| l.name == name).all(|l| l.deleting), "{after:?}");
    assert_no_servers_left(&e, &name).await;
}

#[test]
fn certify_live_records_the_evidence_into_the_bundle() {
    let Some(file) = provider_file() else { return };
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("profile.yaml");
    std::fs::write(&profile, "profile: live-reboot\ncapabilities:\n  compute-servers-reboot: required\n").unwrap();
    let out = dir.path().join("bundle");
    let args = [
        "certify",
        "--profile",
        &profile.display().to_string(),
        "--out",
        &out.display().to_string(),
        "--provider",
        &file.display().to_string(),
        "suites/server-reboot.yaml",
    ];
    let (code, stdout, stderr) = tapedeck(&args, repo());
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let cert: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("certification.json")).unwrap()).unwrap();
    assert_eq!(cert["certified"], true);
    assert_eq!(cert["mode"], "record");
    assert_eq!(cert["provider"]["api_versions"]["max"], "2.104");
    let evidence = cert["evidence"].as_array().unwrap();
    assert_eq!(evidence.len(), 2, "one recorded cassette per microversion: {evidence:?}");
    for e in evidence {
        let bytes = std::fs::read(out.join(e["path"].as_str().unwrap())).unwrap();
        assert_eq!(e["sha256"], tapedeck::util::json::sha256_hex(&bytes));
    }
    // The cloud is named by the SHA-256 of its endpoint, never by the URL unless asked.
    assert!(cert["cloud"]["id"].as_str().is_some_and(|id| id.starts_with("sha256:")), "{}", cert["cloud"]);
    assert!(cert["cloud"].get("endpoint").is_none());
    assert!(stdout.contains("CERTIFIED against profile live-reboot"), "{stdout}");

    // Offline, the bundle reproduces its verdict; one byte changed and it does not.
    let b = out.display().to_string();
    let (code, stdout, stderr) = tapedeck(&["certify", "--verify", &b], repo());
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("VERIFIED: replaying") && stdout.contains("CERTIFIED against profile live-reboot"),
        "{stdout}"
    );
    let report = out.join("report.json");
    let mut bytes = std::fs::read(&report).unwrap();
    bytes[10] ^= 1;
    std::fs::write(&report, bytes).unwrap();
    let (code, stdout, _) = tapedeck(&["certify", "--verify", &b], repo());
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("changed: report.json"), "{stdout}");
}

#[test]
fn a_profile_sharded_live_over_two_bundles_merges_into_one_certification() {
    let Some(file) = provider_file() else { return };
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("profile.yaml");
    std::fs::write(&profile, "profile: live-reboot\ncapabilities:\n  compute-servers-reboot: required\n").unwrap();
    let (p, f) = (profile.display().to_string(), file.display().to_string());
    let mut shards = Vec::new();
    for k in ["1/2", "2/2"] {
        let out = dir.path().join(k.replace('/', "-")).display().to_string();
        let args = [
            "certify",
            "--profile",
            &p,
            "--out",
            &out,
            "--provider",
            &f,
            "--shard",
            k,
            "--vendor",
            "ACME",
            "suites/server-reboot.yaml",
        ];
        let (code, stdout, stderr) = tapedeck(&args, repo());
        assert_eq!(code, 0, "shard {k}: {stdout}\n{stderr}");
        shards.push(out);
    }
    let merged = dir.path().join("merged").display().to_string();
    let (code, stdout, stderr) = tapedeck(&["certify", "--merge", &shards[0], &shards[1], "--out", &merged], repo());
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("merged 2 shards: CERTIFIED against profile live-reboot"), "{stdout}");
    let cert: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("merged/certification.json")).unwrap()).unwrap();
    assert_eq!((cert["certified"].as_bool(), cert["vendor"].as_str()), (Some(true), Some("ACME")));
    assert_eq!(cert["runs"].as_array().unwrap().len(), 2, "server-reboot at 2.1 and at 2.104, one per shard");
}

#[tokio::test(flavor = "multi_thread")]
async fn re_recording_goes_to_pending_and_only_accept_replaces_the_cassette() {
    let Some(file) = provider_file() else { return };
    let dir = tempfile::tempdir().unwrap();
    let name = "server-reboot@2.1.yaml";
    let shipped = repo().join("cassettes/nova-34.0.0").join(name);
    let accepted = dir.path().join(name);
    std::fs::copy(&shipped, &accepted).unwrap();
    let before = std::fs::read(&accepted).unwrap();
    let target = dir.path().display().to_string();
    let suite = repo().join("suites/server-reboot.yaml").display().to_string();
    let (code, stdout, stderr) =
        record(&file, &["--cassettes", &target, "--microversion", "2.1", &suite], repo()).await;
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    // The evidence is untouched; the new recording waits in the pending area, compared.
    assert_eq!(std::fs::read(&accepted).unwrap(), before);
    let pending = dir.path().join(".pending").join(name);
    assert!(pending.is_file(), "{stdout}");
    assert!(stdout.contains("pending review") && stdout.contains("equivalent"), "{stdout}");
    let (code, out, _) = tapedeck(&["accept", "--dry-run", "--cassettes", &target], repo());
    assert_eq!(code, 0, "{out}");
    assert_eq!(std::fs::read(&accepted).unwrap(), before, "--dry-run changes nothing");
    let recorded = std::fs::read(&pending).unwrap();
    let (code, out, _) = tapedeck(&["accept", "--cassettes", &target], repo());
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("accepted 1 pending recording"), "{out}");
    assert_eq!(std::fs::read(&accepted).unwrap(), recorded);
    assert!(!dir.path().join(".pending").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn record_mode_once_replays_what_it_has_on_the_virtual_clock() {
    let Some(file) = provider_file() else { return };
    let dir = tempfile::tempdir().unwrap();
    for mv in ["2.1", "2.104"] {
        let name = format!("server-reboot@{mv}.yaml");
        std::fs::copy(repo().join("cassettes/nova-34.0.0").join(&name), dir.path().join(&name)).unwrap();
    }
    let report = dir.path().join("report.json");
    let (target, json) = (dir.path().display().to_string(), format!("json={}", report.display()));
    let args = ["--record-mode", "once", "--cassettes", &target, "--report", &json, "suites/server-reboot.yaml"];
    let (code, stdout, stderr) = record(&file, &args, repo()).await;
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    for run in report["runs"].as_array().unwrap() {
        assert_eq!(run["cassette"]["state"], "replayed", "{run:#}");
        // Replayed whatever the command's mode: seconds recorded, no sleeping through them.
        let (recorded, wall) = (run["duration_ms"].as_u64().unwrap(), run["wall_ms"].as_u64().unwrap());
        assert!(
            recorded > 1000 && wall * 10 < recorded,
            "{} took {wall} ms of its recorded {recorded} ms",
            run["suite"]
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_variables_are_one_input_error_before_anything_runs() {
    let Some(file) = provider_file() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut doc: serde_json::Value = serde_saphyr::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    doc.as_object_mut().unwrap().remove("variables");
    if let Some(clouds) = doc.get("clouds_file").and_then(|c| c.as_str()).map(|c| file.parent().unwrap().join(c)) {
        doc["clouds_file"] = clouds.display().to_string().into();
    }
    let bare = dir.path().join("bare.json");
    std::fs::write(&bare, serde_json::to_string(&doc).unwrap()).unwrap();
    let cassettes = dir.path().join("cassettes");
    let target = cassettes.display().to_string();
    let (code, stdout, stderr) = record(&bare, &["--cassettes", &target, "suites"], repo()).await;
    assert_eq!(code, 2, "{stdout}\n{stderr}");
    assert_eq!(stderr.matches("error:").count(), 1, "one message: {stderr}");
    for needle in ["no value for", "image_ref: needed by", "flavor_ref", "tapedeck discover"] {
        assert!(stderr.contains(needle), "{needle}: {stderr}");
    }
    assert!(!stdout.contains("PASS") && !stdout.contains("FAIL"), "nothing ran: {stdout}");
    assert!(!cassettes.exists() || std::fs::read_dir(&cassettes).unwrap().next().is_none(), "nothing written");
}
