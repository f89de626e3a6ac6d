//! Microversion ranges: where a body's field set changes, a new schema begins.

use std::collections::BTreeSet;

use serde_json::Value;

use super::nesting::Field;
use super::render::render_body;
use crate::microversion::Microversion;
use crate::schema_store::files::RangedSchema;

/// Versions at which some field appears or disappears, within `[min, max]`, starting with `min`.
pub fn breakpoints(fields: &[Field], min: Microversion, max: Microversion) -> Vec<Microversion> {
    let mut points = BTreeSet::from([min]);
    collect(fields, &mut points);
    points.into_iter().filter(|v| *v >= min && *v <= max).collect()
}

fn collect(fields: &[Field], points: &mut BTreeSet<Microversion>) {
    for f in fields {
        if let Some(v) = f.min_version {
            points.insert(v);
        }
        if let Some(v) = f.max_version {
            points.insert(next(v));
        }
        if let Some((_, v)) = &f.tweak.string_values {
            points.insert(*v);
        }
        if let Some(v) = f.tweak.empty_string_until {
            points.insert(next(v));
        }
        collect(&f.children, points);
    }
}

fn next(v: Microversion) -> Microversion {
    Microversion::new(v.major, v.minor.saturating_add(1))
}

fn previous(v: Microversion) -> Microversion {
    Microversion::new(v.major, v.minor.saturating_sub(1))
}

/// One schema per range of identical schemas, covering `[min, max]`.
pub fn ranged_schemas(
    fields: &[Field],
    map_values: Option<&Value>,
    min: Microversion,
    max: Microversion,
) -> Vec<RangedSchema> {
    let points = breakpoints(fields, min, max);
    let mut out: Vec<RangedSchema> = Vec::new();
    for (i, start) in points.iter().enumerate() {
        let end = points.get(i + 1).map(|n| previous(*n)).unwrap_or(max);
        let schema: Value = render_body(fields, map_values, *start);
        match out.last_mut() {
            Some(last) if last.schema == schema => last.max_version = end,
            _ => out.push(RangedSchema { min_version: *start, max_version: end, schema }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::derive::overrides::Tweak;
    use crate::derive::params::ParamType;

    fn v(s: &str) -> Microversion {
        s.parse().unwrap()
    }

    fn field(name: &str, min: Option<&str>, max: Option<&str>) -> Field {
        Field {
            name: name.into(),
            param: name.into(),
            ty: ParamType::String,
            required: true,
            min_version: min.map(v),
            max_version: max.map(v),
            line: 1,
            children: vec![],
            tweak: Tweak::default(),
        }
    }

    #[test]
    fn ranges_split_where_fields_change_and_compare_as_integers() {
        let fields =
            vec![field("a", None, None), field("b", Some("2.9"), Some("2.99")), field("c", Some("2.100"), None)];
        let ranges = ranged_schemas(&fields, None, v("2.1"), v("2.104"));
        let spans: Vec<_> = ranges.iter().map(|r| (r.min_version.to_string(), r.max_version.to_string())).collect();
        assert_eq!(
            spans,
            vec![("2.1".into(), "2.8".into()), ("2.9".into(), "2.99".into()), ("2.100".into(), "2.104".into())]
        );
        assert!(ranges[2].schema["properties"].get("b").is_none());
    }

    #[test]
    fn breakpoints_outside_the_operation_are_ignored() {
        let fields = vec![field("a", Some("2.3"), None)];
        assert_eq!(breakpoints(&fields, v("2.17"), v("2.104")), vec![v("2.17")]);
    }
}
