//! Live progress, a view of the runner's event stream: on a terminal a spinner per running run
//! with its current step and, during a wait, the time waited and the last status seen; in a
//! log (not a terminal) plain lines. Each finished run prints its result line either way.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::human;
use crate::outcome::Mode;
use crate::runner::Event;

pub struct ProgressView {
    mode: Mode,
    bars: Option<(MultiProgress, HashMap<usize, ProgressBar>)>,
    labels: HashMap<usize, String>,
}

impl ProgressView {
    pub fn new(mode: Mode) -> Self {
        // Replays take milliseconds: spinners would only flicker.
        let interactive = std::io::stdout().is_terminal() && mode != Mode::Replay;
        let bars = interactive.then(|| (MultiProgress::with_draw_target(ProgressDrawTarget::stdout()), HashMap::new()));
        ProgressView { mode, bars, labels: HashMap::new() }
    }

    pub fn handle(&mut self, event: Event) {
        match event {
            Event::RunStarted { index, suite, microversion } => {
                let label = format!("{suite} @ {microversion}");
                match &mut self.bars {
                    Some((multi, bars)) => {
                        let bar = multi.add(ProgressBar::new_spinner());
                        bar.set_style(
                            ProgressStyle::with_template("{spinner} {prefix:40} {msg}")
                                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                        );
                        bar.set_prefix(label.clone());
                        bar.enable_steady_tick(Duration::from_millis(120));
                        bars.insert(index, bar);
                    }
                    None if self.mode != Mode::Replay => println!("start {label}"),
                    None => {}
                }
                self.labels.insert(index, label);
            }
            Event::StepStarted { index, step } => self.message(index, step),
            Event::WaitPolled { index, step, status, waited_ms, until } => {
                self.message(index, format!("{step}: {status}, waiting for {until} {}", human::secs(waited_ms)));
            }
            Event::RunFinished { index, outcome } => {
                let line = human::run_line(&outcome, self.mode);
                match &mut self.bars {
                    Some((multi, bars)) => {
                        if let Some(bar) = bars.remove(&index) {
                            bar.finish_and_clear();
                            multi.remove(&bar);
                        }
                        let _ = multi.println(line);
                    }
                    None => println!("{line}"),
                }
            }
        }
    }

    fn message(&self, index: usize, text: String) {
        if let Some((_, bars)) = &self.bars
            && let Some(bar) = bars.get(&index)
        {
            bar.set_message(text);
        }
    }
}
