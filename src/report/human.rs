//! Terminal output: one line per run in plan order (so two identical runs print the same),
//! failures explained underneath — one sentence per failed check, a failure that several
//! microversions of a suite share printed once — and a summary. The run lines, headings and
//! summary are styled (see `style`): print them through `anstream`. `step_details` is plain
//! text: JUnit and Markdown carry it too.

use std::fmt::Write;

use super::evidence::{self, CLOSE, OPEN};
use super::style::{self, paint, paint_if};

use crate::outcome::{CheckKind, CheckOutcome, Mode, Outcome, RunOutcome, StepKind, StepOutcome, Verdict};
use crate::util::json::{excerpt, truncate};

/// `1 run`, `2 runs`.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

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
    let time = match mode {
        // Not how long the replay took: two replays of the same cassettes print the same.
        Mode::Replay => format!("{} recorded", secs(run.duration_ms)),
        _ => secs(run.wall_ms),
    };
    match run.verdict {
        Verdict::Skipped | Verdict::NotRun => format!("{tag}  {label:<40} {}", run.reason.as_deref().unwrap_or("")),
        _ if run.steps.is_empty() => format!("{tag}  {label:<40} (not run)"),
        _ => format!("{tag}  {label:<40} {}  {time}", step_counts(run)),
    }
}

/// `8 steps`, `10 steps, 4 skipped at 2.1`, `8 steps, 3 not run after the failure`: what ran
/// and what did not, each for its reason.
pub fn step_counts(run: &RunOutcome) -> String {
    let mut out_of_range = 0;
    let mut unverified = 0;
    let mut not_run = 0;
    for s in run.steps.iter().filter(|s| s.verdict == Verdict::Skipped) {
        if s.unverified {
            unverified += 1;
        } else if s.reason.as_deref().is_some_and(|r| r.starts_with("not run")) {
            not_run += 1;
        } else {
            out_of_range += 1;
        }
    }
    let mut text = plural(run.steps.len(), "step", "steps");
    if out_of_range > 0 {
        let _ = write!(text, ", {out_of_range} skipped at {}", run.microversion);
    }
    if unverified > 0 {
        let _ = write!(text, ", {unverified} unverified (no identity for them)");
    }
    if not_run > 0 {
        let after = if run.verdict == Verdict::Failed { "after the failure" } else { "(interrupted)" };
        let _ = write!(text, ", {not_run} not run {after}");
    }
    text
}

/// The run lines in plan order (the outcome keeps that order whatever order runs finished in).
pub fn results(outcome: &Outcome) -> Vec<String> {
    outcome.runs.iter().map(|r| run_line(r, outcome.mode)).collect()
}

/// One sentence for a failed check: what was checked, what went wrong, what was expected and
/// what came, and — in a wait — at which poll.
pub fn check_sentence(check: &CheckOutcome, step: &StepOutcome) -> String {
    let subject = match check.kind {
        CheckKind::Path => format!("the path of {}", check.target),
        CheckKind::Body if check.target.is_empty() => "the body".to_string(),
        _ => {
            let kind = format!("{:?}", check.kind).to_lowercase();
            if check.target.is_empty() || kind == check.target { kind } else { format!("{kind} {}", check.target) }
        }
    };
    let mut s = subject;
    if let Some(m) = &check.message {
        let _ = write!(s, ": {m}");
    }
    let sep = if check.message.is_some() { ";" } else { ":" };
    // An empty observation (a wait that never polled) reads as such.
    let actual = check.actual.as_ref().map(|a| if a.is_empty() { "nothing".to_string() } else { a.clone() });
    match (&check.expected, &actual) {
        (Some(e), Some(a)) => {
            let _ = write!(s, "{sep} expected {e}, got {a}");
        }
        (Some(e), None) => {
            let _ = write!(s, "{sep} expected {e}");
        }
        (None, Some(a)) => {
            let _ = write!(s, "{sep} got {a}");
        }
        _ => {}
    }
    if step.kind == StepKind::Wait
        && let Some(t) = &step.trace
        && let Some(last) = t.observations.last()
    {
        let _ = write!(s, " (at poll {} of the wait, {} into the run)", t.observations.len(), secs(last.offset_ms));
    }
    s
}

/// What went wrong in a failed run, with the evidence: request, response, expectation.
pub fn failure_details(run: &RunOutcome) -> String {
    let mut out = String::new();
    for step in run.steps.iter().chain(&run.cleanups).filter(|s| s.verdict == Verdict::Failed) {
        step_details(&mut out, run, step);
    }
    out
}

