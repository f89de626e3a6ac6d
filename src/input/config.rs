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
    /// A second clouds.yaml cloud, with the admin role: the `admin` identity some steps need.
    pub admin_cloud: Option<String>,
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

/// Where the variables `discover` chose came from, to be written beside them.
#[derive(Debug, Clone)]
pub enum ProviderKey {
    OsCloud(String),
    Provider(PathBuf),
    /// Nothing to write: the configuration names it already, or the next run names it again
    /// (`--endpoint`, the `OS_*` variables).
    Leave,
}

/// Writes `vars` (each `[vars]` key replaced or added) and the provider into the configuration
/// file `path`, created if absent; everything else in it, comments included, stays.
pub fn save_discovered(path: &Path, provider: &ProviderKey, vars: &BTreeMap<String, String>) -> Result<(), InputError> {
    let source = if path.exists() { super::yaml::read_text(path)? } else { String::new() };
    let mut doc: toml_edit::DocumentMut = source.parse().map_err(|e: toml_edit::TomlError| {
        let pos = e.span().map(|s| position(&source, s.start));
        InputError::at(path, &source, pos, e.message().trim().to_string())
    })?;
    let (set, other, value) = match provider {
        ProviderKey::OsCloud(name) => ("os_cloud", "provider", name.clone()),
        ProviderKey::Provider(file) => ("provider", "os_cloud", file.to_string_lossy().into_owned()),
        ProviderKey::Leave => ("", "", String::new()),
    };
    if !set.is_empty() {
        // The key replaced keeps the comment above it.
        let table = doc.as_table_mut();
        let comment = table.key(other).and_then(|k| k.leaf_decor().prefix().cloned());
        table.remove(other);
        table.insert(set, toml_edit::value(value));
        if let (Some(comment), Some(mut key)) = (comment, table.key_mut(set)) {
            key.leaf_decor_mut().set_prefix(comment);
        }
    }
    if !doc.contains_table("vars") {
        doc["vars"] = toml_edit::table();
    }
    for (k, v) in vars {
        doc["vars"][k.as_str()] = toml_edit::value(v.as_str());
    }
    crate::util::atomic::write_atomic(path, doc.to_string().as_bytes())
        .map_err(|e| InputError::in_file(path, e.to_string()))
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
    fn discovered_values_replace_their_keys_and_keep_everything_else() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(FILE);
        std::fs::write(
            &file,
            "# my project\nprovider = \"p.yaml\"\njobs = 2 # two cores\n\n[vars]\nnetwork = \"old\"\nmine = \"kept\"\n",
        )
        .unwrap();
        let vars =
            BTreeMap::from([("network".to_string(), "new".to_string()), ("image_ref".to_string(), "i".to_string())]);
        save_discovered(&file, &ProviderKey::OsCloud("mycloud".into()), &vars).unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(text.contains("# my project") && text.contains("jobs = 2 # two cores"), "{text}");
        let c = load(Some(&file)).unwrap();
        assert_eq!((c.os_cloud.as_deref(), c.provider), (Some("mycloud"), None));
        assert_eq!(
            (c.vars["network"].as_str(), c.vars["mine"].as_str(), c.vars["image_ref"].as_str()),
            ("new", "kept", "i")
        );
        // A file that is not TOML is an error at its place, and is left as it was.
        std::fs::write(&file, "jobs = = 2\n").unwrap();
        let e = save_discovered(&file, &ProviderKey::Leave, &vars).unwrap_err().to_string();
        assert!(e.contains("tapedeck.toml:1:"), "{e}");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "jobs = = 2\n");
        // Absent: created.
        let new = dir.path().join("new.toml");
        save_discovered(&new, &ProviderKey::Leave, &vars).unwrap();
        assert_eq!(load(Some(&new)).unwrap().vars.len(), 2);
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
