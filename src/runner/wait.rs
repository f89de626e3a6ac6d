//! A wait on a server's status. Every poll is kept in the trace (status, task_state and
//! vm_state when the identity may see them, time offset). It ends when the server settles in
//! the `until` status, and fails fast: on a failure status (with the server's fault), on a
//! status off the declared path or a step backwards, and on timeout (with the trace so far).

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::batch::{self, Group, Turn};
use super::context::{RunCtx, location};
use super::estimate::{Arrival, transition_key};
use super::event::Event;
use super::evidence::confirm;
use super::poll::PollSchedule;
use super::send::send;
use crate::check::path::check_path;
use crate::check::schema::check_exchange;
use crate::check::transition::check_states;
use crate::exchange::{Exchange, SharedStr};
use crate::outcome::{CheckKind, CheckOutcome, CheckState, Observation, StepKind, StepOutcome, Trace, Verdict};
use crate::status_model::{GONE, TRANSITIONAL};
use crate::suite::{Step, WaitSpec};
use crate::transport::Outgoing;
use crate::util::clock::millis;
use crate::util::json::{excerpt, value_str};

pub async fn wait(ctx: &mut RunCtx<'_>, s: &Step, spec: &WaitSpec) -> StepOutcome {
    let started = ctx.transport.elapsed();
    let mut out = StepOutcome::start(&s.name, StepKind::Wait, location(ctx.plan, s), millis(started));
    let server = match spec.server.render(&ctx.vars) {
        Ok(id) => id,
        Err(e) => return finish(out, None, Err(e.to_string()), started, ctx),
    };
    let mut trace = Trace {
        server: server.clone(),
        until: spec.until.to_string(),
        declared_path: spec.path.iter().map(|s| s.to_string()).collect(),
        observations: Vec::new(),
    };
    // Admins see OS-EXT-STS:task_state, which makes the trace finer and "settled" exact. But
    // admins may also read deleted servers (200, status DELETED) before the row is gone for
    // everyone else, so "gone" is judged as the user sees it (404) unless the suite says `as`.
    let gone = spec.until == GONE;
    let has_admin = ctx.plan.identities.iter().any(|i| i == "admin");
    let identity = spec.identity.clone().or_else(|| (has_admin && !gone).then(|| "admin".to_string()));
    let transition = transition_key(ctx.exchanges.last(), ctx.schemas, spec.until);
    let mut schedule = PollSchedule::new(spec.interval, ctx.estimates.expected(&transition));
    // A wait for "gone" asks the server itself (a list does not say 404).
    let run_id = ctx.vars.get("run_id").and_then(Value::as_str).unwrap_or_default().to_string();
    let mut shared = ctx
        .batches
        .filter(|_| !gone)
        .map(|_| Group { identity: identity.clone(), microversion: ctx.plan.microversion.to_string() });
    // When (into the wait) this wait's own next poll is due.
    let bound = spec.bound(ctx.wait_timeout_scale);
    let mut due = schedule.first_delay().min(bound);
    let mut last_check: Option<(Arc<Value>, u16, SharedStr, Vec<CheckOutcome>)> = None;
    let result = loop {
        let pause = due.saturating_sub(ctx.transport.elapsed().saturating_sub(started));
        let (index, own) = match poll(ctx, &mut out, s, &server, &run_id, &identity, &mut shared, pause).await {
            Ok(polled) => polled,
            Err(e) => break Err(e),
        };
        let exchange = &ctx.exchanges[index];
        // Every poll's response is validated too; only what is not a plain pass is kept. A poll
        // that answered the very body of the one before (shared when a cassette is read) has
        // its verdict already.
        let schema = match &last_check {
            Some((body, status, path, checks))
                if exchange.response.body.as_ref().is_some_and(|b| Arc::ptr_eq(b, body))
                    && *status == exchange.response.status
                    && *path == exchange.request.path =>
            {
                checks.clone()
            }
            _ => check_exchange(ctx.schemas, exchange, ctx.extra_keys, None),
        };
        last_check = exchange
            .response
            .body
            .clone()
            .map(|b| (b, exchange.response.status, exchange.request.path.clone(), schema.clone()));
        let broken: Vec<&str> = [(CheckKind::Schema, "schema"), (CheckKind::Protocol, "protocol")]
            .into_iter()
            .filter(|(kind, _)| schema.iter().any(|c| c.failed() && c.kind == *kind))
            .map(|(_, name)| name)
            .collect();
        out.checks.extend(schema.into_iter().filter(|c| c.state != CheckState::Passed));
        if !broken.is_empty() {
            break Err(format!(
                "the response to poll {} fails its {} checks",
                out.exchanges.len(),
                broken.join(" and ")
            ));
        }
        let response = &exchange.response;
        let server_doc = exchange.polled_server();
        let status = match (response.status, server_doc.and_then(|d| d.get("status")).and_then(Value::as_str)) {
            (404, _) => GONE.to_string(),
            (200, Some(status)) => status.to_string(),
            (code, _) => {
                let body = response
                    .body
                    .as_ref()
                    .map(|b| excerpt(b, 300))
                    .or(response.text.as_deref().map(String::from))
                    .unwrap_or_default();
                break Err(format!("polling answered HTTP {code} instead of the server: {body}"));
            }
        };
        let field = |name: &str| value_str(server_doc.and_then(|d| d.get(name)));
        if let Some(other) = field("id").filter(|id| *id != server) {
            out.checks.push(
                CheckOutcome::new(CheckKind::Transition, "server id", CheckState::Failed)
                    .expected(&server)
                    .actual(&other),
            );
            break Err(format!("poll {} answered for server {other}, not {server}", out.exchanges.len()));
        }
        let last = trace.observations.last();
        let observation = Observation {
            offset_ms: exchange.offset_ms,
            http_status: response.status,
            status: as_before(&status, last.map(|o| &o.status)),
            task_state: field("OS-EXT-STS:task_state").map(|t| as_before(&t, last.and_then(|o| o.task_state.as_ref()))),
            vm_state: field("OS-EXT-STS:vm_state").map(|v| as_before(&v, last.and_then(|o| o.vm_state.as_ref()))),
        };
        if let Some(disagrees) =
            check_states(&status, observation.vm_state.as_deref(), observation.task_state.as_deref())
        {
            out.checks.push(disagrees);
            trace.observations.push(observation);
            break Err(format!("poll {} is not a state Nova shows", out.exchanges.len()));
        }
        let fault = server_doc.and_then(|d| d.get("fault")).map(|f| excerpt(f, 400));
        let task_visible = server_doc.is_some_and(|d| d.get("OS-EXT-STS:task_state").is_some());
        let waited_ms = millis(ctx.transport.elapsed().saturating_sub(started));
        ctx.progress.send_poll(|index| Event::WaitPolled {
            index,
            step: s.name.clone(),
            status: status.clone(),
            waited_ms,
            until: spec.until.to_string(),
        });
        let settled = crate::status_model::settled(&status, server_doc);
        let changed = trace.observations.last().is_none_or(|last| last.status != status);
        trace.observations.push(observation);

        if spec.fail_on.contains(&status.as_str()) {
            break Err(format!(
                "server went to {status}{}",
                fault.map(|f| format!("; fault: {f}")).unwrap_or_default()
            ));
        }
        // Only a new status can leave the path (and checking every poll again would make a
        // long wait quadratic).
        if changed && let Err(e) = check_path(&spec.path, &trace.distinct_statuses()) {
            break Err(e);
        }
        // Settled: the status is reached and, when visible, no task is still running on it.
        let reached = if gone { response.status == 404 || spec.identity.is_some() } else { settled || !task_visible };
        if status == spec.until && reached {
            break Ok(());
        }
        let waited = ctx.transport.elapsed().saturating_sub(started);
        if waited >= bound {
            break Err(format!("timed out after {} waiting for {}", seconds(waited), spec.until));
        }
        if ctx.cancel.is_cancelled() {
            break Err(INTERRUPTED.into());
        }
        // A share of another wait's poll leaves this wait's own schedule as it was.
        if own || due <= waited {
            due = waited + schedule.next_delay(waited).min(bound.saturating_sub(waited).max(Duration::from_millis(1)));
        }
    };
    let result = match result {
        Ok(()) => {
            let waited = ctx.transport.elapsed().saturating_sub(started);
            if let Some(w) = near_bound(waited, bound) {
                out.checks.push(w);
            }
            learn(ctx, &out.exchanges, started, &transition);
            evidence(ctx, &mut out, &trace, spec).await
        }
        Err(e) => Err(e),
    };
    finish(out, Some(trace), result, started, ctx)
}

