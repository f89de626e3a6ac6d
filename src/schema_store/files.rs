//! The on-disk format of `schemas/`: the one contract between the deriver (which writes it)
//! and the schema store (which reads it). Plain data, no behaviour.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::microversion::Microversion;

/// `schemas/operations/<id>.json`: one api-ref operation and all its schemas.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperationFile {
    pub id: String,
    pub title: String,
    /// `servers.inc:718`
    pub source: String,
    pub method: String,
    /// Path template relative to the compute endpoint, e.g. `/servers/{server_id}`.
    pub path: String,
    pub min_version: Microversion,
    pub max_version: Microversion,
    pub normal_codes: Vec<u16>,
    pub error_codes: Vec<u16>,
    /// For `POST …/action` operations: the request body's top-level key (`reboot`, `os-stop`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    #[serde(default)]
    pub samples: Vec<SampleFile>,
    /// Request body schemas by microversion range; empty when the api-ref lists no body.
    #[serde(default)]
    pub request: Vec<RangedSchema>,
    /// Response body schemas per normal status code, by microversion range.
    #[serde(default)]
    pub responses: BTreeMap<String, Vec<RangedSchema>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RangedSchema {
    pub min_version: Microversion,
    pub max_version: Microversion,
    /// A JSON Schema (draft 2020-12). `{"type": "null"}` means "no body": callers validate an
    /// empty body as JSON `null`.
    pub schema: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SampleFile {
    /// Relative to nova's `doc/api_samples/`.
    pub path: String,
    /// `request` or `response`.
    pub direction: String,
    /// From the sample's folder (`v2.NN`), else 2.1, raised to the operation's minimum.
    pub microversion: Microversion,
}

/// `schemas/faults.json`: the error body format nova uses for every 4xx/5xx.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultsFile {
    /// Status code → the fault's top-level key (nova's `Fault._fault_names`).
    pub names: BTreeMap<String, String>,
    /// The key used for any other status.
    pub default_name: String,
    /// Schema of the object under the fault key.
    pub body: serde_json::Value,
    /// Other error bodies a status may have, from middleware in front of nova.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alternatives: Vec<FaultAlternative>,
}

/// An error body that is not nova's own fault format (keystonemiddleware's 401).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultAlternative {
    pub status: u16,
    /// The body's top-level key.
    pub key: String,
    pub body: serde_json::Value,
    pub reason: String,
    pub source: String,
}

/// The JSON Schema dialect of every derived schema.
pub const DRAFT: &str = "https://json-schema.org/draft/2020-12/schema";

pub const OPERATIONS_DIR: &str = "operations";
pub const FAULTS_FILE: &str = "faults.json";
pub const REPORT_FILE: &str = "REPORT.md";
pub const DRIFT_FILE: &str = "DRIFT.json";
