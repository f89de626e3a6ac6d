//! Writing a file so that a reader never sees half of it: a temporary file in the same
//! directory, flushed to disk, then renamed over the target. An interrupted write leaves the
//! old file byte-identical. Used for cassettes, reports and bundles.

use std::io::Write;
use std::path::{Path, PathBuf};

/// A file that could not be written (or moved into place), and why.
#[derive(Debug, thiserror::Error)]
#[error("cannot {action} {}: {source}", path.display())]
pub struct WriteError {
    /// What was being done, as in "cannot {action} {path}".
    pub action: &'static str,
    pub path: PathBuf,
    pub source: std::io::Error,
}

impl WriteError {
    pub fn new(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> WriteError {
        let path = path.to_path_buf();
        move |source| WriteError { action, path, source }
    }
}

pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(WriteError::new("create", dir))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".tapedeck-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(WriteError::new("create a temporary file in", dir))?;
    tmp.write_all(bytes).map_err(WriteError::new("write", tmp.path()))?;
    // Cassettes and reports are evidence meant for review and commit, not private files.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = tmp.as_file().set_permissions(std::fs::Permissions::from_mode(0o644));
    }
    tmp.as_file().sync_all().map_err(WriteError::new("flush", tmp.path()))?;
    tmp.persist(path).map_err(|e| WriteError::new("move the new file into place at", path)(e.error))?;
    Ok(())
}

/// Whether a file could be written at `path` (by [`write_atomic`]), asked before the work that
/// would write it begins: `path` is not a directory, and its directory is (or can be made in)
/// a writable directory. Nothing is left behind (the probe file has no name).
pub fn check_writable(path: &Path) -> Result<(), WriteError> {
    if path.is_dir() {
        let source = std::io::Error::new(std::io::ErrorKind::IsADirectory, "it is a directory");
        return Err(WriteError { action: "write a file at", path: path.to_path_buf(), source });
    }
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    check_writable_dir(dir)
}

/// Whether files could be written into `dir`: it is a writable directory, or the nearest part
/// of it that exists is one (so [`write_atomic`] can create the rest).
pub fn check_writable_dir(dir: &Path) -> Result<(), WriteError> {
    let mut existing = dir;
    loop {
        match std::fs::metadata(existing) {
            Ok(meta) if meta.is_dir() => break,
            Ok(_) => {
                let source = std::io::Error::new(std::io::ErrorKind::NotADirectory, "it is not a directory");
                return Err(WriteError { action: "write into", path: existing.to_path_buf(), source });
            }
            // A part that is missing, or a file where a directory should be: look further up.
            Err(e) if matches!(e.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory) => {
                match existing.parent() {
                    Some(parent) if !parent.as_os_str().is_empty() => existing = parent,
                    _ => {
                        existing = Path::new(".");
                        break;
                    }
                }
            }
            Err(e) => return Err(WriteError::new("write into", existing)(e)),
        }
    }
    tempfile::tempfile_in(existing).map(drop).map_err(WriteError::new("write into", existing))
}
