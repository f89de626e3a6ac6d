//! `tapedeck schemas derive|list` and `tapedeck validate`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::derive::{self, ApiRef};
use crate::microversion::Microversion;
use crate::sample_check;
use crate::schema_format::DRIFT_FILE;
use crate::schema_store::{ExtraKeys, SchemaStore, Target, Validation};

#[derive(Debug, clap::Subcommand)]
pub enum SchemasCommand {
    /// Derive schemas from an api-ref tree (the nova source root or its api-ref/source).
    Derive {
        #[arg(long, value_name = "DIR")]
        api_ref: PathBuf,
        #[arg(long, value_name = "DIR", default_value = "schemas")]
        out: PathBuf,
        /// Do not write: exit 1 if OUT differs from a fresh derivation (for CI).
        #[arg(long)]
        check: bool,
    },
    /// List the operations with their microversion ranges.
    List {
        /// Read schemas from DIR instead of the embedded set.
        #[arg(long, value_name = "DIR")]
        schemas: Option<PathBuf>,
    },
    /// Print the schema of one operation at one microversion.
    Show {
        #[arg(long)]
        operation: String,
        #[arg(long)]
        request: bool,
        #[arg(long, default_value_t = 200)]
        status: u16,
        #[arg(long)]
        microversion: Microversion,
        #[arg(long, value_name = "DIR")]
        schemas: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExtraKeysArg {
    Deny,
    Warn,
    Allow,
}

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Operation id (the api-ref anchor, e.g. show-server-details).
    #[arg(long)]
    pub operation: String,
    /// Validate request bodies instead of responses.
    #[arg(long, conflicts_with = "status")]
    pub request: bool,
    /// Response status (default: the operation's first normal code).
    #[arg(long)]
    pub status: Option<u16>,
    #[arg(long)]
    pub microversion: Microversion,
    #[arg(long, value_enum, default_value_t = ExtraKeysArg::Deny)]
    pub extra_keys: ExtraKeysArg,
    /// Read schemas from DIR instead of the embedded set.
    #[arg(long, value_name = "DIR")]
    pub schemas: Option<PathBuf>,
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

fn store(dir: Option<&Path>) -> Result<&'static SchemaStore, String> {
    match dir {
        None => Ok(SchemaStore::embedded()),
        Some(d) => SchemaStore::load_dir(d).map(|s| &*Box::leak(Box::new(s))).map_err(|e| e.to_string()),
    }
}

pub fn run_schemas(cmd: SchemasCommand) -> ExitCode {
    match cmd {
        SchemasCommand::Derive { api_ref, out, check: false } => run_derive(&api_ref, &out),
        SchemasCommand::Derive { api_ref, out, check: true } => run_check(&api_ref, &out),
        SchemasCommand::List { schemas } => {
            let store = match store(schemas.as_deref()) {
                Ok(s) => s,
                Err(e) => return usage(&e),
            };
            for op in store.operations() {
                let action = op.action.as_deref().map(|a| format!(" [{a}]")).unwrap_or_default();
                println!("{:<55} {:<6} {}{} {}–{}", op.id, op.method, op.path, action, op.min_version, op.max_version);
            }
            ExitCode::SUCCESS
        }
        SchemasCommand::Show { operation, request, status, microversion, schemas } => {
            let store = match store(schemas.as_deref()) {
                Ok(s) => s,
                Err(e) => return usage(&e),
            };
            let target = if request { Target::Request } else { Target::Response { status } };
            match store.schema(&operation, target, microversion) {
                Ok(s) => {
                    println!("{}", derive::emit::to_pretty_sorted(&s).trim_end());
                    ExitCode::SUCCESS
                }
                Err(e) => usage(&e),
            }
        }
    }
}

fn run_derive(api_ref: &Path, out: &Path) -> ExitCode {
    match derive_to(api_ref, out) {
        Ok(summary) => {
            println!(
                "derived {} operations, {} schemas into {} ({} fields not placed, {} coverage gaps; see REPORT.md)",
                summary.operations,
                summary.schemas,
                out.display(),
                summary.unplaced,
                summary.gaps
            );
            println!(
                "checked {} api samples: {} valid, {} drift ({} unexplained; see {DRIFT_FILE})",
                summary.samples,
                summary.samples - summary.drift,
                summary.drift,
                summary.unexplained
            );
            ExitCode::SUCCESS
        }
        Err(e) => usage(&e),
    }
}

fn run_check(api_ref: &Path, out: &Path) -> ExitCode {
    let fresh = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => return usage(&format!("temporary directory: {e}")),
    };
    if let Err(e) = derive_to(api_ref, fresh.path()) {
        return usage(&e);
    }
    let differences = compare_dirs(out, fresh.path());
    if differences.is_empty() {
        println!("{} is up to date", out.display());
        return ExitCode::SUCCESS;
    }
    for d in &differences {
        println!("{d}");
    }
    println!(
        "{} differs from a fresh derivation: run `tapedeck schemas derive --api-ref {} --out {}` and review",
        out.display(),
        api_ref.display(),
        out.display()
    );
    ExitCode::from(1)
}

/// Files that differ between two derived trees (relative paths, with what differs).
pub fn compare_dirs(committed: &Path, fresh: &Path) -> Vec<String> {
    let (a, b) = (list_files(committed), list_files(fresh));
    let mut out = Vec::new();
    for (name, text) in &b {
        match a.get(name) {
            None => out.push(format!("missing: {name}")),
            Some(old) if old != text => out.push(format!("changed: {name}")),
            Some(_) => {}
        }
    }
    out.extend(a.keys().filter(|k| !b.contains_key(*k)).map(|k| format!("stale: {k}")));
    out
}

