//! Flag values several commands share.

use std::io::IsTerminal;

use tapedeck::schema_store::ExtraKeys;

/// `--extra-keys`: keys a schema does not list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExtraKeysArg {
    /// Fail: Nova 2.1+ returns complete, unmodified responses.
    Deny,
    /// Report them without failing.
    Warn,
    /// Ignore them.
    Allow,
}

impl From<ExtraKeysArg> for ExtraKeys {
    fn from(arg: ExtraKeysArg) -> Self {
        match arg {
            ExtraKeysArg::Deny => ExtraKeys::Deny,
            ExtraKeysArg::Warn => ExtraKeys::Warn,
            ExtraKeysArg::Allow => ExtraKeys::Allow,
        }
    }
}

/// `--colour`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Colour {
    /// On a terminal, unless NO_COLOR is set.
    Auto,
    Always,
    Never,
}

impl Colour {
    pub fn enabled(self) -> bool {
        match self {
            Colour::Always => true,
            Colour::Never => false,
            Colour::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        }
    }
}
