//! The capability probe: before a live run, ask the provider whether what the suites need is
//! there (the flavors and images the variables name), so suites needing what is missing are
//! skipped with the reason instead of failing. The microversion range comes from `connect`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use crate::transport::Outgoing;
use crate::transport::live::Endpoint;

/// Every question before a run is asked at the base microversion, which every Nova serves.
pub const PROBE_MICROVERSION: &str = "2.1";

/// Capability → what it needs from the provider's variables, and how to check it exists.
const NEEDS: &[(&str, &str, &str)] = &[
    ("compute-servers-resize", "flavor_ref_alt", "/flavors/"),
    ("compute-servers-rebuild", "image_ref_alt", "/images/"),
];

/// Capabilities the provider cannot offer, with the reason. The checks are sent at once.
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
    while let Some(done) = checks.join_next().await {
        missing.extend(done.ok().flatten());
    }
    missing
}
