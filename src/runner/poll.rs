//! When to poll during a wait. Without an expectation the first poll goes out as soon as the
//! action returned, then polls back off from a short step. With an expected arrival for this
//! transition (`estimate`) the first poll is timed for it — preceded by one at half of it when
//! the expectation comes only from a recording made under other conditions — and polls step
//! finely after it. A poll right after the action was measured to be a certain miss with Nova
//! (it sets the task state before answering 202), so an expectation replaces it. No pause is
//! ever longer than the suite's interval.

use std::time::Duration;

use super::estimate::Expectation;

const FIRST_STEP: Duration = Duration::from_millis(50);
/// Look this much after the expected arrival, so most waits end at that poll.
const MARGIN: f64 = 1.1;

#[derive(Debug, Clone)]
pub struct PollSchedule {
    /// Moments (since the wait began) to poll at, earliest first.
    targets: Vec<Duration>,
    step: Duration,
    max: Duration,
}

impl PollSchedule {
    pub fn new(max: Duration, expected: Option<Expectation>) -> Self {
        let (targets, step) = match expected {
            None => (Vec::new(), FIRST_STEP),
            Some(e) => {
                let at = e.at.mul_f64(MARGIN);
                let targets = if e.confident { vec![at] } else { vec![at / 2, at] };
                // Missing the expected moment by a little should cost a little.
                (targets, (e.at / 10).max(FIRST_STEP))
            }
        };
        PollSchedule { targets, step: step.min(max), max }
    }

    /// The pause before the first poll.
    pub fn first_delay(&mut self) -> Duration {
        self.targets.first().map(|t| (*t).min(self.max)).unwrap_or(Duration::ZERO)
    }

    /// The pause before the next poll, `waited` into the wait.
    pub fn next_delay(&mut self, waited: Duration) -> Duration {
        self.targets.retain(|t| waited + FIRST_STEP / 2 < *t);
        if let Some(t) = self.targets.first() {
            return (*t - waited).min(self.max);
        }
        let delay = self.step;
        self.step = (self.step * 2).min(self.max);
        delay
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn without_an_expectation_backs_off_up_to_the_interval() {
        let mut s = PollSchedule::new(ms(300), None);
        assert_eq!(s.first_delay(), Duration::ZERO);
        let delays: Vec<u128> = (0..5).map(|_| s.next_delay(ms(0)).as_millis()).collect();
        assert_eq!(delays, [50, 100, 200, 300, 300]);
    }

    #[test]
    fn a_sure_expectation_is_one_poll_then_fine_steps() {
        let mut s = PollSchedule::new(ms(1000), Some(Expectation { at: ms(1500), confident: true }));
        // The first poll is timed for 1650 ms (1500 + 10 %), in pauses no longer than the
        // interval.
        assert_eq!(s.first_delay(), ms(1000));
        assert_eq!(s.next_delay(ms(1150)), ms(500));
        // Not there yet: 150 ms steps (a tenth of the expectation), doubling.
        assert_eq!(s.next_delay(ms(1700)), ms(150));
        assert_eq!(s.next_delay(ms(1900)), ms(300));
        assert_eq!(s.next_delay(ms(2250)), ms(600));
        assert_eq!(s.next_delay(ms(2900)), ms(1000));
    }

    #[test]
    fn an_unsure_expectation_looks_at_half_of_it_first() {
        let mut s = PollSchedule::new(ms(5000), Some(Expectation { at: ms(1000), confident: false }));
        assert_eq!(s.first_delay(), ms(550));
        assert_eq!(s.next_delay(ms(600)), ms(500));
        assert_eq!(s.next_delay(ms(1120)), ms(100));
    }
}
