//! From a flat `rest_parameters` list to a tree of body fields.
//!
//! Nesting is implicit in the api-ref: after an envelope entry (`server: server`) every name
//! without a dot is a member of the envelope; dotted names (`flavor.vcpus`, `networks.uuid`)
//! descend from a member, and whether a level is an object or an array of objects comes from
//! the parent's type. Header, path and query entries are not body fields.

use super::inc::ParamRef;
use super::overrides::{Overrides, Tweak};
use super::params::{Location, Param, ParamType, Params};
use crate::microversion::Microversion;

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The JSON key.
    pub name: String,
    /// The parameters.yaml entry describing it.
    pub param: String,
    pub ty: ParamType,
    pub required: bool,
    pub min_version: Option<Microversion>,
    pub max_version: Option<Microversion>,
    /// Line of the rest_parameters entry in the .inc file.
    pub line: usize,
    pub children: Vec<Field>,
    pub tweak: Tweak,
}

/// A rest_parameters entry that could not be placed in a body, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unplaced {
    pub name: String,
    pub param: String,
    pub line: usize,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Body {
    pub fields: Vec<Field>,
    /// Header entries listed in the body list (e.g. `Location`): not body properties.
    pub headers: Vec<String>,
    pub unplaced: Vec<Unplaced>,
    /// The whole body is a map (`{"hw:numa_nodes": "1"}`): the schema of its values.
    pub map_values: Option<serde_json::Value>,
    /// Inferences made about this body that the tables do not state (for the report).
    pub inferences: Vec<String>,
}

impl Body {
    pub fn has_fields(&self) -> bool {
        !self.fields.is_empty() || self.map_values.is_some()
    }
}

/// Build the body tree of one direction of one operation.
pub fn build_body(operation: &str, entries: &[ParamRef], params: &Params, overrides: &Overrides) -> Body {
    let mut builder = Builder { operation, overrides, body: Body::default(), envelope: None, candidate: None };
    for entry in entries {
        let Some(param) = params.get(&entry.key) else {
            builder.body.unplaced.push(unplaced_entry(entry, format!("`{}` is not in parameters.yaml", entry.key)));
            continue;
        };
        builder.place(entry, param);
    }
    let mut body = builder.body;
    add_members(operation, &mut body.fields, params, overrides, &mut body.unplaced);
    add_aliases(&mut body.fields, overrides);
    body
}

/// Placement state while reading one rest_parameters list.
struct Builder<'a> {
    operation: &'a str,
    overrides: &'a Overrides,
    body: Body,
    /// Index (in `body.fields`) of the envelope, once known.
    envelope: Option<usize>,
    /// The first body entry: a candidate envelope until a member follows it.
    candidate: Option<usize>,
}

impl Builder<'_> {
    fn place(&mut self, entry: &ParamRef, param: &Param) {
        match param.location {
            Location::Header => return self.body.headers.push(entry.name.clone()),
            Location::Path | Location::Query => return,
            Location::Body => {}
        }
        // Map placeholders: the key entry makes its container a map; value entries are absorbed.
        if let Some(map) = self.overrides.map_by_key(&param.key) {
            let holder = match self.envelope {
                Some(i) => &mut self.body.fields[i].tweak.map_values,
                None => &mut self.body.map_values,
            };
            *holder = Some(map.value_schema.clone());
            return;
        }
        if self.overrides.is_map_value(&param.key) {
            return;
        }
        let name = self.overrides.rename(&entry.name).to_string();
        let segments: Vec<&str> = name.split('.').collect();
        let field = make_field(self.operation, segments[segments.len() - 1], entry, param, self.overrides);
        if segments.len() == 1 {
            self.place_plain(entry, param, field);
        } else {
            self.place_dotted(entry, param, &segments[..segments.len() - 1], field);
        }
    }

    /// Whether `first_segment` is a top-level sibling of the envelope (`servers_links`).
    fn is_sibling(&self, first_segment: &str, param: &Param, envelope: Option<usize>) -> bool {
        envelope.is_some_and(|i| self.overrides.is_sibling(first_segment, &param.key, &self.body.fields[i].name))
    }

    /// A name without dots: a member of the envelope, or a top-level field.
    fn place_plain(&mut self, entry: &ParamRef, param: &Param, field: Field) {
        let first_is_body = self.body.fields.is_empty();
        if self.envelope.is_none() && !self.is_sibling(&field.name, param, self.candidate) {
            self.promote_candidate(entry);
        }
        let in_envelope = self.envelope.filter(|_| !self.is_sibling(&field.name, param, self.envelope));
        let target = match in_envelope {
            Some(i) => &mut self.body.fields[i].children,
            None => &mut self.body.fields,
        };
        if target.iter().any(|f| f.name == field.name && overlaps(f, &field)) {
            return self.body.unplaced.push(unplaced_entry(entry, "listed twice at the same level".into()));
        }
        target.push(field);
        if first_is_body {
            self.candidate = Some(0);
            if matches!(param.ty, ParamType::Object | ParamType::Array) {
                self.envelope = Some(0);
            }
        }
    }

    /// A plain name after the first body entry makes that entry an envelope if it can hold
    /// members, or if it is a dedicated entry (`name: name`, like every real envelope) typed
    /// as a scalar by mistake: the tables type `addTenantAccess`, `security_group`,
    /// `interfaceAttachment`, `version` as strings.
    fn promote_candidate(&mut self, member: &ParamRef) {
        let Some(i) = self.candidate else { return };
        let env = &mut self.body.fields[i];
        if !(matches!(env.ty, ParamType::None) || env.name == env.param) {
            return;
        }
        if !matches!(env.ty, ParamType::Object | ParamType::Array | ParamType::None) {
            self.body.inferences.push(format!(
                "`{}` (`{}`) is typed {:?} but has members (`{}`, line {}): treated as an object",
                env.name, env.param, env.ty, member.name, member.line
            ));
            env.ty = ParamType::Object;
        }
        self.envelope = Some(i);
    }

    /// A dotted name: resolve the parent inside the envelope first, then at the top level.
    fn place_dotted(&mut self, entry: &ParamRef, param: &Param, parent_path: &[&str], field: Field) {
        let envelope = self.envelope.filter(|_| !self.is_sibling(parent_path[0], param, self.envelope));
        let in_envelope = envelope.is_some_and(|i| find_mut(&mut self.body.fields[i].children, parent_path).is_some());
        let parent = match envelope {
            Some(i) if in_envelope => find_mut(&mut self.body.fields[i].children, parent_path),
            _ => find_mut(&mut self.body.fields, parent_path),
        };
        let problem = match parent {
            None => Some(format!("parent `{}` is not listed before it", parent_path.join("."))),
            Some(p) if !matches!(p.ty, ParamType::Object | ParamType::Array) => {
                Some(format!("parent `{}` is a {:?}, not an object or array", p.name, p.ty))
            }
            Some(p) if p.children.iter().any(|c| c.name == field.name && overlaps(c, &field)) => {
                Some("listed twice at the same level".into())
            }
            Some(p) => {
                p.children.push(field);
                None
            }
        };
        if let Some(reason) = problem {
            self.body.unplaced.push(unplaced_entry(entry, reason));
        }
    }
}

