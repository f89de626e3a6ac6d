//! Nova's stricter rules, adopted through the reviewed `nova_rules` entries of overrides.yaml,
//! written into the rendered schemas at JSON pointers. A range is split where a rule starts or
//! ends, and neighbours that end up identical are merged again. Every listed pointer must land
//! in some schema of its operation: a stale entry is an error, never silently dropped.

use serde_json::{Value, json};

use super::overrides::{BodyKind, NovaRule, NovaRuleKind};
use crate::microversion::Microversion;
use crate::schema_store::files::RangedSchema;

/// `schemas` of one body (`body`) of operation `op`, with the rules that name it applied.
pub fn apply(
    op: &str,
    body: BodyKind,
    schemas: Vec<RangedSchema>,
    rules: &[NovaRule],
    landed: &mut Landed,
) -> Vec<RangedSchema> {
    let ours: Vec<(usize, &NovaRule, &Vec<String>)> = rules
        .iter()
        .enumerate()
        .filter(|(_, r)| r.body == body)
        .filter_map(|(i, r)| r.at.get(op).map(|ptrs| (i, r, ptrs)))
        .collect();
    if ours.is_empty() {
        return schemas;
    }
    let mut cuts: Vec<Microversion> = Vec::new();
    for (_, r, _) in &ours {
        cuts.extend(r.from);
        cuts.extend(r.until.map(|u| Microversion::new(u.major, u.minor + 1)));
    }
    let mut out: Vec<RangedSchema> = Vec::new();
    for piece in schemas.into_iter().flat_map(|s| split(s, &cuts)) {
        let mut piece = piece;
        for (i, rule, pointers) in &ours {
            let active =
                rule.from.is_none_or(|f| piece.min_version >= f) && rule.until.is_none_or(|u| piece.min_version <= u);
            if !active {
                continue;
            }
            for ptr in pointers.iter() {
                if write(&mut piece.schema, ptr, rule, *i) {
                    landed.0.push((*i, op.to_string(), ptr.clone()));
                }
            }
        }
        match out.last_mut() {
            Some(last) if last.schema == piece.schema && last.max_version.minor + 1 == piece.min_version.minor => {
                last.max_version = piece.max_version;
            }
            _ => out.push(piece),
        }
    }
    out
}

/// Which (entry, operation, pointer) landed in a schema; what is listed for a derived operation
/// and never landed is stale. (An operation the api-ref at hand lacks is not judged: the test
/// fixtures are small api-refs derived with the shipped table.)
#[derive(Debug, Default)]
pub struct Landed(Vec<(usize, String, String)>);

impl Landed {
    pub fn stale(&self, rules: &[NovaRule], derived: &[&str]) -> Vec<String> {
        let mut out = Vec::new();
        for (i, r) in rules.iter().enumerate() {
            for (op, ptrs) in r.at.iter().filter(|(op, _)| derived.contains(&op.as_str())) {
                for p in ptrs {
                    if !self.0.iter().any(|(j, o, q)| *j == i && o == op && q == p) {
                        out.push(format!("nova_rules[{i}] ({:?}): {op} {p} is in no derived schema", r.rule));
                    }
                }
            }
        }
        out
    }
}

fn split(s: RangedSchema, cuts: &[Microversion]) -> Vec<RangedSchema> {
    let mut starts: Vec<Microversion> =
        cuts.iter().copied().filter(|c| *c > s.min_version && *c <= s.max_version).collect();
    starts.sort();
    starts.dedup();
    let mut out = Vec::new();
    let mut lo = s.min_version;
    for c in starts {
        out.push(RangedSchema {
            min_version: lo,
            max_version: Microversion::new(c.major, c.minor - 1),
            schema: s.schema.clone(),
        });
        lo = c;
    }
    out.push(RangedSchema { min_version: lo, max_version: s.max_version, schema: s.schema });
    out
}

