//! Literal path segments under `/issue/` (`picker`, `bulk`, `bulkfetch`,
//! `watching`, …) that Jira reads as an issue key for the
//! methods their own operation does not take: `/issue/bulkfetch` is
//! `bulkFetchIssues` for `POST` only, `/issue/picker` is the issue picker for
//! `GET` only; for every other method Jira answers `getIssue`, `editIssue` or
//! `deleteIssue` of an issue keyed `bulkfetch` or `picker`, which no issue is
//! (keys are `PROJECT-N`, ids are numbers): 404, "Issue does not exist or you do
//! not have permission to see it.".
//!
//! The router matches the literal segment before `/issue/{issue_id_or_key}`
//! whatever the method, so the issue route never sees these requests. The
//! handlers here hand each one to that route's own handler with the segment as
//! the key: the answer (the 404, or whatever that handler checks first, such as a
//! malformed body) is the issue route's, not a copy of it that could drift.

use std::sync::Arc;

use axum::extract::{Extension, Path, RawQuery, State};
use axum::routing::{MethodRouter, get, put};

use super::IssuePath;
use super::issue;
use super::v2::V2Request;
use crate::access::Caller;
use crate::extract::{JiraJson, JiraQuery};
use crate::shared::Shared;

fn key(segment: &'static str) -> Path<IssuePath> {
    Path(IssuePath {
        issue_id_or_key: String::from(segment),
    })
}

/// `GET` of `/issue/{segment}`: `getIssue` of the issue `segment`.
pub(crate) fn read(segment: &'static str) -> MethodRouter<Arc<Shared>> {
    get(
        move |shared: State<Arc<Shared>>,
              caller: Caller,
              query: JiraQuery<issue::GetQuery>,
              raw: RawQuery| async move {
            issue::get(shared, caller, key(segment), query, raw).await
        },
    )
}

/// `PUT` and `DELETE` of `/issue/{segment}`: `editIssue` and `deleteIssue` of
/// the issue `segment`.
pub(crate) fn write(segment: &'static str) -> MethodRouter<Arc<Shared>> {
    put(
        move |shared: State<Arc<Shared>>,
              caller: Caller,
              v2: Option<Extension<V2Request>>,
              input: JiraJson<issue::IssueInput>| async move {
            issue::edit(shared, caller, key(segment), v2, input).await
        },
    )
    .delete(
        move |shared: State<Arc<Shared>>,
              caller: Caller,
              query: JiraQuery<issue::DeleteQuery>| async move {
            issue::delete(shared, caller, key(segment), query).await
        },
    )
}
