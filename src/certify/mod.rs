//! Certification: a profile (`profile`: which capabilities are required, advisory, or not yet
//! due), its verdict over an outcome (`verdict`, pure), and the bundle of evidence (`bundle`).

pub mod bundle;
pub mod profile;
pub mod verdict;
