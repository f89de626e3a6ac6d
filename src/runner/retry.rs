//! Which failed requests are tried again, and after how long. Only where repeating cannot do
//! harm: answers that say the request was not processed (429, 502, 503, 504) for idempotent
//! methods, and connection failures or timeouts — where the request may or may not have
//! arrived — only for safe ones (GET, HEAD). POST is never repeated. A `Retry-After` is
//! honoured up to a bound; a longer one ends the step with the evidence instead.

use std::time::Duration;

use crate::exchange::Response;
use crate::transport::TransportErrorKind;

pub const MAX_RETRIES: u32 = 3;
/// The longest pause tapedeck accepts to wait before a retry.
pub const MAX_PAUSE: Duration = Duration::from_secs(30);
const FIRST_BACKOFF: Duration = Duration::from_millis(250);

fn safe(method: &str) -> bool {
    matches!(method, "GET" | "HEAD" | "OPTIONS")
}

fn idempotent(method: &str) -> bool {
    safe(method) || matches!(method, "PUT" | "DELETE")
}

/// Backoff for attempt `n` (0-based) when the provider says nothing.
fn backoff(n: u32) -> Duration {
    FIRST_BACKOFF * 2u32.pow(n.min(6))
}

/// `Retry-After`: delay-seconds or an HTTP date.
pub fn retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = jiff::fmt::rfc2822::parse(value).ok()?.timestamp();
    let wait = when.duration_since(jiff::Timestamp::now());
    Some(Duration::try_from(wait).unwrap_or(Duration::ZERO))
}

pub enum Decision {
    Retry(Duration),
    Stop(Option<String>),
}

/// After a response: retry (and after how long), or keep it as the answer.
pub fn after_response(method: &str, response: &Response, attempt: u32) -> Decision {
    if !matches!(response.status, 429 | 502 | 503 | 504) || attempt >= MAX_RETRIES {
        return Decision::Stop(None);
    }
    if !idempotent(method) {
        return Decision::Stop(Some(format!("{method} is not idempotent: not retried after {}", response.status)));
    }
    match response.header("retry-after").map(|v| (v, retry_after(v))) {
        Some((_, Some(d))) if d > MAX_PAUSE => Decision::Stop(Some(format!(
            "Retry-After asks for {} s, more than the {} s tapedeck waits",
            d.as_secs(),
            MAX_PAUSE.as_secs()
        ))),
        Some((_, Some(d))) => Decision::Retry(d),
        _ => Decision::Retry(backoff(attempt)),
    }
}

/// After a transport failure: retry only what cannot have changed anything.
pub fn after_error(method: &str, kind: TransportErrorKind, attempt: u32) -> Option<Duration> {
    let transient = matches!(kind, TransportErrorKind::Connect | TransportErrorKind::Io | TransportErrorKind::Timeout);
    (transient && safe(method) && attempt < MAX_RETRIES).then(|| backoff(attempt))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, retry: Option<&str>) -> Response {
        Response {
            status,
            headers: retry.map(|r| [("retry-after", r)].into_iter().collect()).unwrap_or_default(),
            body: None,
            text: None,
        }
    }

    #[test]
    fn retries_only_what_is_safe_and_honours_retry_after_within_bounds() {
        let retry = |m: &str, r: &Response, n| match after_response(m, r, n) {
            Decision::Retry(d) => Some(d),
            Decision::Stop(_) => None,
        };
        assert_eq!(retry("GET", &response(503, Some("2")), 0), Some(Duration::from_secs(2)));
        assert_eq!(retry("DELETE", &response(429, None), 1), Some(Duration::from_millis(500)));
        assert_eq!(retry("POST", &response(503, Some("1")), 0), None);
        assert_eq!(retry("GET", &response(500, None), 0), None, "a 500 is evidence, not congestion");
        assert_eq!(retry("GET", &response(503, Some("120")), 0), None);
        assert_eq!(retry("GET", &response(503, None), MAX_RETRIES), None);
        assert_eq!(after_error("GET", TransportErrorKind::Io, 0), Some(Duration::from_millis(250)));
        assert_eq!(after_error("PUT", TransportErrorKind::Io, 0), None, "it may have arrived");
        assert_eq!(after_error("GET", TransportErrorKind::Auth, 0), None);
    }

    #[test]
    fn retry_after_as_seconds_or_an_http_date() {
        assert_eq!(retry_after(" 3 "), Some(Duration::from_secs(3)));
        assert_eq!(retry_after("Sun, 06 Nov 1994 08:49:37 GMT"), Some(Duration::ZERO));
        assert_eq!(retry_after("soon"), None);
    }
}
