//! One run: a suite at one microversion. Steps in order until one fails or the run is
//! interrupted, then every registered cleanup (newest first), then the verdict.

use std::time::Instant;

use super::context::{RunCtx, Shared};
use super::event::{Event, Progress};
use super::{cleanup, step, wait};
use crate::exchange::redact::Redactor;
use crate::outcome::{CassetteRef, CassetteState, RunOutcome, StepKind, StepOutcome, Verdict};
use crate::plan::{RunPlan, Source};
use crate::suite::{Action, Step};
use crate::transport::live::ANONYMOUS;
use crate::transport::{RunEnd, Transport};
use crate::util::clock::millis;

pub async fn run(
    plan: RunPlan,
    transport: Option<Box<dyn Transport>>,
    shared: Shared<'_>,
    progress: Progress,
) -> RunOutcome {
    let Shared { cancel, schemas, extra_keys, estimates, batches, cleanup_timeout, wait_timeout_scale, redactor } =
        shared;
    let wall = Instant::now();
    let suite = plan.suite.clone();
    let mut outcome = RunOutcome {
        suite: suite.name.clone(),
        file: suite.file.display().to_string(),
        microversion: plan.microversion,
        capabilities: suite.capabilities.clone(),
        started_at: crate::util::clock::now_rfc3339(),
        verdict: Verdict::Passed,
        reason: None,
        duration_ms: 0,
        wall_ms: 0,
        cassette: None,
        steps: Vec::new(),
        cleanups: Vec::new(),
        exchanges: Vec::new(),
        notes: suite.notes.clone(),
    };
    let path = plan.cassette_path.display().to_string();
    let cassette_state = match &plan.source {
        Source::Replay(_) => Some(CassetteState::Replayed),
        Source::Record if plan.replaces.is_some() => Some(CassetteState::Pending),
        Source::Record => Some(CassetteState::Recorded),
        Source::Stale(_) => Some(CassetteState::Stale),
        Source::Missing => Some(CassetteState::Missing),
        Source::Live => None,
    };
    let replaces = plan.replaces.as_ref().map(|p| p.display().to_string());
    outcome.cassette = cassette_state.map(|state| CassetteRef { path: path.clone(), state, replaces });

    match &plan.source {
        Source::Missing => {
            outcome.verdict = Verdict::Failed;
            outcome.reason = Some(format!(
                "no cassette at {path}; record it against your cloud first: tapedeck run --mode record --os-cloud NAME (or --provider FILE) {}",
                suite.file.display()
            ));
            return outcome;
        }
        Source::Stale(c) => {
            outcome.verdict = Verdict::Failed;
            outcome.reason = Some(format!(
                "stale cassette {path}: the suite changed since it was recorded on {} (hash {} then, {} now); re-record it with `tapedeck run --mode record`",
                c.recorded_at,
                short(&c.suite_hash),
                short(&suite.hash)
            ));
            return outcome;
        }
        _ => {}
    }
    // Interrupted before it began: it says nothing, and is not a pass.
    if cancel.is_cancelled() {
        outcome.verdict = Verdict::NotRun;
        outcome.reason = Some("not run: interrupted before it started".into());
        return outcome;
    }
    let Some(mut transport) = transport else {
        outcome.verdict = Verdict::Failed;
        outcome.reason = Some("internal: no transport for this run".into());
        return outcome;
    };

    if let Some(reason) = &plan.skip {
        outcome.verdict = Verdict::Skipped;
        outcome.reason = Some(reason.clone());
        finish(
            &mut outcome,
            transport.as_mut(),
            RunEnd { complete: true, stopped_at_failure: false, skipped: Some(reason) },
        );
        outcome.wall_ms = millis(wall.elapsed());
        return outcome;
    }

    let mut ctx = RunCtx {
        plan: &plan,
        vars: plan.vars.clone(),
        exchanges: Vec::with_capacity(transport.remaining()),
        transport,
        cleanups: Vec::new(),
        cancel,
        schemas,
        extra_keys,
        progress,
        estimates,
        batches,
        transport_failed: false,
        cleanup_timeout,
        wait_timeout_scale,
        redactor,
        last_action: None,
        cleaning: false,
    };
    let mut stop: Option<String> = None;
    for s in &suite.steps {
        if let Some(why) = &stop {
            outcome.steps.push(skipped(s, why));
            continue;
        }
        if cancel.is_cancelled() {
            stop = Some(NOT_RUN_INTERRUPTED.into());
            outcome.steps.push(skipped(s, NOT_RUN_INTERRUPTED));
            continue;
        }
        if let Some(why) = out_of_range(s, &plan) {
            outcome.steps.push(skipped(s, &why));
            continue;
        }
        if let Some(why) = missing_identity(s, &plan) {
            outcome.steps.push(StepOutcome { unverified: true, ..skipped(s, &why) });
            continue;
        }
        ctx.progress.send(|index| Event::StepStarted { index, step: s.name.clone() });
        let result = match &s.action {
            Action::Request(spec) => step::request(&mut ctx, s, spec).await,
            Action::Wait(spec) => wait::wait(&mut ctx, s, spec).await,
        };
        if result.verdict == Verdict::Failed {
            stop = Some(format!("not run: step `{}` failed", s.name));
        }
        outcome.steps.push(result);
    }

    // Cleanups always run, newest first, even after a failure or an interrupt.
    let cleanups = std::mem::take(&mut ctx.cleanups);
    ctx.cleaning = true;
    for c in cleanups.iter().rev() {
        if !c.done {
            let result = cleanup::cleanup(&mut ctx, c).await;
            let settled = result.verdict != Verdict::Failed;
            outcome.cleanups.push(result);
            if !settled {
                continue;
            }
        }
        cancel.settle(c.token);
    }

    // A run whose steps did not all get to run because of an interrupt is interrupted, unless
    // one of them had already failed (that failure stands).
    let cut_short = outcome.steps.iter().find(|s| {
        s.verdict == Verdict::Interrupted
            || (s.verdict == Verdict::Skipped && s.reason.as_deref() == Some(NOT_RUN_INTERRUPTED))
    });
    outcome.verdict = if outcome.steps.iter().chain(&outcome.cleanups).any(|s| s.verdict == Verdict::Failed) {
        Verdict::Failed
    } else if cut_short.is_some() {
        Verdict::Interrupted
    } else {
        Verdict::Passed
    };
    outcome.reason = match (outcome.first_failure(), cut_short) {
        (Some((s, why)), _) => Some(format!("step `{}`: {why}", s.name)),
        (None, Some(s)) => Some(format!("interrupted at step `{}`", s.name)),
        (None, None) => None,
    };
    outcome.duration_ms = millis(ctx.transport.elapsed());
    outcome.exchanges = std::mem::take(&mut ctx.exchanges);
    let complete = !ctx.transport_failed && !cancel.is_cancelled();
    let stopped_at_failure = stop.is_some();
    finish(&mut outcome, ctx.transport.as_mut(), RunEnd { complete, stopped_at_failure, skipped: None });
    outcome.wall_ms = millis(wall.elapsed());
    redact_messages(&mut outcome, redactor);
    outcome
}

