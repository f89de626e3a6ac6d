//! The derived schema set (`schemas/`), embedded in the binary or loaded from a directory,
//! with validators compiled once, lazily, and reused.

mod embedded;
pub mod files;
pub mod formats;
mod matching;
mod operation;
mod validation;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use serde_json::{Value, json};

pub use matching::template_score;
pub use operation::OperationInfo;
pub use validation::{ExtraKeys, SchemaError, Target, Validation};

use crate::microversion::Microversion;
use files::{FAULTS_FILE, FaultsFile, OPERATIONS_DIR};
use operation::{CompiledRange, StoredOperation};

#[derive(Debug, thiserror::Error)]
pub enum SchemaStoreError {
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
}

/// Why no schema applies to an operation × target × microversion.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    #[error("unknown operation `{0}`")]
    UnknownOperation(String),
    #[error("`{id}` exists only in {min}–{max}, not at {at}")]
    OutOfRange { id: String, min: Microversion, max: Microversion, at: Microversion },
    #[error("`{id}` documents no response with status {status} (normal: {normal:?})")]
    UndocumentedStatus { id: String, status: u16, normal: Vec<u16> },
    #[error("`{0}` documents no request body")]
    NoRequestBody(String),
    #[error("`{id}` has no response schema at {at}")]
    NoResponseSchema { id: String, at: Microversion },
    /// The operation's file does not parse (only a `--schemas` set can be broken).
    #[error("{0}")]
    Broken(String),
}

pub struct SchemaStore {
    operations: Vec<StoredOperation>,
    /// Operations by method and number of path segments: a request is matched against these
    /// only (every exchange is matched; there are 250 operations).
    by_shape: std::collections::HashMap<(String, usize), Vec<usize>>,
    faults: FaultsFile,
    /// Compiled fault validators by status.
    fault_validators: std::sync::Mutex<BTreeMap<u16, std::sync::Arc<Result<jsonschema::Validator, String>>>>,
}

