//! One HTTP request and its response, as every stage after the transport sees it:
//! already redacted and endpoint-neutral (see `redact`). Cassettes store these,
//! outcomes reference them, checks read them.

mod headers;
pub mod redact;
mod shared_str;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use headers::Headers;
pub use shared_str::SharedStr;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exchange {
    /// The suite step that sent it.
    pub step: SharedStr,
    /// The provider identity used, when not the default one.
    #[serde(rename = "as", default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<SharedStr>,
    /// Set on a wait's poll that one list request answered for several waits at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<Box<BatchPoll>>,
    /// Milliseconds from the run's start to the moment the request was sent.
    pub offset_ms: u64,
    pub duration_ms: u64,
    /// Shared: every poll of a wait sends the same request.
    pub request: Arc<Request>,
    pub response: Response,
}

/// A poll of `server` answered by a shared `GET /servers/detail` (concurrent runs, `--jobs`):
/// the body keeps only this server, and replay serves the exchange as that server's poll.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchPoll {
    pub server: String,
    /// How many waits the one request answered.
    pub waits: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    pub method: SharedStr,
    /// Relative to the compute endpoint, query string included (`/servers?limit=1`).
    pub path: SharedStr,
    #[serde(default, skip_serializing_if = "Headers::is_empty")]
    pub headers: Headers,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Response {
    pub status: u16,
    #[serde(default, skip_serializing_if = "Headers::is_empty")]
    pub headers: Headers,
    /// A JSON body, stored as structured data. Shared: a long wait's polls mostly answer the
    /// same body, and a cassette reads it once for all of them (`cassette::share`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Arc<Value>>,
    /// A body that is not JSON (or not valid JSON), as text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<SharedStr>,
}

impl Response {
    /// Header lookup by case-insensitive name (stored names are lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(&name.to_ascii_lowercase())
    }
}

impl Request {
    /// The request identity replay matches on: method, path with the query sorted.
    pub fn identity_key(&self, identity: Option<&str>) -> String {
        request_key(&self.method, &self.path, identity)
    }
}

impl Exchange {
    /// The request a wait's poll stands for: a batch poll answered `GET /servers/{id}`.
    pub fn poll_key(&self) -> String {
        match &self.batch {
            Some(b) => request_key("GET", &format!("/servers/{}", b.server), self.identity.as_deref()),
            None => self.request.identity_key(self.identity.as_deref()),
        }
    }

    /// The server a poll saw: `server` of a show, the one server kept in a batch poll's list.
    pub fn polled_server(&self) -> Option<&Value> {
        match &self.batch {
            Some(b) => self.listed_server(&b.server),
            None => self.response.body.as_ref()?.get("server"),
        }
    }

    /// Server `id` in this answer's `servers` list.
    pub fn listed_server(&self, id: &str) -> Option<&Value> {
        let list = self.response.body.as_ref()?.get("servers")?.as_array()?;
        list.iter().find(|s| s.get("id").and_then(Value::as_str) == Some(id))
    }

    /// The exchange as the poll it stands for (`GET /servers/{id}` answered `{"server": …}`),
    /// for readers that compare waits across recordings; other exchanges unchanged.
    pub fn as_single_poll(&self) -> std::borrow::Cow<'_, Exchange> {
        let Some(b) = &self.batch else { return std::borrow::Cow::Borrowed(self) };
        let mut e = self.clone();
        Arc::make_mut(&mut e.request).path = format!("/servers/{}", b.server).into();
        e.response.body = self.polled_server().map(|s| Arc::new(serde_json::json!({ "server": s })));
        e.batch = None;
        std::borrow::Cow::Owned(e)
    }

    /// This list answer as the batch poll of one of its servers (`None` when it is not in it).
    pub fn batch_poll_of(&self, server: &str, waits: usize) -> Option<Exchange> {
        let found = self.listed_server(server)?.clone();
        // The list's other keys (`servers_links`) kept, without copying the other servers.
        let list = self.response.body.as_ref()?.as_object()?;
        let mut body: serde_json::Map<String, Value> =
            list.iter().filter(|(k, _)| *k != "servers").map(|(k, v)| (k.clone(), v.clone())).collect();
        body.insert("servers".into(), Value::Array(vec![found]));
        let mut e = self.clone();
        e.response.body = Some(Arc::new(Value::Object(body)));
        e.batch = Some(Box::new(BatchPoll { server: server.to_string(), waits }));
        Some(e)
    }
}

/// The identity of a request to `path` (query in any order) by `identity` (the user when none).
pub fn request_key(method: &str, path: &str, identity: Option<&str>) -> String {
    format!("{method} {} as {}", normalize_query(path), identity.unwrap_or("user"))
}

/// `/servers?b=2&a=1` → `/servers?a=1&b=2`: query order does not change what is asked.
pub fn normalize_query(path: &str) -> String {
    match path.split_once('?') {
        None => path.to_string(),
        Some((p, q)) => {
            let mut pairs: Vec<&str> = q.split('&').filter(|s| !s.is_empty()).collect();
            pairs.sort();
            if pairs.is_empty() { p.to_string() } else { format!("{p}?{}", pairs.join("&")) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_ignores_query_order() {
        let r = |p: &str| Request { method: "GET".into(), path: p.into(), headers: Headers::default(), body: None };
        assert_eq!(r("/s?b=2&a=1").identity_key(None), r("/s?a=1&b=2").identity_key(Some("user")));
        assert_ne!(r("/s").identity_key(None), r("/s").identity_key(Some("admin")));
    }
}
