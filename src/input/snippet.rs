//! The source lines under an error message, drawn by annotate-snippets (as compilers draw
//! them): up to two lines before the place, the line itself, and a mark under the place.
//! Long lines are windowed around the column first ([`SNIPPET_WIDTH`] characters, `…` where
//! cut), so an error on a 5 MB line holds and prints a line, not the 5 MB. Columns count
//! characters, not bytes. Rendering is plain text by default; [`Style::Styled`] is the seam
//! for a terminal renderer with colour (never used for files).

use std::ops::Range;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use super::pos::Pos;

/// Snippet lines are cut to this many characters around the column.
pub const SNIPPET_WIDTH: usize = 120;

/// How a message is drawn: plain text (files, pipes, the default) or styled for a terminal.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Style {
    #[default]
    Plain,
    Styled,
}

/// The lines shown under one message, already windowed, with the part to mark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Excerpt {
    text: String,
    first_line: usize,
    /// Bytes of `text` marked (empty: a caret at the end of a line).
    mark: Range<usize>,
}

impl Excerpt {
    /// The lines of `source` up to `pos`, marking `width` characters from its column (at
    /// least one, at most to the end of the line). `None` when `pos` is not in `source`.
    pub fn new(source: &str, pos: &Pos, width: usize) -> Option<Excerpt> {
        let line_no = usize::try_from(pos.line).ok().filter(|n| *n > 0)?;
        let first = line_no.saturating_sub(2).max(1);
        let lines: Vec<&str> = source.lines().skip(first - 1).take(line_no + 1 - first).collect();
        if lines.len() != line_no + 1 - first {
            return None;
        }
        let column = usize::try_from(pos.column).unwrap_or(usize::MAX).max(1);
        // The window of characters shown: the column near its middle, once a line is too long.
        let longest = lines.iter().map(|l| l.len()).max().unwrap_or(0);
        let from = if longest > SNIPPET_WIDTH { column.saturating_sub(SNIPPET_WIDTH / 2 + 1) } else { 0 };
        let shown: Vec<String> = lines.iter().map(|l| window(l, from)).collect();
        let last = shown.last()?;
        // The marked characters, as char indexes into the last shown line.
        let lead = usize::from(from > 0 && !lines.last().is_some_and(|l| l.is_empty()));
        let count = last.chars().count();
        let start_char = ((column - 1).saturating_sub(from) + lead).min(count);
        let end_char = (start_char + width.max(1)).min(count);
        let byte = |c: usize| last.char_indices().nth(c).map_or(last.len(), |(b, _)| b);
        let line_start: usize = shown[..shown.len() - 1].iter().map(|l| l.len() + 1).sum();
        let mark = line_start + byte(start_char)..line_start + byte(end_char);
        Some(Excerpt { text: shown.join("\n"), first_line: first, mark })
    }

    /// The excerpt drawn with its gutter and mark, `notes` below it (`= note: …`).
    pub fn render(&self, notes: &[String], style: Style) -> String {
        let snippet = Snippet::source(self.text.as_str())
            .line_start(self.first_line)
            .fold(false)
            .annotation(AnnotationKind::Primary.span(self.mark.clone()));
        let group = Group::with_level(Level::ERROR)
            .element(snippet)
            .elements(notes.iter().map(|n| Level::NOTE.message(n.as_str())));
        let renderer = match style {
            Style::Plain => Renderer::plain(),
            Style::Styled => Renderer::styled(),
        };
        // Lines are windowed already: the renderer must not cut them again.
        let out = renderer.term_width(SNIPPET_WIDTH * 2).render(&[group]);
        // The blank gutter line annotate-snippets opens a title-less snippet with says nothing.
        let mut lines: Vec<&str> = out.lines().collect();
        if lines.first().is_some_and(|l| without_escapes(l).trim() == "|") {
            lines.remove(0);
        }
        lines.join("\n")
    }
}

/// [`SNIPPET_WIDTH`] characters of `line` from character `from`, with `…` where it was cut.
fn window(line: &str, from: usize) -> String {
    let mut chars = line.chars().skip(from);
    let shown: String = chars.by_ref().take(SNIPPET_WIDTH).collect();
    let before = if from > 0 && !line.is_empty() { "…" } else { "" };
    let after = if chars.next().is_some() { "…" } else { "" };
    format!("{before}{shown}{after}")
}

/// A line without its ANSI colour sequences (`ESC [ … m`).
fn without_escapes(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            chars.by_ref().find(|&c| c == 'm');
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draw(source: &str, line: u64, column: u64, width: usize) -> String {
        Excerpt::new(source, &Pos { line, column }, width).unwrap().render(&[], Style::Plain)
    }

    #[test]
    fn marks_the_column() {
        assert_eq!(draw("a: 1\nb: 2\nc: oops\n", 3, 4, 1), "1 | a: 1\n2 | b: 2\n3 | c: oops\n  |    ^");
        assert_eq!(draw("a: 1\nb: 2\nc: oops\n", 3, 4, 4), "1 | a: 1\n2 | b: 2\n3 | c: oops\n  |    ^^^^");
    }

    #[test]
    fn columns_count_characters() {
        let s = draw("name: \"é ü\"\nkey: ünknown\n", 2, 6, 7);
        assert_eq!(s, "1 | name: \"é ü\"\n2 | key: ünknown\n  |      ^^^^^^^");
    }

    #[test]
    fn notes_follow_the_lines() {
        let e = Excerpt::new("a: 1\n", &Pos { line: 1, column: 1 }, 1).unwrap();
        assert_eq!(e.render(&["also here".into()], Style::Plain), "1 | a: 1\n  | ^\n  |\n  = note: also here");
    }

    #[test]
    fn a_long_line_is_cut_around_the_column() {
        let src = format!("a: 1\nb: {}X{}\n", "y".repeat(5_000_000), "z".repeat(5_000_000));
        let s = draw(&src, 2, 5_000_004, 1);
        assert!(s.len() < 600, "{} bytes", s.len());
        let lines: Vec<&str> = s.lines().collect();
        let caret = lines[2].chars().position(|c| c == '^').unwrap();
        assert_eq!(lines[1].chars().nth(caret), Some('X'), "{s}");
    }

    #[test]
    fn a_place_past_the_end_is_none() {
        assert!(Excerpt::new("a: 1\n", &Pos { line: 3, column: 1 }, 1).is_none());
        assert!(Excerpt::new("a: 1\n", &Pos { line: 0, column: 1 }, 1).is_none());
    }
}
