//! `tapedeck accept` over a pending area holding real recordings: review (the diff against
//! the accepted cassette), partial accept, reject; the accepted files change only then.

mod common;

use std::path::Path;

use common::{repo, tapedeck};

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let shipped = repo().join("cassettes/nova-34.0.0");
    let pending = dir.path().join(".pending");
    std::fs::create_dir_all(&pending).unwrap();
    // Accepted: the shipped cassettes. Pending: the same lifecycle recording (equivalent) and
    // the resize recorded on a one-compute Nova (different).
    for name in ["server-lifecycle@2.1.yaml", "server-resize@2.1.yaml"] {
        std::fs::copy(shipped.join(name), dir.path().join(name)).unwrap();
    }
    std::fs::copy(shipped.join("server-lifecycle@2.1.yaml"), pending.join("server-lifecycle@2.1.yaml")).unwrap();
    std::fs::copy(repo().join("tests/data/one-compute/server-resize@2.1.yaml"), pending.join("server-resize@2.1.yaml"))
        .unwrap();
    dir
}

fn accept(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let target = dir.display().to_string();
    let mut all = vec!["accept", "--colour", "never", "--cassettes", &target];
    all.extend_from_slice(args);
    tapedeck(&all, repo())
}

fn read(path: impl AsRef<Path>) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

#[test]
fn review_accept_and_reject() {
    let dir = setup();
    let resize = dir.path().join("server-resize@2.1.yaml");
    let original = read(&resize);

    let (code, out, _) = accept(dir.path(), &["--dry-run"]);
    assert_eq!(code, 1, "a pending recording differs: {out}");
    assert!(out.contains("DIFF  server-resize@2.1.yaml"), "{out}");
    assert!(out.contains("trace         [RESIZE, VERIFY_RESIZE] → [RESIZE, ACTIVE]"), "{out}");
    assert!(!out.contains("DIFF  server-lifecycle"), "{out}");
    assert_eq!(read(&resize), original);

    let (code, out, _) = accept(dir.path(), &["server-lifecycle@2.1"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("accepted 1 pending recording in"), "{out}");
    assert!(!dir.path().join(".pending/server-lifecycle@2.1.yaml").exists());

    let (code, out, _) = accept(dir.path(), &["--reject"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("discarded 1 pending recording"), "{out}");
    assert_eq!(read(&resize), original, "rejecting keeps the evidence");
    assert!(!dir.path().join(".pending").exists(), "the emptied pending area is removed");

    let (code, out, _) = accept(dir.path(), &[]);
    assert_eq!((code, out.trim()), (0, format!("nothing pending in {}", dir.path().display()).as_str()));
}

#[test]
fn accepting_replaces_and_unknown_names_are_input_errors() {
    let dir = setup();
    let (code, _, err) = accept(dir.path(), &["no-such-suite@2.1"]);
    assert_eq!(code, 2);
    assert!(err.contains("no pending recording `no-such-suite@2.1`"), "{err}");
    let one_compute = read(repo().join("tests/data/one-compute/server-resize@2.1.yaml"));
    let (code, out, _) = accept(dir.path(), &["server-resize@2.1.yaml"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(read(dir.path().join("server-resize@2.1.yaml")), one_compute);
}
