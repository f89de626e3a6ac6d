//! The canonical form of a cassette: every volatile value (ids, addresses, timestamps, compute
//! host names, passwords, the run id) replaced by a symbolic alias bound in order of first
//! appearance through the whole cassette — the first server id seen is `<server-1>` in bodies,
//! headers and paths alike — so two recordings of the same behaviour read the same. Timing is
//! kept apart (offsets and durations), never in the content.

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value};

use crate::cassette::Cassette;
use crate::check::schema::requested_microversion;
use crate::exchange::Exchange;
use crate::microversion::Microversion;
use crate::schema_store::{ExtraKeys, SchemaStore, Target, Validation};

/// One exchange after canonicalisation, with what the comparison needs about it.
#[derive(Debug, Clone)]
pub struct CanonExchange {
    pub step: String,
    pub identity: Option<String>,
    pub method: String,
    /// Canonical path, query included.
    pub path: String,
    pub request_body: Option<Value>,
    pub status: u16,
    /// The headers that carry behaviour (see `KEPT_HEADERS`), canonical.
    pub headers: BTreeMap<String, String>,
    /// The body: JSON, or a non-JSON text as a string.
    pub body: Value,
    pub offset_ms: u64,
    pub duration_ms: u64,
    pub microversion: Microversion,
    pub operation: Option<String>,
    pub verdict: Verdict,
    /// `/server/status` of the response (what a wait's trace is made of).
    pub server_status: Option<String>,
    /// For a batch poll (read as the poll it answered): the list operation its server came
    /// from. A list entry need not carry every field a show does.
    pub listed_by: Option<String>,
}

/// The schema verdict of one response, judged on the raw (not canonical) body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Valid,
    Invalid(Vec<String>),
    Gap(String),
}

impl Verdict {
    pub fn label(&self) -> &'static str {
        match self {
            Verdict::Valid => "valid",
            Verdict::Invalid(_) => "invalid",
            Verdict::Gap(_) => "no schema",
        }
    }

    pub fn detail(&self) -> String {
        match self {
            Verdict::Valid => "valid".into(),
            Verdict::Invalid(errors) => format!("invalid: {}", errors.join("; ")),
            Verdict::Gap(why) => format!("no schema: {why}"),
        }
    }
}

/// Response headers that say something about behaviour; the rest (dates, request ids,
/// lengths, connection details) differ on every recording.
const KEPT_HEADERS: &[&str] = &[
    "content-type",
    "location",
    "openstack-api-version",
    "retry-after",
    "vary",
    "www-authenticate",
    "x-openstack-nova-api-version",
];

/// Collections whose next path segment is an id of that kind.
const COLLECTIONS: &[(&str, &str)] = &[
    ("servers", "server"),
    ("images", "image"),
    ("flavors", "flavor"),
    ("os-interface", "port"),
    ("os-volume_attachments", "volume"),
    ("os-instance-actions", "request"),
    ("os-keypairs", "keypair"),
    ("networks", "network"),
    ("ports", "port"),
];

/// Keys whose (string) value is an id of a known kind.
const ID_KEYS: &[(&str, &str)] = &[
    ("imageRef", "image"),
    ("image_id", "image"),
    ("flavorRef", "flavor"),
    ("port_id", "port"),
    ("net_id", "network"),
    ("network_id", "network"),
    ("serverId", "server"),
    ("server_id", "server"),
    ("instance_uuid", "server"),
    ("instanceUuid", "server"),
    ("tenant_id", "project"),
    ("project_id", "project"),
    ("owner", "project"),
    ("user_id", "user"),
    ("request_id", "request"),
    ("volumeId", "volume"),
    ("volume_id", "volume"),
];

/// Keys naming where the scheduler placed a server: one alias for all, since placement is the
/// scheduler's free choice (two recordings on two computes place the same servers differently).
const PLACEMENT_KEYS: &[(&str, &str)] = &[
    ("hostId", "<host-id>"),
    ("host_id", "<host-id>"),
    ("OS-EXT-SRV-ATTR:host", "<compute>"),
    ("OS-EXT-SRV-ATTR:hypervisor_hostname", "<compute>"),
    ("host", "<compute>"),
    ("hypervisor_hostname", "<compute>"),
];

/// Keys whose whole value is volatile however it looks: aliased by kind.
const VOLATILE_KEYS: &[(&str, &str)] = &[
    ("OS-EXT-SRV-ATTR:instance_name", "instance-name"),
    ("OS-EXT-SRV-ATTR:reservation_id", "reservation"),
    ("reservation_id", "reservation"),
    ("OS-EXT-IPS-MAC:mac_addr", "mac"),
    ("mac_addr", "mac"),
    ("addr", "ip"),
    ("accessIPv4", "ip"),
    ("accessIPv6", "ip"),
    ("ip_address", "ip"),
];

