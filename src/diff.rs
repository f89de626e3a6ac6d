//! `tapedeck diff A B`: behavioural comparison of two cassettes or two cassette directories
//! (files paired by name). Exit 0 equivalent, 1 different, 2 bad input.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::cassette::{self, compare::compare};
use crate::input_error::InputError;

pub fn run(a: &Path, b: &Path) -> ExitCode {
    match pairs(a, b) {
        Ok(pairs) => {
            let mut different = 0;
            for (name, pa, pb) in &pairs {
                match (pa, pb) {
                    (Some(pa), Some(pb)) => match (cassette::load(pa), cassette::load(pb)) {
                        (Ok(ca), Ok(cb)) => {
                            let diffs = compare(&ca, &cb);
                            if diffs.is_empty() {
                                println!("same  {name}");
                            } else {
                                different += 1;
                                println!("DIFF  {name}");
                                for d in diffs {
                                    println!("      {d}");
                                }
                            }
                        }
                        (Err(e), _) | (_, Err(e)) => {
                            eprintln!("error: {e}");
                            return ExitCode::from(2);
                        }
                    },
                    (Some(_), None) => {
                        different += 1;
                        println!("ONLY  {name} only in {}", a.display());
                    }
                    (None, _) => {
                        different += 1;
                        println!("ONLY  {name} only in {}", b.display());
                    }
                }
            }
            println!("\n{} cassettes compared, {different} different", pairs.len());
            if different == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) }
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

type Pair = (String, Option<PathBuf>, Option<PathBuf>);

fn pairs(a: &Path, b: &Path) -> Result<Vec<Pair>, InputError> {
    match (a.is_dir(), b.is_dir()) {
        (true, true) => {
            let (la, lb) = (list(a)?, list(b)?);
            let mut names: Vec<String> = la.iter().chain(lb.iter()).cloned().collect();
            names.sort();
            names.dedup();
            Ok(names
                .into_iter()
                .map(|n| {
                    let pa = la.contains(&n).then(|| a.join(&n));
                    let pb = lb.contains(&n).then(|| b.join(&n));
                    (n, pa, pb)
                })
                .collect())
        }
        (false, false) if a.is_file() && b.is_file() => {
            Ok(vec![(a.display().to_string(), Some(a.into()), Some(b.into()))])
        }
        _ => Err(InputError::new(format!(
            "compare two cassette files or two cassette directories ({} and {})",
            a.display(),
            b.display()
        ))),
    }
}

fn list(dir: &Path) -> Result<Vec<String>, InputError> {
    let entries = std::fs::read_dir(dir).map_err(|e| InputError::in_file(dir, format!("cannot list: {e}")))?;
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml") && !n.starts_with('.'))
        .collect();
    names.sort();
    Ok(names)
}
