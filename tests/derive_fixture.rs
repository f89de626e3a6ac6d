//! The whole deriver on a tiny api-ref tree written here (no download): ids, actions, ranges,
//! samples, the drift report, and file:line errors on bad input.

use std::path::Path;

use serde_json::Value;

const PARAMS: &str = "\
server_id_path: {in: path, required: true, type: string}
server_location: {in: header, required: true, type: string}
reboot: {in: body, required: true, type: object}
reboot_type:
  description: The valid values are ``HARD`` and ``SOFT``.
  in: body
  required: true
  type: string
trigger_crash_dump: {in: body, required: true, type: none, min_version: 2.17}
server: {in: body, required: true, type: object}
server_name: {in: body, required: true, type: string}
hints: &hints
  in: body
  required: true
  type: object
  min_version: 2.100
hints_alias:
  <<: *hints
  required: false
";

const INC: &str = "\
Reboot Server (reboot Action)
=============================

.. rest_method:: POST /servers/{server_id}/action

Normal response codes: 202

Error response codes: unauthorized(401), itemNotFound(404)

Request
-------

.. rest_parameters:: parameters.yaml

  - server_id: server_id_path
  - reboot: reboot
  - type: reboot_type

.. literalinclude:: ../../doc/api_samples/servers/server-action-reboot.json

Trigger Crash Dump In Server
============================

.. rest_method:: POST /servers/{server_id}/action

Normal response codes: 202

Request
-------

.. rest_parameters:: parameters.yaml

  - server_id: server_id_path
  - trigger_crash_dump: trigger_crash_dump

Show Server
===========

.. rest_method:: GET /servers/{server_id}

Normal response codes: 200

Response
--------

.. rest_parameters:: parameters.yaml

  - server: server
  - name: server_name
  - scheduler_hints: hints_alias

.. literalinclude:: /../../doc/api_samples/servers/v2.100/server-get-resp.json
";

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("has parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

fn tree(params: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(root, "api-ref/source/parameters.yaml", params);
    write(root, "api-ref/source/servers.inc", INC);
    write(root, "api-ref/source/index.rst", ".. include:: servers.inc\n");
    write(root, "doc/api_samples/versions/versions-get-resp.json", r#"{"versions": [{"version": "2.104"}]}"#);
    write(root, "doc/api_samples/servers/server-action-reboot.json", r#"{"reboot": {"type": "HARD"}}"#);
    write(
        root,
        "doc/api_samples/servers/v2.100/server-get-resp.json",
        r#"{"server": {"name": "a", "scheduler_hints": {}, "extra": 1}}"#,
    );
    dir
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("exists")).expect("json")
}

#[test]
fn derives_operations_ranges_actions_and_drift() {
    let nova = tree(PARAMS);
    let out = tempfile::tempdir().expect("tempdir");
    // Accepts the api-ref source dir as well as the tree root.
    let summary = tapedeck::derive::tree::derive_to(&nova.path().join("api-ref/source"), out.path()).expect("derives");
    assert_eq!((summary.operations, summary.samples, summary.drift), (3, 2, 1), "{summary:?}");

    let reboot = json(&out.path().join("operations/reboot-server-reboot-action.json"));
    assert_eq!(reboot["action"], "reboot");
    assert_eq!(reboot["error_codes"], serde_json::json!([401, 404]));
    assert_eq!(reboot["responses"]["202"][0]["schema"]["type"], "null");

    let crash = json(&out.path().join("operations/trigger-crash-dump-in-server.json"));
    assert_eq!((crash["min_version"].as_str(), crash["max_version"].as_str()), (Some("2.17"), Some("2.104")));

    // Merge key inherited type and min_version 2.100 (not 2.1): one schema before, one from.
    let show = json(&out.path().join("operations/show-server.json"));
    let ranges: Vec<_> = show["responses"]["200"]
        .as_array()
        .expect("ranges")
        .iter()
        .map(|r| {
            (r["min_version"].as_str().unwrap_or("").to_string(), r["max_version"].as_str().unwrap_or("").to_string())
        })
        .collect();
    assert_eq!(ranges, vec![("2.1".to_string(), "2.99".to_string()), ("2.100".to_string(), "2.104".to_string())]);

    let drift = json(&out.path().join("DRIFT.json"));
    assert_eq!(drift["failing"][0]["sample"], "servers/v2.100/server-get-resp.json");
    assert!(
        drift["failing"][0]["problems"][0]
            .as_str()
            .is_some_and(|p| p.starts_with("/server/extra [additionalProperties]"))
    );
    let report = std::fs::read_to_string(out.path().join("REPORT.md")).expect("report");
    assert!(report.contains("- operations: 3"), "{report}");
}

#[test]
fn bad_input_is_reported_with_file_and_line() {
    let nova = tree(&PARAMS.replace("type: none", "type: nothing"));
    let err = tapedeck::derive::derive(nova.path()).expect_err("unknown type");
    assert!(
        err.to_string().contains("parameters.yaml:9: parameter `trigger_crash_dump`: unknown type `nothing`"),
        "{err}"
    );

    let nova = tree(PARAMS);
    write(
        nova.path(),
        "api-ref/source/servers.inc",
        "T\n===\n\n.. rest_method:: GET /x\n\n.. rest_parameters:: parameters.yaml\n\n  - a: b\n",
    );
    let err = tapedeck::derive::derive(nova.path()).expect_err("list outside subsection");
    assert!(err.to_string().contains("servers.inc:8:"), "{err}");

    let err = tapedeck::derive::derive(Path::new("/nonexistent")).expect_err("no api-ref");
    assert!(err.to_string().contains("no parameters.yaml"), "{err}");
}

#[test]
fn check_mode_reports_stale_schemas() {
    let nova = tree(PARAMS);
    let out = tempfile::tempdir().expect("tempdir");
    tapedeck::derive::tree::derive_to(nova.path(), out.path()).expect("derives");
    let fresh = tempfile::tempdir().expect("tempdir");
    tapedeck::derive::tree::derive_to(nova.path(), fresh.path()).expect("derives");
    assert!(tapedeck::derive::tree::compare_dirs(out.path(), fresh.path()).is_empty());
    std::fs::write(out.path().join("operations/show-server.json"), "{}").expect("write");
    std::fs::write(out.path().join("operations/gone.json"), "{}").expect("write");
    assert_eq!(
        tapedeck::derive::tree::compare_dirs(out.path(), fresh.path()),
        vec!["changed: operations/show-server.json".to_string(), "stale: operations/gone.json".to_string()]
    );
}
