//! An app cannot trigger itself in an endless loop.
//!
//! Forge's answer is `filter.ignoreSelf`: events the app's own writes caused are dropped.
//! An app that does not set it still receives them (marked `selfGenerated: true`), and an
//! app that comments on every comment would then run forever. The guard bounds that: per
//! installation and subject (the issue, or the event type when there is none), at most
//! [`MAX_SELF_EVENTS`] self-generated events are delivered per [`WINDOW_MS`]; the rest are
//! dropped, logged and counted. Events another app on the site caused (`host::Cause::
//! AnotherApp`) are counted the same way: two apps that answer each other's writes (each
//! ignoring its own) would otherwise run forever, every reply of one an event for the
//! other. Events caused by people are never limited here.

use std::collections::HashMap;
use std::sync::Mutex;

use kiln_state::Installation;
use kiln_state::serve::UnixMillis;

/// Self-generated events delivered per installation and subject within [`WINDOW_MS`].
pub const MAX_SELF_EVENTS: usize = 10;
pub const WINDOW_MS: i64 = 60_000;
/// Subjects remembered at once; beyond this the oldest windows are forgotten.
const MAX_SUBJECTS: usize = 10_000;

#[derive(Default)]
pub struct LoopGuard {
    seen: Mutex<HashMap<(Installation, String), Vec<i64>>>,
}

impl LoopGuard {
    /// Whether one more self-generated event about `subject` may be delivered now.
    pub fn allow(&self, installation: &Installation, subject: &str, now: UnixMillis) -> bool {
        let Ok(mut seen) = self.seen.lock() else {
            return false;
        };
        if seen.len() >= MAX_SUBJECTS {
            seen.retain(|_, times| times.iter().any(|t| now.0 - t < WINDOW_MS));
            if seen.len() >= MAX_SUBJECTS {
                seen.clear();
            }
        }
        let times = seen
            .entry((installation.clone(), subject.to_owned()))
            .or_default();
        times.retain(|t| now.0 - t < WINDOW_MS);
        if times.len() >= MAX_SELF_EVENTS {
            return false;
        }
        times.push(now.0);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_self_loop_is_cut_and_the_window_reopens() {
        let guard = LoopGuard::default();
        let i = Installation::new("a", "s", "e").unwrap();
        let allowed = (0..100)
            .filter(|n| guard.allow(&i, "KILN-1", UnixMillis(*n)))
            .count();
        assert_eq!(allowed, MAX_SELF_EVENTS);
        assert!(guard.allow(&i, "KILN-2", UnixMillis(100)), "another issue");
        assert!(guard.allow(&i, "KILN-1", UnixMillis(WINDOW_MS + 50)));
    }
}
