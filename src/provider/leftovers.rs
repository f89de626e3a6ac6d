//! The servers tapedeck runs left on a provider (named `td-…`, as every shipped suite names
//! what it creates): found as the admin across projects when the provider has an admin
//! identity, else as the user; deleted by `tapedeck cleanup`; counted when a live run starts.

use std::time::Instant;

use serde_json::Value;

use super::probe::PROBE_MICROVERSION;
use crate::transport::live::Endpoint;
use crate::transport::{Outgoing, TransportError};

/// The name prefix of everything tapedeck's suites create.
pub const PREFIX: &str = "td-";

#[derive(Debug, Clone)]
pub struct Leftover {
    pub id: String,
    pub name: String,
    pub created: Option<jiff::Timestamp>,
    /// Being deleted already (`task_state: deleting`, as the admin sees it): on its way out.
    pub deleting: bool,
}

/// Why the leftovers could not be listed.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    #[error("{0}")]
    Transport(TransportError),
    #[error("listing servers answered {0}")]
    Status(u16),
}

fn request(method: &str, target: String, admin: bool) -> Outgoing {
    Outgoing::new("cleanup", method, target, Some(PROBE_MICROVERSION)).as_identity(admin.then(|| "admin".to_string()))
}

/// `td-` servers visible to the provider's admin (every project) or else to the user.
pub async fn find(endpoint: &Endpoint) -> Result<Vec<Leftover>, ListError> {
    let admin = endpoint.identities.contains_key("admin");
    // The provider filters by name (a regex in nova), so a large cloud does not send every
    // server; the prefix is checked again here. The details say which are on their way out.
    let projects = if admin { "all_tenants=1&" } else { "" };
    let target = format!("/servers/detail?{projects}name=%5E{PREFIX}");

    let e = endpoint.exchange(&request("GET", target, admin), Instant::now()).await.map_err(ListError::Transport)?;
    if e.response.status != 200 {
        return Err(ListError::Status(e.response.status));
    }
    let servers =
        e.response.body.as_ref().and_then(|b| b.get("servers")).and_then(Value::as_array).cloned().unwrap_or_default();
    Ok(servers
        .iter()
        .filter_map(|s| {
            let name = s.get("name")?.as_str()?;
            name.starts_with(PREFIX).then(|| Leftover {
                id: s.get("id").and_then(Value::as_str).unwrap_or_default().to_string(),
                name: name.to_string(),
                created: s.get("created").and_then(Value::as_str).and_then(|c| c.parse().ok()),
                deleting: s.get("OS-EXT-STS:task_state").and_then(Value::as_str) == Some("deleting")
                    || s.get("status").and_then(Value::as_str) == Some("DELETED"),
            })
        })
        .collect())
}

/// How many of [`find`]'s are not being deleted already: a live run's warning.
pub async fn count(endpoint: &Endpoint) -> Result<usize, ListError> {
    find(endpoint).await.map(|l| l.iter().filter(|l| !l.deleting).count())
}

/// Deletes one leftover; the status the provider answered (204, or 404 when it was gone).
pub async fn delete(endpoint: &Endpoint, leftover: &Leftover) -> Result<u16, TransportError> {
    let admin = endpoint.identities.contains_key("admin");
    let e = endpoint.exchange(&request("DELETE", format!("/servers/{}", leftover.id), admin), Instant::now()).await?;
    Ok(e.response.status)
}
