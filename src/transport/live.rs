//! The live transport: HTTP to the provider with reqwest (rustls). Identity headers and tokens
//! are added here and redacted here; what it returns is already safe to store.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::target::relative_target;
use super::{BoxFuture, Outgoing, Transport, TransportError, TransportErrorKind};
use crate::auth::keystone::Keystone;
use crate::exchange::redact::Redactor;
use crate::exchange::{Exchange, Request, Response, SharedStr};
use crate::util::clock::millis;

/// Largest response body read; beyond it the step fails instead of the process swelling.
pub const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

/// The identity with no credentials (`as: anonymous` in a suite).
pub const ANONYMOUS: &str = "anonymous";

/// Credentials of one identity: headers to add (noauth-style sandboxes), a static token, or a
/// Keystone session that issues and renews tokens.
#[derive(Debug, Clone, Default)]
pub struct Identity {
    pub headers: Vec<(String, String)>,
    pub token: Option<String>,
    pub keystone: Option<Arc<Keystone>>,
}

/// What every run against one provider shares: the client, the endpoint, the identities.
#[derive(Debug)]
pub struct Endpoint {
    pub client: reqwest::Client,
    /// The compute endpoint, e.g. `http://127.0.0.1:8774/v2.1` (no trailing slash).
    pub url: String,
    /// scheme://host:port of `url`.
    pub origin: String,
    /// The path of `url` (`/v2.1`).
    pub base_path: String,
    pub identities: BTreeMap<String, Identity>,
    pub redactor: Redactor,
    /// `--max-in-flight`: at most this many requests at once, from every run and from the
    /// questions before them.
    in_flight: Option<Arc<tokio::sync::Semaphore>>,
}

impl Endpoint {
    /// `redactor` already holds the secrets; the endpoint adds its origin (replaced by the
    /// placeholder everywhere).
    pub fn new(
        url: &str,
        identities: BTreeMap<String, Identity>,
        client: reqwest::Client,
        redactor: Redactor,
    ) -> Result<Endpoint, String> {
        let parsed = reqwest::Url::parse(url).map_err(|e| format!("`{url}` is not a URL: {e}"))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(format!("`{url}` is not an http(s) URL"));
        }
        let origin = parsed.origin().ascii_serialization();
        let base_path = parsed.path().trim_end_matches('/').to_string();
        for token in identities.values().filter_map(|i| i.token.clone()) {
            redactor.add_secret(token);
        }
        let redactor = redactor.with_origin(origin.clone());
        Ok(Endpoint {
            client,
            url: format!("{origin}{base_path}"),
            origin,
            base_path,
            identities,
            redactor,
            in_flight: None,
        })
    }

    /// The same endpoint sending at most `max` requests at once (none when `None`).
    pub fn limited(self, max: Option<usize>) -> Endpoint {
        let in_flight = max.map(|n| Arc::new(tokio::sync::Semaphore::new(n.max(1))));
        Endpoint { in_flight, ..self }
    }

    /// An endpoint with a default client (TLS verified) and these secrets.
    pub fn plain(
        url: &str,
        identities: BTreeMap<String, Identity>,
        secrets: Vec<String>,
        timeout: Duration,
    ) -> Result<Endpoint, String> {
        Endpoint::new(url, identities, default_client(timeout, false)?, Redactor::new(None, secrets))
    }

    /// One request, returned as a redacted exchange. `started` is the run's clock origin.
    pub async fn exchange(&self, req: &Outgoing, started: Instant) -> Result<Exchange, TransportError> {
        let invalid = |message: String| TransportError { kind: TransportErrorKind::Invalid, message };
        let path = relative_target(&req.target, &[&self.origin], &self.base_path).map_err(invalid)?;
        // Before anything is sent: what goes out under a secret key is a secret from now on.
        self.redactor
            .register_sent(&path, req.body.as_ref())
            .map_err(|e| invalid(format!("step `{}`: {e}", req.step)))?;
        let url = format!("{}{}", self.url, if path == "/" { "" } else { &path });
        let method = reqwest::Method::from_bytes(req.method.as_bytes()).map_err(|e| invalid(e.to_string()))?;
        let identity_name = req.identity.as_deref().unwrap_or("user");
        let identity = match self.identities.get(identity_name) {
            Some(i) => i.clone(),
            // No credentials at all: for suites that check the provider's own auth (401).
            None if req.identity.is_none() || identity_name == ANONYMOUS => Identity::default(),
            None => {
                let known: Vec<&str> = self.identities.keys().map(|s| s.as_str()).collect();
                return Err(invalid(format!(
                    "the provider has no identity `{identity_name}` (it has: {})",
                    known.join(", ")
                )));
            }
        };
        // Waiting for a slot is not part of the request: its offset starts once it has one.
        let _permit = match &self.in_flight {
            Some(s) => s.acquire().await.ok(),
            None => None,
        };
        let offset = started.elapsed();
        let sent = Instant::now();
        // Messages are written (reports, logs) like exchanges: the endpoint stays private.
        let describe = || self.redactor.text(&format!("{} {}", req.method, url));
        let auth_error = |e: crate::auth::keystone::AuthError| TransportError {
            kind: TransportErrorKind::Auth,
            message: format!("{}: {e}", describe()),
        };
        let mut token = match &identity.keystone {
            Some(k) => Some(k.token().await.map_err(auth_error)?.id),
            None => identity.token.clone(),
        };
        let mut response = self
            .send_once(&method, &url, req, &identity, token.as_deref())
            .await
            .map_err(|e| classify(&e, &describe()))?;
        // A refused token (expired, revoked): authenticate again, once, and repeat the request.
        if response.status().as_u16() == 401
            && let (Some(k), Some(refused)) = (&identity.keystone, &token)
        {
            token = Some(k.renew(refused).await.map_err(auth_error)?.id);
            response = self
                .send_once(&method, &url, req, &identity, token.as_deref())
                .await
                .map_err(|e| classify(&e, &describe()))?;
        }
        let status = response.status().as_u16();
        let headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        let bytes = read_body(response)
            .await
            .map_err(|e| TransportError { kind: e.0, message: format!("{}: {}", describe(), e.1) })?;
        let duration = sent.elapsed();
        let (body, text) = decode_body(&bytes);
        let mut request_headers: Vec<(String, String)> = req.headers.clone();
        if req.body.is_some() {
            request_headers.push(("content-type".into(), "application/json".into()));
        }
        let r = &self.redactor;
        Ok(Exchange {
            step: req.step.as_str().into(),
            identity: req.identity.as_deref().map(SharedStr::from),
            batch: None,
            offset_ms: millis(offset),
            duration_ms: millis(duration),
            request: Arc::new(Request {
                method: req.method.as_str().into(),
                path: r.text(&path).into(),
                headers: r.request_headers(&request_headers),
                body: req.body.as_ref().map(|b| r.json(b)),
            }),
            response: Response {
                status,
                headers: r.response_headers(headers.iter().map(|(k, v)| (k.as_str(), v.clone()))),
                body: body.map(|b| Arc::new(r.json(&b))),
                text: text.map(|t| r.text(&t).into()),
            },
        })
    }
}

