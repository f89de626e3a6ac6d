//! Three witnesses of the Compute API: the api-ref (the derived `schemas/`), Nova's own
//! schemas (`nova-schemas/<release>/`) and recorded traffic (cassettes). Where the first two
//! disagree — per operation, body, status, microversion range and JSON pointer — the traffic
//! says which is right, and each disagreement is classified.

pub mod compare;
pub mod facts;
pub mod nova;
pub mod propose;
pub mod render;
pub mod traffic;

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use serde_json::Value;

use self::compare::{Class, Finding, Rule, Strictness, classify, satisfies, summary};
use self::facts::{Facts, flatten};
use self::nova::NovaOperation;
use self::traffic::{Place, Seen, Traffic, parent_of};
use crate::cassette::Cassette;
use crate::check::schema::requested_microversion;
use crate::microversion::Microversion;
use crate::schema_store::{LookupError, SchemaStore, Target};

/// 1: the first format.
pub const FORMAT: u32 = 1;

#[derive(Debug, Serialize)]
pub struct Report {
    pub format: u32,
    /// The Nova release whose schemas were read.
    pub nova: String,
    /// Operations both witnesses describe.
    pub operations: usize,
    /// Recorded documents (request and response bodies) the traffic witness holds.
    pub documents: usize,
    pub counts: BTreeMap<Class, usize>,
    pub entries: Vec<Entry>,
    /// api-ref operations Nova's routes do not have.
    pub without_nova_schema: Vec<String>,
}

/// One disagreement over a range of microversions.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub operation: String,
    /// `servers.inc:284`: where the api-ref writes the operation.
    pub api_ref_source: String,
    /// `request`, or `response`.
    pub body: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    pub min_version: Microversion,
    pub max_version: Microversion,
    pub pointer: String,
    pub rule: Rule,
    pub api_ref: String,
    pub nova: String,
    /// Where Nova's rule is written (`module:name`), one per range it spans.
    pub nova_source: Vec<String>,
    pub strictness: Strictness,
    pub class: Class,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub traffic: Option<String>,
    /// What adopting Nova's rule would write (overrides.yaml `nova_rules`): the rule's name and
    /// value; only where Nova is the stricter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nova_rule: Option<(String, Option<Value>)>,
}

/// Compare every operation both witnesses describe, judged by the traffic of `cassettes`.
pub fn three_way(store: &SchemaStore, nova: &[NovaOperation], release: &str, cassettes: &[Cassette]) -> Report {
    let by_id: HashMap<&str, &NovaOperation> = nova.iter().map(|o| (o.id.as_str(), o)).collect();
    let mut sides = SideCache::default();
    let mut traffic = Traffic::default();
    let mut documents = 0;
    for e in cassettes.iter().flat_map(|c| c.exchanges.iter()) {
        let Some(op) = store.match_request(&e.request.method, &e.request.path, e.request.body.as_ref()) else {
            continue;
        };
        let Some(n) = by_id.get(op.id.as_str()) else { continue };
        let mv = requested_microversion(e);
        let status = e.response.status;
        // A request body is evidence of what is valid only when Nova took it.
        if let Some(body) = e.request.body.as_ref().filter(|_| (200..300).contains(&status)) {
            let known = &sides.get(store, n, None, mv).known;
            traffic.add(Place { operation: op.id.clone(), status: None, microversion: mv }, body, known);
            documents += 1;
        }
        if status < 400 {
            let body = e.response.body.as_deref().unwrap_or(&Value::Null);
            let known = &sides.get(store, n, Some(status), mv).known;
            traffic.add(Place { operation: op.id.clone(), status: Some(status), microversion: mv }, body, known);
            documents += 1;
        }
    }
    let mut entries = Vec::new();
    let mut without = Vec::new();
    let mut operations = 0;
    for info in store.operations() {
        let Some(n) = by_id.get(info.id.as_str()) else {
            without.push(info.id.clone());
            continue;
        };
        operations += 1;
        let ranges = elementary(info.min_version, info.max_version, n, store, &info.id);
        let mut found: Vec<(usize, Entry)> = Vec::new();
        for (i, &(lo, hi)) in ranges.iter().enumerate() {
            for status in [None, Some(n.code_at(lo, info.max_version))] {
                let side = sides.get(store, n, status, lo);
                let findings = match (&side.undocumented_status, status) {
                    (Some(codes), Some(code)) => vec![Finding {
                        status,
                        pointer: String::new(),
                        rule: Rule::Status,
                        api_ref: codes.clone(),
                        nova: code.to_string(),
                        strictness: Strictness::Different,
                    }],
                    _ => compare::compare(side.api.as_ref(), side.nova.as_ref(), status),
                };
                for f in findings {
                    let (class, seen) = judge(&f, side, &traffic, &info.id, lo, hi);
                    let nova_rule =
                        side.nova.as_ref().and_then(|n| propose::nova_rule(f.rule, f.strictness, &f.pointer, n));
                    let entry = Entry {
                        operation: info.id.clone(),
                        api_ref_source: info.source.clone(),
                        body: if status.is_none() { "request" } else { "response" },
                        status,
                        min_version: lo,
                        max_version: hi,
                        pointer: f.pointer,
                        rule: f.rule,
                        api_ref: f.api_ref,
                        nova: f.nova,
                        nova_source: side.nova_source.clone().into_iter().collect(),
                        strictness: f.strictness,
                        class,
                        traffic: seen.as_ref().map(summary),
                        nova_rule,
                    };
                    merge(&mut found, i, entry);
                }
            }
        }
        entries.extend(found.into_iter().map(|(_, e)| e));
    }
    // The traffic line of a merged entry covers its whole range.
    for e in &mut entries {
        if e.class != Class::NotExercised {
            let status = if e.body == "request" { None } else { e.status };
            e.traffic =
                seen_at(&traffic, &e.operation, status, e.min_version, e.max_version, &e.pointer).as_ref().map(summary);
        }
    }
    let mut counts = BTreeMap::new();
    for e in &entries {
        *counts.entry(e.class).or_default() += 1;
    }
    Report {
        format: FORMAT,
        nova: release.to_string(),
        operations,
        documents,
        counts,
        entries,
        without_nova_schema: without,
    }
}

