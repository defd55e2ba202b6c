//! When to retry a delivery, and when to give up on it or on a host.

use std::time::Duration;

use rand::Rng;

/// A delivery is abandoned once it has been failing for this long.
pub const GIVE_UP_AFTER: Duration = Duration::from_secs(4 * 24 * 60 * 60);

/// A host is marked dead after this many consecutive failures spread over at least a day.
pub const DEAD_AFTER_FAILURES: i64 = 10;
pub const DEAD_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// How often a dead host is probed to see whether it answers again.
pub const DEAD_HOST_PROBE: Duration = Duration::from_secs(6 * 60 * 60);

const FIRST_RETRY: Duration = Duration::from_secs(20);
const LONGEST_WAIT: Duration = Duration::from_secs(6 * 60 * 60);

/// Wait before retry number `attempt` (1 for the first retry): 20 s doubling each time, capped
/// at six hours, with up to a quarter added at random so retries from many nodes spread out.
/// The first retry comes within a minute; the schedule reaches hours after about ten failures.
pub fn retry_delay(attempt: u32) -> Duration {
    let base = FIRST_RETRY
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
        .min(LONGEST_WAIT);
    let jitter = rand::thread_rng().gen_range(0.0..0.25);
    base + base.mul_f64(jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_retry_within_a_minute_then_hours_and_capped() {
        for _ in 0..100 {
            assert!(retry_delay(1) < Duration::from_secs(60));
            assert!(retry_delay(1) >= Duration::from_secs(20));
        }
        assert!(retry_delay(10) >= Duration::from_secs(60 * 60 * 2));
        assert!(retry_delay(40) <= LONGEST_WAIT + LONGEST_WAIT / 4);
        let mut total = Duration::ZERO;
        let mut attempts = 0;
        while total < GIVE_UP_AFTER {
            attempts += 1;
            total += retry_delay(attempts);
        }
        assert!(
            (15..40).contains(&attempts),
            "gives up after {attempts} tries"
        );
    }
}
