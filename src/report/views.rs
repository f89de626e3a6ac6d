//! Aggregations several report formats show: verdict per capability, operation coverage.

use std::collections::BTreeMap;

use crate::outcome::{CheckKind, CheckState, Outcome, RunOutcome, Verdict};

/// A warning a run left (extra keys under `--extra-keys warn`, a retry, a refused cleanup
/// delete sent again): run, step, what — each once, however many polls repeated it.
pub struct Warning<'a> {
    pub run: &'a RunOutcome,
    pub step: &'a str,
    pub what: String,
}

pub fn warnings(outcome: &Outcome) -> Vec<Warning<'_>> {
    let mut out: Vec<Warning> = Vec::new();
    for run in &outcome.runs {
        for step in run.steps.iter().chain(&run.cleanups) {
            for c in step.checks.iter().filter(|c| c.state == CheckState::Warning) {
                let what = c.describe();
                if !out.iter().any(|w| std::ptr::eq(w.run, run) && w.step == step.name && w.what == what) {
                    out.push(Warning { run, step: &step.name, what });
                }
            }
        }
    }
    out
}

/// Each capability with its verdict (failed if any run failed, interrupted if any did not
/// finish, skipped if all skipped) and runs.
pub fn capabilities(outcome: &Outcome) -> Vec<(&str, Verdict, Vec<&RunOutcome>)> {
    let mut caps: BTreeMap<&str, Vec<&RunOutcome>> = BTreeMap::new();
    for r in &outcome.runs {
        for c in &r.capabilities {
            caps.entry(c).or_default().push(r);
        }
    }
    caps.into_iter()
        .map(|(cap, runs)| {
            let v = if runs.iter().any(|r| r.verdict == Verdict::Failed) {
                Verdict::Failed
            } else if runs.iter().any(|r| r.verdict.unfinished()) {
                Verdict::Interrupted
            } else if runs.iter().all(|r| r.verdict == Verdict::Skipped) {
                Verdict::Skipped
            } else {
                Verdict::Passed
            };
            (cap, v, runs)
        })
        .collect()
}

#[derive(Debug, Default)]
pub struct Coverage {
    /// Operation id → (valid responses, schema failures).
    pub operations: BTreeMap<String, (usize, usize)>,
    /// Why no schema could be checked → how often.
    pub gaps: BTreeMap<String, usize>,
    /// Operations of the schema set no response of the run was checked as (ordered by id).
    pub never: Vec<String>,
}

pub fn coverage(outcome: &Outcome) -> Coverage {
    let mut c = Coverage::default();
    let mut seen = std::collections::BTreeSet::new();
    for r in &outcome.runs {
        for check in r.steps.iter().chain(&r.cleanups).flat_map(|s| &s.checks).filter(|c| c.kind == CheckKind::Schema) {
            let op = check.target.split_whitespace().next().unwrap_or("").to_string();
            seen.insert(op.clone());
            match check.state {
                CheckState::Passed => c.operations.entry(op).or_default().0 += 1,
                CheckState::Failed => c.operations.entry(op).or_default().1 += 1,
                CheckState::Gap => *c.gaps.entry(check.message.clone().unwrap_or_default()).or_default() += 1,
                CheckState::Warning => {}
            }
        }
    }
    c.never = outcome.operations.iter().filter(|op| !seen.contains(*op)).cloned().collect();
    c.never.sort();
    c
}
