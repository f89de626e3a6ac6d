//! Evidence that a server went through a transition, beyond the statuses polls happened to see:
//! a poll's status must be the one Nova derives from the `vm_state` and `task_state` it shows
//! (`status_model::STATE_MAP`), and the action that caused a wait must be among the server's
//! instance actions with the request id of its answer — from 2.51 (or as admin) with its
//! events started and finished. A transitional status no poll saw is evidenced only so.

use serde_json::Value;

use crate::microversion::Microversion;
use crate::outcome::{CheckKind, CheckOutcome, CheckState};
use crate::status_model::status_for;

/// From this microversion every user sees an instance action's events.
pub const EVENTS_FOR_EVERYONE: Microversion = Microversion::new(2, 51);

/// A failed check when `status` is not what Nova shows for these states.
pub fn check_states(status: &str, vm_state: Option<&str>, task_state: Option<&str>) -> Option<CheckOutcome> {
    let expected = status_for(vm_state?, task_state)?;
    (expected != status).then(|| {
        CheckOutcome::new(CheckKind::Transition, "status", CheckState::Failed)
            .expected(expected)
            .actual(status)
            .message(format!(
                "status {status} disagrees with vm_state {} and task_state {} (Nova shows {expected})",
                vm_state.unwrap_or_default(),
                task_state.unwrap_or("null")
            ))
    })
}

/// What an instance action's answer shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionRecord {
    /// Found, with every event it shows finished (or none shown where events are hidden).
    Finished { action: String, events: Vec<String> },
    /// Found, but an event has not finished yet (ask again a little later).
    Unfinished { action: String },
    /// Found, with an event that finished with another result than `Success`.
    Unsuccessful { action: String, event: String, result: String },
    /// Not found, or not the request: the reason.
    Missing(String),
}

/// Reads `GET /servers/{id}/os-instance-actions/{request_id}`'s answer. `events_expected`: the
/// identity may see events (admin, or 2.51 and later), so an action without them is not enough.
pub fn read_action(status: u16, body: Option<&Value>, request_id: &str, events_expected: bool) -> ActionRecord {
    let Some(action) = body.and_then(|b| b.get("instanceAction")).filter(|_| status == 200) else {
        return ActionRecord::Missing(format!("no instance action with request id {request_id} (HTTP {status})"));
    };
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_string);
    let name = text(action, "action").unwrap_or_default();
    if text(action, "request_id").as_deref() != Some(request_id) {
        return ActionRecord::Missing(format!(
            "the instance action answered for {request_id} is {}",
            text(action, "request_id").unwrap_or_else(|| "without a request id".into())
        ));
    }
    let events = match action.get("events").and_then(Value::as_array) {
        Some(events) => events,
        None if events_expected => {
            return ActionRecord::Missing(format!("instance action {name} ({request_id}) shows no events"));
        }
        None => return ActionRecord::Finished { action: name, events: Vec::new() },
    };
    if events_expected && events.is_empty() {
        return ActionRecord::Unfinished { action: name };
    }
    let finished = |e: &&Value| ["start_time", "finish_time"].iter().all(|k| e.get(k).is_some_and(|v| !v.is_null()));
    if !events.iter().all(|e| finished(&e)) {
        return ActionRecord::Unfinished { action: name };
    }
    if let Some(e) = events.iter().find(|e| text(e, "result").is_some_and(|r| r != "Success")) {
        return ActionRecord::Unsuccessful {
            action: name,
            event: text(e, "event").unwrap_or_default(),
            result: text(e, "result").unwrap_or_default(),
        };
    }
    ActionRecord::Finished { action: name, events: events.iter().filter_map(|e| text(e, "event")).collect() }
}

