//! Cleanups that leave nothing. A cleanup that deletes a server is followed until the server is
//! gone (404, or `DELETED`) within the run's cleanup bound; a refused delete (409 while a task
//! runs, a 5xx) is sent again once the server has settled (no task on it), a few times within
//! that bound. Every request is an exchange of the run, so replay repeats the same follow-up.
//! Other cleanups (a metadata key, a tag) are sent once, as before.

use std::time::Duration;

use serde_json::Value;

use super::context::{PendingCleanup, RunCtx};
use super::poll::PollSchedule;
use super::send::send;
use super::step::render;
use crate::check::schema::check_exchange;
use crate::outcome::{CheckKind, CheckOutcome, CheckState, StepKind, StepOutcome, Verdict};
use crate::status_model::TRANSITIONAL;
use crate::transport::Outgoing;
use crate::util::clock::millis;

/// Deletes refused by a busy server are sent this many times at most.
const MAX_DELETES: usize = 5;
/// The longest pause between two follow-up polls.
const MAX_PAUSE: Duration = Duration::from_secs(2);

pub async fn cleanup(ctx: &mut RunCtx<'_>, pending: &PendingCleanup) -> StepOutcome {
    let name = format!("cleanup of `{}`", pending.step);
    let started = ctx.transport.elapsed();
    let mut out = StepOutcome::start(&name, StepKind::Cleanup, None, millis(started));
    let outgoing = match render(ctx.plan, &name, &pending.spec, &pending.vars) {
        Ok(o) => o,
        // The step failed before capturing what the cleanup names: nothing was created.
        Err(e) => {
            out.verdict = Verdict::Skipped;
            out.reason = Some(format!("nothing to clean up: {e}"));
            return out;
        }
    };
    let result = match deleted_server(&outgoing, &ctx.plan.endpoint_path) {
        Some(server) => remove_server(ctx, &mut out, &outgoing, &server, started).await,
        None => send_once(ctx, &mut out, &outgoing).await,
    };
    out.duration_ms = millis(ctx.transport.elapsed().saturating_sub(started));
    if let Err(why) = result {
        out.verdict = Verdict::Failed;
        out.reason = Some(why);
    } else if out.checks.iter().any(CheckOutcome::failed) {
        out.verdict = Verdict::Failed;
    }
    out
}

/// The server a `DELETE /servers/{id}` removes.
fn deleted_server(outgoing: &Outgoing, base_path: &str) -> Option<String> {
    if outgoing.method != "DELETE" {
        return None;
    }
    let path = outgoing.target.split('?').next().unwrap_or_default();
    let path = path.strip_prefix(base_path).unwrap_or(path);
    let id = path.strip_prefix("/servers/")?;
    (!id.is_empty() && !id.contains('/')).then(|| id.to_string())
}

/// Sends `outgoing`, validates the answer; the status.
async fn exchange(ctx: &mut RunCtx<'_>, out: &mut StepOutcome, outgoing: &Outgoing) -> Result<u16, String> {
    let index = send(ctx, out, outgoing.clone()).await.map_err(|e| format!("{e}: the resource may remain"))?;
    let exchange = ctx.exchanges[index].clone();
    out.checks.extend(
        check_exchange(ctx.schemas, &exchange, ctx.extra_keys, None)
            .into_iter()
            .filter(|c| c.state != CheckState::Passed),
    );
    Ok(exchange.response.status)
}

fn status_check(out: &mut StepOutcome, status: u16, ok: bool) {
    let state = if ok { CheckState::Passed } else { CheckState::Failed };
    out.checks
        .push(CheckOutcome::new(CheckKind::Status, "status", state).expected("2xx or 404").actual(status.to_string()));
}

async fn send_once(ctx: &mut RunCtx<'_>, out: &mut StepOutcome, outgoing: &Outgoing) -> Result<(), String> {
    let status = exchange(ctx, out, outgoing).await?;
    // 404: already gone, which is what a cleanup wants.
    let ok = (200..300).contains(&status) || status == 404;
    status_check(out, status, ok);
    if ok { Ok(()) } else { Err(format!("{} answered {status}: the resource may remain", outgoing.describe())) }
}

