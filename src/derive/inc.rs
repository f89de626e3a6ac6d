//! `.inc` files: one operation per `=`-underlined section, with `.. rest_method::`, the
//! response codes, `Request` / `Response` subsections holding `.. rest_parameters::` lists,
//! and `.. literalinclude::` samples.

use std::path::Path;

use regex::Regex;

use super::error::DeriveError;
use super::slug::slug;
use crate::microversion::Microversion;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Request,
    Response,
}

/// One `  - name: key` line: `name` is the JSON key (maybe dotted), `key` the
/// parameters.yaml entry that describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamRef {
    pub name: String,
    pub key: String,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleInclude {
    /// Path relative to `doc/api_samples/`.
    pub path: String,
    pub direction: Direction,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub title: String,
    pub id: String,
    pub file: String,
    pub line: usize,
    pub method: String,
    pub path: String,
    pub version_added: Option<Microversion>,
    pub normal_codes: Vec<u16>,
    pub error_codes: Vec<u16>,
    pub request: Vec<ParamRef>,
    pub response: Vec<ParamRef>,
    pub samples: Vec<SampleInclude>,
    /// The section's prose (and the file's preamble), whitespace collapsed: some facts, such
    /// as the microversions an operation exists in, are stated only there.
    pub prose: String,
}

/// Parse one `.inc` file into its operations (sections without `rest_method` are prose).
pub fn parse_inc(text: &str, file: &Path) -> Result<Vec<Section>, DeriveError> {
    let file_name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let param_line = Regex::new(r"^\s+-\s+(\S.*?)\s*:\s+(\S+)\s*$").map_err(|e| regex_err(file, e))?;
    let code = Regex::new(r"\b([1-5]\d\d)\b").map_err(|e| regex_err(file, e))?;
    let mut sections: Vec<Section> = Vec::new();
    let mut current: Option<Section> = None;
    let mut direction: Option<Direction> = None;
    let mut in_param_list = false;
    let mut preamble = String::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let next = lines.get(i + 1).copied().unwrap_or("");
        let prev = if i > 0 { lines[i - 1] } else { "" };
        if is_underline(next, '=') && !line.trim().is_empty() && !is_underline(prev, '=') && !is_underline(line, '=') {
            if let Some(s) = current.take() {
                finish(s, &mut sections, file)?;
            }
            let title = line.trim().to_string();
            current = Some(Section {
                id: slug(&title),
                title,
                file: file_name.clone(),
                line: i + 1,
                method: String::new(),
                path: String::new(),
                version_added: None,
                normal_codes: Vec::new(),
                error_codes: Vec::new(),
                request: Vec::new(),
                response: Vec::new(),
                samples: Vec::new(),
                prose: preamble.clone(),
            });
            direction = None;
            in_param_list = false;
            i += 2;
            continue;
        }
        if is_underline(next, '-') && !line.trim().is_empty() {
            let heading = line.trim().to_ascii_lowercase();
            direction = if heading.starts_with("request") {
                Some(Direction::Request)
            } else if heading.starts_with("response") {
                Some(Direction::Response)
            } else {
                direction
            };
            in_param_list = false;
            i += 2;
            continue;
        }
        let trimmed = line.trim();
        let Some(section) = current.as_mut() else {
            if sections.is_empty() {
                push_words(&mut preamble, trimmed);
            }
            i += 1;
            continue;
        };
        if !in_param_list {
            push_words(&mut section.prose, trimmed);
        }
        if let Some(rest) = trimmed.strip_prefix(".. rest_method::") {
            let mut parts = rest.split_whitespace();
            section.method = parts.next().unwrap_or_default().to_ascii_uppercase();
            section.path = parts.next().unwrap_or_default().to_string();
        } else if let Some(rest) = trimmed.strip_prefix(".. versionadded::") {
            section.version_added =
                Some(rest.trim().parse().map_err(|e| DeriveError::new(file, i + 1, format!("versionadded: {e}")))?);
        } else if starts_with_ignore_case(trimmed, "Normal response codes:")
            || starts_with_ignore_case(trimmed, "Error response codes:")
        {
            // Codes may wrap onto following lines, until a blank line.
            let mut text = trimmed.to_string();
            while let Some(more) = lines.get(i + 1).filter(|l| !l.trim().is_empty()) {
                text.push(' ');
                text.push_str(more.trim());
                i += 1;
            }
            let codes: Vec<u16> = code.captures_iter(&text).filter_map(|c| c[1].parse().ok()).collect();
            if starts_with_ignore_case(&text, "normal") {
                section.normal_codes.extend(codes);
            } else {
                section.error_codes.extend(codes);
            }
        } else if trimmed.starts_with(".. rest_parameters::") {
            in_param_list = true;
        } else if let Some(rest) = trimmed.strip_prefix(".. literalinclude::") {
            if let Some(path) = sample_path(rest.trim()) {
                section.samples.push(SampleInclude {
                    path,
                    direction: direction.unwrap_or(Direction::Response),
                    line: i + 1,
                });
            }
        } else if in_param_list {
            if let Some(c) = param_line.captures(line) {
                let param = ParamRef { name: c[1].to_string(), key: c[2].to_string(), line: i + 1 };
                match direction {
                    Some(Direction::Request) => section.request.push(param),
                    Some(Direction::Response) => section.response.push(param),
                    None => {
                        return Err(DeriveError::new(
                            file,
                            i + 1,
                            "rest_parameters entry outside a Request or Response subsection",
                        ));
                    }
                }
            } else if !trimmed.is_empty() && !line.starts_with(' ') {
                in_param_list = false;
            } else if !trimmed.is_empty() && trimmed.starts_with('-') {
                return Err(DeriveError::new(
                    file,
                    i + 1,
                    format!("cannot read parameter line `{trimmed}` (expected `- name: key`)"),
                ));
            }
        }
        i += 1;
    }
    if let Some(s) = current.take() {
        finish(s, &mut sections, file)?;
    }
    Ok(sections)
}

fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.get(..prefix.len()).is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

fn push_words(text: &mut String, line: &str) {
    for word in line.split_whitespace() {
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(word);
    }
}

fn finish(section: Section, sections: &mut Vec<Section>, file: &Path) -> Result<(), DeriveError> {
    if section.method.is_empty() {
        return Ok(()); // a prose section
    }
    if section.path.is_empty() {
        return Err(DeriveError::new(file, section.line, "rest_method without a path"));
    }
    sections.push(section);
    Ok(())
}

fn regex_err(file: &Path, e: regex::Error) -> DeriveError {
    DeriveError::new(file, 0, format!("internal regex error: {e}"))
}

fn is_underline(line: &str, c: char) -> bool {
    let t = line.trim_end();
    t.len() >= 3 && t.chars().all(|x| x == c)
}

/// `../../doc/api_samples/servers/x.json` or `/../../doc/api_samples/...` → `servers/x.json`.
fn sample_path(target: &str) -> Option<String> {
    let (_, rest) = target.split_once("doc/api_samples/")?;
    Some(rest.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const INC: &str = "\
.. -*- rst -*-

==========
 Servers
==========

Prose.

Reboot Server (reboot Action)
=============================

.. rest_method:: POST /servers/{server_id}/action

Normal response codes: 202

Error response codes: unauthorized(401), forbidden(403), itemNotFound(404),
conflict(409)

Request
-------

.. rest_parameters:: parameters.yaml

  - server_id: server_id_path
  - reboot: reboot
   - type: reboot_type
  - os:scheduler_hints.same_host: os:scheduler_hints_same_host
  - type : image_type_query

**Example**

.. literalinclude:: ../../doc/api_samples/servers/server-action-reboot.json
   :language: javascript

Response
--------

.. rest_parameters:: parameters.yaml

  - Location: server_location

.. literalinclude:: /../../doc/api_samples/servers/v2.100/server-get-resp.json

Show Thing
==================

.. rest_method:: GET /things/{id}

.. versionadded:: 2.100

Normal Response Codes: 200
";

    #[test]
    fn parses_sections_codes_params_and_samples() {
        let s = parse_inc(INC, Path::new("servers-actions.inc")).unwrap();
        assert_eq!(s.len(), 2);
        let reboot = &s[0];
        assert_eq!(reboot.id, "reboot-server-reboot-action");
        assert_eq!((reboot.method.as_str(), reboot.path.as_str()), ("POST", "/servers/{server_id}/action"));
        assert_eq!(reboot.normal_codes, vec![202]);
        assert_eq!(reboot.error_codes, vec![401, 403, 404, 409]);
        let names: Vec<_> = reboot.request.iter().map(|p| (p.name.as_str(), p.key.as_str())).collect();
        assert_eq!(
            names,
            vec![
                ("server_id", "server_id_path"),
                ("reboot", "reboot"),
                ("type", "reboot_type"),
                ("os:scheduler_hints.same_host", "os:scheduler_hints_same_host"),
                ("type", "image_type_query"),
            ]
        );
        assert_eq!(reboot.response[0].name, "Location");
        assert_eq!(reboot.samples[0].path, "servers/server-action-reboot.json");
        assert_eq!(reboot.samples[0].direction, Direction::Request);
        assert_eq!(reboot.samples[1].path, "servers/v2.100/server-get-resp.json");
        assert_eq!(reboot.samples[1].direction, Direction::Response);
        assert_eq!(s[1].version_added, Some(Microversion::new(2, 100)));
        assert_eq!(s[1].normal_codes, vec![200]);
        assert_eq!(s[1].line, 44);
    }

    #[test]
    fn params_outside_subsections_are_errors_with_line() {
        let text = "T\n===\n\n.. rest_method:: GET /x\n\n.. rest_parameters:: parameters.yaml\n\n  - a: b\n";
        let e = parse_inc(text, Path::new("x.inc")).unwrap_err();
        assert_eq!(e.line, 8);
    }
}
