//! Errors in user input (suites, cassettes, provider files, flags): they carry the place
//! (file:line:column when there is one) and end the process with exit code 2.

use std::fmt;
use std::path::{Path, PathBuf};

/// A place in a source file, 1-based.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pos {
    pub line: u64,
    pub column: u64,
}

impl Pos {
    pub fn of(location: &serde_saphyr::Location) -> Option<Pos> {
        (location.line() > 0).then(|| Pos { line: location.line(), column: location.column() })
    }
}

#[derive(Debug, Clone)]
pub struct InputError {
    pub file: Option<PathBuf>,
    pub pos: Option<Pos>,
    pub message: String,
    /// The offending source lines with a caret, when the source text is known.
    pub snippet: Option<String>,
}

impl InputError {
    pub fn new(message: impl Into<String>) -> Self {
        InputError { file: None, pos: None, message: message.into(), snippet: None }
    }

    pub fn in_file(file: &Path, message: impl Into<String>) -> Self {
        InputError { file: Some(file.to_path_buf()), ..InputError::new(message) }
    }

    /// An error at `pos` of `file`, whose text is `source` (used for the snippet).
    pub fn at(file: &Path, source: &str, pos: Option<Pos>, message: impl Into<String>) -> Self {
        let snippet = pos.as_ref().map(|p| render_snippet(source, p));
        InputError { file: Some(file.to_path_buf()), pos, message: message.into(), snippet }
    }

    /// Turns a serde-saphyr error into ours, keeping its position but our own formatting.
    pub fn from_yaml(file: &Path, source: &str, err: &serde_saphyr::Error) -> Self {
        Self::from_yaml_under(file, source, err, &crate::input::limits::Limits::BASE)
    }

    /// [`from_yaml`](Self::from_yaml) for a document parsed under `limits`.
    pub fn from_yaml_under(
        file: &Path,
        source: &str,
        err: &serde_saphyr::Error,
        limits: &crate::input::limits::Limits,
    ) -> Self {
        let pos = err.location().and_then(|l| Pos::of(&l));
        if let Some(message) = crate::input::limits::limit_message_for(err, limits) {
            return InputError::at(file, source, pos, message);
        }
        let mut message = err.without_snippet().to_string();
        if let Some(p) = &pos {
            // serde-saphyr appends the position in prose; we print it as file:line:column.
            let suffix = format!(" at line {}, column {}", p.line, p.column);
            if let Some(stripped) = message.strip_suffix(&suffix) {
                message = stripped.to_string();
            }
        }
        InputError::at(file, source, pos, message)
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, &self.pos) {
            (Some(file), Some(p)) => write!(f, "{}:{}:{}: {}", file.display(), p.line, p.column, self.message)?,
            (Some(file), None) => write!(f, "{}: {}", file.display(), self.message)?,
            _ => write!(f, "{}", self.message)?,
        }
        if let Some(snippet) = &self.snippet {
            write!(f, "\n{snippet}")?;
        }
        Ok(())
    }
}

impl std::error::Error for InputError {}

/// Up to two lines before the error line, the line itself and a caret under the column.
pub fn render_snippet(source: &str, pos: &Pos) -> String {
    let lines: Vec<&str> = source.lines().collect();
    let line_no = pos.line as usize;
    if line_no == 0 || line_no > lines.len() {
        return String::new();
    }
    let first = line_no.saturating_sub(2).max(1);
    let width = line_no.to_string().len();
    let mut out = String::new();
    for n in first..=line_no {
        out.push_str(&format!("{n:>width$} | {}\n", lines[n - 1]));
    }
    let caret_col = (pos.column as usize).max(1);
    out.push_str(&format!("{:>width$} | {}^", "", " ".repeat(caret_col - 1)));
    out
}

/// Several input errors found in one pass (all are reported, not only the first).
#[derive(Debug, Clone, Default)]
pub struct InputErrors(pub Vec<InputError>);

impl fmt::Display for InputErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "error: {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for InputErrors {}

impl From<InputError> for InputErrors {
    fn from(e: InputError) -> Self {
        InputErrors(vec![e])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_points_at_column() {
        let src = "a: 1\nb: 2\nc: oops\n";
        let s = render_snippet(src, &Pos { line: 3, column: 4 });
        assert_eq!(s, "1 | a: 1\n2 | b: 2\n3 | c: oops\n  |    ^");
    }
}
