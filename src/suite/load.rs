//! YAML suite files → checked `Suite`s. Every problem is reported with file:line:column
//! before anything runs; all problems of a file are reported, not only the first.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use regex::Regex;
use serde_json::Value;
use serde_saphyr::Spanned;

use super::doc::{AssertionDoc, CaptureDoc, ExpectDoc, RequestDoc, StepDoc, SuiteDoc, WaitDoc};
use super::model::*;
use super::template::{Template, json_strings};
use crate::exchange::redact::{Redactor, is_secret_key};
use crate::input::parse_duration;
use crate::input::yaml;
use crate::input::{InputError, InputErrors, Pos};
use crate::microversion::Microversion;
use crate::status_model::{self, Resolved};
use crate::util::json::{check_pointer, sha256_hex, sorted, truncate};
use crate::util::suggest;
use crate::util::url_path::dot_segments;

/// Variables every run has.
pub const BUILTIN_VARS: &[&str] = &["run_id", "microversion", "suite"];
/// Variables a provider file (or a cassette) supplies.
pub const PROVIDER_VARS: &[&str] = &["image_ref", "image_ref_alt", "flavor_ref", "flavor_ref_alt", "network"];

/// Suite files named by the user: files as given, directories searched for `*.yaml` / `*.yml`
/// (not recursively), sorted by name. Whatever is found is read as a regular file or refused
/// (`input::file`): a FIFO or a link to a device in a suite directory is an error, not a hang.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, InputError> {
    let mut files = Vec::new();
    for path in paths {
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                let entries =
                    std::fs::read_dir(path).map_err(|e| InputError::in_file(path, format!("cannot list: {e}")))?;
                let mut found: Vec<PathBuf> = entries
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")))
                    .collect();
                found.sort();
                files.extend(found);
            }
            // Not a regular file (a FIFO, a device): refused, saying what it is, when read.
            Ok(_) => files.push(path.clone()),
            Err(e) => {
                return Err(InputError::in_file(
                    path,
                    crate::input::file::unreadable(path, &e, "no such suite file or directory"),
                ));
            }
        }
    }
    Ok(files)
}

/// Loads every file; reports the errors of all files together. Suite names must be unique.
pub fn load_all(files: &[PathBuf], extra_vars: &[String]) -> Result<Vec<Suite>, InputErrors> {
    load_all_knowing(files, extra_vars, &[])
}

/// As [`load_all`], and an `expect: {operation: …}` must be one of `operations` (the api-ref's
/// ids; empty: not checked), reported at its line with the nearest id.
pub fn load_all_knowing(
    files: &[PathBuf],
    extra_vars: &[String],
    operations: &[&str],
) -> Result<Vec<Suite>, InputErrors> {
    let mut suites: Vec<Suite> = Vec::new();
    let mut errors = Vec::new();
    let loaded = crate::util::parallel::map(files, |file| {
        let source = yaml::read_text(file)?;
        load_checked(file, &source, extra_vars, operations)
    });
    for (file, result) in files.iter().zip(loaded) {
        match result {
            Ok(suite) => {
                if let Some(other) = suites.iter().find(|s| s.name == suite.name) {
                    errors.push(InputError::in_file(
                        file,
                        format!("suite name `{}` is already used by {}", suite.name, other.file.display()),
                    ));
                } else {
                    suites.push(suite);
                }
            }
            Err(e) => errors.extend(e.0),
        }
    }
    if errors.is_empty() { Ok(suites) } else { Err(InputErrors(errors)) }
}

pub fn load_suite(file: &Path, extra_vars: &[String]) -> Result<Suite, InputErrors> {
    let source = yaml::read_text(file)?;
    load_suite_str(file, &source, extra_vars)
}

pub fn load_suite_str(file: &Path, source: &str, extra_vars: &[String]) -> Result<Suite, InputErrors> {
    load_checked(file, source, extra_vars, &[])
}