impl SchemaStore {
    /// The schemas embedded at build time from `schemas/`.
    pub fn embedded() -> &'static SchemaStore {
        static STORE: OnceLock<SchemaStore> = OnceLock::new();
        STORE.get_or_init(|| {
            let files = embedded::FILES.iter().map(|(p, t)| (p.to_string(), Cow::Borrowed(*t))).collect();
            // The embedded set is checked by the test suite; a broken build should say so loudly.
            SchemaStore::from_files(files, Parse::Lazily)
                .unwrap_or_else(|e| panic!("embedded schemas are invalid: {e}"))
        })
    }

    /// The set in `dir` (read whole, kept for the life of the process), or the embedded one.
    pub fn load_or_embedded(dir: Option<&Path>) -> Result<&'static SchemaStore, SchemaStoreError> {
        match dir {
            None => Ok(SchemaStore::embedded()),
            Some(d) => Ok(Box::leak(Box::new(SchemaStore::load_dir(d)?))),
        }
    }

    /// Load a schema set written by `tapedeck schemas derive`.
    pub fn load_dir(dir: &Path) -> Result<SchemaStore, SchemaStoreError> {
        fn io(p: &Path) -> impl FnOnce(std::io::Error) -> SchemaStoreError + '_ {
            move |source| SchemaStoreError::Io { path: p.display().to_string(), source }
        }
        // Regular files only, read up to the input cap (a FIFO among them would hang).
        let read = |p: &Path| crate::input::yaml::read_text(p).map_err(|e| io(p)(std::io::Error::other(e.message)));
        let mut files = Vec::new();
        let faults = dir.join(FAULTS_FILE);
        files.push((FAULTS_FILE.to_string(), Cow::Owned(read(&faults)?)));
        let ops = dir.join(OPERATIONS_DIR);
        let mut paths: Vec<_> = std::fs::read_dir(&ops)
            .map_err(io(&ops))?
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        paths.sort();
        for p in paths {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            files.push((format!("{OPERATIONS_DIR}/{name}"), Cow::Owned(read(&p)?)));
        }
        Self::from_files(files, Parse::Now)
    }

    fn from_files(files: Vec<(String, Cow<'static, str>)>, parse: Parse) -> Result<SchemaStore, SchemaStoreError> {
        let invalid = |path: &str, message: String| SchemaStoreError::Invalid { path: path.to_string(), message };
        // 250 operation files, read on every core (every run of tapedeck starts with this).
        let parsed = crate::util::parallel::map(&files, |(path, text)| {
            if !path.starts_with(OPERATIONS_DIR) {
                return Ok(None);
            }
            let op = match parse {
                Parse::Lazily => StoredOperation::lazy(text.clone()),
                Parse::Now => StoredOperation::eager(text.to_string()),
            };
            op.map(Some).map_err(|e| invalid(path, e))
        });
        let mut operations = Vec::new();
        for op in parsed {
            operations.extend(op?);
        }
        // By id, for `find` (file names sort otherwise: `a-b.json` before `a.json`).
        operations.sort_by(|a, b| a.info.id.cmp(&b.info.id));
        let mut faults = None;
        if let Some((path, text)) = files.iter().find(|(path, _)| path == FAULTS_FILE) {
            faults = Some(serde_json::from_str::<FaultsFile>(text).map_err(|e| invalid(path, e.to_string()))?);
        }
        let faults =
            faults.ok_or_else(|| SchemaStoreError::Invalid { path: FAULTS_FILE.into(), message: "missing".into() })?;
        let fault_validators = std::sync::Mutex::default();
        let mut by_shape: std::collections::HashMap<(String, usize), Vec<usize>> = Default::default();
        for (i, op) in operations.iter().enumerate() {
            let shape = (op.info.method.to_ascii_uppercase(), matching::segments(&op.info.path));
            by_shape.entry(shape).or_default().push(i);
        }
        Ok(SchemaStore { operations, by_shape, faults, fault_validators })
    }

    /// Every operation, ordered by id.
    pub fn operations(&self) -> impl Iterator<Item = &OperationInfo> {
        self.operations.iter().map(|o| &o.info)
    }

    pub fn operation(&self, id: &str) -> Option<&OperationInfo> {
        self.find(id).map(|o| &o.info)
    }

    fn find(&self, id: &str) -> Option<&StoredOperation> {
        let i = self.operations.binary_search_by(|o| o.info.id.as_str().cmp(id)).ok()?;
        Some(&self.operations[i])
    }

    /// The microversion ranges of an operation's schemas (request and every status), where
    /// what it documents changes.
    pub fn ranges(&self, id: &str) -> Vec<(Microversion, Microversion)> {
        let Some(schemas) = self.find(id).and_then(|o| o.schemas().ok()) else { return Vec::new() };
        schemas
            .request
            .iter()
            .chain(schemas.responses.iter().flat_map(|(_, r)| r))
            .map(|r| (r.range.min_version, r.range.max_version))
            .collect()
    }

    /// Match a concrete request (path relative to the compute endpoint, query allowed) to its
    /// operation; the body's top-level key picks among actions sharing a path.
    pub fn match_request(&self, method: &str, path: &str, body: Option<&Value>) -> Option<&OperationInfo> {
        let shape = (method.to_ascii_uppercase(), matching::segments(path));
        let candidates = self.by_shape.get(&shape).into_iter().flatten().map(|&i| &self.operations[i].info);
        let matches = matching::best_matches(candidates, method, path, body);
        if matches.len() < 2 {
            return matches.first().copied();
        }
        // The one whose newest request schema documents most members of the body's envelope
        // (`min_count` is create-multiple-servers'); a tie goes to the first in api-ref order.
        let envelope = body.and_then(Value::as_object).filter(|m| m.len() == 1).and_then(|m| m.iter().next());
        let Some((name, inner)) = envelope.and_then(|(k, v)| v.as_object().map(|v| (k, v))) else {
            return matches.first().copied();
        };
        let documented = |op: &OperationInfo| {
            let Some(schemas) = self.find(&op.id).and_then(|s| s.schemas().ok()) else { return 0 };
            let Some(props) = schemas
                .request
                .last()
                .and_then(|r| r.range.schema.get("properties")?.get(name)?.get("properties")?.as_object())
            else {
                return 0;
            };
            inner.keys().filter(|k| props.contains_key(k.as_str())).count()
        };
        let most = matches.iter().map(|op| documented(op)).max().unwrap_or(0);
        matches.into_iter().find(|op| documented(op) == most)
    }

    /// The fault key nova uses for an error status (`404` → `itemNotFound`).
    pub fn fault_name(&self, status: u16) -> &str {
        self.faults.names.get(&status.to_string()).unwrap_or(&self.faults.default_name)
    }

    /// The fault schema for an error status.
    pub fn fault_schema(&self, status: u16) -> Value {
        let envelope = |key: &str, body: &Value| json!({"type": "object", "properties": {key: body}, "required": [key], "additionalProperties": false});
        let mut forms = vec![envelope(self.fault_name(status), &self.faults.body)];
        forms.extend(self.faults.alternatives.iter().filter(|a| a.status == status).map(|a| envelope(&a.key, &a.body)));
        let mut schema = if forms.len() == 1 { forms.remove(0) } else { json!({"anyOf": forms}) };
        schema["$schema"] = json!(files::DRAFT);
        schema
    }

    /// The schema that applies, if any (for display and tools).
    pub fn schema(&self, op_id: &str, target: Target, mv: Microversion) -> Result<Value, LookupError> {
        if let Target::Response { status } = target
            && status >= 400
        {
            return Ok(self.fault_schema(status));
        }
        let op = self.find(op_id).ok_or_else(|| LookupError::UnknownOperation(op_id.to_string()))?;
        self.range(op, target, mv).map(|r| r.range.schema.clone())
    }

    fn range<'a>(
        &self,
        op: &'a StoredOperation,
        target: Target,
        mv: Microversion,
    ) -> Result<&'a CompiledRange, LookupError> {
        let info = &op.info;
        if !info.supports(mv) {
            return Err(LookupError::OutOfRange {
                id: info.id.clone(),
                min: info.min_version,
                max: info.max_version,
                at: mv,
            });
        }
        let schemas = op.schemas().map_err(LookupError::Broken)?;
        let ranges = match target {
            Target::Request => &schemas.request,
            Target::Response { status } => match schemas.responses.iter().find(|(s, _)| *s == status) {
                Some((_, r)) => r,
                None => {
                    return Err(LookupError::UndocumentedStatus {
                        id: info.id.clone(),
                        status,
                        normal: info.normal_codes.clone(),
                    });
                }
            },
        };
        ranges.iter().find(|r| r.range.min_version <= mv && mv <= r.range.max_version).ok_or_else(|| match target {
            Target::Request => LookupError::NoRequestBody(info.id.clone()),
            Target::Response { .. } => LookupError::NoResponseSchema { id: info.id.clone(), at: mv },
        })
    }

    /// Validate a body (an empty body is JSON `null`). Error statuses validate against the
    /// fault format.
    pub fn validate(&self, op_id: &str, target: Target, mv: Microversion, doc: &Value, extra: ExtraKeys) -> Validation {
        let Some(op) = self.find(op_id) else { return Validation::UnknownOperation };
        if let Target::Response { status } = target
            && status >= 400
        {
            let compiled = {
                let mut cache = self.fault_validators.lock().unwrap_or_else(|e| e.into_inner());
                cache.entry(status).or_insert_with(|| std::sync::Arc::new(compile(&self.fault_schema(status)))).clone()
            };
            let compiled = compiled.as_ref();
            return run(compiled, doc, extra);
        }
        match self.range(op, target, mv) {
            Ok(range) => run(range.validator.get_or_init(|| compile(&range.range.schema)), doc, extra),
            Err(_)
                if target == Target::Request && op.schemas().is_ok_and(|s| s.request.is_empty()) && doc.is_null() =>
            {
                Validation::Valid { warnings: vec![] }
            }
            Err(reason) => Validation::NoSchema { reason: reason.to_string() },
        }
    }
}

/// When the operation files' schemas are read: at first use (the embedded set, checked by the
/// tests) or at once (a set given with `--schemas`, checked before anything runs).
#[derive(Clone, Copy)]
enum Parse {
    Lazily,
    Now,
}

fn run(compiled: &Result<jsonschema::Validator, String>, doc: &Value, extra: ExtraKeys) -> Validation {
    match compiled {
        Ok(v) => validation::collect(v, doc, extra),
        Err(e) => Validation::NoSchema { reason: format!("schema does not compile: {e}") },
    }
}

/// Draft 2020-12 with formats asserted (nova's own schemas rely on it: `oneOf` ipv4/ipv6)
/// plus nova's zone-optional ISO 8601 and the formats of Nova's own schemas that the
/// overrides adopt. An unknown format fails to compile rather than pass unchecked.
pub fn compile(schema: &Value) -> Result<jsonschema::Validator, String> {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .should_ignore_unknown_formats(false)
        .with_format("iso8601", formats::is_iso8601)
        .with_format("name", formats::is_nova_name)
        .with_format("base64", formats::is_base64)
        .with_format("mac-address", formats::is_mac_address)
        .build(schema)
        .map_err(|e| e.to_string())
}
