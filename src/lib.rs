//! tapedeck: record/replay contract tests and conformance checks for the OpenStack Compute API.
//!
//! Data flows one way: `suite` (parsed, positions kept) → `plan` → `runner` → `transport`
//! (live | record | replay) → `exchange` → `check` → `outcome` → `report`. The api-ref deriver
//! (`derive`) stands apart and meets the runner only through the derived `schemas/`.

pub mod accept;
pub mod atomic;
pub mod auth;
pub mod cassette;
pub mod certify;
pub mod check;
pub mod cleanup;
pub mod cli;
pub mod connect;
pub mod derive;
pub mod diff;
pub mod exchange;
pub mod input_error;
pub mod json_util;
pub mod microversion;
pub mod outcome;
pub mod parallel;
pub mod plan;
pub mod probe;
pub mod provider;
pub mod report;
pub mod runner;
pub mod sample_check;
pub mod schema_cli;
pub mod schema_format;
pub mod schema_store;
pub mod status_model;
pub mod suite;
pub mod transport;
pub mod yaml;
