//! YAML reading shared by every input format: one parse entry point with our error type,
//! and small containers that keep source positions (serde-saphyr loses them through
//! `untagged`/`flatten`, so these are hand-written visitors).

use std::fmt;
use std::marker::PhantomData;
use std::path::Path;

use serde::de::{Deserialize, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use super::error::{InputError, Pos};
use super::limits::{Limits, MAX_INPUT_BYTES};

/// The serde-saphyr options every YAML input is read with (see [`Limits`]).
pub fn options() -> serde_saphyr::Options {
    Limits::BASE.options()
}

/// Parses with [`options`], errors in serde-saphyr's own form (for callers with their own
/// error type, such as the api-ref deriver).
pub fn from_str<T: DeserializeOwned>(source: &str) -> Result<T, serde_saphyr::Error> {
    serde_saphyr::from_str_with_options::<T>(source, options())
}

pub fn parse_str<T: DeserializeOwned>(file: &Path, source: &str) -> Result<T, InputError> {
    from_str::<T>(source).map_err(|e| InputError::from_yaml(file, source, &e))
}

/// Reads and parses a YAML file; returns the text too (for later positioned errors).
pub fn read_file<T: DeserializeOwned>(file: &Path) -> Result<(T, String), InputError> {
    let source = read_text(file)?;
    let value = parse_str(file, &source)?;
    Ok((value, source))
}

/// The first `n` lines of a file with only the last few kept (the others left empty, so line
/// numbers hold): a snippet's context in a file too large to hold.
pub fn read_lines(file: &Path, n: usize) -> std::io::Result<String> {
    use std::io::BufRead;
    let reader = std::io::BufReader::new(std::fs::File::open(file)?);
    let mut out = String::new();
    for (i, line) in reader.lines().take(n).enumerate() {
        let line = line?;
        if i + 6 >= n {
            out.push_str(&line);
        }
        out.push('\n');
    }
    Ok(out)
}

pub fn read_text(file: &Path) -> Result<String, InputError> {
    let meta = std::fs::metadata(file).map_err(|e| InputError::in_file(file, format!("cannot read: {e}")))?;
    if meta.len() > MAX_INPUT_BYTES {
        return Err(InputError::in_file(
            file,
            format!("file is {} bytes, larger than the {} byte limit", meta.len(), MAX_INPUT_BYTES),
        ));
    }
    std::fs::read_to_string(file).map_err(|e| InputError::in_file(file, format!("cannot read: {e}")))
}

pub fn pos<T>(s: &Spanned<T>) -> Option<Pos> {
    Pos::of(&s.referenced)
}

/// A mapping that keeps its entries in source order with the position of each key.
#[derive(Debug, Clone)]
pub struct OrderedMap<V>(pub Vec<(Spanned<String>, V)>);

impl<V> Default for OrderedMap<V> {
    fn default() -> Self {
        OrderedMap(Vec::new())
    }
}

impl<V> OrderedMap<V> {
    pub fn iter(&self) -> impl Iterator<Item = (&Spanned<String>, &V)> {
        self.0.iter().map(|(k, v)| (k, v))
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for OrderedMap<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Vis<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for Vis<V> {
            type Value = OrderedMap<V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(OrderedMap(entries))
            }
        }
        d.deserialize_map(Vis(PhantomData))
    }
}

/// One value or a list of them (`status: 202` or `status: [200, 202]`).
#[derive(Debug, Clone, PartialEq)]
pub struct OneOrMany<T>(pub Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Vis<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for Vis<T> {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a value or a list of values")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(OneOrMany(items))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
                T::deserialize(serde::de::value::U64Deserializer::new(v)).map(|t| OneOrMany(vec![t]))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
                T::deserialize(serde::de::value::I64Deserializer::new(v)).map(|t| OneOrMany(vec![t]))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                T::deserialize(serde::de::value::StrDeserializer::new(v)).map(|t| OneOrMany(vec![t]))
            }
        }
        d.deserialize_any(Vis(PhantomData))
    }
}
