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

/// Has the server settled in `status`, as far as the (admin) server view shows? No task may be
/// running on it (`OS-EXT-STS:task_state` null when shown), and an offloaded server must be off
/// its host: nova's shelve offload sets SHELVED_OFFLOADED and clears the task first, then frees
/// the host's resources, and only then nulls `OS-EXT-SRV-ATTR:host` (compute manager,
/// `_shelve_offload_instance`) — a poll in between sees a half-offloaded server (measured:
/// two recordings of `server-shelve` differed there).
pub fn settled(status: &str, server: Option<&serde_json::Value>) -> bool {
    let shown = |field: &str| server.and_then(|s| s.get(field)).filter(|v| !v.is_null());
    let no_task = shown("OS-EXT-STS:task_state").is_none();
    let off_host = status != "SHELVED_OFFLOADED" || shown("OS-EXT-SRV-ATTR:host").is_none();
    no_task && off_host
}

/// `(vm_state, its status, [(task_state, the status it shows instead)])`.
pub type StateRow = (&'static str, &'static str, &'static [(&'static str, &'static str)]);

/// The status Nova shows for a `vm_state`, and the task states that show another
/// (nova/api/openstack/common.py `_STATE_MAP`, nova 34.0.0): `(vm_state, default, [(task_state,
/// status)])`. A poll whose status disagrees with its visible states is not Nova's answer.
pub const STATE_MAP: &[StateRow] = &[
    (
        "active",
        "ACTIVE",
        &[
            ("rebooting", "REBOOT"),
            ("reboot_pending", "REBOOT"),
            ("reboot_started", "REBOOT"),
            ("rebooting_hard", "HARD_REBOOT"),
            ("reboot_pending_hard", "HARD_REBOOT"),
            ("reboot_started_hard", "HARD_REBOOT"),
            ("updating_password", "PASSWORD"),
            ("rebuilding", "REBUILD"),
            ("rebuild_block_device_mapping", "REBUILD"),
            ("rebuild_spawning", "REBUILD"),
            ("migrating", "MIGRATING"),
            ("resize_prep", "RESIZE"),
            ("resize_migrating", "RESIZE"),
            ("resize_migrated", "RESIZE"),
            ("resize_finish", "RESIZE"),
        ],
    ),
    ("building", "BUILD", &[]),
    (
        "stopped",
        "SHUTOFF",
        &[
            ("resize_prep", "RESIZE"),
            ("resize_migrating", "RESIZE"),
            ("resize_migrated", "RESIZE"),
            ("resize_finish", "RESIZE"),
            ("rebuilding", "REBUILD"),
            ("rebuild_block_device_mapping", "REBUILD"),
            ("rebuild_spawning", "REBUILD"),
        ],
    ),
    ("resized", "VERIFY_RESIZE", &[("resize_reverting", "REVERT_RESIZE")]),
    ("paused", "PAUSED", &[("migrating", "MIGRATING")]),
    ("suspended", "SUSPENDED", &[]),
    ("rescued", "RESCUE", &[]),
    (
        "error",
        "ERROR",
        &[("rebuilding", "REBUILD"), ("rebuild_block_device_mapping", "REBUILD"), ("rebuild_spawning", "REBUILD")],
    ),
    ("deleted", "DELETED", &[]),
    ("soft-delete", "SOFT_DELETED", &[]),
    ("shelved", "SHELVED", &[]),
    ("shelved_offloaded", "SHELVED_OFFLOADED", &[]),
];

/// The status Nova derives from `vm_state` and `task_state`; `None` for a vm_state it does not
/// know (Nova itself then says `UNKNOWN`).
pub fn status_for(vm_state: &str, task_state: Option<&str>) -> Option<&'static str> {
    let (_, default, tasks) = STATE_MAP.iter().find(|(vm, _, _)| *vm == vm_state)?;
    Some(task_state.and_then(|t| tasks.iter().find(|(task, _)| *task == t)).map_or(*default, |(_, status)| status))
}

/// Statuses that show a task running on the server: a wait may poll past them, and then needs
/// other evidence that the server went through them.
pub const TRANSITIONAL: &[&str] =
    &["BUILD", "REBOOT", "HARD_REBOOT", "RESIZE", "REVERT_RESIZE", "REBUILD", "MIGRATING", "PASSWORD"];

