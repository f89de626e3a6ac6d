//! Terminal output: one line per run as it finishes, failures explained underneath, a summary.
//! The run line and the summary are styled (see `style`): print them through `anstream`.

use std::fmt::Write;

use super::style::{self, paint, paint_if};

use crate::outcome::{Mode, Outcome, RunOutcome, StepOutcome, Verdict};
use crate::util::json::{excerpt, truncate};

pub fn run_line(run: &RunOutcome, mode: Mode) -> String {
    let tag = match run.verdict {
        Verdict::Passed => "PASS",
        Verdict::Failed => "FAIL",
        Verdict::Skipped => "SKIP",
        Verdict::Interrupted => "INTR",
        Verdict::NotRun => "NRUN",
    };
    let tag = paint(style::verdict(run.verdict), tag);
    let label = format!("{} @ {}", run.suite, run.microversion);
    let ran = run.steps.iter().filter(|s| s.verdict != Verdict::Skipped).count();
    let time = match mode {
        Mode::Replay => format!("{} recorded, replayed in {}", secs(run.duration_ms), secs(run.wall_ms)),
        _ => secs(run.wall_ms),
    };
    match run.verdict {
        Verdict::Skipped | Verdict::NotRun => format!("{tag}  {label:<40} {}", run.reason.as_deref().unwrap_or("")),
        _ if run.steps.is_empty() => format!("{tag}  {label:<40} (not run)"),
        _ => format!("{tag}  {label:<40} {ran}/{} steps  {time}", run.steps.len()),
    }
}

/// What went wrong in a failed run, with the evidence: request, response, expectation.
pub fn failure_details(run: &RunOutcome) -> String {
    let mut out = String::new();
    for step in run.steps.iter().chain(&run.cleanups).filter(|s| s.verdict == Verdict::Failed) {
        step_details(&mut out, run, step);
    }
    out
}

pub fn step_details(out: &mut String, run: &RunOutcome, step: &StepOutcome) {
    let at = step.location.as_ref().map(|l| format!(" ({l})")).unwrap_or_default();
    let _ = writeln!(out, "      step `{}`{at}", step.name);
    for check in step.checks.iter().filter(|c| c.failed()) {
        let _ = writeln!(out, "        ✗ {}", check.describe());
    }
    if step.checks.iter().all(|c| !c.failed())
        && let Some(reason) = &step.reason
    {
        let _ = writeln!(out, "        ✗ {reason}");
    }
    if let Some(trace) = &step.trace {
        let seen: Vec<String> =
            trace.observations.iter().map(|o| format!("{}@{}", o.status, secs(o.offset_ms))).collect();
        let _ = writeln!(out, "        trace: {}", truncate(&seen.join(" "), 400));
    }
    if let Some(&last) = step.exchanges.last()
        && let Some(e) = run.exchanges.get(last)
    {
        let body = e.request.body.as_ref().map(|b| format!(" {}", excerpt(b, 160))).unwrap_or_default();
        let _ = writeln!(out, "        request:  {} {}{body}", e.request.method, e.request.path);
        let rbody = e
            .response
            .body
            .as_ref()
            .map(|b| excerpt(b, 300))
            .or_else(|| e.response.text.as_ref().map(|t| truncate(t, 300)))
            .unwrap_or_default();
        let _ = writeln!(out, "        response: {} {rbody}", e.response.status);
    }
}

pub fn summary(outcome: &Outcome) -> String {
    let s = &outcome.summary;
    let mut line = format!(
        "{}, {}, {}",
        paint_if(s.passed > 0, style::PASSED, format!("{} passed", s.passed)),
        paint_if(s.failed > 0, style::FAILED, format!("{} failed", s.failed)),
        paint_if(s.skipped > 0, style::SKIPPED, format!("{} skipped", s.skipped))
    );
    if s.interrupted > 0 {
        line.push_str(&format!(", {}", paint(style::INTERRUPTED, format!("{} interrupted", s.interrupted))));
    }
    if s.not_run > 0 {
        line.push_str(&format!(", {}", paint(style::INTERRUPTED, format!("{} not run", s.not_run))));
    }
    if outcome.interrupted {
        line.push_str(" — interrupted: the evidence is incomplete");
    }
    line
}

pub fn footer(outcome: &Outcome) -> String {
    let mode = match outcome.mode {
        Mode::Replay => "replayed",
        Mode::Live => "live",
        Mode::Record => "recorded",
    };
    format!("{} runs {mode} in {}", outcome.summary.runs, secs(outcome.duration_ms))
}

pub fn secs(ms: u64) -> String {
    if ms < 1000 { format!("{ms}ms") } else { format!("{:.2}s", ms as f64 / 1000.0) }
}
