//! Entry metadata: when a value was created, last written and when it expires (Forge's
//! `metadataFields`: `CREATED_AT`, `UPDATED_AT`, `EXPIRE_TIME`).
//!
//! Times are [`UnixMillis`] from the [`AppStorage`](super::AppStorage)'s clock, never from
//! a backend or the database server: one clock decides both when a value was written and
//! whether it has expired, so a replica whose database clock drifts cannot make a value
//! live longer or shorter than its time to live.

pub use crate::serve::UnixMillis;

/// What the host knows about a stored value besides its bytes and version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EntryMeta {
    /// When the key was first stored since it was last absent: kept when the value is
    /// overwritten, new after a delete or an expiry (the key was absent in between).
    pub created_at: UnixMillis,
    /// When the value was last written.
    pub updated_at: UnixMillis,
    /// When the value stops existing; `None`: never. The value is absent from this instant
    /// on (`expires_at <= now`), everywhere: reads, queries, conditions and the quota.
    pub expires_at: Option<UnixMillis>,
}

impl EntryMeta {
    /// Whether the value still exists at `now`. The one definition every backend uses.
    pub fn is_live(&self, now: UnixMillis) -> bool {
        is_live(self.expires_at, now)
    }

    /// The metadata of a value written at `now`: `previous` is the entry the write replaces,
    /// if any, live or not (an expired one was absent, so the key starts again).
    pub(crate) fn written(
        previous: Option<&EntryMeta>,
        now: UnixMillis,
        expires_at: Option<UnixMillis>,
    ) -> Self {
        let created_at = match previous {
            Some(previous) if previous.is_live(now) => previous.created_at,
            _ => now,
        };
        Self {
            created_at,
            updated_at: now,
            expires_at,
        }
    }
}

/// Whether a value expiring at `expires_at` still exists at `now`: up to, not including,
/// its expiry instant.
pub(crate) fn is_live(expires_at: Option<UnixMillis>, now: UnixMillis) -> bool {
    expires_at.is_none_or(|at| now < at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_exactly_at_the_expiry_instant() {
        let at = Some(UnixMillis(1_000));
        assert!(is_live(at, UnixMillis(999)));
        assert!(!is_live(at, UnixMillis(1_000)));
        assert!(!is_live(at, UnixMillis(1_001)));
        assert!(is_live(None, UnixMillis(i64::MAX)));
    }

    #[test]
    fn created_at_survives_overwrites_but_not_expiry() {
        let first = EntryMeta::written(None, UnixMillis(10), Some(UnixMillis(20)));
        assert_eq!(first.created_at, UnixMillis(10));
        let overwrite = EntryMeta::written(Some(&first), UnixMillis(15), None);
        assert_eq!(
            overwrite,
            EntryMeta {
                created_at: UnixMillis(10),
                updated_at: UnixMillis(15),
                expires_at: None
            }
        );
        let after_expiry = EntryMeta::written(Some(&first), UnixMillis(20), None);
        assert_eq!(after_expiry.created_at, UnixMillis(20));
    }
}
