//! tapedeck: record/replay contract tests and conformance checks for the OpenStack Compute API.
//!
//! Data flows one way: `suite` (parsed, positions kept) → `plan` → `runner` → `transport`
//! (live | record | replay) → `exchange` → `check` → `outcome` → `report`.

pub mod cassette;
pub mod check;
pub mod cli;
pub mod diff;
pub mod exchange;
pub mod input_error;
pub mod json_util;
pub mod microversion;
pub mod outcome;
pub mod plan;
pub mod provider;
pub mod report;
pub mod runner;
pub mod status_model;
pub mod suite;
pub mod transport;
pub mod yaml;
