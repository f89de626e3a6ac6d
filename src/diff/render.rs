//! The diff on a terminal (compact, coloured when it is a terminal) and as Markdown.

use std::fmt::Write;

use super::model::{CassetteDiff, Change, Class, DiffReport, FieldKind, Finding, Pairing};

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

fn field_note(c: &Change) -> String {
    match (c.field, c.class, &c.since) {
        (Some(FieldKind::Documented), Class::FieldAdded, Some(mv)) => format!(" (documented from {mv})"),
        (Some(FieldKind::Documented), Class::FieldRemoved, Some(mv)) => format!(" (documented, not from {mv})"),
        (Some(FieldKind::Documented), _, _) => " (documented)".into(),
        (Some(FieldKind::Extension), _, _) => " (extension)".into(),
        (Some(FieldKind::Undocumented), _, _) => " (undocumented)".into(),
        (None, _, _) => String::new(),
    }
}

/// One line per change: `value   /server/status  "ACTIVE" → "ERROR"`.
fn change_line(c: &Change) -> String {
    let mut line = format!("{:<14}", c.class.label());
    if let Some(p) = &c.pointer {
        line.push_str(p);
        line.push_str(&field_note(c));
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
    let _ = writeln!(out, "{}  {}\n{}  {}", p.bold("A"), report.a, p.bold("B"), report.b);
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
                for g in groups(c) {
                    let line = format!("{}{}", change_line(g.change), g.steps_note());
                    let line = match g.change.class {
                        Class::FieldAdded | Class::Extra => p.green(&line),
                        Class::FieldRemoved | Class::Missing => p.red(&line),
                        _ => p.yellow(&line),
                    };
                    let _ = writeln!(out, "        {line}");
                }
                let bodies = c.findings.iter().filter(|f| f.body_diff.is_some()).count();
                if bodies > 0 {
                    let diffs = if bodies == 1 { "1 body diff".to_string() } else { format!("{bodies} body diffs") };
                    let _ = writeln!(out, "        {}", p.dim(&format!("({diffs}: --format markdown or json)")));
                }
            }
        }
    }
    let equivalent = report.compared - report.different;
    let verdict = if report.equivalent { p.green("equivalent") } else { p.red("different") };
    let _ = writeln!(
        out,
        "{verdict}: {} compared, {equivalent} equivalent, {} different{}{}",
        plural(report.compared, "cassette", "cassettes"),
        report.different,
        common_note(report),
        ignored_note(report)
    );
    if let Some(counts) = class_counts(report) {
        let _ = writeln!(out, "{counts}");
    }
    out
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `53 changes: 20 field added, 5 field removed, 28 value` over every cassette.
fn class_counts(report: &DiffReport) -> Option<String> {
    let mut counts: Vec<(Class, usize)> = Vec::new();
    for ch in report.cassettes.iter().flat_map(|c| &c.findings).flat_map(|f| &f.changes) {
        match counts.iter_mut().find(|(c, _)| *c == ch.class) {
            Some((_, n)) => *n += 1,
            None => counts.push((ch.class, 1)),
        }
    }
    counts.sort();
    let total: usize = counts.iter().map(|(_, n)| n).sum();
    (total > 0).then(|| {
        let parts: Vec<String> = counts.iter().map(|(c, n)| format!("{n} {}", c.label())).collect();
        format!("{}: {}", plural(total, "change", "changes"), parts.join(", "))
    })
}

/// One change and every step of a cassette it appears in: the same field added (or value
/// changed) in each step that shows a server is one line, not one per step.
struct Group<'a> {
    change: &'a Change,
    steps: Vec<&'a str>,
    /// The api-ref operations of those steps' requests.
    operations: Vec<&'a str>,
    /// Some step had other values than the one shown.
    values_differ: bool,
}

