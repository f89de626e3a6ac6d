//! Certification: a profile (`profile`: which capabilities are required, advisory or
//! deprecated, and the known failures it flags), its verdict over an outcome (`verdict`, pure),
//! and the bundle of evidence (`bundle`).

pub mod bundle;
pub mod profile;
pub mod verdict;
