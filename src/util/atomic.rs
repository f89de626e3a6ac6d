//! Writing a file so that a reader never sees half of it: a temporary file in the same
//! directory, flushed to disk, then renamed over the target. An interrupted write leaves the
//! old file byte-identical. Used for cassettes and reports.

use std::io::Write;
use std::path::Path;

pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".tapedeck-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| format!("cannot create a temporary file in {}: {e}", dir.display()))?;
    tmp.write_all(bytes).map_err(|e| format!("cannot write {}: {e}", tmp.path().display()))?;
    // Cassettes and reports are evidence meant for review and commit, not private files.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = tmp.as_file().set_permissions(std::fs::Permissions::from_mode(0o644));
    }
    tmp.as_file().sync_all().map_err(|e| format!("cannot flush {}: {e}", tmp.path().display()))?;
    tmp.persist(path).map_err(|e| format!("cannot move the new file into place at {}: {}", path.display(), e.error))?;
    Ok(())
}
