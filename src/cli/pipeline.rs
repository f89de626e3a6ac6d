//! The library's pipeline driven from the command line, as `run` and `certify` share it: their
//! common flags turned into a [`RunRequest`], the interrupt handler, the progress display, and
//! the lines and reports at the end.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use std::time::Duration;
use tapedeck::cassette::pending::PENDING_DIR;
use tapedeck::diff::review::pending_review;

use tapedeck::input::config::Config;
use tapedeck::input::{InputError, InputErrors, parse_duration};
use tapedeck::microversion::Microversion;
use tapedeck::outcome::{CassetteState, Mode, Outcome, Verdict};
use tapedeck::pipeline::{self, Executed, RunRequest};
use tapedeck::plan::{self, RecordMode};
use tapedeck::provider::{ConnectOptions, Provider, ProviderChoice, check_wait_timeout_scale};
use tapedeck::report::progress::ProgressView;
use tapedeck::report::style::{self, paint};
use tapedeck::report::{self, ReportKind, ReportTarget, human, views};
use tapedeck::runner::Cancel;
use tapedeck::schema_store::{ExtraKeys, SchemaStore};
use tapedeck::selection::Selection;
use tapedeck::suite;

use super::exit::{CliError, Ending};
use super::interrupt;
use super::provider_args::ProviderArgs;
use super::term::say;
use super::values::ExtraKeysArg;

/// Runs at once when neither a flag nor the config file says.
const DEFAULT_JOBS: usize = 4;

/// Which suites, at which microversions, with which variables.
#[derive(clap::Args, Debug)]
pub struct SuiteArgs {
    /// Suite files or directories of suites [default: suites/]
    pub suites: Vec<PathBuf>,
    /// Run every suite at this microversion instead of the ones it lists.
    #[arg(long)]
    pub microversion: Option<String>,
    /// Set a variable (overrides provider and suite variables). Repeatable.
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// Run only the runs matching EXPR (repeatable: any of them): a suite name glob
    /// (`server-re*`), `cap:CAPABILITY` (`cap:compute-servers-resize`), either followed by
    /// `@MICROVERSION` (`server-lifecycle@2.1*`), or `@MICROVERSION` alone (`@2.104`). `*` and
    /// `?` are wildcards; an EXPR that matches no run is an error.
    #[arg(long = "filter", value_name = "EXPR", help_heading = "Choosing runs")]
    pub filters: Vec<String>,
    /// Leave out the runs matching EXPR (same syntax as --filter; repeatable; wins over it).
    #[arg(long = "exclude", value_name = "EXPR", help_heading = "Choosing runs")]
    pub excludes: Vec<String>,
    /// How many of `vars` came from the config file (they come first).
    #[arg(skip)]
    pub config_vars: usize,
}

/// How the runs go: how many at once, which of them, checked against which schemas.
#[derive(clap::Args, Debug)]
pub struct ExecutionArgs {
    /// Runs at once [default: 4, or the config file's `jobs`].
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// Poll each server alone, even when several runs wait at once (by default their waits
    /// share one `GET /servers/detail` per poll where the provider allows it).
    #[arg(long)]
    pub no_batch_waits: bool,
    /// How long a cleanup may take to see the server it deletes gone (a refused delete is sent
    /// again once the server has settled); what remains after it is listed at the end.
    #[arg(long, default_value = "120s", value_name = "DURATION")]
    pub cleanup_timeout: String,
    /// Multiply every wait's bound by FACTOR, for a provider slower than usual (the bounds are
    /// each suite's `timeout`, or 300 s for a build, reboot or delete, 600 s for a rebuild and
    /// 900 s for a resize, migration or shelve) [default: 1, or the provider file's
    /// `wait_timeout_scale`].
    #[arg(long, value_name = "FACTOR")]
    pub wait_timeout_scale: Option<f64>,
    /// Validate responses against the schemas in DIR instead of the embedded ones.
    #[arg(long)]
    pub schemas: Option<PathBuf>,
    /// Keys a schema does not list: `deny` fails the step (Nova 2.1+ returns complete,
    /// unmodified responses), `warn` reports them, `allow` ignores them.
    #[arg(long, value_enum, default_value = "deny")]
    pub extra_keys: ExtraKeysArg,
    /// Run only shard K of N (1-based): a deterministic subset, so CI can spread a run over N
    /// machines; the N shards together are the whole run (of the runs --filter/--exclude keep).
    #[arg(long, value_name = "K/N", help_heading = "Choosing runs")]
    pub shard: Option<String>,
}

