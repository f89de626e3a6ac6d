//! `tapedeck diff` on real recordings: the shipped cassettes against themselves, across
//! microversions, and against a recording from a one-compute Nova where resize cannot
//! complete (tests/data/one-compute). The outputs are insta snapshots.

mod common;

use std::path::{Path, PathBuf};

use common::{repo, tapedeck};
use serde_json::Value;

fn shipped(name: &str) -> PathBuf {
    repo().join("cassettes/nova-34.0.0").join(name)
}

fn one_compute() -> PathBuf {
    repo().join("tests/data/one-compute/server-resize@2.1.yaml")
}

fn diff(args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["diff", "--colour", "never"];
    all.extend_from_slice(args);
    let (code, out, err) = tapedeck(&all, repo());
    (code, out.replace(&repo().display().to_string(), "[repo]"), err)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn json(args: &[&str]) -> (i32, Value) {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let (code, out, err) = diff(&all);
    (code, serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}")))
}

fn classes(report: &Value) -> Vec<String> {
    let mut out: Vec<String> = report["cassettes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["findings"].as_array().unwrap().iter())
        .flat_map(|f| f["changes"].as_array().unwrap().iter())
        .map(|c| c["class"].as_str().unwrap().to_string())
        .collect();
    out.sort();
    out.dedup();
    out
}

#[test]
fn the_shipped_set_is_equivalent_to_itself() {
    let dir = repo().join("cassettes/nova-34.0.0");
    let (code, out, _) = diff(&[s(&dir), s(&dir)]);
    assert_eq!(code, 0, "{out}");
    let n = std::fs::read_dir(&dir).unwrap().filter(|e| e.as_ref().unwrap().path().is_file()).count();
    assert!(out.contains(&format!("equivalent: {n} cassettes compared, {n} equivalent, 0 different")), "{out}");
}

/// Two real releases (cassettes/nova-33.0.2 and nova-34.0.0, both recorded from the sandbox):
/// the new microversion and nothing else. The version range is said once for all cassettes,
/// the runs at 2.104 ran only on 34, and the 406 for an unsupported version names the new
/// maximum; no id, host, time or provider-label noise.
#[test]
fn nova_33_against_34_is_the_new_microversion_and_nothing_else() {
    let (a, b) = (repo().join("cassettes/nova-33.0.2"), repo().join("cassettes/nova-34.0.0"));
    let (code, report) = json(&["--ignore", "timing", s(&a), s(&b)]);
    assert_eq!(code, 1);
    let common = report["common"].as_array().unwrap();
    assert_eq!(common.len(), 1, "{common:#?}");
    assert_eq!(
        (common[0]["pointer"].as_str(), common[0]["a"].as_str(), common[0]["b"].as_str()),
        (Some("cassette:api_versions"), Some("2.1–2.103"), Some("2.1–2.104"))
    );
    let mut skipped_on_33 = 0;
    for c in report["cassettes"].as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        let changes: Vec<&Value> =
            c["findings"].as_array().unwrap().iter().flat_map(|f| f["changes"].as_array().unwrap()).collect();
        assert!(
            c["notes"].as_array().is_none_or(|n| n.iter().all(|n| n.as_str().unwrap().starts_with("providers "))),
            "{c:#?}"
        );
        if name.ends_with("@2.104.yaml") {
            assert_eq!(changes.len(), 1, "{name}: {changes:#?}");
            assert_eq!(changes[0]["class"], "skip");
            assert_eq!(changes[0]["a"], "microversion 2.104 is outside the provider's range 2.1–2.103");
            assert_eq!(changes[0]["b"], "ran");
            skipped_on_33 += 1;
        } else if name == "server-errors@2.1.yaml" {
            assert_eq!(changes.len(), 1, "{changes:#?}");
            assert_eq!(changes[0]["pointer"], "/computeFault/message");
            assert!(changes[0]["b"].as_str().unwrap().ends_with("maximum is 2.104.\""), "{changes:#?}");
        } else {
            assert!(changes.is_empty(), "{name}: {changes:#?}");
        }
    }
    let at_2_104 = std::fs::read_dir(&b)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().ends_with("@2.104.yaml"))
        .count();
    assert_eq!(skipped_on_33, at_2_104);
    assert_eq!(report["different"], at_2_104 + 1);
}

