//! `tapedeck certify --profile P --out DIR`: run what a certification profile needs — live
//! (recording the evidence into the bundle) or from cassettes (re-verifying recorded evidence,
//! never a certification) — and write the bundle. `--verify BUNDLE` re-checks a bundle's sums
//! and replays it to reproduce its verdict; `--merge BUNDLE...` combines the bundles of a
//! profile sharded over several machines. Unlike RefStack it keeps failures and skips with
//! their reasons, not only passes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tapedeck::certify::bundle::{self, BundleDoc, CloudRecord, Context, RequestRecord, ShardRecord, Standing};
use tapedeck::certify::profile::{self, Profile};
use tapedeck::certify::verdict::{self, CapabilityVerdict, Certification, RunRecord};
use tapedeck::input::InputError;
use tapedeck::input::config::Config;
use tapedeck::outcome::Mode;
use tapedeck::pipeline::Executed;
use tapedeck::plan::RecordMode;
use tapedeck::provider::{self, Provider};
use tapedeck::report::style::{self, paint};
use tapedeck::suite::Suite;

use super::exit::{CliError, CommandResult, Ending, block_on, usage};
use super::pipeline::{self, ExecutionArgs, RequestParts, SuiteArgs};
use super::provider_args::ProviderArgs;

#[derive(clap::Args, Debug)]
pub struct CertifyArgs {
    /// The certification profile: a YAML file, or the name of a shipped one
    /// (nova-34-compute-servers) [default: the config file's `profile`, else the shipped one].
    #[arg(long)]
    pub profile: Option<PathBuf>,
    /// Where to write the bundle: a new or empty directory.
    #[arg(long, short = 'o', value_name = "DIR", required_unless_present_any = ["verify", "merge"])]
    pub out: Option<PathBuf>,
    /// Who offers the cloud, as the bundle names them.
    #[arg(long)]
    pub vendor: Option<String>,
    /// The product certified (name and version), as the bundle names it.
    #[arg(long)]
    pub product: Option<String>,
    /// Also write the compute endpoint's URL into the bundle (by default only its SHA-256,
    /// the cloud id: internal host names stay private).
    #[arg(long)]
    pub include_endpoint: bool,
    /// Re-check every file of BUNDLE against its SHA256SUMS and replay its own suites and
    /// cassettes to reproduce its verdict offline.
    #[arg(long, value_name = "BUNDLE", conflicts_with_all = ["profile", "merge"])]
    pub verify: Option<PathBuf>,
    /// Combine the bundles of a profile sharded over N machines (--shard K/N) into one verdict
    /// (written to --out when given).
    #[arg(long, value_name = "BUNDLE", num_args = 1.., conflicts_with = "profile")]
    pub merge: Vec<PathBuf>,
    /// Without a provider: the cassettes to re-verify [default: cassettes/nova-34.0.0].
    #[arg(long)]
    pub cassettes: Option<PathBuf>,
    /// Provider label with --endpoint or --os-cloud [default: the cloud's name, or `custom`].
    #[arg(long, help_heading = "Provider (live and record)")]
    pub label: Option<String>,
    #[command(flatten)]
    pub suites: SuiteArgs,
    #[command(flatten)]
    pub execution: ExecutionArgs,
    #[command(flatten)]
    pub provider: ProviderArgs,
}

