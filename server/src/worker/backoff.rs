//! How long a delivery waits after a transient failure: exponential in the attempt, with jitter
//! so that many rows failing together do not come back together, and never sooner than the
//! vendor's `Retry-After`.
use std::time::Duration;

use rand::Rng;

/// The first retry waits about this long by default (setting `retry_base_seconds`); each later
/// one four times longer.
pub const BASE: Duration = Duration::from_secs(30);
/// No wait is longer than this, whatever the attempt or the vendor asks.
pub const MAX: Duration = Duration::from_secs(60 * 60);

/// The wait before the next attempt after `attempt` (1-based) failed transiently: base x 4^(n-1),
/// capped at MAX, then "equal jitter" (half fixed, half random), and at least `retry_after`.
pub fn retry_delay(base: Duration, attempt: i32, retry_after: Option<Duration>, rng: &mut impl Rng) -> Duration {
    let exponent = attempt.clamp(1, 16) as u32 - 1;
    let full = base.saturating_mul(4u32.saturating_pow(exponent)).min(MAX);
    let half = full / 2;
    let jittered = half + half.mul_f64(rng.random::<f64>());
    jittered.max(retry_after.unwrap_or_default().min(MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn delays_grow_per_attempt_within_their_jitter_band() {
        let mut rng = StdRng::seed_from_u64(7);
        let mut previous_max = Duration::ZERO;
        for attempt in 1..=4 {
            let full = BASE * 4u32.pow(attempt as u32 - 1);
            for _ in 0..100 {
                let d = retry_delay(BASE, attempt, None, &mut rng);
                assert!(d >= full / 2 && d <= full, "attempt {attempt}: {d:?}");
                assert!(d >= previous_max / 2);
            }
            previous_max = full;
        }
    }

    #[test]
    fn delays_are_capped_and_jittered() {
        let mut rng = StdRng::seed_from_u64(1);
        assert!(retry_delay(BASE, 40, None, &mut rng) <= MAX);
        let samples: std::collections::BTreeSet<_> = (0..20).map(|_| retry_delay(BASE, 2, None, &mut rng)).collect();
        assert!(samples.len() > 10, "jitter spreads retries");
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_cap() {
        let mut rng = StdRng::seed_from_u64(3);
        assert_eq!(retry_delay(BASE, 1, Some(Duration::from_secs(600)), &mut rng), Duration::from_secs(600));
        assert_eq!(retry_delay(BASE, 1, Some(Duration::from_secs(86_400)), &mut rng), MAX);
        assert!(retry_delay(BASE, 3, Some(Duration::from_secs(1)), &mut rng) >= BASE * 8);
    }
}