/// The instance action of the request that caused this wait (if one did): the evidence of the
/// transition, and of the declared transitional statuses no poll saw.
async fn evidence(ctx: &mut RunCtx<'_>, out: &mut StepOutcome, trace: &Trace, spec: &WaitSpec) -> Result<(), String> {
    let Some(action) = ctx.last_action.take_if(|a| a.server == trace.server) else { return Ok(()) };
    let seen = trace.distinct_statuses();
    let missed: Vec<String> = spec
        .path
        .iter()
        .filter(|s| TRANSITIONAL.contains(*s) && **s != spec.until && !seen.contains(*s))
        .map(|s| s.to_string())
        .collect();
    let check = confirm(ctx, out, &action, &missed).await;
    let failed = check.failed().then(|| check.message.clone().unwrap_or_default());
    out.checks.push(check);
    match failed {
        Some(why) => Err(why),
        None => Ok(()),
    }
}

/// One poll of the server after `pause`: the wait's own `GET /servers/{id}`, or its share of a
/// batch poll (`shared`: the group this wait may share polls with, dropped for the rest of the
/// wait once a list could not answer it). The exchange's index, and whether it was this wait's
/// own poll rather than a share of another's.
#[allow(clippy::too_many_arguments)]
async fn poll(
    ctx: &mut RunCtx<'_>,
    out: &mut StepOutcome,
    s: &Step,
    server: &str,
    run_id: &str,
    identity: &Option<String>,
    shared: &mut Option<Group>,
    pause: Duration,
) -> Result<(usize, bool), String> {
    let microversion = ctx.plan.microversion.to_string();
    let request =
        |target: String| Outgoing::get(s.name.as_str(), target, Some(&microversion)).as_identity(identity.clone());
    match (ctx.batches, shared.clone()) {
        (Some(batches), Some(group)) => match batches.turn(&group, server, run_id, pause, ctx.cancel).await {
            Turn::Answered(share) => {
                let (mut exchange, sent) = *share;
                exchange.step = s.name.as_str().into();
                exchange.offset_ms = millis(ctx.transport.elapsed().saturating_sub(sent.elapsed()));
                return Ok((keep(ctx, out, exchange), false));
            }
            Turn::Lead(others) if !others.is_empty() => {
                let runs: Vec<&str> = others.iter().map(|w| w.run_id.as_str()).chain([run_id]).collect();
                let target = batch::list_target(&runs, identity.as_deref() == Some("admin"));
                let sent = tokio::time::Instant::now();
                let list = match target {
                    Some(t) => ctx.transport.send_unkept(request(t)).await.ok(),
                    None => None,
                };
                // A provider that refuses the list (4xx) is not asked again; a 5xx may pass.
                if list.as_ref().is_some_and(|l| (400..500).contains(&l.response.status)) {
                    batches.refuse(&group);
                }
                let list = list.filter(|l| l.response.status == 200);
                let answered = batch::answer(list.as_ref(), others, server, sent);
                if let Some(own) = list.and_then(|l| l.batch_poll_of(server, answered)) {
                    return Ok((keep(ctx, out, own), true));
                }
                *shared = None;
            }
            Turn::Lead(_) => {}
            Turn::Alone => *shared = None,
        },
        _ => {
            let cancel = ctx.cancel;
            tokio::select! {
                _ = ctx.transport.pause(pause) => {}
                _ = cancel.cancelled() => {}
            }
        }
    }
    let index = send(ctx, out, request(format!("/servers/{server}"))).await?;
    Ok((index, true))
}

