//! `tapedeck cleanup`: find the servers tapedeck runs left behind (named `td-…`, as every
//! shipped suite names what it creates) and delete them — or only list them (`--dry-run`),
//! or only those older than a duration. A live run warns at its start when it finds some.

use std::process::ExitCode;
use std::time::Instant;

use serde_json::Value;

use crate::cli::{RunArgs, resolve_provider};
use crate::connect::{ConnectOptions, connect};
use crate::suite::duration::parse_duration;
use crate::transport::Outgoing;
use crate::transport::live::Endpoint;

/// The name prefix of everything tapedeck's suites create.
pub const PREFIX: &str = "td-";

#[derive(clap::Args, Debug)]
pub struct CleanupArgs {
    /// Only list what would be deleted.
    #[arg(long)]
    pub dry_run: bool,
    /// Only servers created longer ago than this (e.g. 30m, 2h).
    #[arg(long)]
    pub older_than: Option<String>,
    /// Only servers whose name matches this regex (e.g. one run: `td-3fa9c2e1-`).
    #[arg(long, value_name = "REGEX")]
    pub matching: Option<String>,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Clone)]
pub struct Leftover {
    pub id: String,
    pub name: String,
    pub created: Option<jiff::Timestamp>,
}

fn request(method: &str, target: String, admin: bool) -> Outgoing {
    Outgoing {
        step: "cleanup".into(),
        identity: admin.then(|| "admin".to_string()),
        method: method.into(),
        target,
        headers: vec![("OpenStack-API-Version".into(), "compute 2.1".into())],
        body: None,
    }
}

/// `td-` servers visible to the provider's admin (every project) or else to the user.
pub async fn find(endpoint: &Endpoint) -> Result<Vec<Leftover>, String> {
    list(endpoint, "/servers/detail").await
}

/// How many [`find`] would give, asked more cheaply (ids and names only): a live run's warning.
pub async fn count(endpoint: &Endpoint) -> Result<usize, String> {
    list(endpoint, "/servers").await.map(|l| l.len())
}

async fn list(endpoint: &Endpoint, path: &str) -> Result<Vec<Leftover>, String> {
    let admin = endpoint.identities.contains_key("admin");
    // The provider filters by name (a regex in nova), so a large cloud does not send every
    // server; the prefix is checked again here.
    let projects = if admin { "all_tenants=1&" } else { "" };
    let target = format!("{path}?{projects}name=%5E{PREFIX}");
    let e = endpoint.exchange(&request("GET", target, admin), Instant::now()).await.map_err(|e| e.message)?;
    if e.response.status != 200 {
        return Err(format!("listing servers answered {}", e.response.status));
    }
    let servers =
        e.response.body.as_ref().and_then(|b| b.get("servers")).and_then(Value::as_array).cloned().unwrap_or_default();
    Ok(servers
        .iter()
        .filter_map(|s| {
            let name = s.get("name")?.as_str()?;
            name.starts_with(PREFIX).then(|| Leftover {
                id: s.get("id").and_then(Value::as_str).unwrap_or_default().to_string(),
                name: name.to_string(),
                created: s.get("created").and_then(Value::as_str).and_then(|c| c.parse().ok()),
            })
        })
        .collect())
}

pub fn run(mut args: CleanupArgs) -> ExitCode {
    args.run.mode = crate::cli::ModeArg::Live;
    let older_than = match args.older_than.as_deref().map(parse_duration).transpose() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: --older-than: {e}");
            return ExitCode::from(2);
        }
    };
    let matching = match args.matching.as_deref().map(regex::Regex::new).transpose() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: --matching: {e}");
            return ExitCode::from(2);
        }
    };
    let provider = match resolve_provider(&args.run) {
        Ok(Some(p)) => p,
        Ok(None) => {
            eprintln!("error: cleanup needs a provider: --provider FILE, --os-cloud NAME or --endpoint URL");
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let timeout = match parse_duration(&args.run.request_timeout) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: --request-timeout: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    runtime.block_on(async move {
        let options = ConnectOptions {
            secrets: args.run.secrets.clone(),
            timeout,
            insecure: args.run.insecure,
            count_leftovers: false,
            max_in_flight: args.run.max_in_flight,
        };
        let conn = match connect(&provider, &options).await {
            Ok(c) => c,
            Err(e) => {
                eprintln!("error: provider {}: {e}", provider.label);
                return ExitCode::from(2);
            }
        };
        let found = match find(&conn.endpoint).await {
            Ok(f) => f,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(1);
            }
        };
        let now = jiff::Timestamp::now();
        let old_enough = |l: &Leftover| match (older_than, l.created) {
            (Some(age), Some(created)) => now.duration_since(created).unsigned_abs() >= age,
            (Some(_), None) => false,
            (None, _) => true,
        };
        let selected: Vec<&Leftover> =
            found.iter().filter(|l| old_enough(l) && matching.as_ref().is_none_or(|r| r.is_match(&l.name))).collect();
        let mut failed = 0;
        for l in &selected {
            let when = l.created.map(|c| c.to_string()).unwrap_or_default();
            if args.dry_run {
                println!("would delete {} {} (created {when})", l.id, l.name);
                continue;
            }
            let admin = conn.endpoint.identities.contains_key("admin");
            match conn.endpoint.exchange(&request("DELETE", format!("/servers/{}", l.id), admin), Instant::now()).await
            {
                Ok(e) if e.response.status == 204 || e.response.status == 404 => {
                    println!("deleted {} {}", l.id, l.name)
                }
                Ok(e) => {
                    failed += 1;
                    println!("could not delete {} {}: {}", l.id, l.name, e.response.status);
                }
                Err(e) => {
                    failed += 1;
                    println!("could not delete {} {}: {}", l.id, l.name, e.message);
                }
            }
        }
        let verb = if args.dry_run { "would be deleted" } else { "deleted" };
        println!(
            "{} td- servers found, {} {verb}{}",
            found.len(),
            selected.len() - failed,
            if failed > 0 { format!(", {failed} failed") } else { String::new() }
        );
        if failed > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS }
    })
}
