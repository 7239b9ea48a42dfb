//! An issue's time tracking: its two estimates, the time logged on it, and how
//! logging, editing and deleting work moves the remaining estimate.
//!
//! Jira Cloud has time tracking on by default, in the "modern" mode where the
//! original and remaining estimates are set apart (Jira's `TimeTrackingSystemField`).
//! The time spent (`timespent`) is the sum of the issue's worklogs, as Jira adds
//! each worklog's time to it, and takes it off again when a worklog is edited
//! or deleted (`DefaultTimeTrackingIssueUpdater`); the sums of an issue and its
//! sub-tasks are the `aggregate…` fields. One difference: Jira keeps the time
//! spent as a value of its own, so an issue whose last worklog is deleted shows
//! `0` spent; the simulator keeps no such value and shows none (`null`), as
//! for an issue never logged on.

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

/// How a worklog added or deleted moves the remaining estimate (`addWorklog`'s
/// and `deleteWorklog`'s `adjustEstimate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Adjustment {
    /// By the worklog's time (the default): down as it is logged, back up as it
    /// is deleted.
    Auto,
    /// Leave it as it is.
    Leave,
    /// Set it to this many seconds (`newEstimate`).
    New(u64),
    /// By this many seconds instead: down by `reduceBy` when logging, up by
    /// `increaseBy` when deleting.
    Manual(u64),
}

/// The remaining estimate `remaining` moved by `by` seconds: down or up,
/// counting no estimate as zero and stopping at zero (and, far out, at the
/// largest number), as Jira's `DefaultWorklogService.reduceEstimate` and
/// `increaseEstimate` move it. So moving it always leaves an estimate.
fn moved(remaining: Option<u64>, down: u64, up: u64) -> Option<u64> {
    Some(
        remaining
            .unwrap_or(0)
            .saturating_add(up)
            .saturating_sub(down),
    )
}

impl Adjustment {
    /// The remaining estimate after logging `spent` seconds on an issue whose
    /// remaining estimate is `remaining`: logging work on an issue never
    /// estimated leaves it with 0 remaining.
    pub(crate) fn remaining_after_logging(self, remaining: Option<u64>, spent: u64) -> Option<u64> {
        match self {
            Adjustment::Auto => moved(remaining, spent, 0),
            Adjustment::Manual(by) => moved(remaining, by, 0),
            Adjustment::New(estimate) => Some(estimate),
            Adjustment::Leave => remaining,
        }
    }

    /// The remaining estimate after deleting a worklog of `spent` seconds:
    /// `auto` gives the worklog's time back (`deleteAndAutoAdjustRemainingEstimate`),
    /// `manual` adds `increaseBy` (`deleteWithManuallyAdjustedEstimate`).
    pub(crate) fn remaining_after_deleting(
        self,
        remaining: Option<u64>,
        spent: u64,
    ) -> Option<u64> {
        match self {
            Adjustment::Auto => moved(remaining, 0, spent),
            Adjustment::Manual(by) => moved(remaining, 0, by),
            Adjustment::New(estimate) => Some(estimate),
            Adjustment::Leave => remaining,
        }
    }
}

/// How editing a worklog moves the remaining estimate (`updateWorklog`'s
/// `adjustEstimate`). There is no manual mode: Jira refuses one when a
/// worklog is edited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EditAdjustment {
    /// By the change of the worklog's time (the default).
    Auto,
    /// Leave it as it is.
    Leave,
    /// Set it to this many seconds (`newEstimate`).
    New(u64),
}

impl EditAdjustment {
    /// The remaining estimate after a worklog's time went from `was` to `now`
    /// seconds: `auto` takes the difference off (or gives it back), counting no
    /// estimate as zero and stopping at zero, as Jira's
    /// `DefaultWorklogService.getAutoAdjustNewEstimateOnUpdate` does, so it
    /// sets an estimate even when the time did not change.
    pub(crate) fn remaining_after_editing(
        self,
        remaining: Option<u64>,
        was: u64,
        now: u64,
    ) -> Option<u64> {
        match self {
            EditAdjustment::Auto => moved(remaining, now, was),
            EditAdjustment::New(estimate) => Some(estimate),
            EditAdjustment::Leave => remaining,
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
    fn deleting_work_gives_its_time_back() {
        use Adjustment::*;
        assert_eq!(
            Auto.remaining_after_deleting(Some(3600), 7200),
            Some(10_800)
        );
        assert_eq!(Auto.remaining_after_deleting(None, 7200), Some(7200));
        assert_eq!(
            Manual(60).remaining_after_deleting(Some(600), 7200),
            Some(660)
        );
        assert_eq!(Manual(60).remaining_after_deleting(None, 7200), Some(60));
        assert_eq!(New(5).remaining_after_deleting(Some(600), 7200), Some(5));
        assert_eq!(Leave.remaining_after_deleting(None, 7200), None);
        assert_eq!(Leave.remaining_after_deleting(Some(9), 7200), Some(9));
        assert_eq!(
            Manual(u64::MAX).remaining_after_deleting(Some(600), 1),
            Some(u64::MAX)
        );
    }

    #[test]
    fn editing_work_moves_the_estimate_by_the_difference() {
        use EditAdjustment::*;
        assert_eq!(
            Auto.remaining_after_editing(Some(7200), 3600, 5400),
            Some(5400)
        );
        assert_eq!(
            Auto.remaining_after_editing(Some(7200), 5400, 3600),
            Some(9000)
        );
        assert_eq!(Auto.remaining_after_editing(Some(600), 60, 7200), Some(0));
        // Jira sets the estimate even when the time did not change.
        assert_eq!(Auto.remaining_after_editing(None, 60, 60), Some(0));
        assert_eq!(Leave.remaining_after_editing(None, 60, 7200), None);
        assert_eq!(New(42).remaining_after_editing(None, 60, 7200), Some(42));
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