pub fn run(mut args: CertifyArgs, config: &Config) -> CommandResult {
    if let Some(bundle) = &args.verify {
        return verify(bundle, args.execution.check(&args.provider)?);
    }
    if !args.merge.is_empty() {
        return merge(&args.merge, args.out.as_deref());
    }
    args.suites.apply_config(config);
    args.execution.apply_config(config);
    args.provider.apply_config(config);
    args.label = args.label.or_else(|| config.label.clone());
    if args.profile.is_none() {
        args.profile = config.profile.as_ref().map(|p| match config.path(Path::new(p)) {
            file if file.is_file() => file,
            _ => PathBuf::from(p),
        });
    }
    if args.profile.is_none() {
        // The shipped profile, as the shipped suites are the default: say which.
        let names: Vec<&str> = tapedeck::shipped::profile_names().collect();
        let chosen = match names[..] {
            [only] => Some(only),
            _ => names.iter().copied().find(|n| *n == tapedeck::shipped::DEFAULT_PROFILE),
        };
        if let Some(name) = chosen {
            let others: Vec<&str> = names.iter().copied().filter(|n| *n != name).collect();
            let others =
                if others.is_empty() { String::new() } else { format!("; shipped too: {}", others.join(", ")) };
            eprintln!("profile: the shipped {name} (--profile FILE or NAME for another{others})");
            args.profile = Some(PathBuf::from(name));
        }
    }
    let (Some(profile_path), Some(out)) = (&args.profile, &args.out) else {
        return Err(usage(
            "certify needs --out DIR and a profile, --profile FILE (or --verify BUNDLE, --merge BUNDLE...)",
        ));
    };
    // A file, or the name of a shipped profile.
    let shipped = match profile_path.is_file() {
        true => None,
        false => tapedeck::shipped::profile(&profile_path.to_string_lossy())?,
    };
    let profile_path = shipped.as_deref().unwrap_or(profile_path);
    let profile = profile::load(profile_path)?;
    bundle::check_out(out).map_err(|e| usage(e.to_string()))?;
    let vars = pipeline::parse_vars(&args.suites.vars)?;
    let microversion = pipeline::parse_microversion(args.suites.microversion.as_deref())?;
    let execution = args.execution.check(&args.provider)?;
    let suites = pipeline::load_suites(&args.suites, &vars)?;
    let listed: Vec<&str> = suites.iter().flat_map(|s| s.capabilities.iter().map(String::as_str)).collect();
    let misspelt = profile::misspelt_capabilities(profile_path, &profile, &listed);
    if !misspelt.is_empty() {
        return Err(tapedeck::input::InputErrors(misspelt).into());
    }
    // A filtered certification runs and records what it is asked to, and says it is partial.
    let selection = pipeline::selection(&args.suites, &suites, microversion)?;
    if !selection.is_everything() {
        super::term::warn(format!(
            "{}: the bundle will hold part of the profile's runs and cannot certify (result: partial)",
            selection.describe().join(" ")
        ));
    }
    // With a provider the run is live and its cassettes are recorded into the bundle as
    // evidence; without one the cassettes are replayed (and copied into the bundle).
    let choice = args.provider.choice(args.label.as_deref());
    let (mode, cassettes, provider) = if choice.is_given() {
        let provider = pipeline::with_config(provider::resolve(&choice)?, config);
        (Mode::Record, Some(out.join(bundle::CASSETTES_DIR)), Some(provider))
    } else {
        let cassettes = args.cassettes.clone().or_else(|| pipeline::config_cassettes(config, &choice, Mode::Replay));
        (Mode::Replay, cassettes, None)
    };
    let (cloud_name, region) = cloud_of(provider.as_ref());
    let request_record = RequestRecord {
        microversion: args.suites.microversion.clone(),
        vars: vars.iter().cloned().collect(),
        filter: selection.filter_texts(),
        exclude: selection.exclude_texts(),
    };
    let shard = execution.shard().map(|(k, n)| ShardRecord { k, n });
    let request = pipeline::request(RequestParts {
        suites: suites.clone(),
        vars,
        microversion,
        mode,
        record_mode: RecordMode::All,
        cassettes,
        execution,
        schemas: args.execution.schema_store()?,
        provider,
        selection,
    });
    let executed = block_on(pipeline::execute(&request))?;
    pipeline::finish_lines(&executed.outcome);
    let records: Vec<RunRecord> = executed.outcome.runs.iter().map(RunRecord::of).collect();
    let certification = verdict::evaluate(&profile, &records, jiff::Zoned::now().date());
    let context = Context {
        vendor: args.vendor.clone(),
        product: args.product.clone(),
        cloud: CloudRecord::new(cloud_name, region, executed.endpoint_url.as_deref(), args.include_endpoint),
        shard,
        request: request_record,
        profile: profile_path,
        suites: &suites,
    };
    let doc = bundle::write(out, context, certification, &executed.outcome, executed.live.as_ref())?;
    print_verdict(&doc.verdict);
    anstream::println!("\n{} — bundle in {}", standing(&doc), out.display());
    Ok(ending(&doc))
}

/// The clouds.yaml cloud and region of the provider's user, when it names one.
fn cloud_of(provider: Option<&Provider>) -> (Option<String>, Option<String>) {
    let cloud = provider.and_then(|p| p.identities.get("user")).and_then(|i| i.cloud.as_ref());
    (cloud.map(|c| c.name.clone()), cloud.and_then(|c| c.region_name.clone()))
}

