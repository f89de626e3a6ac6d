//! HTTP headers as stored in an exchange: lowercase names, sorted, one value each — the values
//! of a repeated header joined with `, ` in arrival order, as HTTP allows (Nova sends `Vary`
//! as two lines). Built once and never changed, so a list is shared by every exchange that
//! carries the same headers.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::shared_str::SharedStr;

#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Headers(Arc<[(SharedStr, SharedStr)]>);

impl Headers {
    /// The value of header `name` as stored (lowercase).
    pub fn get(&self, name: &str) -> Option<&str> {
        let i = self.0.binary_search_by(|(n, _)| n.as_str().cmp(name)).ok()?;
        Some(&self.0[i].1)
    }

    pub fn contains_key(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Name and value, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&SharedStr, &SharedStr)> {
        self.0.iter().map(|(n, v)| (n, v))
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(n, _)| n.as_str())
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The same headers with every name and value passed through `share`.
    pub(crate) fn map(&self, mut share: impl FnMut(&SharedStr) -> SharedStr) -> Headers {
        Headers(self.0.iter().map(|(n, v)| (share(n), share(v))).collect())
    }
}

/// Sorted by name; the values of a repeated name are joined (`a, b`), none is lost.
impl<K: Into<SharedStr>, V: Into<SharedStr>> FromIterator<(K, V)> for Headers {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(items: I) -> Self {
        let mut map: BTreeMap<SharedStr, SharedStr> = BTreeMap::new();
        for (k, v) in items {
            let v: SharedStr = v.into();
            map.entry(k.into()).and_modify(|before| *before = format!("{before}, {v}").into()).or_insert(v);
        }
        Headers(map.into_iter().collect())
    }
}

impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl Serialize for Headers {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.len()))?;
        for (n, v) in self.iter() {
            map.serialize_entry(n, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Headers {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(BTreeMap::<String, String>::deserialize(d)?.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_by_name_repeated_values_kept_and_looked_up_exactly() {
        let h: Headers = [("vary", "a"), ("content-type", "json"), ("vary", "b")].into_iter().collect();
        assert_eq!(h.names().collect::<Vec<_>>(), ["content-type", "vary"]);
        assert_eq!((h.get("vary"), h.get("Vary"), h.get("x")), (Some("a, b"), None, None));
        assert_eq!(serde_json::to_string(&h).unwrap(), r#"{"content-type":"json","vary":"a, b"}"#);
        let back: Headers = serde_json::from_str(r#"{"vary":"a, b","content-type":"json"}"#).unwrap();
        assert_eq!(back, h);
    }
}
