//! `tapedeck certify --profile P --out DIR`: run what a certification profile needs — live
//! (recording the evidence) or from cassettes — and write the certification bundle. Unlike
//! RefStack it keeps failures and skips with their reasons, not only passes.

pub mod bundle;
pub mod profile;
pub mod verdict;

use std::path::PathBuf;
use std::process::ExitCode;

use crate::cli::{ModeArg, RunArgs, finish_lines, prepare, run_suites};

#[derive(clap::Args, Debug)]
pub struct CertifyArgs {
    /// The certification profile (YAML), e.g. profiles/nova-34-compute-servers.yaml.
    #[arg(long)]
    pub profile: PathBuf,
    /// Where to write the bundle (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub run: RunArgs,
}

pub fn run(mut args: CertifyArgs) -> ExitCode {
    let profile = match profile::load(&args.profile) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    // With a provider the run is live and its cassettes are recorded into the bundle as
    // evidence; without one the cassettes are replayed (and copied into the bundle).
    let live = args.run.provider.is_some() || args.run.endpoint.is_some() || args.run.os_cloud.is_some();
    if live {
        args.run.mode = ModeArg::Record;
        args.run.cassettes = Some(args.out.join("cassettes"));
    } else {
        args.run.mode = ModeArg::Replay;
    }
    let prepared = match prepare(&args.run) {
        Ok(p) => p,
        Err(errors) => {
            eprintln!("{errors}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let executed = match runtime.block_on(run_suites(&args.run, &prepared)) {
        Ok(done) => done,
        Err(code) => return code,
    };
    finish_lines(&executed.outcome);
    let today = jiff::Zoned::now().date();
    let certification = verdict::evaluate(&profile, &executed.outcome, today);
    let evidence = match bundle::evidence(&executed.outcome, &args.out) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let b = bundle::Bundle {
        format: 1,
        tapedeck: env!("CARGO_PKG_VERSION"),
        created_at: crate::runner::now_rfc3339(),
        mode: executed.outcome.mode,
        certification: &certification,
        provider: bundle::provider_profile(&executed.outcome, executed.live.as_ref()),
        evidence,
    };
    if let Err(e) = bundle::write(&args.out, &b, &executed.outcome) {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
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
        ExitCode::SUCCESS
    } else {
        println!(
            "\nNOT CERTIFIED against profile {}: {} — bundle in {}",
            certification.profile,
            certification.blocking.join(", "),
            args.out.display()
        );
        ExitCode::from(1)
    }
}
