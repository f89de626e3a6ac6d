//! Matching a concrete request (`POST /servers/5c1e…/action`) to its api-ref operation.

use super::operation::OperationInfo;

/// How well `template` matches `path`: `None` if it does not, else the number of literal
/// segments (so `/servers/detail` beats `/servers/{server_id}`).
pub fn template_score(template: &str, path: &str) -> Option<usize> {
    // Called for every operation on every exchange: walks both without allocating.
    let path = path.split(['?', '#']).next().unwrap_or("");
    let mut t = template.trim_matches('/').split('/');
    let mut p = path.trim_matches('/').split('/');
    let mut literals = 0;
    loop {
        match (t.next(), p.next()) {
            (None, None) => return Some(literals),
            (Some(ts), Some(ps)) if ts.starts_with('{') && ts.ends_with('}') => {
                if ps.is_empty() {
                    return None;
                }
            }
            (Some(ts), Some(ps)) if ts == ps => literals += 1,
            _ => return None,
        }
    }
}

/// How many segments a path (query ignored) or template has.
pub fn segments(path: &str) -> usize {
    path.split(['?', '#']).next().unwrap_or("").trim_matches('/').split('/').count()
}

/// The best operations for a request: among actions sharing a path, the one whose action key
/// the body holds; several non-action operations on one path (create server / create multiple
/// servers) all, in api-ref order, for the caller to tell apart by their request schemas.
pub fn best_matches<'a>(
    ops: impl Iterator<Item = &'a OperationInfo>,
    method: &str,
    path: &str,
    body: Option<&serde_json::Value>,
) -> Vec<&'a OperationInfo> {
    let mut candidates: Vec<(usize, &OperationInfo)> = ops
        .filter(|op| op.method.eq_ignore_ascii_case(method))
        .filter_map(|op| template_score(&op.path, path).map(|s| (s, op)))
        .collect();
    let Some(best) = candidates.iter().map(|(s, _)| *s).max() else { return Vec::new() };
    candidates.retain(|(s, _)| *s == best);
    let keys: Vec<&str> =
        body.and_then(|b| b.as_object()).map(|m| m.keys().map(String::as_str).collect()).unwrap_or_default();
    if candidates.iter().any(|(_, op)| op.action.is_some()) {
        return candidates
            .iter()
            .map(|(_, op)| *op)
            .find(|op| op.action.as_deref().is_some_and(|a| keys.contains(&a)))
            .into_iter()
            .collect();
    }
    let mut ops: Vec<&OperationInfo> = candidates.into_iter().map(|(_, op)| op).collect();
    ops.sort_by_key(|op| source_order(&op.source));
    ops
}

fn source_order(source: &str) -> (String, usize) {
    let (file, line) = source.rsplit_once(':').unwrap_or((source, "0"));
    (file.to_string(), line.parse().unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_segments_win_and_queries_are_ignored() {
        assert_eq!(template_score("/servers/{server_id}", "/servers/abc?x=1"), Some(1));
        assert_eq!(template_score("/servers/detail", "/servers/detail?limit=1"), Some(2));
        assert_eq!(template_score("/servers/{server_id}", "/servers"), None);
        assert_eq!(template_score("/servers/{server_id}/action", "/servers//action"), None);
    }
}
