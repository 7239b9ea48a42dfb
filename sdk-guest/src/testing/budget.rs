//! How many more calls a fake's stub answers: any number, or a count that
//! `once()`/`times(n)` set and each answer spends. One rule for the Jira,
//! egress and SQL fakes, so a stub runs out the same way in each.

use std::fmt;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Budget(Option<usize>);

impl Budget {
    /// Answers `times` calls, then none.
    pub(super) fn limited(times: usize) -> Self {
        Budget(Some(times))
    }

    /// Whether the stub may answer another call.
    pub(super) fn left(self) -> bool {
        self.0 != Some(0)
    }

    /// One answer given.
    pub(super) fn spend(&mut self) {
        if let Some(remaining) = self.0.as_mut() {
            *remaining = remaining.saturating_sub(1);
        }
    }
}

/// ` (n answers left)` for a limited stub, nothing otherwise: the tail of a
/// stub's description in a fake's "no stub answers" panic.
impl fmt::Display for Budget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(remaining) => write!(f, " ({remaining} answers left)"),
            None => Ok(()),
        }
    }
}
