//! `tapedeck.toml`, the configuration file: found in the current directory or the nearest
//! directory above it (or named with `--config`). It says what a bare `tapedeck run` means in
//! a project — which suites, which cassettes, which cloud, the variables `tapedeck discover`
//! chose — so that replay reads from where record writes. Flags win over it; paths in it are
//! relative to its own directory. Unknown keys are errors, at line:column.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::error::{InputError, Pos};

pub const FILE: &str = "tapedeck.toml";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Suite files or directories.
    #[serde(default)]
    pub suites: Vec<PathBuf>,
    /// The cassette directory (replay reads it, record writes it).
    pub cassettes: Option<PathBuf>,
    /// A provider file, or a clouds.yaml cloud.
    pub provider: Option<PathBuf>,
    pub os_cloud: Option<String>,
    /// Names the cassette directory (`cassettes/<label>`) with a cloud.
    pub label: Option<String>,
    /// Every suite at this microversion instead of those it lists.
    pub microversion: Option<String>,
    pub jobs: Option<usize>,
    /// `FORMAT=PATH`, as `--report`.
    #[serde(default)]
    pub reports: Vec<String>,
    /// The certification profile: a file, or a shipped profile's name.
    pub profile: Option<String>,
    /// More values to redact.
    #[serde(default)]
    pub secrets: Vec<String>,
    /// Variables of the cloud (`image_ref`, `flavor_ref`…), as `tapedeck discover` chose them.
    #[serde(default)]
    pub vars: BTreeMap<String, String>,
    /// Capabilities the cloud does not offer, with the reason (as `discover` found them).
    #[serde(default)]
    pub unsupported: BTreeMap<String, String>,
    /// The file's directory: its relative paths start there.
    #[serde(skip)]
    pub dir: PathBuf,
    /// The file itself, when there is one.
    #[serde(skip)]
    pub file: Option<PathBuf>,
}

impl Config {
    /// `path` as the file means it: relative to its directory.
    pub fn path(&self, path: &Path) -> PathBuf {
        if path.is_absolute() { path.to_path_buf() } else { self.dir.join(path) }
    }
}

/// The nearest `tapedeck.toml` from `start` upwards.
pub fn find(start: &Path) -> Option<PathBuf> {
    start.ancestors().map(|d| d.join(FILE)).find(|f| f.is_file())
}

/// `--config FILE`, else the nearest `tapedeck.toml`, else an empty configuration.
pub fn load(explicit: Option<&Path>) -> Result<Config, InputError> {
    let file = match explicit {
        Some(f) => Some(f.to_path_buf()),
        None => std::env::current_dir().ok().and_then(|d| find(&d)),
    };
    let Some(file) = file else { return Ok(Config::default()) };
    let source = super::yaml::read_text(&file)?;
    let mut config: Config = toml::from_str(&source).map_err(|e| {
        let pos = e.span().map(|s| position(&source, s.start));
        InputError::at(&file, &source, pos, e.message().trim().to_string())
    })?;
    config.dir = file.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_path_buf();
    config.file = Some(file);
    Ok(config)
}

fn position(source: &str, offset: usize) -> Pos {
    let before = &source[..offset.min(source.len())];
    let line = before.matches('\n').count() as u64 + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u64 + 1;
    Pos { line, column }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_errors_at_their_place() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(FILE);
        std::fs::write(&file, "jobs = 2\n\n[vars]\nimage_ref = \"x\"\n").unwrap();
        let c = load(Some(&file)).unwrap();
        assert_eq!((c.jobs, c.vars["image_ref"].as_str()), (Some(2), "x"));
        std::fs::write(&file, "jobs = 2\nsuits = [\"s\"]\n").unwrap();
        let e = load(Some(&file)).unwrap_err().to_string();
        assert!(e.contains("tapedeck.toml:2:1") && e.contains("suits"), "{e}");
    }

    #[test]
    fn found_in_the_directory_or_above() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE), "").unwrap();
        let deep = dir.path().join("a/b");
        std::fs::create_dir_all(&deep).unwrap();
        assert_eq!(find(&deep), Some(dir.path().join(FILE)));
    }
}
