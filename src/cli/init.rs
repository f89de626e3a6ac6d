//! `tapedeck init [DIR]`: a starting project — the configuration file, one commented example
//! suite, a .gitignore and a CI workflow. Files already there are kept, never overwritten.

use std::path::{Path, PathBuf};

use tapedeck::util::atomic::write_atomic;

use super::exit::{CommandResult, Ending};

#[derive(clap::Args, Debug)]
pub struct InitArgs {
    /// The project directory (created if missing).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
}

/// What a new project starts with: where each file goes, and its text.
const FILES: &[(&str, &str)] = &[
    ("tapedeck.toml", include_str!("../../templates/init/tapedeck.toml")),
    ("suites/example.yaml", include_str!("../../templates/init/example.yaml")),
    (".gitignore", include_str!("../../templates/init/gitignore")),
    (".github/workflows/tapedeck.yml", include_str!("../../templates/init/workflow.yml")),
];

pub fn run(args: InitArgs) -> CommandResult {
    let mut kept = Vec::new();
    for (name, text) in FILES {
        let path = args.dir.join(name);
        if std::fs::symlink_metadata(&path).is_ok() {
            kept.push(*name);
            continue;
        }
        write_atomic(&path, text.as_bytes())?;
        println!("wrote {}", path.display());
    }
    if !kept.is_empty() {
        println!("kept what was there: {}", kept.join(", "));
    }
    let cd = if args.dir == Path::new(".") { String::new() } else { format!("cd {} && ", args.dir.display()) };
    println!(
        "\nnext: {cd}tapedeck discover --os-cloud NAME   (chooses the image, flavors and network; writes them into tapedeck.toml)\n      tapedeck run --mode record               (runs the suites against the cloud, writes cassettes/NAME/)\n      tapedeck run                             (replays them offline, as CI does)"
    );
    Ok(Ending::Passed)
}
