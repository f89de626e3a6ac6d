//! clouds.yaml, secure.yaml and the `OS_*` variables, resolved the way openstacksdk and the
//! `openstack` CLI resolve them: `OS_CLIENT_CONFIG_FILE`, then `./clouds.yaml`,
//! `~/.config/openstack/clouds.yaml`, `/etc/openstack/clouds.yaml` (the first found is used);
//! `secure.yaml` from the same places is merged over it (for passwords kept apart). Without a
//! cloud name, the `OS_*` variables describe the cloud.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::input::InputError;
use crate::input::yaml;

/// How to authenticate, as clouds.yaml's `auth_type` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Method {
    Password,
    ApplicationCredential,
    Token,
}

/// One resolved cloud: everything Keystone v3 authentication and endpoint selection need.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cloud {
    /// The cloud's name (`envvars` when it came from `OS_*`).
    pub name: String,
    /// Where it came from, for messages.
    pub source: String,
    pub auth_url: Option<String>,
    pub method: Option<Method>,
    pub username: Option<String>,
    pub user_id: Option<String>,
    pub password: Option<String>,
    pub user_domain_name: Option<String>,
    pub user_domain_id: Option<String>,
    pub project_name: Option<String>,
    pub project_id: Option<String>,
    pub project_domain_name: Option<String>,
    pub project_domain_id: Option<String>,
    pub application_credential_id: Option<String>,
    pub application_credential_name: Option<String>,
    pub application_credential_secret: Option<String>,
    pub token: Option<String>,
    pub region_name: Option<String>,
    /// public (default), internal or admin.
    pub interface: String,
    pub cacert: Option<PathBuf>,
    pub insecure: bool,
    /// `compute_api_version` / `OS_COMPUTE_API_VERSION`: the default microversion.
    pub compute_api_version: Option<String>,
}

impl Cloud {
    /// The values that must never appear anywhere tapedeck writes.
    pub fn secrets(&self) -> Vec<String> {
        [&self.password, &self.application_credential_secret, &self.token].into_iter().flatten().cloned().collect()
    }
}

/// Where to look for clouds.yaml / secure.yaml, in openstacksdk's order.
pub fn search_paths(env: &dyn Fn(&str) -> Option<String>, file: &str) -> Vec<PathBuf> {
    let mut paths = Vec::new();
    if file == "clouds.yaml" {
        if let Some(p) = env("OS_CLIENT_CONFIG_FILE") {
            paths.push(PathBuf::from(p));
        }
    } else if let Some(p) = env("OS_CLIENT_SECURE_FILE") {
        paths.push(PathBuf::from(p));
    }
    paths.push(PathBuf::from(file));
    if let Some(home) = env("HOME") {
        paths.push(Path::new(&home).join(".config/openstack").join(file));
    }
    paths.push(Path::new("/etc/openstack").join(file));
    paths
}

/// The first path where something is (a FIFO or a link too: reading it refuses it, saying
/// what it is, instead of passing over it silently).
fn first_existing(paths: &[PathBuf]) -> Option<PathBuf> {
    paths.iter().find(|p| std::fs::symlink_metadata(p).is_ok()).cloned()
}

