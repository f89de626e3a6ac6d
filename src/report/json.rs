//! `--report json=PATH`: the whole outcome model (format 1), pretty-printed.

use crate::outcome::Outcome;

pub fn render(outcome: &Outcome) -> String {
    serde_json::to_string_pretty(outcome)
        .unwrap_or_else(|e| format!("{{\"error\": \"cannot serialise the outcome: {e}\"}}"))
}
