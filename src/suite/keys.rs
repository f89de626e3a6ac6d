//! Every key mistake of a suite file, not only the first: serde stops at the first one, so when
//! the typed parse fails the document is walked as a plain tree against the fields each part of
//! the format accepts (taken from the `doc` structs themselves, so they cannot drift).
//!
//! A key that is unknown where it stands but belongs one level up (the mapping that holds this
//! one) or one level down (the mapping just above it) is named as mis-indented, with the column
//! it would need. A required key is reported missing only when no unknown key of the same
//! mapping is a near miss of it (`servr` is reported once, not also as a missing `server`).

use std::path::Path;

use super::doc::{CaptureFromDoc, ChecksDoc, ExpectDoc, RequestDoc, StepDoc, SuiteDoc, WaitDoc};
use crate::input::yaml::{Node, struct_fields, unknown_key};
use crate::input::{InputError, Pos};
use crate::util::suggest;

/// The key errors of the suite `source` (unknown, mis-indented, missing), in source order;
/// empty when there are none (or the document is not even a tree of mappings and lists: the
/// typed parse says why).
pub fn key_errors(file: &Path, source: &str) -> Vec<InputError> {
    let Ok(root) = crate::input::yaml::from_str::<Node>(source) else { return Vec::new() };
    let mut walk = Walk { file, source, errors: Vec::new() };
    walk.suite(&root);
    let mut errors = walk.errors;
    errors.sort_by_key(|e| e.pos.as_ref().map(|p| (p.line, p.column)));
    errors
}

/// One part of the format: what it is called in messages and the keys it takes.
#[derive(Clone, Copy)]
struct Part {
    name: &'static str,
    fields: &'static [&'static str],
    required: &'static [&'static str],
}

fn suite_part() -> Part {
    Part { name: "the suite", fields: struct_fields::<SuiteDoc>(), required: &["suite", "steps"] }
}
fn step_part() -> Part {
    Part { name: "the step", fields: struct_fields::<StepDoc>(), required: &[] }
}
fn request_part(key: &'static str) -> Part {
    Part { name: key, fields: struct_fields::<RequestDoc>(), required: &[] }
}
fn wait_part() -> Part {
    Part { name: "wait", fields: struct_fields::<WaitDoc>(), required: &["server", "until"] }
}
fn expect_part() -> Part {
    Part { name: "expect", fields: struct_fields::<ExpectDoc>(), required: &[] }
}

/// The part the value of `key` in `part` is (for the mappings that are one).
fn child(part: &Part, key: &str) -> Option<Part> {
    match (part.name, key) {
        ("the step", "request") => Some(request_part("request")),
        ("the step", "cleanup") => Some(request_part("cleanup")),
        ("the step", "wait") => Some(wait_part()),
        ("the step", "expect") => Some(expect_part()),
        _ => None,
    }
}

struct Walk<'a> {
    file: &'a Path,
    source: &'a str,
    errors: Vec<InputError>,
}

