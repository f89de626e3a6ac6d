//! The shipped conformance set — the suites, the certification profiles and the reference
//! cassettes of nova 34.0.0 — carried in the binary, so that `tapedeck` run in any directory
//! has them. Written out once per build into the cache directory and read from there like any
//! files; a directory's own `suites/` and `cassettes/nova-34.0.0/` win over them.

mod embedded;

use std::path::{Path, PathBuf};

use crate::util::atomic::WriteError;

/// The directory the shipped set's cassettes live in, relative to its root (as in the repo).
pub const CASSETTES: &str = "cassettes/nova-34.0.0";

/// The root of the written-out set (`suites/`, `profiles/`, `cassettes/nova-34.0.0/`), written
/// now if this build's set is not there yet.
pub fn root() -> Result<PathBuf, WriteError> {
    let base = crate::util::cache::base().unwrap_or_else(std::env::temp_dir);
    let root = base.join("shipped").join(format!("{}-{}", env!("CARGO_PKG_VERSION"), embedded::HASH));
    if root.join(".complete").is_file() {
        return Ok(root);
    }
    // Written beside, then renamed into place: another process never sees half a set.
    let partial = base.join("shipped").join(format!(".partial-{}-{}", embedded::HASH, std::process::id()));
    write_all(&partial)?;
    std::fs::write(partial.join(".complete"), "").map_err(WriteError::new("write", &partial))?;
    match std::fs::rename(&partial, &root) {
        Ok(()) => Ok(root),
        // Another process got there first: its set is the same.
        Err(_) if root.join(".complete").is_file() => {
            let _ = std::fs::remove_dir_all(&partial);
            Ok(root)
        }
        Err(e) => Err(WriteError::new("move into place", &root)(e)),
    }
}

fn write_all(dir: &Path) -> Result<(), WriteError> {
    for (sub, files) in [("suites", embedded::SUITES), ("profiles", embedded::PROFILES), (CASSETTES, embedded::CASSETTES)] {
        write_files(&dir.join(sub), files)?;
    }
    Ok(())
}

fn write_files(dir: &Path, files: &[(&str, &str)]) -> Result<(), WriteError> {
    std::fs::create_dir_all(dir).map_err(WriteError::new("create", dir))?;
    for (rel, text) in files {
        crate::util::atomic::write_atomic(&dir.join(rel), text.as_bytes())?;
    }
    Ok(())
}

/// Writes the shipped suites into `dir` (to edit them); the files written.
pub fn export_suites(dir: &Path) -> Result<Vec<PathBuf>, WriteError> {
    write_files(dir, embedded::SUITES)?;
    Ok(embedded::SUITES.iter().map(|(rel, _)| dir.join(rel)).collect())
}

/// The names of the shipped profiles (`nova-34-compute-servers`).
pub fn profile_names() -> impl Iterator<Item = &'static str> {
    embedded::PROFILES.iter().map(|(rel, _)| rel.trim_end_matches(".yaml"))
}
