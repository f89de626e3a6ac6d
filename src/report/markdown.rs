//! `--report markdown=PATH`: a page short enough for a pull-request comment or
//! `$GITHUB_STEP_SUMMARY` — the verdict in its first line, then the failures with their
//! evidence (a failure several microversions share once), and everything that passed folded
//! (`<details>`): capabilities, runs (one row per suite), warnings, operation coverage.

use std::fmt::Write;

use super::human::{self, check_sentence, plural, secs, step_details};
use super::views;
use crate::outcome::{Mode, Outcome, RunOutcome, Verdict};

pub fn render(outcome: &Outcome) -> String {
    let mut md = String::new();
    headline(&mut md, outcome);
    failures(&mut md, outcome);
    capabilities(&mut md, outcome);
    runs(&mut md, outcome);
    warnings(&mut md, outcome);
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

fn headline(md: &mut String, outcome: &Outcome) {
    let s = &outcome.summary;
    let overall = if s.failed > 0 {
        Verdict::Failed
    } else if outcome.interrupted || s.interrupted + s.not_run > 0 {
        Verdict::Interrupted
    } else {
        Verdict::Passed
    };
    let mut counts = format!("{} passed, {} failed, {} skipped", s.passed, s.failed, s.skipped);
    if s.interrupted > 0 {
        let _ = write!(counts, ", {} interrupted", s.interrupted);
    }
    if s.not_run > 0 {
        let _ = write!(counts, ", {} not run", s.not_run);
    }
    let mode = match outcome.mode {
        Mode::Replay => "replayed",
        Mode::Live => "live",
        Mode::Record => "recorded",
    };
    let _ = writeln!(md, "## tapedeck: {} — {counts}\n", verdict(overall));
    let _ = writeln!(
        md,
        "{} of provider `{}` {mode} in {}, started {}.\n",
        plural(s.runs, "run", "runs"),
        escape(&outcome.provider),
        secs(outcome.duration_ms),
        outcome.started_at
    );
}

fn failures(md: &mut String, outcome: &Outcome) {
    let groups = human::failure_groups(outcome);
    if groups.is_empty() {
        return;
    }
    let _ = writeln!(md, "### Failures\n");
    for runs in groups {
        let first = runs[0];
        let _ = writeln!(md, "**`{}`**", human::group_label(&runs));
        let failed: Vec<_> =
            first.steps.iter().chain(&first.cleanups).filter(|s| s.verdict == Verdict::Failed).collect();
        if failed.is_empty() {
            let _ = writeln!(md, "- {}", escape(first.reason.as_deref().unwrap_or("failed")));
        }
        for step in &failed {
            let at = step.location.as_ref().map(|l| format!(" (`{l}`)")).unwrap_or_default();
            let _ = writeln!(md, "- step `{}`{at}", step.name);
            let checks: Vec<_> = step.checks.iter().filter(|c| c.failed()).collect();
            for c in &checks {
                let _ = writeln!(md, "  - {}", escape(&check_sentence(c, step)));
            }
            if checks.is_empty() {
                let _ = writeln!(md, "  - {}", escape(step.reason.as_deref().unwrap_or("failed")));
            }
        }
        let mut details = String::new();
        for step in &failed {
            step_details(&mut details, first, step);
        }
        if !details.is_empty() {
            let _ = writeln!(
                md,
                "\n<details><summary>evidence ({} @ {})</summary>\n\n```\n{}```\n</details>",
                first.suite,
                first.microversion,
                details.replace("```", "'''")
            );
        }
        md.push('\n');
    }
}

fn capabilities(md: &mut String, outcome: &Outcome) {
    let caps = views::capabilities(outcome);
    if caps.is_empty() {
        return;
    }
    let not_passed: Vec<_> = caps.iter().filter(|(_, v, _)| *v != Verdict::Passed).collect();
    let passed = caps.len() - not_passed.len();
    let _ = writeln!(
        md,
        "<details><summary>Capabilities: {passed} of {} passed</summary>\n\n| capability | verdict | runs |\n|---|---|---|",
        caps.len()
    );
    // The ones that did not pass first.
    let mut ordered: Vec<_> = caps.iter().collect();
    ordered.sort_by_key(|(_, v, _)| *v == Verdict::Passed);
    for (cap, v, runs) in ordered {
        let _ = writeln!(md, "| `{cap}` | {} | {} |", verdict(*v), runs_text(runs));
    }
    md.push_str("\n</details>\n\n");
}

/// `server-reboot @ 2.1, 2.104; server-resize @ 2.1`.
fn runs_text(runs: &[&RunOutcome]) -> String {
    let mut by_suite: Vec<(&str, Vec<String>)> = Vec::new();
    for r in runs {
        match by_suite.iter_mut().find(|(s, _)| *s == r.suite) {
            Some((_, mvs)) => mvs.push(r.microversion.to_string()),
            None => by_suite.push((&r.suite, vec![r.microversion.to_string()])),
        }
    }
    by_suite.iter().map(|(s, mvs)| format!("{s} @ {}", mvs.join(", "))).collect::<Vec<_>>().join("; ")
}

/// One row per suite and verdict: its microversions, the steps of each.
fn runs(md: &mut String, outcome: &Outcome) {
    let s = &outcome.summary;
    let _ = writeln!(
        md,
        "<details><summary>Runs: {} passed, {} failed, {} skipped</summary>\n\n| suite | verdict | microversions | steps |\n|---|---|---|---|",
        s.passed, s.failed, s.skipped
    );
    let mut rows: Vec<(&str, Verdict, Vec<&RunOutcome>)> = Vec::new();
    for r in &outcome.runs {
        match rows.iter_mut().find(|(suite, v, _)| *suite == r.suite && *v == r.verdict) {
            Some((_, _, runs)) => runs.push(r),
            None => rows.push((&r.suite, r.verdict, vec![r])),
        }
    }
    for (suite, v, runs) in rows {
        let mvs: Vec<String> = runs.iter().map(|r| r.microversion.to_string()).collect();
        let steps: Vec<String> = runs
            .iter()
            .map(|r| match r.verdict {
                Verdict::Skipped | Verdict::NotRun => r.reason.as_deref().map(escape).unwrap_or_default(),
                _ => human::step_counts(r),
            })
            .collect();
        let mut distinct = steps.clone();
        distinct.dedup();
        let steps = if distinct.len() == 1 { distinct.remove(0) } else { steps.join("; ") };
        let _ = writeln!(md, "| `{suite}` | {} | {} | {} |", verdict(v), mvs.join(", "), escape(&steps));
    }
    md.push_str("\n</details>\n\n");
}

fn warnings(md: &mut String, outcome: &Outcome) {
    let warnings = views::warnings(outcome);
    if warnings.is_empty() {
        return;
    }
    let _ = writeln!(md, "<details><summary>Warnings: {}</summary>\n", warnings.len());
    for w in warnings {
        let _ = writeln!(md, "- `{}` @ {}, step `{}`: {}", w.run.suite, w.run.microversion, w.step, escape(&w.what));
    }
    md.push_str("\n</details>\n\n");
}

fn coverage(md: &mut String, outcome: &Outcome) {
    let c = views::coverage(outcome);
    let failing = c.operations.values().filter(|(_, bad)| *bad > 0).count();
    let _ = writeln!(
        md,
        "<details><summary>Operation coverage: {} exercised, {failing} with schema failures, {} never</summary>\n\n| operation | valid responses | schema failures |\n|---|---|---|",
        c.operations.len(),
        c.never.len()
    );
    for (op, (ok, bad)) in &c.operations {
        let _ = writeln!(md, "| `{op}` | {ok} | {bad} |");
    }
    if !c.never.is_empty() {
        let never: Vec<String> = c.never.iter().map(|op| format!("`{op}`")).collect();
        let _ = writeln!(md, "\nNever exercised: {}.", never.join(", "));
    }
    if !c.gaps.is_empty() {
        let _ = writeln!(md, "\nCoverage gaps (responses with no schema to check):\n");
        for (why, n) in &c.gaps {
            let _ = writeln!(md, "- {n}× {}", escape(why));
        }
    }
    md.push_str("\n</details>\n");
}

fn escape(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}
