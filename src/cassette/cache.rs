//! Parsed cassettes kept as JSON, so a cassette's YAML is parsed once, not on every run.
//!
//! YAML parsing is most of a replay's time (~12 MB/s on this project's machine; the shipped
//! cassettes take ~120 ms of CPU), while the same cassette read back from JSON takes a tenth of
//! that. An entry is named by the SHA-256 of the cassette's exact bytes and this tapedeck's
//! version and cassette format, so an edited or re-recorded cassette, or another tapedeck,
//! never meets an old entry. Only cassettes that loaded cleanly are stored (they are already
//! redacted: the cache holds nothing the cassette does not). A missing, unreadable or damaged
//! entry only means parsing the YAML again; the cache never turns a good cassette into an error.
//!
//! Where: `$TAPEDECK_CACHE_DIR`, else `$XDG_CACHE_HOME/tapedeck`, else `~/.cache/tapedeck`,
//! under `parsed-cassettes/`. `TAPEDECK_NO_CACHE=1` turns it off.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::format::{Cassette, FORMAT_VERSION};

/// Entries kept before the oldest are removed (each is about the size of its cassette).
const MAX_ENTRIES: usize = 2000;

/// Larger cassettes are not cached: writing the entry would hold a second copy in memory.
pub const MAX_CASSETTE_BYTES: usize = 16 << 20;

pub fn dir() -> Option<PathBuf> {
    if std::env::var_os("TAPEDECK_NO_CACHE").is_some_and(|v| !v.is_empty() && v != "0") {
        return None;
    }
    Some(crate::util::cache::base()?.join("parsed-cassettes"))
}

/// The entry for a cassette's bytes; `None` for one too large to cache.
pub fn entry(dir: &Path, source: &[u8]) -> Option<PathBuf> {
    if source.len() > MAX_CASSETTE_BYTES {
        return None;
    }
    let mut hash = Sha256::new();
    hash.update(format!("tapedeck {} cassette format {FORMAT_VERSION}\0", env!("CARGO_PKG_VERSION")));
    hash.update(source);
    let hex: String = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Some(dir.join(format!("{hex}.json")))
}

/// Entries past this are not read (a JSON entry is about the size of its cassette).
const MAX_ENTRY_BYTES: u64 = 4 * MAX_CASSETTE_BYTES as u64;

/// The cassette an entry holds; `None` for anything but a readable regular file of a sane size
/// (a FIFO or a link to a device put there is ignored, never read).
pub fn read(entry: &Path) -> Option<Cassette> {
    let bytes = crate::input::file::read_bytes(entry, MAX_ENTRY_BYTES).ok()?;
    serde_json::from_slice::<Cassette>(&bytes).ok().filter(|c| c.format == FORMAT_VERSION)
}

/// Best effort: a cache that cannot be written is no cache.
pub fn write(entry: &Path, cassette: &Cassette) {
    let Some(dir) = entry.parent() else { return };
    let Ok(bytes) = serde_json::to_vec(cassette) else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    // Renamed into place whole, so a reader never sees half an entry; not flushed to disk: an
    // entry lost or torn by a crash is only parsed again.
    let Ok(mut tmp) = tempfile::Builder::new().prefix(".tmp-").tempfile_in(dir) else { return };
    if tmp.write_all(&bytes).is_ok() && tmp.persist(entry).is_ok() {
        prune(dir);
    }
}

fn prune(dir: &Path) {
    let Ok(read) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<(std::time::SystemTime, PathBuf)> = read
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    if entries.len() <= MAX_ENTRIES {
        return;
    }
    entries.sort();
    for (_, path) in &entries[..entries.len() - MAX_ENTRIES / 2] {
        let _ = std::fs::remove_file(path);
    }
}
