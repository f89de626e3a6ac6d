//! `--report html=PATH`: one self-contained page (inline CSS and SVG, no scripts, nothing
//! fetched) a person reads: verdict per capability, every run, failures with the request, the
//! response and schema errors with their pointers, each wait's observed status trace drawn as a
//! timeline, and which api-ref operations were exercised.

use std::fmt::Write;

use super::human::secs;
use super::views;
use crate::outcome::{Outcome, RunOutcome, StepOutcome, Trace, Verdict};
use crate::util::json::{excerpt, truncate};

const STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#1d2330;padding:0 1em}\
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #d9dde5;padding-bottom:.2em}\
table{border-collapse:collapse;width:100%;margin:.5em 0}td,th{border:1px solid #d9dde5;padding:.3em .5em;text-align:left;vertical-align:top}\
th{background:#f3f5f9}.passed{color:#17803d}.failed{color:#c62828;font-weight:600}.skipped{color:#8a6d00}.interrupted,.notrun{color:#6a3fb5;font-weight:600}\
.badge{display:inline-block;padding:.1em .6em;border-radius:1em;color:#fff;font-weight:600}\
.b-passed{background:#17803d}.b-failed{background:#c62828}.b-skipped{background:#a07c00}\
pre{background:#f6f8fa;border:1px solid #e1e4e8;padding:.6em;overflow-x:auto;white-space:pre-wrap;word-break:break-all}\
.trace{margin:.4em 0 1em}.trace svg{width:100%;height:46px}.muted{color:#5b6475}code{font-size:.95em}";

pub fn render(outcome: &Outcome) -> String {
    let mut h = String::new();
    let s = &outcome.summary;
    let overall = if s.failed > 0 {
        "failed"
    } else if outcome.interrupted || s.interrupted + s.not_run > 0 {
        "interrupted"
    } else {
        "passed"
    };
    let unfinished = if s.interrupted + s.not_run > 0 {
        format!(" · {} interrupted · {} not run", s.interrupted, s.not_run)
    } else {
        String::new()
    };
    let _ = write!(
        h,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>tapedeck report</title><style>{STYLE}</style></head><body>"
    );
    let _ = write!(
        h,
        "<h1>tapedeck report <span class=\"badge b-{overall}\">{} passed · {} failed · {} skipped{unfinished}</span></h1>\
         <p class=\"muted\">Provider <code>{}</code>, {:?} mode, started {}, {} runs in {}.</p>",
        s.passed,
        s.failed,
        s.skipped,
        esc(&outcome.provider),
        outcome.mode,
        esc(&outcome.started_at),
        s.runs,
        secs(outcome.duration_ms)
    );
    capabilities(&mut h, outcome);
    runs(&mut h, outcome);
    failures(&mut h, outcome);
    warnings(&mut h, outcome);
    traces(&mut h, outcome);
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

fn capabilities(h: &mut String, outcome: &Outcome) {
    h.push_str("<h2>Capabilities</h2><table><tr><th>capability</th><th>verdict</th><th>runs</th></tr>");
    for (cap, v, runs) in views::capabilities(outcome) {
        let names: Vec<String> = runs
            .iter()
            .map(|r| {
                format!("<span class=\"{}\">{}@{}</span>", verdict_class(r.verdict), esc(&r.suite), r.microversion)
            })
            .collect();
        let _ = write!(
            h,
            "<tr><td><code>{}</code></td><td class=\"{c}\">{c}</td><td>{}</td></tr>",
            esc(cap),
            names.join(", "),
            c = verdict_class(v)
        );
    }
    h.push_str("</table>");
}

fn runs(h: &mut String, outcome: &Outcome) {
    h.push_str("<h2>Runs</h2><table><tr><th>suite</th><th>microversion</th><th>verdict</th><th>steps</th><th>time</th><th>reason</th></tr>");
    for r in &outcome.runs {
        let ran = r.steps.iter().filter(|s| s.verdict != Verdict::Skipped).count();
        let _ = write!(
            h,
            "<tr><td><code>{}</code></td><td>{}</td><td class=\"{c}\">{c}</td><td>{ran}/{}</td><td>{}</td><td>{}</td></tr>",
            esc(&r.suite),
            r.microversion,
            r.steps.len(),
            secs(r.duration_ms),
            esc(r.reason.as_deref().unwrap_or("")),
            c = verdict_class(r.verdict)
        );
    }
    h.push_str("</table>");
}

fn failures(h: &mut String, outcome: &Outcome) {
    let failed: Vec<&RunOutcome> = outcome.runs.iter().filter(|r| r.verdict == Verdict::Failed).collect();
    if failed.is_empty() {
        return;
    }
    h.push_str("<h2>Failures</h2>");
    for r in failed {
        let _ = write!(h, "<h3><code>{}</code> @ {}</h3>", esc(&r.suite), r.microversion);
        if r.steps.iter().chain(&r.cleanups).all(|s| s.verdict != Verdict::Failed) {
            let _ = write!(h, "<p class=\"failed\">{}</p>", esc(r.reason.as_deref().unwrap_or("failed")));
        }
        for step in r.steps.iter().chain(&r.cleanups).filter(|s| s.verdict == Verdict::Failed) {
            failed_step(h, r, step);
        }
    }
}

fn warnings(h: &mut String, outcome: &Outcome) {
    let warnings = views::warnings(outcome);
    if warnings.is_empty() {
        return;
    }
    h.push_str("<h2>Warnings</h2><ul>");
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
    h.push_str("</ul>");
}

fn failed_step(h: &mut String, r: &RunOutcome, step: &StepOutcome) {
    let at = step.location.as_ref().map(|l| format!(" <span class=\"muted\">{}</span>", esc(l))).unwrap_or_default();
    let _ = write!(
        h,
        "<p><b>step <code>{}</code></b>{at}</p><table><tr><th>check</th><th>target</th><th>expected</th><th>actual</th><th>message</th></tr>",
        esc(&step.name)
    );
    for c in step.checks.iter().filter(|c| c.failed()) {
        let _ = write!(
            h,
            "<tr><td>{:?}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            c.kind,
            esc(&c.target),
            esc(c.expected.as_deref().unwrap_or("")),
            esc(c.actual.as_deref().unwrap_or("")),
            esc(c.message.as_deref().unwrap_or(""))
        );
    }
    h.push_str("</table>");
    if let Some(reason) = step.reason.as_ref().filter(|_| step.checks.iter().all(|c| !c.failed())) {
        let _ = write!(h, "<p class=\"failed\">{}</p>", esc(reason));
    }
    if let Some(t) = &step.trace {
        timeline(h, t);
    }
    if let Some(e) = step.exchanges.last().and_then(|i| r.exchanges.get(*i)) {
        let req_body = e.request.body.as_ref().map(|b| format!("\n{}", excerpt(b, 600))).unwrap_or_default();
        let resp_body = e
            .response
            .body
            .as_ref()
            .map(|b| excerpt(b, 1200))
            .or_else(|| e.response.text.as_ref().map(|t| truncate(t, 1200)))
            .unwrap_or_default();
        let _ = write!(
            h,
            "<pre>{} {}{}</pre><pre>{} {}</pre>",
            esc(&e.request.method),
            esc(&e.request.path),
            esc(&req_body),
            e.response.status,
            esc(&resp_body)
        );
    }
}

/// A status colour that stays the same for a status across the page.
fn colour(status: &str) -> String {
    let hash = status.bytes().fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    match status {
        "ACTIVE" => "#2e7d32".into(),
        "ERROR" => "#c62828".into(),
        "DELETED" => "#616161".into(),
        _ => format!("hsl({}, 60%, 50%)", hash % 360),
    }
}

/// The polls of one wait on a time axis: each status as a band from its poll to the next.
fn timeline(h: &mut String, t: &Trace) {
    let (Some(first), Some(last)) = (t.observations.first(), t.observations.last()) else { return };
    let span = (last.offset_ms.saturating_sub(first.offset_ms)).max(1) as f64;
    // Polls between x=10 and x=860; the settled status keeps the rest, room for its label.
    let x = |ms: u64| 10.0 + 850.0 * (ms.saturating_sub(first.offset_ms)) as f64 / span;
    let _ = write!(
        h,
        "<div class=\"trace\"><svg viewBox=\"0 0 1000 46\" role=\"img\" aria-label=\"status trace of server {}\">",
        esc(&t.server)
    );
    let mut i = 0;
    while i < t.observations.len() {
        let o = &t.observations[i];
        let mut j = i + 1;
        while j < t.observations.len() && t.observations[j].status == o.status {
            j += 1;
        }
        let end = t.observations.get(j).map(|n| x(n.offset_ms)).unwrap_or(990.0);
        let start = x(o.offset_ms);
        let width = (end - start).max(6.0);
        let _ = write!(
            h,
            "<rect x=\"{start:.1}\" y=\"4\" width=\"{width:.1}\" height=\"18\" fill=\"{}\"><title>{} from {}</title></rect><text x=\"{start:.1}\" y=\"38\" font-size=\"11\">{}</text>",
            colour(&o.status),
            esc(&o.status),
            secs(o.offset_ms),
            esc(&o.status)
        );
        i = j;
    }
    for o in &t.observations {
        let _ = write!(
            h,
            "<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"2\" y2=\"24\" stroke=\"#1d2330\" stroke-width=\"1\"/>",
            x(o.offset_ms)
        );
    }
    let declared = if t.declared_path.is_empty() { "any".to_string() } else { t.declared_path.join(" → ") };
    let _ = write!(
        h,
        "</svg><div class=\"muted\">{} polls, {} → {}; declared {}</div></div>",
        t.observations.len(),
        secs(first.offset_ms),
        secs(last.offset_ms),
        esc(&declared)
    );
}

fn traces(h: &mut String, outcome: &Outcome) {
    h.push_str("<h2>Status traces</h2><p class=\"muted\">Every poll of every wait (ticks), each status as a band until the next one.</p>");
    for r in &outcome.runs {
        for step in r.steps.iter().filter(|s| s.trace.is_some()) {
            let _ = write!(
                h,
                "<p><code>{}</code>@{} <b>{}</b> <span class=\"{c}\">{c}</span></p>",
                esc(&r.suite),
                r.microversion,
                esc(&step.name),
                c = verdict_class(step.verdict)
            );
            if let Some(t) = &step.trace {
                timeline(h, t);
            }
        }
    }
}

fn coverage(h: &mut String, outcome: &Outcome) {
    let c = views::coverage(outcome);
    h.push_str(
        "<h2>Operation coverage</h2><table><tr><th>operation</th><th>valid responses</th><th>schema failures</th></tr>",
    );
    for (op, (ok, bad)) in &c.operations {
        let _ = write!(
            h,
            "<tr><td><code>{}</code></td><td>{ok}</td><td class=\"{}\">{bad}</td></tr>",
            esc(op),
            if *bad > 0 { "failed" } else { "" }
        );
    }
    h.push_str("</table>");
    if !c.gaps.is_empty() {
        h.push_str("<p>Coverage gaps (responses with no schema to check):</p><ul>");
        for (why, n) in c.gaps {
            let _ = write!(h, "<li>{n}× {}</li>", esc(&why));
        }
        h.push_str("</ul>");
    }
}
