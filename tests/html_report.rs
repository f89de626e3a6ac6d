//! The HTML report in a real browser: Debian's Chromium, headless, parses the page (its DOM
//! has the failures first, linked, the evidence with its pointer highlighted, the timelines) and
//! renders it: the failure's cause must be on the first screen (found in a screenshot), and a
//! screenshot of the report is kept under the target directory. CI installs
//! chromium; locally the test says when it is missing.

mod common;

use std::path::Path;
use std::process::Command;

use common::{failing_cassettes, repo, tapedeck};

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

/// One screen of a laptop: the cause of the failure must be on it.
const SCREEN: (u32, u32) = (1280, 800);

#[test]
fn html_report_renders_in_headless_chromium() {
    // A replay made to fail twice: the reboot cassettes show HARD_REBOOT on a soft reboot
    // (at both microversions), and the lifecycle up to 2.8 checks the flavor id against 999.
    let dir = failing_cassettes();
    let html = dir.path().join("report.html");
    let c = dir.path().display().to_string();
    let (code, out, _) = tapedeck(
        &[
            "run",
            "--cassettes",
            &c,
            "--var",
            "flavor_ref=999",
            "--report",
            &format!("html={}", html.display()),
            "suites/server-reboot.yaml",
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
    // The verdict, then the failures, each linked from the summary.
    let failures = dom.find("<h2 id=\"failures\">Failures</h2>").expect("a failures section");
    for (i, what) in [(0, "server-reboot @ 2.1, 2.104"), (1, "server-lifecycle @ 2.1, 2.3")] {
        assert!(dom.contains(&format!("<a href=\"#failure-{i}\"><code>{what}</code></a>")), "linked: {what}");
        let at = dom.find(&format!("id=\"failure-{i}\"")).expect("the link's target");
        assert!(at > failures, "{what}");
    }
    assert!(dom.contains("HARD_REBOOT is not on the declared path; expected ACTIVE → REBOOT → ACTIVE"), "{dom}");
    assert!(dom.contains("<mark>\"HARD_REBOOT\"</mark>") && dom.contains("<mark>\"1\"</mark>"), "pointers highlighted");
    // Failed runs open, passing ones folded; every wait on its run's time axis.
    assert_eq!(dom.matches("<details class=\"run\" id=\"run-server-reboot-2-1\" open=\"\">").count(), 1, "{dom}");
    assert!(dom.contains("<details class=\"run\" id=\"run-server-lifecycle-2-104\">"), "passing runs folded");
    // The fixed palette: HARD_REBOOT is transitional (blue), never a hashed green.
    assert!(dom.contains("fill=\"#1e88e5\"><title>HARD_REBOOT, task_state rebooting_hard"), "{dom}");
    assert!(dom.contains("<title>declared REBOOT (step 2 of the path)</title>"), "the declared path is drawn");
    assert!(dom.contains("transitional (BUILD, REBOOT, …)"), "a legend");
    assert!(dom.contains("never exercised"), "operations no run exercised are in the coverage");
    // The first screen shows the cause: the test colours it (a style of its own, on a copy)
    // and finds that colour in a screenshot of one screen.
    let marked = dir.path().join("marked.html");
    let probe_style = "<style>.cause{color:#ff00ff !important}</style></head>";
    std::fs::write(&marked, page.replacen("</head>", probe_style, 1)).unwrap();
    let shot = |page: &Path, png: &Path, profile: &str| {
        let size = format!("--window-size={},{}", SCREEN.0, SCREEN.1);
        let url = format!("file://{}", page.display());
        let out =
            headless(browser, &[&size, &format!("--screenshot={}", png.display()), &url], &dir.path().join(profile));
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    };
    let probe = dir.path().join("probe.png");
    shot(&marked, &probe, "profile-probe");
    let found =
        Command::new("python3").arg(repo().join("tests/png_probe.py")).arg(&probe).arg("255,0,255").output().unwrap();
    assert!(found.status.success(), "{}", String::from_utf8_lossy(&found.stderr));
    let found: serde_json::Value = serde_json::from_slice(&found.stdout).unwrap();
    assert!(
        found["rows"][0].as_u64().is_some_and(|y| y < u64::from(SCREEN.1)),
        "the cause on the first screen: {found}"
    );
    // The screenshot of the report itself is kept for people to look at.
    let kept = Path::new(env!("CARGO_TARGET_TMPDIR")).join("html-report.png");
    shot(&html, &kept, "profile-shot");
    let bytes = std::fs::read(&kept).unwrap();
    assert!(bytes.starts_with(b"\x89PNG") && bytes.len() > 20_000, "a real rendering, {} bytes", bytes.len());
    eprintln!("the report as Chromium draws it: {}", kept.display());
}
