//! Reading what users give tapedeck (suites, cassettes, provider files, clouds.yaml, profiles,
//! flags): YAML under limits against hostile files, and errors that carry their place
//! (file:line:column) and end the process with exit code 2.

pub mod config;
pub mod duration;
pub mod error;
pub mod file;
pub mod limits;
pub mod pos;
pub mod snippet;
pub mod yaml;

pub use duration::parse_duration;
pub use error::{InputError, InputErrors, Pos};
pub use snippet::Style;
