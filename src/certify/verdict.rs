//! The certification verdict, from a profile and an outcome (pure): per capability passed,
//! failed, flagged (a failure excused until its flag expires), incomplete (a run that covers it
//! was interrupted or never ran), skipped (not offered) or untested; the provider is certified
//! when every required capability passed or is flagged.

use serde::{Deserialize, Serialize};

use super::profile::{Flag, Profile, Status};
use crate::microversion::Microversion;
use crate::outcome::{RunOutcome, Verdict};

/// What a certification rests on of one run: structured, so a bundle can be re-evaluated and
/// shards merged without the runs themselves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub suite: String,
    pub microversion: Microversion,
    pub capabilities: Vec<String>,
    pub verdict: Verdict,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The first step that failed (a flag may excuse only that step).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_step: Option<String>,
    /// The cassette of the run, relative to the bundle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cassette: Option<String>,
    /// Steps whose checks could not be made (the provider lacks what they need), with why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unverified: Vec<String>,
}

impl RunRecord {
    pub fn of(run: &RunOutcome) -> RunRecord {
        RunRecord {
            suite: run.suite.clone(),
            microversion: run.microversion,
            capabilities: run.capabilities.clone(),
            verdict: run.verdict,
            reason: run.reason.clone(),
            failed_step: run.first_failure().map(|(s, _)| s.name.clone()),
            cassette: run.cassette.as_ref().and_then(|c| {
                std::path::Path::new(&c.path).file_name().map(|n| format!("cassettes/{}", n.to_string_lossy()))
            }),
            unverified: run
                .steps
                .iter()
                .filter(|s| s.unverified)
                .map(|s| format!("step `{}`: {}", s.name, s.reason.as_deref().unwrap_or("not run")))
                .collect(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CapabilityVerdict {
    Passed,
    Failed,
    /// Failed, but every failure is excused by an unexpired flag.
    Flagged,
    /// A run that covers it was interrupted or never ran: the evidence is incomplete.
    Incomplete,
    /// The runs passed, but some of their checks could not be made (listed in `unverified`).
    Unverified,
    /// Every run skipped (the provider does not offer it), with the reasons.
    Skipped,
    /// No suite run covers it.
    Untested,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapabilityResult {
    pub capability: String,
    pub status: Status,
    pub verdict: CapabilityVerdict,
    /// `suite@microversion: verdict — reason` for every run that covers it.
    pub runs: Vec<String>,
    /// The flags that excused failures.
    pub flags: Vec<Flag>,
    /// Flags that matched but have expired: they excuse nothing any more.
    pub expired_flags: Vec<Flag>,
    /// `suite@microversion step `name`: why` for every check that could not be made.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unverified: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Certification {
    pub profile: String,
    /// The Nova release the profile certifies against, when it names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<String>,
    /// Every required capability passed or is flagged: the evidence passes the profile. (A
    /// certification needs more: a live run that was not interrupted; see `bundle`.)
    pub passes: bool,
    pub capabilities: Vec<CapabilityResult>,
    /// Required capabilities that keep the provider from being certified.
    pub blocking: Vec<String>,
}

pub fn evaluate(profile: &Profile, runs: &[RunRecord], today: jiff::civil::Date) -> Certification {
    let mut capabilities = Vec::new();
    for (cap, status) in &profile.capabilities {
        let runs: Vec<&RunRecord> = runs.iter().filter(|r| r.capabilities.iter().any(|c| c == cap)).collect();
        let mut flags = Vec::new();
        let mut expired_flags = Vec::new();
        let mut unexcused = 0;
        for r in runs.iter().filter(|r| r.verdict == Verdict::Failed) {
            let mv = r.microversion.to_string();
            let matching: Vec<&Flag> =
                profile.flagged.iter().filter(|f| f.covers(&r.suite, &mv, r.failed_step.as_deref())).collect();
            match matching.iter().find(|f| f.expires > today) {
                Some(f) => flags.push((*f).clone()),
                None => {
                    unexcused += 1;
                    expired_flags.extend(matching.into_iter().cloned());
                }
            }
        }
        let verdict = if runs.is_empty() {
            CapabilityVerdict::Untested
        } else if unexcused > 0 {
            CapabilityVerdict::Failed
        } else if runs.iter().any(|r| r.verdict.unfinished()) {
            CapabilityVerdict::Incomplete
        } else if runs.iter().any(|r| !r.unverified.is_empty()) {
            CapabilityVerdict::Unverified
        } else if !flags.is_empty() {
            CapabilityVerdict::Flagged
        } else if runs.iter().all(|r| r.verdict == Verdict::Skipped) {
            CapabilityVerdict::Skipped
        } else {
            CapabilityVerdict::Passed
        };
        let describe = |r: &&RunRecord| {
            let v = r.verdict.word();
            match &r.reason {
                Some(reason) => format!("{}@{}: {v} — {reason}", r.suite, r.microversion),
                None => format!("{}@{}: {v}", r.suite, r.microversion),
            }
        };
        capabilities.push(CapabilityResult {
            capability: cap.clone(),
            status: *status,
            verdict,
            runs: runs.iter().map(describe).collect(),
            flags,
            expired_flags,
            unverified: runs
                .iter()
                .flat_map(|r| r.unverified.iter().map(move |u| format!("{}@{} {u}", r.suite, r.microversion)))
                .collect(),
        });
    }
    let blocking: Vec<String> = capabilities
        .iter()
        .filter(|c| {
            c.status == Status::Required && !matches!(c.verdict, CapabilityVerdict::Passed | CapabilityVerdict::Flagged)
        })
        .map(|c| c.capability.clone())
        .collect();
    Certification {
        profile: profile.name.clone(),
        release: profile.release.clone(),
        passes: blocking.is_empty(),
        capabilities,
        blocking,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::{StepKind, StepOutcome};

    fn run(suite: &str, cap: &str, verdict: Verdict) -> RunOutcome {
        let mut step = StepOutcome::start("resize", StepKind::Request, None, 0);
        step.verdict = verdict;
        RunOutcome {
            suite: suite.into(),
            file: String::new(),
            microversion: "2.1".parse().unwrap(),
            capabilities: vec![cap.into()],
            started_at: String::new(),
            verdict,
            reason: Some("why".into()),
            duration_ms: 0,
            wall_ms: 0,
            cassette: None,
            steps: vec![step],
            cleanups: vec![],
            exchanges: vec![],
            notes: vec![],
        }
    }

    fn outcome(runs: Vec<RunOutcome>) -> Vec<RunRecord> {
        runs.iter().map(RunRecord::of).collect()
    }

    fn profile(flag_expires: Option<&str>) -> Profile {
        Profile {
            name: "p".into(),
            release: None,
            description: None,
            capabilities: vec![
                ("a".into(), Status::Required),
                ("b".into(), Status::Advisory),
                ("c".into(), Status::Required),
            ],
            flagged: flag_expires
                .map(|d| {
                    vec![Flag {
                        run: "sa@2.1".into(),
                        step: Some("resize".into()),
                        reason: "TD-1".into(),
                        expires: d.parse().unwrap(),
                    }]
                })
                .unwrap_or_default(),
            capability_pos: Default::default(),
        }
    }

    #[test]
    fn flags_excuse_failures_until_they_expire() {
        let today: jiff::civil::Date = "2026-11-22".parse().unwrap();
        let o = outcome(vec![
            run("sa", "a", Verdict::Failed),
            run("sb", "b", Verdict::Failed),
            run("sc", "c", Verdict::Passed),
        ]);
        let flagged = evaluate(&profile(Some("2027-01-01")), &o, today);
        assert!(flagged.passes, "{flagged:?}");
        assert_eq!(flagged.capabilities[0].verdict, CapabilityVerdict::Flagged);
        assert_eq!(flagged.capabilities[1].verdict, CapabilityVerdict::Failed, "advisory failures are reported");
        let expired = evaluate(&profile(Some("2026-11-01")), &o, today);
        assert!(!expired.passes);
        assert_eq!(expired.blocking, ["a"]);
        assert_eq!(expired.capabilities[0].expired_flags.len(), 1);
    }

    #[test]
    fn an_unfinished_run_leaves_its_capability_incomplete() {
        let today: jiff::civil::Date = "2026-11-22".parse().unwrap();
        let o = outcome(vec![run("sa", "a", Verdict::Interrupted), run("sc", "c", Verdict::NotRun)]);
        let c = evaluate(&profile(None), &o, today);
        assert_eq!(c.capabilities[0].verdict, CapabilityVerdict::Incomplete);
        assert_eq!(c.capabilities[2].verdict, CapabilityVerdict::Incomplete);
        assert_eq!(c.blocking, ["a", "c"]);
        assert!(!c.passes);
    }

    #[test]
    fn skipped_or_untested_required_capabilities_block() {
        let today: jiff::civil::Date = "2026-11-22".parse().unwrap();
        let o = outcome(vec![run("sa", "a", Verdict::Skipped)]);
        let c = evaluate(&profile(None), &o, today);
        assert_eq!(c.capabilities[0].verdict, CapabilityVerdict::Skipped);
        assert_eq!(c.capabilities[2].verdict, CapabilityVerdict::Untested);
        assert_eq!(c.blocking, ["a", "c"]);
        assert!(!c.passes);
    }
}
