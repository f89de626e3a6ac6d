//! Certification profiles (YAML): which capabilities a provider must have (`required`), should
//! have (`advisory`) or may still have (`deprecated`), and flagged tests — known failures
//! excused, with a reason code, until an expiry date.

use std::path::Path;

use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::input::InputError;
use crate::input::yaml::{self, OrderedMap};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Required,
    Advisory,
    Deprecated,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileDoc {
    profile: String,
    /// The Nova release the profile certifies against (`34.0.0`).
    release: Option<String>,
    description: Option<String>,
    capabilities: OrderedMap<Status>,
    #[serde(default)]
    flagged: Vec<Spanned<FlagDoc>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FlagDoc {
    /// `suite` (every microversion) or `suite@microversion`.
    run: String,
    /// Only this step's failure is excused (default: any failure of the run).
    step: Option<String>,
    /// A reason code a reviewer can look up (`TD-0001: …`).
    reason: String,
    /// YYYY-MM-DD; from that day on the flag no longer excuses the failure.
    expires: Spanned<String>,
}

#[derive(Debug, Clone)]
pub struct Profile {
    pub name: String,
    /// The Nova release whose contract the profile certifies (`34.0.0`); a user's own
    /// profile may leave it out.
    pub release: Option<String>,
    pub description: Option<String>,
    pub capabilities: Vec<(String, Status)>,
    pub flagged: Vec<Flag>,
    /// Where each capability is named in the file.
    pub capability_pos: std::collections::BTreeMap<String, crate::input::Pos>,
}

/// A capability of the profile that no suite lists, when a suite lists one close to it: a typo
/// would leave it untested and the profile uncertifiable. Each at its line, exit 2.
pub fn misspelt_capabilities(path: &Path, profile: &Profile, listed: &[&str]) -> Vec<InputError> {
    let source = crate::input::yaml::read_text(path).unwrap_or_default();
    let mut out = Vec::new();
    for (name, _) in &profile.capabilities {
        if listed.contains(&name.as_str()) {
            continue;
        }
        // Near in what differs: every name shares `compute-servers-`, which would make
        // `teleport` look like a typo of `reboot`.
        let near = listed.iter().copied().find(|c| {
            let common: usize =
                name.chars().zip(c.chars()).take_while(|(a, b)| a == b).map(|(a, _)| a.len_utf8()).sum();
            crate::util::suggest::closest(&name[common..], [&c[common..]]).is_some()
        });
        if let Some(meant) = near.map(|c| format!("did you mean `{c}`?")) {
            let pos = profile.capability_pos.get(name).cloned();
            out.push(InputError::at(path, &source, pos, format!("no suite tests the capability `{name}`; {meant}")));
        }
    }
    out
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, Deserialize)]
pub struct Flag {
    pub run: String,
    pub step: Option<String>,
    pub reason: String,
    pub expires: jiff::civil::Date,
}

impl Flag {
    /// Does this flag name the run `suite@microversion` (and, if it names one, the step)?
    pub fn covers(&self, suite: &str, microversion: &str, failed_step: Option<&str>) -> bool {
        let run_matches = self.run == suite || self.run == format!("{suite}@{microversion}");
        run_matches && self.step.as_deref().is_none_or(|s| Some(s) == failed_step)
    }
}

pub fn load(path: &Path) -> Result<Profile, InputError> {
    let (doc, source): (ProfileDoc, String) = yaml::read_file(path)?;
    let mut flagged = Vec::new();
    for f in doc.flagged {
        let expires = f.value.expires.value.parse::<jiff::civil::Date>().map_err(|e| {
            InputError::at(
                path,
                &source,
                yaml::pos(&f.value.expires),
                format!("`{}` is not a date (YYYY-MM-DD): {e}", f.value.expires.value),
            )
        })?;
        flagged.push(Flag { run: f.value.run, step: f.value.step, reason: f.value.reason, expires });
    }
    if doc.capabilities.is_empty() {
        return Err(InputError::in_file(path, "a profile lists at least one capability under `capabilities`"));
    }
    Ok(Profile {
        name: doc.profile,
        release: doc.release,
        description: doc.description,
        capability_pos: doc.capabilities.0.iter().filter_map(|(k, _)| Some((k.value.clone(), yaml::pos(k)?))).collect(),
        capabilities: doc.capabilities.0.into_iter().map(|(k, v)| (k.value, v)).collect(),
        flagged,
    })
}