fn list_files(dir: &Path) -> std::collections::BTreeMap<String, String> {
    let mut files = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                let rel = path.strip_prefix(dir).unwrap_or(&path).to_string_lossy().into_owned();
                files.insert(rel, text);
            }
        }
    }
    files
}

/// What one derivation produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeriveSummary {
    pub operations: usize,
    pub schemas: usize,
    pub unplaced: usize,
    pub gaps: usize,
    pub samples: usize,
    pub drift: usize,
    /// Failing samples without a reviewed note.
    pub unexplained: usize,
}

/// Derive `out` from `api_ref`, then validate every included api sample against it and write
/// the drift report beside the schemas.
pub fn derive_to(api_ref: &Path, out: &Path) -> Result<DeriveSummary, String> {
    let derivation = derive::derive(api_ref).map_err(|e| e.to_string())?;
    derive::emit::write(&derivation, out).map_err(|e| e.to_string())?;
    let store = SchemaStore::load_dir(out).map_err(|e| e.to_string())?;
    let samples = ApiRef::locate(api_ref).map_err(|e| e.to_string())?.samples;
    let results = sample_check::check_samples(&store, &derivation.operations, &samples);
    let path = out.join(DRIFT_FILE);
    let notes = sample_check::drift_notes()?;
    let drift = sample_check::drift_json(&results, &notes);
    std::fs::write(&path, derive::emit::to_pretty_sorted(&drift)).map_err(|e| format!("{}: {e}", path.display()))?;
    let r = &derivation.report;
    Ok(DeriveSummary {
        operations: r.operations,
        schemas: r.schemas,
        unplaced: r.unplaced.len(),
        gaps: r.gaps.len(),
        samples: results.len(),
        drift: results.iter().filter(|r| !r.passed()).count(),
        unexplained: drift["unexplained"].as_u64().unwrap_or(0) as usize,
    })
}

pub fn run_validate(args: ValidateArgs) -> ExitCode {
    let store = match store(args.schemas.as_deref()) {
        Ok(s) => s,
        Err(e) => return usage(&e),
    };
    let Some(op) = store.operation(&args.operation) else {
        let close = suggestions(store, &args.operation);
        let hint = if close.is_empty() { String::new() } else { format!("; did you mean: {}?", close.join(", ")) };
        return usage(&format!("unknown operation `{}`{hint} (see `tapedeck schemas list`)", args.operation));
    };
    let target = if args.request {
        Target::Request
    } else {
        Target::Response { status: args.status.or(op.normal_codes.first().copied()).unwrap_or(200) }
    };
    let extra = match args.extra_keys {
        ExtraKeysArg::Deny => ExtraKeys::Deny,
        ExtraKeysArg::Warn => ExtraKeys::Warn,
        ExtraKeysArg::Allow => ExtraKeys::Allow,
    };
    // Files are read, parsed and validated on every core; results print in argument order.
    let results =
        crate::parallel::map(&args.files, |file| validate_file(store, &op.id, target, args.microversion, file, extra));
    let mut any_invalid = false;
    for result in results {
        match result {
            Ok((text, invalid)) => {
                print!("{text}");
                any_invalid |= invalid;
            }
            Err(message) => return usage(&message),
        }
    }
    if any_invalid { ExitCode::from(1) } else { ExitCode::SUCCESS }
}

/// One file's lines of output and whether it was invalid; `Err` for a usage error.
fn validate_file(
    store: &SchemaStore,
    op_id: &str,
    target: Target,
    microversion: Microversion,
    file: &std::path::Path,
    extra: ExtraKeys,
) -> Result<(String, bool), String> {
    use std::fmt::Write;
    let doc: serde_json::Value = crate::yaml::read_text(file)
        .map_err(|e| e.message)
        .and_then(|t| {
            if t.trim().is_empty() {
                Ok(serde_json::Value::Null)
            } else {
                serde_json::from_str(&t).map_err(|e| e.to_string())
            }
        })
        .map_err(|e| format!("{}: {e}", file.display()))?;
    let mut out = String::new();
    let warn = |out: &mut String, warnings: Vec<crate::schema_store::SchemaError>| {
        for w in warnings {
            let _ = writeln!(out, "  warning: {w}");
        }
    };
    let invalid = match store.validate(op_id, target, microversion, &doc, extra) {
        Validation::Valid { warnings } => {
            let _ = writeln!(out, "{}: valid", file.display());
            warn(&mut out, warnings);
            false
        }
        Validation::Invalid { errors, warnings } => {
            let _ = writeln!(out, "{}: invalid ({} errors)", file.display(), errors.len());
            for e in errors {
                let _ = writeln!(out, "  {e}");
            }
            warn(&mut out, warnings);
            true
        }
        Validation::NoSchema { reason } => return Err(format!("{}: no schema: {reason}", file.display())),
        Validation::UnknownOperation => return Err(format!("unknown operation `{op_id}`")),
    };
    Ok((out, invalid))
}

fn usage(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}

/// Operation ids close to `wanted`: sharing its words, or a small edit distance.
fn suggestions(store: &SchemaStore, wanted: &str) -> Vec<String> {
    let words: Vec<&str> = wanted.split('-').filter(|w| w.len() > 2).collect();
    let mut scored: Vec<(usize, &str)> = store
        .operations()
        .map(|op| {
            let shared = words.iter().filter(|w| op.id.split('-').any(|x| x == **w)).count();
            (edit_distance(wanted, &op.id).saturating_sub(shared * 4), op.id.as_str())
        })
        .collect();
    scored.sort();
    scored.into_iter().take(3).filter(|(d, _)| *d <= wanted.len().max(4)).map(|(_, id)| id.to_string()).collect()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}