impl SuiteArgs {
    /// What the config file says where the flags say nothing; its variables come first, so a
    /// `--var` wins.
    pub fn apply_config(&mut self, c: &Config) {
        if self.suites.is_empty() {
            self.suites = c.suites.iter().map(|p| c.path(p)).collect();
        }
        if self.microversion.is_none() {
            self.microversion.clone_from(&c.microversion);
        }
        let mut vars: Vec<String> = c.vars.iter().map(|(k, v)| format!("{k}={v}")).collect();
        self.config_vars = vars.len();
        vars.append(&mut self.vars);
        self.vars = vars;
    }
}

impl ExecutionArgs {
    pub fn apply_config(&mut self, c: &Config) {
        self.jobs = self.jobs.or(c.jobs);
    }
}

/// A provider with what the config file knows of its cloud: the capabilities `discover` found
/// it does not offer (a provider file's own say wins).
pub fn with_config(mut provider: Provider, c: &Config) -> Provider {
    for (capability, why) in &c.unsupported {
        provider.unsupported.entry(capability.clone()).or_insert_with(|| why.clone());
    }
    provider
}

/// The cassettes of the config file's cloud, `cassettes/<label>` beside the file: where record
/// writes them, and (when they exist) where replay reads them. `None` without a config file,
/// or without a cloud it names.
pub fn config_cassettes(c: &Config, choice: &ProviderChoice, mode: Mode) -> Option<PathBuf> {
    if let Some(dir) = &c.cassettes {
        return Some(c.path(dir));
    }
    c.file.as_ref()?;
    let label = choice
        .label
        .clone()
        .or_else(|| choice.os_cloud.clone())
        .or_else(|| choice.file.as_deref().and_then(|f| tapedeck::provider::load(f).ok()).map(|p| p.label))?;
    let dir = c.dir.join("cassettes").join(label);
    (mode != Mode::Replay || dir.is_dir()).then_some(dir)
}

/// The suites named (or `suites/`), loaded and checked: every error in them at once.
pub fn load_suites(args: &SuiteArgs, vars: &[(String, String)]) -> Result<Vec<Arc<suite::Suite>>, InputErrors> {
    let paths = if args.suites.is_empty() {
        let (dir, shipped) =
            tapedeck::shipped::default_suites().map_err(|e| InputError::new(format!("the shipped suites: {e}")))?;
        // Say which set runs: a directory without its own `suites/` gets tapedeck's.
        if shipped {
            eprintln!(
                "suites: the shipped conformance set of tapedeck {} (`tapedeck suites export DIR` writes it out)",
                env!("CARGO_PKG_VERSION")
            );
        }
        vec![dir]
    } else {
        args.suites.clone()
    };
    let files = suite::discover(&paths)?;
    if files.is_empty() {
        return Err(InputError::new(format!(
            "no suite files (*.yaml) in {}",
            paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
        ))
        .into());
    }
    let names: Vec<String> = vars.iter().map(|(n, _)| n.clone()).collect();
    // Operation ids a suite expects are checked against the api-ref's as it loads.
    let operations: Vec<&str> = SchemaStore::embedded().operations().map(|o| o.id.as_str()).collect();
    let suites: Vec<Arc<suite::Suite>> =
        suite::load_all_knowing(&files, &names, &operations)?.into_iter().map(Arc::new).collect();
    for warning in unused_vars(&vars[args.config_vars.min(vars.len())..], &suites) {
        super::term::warn(warning);
    }
    Ok(suites)
}

/// `--var`s no loaded suite reads (set, and silently never used: most often a typo), each with
/// the nearest name a suite does read. The config file's variables are left alone: it holds
/// what `discover` chose for every suite, whichever run.
fn unused_vars(flag_vars: &[(String, String)], suites: &[Arc<suite::Suite>]) -> Vec<String> {
    let read: std::collections::BTreeSet<String> = suites
        .iter()
        .flat_map(|s| s.variables_used(None).into_iter().chain(s.vars.iter().map(|(k, _)| k.clone())))
        .collect();
    flag_vars
        .iter()
        .filter(|(name, _)| !read.contains(name))
        .map(|(name, _)| {
            let hint = tapedeck::util::suggest::hint(name, read.iter().map(String::as_str), "");
            format!("--var {name}: no selected suite uses it{hint}")
        })
        .collect()
}

