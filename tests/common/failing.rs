//! A replay that fails as a non-conformant cloud would: copies of the shipped `server-reboot`
//! cassettes (at 2.1 and 2.104) whose soft reboot shows `HARD_REBOOT` on the way — the same
//! deviation at both microversions, as `tests/mutations.rs` makes it — beside every shipped
//! `server-lifecycle` cassette, in a directory of their own. Reports of it must show the cause.

use std::path::Path;

use serde_json::{Value, json};

use super::repo;

pub const REBOOT: [&str; 2] = ["server-reboot@2.1", "server-reboot@2.104"];

/// The cassette directory; replay `suites/server-reboot.yaml suites/server-lifecycle.yaml`
/// with `--cassettes` it.
pub fn failing_cassettes() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let shipped = repo().join("cassettes/nova-34.0.0");
    let lifecycle: Vec<String> = std::fs::read_dir(&shipped)
        .unwrap()
        .filter_map(|e| e.unwrap().file_name().into_string().ok())
        .filter_map(|n| {
            n.strip_prefix("server-lifecycle@")
                .and_then(|r| r.strip_suffix(".yaml"))
                .map(|mv| format!("server-lifecycle@{mv}"))
        })
        .collect();
    assert!(lifecycle.len() > 1, "the lifecycle is shipped at several microversions");
    for name in REBOOT.iter().map(|n| n.to_string()).chain(lifecycle) {
        let name = name.as_str();
        let text = std::fs::read_to_string(shipped.join(format!("{name}.yaml"))).unwrap();
        let mut doc: Value = serde_saphyr::from_str(&text).unwrap();
        if REBOOT.contains(&name) {
            hard_reboot_on_the_way(&mut doc);
        }
        write(dir.path(), name, &doc);
    }
    dir
}

fn write(dir: &Path, name: &str, doc: &Value) {
    std::fs::write(dir.join(format!("{name}.yaml")), serde_saphyr::to_string(doc).unwrap()).unwrap();
}

/// A poll showing `HARD_REBOOT` inserted before the last poll of the soft reboot's wait,
/// halfway between the exchange before it and that poll.
fn hard_reboot_on_the_way(doc: &mut Value) {
    let list = doc["exchanges"].as_array_mut().unwrap();
    // The wait's last poll: its own GET of the server, or its share of a batch poll (a list
    // entry), which the inserted poll copies as a GET of that server.
    let last = (0..list.len())
        .rev()
        .find(|&i| {
            let e = &list[i];
            let path = e["request"]["path"].as_str().unwrap_or_default();
            let own_poll = path.strip_prefix("/servers/").is_some_and(|id| !id.contains(['/', '?']));
            e["step"] == "soft rebooted" && e["request"]["method"] == "GET" && (own_poll || e.get("batch").is_some())
        })
        .expect("the soft reboot's wait polls its server");
    if let Some(id) = list[last]["batch"]["server"].as_str().map(str::to_string) {
        let entry = list[last]["response"]["body"]["servers"]
            .as_array()
            .and_then(|l| l.iter().find(|s| s["id"] == id.as_str()))
            .cloned()
            .expect("the batch poll holds its server");
        let mut own = list[last].clone();
        own.as_object_mut().unwrap().remove("batch");
        own["request"]["path"] = json!(format!("/servers/{id}"));
        own["response"]["body"] = json!({"server": entry});
        list[last] = own;
    }
    let end = |e: &Value| e["offset_ms"].as_u64().unwrap() + e["duration_ms"].as_u64().unwrap_or(0);
    let before = if last == 0 { 0 } else { end(&list[last - 1]) };
    let at = before + list[last]["offset_ms"].as_u64().unwrap().saturating_sub(before) / 2;
    let mut poll = list[last].clone();
    poll["offset_ms"] = json!(at);
    poll["duration_ms"] = json!(1);
    let server = &mut poll["response"]["body"]["server"];
    server["status"] = json!("HARD_REBOOT");
    server["OS-EXT-STS:task_state"] = json!("rebooting_hard");
    list.insert(last, poll);
    let count = list.len();
    doc["exchange_count"] = json!(count);
}
