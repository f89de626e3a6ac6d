//! Reading and writing cassette files. Writes are atomic (`crate::atomic`): an interrupted
//! write never leaves a half cassette and never damages the existing one.

use std::path::{Path, PathBuf};

use super::format::{Cassette, FORMAT_VERSION};
use crate::exchange::Exchange;
use crate::input::InputError;
use crate::input::yaml;
use crate::microversion::Microversion;
use crate::util::atomic::WriteError;
use crate::util::json::sorted;

pub fn cassette_path(dir: &Path, suite: &str, microversion: Microversion) -> PathBuf {
    dir.join(format!("{suite}@{microversion}.yaml"))
}

pub fn load(path: &Path) -> Result<Cassette, InputError> {
    load_cached(path, super::cache::dir().as_deref())
}

/// The largest cassette read (serde-saphyr's own default cap for readers). Cassettes above the
/// cache's size are parsed as they are read ([`load_streamed`]), so their text is never held.
pub const MAX_CASSETTE_BYTES: u64 = 256 << 20;

/// [`load`] through the parsed-cassette cache in `cache_dir` (see `cassette::cache`). The file is
/// opened once, as a regular file (`crate::input::file`), and read only up to its cap.
pub fn load_cached(path: &Path, cache_dir: Option<&Path>) -> Result<Cassette, InputError> {
    let (file, len) = crate::input::file::open_regular(path)?;
    if len > super::cache::MAX_CASSETTE_BYTES as u64 {
        return load_streamed(path, file, len);
    }
    let bytes = crate::input::file::read_capped(path, file, len, crate::input::limits::MAX_INPUT_BYTES)?;
    let source = crate::input::file::utf8_text(path, bytes).map_err(|mut e| {
        e.message = broken(&e.message);
        e
    })?;
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

/// A large cassette (a long recorded wait), parsed from the file as it is read, under limits
/// that grow with its size (`crate::input::limits::Limits::for_input`).
fn load_streamed(path: &Path, file: std::fs::File, len: u64) -> Result<Cassette, InputError> {
    use std::io::Read;
    if len > MAX_CASSETTE_BYTES {
        return Err(InputError::in_file(
            path,
            format!("cassette is {len} bytes, larger than the {MAX_CASSETTE_BYTES} byte limit"),
        ));
    }
    let limits = crate::input::limits::Limits::for_input(len);
    let checked = crate::input::file::Utf8Reader::new(file.take(MAX_CASSETTE_BYTES + 1));
    let fault = checked.fault();
    match serde_saphyr::from_reader_with_options::<_, Cassette>(std::io::BufReader::new(checked), limits.options()) {
        Ok(c) if c.format != FORMAT_VERSION => Err(unsupported(path, c.format)),
        Ok(c) => counted(path, c),
        Err(e) => {
            if let Some(f) = crate::input::file::fault_in(&fault) {
                let mut err = f.error(path);
                err.message = broken(&err.message);
                return Err(err);
            }
            // The lines up to the error, for its snippet (the file itself is not held).
            let line = e.location().map(|l| l.line() as usize).unwrap_or(0);
            let source = yaml::read_lines(path, line + 2).unwrap_or_default();
            let mut err = InputError::from_yaml_under(path, &source, &e, &limits);
            err.message = broken(&err.message);
            Err(err)
        }
    }
}

fn unsupported(path: &Path, v: u32) -> InputError {
    InputError::in_file(
        path,
        format!(
            "cassette format {v} is not supported by this tapedeck (it reads format {FORMAT_VERSION}); re-record it"
        ),
    )
}

/// Times beyond this (ten years, in milliseconds) are not a recording's: refused, so no sum of
/// them can overflow.
pub const MAX_TIME_MS: u64 = 10 * 365 * 24 * 3600 * 1000;

/// The cassette, if it holds as many exchanges as its end marker says, at times a recording
/// can have.
fn counted(path: &Path, c: Cassette) -> Result<Cassette, InputError> {
    if c.exchanges.len() != c.exchange_count {
        return Err(InputError::in_file(
            path,
            broken(&format!(
                "it holds {} exchanges where its end marker says {} (cut short, or edited by hand)",
                c.exchanges.len(),
                c.exchange_count
            )),
        ));
    }
    if let Some((i, e)) =
        c.exchanges.iter().enumerate().find(|(_, e)| e.offset_ms > MAX_TIME_MS || e.duration_ms > MAX_TIME_MS)
    {
        return Err(InputError::in_file(
            path,
            broken(&format!(
                "exchange {} (step `{}`) is timed at offset_ms {} and duration_ms {}, beyond the {MAX_TIME_MS} ms a recording can span",
                i + 1,
                e.step,
                e.offset_ms,
                e.duration_ms
            )),
        ));
    }
    Ok(c)
}

fn broken(message: &str) -> String {
    // serde's words for a file that stops before its end marker.
    let message = match message.strip_prefix("missing field `exchange_count`") {
        Some(_) => "it ends before its end marker `exchange_count` (cut short?)",
        None => message,
    };
    // A question (`did you mean …?`) ends its own sentence.
    let joint = if message.ends_with('?') { "" } else { ";" };
    format!("broken cassette: {message}{joint} re-record it with `tapedeck run --mode record`")
}

/// Parses the text of the cassette file `path` (which names it in errors).
pub fn load_str(path: &Path, source: &str) -> Result<Cassette, InputError> {
    let unsupported = |v: u32| unsupported(path, v);
    match yaml::parse_str::<Cassette>(path, source) {
        Ok(c) if c.format != FORMAT_VERSION => Err(unsupported(c.format)),
        Ok(c) => counted(path, c),
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
            e.message = broken(&e.message);
            Err(e)
        }
    }
}