fn read_clouds(path: &Path) -> Result<BTreeMap<String, Value>, InputError> {
    let (doc, _): (Value, String) = yaml::read_file(path)?;
    match doc.get("clouds") {
        Some(Value::Object(map)) => Ok(map.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
        Some(_) => Err(InputError::in_file(path, "`clouds` must be a mapping of cloud names")),
        None => Ok(BTreeMap::new()),
    }
}

/// secure.yaml values win over clouds.yaml's, key by key.
fn merge(base: &mut Value, over: &Value) {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(k) {
                    Some(existing) if existing.is_object() && v.is_object() => merge(existing, v),
                    _ => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (b, o) => *b = o.clone(),
    }
}

/// The named cloud from clouds.yaml (a given file, or the standard places).
pub fn from_clouds_yaml(
    name: &str,
    file: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Cloud, InputError> {
    let searched = search_paths(env, "clouds.yaml");
    let path = match file {
        Some(f) => f.to_path_buf(),
        None => first_existing(&searched).ok_or_else(|| {
            let places: Vec<String> = searched.iter().map(|p| p.display().to_string()).collect();
            InputError::new(format!("cloud `{name}`: no clouds.yaml found (looked in {})", places.join(", ")))
        })?,
    };
    let clouds = read_clouds(&path)?;
    let mut cloud = clouds.get(name).cloned().ok_or_else(|| {
        let known: Vec<&str> = clouds.keys().map(String::as_str).collect();
        InputError::in_file(
            &path,
            format!(
                "no cloud named `{name}` (clouds here: {})",
                if known.is_empty() { "none".into() } else { known.join(", ") }
            ),
        )
    })?;
    let mut source = path.display().to_string();
    let secure_paths = match file {
        Some(f) => vec![f.with_file_name("secure.yaml")],
        None => search_paths(env, "secure.yaml"),
    };
    if let Some(secure) = first_existing(&secure_paths)
        && let Some(over) = read_clouds(&secure)?.get(name)
    {
        merge(&mut cloud, over);
        source.push_str(&format!(" + {}", secure.display()));
    }
    let base = path.parent().unwrap_or(Path::new("."));
    cloud_from_value(name, &source, &cloud, base)
}

fn cloud_from_value(name: &str, source: &str, v: &Value, base: &Path) -> Result<Cloud, InputError> {
    // TLS verification must never be turned off by a value that only looks like `false`.
    let flag = |v: &Value, key: &str| -> Result<Option<bool>, InputError> {
        match v.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(InputError::new(format!(
                "cloud `{name}` ({source}): `{key}` must be true or false, not {}",
                crate::util::json::excerpt(other, 40)
            ))),
        }
    };
    let auth = v.get("auth").cloned().unwrap_or(Value::Null);
    let s = |obj: &Value, key: &str| -> Option<String> {
        match obj.get(key) {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        }
    };
    let auth_type = s(v, "auth_type");
    let mut cloud = Cloud {
        name: name.to_string(),
        source: source.to_string(),
        auth_url: s(&auth, "auth_url"),
        username: s(&auth, "username"),
        user_id: s(&auth, "user_id"),
        password: s(&auth, "password"),
        user_domain_name: s(&auth, "user_domain_name").or_else(|| s(&auth, "domain_name")),
        user_domain_id: s(&auth, "user_domain_id").or_else(|| s(&auth, "domain_id")),
        project_name: s(&auth, "project_name").or_else(|| s(&auth, "tenant_name")),
        project_id: s(&auth, "project_id").or_else(|| s(&auth, "tenant_id")),
        project_domain_name: s(&auth, "project_domain_name").or_else(|| s(&auth, "domain_name")),
        project_domain_id: s(&auth, "project_domain_id").or_else(|| s(&auth, "domain_id")),
        application_credential_id: s(&auth, "application_credential_id"),
        application_credential_name: s(&auth, "application_credential_name"),
        application_credential_secret: s(&auth, "application_credential_secret"),
        token: s(&auth, "token"),
        region_name: s(v, "region_name"),
        interface: s(v, "interface").unwrap_or_else(|| "public".into()),
        cacert: s(v, "cacert").map(|p| base.join(p)),
        insecure: flag(v, "verify")? == Some(false) || flag(v, "insecure")? == Some(true),
        compute_api_version: s(v, "compute_api_version"),
        method: None,
    };
    cloud.method = Some(
        method(auth_type.as_deref(), &cloud).map_err(|e| InputError::new(format!("cloud `{name}` ({source}): {e}")))?,
    );
    Ok(cloud)
}

fn method(auth_type: Option<&str>, c: &Cloud) -> Result<Method, String> {
    Ok(match auth_type {
        Some("password" | "v3password") => Method::Password,
        Some("v3applicationcredential" | "applicationcredential") => Method::ApplicationCredential,
        Some("token" | "v3token" | "admin_token") => Method::Token,
        Some(other) => {
            return Err(format!("auth_type `{other}` is not supported (password, v3applicationcredential, token)"));
        }
        // As keystoneauth guesses: a secret means an application credential, a token a token.
        None if c.application_credential_secret.is_some() => Method::ApplicationCredential,
        None if c.token.is_some() && c.password.is_none() => Method::Token,
        None => Method::Password,
    })
}

/// The cloud the `OS_*` variables describe, or `None` when there is none (no `OS_AUTH_URL`).
pub fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Result<Option<Cloud>, InputError> {
    let Some(auth_url) = env("OS_AUTH_URL") else { return Ok(None) };
    let mut auth = serde_json::Map::new();
    auth.insert("auth_url".into(), Value::String(auth_url));
    for key in [
        "username",
        "user_id",
        "password",
        "user_domain_name",
        "user_domain_id",
        "project_name",
        "project_id",
        "tenant_name",
        "tenant_id",
        "project_domain_name",
        "project_domain_id",
        "domain_name",
        "domain_id",
        "application_credential_id",
        "application_credential_name",
        "application_credential_secret",
        "token",
    ] {
        if let Some(v) = env(&format!("OS_{}", key.to_ascii_uppercase())) {
            auth.insert(key.into(), Value::String(v));
        }
    }
    let mut cloud = serde_json::Map::new();
    cloud.insert("auth".into(), Value::Object(auth));
    for (var, key) in [
        ("OS_AUTH_TYPE", "auth_type"),
        ("OS_REGION_NAME", "region_name"),
        ("OS_INTERFACE", "interface"),
        ("OS_CACERT", "cacert"),
        ("OS_COMPUTE_API_VERSION", "compute_api_version"),
    ] {
        if let Some(v) = env(var) {
            cloud.insert(key.into(), Value::String(v));
        }
    }
    if env("OS_INSECURE").is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "yes")) {
        cloud.insert("insecure".into(), Value::Bool(true));
    }
    cloud_from_value("envvars", "OS_* environment variables", &Value::Object(cloud), Path::new(".")).map(Some)
}

