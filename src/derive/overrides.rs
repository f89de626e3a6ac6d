//! The reviewed table of inferences beyond the api-ref tables (`overrides.yaml`).

use std::sync::OnceLock;

use regex::Regex;
use serde::Deserialize;
use serde_json::Value;

use crate::microversion::Microversion;
use crate::schema_store::files::FaultsFile;

/// The table shipped with tapedeck.
pub const OVERRIDES_YAML: &str = include_str!("overrides.yaml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Overrides {
    #[serde(default)]
    pub renames: Vec<Rename>,
    #[serde(default)]
    pub siblings: Vec<Sibling>,
    #[serde(default)]
    pub aliases: Vec<Alias>,
    #[serde(default)]
    pub fields: Vec<FieldOverride>,
    pub nullable_from_prose: Option<ProseRule>,
    #[serde(default)]
    pub ranges_from_prose: Vec<RangeRule>,
    #[serde(default)]
    pub map_entries: Vec<MapEntries>,
    #[serde(default)]
    pub formats_from_prose: Vec<FormatRule>,
    #[serde(default)]
    pub unlisted: Vec<Unlisted>,
    #[serde(default)]
    pub nova_rules: Vec<NovaRule>,
    #[serde(default)]
    pub extends: Vec<Extends>,
    pub faults: FaultsFile,
    #[serde(skip)]
    prose_regex: OnceLock<Option<Regex>>,
}

/// A field an operation's rest_parameters list leaves out although nova sends (or takes) it,
/// added to that list as if it were written there.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unlisted {
    pub operation: String,
    pub direction: BodyKind,
    pub name: String,
    pub param: String,
    pub reason: String,
    pub source: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BodyKind {
    Request,
    Response,
}

/// An operation the api-ref writes as a difference from another (`Create Multiple Servers`:
/// "all the same parameters as create with a few additional attributes"): its request is the
/// base's with its own parameters added inside `into`, and each success answer is its own
/// (when it lists one) or the base's.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Extends {
    pub operation: String,
    pub base: String,
    /// The envelope of the base's request the parameters belong in (`server`).
    pub into: String,
    /// Normal codes, where the section has no `Normal response codes` line.
    #[serde(default)]
    pub normal_codes: Vec<u16>,
    pub reason: String,
    pub source: String,
}

/// A rule Nova's own schema enforces that the api-ref states more loosely, adopted at JSON
/// pointers of the derived schemas (`tapedeck schemas drift --propose` writes the draft; the
/// reviewer adds the reason). Pointers use the drift report's spelling: `*` for every array
/// item, `{}` for every value of a map.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NovaRule {
    pub rule: NovaRuleKind,
    /// What the rule writes: the keyword's value, or the member's schema (`member`); none for
    /// `required` and `absent`.
    pub value: Option<Value>,
    pub body: BodyKind,
    /// Only from / up to these microversions (default: the operation's whole range).
    pub from: Option<Microversion>,
    pub until: Option<Microversion>,
    /// operation id → pointers.
    pub at: std::collections::BTreeMap<String, Vec<String>>,
    pub reason: String,
    pub source: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NovaRuleKind {
    Format,
    Pattern,
    MinLength,
    MaxLength,
    Minimum,
    Maximum,
    Values,
    Type,
    /// The member is required in its parent object.
    Required,
    /// The member (or the array's items, or the map's values) has this schema.
    Member,
    /// The member is not allowed: Nova's object is closed without it.
    Absent,
}

impl NovaRuleKind {
    /// The JSON Schema keyword a value rule writes.
    pub fn keyword(self) -> Option<&'static str> {
        Some(match self {
            NovaRuleKind::Format => "format",
            NovaRuleKind::Pattern => "pattern",
            NovaRuleKind::MinLength => "minLength",
            NovaRuleKind::MaxLength => "maxLength",
            NovaRuleKind::Minimum => "minimum",
            NovaRuleKind::Maximum => "maximum",
            NovaRuleKind::Values => "enum",
            NovaRuleKind::Type => "type",
            NovaRuleKind::Required | NovaRuleKind::Member | NovaRuleKind::Absent => return None,
        })
    }
}

/// Entries such as `key: flavor_extra_spec_key2` / `value: flavor_extra_spec_value` that stand
/// for "an object whose keys are arbitrary": the object holding them is a map.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MapEntries {
    pub key_param: String,
    #[serde(default)]
    pub value_params: Vec<String>,
    pub value_schema: Value,
    pub reason: String,
    pub source: String,
}

/// A format stated only in the description (`The date and time stamp format is ISO 8601`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormatRule {
    pub pattern: String,
    pub format: String,
    pub reason: String,
    pub source: String,
}

