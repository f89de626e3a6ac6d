//! A JSON Schema flattened into what it says about each JSON pointer: the types, whether the
//! member is required, the allowed values and the constraints on them. Two schemas written
//! differently (Nova's `oneOf` of full and partial records, the api-ref's one object) compare
//! pointer by pointer this way. Array items are `*`, the values of a map `{}`.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

/// What a schema says at one pointer. `None` means "not constrained".
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Fact {
    /// JSON types allowed (`integer` is also a `number`); empty: any.
    pub types: BTreeSet<String>,
    /// Required in its parent object (in every alternative that has it).
    pub required: bool,
    pub values: Option<BTreeSet<String>>,
    pub format: Option<String>,
    pub pattern: Option<String>,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub minimum: Option<String>,
    pub maximum: Option<String>,
    /// An object that lists its members and allows no others.
    pub closed: bool,
    /// An object whose members the schema lists (`properties`), so a member it does not list
    /// is undocumented rather than free.
    pub lists_members: bool,
}

impl Fact {
    /// The rule as a JSON Schema of its own, to try observed values against (members and
    /// requiredness are judged by counts, not here).
    pub fn value_schema(&self) -> Value {
        let mut s = serde_json::Map::new();
        if !self.types.is_empty() {
            s.insert("type".into(), json!(self.types.iter().collect::<Vec<_>>()));
        }
        if let Some(values) = &self.values {
            let values: Vec<Value> = values.iter().filter_map(|v| serde_json::from_str(v).ok()).collect();
            s.insert("enum".into(), Value::Array(values));
        }
        if let Some(p) = &self.pattern {
            s.insert("pattern".into(), json!(p));
        }
        if let Some(n) = self.min_length {
            s.insert("minLength".into(), json!(n));
        }
        if let Some(n) = self.max_length {
            s.insert("maxLength".into(), json!(n));
        }
        for (key, bound) in [("minimum", &self.minimum), ("maximum", &self.maximum)] {
            if let Some(b) = bound.as_deref().and_then(|b| serde_json::from_str::<Value>(b).ok()) {
                s.insert(key.into(), b);
            }
        }
        Value::Object(s)
    }
}

/// Every pointer a schema describes, with its fact; the root is `""`.
pub type Facts = BTreeMap<String, Fact>;

pub fn flatten(schema: &Value) -> Facts {
    let mut facts = Facts::new();
    walk(schema, "", true, &mut facts);
    // Lengths, patterns and formats constrain strings only: where the value cannot be a string
    // they constrain nothing (Nova 34 writes `maxLength: 1` on the `server_groups` array, which
    // no validator applies), so they are not a rule to compare.
    for fact in facts.values_mut() {
        if !fact.types.is_empty() && !fact.types.contains("string") {
            (fact.min_length, fact.max_length, fact.pattern, fact.format) = (None, None, None, None);
        }
    }
    facts
}

fn walk(schema: &Value, ptr: &str, required: bool, facts: &mut Facts) {
    let Some(obj) = schema.as_object() else { return };
    // Alternatives: each flattened alone, then merged (what holds in all of them holds).
    for key in ["oneOf", "anyOf"] {
        if let Some(branches) = obj.get(key).and_then(Value::as_array) {
            let flat: Vec<Facts> = branches
                .iter()
                .map(|b| {
                    let mut f = Facts::new();
                    walk(b, ptr, required, &mut f);
                    f
                })
                .collect();
            if let Some(merged) = merge_alternatives(flat) {
                for (p, fact) in merged {
                    let into = facts.entry(p).or_default();
                    combine(into, &fact);
                }
            }
        }
    }
    if let Some(parts) = obj.get("allOf").and_then(Value::as_array) {
        for part in parts {
            walk(part, ptr, required, facts);
        }
    }
    let fact = facts.entry(ptr.to_string()).or_default();
    fact.required |= required;
    match obj.get("type") {
        Some(Value::String(t)) => restrict_types(fact, [t.clone()].into()),
        Some(Value::Array(ts)) => {
            restrict_types(fact, ts.iter().filter_map(|t| t.as_str().map(str::to_string)).collect())
        }
        _ => {}
    }
    if let Some(c) = obj.get("const") {
        fact.values = Some([c.to_string()].into());
    }
    if let Some(values) = obj.get("enum").and_then(Value::as_array) {
        fact.values = Some(values.iter().map(Value::to_string).collect());
    }
    let text = |k: &str| obj.get(k).and_then(Value::as_str).map(str::to_string);
    let num = |k: &str| obj.get(k).and_then(Value::as_u64);
    fact.format = text("format").or(fact.format.take());
    fact.pattern = text("pattern").or(fact.pattern.take());
    // `minLength: 0` holds for every string: no rule.
    fact.min_length = num("minLength").filter(|n| *n > 0).or(fact.min_length);
    fact.max_length = num("maxLength").or(fact.max_length);
    fact.minimum = obj.get("minimum").map(Value::to_string).or(fact.minimum.take());
    fact.maximum = obj.get("maximum").map(Value::to_string).or(fact.maximum.take());
    if obj.get("additionalProperties") == Some(&Value::Bool(false)) && obj.get("patternProperties").is_none() {
        fact.closed = true;
    }
    let listed: BTreeSet<&str> = obj
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if let Some(props) = obj.get("properties").and_then(Value::as_object) {
        fact.lists_members = true;
        for (name, sub) in props {
            walk(sub, &child(ptr, name), listed.contains(name.as_str()), facts);
        }
    }
    if let Some(items) = obj.get("items") {
        walk(items, &format!("{ptr}/*"), false, facts);
    }
    if let Some(values) = obj.get("additionalProperties").filter(|v| v.is_object()) {
        walk(values, &format!("{ptr}/{{}}"), false, facts);
    }
    if let Some(patterns) = obj.get("patternProperties").and_then(Value::as_object) {
        for sub in patterns.values() {
            walk(sub, &format!("{ptr}/{{}}"), false, facts);
        }
    }
}

