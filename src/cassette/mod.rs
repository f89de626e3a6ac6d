//! Cassettes: one YAML file per (suite, microversion) run holding every exchange of the run,
//! readable in review, written atomically, read back with positioned errors.

pub mod cache;
pub mod format;
pub mod pending;
mod share;
pub mod store;

pub use format::{Cassette, FORMAT_VERSION, VersionRange};
pub use store::{CassetteWriteError, cassette_path, list, load, write_atomic};
