//! A derived schema tree on disk: derive one (the schemas, then every api sample checked against
//! them, the drift written beside them), and compare two (CI re-derives and compares).

use std::collections::BTreeMap;
use std::path::Path;

use super::api_ref::ApiRef;
use super::error::DeriveError;
use super::{emit, selfcheck};
use crate::schema_store::SchemaStore;
use crate::schema_store::files::DRIFT_FILE;

/// Files that differ between two derived trees (relative paths, with what differs).
pub fn compare_dirs(committed: &Path, fresh: &Path) -> Vec<String> {
    let (a, b) = (list_files(committed), list_files(fresh));
    let mut out = Vec::new();
    for (name, text) in &b {
        match a.get(name) {
            None => out.push(format!("missing: {name}")),
            Some(old) if old != text => out.push(format!("changed: {name}")),
            Some(_) => {}
        }
    }
    out.extend(a.keys().filter(|k| !b.contains_key(*k)).map(|k| format!("stale: {k}")));
    out
}

fn list_files(dir: &Path) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                let rel = path.strip_prefix(dir).unwrap_or(&path).to_string_lossy().into_owned();
                files.insert(rel, text);
            }
        }
    }
    files
}

/// What one derivation produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeriveSummary {
    pub operations: usize,
    pub schemas: usize,
    pub unplaced: usize,
    pub gaps: usize,
    pub samples: usize,
    pub drift: usize,
    /// Failing samples without a reviewed note.
    pub unexplained: usize,
}

/// Derive `out` from `api_ref`, then validate every included api sample against it and write
/// the drift report beside the schemas.
pub fn derive_to(api_ref: &Path, out: &Path) -> Result<DeriveSummary, DeriveError> {
    let derivation = super::derive(api_ref)?;
    emit::write(&derivation, out)?;
    // What was just written must read back: a failure here is the deriver's own bug.
    let store = SchemaStore::load_dir(out).map_err(|e| DeriveError::new(out, 0, e.to_string()))?;
    let samples = ApiRef::locate(api_ref)?.samples;
    let results = selfcheck::check_samples(&store, &derivation.operations, &samples);
    let path = out.join(DRIFT_FILE);
    let notes = selfcheck::drift_notes().map_err(|e| DeriveError::new("drift_notes.yaml", 0, e))?;
    let drift = selfcheck::drift_json(&results, &notes);
    std::fs::write(&path, emit::to_pretty_sorted(&drift)).map_err(|e| DeriveError::new(&path, 0, e.to_string()))?;
    let r = &derivation.report;
    Ok(DeriveSummary {
        operations: r.operations,
        schemas: r.schemas,
        unplaced: r.unplaced.len(),
        gaps: r.gaps.len(),
        samples: results.len(),
        drift: results.iter().filter(|r| !r.passed()).count(),
        unexplained: drift["unexplained"].as_u64().unwrap_or(0) as usize,
    })
}
