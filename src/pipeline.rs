//! The pipeline as `run` and `certify` drive it: connect to the provider (live and record),
//! plan the runs, keep this shard of them, run them. Everything a user chose arrives in one
//! plain [`RunRequest`]; listeners hear the runner's events as runs go.

use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::mpsc::UnboundedSender;

use crate::input::{InputError, InputErrors};
use crate::microversion::Microversion;
use crate::outcome::{Mode, Outcome};
use crate::plan::{self, LiveInfo, PlanRequest, RecordMode};
use crate::provider::{ConnectError, ConnectOptions, Connection, Provider, connect};
use crate::runner::{self, Cancel, Event, RunnerConfig};
use crate::schema_store::{ExtraKeys, SchemaStore};
use crate::suite::Suite;

/// One run of the pipeline, decided before anything is sent.
pub struct RunRequest {
    pub suites: Vec<Arc<Suite>>,
    pub mode: Mode,
    /// With [`Mode::Record`]: record every run, or only those without a cassette.
    pub record_mode: RecordMode,
    /// Default: [`plan::DEFAULT_CASSETTES`] (else the shipped cassettes) for replay,
    /// `cassettes/<provider label>` to record.
    pub cassettes: Option<PathBuf>,
    /// Every suite at this microversion instead of those it lists.
    pub microversion: Option<Microversion>,
    /// `--var`: wins over provider and suite variables.
    pub vars: Vec<(String, String)>,
    /// Live and record only.
    pub provider: Option<Provider>,
    pub connect: ConnectOptions,
    pub jobs: usize,
    pub batch_waits: bool,
    /// How long a cleanup may take to see the server it deletes gone.
    pub cleanup_timeout: std::time::Duration,
    /// Every wait's bound is multiplied by this.
    pub wait_timeout_scale: f64,
    pub schemas: &'static SchemaStore,
    pub extra_keys: ExtraKeys,
    /// `(k, n)`: only shard k of n.
    pub shard: Option<(usize, usize)>,
    /// `--filter` / `--exclude`, applied before sharding.
    pub selection: crate::selection::Selection,
}

/// What a run of the pipeline produced, and what the provider said (live and record).
pub struct Executed {
    pub outcome: Outcome,
    pub live: Option<LiveInfo>,
    /// The compute endpoint talked to (live and record), for what a report may say of it.
    pub endpoint_url: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error("provider {label}: {error}")]
    Connect { label: String, error: ConnectError },
    /// The runs could not be planned (a cassette unreadable, a variable without a value).
    #[error("{0}")]
    Plan(InputErrors),
    /// The shipped cassettes could not be written out to be read.
    #[error("the shipped cassettes: {0}")]
    Shipped(crate::util::atomic::WriteError),
}

/// The cassette directory the request names: `--cassettes`, else `cassettes/<label>` to record
/// (`label`: the provider's); `None`: the default (the directory's own reference cassettes, else
/// the shipped ones).
pub fn cassette_dir(request: &RunRequest, label: Option<&str>) -> Option<PathBuf> {
    match (&request.cassettes, label) {
        (Some(dir), _) => Some(dir.clone()),
        (None, Some(label)) if request.mode == Mode::Record => Some(PathBuf::from("cassettes").join(label)),
        _ => None,
    }
}

/// What can be known about the cassette directory before anything is sent: replay reads a
/// directory given with `--cassettes` (a missing one, or a file, would fail every run one by
/// one), and record writes into one it can create or write (else the recordings would be lost
/// at the end of every run).
pub fn check_cassette_dir(request: &RunRequest) -> Result<(), InputError> {
    let Some(dir) = cassette_dir(request, request.provider.as_ref().map(|p| p.label.as_str())) else {
        return Ok(());
    };
    let named = || match request.cassettes {
        Some(_) => format!("--cassettes {}", dir.display()),
        None => format!("cassette directory {}", dir.display()),
    };
    match request.mode {
        Mode::Replay if request.cassettes.is_some() => match std::fs::metadata(&dir) {
            Ok(meta) if meta.is_dir() => Ok(()),
            Ok(meta) => Err(InputError::new(format!(
                "{}: is {}, not a cassette directory",
                named(),
                crate::input::file::kind_of(&meta)
            ))),
            Err(e) => Err(InputError::new(format!(
                "{}: {}",
                named(),
                crate::input::file::unreadable(&dir, &e, "no such directory")
            ))),
        },
        Mode::Record => {
            crate::util::atomic::check_writable_dir(&dir).map_err(|e| InputError::new(format!("{}: {e}", named())))
        }
        Mode::Replay | Mode::Live => Ok(()),
    }
}

/// Connects to the request's provider, if it has one. `--var` wins over the provider's
/// variables, for the capability probe too.
pub async fn connect_provider(request: &RunRequest) -> Result<Option<Connection>, PipelineError> {
    let Some(provider) = &request.provider else { return Ok(None) };
    let mut provider = provider.clone();
    provider.variables.extend(request.vars.iter().cloned());
    match connect(&provider, &request.connect).await {
        Ok(c) => Ok(Some(c)),
        Err(error) => Err(PipelineError::Connect { label: provider.label, error }),
    }
}

/// Plans and runs the request against `connection` (from [`connect_provider`]; `None` for
/// replay). Runs stop starting once `cancel` is cancelled.
pub async fn run(
    request: &RunRequest,
    connection: Option<Connection>,
    cancel: Arc<Cancel>,
    events: Option<UnboundedSender<Event>>,
) -> Result<Executed, PipelineError> {
    let (endpoint, live, default_microversion) = match connection {
        Some(c) => (Some(c.endpoint), Some(c.info), c.default_microversion),
        None => (None, None, None),
    };
    let endpoint_url = endpoint.as_ref().map(|e| e.url.clone());
    // Live: the endpoint's registry, which the connection filled; replay: `--secret` alone.
    let redactor = endpoint.as_ref().map_or_else(|| request.connect.redactor.clone(), |e| e.redactor.clone());
    let cassette_dir = match cassette_dir(request, live.as_ref().map(|info| info.label.as_str())) {
        Some(dir) => dir,
        None => crate::shipped::default_cassettes().map_err(PipelineError::Shipped)?,
    };
    let plan_request = PlanRequest {
        suites: &request.suites,
        cassette_dir: &cassette_dir,
        live: live.as_ref(),
        record: (request.mode == Mode::Record).then_some(request.record_mode),
        microversion: request.microversion,
        default_microversion: default_microversion.unwrap_or(plan::DEFAULT_MICROVERSION),
        cli_vars: &request.vars,
        selection: &request.selection,
    };
    let plans = plan::plan(&plan_request).map_err(PipelineError::Plan)?;
    let plans = match request.shard {
        Some((k, n)) => plan::shard(plans, k, n),
        None => plans,
    };
    if let Some(missing) = plan::missing_variables(&plans) {
        return Err(PipelineError::Plan(missing.into()));
    }
    let config = RunnerConfig {
        mode: request.mode,
        jobs: request.jobs,
        endpoint,
        cancel,
        events,
        schemas: request.schemas,
        extra_keys: request.extra_keys,
        batch_waits: request.batch_waits,
        cleanup_timeout: request.cleanup_timeout,
        wait_timeout_scale: request.wait_timeout_scale,
        redactor,
    };
    Ok(Executed { outcome: runner::execute(plans, config).await, live, endpoint_url })
}
