//! Minimal command-line front for the schema commands (the full CLI lives on main).

use std::process::ExitCode;

use clap::Parser;

use crate::schema_cli::{SchemasCommand, ValidateArgs, run_schemas, run_validate};

#[derive(Debug, Parser)]
#[command(name = "tapedeck", version, about = "Record/replay conformance harness for the OpenStack Compute API")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Derive and inspect the api-ref schemas.
    #[command(subcommand)]
    Schemas(SchemasCommand),
    /// Validate JSON documents against the derived schema of an operation.
    Validate(ValidateArgs),
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    match cli.command {
        Command::Schemas(cmd) => run_schemas(cmd),
        Command::Validate(args) => run_validate(args),
    }
}
