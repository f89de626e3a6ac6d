//! Errors in user input (suites, cassettes, provider files, flags): they carry the place
//! (file:line:column when there is one) and end the process with exit code 2.

use std::fmt;
use std::path::{Path, PathBuf};

pub use super::pos::Pos;
use super::snippet::{Excerpt, Style};

#[derive(Debug, Clone)]
pub struct InputError {
    pub file: Option<PathBuf>,
    pub pos: Option<Pos>,
    pub message: String,
    /// The offending source lines, when the source text is known (drawn on display).
    pub excerpt: Option<Box<Excerpt>>,
    /// Said under the excerpt (`= note: …`).
    pub notes: Vec<String>,
}

impl InputError {
    pub fn new(message: impl Into<String>) -> Self {
        InputError { file: None, pos: None, message: message.into(), excerpt: None, notes: Vec::new() }
    }

    pub fn in_file(file: &Path, message: impl Into<String>) -> Self {
        InputError { file: Some(file.to_path_buf()), ..InputError::new(message) }
    }

    /// An error at `pos` of `file`, whose text is `source` (used for the excerpt).
    pub fn at(file: &Path, source: &str, pos: Option<Pos>, message: impl Into<String>) -> Self {
        Self::at_span(file, source, pos, 1, message)
    }

    /// [`at`](Self::at), marking `width` characters from `pos` (a key, a name).
    pub fn at_span(file: &Path, source: &str, pos: Option<Pos>, width: usize, message: impl Into<String>) -> Self {
        let excerpt = pos.as_ref().and_then(|p| Excerpt::new(source, p, width)).map(Box::new);
        InputError { file: Some(file.to_path_buf()), pos, excerpt, ..InputError::new(message) }
    }

    /// The same error with `note` said under it.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// The whole message: `file:line:column: message`, then the excerpt and notes.
    pub fn render(&self, style: Style) -> String {
        let message = cut_middle(&self.message, MAX_MESSAGE_CHARS);
        let mut out = match (&self.file, &self.pos) {
            (Some(file), Some(p)) => format!("{}:{}:{}: {message}", file.display(), p.line, p.column),
            (Some(file), None) => format!("{}: {message}", file.display()),
            _ => message,
        };
        match &self.excerpt {
            Some(excerpt) => {
                out.push('\n');
                out.push_str(&excerpt.render(&self.notes, style));
            }
            None => self.notes.iter().for_each(|n| out.push_str(&format!("\n  = note: {n}"))),
        }
        out
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
        if let Some((message, width)) = plain_words(err) {
            return InputError::at_span(file, source, pos, width, message);
        }
        let mut message = err.without_snippet().to_string();
        if let Some(p) = &pos {
            // serde-saphyr appends the position in prose; we print it as file:line:column.
            let suffix = format!(" at line {}, column {}", p.line, p.column);
            if let Some(stripped) = message.strip_suffix(&suffix) {
                message = stripped.to_string();
            }
        }
        if let Some(tab) = pos.as_ref().and_then(|p| indenting_tab(source, p)) {
            let message =
                format!("a tab indents line {}: YAML indents with spaces only (the reader says: {message})", tab.line);
            return InputError::at(file, source, Some(tab), message);
        }
        InputError::at(file, source, pos, message)
    }
}

/// A tab in the indentation of the line at `pos` or the line after it (where the YAML reader
/// notices it), as the place of the tab.
fn indenting_tab(source: &str, pos: &Pos) -> Option<Pos> {
    let first = usize::try_from(pos.line).ok()?.checked_sub(1)?;
    source.lines().enumerate().skip(first).take(2).find_map(|(n, line)| {
        let lead = line.len() - line.trim_start_matches([' ', '\t']).len();
        let column = line[..lead].find('\t')?;
        Some(Pos { line: n as u64 + 1, column: line[..column].chars().count() as u64 + 1 })
    })
}

/// `unknown key `x`; did you mean `y`?` — or, when no accepted key is near, the list of them.
pub fn unknown_key_message(key: &str, accepted: &[&str]) -> String {
    let key = cut_middle(key, 200);
    let list = match accepted {
        [] => "this mapping takes no keys".to_string(),
        [one] => format!("the only key here is `{one}`"),
        _ => format!("expected one of {}", accepted.join(", ")),
    };
    format!("unknown key `{key}`{}", crate::util::suggest::hint(&key, accepted.iter().copied(), &list))
}

/// serde-saphyr's messages that speak to the programmer using the library (its options, its
/// API), in the words of the person whose file it is, with how many characters to mark;
/// `None` for the others.
fn plain_words(err: &serde_saphyr::Error) -> Option<(String, usize)> {
    use serde_saphyr::Error as E;
    let mut err = err;
    while let E::WithSnippet { error, .. } = err {
        err = error;
    }
    Some((
        match err {
            E::SerdeUnknownField { field, expected, .. } => {
                return Some((unknown_key_message(field, expected), field.chars().count()));
            }
            E::SerdeUnknownVariant { variant, expected, .. } => {
                let list = format!("expected one of {}", expected.join(", "));
                let hint = crate::util::suggest::hint(variant, expected.iter().copied(), &list);
                return Some((format!("unknown value `{}`{hint}", cut_middle(variant, 200)), variant.chars().count()));
            }
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
            E::RecursiveReferencesRequireWeakTypes { .. } => {
                "an alias refers to a node that contains it (a cycle)".into()
            }
            E::NonFiniteFloat { value, .. } => format!("`{value}` is not a finite number"),
            E::MergeKeyNotAllowed { .. } => "YAML merge keys (`<<`) are not accepted".into(),
            E::TaggedStructFieldName { tag, .. } => format!("a key may not carry a tag (`{tag}`)"),
            E::InvalidUtf8Input => "the file is not UTF-8 text".into(),
            _ => return None,
        },
        1,
    ))
}

/// Messages longer than this are cut in the middle: a value from a hostile file (a 5 MB
/// string quoted in "invalid type: string …") must not make a 5 MB message. Long enough for
/// tapedeck's own listings (every provider variable a run set lacks, one line each).
pub const MAX_MESSAGE_CHARS: usize = 1200;

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
        f.write_str(&self.render(Style::Plain))
    }
}

impl std::error::Error for InputError {}

/// Several input errors found in one pass (all are reported, not only the first).
#[derive(Debug, Clone, Default)]
pub struct InputErrors(pub Vec<InputError>);

impl InputErrors {
    /// Every error, each opened with `error: `.
    pub fn render(&self, style: Style) -> String {
        let all: Vec<String> = self.0.iter().map(|e| format!("error: {}", e.render(style))).collect();
        all.join("\n")
    }
}

impl fmt::Display for InputErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(Style::Plain))
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
    fn a_long_message_is_cut_in_the_middle() {
        let m = InputError::new(format!("invalid type: string \"{}\"", "q".repeat(5_000_000))).to_string();
        assert!(m.len() < 1500 && m.contains("characters left out"), "{}", m.len());
    }

    #[test]
    fn notes_without_an_excerpt_follow_the_message() {
        let e = InputError::in_file(Path::new("f.yaml"), "bad").with_note("why");
        assert_eq!(e.to_string(), "f.yaml: bad\n  = note: why");
    }
}
