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
    for (sub, files) in
        [("suites", embedded::SUITES), ("profiles", embedded::PROFILES), (CASSETTES, embedded::CASSETTES)]
    {
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

/// Where the suites run when none are named: the directory's own `suites/`, else the shipped
/// set; and whether it is the shipped one.
pub fn default_suites() -> Result<(PathBuf, bool), WriteError> {
    let own = PathBuf::from(crate::plan::DEFAULT_SUITES);
    if own.is_dir() {
        return Ok((own, false));
    }
    Ok((root()?.join("suites"), true))
}

/// Where replay reads when no cassette directory is named: the directory's own
/// `cassettes/nova-34.0.0/`, else the shipped reference cassettes.
pub fn default_cassettes() -> Result<PathBuf, WriteError> {
    let own = PathBuf::from(crate::plan::DEFAULT_CASSETTES);
    if own.is_dir() {
        return Ok(own);
    }
    Ok(root()?.join(CASSETTES))
}

/// A shipped profile by name (`nova-34-compute-servers`), when `name` is one.
pub fn profile(name: &str) -> Result<Option<PathBuf>, WriteError> {
    let file = format!("{}.yaml", name.trim_end_matches(".yaml"));
    if !embedded::PROFILES.iter().any(|(rel, _)| *rel == file) {
        return Ok(None);
    }
    Ok(Some(root()?.join("profiles").join(file)))
}

/// Writes the shipped suites into `dir` (to edit them), keeping any file already there: the
/// files written, and those kept.
pub fn export_suites(dir: &Path) -> Result<(Vec<PathBuf>, Vec<PathBuf>), WriteError> {
    std::fs::create_dir_all(dir).map_err(WriteError::new("create", dir))?;
    let (mut written, mut kept) = (Vec::new(), Vec::new());
    for (rel, text) in embedded::SUITES {
        let path = dir.join(rel);
        if path.exists() {
            kept.push(path);
        } else {
            crate::util::atomic::write_atomic(&path, text.as_bytes())?;
            written.push(path);
        }
    }
    Ok((written, kept))
}

/// The shipped profile `certify` uses when none is named: the one for the default release
/// (the reference cassettes' Nova 34.0.0), when several are shipped.
pub const DEFAULT_PROFILE: &str = "nova-34-compute-servers";

/// The names of the shipped profiles (`nova-34-compute-servers`, `nova-33-compute-servers`).
pub fn profile_names() -> impl Iterator<Item = &'static str> {
    embedded::PROFILES.iter().map(|(rel, _)| rel.trim_end_matches(".yaml"))
}
