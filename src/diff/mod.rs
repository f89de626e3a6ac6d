//! `tapedeck diff A B`: behavioural comparison of two cassettes or two cassette directories
//! (two clouds, two releases, two recordings). Volatile values are canonicalised (`canon`),
//! exchanges aligned by step and compared (`compare`), differences classified (`model`) and
//! shown on a terminal, as Markdown or as JSON (`render`). Exit 0 equivalent, 1 different,
//! 2 bad input.

pub mod canon;
pub mod compare;
pub mod fields;
pub mod model;
pub mod render;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::ValueEnum;

pub use compare::Options;
use model::{CassetteDiff, Class, DiffReport, Pairing};

use crate::cassette;
use crate::input_error::InputError;
use crate::schema_store::SchemaStore;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    Terminal,
    Json,
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Colour {
    Auto,
    Always,
    Never,
}

impl Colour {
    pub fn enabled(self) -> bool {
        match self {
            Colour::Always => true,
            Colour::Never => false,
            Colour::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The first cassette file or cassette directory ("A").
    pub a: PathBuf,
    /// The second, of the same kind ("B").
    pub b: PathBuf,
    #[arg(long, value_enum, default_value = "terminal")]
    pub format: DiffFormat,
    /// Leave out a class of change (repeatable or comma-separated).
    #[arg(long = "ignore", value_enum, value_delimiter = ',', value_name = "CLASS")]
    pub ignore: Vec<Class>,
    /// Leave out a body path and everything below it: a JSON pointer where `*` matches within
    /// a segment (`/server/OS-EXT-SRV-ATTR:*`), or `header:NAME` (repeatable).
    #[arg(long = "ignore-path", value_name = "POINTER")]
    pub ignore_paths: Vec<String>,
    /// A wait's duration drifts when one side took more than FACTOR × the other…
    #[arg(long, default_value_t = 3.0, value_name = "FACTOR")]
    pub timing_factor: f64,
    /// …and more than this much longer (`5s`, `500ms`).
    #[arg(long, default_value = "5s", value_parser = crate::suite::duration::parse_duration)]
    pub timing_min: std::time::Duration,
    #[arg(long, value_enum, default_value = "auto")]
    pub colour: Colour,
}

pub fn run(args: DiffArgs) -> ExitCode {
    if args.timing_factor.is_nan() || args.timing_factor < 1.0 {
        eprintln!("error: --timing-factor must be at least 1");
        return ExitCode::from(2);
    }
    let options = Options {
        ignore_classes: args.ignore.iter().copied().collect(),
        ignore_paths: args.ignore_paths.clone(),
        timing_factor: args.timing_factor,
        timing_min_ms: crate::transport::millis(args.timing_min),
    };
    let report = match diff_paths(&args.a, &args.b, &options) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let text = match args.format {
        DiffFormat::Terminal => render::terminal(&report, args.colour.enabled()),
        DiffFormat::Markdown => render::markdown(&report),
        DiffFormat::Json => serde_json::to_string_pretty(&report).unwrap_or_default() + "\n",
    };
    print!("{text}");
    if report.equivalent { ExitCode::SUCCESS } else { ExitCode::from(1) }
}

/// Compare two cassettes, or two directories of cassettes paired by file name.
pub fn diff_paths(a: &Path, b: &Path, options: &Options) -> Result<DiffReport, InputError> {
    report(&a.display().to_string(), &b.display().to_string(), pairs(a, b)?, options)
}

/// The report over pairs of cassettes (a name with its A and B file; one may be absent).
pub fn report(a: &str, b: &str, pairs: Vec<Pair>, options: &Options) -> Result<DiffReport, InputError> {
    let store = SchemaStore::embedded();
    let mut cassettes = Vec::new();
    for (name, pa, pb) in pairs {
        let diff = match (pa, pb) {
            (Some(pa), Some(pb)) => diff_files(&name, &pa, &pb, store, options)?,
            (pa, _) => CassetteDiff {
                name,
                pairing: if pa.is_some() { Pairing::OnlyA } else { Pairing::OnlyB },
                microversions: None,
                notes: Vec::new(),
                findings: Vec::new(),
            },
        };
        cassettes.push(diff);
    }
    let different = cassettes.iter().filter(|c| !c.equivalent()).count();
    Ok(DiffReport {
        a: a.to_string(),
        b: b.to_string(),
        equivalent: different == 0,
        compared: cassettes.len(),
        different,
        ignored_classes: options.ignore_classes.iter().copied().collect(),
        ignored_paths: options.ignore_paths.clone(),
        cassettes,
    })
}

pub fn diff_files(
    name: &str,
    a: &Path,
    b: &Path,
    store: &SchemaStore,
    options: &Options,
) -> Result<CassetteDiff, InputError> {
    let (ca, cb) = (cassette::load(a)?, cassette::load(b)?);
    let compared = compare::compare(&ca, &cb, store, options);
    Ok(CassetteDiff {
        name: name.to_string(),
        pairing: Pairing::Both,
        microversions: (ca.microversion != cb.microversion)
            .then(|| (ca.microversion.to_string(), cb.microversion.to_string())),
        notes: compared.notes,
        findings: compared.findings,
    })
}

pub type Pair = (String, Option<PathBuf>, Option<PathBuf>);

fn pairs(a: &Path, b: &Path) -> Result<Vec<Pair>, InputError> {
    match (a.is_dir(), b.is_dir()) {
        (true, true) => {
            let (la, lb) = (list(a)?, list(b)?);
            let mut names: Vec<String> = la.iter().chain(lb.iter()).cloned().collect();
            names.sort();
            names.dedup();
            Ok(names
                .into_iter()
                .map(|n| {
                    let pa = la.contains(&n).then(|| a.join(&n));
                    let pb = lb.contains(&n).then(|| b.join(&n));
                    (n, pa, pb)
                })
                .collect())
        }
        (false, false) if a.is_file() && b.is_file() => {
            let name = a.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            Ok(vec![(name, Some(a.into()), Some(b.into()))])
        }
        _ => Err(InputError::new(format!(
            "compare two cassette files or two cassette directories ({} and {})",
            a.display(),
            b.display()
        ))),
    }
}

/// The cassettes of a directory (`*.yaml`, hidden files and the pending area left out).
pub fn list(dir: &Path) -> Result<Vec<String>, InputError> {
    let entries = std::fs::read_dir(dir).map_err(|e| InputError::in_file(dir, format!("cannot list: {e}")))?;
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml") && !n.starts_with('.'))
        .collect();
    names.sort();
    Ok(names)
}
