//! Comparison of two recordings of one run, after canonicalisation: steps aligned by name,
//! waits compared by their status traces (a fast transitional status one side polled past is
//! no difference) and their final answer, other exchanges one by one.

use std::borrow::Cow;
use std::collections::BTreeSet;

use serde_json::Value;
use similar::{Algorithm, DiffTag, TextDiff, capture_diff_slices};

use super::canon::{CanonExchange, Verdict, canonicalise};
use super::fields::{self, body_changes, declares};
use super::model::{Change, Class, FieldKind, Finding};
use crate::cassette::Cassette;
use crate::microversion::Microversion;
use crate::schema_store::{SchemaStore, Target};
use crate::status_model;

#[derive(Debug, Clone)]
pub struct Options {
    pub ignore_classes: BTreeSet<Class>,
    /// JSON pointer patterns (`*` matches within a segment; a pattern matches its subtree).
    pub ignore_paths: Vec<String>,
    /// A transition drifts when the slower side took more than `timing_factor` × the faster…
    pub timing_factor: f64,
    /// …and more than this many milliseconds longer.
    pub timing_min_ms: u64,
}

impl Default for Options {
    fn default() -> Options {
        Options { ignore_classes: BTreeSet::new(), ignore_paths: Vec::new(), timing_factor: 3.0, timing_min_ms: 5000 }
    }
}

impl Options {
    fn keeps(&self, change: &Change) -> bool {
        !self.ignore_classes.contains(&change.class)
            && !change.pointer.as_deref().is_some_and(|p| self.ignore_paths.iter().any(|pat| pointer_matches(pat, p)))
    }
}

/// `/server/OS-EXT-*` matches `/server/OS-EXT-STS:task_state` and everything below it.
pub fn pointer_matches(pattern: &str, pointer: &str) -> bool {
    let pat: Vec<&str> = pattern.split('/').collect();
    let ptr: Vec<&str> = pointer.split('/').collect();
    pat.len() <= ptr.len() && pat.iter().zip(&ptr).all(|(p, s)| glob(p, s))
}

fn glob(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, tail)) => {
            text.starts_with(head)
                && (0..=text.len() - head.len())
                    .filter(|i| text.is_char_boundary(head.len() + i))
                    .any(|i| glob(tail, &text[head.len() + i..]))
        }
    }
}

const VERSION_HEADERS: &[&str] = &["openstack-api-version", "x-openstack-nova-api-version"];

/// Consecutive exchanges of one step.
struct Group<'a> {
    step: &'a str,
    exchanges: &'a [CanonExchange],
    /// When the previous exchange ended: a wait's transition is timed from there.
    after_ms: u64,
}

fn groups(exchanges: &[CanonExchange]) -> Vec<Group<'_>> {
    let mut out: Vec<Group> = Vec::new();
    let mut start = 0;
    for i in 1..=exchanges.len() {
        if i == exchanges.len() || exchanges[i].step != exchanges[start].step {
            let after_ms = start.checked_sub(1).map(|p| exchanges[p].offset_ms + exchanges[p].duration_ms).unwrap_or(0);
            out.push(Group { step: &exchanges[start].step, exchanges: &exchanges[start..i], after_ms });
            start = i;
        }
    }
    out
}

/// Group keys for alignment: the step name and which occurrence of it this is.
fn keys(groups: &[Group]) -> Vec<(String, usize)> {
    let mut seen = std::collections::HashMap::new();
    groups
        .iter()
        .map(|g| {
            let n = seen.entry(g.step).or_insert(0);
            *n += 1;
            (g.step.to_string(), *n)
        })
        .collect()
}

/// Segment keys for alignment: the request and which occurrence of it this is.
fn segment_keys(segments: &[Group]) -> Vec<(String, usize)> {
    let mut seen = std::collections::HashMap::new();
    segments
        .iter()
        .map(|g| {
            let line = request_line(&g.exchanges[0]);
            let n = seen.entry(line.clone()).or_insert(0);
            *n += 1;
            (line, *n)
        })
        .collect()
}

