//! What a write's body does to one optional property. Jira's writes tell an
//! absent property (leave it as it is) from `null` (clear it), so a body is
//! read into a [`Change`] per property rather than an `Option`; versions and
//! sprints both read theirs this way.

/// What a write does to an optional property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Change<T> {
    /// Absent: left as it is (nothing, on a create).
    Keep,
    /// `null` (or empty, where Jira reads empty as cleared): cleared.
    Clear,
    Set(T),
}

impl<T> Change<T> {
    /// The value after a partial update, from the value before it.
    pub(crate) fn apply(self, before: Option<T>) -> Option<T> {
        match self {
            Change::Keep => before,
            Change::Clear => None,
            Change::Set(value) => Some(value),
        }
    }

    /// The value after a full update (`PUT`), which clears what the body
    /// leaves out.
    pub(crate) fn full(self) -> Option<T> {
        match self {
            Change::Keep | Change::Clear => None,
            Change::Set(value) => Some(value),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partial_update_keeps_what_is_absent_and_a_full_one_clears_it() {
        assert_eq!(Change::<u8>::Keep.apply(Some(2)), Some(2));
        assert_eq!(Change::<u8>::Clear.apply(Some(2)), None);
        assert_eq!(Change::Set(3).apply(Some(2)), Some(3));
        assert_eq!(Change::<u8>::Keep.full(), None);
        assert_eq!(Change::<u8>::Clear.full(), None);
        assert_eq!(Change::Set(1).full(), Some(1));
    }
}
