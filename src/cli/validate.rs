//! `tapedeck validate`: JSON documents against the derived schema of an operation. Exit 0
//! valid, 1 invalid (each error with its JSON pointer and the schema rule), 2 usage or input
//! error.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use tapedeck::derive::overrides::Overrides;
use tapedeck::input::yaml::read_text;
use tapedeck::microversion::Microversion;
use tapedeck::schema_store::{ExtraKeys, SchemaError, SchemaStore, Target, Validation};
use tapedeck::util::json::from_str_unique_keys;
use tapedeck::util::parallel;

use super::exit::{CommandResult, Ending, usage};
use super::values::ExtraKeysArg;

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Operation id (the api-ref anchor, e.g. show-server-details).
    #[arg(long)]
    pub operation: String,
    /// Validate request bodies instead of responses.
    #[arg(long, conflicts_with = "status")]
    pub request: bool,
    /// Response status, 100–599 (default: the operation's first normal code).
    #[arg(long, value_parser = clap::value_parser!(u16).range(100..=599))]
    pub status: Option<u16>,
    /// The microversion the document was served at, e.g. 2.47.
    #[arg(long)]
    pub microversion: Microversion,
    /// Keys the schema does not list: `deny` makes the document invalid, `warn` reports them.
    #[arg(long, value_enum, default_value_t = ExtraKeysArg::Deny)]
    pub extra_keys: ExtraKeysArg,
    /// Read schemas from DIR instead of the embedded set.
    #[arg(long, value_name = "DIR")]
    pub schemas: Option<PathBuf>,
    /// Say where each failed rule comes from: the api-ref table line, an override and its
    /// reason, or Nova's own schema adopted by a reviewed override.
    #[arg(long)]
    pub explain: bool,
    /// The JSON documents (an empty file is an empty body).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

pub fn run(args: ValidateArgs) -> CommandResult {
    let store = SchemaStore::load_or_embedded(args.schemas.as_deref()).map_err(|e| usage(e.to_string()))?;
    let Some(op) = store.operation(&args.operation) else {
        let close = suggestions(store, &args.operation);
        let hint = if close.is_empty() { String::new() } else { format!("; did you mean: {}?", close.join(", ")) };
        return Err(usage(format!("unknown operation `{}`{hint} (see `tapedeck schemas list`)", args.operation)));
    };
    let target = if args.request {
        Target::Request
    } else {
        Target::Response { status: args.status.or(op.normal_codes.first().copied()).unwrap_or(200) }
    };
    let extra: ExtraKeys = args.extra_keys.into();
    let explainer = match args.explain {
        true => {
            let schema = store.schema(&op.id, target, args.microversion).map_err(|e| usage(e.to_string()))?;
            let overrides = Overrides::shipped().map_err(usage)?;
            Some((schema, op.clone(), overrides))
        }
        false => None,
    };
    let explain = |e: &SchemaError| match &explainer {
        Some((schema, op, overrides)) => super::explain::explain(schema, e, op, overrides),
        None => Vec::new(),
    };
    // Files are read, parsed and validated on every core; results print in argument order.
    let results = parallel::map(&args.files, |file| {
        validate_file(store, &op.id, target, args.microversion, file, extra, &explain)
    });
    let mut any_invalid = false;
    for result in results {
        match result {
            Ok((text, invalid)) => {
                print!("{text}");
                any_invalid |= invalid;
            }
            Err(message) => return Err(usage(message)),
        }
    }
    Ok(if any_invalid { Ending::Failed } else { Ending::Passed })
}

/// One file's lines of output and whether it was invalid; `Err` for a usage error.
fn validate_file(
    store: &SchemaStore,
    op_id: &str,
    target: Target,
    microversion: Microversion,
    file: &Path,
    extra: ExtraKeys,
    explain: &(dyn Fn(&SchemaError) -> Vec<String> + Sync),
) -> Result<(String, bool), String> {
    // The read error names the file, and the place of a byte that is not UTF-8.
    let text = read_text(file).map_err(|e| e.to_string())?;
    let doc = if text.trim().is_empty() {
        serde_json::Value::Null
    } else {
        // A key given twice would be validated once, as its last value: refused instead.
        from_str_unique_keys(&text).map_err(|e| format!("{}: {e}", file.display()))?
    };
    let mut out = String::new();
    let warn = |out: &mut String, warnings: Vec<SchemaError>| {
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
                for line in explain(&e) {
                    let _ = writeln!(out, "    {line}");
                }
            }
            warn(&mut out, warnings);
            true
        }
        Validation::NoSchema { reason } => return Err(format!("{}: no schema: {reason}", file.display())),
        Validation::UnknownOperation => return Err(format!("unknown operation `{op_id}`")),
    };
    Ok((out, invalid))
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
