//! The replay transport: serves a cassette's exchanges in recorded order per request identity
//! (a batch poll as the poll of its server), on a virtual clock. It never sleeps: a pause
//! advances the clock, a served exchange sets it to the time it had when recorded, so waits and
//! timeouts replay exactly as they ran.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use super::target::relative_target;
use super::{BoxFuture, Outgoing, RunEnd, Transport, TransportError, TransportErrorKind};
use crate::cassette::CassetteWriteError;
use crate::exchange::redact::Redactor;
use crate::exchange::{Exchange, request_key};

pub struct ReplayTransport {
    /// The cassette's exchanges where they were read, each taken once served: no second copy
    /// of a long cassette is made to queue them.
    exchanges: Vec<Option<Exchange>>,
    /// Per request identity, the positions of its exchanges in recorded order.
    queues: HashMap<String, VecDeque<usize>>,
    now: Duration,
    base_path: String,
    cassette_name: String,
    /// The process's secrets: a request is matched as it was recorded (redacted), and no
    /// message names a secret.
    redactor: Redactor,
}

impl ReplayTransport {
    pub fn new(exchanges: Vec<Exchange>, base_path: &str, cassette_name: &str, redactor: Redactor) -> Self {
        let mut queues: HashMap<String, VecDeque<usize>> = HashMap::new();
        for (i, e) in exchanges.iter().enumerate() {
            // A batch poll is served as the poll of its server it answered live.
            queues.entry(e.poll_key()).or_default().push_back(i);
        }
        ReplayTransport {
            exchanges: exchanges.into_iter().map(Some).collect(),
            queues,
            now: Duration::ZERO,
            base_path: base_path.to_string(),
            cassette_name: cassette_name.to_string(),
            redactor,
        }
    }

    /// Exchanges recorded but never asked for.
    pub fn unused(&self) -> usize {
        self.queues.values().map(VecDeque::len).sum()
    }

    fn serve(&mut self, request: &Outgoing) -> Result<Exchange, TransportError> {
        let invalid = |message: String| TransportError { kind: TransportErrorKind::Invalid, message };
        let path = relative_target(&request.target, &[], &self.base_path).map_err(invalid)?;
        // As live: what is sent under a secret key is a secret, and was recorded redacted.
        self.redactor
            .register_sent(&path, request.body.as_ref())
            .map_err(|e| invalid(format!("step `{}`: {e}", request.step)))?;
        let path = self.redactor.text(&path);
        let key = request_key(&request.method, &path, request.identity.as_deref());
        let advice = "the suite asks for something it did not ask for when recorded: re-record with `tapedeck run --mode record`";
        let queue = self.queues.get_mut(&key).ok_or_else(|| TransportError {
            kind: TransportErrorKind::NotRecorded,
            message: format!(
                "step `{}`: {} {} is not in cassette {}; {advice}",
                request.step, request.method, path, self.cassette_name
            ),
        })?;
        let exchange = queue.pop_front().and_then(|i| self.exchanges[i].take()).ok_or_else(|| TransportError {
            kind: TransportErrorKind::Exhausted,
            message: format!(
                "step `{}`: {} {} was recorded fewer times than it is sent now (cassette {}); {advice}",
                request.step, request.method, path, self.cassette_name
            ),
        })?;
        // The recorded moment, even when it is earlier than the pauses so far add up to: live,
        // another run's batch poll can answer a wait before its own pause ended.
        self.now = Duration::from_millis(exchange.offset_ms + exchange.duration_ms);
        Ok(exchange)
    }
}

impl Transport for ReplayTransport {
    fn send(&mut self, request: Outgoing) -> BoxFuture<'_, Result<Exchange, TransportError>> {
        let result = self.serve(&request);
        Box::pin(std::future::ready(result))
    }

    fn pause(&mut self, duration: Duration) -> BoxFuture<'_, ()> {
        self.now += duration;
        Box::pin(std::future::ready(()))
    }

    fn elapsed(&self) -> Duration {
        self.now
    }

    fn remaining(&self) -> usize {
        self.unused()
    }

    fn finish(&mut self, end: RunEnd<'_>) -> Result<Option<String>, CassetteWriteError> {
        let unused = self.unused();
        // A run that stopped at a failure leaves the later steps' exchanges unasked: no news.
        Ok((end.complete && !end.stopped_at_failure && unused > 0).then(|| {
            let exchanges = if unused == 1 {
                "1 recorded exchange was".to_string()
            } else {
                format!("{unused} recorded exchanges were")
            };
            format!("{exchanges} not asked for: the cassette may be from a different run of this suite")
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::{Request, Response};
    use serde_json::json;

    fn poll(offset: u64, status: &str) -> Exchange {
        Exchange {
            step: "wait".into(),
            identity: None,
            batch: None,
            offset_ms: offset,
            duration_ms: 5,
            request: std::sync::Arc::new(Request {
                method: "GET".into(),
                path: "/servers/1".into(),
                headers: Default::default(),
                body: None,
            }),
            response: Response {
                status: 200,
                headers: Default::default(),
                body: Some(json!({"server": {"status": status}}).into()),
                text: None,
            },
        }
    }

    fn get(step: &str) -> Outgoing {
        Outgoing::get(step, "/servers/1", None)
    }

    #[test]
    fn repeated_polls_replay_in_order_on_a_virtual_clock() {
        let mut t = ReplayTransport::new(
            vec![poll(0, "BUILD"), poll(900, "BUILD"), poll(60_000, "ACTIVE")],
            "/v2.1",
            "c",
            Redactor::default(),
        );
        let statuses: Vec<String> = (0..3)
            .map(|_| {
                let e = t.serve(&get("wait")).unwrap();
                e.response.body.unwrap()["server"]["status"].as_str().unwrap().to_string()
            })
            .collect();
        assert_eq!(statuses, ["BUILD", "BUILD", "ACTIVE"]);
        assert_eq!(t.elapsed(), Duration::from_millis(60_005));
        let err = t.serve(&get("wait")).unwrap_err();
        assert_eq!(err.kind, TransportErrorKind::Exhausted);
    }

    #[test]
    fn unknown_request_names_step_and_suggests_rerecord() {
        let mut t = ReplayTransport::new(vec![poll(0, "BUILD")], "/v2.1", "x.yaml", Redactor::default());
        let mut req = get("show it");
        req.target = "/servers/2".into();
        let err = t.serve(&req).unwrap_err();
        assert_eq!(err.kind, TransportErrorKind::NotRecorded);
        assert!(err.message.contains("step `show it`") && err.message.contains("re-record"), "{}", err.message);
    }
}
