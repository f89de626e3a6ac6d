//! Report formats are views of the same outcome: snapshots of the terminal output and the
//! Markdown report of a replayed shipped suite (times redacted: wall-clock times vary, and
//! recorded ones change with every re-recording).

mod common;

use common::{repo, tapedeck};
use regex::Regex;

fn redact(text: &str) -> String {
    let started = Regex::new(r"started \S+Z").unwrap();
    let wall = Regex::new(r"(replayed in|runs replayed in|\*\* in) \d+(\.\d+)?m?s").unwrap();
    let out = started.replace_all(text, "started [time]");
    let out = wall.replace_all(&out, "$1 [wall]");
    let recorded = Regex::new(r"\b\d+(\.\d+)?(ms|s)\b").unwrap();
    recorded.replace_all(&out, "[t]").into_owned()
}

#[test]
fn terminal_and_markdown_reports_of_a_replay() {
    let dir = tempfile::tempdir().unwrap();
    let md = dir.path().join("report.md");
    let (code, out, err) = tapedeck(
        &["run", "--jobs", "1", "--report", &format!("markdown={}", md.display()), "suites/server-reboot.yaml"],
        repo(),
    );
    assert_eq!(code, 0, "{out}\n{err}");
    insta::assert_snapshot!("terminal", redact(&out));
    insta::assert_snapshot!("markdown", redact(&std::fs::read_to_string(&md).unwrap()));
}
