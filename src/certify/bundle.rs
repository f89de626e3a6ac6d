//! The certification bundle written into `--out DIR`: everything a reviewer needs to check a
//! verdict without trusting the machine that made it. `certification.json` says who and what
//! (vendor, product, the cloud by name, region and the SHA-256 of its compute endpoint,
//! tapedeck's version and commit, the profile and every suite with their hashes), the verdict
//! per capability and every run structured; beside it `certification.md`, the reports, the
//! evidence (`cassettes/`), the `profile.yaml` and `suites/` the verdict rests on, and
//! `SHA256SUMS` over every file. `certify --verify` re-checks the sums and replays the bundle;
//! `certify --merge` combines the bundles of a sharded profile.

use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::verdict::{CapabilityVerdict, Certification, RunRecord};
use crate::cassette::{self, VersionRange};
use crate::input::InputError;
use crate::outcome::{Mode, Outcome, Verdict};
use crate::plan::LiveInfo;
use crate::report::{self, ReportError};
use crate::suite::Suite;
use crate::util::atomic::WriteError;
use crate::util::json::sha256_hex;

pub const FORMAT: u32 = 2;
pub const CERTIFICATION_FILE: &str = "certification.json";
pub const SUMS_FILE: &str = "SHA256SUMS";
pub const PROFILE_FILE: &str = "profile.yaml";
pub const SUITES_DIR: &str = "suites";
pub const CASSETTES_DIR: &str = "cassettes";

/// Where a bundle stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Standing {
    /// A live (recorded) run, finished, whose evidence passes the profile.
    Certified,
    NotCertified,
    /// Interrupted: a run that covers a capability did not finish.
    Incomplete,
    /// Live, but `--filter`/`--exclude` chose part of the profile's runs: whatever passed, the
    /// evidence is not the whole profile's, so never a certification.
    Partial,
    /// Recorded evidence re-verified from cassettes: whether it passes, but never a
    /// certification of the provider as it is now.
    Replayed,
}

