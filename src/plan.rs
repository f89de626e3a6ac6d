//! Suites × microversions → runs, each with its variables, where its exchanges come from
//! (a cassette, or the live provider) and whether it is skipped and why.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

use crate::cassette::{self, Cassette, VersionRange};
use crate::input::{InputError, InputErrors};
use crate::microversion::Microversion;
use crate::selection::Selection;
use crate::suite::template::Vars;
use crate::suite::{Suite, SuiteVar};

/// The microversion of a suite that lists none (and of `--microversion`-less runs).
pub const DEFAULT_MICROVERSION: Microversion = Microversion::MIN;
/// The suites run when none are named.
pub const DEFAULT_SUITES: &str = "suites";
/// The cassette directory replay reads when none is given: the shipped recordings.
pub const DEFAULT_CASSETTES: &str = "cassettes/nova-34.0.0";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordMode {
    /// Record runs that have no cassette yet; replay the others.
    Once,
    /// Record every run, replacing existing cassettes.
    All,
}

/// What the live provider told us, for planning live and record runs.
#[derive(Debug, Clone)]
pub struct LiveInfo {
    pub label: String,
    pub endpoint_path: String,
    pub variables: BTreeMap<String, String>,
    pub identities: Vec<String>,
    pub unsupported: BTreeMap<String, String>,
    pub api_versions: Option<VersionRange>,
}

#[derive(Debug, Clone)]
pub enum Source {
    Replay(Box<Cassette>),
    Live,
    Record,
    /// Replay was asked for but there is no cassette.
    Missing,
    /// The cassette was recorded from another version of the suite.
    Stale(Box<Cassette>),
}

#[derive(Debug, Clone)]
pub struct RunPlan {
    pub suite: Arc<Suite>,
    pub microversion: Microversion,
    /// Where the cassette is read from, or written to when recording (the pending area when a
    /// cassette already exists there: see `cassette::pending`).
    pub cassette_path: PathBuf,
    /// When recording into the pending area: the accepted cassette it would replace.
    pub replaces: Option<PathBuf>,
    pub source: Source,
    /// Variables before any step runs: built-ins, provider (or recorded) variables, suite
    /// variables, `--var` overrides.
    pub vars: Vars,
    pub identities: Vec<String>,
    pub api_versions: Option<VersionRange>,
    pub provider: String,
    pub endpoint_path: String,
    pub skip: Option<String>,
    /// Names of the variables that came from the provider (or the cassette).
    pub provider_vars: std::collections::BTreeSet<String>,
}

pub struct PlanRequest<'a> {
    pub suites: &'a [Arc<Suite>],
    pub cassette_dir: &'a Path,
    /// `None` for replay; the provider for live and record.
    pub live: Option<&'a LiveInfo>,
    pub record: Option<RecordMode>,
    pub microversion: Option<Microversion>,
    /// For suites that list no microversions.
    pub default_microversion: Microversion,
    pub cli_vars: &'a [(String, String)],
    /// `--filter` / `--exclude`: the runs left out are not planned at all.
    pub selection: &'a Selection,
}

/// Every run the suites make: each suite at `microversion` if given, else at each it lists
/// (`default` for one that lists none), in suite order.
pub fn runs_of(
    suites: &[Arc<Suite>],
    microversion: Option<Microversion>,
    default: Microversion,
) -> Vec<(&Arc<Suite>, Microversion)> {
    suites
        .iter()
        .flat_map(|suite| {
            let microversions = match microversion {
                Some(v) => vec![v],
                None if suite.microversions.is_empty() => vec![default],
                None => suite.microversions.clone(),
            };
            microversions.into_iter().map(move |mv| (suite, mv))
        })
        .collect()
}

