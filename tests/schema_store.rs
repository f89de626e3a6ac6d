//! The schema store's public API on the embedded nova 34.0.0 schema set (no download needed).

use serde_json::json;
use tapedeck::microversion::Microversion;
use tapedeck::schema_store::{ExtraKeys, SchemaStore, Target, Validation};

fn mv(s: &str) -> Microversion {
    s.parse().expect("microversion")
}

#[test]
fn embedded_store_covers_the_compute_api() {
    let store = SchemaStore::embedded();
    let ops: Vec<_> = store.operations().collect();
    assert!(ops.len() > 200);
    let show = store.operation("show-server-details").expect("show server");
    assert_eq!((show.method.as_str(), show.path.as_str()), ("GET", "/servers/{server_id}"));
    assert_eq!((show.min_version, show.max_version), (mv("2.1"), mv("2.104")));
    let crash = store.operation("trigger-crash-dump-in-server").expect("crash dump");
    assert_eq!(crash.min_version, mv("2.17"));
    assert_eq!(crash.action.as_deref(), Some("trigger_crash_dump"));
    let confirm = store.operation("confirm-resized-server-confirmresize-action").expect("confirm");
    assert_eq!(confirm.normal_codes, vec![204]);
}

#[test]
fn requests_match_operations_and_actions_by_body_key() {
    let store = SchemaStore::embedded();
    let id =
        |m: &str, p: &str, b: Option<serde_json::Value>| store.match_request(m, p, b.as_ref()).map(|o| o.id.clone());
    assert_eq!(id("GET", "/servers/detail?limit=1", None).as_deref(), Some("list-servers-detailed"));
    assert_eq!(
        id("GET", "/servers/5c1e6f4e-9d0a-4b8a-9a57-0f3c1c1c1c1c", None).as_deref(),
        Some("show-server-details")
    );
    assert_eq!(
        id("POST", "/servers/x/action", Some(json!({"reboot": {"type": "SOFT"}}))).as_deref(),
        Some("reboot-server-reboot-action")
    );
    assert_eq!(
        id("POST", "/servers/x/action", Some(json!({"os-stop": null}))).as_deref(),
        Some("stop-server-os-stop-action")
    );
    assert_eq!(
        id("POST", "/servers/x/action", Some(json!({"createImage": {"name": "i"}}))).as_deref(),
        Some("create-image-createimage-action")
    );
    assert_eq!(id("POST", "/servers/x/action", Some(json!({"nonsense": {}}))), None);
    assert_eq!(id("POST", "/servers", Some(json!({"server": {}}))).as_deref(), Some("create-server"));
    assert_eq!(id("PATCH", "/servers", None), None);
}

#[test]
fn faults_validate_against_nova_fault_names() {
    let store = SchemaStore::embedded();
    let at = |status, doc: serde_json::Value| {
        store.validate("show-server-details", Target::Response { status }, mv("2.1"), &doc, ExtraKeys::Deny)
    };
    assert!(at(404, json!({"itemNotFound": {"code": 404, "message": "Instance x could not be found."}})).is_valid());
    assert!(
        at(406, json!({"computeFault": {"code": 406, "message": "Version 9.9 is not supported by the API."}}))
            .is_valid()
    );
    assert!(!at(404, json!({"badRequest": {"code": 404, "message": "x"}})).is_valid());
    assert!(!at(409, json!({"conflictingRequest": {"code": "409", "message": "x"}})).is_valid());
}

#[test]
fn gaps_and_unknown_operations_are_reported_not_passed() {
    let store = SchemaStore::embedded();
    let doc = json!({"server": {}});
    assert_eq!(
        store.validate("no-such-op", Target::Request, mv("2.1"), &doc, ExtraKeys::Deny),
        Validation::UnknownOperation
    );
    assert!(matches!(
        store.validate("show-server-details", Target::Response { status: 299 }, mv("2.1"), &doc, ExtraKeys::Deny),
        Validation::NoSchema { .. }
    ));
    assert!(matches!(
        store.validate(
            "trigger-crash-dump-in-server",
            Target::Request,
            mv("2.16"),
            &json!({"trigger_crash_dump": null}),
            ExtraKeys::Deny
        ),
        Validation::NoSchema { .. }
    ));
    assert!(
        store
            .validate(
                "trigger-crash-dump-in-server",
                Target::Request,
                mv("2.17"),
                &json!({"trigger_crash_dump": null}),
                ExtraKeys::Deny
            )
            .is_valid()
    );
    // Deleting a server: 204, no body.
    assert!(
        store
            .validate(
                "delete-server",
                Target::Response { status: 204 },
                mv("2.1"),
                &serde_json::Value::Null,
                ExtraKeys::Deny
            )
            .is_valid()
    );
}

#[test]
fn load_dir_reads_the_same_set() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
    let loaded = SchemaStore::load_dir(&dir).expect("loads");
    let embedded = SchemaStore::embedded();
    assert_eq!(loaded.operations().collect::<Vec<_>>(), embedded.operations().collect::<Vec<_>>());
    // The embedded files are read whole only when used: every one of them reads as the
    // directory's (which is read whole, unknown fields refused) does.
    for op in embedded.operations() {
        assert_eq!(embedded.operation(&op.id), Some(op), "found by id");
        let targets =
            std::iter::once(Target::Request).chain(op.normal_codes.iter().map(|&status| Target::Response { status }));
        for target in targets {
            for at in [op.min_version, op.max_version] {
                assert_eq!(
                    embedded.schema(&op.id, target, at),
                    loaded.schema(&op.id, target, at),
                    "{} {target:?} @ {at}",
                    op.id
                );
            }
        }
    }
    assert!(SchemaStore::load_dir(std::path::Path::new("/nonexistent")).is_err());
}

#[test]
fn load_dir_refuses_a_broken_schema_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
    std::fs::copy(src.join("faults.json"), dir.path().join("faults.json")).unwrap();
    std::fs::create_dir(dir.path().join("operations")).unwrap();
    let text = std::fs::read_to_string(src.join("operations/show-server-details.json")).unwrap();
    // Valid JSON with its head intact; the schemas further down are not a list of ranges.
    let broken = text.replacen("\"request\": []", "\"request\": {}", 1);
    assert_ne!(broken, text, "the file has a request list to break");
    std::fs::write(dir.path().join("operations/show-server-details.json"), broken).unwrap();
    let err = SchemaStore::load_dir(dir.path()).err().expect("refused").to_string();
    assert!(err.contains("show-server-details.json"), "{err}");
}
