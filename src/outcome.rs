//! The one result model. The runner produces it; every report (terminal, JSON, JUnit, …) and
//! every later comparison is a view of it. Serialised as the JSON report (format 1).

use serde::Serialize;

use crate::exchange::{Exchange, SharedStr};
use crate::microversion::Microversion;

pub const OUTCOME_FORMAT: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Passed,
    Failed,
    Skipped,
    /// Started and stopped by an interrupt before it finished: says nothing either way.
    Interrupted,
    /// Never started (the process was interrupted first).
    #[serde(rename = "not-run")]
    NotRun,
}

impl Verdict {
    /// `passed`, `failed`, `skipped`, `interrupted`, `not run`.
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Passed => "passed",
            Verdict::Failed => "failed",
            Verdict::Skipped => "skipped",
            Verdict::Interrupted => "interrupted",
            Verdict::NotRun => "not run",
        }
    }

    /// A run that did not finish: its evidence is incomplete.
    pub fn unfinished(self) -> bool {
        matches!(self, Verdict::Interrupted | Verdict::NotRun)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Replay,
    Live,
    Record,
}

#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub format: u32,
    pub tapedeck: String,
    pub mode: Mode,
    pub provider: String,
    pub started_at: String,
    pub duration_ms: u64,
    /// The process was interrupted (Ctrl-C, SIGTERM): some runs may not have finished.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub interrupted: bool,
    pub runs: Vec<RunOutcome>,
    pub summary: Summary,
    /// The operations of the `servers` resource (`/servers…`) in the schema set the runs were
    /// checked against, by id: coverage shows those no run exercised. (Not in the JSON report:
    /// it is the schema set's, not the run's.)
    #[serde(skip)]
    pub operations: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub runs: usize,
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    #[serde(skip_serializing_if = "is_zero")]
    pub interrupted: usize,
    #[serde(skip_serializing_if = "is_zero")]
    pub not_run: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Summary {
    pub fn of(runs: &[RunOutcome]) -> Summary {
        let count = |v| runs.iter().filter(|r| r.verdict == v).count();
        Summary {
            runs: runs.len(),
            passed: count(Verdict::Passed),
            failed: count(Verdict::Failed),
            skipped: count(Verdict::Skipped),
            interrupted: count(Verdict::Interrupted),
            not_run: count(Verdict::NotRun),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RunOutcome {
    pub suite: String,
    pub file: String,
    pub microversion: Microversion,
    pub capabilities: Vec<String>,
    /// When this process started the run (RFC 3339, to the second; in replay too).
    pub started_at: String,
    pub verdict: Verdict,
    /// Why it was skipped, or the first failure in one line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Time on the run's clock (virtual in replay: the recorded time).
    pub duration_ms: u64,
    /// Wall-clock time this process spent on the run.
    pub wall_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cassette: Option<CassetteRef>,
    pub steps: Vec<StepOutcome>,
    pub cleanups: Vec<StepOutcome>,
    /// Every exchange of the run in order; steps refer to them by index.
    pub exchanges: Vec<Exchange>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CassetteRef {
    pub path: String,
    /// replayed | recorded | pending | stale | missing
    pub state: CassetteState,
    /// A pending recording's accepted cassette (left untouched until `tapedeck accept`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replaces: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CassetteState {
    Replayed,
    Recorded,
    /// Recorded into the pending area, beside an existing cassette.
    Pending,
    Stale,
    Missing,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StepKind {
    Request,
    Wait,
    Cleanup,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepOutcome {
    pub name: String,
    pub kind: StepKind,
    /// file:line:column of the step in its suite.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    pub verdict: Verdict,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub offset_ms: u64,
    pub duration_ms: u64,
    /// Indices into the run's `exchanges`.
    pub exchanges: Vec<usize>,
    pub checks: Vec<CheckOutcome>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace: Option<Trace>,
    /// Skipped because the provider lacks what the step needs (an identity): its checks could
    /// not be made, so a certification cannot rest on the run.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub unverified: bool,
}

impl StepOutcome {
    /// A step that starts now and has passed so far.
    pub fn start(name: impl Into<String>, kind: StepKind, location: Option<String>, offset_ms: u64) -> Self {
        StepOutcome {
            name: name.into(),
            kind,
            location,
            verdict: Verdict::Passed,
            reason: None,
            offset_ms,
            duration_ms: 0,
            exchanges: vec![],
            checks: vec![],
            trace: None,
            unverified: false,
        }
    }

    pub fn skipped(name: impl Into<String>, kind: StepKind, reason: impl Into<String>) -> Self {
        StepOutcome {
            verdict: Verdict::Skipped,
            reason: Some(reason.into()),
            ..StepOutcome::start(name, kind, None, 0)
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckKind {
    Status,
    Header,
    Body,
    Capture,
    Operation,
    Schema,
    Path,
    Transport,
    Render,
    /// The Compute API's protocol: microversion headers, request ids, content type, status.
    Protocol,
    /// Evidence that a server went through a transition: its states, its instance actions.
    Transition,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckState {
    Passed,
    Failed,
    /// Reported, does not fail the step (extra keys under `--extra-keys warn`, drift).
    Warning,
    /// Nothing to check against (no schema for this operation and status).
    Gap,
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckOutcome {
    pub kind: CheckKind,
    /// What was checked: a header name, a JSON pointer, a capture variable, an operation id.
    pub target: String,
    pub state: CheckState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl CheckOutcome {
    pub fn new(kind: CheckKind, target: impl Into<String>, state: CheckState) -> Self {
        CheckOutcome { kind, target: target.into(), state, expected: None, actual: None, message: None }
    }
    pub fn expected(mut self, e: impl Into<String>) -> Self {
        self.expected = Some(e.into());
        self
    }
    pub fn actual(mut self, a: impl Into<String>) -> Self {
        self.actual = Some(a.into());
        self
    }
    pub fn message(mut self, m: impl Into<String>) -> Self {
        self.message = Some(m.into());
        self
    }
    pub fn failed(&self) -> bool {
        self.state == CheckState::Failed
    }
    /// One line for terminal output.
    pub fn describe(&self) -> String {
        let kind = format!("{:?}", self.kind).to_lowercase();
        let mut s = if kind == self.target { kind } else { format!("{kind} {}", self.target) };
        if let Some(m) = &self.message {
            s.push_str(&format!(": {m}"));
        }
        match (&self.expected, &self.actual) {
            (Some(e), Some(a)) => s.push_str(&format!(" (expected {e}, got {a})")),
            (Some(e), None) => s.push_str(&format!(" (expected {e})")),
            (None, Some(a)) => s.push_str(&format!(" (got {a})")),
            _ => {}
        }
        s
    }
}

/// The statuses a wait observed, each poll kept.
#[derive(Debug, Clone, Serialize)]
pub struct Trace {
    pub server: String,
    pub until: String,
    pub declared_path: Vec<String>,
    pub observations: Vec<Observation>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Observation {
    pub offset_ms: u64,
    pub http_status: u16,
    pub status: SharedStr,
    /// `OS-EXT-STS:task_state`, when the identity may see it (admin).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_state: Option<SharedStr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vm_state: Option<SharedStr>,
}

impl Trace {
    /// Consecutive duplicates collapsed: `BUILD BUILD ACTIVE` → `BUILD ACTIVE`.
    pub fn distinct_statuses(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for o in &self.observations {
            if out.last() != Some(&o.status.as_str()) {
                out.push(&o.status);
            }
        }
        out
    }
}

impl RunOutcome {
    pub fn first_failure(&self) -> Option<(&StepOutcome, String)> {
        self.steps.iter().chain(self.cleanups.iter()).find(|s| s.verdict == Verdict::Failed).map(|s| {
            let why = s
                .reason
                .clone()
                .or_else(|| s.checks.iter().find(|c| c.failed()).map(|c| c.describe()))
                .unwrap_or_default();
            (s, why)
        })
    }
}
