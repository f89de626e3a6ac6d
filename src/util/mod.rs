//! Helpers that know nothing of tapedeck's concepts, importable from every stage: atomic file
//! writes, JSON helpers, a parallel map, the wall clock, request paths that stay under their
//! endpoint.

pub mod atomic;
pub mod clock;
pub mod json;
pub mod parallel;
pub mod url_path;
