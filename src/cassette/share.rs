//! What repeats across a cassette's exchanges is held once. A long wait answers the same body
//! poll after poll, under the same step, path and header names and values (only request ids
//! change), so a cassette of 100 000 polls stays near the memory of its distinct parts.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde_json::Value;

use crate::exchange::{Exchange, Headers, Request, SharedStr};

#[derive(Default)]
pub struct Sharing {
    pool: Pool,
    /// What each request identity (a wait's poll of its server) last sent and was answered:
    /// the next exchange of it shares them when equal. Only the last: comparing bodies costs,
    /// hashing them would cost more.
    last: HashMap<String, Last>,
}

#[derive(Default)]
struct Last {
    request: Option<Arc<Request>>,
    body: Option<Arc<Value>>,
}

impl Sharing {
    /// `e` with its parts replaced by equal ones seen before, where there are any.
    pub fn exchange(&mut self, e: &mut Exchange) {
        let pool = &mut self.pool;
        e.step = pool.str(&e.step);
        e.identity = e.identity.as_ref().map(|i| pool.str(i));
        e.response.headers = pool.headers(&e.response.headers);
        let last = self.last.entry(e.poll_key()).or_default();
        share(&mut e.request, &mut last.request, |r| Arc::new(pool.request(r)));
        if let Some(body) = &mut e.response.body {
            share(body, &mut last.body, Arc::clone);
        }
    }
}

/// `value` as the one seen last when they are equal; else `value` (made by `fresh`) is the one
/// seen last from now on.
fn share<T: PartialEq>(value: &mut Arc<T>, last: &mut Option<Arc<T>>, fresh: impl FnOnce(&Arc<T>) -> Arc<T>) {
    match last {
        Some(seen) if Arc::ptr_eq(seen, value) || **seen == **value => *value = seen.clone(),
        _ => {
            *value = fresh(value);
            *last = Some(value.clone());
        }
    }
}

/// Strings and header lists, each held once.
#[derive(Default)]
struct Pool {
    strs: HashSet<SharedStr>,
    headers: HashSet<Headers>,
}

impl Pool {
    fn str(&mut self, s: &SharedStr) -> SharedStr {
        if let Some(seen) = self.strs.get(s.as_str()) {
            return seen.clone();
        }
        self.strs.insert(s.clone());
        s.clone()
    }

    fn headers(&mut self, h: &Headers) -> Headers {
        if let Some(seen) = self.headers.get(h) {
            return seen.clone();
        }
        let pooled = h.map(|s| self.str(s));
        self.headers.insert(pooled.clone());
        pooled
    }

    fn request(&mut self, r: &Request) -> Request {
        Request {
            method: self.str(&r.method),
            path: self.str(&r.path),
            headers: self.headers(&r.headers),
            body: r.body.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::Response;

    fn poll(request_id: &str, status: &str) -> Exchange {
        let headers: Headers =
            [("content-type", "application/json"), ("x-openstack-request-id", request_id)].into_iter().collect();
        Exchange {
            step: "active".into(),
            identity: Some("admin".into()),
            batch: None,
            offset_ms: 0,
            duration_ms: 1,
            request: Arc::new(Request {
                method: "GET".into(),
                path: "/servers/1".into(),
                headers: [("openstack-api-version", "compute 2.1")].into_iter().collect(),
                body: None,
            }),
            response: Response {
                status: 200,
                headers,
                body: Some(Arc::new(serde_json::json!({"server": {"status": status}}))),
                text: None,
            },
        }
    }

    #[test]
    fn equal_parts_are_shared_and_different_ones_kept() {
        let mut sharing = Sharing::default();
        let mut polls = [poll("req-1", "BUILD"), poll("req-2", "BUILD"), poll("req-3", "ACTIVE")];
        let before = polls.clone();
        for p in &mut polls {
            sharing.exchange(p);
        }
        assert_eq!(polls, before, "sharing changes no value");
        let [a, b, c] = &polls;
        let same_str = |x: &SharedStr, y: &SharedStr| std::ptr::eq(x.as_str(), y.as_str());
        assert!(same_str(&a.step, &c.step));
        assert!(Arc::ptr_eq(&a.request, &c.request), "every poll sends the same request");
        let name = |e: &Exchange| e.response.headers.iter().next().map(|(n, _)| n.as_str().as_ptr());
        assert_eq!(name(a), name(b), "header names are shared across different header lists");
        assert_ne!(a.response.headers, b.response.headers);
        let body = |e: &Exchange| e.response.body.clone().unwrap();
        assert!(Arc::ptr_eq(&body(a), &body(b)), "a repeated answer is held once");
        assert!(!Arc::ptr_eq(&body(b), &body(c)));
    }
}
