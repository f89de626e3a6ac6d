//! What the steps of one run share (the run context), and what every run of the process shares.

use std::time::Duration;

use super::batch::Batches;
use super::cancel::Cancel;
use super::estimate::Estimates;
use super::event::Progress;
use crate::exchange::Exchange;
use crate::exchange::redact::Redactor;
use crate::plan::RunPlan;
use crate::schema_store::{ExtraKeys, SchemaStore};
use crate::suite::template::Vars;
use crate::suite::{RequestSpec, Step};
use crate::transport::Transport;

/// What a step run shares with the others of its run.
pub struct RunCtx<'a> {
    pub plan: &'a RunPlan,
    pub transport: Box<dyn Transport>,
    pub vars: Vars,
    pub exchanges: Vec<Exchange>,
    pub cleanups: Vec<PendingCleanup>,
    pub cancel: &'a Cancel,
    pub schemas: &'a SchemaStore,
    pub extra_keys: ExtraKeys,
    pub progress: Progress,
    /// Expected transition durations, shared by every run of the process.
    pub estimates: &'a Estimates,
    /// Present live with several runs at once: waits may share polls.
    pub batches: Option<&'a Batches>,
    /// Set when the provider could not be reached: a recording is then not complete.
    pub transport_failed: bool,
    /// How long a cleanup may take to see what it deletes gone.
    pub cleanup_timeout: Duration,
    /// Every wait's bound is multiplied by this (`--wait-timeout-scale`).
    pub wait_timeout_scale: f64,
    pub redactor: &'a Redactor,
    /// The last server action a request step sent: the wait after it looks for its evidence.
    pub last_action: Option<SentAction>,
    /// Set while the cleanups run: they go to their end after an interrupt (retries and
    /// pauses included); only an abort stops them.
    pub cleaning: bool,
}

/// A cleanup registered by a step that ran, rendered with the variables of that moment.
pub struct PendingCleanup {
    pub step: String,
    pub spec: RequestSpec,
    pub vars: Vars,
    /// Set when a later step already did it (the suite deleted the server itself).
    pub done: bool,
    /// Its entry in `Cancel`'s list of owed cleanups.
    pub token: u64,
}

/// What every run of the process shares.
#[derive(Clone, Copy)]
pub struct Shared<'a> {
    pub cancel: &'a Cancel,
    pub schemas: &'a SchemaStore,
    pub extra_keys: ExtraKeys,
    pub estimates: &'a Estimates,
    pub batches: Option<&'a Batches>,
    pub cleanup_timeout: Duration,
    pub wait_timeout_scale: f64,
    pub redactor: &'a Redactor,
}

/// `file:line:column` of a step, for messages.
pub fn location(plan: &RunPlan, s: &Step) -> Option<String> {
    s.pos.as_ref().map(|p| format!("{}:{}:{}", plan.suite.file.display(), p.line, p.column))
}

/// A server action a request step sent, and the request id Nova answered it with: what a
/// later wait looks for in the instance actions (`evidence.rs`).
#[derive(Debug, Clone)]
pub struct SentAction {
    pub server: String,
    pub request_id: String,
    /// The instance action Nova records for it, when known.
    pub action: Option<&'static str>,
}
