//! Re-derive the schemas from the nova 34.0.0 api-ref and compare with the committed
//! `schemas/` (drift in the deriver or a hand edit fails here), including `DRIFT.json`, the
//! list of api samples that do not validate: a new failing sample fails this test.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

fn files(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("readable dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(dir).expect("inside").to_string_lossy().into_owned();
                out.insert(rel, std::fs::read_to_string(&path).expect("utf-8 file"));
            }
        }
    }
    out
}

#[test]
fn committed_schemas_equal_a_fresh_derivation() {
    let Some(nova) = common::nova_source() else { return };
    let out = tempfile::tempdir().expect("tempdir");
    let summary = tapedeck::derive::tree::derive_to(&nova, out.path()).expect("derives");
    assert!(summary.operations > 200, "{summary:?}");
    assert!(summary.samples > 300, "{summary:?}");
    assert_eq!(
        summary.unexplained,
        0,
        "api samples fail without a reviewed note: see `failing` entries with `note: null` in {}/DRIFT.json \
         and explain them in src/derive/drift_notes.yaml (or fix the deriver)",
        out.path().display()
    );

    let committed = files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas"));
    let fresh = files(out.path());
    let names = |m: &BTreeMap<String, String>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        names(&committed),
        names(&fresh),
        "schemas/ file set differs; run `tapedeck schemas derive --api-ref {} --out schemas`",
        nova.display()
    );
    for (name, text) in &fresh {
        if committed[name] != *text {
            let diff = similar::TextDiff::from_lines(committed[name].as_str(), text.as_str());
            let shown: String = diff.unified_diff().context_radius(2).to_string().chars().take(4000).collect();
            panic!(
                "schemas/{name} differs from a fresh derivation (new drift or a deriver change); \
                    run `tapedeck schemas derive --api-ref {} --out schemas` and review:\n{shown}",
                nova.display()
            );
        }
    }
}
