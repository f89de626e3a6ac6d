//! `tapedeck accept`: review the pending re-recordings of a cassette directory (the
//! behavioural diff of each against the accepted cassette) and accept them into place, or
//! discard them with `--reject`. Nothing is replaced without this deliberate step.

use std::path::PathBuf;

use tapedeck::cassette::pending::{self, PENDING_DIR};
use tapedeck::diff::{render, review::pending_review};
use tapedeck::input::file::{kind_of, unreadable};
use tapedeck::plan::DEFAULT_CASSETTES;

use super::exit::{CommandResult, Ending, usage};

#[derive(Debug, clap::Args)]
pub struct AcceptArgs {
    /// The cassette directory whose pending recordings (in DIR/.pending) to review.
    #[arg(long, value_name = "DIR", default_value = DEFAULT_CASSETTES)]
    pub cassettes: PathBuf,
    /// Only show the diffs; accept nothing (exit 1 when a pending recording differs).
    #[arg(long)]
    pub dry_run: bool,
    /// Discard the pending recordings instead of accepting them.
    #[arg(long, conflicts_with = "dry_run")]
    pub reject: bool,
    /// Timing drift is not a reason to keep old evidence: left out of the review by default.
    #[arg(long)]
    pub with_timing: bool,
    /// Which pending recordings (`suite@microversion` or the file name); all by default.
    pub names: Vec<String>,
}

pub fn run(args: AcceptArgs) -> CommandResult {
    // A file or a missing directory has nothing pending, but saying so would hide the typo.
    match std::fs::metadata(&args.cassettes) {
        Ok(meta) if meta.is_dir() => {}
        Ok(meta) => {
            return Err(usage(format!(
                "--cassettes {}: is {}, not a cassette directory",
                args.cassettes.display(),
                kind_of(&meta)
            )));
        }
        Err(e) => {
            return Err(usage(format!(
                "--cassettes {}: {}",
                args.cassettes.display(),
                unreadable(&args.cassettes, &e, "no such directory")
            )));
        }
    }
    let all = pending::list(&args.cassettes)?;
    let mut chosen = Vec::new();
    for name in &args.names {
        let file = if name.ends_with(".yaml") { name.clone() } else { format!("{name}.yaml") };
        if !all.contains(&file) {
            return Err(usage(format!(
                "no pending recording `{name}` in {}",
                args.cassettes.join(PENDING_DIR).display()
            )));
        }
        chosen.push(file);
    }
    if args.names.is_empty() {
        chosen = all;
    }
    if chosen.is_empty() {
        println!("nothing pending in {}", args.cassettes.display());
        return Ok(Ending::Passed);
    }
    let review = pending_review(&args.cassettes, &chosen, args.with_timing)?;
    print!("{}", render::terminal(&review, super::term::stdout_colour()));
    if args.dry_run {
        return Ok(if review.equivalent { Ending::Passed } else { Ending::Failed });
    }
    for name in &chosen {
        let done =
            if args.reject { pending::reject(&args.cassettes, name) } else { pending::accept(&args.cassettes, name) };
        done?;
    }
    let verb = if args.reject { "discarded" } else { "accepted" };
    println!("{verb} {} pending recording{} in {}", chosen.len(), plural(chosen.len()), args.cassettes.display());
    Ok(Ending::Passed)
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
