//! Draft `nova_rules` entries for overrides.yaml: Nova's stricter rules that the traffic agrees
//! with, grouped by rule and value, each listing the operations and pointers it would land at.
//! A draft, never applied by itself: the reviewer writes each entry's reason.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::{Value, json};

use super::compare::{Class, Rule, Strictness};
use super::facts::{Fact, Facts};
use super::traffic::parent_of;
use super::{Entry, Report};
use crate::microversion::Microversion;
use crate::schema_store::SchemaStore;

/// The rule's name in overrides.yaml and the value it writes, from Nova's facts at the
/// finding's pointer. `None`: nothing adoptable (a body, a status, a closed object).
pub fn nova_rule(rule: Rule, strictness: Strictness, pointer: &str, nova: &Facts) -> Option<(String, Option<Value>)> {
    if strictness != Strictness::NovaStricter {
        return None;
    }
    let fact = nova.get(pointer);
    let (kind, value) = match rule {
        Rule::Member => match fact {
            Some(_) => ("member", Some(schema_of(nova, pointer))),
            None => ("absent", None),
        },
        Rule::Required => ("required", None),
        Rule::Type => ("type", Some(types(fact?))),
        Rule::Values => {
            let values: Vec<Value> =
                fact?.values.as_ref()?.iter().filter_map(|v| serde_json::from_str(v).ok()).collect();
            ("values", Some(Value::Array(values)))
        }
        Rule::Format => ("format", Some(json!(fact?.format.as_ref()?))),
        Rule::Pattern => ("pattern", Some(json!(fact?.pattern.as_ref()?))),
        Rule::MinLength => ("min-length", Some(json!(fact?.min_length?))),
        Rule::MaxLength => ("max-length", Some(json!(fact?.max_length?))),
        Rule::Minimum => ("minimum", serde_json::from_str(fact?.minimum.as_ref()?).ok()),
        Rule::Maximum => ("maximum", serde_json::from_str(fact?.maximum.as_ref()?).ok()),
        Rule::Body | Rule::Status | Rule::Closed => return None,
    };
    Some((kind.to_string(), value))
}

/// The subtree of Nova's facts under `ptr`, written back as a JSON Schema.
fn schema_of(facts: &Facts, ptr: &str) -> Value {
    let fact = facts.get(ptr).cloned().unwrap_or_default();
    let mut s = fact.value_schema();
    if let Some(f) = &fact.format {
        s["format"] = json!(f);
    }
    let children: Vec<(&String, &Fact)> =
        facts.iter().filter(|(p, _)| p.len() > ptr.len() && parent_of(p) == ptr).collect();
    let mut properties = serde_json::Map::new();
    let mut required = Vec::new();
    for (p, f) in children {
        let name = &p[ptr.len() + 1..];
        match name {
            "*" => s["items"] = schema_of(facts, p),
            "{}" => s["additionalProperties"] = schema_of(facts, p),
            _ => {
                let name = name.replace("~1", "/").replace("~0", "~");
                if f.required {
                    required.push(json!(name));
                }
                properties.insert(name, schema_of(facts, p));
            }
        }
    }
    if !properties.is_empty() {
        s["properties"] = Value::Object(properties);
    }
    if !required.is_empty() {
        s["required"] = Value::Array(required);
    }
    if fact.closed {
        s["additionalProperties"] = json!(false);
    }
    s
}

fn types(f: &Fact) -> Value {
    let t: Vec<&String> = f.types.iter().collect();
    if t.len() == 1 { json!(t[0]) } else { json!(t) }
}

/// One draft entry: what it writes and where.
#[derive(Default)]
struct Draft {
    at: BTreeMap<String, Vec<String>>,
    sources: Vec<String>,
    entries: usize,
}

