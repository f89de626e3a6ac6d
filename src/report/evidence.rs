//! The evidence of a failed check as every report shows it: which JSON pointer of the response
//! the check is about, and the response body with that pointer marked — a window centred on it
//! for the terminal, JUnit and Markdown, the whole document pretty-printed for HTML.

use serde_json::Value;

use crate::outcome::{CheckKind, CheckOutcome, StepKind, StepOutcome};

/// Around the marked value: the window of a one-line excerpt, in characters.
const BEFORE: usize = 140;
const AFTER: usize = 180;

/// Stands in for the marked value while the body is serialised, then is replaced by it.
const SENTINEL: &str = "\u{1}tapedeck-mark\u{1}";

pub const OPEN: &str = "⟦";
pub const CLOSE: &str = "⟧";

/// The JSON pointer into the response body a failed check names: a body expectation's own
/// pointer, a schema error's instance pointer, a wait's `/server/status`.
pub fn pointer_of(check: &CheckOutcome, step: &StepOutcome) -> Option<String> {
    match check.kind {
        CheckKind::Body if check.target.is_empty() || check.target.starts_with('/') => Some(check.target.clone()),
        // `OPERATION STATUS MICROVERSION /pointer`; the document itself is the empty pointer.
        CheckKind::Schema => check.target.rsplit(' ').next().filter(|p| p.starts_with('/')).map(str::to_string),
        CheckKind::Path | CheckKind::Transition if step.kind == StepKind::Wait => Some("/server/status".into()),
        _ => None,
    }
}

fn tokens(pointer: &str) -> Vec<String> {
    pointer.split('/').skip(1).map(|t| t.replace("~1", "/").replace("~0", "~")).collect()
}

/// A copy of `body` with the value at `pointer` replaced by the sentinel (a missing last key is
/// added, so the mark shows where it should be), and the text the mark shows. `None` when the
/// pointer leads nowhere it could be shown.
fn with_sentinel(body: &Value, pointer: &str) -> Option<(Value, String)> {
    let mut copy = body.clone();
    let tokens = tokens(pointer);
    let mut at = &mut copy;
    for (i, token) in tokens.iter().enumerate() {
        let last = i + 1 == tokens.len();
        at = match at {
            Value::Object(map) if !map.contains_key(token) && last => {
                map.insert(token.clone(), Value::String(SENTINEL.into()));
                return Some((copy, "absent".into()));
            }
            Value::Object(map) => map.get_mut(token)?,
            Value::Array(items) => items.get_mut(token.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    let shown = at.to_string();
    *at = Value::String(SENTINEL.into());
    Some((copy, shown))
}

fn sentinel_json() -> String {
    Value::String(SENTINEL.into()).to_string()
}

/// The body on one line, at most about `BEFORE + AFTER` characters, centred on the value at
/// `pointer` (marked `⟦…⟧`); from its start when there is no pointer or it leads nowhere.
pub fn excerpt_at(body: &Value, pointer: Option<&str>) -> String {
    let text = body.to_string();
    let Some((marked, shown)) = pointer.and_then(|p| with_sentinel(body, p)) else {
        return crate::util::json::truncate(&text, BEFORE + AFTER);
    };
    let text = marked.to_string().replacen(&sentinel_json(), &format!("{OPEN}{shown}{CLOSE}"), 1);
    let chars: Vec<char> = text.chars().collect();
    let Some(mark) = find_chars(&chars, OPEN) else { return crate::util::json::truncate(&text, BEFORE + AFTER) };
    // A long marked value keeps its start and some context after it.
    let width = BEFORE + AFTER.max(shown.chars().count().min(AFTER) + 40);
    let start = mark.saturating_sub(BEFORE);
    let end = (start + width).min(chars.len());
    // Near the end, the window shifts rather than shrinks.
    let start = end.saturating_sub(width).min(start);
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    out.extend(&chars[start..end]);
    if end < chars.len() {
        out.push('…');
    }
    out
}

fn find_chars(chars: &[char], needle: &str) -> Option<usize> {
    let needle: Vec<char> = needle.chars().collect();
    chars.windows(needle.len()).position(|w| w == needle.as_slice())
}

/// The whole body pretty-printed, split around the marked value: `(before, marked, after)`
/// (the marked part empty when nothing is marked), for a renderer to escape and highlight.
pub fn pretty_at(body: &Value, pointer: Option<&str>) -> (String, String, String) {
    let Some((marked, shown)) = pointer.and_then(|p| with_sentinel(body, p)) else {
        return (serde_json::to_string_pretty(body).unwrap_or_default(), String::new(), String::new());
    };
    let text = serde_json::to_string_pretty(&marked).unwrap_or_default();
    let sentinel = sentinel_json();
    match text.split_once(&sentinel) {
        // A pretty-printed object or array keeps its own indentation inside the mark.
        Some((before, after)) => {
            let indent = before.rsplit('\n').next().map(|l| l.len() - l.trim_start().len()).unwrap_or(0);
            let shown = pretty_value(&shown, indent);
            (before.to_string(), shown, after.to_string())
        }
        None => (text, String::new(), String::new()),
    }
}

fn pretty_value(compact: &str, indent: usize) -> String {
    match serde_json::from_str::<Value>(compact) {
        Ok(v @ (Value::Object(_) | Value::Array(_))) => {
            let pad = " ".repeat(indent);
            serde_json::to_string_pretty(&v).unwrap_or_default().replace('\n', &format!("\n{pad}"))
        }
        _ => compact.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn big() -> Value {
        let filler: serde_json::Map<String, Value> =
            (0..40).map(|i| (format!("field_{i:02}"), json!(format!("value number {i}")))).collect();
        json!({"server": {"a": filler, "flavor": {"id": "1"}, "z": "end"}})
    }

    #[test]
    fn the_marked_value_is_in_the_window_even_deep_in_a_long_body() {
        let body = big();
        assert!(body.to_string().chars().count() > 1000);
        let e = excerpt_at(&body, Some("/server/flavor/id"));
        assert!(e.contains("\"flavor\":{\"id\":⟦\"1\"⟧}"), "{e}");
        assert!(e.starts_with('…') && e.chars().count() <= BEFORE + AFTER + 2, "{e}");
    }

    #[test]
    fn a_missing_field_is_marked_where_it_belongs() {
        let e = excerpt_at(&json!({"server": {"id": "x"}}), Some("/server/created"));
        assert_eq!(e, "{\"server\":{\"id\":\"x\",\"created\":⟦absent⟧}}");
    }

    #[test]
    fn no_pointer_or_a_pointer_to_nowhere_shows_the_start() {
        let body = json!({"a": [1, 2]});
        assert_eq!(excerpt_at(&body, None), "{\"a\":[1,2]}");
        assert_eq!(excerpt_at(&body, Some("/a/7")), "{\"a\":[1,2]}");
        assert_eq!(excerpt_at(&body, Some("/a/1")), "{\"a\":[1,⟦2⟧]}");
    }

    #[test]
    fn pretty_splits_around_the_mark() {
        let (before, marked, after) = pretty_at(&json!({"server": {"status": "HARD_REBOOT"}}), Some("/server/status"));
        assert!(before.ends_with("\"status\": ") && marked == "\"HARD_REBOOT\"" && after.starts_with('\n'));
        let (_, marked, _) = pretty_at(&json!({"s": {"f": {"id": 1}}}), Some("/s/f"));
        assert!(marked.contains("\n      \"id\": 1\n    }"), "{marked}");
    }
}
