//! Choosing what runs: `--filter EXPR` and `--exclude EXPR` over the planned runs (suite ×
//! microversion). An expression is
//!
//! ```text
//! EXPR := SUBJECT [ "@" MICROVERSION ] | "@" MICROVERSION
//! SUBJECT := GLOB                 a suite name            server-re*
//!          | "cap:" GLOB          one of its capabilities cap:compute-servers-resize
//! MICROVERSION := 2.104           exactly that one (by value: 2.01 is 2.1)
//!               | GLOB            its text               2.1*  (2.1, 2.10–2.19, 2.100–…)
//! ```
//!
//! where a GLOB's `*` matches any run of characters and `?` one. A run is selected when it
//! matches any `--filter` (every run, without one) and no `--exclude`. Every expression must
//! match some run, or it is an error before anything is sent: a typo would otherwise silently
//! run the wrong set.

use std::fmt;

use crate::input::{InputError, InputErrors};
use crate::microversion::Microversion;
use crate::suite::Suite;

/// The `--filter`s and `--exclude`s of a command line, parsed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Selection {
    pub filters: Vec<Expr>,
    pub excludes: Vec<Expr>,
}

/// One expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    text: String,
    subject: Subject,
    microversion: Option<MicroversionPattern>,
}

#[derive(Debug, Clone, PartialEq)]
enum Subject {
    Any,
    Suite(Glob),
    Capability(Glob),
}

#[derive(Debug, Clone, PartialEq)]
enum MicroversionPattern {
    Exact(Microversion),
    Glob(Glob),
}

/// `*` and `?` over the whole text.
#[derive(Debug, Clone, PartialEq)]
struct Glob(String);

impl Glob {
    fn matches(&self, text: &str) -> bool {
        glob_match(self.0.as_bytes(), text.as_bytes())
    }
}

/// Iterative glob matching with backtracking to the last `*`: linear in practice, never
/// exponential.
fn glob_match(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == b'?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Expr {
    /// `flag` names the option in errors (`--filter`, `--exclude`).
    pub fn parse(flag: &str, text: &str) -> Result<Expr, InputError> {
        let bad = |why: &str| {
            InputError::new(format!(
                "{flag} `{text}`: {why} (expected NAME, cap:CAPABILITY or either with @MICROVERSION, e.g. server-re*, cap:compute-servers-resize, @2.104, server-lifecycle@2.1*)"
            ))
        };
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(bad("the expression is empty"));
        }
        let (subject, microversion) = match trimmed.split_once('@') {
            Some((_, mv)) if mv.contains('@') => return Err(bad("more than one `@`")),
            Some((subject, mv)) => (subject, Some(mv)),
            None => (trimmed, None),
        };
        let subject = match subject.strip_prefix("cap:") {
            Some("") => return Err(bad("`cap:` needs a capability name or glob after it")),
            Some(cap) => Subject::Capability(Glob(cap.to_string())),
            None if subject.is_empty() => Subject::Any,
            None => Subject::Suite(Glob(subject.to_string())),
        };
        let microversion = match microversion {
            None => None,
            Some("") => return Err(bad("`@` needs a microversion or glob after it")),
            Some(mv) if mv.contains(['*', '?']) => Some(MicroversionPattern::Glob(Glob(mv.to_string()))),
            Some(mv) => Some(MicroversionPattern::Exact(
                mv.parse::<Microversion>().map_err(|e| bad(&format!("`{mv}` is not a microversion ({e})")))?,
            )),
        };
        Ok(Expr { text: trimmed.to_string(), subject, microversion })
    }

    fn subject_matches(&self, suite: &Suite) -> bool {
        match &self.subject {
            Subject::Any => true,
            Subject::Suite(glob) => glob.matches(&suite.name),
            Subject::Capability(glob) => suite.capabilities.iter().any(|c| glob.matches(c)),
        }
    }

    fn microversion_matches(&self, mv: Microversion) -> bool {
        match &self.microversion {
            None => true,
            Some(MicroversionPattern::Exact(v)) => *v == mv,
            Some(MicroversionPattern::Glob(glob)) => glob.matches(&mv.to_string()),
        }
    }

    pub fn matches(&self, suite: &Suite, mv: Microversion) -> bool {
        self.subject_matches(suite) && self.microversion_matches(mv)
    }

    /// Why the expression matches none of `runs`, with the nearest names it may have meant.
    fn no_match(&self, flag: &str, runs: &[(&Suite, Microversion)]) -> InputError {
        let mut why = match &self.subject {
            Subject::Suite(glob) if !runs.iter().any(|(s, _)| glob.matches(&s.name)) => {
                let names = runs.iter().map(|(s, _)| s.name.as_str());
                let mut why = format!("matches no suite{}", did_you_mean(&glob.0, names, ""));
                // A capability given without its `cap:`.
                if runs.iter().any(|(s, _)| s.capabilities.iter().any(|c| glob.matches(c))) {
                    why = format!("matches no suite; did you mean `cap:{}`?", self.text);
                }
                why
            }
            Subject::Capability(glob) if !runs.iter().any(|(s, _)| s.capabilities.iter().any(|c| glob.matches(c))) => {
                let caps = runs.iter().flat_map(|(s, _)| s.capabilities.iter().map(String::as_str));
                format!("no suite has a capability like this{}", did_you_mean(&glob.0, caps, "cap:"))
            }
            _ => {
                let mut seen: Vec<Microversion> =
                    runs.iter().filter(|(s, _)| self.subject_matches(s)).map(|(_, mv)| *mv).collect();
                seen.sort();
                seen.dedup();
                let seen: Vec<String> = seen.iter().map(Microversion::to_string).collect();
                format!("no run at that microversion; the matching suites run at {}", seen.join(", "))
            }
        };
        why.push_str(" (`tapedeck run --list` shows the suites, capabilities and microversions)");
        InputError::new(format!("{flag} `{}`: {why}", self.text))
    }
}

