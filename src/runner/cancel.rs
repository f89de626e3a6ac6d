//! Interruption: the first Ctrl-C / SIGTERM stops new steps and lets cleanups run; waits
//! notice it between polls. It also knows which cleanups are still owed, so that an abort (a
//! second Ctrl-C) can say which resources may remain.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

#[derive(Debug, Default)]
pub struct Cancel {
    set: AtomicBool,
    notify: Notify,
    owed: Mutex<BTreeMap<u64, String>>,
    next: AtomicU64,
}

impl Cancel {
    pub fn new() -> Arc<Cancel> {
        Arc::new(Cancel::default())
    }

    pub fn cancel(&self) {
        self.set.store(true, Ordering::SeqCst);
        self.notify.notify_waiters();
    }

    pub fn is_cancelled(&self) -> bool {
        self.set.load(Ordering::SeqCst)
    }

    /// A cleanup is owed (what it would do, said for a human); the token settles it.
    pub fn owe(&self, what: String) -> u64 {
        let token = self.next.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut owed) = self.owed.lock() {
            owed.insert(token, what);
        }
        token
    }

    pub fn settle(&self, token: u64) {
        if let Ok(mut owed) = self.owed.lock() {
            owed.remove(&token);
        }
    }

    /// The cleanups owed now, oldest first.
    pub fn owed(&self) -> Vec<String> {
        self.owed.lock().map(|o| o.values().cloned().collect()).unwrap_or_default()
    }

    /// Resolves once cancelled.
    pub async fn cancelled(&self) {
        while !self.is_cancelled() {
            let notified = self.notify.notified();
            if self.is_cancelled() {
                return;
            }
            notified.await;
        }
    }
}
