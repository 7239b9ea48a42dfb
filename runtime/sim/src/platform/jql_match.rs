//! `POST /rest/api/3/jql/match` (`matchIssues`): which of some issues each of
//! some JQL queries would return, as an `IssueMatches`, one
//! `IssueMatchesForJQL` per query in the request's order. Apps call it to
//! check an issue against the JQL a user configured (a rule's condition)
//! without a search per issue.
//!
//! The body is the spec's `IssuesAndJQLQueries`: `issueIds` (a set, read as
//! `id_set.rs` reads id lists) and `jqls`, both required. The spec refuses a
//! request over "the maximum number" of either without giving it; the
//! simulator takes up to [`MAX_ISSUES`] issue ids (as Jira's other bulk reads)
//! and [`MAX_QUERIES`] queries (as `POST /jql/parse`), and answers more with
//! the spec's `400`.
//!
//! Each query is resolved for the caller by the searches' own JQL engine
//! ([`jql::compile`]) and run over the issues named that the caller may
//! browse (an issue they may not, or that does not exist, is never matched, as
//! the spec says). A query with a problem gets the message a search would give
//! in its `errors` and no matches; the others are not affected. Matched ids are
//! listed in ascending order. A query using JQL the simulator does not model
//! (the history operators on `fixVersion`) makes the whole request its
//! `501`, as a search with it is. An empty query matches every issue, as an
//! empty search returns every issue; `ORDER BY` changes nothing.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

use super::id_set::{IdSet, KeyList};
use crate::access::Caller;
use crate::extract::JiraJson;
use crate::jira_error::JiraError;
use crate::jql;
use crate::seed::SeedPermission;
use crate::shared::Shared;

/// Issue ids one request checks at most.
pub(crate) const MAX_ISSUES: usize = 1000;

/// Queries one request checks at most.
pub(crate) const MAX_QUERIES: usize = super::jql_parse::MAX_QUERIES;

/// `IssuesAndJQLQueries`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MatchBody {
    issue_ids: Option<IdSet>,
    /// Read as a bounded list (`id_set.rs`): a hostile list of queries is
    /// counted, not kept.
    jqls: Option<KeyList>,
}

pub(crate) async fn match_issues(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraJson(body): JiraJson<MatchBody>,
) -> Result<Json<Value>, JiraError> {
    let (Some(ids), Some(jqls)) = (body.issue_ids, body.jqls) else {
        return Err(JiraError::bad_request(
            "Provide both 'issueIds' and 'jqls'.",
        ));
    };
    if ids.too_many(MAX_ISSUES) {
        return Err(JiraError::bad_request(format!(
            "The number of issue IDs must not exceed {MAX_ISSUES}."
        )));
    }
    if jqls.too_many(MAX_QUERIES) {
        return Err(JiraError::bad_request(format!(
            "The number of JQL queries must not exceed {MAX_QUERIES}."
        )));
    }
    let world = shared.world();
    let mut issues: Vec<_> = world
        .issues
        .iter()
        .filter(|issue| {
            ids.contains(issue.id)
                && world.may(
                    &caller.account_id,
                    &issue.project_key,
                    SeedPermission::Browse,
                )
        })
        .collect();
    issues.sort_unstable_by_key(|issue| issue.id);
    let mut matches = Vec::with_capacity(jqls.keys.len());
    for text in &jqls.keys {
        match jql::compile(text, &world, &caller.account_id) {
            Ok(query) => {
                let matched: Vec<u64> = issues
                    .iter()
                    .filter(|issue| query.matches(issue))
                    .map(|issue| issue.id)
                    .collect();
                matches.push(json!({ "matchedIssues": matched, "errors": [] }));
            }
            Err(error) => matches.push(json!({ "matchedIssues": [], "errors": [error.0] })),
        }
    }
    Ok(Json(json!({ "matches": matches })))
}
