//! `tapedeck discover`: ask a cloud what the suites need — images, flavors, a network, the
//! microversion range, the capabilities it lacks — print each choice with its reason, and write
//! the values into the configuration file (or a provider file with `--out`). It only reads.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};
use tapedeck::discover::{self, Discovery};
use tapedeck::input::InputError;
use tapedeck::input::config::{self, Config, ProviderKey};
use tapedeck::provider::{self, Provider, connect};
use tapedeck::util::atomic::write_atomic;

use super::exit::{CommandResult, Ending, block_on, usage};
use super::provider_args::ProviderArgs;

#[derive(clap::Args, Debug)]
pub struct DiscoverArgs {
    /// Write a provider file here instead of updating the configuration file (it must not
    /// exist yet).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Only print what was found and chosen; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub provider: ProviderArgs,
}

pub fn run(mut args: DiscoverArgs, config: &Config) -> CommandResult {
    // What the flags name is written into the configuration; what it names already stays.
    let key = if let Some(file) = &args.provider.provider {
        ProviderKey::Provider(std::path::absolute(file).unwrap_or_else(|_| file.clone()))
    } else if args.provider.endpoint.is_some() {
        ProviderKey::Leave
    } else {
        args.provider.os_cloud.clone().map(ProviderKey::OsCloud).unwrap_or(ProviderKey::Leave)
    };
    args.provider.apply_config(config);
    if let Some(out) = &args.out
        && std::fs::symlink_metadata(out).is_ok()
    {
        return Err(usage(format!("--out {}: the file exists (discover writes a new provider file)", out.display())));
    }
    let provider = provider::resolve(&args.provider.choice(config.label.as_deref()))?;
    if args.out.is_some() {
        provider_file(&provider, &BTreeMap::new())?;
    }
    let mut keep = provider.variables.clone();
    keep.extend(config.vars.clone());
    let options = args.provider.connect_options(false)?;
    let found = block_on(async {
        let conn =
            connect(&provider, &options).await.map_err(|e| usage(format!("provider {}: {e}", provider.label)))?;
        Ok(discover::discover(&conn, &provider, &keep).await)
    })?;
    print!("{}", render(&provider, &found));

    let variables = found.variables();
    if !args.dry_run {
        match &args.out {
            Some(out) => {
                let doc = provider_file(&provider, &variables)?;
                let text = serde_json::to_string_pretty(&doc).expect("JSON") + "\n";
                write_atomic(out, text.as_bytes())?;
                println!("wrote {} (variables; run with --provider {})", out.display(), out.display());
            }
            None => {
                let file = config.file.clone().unwrap_or_else(|| PathBuf::from(config::FILE));
                let key = relative_to_config(key, &file);
                config::save_discovered(&file, &key, &variables)?;
                println!(
                    "wrote {} ([vars]{})",
                    file.display(),
                    match key {
                        ProviderKey::OsCloud(_) => ", os_cloud",
                        ProviderKey::Provider(_) => ", provider",
                        ProviderKey::Leave => "",
                    }
                );
            }
        }
    }
    let unchosen = found.unchosen();
    if unchosen.is_empty() {
        return Ok(Ending::Passed);
    }
    let names: Vec<&str> = unchosen.iter().map(|c| c.var).collect();
    eprintln!(
        "error: nothing on the cloud qualified for {}: set {} yourself ([vars] in {}, or --var NAME=VALUE)",
        names.join(", "),
        if names.len() == 1 { "it" } else { "them" },
        config::FILE
    );
    Ok(Ending::Failed)
}

/// A provider file given as a path relative to here is written relative to the configuration
/// file's directory, where the next run reads it from.
fn relative_to_config(key: ProviderKey, config_file: &Path) -> ProviderKey {
    match key {
        ProviderKey::Provider(abs) => {
            let dir = std::path::absolute(config_file).ok().and_then(|f| f.parent().map(Path::to_path_buf));
            let rel = dir.and_then(|d| abs.strip_prefix(&d).ok().map(Path::to_path_buf));
            ProviderKey::Provider(rel.unwrap_or(abs))
        }
        other => other,
    }
}

