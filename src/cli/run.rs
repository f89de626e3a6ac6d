//! `tapedeck run`: replay suites from cassettes (default), run them live, or record them.

use std::path::PathBuf;

use tapedeck::input::InputError;
use tapedeck::input::config::Config;
use tapedeck::outcome::Mode;
use tapedeck::plan::{self, RecordMode};
use tapedeck::provider;

use super::exit::{CommandResult, Ending, block_on};
use super::list::{self, ListFormat};
use super::pipeline::{self, ExecutionArgs, RequestParts, SuiteArgs};
use super::provider_args::ProviderArgs;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ModeArg {
    /// Serve the exchanges from cassettes, on a virtual clock.
    Replay,
    /// Talk to a provider.
    Live,
    /// Talk to a provider and write cassettes.
    Record,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RecordModeArg {
    /// Record only runs without a cassette; replay the others.
    Once,
    /// Re-record every run.
    All,
}

#[derive(clap::Args, Debug)]
pub struct RunArgs {
    #[command(flatten)]
    pub suites: SuiteArgs,
    /// Where the exchanges come from.
    #[arg(long, short = 'm', value_enum, default_value = "replay")]
    pub mode: ModeArg,
    /// With --mode record: `all` re-records every run, `once` only runs without a cassette.
    #[arg(long, value_enum, default_value = "all")]
    pub record_mode: RecordModeArg,
    /// Cassette directory [default: cassettes/nova-34.0.0 for replay, cassettes/<provider label> to record]
    #[arg(long)]
    pub cassettes: Option<PathBuf>,
    /// Write a report: json=PATH, junit=PATH, markdown=PATH or html=PATH; PATH `-` is standard
    /// output (at most one report; the progress and summary lines then go to standard error).
    /// Repeatable [default: the config file's `reports`].
    #[arg(long = "report", value_name = "FORMAT=PATH")]
    pub reports: Vec<String>,
    /// Provider label with --endpoint or --os-cloud: names the cassette directory
    /// [default: the cloud's name, or `custom`].
    #[arg(long, help_heading = "Provider (live and record)")]
    pub label: Option<String>,
    /// List the selected suites with their microversions, steps, capabilities and files
    /// without running anything.
    #[arg(long, help_heading = "Choosing runs")]
    pub list: bool,
    /// The format of --list: aligned text, or JSON (one object per run).
    #[arg(long, value_enum, default_value = "text", requires = "list", help_heading = "Choosing runs")]
    pub format: ListFormat,
    #[command(flatten)]
    pub execution: ExecutionArgs,
    #[command(flatten)]
    pub provider: ProviderArgs,
}

pub fn run(mut args: RunArgs, config: &Config) -> CommandResult {
    args.suites.apply_config(config);
    args.execution.apply_config(config);
    args.provider.apply_config(config);
    if args.reports.is_empty() {
        args.reports.clone_from(&config.reports);
    }
    args.label = args.label.or_else(|| config.label.clone());
    let vars = pipeline::parse_vars(&args.suites.vars)?;
    let microversion = pipeline::parse_microversion(args.suites.microversion.as_deref())?;
    let reports = pipeline::parse_reports(&args.reports)?;
    let execution = args.execution.check(&args.provider)?;
    let suites = pipeline::load_suites(&args.suites, &vars)?;
    let selection = pipeline::selection(&args.suites, &suites, microversion)?;
    if args.list {
        let mut runs = plan::runs_of(&suites, microversion, plan::DEFAULT_MICROVERSION);
        runs.retain(|(s, mv)| selection.selects(s, *mv));
        list::print(&runs, args.format);
        return Ok(Ending::Passed);
    }
    let mode = match args.mode {
        ModeArg::Replay => Mode::Replay,
        ModeArg::Live => Mode::Live,
        ModeArg::Record => Mode::Record,
    };
    let choice = args.provider.choice(args.label.as_deref());
    let provider = match mode {
        Mode::Replay if choice.file.is_some() || choice.endpoint.is_some() => {
            return Err(InputError::new(
                "--provider and --endpoint are for --mode live or record; replay reads cassettes",
            )
            .into());
        }
        Mode::Replay => None,
        Mode::Live | Mode::Record => Some(pipeline::with_config(provider::resolve(&choice)?, config)),
    };
    let cassettes = args.cassettes.clone().or_else(|| pipeline::config_cassettes(config, &choice, mode));
    let record_mode = match args.record_mode {
        RecordModeArg::Once => RecordMode::Once,
        RecordModeArg::All => RecordMode::All,
    };
    let request = pipeline::request(RequestParts {
        suites,
        vars,
        microversion,
        mode,
        record_mode,
        cassettes,
        execution,
        schemas: args.execution.schema_store()?,
        provider,
        selection,
    });
    block_on(async move {
        let executed = pipeline::execute(&request).await?;
        pipeline::finish(&executed.outcome, &reports)
    })
}
