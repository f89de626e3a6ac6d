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

/// Nova's `name` format (`parameter_types.valid_name_regex`): printable characters of the
/// Basic Multilingual Plane (no control, format or private-use characters, no line or
/// paragraph separators), not starting or ending with a space. Nova builds its class from
/// `unicodedata` over U+0000–U+FFFE, so characters beyond the BMP are refused too. Like
/// Python's `$`, one trailing newline is tolerated. Unassigned code points are taken as
/// printable here (no Unicode tables in std).
pub fn is_nova_name(text: &str) -> bool {
    let text = text.strip_suffix('\n').unwrap_or(text);
    let edge_ok = |c: Option<char>| c.is_none_or(|c| printable(c) && !is_space_separator(c));
    text.chars().all(printable) && edge_ok(text.chars().next()) && edge_ok(text.chars().next_back())
}

fn printable(c: char) -> bool {
    let cp = c as u32;
    let format_char = matches!(cp, 0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x890..=0x891 | 0x8E2 | 0x180E
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F | 0xFEFF | 0xFFF9..=0xFFFB);
    cp < 0xFFFF && !c.is_control() && !format_char && !(0xE000..=0xF8FF).contains(&cp) && cp != 0x2028 && cp != 0x2029
}

/// Unicode category Zs.
fn is_space_separator(c: char) -> bool {
    matches!(c as u32, 0x20 | 0xA0 | 0x1680 | 0x2000..=0x200A | 0x202F | 0x205F | 0x3000)
}

/// Nova's `base64` format (oslo `base64.decode_as_bytes`, Python's lenient `b64decode`):
/// characters outside the alphabet are discarded, and what is left must be whole quads or
/// a last quad completed by its `=` padding.
pub fn is_base64(text: &str) -> bool {
    let alphabet = |c: &char| c.is_ascii_alphanumeric() || *c == '+' || *c == '/';
    let data = text.chars().filter(alphabet).count();
    let padding =
        text.trim_end_matches(|c: char| !alphabet(&c) && c != '=').chars().rev().take_while(|c| *c == '=').count();
    match data % 4 {
        0 => true,
        1 => false,
        rest => padding >= 4 - rest,
    }
}

/// A MAC address as Nova's server views write it (`fa:16:3e:4c:2c:30`): six pairs of hex
/// digits separated by colons (or dashes).
pub fn is_mac_address(text: &str) -> bool {
    static RE: LazyLock<Option<Regex>> =
        LazyLock::new(|| Regex::new(r"^[0-9A-Fa-f]{2}(?:(?::[0-9A-Fa-f]{2}){5}|(?:-[0-9A-Fa-f]{2}){5})$").ok());
    RE.as_ref().is_some_and(|re| re.is_match(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nova_names_base64_and_mac_addresses() {
        for ok in ["td-1234-lifecycle", "a b", "Zoë", "名前", "x\n"] {
            assert!(is_nova_name(ok), "{ok:?}");
        }
        for bad in [" lead", "trail ", "tab\tinside", "zero\u{200B}width", "emoji \u{1F600}"] {
            assert!(!is_nova_name(bad), "{bad:?}");
        }
        for ok in ["", "IyEvYmluL3NoCg==", "YWJj", "YWI=", "YW Jj"] {
            assert!(is_base64(ok), "{ok:?}");
        }
        for bad in ["YWJjZ", "YWI", "Y"] {
            assert!(!is_base64(bad), "{bad:?}");
        }
        assert!(is_mac_address("fa:16:3e:4c:2c:30"));
        for bad in ["fa:16:3e:4c:2c", "fa:16-3e:4c:2c:30", "zz:16:3e:4c:2c:30", ""] {
            assert!(!is_mac_address(bad), "{bad:?}");
        }
    }

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