/// The provider file `--out` writes: the label, the endpoint when one was given, identities by
/// reference (a cloud's name, noauth headers) and the variables. Tokens and the `OS_*`
/// variables' credentials are never written: such a provider cannot be written at all.
fn provider_file(provider: &Provider, variables: &BTreeMap<String, String>) -> Result<Value, InputError> {
    let mut identities = Map::new();
    let mut clouds_file = None;
    for (name, spec) in &provider.identities {
        let identity = match (&spec.cloud, &spec.token) {
            (_, Some(_)) => {
                return Err(InputError::new(format!(
                    "--out: identity `{name}` has a static token, which is never written to a file; name a clouds.yaml cloud instead (--os-cloud)"
                )));
            }
            (Some(cloud), None) if cloud.name == "envvars" => {
                return Err(InputError::new(
                    "--out: the cloud comes from the OS_* variables, which a provider file cannot name; put it in clouds.yaml and use --os-cloud",
                ));
            }
            (Some(cloud), None) => {
                if Path::new(&cloud.source).is_file() {
                    clouds_file.get_or_insert_with(|| cloud.source.clone());
                }
                json!({"cloud": cloud.name})
            }
            (None, None) => json!({"headers": spec.headers.iter().cloned().collect::<BTreeMap<_, _>>()}),
        };
        identities.insert(name.clone(), identity);
    }
    let mut doc = Map::new();
    doc.insert("label".into(), json!(provider.label));
    if let Some(e) = &provider.endpoint {
        doc.insert("endpoint".into(), json!(e));
    }
    if let Some(f) = clouds_file {
        doc.insert("clouds_file".into(), json!(std::path::absolute(&f).unwrap_or_else(|_| f.into())));
    }
    doc.insert("identities".into(), Value::Object(identities));
    doc.insert("variables".into(), json!(variables));
    Ok(Value::Object(doc))
}

/// What was found, one line per choice and per missing capability, with the reasons.
fn render(provider: &Provider, found: &Discovery) -> String {
    let mut out = String::new();
    let versions = match &found.versions {
        Some(r) => format!("microversions {} to {}", r.min, r.max),
        None => "no microversion range (the version document names none)".into(),
    };
    out.push_str(&format!("provider {}: {versions}\n", provider.label));
    let identities = found.identities.join(", ");
    if found.identities.iter().any(|i| i == "admin") {
        out.push_str(&format!("identities: {identities}\n"));
    } else {
        out.push_str(&format!(
            "identities: {identities}; no `admin`: the steps that need one are skipped (add a clouds.yaml cloud with the admin role: --admin-cloud NAME, or admin_cloud in {})\n",
            config::FILE
        ));
    }
    out.push_str("\nvariables\n");
    let width = found.choices.iter().map(|c| c.var.len()).max().unwrap_or(0);
    for c in &found.choices {
        match &c.value {
            Some(v) => {
                let name = if c.name.is_empty() || c.name == *v { String::new() } else { format!(" ({})", c.name) };
                out.push_str(&format!("  {:width$}  {v}{name}\n  {:width$}    {}\n", c.var, "", c.why));
            }
            None => out.push_str(&format!("  {:width$}  not chosen: {}\n", c.var, c.why)),
        }
    }
    if found.unsupported.is_empty() {
        out.push_str("\ncapabilities: the probes found nothing missing\n");
    } else {
        out.push_str("\ncapabilities not offered (their suites are skipped with this reason)\n");
        let width = found.unsupported.keys().map(String::len).max().unwrap_or(0);
        for (capability, why) in &found.unsupported {
            out.push_str(&format!("  {capability:width$}  {why}\n"));
        }
    }
    out
}
