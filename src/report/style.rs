//! The terminal palette: the style of each verdict and message prefix. Styled text is printed
//! only through `anstream`, which strips it when colour is off (`--color`, `NO_COLOR`, not a
//! terminal); the renderers of files (reports, cassettes, bundles) never use it.

use anstyle::{AnsiColor, Style};

use crate::outcome::Verdict;

pub const PASSED: Style = AnsiColor::Green.on_default().bold();
pub const FAILED: Style = AnsiColor::Red.on_default().bold();
pub const SKIPPED: Style = AnsiColor::Yellow.on_default();
pub const INTERRUPTED: Style = AnsiColor::Magenta.on_default().bold();
pub const ERROR: Style = AnsiColor::Red.on_default().bold();
pub const WARNING: Style = AnsiColor::Yellow.on_default().bold();
pub const NOTE: Style = AnsiColor::Cyan.on_default();
pub const DIM: Style = Style::new().dimmed();
pub const HEADER: Style = Style::new().bold();

/// The style of a verdict's word (`PASS`, `passed`, …).
pub fn verdict(v: Verdict) -> Style {
    match v {
        Verdict::Passed => PASSED,
        Verdict::Failed => FAILED,
        Verdict::Skipped => SKIPPED,
        Verdict::Interrupted | Verdict::NotRun => INTERRUPTED,
    }
}

/// `text` in `style`, reset after it.
pub fn paint(style: Style, text: impl std::fmt::Display) -> String {
    format!("{style}{text}{style:#}")
}

/// `text` in `style` when `on` holds (a count that is not zero), plain otherwise.
pub fn paint_if(on: bool, style: Style, text: impl std::fmt::Display) -> String {
    if on { paint(style, text) } else { text.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paint_wraps_and_resets() {
        let s = paint(FAILED, "FAIL");
        assert!(s.starts_with('\x1b') && s.contains("FAIL") && s.ends_with("\x1b[0m"), "{s:?}");
        assert_eq!(paint_if(false, FAILED, "0 failed"), "0 failed");
        assert_eq!(anstream::adapter::strip_str(&s).to_string(), "FAIL");
    }
}
