//! `tapedeck accept`: review the pending re-recordings of a cassette directory (the
//! behavioural diff of each against the accepted cassette) and accept them into place, or
//! discard them with `--reject`. Nothing is replaced without this deliberate step.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::cassette::pending::{self, PENDING_DIR};
use crate::diff::{self, Colour, Options, Pair, model::DiffReport};

#[derive(Debug, clap::Args)]
pub struct AcceptArgs {
    /// The cassette directory whose pending recordings (in DIR/.pending) to review.
    #[arg(long, value_name = "DIR", default_value = crate::cli::DEFAULT_CASSETTES)]
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
    #[arg(long, value_enum, default_value = "auto")]
    pub colour: Colour,
    /// Which pending recordings (`suite@microversion` or the file name); all by default.
    pub names: Vec<String>,
}

pub fn run(args: AcceptArgs) -> ExitCode {
    let all = match pending::list(&args.cassettes) {
        Ok(all) => all,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let mut chosen = Vec::new();
    for name in &args.names {
        let file = if name.ends_with(".yaml") { name.clone() } else { format!("{name}.yaml") };
        if !all.contains(&file) {
            eprintln!("error: no pending recording `{name}` in {}", args.cassettes.join(PENDING_DIR).display());
            return ExitCode::from(2);
        }
        chosen.push(file);
    }
    if args.names.is_empty() {
        chosen = all;
    }
    if chosen.is_empty() {
        println!("nothing pending in {}", args.cassettes.display());
        return ExitCode::SUCCESS;
    }
    let review = match review(&args.cassettes, &chosen, args.with_timing) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    print!("{}", diff::render::terminal(&review, args.colour.enabled()));
    if args.dry_run {
        return if review.equivalent { ExitCode::SUCCESS } else { ExitCode::from(1) };
    }
    for name in &chosen {
        let done =
            if args.reject { pending::reject(&args.cassettes, name) } else { pending::accept(&args.cassettes, name) };
        if let Err(e) = done {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    }
    let verb = if args.reject { "discarded" } else { "accepted" };
    println!("{verb} {} pending recording{} in {}", chosen.len(), plural(chosen.len()), args.cassettes.display());
    ExitCode::SUCCESS
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The diff of each pending recording against its accepted cassette (a new one, with no
/// accepted cassette, shows as only in the pending area).
pub fn review(dir: &Path, names: &[String], with_timing: bool) -> Result<DiffReport, crate::input_error::InputError> {
    let pending_dir = dir.join(PENDING_DIR);
    let pairs: Vec<Pair> = names
        .iter()
        .map(|n| {
            let accepted = dir.join(n);
            (n.clone(), accepted.exists().then_some(accepted), Some(pending_dir.join(n)))
        })
        .collect();
    let mut options = Options::default();
    if !with_timing {
        options.ignore_classes.insert(diff::model::Class::Timing);
    }
    diff::report(&dir.display().to_string(), &pending_dir.display().to_string(), pairs, &options)
}
