//! The provider file (the local sandbox writes one; users write one for their own cloud, as they
//! would a tempest.conf): YAML or JSON, unknown keys refused, errors at file:line:column.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::model::{IdentitySpec, Provider, check_label, check_wait_timeout_scale};
use crate::auth::clouds;
use crate::input::InputError;
use crate::input::yaml;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProviderDoc {
    label: Spanned<String>,
    /// The compute endpoint; optional when an identity names a cloud (then: the catalog).
    endpoint: Option<Spanned<String>>,
    /// Shorthand for `identities: {user: {cloud: NAME}}`.
    cloud: Option<String>,
    /// clouds.yaml to read clouds from, relative to this file (default: the standard places).
    clouds_file: Option<String>,
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
    /// Every wait's bound times this: a cloud whose transitions are slower than usual.
    wait_timeout_scale: Option<Spanned<f64>>,
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
    /// A clouds.yaml cloud: Keystone issues (and renews) this identity's tokens.
    cloud: Option<String>,
}

pub fn load(path: &Path) -> Result<Provider, InputError> {
    let (doc, source): (ProviderDoc, String) = yaml::read_file(path)?;
    let label = doc.label.value.clone();
    check_label(&label).map_err(|e| InputError::at(path, &source, yaml::pos(&doc.label), e))?;
    if let Some(e) = &doc.endpoint
        && !(e.value.starts_with("http://") || e.value.starts_with("https://"))
    {
        return Err(InputError::at(path, &source, yaml::pos(e), format!("`{}` is not an http(s) URL", e.value)));
    }
    let _ = doc.sandbox;
    if let Some(f) = &doc.wait_timeout_scale {
        check_wait_timeout_scale(f.value)
            .map_err(|e| InputError::at(path, &source, yaml::pos(f), format!("`wait_timeout_scale` {e}")))?;
    }
    let clouds_file: Option<PathBuf> =
        doc.clouds_file.as_ref().map(|f| path.parent().unwrap_or(Path::new(".")).join(f));
    let mut docs = doc.identities;
    if let Some(cloud) = doc.cloud {
        docs.entry("user".into()).or_insert(IdentityDoc { headers: BTreeMap::new(), token: None, cloud: None }).cloud =
            Some(cloud);
    }
    let mut identities = BTreeMap::new();
    for (name, i) in docs {
        let cloud = match &i.cloud {
            Some(c) => Some(
                clouds::from_clouds_yaml(c, clouds_file.as_deref(), &clouds::process_env)
                    .map_err(|e| InputError::in_file(path, format!("identity `{name}`: {e}")))?,
            ),
            None => None,
        };
        identities.insert(name, IdentitySpec { headers: i.headers.into_iter().collect(), token: i.token, cloud });
    }
    let has_cloud = identities.values().any(|i| i.cloud.is_some());
    if doc.endpoint.is_none() && identities.get("user").is_none_or(|i| i.cloud.is_none()) {
        let why =
            if has_cloud { "the `user` identity names no cloud to take it from" } else { "no identity names a cloud" };
        return Err(InputError::in_file(
            path,
            format!(
                "the provider file needs `endpoint` (the compute endpoint URL, e.g. http://127.0.0.1:8774/v2.1): {why}"
            ),
        ));
    }
    Ok(Provider {
        label,
        endpoint: doc.endpoint.map(|e| e.value),
        identities,
        variables: doc.variables,
        unsupported: doc.unsupported,
        secrets: doc.secrets,
        wait_timeout_scale: doc.wait_timeout_scale.map(|f| f.value),
    })
}