/// Two entries with one name are variants when their microversion ranges do not overlap
/// (`id: hypervisor_id_body` up to 2.52, `id: hypervisor_id_body_uuid` from 2.53).
fn overlaps(a: &Field, b: &Field) -> bool {
    let lo = a.min_version.max(b.min_version);
    let hi = match (a.max_version, b.max_version) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    };
    hi.is_none_or(|hi| lo.is_none_or(|lo| lo <= hi))
}

fn make_field(operation: &str, name: &str, entry: &ParamRef, param: &Param, overrides: &Overrides) -> Field {
    let mut tweak = overrides.tweak(operation, name, &param.key);
    // `type: none` is the null of a no-body action: not "nullable" in the prose sense.
    if param.ty != ParamType::None && overrides.nullable_in_prose(&param.key, &param.description) {
        tweak.nullable = true;
        tweak.sources.push("nullable_from_prose".into());
    }
    if tweak.format.is_none() && matches!(param.ty, ParamType::String) {
        tweak.format = overrides.format_in_prose(&param.description).map(str::to_string);
        if tweak.format.is_some() {
            tweak.sources.push("formats_from_prose".into());
        }
    }
    Field {
        name: name.to_string(),
        param: param.key.clone(),
        ty: param.ty,
        required: param.required,
        min_version: param.min_version,
        max_version: param.max_version,
        line: entry.line,
        children: Vec::new(),
        tweak,
    }
}

/// Find the field at `path` (segments), allowing a key that itself contains dots: the longest
/// run of segments that names an existing child wins.
fn find_mut<'a>(fields: &'a mut [Field], path: &[&str]) -> Option<&'a mut Field> {
    if path.is_empty() {
        return None;
    }
    for take in (1..=path.len()).rev() {
        let key = path[..take].join(".");
        if let Some(index) = fields.iter().position(|f| f.name == key) {
            let field = &mut fields[index];
            return if take == path.len() { Some(field) } else { find_mut(&mut field.children, &path[take..]) };
        }
    }
    None
}

/// Members an override adds where the lists leave them out (e.g. `image.properties`).
fn add_members(
    operation: &str,
    fields: &mut [Field],
    params: &Params,
    overrides: &Overrides,
    unplaced: &mut Vec<Unplaced>,
) {
    for field in fields.iter_mut() {
        for member in field.tweak.members.clone() {
            if field.children.iter().any(|c| c.name == member.name) {
                continue;
            }
            let entry = ParamRef { name: member.name.clone(), key: member.param.clone(), line: field.line };
            match params.get(&member.param) {
                Some(param) => field.children.push(make_field(operation, &member.name, &entry, param, overrides)),
                None => unplaced.push(unplaced_entry(
                    &entry,
                    format!("override member `{}` is not in parameters.yaml", member.param),
                )),
            }
        }
        add_members(operation, &mut field.children, params, overrides, unplaced);
    }
}

