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

/// Parses JSON like `serde_json::from_str`, but refuses a key that appears twice in an object
/// (serde_json keeps the last silently): the error names the key, at its line and column.
pub fn from_str_unique_keys(text: &str) -> Result<Value, serde_json::Error> {
    use serde::de::{Deserialize, Deserializer, Error, MapAccess, SeqAccess, Visitor};
    struct Unique(Value);
    impl<'de> Deserialize<'de> for Unique {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(Vis)
        }
    }
    struct Vis;
    impl<'de> Visitor<'de> for Vis {
        type Value = Unique;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON value")
        }
        fn visit_bool<E>(self, v: bool) -> Result<Unique, E> {
            Ok(Unique(Value::Bool(v)))
        }
        fn visit_i64<E>(self, v: i64) -> Result<Unique, E> {
            Ok(Unique(Value::from(v)))
        }
        fn visit_u64<E>(self, v: u64) -> Result<Unique, E> {
            Ok(Unique(Value::from(v)))
        }
        fn visit_f64<E>(self, v: f64) -> Result<Unique, E> {
            Ok(Unique(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)))
        }
        fn visit_str<E>(self, v: &str) -> Result<Unique, E> {
            Ok(Unique(Value::String(v.to_string())))
        }
        fn visit_string<E>(self, v: String) -> Result<Unique, E> {
            Ok(Unique(Value::String(v)))
        }
        fn visit_unit<E>(self) -> Result<Unique, E> {
            Ok(Unique(Value::Null))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Unique, A::Error> {
            let mut items = Vec::new();
            while let Some(Unique(v)) = seq.next_element()? {
                items.push(v);
            }
            Ok(Unique(Value::Array(items)))
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Unique, A::Error> {
            let mut object = serde_json::Map::new();
            while let Some(key) = map.next_key::<String>()? {
                if object.contains_key(&key) {
                    return Err(A::Error::custom(format!(
                        "the key `{}` appears twice in one object",
                        truncate(&key, 200)
                    )));
                }
                let Unique(v) = map.next_value()?;
                object.insert(key, v);
            }
            Ok(Unique(Value::Object(object)))
        }
    }
    serde_json::from_str::<Unique>(text).map(|u| u.0)
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
    fn duplicate_keys_are_refused_with_their_place() {
        let e = from_str_unique_keys("{\n  \"a\": 1,\n  \"b\": {\"c\": 1, \"c\": 2}\n}").unwrap_err().to_string();
        assert_eq!(e, "the key `c` appears twice in one object at line 3 column 19");
        assert_eq!(
            from_str_unique_keys("[1, 2.5, \"x\", null, {\"a\": [true]}]").unwrap(),
            json!([1, 2.5, "x", null, {"a": [true]}])
        );
    }

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
