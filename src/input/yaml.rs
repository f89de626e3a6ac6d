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
    use std::io::{BufRead, Read};
    let (opened, _) = super::file::open_regular(file).map_err(|e| std::io::Error::other(e.message))?;
    let reader = std::io::BufReader::new(opened.take(MAX_INPUT_BYTES));
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

/// A user's file as text: a regular file (see `input::file`) of at most [`MAX_INPUT_BYTES`],
/// in UTF-8 (else an error at the first bad byte).
pub fn read_text(file: &Path) -> Result<String, InputError> {
    super::file::utf8_text(file, super::file::read_bytes(file, MAX_INPUT_BYTES)?)
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

/// A YAML document as a tree that keeps the position of every mapping key: for checks made
/// before the typed parse (which stops at its first error), such as finding every unknown key.
#[derive(Debug, Clone)]
pub enum Node {
    Map(Vec<(Spanned<String>, Node)>),
    Seq(Vec<Node>),
    Scalar,
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Vis;
        impl<'de> Visitor<'de> for Vis {
            type Value = Node;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any YAML node")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<Spanned<String>, Node>()? {
                    entries.push(entry);
                }
                Ok(Node::Map(entries))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<Node>()? {
                    items.push(item);
                }
                Ok(Node::Seq(items))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Node, E> {
                Ok(Node::Scalar)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Node, E> {
                Ok(Node::Scalar)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Node, E> {
                Ok(Node::Scalar)
            }
            fn visit_i128<E>(self, _: i128) -> Result<Node, E> {
                Ok(Node::Scalar)
            }
            fn visit_u128<E>(self, _: u128) -> Result<Node, E> {
                Ok(Node::Scalar)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Node, E> {
                Ok(Node::Scalar)
            }
            fn visit_str<E>(self, _: &str) -> Result<Node, E> {
                Ok(Node::Scalar)
            }
            fn visit_bytes<E>(self, _: &[u8]) -> Result<Node, E> {
                Ok(Node::Scalar)
            }
            fn visit_unit<E>(self) -> Result<Node, E> {
                Ok(Node::Scalar)
            }
            fn visit_none<E>(self) -> Result<Node, E> {
                Ok(Node::Scalar)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
                Node::deserialize(d)
            }
        }
        d.deserialize_any(Vis)
    }
}

impl Node {
    /// The entry `key` of a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map(entries) => entries.iter().find(|(k, _)| k.value == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

/// The field names a `#[derive(Deserialize)]` struct accepts (renames applied), read from
/// serde's own list: the struct is asked to deserialize from a deserializer that only records
/// the fields it is offered, so the list can never drift from the struct.
pub fn struct_fields<T: DeserializeOwned>() -> &'static [&'static str] {
    struct Probe(&'static [&'static str]);
    impl<'de> Deserializer<'de> for &mut Probe {
        type Error = serde::de::value::Error;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(serde::de::Error::custom("probe"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            self.0 = fields;
            Err(serde::de::Error::custom("probe"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option
            unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
        }
    }
    let mut probe = Probe(&[]);
    let _ = T::deserialize(&mut probe);
    probe.0
}

/// The error for an unknown key found by hand (the typed parse words it the same way), its
/// whole name marked.
pub fn unknown_key(file: &Path, source: &str, key: &Spanned<String>, accepted: &[&str]) -> InputError {
    let message = super::error::unknown_key_message(&key.value, accepted);
    InputError::at_span(file, source, pos(key), key.value.chars().count(), message)
}