/// The standing line, its verdict word coloured.
fn standing(doc: &BundleDoc) -> String {
    let style = match doc.result {
        Standing::Certified => style::PASSED,
        // Not certifications, whatever they hold.
        Standing::Replayed | Standing::Partial => style::SKIPPED,
        Standing::NotCertified | Standing::Incomplete => style::FAILED,
    };
    paint(style, bundle::standing_line(doc))
}

fn print_verdict(c: &Certification) {
    anstream::println!();
    for cap in &c.capabilities {
        let word = format!("{:?}", cap.verdict).to_lowercase();
        let colour = match cap.verdict {
            CapabilityVerdict::Passed => style::PASSED,
            CapabilityVerdict::Failed | CapabilityVerdict::Incomplete => style::FAILED,
            _ => style::SKIPPED,
        };
        anstream::println!(
            "{} {:<11} {}",
            paint(colour, format!("{word:<10}")),
            format!("{:?}", cap.status).to_lowercase(),
            cap.capability
        );
        for u in &cap.unverified {
            println!("{:<22} not verified: {u}", "");
        }
    }
}

fn ending(doc: &BundleDoc) -> Ending {
    match doc.result {
        Standing::Certified => Ending::Passed,
        Standing::Replayed if doc.verdict.passes => Ending::Passed,
        Standing::Incomplete => Ending::Interrupted,
        Standing::NotCertified | Standing::Replayed | Standing::Partial => Ending::Failed,
    }
}

/// Reads a bundle and checks its sums: an unreadable bundle is an input error, a changed one
/// a failure naming each file.
fn checked(bundle: &Path) -> Result<BundleDoc, CliError> {
    let doc = bundle::read(bundle)?;
    let problems = bundle::check_sums(bundle)?;
    if !problems.is_empty() {
        for p in &problems {
            println!("  {p}");
        }
        return Err(CliError::Failed(format!(
            "{}: {} file(s) do not match {}: the bundle was changed after it was written",
            bundle.display(),
            problems.len(),
            bundle::SUMS_FILE
        )));
    }
    Ok(doc)
}

fn bundle_profile(bundle: &Path, doc: &BundleDoc) -> Result<Profile, InputError> {
    profile::load(&bundle.join(&doc.profile_file.file))
}

fn verify(bundle_dir: &Path, mut execution: pipeline::Execution) -> CommandResult {
    let doc = checked(bundle_dir)?;
    println!("{}: every file matches {}", bundle_dir.display(), bundle::SUMS_FILE);
    let profile = bundle_profile(bundle_dir, &doc)?;
    let files: Vec<PathBuf> = doc.suites.iter().map(|s| bundle_dir.join(&s.file)).collect();
    let vars: Vec<(String, String)> = doc.request.vars.clone().into_iter().collect();
    let names: Vec<String> = vars.iter().map(|(n, _)| n.clone()).collect();
    let suites: Vec<Arc<Suite>> = tapedeck::suite::load_all(&files, &names)?.into_iter().map(Arc::new).collect();
    let microversion = pipeline::parse_microversion(doc.request.microversion.as_deref())?;
    let selection = tapedeck::selection::Selection::parse(&doc.request.filter, &doc.request.exclude)?;
    // The bundle's own runs: its shard, its cassettes, replayed on the virtual clock.
    execution.set_shard(doc.shard.map(|s| (s.k, s.n)));
    let request = pipeline::request(RequestParts {
        suites,
        vars,
        microversion,
        mode: Mode::Replay,
        record_mode: RecordMode::All,
        cassettes: Some(bundle_dir.join(bundle::CASSETTES_DIR)),
        execution,
        schemas: tapedeck::schema_store::SchemaStore::embedded(),
        provider: None,
        selection,
    });
    let Executed { outcome, .. } = block_on(pipeline::execute(&request))?;
    // A replay shows no progress: its runs, in plan order, once it is done.
    for line in tapedeck::report::human::results(&outcome) {
        super::term::human_stream().line(&line);
    }
    let records: Vec<RunRecord> = outcome.runs.iter().map(RunRecord::of).collect();
    let day = bundle::created_on(&doc).unwrap_or_else(|| jiff::Zoned::now().date());
    let again = verdict::evaluate(&profile, &records, day);
    let differences: Vec<String> = doc
        .verdict
        .capabilities
        .iter()
        .zip(&again.capabilities)
        .filter(|(a, b)| a.verdict != b.verdict)
        .map(|(a, b)| format!("{}: {:?} in the bundle, {:?} replayed", a.capability, a.verdict, b.verdict))
        .chain(
            (doc.verdict.capabilities.len() != again.capabilities.len())
                .then(|| "the profile's capabilities differ".to_string()),
        )
        .collect();
    if !differences.is_empty() || doc.verdict.passes != again.passes {
        for d in &differences {
            println!("  {d}");
        }
        anstream::println!(
            "\n{}: replaying {} does not give its verdict",
            paint(style::FAILED, "NOT REPRODUCED"),
            bundle_dir.display()
        );
        return Ok(Ending::Failed);
    }
    anstream::println!(
        "\n{}: replaying {} reproduces its verdict: {}",
        paint(style::PASSED, "VERIFIED"),
        bundle_dir.display(),
        bundle::standing_line(&doc)
    );
    Ok(Ending::Passed)
}

