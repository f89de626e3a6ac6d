//! Checks of one exchange or trace against what the suite declared. Each file owns one part
//! of the suite format: `expect` (status, headers, body assertions), `capture`, `path`
//! (status traces against the declared path); `schema` and `protocol` hold for every exchange
//! whatever the suite says. Pure functions: exchange in, outcomes out.

pub mod capture;
pub mod expect;
pub mod path;
pub mod protocol;
pub mod schema;
pub mod transition;
