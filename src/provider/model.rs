//! What a provider is once read: where the cloud is, who to be, the variables suites need, and
//! what it does not offer.

use std::collections::BTreeMap;

use crate::auth::clouds::Cloud;
use crate::input::InputError;

/// How one identity authenticates.
#[derive(Debug, Clone, Default)]
pub struct IdentitySpec {
    pub headers: Vec<(String, String)>,
    pub token: Option<String>,
    pub cloud: Option<Cloud>,
}

#[derive(Debug, Clone, Default)]
pub struct Provider {
    pub label: String,
    /// `None`: take it from the service catalog of the `user` identity's cloud.
    pub endpoint: Option<String>,
    pub identities: BTreeMap<String, IdentitySpec>,
    pub variables: BTreeMap<String, String>,
    pub unsupported: BTreeMap<String, String>,
    pub secrets: Vec<String>,
    /// This cloud's waits take this many times the usual (`--wait-timeout-scale` wins).
    pub wait_timeout_scale: Option<f64>,
}

/// A provider for one cloud (`--os-cloud`, or the `OS_*` variables).
pub fn from_cloud(cloud: Cloud, label: Option<&str>) -> Result<Provider, InputError> {
    let label = label.map(str::to_string).unwrap_or_else(|| cloud.name.clone());
    check_label(&label).map_err(InputError::new)?;
    let mut identities = BTreeMap::new();
    identities.insert("user".to_string(), IdentitySpec { cloud: Some(cloud), ..IdentitySpec::default() });
    Ok(Provider { label, identities, ..Provider::default() })
}

/// A wait-timeout factor, from a flag or a provider file: what it must be, or why not.
pub fn check_wait_timeout_scale(f: f64) -> Result<f64, String> {
    if f.is_finite() && f > 0.0 && f <= 1000.0 {
        Ok(f)
    } else {
        Err(format!("must be a number above 0 and at most 1000, got {f}"))
    }
}

/// A label names the cassette directory `cassettes/<label>`: it must be one safe path segment
/// (never empty, `.`, `..` or hidden), whether from a provider file, `--label` or a cloud's name.
pub(super) fn check_label(label: &str) -> Result<(), String> {
    if label.is_empty() {
        return Err("the label is empty: it names the cassette directory (letters, digits, `-`, `_` or `.`)".into());
    }
    if label.starts_with('.') {
        return Err(format!(
            "label `{label}` must not start with `.` (it names the cassette directory: one path segment, not `.`, `..` or hidden)"
        ));
    }
    if !label.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) {
        return Err(format!(
            "label `{label}` must be letters, digits, `-`, `_` or `.` (it names the cassette directory)"
        ));
    }
    Ok(())
}