/// The drafts as YAML for the `nova_rules:` list, from the report's schema-stricter entries.
/// A rule spans Nova's whole range for it (the ranges the traffic did not reach included) unless
/// some entry for the same rule says the traffic breaks it.
pub fn drafts(report: &Report, store: &SchemaStore) -> String {
    type Key = (String, &'static str, String, Option<Microversion>, Option<Microversion>);
    // (operation, body, pointer, rule, value) → its ranges and classes.
    let mut spans: BTreeMap<(String, &'static str, String, String, String), Vec<&Entry>> = BTreeMap::new();
    for e in report.entries.iter().filter(|e| e.nova_rule.is_some()) {
        let (kind, value) = e.nova_rule.as_ref().expect("filtered");
        let value = value.as_ref().map(Value::to_string).unwrap_or_default();
        spans.entry((e.operation.clone(), e.body, e.pointer.clone(), kind.clone(), value)).or_default().push(e);
    }
    let mut drafts: BTreeMap<Key, Draft> = BTreeMap::new();
    for ((op, body, pointer, kind, value), entries) in spans {
        let agreed = entries.iter().any(|e| e.class == Class::SchemaStricter);
        let broken = entries.iter().any(|e| !matches!(e.class, Class::SchemaStricter | Class::NotExercised));
        if !agreed || broken {
            continue;
        }
        let lo = entries.iter().map(|e| e.min_version).min().expect("one entry");
        let hi = entries.iter().map(|e| e.max_version).max().expect("one entry");
        let (op_lo, op_hi) = store.operation(&op).map_or((lo, hi), |o| (o.min_version, o.max_version));
        let from = (lo > op_lo).then_some(lo);
        let until = (hi < op_hi).then_some(hi);
        let d = drafts.entry((kind, body, value, from, until)).or_default();
        d.at.entry(op).or_default().push(pointer);
        d.entries += entries.len();
        for e in entries {
            for s in &e.nova_source {
                if !d.sources.contains(s) {
                    d.sources.push(s.clone());
                }
            }
        }
    }
    let mut s = format!(
        "# Drafts written by `tapedeck schemas drift --propose` from the report on nova {}: each is a rule\n\
         # Nova's own schema enforces, stricter than the api-ref, that the recorded traffic agrees with.\n\
         # Review each, write its reason and source, and add it to `nova_rules:` in\n\
         # src/derive/overrides.yaml. Nothing here changes validation until then.\n",
        report.nova
    );
    for ((kind, body, value, from, until), d) in drafts {
        let _ = writeln!(s, "  - rule: {kind}");
        if !value.is_empty() {
            let _ = writeln!(s, "    value: {value}");
        }
        let _ = writeln!(s, "    body: {body}");
        if let Some(f) = from {
            let _ = writeln!(s, "    from: \"{f}\"");
        }
        if let Some(u) = until {
            let _ = writeln!(s, "    until: \"{u}\"");
        }
        let _ = writeln!(s, "    at:");
        for (op, ptrs) in &d.at {
            let ptrs: Vec<String> = ptrs.iter().map(|p| json!(p).to_string()).collect();
            let _ = writeln!(s, "      {op}: [{}]", ptrs.join(", "));
        }
        let _ = writeln!(s, "    reason: TODO ({} report entries)", d.entries);
        let _ = writeln!(s, "    source: {}", json!(format!("nova {} {}", report.nova, short_sources(&d.sources))));
    }
    s
}

/// `nova.api.openstack.compute.schemas.servers:show_response_v2100`, … → `schemas/servers.py
/// show_response*` — a name with a `*` stands for it and its per-microversion variants.
fn short_sources(sources: &[String]) -> String {
    let mut by_module: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for src in sources {
        let (module, name) = src.split_once(':').unwrap_or(("", src.as_str()));
        let module = module.rsplit('.').next().unwrap_or(module);
        let base = match name.rfind("_v") {
            Some(i) if name[i + 2..].chars().all(|c| c.is_ascii_digit()) && i + 2 < name.len() => &name[..i],
            _ => name,
        };
        let names = by_module.entry(format!("schemas/{module}.py")).or_default();
        let varied = base != name;
        match names.iter_mut().find(|n| n.trim_end_matches('*') == base) {
            Some(n) if varied && !n.ends_with('*') => n.push('*'),
            Some(_) => {}
            None => names.push(if varied { format!("{base}*") } else { base.to_string() }),
        }
    }
    by_module.iter().map(|(m, names)| format!("{m} {}", names.join(", "))).collect::<Vec<_>>().join("; ")
}
