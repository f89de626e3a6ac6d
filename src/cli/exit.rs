//! How a command ends, decided here and nowhere else: 0 all passed, 1 some failed, 2 a usage or
//! input error (found before the first request), 130 interrupted. Commands return an [`Ending`] or a
//! [`CliError`]; `main` turns it into the process's exit code.

use std::process::ExitCode;

use tapedeck::certify::bundle::BundleError;
use tapedeck::input::{InputError, InputErrors};
use tapedeck::util::atomic::WriteError;

/// A command that did its work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Everything passed (skips are fine), or there was nothing to judge.
    Passed,
    /// Something failed: a run, a diff found differences, a document was invalid.
    Failed,
    /// Ctrl-C or SIGTERM ended the work early (once the owed cleanups ran): exit 130.
    Interrupted,
}

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad flags or bad input files: exit 2, nothing was sent.
    #[error("{0}")]
    Input(#[from] InputErrors),
    /// A file tapedeck had to write (a report, a bundle, an accepted cassette) could not be
    /// written: exit 2.
    #[error("error: {0}")]
    Write(Box<dyn std::error::Error + Send + Sync>),
    /// The work began and could not be finished (a provider refused to list): exit 1.
    #[error("error: {0}")]
    Failed(String),
}

impl From<InputError> for CliError {
    fn from(e: InputError) -> Self {
        CliError::Input(e.into())
    }
}

impl From<WriteError> for CliError {
    fn from(e: WriteError) -> Self {
        CliError::Write(e.into())
    }
}

impl From<BundleError> for CliError {
    fn from(e: BundleError) -> Self {
        CliError::Write(e.into())
    }
}

pub type CommandResult = Result<Ending, CliError>;

/// A usage error with a plain message (`error: MESSAGE`, exit 2).
pub fn usage(message: impl Into<String>) -> CliError {
    CliError::Input(InputError::new(message).into())
}

/// Prints what went wrong and picks the exit code.
pub fn exit_code(result: CommandResult) -> ExitCode {
    match result {
        Ok(Ending::Passed) => ExitCode::SUCCESS,
        Ok(Ending::Failed) => ExitCode::from(1),
        Ok(Ending::Interrupted) => ExitCode::from(130),
        Err(e) => {
            // Styled snippets through anstream: it strips the colour wherever `--color` says no.
            let text = match &e {
                CliError::Input(errors) => errors.render(tapedeck::input::Style::Styled),
                _ => e.to_string(),
            };
            anstream::eprintln!("{}", super::term::error_text(&text));
            match e {
                CliError::Failed(_) => ExitCode::from(1),
                CliError::Input(_) | CliError::Write(_) => ExitCode::from(2),
            }
        }
    }
}

/// Runs `work` on the one async runtime of the process (two workers: the machine's HTTP and
/// timers need no more, and replay is CPU-bound on its own threads).
pub fn block_on<T>(work: impl std::future::Future<Output = Result<T, CliError>>) -> Result<T, CliError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| usage(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(work)
}
