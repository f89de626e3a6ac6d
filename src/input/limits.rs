//! Limits against hostile input, enforced while YAML is parsed, and the plain sentence for a
//! breached one. Every reader of user files (suites, cassettes, provider files, clouds.yaml,
//! profiles, the api-ref) parses under them.

/// Largest input file we read (suites, cassettes, provider files, clouds.yaml, profiles, api-ref
/// files, documents to validate): hostile files stay bounded.
pub const MAX_INPUT_BYTES: u64 = 64 * 1024 * 1024;

/// Limits against hostile YAML, enforced while parsing (before anything is built), so that a
/// file within [`MAX_INPUT_BYTES`] still cannot exhaust the stack or the memory. Each is far
/// above what real files need (the largest shipped cassette has about 13 000 nodes and nests
/// 11 deep; `tests/hostile_inputs.rs` checks the shipped files against a quarter of them).
///
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

/// The limits one input is parsed under: the constants above for every file tapedeck reads whole; a
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
        depth: MAX_DEPTH,
        nodes: MAX_NODES,
        events: MAX_EVENTS,
        scalar_bytes: MAX_SCALAR_BYTES,
        aliases: MAX_ALIASES,
        input_bytes: MAX_INPUT_BYTES,
    };

    /// For a document of `bytes`: a node takes at least ~8 bytes of YAML as tapedeck writes
    /// cassettes (about 15 on average), an event at least 4.
    pub fn for_input(input_bytes: u64) -> Limits {
        let bytes = usize::try_from(input_bytes).unwrap_or(usize::MAX);
        Limits {
            nodes: MAX_NODES.max(bytes / 8),
            events: MAX_EVENTS.max(bytes / 4),
            scalar_bytes: MAX_SCALAR_BYTES.max(bytes),
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
            alias_limits: serde_saphyr::alias_limits! { max_total_replayed_events: MAX_EVENTS },
        }
    }
}

/// A plain sentence for a breached these limits entry, or `None` when `err` is not about a limit.
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
            B::Anchors { .. } => "defines too many anchors".into(),
            B::Documents { .. } => "holds more than one YAML document".into(),
            B::MergeKeys { .. } => "uses too many merge keys (`<<`)".into(),
            B::InputBytes { .. } => format!("is larger than {} bytes", limits.input_bytes),
            B::RecordedAnchorEvents { .. } | B::RecordedAnchorBytes { .. } => {
                "repeats anchored content more than a document should (an alias bomb?)".into()
            }
            B::SequenceUnbalanced => "is malformed or cut short (a closing bracket without its opening)".into(),
            B::InclusionDepth { .. } | B::PropertyExpansionDepth { .. } | B::PropertyInterpolationWork { .. } => {
                "expands more than a document should".into()
            }
            // New kinds of limit in later serde-saphyr releases: still a limit, in plain words.
            _ => "breaks one of the limits tapedeck reads YAML under".into(),
        },
        E::AliasReplayLimitExceeded { .. } | E::AliasReplayStackDepthExceeded { .. } => {
            format!("has aliases expanding to more than {} YAML events", MAX_EVENTS)
        }
        // The scanner's own flow nesting limit (set to the same depth).
        other if other.without_snippet().to_string().starts_with("recursion limit exceeded") => {
            format!("nests deeper than {} levels", limits.depth)
        }
        _ => return None,
    };
    Some(format!("the document {what}: refused (a limit against hostile files)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(yaml: &str) -> String {
        let err = serde_saphyr::from_str_with_options::<serde_json::Value>(yaml, Limits::BASE.options()).unwrap_err();
        limit_message(&err).unwrap_or_else(|| panic!("not a limit: {err}"))
    }

    #[test]
    fn every_breach_is_a_plain_sentence() {
        // Anchors that each repeat the one before: copies kept of anchored content pile up.
        let mut chain = format!("a0: &a0 [{}]\n", vec!["x"; 1000].join(", "));
        for i in 1..2000 {
            chain.push_str(&format!("a{i}: &a{i} [*a{}, *a{}]\n", i - 1, i - 1));
        }
        let deep = format!("{}{}", "[".repeat(500), "]".repeat(500));
        for yaml in [chain, deep] {
            let m = message(&yaml);
            assert!(m.starts_with("the document ") && m.ends_with("refused (a limit against hostile files)"), "{m}");
            // No library type names or Debug braces.
            assert!(!m.contains('{') && !m.chars().any(|c| c.is_ascii_uppercase()), "{m}");
        }
    }
}
