//! A place in a source file: what errors point at and snippets are drawn around.

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
