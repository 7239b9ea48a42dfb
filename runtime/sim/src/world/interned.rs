//! Text of statuses made at run time, as the `&'static str` a [`Status`] holds.
//!
//! [`Status`](super::workflow::Status) is `Copy` with `&'static str` fields: every
//! issue carries its status by value, and JQL, expressions, webhooks and the
//! renderers read it so. A status created through the workflows API
//! (`POST /workflows/create`) needs its id and name in the same form, so they are
//! interned here: leaked once, and shared by every later use of the same text
//! (a status made again after a reset, or renamed back, costs nothing more).
//!
//! What leaks is bounded: at most [`MAX_INTERNED`] distinct texts of at most
//! [`MAX_INTERNED_CHARS`] characters each, for the whole process; past that,
//! [`intern`] answers `None` and the write that wanted a new status is refused.

use std::collections::BTreeSet;
use std::sync::{Mutex, PoisonError};

/// Distinct texts the process interns at most. Status ids and names are the only
/// users, and a site holds at most
/// [`MAX_SITE_STATUSES`](super::site_workflows::MAX_SITE_STATUSES) statuses.
pub(crate) const MAX_INTERNED: usize = 10_000;

/// The longest text interned, in characters: a status name's limit.
pub(crate) const MAX_INTERNED_CHARS: usize = 255;

static INTERNED: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());

/// `text` as a `&'static str`, the same one for equal texts; `None` when it is
/// too long or the process has interned [`MAX_INTERNED`] texts already.
pub(crate) fn intern(text: &str) -> Option<&'static str> {
    if text.chars().count() > MAX_INTERNED_CHARS {
        return None;
    }
    // A panic while the set was held cannot leave it half-changed (an insert
    // either happened or did not), so a poisoned lock is still a good set.
    let mut interned = INTERNED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(found) = interned.get(text) {
        return Some(found);
    }
    if interned.len() >= MAX_INTERNED {
        return None;
    }
    let leaked: &'static str = Box::leak(text.to_owned().into_boxed_str());
    interned.insert(leaked);
    Some(leaked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_share_one_copy_and_long_ones_are_refused() {
        let first = intern("Awaiting review");
        let again = intern(&String::from("Awaiting review"));
        assert!(first.is_some_and(|a| again.is_some_and(|b| std::ptr::eq(a, b))));
        assert_eq!(intern(&"x".repeat(MAX_INTERNED_CHARS + 1)), None);
        assert_eq!(
            intern(&"ü".repeat(MAX_INTERNED_CHARS)).map(|s| s.chars().count()),
            Some(MAX_INTERNED_CHARS)
        );
    }
}