impl Walk<'_> {
    /// Checks the keys of `node` (when a mapping) against `part`; `parent` is the part and
    /// mapping that hold it, for keys that belong one level up.
    fn check(&mut self, node: &Node, part: Part, parent: Option<(Part, &Node)>) {
        let Node::Map(entries) = node else { return };
        let mut unknown: Vec<&str> = Vec::new();
        for (i, (key, _)) in entries.iter().enumerate() {
            if part.fields.contains(&key.value.as_str()) {
                continue;
            }
            unknown.push(&key.value);
            let above =
                parent.filter(|(p, held)| p.fields.contains(&key.value.as_str()) && held.get(&key.value).is_none());
            // The mapping just before this key, when it is a part that takes the key.
            let below = i.checked_sub(1).and_then(|j| {
                let (prev, value) = &entries[j];
                let inner = child(&part, &prev.value)?;
                (inner.fields.contains(&key.value.as_str()) && value.get(&key.value).is_none())
                    .then_some((inner, value))
            });
            let error = match (above, below) {
                (Some((p, held)), _) => self.misplaced(key, &p, held, "belongs to"),
                (None, Some((inner, value))) => self.misplaced(key, &inner, value, "belongs under"),
                (None, None) => None,
            };
            self.errors.push(error.unwrap_or_else(|| unknown_key(self.file, self.source, key, part.fields)));
        }
        for required in part.required {
            let near = unknown.iter().any(|u| suggest::closest(u, [*required]).is_some());
            if node.get(required).is_none() && !near {
                let pos = entries.first().and_then(|(k, _)| crate::input::yaml::pos(k));
                self.errors.push(InputError::at(
                    self.file,
                    self.source,
                    pos,
                    format!("{} needs the key `{required}`", part.name_for_missing()),
                ));
            }
        }
    }

    /// `key` would be right in `part` (the mapping `held`): said as an indentation mistake when
    /// the key starts its line and the mapping's keys are on lines of their own, else as a
    /// misplaced key (flow mappings have no indentation to get wrong).
    fn misplaced(
        &self,
        key: &serde_saphyr::Spanned<String>,
        part: &Part,
        held: &Node,
        verb: &str,
    ) -> Option<InputError> {
        let at = crate::input::yaml::pos(key)?;
        let target = match held {
            Node::Map(entries) => {
                entries.iter().filter_map(|(k, _)| crate::input::yaml::pos(k)).find(|p| starts_line(self.source, p))
            }
            _ => None,
        };
        let name = part.name_for_place();
        let width = key.value.chars().count();
        let message = match target {
            Some(t) if starts_line(self.source, &at) => format!(
                "this looks mis-indented: `{}` at column {} {verb} {name}, whose keys are at column {}",
                key.value, at.column, t.column
            ),
            _ => format!("`{}` is not a key here: it {verb} {name}", key.value),
        };
        Some(InputError::at_span(self.file, self.source, Some(at), width, message))
    }

    /// The values of a mapping (a mapping of names to things).
    fn values(node: &Node) -> impl Iterator<Item = &Node> {
        let entries = match node {
            Node::Map(entries) => entries.as_slice(),
            _ => &[],
        };
        entries.iter().map(|(_, v)| v)
    }

    fn suite(&mut self, root: &Node) {
        self.check(root, suite_part(), None);
        if let Some(Node::Seq(steps)) = root.get("steps") {
            for step in steps {
                self.step(step);
            }
        }
    }

    fn step(&mut self, step: &Node) {
        self.check(step, step_part(), None);
        let part = step_part();
        for key in ["request", "cleanup", "wait", "expect"] {
            if let (Some(value), Some(inner)) = (step.get(key), child(&part, key)) {
                self.check(value, inner, Some((part, step)));
            }
        }
        if let Some(expect) = step.get("expect") {
            for key in ["headers", "body"] {
                for assertion in expect.get(key).into_iter().flat_map(Self::values) {
                    let checks = Part { name: "an assertion", fields: struct_fields::<ChecksDoc>(), required: &[] };
                    self.check(assertion, checks, None);
                }
            }
        }
        for capture in step.get("capture").into_iter().flat_map(Self::values) {
            let from = Part { name: "a capture", fields: struct_fields::<CaptureFromDoc>(), required: &[] };
            self.check(capture, from, None);
        }
        self.action(step);
    }

    /// A step needs `request` or `wait` — unless one of its keys is a near miss of either (or
    /// belongs under a mapping above it), which is reported already.
    fn action(&mut self, step: &Node) {
        let Node::Map(entries) = step else { return };
        if step.get("request").is_some() || step.get("wait").is_some() {
            return;
        }
        let fields = step_part().fields;
        let near = entries.iter().any(|(k, _)| {
            !fields.contains(&k.value.as_str()) && suggest::closest(&k.value, ["request", "wait"]).is_some()
        });
        if !near {
            let pos = entries.first().and_then(|(k, _)| crate::input::yaml::pos(k));
            self.errors.push(InputError::at(self.file, self.source, pos, "a step needs `request` or `wait`"));
        }
    }
}

impl Part {
    /// How the part is named where it needs a key (`the wait needs the key `server``).
    fn name_for_missing(&self) -> String {
        match self.name {
            "wait" | "expect" | "request" | "cleanup" => format!("`{}`", self.name),
            other => other.to_string(),
        }
    }