/// Keys holding generated secrets: one constant alias, they never repeat.
const PASSWORD_KEYS: &[&str] = &["adminPass", "password"];

/// Parent keys that name the kind of the `id` inside them.
const PARENT_KINDS: &[(&str, &str)] = &[
    ("server", "server"),
    ("servers", "server"),
    ("image", "image"),
    ("images", "image"),
    ("flavor", "flavor"),
    ("flavors", "flavor"),
    ("interfaceAttachment", "port"),
    ("interfaceAttachments", "port"),
    ("volumeAttachment", "volume"),
    ("volumeAttachments", "volume"),
    ("instanceAction", "request"),
    ("instanceActions", "request"),
    ("security_groups", "security-group"),
];

static ID_TOKEN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}|[0-9a-f]{56})\b")
        .expect("id pattern")
});
/// A URL's origin other than the endpoint placeholder (Keystone's, in `WWW-Authenticate`).
static ORIGIN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"https?://(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d+)?").expect("origin pattern"));
static MAC: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?i)[0-9a-f]{2}(?::[0-9a-f]{2}){5}$").expect("mac pattern"));

fn lookup(table: &[(&str, &'static str)], key: &str) -> Option<&'static str> {
    table.iter().find(|(k, _)| *k == key).map(|(_, kind)| *kind)
}

/// The alias table of one cassette.
struct Aliases {
    by_value: HashMap<String, String>,
    counters: HashMap<&'static str, usize>,
    run_id: Option<String>,
}

impl Aliases {
    /// The provider's variables name themselves (`<image_ref>`, `<flavor_ref>`): two clouds
    /// with different image ids then agree wherever the suite used its variable.
    fn new(variables: &BTreeMap<String, Value>) -> Aliases {
        let mut by_value = HashMap::new();
        let mut run_id = None;
        for (name, value) in variables {
            let Some(text) = value.as_str().filter(|t| !t.is_empty()) else { continue };
            if name == "run_id" {
                run_id = Some(text.to_string());
            } else {
                by_value.entry(text.to_string()).or_insert_with(|| format!("<{name}>"));
            }
        }
        Aliases { by_value, counters: HashMap::new(), run_id }
    }

    fn alias(&mut self, value: &str, kind: &'static str) -> String {
        // Without Keystone a project and its user may share a name (`tapedeck`): bound apart.
        let key = if matches!(kind, "project" | "user") { format!("{kind}\0{value}") } else { value.to_string() };
        if let Some(a) = self.by_value.get(&key) {
            return a.clone();
        }
        let n = self.counters.entry(kind).or_insert(0);
        *n += 1;
        let alias = format!("<{kind}-{n}>");
        self.by_value.insert(key, alias.clone());
        alias
    }

    /// A string in a context: `kind` is what the key says its ids are.
    fn text(&mut self, s: &str, key: Option<&str>, id_kind: Option<&'static str>) -> String {
        if s.is_empty() {
            return String::new();
        }
        if let Some(key) = key {
            if PASSWORD_KEYS.contains(&key) {
                return "<password>".into();
            }
            if let Some(alias) = lookup(PLACEMENT_KEYS, key) {
                return alias.into();
            }
            if let Some(kind) = lookup(VOLATILE_KEYS, key) {
                return self.alias(s, kind);
            }
        }
        if crate::schema_store::formats::is_iso8601(s) {
            return "<time>".into();
        }
        if s.parse::<std::net::IpAddr>().is_ok() {
            return self.alias(s, "ip");
        }
        if MAC.is_match(s) {
            return self.alias(s, "mac");
        }
        // A key that names an id holds one whatever it looks like (`tapedeck` is a project id
        // without Keystone, `1` a flavor id).
        if let Some(kind) = id_kind {
            return self.alias(s, kind);
        }
        let with_paths = if s.contains('/') { self.path(&origins(s)) } else { self.tokens(s, id_kind) };
        match &self.run_id {
            Some(run) => with_paths.replace(run.as_str(), "<run>"),
            None => with_paths,
        }
    }

    /// Id-looking tokens anywhere in free text (messages name the server they are about).
    fn tokens(&mut self, s: &str, kind: Option<&'static str>) -> String {
        let found: Vec<(usize, usize)> = ID_TOKEN.find_iter(s).map(|m| (m.start(), m.end())).collect();
        if found.is_empty() {
            return s.to_string();
        }
        let mut out = String::with_capacity(s.len());
        let mut last = 0;
        for (start, end) in found {
            out.push_str(&s[last..start]);
            out.push_str(&self.alias(&s[start..end], kind.unwrap_or("id")));
            last = end;
        }
        out.push_str(&s[last..]);
        out
    }

    /// A path or URL: the segment after a collection is an id of its kind (even a short one
    /// such as flavor `1`, when the table already knows it); query values canonically too.
    fn path(&mut self, s: &str) -> String {
        let (path, query) = match s.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (s, None),
        };
        let mut kind: Option<&'static str> = None;
        let segments: Vec<String> = path
            .split('/')
            .map(|seg| {
                let out = match kind {
                    Some(k)
                        if self.by_value.contains_key(seg)
                            || ID_TOKEN.find(seg).is_some_and(|m| m.len() == seg.len()) =>
                    {
                        self.alias(seg, k)
                    }
                    _ => self.tokens(seg, None),
                };
                kind = lookup(COLLECTIONS, seg);
                out
            })
            .collect();
        let mut out = segments.join("/");
        if let Some(q) = query {
            let pairs: Vec<String> = q
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((k, v)) => format!("{k}={}", self.text(&percent_decode(v), Some(k), None)),
                    None => pair.to_string(),
                })
                .collect();
            out.push('?');
            out.push_str(&pairs.join("&"));
        }
        out
    }

    fn value(&mut self, v: &Value, key: Option<&str>, parent: Option<&str>) -> Value {
        match v {
            Value::String(s) => {
                let id_kind = match key {
                    Some("id") => Some(parent.and_then(|p| lookup(PARENT_KINDS, p)).unwrap_or("id")),
                    Some("uuid") => Some(parent.and_then(|p| lookup(PARENT_KINDS, p)).unwrap_or("network")),
                    Some(k) => lookup(ID_KEYS, k),
                    None => None,
                };
                Value::String(self.text(s, key, id_kind))
            }
            Value::Array(items) => Value::Array(items.iter().map(|i| self.value(i, key, parent)).collect()),
            Value::Object(map) => {
                let mut sorted: Vec<(&String, &Value)> = map.iter().collect();
                sorted.sort_by(|a, b| a.0.cmp(b.0));
                let mut out = Map::new();
                for (k, child) in sorted {
                    let canon_key = self.text(k, None, None);
                    out.insert(canon_key, self.value(child, Some(k), key));
                }
                Value::Object(out)
            }
            other => other.clone(),
        }
    }
}