#[test]
fn resize_on_one_compute_differs_exactly_where_resize_cannot_complete() {
    let (code, out, _) = diff(&[s(&shipped("server-resize@2.1.yaml")), s(&one_compute())]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("one_compute_terminal", out);
    let (_, report) = json(&[s(&shipped("server-resize@2.1.yaml")), s(&one_compute())]);
    assert_eq!(report["equivalent"], false);
    assert_eq!(classes(&report), ["missing", "trace", "value"]);
    // Everything up to the resize is the same: ids, hosts, timestamps and addresses differ
    // between the two recordings but are canonicalised away.
    let findings = report["cassettes"][0]["findings"].as_array().unwrap();
    assert_eq!(findings[0]["step"], "resized", "{findings:#?}");
    let trace = findings[0]["changes"].as_array().unwrap().iter().find(|c| c["class"] == "trace").unwrap();
    assert_eq!(
        (trace["a"].as_str().unwrap(), trace["b"].as_str().unwrap()),
        ("[RESIZE, VERIFY_RESIZE]", "[RESIZE, ACTIVE]")
    );
}

#[test]
fn markdown_and_ignore_options() {
    let (code, md, _) = diff(&["--format", "markdown", s(&shipped("server-resize@2.1.yaml")), s(&one_compute())]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("one_compute_markdown", md);
    // Ignoring the classes that differ leaves the two equivalent…
    let (code, report) = json(&[
        "--ignore",
        "trace,missing",
        "--ignore-path",
        "/server",
        s(&shipped("server-resize@2.1.yaml")),
        s(&one_compute()),
    ]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["ignored_classes"], serde_json::json!(["trace", "missing"]));
    // …ignoring only some of them does not.
    let (code, report) = json(&["--ignore", "missing", s(&shipped("server-resize@2.1.yaml")), s(&one_compute())]);
    assert_eq!(code, 1);
    assert_eq!(classes(&report), ["trace", "value"]);
}

#[test]
fn across_microversions_fields_are_classified_against_the_api_ref() {
    let a = shipped("server-lifecycle@2.1.yaml");
    let b = shipped("server-lifecycle@2.47.yaml");
    let (code, out, _) = diff(&["--ignore-path", "/server/OS-EXT-SRV-ATTR:*", s(&a), s(&b)]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("lifecycle_2_1_vs_2_47", out);
    let (_, report) = json(&[s(&a), s(&b)]);
    let changes: Vec<&Value> = report["cassettes"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["changes"].as_array().unwrap().iter())
        .collect();
    // 2.47 embeds the flavor: `original_name` documented and added, `links` removed.
    let has = |class: &str, pointer: &str, field: &str| {
        changes.iter().any(|c| c["class"] == class && c["pointer"] == pointer && c["field"] == field)
    };
    assert!(has("field-added", "/server/flavor/original_name", "documented"));
    assert!(has("field-removed", "/server/flavor/links", "documented"));
    // The version headers echo what each side asked for: not a change.
    assert!(!changes.iter().any(|c| c["pointer"].as_str().is_some_and(|p| p.contains("api-version"))));
}

/// A copy of a shipped cassette, changed by `edit` (as another cloud or release would answer).
fn edited(name: &str, edit: impl FnOnce(&mut Value)) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(shipped(name)).unwrap();
    let mut doc: Value = serde_saphyr::from_str(&text).unwrap();
    edit(&mut doc);
    let path = dir.path().join(name);
    std::fs::write(&path, serde_saphyr::to_string(&doc).unwrap()).unwrap();
    (dir, path)
}

fn exchange<'a>(doc: &'a mut Value, step: &str) -> &'a mut Value {
    doc["exchanges"].as_array_mut().unwrap().iter_mut().rev().find(|e| e["step"] == step && !is_evidence(e)).unwrap()
}

/// The instance action a wait asks for after its polls.
fn is_evidence(e: &Value) -> bool {
    e["request"]["path"].as_str().is_some_and(|p| p.contains("/os-instance-actions/"))
}

