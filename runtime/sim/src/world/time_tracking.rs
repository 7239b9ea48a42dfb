//! An issue's time tracking: its two estimates, the time logged on it, and how
//! logging work moves the remaining estimate.
//!
//! Jira Cloud has time tracking on by default, in the "modern" mode where the
//! original and remaining estimates are set apart (Jira's `TimeTrackingSystemField`).
//! The time spent (`timespent`) is the sum of the issue's worklogs, as Jira adds
//! each worklog's time to it (`DefaultTimeTrackingIssueUpdater`); the sums of an
//! issue and its sub-tasks are the `aggregate…` fields.

use super::{IssueRecord, World};

/// An issue's estimates, in seconds; `None` where none was given.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Estimates {
    /// `timeoriginalestimate`.
    pub(crate) original: Option<u64>,
    /// `timeestimate`: the remaining estimate.
    pub(crate) remaining: Option<u64>,
}

impl Estimates {
    /// The estimates a write of `original` and `remaining` leaves, as Jira's
    /// modern mode settles them: when one of the two is blank it takes the
    /// other's value, so setting only an original estimate sets the remaining
    /// estimate to it too (and the other way round).
    pub(crate) fn settled(original: Option<u64>, remaining: Option<u64>) -> Self {
        Self {
            original: original.or(remaining),
            remaining: remaining.or(original),
        }
    }
}

/// The time tracking values an issue shows, in seconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Tracked {
    pub(crate) original: Option<u64>,
    pub(crate) remaining: Option<u64>,
    /// `None` until work is logged.
    pub(crate) spent: Option<u64>,
}

impl Tracked {
    /// Field by field: `None` where both are, else the sum (a missing value
    /// counting as nothing), saturating rather than overflowing.
    fn plus(self, other: Self) -> Self {
        let add = |a: Option<u64>, b: Option<u64>| match (a, b) {
            (None, None) => None,
            _ => Some(a.unwrap_or(0).saturating_add(b.unwrap_or(0))),
        };
        Self {
            original: add(self.original, other.original),
            remaining: add(self.remaining, other.remaining),
            spent: add(self.spent, other.spent),
        }
    }
}

impl IssueRecord {
    /// The issue's own time tracking values.
    pub(crate) fn tracked(&self) -> Tracked {
        Tracked {
            original: self.estimates.original,
            remaining: self.estimates.remaining,
            spent: self.time_spent(),
        }
    }

    /// The time logged on the issue: its worklogs' sum, `None` with none.
    pub(crate) fn time_spent(&self) -> Option<u64> {
        (!self.worklogs.is_empty()).then(|| {
            self.worklogs
                .iter()
                .fold(0u64, |sum, w| sum.saturating_add(w.time_spent_seconds))
        })
    }
}

impl World {
    /// The `aggregate…` values of `issue`: its own and its sub-tasks', as Jira's
    /// aggregate time tracking sums them (sub-tasks only: an epic's children are
    /// not in its sums).
    pub(crate) fn aggregate_tracked(&self, issue: &IssueRecord) -> Tracked {
        self.subtasks_of(issue.id)
            .fold(issue.tracked(), |sum, subtask| sum.plus(subtask.tracked()))
    }
}

/// How logging work moves the remaining estimate (`addWorklog`'s
/// `adjustEstimate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Adjustment {
    /// Reduce it by the time logged (the default).
    Auto,
    /// Leave it as it is.
    Leave,
    /// Set it to this many seconds (`newEstimate`).
    New(u64),
    /// Reduce it by this many seconds instead (`reduceBy`).
    Manual(u64),
}

impl Adjustment {
    /// The remaining estimate after logging `spent` seconds on an issue whose
    /// remaining estimate is `remaining`. A reduction counts no estimate as zero
    /// and stops at zero, as Jira's `DefaultWorklogService.reduceEstimate` does:
    /// logging work on an issue never estimated leaves it with 0 remaining.
    pub(crate) fn remaining_after_logging(self, remaining: Option<u64>, spent: u64) -> Option<u64> {
        let reduced = |by: u64| Some(remaining.unwrap_or(0).saturating_sub(by));
        match self {
            Adjustment::Auto => reduced(spent),
            Adjustment::Manual(by) => reduced(by),
            Adjustment::New(estimate) => Some(estimate),
            Adjustment::Leave => remaining,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blank_estimate_takes_the_other() {
        let both = |o, r| Estimates {
            original: o,
            remaining: r,
        };
        assert_eq!(Estimates::settled(Some(5), None), both(Some(5), Some(5)));
        assert_eq!(Estimates::settled(None, Some(3)), both(Some(3), Some(3)));
        assert_eq!(Estimates::settled(Some(5), Some(3)), both(Some(5), Some(3)));
        assert_eq!(Estimates::settled(None, None), both(None, None));
    }

    #[test]
    fn logging_work_moves_the_remaining_estimate() {
        use Adjustment::*;
        assert_eq!(Auto.remaining_after_logging(Some(7200), 3600), Some(3600));
        assert_eq!(Auto.remaining_after_logging(Some(3600), 7200), Some(0));
        assert_eq!(Auto.remaining_after_logging(None, 7200), Some(0));
        assert_eq!(Leave.remaining_after_logging(None, 7200), None);
        assert_eq!(Leave.remaining_after_logging(Some(60), 7200), Some(60));
        assert_eq!(New(600).remaining_after_logging(Some(60), 7200), Some(600));
        assert_eq!(
            Manual(60).remaining_after_logging(Some(600), 7200),
            Some(540)
        );
        assert_eq!(
            Manual(u64::MAX).remaining_after_logging(Some(600), 1),
            Some(0)
        );
    }

    #[test]
    fn sums_keep_none_and_saturate() {
        let a = Tracked {
            original: Some(u64::MAX),
            remaining: None,
            spent: Some(1),
        };
        let b = Tracked {
            original: Some(1),
            remaining: None,
            spent: None,
        };
        let sum = a.plus(b);
        assert_eq!(sum.original, Some(u64::MAX));
        assert_eq!(sum.remaining, None);
        assert_eq!(sum.spent, Some(1));
    }
}