/// Write one rule at `ptr`; false when the schema has no such place (the member is absent at
/// this microversion).
fn write(schema: &mut Value, ptr: &str, rule: &NovaRule, index: usize) -> bool {
    let segments: Vec<String> = ptr.split('/').skip(1).map(|s| s.replace("~1", "/").replace("~0", "~")).collect();
    let Some((last, parents)) = segments.split_last() else { return false };
    let Some(parent) = walk(schema, parents) else { return false };
    let note = format!("nova_rules[{index}] {}", kind_name(rule.rule));
    match rule.rule {
        NovaRuleKind::Member => {
            let value = rule.value.clone().unwrap_or(json!({}));
            let Some(slot) = container(parent, last, true) else { return false };
            *slot = value;
            annotate(slot, &note);
            true
        }
        NovaRuleKind::Required | NovaRuleKind::Absent => {
            let Some(obj) = holder(parent, "properties") else { return false };
            let Some(props) = obj.get_mut("properties").and_then(Value::as_object_mut) else { return false };
            if rule.rule == NovaRuleKind::Absent {
                if props.remove(last.as_str()).is_none() {
                    return false;
                }
                if let Some(req) = obj.get_mut("required").and_then(Value::as_array_mut) {
                    req.retain(|v| v.as_str() != Some(last.as_str()));
                }
            } else {
                if !props.contains_key(last.as_str()) {
                    return false;
                }
                let req = obj.as_object_mut().expect("an object").entry("required").or_insert_with(|| json!([]));
                if let Some(req) = req.as_array_mut()
                    && !req.iter().any(|v| v.as_str() == Some(last.as_str()))
                {
                    req.push(json!(last));
                }
            }
            annotate(obj, &format!("{note} {last}"));
            true
        }
        kind => {
            let Some(node) = container(parent, last, false) else { return false };
            let (Some(keyword), Some(value)) = (kind.keyword(), rule.value.clone()) else { return false };
            let Some(map) = node.as_object_mut() else { return false };
            map.insert(keyword.into(), value);
            annotate(node, &note);
            true
        }
    }
}

/// Down the segments from the root; an alternative (`anyOf`/`oneOf`) is entered at its first
/// branch that has the next step.
fn walk<'a>(mut node: &'a mut Value, segments: &[String]) -> Option<&'a mut Value> {
    for seg in segments {
        node = container(node, seg, false)?;
    }
    Some(node)
}

/// The place one segment names below `node`: `*` its items, `{}` its map values, a name its
/// member. With `create`, a member or items slot that does not exist yet is made.
fn container<'a>(node: &'a mut Value, seg: &str, create: bool) -> Option<&'a mut Value> {
    let key = match seg {
        "*" => "items",
        "{}" => "additionalProperties",
        _ => "properties",
    };
    let obj = if create && where_is(node, key).is_none() { node } else { holder(node, key)? };
    let map = obj.as_object_mut()?;
    match seg {
        "*" | "{}" => {
            if create {
                Some(map.entry(key).or_insert_with(|| json!({})))
            } else {
                map.get_mut(key).filter(|v| v.is_object())
            }
        }
        name => {
            // An object the api-ref leaves free gets the member listed (and stays open).
            if create && !map.contains_key("properties") && map.get("type").is_some_and(|t| t == "object") {
                map.insert("properties".into(), json!({}));
            }
            let props = map.get_mut("properties")?.as_object_mut()?;
            if create { Some(props.entry(name).or_insert_with(|| json!({}))) } else { props.get_mut(name) }
        }
    }
}

/// `node`, or its first alternative branch, that has `key`.
fn holder<'a>(node: &'a mut Value, key: &str) -> Option<&'a mut Value> {
    match where_is(node, key)? {
        None => Some(node),
        Some((alt, i)) => node.get_mut(alt)?.get_mut(i),
    }
}

/// `Some(None)`: `node` has `key`; `Some(Some((alt, i)))`: branch `i` of its `alt` has it.
fn where_is(node: &Value, key: &str) -> Option<Option<(&'static str, usize)>> {
    if node.get(key).is_some() {
        return Some(None);
    }
    ["anyOf", "oneOf"].into_iter().find_map(|alt| {
        let i = node.get(alt)?.as_array()?.iter().position(|b| b.get(key).is_some())?;
        Some(Some((alt, i)))
    })
}

/// Provenance for `tapedeck validate --explain`: which entry wrote this rule.
fn annotate(node: &mut Value, note: &str) {
    let Some(map) = node.as_object_mut() else { return };
    let comment = match map.get("$comment").and_then(Value::as_str) {
        Some(c) if c.split("; ").any(|part| part == note) => return,
        Some(c) => format!("{c}; {note}"),
        None => note.to_string(),
    };
    map.insert("$comment".into(), Value::String(comment));
}

