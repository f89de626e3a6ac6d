//! Every unknown key of a suite file, not only the first: serde stops at the first one, so when
//! the typed parse fails the document is walked as a plain tree against the fields each part of
//! the format accepts (taken from the `doc` structs themselves, so they cannot drift).

use std::path::Path;

use super::doc::{CaptureFromDoc, ChecksDoc, ExpectDoc, RequestDoc, StepDoc, SuiteDoc, WaitDoc};
use crate::input::InputError;
use crate::input::yaml::{Node, struct_fields, unknown_key};

/// The unknown keys of the suite `source`, in source order; empty when there are none (or the
/// document is not even a tree of mappings and lists: the typed parse says why).
pub fn unknown_keys(file: &Path, source: &str) -> Vec<InputError> {
    let Ok(root) = crate::input::yaml::from_str::<Node>(source) else { return Vec::new() };
    let mut walk = Walk { file, source, errors: Vec::new() };
    walk.suite(&root);
    let mut errors = walk.errors;
    errors.sort_by_key(|e| e.pos.as_ref().map(|p| (p.line, p.column)));
    errors
}

struct Walk<'a> {
    file: &'a Path,
    source: &'a str,
    errors: Vec<InputError>,
}

impl Walk<'_> {
    /// Reports the keys of `node` (when a mapping) that `fields` does not list.
    fn fields(&mut self, node: &Node, fields: &[&str]) {
        if let Node::Map(entries) = node {
            for (key, _) in entries {
                if !fields.contains(&key.value.as_str()) {
                    self.errors.push(unknown_key(self.file, self.source, key, fields));
                }
            }
        }
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
        self.fields(root, struct_fields::<SuiteDoc>());
        if let Some(Node::Seq(steps)) = root.get("steps") {
            for step in steps {
                self.step(step);
            }
        }
    }

    fn step(&mut self, step: &Node) {
        self.fields(step, struct_fields::<StepDoc>());
        for key in ["request", "cleanup"] {
            if let Some(request) = step.get(key) {
                self.fields(request, struct_fields::<RequestDoc>());
            }
        }
        if let Some(wait) = step.get("wait") {
            self.fields(wait, struct_fields::<WaitDoc>());
        }
        if let Some(expect) = step.get("expect") {
            self.fields(expect, struct_fields::<ExpectDoc>());
            for key in ["headers", "body"] {
                for assertion in expect.get(key).into_iter().flat_map(Self::values) {
                    self.fields(assertion, struct_fields::<ChecksDoc>());
                }
            }
        }
        for capture in step.get("capture").into_iter().flat_map(Self::values) {
            self.fields(capture, struct_fields::<CaptureFromDoc>());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_field_lists_come_from_the_structs() {
        assert!(struct_fields::<RequestDoc>().contains(&"GET") && struct_fields::<RequestDoc>().contains(&"as"));
        assert!(struct_fields::<ChecksDoc>().contains(&"type"));
        assert_eq!(struct_fields::<SuiteDoc>().len(), 7);
    }

    #[test]
    fn every_unknown_key_is_found() {
        let src = "suite: s\nsteps:\n  - nmae: x\n    request: {GET: /servers, quer: {}, hedaers: {}}\n    expect: {body: {/a: {equal: 1}}}\n    capture: {id: {pointr: /x}}\nextra: 1\n";
        let found: Vec<String> = unknown_keys(Path::new("s.yaml"), src)
            .iter()
            .map(|e| e.message.split(',').next().unwrap().to_string())
            .collect();
        assert_eq!(
            found,
            [
                "unknown field `nmae`",
                "unknown field `quer`",
                "unknown field `hedaers`",
                "unknown field `equal`",
                "unknown field `pointr`",
                "unknown field `extra`"
            ]
        );
    }
}
