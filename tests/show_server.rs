//! The quality bar of issue 4 for the show-server response schema, with nova's own samples.

mod common;

use serde_json::{Value, json};
use tapedeck::microversion::Microversion;
use tapedeck::schema_store::{ExtraKeys, SchemaStore, Target, Validation};

const OP: &str = "show-server-details";

fn mv(s: &str) -> Microversion {
    s.parse().expect("microversion")
}

fn sample(nova: &std::path::Path, rel: &str) -> Value {
    let path = nova.join("doc/api_samples/servers").join(rel);
    serde_json::from_str(&std::fs::read_to_string(&path).expect("sample exists")).expect("sample is JSON")
}

fn check(doc: &Value, at: &str) -> Validation {
    SchemaStore::embedded().validate(OP, Target::Response { status: 200 }, mv(at), doc, ExtraKeys::Deny)
}

fn errors(v: &Validation) -> Vec<(String, String)> {
    match v {
        Validation::Invalid { errors, .. } => errors.iter().map(|e| (e.pointer.clone(), e.rule.clone())).collect(),
        other => panic!("expected invalid, got {other:?}"),
    }
}

#[test]
fn samples_valid_exactly_at_their_microversions() {
    let Some(nova) = common::nova_source() else { return };
    for (rel, at) in [
        ("server-get-resp.json", "2.1"),
        ("v2.73/server-get-resp.json", "2.73"),
        ("v2.96/server-get-resp.json", "2.96"),
        ("v2.98/server-get-resp.json", "2.98"),
        ("v2.100/server-get-resp.json", "2.100"),
    ] {
        let doc = sample(&nova, rel);
        assert!(check(&doc, at).is_valid(), "{rel} at {at}: {:?}", check(&doc, at));
    }
    // Outside their microversions they are rejected: a missing `scheduler_hints`-era field is
    // an extra key at 2.98; the 2.1 sample lacks `locked` (required from 2.9).
    let newest = sample(&nova, "v2.100/server-get-resp.json");
    assert!(
        errors(&check(&newest, "2.98")).contains(&("/server/scheduler_hints".into(), "additionalProperties".into()))
    );
    let v298 = sample(&nova, "v2.98/server-get-resp.json");
    assert!(
        errors(&check(&v298, "2.96")).contains(&("/server/image/properties".into(), "additionalProperties".into()))
    );
    let oldest = sample(&nova, "server-get-resp.json");
    assert!(errors(&check(&oldest, "2.9")).iter().any(|(p, r)| p == "/server" && r == "required"));
}

#[test]
fn non_admin_view_and_boot_from_volume_are_valid() {
    let Some(nova) = common::nova_source() else { return };
    let mut doc = sample(&nova, "v2.100/server-get-resp.json");
    let server = doc["server"].as_object_mut().expect("server object");
    server.retain(|k, _| !k.starts_with("OS-EXT-SRV-ATTR:") && k != "host_status");
    server.insert("image".into(), json!(""));
    assert!(check(&doc, "2.100").is_valid(), "{:?}", check(&doc, "2.100"));
}

#[test]
fn wrong_values_and_missing_envelope_are_rejected() {
    let Some(nova) = common::nova_source() else { return };
    let good = sample(&nova, "v2.100/server-get-resp.json");
    let with = |pointer: &str, value: Value| {
        let mut doc = good.clone();
        *doc.pointer_mut(pointer).expect("field exists") = value;
        doc
    };
    assert_eq!(
        errors(&check(&with("/server/status", json!("RUNNING")), "2.100")),
        vec![("/server/status".into(), "enum".into())]
    );
    assert!(
        errors(&check(&with("/server/OS-EXT-STS:power_state", json!("1")), "2.100"))
            .contains(&("/server/OS-EXT-STS:power_state".into(), "type".into()))
    );
    assert!(!errors(&check(&with("/server/config_drive", json!(true)), "2.100")).is_empty());
    let bare = good["server"].clone();
    assert!(errors(&check(&bare, "2.100")).iter().any(|(p, r)| p.is_empty() && r == "required"));
}

#[test]
fn extra_keys_deny_warn_allow() {
    let Some(nova) = common::nova_source() else { return };
    let mut doc = sample(&nova, "v2.100/server-get-resp.json");
    doc["server"]["vendor:extension"] = json!(42);
    let store = SchemaStore::embedded();
    let at = |extra| store.validate(OP, Target::Response { status: 200 }, mv("2.100"), &doc, extra);
    assert_eq!(errors(&at(ExtraKeys::Deny)), vec![("/server/vendor:extension".into(), "additionalProperties".into())]);
    match at(ExtraKeys::Warn) {
        Validation::Valid { warnings } => assert_eq!(warnings[0].pointer, "/server/vendor:extension"),
        other => panic!("{other:?}"),
    }
    assert_eq!(at(ExtraKeys::Allow), Validation::Valid { warnings: vec![] });
}