fn origins(s: &str) -> String {
    ORIGIN
        .replace_all(s, |c: &regex::Captures| {
            if &c[0] == crate::exchange::redact::ENDPOINT_PLACEHOLDER { c[0].to_string() } else { "<origin>".into() }
        })
        .into_owned()
}

/// A list whose order the request did not ask for (no `sort_key`) is compared as a set:
/// nova breaks ties of equal `created_at` seconds by id, which differs per recording.
fn unordered_lists(path: &str, body: &mut Value) {
    if path.contains("sort_key=") {
        return;
    }
    if let Some(Value::Array(items)) = body.get_mut("servers") {
        items.sort_by_cached_key(|v| serde_json::to_string(v).unwrap_or_default());
    }
}

/// `%3A` → `:` and `+` → space in a query value, so a timestamp in a query is recognised.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
                continue;
            }
            (b'+', _) => out.push(b' '),
            (b, _) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

fn verdict(store: &SchemaStore, e: &Exchange, mv: Microversion) -> (Option<String>, Verdict) {
    let Some(op) = store.match_request(&e.request.method, &e.request.path, e.request.body.as_ref()) else {
        return (None, Verdict::Gap("no api-ref operation matches".into()));
    };
    let doc = match (&e.response.body, &e.response.text) {
        (Some(b), _) => (**b).clone(),
        (None, None) => Value::Null,
        (None, Some(_)) => return (Some(op.id.clone()), Verdict::Invalid(vec!["the body is not JSON".into()])),
    };
    let status = e.response.status;
    let v = match store.validate(&op.id, Target::Response { status }, mv, &doc, ExtraKeys::Deny) {
        Validation::Valid { .. } => Verdict::Valid,
        Validation::Invalid { errors, .. } => Verdict::Invalid(errors.iter().map(|e| e.to_string()).collect()),
        Validation::NoSchema { reason } => Verdict::Gap(reason),
        Validation::UnknownOperation => Verdict::Gap(format!("no schema for operation {}", op.id)),
    };
    (Some(op.id.clone()), v)
}