/// A step's runs of the same request: a wait's polls, then
/// the instance action asked for as its evidence; a cleanup's delete, then its follow-up polls.
fn segments<'a>(g: &Group<'a>) -> Vec<Group<'a>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut after_ms = g.after_ms;
    for i in 1..=g.exchanges.len() {
        if i == g.exchanges.len() || request_line(&g.exchanges[i]) != request_line(&g.exchanges[start]) {
            out.push(Group { step: g.step, exchanges: &g.exchanges[start..i], after_ms });
            let last = &g.exchanges[i - 1];
            after_ms = last.offset_ms + last.duration_ms;
            start = i;
        }
    }
    out
}

fn request_line(e: &CanonExchange) -> String {
    format!("{} {}", e.method, e.path)
}

/// One observed status of a wait: the HTTP code and, for a 200, the server's status.
type TraceEntry = (u16, Option<String>);

fn trace(g: &Group) -> Vec<TraceEntry> {
    let mut t: Vec<TraceEntry> = Vec::new();
    for e in g.exchanges {
        let entry = (e.status, e.server_status.clone());
        if t.last() != Some(&entry) {
            t.push(entry);
        }
    }
    t
}

/// `[BUILD, ACTIVE]`, `[ACTIVE, 404]`: statuses of 200 answers, codes of the others.
fn render_trace(t: &[TraceEntry]) -> String {
    let entries: Vec<String> = t
        .iter()
        .map(|(code, s)| match (code, s) {
            (200, Some(s)) => s.clone(),
            (code, Some(s)) => format!("{code} {s}"),
            (code, None) => code.to_string(),
        })
        .collect();
    format!("[{}]", entries.join(", "))
}

/// Two polls of one transition agree when the shorter trace is a subsequence of the longer (a
/// fast transitional status one side polled past), also after each drops a first, settled
/// status the other never saw: the state before the action, still showing at one side's first
/// poll and gone by the other's (one shelve polled `[ACTIVE, SHELVED_OFFLOADED]`, the next
/// `[SHELVED, SHELVED_OFFLOADED]`: seen between two recordings of the same Nova). A
/// transitional status is never dropped: `[REBOOT, ACTIVE]` against `[HARD_REBOOT, ACTIVE]` is a
/// change.
fn same_path(a: &[TraceEntry], b: &[TraceEntry]) -> bool {
    let subsequence = |a: &[TraceEntry], b: &[TraceEntry]| {
        let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
        is_subsequence(short, long)
    };
    let before_the_action = |t: &'_ [TraceEntry], other: &[TraceEntry]| -> usize {
        match t.first() {
            Some(first @ (_, Some(status)))
                if t.len() > 1 && !other.contains(first) && !status_model::TRANSITIONAL.contains(&status.as_str()) =>
            {
                1
            }
            _ => 0,
        }
    };
    subsequence(a, b) || subsequence(&a[before_the_action(a, b)..], &b[before_the_action(b, a)..])
}

fn is_subsequence<T: PartialEq>(short: &[T], long: &[T]) -> bool {
    let mut it = long.iter();
    short.iter().all(|x| it.any(|y| y == x))
}

fn seconds(ms: u64) -> String {
    format!("{:.1} s", ms as f64 / 1000.0)
}

/// The first poll whose verdict is not "valid", else the last poll's: a wait is as valid as
/// its worst answer.
fn group_verdict<'a>(g: &'a Group) -> &'a Verdict {
    g.exchanges.iter().map(|e| &e.verdict).find(|v| **v != Verdict::Valid).unwrap_or(&Verdict::Valid)
}

struct Comparer<'s> {
    store: &'s SchemaStore,
    opts: &'s Options,
}