pub fn kind_name(kind: NovaRuleKind) -> &'static str {
    match kind {
        NovaRuleKind::Format => "format",
        NovaRuleKind::Pattern => "pattern",
        NovaRuleKind::MinLength => "min-length",
        NovaRuleKind::MaxLength => "max-length",
        NovaRuleKind::Minimum => "minimum",
        NovaRuleKind::Maximum => "maximum",
        NovaRuleKind::Values => "values",
        NovaRuleKind::Type => "type",
        NovaRuleKind::Required => "required",
        NovaRuleKind::Member => "member",
        NovaRuleKind::Absent => "absent",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn rule(kind: NovaRuleKind, value: Option<Value>, op: &str, ptrs: &[&str]) -> NovaRule {
        NovaRule {
            rule: kind,
            value,
            body: BodyKind::Response,
            from: None,
            until: None,
            at: BTreeMap::from([(op.to_string(), ptrs.iter().map(|p| p.to_string()).collect())]),
            reason: "r".into(),
            source: "s".into(),
        }
    }

    fn v(s: &str) -> Microversion {
        s.parse().unwrap()
    }

    fn server() -> Value {
        json!({"type": "object", "properties": {"server": {"type": "object", "required": ["id"], "properties": {
            "id": {"type": "string"}, "user_id": {"type": "string"},
            "links": {"type": "array"},
            "addresses": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "object",
                "properties": {"addr": {"type": "string"}, "OS-EXT-IPS:type": {"type": "string"}}}}},
            "ip": {"type": "string", "anyOf": [{"format": "ipv4"}, {"const": ""}]}
        }}}})
    }

    #[test]
    fn keywords_members_required_and_absent_land_at_their_pointers() {
        let rules = vec![
            rule(NovaRuleKind::MaxLength, Some(json!(255)), "show", &["/server/user_id"]),
            rule(NovaRuleKind::Required, None, "show", &["/server/user_id"]),
            rule(NovaRuleKind::Member, Some(json!({"type": "object"})), "show", &["/server/links/*"]),
            rule(NovaRuleKind::Absent, None, "show", &["/server/addresses/{}/*/OS-EXT-IPS:type"]),
        ];
        let mut landed = Landed::default();
        let schemas = vec![RangedSchema { min_version: v("2.1"), max_version: v("2.9"), schema: server() }];
        let out = apply("show", BodyKind::Response, schemas, &rules, &mut landed);
        let s = &out[0].schema["properties"]["server"];
        assert_eq!(s["properties"]["user_id"]["maxLength"], json!(255));
        assert_eq!(s["properties"]["user_id"]["$comment"], json!("nova_rules[0] max-length"));
        assert_eq!(s["required"], json!(["id", "user_id"]));
        assert_eq!(s["properties"]["links"]["items"]["type"], json!("object"));
        let item = &s["properties"]["addresses"]["additionalProperties"]["items"];
        assert!(item["properties"].get("OS-EXT-IPS:type").is_none());
        assert!(landed.stale(&rules, &["show"]).is_empty());
    }

    #[test]
    fn a_range_is_split_where_a_rule_starts_and_a_pointer_nowhere_is_stale() {
        let mut r = rule(NovaRuleKind::Pattern, Some(json!("^[a-z]*$")), "show", &["/server/user_id", "/server/gone"]);
        r.from = Some(v("2.5"));
        let rules = vec![r];
        let mut landed = Landed::default();
        let schemas = vec![RangedSchema { min_version: v("2.1"), max_version: v("2.9"), schema: server() }];
        let out = apply("show", BodyKind::Response, schemas, &rules, &mut landed);
        assert_eq!(out.len(), 2);
        assert_eq!((out[0].min_version, out[0].max_version), (v("2.1"), v("2.4")));
        assert!(out[0].schema["properties"]["server"]["properties"]["user_id"].get("pattern").is_none());
        assert_eq!(out[1].schema["properties"]["server"]["properties"]["user_id"]["pattern"], json!("^[a-z]*$"));
        assert_eq!(
            landed.stale(&rules, &["show"]),
            vec!["nova_rules[0] (Pattern): show /server/gone is in no derived schema"]
        );
        assert!(landed.stale(&rules, &["other"]).is_empty());
        // The other body and other operations are untouched.
        let same = vec![RangedSchema { min_version: v("2.1"), max_version: v("2.9"), schema: server() }];
        assert_eq!(apply("show", BodyKind::Request, same.clone(), &rules, &mut landed), same);
    }
}
