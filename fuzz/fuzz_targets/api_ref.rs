//! The api-ref deriver's parsers and what follows them: `parameters.yaml`
//! (`derive::params::parse_parameters`) and `.inc` files (`derive::inc::parse_inc`), then the
//! whole derivation of the sections (`derive::derive_from`: nesting, ranges, rendering) and the
//! emitted JSON and report.
//!
//! Input: `PARAMETERS \0 INC` (both parts are used), or one text without a NUL byte, which is
//! tried as a parameters.yaml and as an .inc file.
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use tapedeck::derive::{self, overrides::Overrides, params};
use tapedeck::microversion::Microversion;

fn overrides() -> &'static Overrides {
    static O: OnceLock<Overrides> = OnceLock::new();
    O.get_or_init(|| Overrides::shipped().expect("the shipped overrides parse"))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (params_text, inc_text) = text.split_once('\0').unwrap_or((text, text));
    let params = match params::parse_parameters(params_text, Path::new("parameters.yaml")) {
        Ok(p) => p,
        Err(e) => {
            drop(e.to_string());
            params::Params::default()
        }
    };
    let inc_path = PathBuf::from("servers.inc");
    match derive::derive_from(&params, overrides(), &[(inc_path, inc_text.to_string())], Microversion::new(2, 104)) {
        Ok(d) => {
            for op in &d.operations {
                let value = serde_json::to_value(op).expect("an operation serialises");
                drop(derive::emit::to_pretty_sorted(&value));
            }
            drop(d.report.to_markdown());
        }
        Err(e) => drop(e.to_string()),
    }
});
