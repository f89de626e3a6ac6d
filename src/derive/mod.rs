//! The api-ref schema deriver: `parameters.yaml` + `*.inc` → `schemas/`.
//!
//! It stands apart from the runner and meets it only through the files it writes
//! (see `crate::schema_store::files`).

pub mod api_ref;
pub mod emit;
pub mod error;
pub mod extends;
pub mod inc;
pub mod latest;
pub mod nesting;
pub mod nova_rules;
pub mod overrides;
pub mod params;
pub mod ranges;
pub mod render;
pub mod report;
pub mod selfcheck;
pub mod slug;
pub mod tree;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use api_ref::ApiRef;
pub use error::DeriveError;

use crate::microversion::Microversion;
use crate::schema_store::files::{FaultsFile, OperationFile, RangedSchema, SampleFile};
use api_ref::{inc_files, read};
use inc::{Direction, Section};
use nesting::{Body, build_body};
use overrides::Overrides;
use params::Params;
use report::{Gap, Report, UnplacedField};

#[derive(Debug, Clone)]
pub struct Derivation {
    pub operations: Vec<OperationFile>,
    pub faults: FaultsFile,
    pub report: Report,
    /// The Nova release the api-ref belongs to, when the tree says (an sdist does).
    pub release: Option<String>,
}

pub fn derive(dir: &Path) -> Result<Derivation, DeriveError> {
    let api_ref = ApiRef::locate(dir)?;
    let params_path = api_ref.source.join("parameters.yaml");
    let params = params::parse_parameters(&read(&params_path)?, &params_path)?;
    let latest = latest::max_microversion(&api_ref)?;
    let mut incs = Vec::new();
    for file in inc_files(&api_ref.source, &read(&api_ref.source.join("index.rst")).unwrap_or_default())? {
        let text = read(&file)?;
        incs.push((file, text));
    }
    let overrides = Overrides::shipped().map_err(|e| DeriveError::new("overrides.yaml", 0, e))?;
    let mut derivation = derive_from(&params, &overrides, &incs, latest)?;
    derivation.release = api_ref.release;
    Ok(derivation)
}

/// The derivation from what was read: the parsed `parameters.yaml`, the overrides, the `.inc`
/// files (path and text, in `index.rst` order) and the newest microversion.
pub fn derive_from(
    params: &Params,
    overrides: &Overrides,
    incs: &[(PathBuf, String)],
    latest: Microversion,
) -> Result<Derivation, DeriveError> {
    let mut sections = Vec::new();
    for (file, text) in incs {
        sections.extend(inc::parse_inc(text, file)?);
    }
    let mut report = Report { latest: Some(latest), ..Report::default() };
    let mut operations: Vec<OperationFile> = Vec::new();
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for section in &sections {
        let where_ = format!("{}:{}", section.file, section.line);
        let mut section = section.clone();
        // Sphinx keeps the anchor for the first title in index.rst order; later duplicates
        // get the file's name appended so every id stays unique and readable.
        if let Some(first) = seen.get(&section.id) {
            let renamed = format!("{}-{}", section.id, slug::slug(section.file.trim_end_matches(".inc")));
            report.renamed.push(format!("`{}` at {where_} (also at {first}) → `{renamed}`", section.id));
            section.id = renamed;
        }
        seen.insert(section.id.clone(), where_);
        if let Some(ext) = overrides.extends.iter().find(|e| e.operation == section.id)
            && section.normal_codes.is_empty()
        {
            section.normal_codes = ext.normal_codes.clone();
        }
        for u in overrides.unlisted.iter().filter(|u| u.operation == section.id) {
            let entry = inc::ParamRef { name: u.name.clone(), key: u.param.clone(), line: 0 };
            match u.direction {
                overrides::BodyKind::Request => section.request.push(entry),
                overrides::BodyKind::Response => section.response.push(entry),
            }
        }
        let op = derive_operation(&section, params, overrides, latest, &mut report);
        operations.push(op);
    }
    // Nova's rules land at pointers of the finished schemas: an operation written as another's
    // difference takes the other's (adopted rules included), then its own.
    let extends_other = |id: &str| overrides.extends.iter().any(|e| e.operation == id);
    let mut landed = nova_rules::Landed::default();
    for op in operations.iter_mut().filter(|o| !extends_other(&o.id)) {
        adopt_nova_rules(op, overrides, &mut landed);
    }
    for ext in &overrides.extends {
        let base = operations.iter().find(|o| o.id == ext.base).cloned();
        let (Some(base), Some(op)) = (base, operations.iter_mut().find(|o| o.id == ext.operation)) else { continue };
        extends::apply(op, &base, ext).map_err(|e| DeriveError::new("overrides.yaml", 0, e))?;
        report.gaps.retain(|g| g.operation != ext.operation);
        adopt_nova_rules(op, overrides, &mut landed);
    }
    let derived: Vec<&str> = operations.iter().map(|o| o.id.as_str()).collect();
    if let Some(stale) = landed.stale(&overrides.nova_rules, &derived).first() {
        return Err(DeriveError::new("overrides.yaml", 0, format!("{stale} (remove or correct the entry)")));
    }
    operations.sort_by(|a, b| a.id.cmp(&b.id));
    report.operations = operations.len();
    report.schemas =
        operations.iter().map(|o| o.request.len() + o.responses.values().map(Vec::len).sum::<usize>()).sum();
    Ok(Derivation { operations, faults: overrides.faults.clone(), report, release: None })
}

