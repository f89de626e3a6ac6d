//! What the store knows about one api-ref operation.

use std::borrow::Cow;
use std::sync::OnceLock;

use serde::Deserialize;

use super::files::{OperationFile, RangedSchema};
use crate::microversion::Microversion;

/// The head of an operation file (its leading fields; the schemas after them are skipped).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
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
    #[serde(default)]
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

/// An operation's schemas by microversion range: for its request body, and per response status.
pub(crate) struct Schemas {
    pub request: Vec<CompiledRange>,
    pub responses: Vec<(u16, Vec<CompiledRange>)>,
}

pub(crate) struct StoredOperation {
    pub info: OperationInfo,
    /// The operation file, parsed into [`Schemas`] when first needed: a run touches a few
    /// dozen of the 250 operations, and parsing every file took a fifth of a replay.
    text: Cow<'static, str>,
    schemas: OnceLock<Result<Schemas, String>>,
}

impl StoredOperation {
    /// Reads the head only; the schemas wait for [`schemas`](Self::schemas).
    pub fn lazy(text: Cow<'static, str>) -> Result<StoredOperation, String> {
        let info: OperationInfo = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        Ok(StoredOperation { info, text, schemas: OnceLock::new() })
    }

    /// Reads the whole file now: a schema set given by the user is checked before anything runs.
    pub fn eager(text: String) -> Result<StoredOperation, String> {
        let info: OperationInfo = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        let schemas = OnceLock::from(Ok(parse(&text)?));
        Ok(StoredOperation { info, text: Cow::Owned(text), schemas })
    }

    pub fn schemas(&self) -> Result<&Schemas, String> {
        self.schemas.get_or_init(|| parse(&self.text)).as_ref().map_err(|e| format!("`{}`: {e}", self.info.id))
    }
}

fn parse(text: &str) -> Result<Schemas, String> {
    let file: OperationFile = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let compiled = |ranges: Vec<RangedSchema>| {
        ranges.into_iter().map(|range| CompiledRange { range, validator: OnceLock::new() }).collect::<Vec<_>>()
    };
    let mut responses = Vec::new();
    for (status, ranges) in file.responses {
        let code: u16 = status.parse().map_err(|_| format!("`{status}` is not a status code"))?;
        responses.push((code, compiled(ranges)));
    }
    Ok(Schemas { request: compiled(file.request), responses })
}
