//! The second witness: Nova's own schemas as `sandbox/nova/nova-schemas.sh` reads them from
//! the installed nova into `nova-schemas/<release>/` (one file per api-ref operation).

use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use crate::input::error::InputError;
use crate::microversion::Microversion;

/// `nova-schemas/<release>/operations/<id>.json`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NovaOperation {
    pub id: String,
    pub method: String,
    pub path: String,
    /// The route as Nova writes it (`/servers/{id}`).
    pub nova_path: String,
    pub action: Option<String>,
    /// `module:Class.method` of the controller method.
    pub controller: String,
    #[serde(default)]
    pub request: Vec<NovaSchema>,
    #[serde(default)]
    pub query: Vec<NovaSchema>,
    #[serde(default)]
    pub response: Vec<NovaSchema>,
    /// The success code per range (`wsgi.response`); none means Nova's default, 200.
    #[serde(default)]
    pub codes: Vec<NovaCode>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NovaSchema {
    pub min_version: String,
    /// A version, or `latest`.
    pub max_version: String,
    /// `module:name` of the schema, or `inline in …`.
    pub source: String,
    pub schema: Value,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NovaCode {
    pub code: u16,
    pub min_version: String,
    pub max_version: String,
}

/// A Nova range within `lo..=hi` (the operation's own range): `2.0` is the legacy v2 API, the
/// same as 2.1 here; `latest` is the operation's top.
pub fn bounds(min: &str, max: &str, lo: Microversion, hi: Microversion) -> Option<(Microversion, Microversion)> {
    let min: Microversion = min.parse().ok()?;
    let max: Microversion = if max == "latest" { hi } else { max.parse().ok()? };
    let (a, b) = (min.max(lo), max.min(hi));
    (a <= b).then_some((a, b))
}

impl NovaOperation {
    /// The schema in force at `mv`, if any.
    pub fn schema_at(list: &[NovaSchema], mv: Microversion, hi: Microversion) -> Option<&NovaSchema> {
        list.iter().find(|s| {
            bounds(&s.min_version, &s.max_version, Microversion::new(2, 0), hi).is_some_and(|(a, b)| a <= mv && mv <= b)
        })
    }

    /// The success status at `mv`.
    pub fn code_at(&self, mv: Microversion, hi: Microversion) -> u16 {
        self.codes
            .iter()
            .find(|c| {
                bounds(&c.min_version, &c.max_version, Microversion::new(2, 0), hi)
                    .is_some_and(|(a, b)| a <= mv && mv <= b)
            })
            .map_or(200, |c| c.code)
    }
}

/// Every operation file under `dir/operations`, by id.
pub fn load(dir: &Path) -> Result<Vec<NovaOperation>, InputError> {
    let ops_dir = dir.join("operations");
    let entries = std::fs::read_dir(&ops_dir).map_err(|e| {
        InputError::new(format!(
            "{}: {e} (Nova's schemas: sandbox/nova/nova-schemas.sh writes them)",
            ops_dir.display()
        ))
    })?;
    let mut files: Vec<_> =
        entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "json")).collect();
    files.sort();
    let mut ops = Vec::new();
    for f in files {
        let text = crate::input::yaml::read_text(&f)?;
        let op: NovaOperation = serde_json::from_str(&text)
            .map_err(|e| InputError::new(format!("{}:{}:{}: {e}", f.display(), e.line(), e.column())))?;
        ops.push(op);
    }
    Ok(ops)
}

/// The release `index.json` of a Nova schema set names.
pub fn release(dir: &Path) -> Result<String, InputError> {
    let file = dir.join("index.json");
    if !dir.is_dir() {
        return Err(InputError::new(format!(
            "{}: no Nova schema set here (sandbox/nova/nova-schemas.sh writes nova-schemas/<release>/)",
            dir.display()
        )));
    }
    let text = crate::input::yaml::read_text(&file)?;
    let index: Value = serde_json::from_str(&text).map_err(|e| InputError::new(format!("{}: {e}", file.display())))?;
    index
        .get("nova")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| InputError::new(format!("{}: no `nova` release named", file.display())))
}

/// Nova's facts with its format names in the validator's terms: Nova's `date-time` checker is
/// oslo's `parse_isotime` (nova/api/validation/validators.py), ISO 8601 with the zone optional
/// — the derived schemas' `iso8601`, not RFC 3339's stricter `date-time`.
pub fn in_our_terms(mut facts: super::facts::Facts) -> super::facts::Facts {
    for fact in facts.values_mut() {
        if fact.format.as_deref() == Some("date-time") {
            fact.format = Some("iso8601".into());
        }
    }
    facts
}
