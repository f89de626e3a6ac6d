//! The HTML report in a real browser: Debian's Chromium, headless, parses the page (its DOM
//! has the failure, the evidence and the trace timelines) and renders it to a PNG. CI installs
//! chromium; locally the test says when it is missing.

mod common;

use std::path::Path;
use std::process::Command;

use common::{repo, tapedeck};

fn chromium() -> Option<&'static str> {
    let found = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].into_iter().find(|p| Path::new(p).exists());
    if found.is_none() {
        assert!(std::env::var("CI").is_err(), "CI must install chromium (see .ci/run)");
        eprintln!("HTML rendering test not enabled: install Debian's chromium");
    }
    found
}

fn headless(browser: &str, args: &[&str], profile: &Path) -> std::process::Output {
    Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn html_report_renders_in_headless_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("report.html");
    // A replay made to fail: the lifecycle at 2.1 checks the flavor id against ${flavor_ref}.
    let (code, out, _) = tapedeck(
        &[
            "run",
            "--microversion",
            "2.1",
            "--var",
            "flavor_ref=999",
            "--report",
            &format!("html={}", html.display()),
            "--report",
            &format!("json={}", dir.path().join("report.json").display()),
            "suites/server-lifecycle.yaml",
        ],
        repo(),
    );
    assert_eq!(code, 1, "{out}");
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.starts_with("<!doctype html>")
            && !page.contains("<script")
            && !page.contains("http://endpoint.invalid/v2.1/servers\""),
        "self-contained, no scripts"
    );
    let Some(browser) = chromium() else { return };
    let url = format!("file://{}", html.display());
    let dom = headless(browser, &["--dump-dom", &url], &dir.path().join("profile-dom"));
    assert!(dom.status.success(), "{}", String::from_utf8_lossy(&dom.stderr));
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(
        dom.contains("<h2>Failures</h2>") && dom.contains("no locked field before 2.9"),
        "the failing step is on the page"
    );
    assert!(dom.contains("/server/flavor/id") && dom.contains("999"), "with what was expected");
    // One band per status a wait saw (consecutive repeats as one), as the JSON report has them.
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap()).unwrap();
    let bands: usize = report["runs"][0]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["trace"]["observations"].as_array())
        .map(|o| 1 + o.windows(2).filter(|w| w[0]["status"] != w[1]["status"]).count())
        .sum();
    assert!(bands >= 1 && dom.matches("<rect").count() >= bands, "the status timeline is drawn ({bands} bands)");
    let png = dir.path().join("report.png");
    let shot = headless(
        browser,
        &["--window-size=1200,1600", &format!("--screenshot={}", png.display()), &url],
        &dir.path().join("profile-shot"),
    );
    assert!(shot.status.success(), "{}", String::from_utf8_lossy(&shot.stderr));
    let bytes = std::fs::read(&png).unwrap();
    assert!(bytes.starts_with(b"\x89PNG") && bytes.len() > 20_000, "a real rendering, {} bytes", bytes.len());
}
