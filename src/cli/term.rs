//! The terminal conventions of every command: `--color` (honouring `NO_COLOR` and
//! `CLICOLOR_FORCE`), where the human lines go (standard output, or standard error once a
//! report takes standard output: `--report KIND=-`), and the styled `error:` and `warning:`
//! prefixes.

use std::ffi::OsString;
use std::sync::atomic::{AtomicBool, Ordering};

use anstream::ColorChoice;
use tapedeck::report::progress::Stream;
use tapedeck::report::style;

/// `--color` (alias `--colour`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorArg {
    /// On a terminal, unless NO_COLOR is set (CLICOLOR_FORCE colours a pipe too).
    Auto,
    /// Always, whatever the environment says.
    Always,
    /// Never.
    Never,
}

impl ColorArg {
    fn choice(self) -> ColorChoice {
        match self {
            ColorArg::Auto => ColorChoice::Auto,
            ColorArg::Always => ColorChoice::Always,
            ColorArg::Never => ColorChoice::Never,
        }
    }
}

/// Sets the colour choice of the whole process (clap's help and errors included).
pub fn set_color(arg: ColorArg) {
    arg.choice().write_global();
}

/// The `--color`/`--colour` value among raw arguments, read before clap parses them so that
/// clap's own errors follow it too. `None`: not given (or not a valid value: clap says so).
pub fn color_in_args(args: &[OsString]) -> Option<ColorArg> {
    let mut it = args.iter().map(|a| a.to_string_lossy());
    let mut found = None;
    while let Some(arg) = it.next() {
        if arg == "--" {
            break;
        }
        let value = match arg.split_once('=') {
            Some(("--color" | "--colour", v)) => Some(v.to_string()),
            None if arg == "--color" || arg == "--colour" => it.next().map(|v| v.to_string()),
            _ => None,
        };
        found = match value.as_deref() {
            Some("auto") => Some(ColorArg::Auto),
            Some("always") => Some(ColorArg::Always),
            Some("never") => Some(ColorArg::Never),
            _ => found,
        };
    }
    found
}

static STDOUT_TAKEN: AtomicBool = AtomicBool::new(false);

/// A report goes to standard output: from now on the human lines go to standard error.
pub fn give_stdout_to_report() {
    STDOUT_TAKEN.store(true, Ordering::Relaxed);
}

/// Where the human lines (progress, failures, summary) go.
pub fn human_stream() -> Stream {
    if STDOUT_TAKEN.load(Ordering::Relaxed) { Stream::Stderr } else { Stream::Stdout }
}

/// Whether standard output takes colour now.
pub fn stdout_colour() -> bool {
    Stream::Stdout.colour()
}

/// A human line (see [`human_stream`]), its styles kept only where they are shown.
macro_rules! say {
    () => { $crate::cli::term::human_stream().line("") };
    ($($arg:tt)*) => { $crate::cli::term::human_stream().line(&format!($($arg)*)) };
}
pub(crate) use say;

/// `warning: MESSAGE` on standard error, the prefix in yellow.
pub fn warn(message: impl std::fmt::Display) {
    anstream::eprintln!("{} {message}", style::paint(style::WARNING, "warning:"));
}

/// An error's text with each line's leading `error:` in red (for standard error).
pub fn error_text(text: &str) -> String {
    text.split_inclusive('\n')
        .map(|line| match line.strip_prefix("error:") {
            Some(rest) => format!("{}{rest}", style::paint(style::ERROR, "error:")),
            None => line.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<OsString> {
        a.iter().map(OsString::from).collect()
    }

    #[test]
    fn color_is_found_in_every_spelling() {
        assert_eq!(color_in_args(&args(&["run", "--color", "never"])), Some(ColorArg::Never));
        assert_eq!(color_in_args(&args(&["diff", "--colour=always", "a", "b"])), Some(ColorArg::Always));
        assert_eq!(color_in_args(&args(&["run", "--color=auto", "--color", "never"])), Some(ColorArg::Never));
        assert_eq!(color_in_args(&args(&["run", "--", "--color", "never"])), None);
        assert_eq!(color_in_args(&args(&["run", "--color", "purple"])), None);
    }

    #[test]
    fn only_leading_error_prefixes_are_styled() {
        let text = error_text("error: one\n  in error: two\nerror: three");
        assert_eq!(text.matches(&style::paint(style::ERROR, "error:")).count(), 2, "{text:?}");
        assert_eq!(anstream::adapter::strip_str(&text).to_string(), "error: one\n  in error: two\nerror: three");
    }
}
