//! How long a transition is expected to take, so a wait can poll when the server should be
//! there rather than on a blind schedule. A transition is keyed by the action that started it
//! (the api-ref operation of the request before the wait, and for actions such as reboot
//! their type) and the status waited for. Two sources: the accepted cassette recorded from the
//! same provider (possibly under other load), and waits that already finished in this process
//! (every run shares one `Estimates`). Each arrival is an interval: the last poll that had not
//! arrived and the first that had. Finished waits also say how fast the provider is today
//! compared with the recording, which rescales the recorded durations of other transitions.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use serde_json::Value;

use crate::cassette::Cassette;
use crate::exchange::Exchange;
use crate::schema_store::SchemaStore;
use crate::status_model::GONE;
use crate::suite::{Action, Suite};

/// Arrivals kept per transition: the recent ones describe the provider as it is now.
const KEEP: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Arrival {
    /// Milliseconds after the wait began: not there yet at `lo`, there at `hi`.
    pub lo: u64,
    pub hi: u64,
}

impl Arrival {
    fn mid(&self) -> f64 {
        (self.lo + self.hi) as f64 / 2.0
    }
}

/// When the server should be there, and whether that comes from today's provider.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Expectation {
    pub at: Duration,
    /// Learnt in this process (or rescaled by it); a recording alone is not sure.
    pub confident: bool,
}

#[derive(Debug, Default)]
struct Known {
    recorded: HashMap<String, Vec<Arrival>>,
    seen: HashMap<String, Vec<Arrival>>,
    /// Today's durations over recorded ones, per finished wait that had both.
    speed: Vec<f64>,
}

#[derive(Debug, Default)]
pub struct Estimates {
    known: Mutex<Known>,
}

fn push(list: &mut Vec<Arrival>, a: Arrival) {
    list.push(a);
    if list.len() > KEEP {
        list.remove(0);
    }
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied()
}

fn typical(list: &[Arrival]) -> Option<f64> {
    median(list.iter().map(Arrival::mid).collect())
}

/// `reboot-server-reboot-action HARD → ACTIVE`.
pub fn transition_key(before: Option<&Exchange>, store: &SchemaStore, until: &str) -> String {
    let Some(e) = before else { return format!("(start) → {until}") };
    let op = store
        .match_request(&e.request.method, &e.request.path, e.request.body.as_ref())
        .map(|o| o.id.clone())
        .unwrap_or_else(|| format!("{} {}", e.request.method, e.request.path));
    // Soft and hard reboot are one operation but not one duration.
    let kind = e
        .request
        .body
        .as_ref()
        .and_then(Value::as_object)
        .and_then(|o| o.values().next())
        .and_then(|v| v.get("type"))
        .and_then(Value::as_str);
    match kind {
        Some(k) => format!("{op} {k} → {until}"),
        None => format!("{op} → {until}"),
    }
}

impl Estimates {
    /// A wait of this process arrived.
    pub fn observe(&self, key: &str, arrival: Arrival) {
        let Ok(mut k) = self.known.lock() else { return };
        if let Some(recorded) = k.recorded.get(key).and_then(|l| typical(l)).filter(|r| *r > 0.0) {
            let ratio = (arrival.mid() / recorded).clamp(0.1, 10.0);
            k.speed.push(ratio);
            if k.speed.len() > KEEP {
                k.speed.remove(0);
            }
        }
        push(k.seen.entry(key.to_string()).or_default(), arrival);
    }

    fn record(&self, key: &str, arrival: Arrival) {
        if let Ok(mut k) = self.known.lock() {
            push(k.recorded.entry(key.to_string()).or_default(), arrival);
        }
    }

    pub fn expected(&self, key: &str) -> Option<Expectation> {
        let k = self.known.lock().ok()?;
        let ms = |v: f64| Duration::from_millis(v.max(0.0) as u64);
        if let Some(t) = k.seen.get(key).and_then(|l| typical(l)) {
            return Some(Expectation { at: ms(t), confident: true });
        }
        let recorded = k.recorded.get(key).and_then(|l| typical(l))?;
        match median(k.speed.clone()) {
            Some(speed) => Some(Expectation { at: ms(recorded * speed), confident: true }),
            None => Some(Expectation { at: ms(recorded), confident: false }),
        }
    }

