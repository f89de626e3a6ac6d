//! Where tapedeck keeps what it can make again: `$TAPEDECK_CACHE_DIR`, else
//! `$XDG_CACHE_HOME/tapedeck`, else `~/.cache/tapedeck`.

use std::path::PathBuf;

pub fn base() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    var("TAPEDECK_CACHE_DIR")
        .or_else(|| var("XDG_CACHE_HOME").map(|d| d.join("tapedeck")))
        .or_else(|| var("HOME").map(|h| h.join(".cache").join("tapedeck")))
}
