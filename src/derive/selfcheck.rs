//! Self-check: every api sample the api-ref includes, validated against its operation's
//! derived schema at the sample's microversion. Failures are documentation drift, written to
//! `schemas/DRIFT.json` so that any new failure shows up as a diff.

use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use crate::schema_store::files::OperationFile;
use crate::schema_store::{ExtraKeys, SchemaStore, Target, Validation};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SampleResult {
    pub sample: String,
    pub operation: String,
    pub direction: String,
    pub microversion: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Empty when the sample validates.
    pub problems: Vec<String>,
}

impl SampleResult {
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }
}

pub fn check_samples(store: &SchemaStore, operations: &[OperationFile], samples_root: &Path) -> Vec<SampleResult> {
    let mut results = Vec::new();
    for op in operations {
        for sample in &op.samples {
            if !sample.path.ends_with(".json") {
                continue;
            }
            let (target, status) = if sample.direction == "request" {
                (Target::Request, None)
            } else {
                let status = op
                    .normal_codes
                    .iter()
                    .copied()
                    .find(|c| *c != 204)
                    .or(op.normal_codes.first().copied())
                    .unwrap_or(200);
                (Target::Response { status }, Some(status))
            };
            let mut result = SampleResult {
                sample: sample.path.clone(),
                operation: op.id.clone(),
                direction: sample.direction.clone(),
                microversion: sample.microversion.to_string(),
                status,
                problems: Vec::new(),
            };
            let path = samples_root.join(&sample.path);
            let doc: Result<Value, String> = std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read: {e}"))
                .and_then(|t| serde_json::from_str(&t).map_err(|e| format!("not JSON: {e}")));
            match doc {
                Err(e) => result.problems.push(e),
                Ok(doc) => match store.validate(&op.id, target, sample.microversion, &doc, ExtraKeys::Deny) {
                    Validation::Valid { .. } => {}
                    Validation::Invalid { errors, .. } => {
                        result.problems = errors
                            .iter()
                            .map(|e| {
                                let message: String = e.message.chars().take(160).collect();
                                format!(
                                    "{} [{}] {message}",
                                    if e.pointer.is_empty() { "/" } else { &e.pointer },
                                    e.rule
                                )
                            })
                            .collect();
                    }
                    Validation::NoSchema { reason } => result.problems.push(format!("no schema: {reason}")),
                    Validation::UnknownOperation => result.problems.push("unknown operation".into()),
                },
            }
            results.push(result);
        }
    }
    results.sort_by(|a, b| (&a.sample, &a.operation).cmp(&(&b.sample, &b.operation)));
    results
}

/// Reviewed explanations of known drift (`src/derive/drift_notes.yaml`).
pub const DRIFT_NOTES_YAML: &str = include_str!("drift_notes.yaml");

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DriftNote {
    pub operations: Vec<String>,
    pub sample: Option<String>,
    pub note: String,
}

pub fn drift_notes() -> Result<Vec<DriftNote>, String> {
    serde_saphyr::from_str(DRIFT_NOTES_YAML).map_err(|e| e.to_string())
}

fn note_for<'a>(notes: &'a [DriftNote], r: &SampleResult) -> Option<&'a str> {
    notes
        .iter()
        .find(|n| n.operations.contains(&r.operation) && n.sample.as_deref().is_none_or(|s| r.sample.contains(s)))
        .map(|n| n.note.as_str())
}

/// The drift document: the failing samples only, stable order, each with its reviewed note
/// (`null` when nobody has explained it yet).
pub fn drift_json(results: &[SampleResult], notes: &[DriftNote]) -> Value {
    let failing: Vec<Value> = results
        .iter()
        .filter(|r| !r.passed())
        .map(|r| {
            let mut v = serde_json::to_value(r).unwrap_or(Value::Null);
            v["note"] = note_for(notes, r).map_or(Value::Null, |n| Value::String(n.to_string()));
            v
        })
        .collect();
    let unexplained = failing.iter().filter(|f| f["note"].is_null()).count();
    serde_json::json!({
        "about": "api samples included by the api-ref that do not validate against the derived schemas (documentation drift). Generated by `tapedeck schemas derive`; notes come from src/derive/drift_notes.yaml.",
        "samples_checked": results.len(),
        "samples_failing": failing.len(),
        "unexplained": unexplained,
        "failing": failing,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(op: &str, sample: &str, problems: Vec<String>) -> SampleResult {
        SampleResult {
            sample: sample.into(),
            operation: op.into(),
            direction: "response".into(),
            microversion: "2.1".into(),
            status: Some(200),
            problems,
        }
    }

    #[test]
    fn drift_lists_failures_with_notes_and_counts_unexplained() {
        let notes = drift_notes().expect("drift_notes.yaml parses");
        let results = vec![
            result("show-server-details", "servers/v2.69/server-get-resp.json", vec!["/server [required]".into()]),
            result("show-server-details", "servers/server-get-resp.json", vec![]),
            result("brand-new-op", "x/y.json", vec!["/ [type]".into()]),
        ];
        let drift = drift_json(&results, &notes);
        assert_eq!(drift["samples_checked"], 3);
        assert_eq!(drift["samples_failing"], 2);
        assert_eq!(drift["unexplained"], 1);
        assert!(drift["failing"][0]["note"].as_str().is_some_and(|n| n.contains("down-cell")));
    }
}
