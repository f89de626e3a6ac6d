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
        if let Some(message) = plain_words(err) {
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

/// serde-saphyr's messages that speak to the programmer using the library (its options, its
/// API), in the words of the person whose file it is; `None` for the others.
fn plain_words(err: &serde_saphyr::Error) -> Option<String> {
    use serde_saphyr::Error as E;
    let mut err = err;
    while let E::WithSnippet { error, .. } = err {
        err = error;
    }
    Some(match err {
        E::DuplicateMappingKey { key: Some(k), .. } => {
            format!("the key `{}` appears twice in this mapping (each key may appear once)", cut_middle(k, 200))
        }
        E::DuplicateMappingKey { key: None, .. } => {
            "a key appears twice in this mapping (each key may appear once)".into()
        }
        E::MultipleDocuments { .. } => {
            "the file holds more than one YAML document (a second `---`): it must be exactly one".into()
        }
        E::NullIntoString { .. } | E::InvalidCharNull { .. } => {
            "a value is missing here (expected text, found nothing)".into()
        }
        E::BinaryNotUtf8 { .. } => "a `!!binary` value that is not UTF-8 text cannot be used as text".into(),
        E::RecursiveReferencesRequireWeakTypes { .. } => "an alias refers to a node that contains it (a cycle)".into(),
        E::NonFiniteFloat { value, .. } => format!("`{value}` is not a finite number"),
        E::MergeKeyNotAllowed { .. } => "YAML merge keys (`<<`) are not accepted".into(),
        E::TaggedStructFieldName { tag, .. } => format!("a key may not carry a tag (`{tag}`)"),
        E::InvalidUtf8Input => "the file is not UTF-8 text".into(),
        _ => return None,
    })
}

/// Messages longer than this are cut in the middle: a value from a hostile file (a 5 MB
/// string quoted in "invalid type: string …") must not make a 5 MB message.
pub const MAX_MESSAGE_CHARS: usize = 600;
/// Snippet lines are cut to this many characters around the column.
pub const SNIPPET_WIDTH: usize = 120;

/// `text` with its middle left out when it has more than `max` characters.
pub fn cut_middle(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max {
        return text.to_string();
    }
    let keep = max / 2;
    let head: String = text.chars().take(keep).collect();
    let tail: String = text.chars().skip(count - keep).collect();
    format!("{head} … ({} characters left out) … {tail}", count - 2 * keep)
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let message = cut_middle(&self.message, MAX_MESSAGE_CHARS);
        match (&self.file, &self.pos) {
            (Some(file), Some(p)) => write!(f, "{}:{}:{}: {message}", file.display(), p.line, p.column)?,
            (Some(file), None) => write!(f, "{}: {message}", file.display())?,
            _ => write!(f, "{message}")?,
        }
        if let Some(snippet) = &self.snippet {
            write!(f, "\n{snippet}")?;
        }
        Ok(())
    }
}

impl std::error::Error for InputError {}

/// Up to two lines before the error line, the line itself and a caret under the column. Long
/// lines show only [`SNIPPET_WIDTH`] characters around the column (`…` where cut), so an error
/// on a 5 MB line prints a line, not the 5 MB.
pub fn render_snippet(source: &str, pos: &Pos) -> String {
    let line_no = pos.line as usize;
    if line_no == 0 {
        return String::new();
    }
    let first = line_no.saturating_sub(2).max(1);
    let lines: Vec<&str> = source.lines().skip(first - 1).take(line_no + 1 - first).collect();
    if lines.len() != line_no + 1 - first {
        return String::new();
    }
    let caret_col = (pos.column as usize).max(1);
    // The window of characters shown: the column near its middle, once the line is too long.
    let longest = lines.iter().map(|l| l.len()).max().unwrap_or(0);
    let from = if longest > SNIPPET_WIDTH { caret_col.saturating_sub(SNIPPET_WIDTH / 2 + 1) } else { 0 };
    let width = line_no.to_string().len();
    let mut out = String::new();
    for (n, line) in (first..=line_no).zip(&lines) {
        out.push_str(&format!("{n:>width$} | {}\n", window(line, from)));
    }
    let lead = usize::from(from > 0);
    out.push_str(&format!("{:>width$} | {}^", "", " ".repeat(caret_col - 1 - from + lead)));
    out
}

/// [`SNIPPET_WIDTH`] characters of `line` from character `from`, with `…` where it was cut.
fn window(line: &str, from: usize) -> String {
    let mut chars = line.chars().skip(from);
    let shown: String = chars.by_ref().take(SNIPPET_WIDTH).collect();
    let before = if from > 0 && !line.is_empty() { "…" } else { "" };
    let after = if chars.next().is_some() { "…" } else { "" };
    format!("{before}{shown}{after}")
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

    #[test]
    fn a_snippet_of_a_long_line_is_cut_around_the_column() {
        let src = format!("a: 1\nb: {}X{}\n", "y".repeat(5_000_000), "z".repeat(5_000_000));
        let s = render_snippet(&src, &Pos { line: 2, column: 5_000_004 });
        assert!(s.len() < 600, "{} bytes", s.len());
        let lines: Vec<&str> = s.lines().collect();
        let caret = lines[2].find('^').unwrap();
        assert_eq!(lines[1].chars().nth(caret), Some('X'), "{s}");
        let m = InputError::new(format!("invalid type: string \"{}\"", "q".repeat(5_000_000))).to_string();
        assert!(m.len() < 1000 && m.contains("characters left out"), "{}", m.len());
    }
}
