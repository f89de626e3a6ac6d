//! Interrupt and crash campaigns against the real Nova sandbox (TAPEDECK_PROVIDER, as for
//! tests/live.rs): live runs interrupted at random moments (Ctrl-C or SIGTERM) must leave no
//! server behind once their cleanups ran; an abort (a second Ctrl-C) names what may remain;
//! record runs killed with SIGKILL at random moments leave every existing cassette
//! byte-identical and no half-written cassette anywhere.
#![cfg(unix)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{repo, tapedeck};

const SUITE: &str = r#"suite: interrupt-campaign
microversions: ["2.1"]
steps:
  - name: create
    request:
      POST: /servers
      json: {server: {name: "td-${run_id}-intr", imageRef: "${image_ref}", flavorRef: "${flavor_ref}", networks: [{uuid: "${network}"}]}}
    expect: {status: 202}
    capture: {id: /server/id}
    cleanup: {DELETE: "/servers/${id}"}
  - name: active
    wait: {server: "${id}", until: ACTIVE, timeout: 60s}
  - name: reboot
    request: {POST: "/servers/${id}/action", json: {reboot: {type: SOFT}}}
    expect: {status: 202}
  - name: rebooted
    wait: {server: "${id}", until: ACTIVE, timeout: 60s}
"#;

fn provider() -> Option<PathBuf> {
    common::live_provider()
}

/// A small deterministic generator: the seed is printed, so a failing campaign can be rerun.
struct Rng(u64);

