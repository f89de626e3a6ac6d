//! `tapedeck certify --profile P --out DIR`: run what a certification profile needs — live
//! (recording the evidence) or from cassettes — and write the certification bundle. Unlike
//! RefStack it keeps failures and skips with their reasons, not only passes.

use std::path::PathBuf;

use tapedeck::certify::{bundle, profile, verdict};
use tapedeck::outcome::Mode;
use tapedeck::plan::RecordMode;
use tapedeck::provider;
use tapedeck::util::clock::now_rfc3339;

use super::exit::{CommandResult, Ending, block_on};
use super::pipeline::{self, ExecutionArgs, RequestParts, SuiteArgs};
use super::provider_args::ProviderArgs;

#[derive(clap::Args, Debug)]
pub struct CertifyArgs {
    /// The certification profile (YAML), e.g. profiles/nova-34-compute-servers.yaml.
    #[arg(long)]
    pub profile: PathBuf,
    /// Where to write the bundle (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    /// Without a provider: the cassettes to certify from [default: cassettes/nova-34.0.0].
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

pub fn run(args: CertifyArgs) -> CommandResult {
    let profile = profile::load(&args.profile)?;
    let vars = pipeline::parse_vars(&args.suites.vars)?;
    let microversion = pipeline::parse_microversion(args.suites.microversion.as_deref())?;
    let execution = args.execution.check(&args.provider)?;
    let suites = pipeline::load_suites(&args.suites, &vars)?;
    // With a provider the run is live and its cassettes are recorded into the bundle as
    // evidence; without one the cassettes are replayed (and copied into the bundle).
    let choice = args.provider.choice(args.label.as_deref());
    let (mode, cassettes, provider) = if choice.is_given() {
        (Mode::Record, Some(args.out.join("cassettes")), Some(provider::resolve(&choice)?))
    } else {
        (Mode::Replay, args.cassettes.clone(), None)
    };
    let request = pipeline::request(RequestParts {
        suites,
        vars,
        microversion,
        mode,
        record_mode: RecordMode::All,
        cassettes,
        execution,
        schemas: args.execution.schema_store()?,
        provider,
    });
    let executed = block_on(pipeline::execute(&request))?;
    pipeline::finish_lines(&executed.outcome);
    let today = jiff::Zoned::now().date();
    let certification = verdict::evaluate(&profile, &executed.outcome, today);
    let evidence = bundle::evidence(&executed.outcome, &args.out)?;
    let b = bundle::Bundle {
        format: 1,
        tapedeck: env!("CARGO_PKG_VERSION"),
        created_at: now_rfc3339(),
        mode: executed.outcome.mode,
        certification: &certification,
        provider: bundle::provider_profile(&executed.outcome, executed.live.as_ref()),
        evidence,
    };
    bundle::write(&args.out, &b, &executed.outcome)?;
    println!();
    for c in &certification.capabilities {
        println!(
            "{:<10} {:<11} {}",
            format!("{:?}", c.verdict).to_lowercase(),
            format!("{:?}", c.status).to_lowercase(),
            c.capability
        );
    }
    if certification.certified {
        println!("\nCERTIFIED against profile {} — bundle in {}", certification.profile, args.out.display());
        Ok(Ending::Passed)
    } else {
        println!(
            "\nNOT CERTIFIED against profile {}: {} — bundle in {}",
            certification.profile,
            certification.blocking.join(", "),
            args.out.display()
        );
        if executed.outcome.interrupted {
            println!("the run was interrupted: the evidence is incomplete");
            return Ok(Ending::Interrupted);
        }
        Ok(Ending::Failed)
    }
}
