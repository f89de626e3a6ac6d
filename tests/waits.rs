//! Waits on the replay transport's virtual clock: fail fast on a failure status (with the
//! fault), on a status off the path or going backwards, and on timeout (with the trace); the
//! cleanup runs in every case. Exchanges are built in memory here to reach states the real
//! sandbox will not produce on demand (ERROR, a 60 s build).

use std::path::Path;
use std::sync::Arc;

use serde_json::{Value, json};
use tapedeck::cassette::{self, Cassette};
use tapedeck::exchange::{Exchange, Request, Response};
use tapedeck::outcome::{Mode, Outcome, Verdict};
use tapedeck::plan::{self, PlanRequest};
use tapedeck::runner::{self, Cancel, RunnerConfig};
use tapedeck::schema_store::{ExtraKeys, SchemaStore};
use tapedeck::suite::load::load_suite_str;

fn suite(until: &str, path: &str) -> String {
    format!(
        r#"
suite: waits
steps:
  - name: create
    request: {{POST: /servers, json: {{server: {{name: x}}}}}}
    expect: {{status: 202}}
    capture: {{server_id: /server/id}}
    cleanup: {{DELETE: "/servers/${{server_id}}"}}
  - name: wait
    wait: {{server: "${{server_id}}", until: {until}, path: {path}, timeout: 60s, interval: 1s}}
"#
    )
}

fn exchange(step: &str, method: &str, path: &str, offset: u64, status: u16, body: Value) -> Exchange {
    Exchange {
        step: step.into(),
        identity: None,
        batch: None,
        offset_ms: offset,
        duration_ms: 10,
        request: Arc::new(Request {
            method: method.into(),
            path: path.into(),
            headers: Default::default(),
            body: None,
        }),
        // As Nova answers: JSON, with a request id of its own.
        response: Response {
            status,
            headers: [("content-type", "application/json".to_string()), ("x-openstack-request-id", request_id(offset))]
                .into_iter()
                .collect(),
            body: Some(body.into()),
            text: None,
        },
    }
}

fn request_id(n: u64) -> String {
    format!("req-00000000-0000-4000-8000-{n:012}")
}

fn poll(offset: u64, status: &str, extra: Value) -> Exchange {
    let mut server = json!({"id": "s1", "status": status});
    if let (Some(s), Some(e)) = (server.as_object_mut(), extra.as_object()) {
        s.extend(e.clone());
    }
    exchange("wait", "GET", "/servers/s1", offset, 200, json!({ "server": server }))
}

async fn run(suite_text: &str, polls: Vec<Exchange>) -> Outcome {
    let dir = tempfile::tempdir().unwrap();
    let s = load_suite_str(&dir.path().join("waits.yaml"), suite_text, &[]).unwrap();
    let mut exchanges = vec![exchange("create", "POST", "/servers", 0, 202, json!({"server": {"id": "s1"}}))];
    exchanges.extend(polls);
    // The evidence a settled wait asks for (the create's instance action), and the cleanup
    // followed until the server is gone.
    let action = json!({"instanceAction": {"action": "create", "request_id": request_id(0)}});
    let after_polls = exchanges.last().map_or(0, |e| e.offset_ms + e.duration_ms);
    let evidence = format!("/servers/s1/os-instance-actions/{}", request_id(0));
    exchanges.push(exchange("wait", "GET", &evidence, after_polls, 200, action));
    exchanges.push(exchange("cleanup of `create`", "DELETE", "/servers/s1", 90_000, 204, Value::Null));
    exchanges.push(exchange(
        "cleanup of `create`",
        "GET",
        "/servers/s1",
        90_100,
        404,
        json!({"itemNotFound": {"code": 404, "message": "gone"}}),
    ));
    let c = Cassette {
        format: cassette::FORMAT_VERSION,
        tapedeck: "test".into(),
        recorded_at: "2026-01-01T00:00:00Z".into(),
        provider: "test".into(),
        endpoint_path: "/v2.1".into(),
        api_versions: None,
        suite: "waits".into(),
        suite_hash: s.hash.clone(),
        microversion: "2.1".parse().unwrap(),
        identities: vec!["user".into()],
        variables: Default::default(),
        skipped: None,
        exchange_count: 0,
        exchanges,
    };
    cassette::write_atomic(&cassette::cassette_path(dir.path(), "waits", c.microversion), &c).unwrap();
    let suites = [Arc::new(s)];
    let req = PlanRequest {
        suites: &suites,
        cassette_dir: dir.path(),
        live: None,
        record: None,
        microversion: None,
        default_microversion: plan::DEFAULT_MICROVERSION,
        cli_vars: &[],
        selection: &Default::default(),
    };
    let plans = plan::plan(&req).unwrap();
    // No operations in this schema set: the fabricated bodies are coverage gaps, not failures,
    // so these tests see the wait logic alone.
    let schemas_dir = dir.path().join("schemas");
    std::fs::create_dir_all(schemas_dir.join("operations")).unwrap();
    std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/faults.json"), schemas_dir.join("faults.json"))
        .unwrap();
    let schemas: &'static SchemaStore = Box::leak(Box::new(SchemaStore::load_dir(&schemas_dir).unwrap()));
    let config = RunnerConfig {
        mode: Mode::Replay,
        jobs: 1,
        endpoint: None,
        cancel: Cancel::new(),
        events: None,
        schemas,
        extra_keys: ExtraKeys::Deny,
        batch_waits: true,
        cleanup_timeout: std::time::Duration::from_secs(120),
        wait_timeout_scale: 1.0,
        redactor: Default::default(),
    };
    runner::execute(plans, config).await
}

