//! The diff on a terminal (compact, coloured when it is a terminal) and as Markdown.

use std::fmt::Write;

use super::model::{CassetteDiff, Change, Class, DiffReport, FieldKind, Finding, Pairing};

/// Terminal body diffs stop here; JSON and Markdown carry them whole.
const TERMINAL_DIFF_LINES: usize = 40;

struct Paint(bool);

impl Paint {
    fn wrap(&self, code: &str, text: &str) -> String {
        if self.0 { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_string() }
    }
    fn red(&self, t: &str) -> String {
        self.wrap("31", t)
    }
    fn green(&self, t: &str) -> String {
        self.wrap("32", t)
    }
    fn yellow(&self, t: &str) -> String {
        self.wrap("33", t)
    }
    fn dim(&self, t: &str) -> String {
        self.wrap("2", t)
    }
    fn bold(&self, t: &str) -> String {
        self.wrap("1", t)
    }
}

fn field_note(c: &Change) -> &'static str {
    match c.field {
        Some(FieldKind::Documented) => " (documented)",
        Some(FieldKind::Extension) => " (extension)",
        Some(FieldKind::Undocumented) => " (undocumented)",
        None => "",
    }
}

/// One line per change: `value   /server/status  "ACTIVE" → "ERROR"`.
fn change_line(c: &Change) -> String {
    let mut line = format!("{:<14}", c.class.label());
    if let Some(p) = &c.pointer {
        line.push_str(p);
        line.push_str(field_note(c));
        line.push_str("  ");
    }
    match (&c.a, &c.b, c.class) {
        (Some(a), None, Class::FieldRemoved | Class::Missing) => line.push_str(a),
        (None, Some(b), Class::FieldAdded | Class::Extra) => line.push_str(b),
        (a, b, _) => {
            let _ = write!(line, "{} → {}", a.as_deref().unwrap_or("(none)"), b.as_deref().unwrap_or("(none)"));
        }
    }
    line.trim_end().to_string()
}

fn finding_title(f: &Finding) -> String {
    let mut t = format!("step `{}`", f.step);
    if let Some(r) = &f.request {
        let _ = write!(t, " · {r}");
    }
    if let Some(op) = &f.operation {
        let _ = write!(t, " · {op}");
    }
    t
}

pub fn terminal(report: &DiffReport, colour: bool) -> String {
    let p = Paint(colour);
    let mut out = String::new();
    for ch in &report.common {
        let _ = writeln!(out, "{}   every cassette: {}", p.red("ALL"), p.yellow(&change_line(ch)));
    }
    for c in &report.cassettes {
        match c.pairing {
            Pairing::OnlyA => {
                let _ = writeln!(out, "{}  {}  only in {}", p.red("ONLY"), c.name, report.a);
            }
            Pairing::OnlyB => {
                let _ = writeln!(out, "{}  {}  only in {}", p.red("ONLY"), c.name, report.b);
            }
            Pairing::Both if c.equivalent() => {}
            Pairing::Both => {
                let _ = writeln!(out, "{}  {}  {}", p.red("DIFF"), p.bold(&c.name), p.dim(&header_note(c)));
                for f in &c.findings {
                    let _ = writeln!(out, "      {}", finding_title(f));
                    for ch in &f.changes {
                        let line = change_line(ch);
                        let line = match ch.class {
                            Class::FieldAdded | Class::Extra => p.green(&line),
                            Class::FieldRemoved | Class::Missing => p.red(&line),
                            _ => p.yellow(&line),
                        };
                        let _ = writeln!(out, "        {line}");
                    }
                    if let Some(d) = &f.body_diff {
                        for line in body_diff_lines(d, TERMINAL_DIFF_LINES) {
                            let shown = match line.chars().next() {
                                Some('+') if !line.starts_with("+++") => p.green(&line),
                                Some('-') if !line.starts_with("---") => p.red(&line),
                                _ => p.dim(&line),
                            };
                            let _ = writeln!(out, "          {shown}");
                        }
                    }
                }
            }
        }
    }
    let equivalent = report.compared - report.different;
    let verdict = if report.equivalent { p.green("equivalent") } else { p.red("different") };
    let _ = writeln!(
        out,
        "{verdict}: {} cassettes compared, {equivalent} equivalent, {} different{}{}",
        report.compared,
        report.different,
        common_note(report),
        ignored_note(report)
    );
    out
}

