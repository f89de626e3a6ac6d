//! Choosing the variables the suites need from what the cloud lists, each choice with its reason
//! — pure: the listings come in as JSON, the choices go out.

use serde_json::Value;

/// One variable as chosen: its value (`None`: nothing qualified), what it is, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    pub var: &'static str,
    pub value: Option<String>,
    /// The thing's name on the cloud (an image's or flavor's name, a network's label).
    pub name: String,
    pub why: String,
}

impl Choice {
    fn none(var: &'static str, why: impl Into<String>) -> Choice {
        Choice { var, value: None, name: String::new(), why: why.into() }
    }
}

/// Image properties that need a particular host (encryption, pinned CPUs, NUMA, huge pages,
/// PCI devices, required traits): a server booted from such an image fails on an ordinary one.
const SPECIAL_IMAGE_PROPERTIES: &[&str] = &[
    "hw_ephemeral_encryption",
    "trait:",
    "hw_cpu_policy",
    "hw_cpu_thread_policy",
    "hw_numa_",
    "hw_mem_page_size",
    "hw_pci_",
    "hw_tpm_",
    "hw_mem_encryption",
];

/// Flavor extra specs of the same kind (`hw:` asks for NUMA, pinning, huge pages…).
const SPECIAL_FLAVOR_SPECS: &[&str] =
    &["hw:", "trait:", "resources:", "pci_passthrough:", "aggregate_instance_extra_specs:", "capabilities:", "accel:"];

/// Network labels that usually name an external (provider) network, where a project member
/// cannot plug a server.
const EXTERNAL_LABELS: &[&str] = &["public", "external", "ext-net", "ext_net", "provider", "floating"];

#[derive(Debug, Clone)]
struct Image {
    id: String,
    name: String,
    size: Option<u64>,
    /// Why it needs a particular host, if it does.
    special: Option<String>,
    snapshot: bool,
}

#[derive(Debug, Clone)]
struct Flavor {
    id: String,
    name: String,
    vcpus: u64,
    ram: u64,
    disk: u64,
    /// Why it does not fit an ordinary test server, if it does not.
    unfit: Option<String>,
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn num_of(v: &Value, key: &str) -> u64 {
    v.get(key).and_then(Value::as_u64).unwrap_or(0)
}

fn items<'a>(doc: &'a Value, key: &str) -> &'a [Value] {
    doc.get(key).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default()
}

fn special(properties: Option<&Value>, prefixes: &[&str]) -> Option<String> {
    let keys = properties.and_then(Value::as_object)?.keys();
    let found: Vec<&str> = keys.filter(|k| prefixes.iter().any(|p| k.starts_with(p))).map(String::as_str).collect();
    (!found.is_empty()).then(|| found.join(", "))
}

/// The first few of a list, and how many more.
fn abridged(list: &[String]) -> String {
    const SHOWN: usize = 3;
    let mut text = list.iter().take(SHOWN).cloned().collect::<Vec<_>>().join(", ");
    if list.len() > SHOWN {
        text.push_str(&format!(" and {} more", list.len() - SHOWN));
    }
    text
}

fn mib(bytes: u64) -> String {
    format!("{} MiB", bytes.div_ceil(1024 * 1024))
}

