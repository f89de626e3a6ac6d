//! `tapedeck diff A B`: the behavioural diff of two cassettes or two cassette directories.
//! Exit 0 equivalent, 1 different, 2 bad input.

use std::path::PathBuf;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use tapedeck::diff::model::Class;
use tapedeck::diff::{Options, diff_paths, render};
use tapedeck::input::parse_duration;
use tapedeck::util::clock::millis;
use tapedeck::util::json::check_pointer;

use super::exit::{CliError, CommandResult, Ending, usage};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    /// Compact, coloured on a terminal (see --color).
    Terminal,
    /// The whole diff report as JSON.
    Json,
    /// A Markdown summary (e.g. for a pull request comment).
    Markdown,
}

#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The first cassette file or cassette directory ("A").
    pub a: PathBuf,
    /// The second, of the same kind ("B").
    pub b: PathBuf,
    /// How to show the diff.
    #[arg(long, value_enum, default_value = "terminal")]
    pub format: DiffFormat,
    /// Leave out a class of change (repeatable or comma-separated).
    #[arg(long = "ignore", value_delimiter = ',', value_name = "CLASS", value_parser = class_parser())]
    pub ignore: Vec<Class>,
    /// Leave out a body path and everything below it: a JSON pointer where `*` matches within
    /// a segment (`/server/OS-EXT-SRV-ATTR:*`), or `header:NAME` (repeatable).
    #[arg(long = "ignore-path", value_name = "POINTER")]
    pub ignore_paths: Vec<String>,
    /// A wait's duration drifts when one side took more than FACTOR × the other…
    #[arg(long, default_value_t = 3.0, value_name = "FACTOR")]
    pub timing_factor: f64,
    /// …and more than this much longer (`5s`, `500ms`).
    #[arg(long, default_value = "5s", value_parser = parse_duration)]
    pub timing_min: std::time::Duration,
}

fn class_parser() -> impl TypedValueParser<Value = Class> {
    PossibleValuesParser::new(Class::ALL.map(Class::name)).try_map(|name| name.parse::<Class>())
}

/// An `--ignore-path` that matches nothing would leave out nothing, silently: refused.
fn check_ignore_path(path: &str) -> Result<(), CliError> {
    let expected = "expected a JSON pointer starting with `/` (e.g. /server/OS-EXT-SRV-ATTR:*) or header:NAME";
    match path.strip_prefix("header:") {
        Some("") => Err(usage(format!("--ignore-path `{path}`: the header name is empty; {expected}"))),
        Some(_) => Ok(()),
        None if path.starts_with('/') => check_pointer(path).map_err(|e| usage(format!("--ignore-path: {e}"))),
        None => Err(usage(format!("--ignore-path `{path}`: {expected}"))),
    }
}

pub fn run(args: DiffArgs) -> CommandResult {
    if args.timing_factor.is_nan() || args.timing_factor < 1.0 {
        return Err(usage("--timing-factor must be at least 1"));
    }
    for path in &args.ignore_paths {
        check_ignore_path(path)?;
    }
    let options = Options {
        ignore_classes: args.ignore.iter().copied().collect(),
        ignore_paths: args.ignore_paths.clone(),
        timing_factor: args.timing_factor,
        timing_min_ms: millis(args.timing_min),
    };
    let report = diff_paths(&args.a, &args.b, &options)?;
    let text = match args.format {
        DiffFormat::Terminal => render::terminal(&report, super::term::stdout_colour()),
        DiffFormat::Markdown => render::markdown(&report),
        DiffFormat::Json => serde_json::to_string_pretty(&report).unwrap_or_default() + "\n",
    };
    print!("{text}");
    Ok(if report.equivalent { Ending::Passed } else { Ending::Failed })
}
