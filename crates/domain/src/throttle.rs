//! The login throttle's rule: a progressive delay, never a lock.
//!
//! Every attempt is counted before the password is checked, so that parallel guesses cannot
//! all slip through before the first failure is written. The first `free_attempts` attempts of
//! a streak go through at once; from then on each attempt makes the next one wait, twice as long
//! each time, up to `max_delay`. An attempt made while a delay runs is refused and not counted,
//! so hammering does not lengthen anyone's wait: whoever waits out the delay gets one try, and a
//! right password then succeeds. A streak is forgotten after `forget_after` without attempts.

use time::{Duration, OffsetDateTime};

/// How one kind of key (an account, an address) is throttled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Attempts in a streak that never wait.
    pub free_attempts: i64,
    /// The wait after the last free attempt; each further attempt doubles it.
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// A streak ends after this long without attempts.
    pub forget_after: Duration,
}

/// What the throttle remembers about one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleState {
    /// Attempts counted in the current streak, not yet refunded by a success.
    pub attempts: i64,
    pub last_attempt_at: OffsetDateTime,
    /// No attempt is let through before this time.
    pub wait_until: Option<OffsetDateTime>,
}

impl ThrottlePolicy {
    /// The wait that follows the `attempts`-th attempt of a streak, if any.
    pub fn delay_after(&self, attempts: i64) -> Option<Duration> {
        if attempts < self.free_attempts {
            return None;
        }
        // The exponent is bounded before shifting: 2^20 times any sensible base exceeds the cap.
        let doublings = u32::try_from(attempts - self.free_attempts).unwrap_or(u32::MAX).min(20);
        let delay = self.base_delay * (1i32 << doublings);
        Some(delay.min(self.max_delay))
    }

    /// Counts one attempt at `now`: the state to store if the attempt may go on, or the time
    /// before which it is refused (and nothing changes).
    pub fn take(&self, current: Option<&ThrottleState>, now: OffsetDateTime) -> Result<ThrottleState, OffsetDateTime> {
        let attempts = match current {
            Some(s) if s.wait_until.is_some_and(|until| until > now) => {
                return Err(s.wait_until.unwrap_or(now));
            }
            Some(s) if now - s.last_attempt_at < self.forget_after => s.attempts.max(0) + 1,
            _ => 1,
        };
        Ok(ThrottleState {
            attempts,
            last_attempt_at: now,
            wait_until: self.delay_after(attempts).map(|d| now + d),
        })
    }

    /// The state after an attempt counted by [`take`](Self::take) turned out to be right: the
    /// attempt is given back, and a wait that only it had caused is lifted.
    pub fn refund(&self, current: &ThrottleState) -> ThrottleState {
        let attempts = (current.attempts - 1).max(0);
        ThrottleState {
            attempts,
            last_attempt_at: current.last_attempt_at,
            wait_until: if attempts < self.free_attempts {
                None
            } else {
                current.wait_until
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> ThrottlePolicy {
        ThrottlePolicy {
            free_attempts: 3,
            base_delay: Duration::seconds(5),
            max_delay: Duration::minutes(5),
            forget_after: Duration::minutes(15),
        }
    }

    fn at(s: i64) -> OffsetDateTime {
        OffsetDateTime::UNIX_EPOCH + Duration::seconds(1_800_000_000 + s)
    }

    #[test]
    fn delays_grow_and_are_capped() {
        let p = policy();
        assert_eq!(p.delay_after(1), None);
        assert_eq!(p.delay_after(2), None);
        assert_eq!(p.delay_after(3), Some(Duration::seconds(5)));
        assert_eq!(p.delay_after(4), Some(Duration::seconds(10)));
        assert_eq!(p.delay_after(6), Some(Duration::seconds(40)));
        assert_eq!(p.delay_after(12), Some(Duration::minutes(5)));
        assert_eq!(p.delay_after(i64::MAX), Some(Duration::minutes(5)));
    }

    #[test]
    fn attempts_wait_but_are_never_locked_out() {
        let p = policy();
        let mut state = None;
        for i in 0..3 {
            state = Some(p.take(state.as_ref(), at(i)).unwrap());
        }
        let s = state.unwrap();
        assert_eq!((s.attempts, s.wait_until), (3, Some(at(2 + 5))));
        // Refused while the delay runs, and the refusal changes nothing.
        assert_eq!(p.take(Some(&s), at(3)), Err(at(7)));
        assert_eq!(p.take(Some(&s), at(6)), Err(at(7)));
        // Once it has passed, one attempt goes through and the next wait doubles.
        let s = p.take(Some(&s), at(7)).unwrap();
        assert_eq!((s.attempts, s.wait_until), (4, Some(at(17))));
        // However long someone hammers, the wait never exceeds the cap.
        let mut s = s;
        let mut t = 17;
        for _ in 0..40 {
            s = p.take(Some(&s), at(t)).unwrap();
            t = (s.wait_until.unwrap() - at(0)).whole_seconds();
        }
        assert_eq!(s.wait_until.unwrap() - s.last_attempt_at, Duration::minutes(5));
    }

    #[test]
    fn streaks_are_forgotten_and_successes_refunded() {
        let p = policy();
        let s = p.take(None, at(0)).unwrap();
        let s = p.take(Some(&s), at(1)).unwrap();
        assert_eq!(s.attempts, 2);
        let later = p.take(Some(&s), at(1 + 15 * 60)).unwrap();
        assert_eq!((later.attempts, later.wait_until), (1, None));

        // The third attempt started a wait; it was the right password, so the wait is lifted.
        let third = p.take(Some(&s), at(2)).unwrap();
        assert!(third.wait_until.is_some());
        let back = p.refund(&third);
        assert_eq!((back.attempts, back.wait_until), (2, None));
        // Past the free attempts, real failures keep their wait.
        let fourth = p.take(Some(&third), at(7)).unwrap();
        assert_eq!(p.refund(&fourth).wait_until, fourth.wait_until);
        assert_eq!(p.refund(&ThrottleState { attempts: 0, ..back }).attempts, 0);
    }
}
