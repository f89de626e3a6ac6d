//! After a wait settles, the evidence beyond its polls: the instance action of the request that
//! caused the transition, fetched (and recorded, like every exchange) and judged by
//! `check::transition`. An action's events may finish a moment after the server settled, so an
//! unfinished answer is asked again a few times.

use std::time::Duration;

use serde_json::Value;

use super::context::{RunCtx, SentAction};
use super::send::send;
use crate::check::schema::check_exchange;
use crate::check::transition::{ActionRecord, EVENTS_FOR_EVERYONE, check_action, read_action};
use crate::exchange::Exchange;
use crate::outcome::{CheckKind, CheckOutcome, CheckState, StepOutcome};
use crate::status_model::recorded_action;
use crate::transport::Outgoing;

/// Answers asked for one action at most, and the first pause between them (doubling).
const MAX_ASKS: u32 = 6;
const FIRST_PAUSE: Duration = Duration::from_millis(100);

/// The action an exchange started, if it did: `POST /servers/{id}/action` accepted, or a server
/// created (`POST /servers`, 202).
pub fn sent_action(exchange: &Exchange) -> Option<SentAction> {
    let (request, response) = (&exchange.request, &exchange.response);
    if request.method.as_str() != "POST" || !(200..300).contains(&response.status) {
        return None;
    }
    let path = request.path.split('?').next().unwrap_or_default();
    let (server, key) = match path.strip_prefix("/servers/").and_then(|p| p.strip_suffix("/action")) {
        Some(id) if !id.contains('/') => {
            let key = request.body.as_ref().and_then(Value::as_object).and_then(|o| o.keys().next()).cloned();
            (id.to_string(), key)
        }
        _ if path == "/servers" && response.status == 202 => {
            let id = response.body.as_ref()?.pointer("/server/id").and_then(Value::as_str)?.to_string();
            (id, Some("create".to_string()))
        }
        _ => return None,
    };
    let request_id = response.header("x-openstack-request-id")?.to_string();
    Some(SentAction { server, request_id, action: key.as_deref().and_then(recorded_action) })
}

/// The check of `action`'s instance action; `missed`: the declared transitional statuses the
/// wait's polls did not see, which only the action can evidence.
pub async fn confirm(
    ctx: &mut RunCtx<'_>,
    out: &mut StepOutcome,
    action: &SentAction,
    missed: &[String],
) -> CheckOutcome {
    let admin = ctx.plan.identities.iter().any(|i| i == "admin");
    let events_expected = admin || ctx.plan.microversion >= EVENTS_FOR_EVERYONE;
    let microversion = ctx.plan.microversion.to_string();
    let request = Outgoing::get(
        out.name.as_str(),
        format!("/servers/{}/os-instance-actions/{}", action.server, action.request_id),
        Some(&microversion),
    )
    .as_identity(admin.then(|| "admin".to_string()));
    let mut pause = FIRST_PAUSE;
    let mut record = ActionRecord::Missing(String::new());
    for ask in 0..MAX_ASKS {
        if ask > 0 {
            ctx.transport.pause(pause).await;
            pause *= 2;
        }
        let index = match send(ctx, out, request.clone()).await {
            Ok(index) => index,
            Err(e) => {
                return CheckOutcome::new(
                    CheckKind::Transition,
                    format!("instance action {}", action.request_id),
                    CheckState::Failed,
                )
                .message(format!("could not fetch the instance action: {e}"));
            }
        };
        let exchange = &ctx.exchanges[index];
        out.checks.extend(
            check_exchange(ctx.schemas, exchange, ctx.extra_keys, None)
                .into_iter()
                .filter(|c| c.state != CheckState::Passed),
        );
        record = read_action(
            exchange.response.status,
            exchange.response.body.as_deref(),
            &action.request_id,
            events_expected,
        );
        if !matches!(record, ActionRecord::Unfinished { .. }) {
            break;
        }
    }
    check_action(&record, &action.request_id, action.action, missed)
}
