//! `POST /rest/api/3/comment/list` (`getCommentsByIds`): comments by id, from
//! any issues, in one call (an app that stored comment ids reads them back, or
//! follows the ids a webhook named), as a `PageBeanComment`.
//!
//! The body is the spec's `IssueCommentListRequestBean`, `{"ids": [1, 2]}`: 1
//! to 1000 ids (the spec's limit; none, or more, is its `400`). Jira reads the
//! ids into a set (the schema's `uniqueItems`), so an id sent twice is one id,
//! counted once against the limit, and its comment is listed once. An id may
//! come as a JSON integer or a string of one (Jira's JSON reader takes either
//! for a number); anything else (a fraction, text, `null`, a list that is not
//! one) is the `400` of a body Jira cannot read (`id_set.rs` reads the list).
//!
//! The answer holds the comments the caller may see, in ascending id order, each
//! rendered as `getComment` renders it, with `expand` (`renderedBody`,
//! `properties`) as the other comment operations take it (`comment.rs`). A
//! comment on an issue the caller may not browse is left out exactly as an id
//! that names no comment is: the answer does not tell the two apart. The
//! simulator's comments carry no visibility restriction (one is refused on add
//! and edit), so Browse alone decides. Every comment found fits in one page:
//! `startAt` 0, `isLast`, and `maxResults` the size of the page Jira answers
//! this operation with (the spec's example: 1048576), with no `self` or
//! `nextPage` link, as there is no URL to page through.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

use super::comment::ExpandQuery;
use super::id_set::IdSet;
use super::render;
use crate::access::Caller;
use crate::extract::{JiraJson, JiraQuery};
use crate::jira_error::JiraError;
use crate::seed::SeedPermission;
use crate::shared::Shared;

/// The spec's limit on `ids` ("A maximum of 1000 IDs can be specified").
pub(crate) const MAX_IDS: usize = 1000;

/// The `maxResults` Jira answers this unpaged list with, as the spec's example
/// shows it: the largest page Jira's paging allows, so every comment asked for
/// fits in the one page.
const PAGE_SIZE: usize = 1_048_576;

/// `IssueCommentListRequestBean`.
#[derive(Deserialize)]
pub(crate) struct ListBody {
    ids: Option<IdSet>,
}

impl ListBody {
    /// The ids asked for, or the spec's `400` for none or too many.
    fn ids(self) -> Result<BTreeSet<i64>, JiraError> {
        let ids = self.ids.unwrap_or_default();
        if ids.too_many(MAX_IDS) {
            return Err(JiraError::field(
                "ids",
                format!("A maximum of {MAX_IDS} comment IDs can be specified."),
            ));
        }
        if ids.ids.is_empty() {
            return Err(JiraError::field(
                "ids",
                "At least one comment ID must be specified.",
            ));
        }
        Ok(ids.ids)
    }
}

pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraQuery(expand): JiraQuery<ExpandQuery>,
    JiraJson(body): JiraJson<ListBody>,
) -> Result<Json<Value>, JiraError> {
    let wanted = body.ids()?;
    let world = shared.world();
    // Keyed by id: ascending order whatever the request's, each comment once.
    let mut found = BTreeMap::new();
    let visible = world.issues.iter().filter(|issue| {
        world.may(
            &caller.account_id,
            &issue.project_key,
            SeedPermission::Browse,
        )
    });
    for issue in visible {
        for comment in &issue.comments {
            if i64::try_from(comment.id).is_ok_and(|id| wanted.contains(&id)) {
                let mut value = render::comment(&caller.links, &world, issue, comment);
                expand.apply(&world, &caller, issue, &mut value);
                found.insert(comment.id, value);
            }
        }
    }
    let values: Vec<Value> = found.into_values().collect();
    Ok(Json(json!({
        "startAt": 0,
        "maxResults": PAGE_SIZE,
        "total": values.len(),
        "isLast": true,
        "values": values,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(body: Value) -> Result<BTreeSet<i64>, String> {
        let body: ListBody = serde_json::from_value(body).map_err(|e| e.to_string())?;
        body.ids().map_err(|e| e.describe())
    }

    #[test]
    fn ids_are_a_set_of_integers_between_one_and_the_limit() {
        assert_eq!(
            read(json!({ "ids": [3, "1", 3, -2, "3"] })),
            Ok(BTreeSet::from([-2, 1, 3]))
        );
        let full: Vec<i64> = (1..=1000).collect();
        assert_eq!(read(json!({ "ids": full })).map(|ids| ids.len()), Ok(1000));
        // A thousand distinct ids, each twice: still a thousand.
        let twice: Vec<i64> = (1..=1000).chain(1..=1000).collect();
        assert_eq!(read(json!({ "ids": twice })).map(|ids| ids.len()), Ok(1000));

        let over: Vec<i64> = (1..=1001).collect();
        assert!(read(json!({ "ids": over })).is_err_and(|e| e.contains("1000")));
        for empty in [json!({}), json!({ "ids": [] }), json!({ "ids": null })] {
            assert!(
                read(empty.clone()).is_err_and(|e| e.contains("At least one")),
                "{empty}"
            );
        }
        for unreadable in [
            json!({ "ids": 1 }),
            json!({ "ids": "1,2" }),
            json!({ "ids": [1.5] }),
            json!({ "ids": ["abc"] }),
            json!({ "ids": [null] }),
            json!({ "ids": [[1]] }),
            json!({ "ids": [u64::MAX] }),
            json!([1, 2]),
        ] {
            let body: Result<ListBody, _> = serde_json::from_value(unreadable.clone());
            assert!(body.is_err(), "{unreadable}");
        }
    }
}
