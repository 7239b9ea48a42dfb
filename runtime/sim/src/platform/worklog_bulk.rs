//! The bulk worklog operations: `bulkDeleteWorklogs` (`DELETE
//! /rest/api/3/issue/{issueIdOrKey}/worklog`) and `bulkMoveWorklogs` (`POST
//! …/worklog/move`), what a time-tracking app uses to clean up or re-file the
//! work logged on an issue.
//!
//! Both take the spec's body, `{"ids": [...]}` (and, to move, the destination
//! `issueIdOrKey`): 1 to 5,000 worklog ids, the limit the spec documents; a
//! repeated id counts once. Each must be a worklog of the issue that the caller
//! may see (a restricted one it may not is as missing), else the spec's `404`
//! and nothing changes: the simulator applies all or nothing, so it never
//! answers the spec's `200` of a partial success. Writing needs the simulator's
//! Edit (Jira's *Delete all worklogs*, *Edit all worklogs*) on every issue
//! involved, else the spec's `400`.
//!
//! `adjustEstimate` is `auto` (the default) or `leave`, as the spec's enum
//! says. The spec words `auto` as reducing the estimate by the time deleted
//! (and, on a move, reducing the source's and increasing the destination's);
//! the simulator moves it as the single operations do, which is what the
//! time means: a deletion gives each worklog's time back to the issue's
//! remaining estimate (`deleteWorklog`), and a move gives it back to the source
//! and takes it off the destination's (`addWorklog`), stopping at zero.
//!
//! A bulk delete is each worklog's `deleteWorklog` in turn: a changelog entry,
//! the deleted-worklogs feed and `worklog_deleted` for each (the spec says no
//! notifications are sent: the simulator sends no email anyway). A move, as
//! the spec says, records no history and raises no webhook; the worklogs keep
//! their ids, authors and properties, and their `updated` is stamped so
//! `/worklog/updated` reports them under their new issue. Worklogs restricted
//! to a project role cannot be moved (`400`, as the spec says), nor can an
//! issue be filled past its 5,000 worklogs.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;

use super::IssuePath;
use super::adjust_estimate::BulkEstimateQuery;
use super::issue::visible_issue;
use super::worklog::{MAX_WORKLOGS_PER_ISSUE, remove};
use super::worklog_visibility::may_see_restricted;
use crate::access::Caller;
use crate::extract::{JiraJson, JiraQuery};
use crate::jira_error::JiraError;
use crate::seed::SeedPermission;
use crate::shared::Shared;
use crate::world::World;
use crate::world::time_tracking::Adjustment;
use crate::world::worklog_feed::WorklogVisibility;

/// The most worklogs one bulk operation takes, as the spec documents.
pub(crate) const MAX_IDS: usize = 5_000;

/// Ids a `404` names at most, so that an answer stays small.
const MAX_NAMED: usize = 10;

/// The spec's `WorklogIdsRequestBean` and `WorklogsMoveRequestBean`. Typed, so
/// an id that is not a whole number is a `400` naming the body.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BulkInput {
    ids: Option<Vec<u64>>,
    issue_id_or_key: Option<String>,
}

impl BulkInput {
    /// The ids, each once, in the order given: 1 to [`MAX_IDS`] of them.
    fn ids(&self) -> Result<Vec<u64>, JiraError> {
        let ids = self
            .ids
            .as_deref()
            .filter(|ids| !ids.is_empty())
            .ok_or_else(|| JiraError::field("ids", "You must specify the worklog ids."))?;
        if ids.len() > MAX_IDS {
            return Err(JiraError::field(
                "ids",
                format!("You can't act on more than {MAX_IDS} worklogs at once."),
            ));
        }
        let mut seen = BTreeSet::new();
        Ok(ids.iter().copied().filter(|id| seen.insert(*id)).collect())
    }
}

/// The issue the caller sees (else `404`) and may change worklogs on (else the
/// spec's `400`, `refusal`).
fn writable_issue(
    world: &World,
    caller: &Caller,
    id_or_key: &str,
    refusal: &str,
) -> Result<usize, JiraError> {
    let index = visible_issue(world, caller, id_or_key)?;
    if !world.may(
        &caller.account_id,
        &world.issues[index].project_key,
        SeedPermission::Edit,
    ) {
        return Err(JiraError::bad_request(refusal));
    }
    Ok(index)
}

/// Checks every id names a worklog of issue `index` the caller may see: the
/// spec's `404` naming (some of) those that do not.
fn all_present(world: &World, caller: &Caller, index: usize, ids: &[u64]) -> Result<(), JiraError> {
    let issue = &world.issues[index];
    let missing: Vec<String> =
        ids.iter()
            .filter(|id| {
                !issue.worklogs.iter().any(|w| {
                    w.id == **id && may_see_restricted(world, &caller.account_id, issue, w)
                })
            })
            .map(u64::to_string)
            .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let named: Vec<&str> = missing.iter().take(MAX_NAMED).map(String::as_str).collect();
    let more = missing.len() - named.len();
    let tail = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    Err(JiraError::not_found(format!(
        "Cannot find worklogs with ids {}{tail} on issue {}.",
        named.join(", "),
        issue.key
    )))
}

