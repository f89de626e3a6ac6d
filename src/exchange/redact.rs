//! Secrets never leave the transport: tokens, passwords, `adminPass` and every `--secret`
//! value are replaced by a marker, and the endpoint's scheme/host/port by a placeholder, before
//! an exchange reaches the runner, a report or a cassette.

use std::sync::{Arc, RwLock};

use serde_json::Value;

use super::headers::Headers;

/// Stands for the provider's scheme://host:port in every stored exchange. `.invalid` is a
/// reserved TLD, so the URL can never reach a real host, and it still parses as a URI.
pub const ENDPOINT_PLACEHOLDER: &str = "http://endpoint.invalid";
pub const SECRET_MARKER: &str = "<redacted>";

/// Header names whose values are credentials.
const SECRET_HEADERS: &[&str] = &["x-auth-token", "x-subject-token", "x-service-token", "authorization", "x-auth-key"];
/// Body keys whose values are credentials (compared case-insensitively).
const SECRET_KEYS: &[&str] = &["adminpass", "password", "secret", "new_password", "original_password"];
/// Response headers that only describe the connection; they would make every cassette differ.
const DROPPED_RESPONSE_HEADERS: &[&str] =
    &["date", "content-length", "connection", "keep-alive", "transfer-encoding", "server", "set-cookie"];

/// Clones share their secrets: a token obtained later (Keystone) is added once, for all.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    origin: Option<String>,
    secrets: Arc<RwLock<Vec<String>>>,
}

impl Redactor {
    pub fn new(origin: Option<String>, secrets: Vec<String>) -> Self {
        let r = Redactor { origin, secrets: Arc::default() };
        for s in secrets {
            r.add_secret(s);
        }
        r
    }

    /// The same secrets (shared), with this origin replaced by the placeholder.
    pub fn with_origin(&self, origin: String) -> Redactor {
        Redactor { origin: Some(origin), secrets: self.secrets.clone() }
    }

    pub fn add_secret(&self, secret: String) {
        if secret.len() < 3 {
            return;
        }
        let mut secrets = self.secrets.write().unwrap_or_else(|e| e.into_inner());
        if !secrets.contains(&secret) {
            secrets.push(secret);
            // Longest first, so a secret that contains another is replaced whole.
            secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }

    pub fn text(&self, text: &str) -> String {
        let mut out = text.to_string();
        let secrets = self.secrets.read().unwrap_or_else(|e| e.into_inner());
        for s in secrets.iter() {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), SECRET_MARKER);
            }
        }
        if let Some(origin) = &self.origin
            && out.contains(origin.as_str())
        {
            out = out.replace(origin.as_str(), ENDPOINT_PLACEHOLDER);
        }
        out
    }

    pub fn json(&self, value: &Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.text(s)),
            Value::Array(items) => Value::Array(items.iter().map(|v| self.json(v)).collect()),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| {
                        let secret = SECRET_KEYS.contains(&k.to_ascii_lowercase().as_str()) && !v.is_null();
                        (self.text(k), if secret { Value::String(SECRET_MARKER.into()) } else { self.json(v) })
                    })
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    pub fn request_headers(&self, headers: &[(String, String)]) -> Headers {
        headers.iter().map(|(k, v)| self.header(k, v)).collect()
    }

    pub fn response_headers<'a>(&self, headers: impl Iterator<Item = (&'a str, String)>) -> Headers {
        headers
            .filter(|(k, _)| !DROPPED_RESPONSE_HEADERS.contains(&k.to_ascii_lowercase().as_str()))
            .map(|(k, v)| self.header(k, &v))
            .collect()
    }

    fn header(&self, name: &str, value: &str) -> (String, String) {
        let lower = name.to_ascii_lowercase();
        let value = if SECRET_HEADERS.contains(&lower.as_str()) { SECRET_MARKER.to_string() } else { self.text(value) };
        (lower, value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn replaces_secrets_keys_and_origin() {
        let r = Redactor::new(Some("http://127.0.0.1:9".into()), vec!["canary-token-123".into()]);
        let body = json!({"server": {"adminPass": "hunter2", "links": [{"href": "http://127.0.0.1:9/v2.1/servers/1"}], "note": "x canary-token-123 y"}});
        let out = r.json(&body);
        assert_eq!(
            out,
            json!({"server": {"adminPass": "<redacted>", "links": [{"href": "http://endpoint.invalid/v2.1/servers/1"}], "note": "x <redacted> y"}})
        );
        let h = r.request_headers(&[
            ("X-Auth-Token".into(), "abc".into()),
            ("OpenStack-API-Version".into(), "compute 2.1".into()),
        ]);
        assert_eq!(h.get("x-auth-token"), Some("<redacted>"));
        assert_eq!(h.get("openstack-api-version"), Some("compute 2.1"));
    }
}
