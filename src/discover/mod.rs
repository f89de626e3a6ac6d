//! `tapedeck discover`: read a cloud's images, flavors and networks and choose the variables the
//! suites need (`choose`), with the microversion range, the identities and the capabilities the
//! probes find missing. It only reads: every request is a GET.

pub mod choose;

use std::collections::BTreeMap;
use std::time::Instant;

use serde_json::Value;

pub use choose::Choice;

use crate::cassette::VersionRange;
use crate::microversion::Microversion;
use crate::provider::{Connection, Provider, probe};
use crate::transport::Outgoing;
use crate::transport::live::Endpoint;
use crate::transport::target::relative_target;

/// Flavors list their extra specs from this microversion on; below it, they are not looked at.
const FLAVOR_EXTRA_SPECS: Microversion = Microversion::new(2, 61);
/// Pages followed per listing before giving up on the rest (a page is up to 1000 entries).
const MAX_PAGES: usize = 20;

#[derive(Debug)]
pub struct Discovery {
    pub versions: Option<VersionRange>,
    /// In the order the suites use them: image_ref, image_ref_alt, flavor_ref, flavor_ref_alt,
    /// network.
    pub choices: Vec<Choice>,
    /// Capabilities the cloud does not offer, with the probe's answer (or the provider's word).
    pub unsupported: BTreeMap<String, String>,
    pub identities: Vec<String>,
}

impl Discovery {
    /// The variables chosen.
    pub fn variables(&self) -> BTreeMap<String, String> {
        self.choices.iter().filter_map(|c| Some((c.var.to_string(), c.value.clone()?))).collect()
    }

    /// The variables nothing qualified for.
    pub fn unchosen(&self) -> Vec<&Choice> {
        self.choices.iter().filter(|c| c.value.is_none()).collect()
    }
}

/// Every page of a listing (`key` holds the entries; `{key}_links` the next page), or why not.
async fn list(endpoint: &Endpoint, path: &str, key: &str, microversion: Microversion) -> Result<Value, String> {
    let version = microversion.to_string();
    let mut entries = Vec::new();
    let mut target = path.to_string();
    for _ in 0..MAX_PAGES {
        let request = Outgoing::get("discover", target.clone(), Some(&version));
        let e = endpoint.exchange(&request, Instant::now()).await.map_err(|e| format!("GET {path}: {e}"))?;
        if e.response.status != 200 {
            return Err(format!("GET {path} → {}", e.response.status));
        }
        let body = e.response.body.unwrap_or_default();
        entries.extend(body.get(key).and_then(Value::as_array).cloned().unwrap_or_default());
        let next = body
            .get(format!("{key}_links"))
            .and_then(Value::as_array)
            .and_then(|links| links.iter().find(|l| l.get("rel").and_then(Value::as_str) == Some("next")))
            .and_then(|l| l.get("href").and_then(Value::as_str));
        match next.map(|href| relative_target(href, &[&endpoint.origin], &endpoint.base_path)) {
            Some(Ok(t)) => target = t,
            _ => return Ok(serde_json::json!({ key: entries })),
        }
    }
    Err(format!("GET {path}: more than {MAX_PAGES} pages"))
}

/// A listing that failed leaves its variables unchosen, with the reason.
fn or_unchosen<const N: usize>(
    listing: &Result<Value, String>,
    vars: [&'static str; N],
    choose: impl FnOnce(&Value) -> [Choice; N],
) -> [Choice; N] {
    match listing {
        Ok(doc) => choose(doc),
        Err(why) => vars.map(|var| Choice { var, value: None, name: String::new(), why: why.clone() }),
    }
}

/// What the suites need from this cloud. `keep`: values already set (the provider's variables,
/// the config file's), kept while they still qualify.
pub async fn discover(conn: &Connection, provider: &Provider, keep: &BTreeMap<String, String>) -> Discovery {
    let endpoint = &conn.endpoint;
    let base = Microversion::MIN;
    let flavor_version = match &conn.info.api_versions {
        Some(r) if r.max >= FLAVOR_EXTRA_SPECS => FLAVOR_EXTRA_SPECS,
        _ => base,
    };
    // The proxies for images and networks are served up to 2.35, so everything is asked at
    // the base version but the flavors.
    let (images, flavors, networks) = tokio::join!(
        list(endpoint, "/images/detail", "images", base),
        list(endpoint, "/flavors/detail", "flavors", flavor_version),
        list(endpoint, "/os-networks", "networks", base),
    );
    let kept = |var: &str| keep.get(var).map(String::as_str);
    let [image_ref, image_ref_alt] = or_unchosen(&images, ["image_ref", "image_ref_alt"], |doc| {
        choose::images(doc, [kept("image_ref"), kept("image_ref_alt")])
    });
    let chosen_images: Vec<&str> = [&image_ref, &image_ref_alt].iter().filter_map(|c| c.value.as_deref()).collect();
    let needs = images.as_ref().map(|doc| choose::needs_of(doc, &chosen_images)).unwrap_or((0, 0));
    let [flavor_ref, flavor_ref_alt] = or_unchosen(&flavors, ["flavor_ref", "flavor_ref_alt"], |doc| {
        choose::flavors(doc, needs, [kept("flavor_ref"), kept("flavor_ref_alt")])
    });
    let [network] = or_unchosen(&networks, ["network"], |doc| [choose::network(doc, kept("network"))]);
    let choices = vec![image_ref, image_ref_alt, flavor_ref, flavor_ref_alt, network];

    let variables: BTreeMap<String, String> =
        choices.iter().filter_map(|c| Some((c.var.to_string(), c.value.clone()?))).collect();
    let mut unsupported = provider.unsupported.clone();
    for (capability, why) in probe::probe(endpoint, &variables).await {
        unsupported.entry(capability).or_insert(why);
    }
    Discovery {
        versions: conn.info.api_versions.clone(),
        choices,
        unsupported,
        identities: provider.identities.keys().cloned().collect(),
    }
}
