//! The command line: parses flags, wires the stages together, owns exit codes
//! (0 all passed, 1 some failed, 2 usage or input error).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};

use crate::auth::clouds;
use crate::connect::{ConnectOptions, connect};
use crate::input_error::{InputError, InputErrors};
use crate::microversion::Microversion;
use crate::outcome::{Mode, Outcome, Verdict};
use crate::plan::{self, LiveInfo, PlanRequest, RecordMode};
use crate::provider::{self, IdentitySpec, Provider};
use crate::report::progress::ProgressView;
use crate::report::{self, ReportKind, ReportTarget, human};
use crate::runner::{self, Cancel, RunnerConfig};
use crate::schema_store::{ExtraKeys, SchemaStore};
use crate::suite;

/// The cassette directory replay uses when none is given.
pub const DEFAULT_CASSETTES: &str = "cassettes/nova-34.0.0";
pub const DEFAULT_SUITES: &str = "suites";

#[derive(Parser, Debug)]
#[command(
    name = "tapedeck",
    version,
    about = "Record/replay contract tests and conformance checks for the OpenStack Compute API"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run suites: replay them from cassettes (default), run them live, or record them.
    Run(RunArgs),
    /// Derive schemas from the api-ref, list or show them.
    #[command(subcommand)]
    Schemas(crate::schema_cli::SchemasCommand),
    /// Validate JSON documents against the derived schema of an operation.
    Validate(crate::schema_cli::ValidateArgs),
    /// List and delete the td- servers earlier runs left on a provider.
    Cleanup(crate::cleanup::CleanupArgs),
    /// Run a certification profile and write the certification bundle.
    Certify(crate::certify::CertifyArgs),
    /// Compare two cassettes or cassette directories by behaviour: ids canonicalised, changes
    /// classified (status, schema, fields, values, traces, exchanges, timing).
    Diff(crate::diff::DiffArgs),
    /// Review pending re-recordings (their diff against the accepted cassettes) and accept
    /// them into place, or discard them with --reject.
    Accept(crate::accept::AcceptArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    Replay,
    Live,
    Record,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RecordModeArg {
    Once,
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExtraKeysArg {
    Deny,
    Warn,
    Allow,
}

#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// Suite files or directories of suites [default: suites/]
    pub suites: Vec<PathBuf>,
    #[arg(long, value_enum, default_value = "replay")]
    pub mode: ModeArg,
    /// With --mode record: `all` re-records every run, `once` only runs without a cassette.
    #[arg(long, value_enum, default_value = "all")]
    pub record_mode: RecordModeArg,
    /// Cassette directory [default: cassettes/nova-34.0.0 for replay, cassettes/<provider label> to record]
    #[arg(long)]
    pub cassettes: Option<PathBuf>,
    /// Run every suite at this microversion instead of the ones it lists.
    #[arg(long)]
    pub microversion: Option<String>,
    /// Set a variable (overrides provider and suite variables). Repeatable.
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// Runs at once.
    #[arg(long, default_value_t = 4)]
    pub jobs: usize,
    /// At most N requests in flight to the provider at once (default: one per job).
    #[arg(long, value_name = "N")]
    pub max_in_flight: Option<usize>,
    /// Poll each server alone, even when several runs wait at once (by default their waits
    /// share one `GET /servers/detail` per poll where the provider allows it).
    #[arg(long)]
    pub no_batch_waits: bool,
    /// Write a report: json=PATH, junit=PATH, markdown=PATH or html=PATH. Repeatable.
    #[arg(long = "report", value_name = "FORMAT=PATH")]
    pub reports: Vec<String>,
    /// Provider file (endpoint, identities, variables) for live and record mode.
    #[arg(long)]
    pub provider: Option<PathBuf>,
    /// A cloud from clouds.yaml (OS_CLIENT_CONFIG_FILE, ./clouds.yaml, ~/.config/openstack/,
    /// /etc/openstack/) for live and record mode. Without it, the OS_* variables are used.
    #[arg(long, env = "OS_CLOUD")]
    pub os_cloud: Option<String>,
    /// Do not verify TLS certificates (only when asked: verification is on by default).
    #[arg(long)]
    pub insecure: bool,
    /// Compute endpoint URL for live and record mode (instead of --provider).
    #[arg(long)]
    pub endpoint: Option<String>,
    /// Static token sent as X-Auth-Token (e.g. from `openstack token issue`).
    #[arg(long, env = "OS_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Provider label with --endpoint or --os-cloud: names the cassette directory
    /// [default: the cloud's name, or `custom`].
    #[arg(long)]
    pub label: Option<String>,
    /// A value to redact from cassettes and reports. Repeatable.
    #[arg(long = "secret", value_name = "VALUE")]
    pub secrets: Vec<String>,
    /// Timeout of one HTTP request.
    #[arg(long, default_value = "60s")]
    pub request_timeout: String,
    /// Validate responses against the schemas in DIR instead of the embedded ones.
    #[arg(long)]
    pub schemas: Option<PathBuf>,
    /// Keys a schema does not list: `deny` fails the step (Nova 2.1+ returns complete,
    /// unmodified responses), `warn` reports them, `allow` ignores them.
    #[arg(long, value_enum, default_value = "deny")]
    pub extra_keys: ExtraKeysArg,
    /// Run only shard K of N (1-based): a deterministic subset, so CI can spread a run over N
    /// machines; the N shards together are the whole run.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// List suites, capabilities and microversions without running anything.
    #[arg(long)]
    pub list: bool,
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    match cli.command {
        Command::Run(args) => run_command(args),
        Command::Certify(args) => crate::certify::run(args),
        Command::Cleanup(args) => crate::cleanup::run(args),
        Command::Diff(args) => crate::diff::run(args),
        Command::Accept(args) => crate::accept::run(args),
        Command::Schemas(cmd) => crate::schema_cli::run_schemas(cmd),
        Command::Validate(args) => crate::schema_cli::run_validate(args),
    }
}

fn usage_error(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}

fn run_command(args: RunArgs) -> ExitCode {
    match prepare(&args) {
        Ok(prepared) => execute(args, prepared),
        Err(errors) => {
            eprintln!("{errors}");
            ExitCode::from(2)
        }
    }
}

pub(crate) struct Prepared {
    suites: Vec<Arc<suite::Suite>>,
    cli_vars: Vec<(String, String)>,
    microversion: Option<Microversion>,
    reports: Vec<ReportTarget>,
    pub(crate) provider: Option<Provider>,
    pub(crate) timeout: Duration,
    /// `None`: the embedded set, parsed only when a run needs it (`--list` does not).
    schemas: Option<&'static SchemaStore>,
    extra_keys: ExtraKeys,
    shard: Option<(usize, usize)>,
}

/// Everything that can be checked before anything runs (exit 2 on any problem).
pub(crate) fn prepare(args: &RunArgs) -> Result<Prepared, InputErrors> {
    let mut cli_vars = Vec::new();
    for v in &args.vars {
        let (name, value) =
            v.split_once('=').ok_or_else(|| InputError::new(format!("--var `{v}`: expected NAME=VALUE")))?;
        cli_vars.push((name.trim().to_string(), value.to_string()));
    }
    let microversion = match &args.microversion {
        Some(m) => Some(m.parse::<Microversion>().map_err(|e| InputError::new(format!("--microversion: {e}")))?),
        None => None,
    };
    let reports = args
        .reports
        .iter()
        .map(|r| report::parse_target(r).map_err(|e| InputError::new(format!("--report {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    if args.jobs == 0 {
        return Err(InputError::new("--jobs must be at least 1").into());
    }
    if args.max_in_flight == Some(0) {
        return Err(InputError::new("--max-in-flight must be at least 1").into());
    }
    let timeout = suite::duration::parse_duration(&args.request_timeout)
        .map_err(|e| InputError::new(format!("--request-timeout: {e}")))?;
    let paths = if args.suites.is_empty() { vec![PathBuf::from(DEFAULT_SUITES)] } else { args.suites.clone() };
    let files = suite::discover(&paths)?;
    if files.is_empty() {
        return Err(InputError::new(format!(
            "no suite files (*.yaml) in {}",
            paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
        ))
        .into());
    }
    let names: Vec<String> = cli_vars.iter().map(|(n, _)| n.clone()).collect();
    let suites = suite::load_all(&files, &names)?.into_iter().map(Arc::new).collect();
    let provider = resolve_provider(args)?;
    let schemas: Option<&'static SchemaStore> = match &args.schemas {
        // Loaded once for the life of the process.
        Some(dir) => Some(Box::leak(Box::new(
            SchemaStore::load_dir(dir).map_err(|e| InputError::new(format!("--schemas: {e}")))?,
        ))),
        None => None,
    };
    let extra_keys = match args.extra_keys {
        ExtraKeysArg::Deny => ExtraKeys::Deny,
        ExtraKeysArg::Warn => ExtraKeys::Warn,
        ExtraKeysArg::Allow => ExtraKeys::Allow,
    };
    let shard = match &args.shard {
        Some(text) => Some(plan::parse_shard(text).map_err(|e| InputError::new(format!("--shard: {e}")))?),
        None => None,
    };
    Ok(Prepared { suites, cli_vars, microversion, reports, provider, timeout, schemas, extra_keys, shard })
}

fn execute(args: RunArgs, p: Prepared) -> ExitCode {
    if args.list {
        for s in &p.suites {
            let mvs: Vec<String> = match p.microversion {
                Some(v) => vec![v.to_string()],
                None if s.microversions.is_empty() => vec![plan::DEFAULT_MICROVERSION.to_string()],
                None => s.microversions.iter().map(|m| m.to_string()).collect(),
            };
            println!("{:<32} {:<28} [{}]  {}", s.name, mvs.join(" "), s.capabilities.join(", "), s.file.display());
        }
        return ExitCode::SUCCESS;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(r) => r,
        Err(e) => return usage_error(format!("cannot start the async runtime: {e}")),
    };
    runtime.block_on(execute_async(args, p))
}

async fn execute_async(args: RunArgs, p: Prepared) -> ExitCode {
    match run_suites(&args, &p).await {
        Ok(done) => finish(&done.outcome, &p.reports),
        Err(code) => code,
    }
}

/// What a run of suites produced, and what the provider said (live and record).
pub(crate) struct Executed {
    pub outcome: Outcome,
    pub live: Option<LiveInfo>,
}

/// Connect (live/record), plan, run with progress lines: the pipeline `run` and `certify` share.
pub(crate) async fn run_suites(args: &RunArgs, p: &Prepared) -> Result<Executed, ExitCode> {
    let mode = match args.mode {
        ModeArg::Replay => Mode::Replay,
        ModeArg::Live => Mode::Live,
        ModeArg::Record => Mode::Record,
    };
    // Listening from the start: an interrupt while connecting must not kill the process
    // outright once runs could begin.
    let cancel = Cancel::new();
    spawn_interrupt_handler(cancel.clone());
    let mut endpoint = None;
    let mut live_info = None;
    let mut default_microversion = None;
    if let Some(provider) = &p.provider {
        let options = ConnectOptions {
            secrets: args.secrets.clone(),
            timeout: p.timeout,
            insecure: args.insecure,
            count_leftovers: true,
            max_in_flight: args.max_in_flight,
        };
        // `--var` wins over the provider's variables, for the capability probe too.
        let mut provider = provider.clone();
        provider.variables.extend(p.cli_vars.iter().cloned());
        match connect(&provider, &options).await {
            Ok(c) => {
                if let Some(left) = c.leftovers.filter(|n| *n > 0) {
                    eprintln!(
                        "warning: {left} td- servers from earlier runs are on {} (`tapedeck cleanup --dry-run` lists them)",
                        provider.label
                    );
                }
                endpoint = Some(c.endpoint);
                live_info = Some(c.info);
                default_microversion = c.default_microversion;
            }
            Err(message) => return Err(usage_error(format!("provider {}: {message}", provider.label))),
        }
    }
    let cassette_dir = args.cassettes.clone().unwrap_or_else(|| match &live_info {
        Some(info) if mode == Mode::Record => PathBuf::from("cassettes").join(&info.label),
        _ => PathBuf::from(DEFAULT_CASSETTES),
    });
    let record = match (mode, args.record_mode) {
        (Mode::Record, RecordModeArg::Once) => Some(RecordMode::Once),
        (Mode::Record, RecordModeArg::All) => Some(RecordMode::All),
        _ => None,
    };
    let request = PlanRequest {
        suites: &p.suites,
        cassette_dir: &cassette_dir,
        live: live_info.as_ref(),
        record,
        microversion: p.microversion,
        default_microversion: default_microversion.unwrap_or(plan::DEFAULT_MICROVERSION),
        cli_vars: &p.cli_vars,
    };
    let plans = match plan::plan(&request) {
        Ok(plans) => match p.shard {
            Some((k, n)) => plan::shard(plans, k, n),
            None => plans,
        },
        Err(errors) => {
            eprintln!("{errors}");
            return Err(ExitCode::from(2));
        }
    };

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let printer = tokio::spawn(async move {
        let mut view = ProgressView::new(mode);
        while let Some(event) = rx.recv().await {
            view.handle(event);
        }
    });
    let config = RunnerConfig {
        mode,
        jobs: args.jobs,
        endpoint,
        cancel: cancel.clone(),
        events: Some(tx),
        schemas: p.schemas.unwrap_or_else(SchemaStore::embedded),
        extra_keys: p.extra_keys,
        batch_waits: !args.no_batch_waits,
    };
    let outcome = runner::execute(plans, config).await;
    let _ = printer.await;
    Ok(Executed { outcome, live: live_info })
}

/// The provider of a live or record run: a provider file, `--endpoint`/`--token`, or a cloud
/// (`--os-cloud`, `OS_CLOUD`, the `OS_*` variables). `None` for replay and `--list`.
pub(crate) fn resolve_provider(args: &RunArgs) -> Result<Option<Provider>, InputErrors> {
    Ok(match (args.mode, &args.provider, &args.endpoint) {
        _ if args.list => None,
        (ModeArg::Replay, None, None) => None,
        (ModeArg::Replay, _, _) => {
            return Err(InputError::new(
                "--provider and --endpoint are for --mode live or record; replay reads cassettes",
            )
            .into());
        }
        (_, Some(_), Some(_)) => return Err(InputError::new("give --provider FILE or --endpoint URL, not both").into()),
        (_, Some(file), None) => Some(provider::load(file)?),
        (_, None, Some(url)) => Some(Provider {
            label: args.label.clone().unwrap_or_else(|| "custom".into()),
            endpoint: Some(url.clone()),
            identities: args
                .token
                .iter()
                .map(|t| ("user".to_string(), IdentitySpec { token: Some(t.clone()), ..IdentitySpec::default() }))
                .collect(),
            ..Provider::default()
        }),
        (_, None, None) => match clouds::resolve(args.os_cloud.as_deref(), &clouds::process_env)? {
            Some(cloud) => Some(provider::from_cloud(cloud, args.label.as_deref())?),
            None => {
                return Err(InputError::new(
                    "live and record mode need a provider: --provider FILE, --os-cloud NAME (or OS_CLOUD / the OS_* variables), or --endpoint URL with --token TOKEN",
                )
                .into());
            }
        },
    })
}

pub(crate) fn finish(outcome: &Outcome, reports: &[ReportTarget]) -> ExitCode {
    finish_lines(outcome);
    for target in reports {
        let text = match target.kind {
            ReportKind::Json => report::json::render(outcome),
            ReportKind::Markdown => report::markdown::render(outcome),
            ReportKind::Html => report::html::render(outcome),
            ReportKind::Junit => match report::junit::render(outcome) {
                Ok(xml) => xml,
                Err(e) => {
                    eprintln!("error: report: {e}");
                    return ExitCode::from(2);
                }
            },
        };
        if let Err(e) = report::write_atomic(&target.path, text.as_bytes()) {
            eprintln!("error: report: {e}");
            return ExitCode::from(2);
        }
    }
    if outcome.runs.iter().any(|r| r.verdict == Verdict::Failed) { ExitCode::from(1) } else { ExitCode::SUCCESS }
}

/// Failures with their evidence, notes, and the summary line.
pub(crate) fn finish_lines(outcome: &Outcome) {
    let failed: Vec<_> = outcome.runs.iter().filter(|r| r.verdict == Verdict::Failed).collect();
    if !failed.is_empty() {
        println!("\nfailures:");
        for run in &failed {
            println!("  {} @ {}: {}", run.suite, run.microversion, run.reason.as_deref().unwrap_or("failed"));
            print!("{}", human::failure_details(run));
        }
    }
    for run in &outcome.runs {
        for note in &run.notes {
            println!("note: {} @ {}: {note}", run.suite, run.microversion);
        }
    }
    println!("\n{}", human::footer(outcome));
    println!("{}", human::summary(outcome));
    pending_lines(outcome);
}

/// Re-recordings that went to the pending area: how each compares, and how to accept them.
fn pending_lines(outcome: &Outcome) {
    let mut by_dir: std::collections::BTreeMap<PathBuf, Vec<String>> = Default::default();
    for c in outcome.runs.iter().filter_map(|r| r.cassette.as_ref()) {
        let path = PathBuf::from(&c.path);
        if c.state != crate::outcome::CassetteState::Pending || !path.exists() {
            continue;
        }
        let (Some(name), Some(dir)) = (path.file_name(), c.replaces.as_deref().map(Path::new).and_then(Path::parent))
        else {
            continue;
        };
        by_dir.entry(dir.to_path_buf()).or_default().push(name.to_string_lossy().into_owned());
    }
    for (dir, names) in by_dir {
        println!(
            "\n{} re-recorded cassette(s) are pending review in {} (the accepted ones are untouched):",
            names.len(),
            dir.join(crate::cassette::pending::PENDING_DIR).display()
        );
        match crate::accept::review(&dir, &names, false) {
            Ok(review) => {
                for c in &review.cassettes {
                    let what =
                        if c.equivalent() { "equivalent".to_string() } else { format!("{} changes", c.change_count()) };
                    println!("  {:<40} {what}", c.name);
                }
            }
            Err(e) => println!("  (cannot compare: {e})"),
        }
        println!(
            "review: tapedeck accept --dry-run --cassettes {0}\naccept: tapedeck accept --cassettes {0}   (or --reject)",
            dir.display()
        );
    }
}

fn spawn_interrupt_handler(cancel: Arc<Cancel>) {
    tokio::spawn(async move {
        let mut presses = 0;
        loop {
            wait_for_signal().await;
            presses += 1;
            if presses == 1 {
                eprintln!("\ninterrupted: no new steps; running cleanups (interrupt again to abort at once)");
                cancel.cancel();
            } else {
                let owed = cancel.owed();
                if owed.is_empty() {
                    eprintln!("aborted: no cleanup was owed");
                } else {
                    eprintln!("aborted: these cleanups did not run, so their resources may remain:");
                    for what in owed {
                        eprintln!("  {what}");
                    }
                    eprintln!("`tapedeck cleanup` finds td- servers left by earlier runs");
                }
                std::process::exit(130);
            }
        }
    });
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
