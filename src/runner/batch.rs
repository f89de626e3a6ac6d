//! Batch polls. While several runs wait at once (`--jobs`), the wait whose poll comes due
//! sends one `GET /servers/detail` filtered to the waiting runs' servers (by their
//! `td-<run id>-` name prefix) and so answers every other wait of the same identity and
//! microversion that has not looked for a while. Each run keeps the answer as a poll of its
//! own server, cut down to that server, so its cassette replays exactly on its own. A wait the
//! list cannot answer (the provider refuses such a list, or the server is not in it) polls
//! its server alone, as without batching; a run alone never sends a list.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use tokio::sync::oneshot;

use super::cancel::Cancel;
use crate::exchange::Exchange;

/// A free answer is taken once this long has passed since the wait last looked (or half its
/// planned pause, when longer): a share is cheap, but a trace of near-identical polls is noise.
const MIN_GAP: Duration = Duration::from_millis(50);

/// Waits that one list request can answer: the body a run sees depends on both.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Group {
    pub identity: Option<String>,
    pub microversion: String,
}

/// A list answer for one wait: its server's poll, and when the list request was sent.
pub type Share = (Exchange, Instant);

/// A wait registered for a share of the next list request.
pub struct Waiter {
    id: u64,
    pub server: String,
    pub run_id: String,
    /// From when an answer is welcome.
    ready_at: Instant,
    reply: oneshot::Sender<Option<Share>>,
}

pub enum Turn {
    /// Another wait's list request answered this poll.
    Answered(Box<Share>),
    /// This wait's poll is due: these waits may share it.
    Lead(Vec<Waiter>),
    /// Poll alone: no list can answer this wait now.
    Alone,
}

#[derive(Default)]
pub struct Batches {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    next_id: u64,
    waiting: HashMap<Group, Vec<Waiter>>,
    /// Groups whose list request the provider refused (4xx): they poll per server from then on.
    refused: HashSet<Group>,
}

impl Batches {
    /// Waits out `pause` before this wait's next poll, unless a list request of another wait
    /// answers it first. `server` is in run `run_id` (whose servers are named `td-<run_id>-…`).
    pub async fn turn(&self, group: &Group, server: &str, run_id: &str, pause: Duration, cancel: &Cancel) -> Turn {
        let (reply, mut answer) = oneshot::channel();
        let id = {
            let Ok(mut state) = self.state.lock() else { return Turn::Alone };
            if state.refused.contains(group) {
                None
            } else {
                state.next_id += 1;
                let id = state.next_id;
                let ready_at = Instant::now() + (pause / 2).max(MIN_GAP).min(pause);
                let waiter = Waiter { id, server: server.to_string(), run_id: run_id.to_string(), ready_at, reply };
                state.waiting.entry(group.clone()).or_default().push(waiter);
                Some(id)
            }
        };
        let Some(id) = id else {
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = cancel.cancelled() => {}
            }
            return Turn::Alone;
        };
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            share = &mut answer => return share.ok().flatten().map(|s| Turn::Answered(Box::new(s))).unwrap_or(Turn::Alone),
            _ = cancel.cancelled() => {
                self.take(group, id);
                return Turn::Alone;
            }
        }
        match self.take(group, id) {
            Some(others) => Turn::Lead(others),
            // A list request of another wait took this one meanwhile: its answer is on the way.
            None => answer.await.ok().flatten().map(|s| Turn::Answered(Box::new(s))).unwrap_or(Turn::Alone),
        }
    }

    /// Withdraws wait `id` and, when it was still waiting, takes the waits ready for a share.
    fn take(&self, group: &Group, id: u64) -> Option<Vec<Waiter>> {
        let mut state = self.state.lock().ok()?;
        let waiting = state.waiting.get_mut(group)?;
        let me = waiting.iter().position(|w| w.id == id)?;
        waiting.swap_remove(me);
        let now = Instant::now();
        let (ready, rest): (Vec<Waiter>, Vec<Waiter>) =
            std::mem::take(waiting).into_iter().partition(|w| w.ready_at <= now && !w.reply.is_closed());
        *waiting = rest;
        Some(ready)
    }

    /// The provider refused a list request of this group: its waits poll alone from now on.
    pub fn refuse(&self, group: &Group) {
        if let Ok(mut state) = self.state.lock() {
            state.refused.insert(group.clone());
        }
    }
}

/// The list request that answers for these runs' servers. The admin lists every project (its
/// waits poll servers other identities created); the pattern is a regex in Nova's `name`
/// filter. `None` when a run id is not plain text a regex can carry.
pub fn list_target(run_ids: &[&str], admin: bool) -> Option<String> {
    if run_ids.iter().any(|r| r.is_empty() || !r.chars().all(|c| c.is_ascii_alphanumeric())) {
        return None;
    }
    let mut ids = run_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    // `^td-(a|b)-`, percent-encoded.
    let name = format!("%5Etd-%28{}%29-", ids.join("%7C"));
    Some(if admin {
        format!("/servers/detail?all_tenants=1&name={name}")
    } else {
        format!("/servers/detail?name={name}")
    })
}