/// Why a cassette could not be written.
#[derive(Debug, thiserror::Error)]
pub enum CassetteWriteError {
    #[error("cannot serialise the cassette: {0}")]
    Serialise(String),
    #[error("{0}")]
    Write(#[from] WriteError),
}

/// Serialises with sorted JSON keys so re-recordings diff cleanly.
pub fn to_yaml(cassette: &Cassette) -> Result<String, CassetteWriteError> {
    let mut c = cassette.clone();
    c.exchanges = c.exchanges.iter().map(stable_exchange).collect();
    c.exchange_count = c.exchanges.len();
    let body = serde_saphyr::to_string(&c).map_err(|e| CassetteWriteError::Serialise(e.to_string()))?;
    Ok(format!(
        "# tapedeck cassette: recorded exchanges of suite `{}` at microversion {}.\n# Re-record with `tapedeck run --mode record`; do not edit by hand.\n{body}",
        c.suite, c.microversion
    ))
}

fn stable_exchange(e: &Exchange) -> Exchange {
    let mut e = e.clone();
    let request = std::sync::Arc::make_mut(&mut e.request);
    request.body = request.body.as_ref().map(sorted);
    e.response.body = e.response.body.as_deref().map(|b| std::sync::Arc::new(sorted(b)));
    e
}

pub fn write_atomic(path: &Path, cassette: &Cassette) -> Result<(), CassetteWriteError> {
    Ok(crate::util::atomic::write_atomic(path, to_yaml(cassette)?.as_bytes())?)
}

/// The cassettes of a directory (`*.yaml`, hidden files and the pending area left out). A
/// `*.yaml` that is not a regular file (a FIFO, a link to a device) is listed, to be refused
/// when read rather than passed over silently.
pub fn list(dir: &Path) -> Result<Vec<String>, InputError> {
    let entries = std::fs::read_dir(dir).map_err(|e| InputError::in_file(dir, format!("cannot list: {e}")))?;
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| !e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml") && !n.starts_with('.'))
        .collect();
    names.sort();
    Ok(names)
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

    #[test]
    fn every_shipped_cassette_reads_and_writes_back_byte_identical() {
        let dir = std::path::Path::new("cassettes/nova-34.0.0");
        let mut n = 0;
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            let text = std::fs::read_to_string(&path).unwrap();
            let written = to_yaml(&load_str(&path, &text).unwrap()).unwrap();
            assert!(written == text, "{} changes when read and written back", path.display());
            n += 1;
        }
        assert!(n > 40, "{n} cassettes");
    }

    /// The shipped cassette with its last exchange repeated until the file is over `bytes`
    /// (its end marker's count raised to match).
    fn long(bytes: usize) -> String {
        let text = std::fs::read_to_string(SHIPPED).unwrap();
        let (body, _) = text.rsplit_once("exchange_count: ").unwrap();
        let last = &body[body.rfind("\n- step: ").unwrap() + 1..];
        let count = load_str(Path::new(SHIPPED), &text).unwrap().exchanges.len();
        let mut out = body.to_string();
        let mut added = 0;
        while out.len() <= bytes {
            out.push_str(last);
            added += 1;
        }
        out.push_str(&format!("exchange_count: {}\n", count + added));
        out
    }

    #[test]
    fn a_repeated_body_is_read_once_and_shared() {
        let work = tempfile::tempdir().unwrap();
        let path = work.path().join("c.yaml");
        std::fs::write(&path, long(std::fs::metadata(SHIPPED).unwrap().len() as usize + 1)).unwrap();
        let c = load_cached(&path, None).unwrap();
        let n = c.exchanges.len();
        let body = |i: usize| c.exchanges[i].response.body.clone();
        let (a, b) = (body(n - 2).unwrap(), body(n - 1).unwrap());
        assert!(std::sync::Arc::ptr_eq(&a, &b), "the repeated exchange's body is shared");
        // Equal bodies of different requests stay apart (a poll is matched to its own server).
        let distinct: std::collections::HashSet<_> =
            c.exchanges.iter().filter_map(|e| e.response.body.as_ref()).map(std::sync::Arc::as_ptr).collect();
        assert!(distinct.len() > n / 2, "{} bodies for {n} exchanges", distinct.len());
    }

    #[test]
    fn a_cassette_over_the_cache_size_is_read_as_a_stream_with_the_same_result_and_positioned_errors() {
        let work = tempfile::tempdir().unwrap();
        let path = work.path().join("c.yaml");
        let text = long(super::super::cache::MAX_CASSETTE_BYTES + 1);
        std::fs::write(&path, &text).unwrap();
        assert_eq!(load_cached(&path, None).unwrap(), load_str(&path, &text).unwrap());
        // A break near the end is reported at its line, with the line shown.
        let (body, end) = text.rsplit_once("exchange_count: ").unwrap();
        let broken = format!("{body}- step: x\n  offset: 1\nexchange_count: {end}");
        std::fs::write(&path, &broken).unwrap();
        let e = load_cached(&path, None).unwrap_err().to_string();
        let line = body.lines().count() + 2;
        assert!(e.contains(&format!("c.yaml:{line}:3: broken cassette: unknown key `offset`")), "{e}");
        assert!(e.contains("offset: 1"), "the snippet shows the line: {e}");
    }
}