    /// How the part is named where a key belongs (`belongs to the step`, `belongs under `request``).
    fn name_for_place(&self) -> String {
        self.name_for_missing()
    }
}

/// For a file that does not parse as YAML at `at`: when re-indenting that line (and the lines
/// under it) to the indentation of an earlier line makes the file parse with no key error on
/// it, the line is named as mis-indented, with the column it fits at. `None` when no such
/// column exists (then the parse's own words stand).
pub fn indentation(file: &Path, source: &str, at: &Pos) -> Option<InputError> {
    let lines: Vec<&str> = source.lines().collect();
    let index = (at.line as usize).checked_sub(1).filter(|i| *i < lines.len())?;
    let indent = |l: &str| l.len() - l.trim_start_matches(' ').len();
    let line = lines[index];
    let token: String =
        line.trim_start().trim_start_matches("- ").chars().take_while(|c| *c != ':' && *c != ' ').collect();
    if token.is_empty() || line.trim_start().starts_with('#') {
        return None;
    }
    let own = indent(line);
    // The lines under it (more indented) move with it.
    let end = (index + 1..lines.len())
        .find(|&i| !lines[i].trim().is_empty() && indent(lines[i]) <= own)
        .unwrap_or(lines.len());
    let mut candidates: Vec<(usize, usize)> = Vec::new();
    for (n, l) in lines[..index].iter().enumerate().rev() {
        let c = indent(l);
        if !l.trim().is_empty()
            && !l.trim_start().starts_with('#')
            && c != own
            && !candidates.iter().any(|(x, _)| *x == c)
        {
            candidates.push((c, n));
        }
    }
    candidates.sort_by_key(|(c, _)| c.abs_diff(own));
    for (column, from) in candidates {
        let mut fixed: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        for l in fixed.iter_mut().take(end).skip(index) {
            let moved = if column > own {
                format!("{}{l}", " ".repeat(column - own))
            } else {
                l.get(own - column..).unwrap_or("").to_string()
            };
            *l = moved;
        }
        let text = fixed.join("\n") + "\n";
        if crate::input::yaml::from_str::<Node>(&text).is_err() {
            continue;
        }
        if key_errors(file, &text).iter().any(|e| e.pos.as_ref().is_some_and(|p| p.line == at.line)) {
            continue;
        }
        let pos = Pos { line: at.line, column: own as u64 + 1 };
        let like = lines[from].trim_start().trim_start_matches("- ");
        let like: String = like.chars().take_while(|c| *c != ':').take(40).collect();
        let message = format!(
            "this looks mis-indented: `{token}` at column {} fits at column {}, with `{like}` on line {}",
            own + 1,
            column + 1,
            from + 1
        );
        return Some(InputError::at_span(file, source, Some(pos), token.chars().count(), message));
    }
    None
}