/// `--filter` / `--exclude`, parsed and checked against every run `suites` make: an
/// expression matching none is an error now, before anything is sent. A suite that lists no
/// microversion is matched at the default one (live, the provider's may differ).
pub fn selection(
    args: &SuiteArgs,
    suites: &[Arc<suite::Suite>],
    microversion: Option<Microversion>,
) -> Result<Selection, InputErrors> {
    let selection = Selection::parse(&args.filters, &args.excludes)?;
    let runs: Vec<(&suite::Suite, Microversion)> = plan::runs_of(suites, microversion, plan::DEFAULT_MICROVERSION)
        .into_iter()
        .map(|(s, mv)| (s.as_ref(), mv))
        .collect();
    selection.check(&runs)?;
    Ok(selection)
}

pub fn parse_vars(vars: &[String]) -> Result<Vec<(String, String)>, InputError> {
    vars.iter()
        .map(|v| {
            let (name, value) =
                v.split_once('=').ok_or_else(|| InputError::new(format!("--var `{v}`: expected NAME=VALUE")))?;
            let name = name.trim();
            if name.is_empty() {
                return Err(InputError::new(format!("--var `{v}`: the variable name before `=` is empty")));
            }
            // A name no `${…}` can use would be set and silently never read.
            if !suite::template::valid_name(name) {
                return Err(InputError::new(format!(
                    "--var `{v}`: `{name}` is not a variable name (letters, digits and `_`, not starting with a digit)"
                )));
            }
            Ok((name.to_string(), value.to_string()))
        })
        .collect()
}

pub fn parse_microversion(text: Option<&str>) -> Result<Option<Microversion>, InputError> {
    text.map(|m| m.parse::<Microversion>().map_err(|e| InputError::new(format!("--microversion: {e}")))).transpose()
}

/// The reports asked for, each checked to be writable now rather than after every run. At
/// most one may go to standard output (`FORMAT=-`); when one does, the human lines go to
/// standard error so that the report stays whole.
pub fn parse_reports(reports: &[String]) -> Result<Vec<ReportTarget>, InputError> {
    let parse = |r: &String| {
        let target = report::parse_target(r).map_err(|e| InputError::new(format!("--report {e}")))?;
        if !target.is_stdout() {
            tapedeck::util::atomic::check_writable(&target.path)
                .map_err(|e| InputError::new(format!("--report {r}: {e}")))?;
        }
        Ok(target)
    };
    let targets: Vec<ReportTarget> = reports.iter().map(parse).collect::<Result<_, _>>()?;
    let to_stdout: Vec<&String> = reports.iter().zip(&targets).filter(|(_, t)| t.is_stdout()).map(|(r, _)| r).collect();
    if to_stdout.len() > 1 {
        let named: Vec<String> = to_stdout.iter().map(|r| format!("--report {r}")).collect();
        return Err(InputError::new(format!(
            "{}: at most one report can go to standard output (`-`); write the others to files",
            named.join(", ")
        )));
    }
    if !to_stdout.is_empty() {
        super::term::give_stdout_to_report();
    }
    Ok(targets)
}

/// [`ExecutionArgs`] and the provider's connection flags, checked.
pub struct Execution {
    jobs: usize,
    batch_waits: bool,
    cleanup_timeout: Duration,
    /// The flag's factor; the provider file's applies when it is `None`.
    wait_timeout_scale: Option<f64>,
    extra_keys: ExtraKeys,
    shard: Option<(usize, usize)>,
    connect: ConnectOptions,
}

impl Execution {
    /// `(k, n)`: only shard k of n runs.
    pub fn shard(&self) -> Option<(usize, usize)> {
        self.shard
    }

    pub fn set_shard(&mut self, shard: Option<(usize, usize)>) {
        self.shard = shard;
    }
}

