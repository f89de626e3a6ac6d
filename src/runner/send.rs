//! Sending a request of a run: through the run's transport, repeated where the retry policy
//! allows, every attempt kept as an exchange of the run and of its step.

use super::context::RunCtx;
use super::retry::{self, Decision};
use crate::outcome::{CheckKind, CheckOutcome, CheckState, StepOutcome};
use crate::transport::{Outgoing, TransportErrorKind};

/// Sends a request, repeating it where `retry` allows; every attempt is an exchange of the
/// run (recorded, so replay repeats the same retries) and of the step (`out`), and a retry
/// leaves a warning saying why. The index of the last attempt's exchange, or why none came.
pub async fn send(ctx: &mut RunCtx<'_>, out: &mut StepOutcome, outgoing: Outgoing) -> Result<usize, String> {
    let method = outgoing.method.clone();
    let mut attempt = 0;
    loop {
        let pause = match ctx.transport.send(outgoing.clone()).await {
            Ok(exchange) => {
                ctx.exchanges.push(exchange);
                let index = ctx.exchanges.len() - 1;
                out.exchanges.push(index);
                match retry::after_response(&method, &ctx.exchanges[index].response, attempt) {
                    Decision::Stop(why) => {
                        if let Some(why) = why {
                            out.checks.push(
                                CheckOutcome::new(CheckKind::Transport, "retry", CheckState::Warning).message(why),
                            );
                        }
                        return Ok(index);
                    }
                    Decision::Retry(pause) => {
                        let status = ctx.exchanges[index].response.status;
                        retried(
                            out,
                            format!(
                                "{status} from {}; retried after {:.1} s",
                                outgoing.describe(),
                                pause.as_secs_f64()
                            ),
                        );
                        pause
                    }
                }
            }
            Err(e) => match retry::after_error(&method, e.kind, attempt) {
                Some(pause) if ctx.cleaning || !ctx.cancel.is_cancelled() => {
                    retried(out, format!("{e}; retried after {:.1} s", pause.as_secs_f64()));
                    pause
                }
                _ => {
                    if matches!(
                        e.kind,
                        TransportErrorKind::Connect
                            | TransportErrorKind::Timeout
                            | TransportErrorKind::Io
                            | TransportErrorKind::Auth
                    ) {
                        ctx.transport_failed = true;
                    }
                    let after = if attempt > 0 { format!(" (after {attempt} retries)") } else { String::new() };
                    return Err(format!("{}{after}", e.message));
                }
            },
        };
        attempt += 1;
        let cancel = ctx.cancel;
        if ctx.cleaning {
            ctx.transport.pause(pause).await;
            continue;
        }
        tokio::select! {
            _ = ctx.transport.pause(pause) => {}
            _ = cancel.cancelled() => {}
        }
    }
}

fn retried(out: &mut StepOutcome, message: String) {
    out.checks.push(CheckOutcome::new(CheckKind::Transport, "retry", CheckState::Warning).message(message));
}