pub fn plan(req: &PlanRequest) -> Result<Vec<RunPlan>, InputErrors> {
    let mut pairs = runs_of(req.suites, req.microversion, req.default_microversion);
    pairs.retain(|(suite, mv)| req.selection.selects(suite, *mv));
    // Reading cassettes is most of a replay's time: plan the runs on every core.
    let (mut runs, mut errors) = (Vec::new(), Vec::new());
    for result in crate::util::parallel::map(&pairs, |(suite, mv)| plan_run(req, suite, *mv)) {
        match result {
            Ok(run) => runs.push(run),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() { Ok(runs) } else { Err(InputErrors(errors)) }
}

fn plan_run(req: &PlanRequest, suite: &Arc<Suite>, mv: Microversion) -> Result<RunPlan, InputError> {
    let mut cassette_path = cassette::cassette_path(req.cassette_dir, &suite.name, mv);
    let existing = || -> Result<Option<Cassette>, InputError> {
        if !cassette_path.exists() {
            return Ok(None);
        }
        let c = cassette::load(&cassette_path)?;
        // A cassette renamed or copied over another run's would replay someone else's run.
        if c.suite != suite.name || c.microversion != mv {
            return Err(InputError::in_file(
                &cassette_path,
                format!(
                    "holds a recording of suite `{}` at {}, not of `{}` at {mv}: a cassette is named after its run",
                    c.suite, c.microversion, suite.name
                ),
            ));
        }
        Ok(Some(c))
    };
    let replay_from =
        |c: Cassette| if c.suite_hash == suite.hash { Source::Replay(Box::new(c)) } else { Source::Stale(Box::new(c)) };
    let source = match (req.live, req.record) {
        (None, _) => existing()?.map(replay_from).unwrap_or(Source::Missing),
        (Some(_), None) => Source::Live,
        (Some(_), Some(RecordMode::All)) => Source::Record,
        (Some(_), Some(RecordMode::Once)) => existing()?.map(replay_from).unwrap_or(Source::Record),
    };
    let mut replaces = None;
    if matches!(source, Source::Record) && cassette_path.exists() {
        let pending = cassette::pending::pending_path(&cassette_path);
        replaces = Some(std::mem::replace(&mut cassette_path, pending));
    }

    let mut vars = Vars::new();
    vars.insert("suite".into(), Value::String(suite.name.clone()));
    vars.insert("microversion".into(), Value::String(mv.to_string()));
    let before: std::collections::BTreeSet<String> = vars.keys().cloned().collect();
    let (provider, endpoint_path, identities, api_versions, mut skip) = match (&source, req.live) {
        (Source::Replay(c) | Source::Stale(c), _) => {
            vars.extend(c.variables.clone());
            let skip = c.skipped.as_ref().map(|s| format!("skipped when recorded: {s}"));
            (c.provider.clone(), c.endpoint_path.clone(), c.identities.clone(), c.api_versions.clone(), skip)
        }
        (_, Some(live)) => {
            vars.insert("run_id".into(), Value::String(new_run_id()));
            vars.extend(live.variables.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))));
            let unsupported = suite.capabilities.iter().find_map(|c| {
                live.unsupported.get(c).map(|why| format!("capability {c} is not offered by {}: {why}", live.label))
            });
            let out_of_range = live
                .api_versions
                .as_ref()
                .filter(|r| !r.contains(mv))
                .map(|r| format!("microversion {mv} is outside the provider's range {}–{}", r.min, r.max));
            (
                live.label.clone(),
                live.endpoint_path.clone(),
                live.identities.clone(),
                live.api_versions.clone(),
                unsupported.or(out_of_range),
            )
        }
        (_, None) => (String::new(), String::new(), Vec::new(), None, None),
    };
    let provider_vars = vars.keys().filter(|k| !before.contains(*k)).cloned().collect();
    if let Some(reason) = &suite.skip {
        skip = Some(reason.clone());
    }
    // Suite variables may use built-ins and provider variables; --var wins over both.
    for (name, var) in &suite.vars {
        let rendered = match var {
            SuiteVar::Template(template) => template.render_value(&vars),
            SuiteVar::Literal(value) => Ok(value.clone()),
        };
        match rendered {
            Ok(v) => {
                vars.insert(name.clone(), v);
            }
            // No cassette: the run fails for that reason; its variables do not matter.
            Err(_) if matches!(source, Source::Missing) => {}
            Err(e) => return Err(InputError::in_file(&suite.file, format!("suite variable `{name}`: {e}"))),
        }
    }
    for (name, value) in req.cli_vars {
        vars.insert(name.clone(), Value::String(value.clone()));
    }
    Ok(RunPlan {
        suite: suite.clone(),
        microversion: mv,
        cassette_path,
        replaces,
        source,
        vars,
        identities,
        api_versions,
        provider,
        endpoint_path,
        skip,
        provider_vars,
    })
}

/// Before anything is sent: the provider variables that runs about to talk to the provider
/// use and nobody set (the provider file, `--var`, the config file, the suite itself), as one
/// error naming each variable, the runs needing it, and how to find values.
pub fn missing_variables(plans: &[RunPlan]) -> Option<InputError> {
    let mut missing: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for p in plans.iter().filter(|p| matches!(p.source, Source::Live | Source::Record) && p.skip.is_none()) {
        for var in p.suite.variables_used(Some(p.microversion)) {
            if crate::suite::load::PROVIDER_VARS.contains(&var.as_str()) && !p.vars.contains_key(&var) {
                missing.entry(var).or_default().push(format!("{}@{}", p.suite.name, p.microversion));
            }
        }
    }
    if missing.is_empty() {
        return None;
    }
    let lines: Vec<String> = missing
        .iter()
        .map(|(var, runs)| {
            let shown: Vec<&str> = runs.iter().take(3).map(String::as_str).collect();
            let more = if runs.len() > 3 { format!(" and {} more", runs.len() - 3) } else { String::new() };
            format!("  {var}: needed by {}{more}", shown.join(", "))
        })
        .collect();
    Some(InputError::new(format!(
        "the provider sets no value for {} variable(s) the selected runs need:\n{}\nfind values with `tapedeck discover` (it writes them into tapedeck.toml), or give them with --var NAME=VALUE",
        missing.len(),
        lines.join("\n")
    )))
}

impl RunPlan {
    /// The variables a cassette keeps so replay renders the same requests: the run id and the
    /// provider's variables (suite variables and `--var`s are recomputed on replay).
    pub fn recorded_vars(&self) -> BTreeMap<String, Value> {
        let keep =
            |k: &str| k == "run_id" || crate::suite::load::PROVIDER_VARS.contains(&k) || self.provider_vars.contains(k);
        self.vars.iter().filter(|(k, _)| keep(k)).map(|(k, v)| (k.clone(), v.clone())).collect()
    }
}

/// `K/N` with 1 ≤ K ≤ N.
pub fn parse_shard(text: &str) -> Result<(usize, usize), String> {
    let bad = || format!("`{text}` is not K/N (e.g. 2/4)");
    let (k, n) = text.split_once('/').ok_or_else(bad)?;
    let (k, n): (usize, usize) = (k.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?);
    if n == 0 || k == 0 || k > n {
        return Err(format!("`{text}`: K must be between 1 and N"));
    }
    Ok((k, n))
}

/// Shard K of N: runs dealt round-robin in plan order (suites by file name, then their
/// microversions), so shards stay balanced and every run is in exactly one shard.
pub fn shard(runs: Vec<RunPlan>, k: usize, n: usize) -> Vec<RunPlan> {
    runs.into_iter().enumerate().filter(|(i, _)| i % n == k - 1).map(|(_, r)| r).collect()
}

/// Short and unique enough to tell runs apart in server names (`td-<run_id>-…`).
pub fn new_run_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..8].to_string()
}