/// Append `entry` (found on elementary range `i`), extending the same finding of range `i-1`.
fn merge(found: &mut Vec<(usize, Entry)>, i: usize, entry: Entry) {
    let same = |a: &Entry, b: &Entry| {
        (a.body, a.status, &a.pointer, a.rule, &a.api_ref, &a.nova, a.class, &a.nova_rule)
            == (b.body, b.status, &b.pointer, b.rule, &b.api_ref, &b.nova, b.class, &b.nova_rule)
    };
    if let Some((last, prev)) = found.iter_mut().rev().find(|(last, prev)| *last + 1 == i && same(prev, &entry)) {
        *last = i;
        prev.max_version = entry.max_version;
        for s in entry.nova_source {
            if !prev.nova_source.contains(&s) {
                prev.nova_source.push(s);
            }
        }
        return;
    }
    found.push((i, entry));
}

fn judge(
    f: &Finding,
    side: &Side,
    traffic: &Traffic,
    op: &str,
    lo: Microversion,
    hi: Microversion,
) -> (Class, Option<Seen>) {
    if traffic.documents(op, f.status, lo, hi) == 0 {
        return (Class::NotExercised, None);
    }
    if matches!(f.rule, Rule::Body | Rule::Status) {
        return (classify(f.strictness, f.rule == Rule::Body, true), None);
    }
    let Some(seen) = seen_at(traffic, op, f.status, lo, hi, &f.pointer) else { return (Class::NotExercised, None) };
    // A rule on a member's value needs the member; one on its presence needs the parent. A
    // member one side lists with a schema is a rule on its value: judged only where it was
    // seen (a parent recorded without it says nothing about what the member may hold).
    let (api, nova) = (side.api.as_ref(), side.nova.as_ref());
    let listed = |facts: Option<&Facts>| facts.is_some_and(|x| x.contains_key(&f.pointer));
    let reached = match f.rule {
        Rule::Member if listed(api) != listed(nova) && !f.nova.starts_with("not ") => seen.present > 0,
        Rule::Member | Rule::Required => seen.parents > 0 || seen.present > 0,
        _ => seen.present > 0,
    };
    if !reached {
        return (Class::NotExercised, None);
    }
    let parent = parent_of(&f.pointer);
    let api_ok = satisfies(f, "api", api.and_then(|a| a.get(&f.pointer)), api.and_then(|a| a.get(parent)), &seen);
    let nova_ok = satisfies(f, "nova", nova.and_then(|n| n.get(&f.pointer)), nova.and_then(|n| n.get(parent)), &seen);
    match (api_ok, nova_ok) {
        (Some(api_ok), Some(nova_ok)) => (classify(f.strictness, api_ok, nova_ok), Some(seen)),
        _ => (Class::Unjudged, Some(seen)),
    }
}

