//! Suite loading from text: the path `tapedeck run` takes for every suite file after reading it
//! (`suite::load::load_suite_str`: YAML → `SuiteDoc` → checks with file:line:column errors).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // `yaml::read_text` hands over UTF-8 text only (anything else is a "cannot read" error).
    let Ok(text) = std::str::from_utf8(data) else { return };
    match tapedeck::suite::load::load_suite_str(Path::new("fuzz.yaml"), text, &[]) {
        // Whatever loads must also be printable as a plan would print it.
        Ok(suite) => drop(format!("{suite:?}")),
        // Every error is rendered as the user sees it (snippet and caret included).
        Err(errors) => drop(errors.to_string()),
    }
});
