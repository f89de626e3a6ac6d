//! The Compute API's protocol, checked on every exchange whatever the suite asserts: the
//! microversion a request asked for is echoed (`OpenStack-API-Version`, and the legacy
//! `X-OpenStack-Nova-API-Version` when it was sent) and named in `Vary`; every answer carries a
//! request id `req-<uuid>`; a JSON body is served as `application/json`; the status is one the
//! api-ref documents for the operation; a server created with 202 is at its `Location`.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use crate::exchange::{Exchange, Response};
use crate::outcome::{CheckKind, CheckOutcome, CheckState};
use crate::schema_store::OperationInfo;

/// Statuses any operation may answer although its api-ref table does not list them, and why.
/// Everything else undocumented fails.
pub const UNIVERSAL_STATUSES: &[(u16, &str)] = &[
    (
        400,
        "Nova validates every request body and query string against its own schema and answers \
         400 on failure; 122 of the api-ref's 251 tables omit it",
    ),
    (406, "the microversion asked for is outside the provider's range (microversion negotiation)"),
];

static REQUEST_ID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$").expect("a valid pattern")
});

/// The protocol checks of one exchange (`op`: the operation it was matched to, if any): one
/// failed check per broken rule, or a single passed one naming how many rules held.
pub fn check_protocol(exchange: &Exchange, op: Option<&OperationInfo>) -> Vec<CheckOutcome> {
    let mut rules = 0;
    let mut failed = Vec::new();
    let mut rule = |target: &str, broken: Option<(String, String)>| {
        rules += 1;
        if let Some((expected, actual)) = broken {
            failed.push(
                CheckOutcome::new(CheckKind::Protocol, target, CheckState::Failed).expected(expected).actual(actual),
            );
        }
    };
    let request = &exchange.request;
    let response = &exchange.response;
    let shown = |v: Option<&str>| v.map_or_else(|| "(absent)".to_string(), str::to_string);

    if !from_identity_middleware(response) {
        if let Some(asked) = request.headers.get("openstack-api-version").filter(|v| !v.contains("latest")) {
            let echoed = response.header("openstack-api-version");
            rule("header openstack-api-version", (echoed != Some(asked)).then(|| (asked.to_string(), shown(echoed))));
            rule("header vary", missing_vary(response, "OpenStack-API-Version"));
        }
        if let Some(asked) = request.headers.get("x-openstack-nova-api-version").filter(|v| *v != "latest") {
            let echoed = response.header("x-openstack-nova-api-version");
            rule(
                "header x-openstack-nova-api-version",
                (echoed != Some(asked)).then(|| (asked.to_string(), shown(echoed))),
            );
            rule("header vary", missing_vary(response, "X-OpenStack-Nova-API-Version"));
        }
    }
    let id = response.header("x-openstack-request-id");
    rule(
        "header x-openstack-request-id",
        (!id.is_some_and(|v| REQUEST_ID.is_match(v))).then(|| ("req-<uuid>".to_string(), shown(id))),
    );
    // Nova sends its old name too; both name the one request.
    if let (Some(id), Some(compute)) = (id, response.header("x-compute-request-id")) {
        rule("header x-compute-request-id", (compute != id).then(|| (id.to_string(), compute.to_string())));
    }
    if response.body.is_some() {
        let kind = response.header("content-type");
        let json = kind
            .is_some_and(|k| k.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json")));
        rule("header content-type", (!json).then(|| ("application/json".to_string(), shown(kind))));
    }
    if let Some(op) = op {
        rule("status", undocumented(op, response.status).map(|documented| (documented, response.status.to_string())));
        if op.method == "POST" && op.path == "/servers" && response.status == 202 {
            rule("header location", wrong_location(response));
        }
    }
    if failed.is_empty() {
        vec![
            CheckOutcome::new(CheckKind::Protocol, "protocol", CheckState::Passed)
                .message(format!("{rules} rules held")),
        ]
    } else {
        failed
    }
}

/// keystonemiddleware refuses a request before Nova sees it (401 with `WWW-Authenticate`): its
/// answer cannot echo a microversion.
fn from_identity_middleware(response: &Response) -> bool {
    response.status == 401 && response.header("www-authenticate").is_some()
}

/// `Some((expected, actual))` when `Vary` does not name `header`.
fn missing_vary(response: &Response, header: &str) -> Option<(String, String)> {
    let vary = response.header("vary");
    let named = vary.is_some_and(|v| v.split(',').any(|n| n.trim().eq_ignore_ascii_case(header)));
    (!named).then(|| (format!("naming {header}"), vary.unwrap_or("(absent)").to_string()))
}

/// The documented statuses, when `status` is not one of them.
fn undocumented(op: &OperationInfo, status: u16) -> Option<String> {
    let documented = op.normal_codes.contains(&status)
        || op.error_codes.contains(&status)
        || UNIVERSAL_STATUSES.iter().any(|(s, _)| *s == status);
    (!documented).then(|| {
        let codes: Vec<String> = op.normal_codes.iter().chain(&op.error_codes).map(u16::to_string).collect();
        format!("one of {} (api-ref, {})", codes.join(", "), op.id)
    })
}

/// A created server is at its `Location`: the body's `self` link.
fn wrong_location(response: &Response) -> Option<(String, String)> {
    let links = response.body.as_ref()?.pointer("/server/links")?.as_array()?;
    let own = links
        .iter()
        .find(|l| l.get("rel").and_then(Value::as_str) == Some("self"))
        .and_then(|l| l.get("href"))
        .and_then(Value::as_str)?;
    let location = response.header("location");
    (location != Some(own)).then(|| (own.to_string(), location.unwrap_or("(absent)").to_string()))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;

    use super::*;
    use crate::exchange::{Headers, Request};

    fn exchange(request: &[(&str, &str)], status: u16, response: &[(&str, &str)], body: Option<Value>) -> Exchange {
        Exchange {
            step: "s".into(),
            identity: None,
            batch: None,
            offset_ms: 0,
            duration_ms: 0,
            request: Arc::new(Request {
                method: "GET".into(),
                path: "/servers/1".into(),
                headers: request.iter().copied().collect::<Headers>(),
                body: None,
            }),
            response: Response {
                status,
                headers: response.iter().copied().collect::<Headers>(),
                body: body.map(Arc::new),
                text: None,
            },
        }
    }

    const ASKED: &[(&str, &str)] =
        &[("openstack-api-version", "compute 2.47"), ("x-openstack-nova-api-version", "2.47")];
    const RID: &str = "req-15cc6be6-c6fa-4f22-befc-1614becb0423";

    fn nova(vary: &str, version: &str) -> Vec<(&'static str, String)> {
        vec![
            ("content-type", "application/json".into()),
            ("openstack-api-version", format!("compute {version}")),
            ("vary", vary.into()),
            ("x-openstack-nova-api-version", version.into()),
            ("x-openstack-request-id", RID.into()),
        ]
    }

    fn run(headers: Vec<(&'static str, String)>) -> Vec<CheckOutcome> {
        let h: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        check_protocol(&exchange(ASKED, 200, &h, Some(json!({}))), None)
    }

    fn failed(checks: &[CheckOutcome]) -> Vec<&str> {
        checks.iter().filter(|c| c.failed()).map(|c| c.target.as_str()).collect()
    }

    #[test]
    fn nova_as_it_answers_holds_every_rule() {
        let checks = run(nova("OpenStack-API-Version, X-OpenStack-Nova-API-Version", "2.47"));
        assert_eq!(failed(&checks), Vec::<&str>::new());
        assert_eq!(checks[0].message.as_deref(), Some("6 rules held"));
    }

    #[test]
    fn each_deviation_is_caught() {
        assert_eq!(
            failed(&run(nova("OpenStack-API-Version, X-OpenStack-Nova-API-Version", "2.1"))),
            ["header openstack-api-version", "header x-openstack-nova-api-version"]
        );
        assert_eq!(failed(&run(nova("X-OpenStack-Nova-API-Version", "2.47"))), ["header vary"]);
        let mut no_id = nova("OpenStack-API-Version, X-OpenStack-Nova-API-Version", "2.47");
        no_id[4].1 = "15cc6be6".into();
        assert_eq!(failed(&run(no_id)), ["header x-openstack-request-id"]);
        let mut html = nova("OpenStack-API-Version, X-OpenStack-Nova-API-Version", "2.47");
        html[0].1 = "text/html".into();
        assert_eq!(failed(&run(html)), ["header content-type"]);
    }

    fn op(method: &str, path: &str, normal: &[u16], errors: &[u16]) -> OperationInfo {
        OperationInfo {
            id: "op".into(),
            title: String::new(),
            source: String::new(),
            method: method.into(),
            path: path.into(),
            min_version: "2.1".parse().unwrap(),
            max_version: "2.104".parse().unwrap(),
            normal_codes: normal.to_vec(),
            error_codes: errors.to_vec(),
            action: None,
        }
    }

    #[test]
    fn an_undocumented_status_fails_universal_ones_do_not() {
        let h = [("x-openstack-request-id", RID)];
        let delete = op("DELETE", "/servers/{server_id}", &[204], &[401, 403, 404, 409]);
        let at = |status| failed(&check_protocol(&exchange(&[], status, &h, None), Some(&delete))).len();
        assert_eq!((at(204), at(404), at(400), at(406)), (0, 0, 0, 0));
        assert_eq!((at(200), at(500)), (1, 1));
    }

    #[test]
    fn a_created_server_is_at_its_location() {
        let create = op("POST", "/servers", &[202], &[400]);
        let body = json!({"server": {"id": "1", "links": [{"rel": "self", "href": "http://e/v2.1/servers/1"}]}});
        let with = |location: &str| {
            let h = [("content-type", "application/json"), ("location", location), ("x-openstack-request-id", RID)];
            failed(&check_protocol(&exchange(&[], 202, &h, Some(body.clone())), Some(&create))).len()
        };
        assert_eq!((with("http://e/v2.1/servers/1"), with("http://e/v2.1/servers/2")), (0, 1));
    }

    #[test]
    fn keystone_refusals_need_not_echo_a_microversion() {
        let h = [("www-authenticate", "Keystone uri=\"x\""), ("x-openstack-request-id", RID)];
        assert!(failed(&check_protocol(&exchange(ASKED, 401, &h, None), None)).is_empty());
        assert_eq!(
            failed(&check_protocol(&exchange(ASKED, 401, &h[1..], None), None)),
            ["header openstack-api-version", "header vary", "header x-openstack-nova-api-version", "header vary"]
        );
    }
}
