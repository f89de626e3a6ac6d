//! The newest microversion of the API being derived (2.104 for nova 34.0.0).

use super::api_ref::{ApiRef, read};
use super::error::DeriveError;
use crate::microversion::Microversion;

/// Read from the versions sample the api-ref itself includes (`GET /` → `"version"`),
/// else from nova's `api_version_request.py` when the whole source tree is there.
pub fn max_microversion(api_ref: &ApiRef) -> Result<Microversion, DeriveError> {
    let sample = api_ref.samples.join("versions/versions-get-resp.json");
    if sample.is_file() {
        let text = read(&sample)?;
        let doc: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| DeriveError::new(&sample, e.line(), e.to_string()))?;
        let max = doc["versions"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v["version"].as_str()?.parse::<Microversion>().ok())
            .max();
        if let Some(max) = max {
            return Ok(max);
        }
    }
    let code = api_ref.source.join("../../nova/api/openstack/api_version_request.py");
    if code.is_file() {
        for line in read(&code)?.lines() {
            if let Some(rest) = line.trim().strip_prefix("_MAX_API_VERSION") {
                let text = rest.trim_start_matches([' ', '=']).trim().trim_matches(['"', '\'']);
                return text.parse().map_err(|e| DeriveError::new(&code, 0, format!("{e}")));
            }
        }
    }
    Err(DeriveError::new(
        &api_ref.source,
        0,
        "cannot tell the newest microversion: no doc/api_samples/versions/versions-get-resp.json nor nova/api/openstack/api_version_request.py",
    ))
}
