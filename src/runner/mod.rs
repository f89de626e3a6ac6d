//! The runner: executes planned runs (concurrently up to `--jobs`), each step in order, then
//! the cleanups; produces the outcome model and emits an event as each run ends.

mod batch;
mod cancel;
mod cleanup;
mod context;
pub mod estimate;
mod event;
mod evidence;
mod poll;
mod retry;
mod run;
mod send;
mod step;
mod wait;

pub use cancel::Cancel;
pub use event::Event;
pub use poll::PollSchedule;

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, mpsc};

use crate::cassette::{Cassette, FORMAT_VERSION};
use event::Progress;

use crate::exchange::redact::Redactor;
use crate::outcome::{Mode, OUTCOME_FORMAT, Outcome, RunOutcome, Summary};
use crate::plan::{RunPlan, Source};
use crate::schema_store::{ExtraKeys, SchemaStore};
use crate::transport::Transport;
use crate::transport::live::{Endpoint, LiveTransport};
use crate::transport::record::RecordTransport;
use crate::transport::replay::ReplayTransport;

pub struct RunnerConfig {
    pub mode: Mode,
    pub jobs: usize,
    /// Present in live and record mode.
    pub endpoint: Option<Arc<Endpoint>>,
    pub cancel: Arc<Cancel>,
    /// The derived schemas every response is validated against.
    pub schemas: &'static SchemaStore,
    pub extra_keys: ExtraKeys,
    pub events: Option<mpsc::UnboundedSender<Event>>,
    /// Let waits of concurrent runs share one list request per poll (live, `jobs` > 1).
    pub batch_waits: bool,
    /// How long a cleanup may take to see the server it deletes gone.
    pub cleanup_timeout: Duration,
    /// Every wait's bound is multiplied by this (a slower cloud: 3.0).
    pub wait_timeout_scale: f64,
    /// The process's secrets (the endpoint's registry, live): nothing a run writes or says
    /// names one.
    pub redactor: Redactor,
}

pub async fn execute(plans: Vec<RunPlan>, config: RunnerConfig) -> Outcome {
    let started_at = crate::util::clock::now_rfc3339();
    let started = Instant::now();
    let provider = plans.first().map(|p| p.provider.clone()).unwrap_or_default();
    let semaphore = Arc::new(Semaphore::new(config.jobs.max(1)));
    let estimates = Arc::new(estimate::Estimates::default());
    let batches = (config.batch_waits && config.jobs > 1 && config.endpoint.is_some())
        .then(|| Arc::new(batch::Batches::default()));
    let recorded = if config.endpoint.is_some() {
        learn_recorded_durations(&plans, &estimates, config.schemas)
    } else {
        vec![None; plans.len()]
    };
    let mut handles = Vec::new();
    for (index, mut plan) in start_order(plans, &recorded, config.jobs) {
        let semaphore = semaphore.clone();
        let endpoint = config.endpoint.clone();
        let cancel = config.cancel.clone();
        let events = config.events.clone();
        let (schemas, extra_keys) = (config.schemas, config.extra_keys);
        let estimates = estimates.clone();
        // A replayed run (`--record-mode once`) answers its waits from its cassette, on the
        // virtual clock: sharing polls with live runs would make it wait for them in real time.
        let batches = batches.clone().filter(|_| !matches!(plan.source, Source::Replay(_)));
        let mode = config.mode;
        let cleanup_timeout = config.cleanup_timeout;
        let wait_timeout_scale = config.wait_timeout_scale;
        let redactor = config.redactor.clone();
        // Taken before spawning, so runs start in `start_order` (with --jobs 1: strictly in turn).
        let permit = semaphore.acquire_owned().await.ok();
        handles.push((
            index,
            tokio::spawn(async move {
                let _permit = permit;
                if let Some(tx) = &events {
                    let _ = tx.send(Event::RunStarted {
                        index,
                        suite: plan.suite.name.clone(),
                        microversion: plan.microversion.to_string(),
                    });
                }
                let transport = transport_for(&mut plan, endpoint, &redactor);
                let progress = Progress::new(index, events.clone(), mode != Mode::Replay);
                let mut outcome = run::run(
                    plan,
                    transport,
                    context::Shared {
                        cancel: &cancel,
                        schemas,
                        extra_keys,
                        estimates: &estimates,
                        batches: batches.as_deref(),
                        cleanup_timeout,
                        wait_timeout_scale,
                        redactor: &redactor,
                    },
                    progress,
                )
                .await;
                if let Some(tx) = &events {
                    let exchanges = std::mem::take(&mut outcome.exchanges);
                    let _ = tx.send(Event::RunFinished { index, outcome: Box::new(outcome.clone()) });
                    outcome.exchanges = exchanges;
                }
                outcome
            }),
        ));
    }
    let mut runs = Vec::new();
    for (index, h) in handles {
        match h.await {
            Ok(outcome) => runs.push((index, outcome)),
            Err(e) => eprintln!("tapedeck: internal error: a run task failed: {e}"),
        }
    }
    runs.sort_by_key(|(index, _)| *index);
    let runs: Vec<RunOutcome> = runs.into_iter().map(|(_, outcome)| outcome).collect();
    let summary = Summary::of(&runs);
    Outcome {
        format: OUTCOME_FORMAT,
        tapedeck: env!("CARGO_PKG_VERSION").to_string(),
        mode: config.mode,
        provider,
        started_at,
        duration_ms: crate::util::clock::millis(started.elapsed()),
        interrupted: config.cancel.is_cancelled(),
        runs,
        summary,
        // The resource the suites are about: the rest of the Compute API would drown it.
        operations: config
            .schemas
            .operations()
            .filter(|o| o.path.starts_with("/servers"))
            .map(|o| o.id.clone())
            .collect(),
    }
}

