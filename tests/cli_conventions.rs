//! The command line's conventions, run as a user would: choosing runs (`--filter`,
//! `--exclude`, `--list`), colour (`--color`, `NO_COLOR`, `CLICOLOR_FORCE`; never in files),
//! `--report KIND=-`, completions and manual pages. Replay only: offline, from the shipped
//! cassettes (and one scripted loopback server to show nothing is sent on a bad filter).

mod common;

use std::path::Path;
use std::process::Command;

use common::{Script, repo, serve};
use serde_json::Value;

const ESC: char = '\x1b';

/// The binary in the repository, with extra environment variables; the colour variables of
/// the calling environment are removed so that each test says what it means.
fn td(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    td_in(repo(), args, env)
}

fn td_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tapedeck"));
    cmd.args(args).current_dir(dir);
    for var in ["NO_COLOR", "CLICOLOR_FORCE", "CLICOLOR"] {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied());
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `run --list --format json` with extra flags: the runs it selects.
fn listed(flags: &[&str]) -> Vec<Value> {
    let mut args = vec!["run", "--list", "--format", "json"];
    args.extend_from_slice(flags);
    let (code, out, err) = td(&args, &[]);
    assert_eq!(code, 0, "{args:?}\n{out}\n{err}");
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}):\n{out}"));
    v.as_array().unwrap().clone()
}

fn names(runs: &[Value]) -> Vec<String> {
    runs.iter().map(|r| format!("{}@{}", r["suite"].as_str().unwrap(), r["microversion"].as_str().unwrap())).collect()
}

#[test]
fn list_json_has_one_object_per_run_with_its_facts() {
    let all = listed(&[]);
    assert!(all.len() > 20, "{}", all.len());
    for run in &all {
        assert!(run["suite"].is_string() && run["microversion"].is_string(), "{run}");
        assert!(run["capabilities"].is_array() && run["steps"].as_u64().is_some_and(|n| n > 0), "{run}");
        let file = run["file"].as_str().unwrap();
        assert!(file.ends_with(".yaml") && repo().join(file).is_file(), "{run}");
    }
    // The file says what the run is: the suite's own name is in it.
    let reboot: Vec<&Value> = all.iter().filter(|r| r["suite"] == "server-reboot").collect();
    assert!(reboot.len() >= 2, "server-reboot runs at more than one microversion: {reboot:?}");
    assert!(reboot.iter().all(|r| r["capabilities"].as_array().unwrap().iter().any(|c| c == "compute-servers-reboot")));
}

#[test]
fn filters_choose_by_name_capability_and_microversion() {
    let all = listed(&[]);
    let by_name = listed(&["--filter", "server-re*"]);
    assert!(!by_name.is_empty() && by_name.len() < all.len());
    assert!(names(&by_name).iter().all(|n| n.starts_with("server-re")), "{:?}", names(&by_name));
    // Every run the glob should select, and no other.
    let expected = all.iter().filter(|r| r["suite"].as_str().unwrap().starts_with("server-re")).count();
    assert_eq!(by_name.len(), expected);

    let by_cap = listed(&["--filter", "cap:compute-servers-resize"]);
    assert!(!by_cap.is_empty());
    for r in &by_cap {
        assert!(r["capabilities"].as_array().unwrap().iter().any(|c| c == "compute-servers-resize"), "{r}");
    }

    let at = listed(&["--filter", "@2.104"]);
    assert!(!at.is_empty() && at.iter().all(|r| r["microversion"] == "2.104"), "{:?}", names(&at));

    let glob_mv = listed(&["--filter", "server-reboot@2.1*"]);
    let got = names(&glob_mv);
    assert!(got.contains(&"server-reboot@2.1".to_string()), "{got:?}");
    assert!(got.iter().all(|n| n.starts_with("server-reboot@2.1")), "{got:?}");

    // Repeated filters add up; an exclude takes away.
    let two = listed(&["--filter", "server-reboot", "--filter", "@2.104"]);
    let reboot = listed(&["--filter", "server-reboot"]);
    assert!(two.len() > reboot.len() && two.len() > at.len());
    let without = listed(&["--filter", "server-reboot", "--exclude", "@2.104"]);
    assert_eq!(without.len(), reboot.iter().filter(|r| r["microversion"] != "2.104").count());
    assert!(without.iter().all(|r| r["microversion"] != "2.104"));
}