/// `bulkDeleteWorklogs`: `204`, every worklog deleted as `deleteWorklog`
/// deletes one.
pub(crate) async fn delete(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<IssuePath>,
    JiraQuery(query): JiraQuery<BulkEstimateQuery>,
    JiraJson(input): JiraJson<BulkInput>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    let index = writable_issue(
        &world,
        &caller,
        &path.issue_id_or_key,
        "You do not have the permission to delete these worklogs.",
    )?;
    let adjustment = query.adjustment()?;
    let ids = input.ids()?;
    all_present(&world, &caller, index, &ids)?;
    for id in ids {
        if let Some(position) = world.issues[index].worklogs.iter().position(|w| w.id == id) {
            remove(&shared, &mut world, &caller, index, position, adjustment);
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `bulkMoveWorklogs`: `204`, every worklog moved to the destination issue.
pub(crate) async fn move_to(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<IssuePath>,
    JiraQuery(query): JiraQuery<BulkEstimateQuery>,
    JiraJson(input): JiraJson<BulkInput>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    let refusal = "You do not have the permission to move these worklogs.";
    let from = writable_issue(&world, &caller, &path.issue_id_or_key, refusal)?;
    let destination = input
        .issue_id_or_key
        .as_deref()
        .filter(|d| !d.trim().is_empty())
        .ok_or_else(|| {
            JiraError::field(
                "issueIdOrKey",
                "You must specify the issue to move the worklogs to.",
            )
        })?;
    let to = writable_issue(&world, &caller, destination, refusal)?;
    if from == to {
        return Err(JiraError::field(
            "issueIdOrKey",
            "The worklogs are on this issue already: name another issue to move them to.",
        ));
    }
    let adjustment = query.adjustment()?;
    let ids = input.ids()?;
    all_present(&world, &caller, from, &ids)?;
    let wanted: BTreeSet<u64> = ids.iter().copied().collect();
    let moving = |w: &crate::world::WorklogRecord| wanted.contains(&w.id);
    let source = &world.issues[from];
    if source
        .worklogs
        .iter()
        .any(|w| moving(w) && matches!(w.visibility, Some(WorklogVisibility::Role { .. })))
    {
        return Err(JiraError::bad_request(
            "Worklogs restricted to a project role cannot be moved.",
        ));
    }
    if world.issues[to].worklogs.len().saturating_add(ids.len()) > MAX_WORKLOGS_PER_ISSUE {
        return Err(JiraError::bad_request(format!(
            "The destination issue would hold more than {MAX_WORKLOGS_PER_ISSUE} worklogs, the \
             per-issue limit."
        )));
    }
    let now = world.now();
    let source = &mut world.issues[from];
    let (mut moved, mut kept) = (Vec::new(), Vec::new());
    for worklog in std::mem::take(&mut source.worklogs) {
        if moving(&worklog) {
            moved.push(worklog);
        } else {
            kept.push(worklog);
        }
    }
    source.worklogs = kept;
    let seconds: u64 = moved
        .iter()
        .fold(0, |sum, w| sum.saturating_add(w.time_spent_seconds));
    if adjustment == Adjustment::Auto {
        source.estimates.remaining =
            Adjustment::Auto.remaining_after_deleting(source.estimates.remaining, seconds);
    }
    let target = &mut world.issues[to];
    if adjustment == Adjustment::Auto {
        target.estimates.remaining =
            Adjustment::Auto.remaining_after_logging(target.estimates.remaining, seconds);
    }
    for mut worklog in moved {
        worklog.updated = now;
        target.worklogs.push(worklog);
    }
    // Worklogs are kept in creation order, so a page of them reads as Jira's.
    target.worklogs.sort_by_key(|w| w.id);
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(ids: Option<Vec<u64>>) -> BulkInput {
        BulkInput {
            ids,
            issue_id_or_key: None,
        }
    }

    #[test]
    fn ids_are_one_to_five_thousand_each_once() {
        assert!(input(None).ids().is_err());
        assert!(input(Some(Vec::new())).ids().is_err());
        assert!(input(Some((0..=5_000).collect())).ids().is_err());
        assert_eq!(input(Some(vec![3, 1, 3])).ids().ok(), Some(vec![3, 1]));
        assert_eq!(
            input(Some((1..=5_000).collect()))
                .ids()
                .map(|i| i.len())
                .ok(),
            Some(5_000)
        );
    }
}
