//! Keystone v3: password, application-credential and token authentication, the token from
//! `X-Subject-Token`, the compute endpoint from the service catalog by interface and region,
//! and re-authentication when a token expires or is refused.

use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::Mutex;

use super::clouds::{Cloud, Method};
use crate::exchange::redact::Redactor;

/// Renew a token this long before Keystone says it expires.
const EXPIRY_MARGIN: Duration = Duration::from_secs(60);

#[derive(Debug, Clone)]
pub struct Token {
    pub id: String,
    pub expires_at: Option<jiff::Timestamp>,
    pub catalog: Value,
}

impl Token {
    fn fresh(&self) -> bool {
        match self.expires_at {
            Some(at) => jiff::Timestamp::now() + EXPIRY_MARGIN < at,
            None => true,
        }
    }
}

/// An authenticated identity: keeps its current token, renews it when needed.
#[derive(Debug)]
pub struct Keystone {
    client: reqwest::Client,
    cloud: Cloud,
    token_url: String,
    current: Mutex<Option<Token>>,
    /// Tokens are secrets: each new one is added here so nothing tapedeck writes shows it.
    redactor: Redactor,
}

/// Why a cloud's tokens or its compute endpoint could not be had. The message names the cloud
/// and, where it helps, what to change.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AuthError {
    /// The cloud's configuration cannot work (a field missing, an unreadable CA file, v2.0).
    #[error("{0}")]
    Config(String),
    /// Keystone could not be reached.
    #[error("{0}")]
    Unreachable(String),
    /// Keystone answered, but issued no token.
    #[error("{0}")]
    Refused(String),
    /// The token's service catalog has no compute endpoint to use.
    #[error("{0}")]
    Catalog(String),
}

/// `https://keystone/` or `https://keystone/v3` → `https://keystone/v3/auth/tokens`.
pub fn token_url(auth_url: &str) -> Result<String, AuthError> {
    let base = auth_url.trim_end_matches('/');
    if base.ends_with("/v2.0") {
        return Err(AuthError::Config(format!("`{auth_url}` is Keystone's v2.0 API; tapedeck speaks Identity v3")));
    }
    let v3 = if base.ends_with("/v3") { base.to_string() } else { format!("{base}/v3") };
    Ok(format!("{v3}/auth/tokens"))
}

/// The HTTP client for a cloud: TLS verification on unless the cloud (or `--insecure`) says
/// otherwise, the cloud's CA certificate trusted when it names one.
pub fn client_for(cloud: &Cloud, timeout: Duration) -> Result<reqwest::Client, AuthError> {
    let mut builder = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10).min(timeout))
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("tapedeck/", env!("CARGO_PKG_VERSION")));
    if let Some(path) = &cloud.cacert {
        let cacert = |e: &dyn std::fmt::Display| AuthError::Config(format!("cacert {}: {e}", path.display()));
        // A regular file of bounded size: a FIFO or a device here would hang or never end.
        let pem = crate::input::file::read_bytes(path, crate::input::limits::MAX_INPUT_BYTES)
            .map_err(|e| cacert(&e.message))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| cacert(&e))?;
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }
    builder
        .tls_danger_accept_invalid_certs(cloud.insecure)
        .build()
        .map_err(|e| AuthError::Config(format!("cannot build the HTTP client: {e}")))
}

impl Keystone {
    pub fn new(cloud: Cloud, client: reqwest::Client, redactor: Redactor) -> Result<Keystone, AuthError> {
        let auth_url = cloud
            .auth_url
            .clone()
            .ok_or_else(|| AuthError::Config(format!("cloud `{}` ({}) has no auth_url", cloud.name, cloud.source)))?;
        for secret in cloud.secrets() {
            redactor.add_secret(secret);
        }
        Ok(Keystone { client, token_url: token_url(&auth_url)?, cloud, current: Mutex::new(None), redactor })
    }

    pub fn cloud(&self) -> &Cloud {
        &self.cloud
    }

    /// The current token, authenticating first if there is none or it is about to expire.
    pub async fn token(&self) -> Result<Token, AuthError> {
        let mut current = self.current.lock().await;
        if let Some(t) = current.as_ref().filter(|t| t.fresh()) {
            return Ok(t.clone());
        }
        let t = self.authenticate().await?;
        *current = Some(t.clone());
        Ok(t)
    }

    /// After a 401: a new token, unless another request already replaced the refused one.
    pub async fn renew(&self, refused: &str) -> Result<Token, AuthError> {
        let mut current = self.current.lock().await;
        if let Some(t) = current.as_ref().filter(|t| t.id != refused && t.fresh()) {
            return Ok(t.clone());
        }
        let t = self.authenticate().await?;
        *current = Some(t.clone());
        Ok(t)
    }