impl ExecutionArgs {
    /// The flags alone, checked before any file is read.
    pub fn check(&self, provider: &ProviderArgs) -> Result<Execution, InputError> {
        let jobs = self.jobs.unwrap_or(DEFAULT_JOBS);
        if jobs == 0 {
            return Err(InputError::new("--jobs must be at least 1"));
        }
        let connect = provider.connect_options(true)?;
        let cleanup_timeout =
            parse_duration(&self.cleanup_timeout).map_err(|e| InputError::new(format!("--cleanup-timeout: {e}")))?;
        if let Some(f) = self.wait_timeout_scale {
            check_wait_timeout_scale(f).map_err(|e| InputError::new(format!("--wait-timeout-scale {e}")))?;
        }
        let shard = match &self.shard {
            Some(text) => Some(plan::parse_shard(text).map_err(|e| InputError::new(format!("--shard: {e}")))?),
            None => None,
        };
        Ok(Execution {
            jobs,
            batch_waits: !self.no_batch_waits,
            cleanup_timeout,
            wait_timeout_scale: self.wait_timeout_scale,
            extra_keys: self.extra_keys.into(),
            shard,
            connect,
        })
    }

    /// The schema set responses are validated against: `--schemas DIR` (read whole, refused
    /// before anything runs) or the embedded one.
    pub fn schema_store(&self) -> Result<&'static SchemaStore, InputError> {
        SchemaStore::load_or_embedded(self.schemas.as_deref()).map_err(|e| InputError::new(format!("--schemas: {e}")))
    }
}

/// Everything the command line decided for one run of the pipeline.
pub struct RequestParts {
    pub suites: Vec<Arc<suite::Suite>>,
    pub vars: Vec<(String, String)>,
    pub microversion: Option<Microversion>,
    pub mode: Mode,
    pub record_mode: RecordMode,
    pub cassettes: Option<PathBuf>,
    pub execution: Execution,
    pub schemas: &'static SchemaStore,
    pub provider: Option<Provider>,
    pub selection: Selection,
}

pub fn request(parts: RequestParts) -> RunRequest {
    let RequestParts {
        suites,
        vars,
        microversion,
        mode,
        record_mode,
        cassettes,
        execution,
        schemas,
        provider,
        selection,
    } = parts;
    let wait_timeout_scale =
        execution.wait_timeout_scale.or(provider.as_ref().and_then(|p| p.wait_timeout_scale)).unwrap_or(1.0);
    RunRequest {
        suites,
        mode,
        record_mode,
        cassettes,
        microversion,
        vars,
        provider,
        connect: execution.connect,
        jobs: execution.jobs,
        batch_waits: execution.batch_waits,
        cleanup_timeout: execution.cleanup_timeout,
        wait_timeout_scale,
        schemas,
        extra_keys: execution.extra_keys,
        shard: execution.shard,
        selection,
    }
}

/// Connect (live/record), plan and run with progress lines, listening for interrupts from the
/// start: an interrupt while connecting must not kill the process outright once runs could
/// begin.
pub async fn execute(request: &RunRequest) -> Result<Executed, CliError> {
    pipeline::check_cassette_dir(request)?;
    let cancel = Cancel::new();
    interrupt::spawn_handler(cancel.clone());
    let connection = pipeline::connect_provider(request).await.map_err(|e| super::exit::usage(e.to_string()))?;
    if let Some(c) = &connection
        && let Some(left) = c.leftovers.filter(|n| *n > 0)
    {
        let servers = if left == 1 { "server" } else { "servers" };
        super::term::warn(format!(
            "{left} td- {servers} from earlier runs are on {} (`tapedeck cleanup --dry-run` lists them)",
            c.info.label
        ));
    }
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mode = request.mode;
    let printer = tokio::spawn(async move {
        let mut view = ProgressView::new(mode, super::term::human_stream());
        while let Some(event) = rx.recv().await {
            view.handle(event);
        }
    });
    let executed = pipeline::run(request, connection, cancel, Some(tx)).await;
    let _ = printer.await;
    executed.map_err(|e| match e {
        pipeline::PipelineError::Plan(errors) => CliError::Input(errors),
        other => super::exit::usage(other.to_string()),
    })
}

/// The end of a run: the lines below the progress, then the reports.
pub fn finish(outcome: &Outcome, reports: &[ReportTarget]) -> Result<Ending, CliError> {
    finish_lines(outcome);
    for target in reports {
        let text = match target.kind {
            ReportKind::Json => report::json::render(outcome),
            ReportKind::Markdown => report::markdown::render(outcome),
            ReportKind::Html => report::html::render(outcome),
            ReportKind::Junit => {
                report::junit::render(outcome).map_err(|e| CliError::Write(format!("report: {e}").into()))?
            }
        };
        if target.is_stdout() {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .map_err(|e| CliError::Write(format!("report to standard output: {e}").into()))?;
            continue;
        }
        report::write_atomic(&target.path, text.as_bytes())
            .map_err(|e| CliError::Write(format!("report: {e}").into()))?;
    }
    Ok(if outcome.interrupted {
        Ending::Interrupted
    } else if outcome.runs.iter().any(|r| r.verdict == Verdict::Failed) {
        Ending::Failed
    } else {
        Ending::Passed
    })
}