/// What a follow-up poll saw of the server being removed.
enum Seen {
    Gone,
    /// Still there: its status, and whether a task is running on it (as far as shown).
    There {
        status: String,
        busy: bool,
    },
}

async fn remove_server(
    ctx: &mut RunCtx<'_>,
    out: &mut StepOutcome,
    delete: &Outgoing,
    server: &str,
    started: Duration,
) -> Result<(), String> {
    let bound = ctx.cleanup_timeout;
    let waited = |ctx: &RunCtx<'_>| ctx.transport.elapsed().saturating_sub(started);
    // Gone is judged as the user sees it (404): a server the admin still reads as `DELETED`
    // may be listed yet (nova saves the state before it destroys the row; measured: a server
    // seen `DELETED` by the admin was still in the admin's list). The admin's view, with the
    // task state, tells when a refused delete may be sent again.
    let microversion = ctx.plan.microversion.to_string();
    let show = Outgoing::get(delete.step.as_str(), format!("/servers/{server}"), Some(&microversion));
    let admin = ctx.plan.identities.iter().any(|i| i == "admin");
    let settled_view = if admin { show.clone().as_identity(Some("admin".to_string())) } else { show.clone() };
    let mut refusals = Vec::new();
    for _ in 0..MAX_DELETES {
        let status = exchange(ctx, out, delete).await?;
        if status == 404 {
            status_check(out, status, true);
            return Ok(());
        }
        let accepted = (200..300).contains(&status);
        if !accepted {
            refusals.push(status.to_string());
            out.checks.push(
                CheckOutcome::new(CheckKind::Status, "status", CheckState::Warning)
                    .actual(status.to_string())
                    .message("delete refused; sent again once the server has settled"),
            );
        }
        // Accepted: until it is gone. Refused: until it has settled, then delete again.
        let mut schedule = PollSchedule::new(MAX_PAUSE, None);
        loop {
            if waited(ctx) >= bound {
                return Err(format!(
                    "server {server} still exists {} s after its cleanup began{}: the resource may remain",
                    bound.as_secs(),
                    if refusals.is_empty() {
                        String::new()
                    } else {
                        format!(" (deletes refused: {})", refusals.join(", "))
                    }
                ));
            }
            let pause = schedule.next_delay(waited(ctx)).min(bound.saturating_sub(waited(ctx)));
            ctx.transport.pause(pause).await;
            let again = match poll(ctx, out, &show).await? {
                Seen::Gone => {
                    status_check(out, status, accepted || !refusals.is_empty());
                    return Ok(());
                }
                // Refused, or a delete that failed on the compute host (the server back in
                // ERROR): delete again once no task runs on it.
                Seen::There { status, busy } if !accepted || status == "ERROR" => match admin {
                    true => matches!(poll(ctx, out, &settled_view).await?, Seen::There { busy: false, .. }),
                    false => !busy,
                },
                Seen::There { .. } => false,
            };
            if again {
                break;
            }
        }
    }
    Err(format!(
        "server {server} could not be deleted: {} deletes answered {}: the resource may remain",
        MAX_DELETES,
        refusals.join(", ")
    ))
}

async fn poll(ctx: &mut RunCtx<'_>, out: &mut StepOutcome, show: &Outgoing) -> Result<Seen, String> {
    let index = send(ctx, out, show.clone()).await?;
    let exchange = &ctx.exchanges[index];
    let server = exchange.response.body.as_ref().and_then(|b| b.get("server"));
    let field = |name: &str| server.and_then(|s| s.get(name)).and_then(Value::as_str);
    Ok(match (exchange.response.status, field("status")) {
        (404, _) => Seen::Gone,
        (200, Some(status)) => {
            // Without the admin's view, a transitional status is the only sign of a task.
            let busy = match server.and_then(|s| s.get("OS-EXT-STS:task_state")) {
                Some(task) => !task.is_null(),
                None => TRANSITIONAL.contains(&status),
            };
            Seen::There { status: status.to_string(), busy }
        }
        (code, _) => return Err(format!("following the delete, GET {} answered {code}", show.target)),
    })
}