    fn body(&self) -> Result<Value, AuthError> {
        let c = &self.cloud;
        let missing = |what: &str| AuthError::Config(format!("cloud `{}` ({}): {what} is missing", c.name, c.source));
        let domain = |name: &Option<String>, id: &Option<String>| match (id, name) {
            (Some(id), _) => Some(json!({"id": id})),
            (None, Some(name)) => Some(json!({"name": name})),
            (None, None) => None,
        };
        let identity = match c.method.clone().unwrap_or(Method::Password) {
            Method::Password => {
                let password = c.password.clone().ok_or_else(|| missing("password"))?;
                let user = match (&c.user_id, &c.username) {
                    (Some(id), _) => json!({"id": id, "password": password}),
                    (None, Some(name)) => {
                        let mut u = json!({"name": name, "password": password});
                        u["domain"] =
                            domain(&c.user_domain_name, &c.user_domain_id).unwrap_or(json!({"id": "default"}));
                        u
                    }
                    (None, None) => return Err(missing("username or user_id")),
                };
                json!({"methods": ["password"], "password": {"user": user}})
            }
            Method::ApplicationCredential => {
                let secret =
                    c.application_credential_secret.clone().ok_or_else(|| missing("application_credential_secret"))?;
                let credential = match (
                    &c.application_credential_id,
                    &c.application_credential_name,
                    &c.username,
                    &c.user_id,
                ) {
                    (Some(id), _, _, _) => json!({"id": id, "secret": secret}),
                    (None, Some(name), Some(user), _) => {
                        json!({"name": name, "secret": secret, "user": {"name": user, "domain": domain(&c.user_domain_name, &c.user_domain_id).unwrap_or(json!({"id": "default"}))}})
                    }
                    (None, Some(name), None, Some(uid)) => json!({"name": name, "secret": secret, "user": {"id": uid}}),
                    _ => return Err(missing("application_credential_id (or its name and user)")),
                };
                // An application credential carries its own scope.
                return Ok(
                    json!({"auth": {"identity": {"methods": ["application_credential"], "application_credential": credential}}}),
                );
            }
            Method::Token => {
                let token = c.token.clone().ok_or_else(|| missing("token"))?;
                json!({"methods": ["token"], "token": {"id": token}})
            }
        };
        let scope = match (&c.project_id, &c.project_name) {
            (Some(id), _) => Some(json!({"project": {"id": id}})),
            (None, Some(name)) => Some(
                json!({"project": {"name": name, "domain": domain(&c.project_domain_name, &c.project_domain_id).unwrap_or(json!({"id": "default"}))}}),
            ),
            (None, None) => None,
        };
        let mut auth = json!({"identity": identity});
        if let Some(scope) = scope {
            auth["scope"] = scope;
        }
        Ok(json!({"auth": auth}))
    }

    async fn authenticate(&self) -> Result<Token, AuthError> {
        let c = &self.cloud;
        let body = self.body()?;
        let response = self.client.post(&self.token_url).json(&body).send().await.map_err(|e| {
            let why = if e.is_connect() {
                "could not connect"
            } else if e.is_timeout() {
                "timed out"
            } else {
                "failed"
            };
            AuthError::Unreachable(format!(
                "cannot reach Keystone at {} for cloud `{}` ({}): {why}",
                self.token_url, c.name, c.source
            ))
        })?;
        let status = response.status().as_u16();
        let subject = response.headers().get("x-subject-token").and_then(|v| v.to_str().ok()).map(str::to_string);
        let text = response.text().await.unwrap_or_default();
        let doc: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if status != 201 {
            let message = doc
                .pointer("/error/message")
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| crate::util::json::truncate(&text, 200));
            let hint = if status == 401 { ": check the credentials of this cloud" } else { "" };
            return Err(AuthError::Refused(
                self.redactor
                    .text(&format!("Keystone refused cloud `{}` ({}): {status} {message}{hint}", c.name, c.source)),
            ));
        }
        let id = subject.ok_or_else(|| {
            AuthError::Refused(format!(
                "Keystone answered 201 for cloud `{}` without an X-Subject-Token header",
                c.name
            ))
        })?;
        self.redactor.add_secret(id.clone());
        let token = doc.get("token").cloned().unwrap_or(Value::Null);
        let expires_at =
            token.get("expires_at").and_then(Value::as_str).and_then(|s| s.parse::<jiff::Timestamp>().ok());
        Ok(Token { id, expires_at, catalog: token.get("catalog").cloned().unwrap_or(Value::Null) })
    }
}

