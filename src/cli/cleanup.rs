//! `tapedeck cleanup`: find the servers tapedeck runs left behind and delete them — or only list
//! them (`--dry-run`), or only those older than a duration or matching a name.

use tapedeck::input::config::Config;
use tapedeck::input::{InputError, parse_duration};
use tapedeck::provider::leftovers::{self, Leftover};
use tapedeck::provider::{self, connect};

use super::exit::{CliError, CommandResult, Ending, block_on, usage};
use super::provider_args::ProviderArgs;

#[derive(clap::Args, Debug)]
pub struct CleanupArgs {
    /// Only list what would be deleted.
    #[arg(long)]
    pub dry_run: bool,
    /// Only servers created longer ago than this (e.g. 30m, 2h).
    #[arg(long)]
    pub older_than: Option<String>,
    /// Only servers whose name matches this regex (e.g. one run: `td-3fa9c2e1-`).
    #[arg(long, value_name = "REGEX")]
    pub matching: Option<String>,
    #[command(flatten)]
    pub provider: ProviderArgs,
}

pub fn run(mut args: CleanupArgs, config: &Config) -> CommandResult {
    args.provider.apply_config(config);
    let older_than = args
        .older_than
        .as_deref()
        .map(parse_duration)
        .transpose()
        .map_err(|e| InputError::new(format!("--older-than: {e}")))?;
    let matching = args
        .matching
        .as_deref()
        .map(regex::Regex::new)
        .transpose()
        .map_err(|e| InputError::new(format!("--matching: {e}")))?;
    let provider = provider::resolve(&args.provider.choice(None))?;
    let options = args.provider.connect_options(false)?;
    block_on(async move {
        let conn =
            connect(&provider, &options).await.map_err(|e| usage(format!("provider {}: {e}", provider.label)))?;
        let found = leftovers::find(&conn.endpoint).await.map_err(|e| CliError::Failed(e.to_string()))?;
        let now = jiff::Timestamp::now();
        let old_enough = |l: &Leftover| match (older_than, l.created) {
            (Some(age), Some(created)) => now.duration_since(created).unsigned_abs() >= age,
            (Some(_), None) => false,
            (None, _) => true,
        };
        let selected: Vec<&Leftover> =
            found.iter().filter(|l| old_enough(l) && matching.as_ref().is_none_or(|r| r.is_match(&l.name))).collect();
        let mut failed = 0;
        for l in &selected {
            let when = l.created.map(|c| c.to_string()).unwrap_or_default();
            if args.dry_run {
                println!("would delete {} {} (created {when})", l.id, l.name);
                continue;
            }
            match leftovers::delete(&conn.endpoint, l).await {
                Ok(204 | 404) => println!("deleted {} {}", l.id, l.name),
                Ok(status) => {
                    failed += 1;
                    println!("could not delete {} {}: {status}", l.id, l.name);
                }
                Err(e) => {
                    failed += 1;
                    println!("could not delete {} {}: {e}", l.id, l.name);
                }
            }
        }
        let verb = if args.dry_run { "would be deleted" } else { "deleted" };
        println!(
            "{} td- servers found, {} {verb}{}",
            found.len(),
            selected.len() - failed,
            if failed > 0 { format!(", {failed} failed") } else { String::new() }
        );
        Ok(if failed > 0 { Ending::Failed } else { Ending::Passed })
    })
}
