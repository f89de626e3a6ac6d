//! From a provider to a live connection: HTTP clients (TLS as each cloud says), Keystone
//! sessions for identities that name a cloud, the compute endpoint (given, or from the
//! service catalog), the provider's microversion range from its version document, and the
//! capabilities it cannot offer (`probe`).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::model::Provider;
use super::{leftovers, probe};
use crate::auth::keystone::{AuthError, Keystone, client_for, compute_endpoint};
use crate::cassette::VersionRange;
use crate::exchange::redact::{Redactor, SecretError};
use crate::microversion::Microversion;
use crate::plan::LiveInfo;
use crate::transport::live::{Endpoint, Identity, default_client};
use crate::transport::{Outgoing, TransportError};

pub struct Connection {
    pub endpoint: Arc<Endpoint>,
    pub info: LiveInfo,
    /// The cloud's `compute_api_version` (`OS_COMPUTE_API_VERSION`), if it sets one.
    pub default_microversion: Option<Microversion>,
    /// How many `td-` servers earlier runs left (with `count_leftovers`; `None` when they could
    /// not be listed).
    pub leftovers: Option<usize>,
}

#[derive(Clone)]
pub struct ConnectOptions {
    /// The process's secret registry (`--secret` values already in it): the provider's
    /// secrets, tokens and credentials join it before anything is sent.
    pub redactor: Redactor,
    pub timeout: Duration,
    /// `--insecure`: skip TLS verification even where the cloud does not say so.
    pub insecure: bool,
    /// Also count the `td-` servers earlier runs left (a live run warns of them).
    pub count_leftovers: bool,
    /// `--max-in-flight`: requests at once to the provider, whoever sends them.
    pub max_in_flight: Option<usize>,
}

impl ConnectOptions {
    /// No extra secrets, TLS verified, nothing more asked, no bound on requests in flight.
    pub fn new(timeout: Duration) -> Self {
        ConnectOptions {
            redactor: Redactor::default(),
            timeout,
            insecure: false,
            count_leftovers: false,
            max_in_flight: None,
        }
    }
}

/// Everything that can fail while connecting is the user's configuration or an unreachable
/// cloud: the message says which identity, which cloud, which URL.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("identity `{identity}`: {error}")]
    Identity { identity: String, error: AuthError },
    #[error("{0}")]
    Auth(#[from] AuthError),
    #[error("cloud `{cloud}`: {error}")]
    Catalog { cloud: String, error: AuthError },
    #[error("no compute endpoint: give one, or an identity `user` with a cloud")]
    NoEndpoint,
    #[error("compute_api_version: {0}")]
    Microversion(String),
    /// The endpoint URL or the HTTP client is unusable.
    #[error("{0}")]
    Endpoint(String),
    #[error("{0}")]
    Transport(TransportError),
    #[error("the compute endpoint {0} refused the credentials (401)")]
    Refused(String),
    #[error("{0}")]
    Secret(#[from] SecretError),
}

pub async fn connect(provider: &Provider, options: &ConnectOptions) -> Result<Connection, ConnectError> {
    let redactor = options.redactor.clone();
    for s in &provider.secrets {
        redactor.secret("a secret of the provider", s)?;
    }
    for (name, spec) in &provider.identities {
        if let Some(token) = &spec.token {
            redactor.secret(&format!("the token of identity `{name}`"), token)?;
        }
        for s in spec.cloud.iter().flat_map(|c| c.secrets()) {
            redactor.secret(&format!("a credential of identity `{name}`"), &s)?;
        }
    }
    let mut identities = BTreeMap::new();
    let mut user_client = None;
    for (name, spec) in &provider.identities {
        let keystone = match &spec.cloud {
            Some(cloud) => {
                let mut cloud = cloud.clone();
                cloud.insecure |= options.insecure;
                let identity_error = |error| ConnectError::Identity { identity: name.clone(), error };
                let client = client_for(&cloud, options.timeout).map_err(identity_error)?;
                if name == "user" {
                    user_client = Some(client.clone());
                }
                Some(Arc::new(Keystone::new(cloud, client, redactor.clone()).map_err(identity_error)?))
            }
            None => None,
        };
        identities
            .insert(name.clone(), Identity { headers: spec.headers.clone(), token: spec.token.clone(), keystone });
    }
    let user = identities.get("user").and_then(|i| i.keystone.clone());
    let url = match (&provider.endpoint, &user) {
        (Some(url), _) => url.clone(),
        (None, Some(k)) => {
            let token = k.token().await?;
            let cloud = k.cloud();
            compute_endpoint(&token.catalog, &cloud.interface, cloud.region_name.as_deref())
                .map_err(|error| ConnectError::Catalog { cloud: cloud.name.clone(), error })?
        }
        (None, None) => return Err(ConnectError::NoEndpoint),
    };
    let default_microversion = match user.as_ref().and_then(|k| k.cloud().compute_api_version.clone()) {
        Some(v) => Some(v.parse::<Microversion>().map_err(|e| ConnectError::Microversion(e.to_string()))?),
        None => None,
    };
    let client = match user_client {
        Some(c) => c,
        None => default_client(options.timeout, options.insecure).map_err(ConnectError::Endpoint)?,
    };
    let endpoint = Arc::new(
        Endpoint::new(&url, identities, client, redactor)
            .map_err(ConnectError::Endpoint)?
            .limited(options.max_in_flight),
    );
    // The questions before a run, asked at once: each is a round trip to the provider, and
    // a run waits for all of them.
    let leftovers = async { if options.count_leftovers { leftovers::count(&endpoint).await.ok() } else { None } };
    let (api_versions, missing, leftovers) =
        tokio::join!(probe_versions(&endpoint), probe::probe(&endpoint, &provider.variables), leftovers);
    let api_versions = api_versions?;
    let mut unsupported = provider.unsupported.clone();
    for (capability, why) in missing {
        unsupported.entry(capability).or_insert(why);
    }
    let info = LiveInfo {
        label: provider.label.clone(),
        endpoint_path: endpoint.base_path.clone(),
        variables: provider.variables.clone(),
        identities: provider.identities.keys().cloned().collect(),
        unsupported,
        api_versions,
    };
    Ok(Connection { endpoint, info, default_microversion, leftovers })
}

/// `GET` on the compute endpoint: its version document gives the microversion range.
async fn probe_versions(endpoint: &Endpoint) -> Result<Option<VersionRange>, ConnectError> {
    let request = Outgoing::get("version probe", "/", None);
    let exchange = endpoint.exchange(&request, Instant::now()).await.map_err(ConnectError::Transport)?;
    if exchange.response.status == 401 {
        return Err(ConnectError::Refused(endpoint.redactor.text(&endpoint.url)));
    }
    let doc = exchange.response.body.as_ref().and_then(|b| b.get("version"));
    let field = |name: &str| {
        doc.and_then(|d| d.get(name)).and_then(|v| v.as_str()).and_then(|s| s.parse::<Microversion>().ok())
    };
    Ok(match (field("min_version"), field("version")) {
        (Some(min), Some(max)) => Some(VersionRange { min, max }),
        _ => None,
    })
}