/// What the traffic saw at a pointer; a member never seen counts its parent's appearances.
fn seen_at(
    traffic: &Traffic,
    op: &str,
    status: Option<u16>,
    lo: Microversion,
    hi: Microversion,
    ptr: &str,
) -> Option<Seen> {
    let seen = traffic.at(op, status, lo, hi, ptr)?;
    if seen.parents > 0 || seen.present > 0 {
        return Some(seen);
    }
    let parent = traffic.at(op, status, lo, hi, parent_of(ptr))?;
    Some(Seen { parents: parent.present, ..seen })
}

/// The microversion ranges on which neither witness changes its schema.
fn elementary(
    lo: Microversion,
    hi: Microversion,
    n: &NovaOperation,
    store: &SchemaStore,
    id: &str,
) -> Vec<(Microversion, Microversion)> {
    let mut starts = std::collections::BTreeSet::from([lo]);
    let mut cut = |min: Microversion, max: Microversion| {
        starts.insert(min.max(lo));
        if max < hi {
            starts.insert(Microversion::new(max.major, max.minor + 1));
        }
    };
    for s in n.request.iter().chain(&n.response) {
        if let Some((a, b)) = nova::bounds(&s.min_version, &s.max_version, lo, hi) {
            cut(a, b);
        }
    }
    for c in &n.codes {
        if let Some((a, b)) = nova::bounds(&c.min_version, &c.max_version, lo, hi) {
            cut(a, b);
        }
    }
    for (min, max) in store.ranges(id) {
        cut(min, max);
    }
    let starts: Vec<Microversion> = starts.into_iter().filter(|s| *s >= lo && *s <= hi).collect();
    starts
        .iter()
        .enumerate()
        .map(|(i, &a)| {
            let b = starts.get(i + 1).map_or(hi, |next| Microversion::new(next.major, next.minor - 1));
            (a, b)
        })
        .collect()
}

/// Both witnesses' facts for one body of one operation at one microversion.
#[derive(Debug, Clone, Default)]
struct Side {
    api: Option<Facts>,
    nova: Option<Facts>,
    nova_source: Option<String>,
    /// The api-ref does not document Nova's success status: its normal codes.
    undocumented_status: Option<String>,
    /// Every pointer either describes.
    known: Facts,
}

/// The pointers either witness describes (to fold map keys in traffic).
fn known(api: Option<&Facts>, nova: Option<&Facts>) -> Facts {
    let mut k = api.cloned().unwrap_or_default();
    for (p, f) in nova.into_iter().flatten() {
        k.entry(p.clone()).or_insert_with(|| f.clone());
    }
    k
}

#[derive(Default)]
struct SideCache {
    sides: HashMap<(String, Option<u16>, Microversion), Side>,
}

impl SideCache {
    fn get(&mut self, store: &SchemaStore, n: &NovaOperation, status: Option<u16>, mv: Microversion) -> &Side {
        self.sides.entry((n.id.clone(), status, mv)).or_insert_with(|| {
            let top = store.operation(&n.id).map_or(mv, |o| o.max_version);
            let (nova_list, target) = match status {
                None => (&n.request, Target::Request),
                Some(code) => (&n.response, Target::Response { status: code }),
            };
            let nova = NovaOperation::schema_at(nova_list, mv, top);
            let mut side = Side {
                nova: nova.map(|s| nova::in_our_terms(flatten(&s.schema))),
                nova_source: nova.map(|s| s.source.clone()),
                ..Side::default()
            };
            match store.schema(&n.id, target, mv) {
                Ok(schema) => side.api = Some(flatten(&schema)),
                Err(LookupError::UndocumentedStatus { normal, .. }) => {
                    side.undocumented_status = Some(normal.iter().map(u16::to_string).collect::<Vec<_>>().join(", "));
                }
                Err(_) => {}
            }
            side.known = known(side.api.as_ref(), side.nova.as_ref());
            side
        })
    }
}