fn common_note(r: &DiffReport) -> String {
    match r.common.len() {
        0 => String::new(),
        1 => ", 1 change common to all".to_string(),
        n => format!(", {n} changes common to all"),
    }
}

fn header_note(c: &CassetteDiff) -> String {
    let mut parts = Vec::new();
    if let Some((a, b)) = &c.microversions {
        parts.push(format!("microversion {a} vs {b}"));
    }
    parts.extend(c.notes.iter().cloned());
    parts.push(format!("{} changes", c.change_count()));
    parts.join(" · ")
}

fn ignored_note(r: &DiffReport) -> String {
    let mut parts: Vec<String> = r.ignored_classes.iter().map(|c| c.label().to_string()).collect();
    parts.extend(r.ignored_paths.iter().cloned());
    if parts.is_empty() { String::new() } else { format!(" (ignoring {})", parts.join(", ")) }
}

fn body_diff_lines(diff: &str, max: usize) -> Vec<String> {
    let mut lines: Vec<String> = diff.lines().map(str::to_string).collect();
    if lines.len() > max {
        let more = lines.len() - max;
        lines.truncate(max);
        lines.push(format!("… {more} more lines (see --format json or markdown)"));
    }
    lines
}

/// Operation ids are the api-ref's own anchors: in Markdown each links to its section.
fn api_ref_link(op: &str) -> String {
    format!("[{op}](https://docs.openstack.org/api-ref/compute/#{op})")
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

pub fn markdown(report: &DiffReport) -> String {
    let mut out = String::new();
    let equivalent = report.compared - report.different;
    let _ = writeln!(out, "# Behavioural diff\n");
    let _ = writeln!(out, "- **A**: `{}`\n- **B**: `{}`", report.a, report.b);
    let _ = writeln!(
        out,
        "- **Verdict**: {} — {} cassettes compared, {equivalent} equivalent, {} different{}{}\n",
        if report.equivalent { "equivalent" } else { "different" },
        report.compared,
        report.different,
        common_note(report),
        ignored_note(report)
    );
    if !report.common.is_empty() {
        let _ = writeln!(out, "## Every cassette\n\n| change | where | A | B |\n|---|---|---|---|");
        for ch in &report.common {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                ch.class.label(),
                md_cell(ch.pointer.as_deref().unwrap_or("")),
                md_cell(ch.a.as_deref().unwrap_or("")),
                md_cell(ch.b.as_deref().unwrap_or("")),
            );
        }
        out.push('\n');
    }
    for c in &report.cassettes {
        match c.pairing {
            Pairing::OnlyA => {
                let _ = writeln!(out, "## {}\n\nOnly in A.\n", c.name);
            }
            Pairing::OnlyB => {
                let _ = writeln!(out, "## {}\n\nOnly in B.\n", c.name);
            }
            Pairing::Both if c.equivalent() => {}
            Pairing::Both => {
                let _ = writeln!(out, "## {}\n\n{}\n", c.name, header_note(c));
                let _ = writeln!(out, "| step | request | operation | change | where | A | B |");
                let _ = writeln!(out, "|---|---|---|---|---|---|---|");
                for f in &c.findings {
                    for ch in &f.changes {
                        let _ = writeln!(
                            out,
                            "| {} | {} | {} | {} | {} | {} | {} |",
                            md_cell(&f.step),
                            md_cell(f.request.as_deref().unwrap_or("")),
                            f.operation.as_deref().map(api_ref_link).unwrap_or_default(),
                            ch.class.label(),
                            md_cell(&format!("{}{}", ch.pointer.as_deref().unwrap_or(""), field_note(ch))),
                            md_cell(ch.a.as_deref().unwrap_or("")),
                            md_cell(ch.b.as_deref().unwrap_or("")),
                        );
                    }
                }
                for f in c.findings.iter().filter(|f| f.body_diff.is_some()) {
                    let _ = writeln!(
                        out,
                        "\n<details><summary>{}</summary>\n\n```diff\n{}```\n</details>",
                        md_cell(&finding_title(f)),
                        f.body_diff.as_deref().unwrap_or("")
                    );
                }
                out.push('\n');
            }
        }
    }
    out
}