impl Standing {
    /// `filtered`: the request chose runs (`--filter`/`--exclude`).
    pub fn of(mode: Mode, interrupted: bool, filtered: bool, passes: bool) -> Standing {
        match (mode, interrupted, filtered, passes) {
            (_, true, _, _) => Standing::Incomplete,
            (Mode::Replay, _, _, _) => Standing::Replayed,
            (_, _, true, _) => Standing::Partial,
            (_, _, _, true) => Standing::Certified,
            (_, _, _, false) => Standing::NotCertified,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CloudRecord {
    /// The clouds.yaml cloud, when the provider names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// SHA-256 of the compute endpoint URL: the same cloud has the same id, and the URL (often
    /// internal) is not published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The URL itself, only when asked for (`--include-endpoint`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
}

impl CloudRecord {
    pub fn new(name: Option<String>, region: Option<String>, endpoint: Option<&str>, include_endpoint: bool) -> Self {
        CloudRecord {
            name,
            region,
            id: endpoint.map(|url| format!("sha256:{}", sha256_hex(url.trim_end_matches('/').as_bytes()))),
            endpoint: endpoint.filter(|_| include_endpoint).map(str::to_string),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolRecord {
    pub version: String,
    /// The git commit tapedeck was built from (`+dirty` with uncommitted changes), or
    /// `unknown` outside a git checkout.
    pub commit: String,
}

impl ToolRecord {
    pub fn this() -> Self {
        ToolRecord { version: env!("CARGO_PKG_VERSION").to_string(), commit: env!("TAPEDECK_GIT_COMMIT").to_string() }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardRecord {
    pub k: usize,
    pub n: usize,
}

/// What the runs were asked for beyond the suites, so a replay of the bundle plans the same runs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RequestRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub microversion: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub vars: BTreeMap<String, String>,
    /// `--filter` expressions: a bundle with any (or any `exclude`) holds part of the profile's
    /// runs, and is never a certification.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filter: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<String>,
}

impl RequestRecord {
    pub fn filtered(&self) -> bool {
        !self.filter.is_empty() || !self.exclude.is_empty()
    }

    /// `--filter A --exclude B`, as given.
    pub fn selection_flags(&self) -> String {
        let f = self.filter.iter().map(|e| format!("--filter {e}"));
        f.chain(self.exclude.iter().map(|e| format!("--exclude {e}"))).collect::<Vec<_>>().join(" ")
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileRecord {
    /// Relative to the bundle.
    pub file: String,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SuiteRecord {
    pub name: String,
    pub file: String,
    pub sha256: String,
    /// The suite's meaning hash, as its cassettes record it.
    pub hash: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    pub path: String,
    pub sha256: String,
}

/// `certification.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BundleDoc {
    pub format: u32,
    pub result: Standing,
    pub certified: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    pub cloud: CloudRecord,
    pub tapedeck: ToolRecord,
    pub created_at: String,
    pub mode: Mode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<ShardRecord>,
    #[serde(default)]
    pub request: RequestRecord,
    pub profile_file: FileRecord,
    pub suites: Vec<SuiteRecord>,
    #[serde(flatten)]
    pub verdict: Certification,
    pub runs: Vec<RunRecord>,
    pub provider: ProviderProfile,
    pub evidence: Vec<Evidence>,
}

/// Who asked, and for what: the parts of `certification.json` the run does not produce.
pub struct Context<'a> {
    pub vendor: Option<String>,
    pub product: Option<String>,
    pub cloud: CloudRecord,
    pub shard: Option<ShardRecord>,
    pub request: RequestRecord,
    pub profile: &'a Path,
    pub suites: &'a [Arc<Suite>],
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProviderProfile {
    pub label: String,
    /// From the provider's version document (live) or the cassettes' headers (replay).
    pub api_versions: Option<VersionRange>,
    /// Admin-only fields (`OS-EXT-SRV-ATTR:*`) seen in responses, per identity.
    pub admin_fields_visible: Vec<String>,
    pub capabilities_not_offered: Vec<String>,
}

pub fn provider_profile(outcome: &Outcome, live: Option<&LiveInfo>) -> ProviderProfile {
    let mut admin_fields = BTreeSet::new();
    for run in &outcome.runs {
        for e in &run.exchanges {
            if let Some(Value::Object(server)) = e.response.body.as_ref().and_then(|b| b.get("server")) {
                for k in server.keys().filter(|k| k.starts_with("OS-EXT-SRV-ATTR:")) {
                    admin_fields.insert(format!("{k} (as {})", e.identity.as_deref().unwrap_or("user")));
                }
            }
        }
    }
    let not_offered: BTreeSet<String> = match live {
        Some(info) => info.unsupported.keys().cloned().collect(),
        None => outcome
            .runs
            .iter()
            .filter(|r| {
                r.verdict == Verdict::Skipped && r.reason.as_deref().is_some_and(|why| why.contains("not offered"))
            })
            .flat_map(|r| r.capabilities.iter().cloned())
            .collect(),
    };
    let api_versions = live.and_then(|i| i.api_versions.clone()).or_else(|| {
        outcome
            .runs
            .iter()
            .filter_map(|r| r.cassette.as_ref())
            .find_map(|c| cassette::load(Path::new(&c.path)).ok().and_then(|c| c.api_versions))
    });
    let label = live.map(|i| i.label.clone()).unwrap_or_else(|| outcome.provider.clone());
    ProviderProfile {
        label,
        api_versions,
        admin_fields_visible: admin_fields.into_iter().collect(),
        capabilities_not_offered: not_offered.into_iter().collect(),
    }
}

/// Why the bundle could not be written.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("--out {}: {why}", path.display())]
    Out { path: PathBuf, why: String },
    #[error("{0}")]
    Report(#[from] ReportError),
    #[error("{0}")]
    Write(#[from] WriteError),
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> BundleError {
    let path = path.to_path_buf();
    move |source| BundleError::Io { path, source }
}

/// A bundle is written into a directory of its own: absent or empty, so no file already there
/// (a forged cassette) is hashed as evidence. Checked before anything runs.
pub fn check_out(out: &Path) -> Result<(), BundleError> {
    let bad = |why: &str| BundleError::Out { path: out.to_path_buf(), why: why.to_string() };
    match std::fs::read_dir(out).map(|mut entries| entries.next().is_some()) {
        Ok(true) => Err(bad("not empty: a bundle is written into a new directory")),
        Ok(false) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(_) if out.exists() && !out.is_dir() => Err(bad("not a directory")),
        Err(e) => Err(io_error(out)(e)),
    }
}

/// Writes the bundle: the profile and suites copied, the cassettes the runs used (already there
/// when recorded into it), the reports, `certification.json` and `.md`, and `SHA256SUMS` last.
pub fn write(
    out: &Path,
    context: Context<'_>,
    verdict: Certification,
    outcome: &Outcome,
    live: Option<&LiveInfo>,
) -> Result<BundleDoc, BundleError> {
    std::fs::create_dir_all(out.join(SUITES_DIR)).map_err(io_error(out))?;
    let profile_file = copy_in(context.profile, out, PROFILE_FILE)?;
    let mut suites = Vec::new();
    for s in context.suites {
        let name = s.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| s.name.clone());
        let rel = format!("{SUITES_DIR}/{name}");
        if out.join(&rel).exists() {
            return Err(BundleError::Out { path: out.to_path_buf(), why: format!("two suites are named {name}") });
        }
        let copied = copy_in(&s.file, out, &rel)?;
        suites.push(SuiteRecord {
            name: s.name.clone(),
            file: copied.file,
            sha256: copied.sha256,
            hash: s.hash.clone(),
        });
    }
    let evidence = evidence(outcome, out)?;
    let result = Standing::of(outcome.mode, outcome.interrupted, context.request.filtered(), verdict.passes);
    let doc = BundleDoc {
        format: FORMAT,
        result,
        certified: result == Standing::Certified,
        vendor: context.vendor,
        product: context.product,
        cloud: context.cloud,
        tapedeck: ToolRecord::this(),
        created_at: crate::util::clock::now_rfc3339(),
        mode: outcome.mode,
        shard: context.shard,
        request: context.request,
        profile_file,
        suites,
        verdict,
        runs: outcome.runs.iter().map(RunRecord::of).collect(),
        provider: provider_profile(outcome, live),
        evidence,
    };
    write_doc(out, &doc)?;
    report::write_atomic(&out.join("report.json"), report::json::render(outcome).as_bytes())?;
    report::write_atomic(&out.join("report.md"), report::markdown::render(outcome).as_bytes())?;
    let page = report::html::render_certification(outcome, &certification_view(&doc));
    report::write_atomic(&out.join("report.html"), page.as_bytes())?;
    report::write_atomic(&out.join("junit.xml"), report::junit::render(outcome)?.as_bytes())?;
    write_sums(out)?;
    Ok(doc)
}

/// The verdicts as the HTML report shows them at its top.
fn certification_view(doc: &BundleDoc) -> report::html::Certification {
    let word = |v: serde_json::Result<serde_json::Value>| {
        v.ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
    };
    report::html::Certification {
        result: word(serde_json::to_value(doc.result)),
        capabilities: doc
            .verdict
            .capabilities
            .iter()
            .map(|c| {
                (
                    c.capability.clone(),
                    word(serde_json::to_value(c.status)),
                    word(serde_json::to_value(c.verdict)),
                    c.runs.clone(),
                )
            })
            .collect(),
    }
}

/// `certification.json` and `certification.md` of `doc`.
pub fn write_doc(out: &Path, doc: &BundleDoc) -> Result<(), BundleError> {
    // Plain data with string keys: serialising cannot fail.
    let json = serde_json::to_string_pretty(doc).unwrap_or_default() + "\n";
    report::write_atomic(&out.join(CERTIFICATION_FILE), json.as_bytes())?;
    report::write_atomic(&out.join("certification.md"), markdown(doc).as_bytes())?;
    Ok(())
}

fn copy_in(src: &Path, out: &Path, rel: &str) -> Result<FileRecord, BundleError> {
    let bytes = std::fs::read(src).map_err(io_error(src))?;
    report::write_atomic(&out.join(rel), &bytes)?;
    Ok(FileRecord { file: rel.to_string(), sha256: sha256_hex(&bytes) })
}

/// Copies the cassettes the runs used into `out/cassettes` (unless they are already there)
/// and lists every cassette there with its SHA-256.
fn evidence(outcome: &Outcome, out: &Path) -> Result<Vec<Evidence>, BundleError> {
    let dir = out.join(CASSETTES_DIR);
    std::fs::create_dir_all(&dir).map_err(io_error(&dir))?;
    for c in outcome.runs.iter().filter_map(|r| r.cassette.as_ref()) {
        let src = PathBuf::from(&c.path);
        let Some(name) = src.file_name() else { continue };
        let dst = dir.join(name);
        if src.exists() && src != dst {
            std::fs::copy(&src, &dst).map_err(io_error(&src))?;
        }
    }
    let mut out_files = Vec::new();
    for p in files(&dir)? {
        let bytes = std::fs::read(&p).map_err(io_error(&p))?;
        let name = p.file_name().unwrap_or_default().to_string_lossy().into_owned();
        out_files.push(Evidence { path: format!("{CASSETTES_DIR}/{name}"), sha256: sha256_hex(&bytes) });
    }
    Ok(out_files)
}

/// Every file under `dir`, sorted (a cassette directory's pending area included: nothing in a
/// bundle escapes its sums).
fn files(dir: &Path) -> Result<Vec<PathBuf>, BundleError> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).map_err(io_error(&d))? {
            let path = entry.map_err(io_error(&d))?.path();
            let kind = std::fs::symlink_metadata(&path).map_err(io_error(&path))?;
            if kind.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// `SHA256SUMS`: every file of the bundle but itself, as `sha256sum -c` reads it.
pub fn write_sums(out: &Path) -> Result<(), BundleError> {
    let mut sums = String::new();
    for p in files(out)? {
        let rel = relative(out, &p);
        if rel == SUMS_FILE {
            continue;
        }
        let bytes = std::fs::read(&p).map_err(io_error(&p))?;
        sums.push_str(&format!("{}  {rel}\n", sha256_hex(&bytes)));
    }
    Ok(report::write_atomic(&out.join(SUMS_FILE), sums.as_bytes())?)
}

fn relative(base: &Path, path: &Path) -> String {
    path.strip_prefix(base).unwrap_or(path).to_string_lossy().replace('\\', "/")
}

/// Reads a bundle's `certification.json`.
pub fn read(bundle: &Path) -> Result<BundleDoc, InputError> {
    let path = bundle.join(CERTIFICATION_FILE);
    let text = crate::input::yaml::read_text(&path)?;
    let doc: BundleDoc = serde_json::from_str(&text).map_err(|e| {
        InputError::in_file(&path, format!("not a certification (format {FORMAT}): {e} at line {}", e.line()))
    })?;
    if doc.format != FORMAT {
        return Err(InputError::in_file(&path, format!("bundle format {} is not {FORMAT}", doc.format)));
    }
    Ok(doc)
}

/// What is wrong with a bundle's files against its `SHA256SUMS`: each changed, missing or
/// uncovered file named. Empty: every byte is as it was written.
pub fn check_sums(bundle: &Path) -> Result<Vec<String>, InputError> {
    let sums_path = bundle.join(SUMS_FILE);
    let text = crate::input::yaml::read_text(&sums_path)?;
    let mut problems = Vec::new();
    let mut listed = BTreeSet::new();
    for (n, line) in text.lines().enumerate() {
        let Some((sum, rel)) = line.split_once("  ") else {
            return Err(InputError::in_file(&sums_path, format!("line {}: expected `SHA256  PATH`", n + 1)));
        };
        // A hostile bundle could name files outside itself.
        if rel.starts_with('/') || rel.split('/').any(|part| part == ".." || part.is_empty()) {
            return Err(InputError::in_file(
                &sums_path,
                format!("line {}: `{rel}` is not a path inside the bundle", n + 1),
            ));
        }
        listed.insert(rel.to_string());
        // Regular files only, bounded: a FIFO put in a bundle must not hang the check.
        let path = bundle.join(rel);
        match crate::input::file::read_bytes(&path, crate::cassette::store::MAX_CASSETTE_BYTES) {
            Ok(bytes) if sha256_hex(&bytes) == sum => {}
            Ok(_) => problems.push(format!("changed: {rel}")),
            Err(_) if std::fs::symlink_metadata(&path).is_err() => problems.push(format!("missing: {rel}")),
            Err(e) => problems.push(format!("unreadable: {rel} ({})", e.message)),
        }
    }
    let all = files(bundle).map_err(|e| InputError::in_file(bundle, e.to_string()))?;
    for p in all {
        let rel = relative(bundle, &p);
        if rel != SUMS_FILE && !listed.contains(&rel) {
            problems.push(format!("not in {SUMS_FILE}: {rel}"));
        }
    }
    Ok(problems)
}

/// The day a bundle was made: flags are judged as of then when it is re-evaluated.
pub fn created_on(doc: &BundleDoc) -> Option<jiff::civil::Date> {
    doc.created_at.parse::<jiff::Timestamp>().ok().map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date())
}

pub fn standing_line(doc: &BundleDoc) -> String {
    let v = &doc.verdict;
    match doc.result {
        Standing::Certified => format!("CERTIFIED against profile {}", v.profile),
        Standing::NotCertified => format!("NOT CERTIFIED against profile {}: {}", v.profile, blocking(v)),
        Standing::Incomplete => {
            format!("NOT CERTIFIED against profile {}: the run was interrupted, the evidence is incomplete", v.profile)
        }
        Standing::Partial => format!(
            "NOT CERTIFIED against profile {}: partial, {} chose part of its runs (the selected evidence {})",
            v.profile,
            doc.request.selection_flags(),
            if v.passes { "passes".to_string() } else { format!("fails: {}", blocking(v)) }
        ),
        Standing::Replayed if v.passes => format!(
            "REPLAYED: the recorded evidence passes profile {} (not a certification: certify live with --provider, --os-cloud or --endpoint)",
            v.profile
        ),
        Standing::Replayed => format!(
            "REPLAYED: the recorded evidence fails profile {}: {} (not a certification)",
            v.profile,
            blocking(v)
        ),
    }
}

/// The blocking capabilities with what each is (`compute-servers-create (unverified)`).
fn blocking(c: &Certification) -> String {
    let verdict = |name: &String| {
        c.capabilities.iter().find(|cap| &cap.capability == name).map(|cap| format!("{:?}", cap.verdict).to_lowercase())
    };
    let named: Vec<String> = c
        .blocking
        .iter()
        .map(|name| match verdict(name) {
            Some(v) => format!("{name} ({v})"),
            None => name.clone(),
        })
        .collect();
    named.join(", ")
}

fn markdown(b: &BundleDoc) -> String {
    use std::fmt::Write;
    let c = &b.verdict;
    let mut md = String::new();
    let _ = writeln!(md, "# Certification: {}\n", standing_line(b));
    let who = [b.vendor.as_deref(), b.product.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
    if !who.is_empty() {
        let _ = writeln!(md, "Vendor and product: {who}.\n");
    }
    let cloud = [b.cloud.name.as_deref(), b.cloud.region.as_deref().map(|r| r.trim())]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", region ");
    let _ = writeln!(
        md,
        "Profile `{}`{} (`{}`), provider `{}`{}{}, {:?} mode, tapedeck {} ({}), {}{}.\n",
        c.profile,
        c.release.as_deref().map(|r| format!(" for Nova {r}")).unwrap_or_default(),
        b.profile_file.sha256,
        b.provider.label,
        if cloud.is_empty() { String::new() } else { format!(" (cloud {cloud})") },
        b.cloud.id.as_deref().map(|id| format!(", cloud id `{id}`")).unwrap_or_default(),
        b.mode,
        b.tapedeck.version,
        b.tapedeck.commit,
        b.created_at,
        b.shard.map(|s| format!(", shard {}/{}", s.k, s.n)).unwrap_or_default()
    );
    if let Some(v) = &b.provider.api_versions {
        let _ = writeln!(md, "Microversions offered: {}–{}.\n", v.min, v.max);
    }
    if !c.blocking.is_empty() {
        let _ = writeln!(
            md,
            "Blocking (required and not passed): {}\n",
            c.blocking.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
        );
    }
    let _ = writeln!(md, "| capability | status | verdict | runs |\n|---|---|---|---|");
    for cap in &c.capabilities {
        let v = match cap.verdict {
            CapabilityVerdict::Passed => "✅ passed",
            CapabilityVerdict::Failed => "❌ failed",
            CapabilityVerdict::Flagged => "⚠ flagged",
            CapabilityVerdict::Incomplete => "⏸ incomplete",
            CapabilityVerdict::Unverified => "◌ unverified",
            CapabilityVerdict::Skipped => "⏭ skipped",
            CapabilityVerdict::Untested => "∅ untested",
        };
        let mut runs = cap.runs.join("<br>").replace('|', "\\|");
        for f in &cap.flags {
            runs.push_str(&format!("<br>flag `{}` ({}) until {}", f.run, f.reason, f.expires));
        }
        for u in &cap.unverified {
            runs.push_str(&format!("<br>not verified: {}", u.replace('|', "\\|")));
        }
        for f in &cap.expired_flags {
            runs.push_str(&format!("<br>expired flag `{}` ({}) since {}", f.run, f.reason, f.expires));
        }
        let _ = writeln!(md, "| `{}` | {:?} | {v} | {runs} |", cap.capability, cap.status);
    }
    let _ = writeln!(
        md,
        "\nAdmin-only fields seen: {}.\n",
        if b.provider.admin_fields_visible.is_empty() {
            "none".into()
        } else {
            b.provider.admin_fields_visible.join(", ")
        }
    );
    let _ = writeln!(
        md,
        "Evidence: {} cassettes, {} suites, the profile; every file's SHA-256 in `SHA256SUMS` (`tapedeck certify --verify DIR` checks them and replays the bundle); reports `report.html`, `report.md`, `report.json`, `junit.xml`.",
        b.evidence.len(),
        b.suites.len()
    );
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filtered_live_run_is_partial_whatever_passed() {
        assert_eq!(Standing::of(Mode::Record, false, false, true), Standing::Certified);
        assert_eq!(Standing::of(Mode::Record, false, true, true), Standing::Partial);
        assert_eq!(Standing::of(Mode::Record, false, true, false), Standing::Partial);
        assert_eq!(Standing::of(Mode::Record, true, true, true), Standing::Incomplete);
        assert_eq!(Standing::of(Mode::Replay, false, true, true), Standing::Replayed);
        let record =
            RequestRecord { filter: vec!["server-re*".into()], exclude: vec!["@2.104".into()], ..Default::default() };
        assert!(record.filtered() && !RequestRecord::default().filtered());
        assert_eq!(record.selection_flags(), "--filter server-re* --exclude @2.104");
        // Older bundles (no filter keys) still read, as unfiltered.
        let old: RequestRecord = serde_json::from_str(r#"{"microversion": "2.1"}"#).unwrap();
        assert!(!old.filtered());
    }
}