/// Does the key at `pos` start its line (only spaces, or a list's `- `, before it)?
fn starts_line(source: &str, pos: &Pos) -> bool {
    let Some(line) = source.lines().nth((pos.line as usize).saturating_sub(1)) else { return false };
    let before: String = line.chars().take((pos.column as usize).saturating_sub(1)).collect();
    before.chars().all(|c| c == ' ' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(src: &str) -> Vec<String> {
        key_errors(Path::new("s.yaml"), src).iter().map(|e| e.message.clone()).collect()
    }

    #[test]
    fn the_field_lists_come_from_the_structs() {
        assert!(struct_fields::<RequestDoc>().contains(&"GET") && struct_fields::<RequestDoc>().contains(&"as"));
        assert!(struct_fields::<ChecksDoc>().contains(&"type"));
        assert_eq!(struct_fields::<SuiteDoc>().len(), 7);
    }

    #[test]
    fn the_required_keys_are_those_the_typed_parse_requires() {
        for (src, key) in [
            ("steps: []\n", "suite"),
            ("suite: s\n", "steps"),
            ("suite: s\nsteps: [{wait: {until: ACTIVE}}]\n", "server"),
            ("suite: s\nsteps: [{wait: {server: x}}]\n", "until"),
        ] {
            let typed = crate::input::yaml::from_str::<SuiteDoc>(src).unwrap_err().to_string();
            assert!(typed.contains(&format!("`{key}`")), "{typed}");
            assert_eq!(messages(src).len(), 1, "{src}: {:?}", messages(src));
            assert!(messages(src)[0].ends_with(&format!("needs the key `{key}`")), "{:?}", messages(src));
        }
    }

    #[test]
    fn every_unknown_key_is_found() {
        let src = "suite: s\nsteps:\n  - nmae: x\n    request: {GET: /servers, quer: {}, hedaers: {}}\n    expect: {body: {/a: {equal: 1}}}\n    capture: {id: {pointr: /x}}\nextra: 1\n";
        assert_eq!(
            messages(src),
            [
                "unknown key `nmae`; did you mean `name`?",
                "unknown key `quer`; did you mean `query`?",
                "unknown key `hedaers`; did you mean `headers`?",
                "unknown key `equal`; did you mean `equals`?",
                "unknown key `pointr`; did you mean `pointer`?",
                "unknown key `extra`; expected one of suite, description, capabilities, microversions, vars, skip, steps",
            ]
        );
    }

    #[test]
    fn a_near_miss_of_a_required_key_is_not_also_missing() {
        let src = "suite: s\nsteps:\n  - wait: {servr: x, until: ACTIVE}\n  - requst: {GET: /servers}\n";
        assert_eq!(
            messages(src),
            ["unknown key `servr`; did you mean `server`?", "unknown key `requst`; did you mean `request`?"]
        );
    }

    #[test]
    fn a_key_one_level_too_deep_is_named_mis_indented() {
        let src = "suite: s\nsteps:\n  - name: list\n    request:\n      GET: /servers\n      expect: {status: 200}\n";
        assert_eq!(
            messages(src),
            ["this looks mis-indented: `expect` at column 7 belongs to the step, whose keys are at column 5"]
        );
    }

    #[test]
    fn a_key_one_level_too_shallow_is_named_mis_indented() {
        let src = "suite: s\nsteps:\n  - name: create\n    request:\n      POST: /servers\n    json: {}\n";
        assert_eq!(
            messages(src),
            ["this looks mis-indented: `json` at column 5 belongs under `request`, whose keys are at column 7"]
        );
    }

    #[test]
    fn in_a_flow_mapping_the_key_is_misplaced_not_mis_indented() {
        let src = "suite: s\nsteps:\n  - name: list\n    request: {GET: /servers, expect: {status: 200}}\n";
        assert_eq!(messages(src), ["`expect` is not a key here: it belongs to the step"]);
    }

    #[test]
    fn an_unknown_key_valid_nowhere_near_is_only_unknown() {
        let src = "suite: s\nsteps:\n  - name: list\n    request:\n      GET: /servers\n      suite: x\n";
        assert_eq!(
            messages(src),
            [
                "unknown key `suite`; expected one of GET, POST, PUT, DELETE, PATCH, HEAD, query, headers, json, microversion, as"
            ]
        );
    }

    fn indentation_of(src: &str, line: u64) -> Option<String> {
        indentation(Path::new("s.yaml"), src, &Pos { line, column: 1 }).map(|e| e.message)
    }

    #[test]
    fn a_key_outdented_out_of_its_step_is_named() {
        let src = "suite: s\nsteps:\n  - name: list\n    request: {GET: /servers}\n  expect: {status: 200}\n";
        assert_eq!(
            indentation_of(src, 5).as_deref(),
            Some("this looks mis-indented: `expect` at column 3 fits at column 5, with `request` on line 4")
        );
    }

    #[test]
    fn a_list_item_at_the_wrong_depth_is_named() {
        let src = "suite: s\nsteps:\n- name: list\n  request: {GET: /servers}\n    - name: show\n      request: {GET: /servers}\n";
        assert_eq!(
            indentation_of(src, 5).as_deref(),
            Some("this looks mis-indented: `name` at column 5 fits at column 1, with `name` on line 3")
        );
    }

    #[test]
    fn a_line_no_indentation_fixes_is_not_named() {
        assert_eq!(indentation_of("suite: s\nsteps:\n  - name: [unclosed\n", 3), None);
    }
}