impl Group<'_> {
    fn steps_note(&self) -> String {
        let names: Vec<String> = self.steps.iter().map(|s| format!("`{s}`")).collect();
        let differ = if self.values_differ { ", values differ" } else { "" };
        match names.len() {
            1 => format!(" — in step {}{differ}", names[0]),
            n if n <= 4 => format!(" — in {n} steps: {}{differ}", names.join(", ")),
            n => format!(" — in {n} steps: {}, …{differ}", names[..3].join(", ")),
        }
    }
}

fn groups(c: &CassetteDiff) -> Vec<Group<'_>> {
    let mut out: Vec<Group> = Vec::new();
    for f in &c.findings {
        for ch in &f.changes {
            let same = |g: &&mut Group| {
                g.change.class == ch.class
                    && g.change.pointer == ch.pointer
                    && g.change.field == ch.field
                    && g.change.since == ch.since
                    && (ch.pointer.is_some() || (g.change.a == ch.a && g.change.b == ch.b))
            };
            match out.iter_mut().find(same) {
                Some(g) => {
                    if !g.steps.contains(&f.step.as_str()) {
                        g.steps.push(&f.step);
                    }
                    if let Some(op) = f.operation.as_deref().filter(|op| !g.operations.contains(op)) {
                        g.operations.push(op);
                    }
                    g.values_differ |= g.change.a != ch.a || g.change.b != ch.b;
                }
                None => out.push(Group {
                    change: ch,
                    steps: vec![&f.step],
                    operations: f.operation.as_deref().into_iter().collect(),
                    values_differ: false,
                }),
            }
        }
    }
    // By kind, then by field.
    out.sort_by(|x, y| (x.change.class, &x.change.pointer).cmp(&(y.change.class, &y.change.pointer)));
    out
}

fn header_note(c: &CassetteDiff) -> String {
    let mut parts = Vec::new();
    if let Some((a, b)) = &c.microversions {
        parts.push(format!("microversion {a} vs {b}"));
    }
    parts.extend(c.notes.iter().cloned());
    parts.push(plural(c.change_count(), "change", "changes"));
    parts.join(" · ")
}

fn ignored_note(r: &DiffReport) -> String {
    let mut parts: Vec<String> = r.ignored_classes.iter().map(|c| c.label().to_string()).collect();
    parts.extend(r.ignored_paths.iter().cloned());
    if parts.is_empty() { String::new() } else { format!(" (ignoring {})", parts.join(", ")) }
}

/// Operation ids are the api-ref's own anchors: in Markdown each links to its section.
fn api_ref_link(op: &str) -> String {
    format!("[{op}](https://docs.openstack.org/api-ref/compute/#{op})")
}

fn common_note(r: &DiffReport) -> String {
    match r.common.len() {
        0 => String::new(),
        1 => ", 1 change common to all".to_string(),
        n => format!(", {n} changes common to all"),
    }
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
        "- **Verdict**: {} — {} compared, {equivalent} equivalent, {} different{}{}",
        if report.equivalent { "equivalent" } else { "different" },
        plural(report.compared, "cassette", "cassettes"),
        report.different,
        common_note(report),
        ignored_note(report)
    );
    if let Some(counts) = class_counts(report) {
        let _ = writeln!(out, "- **Changes**: {counts}");
    }
    out.push('\n');
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
                let _ = writeln!(out, "| change | where | A | B | steps | operation |");
                let _ = writeln!(out, "|---|---|---|---|---|---|");
                for g in groups(c) {
                    let ch = g.change;
                    let steps: Vec<String> = g.steps.iter().map(|s| md_cell(s)).collect();
                    let differ = if g.values_differ { " (values differ)" } else { "" };
                    let _ = writeln!(
                        out,
                        "| {} | {} | {} | {} | {}{differ} | {} |",
                        ch.class.label(),
                        md_cell(&format!("{}{}", ch.pointer.as_deref().unwrap_or(""), field_note(ch))),
                        md_cell(ch.a.as_deref().unwrap_or("")),
                        md_cell(ch.b.as_deref().unwrap_or("")),
                        steps.join(", "),
                        g.operations.iter().map(|op| api_ref_link(op)).collect::<Vec<_>>().join(", "),
                    );
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
