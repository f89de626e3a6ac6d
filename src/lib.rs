//! tapedeck: record/replay contract tests and conformance checks for the OpenStack Compute API.
//! The command line lives in the binary (`src/cli/`); this library is the pipeline it drives,
//! listed here in the order data flows through it.

// Reading what users give: suites, provider files, clouds.yaml, profiles, cassettes.
/// YAML under limits against hostile files; errors with file:line:column (exit 2).
pub mod input;
/// The microversion type and its order.
pub mod microversion;
/// The shipped conformance set (suites, profiles, reference cassettes), carried in the binary.
pub mod shipped;
/// Status vocabulary and documented aliases: one place for what Nova's statuses mean.
pub mod status_model;
/// Suites: the YAML format with positions, the checked model, `${var}` templates.
pub mod suite;

// From suites to exchanges.
/// clouds.yaml, secure.yaml, `OS_*`, and Keystone v3 with its catalog.
pub mod auth;
/// One YAML file per (suite, microversion) run: format, atomic store, pending area, cache.
pub mod cassette;
/// What a cloud offers the suites: images, flavors, a network, chosen with reasons.
pub mod discover;
/// One request and its response, redacted and endpoint-neutral.
pub mod exchange;
/// The pipeline as `run` and `certify` drive it: connect, plan, shard, run.
pub mod pipeline;
/// Suites × microversions → runs: variables, cassette or live, skips, shards.
pub mod plan;
/// A live provider: provider files, clouds, connecting, capability probes, leftovers.
pub mod provider;
/// Executes runs: steps, waits with traces, cleanups, retries, interrupts.
pub mod runner;
/// `--filter` / `--exclude`: which of the planned runs (suite × microversion) run.
pub mod selection;
/// The one seam between live, record and replay (virtual clock).
pub mod transport;

// Judging exchanges.
/// Expectations, captures, schema checks, traces against declared paths.
pub mod check;
/// The derived schemas (`schemas/`, embedded), looked up by operation × status × microversion.
pub mod schema_store;

// What a run produced, and everything that reads it.
/// Certification profiles, verdicts and bundles.
pub mod certify;
/// Behavioural diff of cassettes: canonicalised, aligned, classified.
pub mod diff;
/// The one result model every report, `diff` and `certify` read.
pub mod outcome;
/// Views of the outcome: terminal, progress, JSON, JUnit, Markdown, HTML.
pub mod report;
/// Three witnesses: the api-ref, Nova's own schemas and recorded traffic, compared.
pub mod witness;

// Apart from the run: the api-ref deriver meets the rest only through `schemas/`.
/// api-ref (parameters.yaml + `.inc`) → `schemas/`, and the samples' self-check.
pub mod derive;

/// Helpers that know nothing of tapedeck: atomic writes, JSON, a parallel map, the clock.
pub mod util;
