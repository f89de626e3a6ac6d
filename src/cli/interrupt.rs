//! Ctrl-C and SIGTERM: the first stops new steps and lets the owed cleanups run; the second
//! aborts at once (exit 130) and lists the cleanups that did not run.

use std::sync::Arc;

use tapedeck::runner::Cancel;

pub fn spawn_handler(cancel: Arc<Cancel>) {
    tokio::spawn(async move {
        let mut presses = 0;
        loop {
            wait_for_signal().await;
            presses += 1;
            if presses == 1 {
                eprintln!("\ninterrupted: no new steps; running cleanups (interrupt again to abort at once)");
                cancel.cancel();
            } else {
                let owed = cancel.owed();
                if owed.is_empty() {
                    eprintln!("aborted: no cleanup was owed");
                } else {
                    eprintln!("aborted: these cleanups did not run, so their resources may remain:");
                    for what in owed {
                        eprintln!("  {what}");
                    }
                    eprintln!("`tapedeck cleanup` finds td- servers left by earlier runs");
                }
                std::process::exit(130);
            }
        }
    });
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