#[test]
fn a_filter_matching_nothing_is_a_usage_error_with_a_suggestion() {
    let cases = [
        (&["--filter", "server-rebot"][..], "did you mean `server-reboot`?"),
        (&["--filter", "compute-servers-resize"], "did you mean `cap:compute-servers-resize`?"),
        (&["--filter", "cap:compute-server-resize"], "did you mean `cap:compute-servers-resize`?"),
        (&["--exclude", "server-reboot@2.99"], "no run at that microversion"),
        (&["--filter", "server-reboot", "--exclude", "server-*"], "nothing would run"),
        (&["--filter", "x@two"], "is not a microversion"),
        (&["--filter", "cap:"], "needs a capability"),
    ];
    for (flags, wanted) in cases {
        let mut args = vec!["run"];
        args.extend_from_slice(flags);
        let (code, out, err) = td(&args, &[]);
        assert_eq!(code, 2, "{flags:?}\n{out}\n{err}");
        assert!(err.contains(wanted), "{flags:?}: wanted {wanted:?} in\n{err}");
        assert!(!out.contains("PASS") && !out.contains("FAIL"), "{flags:?}: nothing may run\n{out}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_filter_sends_no_request() {
    let script = Script::default();
    let url = serve(script.clone()).await;
    let out = tokio::task::spawn_blocking(move || {
        let args =
            ["run", "--mode", "live", "--endpoint", &url, "--token", "tok-0123456789abcdef", "--filter", "nope*"];
        td(&args, &[])
    })
    .await
    .unwrap();
    assert_eq!(out.0, 2, "{out:?}");
    assert!(out.2.contains("--filter `nope*`: matches no suite"), "{}", out.2);
    assert!(script.seen.lock().unwrap().is_empty(), "requests were sent before the filter was checked");
}

#[test]
fn a_filtered_replay_runs_only_the_selection_and_a_report_can_go_to_stdout() {
    let (code, out, err) = td(&["run", "--filter", "server-reboot", "--exclude", "@2.104", "--report", "json=-"], &[]);
    assert_eq!(code, 0, "{out}\n{err}");
    // Standard output is the report alone; the progress and summary went to standard error.
    let report: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("stdout is not the report ({e}):\n{out}"));
    let runs = report["runs"].as_array().unwrap();
    assert!(!runs.is_empty());
    for r in runs {
        assert_eq!(r["suite"], "server-reboot", "{r}");
        assert_ne!(r["microversion"], "2.104", "{r}");
    }
    assert!(err.contains("PASS  server-reboot @ 2.1") && err.contains("passed"), "{err}");
    assert!(!err.contains("2.104"), "{err}");

    let (code, out, err) = td(&["run", "--filter", "server-reboot", "--report", "junit=-"], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("<?xml") && out.trim_end().ends_with("</testsuites>"), "{out}");

    let (code, _, err) = td(&["run", "--report", "json=-", "--report", "junit=-"], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("at most one report can go to standard output"), "{err}");
}

#[test]
fn list_text_is_aligned_in_columns() {
    let (code, out, err) = td(&["run", "--list", "--filter", "server-*"], &[]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines.len() > 3, "{out}");
    assert!(!out.contains(ESC), "no colour into a pipe");
    let header = lines[0];
    assert!(header.starts_with("SUITE"), "{out}");
    for column in ["MICROVERSIONS", "STEPS", "CAPABILITIES", "FILE"] {
        let at = header.find(column).unwrap_or_else(|| panic!("{column} in {header}"));
        for line in &lines[1..] {
            let before = &line[..at];
            assert!(before.ends_with("  ") || before.ends_with(' '), "column {column} not aligned:\n{out}");
            assert_ne!(line.as_bytes()[at], b' ', "column {column} empty or shifted in `{line}`\n{out}");
        }
    }
}

#[test]
fn colour_follows_the_flag_and_the_environment_and_never_reaches_files() {
    let dir = tempfile::tempdir().unwrap();
    let (md, json) = (dir.path().join("r.md"), dir.path().join("r.json"));
    let reports = [format!("markdown={}", md.display()), format!("json={}", json.display())];
    let run = |colour: Option<&str>, env: &[(&str, &str)]| {
        let mut args = vec!["run", "--filter", "server-reboot@2.1", "--report", &reports[0], "--report", &reports[1]];
        if let Some(c) = colour {
            args.extend(["--color", c]);
        }
        let (code, out, err) = td(&args, env);
        assert_eq!(code, 0, "{out}\n{err}");
        out
    };
    let coloured = run(Some("always"), &[]);
    assert!(coloured.contains(&format!("{ESC}[")) && coloured.contains("PASS"), "{coloured:?}");
    // PASS is green (32), the escape before it.
    let pass = coloured.find("PASS").unwrap();
    assert!(coloured[..pass].rsplit(ESC).next().is_some_and(|code| code.contains("32")), "{coloured:?}");
    for file in [&md, &json] {
        let text = std::fs::read_to_string(file).unwrap();
        assert!(!text.contains(ESC), "{}: colour in a file", file.display());
    }
    // A pipe gets none by default, nor with NO_COLOR; CLICOLOR_FORCE forces it; the flag wins.
    assert!(!run(None, &[]).contains(ESC));
    assert!(!run(None, &[("NO_COLOR", "1")]).contains(ESC));
    assert!(run(None, &[("CLICOLOR_FORCE", "1")]).contains(ESC));
    assert!(!run(Some("never"), &[("CLICOLOR_FORCE", "1")]).contains(ESC));
    assert!(run(Some("always"), &[("NO_COLOR", "1")]).contains(ESC));
    // The British spelling is the same flag, anywhere on the line.
    let (code, out, _) = td(&["--colour", "always", "run", "--filter", "server-reboot@2.1"], &[]);
    assert_eq!(code, 0);
    assert!(out.contains(ESC));
}

#[test]
fn errors_and_warnings_are_coloured_on_request_only() {
    let (code, _, err) = td(&["run", "--color", "always", "--filter", "nope"], &[]);
    assert_eq!(code, 2);
    assert!(err.contains(&format!("{ESC}[")) && err.contains("error:"), "{err:?}");
    let (code, _, err) = td(&["run", "--filter", "nope"], &[]);
    assert_eq!(code, 2);
    assert!(err.starts_with("error: --filter `nope`") && !err.contains(ESC), "{err:?}");
    let (code, _, err) = td(&["run", "--color", "always", "--filter", "server-reboot@2.1", "--var", "imag_ref=x"], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("warning:") && err.contains(ESC), "{err:?}");
    // clap's own usage errors follow the flag too, and stay exit 2.
    let (code, _, err) = td(&["run", "--color", "never", "--jobz", "3"], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("unexpected argument '--jobz'") && !err.contains(ESC), "{err:?}");
}

#[test]
fn short_flags_work() {
    let (code, out, err) = td(&["run", "-j", "1", "-m", "replay", "--filter", "server-reboot@2.1"], &[]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("PASS  server-reboot @ 2.1"), "{out}");
    let (code, _, err) = td(&["run", "-j", "0"], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--jobs must be at least 1"), "{err}");
}

#[test]
fn help_shows_defaults_and_environment_variables() {
    let (code, out, _) = td(&["run", "--help"], &[]);
    assert_eq!(code, 0);
    for wanted in ["-j, --jobs <N>", "-m, --mode <MODE>", "[default: replay]", "[env: OS_CLOUD=]", "--filter <EXPR>"] {
        assert!(out.contains(wanted), "{wanted} in\n{out}");
    }
    assert!(out.contains("--color <WHEN>") && out.contains("[alias: --colour]"), "{out}");
}

#[test]
fn completions_for_every_shell() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef tapedeck"),
        ("fish", "complete -c tapedeck"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion"),
    ] {
        let (code, out, err) = td(&["completions", shell], &[]);
        assert_eq!(code, 0, "{shell}: {err}");
        assert!(out.contains(marker), "{shell}: no `{marker}`");
        assert!(out.contains("filter") && out.contains("certify"), "{shell}: subcommands and flags missing");
    }
    let (code, _, err) = td(&["completions", "tcsh"], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("invalid value 'tcsh'"), "{err}");
}

#[test]
fn man_pages_to_stdout_and_one_per_subcommand() {
    let (code, out, _) = td(&["man"], &[]);
    assert_eq!(code, 0);
    assert!(out.starts_with(".ie") || out.contains(".TH tapedeck"), "{}", &out[..out.len().min(300)]);
    assert!(out.contains("certify") && !out.contains(ESC));

    let dir = tempfile::tempdir().unwrap();
    let pages = dir.path().join("man1");
    let (code, _, err) = td(&["man", "--out", &pages.display().to_string()], &[]);
    assert_eq!(code, 0, "{err}");
    for page in ["tapedeck.1", "tapedeck-run.1", "tapedeck-certify.1", "tapedeck-schemas-derive.1", "tapedeck-man.1"] {
        let text = std::fs::read_to_string(pages.join(page)).unwrap_or_else(|e| panic!("{page}: {e}"));
        assert!(text.contains(".TH"), "{page}");
    }
    let run = std::fs::read_to_string(pages.join("tapedeck-run.1")).unwrap();
    assert!(run.contains("filter") && run.contains("exclude"), "the run page documents its flags");
    // A file where the directory should be: a usage error.
    let file = dir.path().join("file");
    std::fs::write(&file, "").unwrap();
    let (code, _, err) = td(&["man", "--out", &file.display().to_string()], &[]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn a_filtered_certification_says_so_and_verifies_with_its_filter() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bundle");
    let o = out.display().to_string();
    let (code, stdout, stderr) = td(&["certify", "--filter", "server-reboot@2.1", "-o", &o], &[]);
    // Replayed evidence never certifies; the selection is recorded and announced.
    assert_ne!(code, 2, "{stdout}\n{stderr}");
    assert!(stderr.contains("--filter server-reboot@2.1: the bundle will hold part"), "{stderr}");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(out.join("certification.json")).unwrap()).unwrap();
    assert_eq!(doc["request"]["filter"], serde_json::json!(["server-reboot@2.1"]), "{}", doc["request"]);
    assert_eq!(doc["certified"], false);
    let runs = doc["runs"].as_array().unwrap();
    assert!(!runs.is_empty());
    assert!(runs.iter().all(|r| r.to_string().contains("server-reboot")), "{runs:?}");
    // Verify replays the same selection, so it reproduces the verdict.
    let (code, stdout, stderr) = td(&["certify", "--verify", &o], &[]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("VERIFIED"), "{stdout}");
}

#[test]
fn a_filtered_live_certification_is_partial_never_certified() {
    let Some(provider) = common::live_provider() else { return };
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("profile.yaml");
    std::fs::write(&profile, "profile: create-errors\ncapabilities:\n  compute-servers-create: required\n").unwrap();
    let (p, o) = (profile.display().to_string(), dir.path().join("bundle").display().to_string());
    let args = [
        "certify",
        "--profile",
        &p,
        "-o",
        &o,
        "--provider",
        &provider.display().to_string(),
        "--filter",
        "server-create-errors@2.1",
        "--color",
        "always",
        "suites/server-create-errors.yaml",
    ];
    let (code, coloured, stderr) = td(&args, &[]);
    assert!(coloured.contains(ESC), "{coloured:?}");
    let stdout = regex::Regex::new("\x1b\\[[0-9;]*m").unwrap().replace_all(&coloured, "").into_owned();
    // The selected evidence passes; the bundle still does not certify.
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(stdout.contains("PASS  server-create-errors @ 2.1"), "{stdout}");
    assert!(
        stdout.contains("NOT CERTIFIED against profile create-errors: partial, --filter server-create-errors@2.1"),
        "{stdout}"
    );
    let cert: Value =
        serde_json::from_str(&std::fs::read_to_string(Path::new(&o).join("certification.json")).unwrap()).unwrap();
    assert_eq!((cert["result"].as_str(), cert["certified"].as_bool()), (Some("partial"), Some(false)), "{cert}");
    assert_eq!(cert["mode"], "record");
    assert_eq!(cert["evidence"].as_array().map(Vec::len), Some(1), "only the selected run is recorded");
    // Colour on the terminal, none in the bundle: cassettes, reports, certification.
    let files = walk(Path::new(&o));
    assert!(files.iter().any(|f| f.extension().is_some_and(|e| e == "yaml")) && files.len() > 4, "{files:?}");
    for entry in files {
        let bytes = std::fs::read(&entry).unwrap();
        assert!(!bytes.contains(&0x1b), "colour in {}", entry.display());
    }
    // Offline, it reproduces as what it is.
    let (code, stdout, stderr) = td(&["certify", "--verify", &o], &[]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("VERIFIED") && stdout.contains("partial"), "{stdout}");
}

/// Every file under `dir`.
fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() { files.extend(walk(&path)) } else { files.push(path) }
    }
    files
}

#[test]
fn a_wait_timeout_scale_must_be_a_positive_factor() {
    for bad in ["0", "-2", "NaN", "5000"] {
        let (code, _, err) = td(&["run", &format!("--wait-timeout-scale={bad}")], &[]);
        assert_eq!(code, 2, "{bad}: {err}");
        assert!(err.contains("--wait-timeout-scale must be a number above 0"), "{bad}: {err}");
    }
    let (code, _, err) = td(&["run", "--wait-timeout-scale", "fast"], &[]);
    assert_eq!(code, 2, "{err}");
}