impl Comparer<'_> {
    fn schema_of(&self, e: &CanonExchange) -> Option<Value> {
        let op = e.operation.as_deref()?;
        self.store.schema(op, Target::Response { status: e.status }, e.microversion).ok()
    }

    /// Where the operation's documentation may change: the lower bound of each of its ranges.
    fn boundaries(&self, op: &str) -> Vec<Microversion> {
        let mut points: Vec<Microversion> = self.store.ranges(op).into_iter().map(|(min, _)| min).collect();
        points.sort();
        points.dedup();
        points
    }

    fn documents(&self, e: &CanonExchange, op: &str, mv: Microversion, segs: &[String]) -> bool {
        self.store.schema(op, Target::Response { status: e.status }, mv).is_ok_and(|s| declares(&s, segs))
    }

    /// The lowest microversion from which `e`'s response schema documents `pointer` without a
    /// gap up to `e`'s own.
    fn documented_from(&self, e: &CanonExchange, pointer: &str) -> Option<Microversion> {
        let op = e.operation.as_deref()?;
        let segs = fields::segments(pointer);
        let mut from = e.microversion;
        for mv in self.boundaries(op).into_iter().rev().filter(|mv| *mv <= e.microversion) {
            if !self.documents(e, op, mv, &segs) {
                break;
            }
            from = mv;
        }
        Some(from)
    }

    /// The first microversion above `e`'s at which its response schema no longer documents
    /// `pointer`.
    fn undocumented_from(&self, e: &CanonExchange, pointer: &str) -> Option<Microversion> {
        let op = e.operation.as_deref()?;
        let segs = fields::segments(pointer);
        self.boundaries(op).into_iter().filter(|mv| *mv > e.microversion).find(|mv| !self.documents(e, op, *mv, &segs))
    }

    fn finding(&self, step: &str, e: Option<&CanonExchange>, changes: Vec<Change>) -> Option<Finding> {
        let changes: Vec<Change> = changes.into_iter().filter(|c| self.opts.keeps(c)).collect();
        (!changes.is_empty()).then(|| Finding {
            step: step.to_string(),
            operation: e.and_then(|e| e.operation.clone()),
            request: e.map(request_line),
            changes,
            body_diff: None,
        })
    }

    /// One exchange against its counterpart; `verdicts` are judged by the caller (a wait
    /// judges all its polls).
    fn exchange(
        &self,
        step: &str,
        a: &CanonExchange,
        b: &CanonExchange,
        verdicts: (&Verdict, &Verdict),
    ) -> Option<Finding> {
        let mut changes = Vec::new();
        if request_line(a) != request_line(b) {
            changes.push(Change::new(Class::Value).at("request:").values(Some(request_line(a)), Some(request_line(b))));
        }
        if let (Some(ra), Some(rb)) = (&a.request_body, &b.request_body) {
            for mut c in body_changes(ra, rb, None, None) {
                c.pointer = c.pointer.map(|p| format!("request:{p}"));
                c.field = None;
                changes.push(c);
            }
        }
        let status_changed = a.status != b.status;
        if status_changed {
            changes.push(Change::new(Class::Status).values(Some(a.status.to_string()), Some(b.status.to_string())));
        }
        if verdicts.0.label() != verdicts.1.label() {
            changes.push(Change::new(Class::Schema).values(Some(verdicts.0.detail()), Some(verdicts.1.detail())));
        }
        let names: BTreeSet<&String> = a.headers.keys().chain(b.headers.keys()).collect();
        // Across microversions the version headers echo what each side asked for.
        let echoes = |n: &str| a.microversion != b.microversion && VERSION_HEADERS.contains(&n);
        for name in names.into_iter().filter(|n| !echoes(n)) {
            let (ha, hb) = (a.headers.get(name), b.headers.get(name));
            if ha != hb {
                changes.push(Change::new(Class::Value).at(format!("header:{name}")).values(ha.cloned(), hb.cloned()));
            }
        }
        // A batch poll against a show: the show's fields a list entry does not document are
        // not a difference in behaviour.
        let (body_a, body_b) = match (&a.listed_by, &b.listed_by) {
            (None, Some(list)) => (self.as_listed(a, list), Cow::Borrowed(&b.body)),
            (Some(list), None) => (Cow::Borrowed(&a.body), self.as_listed(b, list)),
            _ => (Cow::Borrowed(&a.body), Cow::Borrowed(&b.body)),
        };
        if !status_changed {
            let mut body = body_changes(&body_a, &body_b, self.schema_of(a).as_ref(), self.schema_of(b).as_ref());
            for c in body.iter_mut().filter(|c| c.field == Some(FieldKind::Documented)) {
                let pointer = c.pointer.clone().unwrap_or_default();
                c.since = match c.class {
                    Class::FieldAdded => self.documented_from(b, &pointer),
                    Class::FieldRemoved => self.undocumented_from(a, &pointer),
                    _ => None,
                }
                .map(|mv| mv.to_string());
            }
            changes.extend(body);
        }
        let mut finding = self.finding(step, Some(a), changes)?;
        if body_a != body_b {
            finding.body_diff = Some(body_diff(&body_a, &body_b));
        }
        Some(finding)
    }

    /// A show's body without the server fields that `list`'s entries do not document (at the
    /// show's microversion, as the derived schemas say).
    fn as_listed<'e>(&self, show: &'e CanonExchange, list: &str) -> Cow<'e, Value> {
        let keys = |schema: Option<Value>, pointer: &str| -> Option<BTreeSet<String>> {
            Some(schema?.pointer(pointer)?.as_object()?.keys().cloned().collect())
        };
        let listed = keys(
            self.store.schema(list, Target::Response { status: 200 }, show.microversion).ok(),
            "/properties/servers/items/properties",
        );
        let shown = keys(self.schema_of(show), "/properties/server/properties");
        let (Some(listed), Some(shown)) = (listed, shown) else { return Cow::Borrowed(&show.body) };
        let mut body = show.body.clone();
        if let Some(server) = body.get_mut("server").and_then(Value::as_object_mut) {
            server.retain(|k, _| listed.contains(k) || !shown.contains(k));
        }
        Cow::Owned(body)
    }

    /// `ends_only`: only where the traces ended counts, not the states on the way.
    fn wait(&self, ga: &Group, gb: &Group, ends_only: bool) -> Vec<Finding> {
        let mut changes = Vec::new();
        let (ta, tb) = (trace(ga), trace(gb));
        if ta.last() != tb.last() || (!ends_only && !same_path(&ta, &tb)) {
            changes.push(Change::new(Class::Trace).values(Some(render_trace(&ta)), Some(render_trace(&tb))));
        }
        let (la, lb) = (ga.exchanges.last(), gb.exchanges.last());
        let end = |g: &Group, e: &CanonExchange| (e.offset_ms + e.duration_ms).saturating_sub(g.after_ms);
        if let (Some(la), Some(lb)) = (la, lb) {
            let (da, db) = (end(ga, la), end(gb, lb));
            let (lo, hi) = (da.min(db), da.max(db));
            if hi - lo > self.opts.timing_min_ms && hi as f64 > lo as f64 * self.opts.timing_factor {
                changes.push(Change::new(Class::Timing).values(Some(seconds(da)), Some(seconds(db))));
            }
        }
        let mut out: Vec<Finding> = self.finding(ga.step, la, changes).into_iter().collect();
        if let (Some(la), Some(lb)) = (la, lb) {
            // The final answers compared like any exchange (a wait ends where both agree).
            out.extend(self.exchange(ga.step, la, lb, (group_verdict(ga), group_verdict(gb))));
        }
        merge_same_step(out)
    }

    /// Two recordings of one step, segment by segment (`segments`): repeated GETs of one
    /// resource (a wait's polls, a cleanup following its delete) compare as a wait, whatever
    /// their number; other exchanges one by one; a segment one side lacks is missing or extra.
    fn groups(&self, ga: &Group, gb: &Group) -> Vec<Finding> {
        let (sa, sb) = (segments(ga), segments(gb));
        let (ka, kb) = (segment_keys(&sa), segment_keys(&sb));
        let mut out = Vec::new();
        for op in capture_diff_slices(Algorithm::Myers, &ka, &kb) {
            let (tag, ra, rb) = op.as_tag_tuple();
            match tag {
                DiffTag::Equal => {
                    for (x, y) in ra.zip(rb) {
                        // Polls that follow a delete of what they poll (a cleanup) may see the
                        // server in any state on its way out: only where they ended counts.
                        let after_delete = x.checked_sub(1).is_some_and(|p| {
                            let (d, poll) = (&sa[p].exchanges[0], &sa[x].exchanges[0]);
                            d.method == "DELETE" && d.path == poll.path
                        });
                        // One poll on each side is a wait too when its evidence follows.
                        let evidenced =
                            sa.get(x + 1).is_some_and(|n| n.exchanges[0].path.contains("/os-instance-actions/"));
                        out.extend(self.segment(&sa[x], &sb[y], after_delete, evidenced));
                    }
                }
                _ => {
                    for e in ra.flat_map(|x| sa[x].exchanges) {
                        out.extend(self.one_sided(ga.step, e, Class::Missing));
                    }
                    for e in rb.flat_map(|y| sb[y].exchanges) {
                        out.extend(self.one_sided(gb.step, e, Class::Extra));
                    }
                }
            }
        }
        merge_same_step(out)
    }

    fn segment(&self, sa: &Group, sb: &Group, after_delete: bool, evidenced: bool) -> Vec<Finding> {
        if sa.exchanges[0].method == "GET" && (sa.exchanges.len() > 1 || sb.exchanges.len() > 1 || evidenced) {
            return self.wait(sa, sb, after_delete);
        }
        let mut out = Vec::new();
        let n = sa.exchanges.len().max(sb.exchanges.len());
        for i in 0..n {
            match (sa.exchanges.get(i), sb.exchanges.get(i)) {
                (Some(a), Some(b)) => out.extend(self.exchange(sa.step, a, b, (&a.verdict, &b.verdict))),
                (Some(a), None) => out.extend(self.one_sided(sa.step, a, Class::Missing)),
                (None, Some(b)) => out.extend(self.one_sided(sa.step, b, Class::Extra)),
                (None, None) => {}
            }
        }
        out
    }

    fn one_sided(&self, step: &str, e: &CanonExchange, class: Class) -> Option<Finding> {
        let what = Some(format!("{} → {}", request_line(e), e.status));
        let (a, b) = if class == Class::Missing { (what, None) } else { (None, what) };
        self.finding(step, Some(e), vec![Change::new(class).values(a, b)])
    }
}

