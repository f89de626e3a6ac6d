//! What the store knows about one api-ref operation.

use std::sync::OnceLock;

use crate::microversion::Microversion;
use crate::schema_format::{OperationFile, RangedSchema};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationInfo {
    /// The api-ref anchor, e.g. `reboot-server-reboot-action`.
    pub id: String,
    pub title: String,
    /// `servers-actions.inc:473`
    pub source: String,
    pub method: String,
    pub path: String,
    pub min_version: Microversion,
    pub max_version: Microversion,
    pub normal_codes: Vec<u16>,
    pub error_codes: Vec<u16>,
    /// For `POST …/action`: the request body's top-level key.
    pub action: Option<String>,
}

impl OperationInfo {
    pub fn supports(&self, mv: Microversion) -> bool {
        self.min_version <= mv && mv <= self.max_version
    }
}

/// A schema with its validator compiled on first use and reused after.
pub(crate) struct CompiledRange {
    pub range: RangedSchema,
    pub validator: OnceLock<Result<jsonschema::Validator, String>>,
}

pub(crate) struct StoredOperation {
    pub info: OperationInfo,
    pub request: Vec<CompiledRange>,
    pub responses: Vec<(u16, Vec<CompiledRange>)>,
}

impl StoredOperation {
    pub fn from_file(file: OperationFile) -> Result<StoredOperation, String> {
        let compiled = |ranges: Vec<RangedSchema>| {
            ranges.into_iter().map(|range| CompiledRange { range, validator: OnceLock::new() }).collect::<Vec<_>>()
        };
        let mut responses = Vec::new();
        for (status, ranges) in file.responses {
            let code: u16 =
                status.parse().map_err(|_| format!("operation `{}`: `{status}` is not a status code", file.id))?;
            responses.push((code, compiled(ranges)));
        }
        Ok(StoredOperation {
            info: OperationInfo {
                id: file.id,
                title: file.title,
                source: file.source,
                method: file.method,
                path: file.path,
                min_version: file.min_version,
                max_version: file.max_version,
                normal_codes: file.normal_codes,
                error_codes: file.error_codes,
                action: file.action,
            },
            request: compiled(file.request),
            responses,
        })
    }
}
