//! Reports: views of the one outcome model. One module per format.

pub mod evidence;
pub mod html;
pub mod human;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod progress;
pub mod style;
pub mod views;

use std::path::PathBuf;

use crate::util::atomic::WriteError;

/// Why a report could not be had.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// `--report` names no format or no path.
    #[error("{0}")]
    Target(String),
    #[error("cannot write JUnit XML: {0}")]
    Junit(String),
    #[error("{0}")]
    Write(#[from] WriteError),
}

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

impl ReportTarget {
    /// `FORMAT=-`: the report goes to standard output (a file named `-` is `./-`).
    pub fn is_stdout(&self) -> bool {
        self.path.as_os_str() == "-"
    }
}

/// `json=PATH`, `junit=PATH`, `markdown=PATH`, `html=PATH`; PATH `-` is standard output.
pub fn parse_target(text: &str) -> Result<ReportTarget, ReportError> {
    let (kind, path) = text
        .split_once('=')
        .ok_or_else(|| ReportError::Target(format!("`{text}`: expected FORMAT=PATH, e.g. json=report.json")))?;
    if path.is_empty() {
        return Err(ReportError::Target(format!("`{text}`: the report path is empty")));
    }
    let kind = match kind {
        "json" => ReportKind::Json,
        "junit" => ReportKind::Junit,
        "markdown" | "md" => ReportKind::Markdown,
        "html" => ReportKind::Html,
        other => {
            return Err(ReportError::Target(format!(
                "`{other}` is not a report format (available: json, junit, markdown, html)"
            )));
        }
    };
    Ok(ReportTarget { kind, path: PathBuf::from(path) })
}

pub use crate::util::atomic::write_atomic;
