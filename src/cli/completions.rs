//! `tapedeck completions SHELL`: the shell completion script, to standard output.

use clap::CommandFactory;
use clap_complete::Shell;

use super::exit::{CommandResult, Ending};

#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: Shell,
}

pub fn run(args: CompletionsArgs) -> CommandResult {
    let mut cmd = super::Cli::command();
    clap_complete::generate(args.shell, &mut cmd, "tapedeck", &mut std::io::stdout());
    Ok(Ending::Passed)
}
