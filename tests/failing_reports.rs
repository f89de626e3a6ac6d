//! Every report of a failing replay shows the cause: the terminal (the same bytes from two
//! identical replays, each failure once with its microversions, one sentence per failed
//! check, the response centred on the failing pointer, no false note), Markdown (failures
//! first, the rest folded) and JUnit (read back by a real consumer, see `junit_consumer.rs`).

mod common;

use common::{failing_cassettes, repo, tapedeck};

const SUITES: [&str; 2] = ["suites/server-reboot.yaml", "suites/server-lifecycle.yaml"];

fn replay(cassettes: &std::path::Path, extra: &[&str]) -> (i32, String, String) {
    let c = cassettes.display().to_string();
    let args: Vec<&str> =
        ["run", "--jobs", "4", "--cassettes", &c].iter().copied().chain(extra.iter().copied()).chain(SUITES).collect();
    tapedeck(&args, repo())
}

#[test]
fn two_identical_replays_print_the_same_bytes() {
    let dir = failing_cassettes();
    let first = replay(dir.path(), &[]);
    assert_eq!(first.0, 1, "the mutated replay fails: {}\n{}", first.1, first.2);
    for _ in 0..3 {
        let again = replay(dir.path(), &[]);
        assert_eq!(again, first, "a second replay of the same cassettes prints the same");
    }
}

#[test]
fn the_terminal_says_each_failure_once_in_a_sentence_with_its_evidence() {
    let dir = failing_cassettes();
    let (code, out, err) = replay(dir.path(), &["--color", "never"]);
    assert_eq!(code, 1, "{out}\n{err}");
    // Results in plan order: the suites as named, each at its microversions in order.
    let runs: Vec<&str> = out.lines().filter(|l| l.starts_with("PASS") || l.starts_with("FAIL")).collect();
    let labels: Vec<String> = runs.iter().map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" ")).collect();
    assert_eq!(&labels[..2], ["FAIL server-reboot @", "FAIL server-reboot @"], "{out}");
    assert!(runs[0].contains("@ 2.1 ") && runs[1].contains("@ 2.104 "), "{out}");
    assert!(runs[0].contains("8 steps, 4 not run after the failure"), "skipped steps counted: {out}");
    assert!(out.contains("PASS  server-lifecycle @ 2.1 ") && out.contains("skipped at 2.1"), "{out}");
    // The failure both microversions share, once.
    assert_eq!(out.matches("✗ ").count(), 1, "one failure, one sentence: {out}");
    assert!(out.contains("server-reboot @ 2.1, 2.104 — the same failure at 2 microversions"), "{out}");
    let sentence = out.lines().find(|l| l.contains("✗ ")).unwrap();
    assert!(
        sentence.contains("HARD_REBOOT is not on the declared path; expected ACTIVE → REBOOT → ACTIVE, got")
            && sentence.contains("HARD_REBOOT (at poll ")
            && sentence.matches("HARD_REBOOT").count() == 2,
        "what was expected, what came, at which poll, nothing twice: {sentence}"
    );
    let response = out.lines().find(|l| l.trim_start().starts_with("response:")).unwrap();
    assert!(response.contains("\"status\":⟦\"HARD_REBOOT\"⟧"), "the excerpt is centred on the pointer: {response}");
    assert!(out.contains("(⟦⟧ marks /server/status)"), "{out}");
    assert!(!out.contains("not asked for"), "a run that stopped at its failure leaves exchanges, rightly: {out}");
    assert!(out.contains("\n12 runs replayed (") && out.contains("\n10 passed, 2 failed, 0 skipped"), "{out}");
    assert!(!out.contains('\x1b'), "--color never: {out:?}");
    let (_, coloured, _) = replay(dir.path(), &["--color", "always"]);
    assert!(coloured.contains("\x1b[") && anstream_free(&coloured) == out, "colour changes nothing but colour");
}

/// Text without its ANSI styles.
fn anstream_free(text: &str) -> String {
    regex::Regex::new("\x1b\\[[0-9;]*m").unwrap().replace_all(text, "").into_owned()
}

#[test]
fn markdown_puts_the_failure_first_and_folds_the_rest() {
    let dir = failing_cassettes();
    let md = dir.path().join("report.md");
    let (code, out, _) = replay(dir.path(), &["--report", &format!("markdown={}", md.display())]);
    assert_eq!(code, 1, "{out}");
    let text = std::fs::read_to_string(&md).unwrap();
    let first_screen: String = text.lines().take(15).collect::<Vec<_>>().join("\n");
    assert!(
        first_screen.starts_with("## tapedeck: ❌ failed — 10 passed, 2 failed, 0 skipped")
            && first_screen.contains("### Failures")
            && first_screen.contains("`server-reboot @ 2.1, 2.104`")
            && first_screen.contains("HARD_REBOOT is not on the declared path"),
        "the cause on the first screen:\n{first_screen}"
    );
    let failures = text.find("### Failures").unwrap();
    for folded in ["<details><summary>Capabilities", "<details><summary>Runs", "<details><summary>Operation coverage"] {
        assert!(text.find(folded).is_some_and(|at| at > failures), "{folded} folded, after the failures:\n{text}");
    }
    assert!(text.contains("Never exercised: `"), "operations no run exercised are named:\n{text}");
    // A pull-request comment holds 65 536 characters; a job summary 1 MiB.
    assert!(text.len() < 20_000 && text.lines().count() < 80, "{} bytes, {} lines", text.len(), text.lines().count());
}
