//! Reports: views of the one outcome model. One module per format.

pub mod html;
pub mod human;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod progress;
pub mod views;

use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportKind {
    Json,
    Junit,
    Markdown,
    Html,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportTarget {
    pub kind: ReportKind,
    pub path: PathBuf,
}

/// `json=PATH`, `junit=PATH`, `markdown=PATH`, `html=PATH`.
pub fn parse_target(text: &str) -> Result<ReportTarget, String> {
    let (kind, path) =
        text.split_once('=').ok_or_else(|| format!("`{text}`: expected FORMAT=PATH, e.g. json=report.json"))?;
    if path.is_empty() {
        return Err(format!("`{text}`: the report path is empty"));
    }
    let kind = match kind {
        "json" => ReportKind::Json,
        "junit" => ReportKind::Junit,
        "markdown" | "md" => ReportKind::Markdown,
        "html" => ReportKind::Html,
        other => return Err(format!("`{other}` is not a report format (available: json, junit, markdown, html)")),
    };
    Ok(ReportTarget { kind, path: PathBuf::from(path) })
}

pub use crate::util::atomic::write_atomic;
