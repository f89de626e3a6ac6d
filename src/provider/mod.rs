//! Talking to a live provider, in one place for `run`, `certify` and `cleanup`: what a provider
//! is (`model`), read from a provider file (`file`), a clouds.yaml cloud or the `OS_*` variables,
//! or `--endpoint` and `--token` (`resolve`); connecting to it (`connect`: clients, Keystone,
//! the compute endpoint, its version document), asking what it cannot offer (`probe`), and the
//! servers earlier runs left on it (`leftovers`).

pub mod connect;
pub mod file;
pub mod leftovers;
pub mod model;
pub mod probe;

use std::path::PathBuf;

pub use connect::{ConnectError, ConnectOptions, Connection, connect};
pub use file::load;
pub use model::{IdentitySpec, Provider, check_wait_timeout_scale, from_cloud};

use crate::auth::clouds;
use crate::input::{InputError, InputErrors};

/// Where the provider comes from, as the user chose it: a provider file, an endpoint with a
/// static token, or a cloud (`os_cloud`, else `OS_CLOUD` and the `OS_*` variables).
#[derive(Debug, Clone, Default)]
pub struct ProviderChoice {
    pub file: Option<PathBuf>,
    pub endpoint: Option<String>,
    pub token: Option<String>,
    pub os_cloud: Option<String>,
    /// A clouds.yaml cloud for the `admin` identity (replacing any the provider file names).
    pub admin_cloud: Option<String>,
    /// Names the cassette directory with an endpoint or a cloud (default: the cloud's name, or
    /// `custom`).
    pub label: Option<String>,
}

impl ProviderChoice {
    /// Whether the user named a provider at all (a file, an endpoint or a cloud).
    pub fn is_given(&self) -> bool {
        self.file.is_some() || self.endpoint.is_some() || self.os_cloud.is_some()
    }
}

/// The provider the user chose; an input error (exit 2) when none can be had.
pub fn resolve(choice: &ProviderChoice) -> Result<Provider, InputErrors> {
    if let Some(label) = &choice.label {
        model::check_label(label).map_err(|e| InputError::new(format!("--label: {e}")))?;
    }
    let mut provider = resolve_user(choice)?;
    if let Some(name) = &choice.admin_cloud {
        let cloud = clouds::from_clouds_yaml(name, None, &clouds::process_env)
            .map_err(|e| InputError::new(format!("the admin cloud: {e}")))?;
        provider.identities.insert("admin".into(), IdentitySpec { cloud: Some(cloud), ..IdentitySpec::default() });
    }
    Ok(provider)
}

fn resolve_user(choice: &ProviderChoice) -> Result<Provider, InputErrors> {
    match (&choice.file, &choice.endpoint) {
        (Some(_), Some(_)) => Err(InputError::new("give --provider FILE or --endpoint URL, not both").into()),
        (Some(file), None) => Ok(load(file)?),
        (None, Some(url)) => Ok(Provider {
            label: choice.label.clone().unwrap_or_else(|| "custom".into()),
            endpoint: Some(url.clone()),
            identities: choice
                .token
                .iter()
                .map(|t| ("user".to_string(), IdentitySpec { token: Some(t.clone()), ..IdentitySpec::default() }))
                .collect(),
            ..Provider::default()
        }),
        (None, None) => match clouds::resolve(choice.os_cloud.as_deref(), &clouds::process_env)? {
            Some(cloud) => Ok(from_cloud(cloud, choice.label.as_deref())?),
            None => Err(InputError::new(
                "live and record mode need a provider: --provider FILE, --os-cloud NAME (or OS_CLOUD / the OS_* variables), or --endpoint URL with --token TOKEN",
            )
            .into()),
        },
    }
}