fn load_checked(file: &Path, source: &str, extra_vars: &[String], operations: &[&str]) -> Result<Suite, InputErrors> {
    let doc: SuiteDoc = match yaml::from_str(source) {
        Ok(doc) => doc,
        Err(e) => return Err(with_key_errors(file, source, &e)),
    };
    let meaning: Value = yaml::parse_str(file, source)?;
    let hash =
        format!("sha256:{}", sha256_hex(serde_json::to_string(&sorted(&meaning)).unwrap_or_default().as_bytes()));
    let mut checker = Checker {
        file,
        source,
        errors: Vec::new(),
        notes: Vec::new(),
        known: BTreeSet::new(),
        undefined: BTreeMap::new(),
        operations,
    };
    checker.known.extend(BUILTIN_VARS.iter().map(|s| s.to_string()));
    checker.known.extend(PROVIDER_VARS.iter().map(|s| s.to_string()));
    checker.known.extend(extra_vars.iter().cloned());
    let suite = checker.suite(doc, hash, &meaning);
    if checker.errors.is_empty() { Ok(suite) } else { Err(InputErrors(checker.errors)) }
}

/// The typed parse stops at its first error: every key mistake of the file is reported (found
/// by `keys`, which covers unknown and missing keys, so the parse's own error is left out when it
/// is one of those), with the parse's error when it was about something else.
fn with_key_errors(file: &Path, source: &str, error: &serde_saphyr::Error) -> InputErrors {
    use serde_saphyr::Error as E;
    let typed = InputError::from_yaml(file, source, error);
    let mut found = super::keys::key_errors(file, source);
    if found.is_empty() {
        // Not YAML at all: an indentation mistake, when re-indenting one line mends it.
        let mended = typed.pos.as_ref().and_then(|at| super::keys::indentation(file, source, at));
        return match mended {
            Some(e) => e.with_note(format!("the YAML reader says: {}", typed.message)).into(),
            None => typed.into(),
        };
    }
    let key_error = matches!(error.without_snippet(), E::SerdeUnknownField { .. } | E::SerdeMissingField { .. });
    if !key_error && !found.iter().any(|u| u.pos == typed.pos && u.message == typed.message) {
        found.push(typed);
        found.sort_by_key(|e| e.pos.as_ref().map(|p| (p.line, p.column)));
    }
    InputErrors(found)
}

struct Checker<'a> {
    file: &'a Path,
    source: &'a str,
    errors: Vec<InputError>,
    notes: Vec<String>,
    /// Variables defined so far, in step order.
    known: BTreeSet<String>,
    /// Undefined variables already reported, with the index of their error.
    undefined: BTreeMap<String, usize>,
    /// The operation ids an expectation may name (empty: any well-formed id).
    operations: &'a [&'a str],
}

impl<'a> Checker<'a> {
    fn error(&mut self, pos: Option<Pos>, message: impl Into<String>) {
        self.errors.push(InputError::at(self.file, self.source, pos, message));
    }

    /// An error marking `width` characters from `pos` (a name, a value).
    fn error_span(&mut self, pos: Option<Pos>, width: usize, message: impl Into<String>) {
        self.errors.push(InputError::at_span(self.file, self.source, pos, width, message));
    }