/// `--os-cloud` / `OS_CLOUD` first, then the `OS_*` variables.
pub fn resolve(cloud: Option<&str>, env: &dyn Fn(&str) -> Option<String>) -> Result<Option<Cloud>, InputError> {
    match cloud.map(str::to_string).or_else(|| env("OS_CLOUD")) {
        Some(name) => from_clouds_yaml(&name, None, env).map(Some),
        None => from_env(env),
    }
}

pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: BTreeMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| map.get(k).cloned()
    }

    const CLOUDS: &str = "clouds:\n  pw:\n    auth:\n      auth_url: http://127.0.0.1:5000/v3\n      username: demo\n      project_name: demo\n      user_domain_name: Default\n      project_domain_name: Default\n    region_name: RegionOne\n  app:\n    auth_type: v3applicationcredential\n    auth:\n      auth_url: http://127.0.0.1:5000\n      application_credential_id: abc\n      application_credential_secret: s3cret\n    interface: internal\n    verify: false\n";

    #[test]
    fn os_client_config_file_wins_and_secure_yaml_merges() {
        let dir = tempfile::tempdir().unwrap();
        let clouds = dir.path().join("my-clouds.yaml");
        std::fs::write(&clouds, CLOUDS).unwrap();
        std::fs::write(dir.path().join("secure.yaml"), "clouds:\n  pw:\n    auth:\n      password: from-secure\n")
            .unwrap();
        let secure = dir.path().join("secure.yaml").display().to_string();
        let env = env_of(&[
            ("OS_CLIENT_CONFIG_FILE", &clouds.display().to_string()),
            ("OS_CLIENT_SECURE_FILE", &secure),
            ("HOME", "/nonexistent"),
        ]);
        let pw = resolve(Some("pw"), &env).unwrap().unwrap();
        assert_eq!(pw.method, Some(Method::Password));
        assert_eq!(pw.password.as_deref(), Some("from-secure"));
        assert_eq!(pw.region_name.as_deref(), Some("RegionOne"));
        assert_eq!(pw.interface, "public");
        assert!(pw.source.contains("my-clouds.yaml") && pw.source.contains("secure.yaml"));
        let app = resolve(Some("app"), &env).unwrap().unwrap();
        assert_eq!(app.method, Some(Method::ApplicationCredential));
        assert_eq!(app.interface, "internal");
        assert!(app.insecure);
        assert_eq!(app.secrets(), vec!["s3cret".to_string()]);
    }

    #[test]
    fn os_cloud_names_the_cloud_and_unknown_names_list_the_known_ones() {
        let dir = tempfile::tempdir().unwrap();
        let clouds = dir.path().join("clouds.yaml");
        std::fs::write(&clouds, CLOUDS).unwrap();
        let env = env_of(&[("OS_CLIENT_CONFIG_FILE", &clouds.display().to_string()), ("OS_CLOUD", "app")]);
        assert_eq!(resolve(None, &env).unwrap().unwrap().name, "app");
        let err = resolve(Some("nope"), &env).unwrap_err().to_string();
        assert!(err.contains("no cloud named `nope`") && err.contains("app, pw"), "{err}");
    }

    #[test]
    fn missing_clouds_yaml_says_where_it_looked() {
        let env = env_of(&[("HOME", "/nonexistent-home")]);
        let err = from_clouds_yaml("x", None, &env).unwrap_err().to_string();
        assert!(
            err.contains("no clouds.yaml found") && err.contains("/nonexistent-home/.config/openstack/clouds.yaml"),
            "{err}"
        );
    }

    #[test]
    fn os_variables_make_a_cloud() {
        let env = env_of(&[
            ("OS_AUTH_URL", "https://keystone.example/v3"),
            ("OS_USERNAME", "u"),
            ("OS_PASSWORD", "p"),
            ("OS_PROJECT_ID", "pid"),
            ("OS_USER_DOMAIN_NAME", "Default"),
            ("OS_REGION_NAME", "R2"),
            ("OS_INSECURE", "true"),
            ("OS_COMPUTE_API_VERSION", "2.79"),
        ]);
        let c = resolve(None, &env).unwrap().unwrap();
        assert_eq!((c.name.as_str(), c.method.clone()), ("envvars", Some(Method::Password)));
        assert_eq!(c.project_id.as_deref(), Some("pid"));
        assert_eq!(c.region_name.as_deref(), Some("R2"));
        assert!(c.insecure);
        assert_eq!(c.compute_api_version.as_deref(), Some("2.79"));
        assert_eq!(resolve(None, &env_of(&[])).unwrap(), None);
    }
}
