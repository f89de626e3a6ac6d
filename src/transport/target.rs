//! Turning a request target into a path relative to the compute endpoint. Targets taken from
//! responses are absolute URLs (with the real origin live, the placeholder in cassettes).

use crate::exchange::redact::ENDPOINT_PLACEHOLDER;
use crate::util::json::truncate;
use crate::util::url_path::escapes;

/// Refuses a target (a rendered path, or a URL taken from a response) whose path could leave
/// the compute endpoint once the client resolves it: `..` and `.` segments (also as `%2e`),
/// control characters. A captured value holding `../` is caught here, after substitution.
pub fn check_target(target: &str) -> Result<(), String> {
    let path = match target.split_once("://") {
        Some((scheme, rest)) if scheme == "http" || scheme == "https" => rest.find('/').map_or("/", |i| &rest[i..]),
        _ => target,
    };
    match escapes(path) {
        Some(why) => Err(format!("request path `{}` would leave the compute endpoint: {why}", truncate(target, 200))),
        None => Ok(()),
    }
}

/// `base_path` is the endpoint's path (`/v2.1`); `origins` are the origins that mean "this
/// endpoint" (the real one live, the placeholder always).
pub fn relative_target(target: &str, origins: &[&str], base_path: &str) -> Result<String, String> {
    let path = relative(target, origins, base_path)?;
    check_target(&path)?;
    Ok(path)
}

fn relative(target: &str, origins: &[&str], base_path: &str) -> Result<String, String> {
    if !(target.starts_with("http://") || target.starts_with("https://")) {
        if target.starts_with('/') {
            return Ok(target.to_string());
        }
        return Err(format!(
            "request path `{target}` must start with `/` (relative to the compute endpoint) or be a URL of the endpoint"
        ));
    }
    let origin = origins
        .iter()
        .chain(std::iter::once(&ENDPOINT_PLACEHOLDER))
        .find(|o| target.starts_with(**o) && matches!(target.as_bytes().get(o.len()), None | Some(b'/') | Some(b'?')))
        .ok_or_else(|| format!("`{target}` is not a URL of the compute endpoint under test"))?;
    let path = &target[origin.len()..];
    let base = base_path.trim_end_matches('/');
    match path.strip_prefix(base) {
        Some(rest) if rest.is_empty() || rest.starts_with('/') || rest.starts_with('?') => Ok(if rest.is_empty() {
            "/".to_string()
        } else if rest.starts_with('?') {
            format!("/{rest}")
        } else {
            rest.to_string()
        }),
        _ => Err(format!("`{target}` is outside the compute endpoint path `{base_path}`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_origin_and_base_path() {
        let o = ["http://127.0.0.1:8774"];
        assert_eq!(relative_target("/servers", &o, "/v2.1").unwrap(), "/servers");
        assert_eq!(
            relative_target("http://127.0.0.1:8774/v2.1/servers?marker=x", &o, "/v2.1").unwrap(),
            "/servers?marker=x"
        );
        assert_eq!(
            relative_target(&format!("{ENDPOINT_PLACEHOLDER}/v2.1/servers/1"), &o, "/v2.1/").unwrap(),
            "/servers/1"
        );
        assert!(relative_target("http://elsewhere/v2.1/servers", &o, "/v2.1").is_err());
        assert!(relative_target("http://127.0.0.1:8774/v2/servers", &o, "/v2.1").is_err());
        assert!(relative_target("servers", &o, "/v2.1").is_err());
    }

    #[test]
    fn paths_that_leave_the_endpoint_are_refused() {
        let o = ["http://127.0.0.1:8774"];
        let e = relative_target("/../../v3/auth/tokens", &o, "/v2.1").unwrap_err();
        assert_eq!(e, "request path `/../../v3/auth/tokens` would leave the compute endpoint: it has a `..` segment");
        assert!(relative_target("http://127.0.0.1:8774/v2.1/servers/%2e%2e/%2e%2e/v3", &o, "/v2.1").is_err());
        assert!(relative_target("/servers/x\\..\\..\\v3", &o, "/v2.1").is_err());
        assert!(check_target("http://127.0.0.1:8774/v2.1/servers/../../v3").is_err());
        assert!(check_target("http://127.0.0.1:8774/v2.1/servers?marker=../x").is_ok());
    }
}
