//! Behavioural comparison of two recordings of the same suite run: same steps, same HTTP
//! statuses, same server status traces up to transitional statuses one of them polled past.
//! Ids, timestamps and timings are not compared. (The full classified diff builds on this.)

use std::fmt;

use super::format::Cassette;
use crate::exchange::Exchange;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub step: String,
    pub what: String,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "step `{}`: {}", self.step, self.what)
    }
}

/// What one step did, as far as behaviour goes.
#[derive(Debug, Clone, PartialEq, Eq)]
struct StepBehaviour {
    step: String,
    /// (method, HTTP status, server status seen in the body), consecutive repeats collapsed.
    calls: Vec<(String, u16, Option<String>)>,
}

fn behaviour(exchanges: &[Exchange]) -> Vec<StepBehaviour> {
    let mut steps: Vec<StepBehaviour> = Vec::new();
    for e in exchanges {
        let status = e
            .response
            .body
            .as_ref()
            .and_then(|b| b.pointer("/server/status"))
            .and_then(|s| s.as_str())
            .map(str::to_string);
        let call = (e.request.method.clone(), e.response.status, if e.request.method == "GET" { status } else { None });
        match steps.last_mut() {
            Some(s) if s.step == e.step => {
                if s.calls.last() != Some(&call) {
                    s.calls.push(call);
                }
            }
            _ => steps.push(StepBehaviour { step: e.step.clone(), calls: vec![call] }),
        }
    }
    steps
}

fn is_subsequence<T: PartialEq>(short: &[T], long: &[T]) -> bool {
    let mut it = long.iter();
    short.iter().all(|x| it.any(|y| y == x))
}

fn render(calls: &[(String, u16, Option<String>)]) -> String {
    calls
        .iter()
        .map(|(m, c, s)| match s {
            Some(s) => format!("{m} {c} {s}"),
            None => format!("{m} {c}"),
        })
        .collect::<Vec<_>>()
        .join(" → ")
}

pub fn compare(a: &Cassette, b: &Cassette) -> Vec<Difference> {
    let mut diffs = Vec::new();
    let top = |what: String| Difference { step: "(cassette)".into(), what };
    if a.skipped != b.skipped {
        diffs.push(top(format!("skipped: {:?} vs {:?}", a.skipped, b.skipped)));
    }
    if a.suite_hash != b.suite_hash {
        diffs.push(top("recorded from different versions of the suite".into()));
    }
    let (sa, sb) = (behaviour(&a.exchanges), behaviour(&b.exchanges));
    let names_a: Vec<&str> = sa.iter().map(|s| s.step.as_str()).collect();
    let names_b: Vec<&str> = sb.iter().map(|s| s.step.as_str()).collect();
    for name in names_a.iter().filter(|n| !names_b.contains(n)) {
        diffs.push(Difference { step: name.to_string(), what: "only in the first recording".into() });
    }
    for name in names_b.iter().filter(|n| !names_a.contains(n)) {
        diffs.push(Difference { step: name.to_string(), what: "only in the second recording".into() });
    }
    for x in &sa {
        let Some(y) = sb.iter().find(|s| s.step == x.step) else { continue };
        let same_end = x.calls.last() == y.calls.last();
        let (short, long) = if x.calls.len() <= y.calls.len() { (&x.calls, &y.calls) } else { (&y.calls, &x.calls) };
        if !(same_end && is_subsequence(short, long)) {
            diffs.push(Difference {
                step: x.step.clone(),
                what: format!("{} vs {}", render(&x.calls), render(&y.calls)),
            });
        }
    }
    diffs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::{Request, Response};
    use serde_json::json;

    fn ex(step: &str, method: &str, code: u16, status: Option<&str>) -> Exchange {
        Exchange {
            step: step.into(),
            identity: None,
            offset_ms: 0,
            duration_ms: 1,
            request: Request {
                method: method.into(),
                path: "/servers/x".into(),
                headers: Default::default(),
                body: None,
            },
            response: Response {
                status: code,
                headers: Default::default(),
                body: status.map(|s| json!({"server": {"status": s}})),
                text: None,
            },
        }
    }

    fn cassette(exchanges: Vec<Exchange>) -> Cassette {
        Cassette {
            format: 1,
            tapedeck: "0".into(),
            recorded_at: "".into(),
            provider: "p".into(),
            endpoint_path: "/v2.1".into(),
            api_versions: None,
            suite: "s".into(),
            suite_hash: "h".into(),
            microversion: crate::microversion::Microversion::MIN,
            identities: vec![],
            variables: Default::default(),
            skipped: None,
            exchanges,
        }
    }

    #[test]
    fn missed_transitional_statuses_are_equivalent() {
        let a = cassette(vec![
            ex("create", "POST", 202, None),
            ex("wait", "GET", 200, Some("BUILD")),
            ex("wait", "GET", 200, Some("BUILD")),
            ex("wait", "GET", 200, Some("ACTIVE")),
        ]);
        let b = cassette(vec![ex("create", "POST", 202, None), ex("wait", "GET", 200, Some("ACTIVE"))]);
        assert_eq!(compare(&a, &b), vec![]);
    }

    #[test]
    fn different_statuses_and_steps_are_reported() {
        let a = cassette(vec![ex("create", "POST", 202, None), ex("wait", "GET", 200, Some("ACTIVE"))]);
        let b = cassette(vec![
            ex("create", "POST", 400, None),
            ex("wait", "GET", 200, Some("ERROR")),
            ex("extra", "GET", 200, None),
        ]);
        let d = compare(&a, &b);
        assert_eq!(d.len(), 3, "{d:?}");
        assert!(d.iter().any(|d| d.step == "create" && d.what == "POST 202 vs POST 400"));
        assert!(d.iter().any(|d| d.step == "extra"));
    }
}
