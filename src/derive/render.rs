//! A body tree rendered as a JSON Schema at one microversion.
//!
//! Objects that list their members get `additionalProperties: false` (Nova 2.1+ returns
//! complete, unmodified bodies); the schema store can downgrade those errors for
//! `--extra-keys warn|allow`, so one schema serves all three modes.

use serde_json::{Map, Value, json};

use super::nesting::Field;
use super::params::ParamType;
use crate::microversion::Microversion;
use crate::schema_store::files::DRAFT;

/// Whether a field exists at `mv`.
pub fn active(field: &Field, mv: Microversion) -> bool {
    field.min_version.is_none_or(|min| mv >= min) && field.max_version.is_none_or(|max| mv <= max)
}

/// The whole body at `mv`; `{"type": "null"}` when no field is present (no body). A body
/// that is a map (`map_values`) has arbitrary keys.
pub fn render_body(fields: &[Field], map_values: Option<&Value>, mv: Microversion) -> Value {
    let mut schema = match (object_schema(fields, mv), map_values) {
        (Some(s), _) => s,
        (None, Some(values)) => json!({"type": "object", "additionalProperties": values, "minProperties": 1}),
        (None, None) => json!({"type": "null"}),
    };
    if let Some(map) = schema.as_object_mut() {
        map.insert("$schema".into(), json!(DRAFT));
    }
    schema
}

fn object_schema(fields: &[Field], mv: Microversion) -> Option<Value> {
    let present: Vec<&Field> = fields.iter().filter(|f| active(f, mv)).collect();
    if present.is_empty() {
        return None;
    }
    let mut properties = Map::new();
    let mut required = Vec::new();
    for f in present {
        properties.insert(f.name.clone(), render_field(f, mv));
        let is_required = match f.tweak.required_from {
            Some(from) => mv >= from,
            None => f.tweak.required.unwrap_or(f.required),
        };
        if is_required {
            required.push(json!(f.name));
        }
    }
    let mut schema = Map::new();
    schema.insert("type".into(), json!("object"));
    schema.insert("properties".into(), Value::Object(properties));
    if !required.is_empty() {
        schema.insert("required".into(), Value::Array(required));
    }
    schema.insert("additionalProperties".into(), json!(false));
    Some(Value::Object(schema))
}

fn render_field(field: &Field, mv: Microversion) -> Value {
    let mut schema = render_type(field, mv);
    if let Some(map) = schema.as_object_mut() {
        map.insert("$comment".into(), json!(provenance(field)));
    }
    schema
}

/// Where a field's rules come from, for `tapedeck validate --explain`: the parameters.yaml
/// entry and the line of the operation's .inc file that lists it, then the override entries
/// that changed it.
pub fn provenance(field: &Field) -> String {
    let mut s = if field.line == 0 {
        format!("param {} (overrides unlisted)", field.param)
    } else {
        format!("param {} line {}", field.param, field.line)
    };
    for src in &field.tweak.sources {
        s.push_str("; overrides ");
        s.push_str(src);
    }
    s
}

fn render_type(field: &Field, mv: Microversion) -> Value {
    let t = &field.tweak;
    if let Some(schema) = &t.schema {
        return schema.clone();
    }
    let mut schema = match (field.ty, &t.map_values) {
        (ParamType::Object, Some(values)) => json!({"type": "object", "additionalProperties": values}),
        (ParamType::Object, None) => object_schema(&field.children, mv).unwrap_or_else(|| json!({"type": "object"})),
        (ParamType::Array, _) => match object_schema(&field.children, mv) {
            Some(items) => json!({"type": "array", "items": items}),
            None => json!({"type": "array"}),
        },
        (ParamType::String, _) => json!({"type": "string"}),
        (ParamType::Integer, _) => json!({"type": "integer"}),
        (ParamType::Float, _) => json!({"type": "number"}),
        (ParamType::Boolean, _) => json!({"type": "boolean"}),
        // A no-body action that later gained members (`unshelve` from 2.77): null or object.
        (ParamType::None, _) => match object_schema(&field.children, mv) {
            Some(mut object) => {
                object["type"] = json!(["object", "null"]);
                object
            }
            None => json!({"type": "null"}),
        },
    };
    let Some(map) = schema.as_object_mut() else { return schema };
    let mut types = vec![map.get("type").cloned().unwrap_or(Value::Null)];
    if let Some(values) = &t.enum_values {
        let mut values = values.clone();
        if t.nullable {
            values.push(Value::Null);
        }
        map.insert("enum".into(), Value::Array(values));
    }
    let empty_string = t.empty_string && t.empty_string_until.is_none_or(|until| mv <= until);
    match (&t.format, empty_string) {
        (Some(format), true) => {
            map.insert("anyOf".into(), json!([{"format": format}, {"const": ""}]));
        }
        (Some(format), false) => {
            map.insert("format".into(), json!(format));
        }
        (None, true) if field.ty != ParamType::String => {
            // e.g. `image`: an object, or "" for a server booted from volume.
            types.push(json!("string"));
            map.insert("maxLength".into(), json!(0));
        }
        (None, _) => {}
    }
    if t.nullable {
        types.push(json!("null"));
    }
    if types.len() > 1 {
        map.insert("type".into(), Value::Array(types));
    }
    if let Some((values, from)) = &t.string_values
        && mv >= *from
    {
        return json!({"anyOf": [schema, {"type": "string", "enum": values}]});
    }
    schema
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::derive::overrides::Tweak;

    fn field(name: &str, ty: ParamType, min: Option<&str>) -> Field {
        Field {
            name: name.into(),
            param: name.into(),
            ty,
            required: true,
            min_version: min.map(|m| m.parse().unwrap()),
            max_version: None,
            line: 1,
            children: vec![],
            tweak: Tweak::default(),
        }
    }

    #[test]
    fn renders_versions_nullable_and_empty_string() {
        let mut server = field("server", ParamType::Object, None);
        let mut image = field("image", ParamType::Object, None);
        image.tweak.empty_string = true;
        let mut desc = field("description", ParamType::String, Some("2.19"));
        desc.tweak.nullable = true;
        server.children = vec![image, desc];
        let at = |v: &str| render_body(std::slice::from_ref(&server), None, v.parse().unwrap());
        let old = at("2.18");
        assert_eq!(old["properties"]["server"]["required"], json!(["image"]));
        assert_eq!(
            old["properties"]["server"]["properties"]["image"],
            json!({"type": ["object", "string"], "maxLength": 0, "$comment": "param image line 1"})
        );
        let new = at("2.19");
        assert_eq!(new["properties"]["server"]["properties"]["description"]["type"], json!(["string", "null"]));
        assert_eq!(new["additionalProperties"], json!(false));
        assert_eq!(render_body(&[], None, Microversion::MIN)["type"], json!("null"));
        let map = render_body(&[], Some(&json!({"type": "string"})), Microversion::MIN);
        assert_eq!(map["additionalProperties"], json!({"type": "string"}));
    }
}