/// Live waits start from what the accepted cassettes recorded from this same provider (a
/// cassette of another provider says nothing about this one's speed). Returns each plan's
/// recorded run time, where there is one.
fn learn_recorded_durations(
    plans: &[RunPlan],
    estimates: &estimate::Estimates,
    schemas: &SchemaStore,
) -> Vec<Option<Duration>> {
    let cassettes = crate::util::parallel::map(plans, |plan| {
        let path = plan.replaces.as_ref().unwrap_or(&plan.cassette_path);
        crate::cassette::load(path).ok().filter(|c| c.provider == plan.provider)
    });
    cassettes
        .iter()
        .zip(plans)
        .map(|(cassette, plan)| {
            let cassette = cassette.as_ref()?;
            estimates.learn_from(cassette, &plan.suite, schemas);
            cassette.exchanges.last().map(|e| Duration::from_millis(e.offset_ms + e.duration_ms))
        })
        .collect()
}

/// The order runs start in: with several at once, the longest first (by their recorded time;
/// runs without one count as long), so the set does not end waiting on a long run that started
/// last. Stable, so equal runs keep plan order; `--jobs 1` keeps plan order.
fn start_order<T>(plans: Vec<T>, recorded: &[Option<Duration>], jobs: usize) -> Vec<(usize, T)> {
    let mut order: Vec<(usize, T)> = plans.into_iter().enumerate().collect();
    if jobs > 1 {
        order.sort_by_key(|(i, _)| std::cmp::Reverse(recorded.get(*i).copied().flatten().unwrap_or(Duration::MAX)));
    }
    order
}

/// Replay takes the cassette's exchanges out of the plan (the rest of the run reads only its
/// header).
fn transport_for(
    plan: &mut RunPlan,
    endpoint: Option<Arc<Endpoint>>,
    redactor: &Redactor,
) -> Option<Box<dyn Transport>> {
    match (&mut plan.source, endpoint) {
        (Source::Replay(c), _) => {
            let name = plan.cassette_path.display().to_string();
            let exchanges = std::mem::take(&mut c.exchanges);
            Some(Box::new(ReplayTransport::new(exchanges, &c.endpoint_path, &name, redactor.clone())))
        }
        (Source::Live, Some(e)) => Some(Box::new(LiveTransport::new(e))),
        (Source::Record, Some(e)) => {
            let header = Cassette {
                format: FORMAT_VERSION,
                tapedeck: env!("CARGO_PKG_VERSION").to_string(),
                recorded_at: String::new(),
                provider: plan.provider.clone(),
                endpoint_path: plan.endpoint_path.clone(),
                api_versions: plan.api_versions.clone(),
                suite: plan.suite.name.clone(),
                suite_hash: plan.suite.hash.clone(),
                microversion: plan.microversion,
                identities: plan.identities.clone(),
                // A `--var` given as a `--secret` too is kept as the marker.
                variables: redactor.vars(&plan.recorded_vars()),
                skipped: None,
                exchange_count: 0,
                exchanges: Vec::new(),
            };
            Some(Box::new(RecordTransport::new(LiveTransport::new(e), header, plan.cassette_path.clone())))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_recorded_runs_start_first_unknown_ones_before_them() {
        let ms = |n| Some(Duration::from_millis(n));
        let recorded = [ms(100), ms(900), None, ms(900), ms(50)];
        let order: Vec<usize> = start_order(vec!['a'; 5], &recorded, 4).into_iter().map(|(i, _)| i).collect();
        assert_eq!(order, [2, 1, 3, 0, 4]);
        let serial: Vec<usize> = start_order(vec!['a'; 5], &recorded, 1).into_iter().map(|(i, _)| i).collect();
        assert_eq!(serial, [0, 1, 2, 3, 4]);
    }
}
