//! A checked suite: every template parsed, every variable known, statuses resolved through
//! the status model, durations and microversions typed. Positions are kept for messages.

use std::path::PathBuf;
use std::time::Duration;

use regex::Regex;
use serde_json::Value;

use std::collections::BTreeSet;

use super::template::{Template, json_strings};
use crate::input::Pos;
use crate::microversion::Microversion;

#[derive(Debug, Clone)]
pub struct Suite {
    pub name: String,
    pub description: Option<String>,
    pub file: PathBuf,
    pub capabilities: Vec<String>,
    /// Runs once per entry; empty means once at the run's default microversion.
    pub microversions: Vec<Microversion>,
    pub vars: Vec<(String, SuiteVar)>,
    pub skip: Option<String>,
    pub steps: Vec<Step>,
    /// SHA-256 of the suite's meaning (YAML parsed and re-serialised): comments and
    /// formatting do not make a cassette stale, a changed step does.
    pub hash: String,
    /// Documentation drift noticed while loading (documented status aliases used).
    pub notes: Vec<String>,
}

impl Suite {
    /// Every variable the suite's templates use in a run at `mv` (steps out of range left out;
    /// `None`: at any microversion): what such a run needs a value for, unless the suite sets or
    /// captures it itself.
    pub fn variables_used(&self, mv: Option<Microversion>) -> BTreeSet<String> {
        let mut names = BTreeSet::new();
        let mut template = |t: &Template| names.extend(t.vars().map(str::to_string));
        for (_, var) in &self.vars {
            if let SuiteVar::Template(t) = var {
                template(t);
            }
        }
        let runs = |s: &Step| {
            mv.is_none_or(|mv| s.min_microversion.is_none_or(|m| mv >= m) && s.max_microversion.is_none_or(|m| mv <= m))
        };
        // Strings inside JSON (bodies sent, values expected) are templates too.
        let mut strings = Vec::new();
        for step in self.steps.iter().filter(|s| runs(s)) {
            for (_, assertion) in step.expect.headers.iter().chain(&step.expect.body) {
                let Assertion::Checks(checks) = assertion else { continue };
                for c in checks {
                    match c {
                        Check::Equals(v) | Check::NotEquals(v) => json_strings(v, &mut strings),
                        Check::OneOf(vs) => vs.iter().for_each(|v| json_strings(v, &mut strings)),
                        _ => {}
                    }
                }
            }
            let request = match &step.action {
                Action::Request(r) => Some(r),
                Action::Wait(w) => {
                    template(&w.server);
                    None
                }
            };
            for r in request.into_iter().chain(step.cleanup.iter()) {
                template(&r.path);
                r.query.iter().chain(&r.headers).for_each(|(_, t)| template(t));
                if let Some(j) = &r.json {
                    json_strings(j, &mut strings);
                }
            }
        }
        for s in strings {
            if let Ok(t) = Template::parse(&s) {
                template(&t);
            }
        }
        names
    }
}

/// A suite variable: text (a template), or a YAML number or boolean, which keeps its
/// type wherever a whole `${name}` stands for it.
#[derive(Debug, Clone, PartialEq)]
pub enum SuiteVar {
    Template(Template),
    Literal(serde_json::Value),
}

#[derive(Debug, Clone)]
pub struct Step {
    pub index: usize,
    pub name: String,
    pub pos: Option<Pos>,
    pub action: Action,
    pub expect: Expect,
    pub captures: Vec<Capture>,
    pub cleanup: Option<RequestSpec>,
    pub min_microversion: Option<Microversion>,
    pub max_microversion: Option<Microversion>,
}

#[derive(Debug, Clone)]
pub enum Action {
    Request(RequestSpec),
    Wait(WaitSpec),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
    Patch,
    Head,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
            Method::Patch => "PATCH",
            Method::Head => "HEAD",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MicroversionSetting {
    Version(Microversion),
    /// Send no microversion header (the provider's minimum applies).
    None,
}

#[derive(Debug, Clone)]
pub struct RequestSpec {
    pub method: Method,
    pub path: Template,
    pub query: Vec<(String, Template)>,
    pub headers: Vec<(String, Template)>,
    /// Strings inside are templates (checked at load time).
    pub json: Option<Value>,
    pub microversion: Option<MicroversionSetting>,
    pub identity: Option<String>,
}

#[derive(Debug, Clone)]
pub struct WaitSpec {
    pub server: Template,
    pub until: &'static str,
    /// Allowed statuses in order; empty means any status of the model is allowed.
    pub path: Vec<&'static str>,
    pub fail_on: Vec<&'static str>,
    /// The suite's own bound; `None`: the default for the kind of transition
    /// ([`default_timeout`]). Either is multiplied by the run's `--wait-timeout-scale`.
    pub timeout: Option<Duration>,
    /// The longest pause between two polls.
    pub interval: Duration,
    pub identity: Option<String>,
}

impl WaitSpec {
    /// The bound of this wait on a provider whose waits take `scale` times the usual.
    pub fn bound(&self, scale: f64) -> Duration {
        self.timeout.unwrap_or_else(|| default_timeout(&self.path, self.until)).mul_f64(scale)
    }
}

/// How long a transition of this kind may take on a real cloud, by the statuses it passes
/// through: real hypervisors boot in 30–90 s and resize, migrate or snapshot in minutes
/// (Tempest's `build_timeout` is 300 s for every kind); a suite's own `timeout` wins.
pub fn default_timeout(path: &[&str], until: &str) -> Duration {
    let through = |s: &[&str]| path.iter().chain([&until]).any(|p| s.contains(p));
    let secs = if through(&["RESIZE", "VERIFY_RESIZE", "REVERT_RESIZE", "MIGRATING", "SHELVED", "SHELVED_OFFLOADED"]) {
        900
    } else if through(&["REBUILD"]) {
        600
    } else {
        // build, reboot, stop/start, pause, suspend, rescue, password, delete
        300
    };
    Duration::from_secs(secs)
}
pub const DEFAULT_WAIT_INTERVAL: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, Default)]
pub struct Expect {
    /// Empty: any 2xx.
    pub status: Vec<u16>,
    pub headers: Vec<(String, Assertion)>,
    pub body: Vec<(String, Assertion)>,
    pub operation: Option<String>,
}