/// The instance action Nova records for a request (nova/compute/instance_actions.py): a
/// server action's body key, or `create` for `POST /servers`. What it evidences is checked
/// against this name.
pub const RECORDED_ACTIONS: &[(&str, &str)] = &[
    ("create", "create"),
    ("reboot", "reboot"),
    ("rebuild", "rebuild"),
    ("resize", "resize"),
    ("confirmResize", "confirmResize"),
    ("revertResize", "revertResize"),
    ("os-stop", "stop"),
    ("os-start", "start"),
    ("pause", "pause"),
    ("unpause", "unpause"),
    ("suspend", "suspend"),
    ("resume", "resume"),
    ("rescue", "rescue"),
    ("unrescue", "unrescue"),
    ("changePassword", "changePassword"),
    ("shelve", "shelve"),
    ("shelveOffload", "shelveOffload"),
    ("unshelve", "unshelve"),
    ("lock", "lock"),
    ("unlock", "unlock"),
    ("createBackup", "createBackup"),
    ("createImage", "createImage"),
    ("os-resetState", "resetState"),
    ("migrate", "migrate"),
    ("os-migrateLive", "live-migration"),
    ("evacuate", "evacuate"),
    ("restore", "restore"),
    ("trigger_crash_dump", "trigger_crash_dump"),
];

/// The instance action a request records: `key` is a server action's body key, or `create`.
pub fn recorded_action(key: &str) -> Option<&'static str> {
    RECORDED_ACTIONS.iter().find(|(k, _)| *k == key).map(|(_, a)| *a)
}

/// What a status says about the server, as reports colour it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusKind {
    /// A status a server rests in (`ACTIVE`, `SHUTOFF`, `DELETED`, …).
    Settled,
    /// A task is running on the server (`BUILD`, `REBOOT`, …): see [`TRANSITIONAL`].
    Transitional,
    /// `ERROR`, or Nova's `UNKNOWN` (it lost track of the server).
    Failure,
    /// Not a status Nova returns.
    Unknown,
}

pub fn kind_of(status: &str) -> StatusKind {
    let status = resolve(status).map(|r| r.status()).unwrap_or("");
    match status {
        "" => StatusKind::Unknown,
        "ERROR" | "UNKNOWN" => StatusKind::Failure,
        s if TRANSITIONAL.contains(&s) => StatusKind::Transitional,
        _ => StatusKind::Settled,
    }
}

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
    // A cold migration is a resize to the same flavor on another host.
    ("migrate", &["ACTIVE", "RESIZE", "VERIFY_RESIZE"]),
    ("live-migrate", &["ACTIVE", "MIGRATING", "ACTIVE"]),
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
    fn states_map_to_the_statuses_nova_shows() {
        assert_eq!(status_for("active", None), Some("ACTIVE"));
        assert_eq!(status_for("active", Some("rebooting")), Some("REBOOT"));
        assert_eq!(status_for("active", Some("powering-off")), Some("ACTIVE"));
        assert_eq!(status_for("resized", Some("resize_reverting")), Some("REVERT_RESIZE"));
        assert_eq!(status_for("soft-delete", None), Some("SOFT_DELETED"));
        assert_eq!(status_for("nonsense", None), None);
        for (_, default, tasks) in STATE_MAP {
            assert!(STATUSES.contains(default), "{default}");
            for (_, s) in *tasks {
                assert!(STATUSES.contains(s) && TRANSITIONAL.contains(s), "{s}");
            }
        }
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

#[cfg(test)]
mod settled_tests {
    use super::settled;
    use serde_json::json;

    #[test]
    fn an_offloaded_server_still_on_its_host_has_not_settled() {
        let view = |task: serde_json::Value, host: serde_json::Value| json!({"OS-EXT-STS:task_state": task, "OS-EXT-SRV-ATTR:host": host});
        assert!(settled("SHELVED_OFFLOADED", Some(&view(json!(null), json!(null)))));
        assert!(!settled("SHELVED_OFFLOADED", Some(&view(json!(null), json!("compute1")))));
        assert!(!settled("SHELVED_OFFLOADED", Some(&view(json!("shelving_offloading"), json!(null)))));
        assert!(settled("ACTIVE", Some(&view(json!(null), json!("compute1")))));
        assert!(!settled("ACTIVE", Some(&view(json!("rebooting"), json!("compute1")))));
        // A user's view shows neither field: nothing says it has not settled.
        assert!(settled("SHELVED_OFFLOADED", Some(&json!({"status": "SHELVED_OFFLOADED"}))));
        assert!(settled("ACTIVE", None));
    }
}
