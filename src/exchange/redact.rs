//! Secrets never leave the transport: tokens, passwords, `adminPass` and every `--secret`
//! value are replaced by a marker, and the endpoint's scheme/host/port by a placeholder, before
//! an exchange reaches the runner, a report or a cassette. One registry per process: every
//! value sent under a secret key (by a suite, a provider file, flags, auth) is registered
//! before it is sent, so wherever it comes back — an error message quoting it, a path, a
//! header — it is replaced too; messages and reports pass through the same registry.

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

/// Shorter values cannot be replaced safely (they occur by chance in ids and words): a secret
/// this short is refused, never silently kept in the clear.
pub const MIN_SECRET_CHARS: usize = 3;

/// A secret too short to redact safely; `what` says where it came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{what} is {len} character(s): too short to redact safely (a secret needs at least {MIN_SECRET_CHARS}); refused"
)]
pub struct SecretError {
    pub what: String,
    pub len: usize,
}

/// Whether `key` names a credential (a body key or a query parameter).
pub fn is_secret_key(key: &str) -> bool {
    SECRET_KEYS.contains(&key.to_ascii_lowercase().as_str())
}

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

    /// Registers a value the user gave as a secret (`what` names it in the refusal).
    pub fn secret(&self, what: &str, secret: &str) -> Result<(), SecretError> {
        let len = secret.chars().count();
        if len < MIN_SECRET_CHARS {
            return Err(SecretError { what: what.to_string(), len });
        }
        self.add_secret(secret.to_string());
        Ok(())
    }

    /// Registers every value a request sends under a secret key — body fields at any depth
    /// (`adminPass`, `password`…) and query parameters — before it is sent, so that an answer
    /// quoting one is redacted too.
    pub fn register_sent(&self, path: &str, body: Option<&Value>) -> Result<(), SecretError> {
        if let Some((_, query)) = path.split_once('?') {
            for (k, v) in query.split('&').filter_map(|pair| pair.split_once('=')) {
                if is_secret_key(k) && !v.is_empty() {
                    self.secret(&format!("the query parameter `{k}`"), v)?;
                }
            }
        }
        fn walk(r: &Redactor, v: &Value) -> Result<(), SecretError> {
            match v {
                Value::Object(map) => {
                    for (k, v) in map {
                        match v {
                            Value::String(s) if is_secret_key(k) && s != SECRET_MARKER => {
                                r.secret(&format!("the value sent as `{k}`"), s)?
                            }
                            other => walk(r, other)?,
                        }
                    }
                    Ok(())
                }
                Value::Array(items) => items.iter().try_for_each(|i| walk(r, i)),
                _ => Ok(()),
            }
        }
        body.map_or(Ok(()), |b| walk(self, b))
    }

    /// For tokens and secrets that come from elsewhere (Keystone's tokens, a cloud's
    /// credentials): too short a value cannot be one, and is not kept.
    pub fn add_secret(&self, secret: String) {
        if secret.chars().count() < MIN_SECRET_CHARS {
            return;
        }
        let mut secrets = self.secrets.write().unwrap_or_else(|e| e.into_inner());
        // In a query it travels percent-encoded.
        let encoded = crate::util::percent::encode(&secret);
        for s in [secret, encoded] {
            if !secrets.contains(&s) {
                secrets.push(s);
            }
        }
        // Longest first, so a secret that contains another is replaced whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
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

    /// The values of a cassette header's or a report's variables, redacted.
    pub fn vars(&self, vars: &std::collections::BTreeMap<String, Value>) -> std::collections::BTreeMap<String, Value> {
        vars.iter()
            .map(|(k, v)| {
                let secret = is_secret_key(k) && v.is_string();
                (k.clone(), if secret { Value::String(SECRET_MARKER.into()) } else { self.json(v) })
            })
            .collect()
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
    fn values_sent_under_secret_keys_are_registered_and_short_ones_refused() {
        let r = Redactor::default();
        let body = json!({"server": {"adminPass": "CANARY-pass-1", "name": "x"}});
        r.register_sent("/servers?password=CANARY-q-22&limit=1", Some(&body)).unwrap();
        assert_eq!(
            r.text("Invalid input: Value: CANARY-pass-1; CANARY-q-22"),
            "Invalid input: Value: <redacted>; <redacted>"
        );
        let short = r.register_sent("/servers", Some(&json!({"changePassword": {"adminPass": "ab"}}))).unwrap_err();
        assert_eq!(
            short.to_string(),
            "the value sent as `adminPass` is 2 character(s): too short to redact safely (a secret needs at least 3); refused"
        );
        assert!(r.secret("--secret", "Zq").is_err());
    }

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
