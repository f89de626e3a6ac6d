//! Formats nova's bodies need beyond the standard ones.

use std::sync::LazyLock;

use regex::Regex;

/// ISO 8601 date-time as nova writes and accepts it: the zone is optional
/// (`2013-09-23T13:37:00.880302` is valid), so RFC 3339 `date-time` is too strict.
pub fn is_iso8601(text: &str) -> bool {
    static RE: LazyLock<Option<Regex>> = LazyLock::new(|| {
        Regex::new(r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?$")
            .ok()
    });
    let Some(caps) = RE.as_ref().and_then(|re| re.captures(text)) else { return false };
    let num = |i: usize| caps.get(i).and_then(|m| m.as_str().parse::<u32>().ok()).unwrap_or(0);
    (1..=12).contains(&num(2)) && (1..=31).contains(&num(3)) && num(4) <= 23 && num(5) <= 59 && num(6) <= 60
}

#[cfg(test)]
mod tests {
    use super::is_iso8601;

    #[test]
    fn accepts_nova_timestamps_and_rejects_garbage() {
        for ok in [
            "2013-09-23T13:37:00.880302",
            "2013-09-03T04:01:32Z",
            "2015-08-27T09:49:58-05:00",
            "2019-04-23T15:19:10.000000+00:00",
        ] {
            assert!(is_iso8601(ok), "{ok}");
        }
        for bad in ["", "yesterday", "2013-13-01T00:00:00Z", "2013-09-23", "2013-09-23T25:00:00"] {
            assert!(!is_iso8601(bad), "{bad}");
        }
    }
}
