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
    assert_eq!(loaded.operations().count(), SchemaStore::embedded().operations().count());
    assert!(SchemaStore::load_dir(std::path::Path::new("/nonexistent")).is_err());
}
