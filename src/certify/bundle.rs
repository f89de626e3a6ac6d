//! The certification bundle written into `--out DIR`: the verdict (JSON and Markdown), the
//! reports, the cassettes as evidence with their SHA-256, and the provider's profile.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use super::verdict::{CapabilityVerdict, Certification};
use crate::cassette::{self, VersionRange};
use crate::outcome::{Outcome, Verdict};
use crate::plan::LiveInfo;
use crate::report::{self, ReportError};
use crate::util::atomic::WriteError;
use crate::util::json::sha256_hex;

#[derive(Debug, Serialize)]
pub struct ProviderProfile {
    pub label: String,
    /// From the provider's version document (live) or the cassettes' headers (replay).
    pub api_versions: Option<VersionRange>,
    /// Admin-only fields (`OS-EXT-SRV-ATTR:*`) seen in responses, per identity.
    pub admin_fields_visible: Vec<String>,
    pub capabilities_not_offered: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Evidence {
    pub path: String,
    pub sha256: String,
}

#[derive(Debug, Serialize)]
pub struct Bundle<'a> {
    pub format: u32,
    pub tapedeck: &'static str,
    pub created_at: String,
    pub mode: crate::outcome::Mode,
    #[serde(flatten)]
    pub certification: &'a Certification,
    pub provider: ProviderProfile,
    pub evidence: Vec<Evidence>,
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

/// Copies the cassettes the runs used into `out/cassettes` (unless they are already there)
/// and lists every cassette there with its SHA-256.
/// Why the bundle could not be written.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("{}: {source}", path.display())]
    Evidence { path: PathBuf, source: std::io::Error },
    #[error("{0}")]
    Report(#[from] ReportError),
    #[error("{0}")]
    Write(#[from] WriteError),
}

fn evidence_error(path: &Path) -> impl FnOnce(std::io::Error) -> BundleError {
    let path = path.to_path_buf();
    move |source| BundleError::Evidence { path, source }
}

pub fn evidence(outcome: &Outcome, out: &Path) -> Result<Vec<Evidence>, BundleError> {
    let dir = out.join("cassettes");
    std::fs::create_dir_all(&dir).map_err(evidence_error(&dir))?;
    for c in outcome.runs.iter().filter_map(|r| r.cassette.as_ref()) {
        let src = PathBuf::from(&c.path);
        let Some(name) = src.file_name() else { continue };
        let dst = dir.join(name);
        if src.exists() && src != dst {
            std::fs::copy(&src, &dst).map_err(evidence_error(&src))?;
        }
    }
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(&dir).map_err(evidence_error(&dir))?.filter_map(|e| e.ok().map(|e| e.path())).collect();
    files.sort();
    files
        .iter()
        .map(|p| {
            let bytes = std::fs::read(p).map_err(evidence_error(p))?;
            Ok(Evidence {
                path: format!("cassettes/{}", p.file_name().unwrap_or_default().to_string_lossy()),
                sha256: sha256_hex(&bytes),
            })
        })
        .collect()
}

pub fn write(out: &Path, bundle: &Bundle, outcome: &Outcome) -> Result<(), BundleError> {
    // Plain data with string keys: serialising cannot fail.
    let json = serde_json::to_string_pretty(bundle).unwrap_or_default();
    report::write_atomic(&out.join("certification.json"), json.as_bytes())?;
    report::write_atomic(&out.join("certification.md"), markdown(bundle).as_bytes())?;
    report::write_atomic(&out.join("report.json"), report::json::render(outcome).as_bytes())?;
    report::write_atomic(&out.join("report.md"), report::markdown::render(outcome).as_bytes())?;
    report::write_atomic(&out.join("report.html"), report::html::render(outcome).as_bytes())?;
    report::write_atomic(&out.join("junit.xml"), report::junit::render(outcome)?.as_bytes())?;
    let sums: String = bundle.evidence.iter().map(|e| format!("{}  {}\n", e.sha256, e.path)).collect();
    Ok(report::write_atomic(&out.join("SHA256SUMS"), sums.as_bytes())?)
}

fn markdown(b: &Bundle) -> String {
    use std::fmt::Write;
    let c = b.certification;
    let mut md = String::new();
    let verdict = if c.certified { "CERTIFIED" } else { "NOT CERTIFIED" };
    let _ = writeln!(md, "# Certification: {verdict}\n");
    let _ = writeln!(
        md,
        "Profile `{}`, provider `{}`, {:?} mode, tapedeck {}, {}.\n",
        c.profile, b.provider.label, b.mode, b.tapedeck, b.created_at
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
            CapabilityVerdict::Skipped => "⏭ skipped",
            CapabilityVerdict::Untested => "∅ untested",
        };
        let mut runs = cap.runs.join("<br>").replace('|', "\\|");
        for f in &cap.flags {
            runs.push_str(&format!("<br>flag `{}` ({}) until {}", f.run, f.reason, f.expires));
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
        "Evidence: {} cassettes, SHA-256 in `SHA256SUMS`; reports `report.html`, `report.md`, `report.json`, `junit.xml`.",
        b.evidence.len()
    );
    md
}
