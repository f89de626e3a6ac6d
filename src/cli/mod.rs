//! The command line, kept out of the library: the top-level parser dispatches to one module per
//! subcommand, each owning its flags; `exit` decides every exit code.

mod accept;
mod certify;
mod cleanup;
mod completions;
mod diff;
mod discover;
mod exit;
mod explain;
mod init;
mod interrupt;
mod list;
mod man;
mod pipeline;
mod provider_args;
mod run;
mod schemas;
mod schemas_drift;
mod suites;
mod term;
mod validate;
mod values;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "tapedeck",
    version,
    about = "Record/replay contract tests and conformance checks for the OpenStack Compute API"
)]
pub(crate) struct Cli {
    /// The configuration file [default: tapedeck.toml here or in the nearest directory above].
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<std::path::PathBuf>,
    /// When to colour the output: `auto` on a terminal unless NO_COLOR is set (CLICOLOR_FORCE
    /// colours a pipe too); `always` and `never` override both. Files never get colour.
    #[arg(
        long = "color",
        visible_alias = "colour",
        global = true,
        value_enum,
        default_value = "auto",
        value_name = "WHEN"
    )]
    color: term::ColorArg,
    #[command(subcommand)]
    command: Command,
}

const RUN_EXAMPLES: &str = "Examples:
  tapedeck run --filter 'server-re*' --exclude '@2.104'     suites by name, less one microversion
  tapedeck run --filter cap:compute-servers-resize -m live --os-cloud mycloud
  tapedeck run --filter 'server-lifecycle@2.1*' -j 8        one suite at 2.1, 2.10-2.19, 2.100-…
  tapedeck run --list --format json                         what would run, for scripts
  tapedeck run --report junit=- > junit.xml                 the report on stdout, progress on stderr";

#[derive(Subcommand, Debug)]
enum Command {
    /// Start a project: tapedeck.toml, an example suite, .gitignore and a CI workflow.
    Init(init::InitArgs),
    /// Run suites: replay them from cassettes (default), run them live, or record them.
    #[command(after_long_help = RUN_EXAMPLES)]
    Run(run::RunArgs),
    /// Derive schemas from the api-ref, list or show them.
    #[command(subcommand)]
    Schemas(schemas::SchemasCommand),
    /// Validate JSON documents against the derived schema of an operation.
    Validate(validate::ValidateArgs),
    /// List and delete the td- servers earlier runs left on a provider.
    Cleanup(cleanup::CleanupArgs),
    /// Ask a cloud what the suites need (images, flavors, a network, the capabilities it lacks),
    /// choose the variables with reasons and write them into tapedeck.toml. Only reads.
    Discover(discover::DiscoverArgs),
    /// Run a certification profile and write the certification bundle.
    Certify(certify::CertifyArgs),
    /// Compare two cassettes or cassette directories by behaviour: ids canonicalised, changes
    /// classified (status, schema, fields, values, traces, exchanges, timing).
    Diff(diff::DiffArgs),
    /// The shipped suites: write them out to edit (`suites export DIR`).
    #[command(subcommand)]
    Suites(suites::SuitesCommand),
    /// Review pending re-recordings (their diff against the accepted cassettes) and accept
    /// them into place, or discard them with --reject.
    Accept(accept::AcceptArgs),
    /// Print a shell completion script: bash, zsh, fish, powershell or elvish.
    Completions(completions::CompletionsArgs),
    /// Write the manual pages: the top page to standard output, or one page per subcommand
    /// into a directory (--out DIR).
    Man(man::ManArgs),
}

pub fn main() -> ExitCode {
    // The colour choice first, so that clap's own errors follow it.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Some(color) = term::color_in_args(&args) {
        term::set_color(color);
    }
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // --help and --version are not errors.
            return if e.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    term::set_color(cli.color);
    // Only the commands that talk to a cloud or run suites read the configuration file.
    let config = || tapedeck::input::config::load(cli.config.as_deref());
    exit::exit_code(match cli.command {
        Command::Run(args) => config().map_err(Into::into).and_then(|c| run::run(args, &c)),
        Command::Certify(args) => config().map_err(Into::into).and_then(|c| certify::run(args, &c)),
        Command::Discover(args) => config().map_err(Into::into).and_then(|c| discover::run(args, &c)),
        Command::Cleanup(args) => config().map_err(Into::into).and_then(|c| cleanup::run(args, &c)),
        Command::Diff(args) => diff::run(args),
        Command::Init(args) => init::run(args),
        Command::Accept(args) => accept::run(args),
        Command::Schemas(cmd) => schemas::run(cmd),
        Command::Validate(args) => validate::run(args),
        Command::Suites(cmd) => suites::run(cmd),
        Command::Completions(args) => completions::run(args),
        Command::Man(args) => man::run(args),
    })
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    use super::Cli;

    /// Every argument of every (sub)command, with the command's path: `tapedeck run --jobs`.
    fn walk(cmd: &clap::Command, path: &str, found: &mut Vec<(String, clap::Arg)>, commands: &mut Vec<(String, bool)>) {
        let path = if path.is_empty() { cmd.get_name().to_string() } else { format!("{path} {}", cmd.get_name()) };
        commands.push((path.clone(), cmd.get_about().is_some_and(|a| !a.to_string().trim().is_empty())));
        for arg in cmd.get_arguments() {
            found.push((path.clone(), arg.clone()));
        }
        for sub in cmd.get_subcommands() {
            walk(sub, &path, found, commands);
        }
    }

    #[test]
    fn every_command_and_argument_has_help() {
        let mut cmd = Cli::command();
        cmd.build();
        let (mut args, mut commands) = (Vec::new(), Vec::new());
        walk(&cmd, "", &mut args, &mut commands);
        assert!(args.len() > 50, "the walk found only {} arguments", args.len());
        let without: Vec<String> = args
            .iter()
            .filter(|(_, a)| !a.is_hide_set())
            .filter(|(_, a)| {
                let text = a.get_help().or(a.get_long_help()).map(|h| h.to_string()).unwrap_or_default();
                text.trim().is_empty()
            })
            .map(|(path, a)| {
                format!("{path} {}", a.get_long().map(|l| format!("--{l}")).unwrap_or(a.get_id().to_string()))
            })
            .collect();
        assert!(without.is_empty(), "arguments without help text:\n{}", without.join("\n"));
        let bare: Vec<&String> = commands.iter().filter(|(_, has)| !has).map(|(p, _)| p).collect();
        assert!(bare.is_empty(), "commands without help text: {bare:?}");
    }

    #[test]
    fn the_parser_is_consistent() {
        // clap's own checks (duplicate flags, short-flag clashes, bad defaults), every subcommand.
        Cli::command().debug_assert();
    }

    #[test]
    fn short_flags_of_run() {
        let cli = Cli::try_parse_from(["tapedeck", "run", "-j", "3", "-m", "live", "--colour", "never"]);
        let cli = cli.unwrap_or_else(|e| panic!("{e}"));
        match cli.command {
            super::Command::Run(args) => {
                assert_eq!(args.execution.jobs, Some(3));
                assert_eq!(args.mode, super::run::ModeArg::Live);
            }
            other => panic!("parsed as {other:?}"),
        }
        assert_eq!(cli.color, super::term::ColorArg::Never);
    }
}