/// A failed step: where it is, each failed check in a sentence, the trace, and the last
/// exchange with the response centred on the pointer the first failed check names.
pub fn step_details(out: &mut String, run: &RunOutcome, step: &StepOutcome) {
    let at = step.location.as_ref().map(|l| format!(" ({l})")).unwrap_or_default();
    let _ = writeln!(out, "      step `{}`{at}", step.name);
    let failed: Vec<&CheckOutcome> = step.checks.iter().filter(|c| c.failed()).collect();
    for check in &failed {
        let _ = writeln!(out, "        ✗ {}", check_sentence(check, step));
    }
    if failed.is_empty()
        && let Some(reason) = &step.reason
    {
        let _ = writeln!(out, "        ✗ {reason}");
    }
    if let Some(trace) = step.trace.as_ref().filter(|t| !t.observations.is_empty()) {
        let seen: Vec<String> = trace
            .observations
            .iter()
            .map(|o| match &o.task_state {
                Some(task) => format!("{}/{task}@{}", o.status, secs(o.offset_ms)),
                None => format!("{}@{}", o.status, secs(o.offset_ms)),
            })
            .collect();
        let _ = writeln!(out, "        trace:    {}", truncate(&seen.join(" "), 400));
    }
    if let Some(&last) = step.exchanges.last()
        && let Some(e) = run.exchanges.get(last)
    {
        let body = e.request.body.as_ref().map(|b| format!(" {}", excerpt(b, 160))).unwrap_or_default();
        let _ = writeln!(out, "        request:  {} {}{body}", e.request.method, e.request.path);
        let pointer = failed.iter().find_map(|c| evidence::pointer_of(c, step));
        let rbody = e
            .response
            .body
            .as_ref()
            .map(|b| evidence::excerpt_at(b, pointer.as_deref()))
            .or_else(|| e.response.text.as_ref().map(|t| truncate(t, 300)))
            .unwrap_or_default();
        let _ = writeln!(out, "        response: {} {rbody}", e.response.status);
        if let Some(p) = pointer.filter(|_| rbody.contains(OPEN)) {
            let p = if p.is_empty() { "the document" } else { p.as_str() };
            let _ = writeln!(out, "                  ({OPEN}{CLOSE} marks {p})");
        }
    }
}

/// What makes two failures the same one: the failed step and what its checks said, with the
/// values that differ between recordings (server ids, run ids, the cassette's microversion)
/// left out.
fn failure_key(run: &RunOutcome) -> String {
    let cassette = format!("@{}.yaml", run.microversion);
    let same = |text: &str| VOLATILE.replace_all(&text.replace(&cassette, "@[mv].yaml"), "[id]").into_owned();
    let mut key = run.suite.clone();
    for step in run.steps.iter().chain(&run.cleanups).filter(|s| s.verdict == Verdict::Failed) {
        let _ = write!(key, "\n{}", step.name);
        let failed: Vec<String> = step.checks.iter().filter(|c| c.failed()).map(|c| c.describe()).collect();
        let said = if failed.is_empty() { step.reason.clone().unwrap_or_default() } else { failed.join("\n") };
        let _ = write!(key, "\n{}", same(&said));
    }
    if run.steps.iter().chain(&run.cleanups).all(|s| s.verdict != Verdict::Failed) {
        let _ = write!(key, "\n{}", same(run.reason.as_deref().unwrap_or("")));
    }
    key
}

/// Ids a recording made up: UUIDs, and the run id in server names (`td-187bc0e7-…`).
static VOLATILE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|td-[0-9a-f]{8}\b")
        .expect("volatile id pattern")
});

/// The failed runs, those of one suite that failed the same way together (in plan order of
/// their first run): each failure once, with the microversions it happened at.
pub fn failure_groups(outcome: &Outcome) -> Vec<Vec<&RunOutcome>> {
    let mut groups: Vec<(String, Vec<&RunOutcome>)> = Vec::new();
    for run in outcome.runs.iter().filter(|r| r.verdict == Verdict::Failed) {
        let key = failure_key(run);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, runs)) => runs.push(run),
            None => groups.push((key, vec![run])),
        }
    }
    groups.into_iter().map(|(_, runs)| runs).collect()
}

/// `server-reboot @ 2.1, 2.104`.
pub fn group_label(runs: &[&RunOutcome]) -> String {
    let mvs: Vec<String> = runs.iter().map(|r| r.microversion.to_string()).collect();
    format!("{} @ {}", runs.first().map(|r| r.suite.as_str()).unwrap_or(""), mvs.join(", "))
}

