//! When to poll next during a wait: soon after the action, then backing off, never longer
//! than the suite's interval. Fast transitions (Nova's reboot takes ~0.2 s) are seen quickly
//! without hammering the API during slow ones.

use std::time::Duration;

const FIRST_DELAY: Duration = Duration::from_millis(50);

#[derive(Debug, Clone)]
pub struct PollSchedule {
    next: Duration,
    max: Duration,
}

impl PollSchedule {
    pub fn new(max: Duration) -> Self {
        PollSchedule { next: FIRST_DELAY.min(max), max }
    }

    /// The pause before the next poll.
    pub fn next_delay(&mut self) -> Duration {
        let delay = self.next;
        self.next = (self.next * 2).min(self.max);
        delay
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backs_off_up_to_the_interval() {
        let mut s = PollSchedule::new(Duration::from_millis(300));
        let delays: Vec<u128> = (0..5).map(|_| s.next_delay().as_millis()).collect();
        assert_eq!(delays, [50, 100, 200, 300, 300]);
    }
}