impl Endpoint {
    async fn send_once(
        &self,
        method: &reqwest::Method,
        url: &str,
        req: &Outgoing,
        identity: &Identity,
        token: Option<&str>,
    ) -> Result<reqwest::Response, reqwest::Error> {
        let mut builder = self.client.request(method.clone(), url).header("Accept", "application/json");
        for (k, v) in identity.headers.iter().chain(req.headers.iter()) {
            builder = builder.header(k, v);
        }
        if let Some(token) = token {
            builder = builder.header("X-Auth-Token", token);
        }
        if let Some(body) = &req.body {
            builder = builder.json(body);
        }
        builder.send().await
    }
}

pub fn default_client(timeout: Duration, insecure: bool) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10).min(timeout))
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("tapedeck/", env!("CARGO_PKG_VERSION")))
        .tls_danger_accept_invalid_certs(insecure)
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))
}

async fn read_body(mut response: reqwest::Response) -> Result<Vec<u8>, (TransportErrorKind, String)> {
    let mut bytes = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if bytes.len() + chunk.len() > MAX_BODY_BYTES {
                    return Err((TransportErrorKind::Io, format!("response body larger than {MAX_BODY_BYTES} bytes")));
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(bytes),
            Err(e) if e.is_timeout() => {
                return Err((TransportErrorKind::Timeout, format!("timed out reading the response body: {e}")));
            }
            Err(e) => {
                return Err((
                    TransportErrorKind::Io,
                    format!("reading the response body failed (truncated?): {}", error_chain(&e)),
                ));
            }
        }
    }
}

/// JSON when the body parses as JSON, text otherwise; an empty body is neither.
pub fn decode_body(bytes: &[u8]) -> (Option<Value>, Option<String>) {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return (None, None);
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(v) => (Some(v), None),
        Err(_) => (None, Some(String::from_utf8_lossy(bytes).into_owned())),
    }
}

fn classify(e: &reqwest::Error, what: &str) -> TransportError {
    let kind = if e.is_timeout() {
        TransportErrorKind::Timeout
    } else if e.is_connect() {
        TransportErrorKind::Connect
    } else {
        TransportErrorKind::Io
    };
    let label = match kind {
        TransportErrorKind::Timeout => "timed out",
        TransportErrorKind::Connect => "could not connect",
        _ => "failed",
    };
    TransportError { kind, message: format!("{what}: {label}: {}", error_chain(e)) }
}

/// The causes of a reqwest error ("connection refused" is in a cause). reqwest's own top
/// message repeats the URL, which our messages already name, so it is left out when there
/// is a cause to show instead.
fn error_chain(e: &dyn std::error::Error) -> String {
    let top = e.to_string();
    let mut text = if top.contains("for url (") && e.source().is_some() { String::new() } else { top };
    let mut source = e.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

/// The live transport of one run.
pub struct LiveTransport {
    endpoint: Arc<Endpoint>,
    started: Instant,
}

impl LiveTransport {
    pub fn new(endpoint: Arc<Endpoint>) -> Self {
        LiveTransport { endpoint, started: Instant::now() }
    }
}

impl Transport for LiveTransport {
    fn send(&mut self, request: Outgoing) -> BoxFuture<'_, Result<Exchange, TransportError>> {
        Box::pin(async move { self.endpoint.exchange(&request, self.started).await })
    }

    fn pause(&mut self, duration: Duration) -> BoxFuture<'_, ()> {
        Box::pin(tokio::time::sleep(duration))
    }

    fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }
}