#[test]
fn each_class_of_change_is_reported() {
    let (_dir, path) = edited("server-lifecycle@2.1.yaml", |doc| {
        // A vendor key, a status code, a schema verdict (a documented field of the wrong type).
        let show = exchange(doc, "show");
        show["response"]["body"]["server"]["ACME:zone"] = "z1".into();
        show["response"]["body"]["server"]["progress"] = "done".into();
        exchange(doc, "delete")["response"]["status"] = 202.into();
        // The wait for ACTIVE took 20 s longer, with the last poll.
        let polls: Vec<&mut Value> = doc["exchanges"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .filter(|e| e["step"] == "active" && !is_evidence(e))
            .collect();
        let last = polls.into_iter().last().unwrap();
        last["offset_ms"] = (last["offset_ms"].as_u64().unwrap() + 20_000).into();
    });
    let (code, report) = json(&[s(&shipped("server-lifecycle@2.1.yaml")), s(&path)]);
    assert_eq!(code, 1);
    assert_eq!(classes(&report), ["field-added", "schema", "status", "timing", "value"]);
    let (_, out, _) = diff(&[s(&shipped("server-lifecycle@2.1.yaml")), s(&path)]);
    insta::assert_snapshot!("each_class", out.replace(s(path.parent().unwrap()), "[tmp]"));
}

#[test]
fn bad_inputs_exit_2() {
    let (code, _, err) = diff(&[s(&shipped("server-lifecycle@2.1.yaml")), s(&repo().join("cassettes/nova-34.0.0"))]);
    assert_eq!(code, 2);
    assert!(err.contains("compare two cassette files or two cassette directories"), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("x.yaml");
    std::fs::write(&broken, "format: 1\nexchanges: [\n").unwrap();
    let (code, _, err) = diff(&[s(&broken), s(&shipped("server-lifecycle@2.1.yaml"))]);
    assert_eq!(code, 2);
    assert!(err.contains("x.yaml:"), "{err}");
    let (code, _, err) = diff(&["--ignore", "everything", s(&broken), s(&broken)]);
    assert_eq!(code, 2, "{err}");
}

/// The last poll of the wait `active` as a batch poll: the list entry of its server, as a
/// `GET /servers/detail` shared by concurrent runs answers it (Nova leaves `server_groups`, a
/// show-only field at 2.71+, out of list entries), with `edit` applied to that entry.
fn as_batch_poll(doc: &mut Value, edit: impl FnOnce(&mut serde_json::Map<String, Value>)) {
    let poll = exchange(doc, "active");
    let mut server = poll["response"]["body"]["server"].as_object().unwrap().clone();
    server.remove("server_groups");
    edit(&mut server);
    let id = server["id"].clone();
    poll["batch"] = serde_json::json!({"server": id, "waits": 3});
    poll["request"]["path"] = "/servers/detail?all_tenants=1&name=%5Etd-%28a1%7Cb2%29-".into();
    poll["response"]["body"] = serde_json::json!({ "servers": [server] });
}

#[test]
fn a_wait_answered_by_a_batch_poll_compares_as_the_poll_it_answered() {
    // A shipped 2.104 cassette whose wait `active` ended on the server's own poll (which of
    // them did is an accident of each recording: with --jobs, waits share batch polls).
    let name = [
        "server-update@2.104.yaml",
        "server-lifecycle@2.104.yaml",
        "server-lock@2.104.yaml",
        "server-rescue@2.104.yaml",
    ]
    .into_iter()
    .find(|n| {
        let mut doc: Value = serde_saphyr::from_str(&std::fs::read_to_string(shipped(n)).unwrap()).unwrap();
        exchange(&mut doc, "active").get("batch").is_none()
    })
    .expect("a shipped cassette whose wait ended on its own poll");
    let suite = format!("suites/{}.yaml", name.split('@').next().unwrap());
    let (_dir, path) = edited(name, |doc| as_batch_poll(doc, |_| {}));
    let (code, out, err) = diff(&[s(&shipped(name)), s(&path)]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("1 equivalent, 0 different"), "{out}");
    // The batch-recorded cassette replays too.
    let (code, out, err) =
        tapedeck(&["run", "--cassettes", s(path.parent().unwrap()), "--microversion", "2.104", &suite], repo());
    assert_eq!(code, 0, "{out}\n{err}");

    // A field a list entry documents is still missed.
    let (_dir, path) = edited(name, |doc| as_batch_poll(doc, |server| drop(server.remove("tags"))));
    let (code, report) = json(&[s(&shipped(name)), s(&path)]);
    assert_eq!(code, 1);
    let changes: Vec<(String, String)> = report["cassettes"][0]["findings"][0]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["class"].as_str().unwrap().into(), c["pointer"].as_str().unwrap_or_default().into()))
        .collect();
    assert_eq!(changes, [("schema".into(), "".into()), ("field-removed".into(), "/server/tags".into())], "{report}");
}
