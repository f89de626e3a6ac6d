//! Transports behind one trait: `live` talks HTTP to a provider, `record` is live plus the
//! exchanges kept for a cassette, `replay` serves a cassette on a virtual clock. The runner
//! cannot tell them apart except by the time they take.

pub mod live;
pub mod record;
pub mod replay;
pub mod target;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use serde_json::Value;

use crate::cassette::CassetteWriteError;
use crate::exchange::Exchange;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A request as the runner builds it (templates rendered).
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub step: String,
    pub identity: Option<String>,
    pub method: String,
    /// Relative to the compute endpoint (`/servers/x?limit=1`), or an absolute URL taken from
    /// a response (a `servers_links` href, a `Location` header).
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Value>,
}

impl Outgoing {
    /// A request without a body at `microversion` (both headers, see [`microversion_headers`];
    /// none for `None`: the version document takes none), as the provider's `user`.
    pub fn new(step: impl Into<String>, method: &str, target: impl Into<String>, microversion: Option<&str>) -> Self {
        Outgoing {
            step: step.into(),
            identity: None,
            method: method.to_string(),
            target: target.into(),
            headers: microversion_headers(microversion),
            body: None,
        }
    }

    pub fn get(step: impl Into<String>, target: impl Into<String>, microversion: Option<&str>) -> Self {
        Outgoing::new(step, "GET", target, microversion)
    }

    /// The same request as another identity (`admin`), or as the `user` for `None`.
    pub fn as_identity(mut self, identity: Option<String>) -> Self {
        self.identity = identity;
        self
    }

    pub fn describe(&self) -> String {
        format!("{} {}", self.method, self.target)
    }
}

/// Both headers: `OpenStack-API-Version` is the standard one, Nova still reads the old one.
pub fn microversion_headers(version: Option<&str>) -> Vec<(String, String)> {
    match version {
        Some(v) => vec![
            ("OpenStack-API-Version".into(), format!("compute {v}")),
            ("X-OpenStack-Nova-API-Version".into(), v.to_string()),
        ],
        None => vec![],
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportErrorKind {
    Connect,
    Timeout,
    Io,
    /// Replay: the cassette holds no such request.
    NotRecorded,
    /// Replay: the cassette holds this request, but fewer times than it is sent now.
    Exhausted,
    /// The request itself cannot be sent (bad URL, unknown identity).
    Invalid,
    /// Keystone could not issue a token for the identity.
    Auth,
}

#[derive(Debug, Clone)]
pub struct TransportError {
    pub kind: TransportErrorKind,
    pub message: String,
}

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

pub trait Transport: Send {
    fn send(&mut self, request: Outgoing) -> BoxFuture<'_, Result<Exchange, TransportError>>;
    /// Sends without keeping the exchange for a cassette: a batch poll's list answer is kept
    /// per run, cut down to that run's server (`keep`).
    fn send_unkept(&mut self, request: Outgoing) -> BoxFuture<'_, Result<Exchange, TransportError>> {
        self.send(request)
    }
    /// Keeps an exchange this transport did not send itself (a batch poll another run sent).
    fn keep(&mut self, exchange: &Exchange) {
        let _ = exchange;
    }
    /// Waits between polls: a real sleep live, an advance of the virtual clock in replay.
    fn pause(&mut self, duration: Duration) -> BoxFuture<'_, ()>;
    /// Time since the run started (virtual in replay).
    fn elapsed(&self) -> Duration;
    /// Exchanges still to come, when known (replay: those the cassette holds), so the run
    /// makes room for them once.
    fn remaining(&self) -> usize {
        0
    }
    /// Called once when the run ends. `complete` is false when the run was interrupted or the
    /// provider could not be reached: a recorder then keeps the old cassette untouched.
    /// Returns a note for the outcome (what was written, what went unused).
    fn finish(&mut self, end: RunEnd<'_>) -> Result<Option<String>, CassetteWriteError> {
        let _ = end;
        Ok(None)
    }
}

#[derive(Debug, Clone, Copy)]
pub struct RunEnd<'a> {
    pub complete: bool,
    /// A step failed and the steps after it did not run: the exchanges they would have asked
    /// for are left over, as they should be.
    pub stopped_at_failure: bool,
    pub skipped: Option<&'a str>,
}