/// `; did you mean `NAME`?` for the candidate nearest to `wanted` (its wildcards left out),
/// or nothing when none is near.
fn did_you_mean<'a>(wanted: &str, candidates: impl Iterator<Item = &'a str>, prefix: &str) -> String {
    let literal: String = wanted.chars().filter(|c| !matches!(c, '*' | '?')).collect();
    let mut best: Option<(f64, &str)> = None;
    for c in candidates {
        // A glob is compared with as much of the name as it spells out.
        let compared: String =
            if wanted.ends_with('*') { c.chars().take(literal.chars().count()).collect() } else { c.to_string() };
        let score = strsim::normalized_damerau_levenshtein(&literal, &compared);
        if score >= 0.6 && best.is_none_or(|(b, _)| score > b) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| format!("; did you mean `{prefix}{c}`?")).unwrap_or_default()
}

impl Selection {
    pub fn parse(filters: &[String], excludes: &[String]) -> Result<Selection, InputErrors> {
        let mut errors = Vec::new();
        let mut parse = |flag: &str, texts: &[String]| -> Vec<Expr> {
            texts.iter().filter_map(|t| Expr::parse(flag, t).map_err(|e| errors.push(e)).ok()).collect()
        };
        let selection = Selection { filters: parse("--filter", filters), excludes: parse("--exclude", excludes) };
        if errors.is_empty() { Ok(selection) } else { Err(InputErrors(errors)) }
    }

    /// No expression: every run.
    pub fn is_everything(&self) -> bool {
        self.filters.is_empty() && self.excludes.is_empty()
    }

    pub fn selects(&self, suite: &Suite, mv: Microversion) -> bool {
        (self.filters.is_empty() || self.filters.iter().any(|e| e.matches(suite, mv)))
            && !self.excludes.iter().any(|e| e.matches(suite, mv))
    }

