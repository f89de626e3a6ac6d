//! Request paths that stay where they are sent. An HTTP client resolves `.` and `..` segments
//! before sending (`/v2.1/../../v3/auth/tokens` reaches `/v3/auth/tokens`), and the URL parser
//! also reads `%2e` as `.`, `\` as `/` and drops tabs and newlines; so a path relative to an
//! endpoint must hold none of them to stay under the endpoint's path.

/// The dot segments (`.`, `..`, `%2e`, `.%2E`, …) of the path part of `path` (before `?` or
/// `#`), as byte offsets with the segment; segments for which `skip` is true (e.g. those
/// holding an unrendered `${var}`) are left out.
pub fn dot_segments<'a>(
    path: &'a str,
    skip: impl Fn(&str) -> bool + 'a,
) -> impl Iterator<Item = (usize, &'a str)> + 'a {
    let end = path.find(['?', '#']).unwrap_or(path.len());
    let path = &path[..end];
    let mut start = 0;
    std::iter::from_fn(move || {
        while start <= path.len() {
            let rest = &path[start..];
            let len = rest.find(['/', '\\']).unwrap_or(rest.len());
            let (at, segment) = (start, &rest[..len]);
            start += len + 1;
            if is_dot(segment) && !skip(segment) {
                return Some((at, segment));
            }
        }
        None
    })
}

/// `.` or `..`, with any dot written as `%2e`.
fn is_dot(segment: &str) -> bool {
    let decoded = segment.to_ascii_lowercase().replace("%2e", ".");
    decoded == "." || decoded == ".."
}

/// Why `path` (relative to an endpoint, after every substitution) could leave the endpoint's
/// path: it does not start with `/`, holds a dot segment, or a character the URL parser drops.
pub fn escapes(path: &str) -> Option<String> {
    if !path.starts_with('/') {
        return Some("it does not start with `/`".into());
    }
    if path.chars().any(|c| c.is_ascii_control()) {
        return Some("it holds a control character (URL parsers drop tabs and line breaks)".into());
    }
    dot_segments(path, |_| false).next().map(|(_, segment)| format!("it has a `{segment}` segment"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_dot_segments_as_url_parsers_read_them() {
        let found = |p: &str| dot_segments(p, |_| false).map(|(i, s)| (i, s.to_string())).collect::<Vec<_>>();
        assert_eq!(found("/../../v3/auth/tokens"), vec![(1, "..".into()), (4, "..".into())]);
        assert_eq!(found("/servers/%2E%2e/x"), vec![(9, "%2E%2e".into())]);
        assert_eq!(found("/servers\\..\\x"), vec![(9, "..".into())]);
        assert_eq!(found("/servers/./x"), vec![(9, ".".into())]);
        assert!(found("/servers/..x/...").is_empty());
        assert!(found("/servers?next=/../x").is_empty());
        assert_eq!(escapes("servers").as_deref(), Some("it does not start with `/`"));
        assert!(escapes("/servers/.\t./x").is_some());
        assert_eq!(escapes("/a/%2e./b").as_deref(), Some("it has a `%2e.` segment"));
        assert!(escapes("/servers/abc/action").is_none());
    }
}