/// Keeps a batch poll as an exchange of this run (and of its cassette when recording).
fn keep(ctx: &mut RunCtx<'_>, out: &mut StepOutcome, exchange: Exchange) -> usize {
    ctx.transport.keep(&exchange);
    ctx.exchanges.push(exchange);
    out.exchanges.push(ctx.exchanges.len() - 1);
    ctx.exchanges.len() - 1
}

/// A wait that arrived tells later waits of the same transition when to look.
fn learn(ctx: &RunCtx<'_>, polls: &[usize], started: Duration, transition: &str) {
    let at = |i: &usize| {
        let e = &ctx.exchanges[*i];
        (e.offset_ms + e.duration_ms).saturating_sub(millis(started))
    };
    if let Some(last) = polls.last() {
        let hi = at(last);
        // A single (timed) poll that found it there says only "no later than": taking that
        // as the arrival keeps the expectation where it worked instead of halving it.
        let lo = polls.len().checked_sub(2).map(|i| at(&polls[i])).unwrap_or(hi);
        ctx.estimates.observe(transition, Arrival { lo, hi });
    }
}

/// A wait that passed with less than a quarter of its bound left: on a slower day the same
/// cloud fails it. Said as a warning with the figures, never a failure.
fn near_bound(waited: Duration, bound: Duration) -> Option<CheckOutcome> {
    (waited.mul_f64(4.0) > bound.mul_f64(3.0)).then(|| {
        CheckOutcome::new(CheckKind::Path, "wait bound", CheckState::Warning).message(format!(
            "the wait took {} of its {} bound; raise the suite's `timeout` or --wait-timeout-scale for this provider",
            seconds(waited),
            seconds(bound)
        ))
    })
}

