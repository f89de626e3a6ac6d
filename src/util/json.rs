//! Small JSON helpers shared by suites, cassettes and checks.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// A copy with every object's keys sorted: stable output for cassettes and hashes.
pub fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            Value::Object(keys.into_iter().map(|k| (k.clone(), sorted(&map[k]))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Is `text` a syntactically valid JSON pointer (RFC 6901)?
pub fn check_pointer(text: &str) -> Result<(), String> {
    if text.is_empty() {
        return Ok(());
    }
    if !text.starts_with('/') {
        return Err(format!("`{text}` is not a JSON pointer: it must start with `/` (e.g. /server/id)"));
    }
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '~' && !matches!(chars.peek(), Some('0') | Some('1')) {
            return Err(format!("`{text}` is not a JSON pointer: `~` must be followed by 0 or 1"));
        }
    }
    Ok(())
}

/// A short one-line rendering of a JSON value for messages.
pub fn excerpt(value: &Value, max: usize) -> String {
    let text = value.to_string();
    truncate(&text, max)
}

pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    format!("{cut}…")
}

/// A JSON value as text for messages and traces: strings as they are, `null` and absence as
/// `None`, anything else in JSON notation.
pub fn value_str(v: Option<&Value>) -> Option<String> {
    match v {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Null) | None => None,
        Some(other) => Some(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sorts_nested_keys() {
        let v = json!({"b": 1, "a": {"d": 1, "c": [{"z": 1, "y": 2}]}});
        assert_eq!(serde_json::to_string(&sorted(&v)).unwrap(), r#"{"a":{"c":[{"y":2,"z":1}],"d":1},"b":1}"#);
    }

    #[test]
    fn pointer_syntax() {
        assert!(check_pointer("/server/id").is_ok());
        assert!(check_pointer("/a~1b/~0").is_ok());
        assert!(check_pointer("server/id").is_err());
        assert!(check_pointer("/a~2").is_err());
    }
}