/// The result of every run in plan order (live, the progress showed them as they finished),
/// failures with their evidence, warnings, notes, and the summary line.
pub fn finish_lines(outcome: &Outcome) {
    if outcome.mode != Mode::Replay && !outcome.runs.is_empty() {
        say!("\n{}", paint(style::HEADER, "results, in plan order:"));
    }
    for line in human::results(outcome) {
        say!("{line}");
    }
    let failures = human::failures(outcome);
    if !failures.is_empty() {
        say!("{}", failures.trim_end_matches('\n'));
    }
    let warnings = views::warnings(outcome);
    if !warnings.is_empty() {
        say!("\n{}", paint(style::WARNING, "warnings:"));
        for w in &warnings {
            say!("  {} @ {}: step `{}`: {}", w.run.suite, w.run.microversion, w.step, w.what);
        }
    }
    for run in &outcome.runs {
        for note in &run.notes {
            say!("{} {} @ {}: {note}", paint(style::NOTE, "note:"), run.suite, run.microversion);
        }
    }
    left_behind_lines(outcome);
    say!("\n{}", human::footer(outcome));
    say!("{}", human::summary(outcome));
    pending_lines(outcome);
}

/// What the cleanups could not remove, by the request that should have, and how to sweep it.
fn left_behind_lines(outcome: &Outcome) {
    let mut left = Vec::new();
    for run in &outcome.runs {
        for c in run.cleanups.iter().filter(|c| c.verdict == Verdict::Failed) {
            let request = c.exchanges.first().and_then(|&i| run.exchanges.get(i));
            let what = request.map(|e| format!("{} {}", e.request.method, e.request.path)).unwrap_or_default();
            left.push(format!(
                "  {} @ {}: {what}: {}",
                run.suite,
                run.microversion,
                c.reason.as_deref().unwrap_or("failed")
            ));
        }
    }
    if !left.is_empty() {
        let cleanups = human::plural(left.len(), "cleanup", "cleanups");
        say!("\nleft on the provider: {cleanups} could not remove what they delete:");
        for l in &left {
            say!("{l}");
        }
        say!("sweep them with `tapedeck cleanup` and this run's provider flags (it finds every td- server)");
    }
}

/// Re-recordings that went to the pending area: how each compares, and how to accept them.
fn pending_lines(outcome: &Outcome) {
    let mut by_dir: std::collections::BTreeMap<PathBuf, Vec<String>> = Default::default();
    for c in outcome.runs.iter().filter_map(|r| r.cassette.as_ref()) {
        let path = PathBuf::from(&c.path);
        if c.state != CassetteState::Pending || !path.exists() {
            continue;
        }
        let (Some(name), Some(dir)) = (path.file_name(), c.replaces.as_deref().map(Path::new).and_then(Path::parent))
        else {
            continue;
        };
        by_dir.entry(dir.to_path_buf()).or_default().push(name.to_string_lossy().into_owned());
    }
    for (dir, names) in by_dir {
        let (count, are) = if names.len() == 1 {
            ("1 re-recorded cassette".to_string(), "is")
        } else {
            (format!("{} re-recorded cassettes", names.len()), "are")
        };
        say!(
            "\n{count} {are} pending review in {} (the accepted ones are untouched):",
            dir.join(PENDING_DIR).display()
        );
        match pending_review(&dir, &names, false) {
            Ok(review) => {
                for c in &review.cassettes {
                    let what = if c.equivalent() {
                        "equivalent".to_string()
                    } else {
                        human::plural(c.change_count(), "change", "changes")
                    };
                    say!("  {:<40} {what}", c.name);
                }
            }
            Err(e) => say!("  (cannot compare: {e})"),
        }
        say!(
            "review: tapedeck accept --dry-run --cassettes {0}\naccept: tapedeck accept --cassettes {0}   (or --reject)",
            dir.display()
        );
    }
}
