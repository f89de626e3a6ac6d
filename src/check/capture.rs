//! `capture:` — values taken from a response into the run's variables.

use serde_json::Value;

use crate::exchange::Response;
use crate::suite::{Capture, CaptureSource};

pub fn capture(c: &Capture, response: &Response) -> Result<Value, String> {
    let value = match &c.source {
        CaptureSource::Pointer(p) => {
            let body =
                response.body.as_ref().ok_or_else(|| format!("cannot capture {p}: the response body is not JSON"))?;
            body.pointer(p).cloned().ok_or_else(|| format!("cannot capture {p}: no such field in the response"))?
        }
        CaptureSource::Header(h) => Value::String(
            response.header(h).ok_or_else(|| format!("cannot capture header {h}: not in the response"))?.to_string(),
        ),
    };
    match &c.regex {
        None => Ok(value),
        Some(re) => {
            let text = match &value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            re.captures(&text)
                .and_then(|caps| caps.get(1))
                .map(|m| Value::String(m.as_str().to_string()))
                .ok_or_else(|| format!("`{text}` does not match /{}/", re.as_str()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex::Regex;
    use serde_json::json;

    #[test]
    fn pointer_header_and_regex() {
        let headers = [("location", "http://endpoint.invalid/v2.1/images/1234")].into_iter().collect();
        let r =
            Response { status: 202, headers, body: Some(json!({"server": {"id": "abc", "n": 3}}).into()), text: None };
        let c = |source, regex: Option<&str>| Capture {
            var: "v".into(),
            source,
            regex: regex.map(|r| Regex::new(r).unwrap()),
        };
        assert_eq!(capture(&c(CaptureSource::Pointer("/server/n".into()), None), &r).unwrap(), json!(3));
        assert_eq!(
            capture(&c(CaptureSource::Header("location".into()), Some("/images/(.+)$")), &r).unwrap(),
            json!("1234")
        );
        assert!(
            capture(&c(CaptureSource::Pointer("/server/nope".into()), None), &r).unwrap_err().contains("no such field")
        );
    }
}
