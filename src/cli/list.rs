//! `tapedeck run --list`: the runs a command line selects, without running anything — a table
//! for people (one row per suite, its selected microversions together), or JSON for scripts
//! (`--format json`: one object per run).

use std::sync::Arc;

use serde::Serialize;
use tapedeck::microversion::Microversion;
use tapedeck::report::style::{self, paint};
use tapedeck::suite::Suite;

/// `--format` of `--list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    /// Aligned columns with a header.
    Text,
    /// A JSON array, one object per run: suite, microversion, capabilities, steps, file.
    Json,
}

/// One selected run, as `--format json` shows it.
#[derive(Serialize)]
struct ListedRun<'a> {
    suite: &'a str,
    microversion: String,
    capabilities: &'a [String],
    /// The steps that run at this microversion.
    steps: usize,
    file: String,
}

/// The steps of `suite` a run at `mv` has (each step's microversion range considered).
fn steps_at(suite: &Suite, mv: Microversion) -> usize {
    suite
        .steps
        .iter()
        .filter(|s| s.min_microversion.is_none_or(|m| mv >= m) && s.max_microversion.is_none_or(|m| mv <= m))
        .count()
}

pub fn print(runs: &[(&Arc<Suite>, Microversion)], format: ListFormat) {
    match format {
        ListFormat::Json => {
            let listed: Vec<ListedRun> = runs
                .iter()
                .map(|(s, mv)| ListedRun {
                    suite: &s.name,
                    microversion: mv.to_string(),
                    capabilities: &s.capabilities,
                    steps: steps_at(s, *mv),
                    file: s.file.display().to_string(),
                })
                .collect();
            println!("{}", serde_json::to_string_pretty(&listed).unwrap_or_default());
        }
        ListFormat::Text => {
            for line in table(runs) {
                anstream::println!("{line}");
            }
        }
    }
}

/// The rows of the text table, the header styled; the columns as wide as their widest cell
/// (capabilities last: the one that can be long).
fn table(runs: &[(&Arc<Suite>, Microversion)]) -> Vec<String> {
    // One row per suite, in run order: its microversions and the range of its step counts.
    let mut groups: Vec<(&Arc<Suite>, Vec<Microversion>)> = Vec::new();
    for (suite, mv) in runs {
        match groups.last_mut() {
            Some((s, mvs)) if Arc::ptr_eq(s, suite) => mvs.push(*mv),
            _ => groups.push((suite, vec![*mv])),
        }
    }
    let rows: Vec<[String; 5]> = groups
        .iter()
        .map(|(suite, mvs)| {
            let counts: Vec<usize> = mvs.iter().map(|mv| steps_at(suite, *mv)).collect();
            let (min, max) = (counts.iter().min().copied().unwrap_or(0), counts.iter().max().copied().unwrap_or(0));
            [
                suite.name.clone(),
                mvs.iter().map(Microversion::to_string).collect::<Vec<_>>().join(" "),
                if min == max { min.to_string() } else { format!("{min}-{max}") },
                suite.file.display().to_string(),
                suite.capabilities.join(","),
            ]
        })
        .collect();
    let header = ["SUITE", "MICROVERSIONS", "STEPS", "FILE", "CAPABILITIES"];
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; 5]| {
        let mut text = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                text.push_str(cell);
            } else {
                text.push_str(&format!("{cell:<w$}  "));
            }
        }
        text
    };
    let mut out = vec![paint(style::HEADER, line(header))];
    out.extend(rows.iter().map(|r| line([&r[0], &r[1], &r[2], &r[3], &r[4]])));
    out
}
