//! Live progress, a view of the runner's event stream: on a terminal a spinner per running run
//! with its current step and, during a wait, the time waited and the last status seen; in a
//! log (not a terminal) plain lines. Each finished live run prints its result line either way,
//! its verdict coloured when the stream takes colour; a replay prints nothing here (the final
//! list, in plan order, says it all). Everything goes to standard output, or to
//! standard error when standard output carries a report (`--report KIND=-`).

use std::collections::HashMap;
use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::human;
use crate::outcome::Mode;
use crate::runner::Event;

/// Where the progress goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

impl Stream {
    fn is_terminal(self) -> bool {
        match self {
            Stream::Stdout => std::io::stdout().is_terminal(),
            Stream::Stderr => std::io::stderr().is_terminal(),
        }
    }

    /// Whether styles reach this stream (`--color`, `NO_COLOR`, `CLICOLOR_FORCE`, a terminal).
    pub fn colour(self) -> bool {
        let choice = match self {
            Stream::Stdout => anstream::AutoStream::choice(&std::io::stdout()),
            Stream::Stderr => anstream::AutoStream::choice(&std::io::stderr()),
        };
        choice != anstream::ColorChoice::Never
    }

    /// One line, its styles kept or stripped as the stream takes them.
    pub fn line(self, text: &str) {
        match self {
            Stream::Stdout => anstream::println!("{text}"),
            Stream::Stderr => anstream::eprintln!("{text}"),
        }
    }
}

pub struct ProgressView {
    mode: Mode,
    stream: Stream,
    bars: Option<(MultiProgress, HashMap<usize, ProgressBar>)>,
    labels: HashMap<usize, String>,
}

impl ProgressView {
    pub fn new(mode: Mode, stream: Stream) -> Self {
        // Replays take milliseconds: spinners would only flicker.
        let interactive = stream.is_terminal() && mode != Mode::Replay;
        let target = match stream {
            Stream::Stdout => ProgressDrawTarget::stdout(),
            Stream::Stderr => ProgressDrawTarget::stderr(),
        };
        let bars = interactive.then(|| (MultiProgress::with_draw_target(target), HashMap::new()));
        ProgressView { mode, stream, bars, labels: HashMap::new() }
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
                    None if self.mode != Mode::Replay => self.stream.line(&format!("start {label}")),
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
                        // indicatif writes as it is given: strip the styles it must not show.
                        let line =
                            if self.stream.colour() { line } else { anstream::adapter::strip_str(&line).to_string() };
                        let _ = multi.println(line);
                    }
                    // A replay's runs finish in milliseconds, in no fixed order: its lines come
                    // at the end, in plan order.
                    None if self.mode == Mode::Replay => {}
                    None => self.stream.line(&line),
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
