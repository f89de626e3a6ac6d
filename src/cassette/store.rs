//! Reading and writing cassette files. Writes are atomic (`crate::atomic`): an interrupted
//! write never leaves a half cassette and never damages the existing one.

use std::path::{Path, PathBuf};

use super::format::{Cassette, FORMAT_VERSION};
use crate::exchange::Exchange;
use crate::input_error::InputError;
use crate::json_util::sorted;
use crate::microversion::Microversion;
use crate::yaml;

pub fn cassette_path(dir: &Path, suite: &str, microversion: Microversion) -> PathBuf {
    dir.join(format!("{suite}@{microversion}.yaml"))
}

pub fn load(path: &Path) -> Result<Cassette, InputError> {
    load_cached(path, super::cache::dir().as_deref())
}

/// [`load`] through the parsed-cassette cache in `cache_dir` (see `cassette::cache`).
pub fn load_cached(path: &Path, cache_dir: Option<&Path>) -> Result<Cassette, InputError> {
    let source = yaml::read_text(path)?;
    let entry = cache_dir.and_then(|dir| super::cache::entry(dir, source.as_bytes()));
    if let Some(cassette) = entry.as_deref().and_then(super::cache::read) {
        return Ok(cassette);
    }
    let cassette = load_str(path, &source)?;
    if let Some(entry) = &entry {
        super::cache::write(entry, &cassette);
    }
    Ok(cassette)
}

/// Parses the text of the cassette file `path` (which names it in errors).
pub fn load_str(path: &Path, source: &str) -> Result<Cassette, InputError> {
    let unsupported = |v: u32| {
        InputError::in_file(
            path,
            format!(
                "cassette format {v} is not supported by this tapedeck (it reads format {FORMAT_VERSION}); re-record it"
            ),
        )
    };
    match yaml::parse_str::<Cassette>(path, source) {
        Ok(c) if c.format != FORMAT_VERSION => Err(unsupported(c.format)),
        Ok(c) => Ok(c),
        Err(mut e) => {
            // Only a broken cassette pays for a second look: a future format gets a clear
            // message rather than an unknown-field error somewhere in its body.
            #[derive(serde::Deserialize)]
            struct Head {
                format: Option<u32>,
            }
            if let Ok(Head { format: Some(v) }) = yaml::from_str::<Head>(source)
                && v != FORMAT_VERSION
            {
                return Err(unsupported(v));
            }
            e.message = format!("broken cassette: {}; re-record it with `tapedeck run --mode record`", e.message);
            Err(e)
        }
    }
}

/// Serialises with sorted JSON keys so re-recordings diff cleanly.
pub fn to_yaml(cassette: &Cassette) -> Result<String, String> {
    let mut c = cassette.clone();
    c.exchanges = c.exchanges.iter().map(stable_exchange).collect();
    let body = serde_saphyr::to_string(&c).map_err(|e| format!("cannot serialise the cassette: {e}"))?;
    Ok(format!(
        "# tapedeck cassette: recorded exchanges of suite `{}` at microversion {}.\n# Re-record with `tapedeck run --mode record`; do not edit by hand.\n{body}",
        c.suite, c.microversion
    ))
}

fn stable_exchange(e: &Exchange) -> Exchange {
    let mut e = e.clone();
    e.request.body = e.request.body.as_ref().map(sorted);
    e.response.body = e.response.body.as_ref().map(sorted);
    e
}

pub fn write_atomic(path: &Path, cassette: &Cassette) -> Result<(), String> {
    crate::atomic::write_atomic(path, to_yaml(cassette)?.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIPPED: &str = "cassettes/nova-34.0.0/server-lifecycle@2.1.yaml";

    #[test]
    fn the_cache_returns_what_parsing_returns_and_never_hides_a_change() {
        let cache = tempfile::tempdir().unwrap();
        let work = tempfile::tempdir().unwrap();
        let path = work.path().join("c.yaml");
        std::fs::copy(SHIPPED, &path).unwrap();
        let parsed = load_cached(&path, None).unwrap();
        let first = load_cached(&path, Some(cache.path())).unwrap();
        let entries = || std::fs::read_dir(cache.path()).unwrap().count();
        assert_eq!(entries(), 1);
        let cached = load_cached(&path, Some(cache.path())).unwrap();
        assert_eq!((&first, &cached), (&parsed, &parsed));

        // An edited cassette is parsed again (a new entry), and a broken one is still an error.
        let text = std::fs::read_to_string(&path).unwrap().replace("provider: nova-34.0.0", "provider: other");
        std::fs::write(&path, &text).unwrap();
        assert_eq!(load_cached(&path, Some(cache.path())).unwrap().provider, "other");
        assert_eq!(entries(), 2);
        std::fs::write(&path, text.replace("exchanges:", "exchanges: [")).unwrap();
        assert!(load_cached(&path, Some(cache.path())).is_err());

        // A damaged entry is parsed again and replaced.
        std::fs::copy(SHIPPED, &path).unwrap();
        let entry = super::super::cache::entry(cache.path(), &std::fs::read(&path).unwrap()).unwrap();
        std::fs::write(&entry, b"{\"format\": 1, \"trunc").unwrap();
        assert_eq!(load_cached(&path, Some(cache.path())).unwrap(), parsed);
        assert_eq!(super::super::cache::read(&entry).as_ref(), Some(&parsed));
    }
}
