//! `--report junit=PATH`: one testsuite per suite run, one testcase per step (and cleanup),
//! failures carrying the evidence (checks, trace, request, response) in their body.
//!
//! Written to the JUnit XSD CI servers validate against (Jenkins' `junit-10.xsd`, which
//! pytest's tests use too): the root carries only `name`, `tests`, `failures`, `errors` and
//! `time`, so the XML is written here rather than by a crate that adds more. Times are the
//! run's own: in replay the testsuite's `time` is how long the replay took and the recorded
//! time is the `recorded_time` property; a testcase then has no `time` (its step took no time
//! of its own). Classnames hold one dot, between the suite and the microversion
//! (`server-reboot.v2_1`), as Jenkins splits a classname into package and class there.

use std::fmt::Write;

use super::ReportError;
use super::human::{check_sentence, step_details};
use crate::outcome::{Mode, Outcome, RunOutcome, StepOutcome, Verdict};

pub fn render(outcome: &Outcome) -> Result<String, ReportError> {
    let mut suites = String::new();
    let (mut tests, mut failures, mut errors) = (0, 0, 0);
    for run in &outcome.runs {
        let s = suite(run, outcome.mode);
        tests += s.tests;
        failures += s.failures;
        errors += s.errors;
        suites.push_str(&s.xml);
    }
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        xml,
        "<testsuites name=\"tapedeck\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" time=\"{}\">",
        seconds(outcome.duration_ms)
    );
    xml.push_str(&suites);
    xml.push_str("</testsuites>\n");
    Ok(xml)
}

/// `server-reboot.v2_1`: the suite, one dot, the microversion (no other dot: Jenkins would
/// split there).
pub fn classname(run: &RunOutcome) -> String {
    let suite = run.suite.replace('.', "_");
    format!("{suite}.v{}", run.microversion.to_string().replace('.', "_"))
}

struct Suite {
    xml: String,
    tests: usize,
    failures: usize,
    errors: usize,
}

/// How a testcase ended, as JUnit says it.
enum Case {
    Passed,
    Failure {
        message: String,
        kind: String,
        body: String,
    },
    /// Not the provider's failure, but never a pass: CI shows it as an error.
    Error {
        message: String,
    },
    Skipped {
        message: String,
    },
}

fn suite(run: &RunOutcome, mode: Mode) -> Suite {
    let class = classname(run);
    let mut cases: Vec<(String, Option<u64>, Case)> = Vec::new();
    if run.steps.is_empty() {
        // Skipped or not run at all (no cassette, stale cassette): one case says why.
        let message = run.reason.clone().unwrap_or_default();
        let case = match run.verdict {
            Verdict::Skipped | Verdict::NotRun => Case::Skipped { message },
            Verdict::Passed => Case::Passed,
            Verdict::Failed => Case::Failure { message: message.clone(), kind: "run".into(), body: message },
            Verdict::Interrupted => Case::Error { message },
        };
        cases.push(("(run)".into(), None, case));
    }
    for step in run.steps.iter().chain(&run.cleanups) {
        // Replay: a step's duration is recorded time, not this run's.
        let time = (mode != Mode::Replay).then_some(step.duration_ms);
        cases.push((step.name.clone(), time, case(run, step)));
    }
    let count = |f: fn(&Case) -> bool| cases.iter().filter(|(_, _, c)| f(c)).count();
    let failures = count(|c| matches!(c, Case::Failure { .. }));
    let errors = count(|c| matches!(c, Case::Error { .. }));
    let skipped = count(|c| matches!(c, Case::Skipped { .. }));
    let time = if mode == Mode::Replay { run.wall_ms } else { run.duration_ms };
    let mut xml = String::new();
    let _ = writeln!(
        xml,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" time=\"{}\" timestamp=\"{}\" file=\"{}\">",
        esc(&format!("{}@{}", run.suite, run.microversion)),
        cases.len(),
        seconds(time),
        esc(&run.started_at),
        esc(&run.file)
    );
    xml.push_str("    <properties>\n");
    let mut property = |name: &str, value: &str| {
        let _ = writeln!(xml, "      <property name=\"{name}\" value=\"{}\"/>", esc(value));
    };
    property("suite", &run.suite);
    property("microversion", &run.microversion.to_string());
    property("verdict", run.verdict.word());
    if let Some(c) = &run.cassette {
        property("cassette", &c.path);
    }
    if mode == Mode::Replay {
        property("recorded_time", &seconds(run.duration_ms));
    }
    if !run.capabilities.is_empty() {
        property("capabilities", &run.capabilities.join(" "));
    }
    xml.push_str("    </properties>\n");
    for (name, time, case) in &cases {
        let time = time.map(|t| format!(" time=\"{}\"", seconds(t))).unwrap_or_default();
        let open = format!("    <testcase name=\"{}\" classname=\"{}\"{time}", esc(name), esc(&class));
        match case {
            Case::Passed => {
                let _ = writeln!(xml, "{open}/>");
            }
            Case::Failure { message, kind, body } => {
                let _ = writeln!(
                    xml,
                    "{open}>\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>",
                    esc(message),
                    esc(kind),
                    esc(body)
                );
            }
            Case::Error { message } => {
                let _ = writeln!(xml, "{open}>\n      <error message=\"{}\"/>\n    </testcase>", esc(message));
            }
            Case::Skipped { message } => {
                let _ = writeln!(xml, "{open}>\n      <skipped message=\"{}\"/>\n    </testcase>", esc(message));
            }
        }
    }
    if !run.notes.is_empty() {
        let _ = writeln!(xml, "    <system-out>{}</system-out>", esc(&run.notes.join("\n")));
    }
    xml.push_str("  </testsuite>\n");
    Suite { xml, tests: cases.len(), failures, errors }
}

fn case(run: &RunOutcome, step: &StepOutcome) -> Case {
    match step.verdict {
        Verdict::Passed => Case::Passed,
        Verdict::Interrupted => Case::Error { message: step.reason.clone().unwrap_or_else(|| "interrupted".into()) },
        Verdict::Skipped | Verdict::NotRun => Case::Skipped { message: step.reason.clone().unwrap_or_default() },
        Verdict::Failed => {
            let first = step.checks.iter().find(|c| c.failed());
            let message = match first {
                Some(c) => check_sentence(c, step),
                None => step.reason.clone().unwrap_or_default(),
            };
            let kind = first.map(|c| format!("{:?}", c.kind).to_lowercase()).unwrap_or_else(|| "step".into());
            let mut body = String::new();
            step_details(&mut body, run, step);
            Case::Failure { message, kind, body }
        }
    }
}

/// Seconds with three decimals, as the XSD's time pattern has them.
fn seconds(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

/// Text for an attribute or an element: escaped, and without the characters XML 1.0 cannot
/// hold at all (control characters other than tab, newline and carriage return).
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_kept_within_xml() {
        assert_eq!(esc("a<b>&\"c\"\u{1}\n"), "a&lt;b&gt;&amp;&quot;c&quot;\u{FFFD}\n");
        assert_eq!(seconds(5280), "5.280");
        assert_eq!(seconds(7), "0.007");
    }
}