fn merge(bundles: &[PathBuf], out: Option<&Path>) -> CommandResult {
    if let Some(out) = out {
        bundle::check_out(out).map_err(|e| usage(e.to_string()))?;
    }
    let mut docs = Vec::new();
    for b in bundles {
        docs.push((b.clone(), checked(b)?));
    }
    let (first_path, first) = &docs[0];
    let same = |what: &str, f: &dyn Fn(&BundleDoc) -> String| -> Result<(), CliError> {
        match docs.iter().find(|(_, d)| f(d) != f(first)) {
            Some((p, _)) => Err(usage(format!(
                "{} and {}: not shards of one certification: {what} differ",
                first_path.display(),
                p.display()
            ))),
            None => Ok(()),
        }
    };
    same("their profiles", &|d| d.profile_file.sha256.clone())?;
    same("their suites", &|d| format!("{:?}", d.suites.iter().map(|s| &s.sha256).collect::<Vec<_>>()))?;
    same("their clouds", &|d| format!("{:?}", d.cloud.id))?;
    same("their runs' variables and microversion", &|d| format!("{:?}", d.request))?;
    let n = first.shard.map(|s| s.n).unwrap_or(1);
    let mut shards: Vec<usize> = docs.iter().filter_map(|(_, d)| d.shard.filter(|s| s.n == n).map(|s| s.k)).collect();
    shards.sort();
    if shards != (1..=n).collect::<Vec<_>>() || docs.len() != n {
        let have: BTreeMap<String, String> = docs
            .iter()
            .map(|(p, d)| {
                (p.display().to_string(), d.shard.map(|s| format!("{}/{}", s.k, s.n)).unwrap_or("unsharded".into()))
            })
            .collect();
        return Err(usage(format!("--merge needs shards 1/{n} to {n}/{n} exactly once each; got {have:?}")));
    }
    let profile = bundle_profile(first_path, first)?;
    let runs: Vec<RunRecord> = docs.iter().flat_map(|(_, d)| d.runs.iter().cloned()).collect();
    let day = docs.iter().filter_map(|(_, d)| bundle::created_on(d)).max().unwrap_or_else(|| jiff::Zoned::now().date());
    let merged_verdict = verdict::evaluate(&profile, &runs, day);
    // Certified only when every shard was live and finished.
    let mode = if docs.iter().all(|(_, d)| d.mode != Mode::Replay) { first.mode } else { Mode::Replay };
    let interrupted = docs.iter().any(|(_, d)| d.result == Standing::Incomplete);
    let result = Standing::of(mode, interrupted, first.request.filtered(), merged_verdict.passes);
    let mut doc = first.clone();
    doc.result = result;
    doc.certified = result == Standing::Certified;
    doc.mode = mode;
    doc.shard = None;
    doc.verdict = merged_verdict;
    doc.runs = runs;
    doc.evidence = docs
        .iter()
        .flat_map(|(p, d)| {
            d.evidence.iter().map(move |e| bundle::Evidence {
                path: format!("{}/{}", p.display(), e.path),
                sha256: e.sha256.clone(),
            })
        })
        .collect();
    doc.created_at = tapedeck::util::clock::now_rfc3339();
    print_verdict(&doc.verdict);
    anstream::println!("\nmerged {} shards: {}", n, standing(&doc));
    if let Some(out) = out {
        std::fs::create_dir_all(out).map_err(|e| CliError::Write(format!("{}: {e}", out.display()).into()))?;
        bundle::write_doc(out, &doc)?;
        bundle::write_sums(out)?;
        println!("merged certification in {}", out.display());
    }
    Ok(ending(&doc))
}
