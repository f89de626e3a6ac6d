//! The flags that choose a live provider and how to talk to it, shared by `run`, `certify` and
//! `cleanup`.

use std::path::PathBuf;

use tapedeck::exchange::redact::Redactor;
use tapedeck::input::config::Config;
use tapedeck::input::{InputError, parse_duration};
use tapedeck::provider::{ConnectOptions, ProviderChoice};

#[derive(clap::Args, Debug)]
#[command(next_help_heading = "Provider (live and record)")]
pub struct ProviderArgs {
    /// Provider file (endpoint, identities, variables), e.g. the one the sandbox writes.
    #[arg(long)]
    pub provider: Option<PathBuf>,
    /// A cloud from clouds.yaml (OS_CLIENT_CONFIG_FILE, ./clouds.yaml, ~/.config/openstack/,
    /// /etc/openstack/). Without it, the OS_* variables are used.
    #[arg(long, env = "OS_CLOUD")]
    pub os_cloud: Option<String>,
    /// A second clouds.yaml cloud with the admin role, for the `admin` identity the steps that
    /// check what only an admin sees need (without one they are skipped).
    #[arg(long, value_name = "NAME")]
    pub admin_cloud: Option<String>,
    /// Do not verify TLS certificates (only when asked: verification is on by default).
    #[arg(long)]
    pub insecure: bool,
    /// Compute endpoint URL (instead of --provider).
    #[arg(long)]
    pub endpoint: Option<String>,
    /// Static token sent as X-Auth-Token (e.g. from `openstack token issue`).
    #[arg(long, env = "OS_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// A value to redact from cassettes and reports. Repeatable.
    #[arg(long = "secret", value_name = "VALUE")]
    pub secrets: Vec<String>,
    /// Timeout of one HTTP request.
    #[arg(long, default_value = "60s")]
    pub request_timeout: String,
    /// At most N requests in flight to the provider at once (default: one per job).
    #[arg(long, value_name = "N")]
    pub max_in_flight: Option<usize>,
}

impl ProviderArgs {
    /// The config file's cloud or provider file, when no flag (nor `OS_CLOUD`) names one; its
    /// secrets join the flags'.
    pub fn apply_config(&mut self, c: &Config) {
        let named = self.provider.is_some() || self.endpoint.is_some() || self.os_cloud.is_some();
        if !named {
            self.provider = c.provider.as_ref().map(|p| c.path(p));
            self.os_cloud.clone_from(&c.os_cloud);
            // The admin cloud the file names goes with the file's cloud.
            if self.admin_cloud.is_none() {
                self.admin_cloud.clone_from(&c.admin_cloud);
            }
        }
        self.secrets.extend(c.secrets.iter().cloned());
    }

    /// The provider the flags name; `label` names its cassette directory (run and certify).
    pub fn choice(&self, label: Option<&str>) -> ProviderChoice {
        ProviderChoice {
            file: self.provider.clone(),
            endpoint: self.endpoint.clone(),
            token: self.token.clone(),
            os_cloud: self.os_cloud.clone(),
            admin_cloud: self.admin_cloud.clone(),
            label: label.map(str::to_string),
        }
    }

    /// How to connect; `count_leftovers`: also count what earlier runs left (a run warns). The
    /// secret registry starts with `--secret` and `--token`: too short a value is refused.
    pub fn connect_options(&self, count_leftovers: bool) -> Result<ConnectOptions, InputError> {
        let redactor = Redactor::default();
        for s in &self.secrets {
            redactor.secret("a --secret value", s).map_err(|e| InputError::new(e.to_string()))?;
        }
        if let Some(t) = &self.token {
            redactor.secret("the --token (or OS_TOKEN)", t).map_err(|e| InputError::new(e.to_string()))?;
        }
        if self.max_in_flight == Some(0) {
            return Err(InputError::new("--max-in-flight must be at least 1"));
        }
        let timeout =
            parse_duration(&self.request_timeout).map_err(|e| InputError::new(format!("--request-timeout: {e}")))?;
        Ok(ConnectOptions {
            redactor,
            timeout,
            insecure: self.insecure,
            count_leftovers,
            max_in_flight: self.max_in_flight,
        })
    }
}
