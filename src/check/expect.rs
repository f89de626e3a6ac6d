//! `expect:` — status, headers and JSON-pointer assertions on one response.

use serde_json::Value;

use crate::exchange::Response;
use crate::outcome::{CheckKind, CheckOutcome, CheckState};
use crate::suite::template::{Vars, render_json};
use crate::suite::{Assertion, Check, Expect, JsonType};
use crate::util::json::excerpt;

pub fn check_response(expect: &Expect, response: &Response, vars: &Vars) -> Vec<CheckOutcome> {
    let mut out = vec![status(&expect.status, response.status)];
    for (name, assertion) in &expect.headers {
        let actual = response.header(name).map(|s| Value::String(s.to_string()));
        out.push(assert(CheckKind::Header, name, assertion, actual.as_ref(), vars));
    }
    if !expect.body.is_empty() {
        match &response.body {
            Some(body) => {
                for (pointer, assertion) in &expect.body {
                    out.push(assert(CheckKind::Body, pointer, assertion, body.pointer(pointer), vars));
                }
            }
            None => out.push(
                CheckOutcome::new(CheckKind::Body, "", CheckState::Failed)
                    .message("the response body is not JSON, so its fields cannot be checked")
                    .actual(
                        response
                            .text
                            .as_deref()
                            .map(|t| crate::util::json::truncate(t, 200))
                            .unwrap_or_else(|| "an empty body".into()),
                    ),
            ),
        }
    }
    out
}

fn status(expected: &[u16], actual: u16) -> CheckOutcome {
    let ok = if expected.is_empty() { (200..300).contains(&actual) } else { expected.contains(&actual) };
    let expected_text = match expected {
        [] => "2xx".to_string(),
        [one] => one.to_string(),
        many => format!("one of {}", many.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(", ")),
    };
    CheckOutcome::new(CheckKind::Status, "status", if ok { CheckState::Passed } else { CheckState::Failed })
        .expected(expected_text)
        .actual(actual.to_string())
}

pub fn assert(
    kind: CheckKind,
    target: &str,
    assertion: &Assertion,
    actual: Option<&Value>,
    vars: &Vars,
) -> CheckOutcome {
    let outcome = |ok: bool, expected: String| {
        CheckOutcome::new(kind, target, if ok { CheckState::Passed } else { CheckState::Failed })
            .expected(expected)
            .actual(actual.map(|v| excerpt(v, 200)).unwrap_or_else(|| "absent".into()))
    };
    match assertion {
        Assertion::Present => outcome(actual.is_some(), "present".into()),
        Assertion::Absent => outcome(actual.is_none(), "absent".into()),
        Assertion::Checks(checks) => {
            let Some(value) = actual else {
                let wanted = checks.iter().map(|c| describe(c, vars)).collect::<Vec<_>>().join(", ");
                return outcome(false, wanted);
            };
            for check in checks {
                match passes(check, value, vars) {
                    Ok(true) => {}
                    Ok(false) => return outcome(false, describe(check, vars)),
                    Err(message) => return outcome(false, describe(check, vars)).message(message),
                }
            }
            outcome(true, checks.iter().map(|c| describe(c, vars)).collect::<Vec<_>>().join(", "))
        }
    }
}

fn passes(check: &Check, value: &Value, vars: &Vars) -> Result<bool, String> {
    let render = |v: &Value| render_json(v, vars).map_err(|e| e.to_string());
    Ok(match check {
        Check::Equals(expected) => json_eq(&render(expected)?, value),
        Check::NotEquals(expected) => !json_eq(&render(expected)?, value),
        Check::Matches(re) => match value {
            Value::String(s) => re.is_match(s),
            other => re.is_match(&other.to_string()),
        },
        Check::Type(t) => t.accepts(value),
        Check::OneOf(options) => {
            let mut any = false;
            for o in options {
                any |= json_eq(&render(o)?, value);
            }
            any
        }
        Check::Length(n) => match value {
            Value::String(s) => s.chars().count() as u64 == *n,
            Value::Array(a) => a.len() as u64 == *n,
            Value::Object(o) => o.len() as u64 == *n,
            _ => {
                return Err(format!(
                    "length applies to strings, arrays and objects, not to {}",
                    JsonType::of(value).name()
                ));
            }
        },
    })
}

/// Equality where 1 and 1.0 are the same number (YAML and JSON spell numbers differently).
fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            x.as_f64() == y.as_f64() && (x.as_i64() == y.as_i64() || x.as_f64().is_some())
        }
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

/// What a check wants, with its variables rendered (`equal to "999"`, not `"${flavor_ref}"`).
fn describe(check: &Check, vars: &Vars) -> String {
    let shown = |v: &Value| excerpt(&render_json(v, vars).unwrap_or_else(|_| v.clone()), 120);
    match check {
        Check::Equals(v) => format!("equal to {}", shown(v)),
        Check::NotEquals(v) => format!("not equal to {}", shown(v)),
        Check::Matches(re) => format!("matching /{}/", re.as_str()),
        Check::Type(t) => format!("of type {}", t.name()),
        Check::OneOf(vs) => format!("one of {}", vs.iter().map(shown).collect::<Vec<_>>().join(", ")),
        Check::Length(n) => format!("of length {n}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex::Regex;
    use serde_json::json;

    fn response(status: u16, body: Value) -> Response {
        let headers = [("location", "http://endpoint.invalid/v2.1/servers/abc")].into_iter().collect();
        Response { status, headers, body: Some(body.into()), text: None }
    }

    #[test]
    fn status_headers_and_pointers() {
        let mut vars = Vars::new();
        vars.insert("id".into(), json!("abc"));
        let expect = Expect {
            status: vec![202],
            headers: vec![("location".into(), Assertion::Present), ("x-missing".into(), Assertion::Absent)],
            body: vec![
                ("/server/id".into(), Assertion::Checks(vec![Check::Equals(json!("${id}"))])),
                ("/server/n".into(), Assertion::Checks(vec![Check::Type(JsonType::Number), Check::Equals(json!(1.0))])),
                ("/server/name".into(), Assertion::Checks(vec![Check::Matches(Regex::new("^td-").unwrap())])),
            ],
            operation: None,
        };
        let ok =
            check_response(&expect, &response(202, json!({"server": {"id": "abc", "n": 1, "name": "td-1"}})), &vars);
        assert!(ok.iter().all(|c| c.state == CheckState::Passed), "{ok:?}");
        let bad =
            check_response(&expect, &response(409, json!({"server": {"id": "xyz", "n": "1", "name": "x"}})), &vars);
        let failed: Vec<&str> = bad.iter().filter(|c| c.failed()).map(|c| c.target.as_str()).collect();
        assert_eq!(failed, ["status", "/server/id", "/server/n", "/server/name"]);
    }

    #[test]
    fn body_checks_on_a_non_json_body_fail_clearly() {
        let expect = Expect { body: vec![("/a".into(), Assertion::Present)], ..Expect::default() };
        let resp =
            Response { status: 200, headers: Default::default(), body: None, text: Some("<html>oops</html>".into()) };
        let out = check_response(&expect, &resp, &Vars::new());
        assert!(out[1].failed() && out[1].message.as_deref().unwrap().contains("not JSON"));
    }
}
