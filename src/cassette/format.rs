//! The cassette file format (version 2). Field order here is the order on disk.

use std::collections::BTreeMap;

use serde::de::{Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::share::Sharing;
use crate::exchange::Exchange;
use crate::microversion::Microversion;

/// 2: repeated response headers keep every value, and `exchange_count` ends the file.
pub const FORMAT_VERSION: u32 = 2;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cassette {
    /// Cassette format version; a reader refuses versions it does not know.
    pub format: u32,
    /// The tapedeck version that recorded it.
    pub tapedeck: String,
    /// RFC 3339, UTC.
    pub recorded_at: String,
    /// The provider label (the cassette directory name by default).
    pub provider: String,
    /// Path of the compute endpoint (`/v2.1`); its origin is never stored.
    pub endpoint_path: String,
    /// The microversion range the provider announced in its version document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_versions: Option<VersionRange>,
    pub suite: String,
    /// The suite's hash when recorded: a different hash now means the cassette is stale.
    pub suite_hash: String,
    pub microversion: Microversion,
    /// Identities the provider offered (`user`, `admin`): replay decides as live did.
    #[serde(default)]
    pub identities: Vec<String>,
    /// The run's variables (run id, provider variables) so replay renders the same requests.
    #[serde(default)]
    pub variables: BTreeMap<String, Value>,
    /// Set when the run was skipped while recording (capability missing, version out of range).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    #[serde(default, deserialize_with = "exchanges_sharing_parts")]
    pub exchanges: Vec<Exchange>,
    /// The end marker: how many exchanges the file holds. A file cut short anywhere — even
    /// where what is left still parses — lacks it, or holds fewer exchanges than it says.
    pub exchange_count: usize,
}

/// Reads the exchanges with what repeats among them held once (`share`).
fn exchanges_sharing_parts<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Exchange>, D::Error> {
    struct Exchanges;
    impl<'de> Visitor<'de> for Exchanges {
        type Value = Vec<Exchange>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a list of exchanges")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            let mut sharing = Sharing::default();
            while let Some(mut e) = seq.next_element::<Exchange>()? {
                sharing.exchange(&mut e);
                out.push(e);
            }
            // Grown by doubling; a long cassette's room to spare would outlive the read.
            out.shrink_to_fit();
            Ok(out)
        }
    }
    d.deserialize_seq(Exchanges)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionRange {
    pub min: Microversion,
    pub max: Microversion,
}

impl VersionRange {
    pub fn contains(&self, v: Microversion) -> bool {
        self.min <= v && v <= self.max
    }
}
