//! Flag values several commands share.

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