/// The run's words — reasons, notes, what each check expected and got — as every report and
/// the terminal show them: through the process's secret registry. (Its exchanges passed
/// through it when they were received.)
fn redact_messages(outcome: &mut RunOutcome, r: &Redactor) {
    let text = |s: &mut String| *s = r.text(s);
    if let Some(reason) = &mut outcome.reason {
        text(reason);
    }
    outcome.notes.iter_mut().for_each(text);
    for step in outcome.steps.iter_mut().chain(outcome.cleanups.iter_mut()) {
        if let Some(reason) = &mut step.reason {
            text(reason);
        }
        for c in &mut step.checks {
            text(&mut c.target);
            for field in [&mut c.expected, &mut c.actual, &mut c.message].into_iter().flatten() {
                text(field);
            }
        }
    }
}

/// Why a step was not run when the process was interrupted before it.
const NOT_RUN_INTERRUPTED: &str = "not run: interrupted";

fn finish(outcome: &mut RunOutcome, transport: &mut dyn Transport, end: RunEnd<'_>) {
    match transport.finish(end) {
        Ok(Some(note)) => outcome.notes.push(note),
        Ok(None) => {}
        Err(e) => {
            outcome.verdict = Verdict::Failed;
            outcome.reason = Some(format!("could not write the cassette: {e}"));
        }
    }
}

fn out_of_range(s: &Step, plan: &RunPlan) -> Option<String> {
    let mv = plan.microversion;
    if let Some(min) = s.min_microversion.filter(|m| mv < *m) {
        return Some(format!("needs microversion {min} or later; this run is at {mv}"));
    }
    if let Some(max) = s.max_microversion.filter(|m| mv > *m) {
        return Some(format!("needs microversion {max} or earlier; this run is at {mv}"));
    }
    None
}

/// A step as an identity the provider does not have (most users certify as a plain member,
/// with no admin credentials) is skipped, saying how to add one.
fn missing_identity(s: &Step, plan: &RunPlan) -> Option<String> {
    let identity = match &s.action {
        Action::Request(spec) => spec.identity.as_deref(),
        Action::Wait(spec) => spec.identity.as_deref(),
    }?;
    if identity == ANONYMOUS || identity == "user" || plan.identities.iter().any(|i| i == identity) {
        return None;
    }
    let how = if identity == "admin" {
        "add a clouds.yaml cloud with the admin role (--admin-cloud NAME, or admin_cloud in tapedeck.toml)"
    } else {
        "add it to the provider file's identities"
    };
    Some(format!(
        "needs identity `{identity}`, which the provider {} lacks (it has: {}); {how}",
        plan.provider,
        plan.identities.join(", ")
    ))
}

fn skipped(s: &Step, why: &str) -> StepOutcome {
    let kind = match s.action {
        Action::Request(_) => StepKind::Request,
        Action::Wait(_) => StepKind::Wait,
    };
    StepOutcome::skipped(&s.name, kind, why)
}

fn short(hash: &str) -> &str {
    let h = hash.strip_prefix("sha256:").unwrap_or(hash);
    &h[..h.len().min(12)]
}