fn wait_reason(o: &Outcome) -> String {
    let run = &o.runs[0];
    assert_eq!(run.verdict, Verdict::Failed);
    assert_eq!(run.cleanups.len(), 1, "the cleanup must run after a failed wait");
    assert_eq!(run.cleanups[0].verdict, Verdict::Passed);
    run.steps[1].reason.clone().unwrap()
}

#[tokio::test]
async fn error_status_fails_at_once_with_the_fault() {
    let fault = json!({"fault": {"code": 500, "message": "No valid host was found."}});
    let o =
        run(&suite("ACTIVE", "[BUILD, ACTIVE]"), vec![poll(100, "BUILD", json!({})), poll(600, "ERROR", fault)]).await;
    let reason = wait_reason(&o);
    assert!(reason.contains("server went to ERROR") && reason.contains("No valid host"), "{reason}");
    assert_eq!(o.runs[0].steps[1].trace.as_ref().unwrap().observations.len(), 2, "no poll after the failure status");
}

#[tokio::test]
async fn timeout_is_judged_on_the_recorded_clock_and_keeps_the_trace() {
    let polls = (0..=61).map(|i| poll(100 + i * 1000, "BUILD", json!({}))).collect();
    let o = run(&suite("ACTIVE", "[BUILD, ACTIVE]"), polls).await;
    let reason = wait_reason(&o);
    assert!(
        reason.contains("timed out after 6")
            && reason.contains("waiting for ACTIVE")
            && reason.contains("observed: BUILD"),
        "{reason}"
    );
    assert!(o.runs[0].wall_ms < 5_000, "replay must not sleep: {} ms", o.runs[0].wall_ms);
}

#[tokio::test]
async fn an_undeclared_status_fails_fast() {
    let o = run(
        &suite("ACTIVE", "[ACTIVE, REBOOT, ACTIVE]"),
        vec![poll(100, "HARD_REBOOT", json!({})), poll(400, "ACTIVE", json!({}))],
    )
    .await;
    let reason = wait_reason(&o);
    assert!(reason.contains("HARD_REBOOT is not on the declared path"), "{reason}");
}

#[tokio::test]
async fn going_backwards_fails_fast() {
    let polls =
        vec![poll(100, "RESIZE", json!({})), poll(400, "ACTIVE", json!({})), poll(800, "VERIFY_RESIZE", json!({}))];
    let o = run(&suite("VERIFY_RESIZE", "resize"), polls).await;
    let reason = wait_reason(&o);
    assert!(reason.contains("went backwards: ACTIVE after RESIZE"), "{reason}");
}

#[tokio::test]
async fn a_missed_transitional_status_passes_and_task_state_keeps_it_polling() {
    // Admin view: ACTIVE with a task still running is not settled yet.
    let polls = vec![
        poll(100, "ACTIVE", json!({"OS-EXT-STS:task_state": "rebooting"})),
        poll(300, "ACTIVE", json!({"OS-EXT-STS:task_state": null})),
    ];
    let o = run(&suite("ACTIVE", "reboot-soft"), polls).await;
    assert_eq!(o.runs[0].verdict, Verdict::Passed, "{:?}", o.runs[0].reason);
    let trace = o.runs[0].steps[1].trace.as_ref().unwrap();
    assert_eq!(trace.observations.len(), 2);
    assert_eq!(trace.observations[0].task_state.as_deref(), Some("rebooting"));
}

#[tokio::test]
async fn batch_polls_replay_as_the_polls_of_their_server_at_their_recorded_times() {
    // Recorded with --jobs: two of this wait's polls were answered by lists other runs sent
    // (the second one before this wait's own pause ended), one was its own GET.
    let batch = |offset: u64, status: &str| {
        let servers = json!({"servers": [{"id": "s1", "status": status}]});
        let mut e = exchange("wait", "GET", "/servers/detail?name=%5Etd-%28r1%7Cr2%29-", offset, 200, servers);
        e.batch = Some(Box::new(tapedeck::exchange::BatchPoll { server: "s1".into(), waits: 2 }));
        e
    };
    let polls = vec![batch(300, "BUILD"), poll(900, "BUILD", json!({})), batch(1_000, "ACTIVE")];
    let o = run(&suite("ACTIVE", "[BUILD, ACTIVE]"), polls).await;
    let run = &o.runs[0];
    assert_eq!(run.verdict, Verdict::Passed, "{:?}", run.reason);
    assert!(run.notes.iter().all(|n| !n.contains("not asked for")), "every recorded poll replayed: {:?}", run.notes);
    let trace = run.steps[1].trace.as_ref().unwrap();
    let seen: Vec<(u64, &str)> = trace.observations.iter().map(|o| (o.offset_ms, o.status.as_str())).collect();
    assert_eq!(seen, [(300, "BUILD"), (900, "BUILD"), (1_000, "ACTIVE")]);
    // The wait ended when the recording says (its last poll, then the create's evidence), not
    // after the pauses the replay would have taken.
    assert_eq!(run.steps[1].offset_ms + run.steps[1].duration_ms, 1_020);
}
