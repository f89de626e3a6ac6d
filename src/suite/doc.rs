//! The suite file as written: serde shapes with source positions, no interpretation.
//! `load.rs` turns a `SuiteDoc` into the checked `model::Suite`.

use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::Value;
use serde_saphyr::Spanned;

use crate::input::yaml::{OneOrMany, OrderedMap};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuiteDoc {
    pub suite: Spanned<String>,
    pub description: Option<String>,
    #[serde(default)]
    pub capabilities: Vec<Spanned<String>>,
    #[serde(default)]
    pub microversions: Vec<Spanned<String>>,
    /// Suite-level variables (defaults; `--var` overrides them).
    #[serde(default)]
    pub vars: OrderedMap<Spanned<String>>,
    /// Skip every run of this suite, with this reason.
    pub skip: Option<Spanned<String>>,
    pub steps: Vec<Spanned<StepDoc>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepDoc {
    pub name: Option<Spanned<String>>,
    pub request: Option<Spanned<RequestDoc>>,
    pub wait: Option<Spanned<WaitDoc>>,
    pub expect: Option<Spanned<ExpectDoc>>,
    #[serde(default)]
    pub capture: OrderedMap<Spanned<CaptureDoc>>,
    pub cleanup: Option<Spanned<RequestDoc>>,
    /// The step runs only at or above / at or below these microversions; skipped otherwise.
    pub min_microversion: Option<Spanned<String>>,
    pub max_microversion: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestDoc {
    #[serde(rename = "GET")]
    pub get: Option<Spanned<String>>,
    #[serde(rename = "POST")]
    pub post: Option<Spanned<String>>,
    #[serde(rename = "PUT")]
    pub put: Option<Spanned<String>>,
    #[serde(rename = "DELETE")]
    pub delete: Option<Spanned<String>>,
    #[serde(rename = "PATCH")]
    pub patch: Option<Spanned<String>>,
    #[serde(rename = "HEAD")]
    pub head: Option<Spanned<String>>,
    #[serde(default)]
    pub query: OrderedMap<Spanned<String>>,
    #[serde(default)]
    pub headers: OrderedMap<Spanned<String>>,
    pub json: Option<Spanned<Value>>,
    /// Overrides the run's microversion for this request; `none` sends no version header.
    pub microversion: Option<Spanned<String>>,
    /// The provider identity to send the request as (`admin`); default `user`.
    #[serde(rename = "as")]
    pub identity: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaitDoc {
    pub server: Spanned<String>,
    pub until: Spanned<String>,
    /// Allowed statuses in order, or the name of an action in the status model.
    pub path: Option<Spanned<OneOrMany<String>>>,
    pub fail_on: Option<Vec<Spanned<String>>>,
    pub timeout: Option<Spanned<String>>,
    pub interval: Option<Spanned<String>>,
    #[serde(rename = "as")]
    pub identity: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectDoc {
    pub status: Option<Spanned<StatusList>>,
    #[serde(default)]
    pub headers: OrderedMap<Spanned<AssertionDoc>>,
    /// JSON pointer → assertion on the response body.
    #[serde(default)]
    pub body: OrderedMap<Spanned<AssertionDoc>>,
    /// The api-ref operation id this request is expected to be.
    pub operation: Option<Spanned<String>>,
}

/// `present`, `absent`, or a mapping of checks that must all hold.
#[derive(Debug)]
pub enum AssertionDoc {
    Present,
    Absent,
    Checks(Box<ChecksDoc>),
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecksDoc {
    pub equals: Option<Value>,
    pub not_equals: Option<Value>,
    pub matches: Option<String>,
    #[serde(rename = "type")]
    pub type_: Option<String>,
    pub one_of: Option<Vec<Value>>,
    pub length: Option<u64>,
}

const ASSERTION_EXPECTED: &str =
    "`present`, `absent`, or a mapping with any of equals, not_equals, matches, type, one_of, length";

impl<'de> Deserialize<'de> for AssertionDoc {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Vis;
        impl<'de> Visitor<'de> for Vis {
            type Value = AssertionDoc;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(ASSERTION_EXPECTED)
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<AssertionDoc, E> {
                match s {
                    "present" => Ok(AssertionDoc::Present),
                    "absent" => Ok(AssertionDoc::Absent),
                    other => Err(E::invalid_value(serde::de::Unexpected::Str(other), &self)),
                }
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<AssertionDoc, A::Error> {
                ChecksDoc::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(|c| AssertionDoc::Checks(Box::new(c)))
            }
        }
        d.deserialize_any(Vis)
    }
}

/// A capture: a JSON pointer into the body (`/server/id`), or a mapping naming a header or
/// pointer with an optional regex whose first group is kept.
#[derive(Debug)]
pub enum CaptureDoc {
    Pointer(String),
    From(CaptureFromDoc),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaptureFromDoc {
    pub pointer: Option<String>,
    pub header: Option<String>,
    pub regex: Option<String>,
}

impl<'de> Deserialize<'de> for CaptureDoc {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Vis;
        impl<'de> Visitor<'de> for Vis {
            type Value = CaptureDoc;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a JSON pointer such as /server/id, or a mapping with pointer or header (and optional regex)",
                )
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<CaptureDoc, E> {
                Ok(CaptureDoc::Pointer(s.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<CaptureDoc, A::Error> {
                CaptureFromDoc::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(CaptureDoc::From)
            }
        }
        d.deserialize_any(Vis)
    }
}

/// `status: 202` or `status: [200, 202]`.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusList(pub Vec<u16>);

impl<'de> Deserialize<'de> for StatusList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Vis;
        impl<'de> Visitor<'de> for Vis {
            type Value = StatusList;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an HTTP status code or a list of them (202, or [200, 202])")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<StatusList, E> {
                u16::try_from(v)
                    .map(|c| StatusList(vec![c]))
                    .map_err(|_| E::invalid_value(serde::de::Unexpected::Unsigned(v), &self))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<StatusList, E> {
                u16::try_from(v)
                    .map(|c| StatusList(vec![c]))
                    .map_err(|_| E::invalid_value(serde::de::Unexpected::Signed(v), &self))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<StatusList, A::Error> {
                let mut codes = Vec::new();
                while let Some(code) = seq.next_element::<u16>()? {
                    codes.push(code);
                }
                Ok(StatusList(codes))
            }
        }
        d.deserialize_any(Vis)
    }
}
