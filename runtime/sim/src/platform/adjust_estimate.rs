//! `adjustEstimate`: how a worklog write moves the remaining estimate,
//! and the values its modes read, as `addWorklog`, `updateWorklog` and
//! `deleteWorklog` take them from the query.
//!
//! The mode is read in any case, `auto` when absent or blank. `new` reads
//! `newEstimate` on all three; `manual` reads `reduceBy` when adding and
//! `increaseBy` when deleting, and is refused when editing, as Jira refuses it
//! there. A missing value is refused under the parameter's name, as Jira's REST
//! resource does; an invalid one under the name Jira's worklog service uses
//! (`newEstimate`, `adjustmentAmount`), with its messages as its functional
//! tests quote them (`TestWorkLogOperations`). The wording for an unknown mode
//! is the simulator's.

use serde::Deserialize;

use super::duration;
use crate::jira_error::JiraError;
use crate::world::time_tracking::{Adjustment, EditAdjustment};

/// The query parameters of a worklog write that move the remaining estimate.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EstimateQuery {
    adjust_estimate: Option<String>,
    new_estimate: Option<String>,
    /// `addWorklog`'s manual amount.
    reduce_by: Option<String>,
    /// `deleteWorklog`'s manual amount.
    increase_by: Option<String>,
}

/// The modes the spec's `adjustEstimate` enum lists, for all three operations.
enum Mode {
    Auto,
    Leave,
    New,
    Manual,
}

const BLANK_NEW_ESTIMATE: &str = "You must supply a valid new estimate.";
const BLANK_ADJUSTMENT: &str = "You must supply a valid amount of time to adjust the estimate by.";

impl EstimateQuery {
    /// `addWorklog`'s adjustment: `manual` reduces the estimate by `reduceBy`.
    pub(crate) fn for_adding(&self) -> Result<Adjustment, JiraError> {
        self.adjustment("reduceBy", self.reduce_by.as_deref())
    }

    /// `deleteWorklog`'s adjustment: `manual` raises the estimate by
    /// `increaseBy` (Jira's functional tests refuse a missing one under
    /// `increaseBy`).
    pub(crate) fn for_deleting(&self) -> Result<Adjustment, JiraError> {
        self.adjustment("increaseBy", self.increase_by.as_deref())
    }

    /// Adding and deleting read the same modes; only the parameter that
    /// carries `manual`'s amount differs.
    fn adjustment(&self, param: &str, amount: Option<&str>) -> Result<Adjustment, JiraError> {
        Ok(match self.mode()? {
            Mode::Auto => Adjustment::Auto,
            Mode::Leave => Adjustment::Leave,
            Mode::New => Adjustment::New(self.new_estimate()?),
            Mode::Manual => Adjustment::Manual(manual(param, amount)?),
        })
    }

    /// `updateWorklog`'s adjustment. The spec's enum lists `manual`, but its
    /// description names only `new`, `leave` and `auto`, and Jira refuses
    /// `manual` with this message under `adjustEstimate` (its REST functional
    /// test `TestWorklogResource.testEditWorklogIssueFields` quotes it).
    pub(crate) fn for_editing(&self) -> Result<EditAdjustment, JiraError> {
        Ok(match self.mode()? {
            Mode::Auto => EditAdjustment::Auto,
            Mode::Leave => EditAdjustment::Leave,
            Mode::New => EditAdjustment::New(self.new_estimate()?),
            Mode::Manual => {
                return Err(JiraError::field(
                    "adjustEstimate",
                    "Manual adjustment of remaining estimate not allowed when editing a worklog",
                ));
            }
        })
    }

    fn mode(&self) -> Result<Mode, JiraError> {
        mode(self.adjust_estimate.as_deref())
    }
}

/// The query parameters of the bulk worklog operations (`bulkDeleteWorklogs`,
/// `bulkMoveWorklogs`): their `adjustEstimate` enum is `leave` and `auto`
/// only. `overrideEditableFlag` is accepted and ignored, as on the single
/// operations: the simulator has no workflow state that makes an issue
/// uneditable.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BulkEstimateQuery {
    adjust_estimate: Option<String>,
    #[serde(rename = "overrideEditableFlag")]
    _override_editable_flag: Option<bool>,
}

