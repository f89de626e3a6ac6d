//! Where the api-ref's schema and Nova's disagree, pointer by pointer and microversion range by
//! range, and what the traffic says about it: each disagreement classified.

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::Value;

use super::facts::{Fact, Facts};
use super::traffic::{Seen, parent_of, type_name};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// A body the one documents and the other does not have.
    Body,
    /// The success status.
    Status,
    /// A member one of them lists and the other does not.
    Member,
    Type,
    Required,
    Values,
    Format,
    Pattern,
    MinLength,
    MaxLength,
    Minimum,
    Maximum,
    /// An object that allows no members beyond those it lists.
    Closed,
}

/// How Nova's rule compares with the api-ref's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strictness {
    /// Nova refuses something the api-ref allows.
    NovaStricter,
    /// Nova allows something the api-ref refuses.
    NovaLooser,
    /// Neither contains the other.
    Different,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// Nova's schema and the traffic agree; the api-ref does not.
    DocumentationBug,
    /// The traffic fits both; Nova's rule is the stricter.
    SchemaStricter,
    /// The traffic fits both; Nova's rule is the looser.
    SchemaLooser,
    /// The traffic fits both; the two rules are written differently.
    Differs,
    /// The traffic breaks Nova's own rule and fits the api-ref's.
    NovaSchemaBug,
    /// The traffic fits neither: the provider deviates from both.
    ProviderBug,
    /// The traffic reaches the pointer, but the rule cannot be checked here (a format of
    /// Nova's that tapedeck does not implement).
    Unjudged,
    /// No recorded document reaches this pointer in this range.
    NotExercised,
}

/// A rule's or a class's name as the report spells it (`max-length`, `schema-stricter`).
pub fn name_of<T: Serialize>(value: T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

impl Class {
    pub fn describe(self) -> &'static str {
        match self {
            Class::DocumentationBug => "documentation bug: Nova and its traffic agree, the api-ref does not",
            Class::SchemaStricter => "Nova's schema is stricter than the api-ref; the traffic fits both",
            Class::SchemaLooser => "Nova's schema is looser than the api-ref; the traffic fits both",
            Class::Differs => "written differently; the traffic fits both",
            Class::NovaSchemaBug => "the traffic breaks Nova's own schema and fits the api-ref",
            Class::ProviderBug => "the traffic fits neither: a provider bug",
            Class::Unjudged => {
                "the traffic reaches it, but tapedeck cannot check this rule (a format it does not implement)"
            }
            Class::NotExercised => "not exercised by the recorded traffic",
        }
    }
}

/// One disagreement on one elementary range (merged into ranges later).
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// `None`: the request body.
    pub status: Option<u16>,
    pub pointer: String,
    pub rule: Rule,
    pub api_ref: String,
    pub nova: String,
    pub strictness: Strictness,
}

/// The disagreements of two flattened schemas for one body (either may be missing: `None`).
pub fn compare(api: Option<&Facts>, nova: Option<&Facts>, status: Option<u16>) -> Vec<Finding> {
    let finding = |pointer: &str, rule, api_ref: String, nova: String, strictness| Finding {
        status,
        pointer: pointer.to_string(),
        rule,
        api_ref,
        nova,
        strictness,
    };
    let (api, nova) = match (api, nova) {
        (Some(a), Some(n)) => (a, n),
        (None, None) => return vec![],
        (Some(_), None) => {
            return vec![finding(
                "",
                Rule::Body,
                "documents a body".into(),
                "no schema".into(),
                Strictness::NovaLooser,
            )];
        }
        (None, Some(_)) => {
            return vec![finding(
                "",
                Rule::Body,
                "no body documented".into(),
                "validates a body".into(),
                Strictness::NovaStricter,
            )];
        }
    };
    let (a, n) = (api, nova);
    let mut out = Vec::new();
    let pointers: BTreeSet<&String> = a.keys().chain(n.keys()).collect();
    for p in pointers {
        match (a.get(p.as_str()), n.get(p.as_str())) {
            (Some(x), Some(y)) => out
                .extend(rules(x, y, status.is_none()).into_iter().map(|(rule, ax, nx, s)| finding(p, rule, ax, nx, s))),
            // Only the topmost pointer of a subtree one side lacks.
            (Some(x), None) if n.contains_key(parent_of(p)) && !p.is_empty() => {
                let parent = &n[parent_of(p)];
                let s = if parent.closed { Strictness::NovaStricter } else { Strictness::NovaLooser };
                let said = if parent.closed {
                    "not allowed (the object is closed)"
                } else {
                    "not listed (allowed, unchecked)"
                };
                out.push(finding(p, Rule::Member, describe(x), said.into(), s));
            }
            (None, Some(y)) if a.contains_key(parent_of(p)) && !p.is_empty() => {
                let parent = &a[parent_of(p)];
                // A member the api-ref does not list is refused (extra keys fail by default);
                // a value inside what the api-ref leaves free is Nova constraining it.
                let (s, said) = if parent.lists_members && !p.ends_with("/{}") && !p.ends_with("/*") {
                    (Strictness::NovaLooser, "not listed")
                } else {
                    (Strictness::NovaStricter, "not constrained")
                };
                out.push(finding(p, Rule::Member, said.into(), describe(y), s));
            }
            _ => {}
        }
    }
    out
}

