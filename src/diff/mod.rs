//! Behavioural comparison of two cassettes or two cassette directories
//! (two clouds, two releases, two recordings). Volatile values are canonicalised (`canon`),
//! exchanges aligned by step and compared (`compare`), differences classified (`model`) and
//! shown on a terminal, as Markdown or as JSON (`render`). `review` compares pending
//! re-recordings with the cassettes they would replace.

pub mod canon;
pub mod compare;
pub mod fields;
pub mod model;
pub mod render;
pub mod review;

use std::path::{Path, PathBuf};

pub use compare::Options;
use model::{CassetteDiff, Change, DiffReport, Pairing};

use crate::cassette;
use crate::input::InputError;
use crate::schema_store::SchemaStore;

/// Compare two cassettes, or two directories of cassettes paired by file name.
pub fn diff_paths(a: &Path, b: &Path, options: &Options) -> Result<DiffReport, InputError> {
    report(&a.display().to_string(), &b.display().to_string(), pairs(a, b)?, options)
}

/// The report over pairs of cassettes (a name with its A and B file; one may be absent).
pub fn report(a: &str, b: &str, pairs: Vec<Pair>, options: &Options) -> Result<DiffReport, InputError> {
    let store = SchemaStore::embedded();
    let mut cassettes = Vec::new();
    for (name, pa, pb) in pairs {
        let diff = match (pa, pb) {
            (Some(pa), Some(pb)) => diff_files(&name, &pa, &pb, store, options)?,
            (pa, _) => CassetteDiff {
                name,
                pairing: if pa.is_some() { Pairing::OnlyA } else { Pairing::OnlyB },
                microversions: None,
                notes: Vec::new(),
                findings: Vec::new(),
            },
        };
        cassettes.push(diff);
    }
    let common = hoist_common(&mut cassettes);
    let different = cassettes.iter().filter(|c| !c.equivalent()).count();
    Ok(DiffReport {
        a: a.to_string(),
        b: b.to_string(),
        equivalent: different == 0 && common.is_empty(),
        compared: cassettes.len(),
        different,
        ignored_classes: options.ignore_classes.iter().copied().collect(),
        ignored_paths: options.ignore_paths.clone(),
        common,
        cassettes,
    })
}

/// The cassette-header changes (`cassette:…`, e.g. the version range of `GET /`) that every
/// one of two or more compared pairs has, taken out of each pair: two releases differ in that
/// once, not once per cassette.
fn hoist_common(cassettes: &mut [CassetteDiff]) -> Vec<Change> {
    let header = |c: &CassetteDiff| -> Vec<Change> {
        c.findings
            .iter()
            .filter(|f| f.operation.is_none() && f.request.is_none())
            .flat_map(|f| f.changes.iter())
            .filter(|ch| ch.pointer.as_deref().is_some_and(|p| p.starts_with("cassette:")))
            .cloned()
            .collect()
    };
    let mut both = cassettes.iter().filter(|c| c.pairing == Pairing::Both);
    let Some(first) = both.next() else { return Vec::new() };
    let mut common = header(first);
    let mut pairs = 1;
    for c in both {
        let h = header(c);
        common.retain(|ch| h.contains(ch));
        pairs += 1;
    }
    if pairs < 2 || common.is_empty() {
        return Vec::new();
    }
    for c in cassettes.iter_mut().filter(|c| c.pairing == Pairing::Both) {
        for f in &mut c.findings {
            if f.operation.is_none() && f.request.is_none() {
                f.changes.retain(|ch| !common.contains(ch));
            }
        }
        c.findings.retain(|f| !f.changes.is_empty() || f.body_diff.is_some());
    }
    common
}

pub fn diff_files(
    name: &str,
    a: &Path,
    b: &Path,
    store: &SchemaStore,
    options: &Options,
) -> Result<CassetteDiff, InputError> {
    let (ca, cb) = (cassette::load(a)?, cassette::load(b)?);
    let compared = compare::compare(&ca, &cb, store, options);
    Ok(CassetteDiff {
        name: name.to_string(),
        pairing: Pairing::Both,
        microversions: (ca.microversion != cb.microversion)
            .then(|| (ca.microversion.to_string(), cb.microversion.to_string())),
        notes: compared.notes,
        findings: compared.findings,
    })
}

pub type Pair = (String, Option<PathBuf>, Option<PathBuf>);

fn pairs(a: &Path, b: &Path) -> Result<Vec<Pair>, InputError> {
    match (a.is_dir(), b.is_dir()) {
        (true, true) => {
            let (la, lb) = (cassette::list(a)?, cassette::list(b)?);
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
        // Anything but a directory is read as a cassette file (a FIFO is refused, saying so).
        (false, false) if a.exists() && b.exists() => {
            let name = a.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            Ok(vec![(name, Some(a.into()), Some(b.into()))])
        }
        (false, false) => {
            let missing = if a.exists() { b } else { a };
            let why = std::fs::metadata(missing).err().map_or_else(
                || "cannot read".to_string(),
                |e| crate::input::file::unreadable(missing, &e, "no such cassette file or directory"),
            );
            Err(InputError::in_file(missing, why))
        }
        _ => Err(InputError::new(format!(
            "compare two cassette files or two cassette directories ({} and {})",
            a.display(),
            b.display()
        ))),
    }
}
