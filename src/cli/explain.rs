//! `tapedeck validate --explain`: for a failed rule, the source it comes from — the api-ref
//! table line, an override entry with its reason, or an adopted rule of Nova's own schemas —
//! so a provider can argue with it. The derived schemas carry the provenance in `$comment`
//! (written by `derive::render::provenance` and `derive::nova_rules`).

use serde_json::Value;
use tapedeck::derive::overrides::{NovaRuleKind, Overrides};
use tapedeck::schema_store::{OperationInfo, SchemaError};

/// The lines explaining `e`, indented for validate's output.
pub fn explain(schema: &Value, e: &SchemaError, op: &OperationInfo, overrides: &Overrides) -> Vec<String> {
    let keyword = e.schema_path.rsplit('/').next().unwrap_or_default();
    let comment = match keyword {
        // The rule sits on the parent; what it is about is the missing member.
        "required" => missing_member(&e.message).and_then(|name| {
            let parent = e.schema_path.rsplit_once('/').map_or("", |(p, _)| p);
            let node = schema.pointer(parent)?;
            let member = node.get("properties")?.get(&name)?;
            let own = member.get("$comment").and_then(Value::as_str).unwrap_or_default();
            let on_parent = node.get("$comment").and_then(Value::as_str).unwrap_or_default();
            // `nova_rules[i] required NAME` on the parent names which member it made required.
            let adopted = on_parent.split("; ").filter(|p| p.ends_with(&format!(" {name}"))).collect::<Vec<_>>();
            Some([own].into_iter().chain(adopted).filter(|s| !s.is_empty()).collect::<Vec<_>>().join("; "))
        }),
        _ => deepest_comment(schema, &e.schema_path),
    };
    let mut out = Vec::new();
    if keyword == "additionalProperties" {
        out.push(
            "rule: tapedeck closes every object whose members the api-ref lists (Nova 2.1+ answers complete \
             bodies); `--extra-keys warn` or `allow` relaxes it"
                .to_string(),
        );
    }
    let Some(comment) = comment.filter(|c| !c.is_empty()) else {
        if out.is_empty() {
            out.push(format!("rule: `{keyword}` of the api-ref's table for {} ({})", op.id, op.source));
        }
        return out;
    };
    let file = op.source.split(':').next().unwrap_or(&op.source);
    let mut adopted_here = false;
    for part in comment.split("; ") {
        let mut words = part.split(' ');
        match (words.next(), words.next(), words.next(), words.next()) {
            (Some("param"), Some(param), Some("line"), Some(line)) => {
                out.push(format!("field: parameters.yaml `{param}`, listed at api-ref {file}:{line}"))
            }
            (Some("param"), Some(param), _, _) => {
                out.push(format!("field: parameters.yaml `{param}`, added by overrides.yaml `unlisted`"))
            }
            (Some("overrides"), Some(entry), _, _) => out.push(override_line(entry, overrides)),
            (Some(rule), Some(kind), _, _) if rule.starts_with("nova_rules[") => {
                let i: Option<usize> = rule.trim_start_matches("nova_rules[").trim_end_matches(']').parse().ok();
                let Some(r) = i.and_then(|i| overrides.nova_rules.get(i)) else { continue };
                let applies = keyword_of(r.rule).is_none_or(|k| k == keyword) || kind == "member";
                if applies {
                    adopted_here = true;
                    out.push(format!(
                        "rule: Nova's own schema, adopted by overrides.yaml {rule} ({kind}): {} [{}]",
                        r.reason, r.source
                    ));
                }
            }
            _ => out.push(format!("note: {part}")),
        }
    }
    if !adopted_here && keyword != "additionalProperties" {
        out.push(format!("rule: `{keyword}` from the api-ref's table, as the overrides listed adjust it"));
    }
    out.sort_by_key(|line| !line.starts_with("rule:"));
    out
}

fn keyword_of(kind: NovaRuleKind) -> Option<&'static str> {
    match kind {
        NovaRuleKind::Required => Some("required"),
        NovaRuleKind::Absent => Some("additionalProperties"),
        other => other.keyword(),
    }
}

/// `fields[3]`, `nullable_from_prose`… with the entry's reason.
fn override_line(entry: &str, overrides: &Overrides) -> String {
    let reason = match entry.strip_prefix("fields[").and_then(|r| r.strip_suffix(']')).and_then(|i| i.parse().ok()) {
        Some(i) => overrides.fields.get::<usize>(i).map(|f| f.reason.clone()),
        None if entry == "nullable_from_prose" => overrides.nullable_from_prose.as_ref().map(|r| r.reason.clone()),
        None => overrides.formats_from_prose.first().map(|r| r.reason.clone()),
    };
    format!("override: overrides.yaml {entry}: {}", reason.unwrap_or_default().trim())
}

/// The `$comment` nearest the failing keyword along its schema path.
fn deepest_comment(schema: &Value, path: &str) -> Option<String> {
    let mut node = schema;
    let mut found = None;
    for seg in path.split('/').skip(1) {
        if let Some(c) = node.get("$comment").and_then(Value::as_str) {
            found = Some(c.to_string());
        }
        let seg = seg.replace("~1", "/").replace("~0", "~");
        node = match node {
            Value::Object(m) => m.get(&seg)?,
            Value::Array(a) => a.get(seg.parse::<usize>().ok()?)?,
            _ => return found,
        };
    }
    found
}

/// `"user_id" is a required property` → `user_id`.
fn missing_member(message: &str) -> Option<String> {
    let rest = message.strip_prefix('"')?;
    Some(rest[..rest.find('"')?].to_string())
}
