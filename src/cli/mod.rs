//! The command line, kept out of the library: the top-level parser dispatches to one module per
//! subcommand, each owning its flags; `exit` decides every exit code.

mod accept;
mod certify;
mod cleanup;
mod diff;
mod discover;
mod exit;
mod init;
mod interrupt;
mod pipeline;
mod provider_args;
mod run;
mod schemas;
mod schemas_drift;
mod suites;
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
struct Cli {
    /// The configuration file [default: tapedeck.toml here or in the nearest directory above].
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<std::path::PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Start a project: tapedeck.toml, an example suite, .gitignore and a CI workflow.
    Init(init::InitArgs),
    /// Run suites: replay them from cassettes (default), run them live, or record them.
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
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // --help and --version are not errors.
            return if e.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
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
    })
}
