//! The third witness: what recorded traffic shows at each JSON pointer of each operation —
//! how often a member was there when its parent was, the types and (a few) values seen.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::facts::{Facts, child};
use crate::microversion::Microversion;

/// How many distinct values are kept per pointer: enough to try a rule against, bounded.
const VALUES_KEPT: usize = 40;

/// What the traffic showed at one pointer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Seen {
    /// Documents in which the parent object was there.
    pub parents: usize,
    /// … and this member too.
    pub present: usize,
    pub types: BTreeSet<String>,
    /// Distinct scalar values (JSON text), at most [`VALUES_KEPT`].
    pub values: BTreeSet<String>,
}

/// Which documents: an operation, request or response (with status), at a microversion.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Place {
    pub operation: String,
    /// `None`: the request body.
    pub status: Option<u16>,
    pub microversion: Microversion,
}

#[derive(Debug, Default)]
pub struct Traffic {
    pub seen: BTreeMap<Place, BTreeMap<String, Seen>>,
    /// Documents per place.
    pub documents: BTreeMap<Place, usize>,
}

impl Traffic {
    /// Record one document. `known` are the pointers the two schemas describe at this place: a
    /// member name they list keeps its name, any other member of an object that has a `{}`
    /// (map values) pointer is one of the map's values.
    pub fn add(&mut self, place: Place, doc: &Value, known: &Facts) {
        let seen = self.seen.entry(place.clone()).or_default();
        *self.documents.entry(place).or_default() += 1;
        observe(doc, "", known, seen);
    }

    /// What was seen at `pointer` over the microversions `lo..=hi`.
    pub fn at(
        &self,
        operation: &str,
        status: Option<u16>,
        lo: Microversion,
        hi: Microversion,
        pointer: &str,
    ) -> Option<Seen> {
        let mut total: Option<Seen> = None;
        for (place, by_ptr) in &self.seen {
            if place.operation != operation
                || place.status != status
                || place.microversion < lo
                || place.microversion > hi
            {
                continue;
            }
            let t = total.get_or_insert_with(Seen::default);
            if let Some(s) = by_ptr.get(pointer) {
                t.parents += s.parents;
                t.present += s.present;
                t.types.extend(s.types.iter().cloned());
                for v in &s.values {
                    if t.values.len() < VALUES_KEPT {
                        t.values.insert(v.clone());
                    }
                }
            }
        }
        total
    }

    /// Documents at this operation and status over `lo..=hi`.
    pub fn documents(&self, operation: &str, status: Option<u16>, lo: Microversion, hi: Microversion) -> usize {
        self.documents
            .iter()
            .filter(|(p, _)| {
                p.operation == operation && p.status == status && p.microversion >= lo && p.microversion <= hi
            })
            .map(|(_, n)| n)
            .sum()
    }
}

pub fn parent_of(pointer: &str) -> &str {
    pointer.rfind('/').map(|i| &pointer[..i]).unwrap_or("")
}

fn observe(value: &Value, ptr: &str, known: &Facts, seen: &mut BTreeMap<String, Seen>) {
    let entry = seen.entry(ptr.to_string()).or_default();
    entry.present += 1;
    entry.types.insert(type_name(value).to_string());
    if !matches!(value, Value::Object(_) | Value::Array(_)) && entry.values.len() < VALUES_KEPT {
        entry.values.insert(value.to_string());
    }
    match value {
        Value::Object(members) => {
            let map_values = format!("{ptr}/{{}}");
            let is_map = known.contains_key(&map_values);
            let mut children = BTreeSet::new();
            for (name, v) in members {
                let named = child(ptr, name);
                let p = if known.contains_key(&named) || !is_map { named } else { map_values.clone() };
                observe(v, &p, known, seen);
                children.insert(p);
            }
            // Every pointer the schemas know under this object, and every member seen:
            // their parent was here.
            children.extend(known.keys().filter(|k| parent_of(k) == ptr && !k.ends_with("/*")).cloned());
            for p in children {
                seen.entry(p).or_default().parents += 1;
            }
        }
        Value::Array(items) => {
            let p = format!("{ptr}/*");
            for item in items {
                observe(item, &p, known, seen);
                seen.entry(p.clone()).or_default().parents += 1;
            }
        }
        _ => {}
    }
}

/// The JSON Schema type of a value (a whole number is an `integer`).
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::witness::facts::flatten;
    use serde_json::json;

    #[test]
    fn members_are_counted_against_their_parents_and_map_values_fold() {
        let known = flatten(&json!({"properties": {"server": {"properties": {
            "name": {"type": "string"}, "description": {"type": "string"},
            "metadata": {"additionalProperties": {"type": "string"}}}}}}));
        let mut t = Traffic::default();
        let place = Place { operation: "show".into(), status: Some(200), microversion: Microversion::MIN };
        t.add(place.clone(), &json!({"server": {"name": "a", "metadata": {"k": 1, "j": "x"}}}), &known);
        t.add(place, &json!({"server": {"name": "b", "description": "d"}}), &known);
        let mv = Microversion::MIN;
        let name = t.at("show", Some(200), mv, mv, "/server/name").unwrap();
        assert_eq!((name.parents, name.present), (2, 2));
        let desc = t.at("show", Some(200), mv, mv, "/server/description").unwrap();
        assert_eq!((desc.parents, desc.present), (2, 1));
        let values = t.at("show", Some(200), mv, mv, "/server/metadata/{}").unwrap();
        assert_eq!(values.types, ["integer".to_string(), "string".to_string()].into());
        assert_eq!(t.documents("show", Some(200), mv, mv), 2);
    }
}
