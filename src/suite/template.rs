//! `${name}` templates. Parsed once at load time (so an undefined or malformed reference is
//! an input error with a position), rendered at run time from the run's variables.
//! `$${` writes a literal `${`. In JSON bodies a string that is exactly one `${name}` takes
//! the variable's JSON value as is (a captured number stays a number).

use std::collections::BTreeMap;

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Literal(String),
    Var(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    /// Byte offset of the problem in the template text.
    pub offset: usize,
    pub message: String,
}

/// Most bytes one rendering may produce (a string, or all the strings of one JSON body):
/// variables that use each other (`b: "${a}${a}"`, `c: "${b}${b}"`, …) double at each step,
/// and must end in an error rather than take all memory.
pub const MAX_RENDERED_BYTES: usize = 16 * 1024 * 1024;

/// Why a template could not be rendered with a run's variables.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    #[error("variable `{0}` has no value")]
    Undefined(String),
    #[error("renders to more than {MAX_RENDERED_BYTES} bytes (a limit against runaway variable expansion)")]
    TooLarge,
    /// A string of a JSON body is not a valid template.
    #[error("{0}")]
    Syntax(String),
}

/// Variable values of one run. Strings mostly; captures may hold any JSON value.
pub type Vars = BTreeMap<String, Value>;

/// A variable name: a letter or `_`, then letters, digits and `_` (what `${name}` accepts).
pub fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl Template {
    pub fn parse(text: &str) -> Result<Template, TemplateError> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        let mut offset = 0;
        while let Some(i) = rest.find('$') {
            literal.push_str(&rest[..i]);
            let after = &rest[i..];
            if let Some(after_escape) = after.strip_prefix("$${") {
                literal.push_str("${");
                rest = after_escape;
                offset += i + 3;
            } else if let Some(body) = after.strip_prefix("${") {
                let end = body
                    .find('}')
                    .ok_or(TemplateError { offset: offset + i, message: "unclosed `${`: expected `${name}`".into() })?;
                let name = body[..end].trim();
                if !valid_name(name) {
                    return Err(TemplateError {
                        offset: offset + i,
                        message: format!(
                            "`${{{}}}` is not a variable reference: names are letters, digits and `_`",
                            &body[..end]
                        ),
                    });
                }
                if !literal.is_empty() {
                    parts.push(Part::Literal(std::mem::take(&mut literal)));
                }
                parts.push(Part::Var(name.to_string()));
                rest = &body[end + 1..];
                offset += i + 2 + end + 1;
            } else {
                literal.push('$');
                rest = &after[1..];
                offset += i + 1;
            }
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            parts.push(Part::Literal(literal));
        }
        Ok(Template { parts })
    }

    pub fn literal(text: &str) -> Template {
        Template { parts: vec![Part::Literal(text.to_string())] }
    }

    pub fn vars(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Var(v) => Some(v.as_str()),
            Part::Literal(_) => None,
        })
    }

    /// Renders as text; a variable that is not a JSON string is written as compact JSON.
    pub fn render(&self, vars: &Vars) -> Result<String, RenderError> {
        let mut out = String::new();
        for part in &self.parts {
            let other;
            let piece = match part {
                Part::Literal(s) => s.as_str(),
                Part::Var(name) => match vars.get(name) {
                    Some(Value::String(s)) => s.as_str(),
                    Some(value) => {
                        other = value.to_string();
                        other.as_str()
                    }
                    None => return Err(RenderError::Undefined(name.clone())),
                },
            };
            if out.len() + piece.len() > MAX_RENDERED_BYTES {
                return Err(RenderError::TooLarge);
            }
            out.push_str(piece);
        }
        Ok(out)
    }

    /// Renders as a JSON value: a lone `${name}` keeps the variable's type.
    pub fn render_value(&self, vars: &Vars) -> Result<Value, RenderError> {
        if let [Part::Var(name)] = self.parts.as_slice() {
            let value = vars.get(name).ok_or_else(|| RenderError::Undefined(name.clone()))?;
            if json_size(value) > MAX_RENDERED_BYTES {
                return Err(RenderError::TooLarge);
            }
            return Ok(value.clone());
        }
        self.render(vars).map(Value::String)
    }
}