fn add_aliases(fields: &mut Vec<Field>, overrides: &Overrides) {
    let mut extra = Vec::new();
    for f in fields.iter() {
        for alias in overrides.aliases_of(&f.name) {
            let mut copy = f.clone();
            copy.name = alias.to_string();
            copy.required = false;
            extra.push(copy);
        }
    }
    fields.extend(extra);
}

fn unplaced_entry(entry: &ParamRef, reason: String) -> Unplaced {
    Unplaced { name: entry.name.clone(), param: entry.key.clone(), line: entry.line, reason }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::derive::params::parse_parameters;
    use std::path::Path;

    const PARAMS: &str = "\
server_id_path: {in: path, required: true, type: string}
server_location: {in: header, required: true, type: string}
server: {in: body, required: true, type: object}
servers: {in: body, required: true, type: array}
servers_links: {in: body, required: false, type: array}
server_name: {in: body, required: true, type: string}
networks: {in: body, required: false, type: array}
network_uuid: {in: body, required: false, type: string}
flavor: {in: body, required: true, type: object}
flavor_vcpus: {in: body, required: true, type: integer, min_version: 2.47}
security_groups: {in: body, required: false, type: array}
sg_name: {in: body, required: true, type: string}
hints: {in: body, required: false, type: object}
hint_group: {in: body, required: false, type: string}
vol: {in: body, required: true, type: array}
vol_id: {in: body, required: true, type: string}
";

    fn body(list: &[(&str, &str)]) -> Body {
        let params = parse_parameters(PARAMS, Path::new("parameters.yaml")).unwrap();
        let entries: Vec<ParamRef> = list
            .iter()
            .enumerate()
            .map(|(i, (n, k))| ParamRef { name: n.to_string(), key: k.to_string(), line: i + 1 })
            .collect();
        build_body("create-server", &entries, &params, &Overrides::shipped().unwrap())
    }

    fn names(fields: &[Field]) -> Vec<&str> {
        fields.iter().map(|f| f.name.as_str()).collect()
    }

    #[test]
    fn envelope_members_and_dotted_children() {
        let b = body(&[
            ("server_id", "server_id_path"),
            ("Location", "server_location"),
            ("server", "server"),
            ("name", "server_name"),
            ("networks", "networks"),
            ("networks.uuid", "network_uuid"),
            ("flavor", "flavor"),
            ("flavor.vcpus", "flavor_vcpus"),
        ]);
        assert_eq!(names(&b.fields), vec!["server"]);
        assert_eq!(b.headers, vec!["Location"]);
        let server = &b.fields[0];
        assert_eq!(names(&server.children), vec!["name", "networks", "flavor"]);
        assert_eq!(server.children[1].ty, ParamType::Array);
        assert_eq!(names(&server.children[1].children), vec!["uuid"]);
        assert_eq!(server.children[2].children[0].min_version, Some(Microversion::new(2, 47)));
        assert!(b.unplaced.is_empty());
    }

    #[test]
    fn known_misplacements_are_corrected() {
        let b = body(&[
            ("servers", "servers"),
            ("name", "server_name"),
            ("servers_links", "servers_links"),
            ("security_groups", "security_groups"),
            ("security_group.name", "sg_name"),
        ]);
        assert_eq!(names(&b.fields), vec!["servers", "servers_links"]);
        assert_eq!(names(&b.fields[0].children), vec!["name", "security_groups"]);
        assert_eq!(names(&b.fields[0].children[1].children), vec!["name"]);
    }

    #[test]
    fn scheduler_hints_are_top_level_with_alias() {
        let b = body(&[
            ("server", "server"),
            ("name", "server_name"),
            ("os:scheduler_hints", "hints"),
            ("os:scheduler_hints.group", "hint_group"),
        ]);
        assert_eq!(names(&b.fields), vec!["server", "os:scheduler_hints", "OS-SCH-HNT:scheduler_hints"]);
        assert_eq!(names(&b.fields[1].children), vec!["group"]);
    }

    #[test]
    fn colon_and_dot_in_keys() {
        let b = body(&[
            ("server", "server"),
            ("os-extended-volumes:volumes_attached", "vol"),
            ("os-extended-volumes:volumes_attached.id", "vol_id"),
        ]);
        let vols = &b.fields[0].children[0];
        assert_eq!(vols.name, "os-extended-volumes:volumes_attached");
        assert_eq!(names(&vols.children), vec!["id"]);
    }

    #[test]
    fn unplaceable_entries_are_reported_not_dropped() {
        let b = body(&[
            ("server", "server"),
            ("nope.uuid", "network_uuid"),
            ("name", "server_name"),
            ("name.x", "network_uuid"),
            ("ghost", "not_a_param"),
            ("name", "server_name"),
        ]);
        let reasons: Vec<_> = b.unplaced.iter().map(|u| (u.name.as_str(), u.line)).collect();
        assert_eq!(reasons, vec![("nope.uuid", 2), ("name.x", 4), ("ghost", 5), ("name", 6)]);
        assert!(b.unplaced[0].reason.contains("parent `nope`"));
    }
}
