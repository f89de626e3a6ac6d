//! `--report junit=PATH`: one testsuite per suite run, one testcase per step (and cleanup),
//! failures carrying the evidence (checks, trace, request, response).

use std::time::Duration;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::ReportError;
use super::human::step_details;
use crate::outcome::{Outcome, RunOutcome, StepOutcome, Verdict};

pub fn render(outcome: &Outcome) -> Result<String, ReportError> {
    let mut report = Report::new("tapedeck");
    report.set_time(Duration::from_millis(outcome.duration_ms));
    for run in &outcome.runs {
        report.add_test_suite(suite(run));
    }
    report.to_string().map_err(|e| ReportError::Junit(e.to_string()))
}

fn suite(run: &RunOutcome) -> TestSuite {
    let name = format!("{}@{}", run.suite, run.microversion);
    let mut suite = TestSuite::new(name.clone());
    suite.set_time(Duration::from_millis(run.duration_ms));
    suite.add_property(("file", run.file.as_str()));
    if let Some(c) = &run.cassette {
        suite.add_property(("cassette", c.path.as_str()));
    }
    if run.steps.is_empty() {
        // Skipped or not run at all (no cassette, stale cassette): one case says why.
        let mut status = match run.verdict {
            Verdict::Skipped | Verdict::NotRun => TestCaseStatus::skipped(),
            Verdict::Passed => TestCaseStatus::success(),
            Verdict::Failed => TestCaseStatus::non_success(NonSuccessKind::Failure),
            // Not the provider's failure, but never a pass: CI shows it as an error.
            Verdict::Interrupted => TestCaseStatus::non_success(NonSuccessKind::Error),
        };
        if let Some(reason) = &run.reason {
            set_message(&mut status, reason);
        }
        let mut case = TestCase::new("(run)", status);
        case.set_classname(name);
        suite.add_test_case(case);
        return suite;
    }
    for step in run.steps.iter().chain(&run.cleanups) {
        suite.add_test_case(case(run, &name, step));
    }
    if !run.notes.is_empty() {
        suite.set_system_out(run.notes.join("\n"));
    }
    suite
}

fn case(run: &RunOutcome, classname: &str, step: &StepOutcome) -> TestCase {
    let status = match step.verdict {
        Verdict::Passed => TestCaseStatus::success(),
        Verdict::Interrupted => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
            set_message(&mut s, step.reason.as_deref().unwrap_or("interrupted"));
            s
        }
        Verdict::Skipped | Verdict::NotRun => {
            let mut s = TestCaseStatus::skipped();
            if let Some(r) = &step.reason {
                set_message(&mut s, r);
            }
            s
        }
        Verdict::Failed => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            let why = step
                .reason
                .clone()
                .or_else(|| step.checks.iter().find(|c| c.failed()).map(|c| c.describe()))
                .unwrap_or_default();
            set_message(&mut s, &why);
            let mut details = String::new();
            step_details(&mut details, run, step);
            if let TestCaseStatus::NonSuccess { description, ty, .. } = &mut s {
                *description = Some(details.into());
                *ty = Some("tapedeck".into());
            }
            s
        }
    };
    let mut case = TestCase::new(step.name.clone(), status);
    case.set_classname(classname.to_string());
    case.set_time(Duration::from_millis(step.duration_ms));
    case
}

fn set_message(status: &mut TestCaseStatus, message: &str) {
    match status {
        TestCaseStatus::NonSuccess { message: m, .. } | TestCaseStatus::Skipped { message: m, .. } => {
            *m = Some(message.into())
        }
        TestCaseStatus::Success { .. } => {}
    }
}