#[derive(Debug, Clone)]
pub enum Assertion {
    Present,
    Absent,
    Checks(Vec<Check>),
}

#[derive(Debug, Clone)]
pub enum Check {
    Equals(Value),
    NotEquals(Value),
    Matches(Regex),
    Type(JsonType),
    OneOf(Vec<Value>),
    Length(u64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonType {
    String,
    Number,
    Integer,
    Boolean,
    Object,
    Array,
    Null,
}

impl JsonType {
    pub fn parse(name: &str) -> Option<JsonType> {
        Some(match name {
            "string" => JsonType::String,
            "number" => JsonType::Number,
            "integer" => JsonType::Integer,
            "boolean" => JsonType::Boolean,
            "object" => JsonType::Object,
            "array" => JsonType::Array,
            "null" => JsonType::Null,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            JsonType::String => "string",
            JsonType::Number => "number",
            JsonType::Integer => "integer",
            JsonType::Boolean => "boolean",
            JsonType::Object => "object",
            JsonType::Array => "array",
            JsonType::Null => "null",
        }
    }

    pub fn of(value: &Value) -> JsonType {
        match value {
            Value::String(_) => JsonType::String,
            Value::Number(n) if n.is_i64() || n.is_u64() => JsonType::Integer,
            Value::Number(_) => JsonType::Number,
            Value::Bool(_) => JsonType::Boolean,
            Value::Object(_) => JsonType::Object,
            Value::Array(_) => JsonType::Array,
            Value::Null => JsonType::Null,
        }
    }

    pub fn accepts(self, value: &Value) -> bool {
        let actual = JsonType::of(value);
        actual == self || (self == JsonType::Number && actual == JsonType::Integer)
    }
}

#[derive(Debug, Clone)]
pub struct Capture {
    pub var: String,
    pub source: CaptureSource,
    pub regex: Option<Regex>,
}

#[derive(Debug, Clone)]
pub enum CaptureSource {
    Pointer(String),
    Header(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wait(path: &[&'static str], until: &'static str, timeout: Option<Duration>) -> WaitSpec {
        WaitSpec {
            server: Template::literal("s"),
            until,
            path: path.to_vec(),
            fail_on: vec!["ERROR"],
            timeout,
            interval: DEFAULT_WAIT_INTERVAL,
            identity: None,
        }
    }

    #[test]
    fn bounds_follow_the_kind_of_transition_and_scale() {
        let secs = |w: &WaitSpec, scale| w.bound(scale).as_secs();
        assert_eq!(secs(&wait(&["BUILD", "ACTIVE"], "ACTIVE", None), 1.0), 300);
        assert_eq!(secs(&wait(&["ACTIVE", "RESIZE", "VERIFY_RESIZE"], "VERIFY_RESIZE", None), 1.0), 900);
        assert_eq!(secs(&wait(&[], "SHELVED_OFFLOADED", None), 1.0), 900);
        assert_eq!(secs(&wait(&["ACTIVE", "REBUILD", "ACTIVE"], "ACTIVE", None), 1.0), 600);
        assert_eq!(secs(&wait(&["ACTIVE", "DELETED"], "DELETED", None), 1.0), 300);
        // The suite's own bound wins; the scale applies to either.
        assert_eq!(secs(&wait(&["BUILD", "ACTIVE"], "ACTIVE", Some(Duration::from_secs(60))), 1.0), 60);
        assert_eq!(secs(&wait(&["BUILD", "ACTIVE"], "ACTIVE", Some(Duration::from_secs(60))), 3.0), 180);
        assert_eq!(secs(&wait(&["ACTIVE", "MIGRATING", "ACTIVE"], "ACTIVE", None), 0.5), 450);
    }
}
