//! Cassette loading from text: `cassette::store::load_str`, what `tapedeck run` (replay),
//! `diff` and `certify` use after reading a cassette file. A cassette that loads is written
//! back with `store::to_yaml` and must load again to the same cassette.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use tapedeck::cassette::store;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let path = Path::new("fuzz@2.1.yaml");
    match store::load_str(path, text) {
        Ok(cassette) => {
            let yaml = store::to_yaml(&cassette).expect("a loaded cassette serialises");
            let again = store::load_str(path, &yaml).unwrap_or_else(|e| panic!("re-reading failed: {e}\n{yaml}"));
            assert_eq!(again.exchanges.len(), cassette.exchanges.len());
        }
        Err(e) => drop(e.to_string()),
    }
});