/// A member's pointer (RFC 6901 escapes).
pub fn child(ptr: &str, name: &str) -> String {
    format!("{ptr}/{}", name.replace('~', "~0").replace('/', "~1"))
}

/// `type` inside an alternative narrows what the parent allowed (`{type: string, oneOf:
/// [{format: ipv4}, {const: ""}]}`); at the same level the last word wins.
fn restrict_types(fact: &mut Fact, types: BTreeSet<String>) {
    let narrowed: BTreeSet<String> = fact.types.intersection(&types).cloned().collect();
    fact.types = if narrowed.is_empty() { types } else { narrowed };
}

/// What alternatives say together: a pointer any of them has; its types and values the union
/// (unconstrained if one leaves them free); required and closed only when every alternative
/// that has it says so; other constraints only when all agree.
fn merge_alternatives(branches: Vec<Facts>) -> Option<Facts> {
    let mut iter = branches.into_iter();
    let mut merged = iter.next()?;
    for branch in iter {
        let pointers: BTreeSet<String> = merged.keys().chain(branch.keys()).cloned().collect();
        for p in pointers {
            match (merged.get_mut(&p), branch.get(&p)) {
                (Some(a), Some(b)) => {
                    a.types = if a.types.is_empty() || b.types.is_empty() {
                        BTreeSet::new()
                    } else {
                        a.types.union(&b.types).cloned().collect()
                    };
                    a.values = match (a.values.take(), &b.values) {
                        (Some(x), Some(y)) => Some(x.union(y).cloned().collect()),
                        _ => None,
                    };
                    a.required &= b.required;
                    a.closed &= b.closed;
                    a.lists_members |= b.lists_members;
                    same(&mut a.format, &b.format);
                    same(&mut a.pattern, &b.pattern);
                    same(&mut a.min_length, &b.min_length);
                    same(&mut a.max_length, &b.max_length);
                    same(&mut a.minimum, &b.minimum);
                    same(&mut a.maximum, &b.maximum);
                }
                (None, Some(b)) => {
                    let mut b = b.clone();
                    b.required = false;
                    merged.insert(p, b);
                }
                (Some(a), None) => a.required = false,
                (None, None) => {}
            }
        }
    }
    Some(merged)
}

fn same<T: PartialEq + Clone>(a: &mut Option<T>, b: &Option<T>) {
    if a != b {
        *a = None;
    }
}

/// Merge what an alternative block says into what the schema around it says.
fn combine(into: &mut Fact, from: &Fact) {
    if !from.types.is_empty() {
        restrict_types(into, from.types.clone());
    }
    into.required |= from.required;
    into.values = into.values.take().or_else(|| from.values.clone());
    into.format = into.format.take().or_else(|| from.format.clone());
    into.pattern = into.pattern.take().or_else(|| from.pattern.clone());
    into.min_length = into.min_length.or(from.min_length);
    into.max_length = into.max_length.or(from.max_length);
    into.minimum = into.minimum.take().or_else(|| from.minimum.clone());
    into.maximum = into.maximum.take().or_else(|| from.maximum.clone());
    into.closed |= from.closed;
    into.lists_members |= from.lists_members;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_items_and_map_values_get_their_own_pointers() {
        let facts = flatten(&json!({
            "type": "object", "required": ["server"], "additionalProperties": false,
            "properties": {"server": {"type": "object", "properties": {
                "metadata": {"type": "object", "additionalProperties": {"type": "string", "maxLength": 255}},
                "tags": {"type": "array", "items": {"type": "string"}}
            }}}
        }));
        assert!(facts[""].closed);
        assert!(facts["/server"].required);
        assert!(!facts["/server/metadata"].required);
        assert_eq!(facts["/server/metadata/{}"].max_length, Some(255));
        assert_eq!(facts["/server/tags/*"].types, ["string".to_string()].into());
    }

    #[test]
    fn alternatives_merge_to_what_holds_in_all() {
        let facts = flatten(&json!({"properties": {"server": {"oneOf": [
            {"type": "object", "required": ["id", "name"], "properties": {"id": {"type": "string"}, "name": {"type": "string"}}},
            {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}, "status": {"enum": ["UNKNOWN"]}}}
        ]}}}));
        assert!(facts["/server/id"].required, "required in both alternatives");
        assert!(!facts["/server/name"].required, "only one alternative requires it");
        assert!(!facts["/server/status"].required);
        assert_eq!(facts["/server/status"].values, Some(["\"UNKNOWN\"".to_string()].into()));
    }

    #[test]
    fn a_type_narrowed_by_alternatives_keeps_the_outer_type() {
        let facts =
            flatten(&json!({"properties": {"ip": {"type": "string", "oneOf": [{"format": "ipv4"}, {"const": ""}]}}}));
        assert_eq!(facts["/ip"].types, ["string".to_string()].into());
    }
}
