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

#[test]
fn extra_keys_warned_of_show_where_people_look() {
    let dir = tempfile::tempdir().unwrap();
    let name = "server-lifecycle@2.1.yaml";
    let text = std::fs::read_to_string(repo().join("cassettes/nova-34.0.0").join(name)).unwrap();
    let mut doc: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
    let show = doc["exchanges"].as_array_mut().unwrap().iter_mut().find(|e| e["step"] == "show").unwrap();
    show["response"]["body"]["server"]["vendor:zone"] = "z1".into();
    std::fs::write(dir.path().join(name), serde_saphyr::to_string(&doc).unwrap()).unwrap();
    let (md, html) = (dir.path().join("r.md"), dir.path().join("r.html"));
    let (c, m, h) =
        (dir.path().display().to_string(), format!("markdown={}", md.display()), format!("html={}", html.display()));
    let args =
        ["run", "--cassettes", &c, "--microversion", "2.1", "--extra-keys", "warn", "--report", &m, "--report", &h];
    let (code, out, err) = tapedeck(&[&args[..], &["suites/server-lifecycle.yaml"]].concat(), repo());
    assert_eq!(code, 0, "warn does not fail: {out}\n{err}");
    assert!(out.contains("warnings:") && out.contains("step `show`") && out.contains("vendor:zone"), "{out}");
    for page in [md, html] {
        let text = std::fs::read_to_string(&page).unwrap();
        assert!(text.contains("Warnings") && text.contains("vendor:zone"), "{}: {text}", page.display());
    }
}
