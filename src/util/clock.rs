//! The wall clock and durations as tapedeck stores them (whole milliseconds, RFC 3339 seconds).

use std::time::Duration;

/// Now, to the second, as RFC 3339 (`2026-12-02T02:49:00Z`): when a cassette was recorded, a
/// run started, a bundle was made.
pub fn now_rfc3339() -> String {
    jiff::Timestamp::now().round(jiff::Unit::Second).map(|t| t.to_string()).unwrap_or_default()
}

/// Whole milliseconds, saturating.
pub fn millis(d: Duration) -> u64 {
    d.as_millis().min(u64::MAX as u128) as u64
}