    /// Learns every wait of a recorded cassette: the consecutive polls of one server (its GETs
    /// and batch polls) of a wait step (`suite`'s), after the request that started the
    /// transition.
    pub fn learn_from(&self, cassette: &Cassette, suite: &Suite, store: &SchemaStore) {
        let waits: Vec<&str> =
            suite.steps.iter().filter(|s| matches!(s.action, Action::Wait(_))).map(|s| s.name.as_str()).collect();
        let ex = &cassette.exchanges;
        let mut i = 0;
        while i < ex.len() {
            let mut j = i;
            while j + 1 < ex.len()
                && ex[j + 1].step == ex[i].step
                && ex[j + 1].request.method == "GET"
                && ex[j + 1].poll_key() == ex[i].poll_key()
            {
                j += 1;
            }
            let polls = &ex[i..=j];
            let is_wait = i > 0
                && ex[i].request.method == "GET"
                && ex[i - 1].step != ex[i].step
                && waits.contains(&ex[i].step.as_str());
            if is_wait {
                let before = &ex[i - 1];
                let began = before.offset_ms + before.duration_ms;
                let last = &polls[polls.len() - 1];
                let until = match last.response.status {
                    404 => GONE.to_string(),
                    _ => last
                        .polled_server()
                        .and_then(|s| s.get("status"))
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                };
                let at = |e: &Exchange| (e.offset_ms + e.duration_ms).saturating_sub(began);
                // A single poll that found it there says only "no later than" (as `wait::learn`).
                let lo = polls.len().checked_sub(2).map_or(at(last), |k| at(&polls[k]));
                let arrival = Arrival { lo, hi: at(last) };
                self.record(&transition_key(Some(before), store, &until), arrival);
            }
            i = j + 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_durations_are_unsure_until_today_s_speed_is_known() {
        let e = Estimates::default();
        assert_eq!(e.expected("create"), None);
        e.record("create", Arrival { lo: 800, hi: 1200 });
        e.record("reboot", Arrival { lo: 300, hi: 500 });
        let unsure = |ms| Some(Expectation { at: Duration::from_millis(ms), confident: false });
        let sure = |ms| Some(Expectation { at: Duration::from_millis(ms), confident: true });
        assert_eq!(e.expected("create"), unsure(1000));
        // Today the create took half as long as recorded: the reboot is expected at half too,
        // and the create itself as seen today.
        e.observe("create", Arrival { lo: 400, hi: 600 });
        assert_eq!(e.expected("reboot"), sure(200));
        assert_eq!(e.expected("create"), sure(500));
        // Only recent arrivals count.
        for _ in 0..KEEP {
            e.observe("create", Arrival { lo: 2000, hi: 2200 });
        }
        assert_eq!(e.expected("create"), sure(2100));
    }

    #[test]
    fn learns_the_waits_of_a_shipped_cassette() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/cassettes/nova-34.0.0/server-lifecycle@2.1.yaml");
        let cassette = crate::cassette::load(std::path::Path::new(path)).unwrap();
        let e = Estimates::default();
        let suite = concat!(env!("CARGO_MANIFEST_DIR"), "/suites/server-lifecycle.yaml");
        let suite = crate::suite::load_suite(std::path::Path::new(suite), &[]).unwrap();
        e.learn_from(&cassette, &suite, SchemaStore::embedded());
        let keys: Vec<String> = e.known.lock().unwrap().recorded.keys().cloned().collect();
        assert!(keys.contains(&"create-server → ACTIVE".to_string()), "{keys:?}");
        assert!(keys.contains(&"reboot-server-reboot-action SOFT → ACTIVE".to_string()), "{keys:?}");
        assert!(keys.contains(&"delete-server → DELETED".to_string()), "{keys:?}");
        let create = e.expected("create-server → ACTIVE").unwrap();
        assert!(!create.confident);
        assert!(create.at > Duration::from_millis(200) && create.at < Duration::from_secs(10), "{create:?}");
    }
}
