//! `tapedeck schemas drift`: the three-way report of the api-ref, Nova's own schemas and the
//! recorded traffic.

mod common;

use common::{repo, tapedeck};
use serde_json::Value;

#[test]
fn the_committed_report_is_what_the_witnesses_say_today() {
    let (code, out, err) = tapedeck(&["schemas", "drift", "--check"], repo());
    assert_eq!(code, 0, "docs/drift is stale: run `tapedeck schemas drift`\n{out}{err}");
}

#[test]
fn the_traffic_decides_which_witness_is_wrong() {
    // Nova's schema for a server's name made stricter than what Nova itself sends: the shipped
    // traffic breaks it and fits the api-ref, so the entry says Nova's schema is wrong.
    let work = tempfile::tempdir().unwrap();
    let nova = nova_with_name_max_length(work.path(), 3);
    let out_dir = work.path().join("out");
    let (code, out, err) =
        tapedeck(&["schemas", "drift", "--nova", nova.to_str().unwrap(), "--out", out_dir.to_str().unwrap()], repo());
    assert_eq!(code, 0, "{out}{err}");
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("nova-34.0.0.json")).unwrap()).unwrap();
    let entries = report["entries"].as_array().unwrap();
    let name = entries
        .iter()
        .find(|e| {
            e["operation"] == "show-server-details" && e["pointer"] == "/server/name" && e["rule"] == "max-length"
        })
        .unwrap_or_else(|| panic!("no max-length entry for /server/name: {out}"));
    assert_eq!(name["class"], "nova-schema-bug", "{name}");
    assert_eq!(name["nova"], "3");
    assert!(name["traffic"].as_str().unwrap().starts_with("present in"), "{name}");
    // The unchanged set has no such entry: the edit alone made it.
    let committed: Value =
        serde_json::from_str(&std::fs::read_to_string(repo().join("docs/drift/nova-34.0.0.json")).unwrap()).unwrap();
    assert!(!committed["entries"].as_array().unwrap().iter().any(|e| e["pointer"] == "/server/name"
        && e["rule"] == "max-length"
        && e["operation"] == "show-server-details"));
    assert!(std::fs::read_to_string(out_dir.join("nova-34.0.0.md")).unwrap().contains("## nova-schema-bug"));
}

#[test]
fn every_adoptable_stricter_rule_has_been_reviewed() {
    // A rule Nova enforces more strictly than the api-ref, that the traffic agrees with and
    // that a `nova_rules` entry could carry, is adopted (and leaves the report) or the report
    // keeps it as a decision to make: today none is left.
    let committed: Value =
        serde_json::from_str(&std::fs::read_to_string(repo().join("docs/drift/nova-34.0.0.json")).unwrap()).unwrap();
    let open: Vec<&Value> = committed["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["class"] == "schema-stricter" && e.get("nova_rule").is_some())
        .collect();
    assert!(open.is_empty(), "run `tapedeck schemas drift --propose` and review: {open:#?}");
}

#[test]
fn propose_drafts_nova_rules_the_traffic_agrees_with() {
    // Nova's show schema given a rule the api-ref lacks and the traffic satisfies (server names
    // of at most 200 characters): the draft names it, with the operation, pointer and source.
    let work = tempfile::tempdir().unwrap();
    let nova = nova_with_name_max_length(work.path(), 200);
    let (code, out, err) = tapedeck(&["schemas", "drift", "--nova", nova.to_str().unwrap(), "--propose"], repo());
    assert_eq!(code, 0, "{out}{err}");
    let draft = out
        .split("\n  - rule: ")
        .find(|d| d.starts_with("max-length") && d.contains("show-server-details: [\"/server/name\"]"))
        .unwrap_or_else(|| panic!("no draft for the name's max-length: {out}"));
    assert!(draft.contains("value: 200") && draft.contains("body: response"), "{draft}");
    assert!(draft.contains("reason: TODO") && draft.contains("schemas/servers.py show_response"), "{draft}");
    // The committed overrides are untouched: proposing writes nothing.
    assert!(!std::fs::read_to_string(repo().join("src/derive/overrides.yaml")).unwrap().contains("value: 200"));
}

#[test]
fn a_missing_nova_set_is_an_input_error() {
    let work = tempfile::tempdir().unwrap();
    let (code, _, err) = tapedeck(&["schemas", "drift", "--nova", "no/such/dir", "--check"], work.path());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no/such/dir") && err.contains("nova-schemas.sh"), "{err}");
}

/// A copy of Nova's schema set under `dir` whose show-server-details response caps the
/// server's name at `max` characters.
fn nova_with_name_max_length(dir: &std::path::Path, max: u64) -> std::path::PathBuf {
    let nova = dir.join("nova");
    copy_dir(&repo().join("nova-schemas/34.0.0"), &nova);
    let file = nova.join("operations/show-server-details.json");
    let mut op: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    for range in op["response"].as_array_mut().unwrap() {
        let server = &mut range["schema"]["properties"]["server"];
        let forms = match server.get_mut("oneOf").and_then(Value::as_array_mut) {
            Some(forms) => forms.iter_mut().collect::<Vec<_>>(),
            None => vec![server],
        };
        for form in forms {
            if form["properties"]["name"].is_object() {
                form["properties"]["name"]["maxLength"] = max.into();
            }
        }
    }
    std::fs::write(&file, serde_json::to_string(&op).unwrap()).unwrap();
    nova
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
