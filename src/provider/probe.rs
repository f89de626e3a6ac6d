//! The capability probe: before a live run, ask the provider whether what the suites need is
//! there — the flavors and images the variables name, a floating-IP pool, security groups, a
//! compute endpoint that checks tokens — so suites needing what is missing are skipped with the
//! provider's own answer instead of failing. Every probe only reads. The microversion range
//! comes from `connect`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use serde_json::Value;

use crate::transport::Outgoing;
use crate::transport::live::{ANONYMOUS, Endpoint};

/// Every question before a run is asked at the base microversion, which every Nova serves.
pub const PROBE_MICROVERSION: &str = "2.1";

/// Capability → what it needs from the provider's variables, and how to check it exists.
const NEEDS: &[(&str, &str, &str)] = &[
    ("compute-servers-resize", "flavor_ref_alt", "/flavors/"),
    ("compute-servers-rebuild", "image_ref_alt", "/images/"),
];

/// A capability the suites test only where the cloud offers it, and the read-only question
/// that tells.
struct ServiceProbe {
    capability: &'static str,
    target: &'static str,
    anonymous: bool,
    /// The status and body of the answer → why the capability is not offered (`None`: offered,
    /// or not provably absent).
    absent: fn(u16, Option<&Value>) -> Option<String>,
}

const SERVICES: &[ServiceProbe] = &[
    ServiceProbe {
        capability: "compute-floating-ips",
        target: "/os-floating-ip-pools",
        anonymous: false,
        absent: |status, body| match status {
            200 if empty_list(body, "floating_ip_pools") => Some(
                "no floating-IP pool: GET /os-floating-ip-pools is empty, so no floating IP can be allocated".into(),
            ),
            404 | 501 => Some(format!("GET /os-floating-ip-pools → {status}: the cloud has no floating IPs")),
            _ => None,
        },
    },
    ServiceProbe {
        capability: "compute-security-groups",
        target: "/os-security-groups",
        anonymous: false,
        absent: |status, body| {
            match status {
            200 if empty_list(body, "security_groups") => Some(
                "no security group visible to the project: GET /os-security-groups is empty (Neutron gives every project a `default` group)".into(),
            ),
            404 | 500 | 501 | 503 => Some(format!("GET /os-security-groups → {status}: security groups are unavailable")),
            _ => None,
        }
        },
    },
    ServiceProbe {
        capability: "compute-auth",
        target: "/flavors",
        anonymous: true,
        absent: |status, _| {
            (status != 401).then(|| {
                format!(
                    "GET /flavors without credentials → {status}, not 401: the compute endpoint does not check tokens"
                )
            })
        },
    },
];

fn empty_list(body: Option<&Value>, key: &str) -> bool {
    body.and_then(|b| b.get(key)).and_then(Value::as_array).is_some_and(Vec::is_empty)
}

/// Capabilities the provider cannot offer, with the reason. The questions are sent at once.
pub async fn probe(endpoint: &Arc<Endpoint>, variables: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut missing = BTreeMap::new();
    let mut checks = tokio::task::JoinSet::new();
    for &(capability, var, collection) in NEEDS {
        let Some(id) = variables.get(var) else {
            missing.insert(capability.to_string(), format!("the provider sets no `{var}` (needed to test it)"));
            continue;
        };
        let req = Outgoing::get("capability probe", format!("{collection}{id}"), Some(PROBE_MICROVERSION));
        let endpoint = endpoint.clone();
        let why = format!("`{var}` = {id} does not exist on the provider (GET {collection}{id} → 404)");
        checks.spawn(async move {
            // Anything but a 404 (200, or a proxy API that answers differently) does not prove
            // absence: the suites will find out.
            let absent = endpoint.exchange(&req, Instant::now()).await.is_ok_and(|e| e.response.status == 404);
            absent.then(|| (capability.to_string(), why))
        });
    }
    for service in SERVICES {
        let identity = service.anonymous.then(|| ANONYMOUS.to_string());
        let req = Outgoing::get("capability probe", service.target, Some(PROBE_MICROVERSION)).as_identity(identity);
        let endpoint = endpoint.clone();
        checks.spawn(async move {
            // A transport failure proves nothing either.
            let exchange = endpoint.exchange(&req, Instant::now()).await.ok()?;
            let why = (service.absent)(exchange.response.status, exchange.response.body.as_deref())?;
            Some((service.capability.to_string(), why))
        });
    }
    while let Some(done) = checks.join_next().await {
        missing.extend(done.ok().flatten());
    }
    missing
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn answer(capability: &str, status: u16, body: Value) -> Option<String> {
        let probe = SERVICES.iter().find(|s| s.capability == capability).unwrap();
        (probe.absent)(status, Some(&body))
    }

    #[test]
    fn an_empty_pool_list_means_no_floating_ips_and_a_pool_means_some() {
        assert!(
            answer("compute-floating-ips", 200, json!({"floating_ip_pools": []}))
                .unwrap()
                .contains("no floating-IP pool")
        );
        assert_eq!(answer("compute-floating-ips", 200, json!({"floating_ip_pools": [{"name": "public"}]})), None);
        assert!(answer("compute-floating-ips", 404, json!({})).unwrap().contains("404"));
        // A refusal or a server error elsewhere does not prove absence.
        assert_eq!(answer("compute-floating-ips", 403, json!({})), None);
    }

    #[test]
    fn security_groups_are_absent_when_the_project_sees_none_or_the_api_fails() {
        assert!(answer("compute-security-groups", 200, json!({"security_groups": []})).unwrap().contains("`default`"));
        assert_eq!(answer("compute-security-groups", 200, json!({"security_groups": [{"name": "default"}]})), None);
        assert!(answer("compute-security-groups", 500, json!({})).unwrap().contains("500"));
    }

    #[test]
    fn only_a_401_without_credentials_shows_the_endpoint_checks_tokens() {
        assert_eq!(answer("compute-auth", 401, json!({})), None);
        assert!(answer("compute-auth", 200, json!({})).unwrap().contains("does not check tokens"));
    }
}
