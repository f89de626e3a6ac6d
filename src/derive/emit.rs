//! Writing `schemas/`: deterministic pretty JSON with sorted keys, one file per operation.

use std::path::Path;

use serde_json::{Map, Value};

use super::Derivation;
use super::error::DeriveError;
use crate::schema_store::files::{FAULTS_FILE, OPERATIONS_DIR, REPORT_FILE};

/// The README's head names the release it was derived from; the rest is the same for every set.
fn readme(derivation: &Derivation) -> String {
    let release = derivation.release.as_deref().unwrap_or("(release not recorded: a source tree without PKG-INFO)");
    let latest = derivation.report.latest.map(|v| v.to_string()).unwrap_or_else(|| "?".into());
    format!(
        "\
# Compute API schemas of Nova {release} (microversions 2.1 – {latest}) — derived, do not edit

Written by `tapedeck schemas derive --api-ref <nova source tree> --out DIR` from that release's
api-ref (`parameters.yaml` + `*.inc`) and the reviewed overrides in
`src/derive/overrides.yaml`; `tapedeck schemas derive --check` against the same sdist fails on
any difference (the tests check `schemas/`, CI every other release's set). `schemas/` (Nova
34.0.0) is embedded into the `tapedeck` binary at build time; another release's set is used
with `--schemas DIR`.
{README_BODY}"
    )
}

const README_BODY: &str = "
- `operations/<id>.json` — one api-ref operation (`id` is the api-ref anchor): method, path
  template, microversion range, normal / error codes, action key, included samples, and JSON
  Schemas (draft 2020-12) for the request and for each normal status, per microversion range.
  `{\"type\": \"null\"}` means no body. Each field's `$comment` says where its rules come from
  (`param user_id line 807; overrides fields[3]; nova_rules[45] pattern`: the parameters.yaml
  entry and the line of the operation's .inc that lists it, then the override entries that
  changed it); `tapedeck validate --explain` reads it.
- `faults.json` — the error body format for 4xx/5xx (`{\"itemNotFound\": {\"code\", \"message\"}}`).
- `REPORT.md` — the derivation report: fields not placed, coverage gaps, inferences.
- `DRIFT.json` — api samples that do not validate (documentation drift), each with its
  reviewed note from `src/derive/drift_notes.yaml`.
";

/// Pretty JSON, keys sorted at every level, trailing newline.
pub fn to_pretty_sorted(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(&sorted(value)).unwrap_or_default();
    text.push('\n');
    text
}

fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let mut out = Map::new();
            for k in keys {
                out.insert(k.clone(), sorted(&map[k]));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// Write the derivation into `out`, replacing any previous `operations/*.json`.
pub fn write(derivation: &Derivation, out: &Path) -> Result<(), DeriveError> {
    let ops_dir = out.join(OPERATIONS_DIR);
    let io = |p: &Path, e: std::io::Error| DeriveError::new(p, 0, e.to_string());
    std::fs::create_dir_all(&ops_dir).map_err(|e| io(&ops_dir, e))?;
    for entry in std::fs::read_dir(&ops_dir).map_err(|e| io(&ops_dir, e))?.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|x| x == "json") {
            std::fs::remove_file(&path).map_err(|e| io(&path, e))?;
        }
    }
    for op in &derivation.operations {
        let value = serde_json::to_value(op).map_err(|e| DeriveError::new(&ops_dir, 0, e.to_string()))?;
        let path = ops_dir.join(format!("{}.json", op.id));
        std::fs::write(&path, to_pretty_sorted(&value)).map_err(|e| io(&path, e))?;
    }
    let faults = serde_json::to_value(&derivation.faults).map_err(|e| DeriveError::new(out, 0, e.to_string()))?;
    let path = out.join(FAULTS_FILE);
    std::fs::write(&path, to_pretty_sorted(&faults)).map_err(|e| io(&path, e))?;
    let path = out.join("README.md");
    std::fs::write(&path, readme(derivation)).map_err(|e| io(&path, e))?;
    let path = out.join(REPORT_FILE);
    std::fs::write(&path, derivation.report.to_markdown()).map_err(|e| io(&path, e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn output_is_sorted_and_stable() {
        let v = json!({"b": 1, "a": {"z": [ {"y": 1, "x": 2} ], "c": null}});
        assert_eq!(
            to_pretty_sorted(&v),
            "{\n  \"a\": {\n    \"c\": null,\n    \"z\": [\n      {\n        \"x\": 2,\n        \"y\": 1\n      }\n    ]\n  },\n  \"b\": 1\n}\n"
        );
    }
}
