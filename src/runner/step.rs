//! A request step (and a cleanup): render the request, send it, check the response, capture.

use super::context::{PendingCleanup, RunCtx, location};
use super::evidence::sent_action;
use super::send::send;
use crate::check::{capture::capture, expect::check_response, schema::check_exchange};
use crate::outcome::{CheckKind, CheckOutcome, CheckState, StepKind, StepOutcome, Verdict};
use crate::plan::RunPlan;
use crate::suite::template::{RenderError, Vars, render_json};
use crate::suite::{MicroversionSetting, RequestSpec, Step};
use crate::transport::target::{check_target, relative_target};
use crate::transport::{Outgoing, microversion_headers};
use crate::util::clock::millis;
use crate::util::percent::encode;

pub async fn request(ctx: &mut RunCtx<'_>, s: &Step, spec: &RequestSpec) -> StepOutcome {
    let mut out =
        StepOutcome::start(&s.name, StepKind::Request, location(ctx.plan, s), millis(ctx.transport.elapsed()));
    let outgoing = match render(ctx.plan, &s.name, spec, &ctx.vars) {
        Ok(o) => o,
        Err(e) => {
            return fail(
                out,
                CheckOutcome::new(CheckKind::Render, "request", CheckState::Failed).message(e.to_string()),
            );
        }
    };
    let exchange = match send(ctx, &mut out, outgoing.clone()).await {
        Ok(index) => ctx.exchanges[index].clone(),
        Err(e) => return fail(out, CheckOutcome::new(CheckKind::Transport, "request", CheckState::Failed).message(e)),
    };
    out.duration_ms = exchange.duration_ms;
    if let Some(action) = sent_action(&exchange) {
        ctx.last_action = Some(action);
    }
    out.checks.extend(check_response(&s.expect, &exchange.response, &ctx.vars));
    out.checks.extend(check_exchange(ctx.schemas, &exchange, ctx.extra_keys, s.expect.operation.as_deref()));
    for c in &s.captures {
        match capture(c, &exchange.response) {
            Ok(value) => {
                ctx.vars.insert(c.var.clone(), value);
            }
            Err(e) => out.checks.push(CheckOutcome::new(CheckKind::Capture, &c.var, CheckState::Failed).message(e)),
        }
    }
    // A later step that does what a cleanup would do (DELETE the server) makes it unnecessary.
    if (200..300).contains(&exchange.response.status) {
        let target = exchange.request.path.clone();
        let plan = ctx.plan;
        for pending in ctx.cleanups.iter_mut().filter(|p| !p.done) {
            if let Ok(o) = render(plan, &pending.step, &pending.spec, &pending.vars)
                && o.method == outgoing.method
                && relative_target(&o.target, &[], &plan.endpoint_path).ok().as_deref() == Some(target.as_str())
            {
                pending.done = true;
            }
        }
    }
    // The cleanup is registered once the step ran; it is rendered with the variables as they
    // are now (so it names what this step created).
    if let Some(cleanup) = &s.cleanup {
        let what =
            render(ctx.plan, &s.name, cleanup, &ctx.vars).map(|o| o.describe()).unwrap_or_else(|e| e.to_string());
        let what = ctx.redactor.text(&format!("{}@{}: {what}", ctx.plan.suite.name, ctx.plan.microversion));
        let token = ctx.cancel.owe(what);
        ctx.cleanups.push(PendingCleanup {
            step: s.name.clone(),
            spec: cleanup.clone(),
            vars: ctx.vars.clone(),
            done: false,
            token,
        });
    }
    if out.checks.iter().any(CheckOutcome::failed) {
        out.verdict = Verdict::Failed;
    }
    out
}

/// Why a request of a suite could not be built from the run's variables.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("{0}")]
    Render(#[from] RenderError),
    /// The rendered path would leave the compute endpoint (a captured `../`, say).
    #[error("{0}")]
    Target(String),
}

pub fn render(plan: &RunPlan, step: &str, spec: &RequestSpec, vars: &Vars) -> Result<Outgoing, RequestError> {
    let mut target = spec.path.render(vars)?;
    // Checked before the query is added: a query may hold anything, the path may not.
    check_target(&target).map_err(RequestError::Target)?;
    if !spec.query.is_empty() {
        let mut pairs = Vec::new();
        for (k, v) in &spec.query {
            pairs.push(format!("{}={}", encode(k), encode(&v.render(vars)?)));
        }
        target.push(if target.contains('?') { '&' } else { '?' });
        target.push_str(&pairs.join("&"));
    }
    let microversion = match &spec.microversion {
        Some(MicroversionSetting::None) => None,
        Some(MicroversionSetting::Version(v)) => Some(v.to_string()),
        None => Some(plan.microversion.to_string()),
    };
    let mut headers = microversion_headers(microversion.as_deref());
    for (k, v) in &spec.headers {
        headers.retain(|(name, _)| !name.eq_ignore_ascii_case(k));
        headers.push((k.clone(), v.render(vars)?));
    }
    let body = match &spec.json {
        Some(j) => Some(render_json(j, vars)?),
        None => None,
    };
    Ok(Outgoing {
        step: step.to_string(),
        identity: spec.identity.clone(),
        method: spec.method.as_str().to_string(),
        target,
        headers,
        body,
    })
}

fn fail(mut out: StepOutcome, check: CheckOutcome) -> StepOutcome {
    out.verdict = Verdict::Failed;
    out.reason = check.message.clone();
    out.checks.push(check);
    out
}