/// The compute endpoint in a catalog, for the cloud's interface and region.
pub fn compute_endpoint(catalog: &Value, interface: &str, region: Option<&str>) -> Result<String, AuthError> {
    let services = catalog.as_array().ok_or_else(|| AuthError::Catalog("the token has no service catalog".into()))?;
    let types: Vec<&str> = services.iter().filter_map(|s| s.get("type").and_then(Value::as_str)).collect();
    let compute =
        services.iter().find(|s| s.get("type").and_then(Value::as_str) == Some("compute")).ok_or_else(|| {
            AuthError::Catalog(format!(
                "the service catalog has no compute service (it has: {})",
                if types.is_empty() { "nothing".to_string() } else { types.join(", ") }
            ))
        })?;
    let endpoints = compute.get("endpoints").and_then(Value::as_array).cloned().unwrap_or_default();
    let matches = |e: &&Value| {
        e.get("interface").and_then(Value::as_str) == Some(interface)
            && region.is_none_or(|r| e.get("region_id").or_else(|| e.get("region")).and_then(Value::as_str) == Some(r))
    };
    endpoints
        .iter()
        .find(matches)
        .and_then(|e| e.get("url").and_then(Value::as_str))
        .map(|u| u.trim_end_matches('/').to_string())
        .ok_or_else(|| {
            let offered: Vec<String> = endpoints
                .iter()
                .map(|e| {
                    format!(
                        "{} in {}",
                        e.get("interface").and_then(Value::as_str).unwrap_or("?"),
                        e.get("region_id").and_then(Value::as_str).unwrap_or("?")
                    )
                })
                .collect();
            AuthError::Catalog(format!(
                "the compute service has no {interface} endpoint{} (it has: {})",
                region.map(|r| format!(" in region {r}")).unwrap_or_default(),
                offered.join(", ")
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_url_forms() {
        assert_eq!(token_url("http://k:5000").unwrap(), "http://k:5000/v3/auth/tokens");
        assert_eq!(token_url("http://k:5000/v3/").unwrap(), "http://k:5000/v3/auth/tokens");
        assert!(token_url("http://k:5000/v2.0").is_err());
    }

    #[test]
    fn catalog_lookup_by_interface_and_region() {
        let catalog = json!([
            {"type": "identity", "endpoints": []},
            {"type": "compute", "endpoints": [
                {"interface": "public", "region_id": "R1", "url": "http://n1/v2.1/"},
                {"interface": "internal", "region_id": "R1", "url": "http://n1-int/v2.1"},
                {"interface": "public", "region_id": "R2", "url": "http://n2/v2.1"}
            ]}
        ]);
        assert_eq!(compute_endpoint(&catalog, "public", Some("R2")).unwrap(), "http://n2/v2.1");
        assert_eq!(compute_endpoint(&catalog, "internal", None).unwrap(), "http://n1-int/v2.1");
        assert!(compute_endpoint(&catalog, "admin", None).unwrap_err().to_string().contains("no admin endpoint"));
        let e = compute_endpoint(&json!([{"type": "identity"}]), "public", None).unwrap_err().to_string();
        assert!(e.contains("no compute service") && e.contains("identity"), "{e}");
    }

    #[test]
    fn request_bodies_per_method() {
        let mut c = Cloud {
            name: "c".into(),
            auth_url: Some("http://k/v3".into()),
            username: Some("demo".into()),
            password: Some("pw".into()),
            project_name: Some("demo".into()),
            user_domain_name: Some("Default".into()),
            method: Some(Method::Password),
            ..Cloud::default()
        };
        let k = Keystone::new(c.clone(), reqwest::Client::new(), Redactor::default()).unwrap();
        let b = k.body().unwrap();
        assert_eq!(b["auth"]["identity"]["password"]["user"]["domain"]["name"], "Default");
        assert_eq!(b["auth"]["scope"]["project"]["domain"]["id"], "default");
        c.method = Some(Method::ApplicationCredential);
        c.application_credential_id = Some("ac".into());
        c.application_credential_secret = Some("sec".into());
        let k = Keystone::new(c, reqwest::Client::new(), Redactor::default()).unwrap();
        let b = k.body().unwrap();
        assert_eq!(b["auth"]["identity"]["application_credential"], json!({"id": "ac", "secret": "sec"}));
        assert!(b["auth"].get("scope").is_none());
    }
}
