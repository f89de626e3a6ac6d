//! The outcome of validating one document, with errors a person can act on.

use jsonschema::error::ValidationErrorKind;
use serde_json::Value;

/// What is validated: the request body, or the response body for a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Request,
    Response { status: u16 },
}

/// Keys a schema does not list: errors (`Deny`, the interop rule), warnings, or ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExtraKeys {
    #[default]
    Deny,
    Warn,
    Allow,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Validation {
    Valid {
        warnings: Vec<SchemaError>,
    },
    Invalid {
        errors: Vec<SchemaError>,
        warnings: Vec<SchemaError>,
    },
    /// No schema for this operation / status / microversion: a coverage gap.
    NoSchema {
        reason: String,
    },
    UnknownOperation,
}

impl Validation {
    pub fn is_valid(&self) -> bool {
        matches!(self, Validation::Valid { .. })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SchemaError {
    /// JSON pointer into the document.
    pub pointer: String,
    /// The schema keyword that failed (`type`, `required`, `enum`, `additionalProperties`…).
    pub rule: String,
    pub message: String,
    /// The offending value, truncated if huge.
    pub value: Value,
    /// Where the failing keyword sits in the schema (JSON pointer), for `--explain`.
    pub schema_path: String,
}

impl std::fmt::Display for SchemaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let pointer = if self.pointer.is_empty() { "/" } else { &self.pointer };
        // For `required` the offending value is the whole parent object: the message already
        // names what is missing.
        if self.rule == "required" {
            return write!(f, "{pointer}: [{}] {}", self.rule, self.message);
        }
        write!(f, "{pointer}: [{}] {} (value: {})", self.rule, self.message, self.value)
    }
}

const MAX_VALUE_CHARS: usize = 300;

fn truncated(value: &Value) -> Value {
    let text = value.to_string();
    if text.len() <= MAX_VALUE_CHARS {
        return value.clone();
    }
    let cut: String = text.chars().take(MAX_VALUE_CHARS).collect();
    Value::String(format!("{cut}… ({} chars)", text.len()))
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Sort jsonschema errors into errors and warnings according to `extra`.
pub(crate) fn collect(validator: &jsonschema::Validator, doc: &Value, extra: ExtraKeys) -> Validation {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    for e in validator.iter_errors(doc) {
        let pointer = e.instance_path().as_str().to_string();
        if let ValidationErrorKind::AdditionalProperties { unexpected } = e.kind() {
            let sink = match extra {
                ExtraKeys::Deny => &mut errors,
                ExtraKeys::Warn => &mut warnings,
                ExtraKeys::Allow => continue,
            };
            for key in unexpected {
                let value = e.instance().get(key).map(truncated).unwrap_or(Value::Null);
                sink.push(SchemaError {
                    pointer: format!("{pointer}/{}", escape(key)),
                    rule: "additionalProperties".into(),
                    message: format!("`{key}` is not defined by the schema"),
                    value,
                    schema_path: e.schema_path().as_str().to_string(),
                });
            }
            continue;
        }
        let rule = e.kind().keyword().to_string();
        let schema_path = e.schema_path().as_str().to_string();
        // A pattern can be thousands of characters (Nova's printable-characters class): the
        // message points at it instead of repeating it.
        let message = match e.kind() {
            ValidationErrorKind::Pattern { pattern } if pattern.chars().count() > 120 => format!(
                "{} does not match the pattern at {schema_path} ({} characters; `tapedeck validate --explain` shows where it comes from)",
                truncated(e.instance()),
                pattern.chars().count()
            ),
            _ => e.to_string(),
        };
        errors.push(SchemaError { pointer, rule, message, value: truncated(e.instance()), schema_path });
    }
    if errors.is_empty() { Validation::Valid { warnings } } else { Validation::Invalid { errors, warnings } }
}