/// A wait's trace finding and its final exchange's finding read as one.
fn merge_same_step(findings: Vec<Finding>) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    for f in findings {
        match out.last_mut() {
            Some(last) if last.step == f.step && last.request == f.request => {
                last.changes.extend(f.changes);
                last.body_diff = last.body_diff.take().or(f.body_diff);
            }
            _ => out.push(f),
        }
    }
    out
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default() + "\n"
}

pub fn body_diff(a: &Value, b: &Value) -> String {
    let (ta, tb) = (pretty(a), pretty(b));
    TextDiff::from_lines(&ta, &tb).unified_diff().context_radius(2).header("a", "b").to_string()
}

/// Everything that differs between two recordings of one run, and notes that are context.
pub struct Compared {
    pub findings: Vec<Finding>,
    pub notes: Vec<String>,
}

pub fn compare(a: &Cassette, b: &Cassette, store: &SchemaStore, opts: &Options) -> Compared {
    let cmp = Comparer { store, opts };
    let mut notes = Vec::new();
    let mut top = Vec::new();
    if a.suite != b.suite {
        notes.push(format!(
            "recordings of different suites (`{}` and `{}`): their steps are not the same steps",
            a.suite, b.suite
        ));
    } else if a.suite_hash != b.suite_hash {
        notes.push("recorded from different versions of the suite".to_string());
    }
    if a.provider != b.provider {
        notes.push(format!("providers `{}` and `{}`", a.provider, b.provider));
    }
    let range = |c: &Cassette| c.api_versions.as_ref().map(|r| format!("{}–{}", r.min, r.max));
    if range(a) != range(b) {
        top.push(Change::new(Class::Value).at("cassette:api_versions").values(range(a), range(b)));
    }
    match (&a.skipped, &b.skipped) {
        (None, None) => {}
        (Some(x), Some(y)) => {
            // The reason names its provider ("… is not offered by nova-33.0.2: …"): another
            // label is already a note of its own, not another reason.
            if x.replace(a.provider.as_str(), "<provider>") != y.replace(b.provider.as_str(), "<provider>") {
                notes.push(format!("skipped in both: {x} / {y}"));
            }
        }
        (x, y) => {
            top.push(Change::new(Class::Skip).values(
                Some(x.clone().unwrap_or_else(|| "ran".into())),
                Some(y.clone().unwrap_or_else(|| "ran".into())),
            ))
        }
    }
    let mut findings: Vec<Finding> = cmp.finding("(cassette)", None, top).into_iter().collect();
    if a.skipped.is_some() || b.skipped.is_some() {
        return Compared { findings, notes };
    }

    let (ca, cb) = (canonicalise(a, store), canonicalise(b, store));
    let (ga, gb) = (groups(&ca), groups(&cb));
    let (ka, kb) = (keys(&ga), keys(&gb));
    for op in capture_diff_slices(Algorithm::Myers, &ka, &kb) {
        let (tag, ra, rb) = op.as_tag_tuple();
        match tag {
            DiffTag::Equal => {
                for (x, y) in ra.zip(rb) {
                    findings.extend(cmp.groups(&ga[x], &gb[y]));
                }
            }
            _ => {
                for x in ra {
                    findings.extend(cmp.step_only(&ga[x], Class::Missing));
                }
                for y in rb {
                    findings.extend(cmp.step_only(&gb[y], Class::Extra));
                }
            }
        }
    }
    Compared { findings, notes }
}

