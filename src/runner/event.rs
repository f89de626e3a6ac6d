//! What a runner tells its listeners (the progress display) as runs go.

use tokio::sync::mpsc;

use crate::outcome::RunOutcome;

/// Reported as runs finish, in completion order (reports sort by plan order later).
#[derive(Debug, Clone)]
pub enum Event {
    RunStarted {
        index: usize,
        suite: String,
        microversion: String,
    },
    /// A step of a run begins.
    StepStarted {
        index: usize,
        step: String,
    },
    /// A wait polled: what it saw, and how long it has waited (live and record only).
    WaitPolled {
        index: usize,
        step: String,
        status: String,
        waited_ms: u64,
        until: String,
    },
    /// The run's outcome without its exchanges (a listener wants the verdict and the steps;
    /// a long run's exchanges are most of its memory).
    RunFinished {
        index: usize,
        outcome: Box<RunOutcome>,
    },
}

/// Where a run reports its progress (no-op when nobody listens).
#[derive(Clone, Default)]
pub struct Progress {
    index: usize,
    tx: Option<mpsc::UnboundedSender<Event>>,
    /// Whether polls are reported: not in replay, where a wait of 100 000 polls takes a
    /// fraction of a second and its events would only queue up.
    polls: bool,
}

impl Progress {
    /// A run's progress as event `index`; `polls`: whether its polls are reported.
    pub fn new(index: usize, tx: Option<mpsc::UnboundedSender<Event>>, polls: bool) -> Self {
        Progress { index, tx, polls }
    }

    pub fn send(&self, make: impl FnOnce(usize) -> Event) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(make(self.index));
        }
    }

    /// Sends a [`Event::WaitPolled`] where polls are reported.
    pub fn send_poll(&self, make: impl FnOnce(usize) -> Event) {
        if self.polls {
            self.send(make);
        }
    }
}