/// Every template string inside a JSON value, in document order (for load-time checks).
pub fn json_strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| json_strings(v, out)),
        Value::Object(map) => map.iter().for_each(|(k, v)| {
            out.push(k.clone());
            json_strings(v, out)
        }),
        _ => {}
    }
}

/// About how many bytes a JSON value takes as text (strings and 8 per other node).
fn json_size(value: &Value) -> usize {
    match value {
        Value::String(s) => s.len() + 2,
        Value::Array(items) => items.iter().map(json_size).fold(8, usize::saturating_add),
        Value::Object(map) => map.iter().map(|(k, v)| k.len() + json_size(v)).fold(8, usize::saturating_add),
        _ => 8,
    }
}

/// Renders every string (and key) of a JSON value. Strings were checked at load time. The whole
/// rendering is held to [`MAX_RENDERED_BYTES`].
pub fn render_json(value: &Value, vars: &Vars) -> Result<Value, RenderError> {
    let mut budget = MAX_RENDERED_BYTES;
    render_json_within(value, vars, &mut budget)
}

fn render_json_within(value: &Value, vars: &Vars, budget: &mut usize) -> Result<Value, RenderError> {
    let mut spend = |v: &Value| -> Result<(), RenderError> {
        *budget = budget.checked_sub(json_size(v)).ok_or(RenderError::TooLarge)?;
        Ok(())
    };
    Ok(match value {
        Value::String(s) => {
            let rendered = Template::parse(s).map_err(|e| RenderError::Syntax(e.message))?.render_value(vars)?;
            spend(&rendered)?;
            rendered
        }
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| render_json_within(v, vars, budget)).collect::<Result<_, _>>()?)
        }
        Value::Object(map) => {
            let mut out = serde_json::Map::new();
            for (k, v) in map {
                let key = Template::parse(k).map_err(|e| RenderError::Syntax(e.message))?.render(vars)?;
                *budget = budget.checked_sub(key.len()).ok_or(RenderError::TooLarge)?;
                out.insert(key, render_json_within(v, vars, budget)?);
            }
            Value::Object(out)
        }
        other => other.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vars() -> Vars {
        let mut v = Vars::new();
        v.insert("id".into(), json!("abc"));
        v.insert("n".into(), json!(3));
        v
    }

    #[test]
    fn renders_text_and_escapes() {
        let t = Template::parse("/servers/${id}/x?$${id}&cost=$5").unwrap();
        assert_eq!(t.render(&vars()).unwrap(), "/servers/abc/x?${id}&cost=$5");
        assert_eq!(t.vars().collect::<Vec<_>>(), vec!["id"]);
    }

    #[test]
    fn lone_variable_keeps_json_type() {
        let body = json!({"limit": "${n}", "name": "td-${n}", "${id}": true});
        assert_eq!(render_json(&body, &vars()).unwrap(), json!({"limit": 3, "name": "td-3", "abc": true}));
    }

    #[test]
    fn reports_malformed_references_with_offsets() {
        let e = Template::parse("ab${oops").unwrap_err();
        assert_eq!(e.offset, 2);
        let e = Template::parse("x${not valid}").unwrap_err();
        assert_eq!(e.offset, 1);
        assert!(e.message.contains("not a variable reference"));
    }

    #[test]
    fn runaway_expansion_is_an_error() {
        let mut v = Vars::new();
        v.insert("a".into(), json!("x".repeat(1 << 20)));
        let doubled = Template::parse("${a}${a}").unwrap();
        for i in 0..4 {
            let next = doubled.render(&v).unwrap();
            v.insert("a".into(), json!(next));
            assert_eq!(v["a"].as_str().unwrap().len(), 2 << (20 + i));
        }
        assert!(doubled.render(&v).unwrap_err().to_string().contains("more than 16777216 bytes"));
        let body = json!(["${a}", "${a}", "${a}"]);
        assert!(render_json(&body, &v).unwrap_err().to_string().contains("runaway variable expansion"));
    }

    #[test]
    fn missing_variable_is_an_error() {
        assert_eq!(
            Template::parse("${nope}").unwrap().render(&vars()).unwrap_err().to_string(),
            "variable `nope` has no value"
        );
    }
}