/// The verdict on a wait's transition: `missed` are the declared transitional statuses no poll
/// saw; `record` what the instance action showed; `expected` the action Nova records for the
/// request, when known.
pub fn check_action(
    record: &ActionRecord,
    request_id: &str,
    expected: Option<&str>,
    missed: &[String],
) -> CheckOutcome {
    let target = format!("instance action {request_id}");
    match record {
        ActionRecord::Finished { action, .. } | ActionRecord::Unfinished { action }
            if expected.is_some_and(|e| e != action) =>
        {
            CheckOutcome::new(CheckKind::Transition, target, CheckState::Failed)
                .expected(expected.unwrap_or_default())
                .actual(action.clone())
                .message(format!("the request is recorded as instance action `{action}`"))
        }
        ActionRecord::Finished { action, events } => {
            let mut what = format!("{action} recorded");
            if !events.is_empty() {
                what.push_str(&format!(", events finished: {}", events.join(", ")));
            }
            if !missed.is_empty() {
                what.push_str(&format!("; evidences {} (not polled)", missed.join(", ")));
            }
            CheckOutcome::new(CheckKind::Transition, target, CheckState::Passed).message(what)
        }
        ActionRecord::Unfinished { action } => CheckOutcome::new(CheckKind::Transition, target, CheckState::Failed)
            .message(format!("{action} has events that never finished although the server settled")),
        ActionRecord::Unsuccessful { action, event, result } => {
            CheckOutcome::new(CheckKind::Transition, target, CheckState::Failed)
                .message(format!("{action}: event {event} finished with result {result}"))
        }
        ActionRecord::Missing(why) => {
            let mut message = why.clone();
            if !missed.is_empty() {
                message.push_str(&format!(": no evidence that the server went through {}", missed.join(", ")));
            }
            CheckOutcome::new(CheckKind::Transition, target, CheckState::Failed).message(message)
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const RID: &str = "req-1";

    #[test]
    fn a_status_that_hides_a_task_fails() {
        assert!(check_states("REBOOT", Some("active"), Some("rebooting")).is_none());
        assert!(check_states("ACTIVE", Some("active"), None).is_none());
        assert!(check_states("ACTIVE", None, None).is_none(), "states not shown: nothing to compare");
        let c = check_states("ACTIVE", Some("active"), Some("rebooting")).unwrap();
        assert!(c.failed() && c.message.unwrap().contains("Nova shows REBOOT"));
    }

    #[test]
    fn instance_actions_are_read_with_their_events() {
        let action =
            |events: Value| json!({"instanceAction": {"action": "reboot", "request_id": RID, "events": events}});
        let done = json!([{"event": "compute_reboot_instance", "start_time": "t", "finish_time": "t"}]);
        let running = json!([{"event": "compute_reboot_instance", "start_time": "t", "finish_time": null}]);
        assert_eq!(
            read_action(200, Some(&action(done)), RID, true),
            ActionRecord::Finished { action: "reboot".into(), events: vec!["compute_reboot_instance".into()] }
        );
        assert_eq!(
            read_action(200, Some(&action(running)), RID, true),
            ActionRecord::Unfinished { action: "reboot".into() }
        );
        let error =
            json!([{"event": "compute_reboot_instance", "start_time": "t", "finish_time": "t", "result": "Error"}]);
        assert!(matches!(read_action(200, Some(&action(error)), RID, true), ActionRecord::Unsuccessful { .. }));
        let hidden = json!({"instanceAction": {"action": "reboot", "request_id": RID}});
        assert!(matches!(read_action(200, Some(&hidden), RID, false), ActionRecord::Finished { .. }));
        assert!(matches!(read_action(200, Some(&hidden), RID, true), ActionRecord::Missing(_)));
        assert!(matches!(read_action(404, None, RID, false), ActionRecord::Missing(_)));
        let other = json!({"instanceAction": {"action": "reboot", "request_id": "req-2"}});
        assert!(matches!(read_action(200, Some(&other), RID, false), ActionRecord::Missing(_)));
    }

    #[test]
    fn a_missed_status_without_an_action_is_a_failure() {
        let missing = ActionRecord::Missing("no instance action".into());
        let c = check_action(&missing, RID, Some("reboot"), &["REBOOT".into()]);
        assert!(c.failed() && c.message.unwrap().contains("no evidence that the server went through REBOOT"));
        let found = ActionRecord::Finished { action: "reboot".into(), events: vec![] };
        assert!(!check_action(&found, RID, Some("reboot"), &["REBOOT".into()]).failed());
        assert!(!check_action(&found, RID, None, &[]).failed());
        let other = check_action(&found, RID, Some("stop"), &[]);
        assert!(other.failed() && other.message.unwrap().contains("recorded as instance action `reboot`"));
    }
}
