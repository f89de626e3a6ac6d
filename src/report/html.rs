//! `--report html=PATH`: one self-contained page (inline CSS and SVG, no scripts, nothing
//! fetched). The verdict and the failures come first, each linked from the summary at the top:
//! every failed check in a sentence, the run's waits on its time axis, and the failing exchange
//! pretty-printed with the failing pointer highlighted. Then the capabilities, every run folded
//! (`<details>`, a failed one open) with its waits drawn on one time axis per run — the
//! declared path beside the observed trace, statuses coloured by kind (settled, transitional,
//! failure, unknown) with a legend, a tick per poll, `task_state` in each band's title — and the
//! operation coverage, the operations no run exercised included.

use std::fmt::Write;

use super::evidence;
use super::human::{self, check_sentence, plural, secs};
use super::views;
use crate::outcome::{Outcome, RunOutcome, StepOutcome, Trace, Verdict};
use crate::status_model::{StatusKind, kind_of};
use crate::util::json::{excerpt, truncate};

const STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:1.2em auto;max-width:1150px;color:#1d2330;padding:0 1em}\
h1{font-size:1.5em;margin:.2em 0}h2{margin-top:1.6em;border-bottom:1px solid #d9dde5;padding-bottom:.2em}h3{margin:.8em 0 .3em}\
table{border-collapse:collapse;width:100%;margin:.5em 0}td,th{border:1px solid #d9dde5;padding:.25em .5em;text-align:left;vertical-align:top}\
th{background:#f3f5f9}.passed{color:#17803d}.failed{color:#c62828;font-weight:600}.skipped{color:#8a6d00}.interrupted,.notrun{color:#6a3fb5;font-weight:600}\
.badge{display:inline-block;padding:.1em .6em;border-radius:1em;color:#fff;font-weight:600;font-size:.8em;vertical-align:middle}\
.b-passed{background:#17803d}.b-failed{background:#c62828}.b-interrupted{background:#6a3fb5}\
pre{background:#f6f8fa;border:1px solid #e1e4e8;padding:.6em;overflow-x:auto;white-space:pre-wrap;word-break:break-all;margin:.3em 0}\
pre.body{max-height:32em;overflow-y:auto}mark{background:#ffd54f;outline:2px solid #c62828;font-weight:700}\
.failure{border-left:4px solid #c62828;padding:.1em 0 .1em .8em;margin:1em 0}.cause{font-weight:600;color:#8e1b1b}\
.muted{color:#5b6475}code{font-size:.95em}details{margin:.2em 0}summary{cursor:pointer}\
details.run>summary{padding:.2em .4em;border-radius:4px}details.run[open]>summary{background:#f3f5f9}\
svg.axis{width:100%;display:block}.legend span{display:inline-block;margin-right:1.2em}\
.legend i{display:inline-block;width:1em;height:.8em;margin-right:.3em;vertical-align:middle}\
ol.toc{margin:.3em 0 .8em}td.never{color:#8a93a6}";

/// Fixed colours by kind of status, the same across the page and in the legend.
fn colour(kind: StatusKind) -> &'static str {
    match kind {
        StatusKind::Settled => "#2e7d32",
        StatusKind::Transitional => "#1e88e5",
        StatusKind::Failure => "#c62828",
        StatusKind::Unknown => "#9e9e9e",
    }
}

const KINDS: [(StatusKind, &str); 4] = [
    (StatusKind::Settled, "settled (ACTIVE, SHUTOFF, …)"),
    (StatusKind::Transitional, "transitional (BUILD, REBOOT, …)"),
    (StatusKind::Failure, "failure (ERROR, UNKNOWN)"),
    (StatusKind::Unknown, "not a Nova status"),
];

/// A certification's verdicts as the page shows them at its top (the certify stage decides
/// them; the page only shows them).
pub struct Certification {
    /// `certified`, `not-certified`, `replayed`, …
    pub result: String,
    /// Per capability: its name, `required`/`advisory`/…, its verdict word, and the runs and
    /// reasons behind it.
    pub capabilities: Vec<(String, String, String, Vec<String>)>,
}

pub fn render(outcome: &Outcome) -> String {
    render_page(outcome, None)
}

/// The page of a certification: its verdict per capability first.
pub fn render_certification(outcome: &Outcome, certification: &Certification) -> String {
    render_page(outcome, Some(certification))
}

fn render_page(outcome: &Outcome, certification: Option<&Certification>) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>tapedeck report</title><style>{STYLE}</style></head><body>"
    );
    headline(&mut h, outcome);
    if let Some(c) = certification {
        certification_table(&mut h, c);
    }
    failures(&mut h, outcome);
    capabilities(&mut h, outcome);
    warnings(&mut h, outcome);
    runs(&mut h, outcome);
    coverage(&mut h, outcome);
    h.push_str("</body></html>\n");
    h
}

fn esc(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn verdict_class(v: Verdict) -> &'static str {
    match v {
        Verdict::Passed => "passed",
        Verdict::Failed => "failed",
        Verdict::Skipped => "skipped",
        Verdict::Interrupted => "interrupted",
        Verdict::NotRun => "notrun",
    }
}

fn run_id(r: &RunOutcome) -> String {
    let clean = |s: &str| s.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect::<String>();
    format!("run-{}-{}", clean(&r.suite), clean(&r.microversion.to_string()))
}

fn headline(h: &mut String, outcome: &Outcome) {
    let s = &outcome.summary;
    let overall = if s.failed > 0 {
        "failed"
    } else if outcome.interrupted || s.interrupted + s.not_run > 0 {
        "interrupted"
    } else {
        "passed"
    };
    let mut counts = format!("{} passed · {} failed · {} skipped", s.passed, s.failed, s.skipped);
    if s.interrupted + s.not_run > 0 {
        let _ = write!(counts, " · {} interrupted · {} not run", s.interrupted, s.not_run);
    }
    let _ = write!(
        h,
        "<h1>tapedeck: <span class=\"{overall}\">{overall}</span> <span class=\"badge b-{overall}\">{counts}</span></h1>\
         <p class=\"muted\">{} of provider <code>{}</code>, {:?} mode, started {}, in {}.</p>",
        plural(s.runs, "run", "runs"),
        esc(&outcome.provider),
        outcome.mode,
        esc(&outcome.started_at),
        secs(outcome.duration_ms)
    );
    let groups = human::failure_groups(outcome);
    if !groups.is_empty() {
        h.push_str("<ol class=\"toc\">");
        for (i, runs) in groups.iter().enumerate() {
            let why = runs[0].reason.as_deref().unwrap_or("failed");
            let _ = write!(
                h,
                "<li><a href=\"#failure-{i}\"><code>{}</code></a>: {}</li>",
                esc(&human::group_label(runs)),
                esc(&truncate(why, 200))
            );
        }
        h.push_str("</ol>");
    }
}

fn failures(h: &mut String, outcome: &Outcome) {
    let groups = human::failure_groups(outcome);
    if groups.is_empty() {
        return;
    }
    h.push_str("<h2 id=\"failures\">Failures</h2>");
    for (i, runs) in groups.iter().enumerate() {
        let first = runs[0];
        let also = if runs.len() > 1 {
            format!(
                " <span class=\"muted\">the same failure at {} microversions; evidence from {}</span>",
                runs.len(),
                first.microversion
            )
        } else {
            String::new()
        };
        let _ = write!(
            h,
            "<div class=\"failure\" id=\"failure-{i}\"><h3><code>{}</code>{also}</h3>",
            esc(&human::group_label(runs))
        );
        let failed: Vec<&StepOutcome> =
            first.steps.iter().chain(&first.cleanups).filter(|s| s.verdict == Verdict::Failed).collect();
        if failed.is_empty() {
            let _ = write!(h, "<p class=\"cause\">{}</p>", esc(first.reason.as_deref().unwrap_or("failed")));
        }
        for step in failed {
            failed_step(h, first, step);
        }
        let _ = write!(h, "<p><a href=\"#{}\">the whole run</a></p></div>", run_id(first));
    }
}

fn failed_step(h: &mut String, r: &RunOutcome, step: &StepOutcome) {
    let at = step.location.as_ref().map(|l| format!(" <span class=\"muted\">{}</span>", esc(l))).unwrap_or_default();
    let _ = write!(h, "<p>step <b><code>{}</code></b>{at}</p><ul>", esc(&step.name));
    let checks: Vec<_> = step.checks.iter().filter(|c| c.failed()).collect();
    for c in &checks {
        let _ = write!(h, "<li class=\"cause\">{}</li>", esc(&check_sentence(c, step)));
    }
    if checks.is_empty() {
        let _ = write!(h, "<li class=\"cause\">{}</li>", esc(step.reason.as_deref().unwrap_or("failed")));
    }
    h.push_str("</ul>");
    if step.trace.is_some() {
        timeline(h, r, Some(step));
    }
    if let Some(e) = step.exchanges.last().and_then(|i| r.exchanges.get(*i)) {
        let req_body = e.request.body.as_ref().map(|b| format!("\n{}", excerpt(b, 600))).unwrap_or_default();
        let _ = write!(h, "<pre>{} {}{}</pre>", esc(&e.request.method), esc(&e.request.path), esc(&req_body));
        let pointer = checks.iter().find_map(|c| evidence::pointer_of(c, step));
        // The lines around the highlighted value open; the whole response folded below.
        let (body, whole) = match (&e.response.body, &e.response.text) {
            (Some(b), _) => {
                let (before, marked, after) = evidence::pretty_at(b, pointer.as_deref());
                if marked.is_empty() {
                    (esc(&before), None)
                } else {
                    let marked = format!("<mark>{}</mark>", esc(&marked));
                    let whole = format!("{}{marked}{}", esc(&before), esc(&after));
                    (format!("{}{marked}{}", esc(&last_lines(&before, 8)), esc(&first_lines(&after, 8))), Some(whole))
                }
            }
            (None, Some(t)) => (esc(&truncate(t, 4000)), None),
            (None, None) => (String::new(), None),
        };
        let marks = pointer.filter(|_| body.contains("<mark>")).map(|p| {
            format!(
                " <span class=\"muted\">(highlighted: <code>{}</code>)</span>",
                esc(if p.is_empty() { "the document" } else { &p })
            )
        });
        let _ = write!(
            h,
            "<p>response <b>{}</b>{}</p><pre class=\"body\">{body}</pre>",
            e.response.status,
            marks.unwrap_or_default()
        );
        if let Some(whole) = whole {
            let _ =
                write!(h, "<details><summary>the whole response</summary><pre class=\"body\">{whole}</pre></details>");
        }
    }
}

/// The last `n` lines of `text` (the line the mark starts on included), `…` before them when
/// there were more.
fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.split('\n').collect();
    let from = lines.len().saturating_sub(n + 1);
    let more = if from > 0 { "…\n" } else { "" };
    format!("{more}{}", lines[from..].join("\n"))
}

/// The first `n` lines of `text` (the rest of the mark's line included), `…` after them.
fn first_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.split('\n').collect();
    let to = (n + 1).min(lines.len());
    let more = if to < lines.len() { "\n…" } else { "" };
    format!("{}{more}", lines[..to].join("\n"))
}

fn certification_table(h: &mut String, c: &Certification) {
    // Replayed, partial or incomplete evidence is no certification, and no failure either.
    let class = match c.result.as_str() {
        "certified" => "passed",
        "not-certified" => "failed",
        _ => "skipped",
    };
    let _ = write!(
        h,
        "<h2 id=\"certification\">Certification: <span class=\"{class}\">{}</span></h2><table><tr><th>capability</th><th>status</th><th>verdict</th><th>runs</th></tr>",
        esc(&c.result)
    );
    for (cap, status, verdict, runs) in &c.capabilities {
        let class = match verdict.as_str() {
            "passed" => "passed",
            "skipped" | "flagged" => "skipped",
            _ => "failed",
        };
        let _ = write!(
            h,
            "<tr><td><code>{}</code></td><td>{}</td><td class=\"{class}\">{}</td><td>{}</td></tr>",
            esc(cap),
            esc(status),
            esc(verdict),
            esc(&runs.join("; "))
        );
    }
    h.push_str("</table>");
}

fn capabilities(h: &mut String, outcome: &Outcome) {
    let caps = views::capabilities(outcome);
    if caps.is_empty() {
        return;
    }
    h.push_str("<h2>Capabilities</h2><table><tr><th>capability</th><th>verdict</th><th>runs</th></tr>");
    let mut ordered: Vec<_> = caps.iter().collect();
    ordered.sort_by_key(|(_, v, _)| *v == Verdict::Passed);
    for (cap, v, runs) in ordered {
        let names: Vec<String> = runs
            .iter()
            .map(|r| {
                format!(
                    "<a href=\"#{}\" class=\"{}\">{}@{}</a>",
                    run_id(r),
                    verdict_class(r.verdict),
                    esc(&r.suite),
                    r.microversion
                )
            })
            .collect();
        let _ = write!(
            h,
            "<tr><td><code>{}</code></td><td class=\"{c}\">{c}</td><td>{}</td></tr>",
            esc(cap),
            names.join(", "),
            c = verdict_class(*v)
        );
    }
    h.push_str("</table>");
}

fn warnings(h: &mut String, outcome: &Outcome) {
    let warnings = views::warnings(outcome);
    if warnings.is_empty() {
        return;
    }
    let _ = write!(h, "<details><summary><b>Warnings</b> ({})</summary><ul>", warnings.len());
    for w in warnings {
        let _ = write!(
            h,
            "<li><code>{}</code>@{}, step <code>{}</code>: {}</li>",
            esc(&w.run.suite),
            w.run.microversion,
            esc(w.step),
            esc(&w.what)
        );
    }
    h.push_str("</ul></details>");
}

fn runs(h: &mut String, outcome: &Outcome) {
    h.push_str("<h2>Runs</h2>");
    legend(h);
    for r in &outcome.runs {
        let open = if r.verdict == Verdict::Failed { " open" } else { "" };
        let what = match r.verdict {
            Verdict::Skipped | Verdict::NotRun => r.reason.clone().unwrap_or_default(),
            _ => format!("{}, {} recorded", human::step_counts(r), secs(r.duration_ms)),
        };
        let _ = write!(
            h,
            "<details class=\"run\" id=\"{}\"{open}><summary><span class=\"{c}\">{c}</span> <code>{}</code> @ {} <span class=\"muted\">{}</span></summary>",
            run_id(r),
            esc(&r.suite),
            r.microversion,
            esc(&what),
            c = verdict_class(r.verdict)
        );
        if r.steps.iter().any(|s| s.trace.is_some()) {
            timeline(h, r, None);
        }
        if !r.steps.is_empty() {
            h.push_str("<table><tr><th>step</th><th>verdict</th><th>at</th><th>took</th><th>why</th></tr>");
            for s in r.steps.iter().chain(&r.cleanups) {
                let _ = write!(
                    h,
                    "<tr><td><code>{}</code></td><td class=\"{c}\">{c}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(&s.name),
                    secs(s.offset_ms),
                    secs(s.duration_ms),
                    esc(s.reason.as_deref().unwrap_or("")),
                    c = verdict_class(s.verdict)
                );
            }
            h.push_str("</table>");
        }
        h.push_str("</details>");
    }
}

fn legend(h: &mut String) {
    h.push_str("<p class=\"legend muted\">");
    for (kind, what) in KINDS {
        let _ = write!(h, "<span><i style=\"background:{}\"></i>{what}</span>", colour(kind));
    }
    h.push_str("<span>| a tick per poll; the upper row of each wait is its declared path</span></p>");
}

/// Left of the plot: the wait's name; the plot spans the run's whole time.
const LABEL: f64 = 200.0;
const RIGHT: f64 = 990.0;
const ROW: f64 = 13.0;

/// The waits of a run (or only `only`) on one time axis, shared by the run: per wait its
/// declared path (evenly over the wait's time: the path says the order, not the times) above
/// the statuses its polls observed, each band titled with its status, `task_state` and time.
fn timeline(h: &mut String, r: &RunOutcome, only: Option<&StepOutcome>) {
    let waits: Vec<&StepOutcome> =
        r.steps.iter().filter(|s| s.trace.is_some() && only.is_none_or(|o| std::ptr::eq(o, *s))).collect();
    let end = r.steps.iter().chain(&r.cleanups).map(|s| s.offset_ms + s.duration_ms).max().unwrap_or(0);
    let end = end.max(r.duration_ms).max(1) as f64;
    let x = |ms: u64| LABEL + (RIGHT - LABEL) * (ms as f64 / end).min(1.0);
    let per_wait = 2.0 * ROW + 10.0;
    let height = 22.0 + per_wait * waits.len() as f64;
    let _ = write!(
        h,
        "<svg class=\"axis\" viewBox=\"0 0 1000 {height:.0}\" role=\"img\" aria-label=\"status traces of {}@{} on its time axis\">",
        esc(&r.suite),
        r.microversion
    );
    // The axis: five ticks over the run's time.
    for i in 0..=4 {
        let ms = (end * f64::from(i) / 4.0) as u64;
        let _ = write!(
            h,
            "<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"14\" y2=\"{height:.0}\" stroke=\"#e1e4e8\"/><text x=\"{0:.1}\" y=\"11\" font-size=\"10\" text-anchor=\"{2}\" fill=\"#5b6475\">{1}</text>",
            x(ms),
            secs(ms),
            match i {
                0 => "start",
                4 => "end",
                _ => "middle",
            }
        );
    }
    for (i, step) in waits.iter().enumerate() {
        let Some(t) = &step.trace else { continue };
        let top = 20.0 + per_wait * i as f64;
        let _ = write!(
            h,
            "<text x=\"0\" y=\"{:.1}\" font-size=\"11\" fill=\"{}\">{}</text><text x=\"0\" y=\"{:.1}\" font-size=\"9\" fill=\"#5b6475\">declared / observed</text>",
            top + 10.0,
            if step.verdict == Verdict::Failed { "#c62828" } else { "#1d2330" },
            esc(&truncate(&step.name, 30)),
            top + 2.0 * ROW + 4.0
        );
        let (from, to) = (step.offset_ms, step.offset_ms + step.duration_ms.max(1));
        declared_row(h, t, x(from), x(to), top);
        observed_row(h, t, &x, x(to), top + ROW + 1.0);
    }
    h.push_str("</svg>");
}

fn declared_row(h: &mut String, t: &Trace, from: f64, to: f64, y: f64) {
    let path: Vec<&str> = if t.declared_path.is_empty() {
        vec![t.until.as_str()]
    } else {
        t.declared_path.iter().map(String::as_str).collect()
    };
    let width = ((to - from) / path.len() as f64).max(2.0);
    for (i, status) in path.iter().enumerate() {
        let start = from + width * i as f64;
        let _ = write!(
            h,
            "<rect x=\"{start:.1}\" y=\"{y:.1}\" width=\"{width:.1}\" height=\"{ROW}\" fill=\"{}\" fill-opacity=\"0.35\" stroke=\"#fff\"><title>declared {} (step {} of the path)</title></rect>",
            colour(kind_of(status)),
            esc(status),
            i + 1
        );
        if width > 40.0 {
            let _ = write!(
                h,
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"9\">{}</text>",
                start + 2.0,
                y + 10.0,
                esc(status)
            );
        }
    }
}

fn observed_row(h: &mut String, t: &Trace, x: &dyn Fn(u64) -> f64, end: f64, y: f64) {
    let polls = &t.observations;
    let mut i = 0;
    while i < polls.len() {
        let o = &polls[i];
        let mut j = i + 1;
        while j < polls.len() && polls[j].status == o.status && polls[j].task_state == o.task_state {
            j += 1;
        }
        let start = x(o.offset_ms);
        let stop = polls.get(j).map(|n| x(n.offset_ms)).unwrap_or(end);
        let width = (stop - start).max(3.0);
        let task = o.task_state.as_ref().map(|t| format!(", task_state {t}")).unwrap_or_default();
        let _ = write!(
            h,
            "<rect x=\"{start:.1}\" y=\"{y:.1}\" width=\"{width:.1}\" height=\"{ROW}\" fill=\"{}\"><title>{}{task} from {} (poll {}{})</title></rect>",
            colour(kind_of(&o.status)),
            esc(&o.status),
            secs(o.offset_ms),
            i + 1,
            if j > i + 1 { format!("–{j}") } else { String::new() }
        );
        if width > 40.0 {
            let _ = write!(
                h,
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"9\" fill=\"#fff\">{}</text>",
                start + 2.0,
                y + 10.0,
                esc(&o.status)
            );
        }
        i = j;
    }
    for o in polls {
        let _ = write!(
            h,
            "<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{1:.1}\" y2=\"{2:.1}\" stroke=\"#1d2330\" stroke-width=\"1\"/>",
            x(o.offset_ms),
            y - 1.0,
            y + ROW + 2.0
        );
    }
}

fn coverage(h: &mut String, outcome: &Outcome) {
    let c = views::coverage(outcome);
    let _ = write!(
        h,
        "<h2>Operation coverage</h2><p class=\"muted\">{} exercised, {} of the servers resource never.</p><details><summary>the table</summary><table><tr><th>operation</th><th>valid responses</th><th>schema failures</th></tr>",
        c.operations.len(),
        c.never.len()
    );
    for (op, (ok, bad)) in &c.operations {
        let _ = write!(
            h,
            "<tr><td><code>{}</code></td><td>{ok}</td><td class=\"{}\">{bad}</td></tr>",
            esc(op),
            if *bad > 0 { "failed" } else { "" }
        );
    }
    for op in &c.never {
        let _ = write!(
            h,
            "<tr><td class=\"never\"><code>{}</code></td><td class=\"never\" colspan=\"2\">never exercised</td></tr>",
            esc(op)
        );
    }
    h.push_str("</table></details>");
    if !c.gaps.is_empty() {
        h.push_str("<p>Coverage gaps (responses with no schema to check):</p><ul>");
        for (why, n) in c.gaps {
            let _ = write!(h, "<li>{n}× {}</li>", esc(&why));
        }
        h.push_str("</ul>");
    }
}
