//! Field-level comparison of two canonical JSON bodies: fields added or removed (reported at
//! the topmost node that is new), and values changed.

use std::collections::BTreeMap;

use serde_json::Value;

use super::model::{Change, Class, FieldKind};

/// Every node of a document by JSON pointer (the root is `""`).
fn nodes<'a>(v: &'a Value, pointer: String, out: &mut BTreeMap<String, &'a Value>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                nodes(child, format!("{pointer}/{}", escape(k)), out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                nodes(child, format!("{pointer}/{i}"), out);
            }
        }
        _ => {}
    }
    out.insert(pointer, v);
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

fn parent(pointer: &str) -> &str {
    pointer.rsplit_once('/').map(|(p, _)| p).unwrap_or("")
}

pub fn segments(pointer: &str) -> Vec<String> {
    pointer.split('/').skip(1).map(unescape).collect()
}

pub fn render_value(v: &Value) -> String {
    crate::util::json::truncate(&serde_json::to_string(v).unwrap_or_default(), 120)
}

fn is_container(v: &Value) -> bool {
    matches!(v, Value::Object(_) | Value::Array(_))
}

fn same_shape(a: &Value, b: &Value) -> bool {
    matches!((a, b), (Value::Object(_), Value::Object(_)) | (Value::Array(_), Value::Array(_)))
}

/// Does this JSON Schema declare the node at these (unescaped) segments?
pub fn declares(schema: &Value, segs: &[String]) -> bool {
    let Some((first, rest)) = segs.split_first() else { return true };
    for combinator in ["allOf", "anyOf", "oneOf"] {
        if let Some(branches) = schema.get(combinator).and_then(Value::as_array)
            && branches.iter().any(|s| declares(s, segs))
        {
            return true;
        }
    }
    if let Some(p) = schema.get("properties").and_then(|p| p.get(first)) {
        return declares(p, rest);
    }
    if first.parse::<usize>().is_ok()
        && let Some(items) = schema.get("items")
    {
        return declares(items, rest);
    }
    if let Some(pattern) = schema.get("patternProperties").and_then(Value::as_object)
        && pattern.values().any(|s| declares(s, rest))
    {
        return true;
    }
    match schema.get("additionalProperties") {
        Some(extra @ Value::Object(_)) => declares(extra, rest),
        _ => false,
    }
}

fn field_kind(pointer: &str, schema: Option<&Value>) -> FieldKind {
    let segs = segments(pointer);
    if schema.is_some_and(|s| declares(s, &segs)) {
        FieldKind::Documented
    } else if segs.iter().any(|s| s.contains(':')) {
        FieldKind::Extension
    } else {
        FieldKind::Undocumented
    }
}

/// The changes from body `a` to body `b`; `schema_a`/`schema_b` are the response schemas
/// each side was judged by (for telling documented fields from extensions).
pub fn body_changes(a: &Value, b: &Value, schema_a: Option<&Value>, schema_b: Option<&Value>) -> Vec<Change> {
    let (mut na, mut nb) = (BTreeMap::new(), BTreeMap::new());
    nodes(a, String::new(), &mut na);
    nodes(b, String::new(), &mut nb);
    let mut changes = Vec::new();
    for (p, va) in &na {
        match nb.get(p) {
            None if nb.contains_key(parent(p)) && !p.is_empty() => {
                let mut c = Change::new(Class::FieldRemoved).at(p.clone()).values(Some(render_value(va)), None);
                c.field = Some(field_kind(p, schema_a));
                changes.push(c);
            }
            None => {}
            Some(vb) => {
                let differs = if is_container(va) || is_container(vb) { !same_shape(va, vb) } else { va != vb };
                if differs {
                    changes.push(
                        Change::new(Class::Value).at(display(p)).values(Some(render_value(va)), Some(render_value(vb))),
                    );
                }
            }
        }
    }
    for (p, vb) in &nb {
        if !na.contains_key(p) && na.contains_key(parent(p)) && !p.is_empty() {
            let mut c = Change::new(Class::FieldAdded).at(p.clone()).values(None, Some(render_value(vb)));
            c.field = Some(field_kind(p, schema_b));
            changes.push(c);
        }
    }
    // Below a node whose type changed, every child would show as added or removed: noise.
    let retyped: Vec<String> =
        changes.iter().filter(|c| c.class == Class::Value).filter_map(|c| c.pointer.clone()).collect();
    changes.retain(|c| {
        let p = c.pointer.as_deref().unwrap_or("");
        !retyped.iter().any(|r| p.len() > r.len() && p.starts_with(r.as_str()) && p.as_bytes()[r.len()] == b'/')
    });
    changes
}

fn display(pointer: &str) -> String {
    if pointer.is_empty() { "/".into() } else { pointer.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn topmost_additions_removals_and_value_changes() {
        let a = json!({"server": {"status": "ACTIVE", "flavor": {"id": "1"}, "OS-EXT-STS:task_state": null}});
        let b = json!({"server": {"status": "ERROR", "flavor": {"original_name": "m1", "extra": {"k": "v"}},
            "fault": {"code": 500}, "ACME:zone": "z"}});
        let schema = json!({"properties": {"server": {"properties": {"fault": {"type": "object"},
            "flavor": {"properties": {"original_name": {}}}}}}});
        let changes = body_changes(&a, &b, Some(&schema), Some(&schema));
        let summary: Vec<String> = changes
            .iter()
            .map(|c| format!("{} {} {:?}", c.class.label(), c.pointer.as_deref().unwrap_or(""), c.field))
            .collect();
        assert_eq!(
            summary,
            vec![
                "field removed /server/OS-EXT-STS:task_state Some(Extension)",
                "field removed /server/flavor/id Some(Undocumented)",
                "value /server/status None",
                "field added /server/ACME:zone Some(Extension)",
                "field added /server/fault Some(Documented)",
                "field added /server/flavor/extra Some(Undocumented)",
                "field added /server/flavor/original_name Some(Documented)",
            ]
        );
    }

    #[test]
    fn type_changes_are_value_changes_and_equal_bodies_have_none() {
        let a = json!({"x": {"y": 1}, "l": [1, 2]});
        assert!(body_changes(&a, &a, None, None).is_empty());
        let b = json!({"x": [1], "l": [1]});
        let c = body_changes(&a, &b, None, None);
        assert!(c.iter().any(|c| c.class == Class::Value && c.pointer.as_deref() == Some("/x")));
        assert!(c.iter().any(|c| c.class == Class::FieldRemoved && c.pointer.as_deref() == Some("/l/1")));
    }
}