impl Comparer<'_> {
    fn step_only(&self, g: &Group, class: Class) -> Option<Finding> {
        let first = &g.exchanges[0];
        let n = g.exchanges.len();
        let what = Some(format!(
            "step ({n} exchange{}, first {} → {})",
            if n == 1 { "" } else { "s" },
            request_line(first),
            first.status
        ));
        let (a, b) = if class == Class::Missing { (what, None) } else { (None, what) };
        self.finding(g.step, Some(first), vec![Change::new(class).values(a, b)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traces_agree_when_each_missed_another_fast_status() {
        let t = |statuses: &[&str]| -> Vec<TraceEntry> {
            statuses.iter().map(|s| if *s == "404" { (404, None) } else { (200, Some(s.to_string())) }).collect()
        };
        let same = |a: &[&str], b: &[&str]| same_path(&t(a), &t(b));
        assert!(same(&["ACTIVE", "SHELVED_OFFLOADED"], &["SHELVED", "SHELVED_OFFLOADED"]));
        assert!(same(&["BUILD", "ACTIVE"], &["ACTIVE"]));
        assert!(same(&["ACTIVE", "REBOOT", "ACTIVE"], &["REBOOT", "ACTIVE"]));
        assert!(same(&["ACTIVE", "404"], &["404"]));
        // Another transitional status, or the same ones in another order, are a change.
        assert!(!same(&["REBOOT", "ACTIVE"], &["HARD_REBOOT", "ACTIVE"]));
        assert!(!same(&["ACTIVE", "REBOOT", "ACTIVE"], &["HARD_REBOOT", "ACTIVE"]));
        assert!(!same(&["RESIZE", "VERIFY_RESIZE", "ACTIVE"], &["VERIFY_RESIZE", "RESIZE", "ACTIVE"]));
    }

    #[test]
    fn pointer_patterns_match_subtrees_and_globs() {
        assert!(pointer_matches("/server/OS-EXT-*", "/server/OS-EXT-STS:task_state"));
        assert!(pointer_matches("/server/addresses", "/server/addresses/private/0/addr"));
        assert!(pointer_matches("/servers/*/name", "/servers/3/name"));
        assert!(!pointer_matches("/server/name", "/server/names"));
        assert!(!pointer_matches("/server/addresses/x", "/server/addresses"));
        assert!(pointer_matches("header:*", "header:location"));
    }
}
