//! The pending area: re-recording a run whose cassette exists writes the new recording to
//! `DIR/.pending/NAME` and leaves the accepted cassette untouched. `tapedeck accept` shows
//! the behavioural diff of each pending recording and, deliberately, moves it into place (or
//! discards it with `--reject`) — like `cargo insta review`. Evidence is never overwritten
//! silently.

use std::path::{Path, PathBuf};

use crate::input::InputError;
use crate::util::atomic::WriteError;

pub const PENDING_DIR: &str = ".pending";

/// Where a new recording of `cassette` waits for review.
pub fn pending_path(cassette: &Path) -> PathBuf {
    let dir = cassette.parent().unwrap_or(Path::new("."));
    let name = cassette.file_name().unwrap_or_default();
    dir.join(PENDING_DIR).join(name)
}

/// Names of the pending recordings of a cassette directory.
pub fn list(dir: &Path) -> Result<Vec<String>, InputError> {
    let pending = dir.join(PENDING_DIR);
    if !pending.is_dir() {
        return Ok(Vec::new());
    }
    super::store::list(&pending)
}

/// Moves a pending recording over the accepted one (a rename within one directory tree:
/// atomic, the old file is replaced whole or not at all).
pub fn accept(dir: &Path, name: &str) -> Result<(), WriteError> {
    let from = dir.join(PENDING_DIR).join(name);
    std::fs::rename(&from, dir.join(name)).map_err(WriteError::new("accept", &from))?;
    remove_if_empty(dir);
    Ok(())
}

pub fn reject(dir: &Path, name: &str) -> Result<(), WriteError> {
    let path = dir.join(PENDING_DIR).join(name);
    std::fs::remove_file(&path).map_err(WriteError::new("discard", &path))?;
    remove_if_empty(dir);
    Ok(())
}

fn remove_if_empty(dir: &Path) {
    // `remove_dir` refuses a non-empty directory, which is exactly the condition wanted.
    let _ = std::fs::remove_dir(dir.join(PENDING_DIR));
}
