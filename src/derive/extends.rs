//! Operations the api-ref writes as a difference from another (overrides.yaml `extends`):
//! `Create Multiple Servers` lists only what it adds to `Create Server`.

use serde_json::{Value, json};

use super::overrides::Extends;
use crate::schema_store::files::{DRAFT, OperationFile, RangedSchema};

/// Rewrite `op` from `base`: the base's request ranges with `op`'s own parameters added inside
/// the envelope, and each of the base's answers for a code `op` has alongside `op`'s own.
pub fn apply(op: &mut OperationFile, base: &OperationFile, ext: &Extends) -> Result<(), String> {
    let own: Vec<(String, Value)> = op
        .request
        .first()
        .and_then(|r| r.schema.get("properties"))
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    if own.is_empty() {
        return Err(format!("extends {}: the operation lists no request parameters of its own", ext.operation));
    }
    let mut request = Vec::new();
    for range in &base.request {
        let mut schema = range.schema.clone();
        let props = schema
            .pointer_mut(&format!("/properties/{}/properties", ext.into))
            .and_then(Value::as_object_mut)
            .ok_or_else(|| format!("extends {}: {}'s request has no `{}` object", ext.operation, base.id, ext.into))?;
        for (name, field) in &own {
            // `name` is the base's own member; the section lists it again for its prose.
            props.entry(name.clone()).or_insert_with(|| field.clone());
        }
        request.push(RangedSchema { schema, ..range.clone() });
    }
    op.request = request;
    for (code, base_ranges) in &base.responses {
        let mine = op.responses.get(code).and_then(|r| r.first()).map(|r| r.schema.clone());
        let ranges = base_ranges
            .iter()
            .map(|r| {
                let schema = match &mine {
                    Some(own) => json!({"$schema": DRAFT, "anyOf": [without_dialect(own), without_dialect(&r.schema)]}),
                    None => r.schema.clone(),
                };
                RangedSchema { schema, ..r.clone() }
            })
            .collect();
        op.responses.insert(code.clone(), ranges);
    }
    if op.normal_codes.is_empty() {
        op.normal_codes = base.normal_codes.clone();
    }
    op.min_version = base.min_version;
    op.max_version = base.max_version;
    Ok(())
}

fn without_dialect(schema: &Value) -> Value {
    let mut s = schema.clone();
    if let Some(map) = s.as_object_mut() {
        map.remove("$schema");
    }
    s
}
