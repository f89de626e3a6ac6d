//! `tapedeck validate` and `tapedeck schemas list` as users run them: exit codes and messages.

use std::process::Command;

fn tapedeck(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tapedeck"))
        .args(args)
        .current_dir(std::env::temp_dir()) // embedded schemas: works from any directory
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

fn file(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write");
    path.to_string_lossy().into_owned()
}

#[test]
fn valid_invalid_and_usage_exit_codes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = file(&dir, "ok.json", r#"{"reboot": {"type": "HARD"}}"#);
    let bad = file(&dir, "bad.json", r#"{"reboot": {"type": "GENTLE", "force": true}}"#);
    let (code, out, _) = tapedeck(&[
        "validate",
        "--operation",
        "reboot-server-reboot-action",
        "--request",
        "--microversion",
        "2.1",
        &good,
    ]);
    assert_eq!(code, 0, "{out}");
    let (code, out, _) = tapedeck(&[
        "validate",
        "--operation",
        "reboot-server-reboot-action",
        "--request",
        "--microversion",
        "2.1",
        &bad,
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("/reboot/type: [enum]") && out.contains("\"GENTLE\""), "{out}");
    assert!(out.contains("/reboot/force: [additionalProperties]"), "{out}");
    let (code, out, _) = tapedeck(&[
        "validate",
        "--operation",
        "reboot-server-reboot-action",
        "--request",
        "--microversion",
        "2.1",
        "--extra-keys",
        "warn",
        &bad,
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("warning: /reboot/force"), "{out}");
}

#[test]
fn many_files_report_in_argument_order_and_stop_at_a_missing_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let names: Vec<String> = (0..12)
        .map(|i| {
            let kind = if i % 3 == 1 { "GENTLE" } else { "HARD" };
            file(&dir, &format!("doc-{i:02}.json"), &format!(r#"{{"reboot": {{"type": "{kind}"}}}}"#))
        })
        .collect();
    let base = ["validate", "--operation", "reboot-server-reboot-action", "--request", "--microversion", "2.1"];
    let args: Vec<&str> = base.iter().copied().chain(names.iter().map(String::as_str)).collect();
    let (code, out, _) = tapedeck(&args);
    assert_eq!(code, 1, "{out}");
    let verdicts: Vec<&str> = out.lines().filter(|l| !l.starts_with(' ')).collect();
    let expected: Vec<String> = names
        .iter()
        .enumerate()
        .map(|(i, n)| if i % 3 == 1 { format!("{n}: invalid (1 errors)") } else { format!("{n}: valid") })
        .collect();
    assert_eq!(verdicts, expected, "{out}");

    let missing = dir.path().join("missing.json").to_string_lossy().into_owned();
    let args: Vec<&str> = base.iter().copied().chain([names[0].as_str(), &missing, &names[2]]).collect();
    let (code, out, err) = tapedeck(&args);
    assert_eq!(code, 2, "{out}{err}");
    assert_eq!(out.lines().collect::<Vec<_>>(), [format!("{}: valid", names[0])], "{out}");
    assert!(err.contains("missing.json: cannot read"), "{err}");
}

#[test]
fn unknown_operation_suggests_close_ids() {
    let dir = tempfile::tempdir().expect("tempdir");
    let doc = file(&dir, "doc.json", "{}");
    let (code, _, err) = tapedeck(&["validate", "--operation", "show-server-detail", "--microversion", "2.1", &doc]);
    assert_eq!(code, 2);
    assert!(err.contains("did you mean") && err.contains("show-server-details"), "{err}");
    let (code, _, err) = tapedeck(&["validate", "--operation", "show-server-details", "--microversion", "2.1.5", &doc]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn schemas_list_shows_ranges() {
    let (code, out, _) = tapedeck(&["schemas", "list"]);
    assert_eq!(code, 0);
    let line = out.lines().find(|l| l.starts_with("trigger-crash-dump-in-server ")).expect("listed");
    assert!(line.contains("2.17–2.104") && line.contains("[trigger_crash_dump]"), "{line}");
}

#[test]
fn invalid_server_report_reads_well() {
    let dir = tempfile::tempdir().expect("tempdir");
    let doc = file(
        &dir,
        "server.json",
        r#"{"server": {"id": "not-a-uuid", "status": "RUNNING", "OS-EXT-STS:power_state": "1",
        "config_drive": true, "image": "", "accessIPv4": "300.1.1.1", "created": "yesterday", "vendor:x": 1}}"#,
    );
    let (code, out, _) = tapedeck(&["validate", "--operation", "show-server-details", "--microversion", "2.1", &doc]);
    assert_eq!(code, 1);
    insta::assert_snapshot!(out.replace(&doc, "[FILE]"));
}

#[test]
fn explain_names_the_source_of_each_failed_rule() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A recorded show at 2.1 with three deviations: an adopted Nova rule (the user id's
    // pattern), an override (metadata values are strings) and tapedeck's closed objects.
    let cassette = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("cassettes/nova-34.0.0/server-lifecycle@2.1.yaml"),
    )
    .expect("shipped cassette");
    let doc: serde_json::Value = serde_saphyr::from_str(&cassette).expect("cassette parses");
    let mut show = doc["exchanges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["request"]["method"] == "GET" && e["response"]["body"]["server"]["user_id"].is_string())
        .map(|e| e["response"]["body"].clone())
        .expect("a recorded show");
    show["server"]["user_id"] = "not an id".into();
    show["server"]["metadata"] = serde_json::json!({"k": 7});
    show["server"]["extra"] = 1.into();
    let bad = file(&dir, "show.json", &show.to_string());
    let args = ["validate", "--operation", "show-server-details", "--microversion", "2.1"];
    let (code, plain, _) = tapedeck(&[&args[..], &[bad.as_str()]].concat());
    assert_eq!(code, 1, "{plain}");
    assert!(!plain.contains("rule:"), "no explanation unless asked: {plain}");
    let (code, out, _) = tapedeck(&[&args[..], &["--explain", bad.as_str()]].concat());
    assert_eq!(code, 1, "{out}");
    let after = |pointer: &str| {
        let start = out.find(&format!("  {pointer}: ")).unwrap_or_else(|| panic!("no error at {pointer}: {out}"));
        let rest = &out[start + 2..];
        rest[..rest[1..].find("\n  /").map_or(rest.len(), |i| i + 1)].to_string()
    };
    let user = after("/server/user_id");
    assert!(user.contains("rule: Nova's own schema, adopted by overrides.yaml nova_rules["), "{user}");
    assert!(user.contains("schemas/servers.py") && user.contains("servers.inc:"), "{user}");
    let metadata = after("/server/metadata/k");
    assert!(
        metadata.contains("override: overrides.yaml fields[") && metadata.contains("string → string map"),
        "{metadata}"
    );
    let extra = after("/server/extra");
    assert!(extra.contains("tapedeck closes every object"), "{extra}");
}
