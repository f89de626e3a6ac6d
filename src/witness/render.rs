//! The three-way report as Markdown (for reviewers) and JSON (for tools).

use std::fmt::Write;

use super::compare::{Class, name_of};
use super::{Entry, Report};

const API_REF: &str = "https://docs.openstack.org/api-ref/compute/";

/// The report as JSON, one entry per line: a regenerated report diffs entry by entry.
pub fn json(report: &Report) -> String {
    let mut s = String::from("{\n");
    let _ = writeln!(s, "  \"format\": {},", report.format);
    let _ = writeln!(s, "  \"nova\": {},", line(&report.nova));
    let _ = writeln!(s, "  \"operations\": {},", report.operations);
    let _ = writeln!(s, "  \"documents\": {},", report.documents);
    let _ = writeln!(s, "  \"counts\": {},", line(&report.counts));
    let _ = writeln!(s, "  \"without_nova_schema\": {},", line(&report.without_nova_schema));
    s.push_str("  \"entries\": [\n");
    for (i, e) in report.entries.iter().enumerate() {
        let comma = if i + 1 < report.entries.len() { "," } else { "" };
        let _ = writeln!(s, "    {}{comma}", line(e));
    }
    s.push_str("  ]\n}\n");
    s
}

/// One line of JSON.
fn line<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

pub fn markdown(r: &Report) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Three witnesses of the Compute API: the api-ref, Nova {} and its traffic\n", r.nova);
    let _ = writeln!(
        s,
        "Written by `tapedeck schemas drift`; do not edit. For each of the {} operations both the api-ref \
         (`schemas/`, derived from its tables) and Nova's own schemas (`nova-schemas/{}/`) describe, every \
         JSON pointer where they disagree, per body, status and microversion range, judged by {} recorded \
         documents (the shipped cassettes, recorded from the real Nova).\n",
        r.operations, r.nova, r.documents
    );
    let _ = writeln!(s, "| class | entries | meaning |\n|---|---:|---|");
    for (class, n) in &r.counts {
        let _ = writeln!(s, "| {} | {n} | {} |", name(*class), class.describe());
    }
    let _ = writeln!(
        s,
        "\nHow to read an entry: *api-ref* and *Nova* are what each witness says at the pointer (`*` is \
         every array item, `{{}}` every value of a map); *traffic* is what the recorded documents showed there \
         (in how many of the documents holding the parent the member was present, the types, a few values). \
         A rule Nova enforces more strictly than the api-ref, that the traffic agrees with, becomes part of \
         validation only through a reviewed entry in `src/derive/overrides.yaml`; once the derived schema \
         carries it, the entry leaves this report.\n"
    );
    if !r.without_nova_schema.is_empty() {
        let _ = writeln!(
            s,
            "api-ref operations Nova's routes do not serve (not compared): {}.\n",
            r.without_nova_schema.iter().map(|o| format!("`{o}`")).collect::<Vec<_>>().join(", ")
        );
    }
    for class in [
        Class::ProviderBug,
        Class::NovaSchemaBug,
        Class::DocumentationBug,
        Class::SchemaStricter,
        Class::SchemaLooser,
        Class::Differs,
    ] {
        let entries: Vec<&Entry> = r.entries.iter().filter(|e| e.class == class).collect();
        if entries.is_empty() {
            continue;
        }
        let _ = writeln!(s, "## {} ({})\n\n{}.\n", name(class), entries.len(), class.describe());
        // Long sections fold, so the short ones that matter most stay in view.
        let fold = entries.len() > 40;
        if fold {
            let _ = writeln!(s, "<details><summary>{} entries</summary>\n", entries.len());
        }
        let _ = writeln!(s, "| operation | body | microversions | pointer | rule | api-ref | Nova | traffic |");
        let _ = writeln!(s, "|---|---|---|---|---|---|---|---|");
        for e in entries {
            let body = match e.status {
                Some(code) => format!("{} {code}", e.body),
                None => e.body.to_string(),
            };
            let range = if e.min_version == e.max_version {
                e.min_version.to_string()
            } else {
                format!("{}–{}", e.min_version, e.max_version)
            };
            let source = match e.nova_source.as_slice() {
                [] => String::new(),
                [one] => format!(" ({})", short(one)),
                [first, rest @ ..] => format!(" ({} and {} more)", short(first), rest.len()),
            };
            let _ = writeln!(
                s,
                "| [{op}]({API_REF}#{op}) | {body} | {range} | `{ptr}` | {rule} | {api} | {nova}{source} | {traffic} |",
                op = e.operation,
                ptr = if e.pointer.is_empty() { "(body)" } else { &e.pointer },
                rule = rule_name(e),
                api = cell(&e.api_ref),
                nova = cell(&e.nova),
                traffic = e.traffic.as_deref().map(cell).unwrap_or_default(),
            );
        }
        if fold {
            let _ = writeln!(s, "\n</details>");
        }
        s.push('\n');
    }
    not_exercised(&mut s, r);
    s
}

/// What no recorded document reaches, counted per operation (each entry is in the JSON).
fn not_exercised(s: &mut String, r: &Report) {
    let mut per_op: std::collections::BTreeMap<&str, (usize, std::collections::BTreeSet<String>)> = Default::default();
    for e in r.entries.iter().filter(|e| e.class == Class::NotExercised) {
        let slot = per_op.entry(&e.operation).or_default();
        slot.0 += 1;
        slot.1.insert(rule_name(e));
    }
    if per_op.is_empty() {
        return;
    }
    let total: usize = per_op.values().map(|(n, _)| n).sum();
    let _ = writeln!(
        s,
        "## {} ({total})\n\n{}: the disagreements stand, but no recorded document says which witness is \
         right. Per operation here; every entry is in the JSON report.\n",
        name(Class::NotExercised),
        Class::NotExercised.describe()
    );
    let _ = writeln!(s, "<details><summary>{} operations</summary>\n", per_op.len());
    let _ = writeln!(s, "| operation | entries | rules |\n|---|---:|---|");
    for (op, (n, rules)) in per_op {
        let rules: Vec<String> = rules.into_iter().collect();
        let _ = writeln!(s, "| [{op}]({API_REF}#{op}) | {n} | {} |", rules.join(", "));
    }
    let _ = writeln!(s, "\n</details>\n");
}

fn rule_name(e: &Entry) -> String {
    name_of(e.rule)
}

fn name(c: Class) -> String {
    name_of(c)
}

/// `nova.api.openstack.compute.schemas.servers:show_response` → `servers:show_response`.
fn short(source: &str) -> String {
    source.strip_prefix("nova.api.openstack.compute.schemas.").unwrap_or(source).to_string()
}

/// A table cell: pipes escaped, cut to a readable length.
fn cell(text: &str) -> String {
    let t = crate::util::json::truncate(text, 120);
    t.replace('|', "\\|").replace('\n', " ")
}
