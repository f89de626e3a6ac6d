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
