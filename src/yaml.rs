//! YAML reading shared by every input format: one parse entry point with our error type,
//! and small containers that keep source positions (serde-saphyr loses them through
//! `untagged`/`flatten`, so these are hand-written visitors).

use std::fmt;
use std::marker::PhantomData;
use std::path::Path;

use serde::de::{Deserialize, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use crate::input_error::{InputError, Pos};

/// Largest input file we read (suites, cassettes, provider files, clouds.yaml, profiles, api-ref
/// files, documents to validate): hostile files stay bounded.
pub const MAX_INPUT_BYTES: u64 = 64 * 1024 * 1024;

/// Limits against hostile YAML, enforced while parsing (before anything is built), so that a
/// file within [`MAX_INPUT_BYTES`] still cannot exhaust the stack or the memory. Each is far
/// above what real files need (the largest shipped cassette has about 13 000 nodes and nests
/// 11 deep; `tests/hostile_inputs.rs` checks the shipped files against a quarter of them).
pub mod limits {
    /// Nesting of sequences and mappings. A cassette holds a response body 4 levels down, and a
    /// live body nests at most 128 deep (serde_json's limit when tapedeck reads it), so any
    /// recorded cassette fits. Deeper documents would risk the stack of the recursive readers.
    pub const MAX_DEPTH: usize = 160;
    /// Nodes (scalars, sequences, mappings), alias expansions included: bounds the memory of
    /// the parsed document (and every "billion laughs" alias bomb) to a few hundred MiB.
    pub const MAX_NODES: usize = 2_000_000;
    /// Parser events (a node is one or two events).
    pub const MAX_EVENTS: usize = 5_000_000;
    /// Total bytes of scalar text, alias expansions included (a file is at most 64 MiB).
    pub const MAX_SCALAR_BYTES: usize = 64 * 1024 * 1024;
    /// `*alias` references in one document.
    pub const MAX_ALIASES: usize = 50_000;
}

/// The limits one input is parsed under: [`limits`] for every file tapedeck reads whole; a
/// large cassette read as a stream (`cassette::store`) gets node, event and text limits that
/// grow with its size — those of a plain document are proportional to its bytes anyway — while
/// depth, aliases and alias expansion stay as they are, so an alias bomb is bounded the same.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    pub depth: usize,
    pub nodes: usize,
    pub events: usize,
    pub scalar_bytes: usize,
    pub aliases: usize,
    /// Bytes read from a stream.
    pub input_bytes: u64,
}

impl Limits {
    pub const BASE: Limits = Limits {
        depth: limits::MAX_DEPTH,
        nodes: limits::MAX_NODES,
        events: limits::MAX_EVENTS,
        scalar_bytes: limits::MAX_SCALAR_BYTES,
        aliases: limits::MAX_ALIASES,
        input_bytes: MAX_INPUT_BYTES,
    };

    /// For a document of `bytes`: a node takes at least ~8 bytes of YAML as tapedeck writes
    /// cassettes (about 15 on average), an event at least 4.
    pub fn for_input(input_bytes: u64) -> Limits {
        let bytes = usize::try_from(input_bytes).unwrap_or(usize::MAX);
        Limits {
            nodes: limits::MAX_NODES.max(bytes / 8),
            events: limits::MAX_EVENTS.max(bytes / 4),
            scalar_bytes: limits::MAX_SCALAR_BYTES.max(bytes),
            input_bytes: MAX_INPUT_BYTES.max(input_bytes),
            ..Limits::BASE
        }
    }

    /// The serde-saphyr options that enforce these limits.
    pub fn options(&self) -> serde_saphyr::Options {
        serde_saphyr::options! {
            budget: serde_saphyr::budget! {
                max_depth: self.depth,
                flow_nesting_limit: self.depth,
                max_nodes: self.nodes,
                max_events: self.events,
                max_total_scalar_bytes: self.scalar_bytes,
                max_aliases: self.aliases,
                max_reader_input_bytes: Some(usize::try_from(self.input_bytes).unwrap_or(usize::MAX)),
            },
            alias_limits: serde_saphyr::alias_limits! { max_total_replayed_events: limits::MAX_EVENTS },
        }
    }
}

/// The serde-saphyr options every YAML input is read with (see [`limits`]).
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

/// A plain sentence for a breached [`limits`] entry, or `None` when `err` is not about a limit.
pub fn limit_message(err: &serde_saphyr::Error) -> Option<String> {
    limit_message_for(err, &Limits::BASE)
}

/// [`limit_message`] for a document parsed under `limits`.
pub fn limit_message_for(err: &serde_saphyr::Error, limits: &Limits) -> Option<String> {
    use serde_saphyr::Error as E;
    use serde_saphyr::budget::BudgetBreach as B;
    let mut err = err;
    while let E::AliasError { error, .. } | E::WithSnippet { error, .. } = err {
        err = error;
    }
    let what = match err {
        E::Budget { breach, .. } => match breach {
            B::Depth { .. } => format!("nests deeper than {} levels", limits.depth),
            B::Nodes { .. } => format!("has more than {} nodes, alias expansions included", limits.nodes),
            B::Events { .. } => format!("has more than {} YAML events", limits.events),
            B::ScalarBytes { .. } => {
                format!("has more than {} bytes of text, alias expansions included", limits.scalar_bytes)
            }
            B::Aliases { .. } => format!("has more than {} aliases", limits.aliases),
            B::AliasAnchorRatio { aliases, anchors } => {
                format!("uses {aliases} aliases for {anchors} anchors (an alias bomb?)")
            }
            other => format!("breaks a YAML limit ({other:?})"),
        },
        E::AliasReplayLimitExceeded { .. } | E::AliasReplayStackDepthExceeded { .. } => {
            format!("has aliases expanding to more than {} YAML events", limits::MAX_EVENTS)
        }
        // The scanner's own flow nesting limit (set to the same depth).
        other if other.without_snippet().to_string().starts_with("recursion limit exceeded") => {
            format!("nests deeper than {} levels", limits.depth)
        }
        _ => return None,
    };
    Some(format!("the document {what}: refused (a limit against hostile files)"))
}