impl Rng {
    fn new() -> Rng {
        let seed = std::env::var("TAPEDECK_CAMPAIGN_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64
        });
        eprintln!("campaign seed: TAPEDECK_CAMPAIGN_SEED={seed}");
        Rng(seed | 1)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn spawn(args: &[String]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_tapedeck"))
        .args(args)
        .current_dir(repo())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn signal(child: &Child, sig: i32) {
    // SAFETY: sending a signal to a child process this test started and has not reaped.
    unsafe {
        libc::kill(child.id() as i32, sig);
    }
}

/// Waits for the child, killing it if it outlives `limit` (a hang is a failure).
fn wait_bounded(mut child: Child, limit: Duration) -> (i32, String, String) {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            let code = std::os::unix::process::ExitStatusExt::signal(&status).map(|s| -s).or(status.code());
            return (
                code.unwrap_or(-1000),
                String::from_utf8_lossy(&out.stdout).into_owned(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            );
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("tapedeck did not exit within {limit:?} after the interrupt");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Servers whose name matches `pattern` (all projects); with `settle`, after deletions in
/// progress had time to finish.
fn named(provider: &Path, pattern: &str, settle: bool) -> Vec<String> {
    let p = provider.display().to_string();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let matching = format!("--matching={pattern}");
        let (code, out, err) = tapedeck(&["cleanup", "--dry-run", &matching, "--provider", &p], repo());
        assert_eq!(code, 0, "{out}\n{err}");
        let left: Vec<String> = out.lines().filter(|l| l.starts_with("would delete")).map(String::from).collect();
        if !settle || left.is_empty() || Instant::now() > deadline {
            return left;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

fn live_args(provider: &Path, suite: &Path) -> Vec<String> {
    ["run", "--mode", "live", "--provider", &provider.display().to_string(), &suite.display().to_string()]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

#[test]
fn twenty_random_interrupts_leave_no_server_behind() {
    let Some(provider) = provider() else { return };
    let dir = tempfile::tempdir().unwrap();
    let suite = dir.path().join("interrupt-campaign.yaml");
    std::fs::write(&suite, SUITE).unwrap();
    let mut rng = Rng::new();
    for round in 0..20 {
        let child = spawn(&live_args(&provider, &suite));
        // Anywhere from connecting to the last wait (the run takes ~1–3 s); the first
        // milliseconds, before the runtime exists, are the operating system's.
        let delay = Duration::from_millis(30 + rng.below(2500));
        std::thread::sleep(delay);
        let sig = if round % 2 == 0 { libc::SIGINT } else { libc::SIGTERM };
        signal(&child, sig);
        let (code, out, err) = wait_bounded(child, Duration::from_secs(60));
        assert!(!err.contains("panicked"), "round {round}: {err}");
        // 130: interrupted, cleanups ran (never aborted without them); 0: it had finished first.
        let finished = out.contains("1 passed, 0 failed") && !err.contains("interrupted");
        assert!(
            code == 130 || (code == 0 && finished),
            "round {round} (signal {sig} after {delay:?}): exit {code}\n{out}\n{err}"
        );
        // An unfinished run is never reported as passed (one whose steps all ran before the
        // interrupt reached its cleanup has finished).
        let unfinished_pass = out.lines().any(|l| l.starts_with("PASS ") && !l.contains(" 4 steps  "));
        assert!(!unfinished_pass, "round {round}: an unfinished run passed:\n{out}");
        // Nothing is left the moment tapedeck exits, not even a server still being deleted.
        let left = named(&provider, "-intr$", false);
        assert!(left.is_empty(), "round {round}: servers left when tapedeck exited: {left:?}\n{out}\n{err}");
    }
}

#[test]
fn a_second_interrupt_aborts_at_once_and_names_what_may_remain() {
    let Some(provider) = provider() else { return };
    let dir = tempfile::tempdir().unwrap();
    let suite = dir.path().join("interrupt-campaign.yaml");
    // Its own name suffix: the other campaign runs at the same time.
    std::fs::write(&suite, SUITE.replace("-intr", "-abort")).unwrap();
    let child = spawn(&live_args(&provider, &suite));
    // Wait until the server exists (the create answered), then interrupt twice.
    let started = Instant::now();
    while named(&provider, "-abort$", false).is_empty() {
        assert!(started.elapsed() < Duration::from_secs(30), "the server never appeared");
        std::thread::sleep(Duration::from_millis(50));
    }
    signal(&child, libc::SIGINT);
    std::thread::sleep(Duration::from_millis(5));
    signal(&child, libc::SIGINT);
    let (code, _, err) = wait_bounded(child, Duration::from_secs(10));
    assert!(!err.contains("panicked"), "{err}");
    eprintln!("exit {code}:\n{err}");
    if code == 130 {
        assert!(err.contains("may remain") && err.contains("DELETE /servers/"), "{err}");
    } else {
        // The first interrupt's cleanup finished before the second arrived.
        assert_eq!(code, 130, "{err}");
    }
    // What the abort named is what `tapedeck cleanup` removes.
    let p = provider.display().to_string();
    let (code, out, err) = tapedeck(&["cleanup", "--matching=-abort$", "--provider", &p], repo());
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(named(&provider, "-abort$", true).is_empty());
}

/// Every file of a cassette directory, recursively, with its bytes.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(snapshot(&path));
        } else {
            out.push((path.clone(), std::fs::read(&path).unwrap()));
        }
    }
    out.sort();
    out
}

#[test]
fn kill_9_during_recording_never_damages_a_cassette() {
    let Some(provider) = provider() else { return };
    let dir = tempfile::tempdir().unwrap();
    let cassettes = dir.path().join("cassettes");
    std::fs::create_dir_all(&cassettes).unwrap();
    for name in ["server-reboot@2.1.yaml", "server-lifecycle@2.1.yaml"] {
        std::fs::copy(repo().join("cassettes/nova-34.0.0").join(name), cassettes.join(name)).unwrap();
    }
    let accepted = snapshot(&cassettes);
    let mut rng = Rng::new();
    let p = provider.display().to_string();
    let target = cassettes.display().to_string();
    for round in 0..12 {
        let args: Vec<String> = [
            "run",
            "--mode",
            "record",
            "--provider",
            &p,
            "--cassettes",
            &target,
            "--microversion",
            "2.1",
            "suites/server-reboot.yaml",
            "suites/server-lifecycle.yaml",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut child = spawn(&args);
        std::thread::sleep(Duration::from_millis(rng.below(4000)));
        let _ = child.kill(); // SIGKILL: no cleanup, no handler, no flush
        let _ = child.wait();
        // The accepted cassettes are untouched, whatever the moment…
        for (path, bytes) in &accepted {
            assert_eq!(&std::fs::read(path).unwrap(), bytes, "round {round}: {} changed", path.display());
        }
        // …and whatever reached the pending area is a whole cassette (temporary files aside).
        for (path, _) in snapshot(&cassettes) {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.ends_with(".yaml") && !name.starts_with('.') {
                tapedeck::cassette::load(&path)
                    .unwrap_or_else(|e| panic!("round {round}: a half cassette at {}: {e}", path.display()));
            }
        }
    }
    // The killed runs' servers are what `tapedeck cleanup` is for.
    let (code, out, err) = tapedeck(&["cleanup", "--matching=-(reboot|lifecycle)$", "--provider", &p], repo());
    assert_eq!(code, 0, "{out}\n{err}");
}
