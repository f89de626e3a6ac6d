//! `--report markdown=PATH`: a page a person reads — verdicts per capability, each run, the
//! failures with their evidence, the observed status traces, and which api-ref operations the
//! run exercised.

use std::fmt::Write;

use super::human::{secs, step_details};
use super::views;
use crate::outcome::{Outcome, RunOutcome, Verdict};

pub fn render(outcome: &Outcome) -> String {
    let mut md = String::new();
    let s = &outcome.summary;
    let _ = writeln!(md, "# tapedeck report\n");
    let _ = writeln!(
        md,
        "Provider `{}`, {:?} mode, started {}; {} runs: **{} passed, {} failed, {} skipped** in {}.\n",
        outcome.provider,
        outcome.mode,
        outcome.started_at,
        s.runs,
        s.passed,
        s.failed,
        s.skipped,
        secs(outcome.duration_ms)
    );
    capabilities(&mut md, outcome);
    runs(&mut md, outcome);
    failures(&mut md, outcome);
    warnings(&mut md, outcome);
    traces(&mut md, outcome);
    coverage(&mut md, outcome);
    md
}

fn verdict(v: Verdict) -> &'static str {
    match v {
        Verdict::Passed => "✅ passed",
        Verdict::Failed => "❌ failed",
        Verdict::Skipped => "⏭ skipped",
        Verdict::Interrupted => "⏸ interrupted",
        Verdict::NotRun => "∅ not run",
    }
}

fn capabilities(md: &mut String, outcome: &Outcome) {
    let _ = writeln!(md, "## Capabilities\n\n| capability | verdict | runs |\n|---|---|---|");
    for (cap, v, runs) in views::capabilities(outcome) {
        let names: Vec<String> = runs.iter().map(|r| format!("{}@{}", r.suite, r.microversion)).collect();
        let _ = writeln!(md, "| `{cap}` | {} | {} |", verdict(v), names.join(", "));
    }
    md.push('\n');
}

fn runs(md: &mut String, outcome: &Outcome) {
    let _ =
        writeln!(md, "## Runs\n\n| suite | microversion | verdict | steps | time | note |\n|---|---|---|---|---|---|");
    for r in &outcome.runs {
        let ran = r.steps.iter().filter(|s| s.verdict != Verdict::Skipped).count();
        let note = r.reason.as_deref().map(escape).unwrap_or_default();
        let _ = writeln!(
            md,
            "| `{}` | {} | {} | {ran}/{} | {} | {note} |",
            r.suite,
            r.microversion,
            verdict(r.verdict),
            r.steps.len(),
            secs(r.duration_ms)
        );
    }
    md.push('\n');
}

fn failures(md: &mut String, outcome: &Outcome) {
    let failed: Vec<&RunOutcome> = outcome.runs.iter().filter(|r| r.verdict == Verdict::Failed).collect();
    if failed.is_empty() {
        return;
    }
    let _ = writeln!(md, "## Failures\n");
    for r in failed {
        let _ = writeln!(md, "### `{}` @ {}\n", r.suite, r.microversion);
        if let Some(reason) = &r.reason {
            let _ = writeln!(md, "{}\n", escape(reason));
        }
        let mut details = String::new();
        for step in r.steps.iter().chain(&r.cleanups).filter(|s| s.verdict == Verdict::Failed) {
            step_details(&mut details, r, step);
        }
        if !details.is_empty() {
            let _ = writeln!(md, "```\n{}```\n", details.replace("```", "'''"));
        }
    }
}

fn warnings(md: &mut String, outcome: &Outcome) {
    let warnings = views::warnings(outcome);
    if warnings.is_empty() {
        return;
    }
    let _ = writeln!(md, "## Warnings\n");
    for w in warnings {
        let _ = writeln!(md, "- `{}` @ {}, step `{}`: {}", w.run.suite, w.run.microversion, w.step, escape(&w.what));
    }
    md.push('\n');
}

fn traces(md: &mut String, outcome: &Outcome) {
    let _ = writeln!(
        md,
        "## Status traces\n\nEvery poll of every wait: status (and `task_state` when visible) at its time offset.\n"
    );
    for r in &outcome.runs {
        for step in r.steps.iter().filter(|s| s.trace.is_some()) {
            let Some(t) = &step.trace else { continue };
            let polls: Vec<String> = t
                .observations
                .iter()
                .map(|o| match &o.task_state {
                    Some(task) => format!("{}/{} @{}", o.status, task, secs(o.offset_ms)),
                    None => format!("{} @{}", o.status, secs(o.offset_ms)),
                })
                .collect();
            let declared = if t.declared_path.is_empty() { "any".to_string() } else { t.declared_path.join(" → ") };
            let _ = writeln!(
                md,
                "- `{}`@{} **{}** ({}; declared {declared}): {}",
                r.suite,
                r.microversion,
                step.name,
                verdict(step.verdict),
                polls.join(" · ")
            );
        }
    }
    md.push('\n');
}

fn coverage(md: &mut String, outcome: &Outcome) {
    let c = views::coverage(outcome);
    let _ = writeln!(md, "## Operation coverage\n\n| operation | valid responses | schema failures |\n|---|---|---|");
    for (op, (ok, bad)) in &c.operations {
        let _ = writeln!(md, "| `{op}` | {ok} | {bad} |");
    }
    if !c.gaps.is_empty() {
        let _ = writeln!(md, "\nCoverage gaps (responses with no schema to check):\n");
        for (why, n) in c.gaps {
            let _ = writeln!(md, "- {n}× {}", escape(&why));
        }
    }
}

fn escape(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}
