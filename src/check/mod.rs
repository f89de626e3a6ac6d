//! Checks of one exchange or trace against what the suite declared. Each file owns one part
//! of the suite format: `expect` (status, headers, body assertions), `capture`, `path`
//! (status traces against the declared path). Pure functions: exchange in, outcomes out.

pub mod capture;
pub mod expect;
pub mod path;
pub mod schema;
