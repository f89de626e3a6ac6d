//! What a behavioural diff finds: classified changes, grouped by the exchange (step and
//! operation) they belong to, per cassette. Serialised as is for `--format json`.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// The run was skipped in one recording and ran in the other.
    Skip,
    /// The HTTP status code changed.
    Status,
    /// The schema verdict changed (valid / invalid / no schema).
    Schema,
    FieldAdded,
    FieldRemoved,
    /// A value changed (body field, kept header, request, or cassette header).
    Value,
    /// A wait saw different statuses (beyond transitional ones one side polled past).
    Trace,
    /// An exchange (or a whole step) of the first recording is not in the second.
    Missing,
    /// An exchange (or a whole step) of the second recording is not in the first.
    Extra,
    /// A transition took much longer or shorter (beyond the timing threshold).
    Timing,
}

impl Class {
    pub const ALL: [Class; 10] = [
        Class::Skip,
        Class::Status,
        Class::Schema,
        Class::FieldAdded,
        Class::FieldRemoved,
        Class::Value,
        Class::Trace,
        Class::Missing,
        Class::Extra,
        Class::Timing,
    ];

    /// The name users write (`--ignore field-added`) and the JSON report carries.
    pub fn name(self) -> &'static str {
        match self {
            Class::FieldAdded => "field-added",
            Class::FieldRemoved => "field-removed",
            other => other.label(),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Class::Skip => "skip",
            Class::Status => "status",
            Class::Schema => "schema",
            Class::FieldAdded => "field added",
            Class::FieldRemoved => "field removed",
            Class::Value => "value",
            Class::Trace => "trace",
            Class::Missing => "missing",
            Class::Extra => "extra",
            Class::Timing => "timing",
        }
    }
}

impl std::str::FromStr for Class {
    type Err = String;

    fn from_str(text: &str) -> Result<Class, String> {
        Class::ALL.into_iter().find(|c| c.name() == text).ok_or_else(|| format!("`{text}` is not a class of change"))
    }
}

/// Whether an added or removed field is one the api-ref documents, a namespaced extension
/// key (`OS-EXT-*`, `vendor:key`) it does not, or a plain undocumented key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FieldKind {
    Documented,
    Extension,
    Undocumented,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub class: Class,
    /// JSON pointer into the canonical body, `header:NAME`, `request:…` or `cassette:…`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub a: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub b: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<FieldKind>,
    /// A documented field added: the microversion the api-ref documents it from. Removed: the
    /// microversion from which the api-ref no longer documents it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
}

impl Change {
    pub fn new(class: Class) -> Change {
        Change { class, pointer: None, a: None, b: None, field: None, since: None }
    }
    pub fn at(mut self, pointer: impl Into<String>) -> Change {
        self.pointer = Some(pointer.into());
        self
    }
    pub fn values(mut self, a: Option<String>, b: Option<String>) -> Change {
        self.a = a;
        self.b = b;
        self
    }
}

/// The changes of one exchange (or one wait, or the cassette as a whole).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// The suite step, or `(cassette)`.
    pub step: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// Canonical `METHOD path` of the request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
    pub changes: Vec<Change>,
    /// Unified diff of the canonical bodies (A then B), when they differ.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_diff: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Pairing {
    Both,
    OnlyA,
    OnlyB,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CassetteDiff {
    pub name: String,
    pub pairing: Pairing,
    /// The two recordings' microversions, when they differ (comparing across versions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub microversions: Option<(String, String)>,
    /// Context that is not a difference by itself (another suite version, another provider).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    pub findings: Vec<Finding>,
}

impl CassetteDiff {
    pub fn equivalent(&self) -> bool {
        self.pairing == Pairing::Both && self.findings.is_empty()
    }

    pub fn change_count(&self) -> usize {
        self.findings.iter().map(|f| f.changes.len()).sum()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiffReport {
    pub a: String,
    pub b: String,
    pub equivalent: bool,
    pub compared: usize,
    pub different: usize,
    /// Classes left out with `--ignore`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ignored_classes: Vec<Class>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ignored_paths: Vec<String>,
    /// Cassette-header changes every compared pair shares (two releases: the version range
    /// of `GET /`), said once here instead of once per cassette.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub common: Vec<Change>,
    pub cassettes: Vec<CassetteDiff>,
}