/// `image_ref` and `image_ref_alt` from `GET /images/detail`: the smallest ACTIVE images that
/// an ordinary host can boot (snapshots last), in listing order among equals. A value already
/// set is kept while it is still ACTIVE.
pub fn images(doc: &Value, keep: [Option<&str>; 2]) -> [Choice; 2] {
    let listed = items(doc, "images");
    let mut skipped = Vec::new();
    let mut usable: Vec<Image> = Vec::new();
    for v in listed {
        let image = Image {
            id: str_of(v, "id").to_string(),
            name: str_of(v, "name").to_string(),
            size: v.get("OS-EXT-IMG-SIZE:size").and_then(Value::as_u64),
            special: special(v.get("metadata"), SPECIAL_IMAGE_PROPERTIES),
            snapshot: v.get("metadata").and_then(|m| m.get("image_type")).and_then(Value::as_str) == Some("snapshot"),
        };
        if str_of(v, "status") != "ACTIVE" || image.id.is_empty() {
            continue;
        }
        match &image.special {
            Some(why) => skipped.push(format!("{} ({why})", image.id)),
            None => usable.push(image),
        }
    }
    // Stable: equals stay in the order the cloud listed them.
    usable.sort_by_key(|i| (i.snapshot, i.size.unwrap_or(u64::MAX)));
    let skipped_note = if skipped.is_empty() {
        String::new()
    } else {
        format!("; skipped {} needing a particular host: {}", skipped.len(), abridged(&skipped))
    };
    let describe = |i: &Image| i.size.map(mib).unwrap_or_else(|| "size unknown".into());
    let mut chosen: Vec<Choice> = Vec::new();
    for (var, kept) in ["image_ref", "image_ref_alt"].into_iter().zip(keep) {
        let taken: Vec<&str> = chosen.iter().filter_map(|c| c.value.as_deref()).collect();
        let choice = if let Some(i) = kept.and_then(|k| usable.iter().find(|i| i.id == k)) {
            Choice { var, value: Some(i.id.clone()), name: i.name.clone(), why: "kept: already set, and ACTIVE".into() }
        } else if let Some(i) = usable.iter().find(|i| !taken.contains(&i.id.as_str())) {
            let (which, note) =
                if taken.is_empty() { ("the smallest", skipped_note.as_str()) } else { ("the next smallest", "") };
            let replaced =
                kept.map(|k| format!(" (the value set before, {k}, is not an ACTIVE image)")).unwrap_or_default();
            Choice {
                var,
                value: Some(i.id.clone()),
                name: i.name.clone(),
                why: format!("{which} ACTIVE image ({}) of {} listed{note}{replaced}", describe(i), listed.len()),
            }
        } else {
            Choice::none(
                var,
                format!("no other ACTIVE image an ordinary host can boot ({} listed{skipped_note})", listed.len()),
            )
        };
        chosen.push(choice);
    }
    let [a, b] = <[Choice; 2]>::try_from(chosen).expect("two images");
    [a, b]
}

/// The images' needs a flavor must meet: RAM and disk, in MiB and GiB.
pub fn needs_of(doc: &Value, ids: &[&str]) -> (u64, u64) {
    let mut needs = (0, 0);
    for v in items(doc, "images").iter().filter(|v| ids.contains(&str_of(v, "id"))) {
        let size_gib = v.get("OS-EXT-IMG-SIZE:size").and_then(Value::as_u64).unwrap_or(0).div_ceil(1 << 30);
        needs.0 = needs.0.max(num_of(v, "minRam"));
        needs.1 = needs.1.max(num_of(v, "minDisk")).max(size_gib);
    }
    needs
}

/// `flavor_ref` and `flavor_ref_alt` from `GET /flavors/detail` (with `extra_specs` from 2.61):
/// the smallest enabled flavor that fits the images (`needs`: RAM MiB, disk GiB), then the next
/// that is at least as large in every dimension — a resize Nova accepts.
pub fn flavors(doc: &Value, needs: (u64, u64), keep: [Option<&str>; 2]) -> [Choice; 2] {
    let listed = items(doc, "flavors");
    let mut usable: Vec<Flavor> = Vec::new();
    let mut skipped = Vec::new();
    for v in listed {
        let mut flavor = Flavor {
            id: str_of(v, "id").to_string(),
            name: str_of(v, "name").to_string(),
            vcpus: num_of(v, "vcpus"),
            ram: num_of(v, "ram"),
            disk: num_of(v, "disk"),
            unfit: None,
        };
        flavor.unfit = if v.get("OS-FLV-DISABLED:disabled").and_then(Value::as_bool) == Some(true) {
            Some("disabled".into())
        } else if flavor.disk == 0 {
            // Nova refuses a zero-disk flavor to non-admins unless the server boots from a volume.
            Some("a zero-disk flavor".into())
        } else if let Some(specs) = special(v.get("extra_specs"), SPECIAL_FLAVOR_SPECS) {
            Some(format!("extra specs {specs}"))
        } else if flavor.ram < needs.0 || flavor.disk < needs.1 {
            Some(format!("too small for the images ({} MiB, {} GiB)", needs.0, needs.1))
        } else {
            None
        };
        match &flavor.unfit {
            Some(why) => skipped.push(format!("{} {} ({why})", flavor.id, flavor.name)),
            None => usable.push(flavor),
        }
    }
    usable.sort_by_key(|f| (f.ram, f.vcpus, f.disk));
    let dims = |f: &Flavor| format!("{} vCPU, {} MiB RAM, {} GiB disk", f.vcpus, f.ram, f.disk);
    let skipped_note = if skipped.is_empty() { String::new() } else { format!("; skipped {}", abridged(&skipped)) };

    let kept_ref = keep[0].and_then(|k| usable.iter().find(|f| f.id == k));
    let flavor_ref = kept_ref.or(usable.first());
    let first = match (flavor_ref, kept_ref) {
        (Some(f), Some(_)) => Choice {
            var: "flavor_ref",
            value: Some(f.id.clone()),
            name: f.name.clone(),
            why: format!("kept: already set, and fits the images ({})", dims(f)),
        },
        (Some(f), None) => Choice {
            var: "flavor_ref",
            value: Some(f.id.clone()),
            name: f.name.clone(),
            why: format!("the smallest of {} listed that fits the images ({}){skipped_note}", listed.len(), dims(f)),
        },
        (None, _) => Choice::none("flavor_ref", format!("no flavor of {} listed fits{skipped_note}", listed.len())),
    };
    let Some(base) = flavor_ref else {
        return [first, Choice::none("flavor_ref_alt", "needs a flavor_ref first")];
    };
    let resizable = |f: &&Flavor| f.id != base.id && f.ram >= base.ram && f.vcpus >= base.vcpus && f.disk >= base.disk;
    let second = match keep[1].and_then(|k| usable.iter().filter(resizable).find(|f| f.id == k)) {
        Some(f) => Choice {
            var: "flavor_ref_alt",
            value: Some(f.id.clone()),
            name: f.name.clone(),
            why: format!("kept: already set, and a resize from flavor_ref ({})", dims(f)),
        },
        None => match usable.iter().find(resizable) {
            Some(f) => Choice {
                var: "flavor_ref_alt",
                value: Some(f.id.clone()),
                name: f.name.clone(),
                why: format!("the next that is at least as large, for resize ({})", dims(f)),
            },
            None => Choice::none("flavor_ref_alt", "no other flavor at least as large as flavor_ref, to resize to"),
        },
    };
    [first, second]
}

