//! `parameters.yaml`: the flat dictionary `key → {in, required, type, min_version?, ...}`.
//!
//! Traps handled here: versions are unquoted YAML floats (`2.100` must stay 2.100, so the
//! scalar is read as text), and some entries inherit through merge keys (`<<: *anchor`).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::error::DeriveError;
use crate::microversion::Microversion;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    Header,
    Path,
    Query,
    Body,
}

/// The `type:` vocabulary of parameters.yaml (all lowercase there).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    String,
    Integer,
    Float,
    Boolean,
    Object,
    Array,
    /// `none`: a no-body action such as `{"pause": null}`.
    None,
}

impl ParamType {
    fn parse(text: &str) -> Option<ParamType> {
        Some(match text.trim().to_ascii_lowercase().as_str() {
            "string" => ParamType::String,
            "integer" => ParamType::Integer,
            "float" => ParamType::Float,
            "boolean" => ParamType::Boolean,
            "object" | "dict" => ParamType::Object,
            "array" | "list" => ParamType::Array,
            "none" => ParamType::None,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone)]
pub struct Param {
    pub key: String,
    pub location: Location,
    pub required: bool,
    pub ty: ParamType,
    pub min_version: Option<Microversion>,
    pub max_version: Option<Microversion>,
    pub description: String,
    /// 1-based line of the entry in parameters.yaml.
    pub line: usize,
}

#[derive(Debug, Default)]
pub struct Params {
    pub entries: BTreeMap<String, Param>,
}

impl Params {
    pub fn get(&self, key: &str) -> Option<&Param> {
        self.entries.get(key)
    }
}

/// The raw entry. Versions as text: a `String` target makes serde-saphyr hand over the scalar
/// as written, so `2.100` is not collapsed to the float 2.1.
#[derive(Deserialize)]
struct RawParam {
    #[serde(rename = "in")]
    location: Option<String>,
    required: Option<bool>,
    #[serde(rename = "type")]
    ty: Option<String>,
    min_version: Option<VersionText>,
    max_version: Option<VersionText>,
    description: Option<String>,
}

/// A version scalar kept as written.
struct VersionText(String);

impl<'de> Deserialize<'de> for VersionText {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(VersionText)
    }
}

pub fn parse_parameters(text: &str, file: &Path) -> Result<Params, DeriveError> {
    let raw: BTreeMap<String, RawParam> = crate::input::yaml::from_str(text).map_err(|e| {
        // The position as file:line (the message without serde-saphyr's own snippet).
        let line = e.location().map(|l| l.line() as usize).unwrap_or(0);
        let message = e.without_snippet().to_string();
        let message = match (crate::input::limits::limit_message(&e), e.location()) {
            (Some(limit), _) => limit,
            (None, Some(l)) => {
                message.trim_end_matches(&format!(" at line {}, column {}", l.line(), l.column())).to_string()
                    + &format!(" (column {})", l.column())
            }
            (None, None) => message,
        };
        DeriveError::new(file, line, format!("not a valid parameters.yaml: {message}"))
    })?;
    let lines = top_level_key_lines(text);
    let mut params = Params::default();
    for (key, entry) in raw {
        let line = lines.get(key.as_str()).copied().unwrap_or(0);
        let err = |msg: String| DeriveError::new(file, line, format!("parameter `{key}`: {msg}"));
        let location = match entry.location.as_deref().map(str::trim) {
            Some("header") => Location::Header,
            Some("path") => Location::Path,
            Some("query") => Location::Query,
            Some("body") => Location::Body,
            other => return Err(err(format!("unknown `in: {}`", other.unwrap_or("(missing)")))),
        };
        let ty_text = entry.ty.ok_or_else(|| err("no `type`".into()))?;
        let ty = ParamType::parse(&ty_text).ok_or_else(|| err(format!("unknown type `{ty_text}`")))?;
        let version = |v: Option<VersionText>| -> Result<Option<Microversion>, DeriveError> {
            v.map(|VersionText(t)| t.parse::<Microversion>().map_err(|e| err(e.to_string()))).transpose()
        };
        params.entries.insert(
            key.clone(),
            Param {
                key: key.clone(),
                location,
                // 4 entries omit `required`; the api-ref's default reading is "optional".
                required: entry.required.unwrap_or(false),
                ty,
                min_version: version(entry.min_version)?,
                max_version: version(entry.max_version)?,
                description: entry.description.unwrap_or_default(),
                line,
            },
        );
    }
    Ok(params)
}

/// Line numbers of the top-level keys, for error messages and the report.
fn top_level_key_lines(text: &str) -> BTreeMap<&str, usize> {
    let mut lines = BTreeMap::new();
    for (index, line) in text.lines().enumerate() {
        if line.starts_with([' ', '#', '-']) || line.is_empty() {
            continue;
        }
        // Keys such as `OS-EXT-STS:power_state` contain a colon themselves: the key ends at
        // the first `: ` (value, anchor or flow mapping follows) or at a final `:`.
        let line = line.trim_end();
        let key = match line.split_once(": ") {
            Some((k, _)) => Some(k),
            None => line.strip_suffix(':'),
        };
        if let Some(key) = key {
            lines.entry(key).or_insert(index + 1);
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Params {
        parse_parameters(text, Path::new("parameters.yaml")).expect("parses")
    }

    #[test]
    fn versions_are_read_as_text_not_floats() {
        let p = parse(
            "scheduler_hints:\n  in: body\n  required: true\n  type: object\n  min_version: 2.100\n\
             pinned:\n  in: body\n  required: true\n  type: string\n  min_version: 2.90\n  max_version: 2.30\n",
        );
        assert_eq!(p.get("scheduler_hints").unwrap().min_version, Some(Microversion::new(2, 100)));
        let pinned = p.get("pinned").unwrap();
        assert_eq!(pinned.min_version, Some(Microversion::new(2, 90)));
        assert_eq!(pinned.max_version, Some(Microversion::new(2, 30)));
    }

    #[test]
    fn merge_keys_inherit_type_and_version() {
        let p = parse(
            "server_hostname: &server_hostname\n  in: body\n  required: false\n  type: string\n  min_version: 2.3\n\
             server_hostname_update_rebuild:\n  <<: *server_hostname\n  min_version: 2.75\n",
        );
        let merged = p.get("server_hostname_update_rebuild").unwrap();
        assert_eq!(merged.ty, ParamType::String);
        assert_eq!(merged.location, Location::Body);
        assert_eq!(merged.min_version, Some(Microversion::new(2, 75)));
        assert_eq!(merged.line, 6);
    }

    #[test]
    fn keys_keep_colons_and_dots() {
        let p = parse(
            "OS-EXT-STS:power_state:\n  in: body\n  required: true\n  type: integer\n\
             os-extended-volumes:volumes_attached.id:\n  in: body\n  required: true\n  type: string\n\
             flow: {in: body, required: true, type: string}\n",
        );
        assert_eq!(p.get("flow").unwrap().line, 9);
        assert_eq!(p.get("OS-EXT-STS:power_state").unwrap().line, 1);
        assert_eq!(p.get("os-extended-volumes:volumes_attached.id").unwrap().line, 5);
    }

    #[test]
    fn missing_required_means_optional_and_list_dict_none_types() {
        let p = parse("a:\n  in: body\n  type: list\nb:\n  in: body\n  type: dict\nc:\n  in: body\n  type: none\n");
        assert!(!p.get("a").unwrap().required);
        assert_eq!(p.get("a").unwrap().ty, ParamType::Array);
        assert_eq!(p.get("b").unwrap().ty, ParamType::Object);
        assert_eq!(p.get("c").unwrap().ty, ParamType::None);
    }

    #[test]
    fn bad_input_reports_file_and_line() {
        let e = parse_parameters("x:\n  in: body\n  type: wobbly\n", Path::new("p.yaml")).unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.to_string().starts_with("p.yaml:1:"), "{e}");
        let e = parse_parameters("x: [\n", Path::new("p.yaml")).unwrap_err();
        assert!(e.to_string().contains("p.yaml"), "{e}");
    }
}
