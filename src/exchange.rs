//! One HTTP request and its response, as every stage after the transport sees it:
//! already redacted and endpoint-neutral (see `transport::redact`). Cassettes store these,
//! outcomes reference them, checks read them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exchange {
    /// The suite step that sent it.
    pub step: String,
    /// The provider identity used, when not the default one.
    #[serde(rename = "as", default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// Milliseconds from the run's start to the moment the request was sent.
    pub offset_ms: u64,
    pub duration_ms: u64,
    pub request: Request,
    pub response: Response,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    pub method: String,
    /// Relative to the compute endpoint, query string included (`/servers?limit=1`).
    pub path: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Response {
    pub status: u16,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// A JSON body, stored as structured data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// A body that is not JSON (or not valid JSON), as text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl Response {
    /// Header lookup by case-insensitive name (stored names are lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        let lower = name.to_ascii_lowercase();
        self.headers.get(&lower).map(|s| s.as_str())
    }
}

impl Request {
    /// The request identity replay matches on: method, path with the query sorted.
    pub fn identity_key(&self, identity: Option<&str>) -> String {
        format!("{} {} as {}", self.method, normalize_query(&self.path), identity.unwrap_or("user"))
    }
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
        let r = |p: &str| Request { method: "GET".into(), path: p.into(), headers: BTreeMap::new(), body: None };
        assert_eq!(r("/s?b=2&a=1").identity_key(None), r("/s?a=1&b=2").identity_key(Some("user")));
        assert_ne!(r("/s").identity_key(None), r("/s").identity_key(Some("admin")));
    }
}