/// The rule-by-rule differences at a pointer both describe.
fn rules(a: &Fact, n: &Fact, request: bool) -> Vec<(Rule, String, String, Strictness)> {
    let mut out = Vec::new();
    let (ta, tn) = (widen(&a.types), widen(&n.types));
    if ta != tn {
        let s = if ta.is_empty() {
            Strictness::NovaStricter
        } else if tn.is_empty() {
            Strictness::NovaLooser
        } else if tn.is_subset(&ta) {
            Strictness::NovaStricter
        } else if ta.is_subset(&tn) {
            Strictness::NovaLooser
        } else {
            Strictness::Different
        };
        out.push((Rule::Type, types(&a.types), types(&n.types), s));
    }
    if a.required != n.required {
        let s = if n.required { Strictness::NovaStricter } else { Strictness::NovaLooser };
        out.push((Rule::Required, yes_no(a.required, "required"), yes_no(n.required, "required"), s));
    }
    // Nova's values of a type the api-ref does not allow add nothing (its booleans also take
    // "True", "on", "1"…); what is left that holds every value of the type is no rule either.
    let of_api_type = |values: &Option<BTreeSet<String>>| {
        values.as_ref().and_then(|vs| {
            if ta.is_empty() {
                return Some(vs.clone());
            }
            let kept: BTreeSet<String> = vs
                .iter()
                .filter(|v| serde_json::from_str::<Value>(v).is_ok_and(|v| ta.contains(type_name(&v))))
                .cloned()
                .collect();
            let every_boolean = ta.len() == 1 && ta.contains("boolean") && kept.len() == 2;
            (!every_boolean).then_some(kept)
        })
    };
    match (&of_api_type(&a.values), &of_api_type(&n.values)) {
        (x, y) if x == y => {}
        (x, y) => out.push((Rule::Values, values(x), values(y), subset(x.as_ref(), y.as_ref()))),
    }
    let mut text = |rule, x: &Option<String>, y: &Option<String>| {
        if x != y {
            let s = match (x, y) {
                (None, Some(_)) => Strictness::NovaStricter,
                (Some(_), None) => Strictness::NovaLooser,
                _ => Strictness::Different,
            };
            out.push((rule, or_none(x), or_none(y), s));
        }
    };
    // Where the api-ref allows no string, a rule on strings adds nothing (Nova's backup
    // `rotation` takes a string of digits or an integer; the api-ref takes the integer).
    let strings = ta.is_empty() || ta.contains("string");
    if strings {
        text(Rule::Format, &a.format, &n.format);
        text(Rule::Pattern, &a.pattern, &n.pattern);
    }
    text(Rule::Minimum, &a.minimum, &n.minimum);
    text(Rule::Maximum, &a.maximum, &n.maximum);
    let lengths = if strings {
        vec![(Rule::MinLength, a.min_length, n.min_length, true), (Rule::MaxLength, a.max_length, n.max_length, false)]
    } else {
        vec![]
    };
    for (rule, x, y, nova_stricter_when_larger) in lengths {
        if x != y {
            let s = match (x, y) {
                (None, Some(_)) => Strictness::NovaStricter,
                (Some(_), None) => Strictness::NovaLooser,
                (Some(x), Some(y)) if (y > x) == nova_stricter_when_larger => Strictness::NovaStricter,
                _ => Strictness::NovaLooser,
            };
            out.push((rule, x.map_or("none".into(), |v| v.to_string()), y.map_or("none".into(), |v| v.to_string()), s));
        }
    }
    // Responses: extra members are judged by the extra-keys policy, not by the schema.
    if request && a.closed != n.closed {
        let s = if n.closed { Strictness::NovaStricter } else { Strictness::NovaLooser };
        out.push((Rule::Closed, yes_no(a.closed, "closed"), yes_no(n.closed, "closed"), s));
    }
    out
}

