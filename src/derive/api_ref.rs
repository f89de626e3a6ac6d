//! An api-ref tree on disk: where its sources and samples are, its `.inc` files in the order the
//! index includes them, and reading one of its files under the input limits.

use std::path::{Path, PathBuf};

use super::error::DeriveError;

/// Where the api-ref lives inside a nova tree (or the api-ref source dir itself).
#[derive(Debug, Clone)]
pub struct ApiRef {
    pub source: PathBuf,
    pub samples: PathBuf,
    /// The Nova release, from the sdist's `PKG-INFO` (`Version:`); `None` in a git checkout.
    pub release: Option<String>,
}

impl ApiRef {
    /// Accepts the nova source root or its `api-ref/source`.
    pub fn locate(dir: &Path) -> Result<ApiRef, DeriveError> {
        let source = if dir.join("parameters.yaml").is_file() { dir.to_path_buf() } else { dir.join("api-ref/source") };
        if !source.join("parameters.yaml").is_file() {
            return Err(DeriveError::new(
                dir,
                0,
                "no parameters.yaml here nor in api-ref/source (expected the nova source root or its api-ref/source)",
            ));
        }
        let samples = source.join("../../doc/api_samples");
        let release = std::fs::read_to_string(source.join("../../PKG-INFO"))
            .ok()
            .and_then(|text| text.lines().find_map(|line| line.strip_prefix("Version:").map(|v| v.trim().to_string())));
        Ok(ApiRef { source, samples, release })
    }
}

/// The `.inc` files in the order `index.rst` includes them (that order decides which of two
/// equal titles keeps the anchor), then any others alphabetically; each file once.
pub fn inc_files(source: &Path, index: &str) -> Result<Vec<PathBuf>, DeriveError> {
    let entries = std::fs::read_dir(source).map_err(|e| DeriveError::new(source, 0, e.to_string()))?;
    let mut all: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".inc"))
        .collect();
    all.sort();
    let mut ordered: Vec<String> = Vec::new();
    for line in index.lines() {
        if let Some(name) = line.trim().strip_prefix(".. include::").map(str::trim)
            && all.iter().any(|n| n == name)
            && !ordered.iter().any(|n| n == name)
        {
            ordered.push(name.to_string());
        }
    }
    for name in all {
        if !ordered.contains(&name) {
            ordered.push(name);
        }
    }
    Ok(ordered.into_iter().map(|n| source.join(n)).collect())
}

pub fn read(path: &Path) -> Result<String, DeriveError> {
    crate::input::yaml::read_text(path).map_err(|e| DeriveError::new(path, 0, e.message))
}