impl BulkEstimateQuery {
    /// `auto` (the default) or `leave`; the other modes are refused, as the
    /// spec's enum leaves them out.
    pub(crate) fn adjustment(&self) -> Result<Adjustment, JiraError> {
        match mode(self.adjust_estimate.as_deref())? {
            Mode::Auto => Ok(Adjustment::Auto),
            Mode::Leave => Ok(Adjustment::Leave),
            Mode::New | Mode::Manual => Err(JiraError::field(
                "adjustEstimate",
                "adjustEstimate must be one of leave or auto.",
            )),
        }
    }
}

/// `adjustEstimate` read in any case, `auto` when absent or blank.
fn mode(text: Option<&str>) -> Result<Mode, JiraError> {
    let mode = text
        .map(str::trim)
        .filter(|mode| !mode.is_empty())
        .map(str::to_ascii_lowercase);
    match mode.as_deref() {
        None | Some("auto") => Ok(Mode::Auto),
        Some("leave") => Ok(Mode::Leave),
        Some("new") => Ok(Mode::New),
        Some("manual") => Ok(Mode::Manual),
        Some(_) => Err(JiraError::field(
            "adjustEstimate",
            "adjustEstimate must be one of new, leave, manual or auto.",
        )),
    }
}

impl EstimateQuery {
    /// `newEstimate` in seconds, for the `new` mode.
    fn new_estimate(&self) -> Result<u64, JiraError> {
        let text = self
            .new_estimate
            .as_deref()
            .ok_or_else(|| JiraError::field("newEstimate", BLANK_NEW_ESTIMATE))?;
        estimate(
            text,
            "newEstimate",
            BLANK_NEW_ESTIMATE,
            "Invalid new estimate entered.",
        )
    }
}

/// The `manual` mode's amount, read from `param` (`reduceBy`, `increaseBy`).
fn manual(param: &str, value: Option<&str>) -> Result<u64, JiraError> {
    let text = value.ok_or_else(|| JiraError::field(param, BLANK_ADJUSTMENT))?;
    estimate(
        text,
        "adjustmentAmount",
        BLANK_ADJUSTMENT,
        "Invalid time entered for adjusting the estimate.",
    )
}

/// A duration a worklog's adjustment gives: `blank` if it is blank, `invalid`
/// if it is not a duration, either under `field`.
fn estimate(text: &str, field: &str, blank: &str, invalid: &str) -> Result<u64, JiraError> {
    if text.trim().is_empty() {
        return Err(JiraError::field(field, blank));
    }
    duration::parse(text).ok_or_else(|| JiraError::field(field, invalid))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> EstimateQuery {
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        };
        EstimateQuery {
            adjust_estimate: get("adjustEstimate"),
            new_estimate: get("newEstimate"),
            reduce_by: get("reduceBy"),
            increase_by: get("increaseBy"),
        }
    }

    fn refusal<T: std::fmt::Debug>(answer: Result<T, JiraError>) -> String {
        answer.expect_err("refused").describe()
    }

    #[test]
    fn manual_reads_its_own_amount_per_operation() {
        let both = query(&[
            ("adjustEstimate", "MANUAL"),
            ("reduceBy", "1h"),
            ("increaseBy", "2h"),
        ]);
        assert_eq!(both.for_adding().expect("valid"), Adjustment::Manual(3600));
        assert_eq!(
            both.for_deleting().expect("valid"),
            Adjustment::Manual(7200)
        );
        assert_eq!(
            refusal(query(&[("adjustEstimate", "manual"), ("reduceBy", "1h")]).for_deleting()),
            "increaseBy: You must supply a valid amount of time to adjust the estimate by."
        );
        assert_eq!(
            refusal(query(&[("adjustEstimate", "manual"), ("increaseBy", "soon")]).for_deleting()),
            "adjustmentAmount: Invalid time entered for adjusting the estimate."
        );
    }

    #[test]
    fn editing_takes_no_manual_adjustment() {
        assert_eq!(
            refusal(query(&[("adjustEstimate", "manual"), ("reduceBy", "1h")]).for_editing()),
            "adjustEstimate: Manual adjustment of remaining estimate not allowed when editing a worklog"
        );
        assert_eq!(
            query(&[("adjustEstimate", " New "), ("newEstimate", "1d")])
                .for_editing()
                .expect("valid"),
            EditAdjustment::New(28_800)
        );
        assert_eq!(
            query(&[("adjustEstimate", "")])
                .for_editing()
                .expect("blank"),
            EditAdjustment::Auto
        );
        assert_eq!(
            refusal(query(&[("adjustEstimate", "new")]).for_editing()),
            "newEstimate: You must supply a valid new estimate."
        );
    }
}
