//! `tapedeck man [--out DIR]`: the manual pages, made from the same definitions as `--help`.
//! Without `--out` the top page goes to standard output (`tapedeck man | man -l -`); with it,
//! one page per command and subcommand (`tapedeck.1`, `tapedeck-run.1`,
//! `tapedeck-schemas-derive.1`, …) is written into DIR.

use std::path::{Path, PathBuf};

use clap::CommandFactory;
use clap_mangen::Man;

use super::exit::{CliError, CommandResult, Ending, usage};

#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// Write one page per subcommand into DIR (created if missing) instead of the top page to
    /// standard output.
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: Option<PathBuf>,
}

pub fn run(args: ManArgs) -> CommandResult {
    let mut cmd = super::Cli::command().disable_help_subcommand(true);
    cmd.build();
    let Some(dir) = args.out else {
        let page = render(&cmd)?;
        use std::io::Write;
        let _ = std::io::stdout().write_all(&page);
        return Ok(Ending::Passed);
    };
    tapedeck::util::atomic::check_writable_dir(&dir).map_err(|e| usage(format!("--out {}: {e}", dir.display())))?;
    let mut written = Vec::new();
    write_pages(&cmd, &dir, &mut written)?;
    eprintln!("{} manual pages in {}", written.len(), dir.display());
    Ok(Ending::Passed)
}

/// The page of `cmd` and of each of its visible subcommands, depth first.
fn write_pages(cmd: &clap::Command, dir: &Path, written: &mut Vec<PathBuf>) -> Result<(), CliError> {
    let man = Man::new(cmd.clone());
    let path = dir.join(man.get_filename());
    tapedeck::util::atomic::write_atomic(&path, &render(cmd)?)?;
    written.push(path);
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        write_pages(sub, dir, written)?;
    }
    Ok(())
}

fn render(cmd: &clap::Command) -> Result<Vec<u8>, CliError> {
    let mut page = Vec::new();
    Man::new(cmd.clone())
        .render(&mut page)
        .map_err(|e| CliError::Write(format!("manual page of {}: {e}", cmd.get_name()).into()))?;
    Ok(page)
}