/// Every exchange of the cassette, canonical, in recorded order.
pub fn canonicalise(cassette: &Cassette, store: &SchemaStore) -> Vec<CanonExchange> {
    let mut aliases = Aliases::new(&cassette.variables);
    cassette
        .exchanges
        .iter()
        .map(|recorded| {
            let mv = requested_microversion(recorded);
            let (operation, verdict) = verdict(store, recorded, mv);
            // A batch poll reads as the poll it answered: waits compare alike however they
            // were polled (its schema verdict stays the list's).
            let e = &*recorded.as_single_poll();
            let (operation, listed_by) = match recorded.batch {
                Some(_) => {
                    (store.match_request(&e.request.method, &e.request.path, None).map(|o| o.id.clone()), operation)
                }
                None => (operation, None),
            };
            let path = aliases.path(&crate::exchange::normalize_query(&e.request.path));
            let path = match &aliases.run_id {
                Some(run) => path.replace(run.as_str(), "<run>"),
                None => path,
            };
            let request_body = e.request.body.as_ref().map(|b| aliases.value(b, None, None));
            let headers = e
                .response
                .headers
                .iter()
                .filter(|(k, _)| KEPT_HEADERS.contains(&k.as_str()))
                .map(|(k, v)| (k.to_string(), aliases.text(v, None, None)))
                .collect();
            let mut body = match (&e.response.body, &e.response.text) {
                (Some(b), _) => aliases.value(b, None, None),
                (None, Some(t)) => Value::String(aliases.text(t, None, None)),
                (None, None) => Value::Null,
            };
            unordered_lists(&path, &mut body);
            let server_status = e
                .response
                .body
                .as_ref()
                .and_then(|b| b.pointer("/server/status"))
                .and_then(|s| s.as_str())
                .map(String::from);
            CanonExchange {
                step: e.step.to_string(),
                identity: e.identity.as_ref().map(|i| i.to_string()),
                method: e.request.method.to_string(),
                path,
                request_body,
                status: e.response.status,
                headers,
                body,
                offset_ms: e.offset_ms,
                duration_ms: e.duration_ms,
                microversion: mv,
                operation,
                verdict,
                server_status,
                listed_by,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vars() -> BTreeMap<String, Value> {
        [("run_id", "5f740267"), ("flavor_ref", "1"), ("image_ref", "155d900f-4e14-4e4c-a73d-069cbf4541e6")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect()
    }

    #[test]
    fn ids_are_aliased_consistently_in_paths_bodies_and_text() {
        let mut a = Aliases::new(&vars());
        let id = "636c81e2-6963-4f7a-825b-87c3cc985b33";
        assert_eq!(a.path(&format!("/servers/{id}/action")), "/servers/<server-1>/action");
        let body = a.value(
            &json!({"server": {"id": id, "name": "td-5f740267-life", "flavor": {"id": "1", "links": [
                {"href": "http://endpoint.invalid/flavors/1"}]}, "image": {"id": "155d900f-4e14-4e4c-a73d-069cbf4541e6"},
                "created": "2026-11-22T06:52:39Z", "hostId": "abc", "OS-EXT-SRV-ATTR:host": "compute2",
                "addresses": {"private": [{"addr": "10.0.0.3", "OS-EXT-IPS-MAC:mac_addr": "fa:16:3e:00:00:01"}]},
                "adminPass": "s3cret"}}),
            None,
            None,
        );
        assert_eq!(
            body,
            json!({"server": {"OS-EXT-SRV-ATTR:host": "<compute>", "addresses": {"private": [
                {"OS-EXT-IPS-MAC:mac_addr": "<mac-1>", "addr": "<ip-1>"}]}, "adminPass": "<password>",
                "created": "<time>", "flavor": {"id": "<flavor_ref>", "links": [{"href": "http://endpoint.invalid/flavors/<flavor_ref>"}]},
                "hostId": "<host-id>", "id": "<server-1>", "image": {"id": "<image_ref>"}, "name": "td-<run>-life"}})
        );
        assert_eq!(
            a.text(&format!("Instance {id} could not be found."), Some("message"), None),
            "Instance <server-1> could not be found."
        );
        let other = "0c932dc0-02b3-4032-98cc-5ec1deea87bd";
        assert_eq!(a.path(&format!("/servers/{other}")), "/servers/<server-2>");
    }

    #[test]
    fn query_timestamps_and_short_non_ids_are_handled() {
        let mut a = Aliases::new(&vars());
        assert_eq!(
            a.path("/servers/detail?changes-since=2026-11-22T06%3A52%3A39Z&limit=2"),
            "/servers/detail?changes-since=<time>&limit=2"
        );
        // `detail` after `servers` is not an id; an unknown short segment is left alone.
        assert_eq!(a.path("/flavors/42"), "/flavors/42");
    }
}