fn adopt_nova_rules(op: &mut OperationFile, overrides: &Overrides, landed: &mut nova_rules::Landed) {
    use overrides::BodyKind;
    let rules = &overrides.nova_rules;
    op.request = nova_rules::apply(&op.id, BodyKind::Request, std::mem::take(&mut op.request), rules, landed);
    for schemas in op.responses.values_mut() {
        *schemas = nova_rules::apply(&op.id, BodyKind::Response, std::mem::take(schemas), rules, landed);
    }
}

fn derive_operation(
    section: &Section,
    params: &Params,
    overrides: &Overrides,
    latest: Microversion,
    report: &mut Report,
) -> OperationFile {
    let request = build_body(&section.id, &section.request, params, overrides);
    let response = build_body(&section.id, &section.response, params, overrides);
    for (direction, body) in [("request", &request), ("response", &response)] {
        for i in &body.inferences {
            report.inferences.push(format!("{} {direction}: {i}", section.id));
        }
        for u in &body.unplaced {
            report.unplaced.push(UnplacedField {
                operation: section.id.clone(),
                direction: direction.into(),
                location: format!("{}:{}", section.file, u.line),
                name: u.name.clone(),
                param: u.param.clone(),
                reason: u.reason.clone(),
            });
        }
    }
    let action = if section.method == "POST" && section.path.ends_with("/action") {
        request.fields.first().map(|f| f.name.clone())
    } else {
        None
    };
    // The operation exists from its `versionadded` and within its action key's range.
    let action_field = action.as_ref().and_then(|_| request.fields.first());
    let (prose_min, prose_max) = overrides.prose_range(&section.prose);
    let min = [Some(Microversion::MIN), section.version_added, prose_min, action_field.and_then(|f| f.min_version)]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(Microversion::MIN);
    let max = [Some(latest), prose_max, action_field.and_then(|f| f.max_version)]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(latest);
    let request_schemas = if request.has_fields() {
        ranges::ranged_schemas(&request.fields, request.map_values.as_ref(), min, max)
    } else {
        Vec::new()
    };
    let mut responses = BTreeMap::new();
    if section.normal_codes.is_empty() {
        report.gaps.push(Gap {
            operation: section.id.clone(),
            status: 0,
            reason: "the section has no `Normal response codes` line: no response can be validated".into(),
        });
    }
    for &code in &section.normal_codes {
        match response_schemas(section, &response, code, min, max) {
            Some(schemas) => {
                responses.insert(code.to_string(), schemas);
            }
            None => report.gaps.push(Gap {
                operation: section.id.clone(),
                status: code,
                reason: if section.samples.iter().any(|s| s.direction == Direction::Response) {
                    "the api-ref lists no response parameters but shows a response sample".into()
                } else {
                    "the api-ref lists no response body for a GET".into()
                },
            }),
        }
    }
    let samples = section
        .samples
        .iter()
        .map(|s| SampleFile {
            path: s.path.clone(),
            direction: match s.direction {
                Direction::Request => "request",
                Direction::Response => "response",
            }
            .into(),
            microversion: sample_microversion(&s.path).max(min),
        })
        .collect();
    OperationFile {
        id: section.id.clone(),
        title: section.title.clone(),
        source: format!("{}:{}", section.file, section.line),
        method: section.method.clone(),
        path: section.path.clone(),
        min_version: min,
        max_version: max,
        normal_codes: section.normal_codes.clone(),
        error_codes: section.error_codes.clone(),
        action,
        samples,
        request: request_schemas,
        responses,
    }
}

fn response_schemas(
    section: &Section,
    body: &Body,
    code: u16,
    min: Microversion,
    max: Microversion,
) -> Option<Vec<RangedSchema>> {
    let has_sample = section.samples.iter().any(|s| s.direction == Direction::Response);
    if code == 204 || (!body.has_fields() && !has_sample && section.method != "GET") {
        let schema = serde_json::json!({"$schema": crate::schema_store::files::DRAFT, "type": "null"});
        return Some(vec![RangedSchema { min_version: min, max_version: max, schema }]);
    }
    if !body.has_fields() {
        return None;
    }
    Some(ranges::ranged_schemas(&body.fields, body.map_values.as_ref(), min, max))
}

/// `servers/v2.100/x.json` → 2.100; no version folder → 2.1.
pub fn sample_microversion(path: &str) -> Microversion {
    path.split('/')
        .filter_map(|seg| seg.strip_prefix('v')?.parse::<Microversion>().ok())
        .next_back()
        .unwrap_or(Microversion::MIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_microversion_from_folder() {
        assert_eq!(sample_microversion("servers/v2.100/server-get-resp.json"), Microversion::new(2, 100));
        assert_eq!(sample_microversion("servers/server-get-resp.json"), Microversion::MIN);
        assert_eq!(sample_microversion("os-volumes/v2.79/x.json"), Microversion::new(2, 79));
    }
}
