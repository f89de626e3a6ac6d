//! Every response validated against the derived schema of its operation, status and
//! microversion (error statuses against the fault format), and held to the protocol
//! (`protocol`). No schema is a coverage gap, reported, never silently passed.

use serde_json::Value;

use super::protocol::check_protocol;
use crate::exchange::Exchange;
use crate::microversion::Microversion;
use crate::outcome::{CheckKind, CheckOutcome, CheckState};
use crate::schema_store::{ExtraKeys, SchemaError, SchemaStore, Target, Validation};
use crate::util::json::excerpt;

/// The microversion a request asked for (its header), else the provider's minimum.
pub fn requested_microversion(exchange: &Exchange) -> Microversion {
    exchange
        .request
        .headers
        .get("openstack-api-version")
        .and_then(|v| v.trim().strip_prefix("compute"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(Microversion::MIN)
}

/// Checks of one exchange: which operation it is (against `expected` when the suite names
/// one), the protocol, and whether the response body fits that operation's schema.
pub fn check_exchange(
    store: &SchemaStore,
    exchange: &Exchange,
    extra: ExtraKeys,
    expected: Option<&str>,
) -> Vec<CheckOutcome> {
    let req = &exchange.request;
    let status = exchange.response.status;
    let mut out = Vec::new();
    let op = store.match_request(&req.method, &req.path, req.body.as_ref());
    out.extend(check_protocol(exchange, op));
    if let Some(expected) = expected {
        let actual = op.map(|o| o.id.as_str()).unwrap_or("(none)");
        let state = if actual == expected { CheckState::Passed } else { CheckState::Failed };
        out.push(CheckOutcome::new(CheckKind::Operation, "operation", state).expected(expected).actual(actual));
    }
    let Some(op) = op else {
        out.push(CheckOutcome::new(CheckKind::Schema, "response", CheckState::Gap).message(format!(
            "no api-ref operation matches {} {}",
            req.method,
            strip_query(&req.path)
        )));
        return out;
    };
    let mv = requested_microversion(exchange);
    let target = format!("{} {status}", op.id);
    let doc = match (&exchange.response.body, &exchange.response.text) {
        (Some(body), _) => body,
        (None, None) => &Value::Null,
        (None, Some(text)) => {
            out.push(
                CheckOutcome::new(CheckKind::Schema, target, CheckState::Failed)
                    .message("the response body is not JSON")
                    .actual(crate::util::json::truncate(text, 200)),
            );
            return out;
        }
    };
    match store.validate(&op.id, Target::Response { status }, mv, doc, extra) {
        Validation::Valid { warnings } => {
            out.push(
                CheckOutcome::new(CheckKind::Schema, &target, CheckState::Passed).message(format!("valid at {mv}")),
            );
            out.extend(warnings.iter().map(|w| schema_error(&target, w, CheckState::Warning)));
        }
        Validation::Invalid { errors, warnings } => {
            out.extend(errors.iter().map(|e| schema_error(&target, e, CheckState::Failed)));
            out.extend(warnings.iter().map(|w| schema_error(&target, w, CheckState::Warning)));
        }
        Validation::NoSchema { reason } => {
            out.push(CheckOutcome::new(CheckKind::Schema, &target, CheckState::Gap).message(reason))
        }
        Validation::UnknownOperation => out.push(
            CheckOutcome::new(CheckKind::Schema, &target, CheckState::Gap)
                .message(format!("no schema for operation {}", op.id)),
        ),
    }
    out
}

fn schema_error(target: &str, e: &SchemaError, state: CheckState) -> CheckOutcome {
    let pointer = if e.pointer.is_empty() { "/" } else { e.pointer.as_str() };
    CheckOutcome::new(CheckKind::Schema, format!("{target} {pointer}"), state)
        .message(format!("[{}] {}", e.rule, e.message))
        .actual(excerpt(&e.value, 120))
}

fn strip_query(path: &str) -> &str {
    path.split('?').next().unwrap_or(path)
}
