//! The server status vocabulary in one place: what real Nova returns, the spellings the
//! documents use instead, and the path each action is expected to take. Suites name statuses
//! through this model; a documented alias is accepted and reported as documentation drift.

/// Statuses real Nova returns (nova/api/openstack/common.py `_STATE_MAP`), plus `DELETED`
/// which tapedeck also uses for "the server is gone" (404 on GET).
pub const STATUSES: &[&str] = &[
    "ACTIVE",
    "BUILD",
    "DELETED",
    "ERROR",
    "HARD_REBOOT",
    "MIGRATING",
    "PASSWORD",
    "PAUSED",
    "REBOOT",
    "REBUILD",
    "RESCUE",
    "RESIZE",
    "REVERT_RESIZE",
    "SHELVED",
    "SHELVED_OFFLOADED",
    "SHUTOFF",
    "SOFT_DELETED",
    "SUSPENDED",
    "UNKNOWN",
    "VERIFY_RESIZE",
];

/// Spellings used by the api-ref and other documents, and what Nova really returns.
pub const ALIASES: &[(&str, &str, &str)] = &[
    ("BUILDING", "BUILD", "api-ref prose says BUILDING; Nova returns BUILD"),
    ("RESCUED", "RESCUE", "api-ref prose says RESCUED; Nova returns RESCUE"),
    ("STOPPED", "SHUTOFF", "api-ref prose says STOPPED; Nova returns SHUTOFF"),
    ("RESIZED", "VERIFY_RESIZE", "api-ref prose says RESIZED; Nova returns VERIFY_RESIZE"),
];

/// The status a wait sees when GET on the server answers 404.
pub const GONE: &str = "DELETED";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    Known(&'static str),
    /// A documented alias: the real status and the drift note.
    Alias {
        real: &'static str,
        note: &'static str,
    },
}

impl Resolved {
    pub fn status(&self) -> &'static str {
        match self {
            Resolved::Known(s) => s,
            Resolved::Alias { real, .. } => real,
        }
    }
}

pub fn resolve(name: &str) -> Option<Resolved> {
    if let Some(s) = STATUSES.iter().find(|s| **s == name) {
        return Some(Resolved::Known(s));
    }
    ALIASES.iter().find(|(alias, _, _)| *alias == name).map(|(_, real, note)| Resolved::Alias { real, note })
}

/// Expected status path of a server action, from the state it starts in to where it settles.
/// A suite names one of these as its wait's `path` (`path: reboot-soft`).
pub const ACTION_PATHS: &[(&str, &[&str])] = &[
    ("create", &["BUILD", "ACTIVE"]),
    ("reboot-soft", &["ACTIVE", "REBOOT", "ACTIVE"]),
    ("reboot-hard", &["ACTIVE", "HARD_REBOOT", "ACTIVE"]),
    ("resize", &["ACTIVE", "RESIZE", "VERIFY_RESIZE"]),
    ("confirm-resize", &["VERIFY_RESIZE", "ACTIVE"]),
    ("revert-resize", &["VERIFY_RESIZE", "REVERT_RESIZE", "ACTIVE"]),
    ("rebuild", &["ACTIVE", "REBUILD", "ACTIVE"]),
    ("stop", &["ACTIVE", "SHUTOFF"]),
    ("start", &["SHUTOFF", "ACTIVE"]),
    ("pause", &["ACTIVE", "PAUSED"]),
    ("unpause", &["PAUSED", "ACTIVE"]),
    ("suspend", &["ACTIVE", "SUSPENDED"]),
    ("resume", &["SUSPENDED", "ACTIVE"]),
    ("rescue", &["ACTIVE", "RESCUE"]),
    ("unrescue", &["RESCUE", "ACTIVE"]),
    ("shelve", &["ACTIVE", "SHELVED", "SHELVED_OFFLOADED"]),
    ("unshelve", &["SHELVED_OFFLOADED", "ACTIVE"]),
    ("delete", &["ACTIVE", "DELETED"]),
];

pub fn expected_path(action: &str) -> Option<&'static [&'static str]> {
    ACTION_PATHS.iter().find(|(a, _)| *a == action).map(|(_, p)| *p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_resolve_to_real_statuses() {
        assert_eq!(resolve("STOPPED").unwrap().status(), "SHUTOFF");
        assert!(matches!(resolve("ACTIVE"), Some(Resolved::Known("ACTIVE"))));
        assert!(resolve("active").is_none());
    }

    #[test]
    fn action_paths_use_real_statuses_only() {
        for (action, path) in ACTION_PATHS {
            for s in *path {
                assert!(STATUSES.contains(s), "{action}: {s}");
            }
        }
    }
}
