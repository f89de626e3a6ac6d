//! `tapedeck schemas drift`: the three-way report of the api-ref, Nova's own schemas and the
//! recorded traffic, written as Markdown and JSON (or checked against the committed pair).

use std::path::{Path, PathBuf};

use tapedeck::schema_store::SchemaStore;
use tapedeck::witness::{nova, render, three_way};

use super::exit::{CommandResult, Ending, usage};

#[derive(Debug, clap::Args)]
pub struct DriftArgs {
    /// Nova's own schemas, as `sandbox/nova/nova-schemas.sh` writes them.
    #[arg(long, value_name = "DIR", default_value = "nova-schemas/34.0.0")]
    nova: PathBuf,
    /// The recorded traffic that judges disagreements [default: the shipped reference cassettes].
    #[arg(long, value_name = "DIR")]
    cassettes: Option<PathBuf>,
    /// The api-ref's derived schemas [default: the embedded set].
    #[arg(long, value_name = "DIR")]
    schemas: Option<PathBuf>,
    /// Where the report goes: DIR/nova-<release>.md and .json.
    #[arg(long, value_name = "DIR", default_value = "docs/drift")]
    out: PathBuf,
    /// Write nothing: exit 1 if the committed report differs from a fresh one (for CI).
    #[arg(long, conflicts_with = "propose")]
    check: bool,
    /// Write nothing: print draft `nova_rules` entries for overrides.yaml (Nova's stricter
    /// rules that the traffic agrees with), for review.
    #[arg(long)]
    propose: bool,
}

pub fn run(args: DriftArgs) -> CommandResult {
    let store = SchemaStore::load_or_embedded(args.schemas.as_deref()).map_err(|e| usage(e.to_string()))?;
    let release = nova::release(&args.nova)?;
    let ops = nova::load(&args.nova)?;
    let dir = match args.cassettes {
        Some(d) => d,
        None => tapedeck::shipped::default_cassettes().map_err(|e| usage(format!("the shipped cassettes: {e}")))?,
    };
    let mut cassettes = Vec::new();
    for name in tapedeck::cassette::list(&dir)? {
        cassettes.push(tapedeck::cassette::load(&dir.join(name))?);
    }
    let report = three_way(store, &ops, &release, &cassettes);
    if args.propose {
        print!("{}", tapedeck::witness::propose::drafts(&report, store));
        return Ok(Ending::Passed);
    }
    let files = [
        (args.out.join(format!("nova-{release}.md")), render::markdown(&report)),
        (args.out.join(format!("nova-{release}.json")), render::json(&report)),
    ];
    if args.check {
        return check(&files);
    }
    for (path, text) in &files {
        tapedeck::util::atomic::write_atomic(path, text.as_bytes()).map_err(|e| usage(e.to_string()))?;
    }
    let counts: Vec<String> =
        report.counts.iter().map(|(c, n)| format!("{n} {}", tapedeck::witness::compare::name_of(*c))).collect();
    println!(
        "{} operations, {} entries ({}) from {} documents: {}",
        report.operations,
        report.entries.len(),
        counts.join(", "),
        report.documents,
        files[0].0.display()
    );
    Ok(Ending::Passed)
}

fn check(files: &[(PathBuf, String)]) -> CommandResult {
    let stale: Vec<&Path> = files
        .iter()
        .filter(|(path, text)| std::fs::read_to_string(path).ok().as_deref() != Some(text.as_str()))
        .map(|(p, _)| p.as_path())
        .collect();
    if stale.is_empty() {
        println!("{} is up to date", files[0].0.display());
        return Ok(Ending::Passed);
    }
    for p in stale {
        println!("differs from a fresh report: {}", p.display());
    }
    println!("run `tapedeck schemas drift` and review the change");
    Ok(Ending::Failed)
}