/// The `failures:` section: each distinct failure once, its evidence from the first run that
/// had it.
pub fn failures(outcome: &Outcome) -> String {
    let mut out = String::new();
    let groups = failure_groups(outcome);
    if groups.is_empty() {
        return out;
    }
    let _ = writeln!(out, "\n{}", paint(style::FAILED, "failures:"));
    for runs in groups {
        let first = runs[0];
        let also = if runs.len() > 1 {
            format!(" — the same failure at {} microversions; evidence from {}", runs.len(), first.microversion)
        } else {
            String::new()
        };
        let _ = writeln!(out, "  {}{also}", paint(style::HEADER, group_label(&runs)));
        // The evidence is plain text (JUnit and Markdown carry it); here its marks are red.
        let cross = format!("        {} ", paint(style::FAILED, "✗"));
        let details = failure_details(first);
        if details.is_empty() {
            let _ = writeln!(out, "{cross}{}", first.reason.as_deref().unwrap_or("failed"));
        } else {
            out.push_str(&details.replace("        ✗ ", &cross));
        }
    }
    out
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
    let runs = plural(outcome.summary.runs, "run", "runs");
    match outcome.mode {
        // The replay's own time varies from one replay to the next; the JSON report has it.
        Mode::Replay => {
            let recorded: u64 = outcome.runs.iter().map(|r| r.duration_ms).sum();
            format!("{runs} {mode} ({} recorded)", secs(recorded))
        }
        _ => format!("{runs} {mode} in {}", secs(outcome.duration_ms)),
    }
}

pub fn secs(ms: u64) -> String {
    if ms < 1000 { format!("{ms}ms") } else { format!("{:.2}s", ms as f64 / 1000.0) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::{CheckKind, CheckState, StepKind, Summary};

    fn failed(suite: &str, mv: &str, message: &str) -> RunOutcome {
        let mut step = StepOutcome::start("show", StepKind::Request, None, 0);
        step.verdict = Verdict::Failed;
        step.checks.push(CheckOutcome::new(CheckKind::Transport, "request", CheckState::Failed).message(message));
        RunOutcome {
            suite: suite.into(),
            file: String::new(),
            microversion: mv.parse().unwrap(),
            capabilities: vec![],
            started_at: String::new(),
            verdict: Verdict::Failed,
            reason: None,
            duration_ms: 0,
            wall_ms: 0,
            cassette: None,
            steps: vec![step],
            cleanups: vec![],
            exchanges: vec![],
            notes: vec![],
        }
    }

    fn outcome(runs: Vec<RunOutcome>) -> Outcome {
        Outcome {
            format: 1,
            tapedeck: String::new(),
            mode: Mode::Replay,
            provider: String::new(),
            started_at: String::new(),
            duration_ms: 0,
            interrupted: false,
            summary: Summary::of(&runs),
            runs,
            operations: vec![],
        }
    }

    #[test]
    fn a_failure_is_the_same_across_recordings_of_a_suite_and_only_there() {
        let o = outcome(vec![
            failed(
                "list",
                "2.1",
                "GET /servers?name=td-187bc0e7-x is not in list@2.1.yaml (01d2995c-241b-4231-8118-ec1097daeb29)",
            ),
            failed(
                "list",
                "2.104",
                "GET /servers?name=td-c168350d-x is not in list@2.104.yaml (b054e092-f06a-468b-84ad-d2ef2aeabd6a)",
            ),
            failed("list", "2.9", "another failure"),
            failed(
                "other",
                "2.1",
                "GET /servers?name=td-187bc0e7-x is not in list@2.1.yaml (01d2995c-241b-4231-8118-ec1097daeb29)",
            ),
        ]);
        let labels: Vec<String> = failure_groups(&o).iter().map(|g| group_label(g)).collect();
        assert_eq!(labels, ["list @ 2.1, 2.104", "list @ 2.9", "other @ 2.1"]);
        assert!(failures(&o).contains("list @ 2.1, 2.104\u{1b}[0m — the same failure at 2 microversions"));
    }

    #[test]
    fn counts_and_plurals() {
        assert_eq!(plural(1, "run", "runs"), "1 run");
        assert_eq!(plural(0, "run", "runs"), "0 runs");
        let mut run = failed("s", "2.1", "x");
        run.steps.push(StepOutcome::skipped("later", StepKind::Request, "not run: step `show` failed"));
        run.steps.push(StepOutcome::skipped(
            "new",
            StepKind::Request,
            "needs microversion 2.9 or later; this run is at 2.1",
        ));
        assert_eq!(step_counts(&run), "3 steps, 1 skipped at 2.1, 1 not run after the failure");
    }
}
