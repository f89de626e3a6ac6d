//! Reports: views of the one outcome model. One module per format.

pub mod human;
pub mod json;
pub mod junit;
pub mod markdown;

use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportKind {
    Json,
    Junit,
    Markdown,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportTarget {
    pub kind: ReportKind,
    pub path: PathBuf,
}

/// `json=PATH`, `junit=PATH`, `markdown=PATH`.
pub fn parse_target(text: &str) -> Result<ReportTarget, String> {
    let (kind, path) = text.split_once('=').ok_or_else(|| format!("`{text}`: expected FORMAT=PATH, e.g. json=report.json"))?;
    if path.is_empty() {
        return Err(format!("`{text}`: the report path is empty"));
    }
    let kind = match kind {
        "json" => ReportKind::Json,
        "junit" => ReportKind::Junit,
        "markdown" | "md" => ReportKind::Markdown,
        other => return Err(format!("`{other}` is not a report format (available: json, junit, markdown)")),
    };
    Ok(ReportTarget { kind, path: PathBuf::from(path) })
}

/// Writes next to the target and renames, like cassettes: a reader never sees half a report.
pub fn write_atomic(path: &std::path::Path, bytes: &[u8]) -> Result<(), String> {
    use std::io::Write;
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| format!("cannot write in {}: {e}", dir.display()))?;
    tmp.write_all(bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    tmp.persist(path).map_err(|e| format!("cannot write {}: {}", path.display(), e.error))?;
    Ok(())
}
