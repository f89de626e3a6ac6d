//! Loading a well-formed suite: templates, captures, waits, documented status aliases.

use std::path::Path;

use tapedeck::suite::load::load_suite_str;
use tapedeck::suite::template::Part;
use tapedeck::suite::{Action, CaptureSource, MicroversionSetting};

const SUITE: &str = r#"
suite: model
microversions: [2.1, "2.10", 2.100]
vars: {prefix: "td-${run_id}"}
steps:
  - name: create
    request:
      POST: /servers
      json: {server: {name: "${prefix}-x", imageRef: "${image_ref}"}}
      microversion: "2.37"
    expect: {status: [200, 202], headers: {Location: present}}
    capture:
      server_id: /server/id
      image_id: {header: Location, regex: "/images/(.+)$"}
    cleanup: {DELETE: "/servers/${server_id}"}
  - wait: {server: "${server_id}", until: STOPPED, path: [ACTIVE, STOPPED], interval: 250ms, timeout: 2m}
  - name: list
    request: {GET: /servers, query: {limit: 1, name: "${prefix}"}, microversion: none, as: admin}
"#;

#[test]
fn well_formed_suite_loads_with_everything_typed() {
    let s = load_suite_str(Path::new("model.yaml"), SUITE, &[]).unwrap();
    // Unquoted versions keep their spelling: 2.10 is not 2.1, 2.100 is not 2.1.
    let mvs: Vec<String> = s.microversions.iter().map(|m| m.to_string()).collect();
    assert_eq!(mvs, ["2.1", "2.10", "2.100"]);
    assert_eq!(s.steps.len(), 3);
    let Action::Request(create) = &s.steps[0].action else { panic!() };
    assert_eq!(create.microversion, Some(MicroversionSetting::Version("2.37".parse().unwrap())));
    assert_eq!(s.steps[0].expect.status, [200, 202]);
    assert_eq!(s.steps[0].expect.headers[0].0, "location");
    assert!(matches!(&s.steps[0].captures[1].source, CaptureSource::Header(h) if h == "location"));
    let Action::Wait(wait) = &s.steps[1].action else { panic!() };
    // STOPPED is the api-ref's word; Nova says SHUTOFF. Accepted, reported as drift.
    assert_eq!(wait.until, "SHUTOFF");
    assert_eq!(wait.path, ["ACTIVE", "SHUTOFF"]);
    assert_eq!(wait.interval.as_millis(), 250);
    assert!(s.notes.iter().any(|n| n.contains("documentation drift") && n.contains("STOPPED")), "{:?}", s.notes);
    assert_eq!(s.steps[1].name, "wait SHUTOFF #2");
    let Action::Request(list) = &s.steps[2].action else { panic!() };
    assert_eq!(list.microversion, Some(MicroversionSetting::None));
    assert_eq!(list.identity.as_deref(), Some("admin"));
    assert_eq!(list.query[0].1.parts, vec![Part::Literal("1".into())]);
}

#[test]
fn hash_ignores_comments_and_layout_but_not_meaning() {
    let a = load_suite_str(Path::new("a.yaml"), SUITE, &[]).unwrap();
    let b = load_suite_str(
        Path::new("b.yaml"),
        &format!("# comment\n{}", SUITE.replace("{limit: 1, ", "{ limit: 1,  ")),
        &[],
    )
    .unwrap();
    let c = load_suite_str(Path::new("c.yaml"), &SUITE.replace("limit: 1", "limit: 2"), &[]).unwrap();
    assert_eq!(a.hash, b.hash);
    assert_ne!(a.hash, c.hash);
}

#[test]
fn cli_vars_count_as_defined() {
    let suite = "suite: v\nsteps:\n  - request: {GET: \"/servers/${mine}\"}\n";
    assert!(load_suite_str(Path::new("v.yaml"), suite, &[]).is_err());
    assert!(load_suite_str(Path::new("v.yaml"), suite, &["mine".to_string()]).is_ok());
}