/// `network` from `GET /os-networks` (the networks the project can use, its own and shared):
/// the only one, else the first whose label does not look like an external network.
pub fn network(doc: &Value, keep: Option<&str>) -> Choice {
    let listed = items(doc, "networks");
    let label = |v: &Value| str_of(v, "label").to_string();
    if let Some(v) = keep.and_then(|k| listed.iter().find(|v| str_of(v, "id") == k)) {
        return Choice {
            var: "network",
            value: Some(str_of(v, "id").to_string()),
            name: label(v),
            why: "kept: already set, and the project sees it".into(),
        };
    }
    let looks_external = |v: &Value| {
        let l = label(v).to_ascii_lowercase();
        EXTERNAL_LABELS.iter().any(|e| l.contains(e))
    };
    let others = |chosen: &Value| {
        let rest: Vec<String> = listed.iter().filter(|v| *v != chosen).map(label).collect();
        rest.join(", ")
    };
    match listed {
        [] => Choice::none("network", "the project sees no network (GET /os-networks is empty)"),
        [only] => Choice {
            var: "network",
            value: Some(str_of(only, "id").to_string()),
            name: label(only),
            why: "the only network the project sees".into(),
        },
        _ => match listed.iter().find(|v| !looks_external(v)) {
            Some(v) => Choice {
                var: "network",
                value: Some(str_of(v, "id").to_string()),
                name: label(v),
                why: format!(
                    "the first of {} whose name does not look external (also seen: {}); set `network` to choose another",
                    listed.len(),
                    others(v)
                ),
            },
            None => Choice::none(
                "network",
                format!(
                    "every network the project sees looks external ({}); set `network` to the one servers should use",
                    others(&Value::Null)
                ),
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn image(id: &str, size: u64, metadata: Value) -> Value {
        json!({"id": id, "name": format!("img-{id}"), "status": "ACTIVE", "minRam": 0, "minDisk": 0,
               "OS-EXT-IMG-SIZE:size": size, "metadata": metadata})
    }

    fn flavor(id: &str, vcpus: u64, ram: u64, disk: u64, specs: Value) -> Value {
        json!({"id": id, "name": format!("f-{id}"), "vcpus": vcpus, "ram": ram, "disk": disk,
               "OS-FLV-DISABLED:disabled": false, "extra_specs": specs})
    }

    #[test]
    fn the_smallest_ordinary_active_images_are_chosen_in_listing_order() {
        let doc = json!({"images": [
            image("big", 90 << 20, json!({})),
            image("enc", 10 << 20, json!({"hw_ephemeral_encryption": "True"})),
            image("small", 20 << 20, json!({"architecture": "x86_64"})),
            {"id": "queued", "status": "SAVING", "OS-EXT-IMG-SIZE:size": 1},
            image("also-small", 20 << 20, json!({})),
            image("snap", 1 << 20, json!({"image_type": "snapshot"})),
        ]});
        let [a, b] = images(&doc, [None, None]);
        assert_eq!(a.value.as_deref(), Some("small"));
        assert_eq!(b.value.as_deref(), Some("also-small"));
        assert!(a.why.contains("enc (hw_ephemeral_encryption)"), "{}", a.why);
        assert!(b.why.starts_with("the next smallest"), "{}", b.why);
    }

    #[test]
    fn a_value_already_set_is_kept_while_active_and_replaced_when_gone() {
        let doc = json!({"images": [image("a", 1, json!({})), image("b", 2, json!({}))]});
        let [a, b] = images(&doc, [Some("b"), Some("gone")]);
        assert_eq!((a.value.as_deref(), b.value.as_deref()), (Some("b"), Some("a")));
        assert!(a.why.starts_with("kept"));
        assert!(b.why.contains("gone, is not an ACTIVE image"), "{}", b.why);
    }

    #[test]
    fn one_image_leaves_image_ref_alt_unchosen() {
        let [a, b] = images(&json!({"images": [image("a", 1, json!({}))]}), [None, None]);
        assert!(a.value.is_some());
        assert_eq!(b.value, None);
    }

    #[test]
    fn the_smallest_fitting_flavor_then_a_larger_one_to_resize_to() {
        let doc = json!({"flavors": [
            flavor("zero", 1, 256, 0, json!({})),
            flavor("tiny", 1, 512, 1, json!({})),
            flavor("numa", 1, 512, 1, json!({"hw:numa_nodes": "1"})),
            flavor("small", 1, 2048, 20, json!({"quota:disk_read_bytes_sec": "1"})),
            flavor("less-disk", 1, 4096, 16, json!({})),
            flavor("medium", 2, 4096, 40, json!({})),
        ]});
        let [a, b] = flavors(&doc, (0, 1), [None, None]);
        assert_eq!(a.value.as_deref(), Some("tiny"));
        assert!(
            a.why.contains("zero f-zero (a zero-disk flavor)") && a.why.contains("extra specs hw:numa_nodes"),
            "{}",
            a.why
        );
        assert_eq!(b.value.as_deref(), Some("small"));
        // Too small a disk for the image rules `tiny` out.
        let [a, b] = flavors(&doc, (0, 15), [None, None]);
        assert_eq!(a.value.as_deref(), Some("small"));
        // The 4096 MiB one with less disk than `small` is no resize from it.
        assert_eq!(b.value.as_deref(), Some("medium"));
    }

    #[test]
    fn a_kept_flavor_alt_must_still_be_a_resize_from_flavor_ref() {
        let doc = json!({"flavors": [flavor("1", 1, 512, 1, json!({})), flavor("2", 1, 2048, 20, json!({}))]});
        let [a, b] = flavors(&doc, (0, 0), [Some("2"), Some("1")]);
        assert_eq!(a.value.as_deref(), Some("2"));
        assert_eq!(b.value, None);
    }

    #[test]
    fn the_image_needs_are_the_largest_of_both_images() {
        let mut big = image("b", 3 << 30, json!({}));
        big["minRam"] = json!(1024);
        let doc = json!({"images": [image("a", 1, json!({})), big]});
        assert_eq!(needs_of(&doc, &["a", "b"]), (1024, 3));
        assert_eq!(needs_of(&doc, &["a"]), (0, 1));
    }

    #[test]
    fn networks_prefer_the_only_one_then_one_that_does_not_look_external() {
        let one = json!({"networks": [{"id": "n1", "label": "private"}]});
        assert_eq!(network(&one, None).value.as_deref(), Some("n1"));
        let devstack = json!({"networks": [
            {"id": "p", "label": "public"}, {"id": "q", "label": "private"}, {"id": "s", "label": "shared"}]});
        let c = network(&devstack, None);
        assert_eq!(c.value.as_deref(), Some("q"));
        assert!(c.why.contains("also seen: public, shared"), "{}", c.why);
        assert_eq!(network(&devstack, Some("s")).value.as_deref(), Some("s"));
        assert_eq!(
            network(&json!({"networks": [{"id": "p", "label": "public"}, {"id": "e", "label": "ext-net"}]}), None)
                .value,
            None
        );
        assert_eq!(network(&json!({"networks": []}), None).value, None);
    }
}