    fn suite(&mut self, doc: SuiteDoc, hash: String, meaning: &Value) -> Suite {
        let name = doc.suite.value.clone();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) {
            self.error(
                yaml::pos(&doc.suite),
                format!("suite name `{name}` must be letters, digits, `-`, `_` or `.` (it names cassette files)"),
            );
        }
        let mut microversions = Vec::new();
        for mv in &doc.microversions {
            if let Some(v) = self.microversion(mv) {
                if microversions.contains(&v) {
                    self.error(yaml::pos(mv), format!("microversion {v} is listed twice"));
                }
                microversions.push(v);
            }
        }
        let mut vars = Vec::new();
        for (key, value) in doc.vars.iter() {
            // The text serde read is the scalar as written; what it means keeps its type.
            let var = match meaning.pointer(&format!("/vars/{}", key.value.replace('~', "~0").replace('/', "~1"))) {
                Some(v @ (Value::Number(_) | Value::Bool(_))) => SuiteVar::Literal(v.clone()),
                _ => SuiteVar::Template(self.template(value)),
            };
            self.known.insert(key.value.clone());
            vars.push((key.value.clone(), var));
        }
        if doc.steps.is_empty() {
            self.error(yaml::pos(&doc.suite), "a suite needs at least one step under `steps`");
        }
        let mut steps: Vec<Step> = Vec::new();
        for (index, step) in doc.steps.iter().enumerate() {
            let step = self.step(index, step);
            if steps.iter().any(|s| s.name == step.name) {
                let pos = step.pos.clone();
                self.error(pos, format!("step name `{}` is used twice in this suite", step.name));
            }
            steps.push(step);
        }
        Suite {
            name,
            description: doc.description,
            file: self.file.to_path_buf(),
            capabilities: doc.capabilities.iter().map(|c| c.value.clone()).collect(),
            microversions,
            vars,
            skip: doc.skip.map(|s| s.value),
            steps,
            hash,
            notes: std::mem::take(&mut self.notes),
        }
    }

    fn step(&mut self, index: usize, spanned: &Spanned<StepDoc>) -> Step {
        let doc = &spanned.value;
        let pos = yaml::pos(spanned);
        let action = match (&doc.request, &doc.wait) {
            (Some(r), None) => Some(Action::Request(self.request(r))),
            (None, Some(w)) => self.wait(w).map(Action::Wait),
            (Some(_), Some(_)) => {
                self.error(pos.clone(), "a step has either `request` or `wait`, not both");
                None
            }
            (None, None) => {
                self.error(pos.clone(), "a step needs `request` or `wait`");
                None
            }
        };
        // A step with both actions or none (reported above) is not also held to a wait's rules.
        let action_known = doc.request.is_some() != doc.wait.is_some();
        let action = action.unwrap_or(Action::Wait(WaitSpec {
            server: Template::literal(""),
            until: "ACTIVE",
            path: vec![],
            fail_on: vec![],
            timeout: None,
            interval: DEFAULT_WAIT_INTERVAL,
            identity: None,
        }));
        let name = match &doc.name {
            Some(n) => n.value.clone(),
            None => default_step_name(index, &action),
        };
        let expect = match &doc.expect {
            Some(e) => {
                if action_known && matches!(action, Action::Wait(_)) {
                    self.error(
                        yaml::pos(e),
                        "`expect` belongs to request steps; a wait checks its status path instead",
                    );
                }
                self.expect(&e.value)
            }
            None => Expect::default(),
        };
        let mut captures = Vec::new();
        for (var, capture) in doc.capture.iter() {
            if action_known && matches!(action, Action::Wait(_)) {
                self.error(yaml::pos(var), "`capture` belongs to request steps");
            }
            if let Some(c) = self.capture(&var.value, capture) {
                captures.push(c);
            }
        }
        // Captures are visible to this step's cleanup and to every later step; one that is
        // wrong (reported above) still defines its name, so that its uses are not errors too.
        for (var, _) in doc.capture.iter() {
            self.known.insert(var.value.clone());
        }
        let cleanup = doc.cleanup.as_ref().map(|c| self.request(c));
        let min_microversion = doc.min_microversion.as_ref().and_then(|m| self.microversion(m));
        let max_microversion = doc.max_microversion.as_ref().and_then(|m| self.microversion(m));
        Step { index, name, pos, action, expect, captures, cleanup, min_microversion, max_microversion }
    }

    fn request(&mut self, spanned: &Spanned<RequestDoc>) -> RequestSpec {
        let doc = &spanned.value;
        let methods = [
            (Method::Get, &doc.get),
            (Method::Post, &doc.post),
            (Method::Put, &doc.put),
            (Method::Delete, &doc.delete),
            (Method::Patch, &doc.patch),
            (Method::Head, &doc.head),
        ];
        let given: Vec<_> = methods.iter().filter_map(|(m, p)| p.as_ref().map(|p| (*m, p))).collect();
        let (method, path) = match given.as_slice() {
            [(m, p)] => {
                self.request_path(p);
                (*m, self.template(p))
            }
            [] => {
                self.error(
                    yaml::pos(spanned),
                    "a request needs exactly one of GET, POST, PUT, DELETE, PATCH, HEAD with its path",
                );
                (Method::Get, Template::literal("/"))
            }
            [_, (_, second), ..] => {
                self.error(yaml::pos(second), "a request has exactly one method; this is a second one");
                (Method::Get, Template::literal("/"))
            }
        };
        let query = doc.query.iter().map(|(k, v)| (k.value.clone(), self.template(v))).collect();
        for (name, _) in doc.headers.iter() {
            self.header_name(name);
        }
        let headers = doc.headers.iter().map(|(k, v)| (k.value.clone(), self.template(v))).collect();
        if let Some(json) = &doc.json {
            self.json_templates(json);
        }
        let microversion = doc.microversion.as_ref().and_then(|m| {
            if m.value == "none" {
                Some(MicroversionSetting::None)
            } else {
                self.microversion(m).map(MicroversionSetting::Version)
            }
        });
        RequestSpec {
            method,
            path,
            query,
            headers,
            json: doc.json.as_ref().map(|j| j.value.clone()),
            microversion,
            identity: doc.identity.as_ref().map(|i| self.identity(i)),
        }
    }

    /// A request path stays under the compute endpoint: it starts with `/` (or with a variable
    /// holding a URL of the endpoint, checked when sent) and has no `.` or `..` segment.
    fn request_path(&mut self, path: &Spanned<String>) {
        let text = &path.value;
        let start = yaml::pos(path);
        let quote = path.referenced.span().byte_offset().and_then(|o| self.source.as_bytes().get(o as usize).copied());
        let shift = usize::from(matches!(quote, Some(b'"') | Some(b'\'')));
        let at =
            |offset: usize| start.clone().map(|p| Pos { line: p.line, column: p.column + (shift + offset) as u64 });
        if !text.starts_with('/') && !text.starts_with("${") {
            self.error(
                at(0),
                format!(
                    "request path `{}` must start with `/`: it is relative to the compute endpoint (e.g. /servers)",
                    truncate(text, 200)
                ),
            );
            return;
        }
        // One error per path: its first dot segment.
        let found = dot_segments(text, |segment| segment.contains("${")).next().map(|(i, s)| (i, s.to_string()));
        if let Some((offset, segment)) = found {
            self.error(
                at(offset),
                format!(
                    "request path `{}` has a `{segment}` segment: paths stay under the compute endpoint",
                    truncate(text, 200)
                ),
            );
        }
    }

    /// Header names are HTTP tokens (RFC 9110): no spaces, no separators.
    fn header_name(&mut self, name: &Spanned<String>) {
        let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
        if name.value.is_empty() || !name.value.chars().all(token) {
            self.error(
                yaml::pos(name),
                format!(
                    "`{}` is not a header name: names are letters, digits and !#$%&'*+-.^_`|~ (an HTTP token)",
                    truncate(&name.value, 200)
                ),
            );
        }
    }

    fn identity(&mut self, name: &Spanned<String>) -> String {
        if name.value.is_empty() || !name.value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
            self.error(yaml::pos(name), format!("`{}` is not an identity name (such as user or admin)", name.value));
        }
        name.value.clone()
    }

    fn wait(&mut self, spanned: &Spanned<WaitDoc>) -> Option<WaitSpec> {
        let doc = &spanned.value;
        let server = self.template(&doc.server);
        // An unknown `until` is reported once: the checks that compare with it are left out.
        let until = self.status(&doc.until);
        let mut path = Vec::new();
        let mut path_known = true;
        if let Some(p) = &doc.path {
            let items = &p.value.0;
            match items.as_slice() {
                [one] if one.chars().any(|c| c.is_ascii_lowercase()) => match status_model::expected_path(one) {
                    Some(statuses) => path.extend_from_slice(statuses),
                    None => {
                        let names: Vec<_> = status_model::ACTION_PATHS.iter().map(|(a, _)| *a).collect();
                        let all = format!("its actions are {}", names.join(", "));
                        let hint = suggest::hint(one, names.iter().copied(), &all);
                        self.error_span(
                            yaml::pos(p),
                            one.chars().count(),
                            format!("`{one}` is neither a status list nor an action of the status model{hint}"),
                        );
                    }
                },
                _ => {
                    let start = yaml::pos(p).map(|at| offset_of(self.source, &at)).unwrap_or(0);
                    for s in items {
                        let at = find_from(self.source, start, s).or(yaml::pos(p));
                        match self.status_at(s, at) {
                            Some(status) => path.push(status),
                            None => path_known = false,
                        }
                    }
                }
            }
            if let Some(last) = path.last()
                && let Some(until) = until
                && path_known
                && *last != until
            {
                self.error(
                    yaml::pos(p),
                    format!(
                        "the path ends in {last} but the wait is until {until}: a path must end where the wait ends"
                    ),
                );
            }
        }
        let fail_on = match &doc.fail_on {
            Some(list) => list.iter().filter_map(|s| self.status(s)).collect(),
            None => vec!["ERROR"],
        };
        for f in &fail_on {
            if path.contains(f) || Some(*f) == until {
                self.error(yaml::pos(spanned), format!("{f} is both a failure status and on the expected path"));
            }
        }
        let timeout = doc.timeout.as_ref().and_then(|t| self.duration(t));
        let interval = doc.interval.as_ref().and_then(|t| self.duration(t)).unwrap_or(DEFAULT_WAIT_INTERVAL);
        if interval.is_zero() {
            self.error(doc.interval.as_ref().and_then(yaml::pos), "the interval must be longer than 0");
        }
        Some(WaitSpec {
            server,
            until: until?,
            path,
            fail_on,
            timeout,
            interval,
            identity: doc.identity.as_ref().map(|i| self.identity(i)),
        })
    }

    fn status(&mut self, name: &Spanned<String>) -> Option<&'static str> {
        self.status_at(&name.value, yaml::pos(name))
    }

    fn status_at(&mut self, name: &str, pos: Option<Pos>) -> Option<&'static str> {
        match status_model::resolve(name) {
            Some(Resolved::Known(s)) => Some(s),
            Some(Resolved::Alias { real, note }) => {
                let p = pos.map(|p| format!("{}:{}:{}", self.file.display(), p.line, p.column)).unwrap_or_default();
                self.notes.push(format!("{p}: documentation drift: {note}; using {real}"));
                Some(real)
            }
            None => {
                let all = format!("Nova's statuses are {}", status_model::STATUSES.join(", "));
                let hint = suggest::hint(name, status_model::STATUSES.iter().copied(), &all);
                self.error_span(pos, name.chars().count(), format!("`{name}` is not a server status{hint}"));
                None
            }
        }
    }

    fn expect(&mut self, doc: &ExpectDoc) -> Expect {
        let status = match &doc.status {
            Some(s) => {
                for code in &s.value.0 {
                    if !(100..=599).contains(code) {
                        self.error(yaml::pos(s), format!("{code} is not an HTTP status code"));
                    }
                }
                if s.value.0.is_empty() {
                    self.error(yaml::pos(s), "an empty status list would accept nothing");
                }
                s.value.0.clone()
            }
            None => vec![],
        };
        for (name, _) in doc.headers.iter() {
            self.header_name(name);
        }
        let headers = doc.headers.iter().map(|(k, a)| (k.value.to_ascii_lowercase(), self.assertion(a))).collect();
        let mut body = Vec::new();
        for (pointer, a) in doc.body.iter() {
            if let Err(e) = check_pointer(&pointer.value) {
                self.error(yaml::pos(pointer), e);
            }
            body.push((pointer.value.clone(), self.assertion(a)));
        }
        let operation = doc.operation.as_ref().map(|o| {
            if !o.value.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') || o.value.is_empty()
            {
                self.error(
                    yaml::pos(o),
                    format!(
                        "`{}` is not an operation id: they are the api-ref's anchors, such as show-server-details",
                        o.value
                    ),
                );
            } else if !self.operations.is_empty() && !self.operations.contains(&o.value.as_str()) {
                let hint = crate::util::suggest::hint(
                    &o.value,
                    self.operations.iter().copied(),
                    "`tapedeck schemas list` lists them",
                );
                self.error(yaml::pos(o), format!("`{}` is not an operation of the api-ref{hint}", o.value));
            }
            o.value.clone()
        });
        Expect { status, headers, body, operation }
    }

    fn assertion(&mut self, spanned: &Spanned<AssertionDoc>) -> Assertion {
        let pos = yaml::pos(spanned);
        match &spanned.value {
            AssertionDoc::Present => Assertion::Present,
            AssertionDoc::Absent => Assertion::Absent,
            AssertionDoc::Checks(c) => {
                let mut checks = Vec::new();
                if let Some(v) = &c.equals {
                    self.value_templates(v, pos.clone());
                    checks.push(Check::Equals(v.clone()));
                }
                if let Some(v) = &c.not_equals {
                    self.value_templates(v, pos.clone());
                    checks.push(Check::NotEquals(v.clone()));
                }
                if let Some(r) = &c.matches {
                    match Regex::new(r) {
                        Ok(re) => checks.push(Check::Matches(re)),
                        Err(e) => self.error(pos.clone(), format!("bad regex `{r}`: {e}")),
                    }
                }
                if let Some(t) = &c.type_ {
                    match JsonType::parse(t) {
                        Some(t) => checks.push(Check::Type(t)),
                        None => self.error(
                            pos.clone(),
                            format!("`{t}` is not a JSON type (string, number, integer, boolean, object, array, null)"),
                        ),
                    }
                }
                if let Some(values) = &c.one_of {
                    checks.push(Check::OneOf(values.clone()));
                }
                if let Some(n) = c.length {
                    checks.push(Check::Length(n));
                }
                let given = [
                    c.equals.is_some(),
                    c.not_equals.is_some(),
                    c.matches.is_some(),
                    c.type_.is_some(),
                    c.one_of.is_some(),
                    c.length.is_some(),
                ];
                if !given.contains(&true) {
                    self.error(pos, "an assertion mapping needs at least one check");
                }
                Assertion::Checks(checks)
            }
        }
    }

    fn capture(&mut self, var: &str, spanned: &Spanned<CaptureDoc>) -> Option<Capture> {
        let pos = yaml::pos(spanned);
        if Template::parse(&format!("${{{var}}}")).is_err() {
            self.error(pos.clone(), format!("`{var}` cannot be a variable name: use letters, digits and `_`"));
        }
        let (source, regex) = match &spanned.value {
            CaptureDoc::Pointer(p) => (CaptureSource::Pointer(p.clone()), None),
            CaptureDoc::From(from) => {
                let source = match (&from.pointer, &from.header) {
                    (Some(p), None) => CaptureSource::Pointer(p.clone()),
                    (None, Some(h)) => CaptureSource::Header(h.to_ascii_lowercase()),
                    _ => {
                        self.error(pos, "a capture takes exactly one of `pointer` or `header`");
                        return None;
                    }
                };
                let regex = from.regex.as_ref().and_then(|r| match Regex::new(r) {
                    Ok(re) if re.captures_len() >= 2 => Some(re),
                    Ok(_) => {
                        self.error(
                            pos.clone(),
                            format!("regex `{r}` needs a group `( … )`: the first group is what is captured"),
                        );
                        None
                    }
                    Err(e) => {
                        self.error(pos.clone(), format!("bad regex `{r}`: {e}"));
                        None
                    }
                });
                (source, regex)
            }
        };
        if let CaptureSource::Pointer(p) = &source
            && let Err(e) = check_pointer(p)
        {
            self.error(pos, e);
            return None;
        }
        Some(Capture { var: var.to_string(), source, regex })
    }

    fn microversion(&mut self, text: &Spanned<String>) -> Option<Microversion> {
        match text.value.parse::<Microversion>() {
            Ok(v) if v < Microversion::MIN => {
                self.error(yaml::pos(text), format!("{v} is not a Compute microversion: they start at 2.1"));
                None
            }
            Ok(v) => Some(v),
            Err(e) => {
                self.error(yaml::pos(text), e.to_string());
                None
            }
        }
    }

    fn duration(&mut self, text: &Spanned<String>) -> Option<Duration> {
        match parse_duration(&text.value) {
            Ok(d) => Some(d),
            Err(e) => {
                self.error(yaml::pos(text), e);
                None
            }
        }
    }

    /// A templated scalar: parsed, and every variable it uses must be known by now.
    fn template(&mut self, text: &Spanned<String>) -> Template {
        let start = yaml::pos(text);
        let quote = text.referenced.span().byte_offset().and_then(|o| self.source.as_bytes().get(o as usize).copied());
        let shift = usize::from(matches!(quote, Some(b'"') | Some(b'\'')));
        match Template::parse(&text.value) {
            Ok(t) => {
                for var in t.vars() {
                    if !self.known.contains(var) {
                        let at = text.value.find(&format!("${{{var}")).unwrap_or(0);
                        let pos = start.clone().map(|p| Pos { line: p.line, column: p.column + (shift + at) as u64 });
                        self.undefined(pos, var);
                    }
                }
                t
            }
            Err(e) => {
                let pos = start.map(|p| Pos { line: p.line, column: p.column + (shift + e.offset) as u64 });
                self.error(pos, e.message);
                Template::literal(&text.value)
            }
        }
    }

    /// An undefined variable is reported at its first use; later uses of the same name add a
    /// note to that error rather than errors of their own (one mistake, one message).
    fn undefined(&mut self, pos: Option<Pos>, var: &str) {
        if let Some(&index) = self.undefined.get(var) {
            let at = pos.map(|p| format!("{}:{}", p.line, p.column)).unwrap_or_else(|| "?".into());
            if let Some(first) = self.errors.get_mut(index) {
                match first.notes.first_mut() {
                    Some(note) => note.push_str(&format!(", {at}")),
                    None => first.notes.push(format!("`{var}` is also used at {at}")),
                }
            }
            return;
        }
        let known: Vec<&str> = self.known.iter().map(|s| s.as_str()).collect();
        let list = format!("defined at this point: {}", known.join(", "));
        let hint = suggest::hint(var, known.iter().copied(), &list);
        self.undefined.insert(var.to_string(), self.errors.len());
        self.error_span(pos, var.chars().count() + 3, format!("undefined variable `{var}`{hint}"));
    }

    /// Templates inside a JSON body: positions found by searching the source from the body.
    fn json_templates(&mut self, json: &Spanned<Value>) {
        self.value_templates(&json.value, yaml::pos(json));
        self.short_secrets(&json.value, yaml::pos(json));
    }

    /// A literal sent under a secret key (`adminPass: ab`) too short to redact safely would
    /// reach cassettes and reports in the clear wherever the provider quotes it back.
    fn short_secrets(&mut self, value: &Value, at: Option<Pos>) {
        let start = at.as_ref().map(|p| offset_of(self.source, p)).unwrap_or(0);
        let mut stack = vec![value];
        while let Some(v) = stack.pop() {
            match v {
                Value::Object(map) => {
                    for (k, v) in map {
                        match v {
                            Value::String(s) if is_secret_key(k) && !s.contains("${") => {
                                if let Err(e) = Redactor::default().secret(&format!("the value sent as `{k}`"), s) {
                                    let pos = find_from(self.source, start, k).or(at.clone());
                                    self.error(pos, e.to_string());
                                }
                            }
                            other => stack.push(other),
                        }
                    }
                }
                Value::Array(items) => stack.extend(items),
                _ => {}
            }
        }
    }

    fn value_templates(&mut self, value: &Value, at: Option<Pos>) {
        let mut strings = Vec::new();
        json_strings(value, &mut strings);
        let start = at.as_ref().map(|p| offset_of(self.source, p)).unwrap_or(0);
        for s in strings {
            match Template::parse(&s) {
                Ok(t) => {
                    for var in t.vars() {
                        if !self.known.contains(var) {
                            let needle = format!("${{{var}");
                            let pos = find_from(self.source, start, &needle).or(at.clone());
                            self.undefined(pos, var);
                        }
                    }
                }
                Err(e) => {
                    let pos = find_from(self.source, start, &s).or(at.clone());
                    self.error(pos, e.message);
                }
            }
        }
    }
}

