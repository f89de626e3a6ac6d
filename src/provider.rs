//! Provider files: where the cloud is, who to be, and the variables suites need
//! (`image_ref`, `flavor_ref`, `flavor_ref_alt`, `network`, …). The local sandbox writes one;
//! users write one for their own cloud, as they would a tempest.conf.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::input_error::InputError;
use crate::transport::live::Identity;
use crate::yaml;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProviderDoc {
    label: Spanned<String>,
    endpoint: Option<Spanned<String>>,
    #[serde(default)]
    identities: BTreeMap<String, IdentityDoc>,
    #[serde(default)]
    variables: BTreeMap<String, String>,
    /// Capability → why the provider does not offer it. Suites needing it are skipped.
    #[serde(default)]
    unsupported: BTreeMap<String, String>,
    /// Extra values to redact from everything tapedeck writes.
    #[serde(default)]
    secrets: Vec<String>,
    /// Written by the sandbox (pid, log, versions); informational.
    #[serde(default)]
    sandbox: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IdentityDoc {
    #[serde(default)]
    headers: BTreeMap<String, String>,
    token: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Provider {
    pub label: String,
    pub endpoint: String,
    pub identities: BTreeMap<String, Identity>,
    pub variables: BTreeMap<String, String>,
    pub unsupported: BTreeMap<String, String>,
    pub secrets: Vec<String>,
}

pub fn load(path: &Path) -> Result<Provider, InputError> {
    let (doc, source): (ProviderDoc, String) = yaml::read_file(path)?;
    let label = doc.label.value.clone();
    if label.is_empty() || !label.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) {
        return Err(InputError::at(path, &source, yaml::pos(&doc.label), format!("label `{label}` must be letters, digits, `-`, `_` or `.` (it names the cassette directory)")));
    }
    let Some(endpoint) = doc.endpoint else {
        return Err(InputError::in_file(path, "the provider file needs `endpoint` (the compute endpoint URL, e.g. http://127.0.0.1:8774/v2.1)"));
    };
    if !(endpoint.value.starts_with("http://") || endpoint.value.starts_with("https://")) {
        return Err(InputError::at(path, &source, yaml::pos(&endpoint), format!("`{}` is not an http(s) URL", endpoint.value)));
    }
    let _ = doc.sandbox;
    let identities = doc
        .identities
        .into_iter()
        .map(|(name, i)| (name, Identity { headers: i.headers.into_iter().collect(), token: i.token }))
        .collect();
    Ok(Provider {
        label,
        endpoint: endpoint.value,
        identities,
        variables: doc.variables,
        unsupported: doc.unsupported,
        secrets: doc.secrets,
    })
}