/// Operation microversion bounds stated in an operation's prose.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RangeRule {
    /// A regex whose first group is a microversion.
    pub pattern: String,
    pub bound: Bound,
    pub reason: String,
    pub source: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bound {
    /// The operation exists from this version.
    Min,
    /// The operation exists up to and including this version.
    Max,
    /// The operation exists up to the version before this one (404 from it).
    MaxBefore,
}

/// A rule reading the parameter descriptions (the only place some facts are stated).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProseRule {
    pub pattern: String,
    #[serde(default, rename = "except")]
    pub except_params: Vec<String>,
    pub reason: String,
    pub source: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rename {
    pub name: String,
    pub to: String,
    pub reason: String,
    pub source: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sibling {
    /// May contain `{envelope}`.
    pub name: String,
    /// Only when the entry is this parameters.yaml key.
    pub param: Option<String>,
    pub reason: String,
    pub source: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Alias {
    pub name: String,
    pub alias: String,
    pub reason: String,
    pub source: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldOverride {
    #[serde(default)]
    pub params: Vec<String>,
    pub name_prefix: Option<String>,
    pub operations: Option<Vec<String>>,
    pub required: Option<bool>,
    pub required_from: Option<Microversion>,
    pub nullable: Option<bool>,
    #[serde(rename = "enum")]
    pub enum_values: Option<Vec<Value>>,
    pub format: Option<String>,
    pub empty_string: Option<bool>,
    /// `empty_string` only up to this microversion.
    pub empty_string_until: Option<Microversion>,
    pub map_values: Option<Value>,
    pub schema: Option<Value>,
    pub string_values: Option<Vec<String>>,
    pub string_values_from: Option<Microversion>,
    /// Members the lists leave out: JSON name → parameters.yaml key.
    #[serde(default)]
    pub members: Vec<Member>,
    pub reason: String,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    pub name: String,
    pub param: String,
}

/// What the overrides say about one field, merged from every matching entry.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tweak {
    pub required: Option<bool>,
    /// Required only from this microversion on.
    pub required_from: Option<Microversion>,
    pub nullable: bool,
    pub enum_values: Option<Vec<Value>>,
    pub format: Option<String>,
    pub empty_string: bool,
    /// The empty string is allowed only up to this microversion.
    pub empty_string_until: Option<Microversion>,
    pub map_values: Option<Value>,
    pub schema: Option<Value>,
    pub string_values: Option<(Vec<String>, Microversion)>,
    pub members: Vec<Member>,
    /// The entries that made this tweak (`fields[3]`, `nullable_from_prose`), for provenance.
    pub sources: Vec<String>,
}

impl Overrides {
    pub fn shipped() -> Result<Overrides, String> {
        Self::parse(OVERRIDES_YAML)
    }

    pub fn parse(text: &str) -> Result<Overrides, String> {
        serde_saphyr::from_str(text).map_err(|e| format!("overrides.yaml: {e}"))
    }

    /// The rest_parameters name after renames.
    pub fn rename<'a>(&'a self, name: &'a str) -> &'a str {
        self.renames.iter().find(|r| r.name == name).map(|r| r.to.as_str()).unwrap_or(name)
    }

    /// Whether `name` (first segment of a dotted name) is a sibling of `envelope`.
    pub fn is_sibling(&self, name: &str, param_key: &str, envelope: &str) -> bool {
        self.siblings.iter().any(|s| {
            s.name.replace("{envelope}", envelope) == name && s.param.as_deref().is_none_or(|p| p == param_key)
        })
    }

    /// The map rule whose key entry is this parameter.
    pub fn map_by_key(&self, param_key: &str) -> Option<&MapEntries> {
        self.map_entries.iter().find(|m| m.key_param == param_key)
    }

    /// Whether this parameter describes the values of a map (absorbed by the map rule).
    pub fn is_map_value(&self, param_key: &str) -> bool {
        self.map_entries.iter().any(|m| m.value_params.iter().any(|p| p == param_key))
    }

    pub fn aliases_of(&self, name: &str) -> impl Iterator<Item = &str> {
        self.aliases.iter().filter(move |a| a.name == name).map(|a| a.alias.as_str())
    }

    /// Merge every field override matching this field.
    /// Whether the description says the value may be null.
    pub fn nullable_in_prose(&self, param_key: &str, description: &str) -> bool {
        let Some(rule) = &self.nullable_from_prose else { return false };
        let re = self.prose_regex.get_or_init(|| Regex::new(&rule.pattern).ok());
        re.as_ref().is_some_and(|re| re.is_match(description)) && !rule.except_params.iter().any(|p| p == param_key)
    }

    /// The format the description states, if a rule says so.
    pub fn format_in_prose(&self, description: &str) -> Option<&str> {
        self.formats_from_prose
            .iter()
            .find(|r| Regex::new(&r.pattern).is_ok_and(|re| re.is_match(description)))
            .map(|r| r.format.as_str())
    }

    /// Bounds the prose states for an operation: (min, max).
    pub fn prose_range(&self, prose: &str) -> (Option<Microversion>, Option<Microversion>) {
        let (mut min, mut max) = (None, None);
        for rule in &self.ranges_from_prose {
            let Ok(re) = Regex::new(&rule.pattern) else { continue };
            let Some(v) = re.captures(prose).and_then(|c| c.get(1)?.as_str().parse::<Microversion>().ok()) else {
                continue;
            };
            match rule.bound {
                Bound::Min => min = min.max(Some(v)),
                Bound::Max => max = Some(max.map_or(v, |m: Microversion| m.min(v))),
                Bound::MaxBefore => {
                    let before = Microversion::new(v.major, v.minor.saturating_sub(1));
                    max = Some(max.map_or(before, |m: Microversion| m.min(before)));
                }
            }
        }
        (min, max)
    }

    pub fn tweak(&self, operation: &str, json_name: &str, param_key: &str) -> Tweak {
        let mut t = Tweak::default();
        for (i, o) in self.fields.iter().enumerate() {
            let selected = o.params.iter().any(|p| p == param_key)
                || o.name_prefix.as_deref().is_some_and(|p| json_name.starts_with(p));
            let in_operation = o.operations.as_ref().is_none_or(|ops| ops.iter().any(|op| op == operation));
            if !selected || !in_operation {
                continue;
            }
            t.sources.push(format!("fields[{i}]"));
            if o.required.is_some() {
                t.required = o.required;
            }
            if o.required_from.is_some() {
                t.required_from = o.required_from;
            }
            t.nullable |= o.nullable.unwrap_or(false);
            t.empty_string |= o.empty_string.unwrap_or(false);
            if o.empty_string_until.is_some() {
                t.empty_string_until = o.empty_string_until;
            }
            if o.enum_values.is_some() {
                t.enum_values.clone_from(&o.enum_values);
            }
            if o.format.is_some() {
                t.format.clone_from(&o.format);
            }
            if o.map_values.is_some() {
                t.map_values.clone_from(&o.map_values);
            }
            if o.schema.is_some() {
                t.schema.clone_from(&o.schema);
            }
            t.members.extend(o.members.iter().cloned());
            if let Some(values) = &o.string_values {
                t.string_values = Some((values.clone(), o.string_values_from.unwrap_or(Microversion::MIN)));
            }
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_table_parses_and_every_entry_has_reason_and_source() {
        let o = Overrides::shipped().expect("overrides.yaml parses");
        assert!(o.fields.iter().all(|f| !f.reason.trim().is_empty() && !f.source.trim().is_empty()));
        assert!(o.renames.iter().all(|f| !f.reason.trim().is_empty() && !f.source.trim().is_empty()));
        assert_eq!(o.rename("security_group.name"), "security_groups.name");
        assert!(o.is_sibling("servers_links", "servers_links", "servers"));
        assert!(!o.is_sibling("servers_links", "servers_links", "flavors"));
        assert!(o.is_sibling("links", "instance_actions_next_links", "instanceActions"));
        assert!(!o.is_sibling("links", "links", "server"));
        assert_eq!(o.faults.names.get("404").map(String::as_str), Some("itemNotFound"));
    }

    #[test]
    fn operation_ranges_from_prose() {
        let o = Overrides::shipped().unwrap();
        let v = |s: &str| s.parse::<Microversion>().unwrap();
        assert_eq!(
            o.prose_range("This API is deprecated and will fail with a 404 starting from microversion 2.44. This is"),
            (None, Some(v("2.43")))
        );
        assert_eq!(
            o.prose_range(".. note:: Microversion 2.23 or greater is required for this API."),
            (Some(v("2.23")), None)
        );
        assert_eq!(o.prose_range("Lists servers."), (None, None));
    }

    #[test]
    fn facts_read_from_descriptions() {
        let o = Overrides::shipped().unwrap();
        assert_eq!(o.format_in_prose("The date and time stamp format is ISO 8601"), Some("iso8601"));
        assert_eq!(o.format_in_prose("The server name."), None);
        assert!(o.nullable_in_prose("OS-SRV-USG:terminated_at", "If not set, its value is ``null``."));
        // key_name's prose says null is *not* accepted any more.
        assert!(!o.nullable_in_prose("key_name", "The ``null`` value was allowed in the Nova legacy v2 API"));
    }

    #[test]
    fn tweaks_merge_by_param_prefix_and_operation() {
        let o = Overrides::shipped().unwrap();
        let t = o.tweak("show-server-details", "OS-EXT-SRV-ATTR:host", "OS-EXT-SRV-ATTR:host");
        assert_eq!(t.required, Some(false));
        assert!(t.nullable);
        let n = o.tweak("create-server", "networks", "networks");
        assert_eq!(n.string_values.map(|s| s.1), Some(Microversion::new(2, 37)));
        assert!(o.tweak("show-server-details", "networks", "networks").string_values.is_none());
    }
}