/// Whether the traffic satisfies one side's rule at the finding's pointer; `None` when the rule
/// cannot be checked here (a format of Nova's that tapedeck does not implement): never a pass.
pub fn satisfies(f: &Finding, side: &str, fact: Option<&Fact>, parent: Option<&Fact>, seen: &Seen) -> Option<bool> {
    let nova = side == "nova";
    Some(match f.rule {
        Rule::Body | Rule::Status => true,
        Rule::Member => {
            let listed = fact.is_some();
            if listed {
                fact.is_none_or(|fact| seen.types.is_subset(&widen(&fact.types)) || fact.types.is_empty())
            } else {
                // Not listed by this side: refused if its parent is closed (Nova) or lists its
                // members (the api-ref, whose extra keys fail); otherwise free.
                let free_value = f.pointer.ends_with("/{}") || f.pointer.ends_with("/*");
                let refuses = parent.is_some_and(|p| if nova { p.closed } else { p.lists_members && !free_value });
                !refuses || seen.present == 0
            }
        }
        Rule::Required => !fact.is_some_and(|x| x.required) || seen.present >= seen.parents,
        Rule::Type => fact.is_none_or(|x| x.types.is_empty() || seen.types.is_subset(&widen(&x.types))),
        Rule::Closed => true,
        _ => {
            let Some(x) = fact else { return Some(true) };
            let mut schema = x.value_schema();
            // Only the rule at hand: types and values are judged on their own findings.
            if !matches!(f.rule, Rule::Values) {
                schema.as_object_mut().map(|o| o.remove("enum"));
            }
            schema.as_object_mut().map(|o| o.remove("type"));
            if let Some(format) = x.format.as_ref().filter(|_| f.rule == Rule::Format) {
                schema["format"] = Value::String(format.clone());
            }
            let v = crate::schema_store::compile(&schema).ok()?;
            seen.values.iter().filter_map(|t| serde_json::from_str::<Value>(t).ok()).all(|value| v.is_valid(&value))
        }
    })
}

pub fn classify(strictness: Strictness, api_ok: bool, nova_ok: bool) -> Class {
    match (api_ok, nova_ok) {
        (true, true) => match strictness {
            Strictness::NovaStricter => Class::SchemaStricter,
            Strictness::NovaLooser => Class::SchemaLooser,
            Strictness::Different => Class::Differs,
        },
        (false, true) => Class::DocumentationBug,
        (true, false) => Class::NovaSchemaBug,
        (false, false) => Class::ProviderBug,
    }
}

/// What the traffic showed, in a line.
pub fn summary(seen: &Seen) -> String {
    let mut s = format!(
        "present in {} of {}",
        seen.present.min(seen.parents.max(seen.present)),
        seen.parents.max(seen.present)
    );
    if !seen.types.is_empty() {
        s.push_str(&format!("; {}", seen.types.iter().cloned().collect::<Vec<_>>().join("|")));
    }
    if !seen.values.is_empty() && seen.values.len() <= 6 {
        s.push_str(&format!("; values {}", seen.values.iter().cloned().collect::<Vec<_>>().join(", ")));
    }
    s
}

/// `integer` is a `number`: a set holding `number` holds `integer` too.
fn widen(types: &BTreeSet<String>) -> BTreeSet<String> {
    let mut t = types.clone();
    if t.contains("number") {
        t.insert("integer".into());
    }
    t
}