fn default_step_name(index: usize, action: &Action) -> String {
    match action {
        Action::Request(r) => {
            let path: String = r
                .path
                .parts
                .iter()
                .map(|p| match p {
                    super::template::Part::Literal(s) => s.clone(),
                    super::template::Part::Var(v) => format!("${{{v}}}"),
                })
                .collect();
            format!("{} {} #{}", r.method.as_str(), path, index + 1)
        }
        Action::Wait(w) => format!("wait {} #{}", w.until, index + 1),
    }
}

/// Byte offset of a 1-based line/column (column counted in characters).
fn offset_of(source: &str, pos: &Pos) -> usize {
    let mut offset = 0;
    for (n, line) in source.split_inclusive('\n').enumerate() {
        if n + 1 == pos.line as usize {
            let col: usize = line.chars().take((pos.column as usize).saturating_sub(1)).map(char::len_utf8).sum();
            return offset + col;
        }
        offset += line.len();
    }
    offset
}

fn pos_of(source: &str, offset: usize) -> Pos {
    let before = &source[..offset.min(source.len())];
    let line = before.matches('\n').count() as u64 + 1;
    let column = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) as u64 + 1;
    Pos { line, column }
}

fn find_from(source: &str, start: usize, needle: &str) -> Option<Pos> {
    let start = start.min(source.len());
    source.get(start..)?.find(needle).map(|i| pos_of(source, start + i))
}