/// Sends each waiter its server's poll from `list` (its status was 200), or `None` (poll
/// alone). Returns how many waits the list answered, counting the sender's own when `own` is
/// in it.
pub fn answer(list: Option<&Exchange>, others: Vec<Waiter>, own: &str, sent: Instant) -> usize {
    let has = |server: &str| list.is_some_and(|l| l.listed_server(server).is_some());
    let answered = others.iter().filter(|w| has(&w.server)).count() + usize::from(has(own));
    for w in others {
        let share = list.and_then(|l| l.batch_poll_of(&w.server, answered)).map(|e| (e, sent));
        let _ = w.reply.send(share);
    }
    answered
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::{Request, Response};
    use serde_json::json;

    fn group() -> Group {
        Group { identity: Some("admin".into()), microversion: "2.1".into() }
    }

    fn list(ids: &[&str]) -> Exchange {
        let servers: Vec<_> = ids.iter().map(|id| json!({"id": id, "status": "ACTIVE"})).collect();
        Exchange {
            step: "wait".into(),
            identity: Some("admin".into()),
            batch: None,
            offset_ms: 10,
            duration_ms: 5,
            request: std::sync::Arc::new(Request {
                method: "GET".into(),
                path: "/servers/detail".into(),
                headers: Default::default(),
                body: None,
            }),
            response: Response {
                status: 200,
                headers: Default::default(),
                body: Some(json!({ "servers": servers }).into()),
                text: None,
            },
        }
    }

    #[test]
    fn the_list_names_each_run_once_and_refuses_what_a_regex_cannot_carry() {
        assert_eq!(
            list_target(&["b2", "a1", "b2"], true).unwrap(),
            "/servers/detail?all_tenants=1&name=%5Etd-%28a1%7Cb2%29-"
        );
        assert_eq!(list_target(&["a1"], false).unwrap(), "/servers/detail?name=%5Etd-%28a1%29-");
        assert_eq!(list_target(&["a.1"], false), None);
        assert_eq!(list_target(&[""], false), None);
    }

    #[tokio::test(start_paused = true)]
    async fn a_due_wait_leads_and_answers_the_ready_ones_each_with_its_own_server() {
        let batches = std::sync::Arc::new(Batches::default());
        let cancel = Cancel::default();
        // B waits 1 s (ready for a share after 0.5 s), C 10 s (ready after 5 s).
        let b = {
            let (batches, cancel) = (batches.clone(), Cancel::default());
            tokio::spawn(async move { batches.turn(&group(), "sb", "rb", Duration::from_secs(1), &cancel).await })
        };
        let c = {
            let (batches, cancel) = (batches.clone(), Cancel::default());
            tokio::spawn(async move { batches.turn(&group(), "sc", "rc", Duration::from_secs(10), &cancel).await })
        };
        tokio::task::yield_now().await;
        // A is due at 0.6 s: B is ready, C is not.
        let Turn::Lead(others) = batches.turn(&group(), "sa", "ra", Duration::from_millis(600), &cancel).await else {
            panic!("A should lead")
        };
        assert_eq!(others.iter().map(|w| w.server.as_str()).collect::<Vec<_>>(), ["sb"]);
        let runs: Vec<&str> = others.iter().map(|w| w.run_id.as_str()).chain(["ra"]).collect();
        assert_eq!(list_target(&runs, false).unwrap(), "/servers/detail?name=%5Etd-%28ra%7Crb%29-");
        let answered = answer(Some(&list(&["sa", "sb", "sx"])), others, "sa", Instant::now());
        assert_eq!(answered, 2);
        let Turn::Answered(share) = b.await.unwrap() else { panic!("B should be answered") };
        let (poll, _) = *share;
        assert_eq!(poll.batch.as_ref().map(|b| (b.server.as_str(), b.waits)), Some(("sb", 2)));
        assert_eq!(poll.polled_server().unwrap()["id"], "sb");
        assert_eq!(poll.response.body.as_ref().unwrap()["servers"].as_array().unwrap().len(), 1);
        assert_eq!(poll.poll_key(), "GET /servers/sb as admin");
        // C, not answered, leads at its own time with nobody else waiting.
        assert!(matches!(c.await.unwrap(), Turn::Lead(others) if others.is_empty()));
    }

    #[tokio::test(start_paused = true)]
    async fn a_server_missing_from_the_list_or_a_refused_group_polls_alone() {
        let batches = std::sync::Arc::new(Batches::default());
        let b = {
            let (batches, cancel) = (batches.clone(), Cancel::default());
            tokio::spawn(async move { batches.turn(&group(), "sb", "rb", Duration::from_secs(1), &cancel).await })
        };
        tokio::task::yield_now().await;
        let Turn::Lead(others) =
            batches.turn(&group(), "sa", "ra", Duration::from_millis(600), &Cancel::default()).await
        else {
            panic!("A should lead")
        };
        assert_eq!(answer(Some(&list(&["sa"])), others, "sa", Instant::now()), 1);
        assert!(matches!(b.await.unwrap(), Turn::Alone));
        batches.refuse(&group());
        assert!(matches!(
            batches.turn(&group(), "sa", "ra", Duration::from_millis(10), &Cancel::default()).await,
            Turn::Alone
        ));
    }
}