fn subset(a: Option<&BTreeSet<String>>, n: Option<&BTreeSet<String>>) -> Strictness {
    match (a, n) {
        (None, Some(_)) => Strictness::NovaStricter,
        (Some(_), None) => Strictness::NovaLooser,
        (Some(a), Some(n)) if n.is_subset(a) => Strictness::NovaStricter,
        (Some(a), Some(n)) if a.is_subset(n) => Strictness::NovaLooser,
        _ => Strictness::Different,
    }
}

fn describe(f: &Fact) -> String {
    let mut s = if f.types.is_empty() { "listed".to_string() } else { format!("listed ({})", types(&f.types)) };
    if f.required {
        s.push_str(", required");
    }
    s
}

fn types(t: &BTreeSet<String>) -> String {
    if t.is_empty() { "any".into() } else { t.iter().cloned().collect::<Vec<_>>().join("|") }
}

fn values(v: &Option<BTreeSet<String>>) -> String {
    match v {
        None => "any".into(),
        Some(v) => v.iter().cloned().collect::<Vec<_>>().join(", "),
    }
}

fn or_none(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "none".into())
}

fn yes_no(b: bool, what: &str) -> String {
    if b { what.to_string() } else { format!("not {what}") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::witness::facts::flatten;
    use serde_json::json;

    #[test]
    fn free_map_values_nova_types_are_nova_stricter() {
        let api = json!({"properties": {"metadata": {"type": "object"}}});
        let nova = json!({"properties": {"metadata": {"type": "object", "additionalProperties": {"type": "string"}}}});
        let f = compare(Some(&flatten(&api)), Some(&flatten(&nova)), Some(200));
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(
            (f[0].pointer.as_str(), f[0].rule, f[0].strictness),
            ("/metadata/{}", Rule::Member, Strictness::NovaStricter)
        );
    }

    #[test]
    fn required_and_types_and_members_compared() {
        let api = json!({"properties": {"a": {"type": "string"}, "b": {"type": "number"}, "gone": {"type": "string"}}, "required": []});
        let nova = json!({"properties": {"a": {"type": "string"}, "b": {"type": "integer"}, "new": {"type": "string"}},
                          "required": ["a"], "additionalProperties": false});
        let f = compare(Some(&flatten(&api)), Some(&flatten(&nova)), Some(200));
        let got: Vec<_> = f.iter().map(|x| (x.pointer.as_str(), x.rule, x.strictness)).collect();
        assert!(got.contains(&("/a", Rule::Required, Strictness::NovaStricter)), "{got:?}");
        assert!(got.contains(&("/b", Rule::Type, Strictness::NovaStricter)), "{got:?}");
        assert!(got.contains(&("/gone", Rule::Member, Strictness::NovaStricter)), "{got:?}");
        assert!(got.contains(&("/new", Rule::Member, Strictness::NovaLooser)), "{got:?}");
    }

    #[test]
    fn a_rule_tapedeck_cannot_check_is_not_judged_a_pass() {
        let f = Finding {
            status: None,
            pointer: "/cidr".into(),
            rule: Rule::Format,
            api_ref: "none".into(),
            nova: "cidr".into(),
            strictness: Strictness::NovaStricter,
        };
        let seen = Seen {
            parents: 1,
            present: 1,
            types: ["string".to_string()].into(),
            values: ["\"10.0.0.0/8\"".to_string()].into(),
        };
        let cidr = Fact { format: Some("cidr".into()), ..Fact::default() };
        assert_eq!(satisfies(&f, "nova", Some(&cidr), None, &seen), None);
        let uuid = Fact { format: Some("uuid".into()), ..Fact::default() };
        assert_eq!(satisfies(&f, "nova", Some(&uuid), None, &seen), Some(false));
        assert_eq!(satisfies(&f, "api", None, None, &seen), Some(true));
    }

    #[test]
    fn traffic_decides_the_class() {
        assert_eq!(classify(Strictness::NovaStricter, true, true), Class::SchemaStricter);
        assert_eq!(classify(Strictness::NovaLooser, false, true), Class::DocumentationBug);
        assert_eq!(classify(Strictness::Different, false, false), Class::ProviderBug);
    }
}