fn finish(
    mut out: StepOutcome,
    trace: Option<Trace>,
    result: Result<(), String>,
    started: Duration,
    ctx: &RunCtx<'_>,
) -> StepOutcome {
    out.duration_ms = millis(ctx.transport.elapsed().saturating_sub(started));
    let seen = trace.as_ref().map(|t| t.distinct_statuses().join(" → ")).unwrap_or_default();
    let target = trace.as_ref().map(|t| format!("server {}", t.server)).unwrap_or_else(|| "server".into());
    let check = match &result {
        Ok(()) => CheckOutcome::new(CheckKind::Path, target, CheckState::Passed),
        // Not a failure of the provider, and not a pass: the path was not seen to its end.
        Err(e) if e == INTERRUPTED => {
            out.verdict = Verdict::Interrupted;
            out.reason = Some(format!("interrupted before the server reached {}", spec_until(&trace)));
            CheckOutcome::new(CheckKind::Path, target, CheckState::Gap).message(e.clone())
        }
        Err(e) => {
            out.verdict = Verdict::Failed;
            let declared = trace.as_ref().map(|t| t.declared_path.join(" → ")).unwrap_or_default();
            out.reason = Some(match (seen.is_empty(), declared.is_empty()) {
                (true, _) => e.clone(),
                (false, true) => format!("{e} (observed: {seen})"),
                (false, false) => format!("{e} (observed: {seen}; declared: {declared})"),
            });
            CheckOutcome::new(CheckKind::Path, target, CheckState::Failed).message(e.clone())
        }
    };
    let expected =
        trace.as_ref().map(|t| if t.declared_path.is_empty() { t.until.clone() } else { t.declared_path.join(" → ") });
    out.checks.push(match expected {
        Some(e) => check.expected(e).actual(seen),
        None => check,
    });
    // The evidence's own exchanges are checked too (schema, protocol).
    if out.verdict == Verdict::Passed
        && let Some(failed) = out.checks.iter().find(|c| c.failed())
    {
        out.verdict = Verdict::Failed;
        out.reason = Some(failed.describe());
    }
    out.trace = trace;
    out
}

const INTERRUPTED: &str = "interrupted";

fn spec_until(trace: &Option<Trace>) -> &str {
    trace.as_ref().map_or("its status", |t| t.until.as_str())
}

/// `value`, as the string of the poll before when they are equal: a long wait holds each
/// status once.
fn as_before(value: &str, before: Option<&SharedStr>) -> SharedStr {
    match before {
        Some(b) if b == value => b.clone(),
        _ => value.into(),
    }
}

fn seconds(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wait_near_its_bound_is_a_warning_with_the_figures() {
        let s = Duration::from_secs;
        assert!(near_bound(s(200), s(300)).is_none());
        let w = near_bound(s(250), s(300)).expect("a quarter or less left");
        assert_eq!(w.state, CheckState::Warning);
        assert!(w.message.as_deref().unwrap().contains("250.0s of its 300.0s bound"), "{w:?}");
    }
}
