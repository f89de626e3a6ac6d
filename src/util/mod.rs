//! Helpers that know nothing of tapedeck's concepts, importable from every stage: atomic file
//! writes, the cache directory, JSON helpers, a parallel map, the wall clock, percent-encoding, "did you mean",
//! request paths that stay under their endpoint.

pub mod atomic;
pub mod cache;
pub mod clock;
pub mod json;
pub mod parallel;
pub mod percent;
pub mod suggest;
pub mod url_path;
