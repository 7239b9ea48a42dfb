//! A value read from a database, trusted for a bounded time and refreshed ahead of its
//! expiry by one caller: the rule every per-request cache of `runtime serve` follows.
//!
//! A busy host asks for the same few rows on every request (a web trigger's owner, an
//! app's config variables); a cache saves the round trip, and its bound says how stale an
//! answer may be. Were every entry to expire at once, every request in flight at that
//! moment would miss and ask the database together, once per bound: on SQLite they queue
//! behind one another on sqlx's one connection thread, and the host's p99 is that queue
//! (BENCHMARKS.md, issue 15: 18 ms at half of peak against a median of 0.85 ms, before
//! the web trigger id cache followed this rule).
//!
//! So an entry is trusted for [`Freshness::fresh_for`] from its read, as before; once it is
//! [`Freshness::refresh_after`] old, the first caller to see it claims the refresh and asks
//! the database while the others keep answering from it; a claim lapses after
//! [`Freshness::claim_for`] (its caller may have failed or gone); and an entry `fresh_for`
//! old is a miss for everyone. Nothing is ever trusted for longer than `fresh_for`, and a
//! refresh that fails leaves the still-fresh entry to answer.

use std::time::{Duration, Instant};

/// How long an entry is trusted, and when it is refreshed ahead of that.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Freshness {
    /// Age past which nobody answers from the entry.
    pub fresh_for: Duration,
    /// Age from which the first caller to see the entry refreshes it.
    pub refresh_after: Duration,
    /// How long a claimed refresh keeps other callers from claiming it again.
    pub claim_for: Duration,
}

impl Freshness {
    /// Trusted for `fresh_for`, refreshed from half of it on, a claim lapsing after a
    /// fifth of it: a caller that claimed and stalled leaves time for two more claims
    /// before the entry expires.
    pub const fn within(fresh_for: Duration) -> Self {
        let nanos = fresh_for.as_nanos();
        Self {
            fresh_for,
            refresh_after: duration_from_nanos(nanos / 2),
            claim_for: duration_from_nanos(nanos / 5),
        }
    }
}

/// `nanos` as a duration, saturating (a `Duration` of more than `u64::MAX` nanoseconds,
/// 584 years, is no freshness bound anyone sets).
const fn duration_from_nanos(nanos: u128) -> Duration {
    if nanos > u64::MAX as u128 {
        Duration::from_nanos(u64::MAX)
    } else {
        Duration::from_nanos(nanos as u64)
    }
}

/// A value read from the database at `read_at`.
#[derive(Debug)]
pub struct Kept<T> {
    value: T,
    read_at: Instant,
    /// When a caller last took the refresh on itself.
    claimed_at: Option<Instant>,
}

/// What a caller does with what the cache holds.
#[derive(Debug, PartialEq, Eq)]
pub enum Use<T> {
    /// Answer with it.
    Kept(T),
    /// Ask the database and keep what it says; this still-fresh value is the answer if
    /// the database cannot be asked.
    Refresh(T),
    /// Ask the database (and keep what it says).
    Ask,
}

impl<T: Clone> Kept<T> {
    /// `value`, as read by a database query that began at `read_at` (the moment its
    /// content could last have changed, not the moment the answer came).
    pub fn new(value: T, read_at: Instant) -> Self {
        Self {
            value,
            read_at,
            claimed_at: None,
        }
    }

    /// The one rule (see the module docs): what a caller at `now` does with the entry.
    pub fn used_at(&mut self, now: Instant, freshness: Freshness) -> Use<T> {
        let age = now.saturating_duration_since(self.read_at);
        if age >= freshness.fresh_for {
            return Use::Ask;
        }
        let claimable = self
            .claimed_at
            .is_none_or(|claimed| now.saturating_duration_since(claimed) >= freshness.claim_for);
        if age >= freshness.refresh_after && claimable {
            self.claimed_at = Some(now);
            return Use::Refresh(self.value.clone());
        }
        Use::Kept(self.value.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Freshness = Freshness::within(Duration::from_secs(1));

    fn kept_at(read_at: Instant) -> Kept<u32> {
        Kept::new(7, read_at)
    }

    #[test]
    fn within_halves_and_fifths_the_bound() {
        assert_eq!(SECOND.refresh_after, Duration::from_millis(500));
        assert_eq!(SECOND.claim_for, Duration::from_millis(200));
        let never = Freshness::within(Duration::ZERO);
        assert_eq!(
            kept_at(Instant::now()).used_at(Instant::now(), never),
            Use::Ask
        );
        let long = Freshness::within(Duration::MAX);
        assert_eq!(long.fresh_for, Duration::MAX);
        assert_eq!(long.refresh_after, Duration::from_nanos(u64::MAX));
    }

    #[test]
    fn a_young_entry_answers_everyone() {
        let read = Instant::now();
        let mut kept = kept_at(read);
        for _ in 0..3 {
            assert_eq!(
                kept.used_at(read + SECOND.refresh_after / 2, SECOND),
                Use::Kept(7)
            );
        }
    }

    #[test]
    fn past_the_refresh_age_one_caller_asks_again_and_the_others_keep_answering() {
        let read = Instant::now();
        let mut kept = kept_at(read);
        let due = read + SECOND.refresh_after;
        assert_eq!(
            kept.used_at(due, SECOND),
            Use::Refresh(7),
            "the first caller"
        );
        assert_eq!(kept.used_at(due, SECOND), Use::Kept(7), "the others");
        assert_eq!(
            kept.used_at(due + SECOND.claim_for / 2, SECOND),
            Use::Kept(7)
        );
        // The claimant failed or went away: another caller takes the refresh on.
        assert_eq!(
            kept.used_at(due + SECOND.claim_for, SECOND),
            Use::Refresh(7)
        );
        assert_eq!(kept.used_at(due + SECOND.claim_for, SECOND), Use::Kept(7));
    }

    #[test]
    fn nothing_is_trusted_past_fresh_for_whoever_claimed_what() {
        let read = Instant::now();
        let mut kept = kept_at(read);
        assert_eq!(
            kept.used_at(read + SECOND.fresh_for - SECOND.claim_for, SECOND),
            Use::Refresh(7)
        );
        for _ in 0..3 {
            assert_eq!(kept.used_at(read + SECOND.fresh_for, SECOND), Use::Ask);
        }
    }
}
