//! Suites: the YAML format (`doc`), the checked model (`model`), loading (`load`), every
//! unknown key at once (`keys`), `${var}` templates. No I/O beyond reading the files, no HTTP.

pub mod doc;
pub mod keys;
pub mod load;
pub mod model;
pub mod template;

pub use load::{discover, load_all, load_all_knowing, load_suite};
pub use model::*;
