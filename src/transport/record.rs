//! The record transport: live, keeping every (already redacted) exchange, and writing them as
//! the run's cassette when the run ends — atomically, and only for a complete run.

use std::path::PathBuf;
use std::time::Duration;

use super::live::LiveTransport;
use super::{BoxFuture, Outgoing, RunEnd, Transport, TransportError};
use crate::cassette::{self, Cassette, CassetteWriteError};
use crate::exchange::Exchange;

pub struct RecordTransport {
    live: LiveTransport,
    /// The cassette header; its exchanges are filled as the run goes.
    cassette: Cassette,
    path: PathBuf,
}

impl RecordTransport {
    pub fn new(live: LiveTransport, header: Cassette, path: PathBuf) -> Self {
        RecordTransport { live, cassette: header, path }
    }
}

impl Transport for RecordTransport {
    fn send(&mut self, request: Outgoing) -> BoxFuture<'_, Result<Exchange, TransportError>> {
        Box::pin(async move {
            let exchange = self.live.send(request).await?;
            self.cassette.exchanges.push(exchange.clone());
            Ok(exchange)
        })
    }

    fn send_unkept(&mut self, request: Outgoing) -> BoxFuture<'_, Result<Exchange, TransportError>> {
        self.live.send(request)
    }

    fn keep(&mut self, exchange: &Exchange) {
        self.cassette.exchanges.push(exchange.clone());
    }

    fn pause(&mut self, duration: Duration) -> BoxFuture<'_, ()> {
        self.live.pause(duration)
    }

    fn elapsed(&self) -> Duration {
        self.live.elapsed()
    }

    fn finish(&mut self, end: RunEnd<'_>) -> Result<Option<String>, CassetteWriteError> {
        if !end.complete {
            return Ok(Some(format!("run incomplete: cassette {} left as it was", self.path.display())));
        }
        // A run that sent nothing recorded nothing: no empty cassette stands for it.
        if self.cassette.exchanges.is_empty() && end.skipped.is_none() {
            return Ok(Some(format!("nothing was sent: no cassette written to {}", self.path.display())));
        }
        self.cassette.skipped = end.skipped.map(str::to_string);
        self.cassette.recorded_at = crate::util::clock::now_rfc3339();
        cassette::write_atomic(&self.path, &self.cassette)?;
        Ok(Some(format!("recorded {} exchanges to {}", self.cassette.exchanges.len(), self.path.display())))
    }
}