    /// Before anything is sent: every expression matches one of `runs` (all the runs the
    /// suites would make), and together they leave at least one.
    pub fn check(&self, runs: &[(&Suite, Microversion)]) -> Result<(), InputErrors> {
        let unmatched = |flag: &'static str, exprs: &[Expr]| -> Vec<InputError> {
            exprs
                .iter()
                .filter(|e| !runs.iter().any(|(s, mv)| e.matches(s, *mv)))
                .map(|e| e.no_match(flag, runs))
                .collect()
        };
        let mut errors = unmatched("--filter", &self.filters);
        errors.extend(unmatched("--exclude", &self.excludes));
        if errors.is_empty() && !runs.is_empty() && !runs.iter().any(|(s, mv)| self.selects(s, *mv)) {
            errors.push(InputError::new(format!(
                "{}: every run matching a --filter is excluded by an --exclude; nothing would run",
                self.describe().join(" ")
            )));
        }
        if errors.is_empty() { Ok(()) } else { Err(InputErrors(errors)) }
    }

    /// The expressions as flags (`--filter server-re*`), for what a bundle records.
    pub fn describe(&self) -> Vec<String> {
        let flags = |flag: &str, exprs: &[Expr]| exprs.iter().map(|e| format!("{flag} {e}")).collect::<Vec<_>>();
        let mut all = flags("--filter", &self.filters);
        all.extend(flags("--exclude", &self.excludes));
        all
    }

    pub fn filter_texts(&self) -> Vec<String> {
        self.filters.iter().map(|e| e.text.clone()).collect()
    }

    pub fn exclude_texts(&self) -> Vec<String> {
        self.excludes.iter().map(|e| e.text.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suite(name: &str, caps: &[&str]) -> Suite {
        Suite {
            name: name.into(),
            description: None,
            file: format!("{name}.yaml").into(),
            capabilities: caps.iter().map(|c| c.to_string()).collect(),
            microversions: vec![],
            vars: vec![],
            skip: None,
            steps: vec![],
            hash: String::new(),
            notes: vec![],
        }
    }

    fn mv(s: &str) -> Microversion {
        s.parse().unwrap()
    }

    #[test]
    fn globs() {
        assert!(glob_match(b"server-re*", b"server-resize"));
        assert!(glob_match(b"*re*", b"server-reboot"));
        assert!(glob_match(b"2.1?", b"2.10"));
        assert!(!glob_match(b"2.1?", b"2.1"));
        assert!(glob_match(b"2.1*", b"2.104"));
        assert!(!glob_match(b"server-re*", b"server-lifecycle"));
        assert!(glob_match(b"a*b*c", b"aXXbYYc"));
        assert!(!glob_match(b"a*b*c", b"aXXbYY"));
    }

    #[test]
    fn expressions() {
        let reboot = suite("server-reboot", &["compute-servers-reboot"]);
        let e = |t: &str| Expr::parse("--filter", t).unwrap();
        assert!(e("server-re*").matches(&reboot, mv("2.1")));
        assert!(e("cap:compute-servers-re*").matches(&reboot, mv("2.1")));
        assert!(!e("cap:server-reboot").matches(&reboot, mv("2.1")));
        assert!(e("@2.104").matches(&reboot, mv("2.104")));
        assert!(!e("@2.104").matches(&reboot, mv("2.1")));
        assert!(e("server-reboot@2.01").matches(&reboot, mv("2.1")));
        assert!(e("server-reboot@2.1*").matches(&reboot, mv("2.100")));
        assert!(!e("server-reboot@2.1*").matches(&reboot, mv("2.90")));
        for bad in ["", "cap:", "x@", "x@2.1@2", "x@two"] {
            assert!(Expr::parse("--filter", bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn check_names_the_nearest() {
        let (a, b) = (suite("server-reboot", &["compute-servers-reboot"]), suite("server-resize", &[]));
        let runs = [(&a, mv("2.1")), (&a, mv("2.104")), (&b, mv("2.1"))];
        let err = |f: &[&str], x: &[&str]| {
            let s = |v: &[&str]| v.iter().map(|t| t.to_string()).collect::<Vec<_>>();
            Selection::parse(&s(f), &s(x)).unwrap().check(&runs).unwrap_err().to_string()
        };
        assert!(err(&["server-rebot"], &[]).contains("did you mean `server-reboot`"));
        assert!(err(&["cap:compute-server-reboot"], &[]).contains("did you mean `cap:compute-servers-reboot`"));
        assert!(err(&["compute-servers-reboot"], &[]).contains("did you mean `cap:compute-servers-reboot`"));
        assert!(err(&["server-resize@2.104"], &[]).contains("run at 2.1"));
        assert!(err(&["server-reboot"], &["server-re*"]).contains("nothing would run"));
        let sel = Selection::parse(&["server-re*".into()], &["@2.104".into()]).unwrap();
        sel.check(&runs).unwrap();
        let chosen: Vec<_> = runs.iter().filter(|(s, m)| sel.selects(s, *m)).map(|(s, m)| (&s.name, *m)).collect();
        assert_eq!(chosen, vec![(&a.name, mv("2.1")), (&b.name, mv("2.1"))]);
    }
}
