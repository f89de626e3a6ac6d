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
    pub description: Option<String>,
    pub capabilities: Vec<(String, Status)>,
    pub flagged: Vec<Flag>,
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
        description: doc.description,
        capabilities: doc.capabilities.0.into_iter().map(|(k, v)| (k.value, v)).collect(),
        flagged,
    })
}
