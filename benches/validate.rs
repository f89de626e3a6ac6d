//! Time to validate a `/servers/detail` response of 1000 servers (built from nova's 2.100
//! sample) with the compiled, cached validator — next to python-jsonschema on the same schema
//! and document, measured in the same run. `cargo bench --bench validate`

#[path = "../tests/common/mod.rs"]
mod common;

use std::process::Command;
use std::time::Instant;

use serde_json::{Value, json};
use tapedeck::schema_store::{ExtraKeys, SchemaStore, Target, Validation};

const ROUNDS: u32 = 20;

fn main() {
    let Some(nova) = common::nova_source() else { return };
    let path = nova.join("doc/api_samples/servers/v2.100/servers-details-resp.json");
    let sample: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("sample")).expect("json");
    let template = sample["servers"][0].clone();
    let servers: Vec<Value> = (0..1000)
        .map(|i| {
            let mut s = template.clone();
            s["id"] = json!(format!("00000000-0000-4000-8000-{i:012}"));
            s["name"] = json!(format!("server-{i}"));
            s
        })
        .collect();
    let doc = json!({"servers": servers, "servers_links": sample["servers_links"].clone()});
    let mv = "2.100".parse().expect("mv");
    let store = SchemaStore::embedded();
    let target = Target::Response { status: 200 };

    let start = Instant::now();
    let first = store.validate("list-servers-detailed", target, mv, &doc, ExtraKeys::Deny);
    let first_time = start.elapsed();
    assert!(matches!(first, Validation::Valid { .. }), "{first:?}");
    let start = Instant::now();
    for _ in 0..ROUNDS {
        std::hint::black_box(store.validate("list-servers-detailed", target, mv, &doc, ExtraKeys::Deny));
    }
    let per = start.elapsed() / ROUNDS;
    println!(
        "tapedeck (Rust, jsonschema crate): first call incl. compile {first_time:?}; then {per:?} per validation of 1000 servers"
    );

    let schema = store.schema("list-servers-detailed", target, mv).expect("schema");
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("schema.json"), schema.to_string()).expect("write");
    std::fs::write(dir.path().join("doc.json"), doc.to_string()).expect("write");
    let script = format!(
        r#"
import json, re, sys, time
import jsonschema
schema = json.load(open("schema.json")); doc = json.load(open("doc.json"))
checker = jsonschema.FormatChecker()
ISO = re.compile(r"^\d{{4}}-\d{{2}}-\d{{2}}[T ]\d{{2}}:\d{{2}}(:\d{{2}}(\.\d+)?)?(Z|[+-]\d{{2}}(:?\d{{2}})?)?$")
checker.checks("iso8601")(lambda s: not isinstance(s, str) or bool(ISO.match(s)))
v = jsonschema.Draft202012Validator(schema, format_checker=checker)
errors = list(v.iter_errors(doc))
t = time.perf_counter()
for _ in range({ROUNDS}):
    list(v.iter_errors(doc))
print(f"python-jsonschema {{jsonschema.__name__}}: {{(time.perf_counter() - t) / {ROUNDS} * 1000:.1f}} ms per validation of 1000 servers ({{len(errors)}} errors)")
"#
    );
    match Command::new("python3").arg("-c").arg(&script).current_dir(dir.path()).output() {
        Ok(out) if out.status.success() => print!("{}", String::from_utf8_lossy(&out.stdout)),
        Ok(out) => println!("python-jsonschema: not measured ({})", String::from_utf8_lossy(&out.stderr).trim()),
        Err(e) => println!("python-jsonschema: not measured (no python3: {e})"),
    }
}
