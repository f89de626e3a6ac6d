//! `tapedeck suites export DIR`: the shipped suites written out, to read, edit and run as a
//! directory's own `suites/`.

use std::path::PathBuf;

use super::exit::{CommandResult, Ending};

#[derive(Debug, clap::Subcommand)]
pub enum SuitesCommand {
    /// Write the shipped suites into DIR (created if missing; existing files are kept).
    Export {
        /// Where to write them, e.g. `suites` to make them this directory's own.
        dir: PathBuf,
    },
}

pub fn run(cmd: SuitesCommand) -> CommandResult {
    match cmd {
        SuitesCommand::Export { dir } => {
            let (written, kept) = tapedeck::shipped::export_suites(&dir)?;
            println!("wrote {} suites into {}", written.len(), dir.display());
            if !kept.is_empty() {
                let names: Vec<String> =
                    kept.iter().filter_map(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned()).collect();
                println!("kept {} already there: {}", kept.len(), names.join(", "));
            }
            Ok(Ending::Passed)
        }
    }
}
