//! `tapedeck schemas derive|list|show`: derive the schema set from an api-ref tree, list its
//! operations, print one schema.

use std::path::{Path, PathBuf};

use tapedeck::derive::emit::to_pretty_sorted;
use tapedeck::derive::tree::{compare_dirs, derive_to};
use tapedeck::microversion::Microversion;
use tapedeck::schema_store::files::DRIFT_FILE;
use tapedeck::schema_store::{SchemaStore, Target};

use super::exit::{CommandResult, Ending, usage};

#[derive(Debug, clap::Subcommand)]
pub enum SchemasCommand {
    /// Derive schemas from an api-ref tree (the nova source root or its api-ref/source).
    Derive {
        /// The api-ref tree: nova's source root, or its api-ref/source.
        #[arg(long, value_name = "DIR")]
        api_ref: PathBuf,
        /// Where to write the schema set.
        #[arg(long, short = 'o', value_name = "DIR", default_value = "schemas")]
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
    /// The three-way report: where the api-ref and Nova's own schemas disagree, and what the
    /// recorded traffic says (Markdown and JSON).
    Drift(super::schemas_drift::DriftArgs),
    /// Print the schema of one operation at one microversion.
    Show {
        /// Operation id (the api-ref anchor, e.g. show-server-details).
        #[arg(long)]
        operation: String,
        /// The request body's schema instead of a response's.
        #[arg(long)]
        request: bool,
        /// The response status.
        #[arg(long, default_value_t = 200)]
        status: u16,
        /// The microversion, e.g. 2.47.
        #[arg(long)]
        microversion: Microversion,
        /// Read schemas from DIR instead of the embedded set.
        #[arg(long, value_name = "DIR")]
        schemas: Option<PathBuf>,
    },
}

pub fn run(cmd: SchemasCommand) -> CommandResult {
    match cmd {
        SchemasCommand::Derive { api_ref, out, check: false } => derive(&api_ref, &out),
        SchemasCommand::Derive { api_ref, out, check: true } => check(&api_ref, &out),
        SchemasCommand::List { schemas } => {
            let store = SchemaStore::load_or_embedded(schemas.as_deref()).map_err(|e| usage(e.to_string()))?;
            for op in store.operations() {
                let action = op.action.as_deref().map(|a| format!(" [{a}]")).unwrap_or_default();
                println!("{:<55} {:<6} {}{} {}–{}", op.id, op.method, op.path, action, op.min_version, op.max_version);
            }
            Ok(Ending::Passed)
        }
        SchemasCommand::Drift(args) => super::schemas_drift::run(args),
        SchemasCommand::Show { operation, request, status, microversion, schemas } => {
            let store = SchemaStore::load_or_embedded(schemas.as_deref()).map_err(|e| usage(e.to_string()))?;
            let target = if request { Target::Request } else { Target::Response { status } };
            let schema = store.schema(&operation, target, microversion).map_err(|e| usage(e.to_string()))?;
            println!("{}", to_pretty_sorted(&schema).trim_end());
            Ok(Ending::Passed)
        }
    }
}

fn derive(api_ref: &Path, out: &Path) -> CommandResult {
    let summary = derive_to(api_ref, out).map_err(|e| usage(e.to_string()))?;
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
    Ok(Ending::Passed)
}

fn check(api_ref: &Path, out: &Path) -> CommandResult {
    let fresh = tempfile::tempdir().map_err(|e| usage(format!("temporary directory: {e}")))?;
    derive_to(api_ref, fresh.path()).map_err(|e| usage(e.to_string()))?;
    let differences = compare_dirs(out, fresh.path());
    if differences.is_empty() {
        println!("{} is up to date", out.display());
        return Ok(Ending::Passed);
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
    Ok(Ending::Failed)
}
