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
    let source = yaml::read_text(path)?;
    load_str(path, &source)
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
