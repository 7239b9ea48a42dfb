//! The worklog feeds a time-tracking app syncs from: `GET /worklog/updated`
//! (`getIdsOfWorklogsModifiedSince`), `GET /worklog/deleted`
//! (`getIdsOfWorklogsDeletedSince`) and `POST /worklog/list`
//! (`getWorklogsForIds`), which reads back the worklogs the first names.
//!
//! **The two id feeds** page as the spec says: up to 1000 worklogs a page
//! (`ChangedWorklogs`), oldest change first (ties by worklog id), each with
//! its change time in epoch milliseconds (`updatedTime`, for a deletion the
//! time it was deleted) and its `properties`: empty unless `expand=properties`
//! asks for the worklog's (`worklog_property.rs`; a deleted worklog has none). A
//! change at or after `since` is listed: `since` is inclusive, so the page's
//! last change is listed again on the next page, which starts at `until`, the
//! time of the page's last change (`since` itself on an empty page); `nextPage`
//! is that page's URL, given on every page, the last included, so a poller
//! keeps it for its next poll; `lastPage` is whether the page held fewer than
//! 1000. As on Jira, more than 1000 changes in one millisecond cannot be paged
//! past: with a frozen clock (`SimClock`), move it between writes. Changes
//! during the minute before the request are not listed yet ("This resource does
//! not return worklogs updated during the minute preceding the request"): with
//! a frozen clock, advance it a minute before reading. `since` is any `int64`,
//! negative ones included (before the epoch: everything); what is not one, or
//! overflows it, is the `400` of a parameter that is not a number.
//!
//! Who sees what: `/worklog/updated` and `/worklog/list` list a worklog only to
//! someone who may browse its issue and, for a restricted worklog, is in its
//! group or role (`worklog_visibility.rs`); the spec names the restriction, and
//! a worklog is never readable apart from its issue. `/worklog/deleted` lists
//! every deletion to anyone who may use Jira, as the spec says: a deleted
//! worklog has no restriction left to ask. A worklog deleted with its issue or
//! project is listed there too. The world keeps the newest
//! `world::worklog_feed::MAX_DELETED_WORKLOGS` deletions (Jira keeps them for a
//! limited time).
//!
//! **`/worklog/list`** takes the spec's `WorklogIdsRequestBean`,
//! `{"ids": [1, 2]}`: 1 to 1000 distinct ids (none, or more, is the spec's
//! `400`), read as `id_set.rs` reads id lists, and answers the worklogs the
//! caller may see in ascending id order; an id that names no worklog and one
//! the caller may not see are left out alike.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, RawQuery, State};
use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::field_details::expands;
use super::id_set::IdSet;
use super::property::entity_properties;
use super::v2::V2Request;
use super::worklog::{expanded, render_worklog};
use super::worklog_visibility::may_see;
use crate::access::Caller;
use crate::extract::{JiraJson, query_number};
use crate::jira_error::JiraError;
use crate::shared::Shared;

/// Changes a feed page lists at most, as the spec says.
pub(crate) const PAGE_SIZE: usize = 1000;

/// Ids `getWorklogsForIds` takes at most ("limited to 1000 items").
pub(crate) const MAX_IDS: usize = 1000;

/// Changes younger than this are not listed yet: the spec's "minute preceding
/// the request", in milliseconds.
const SETTLING_MILLIS: i64 = 60_000;

/// `at` in epoch milliseconds, as the feeds write times.
pub(crate) fn epoch_millis(at: OffsetDateTime) -> i64 {
    let millis = at.unix_timestamp_nanos().div_euclid(1_000_000);
    i64::try_from(millis).unwrap_or(if millis < 0 { i64::MIN } else { i64::MAX })
}

/// A feed's query: `since` (default 0) and, for `/worklog/updated`, `expand`.
struct FeedQuery {
    since: i64,
    expand: Option<String>,
}

impl FeedQuery {
    fn read(raw: Option<&str>) -> Result<Self, JiraError> {
        let mut query = Self {
            since: 0,
            expand: None,
        };
        for (key, value) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
            match key.as_ref() {
                "since" => query.since = query_number("since", &value)?,
                "expand" => query.expand = Some(value.into_owned()),
                _ => {}
            }
        }
        Ok(query)
    }
}

/// One change: when (epoch milliseconds), and which worklog.
type Change = (i64, u64);

/// The `ChangedWorklogs` page of `changes` (any order) at or after `since`,
/// settled by `now`, under the feed URL `base` (`…/worklog/updated`).
/// `properties_of` gives a listed worklog's `properties`.
fn page(
    mut changes: Vec<Change>,
    query: &FeedQuery,
    now: i64,
    base: &str,
    properties_of: impl Fn(u64) -> Value,
) -> Value {
    let settled = now.saturating_sub(SETTLING_MILLIS);
    changes.retain(|(at, _)| *at >= query.since && *at <= settled);
    changes.sort_unstable();
    changes.truncate(PAGE_SIZE);
    let until = changes.last().map_or(query.since, |(at, _)| *at);
    let link = |since: i64| {
        let mut url = format!("{base}?since={since}");
        if let Some(expand) = &query.expand {
            let expand: String = url::form_urlencoded::byte_serialize(expand.as_bytes()).collect();
            url.push_str(&format!("&expand={expand}"));
        }
        url
    };
    let values: Vec<Value> = changes
        .iter()
        .map(|(at, id)| json!({ "worklogId": id, "updatedTime": at, "properties": properties_of(*id) }))
        .collect();
    json!({
        "values": values,
        "since": query.since,
        "until": until,
        "self": link(query.since),
        "nextPage": link(until),
        "lastPage": values.len() < PAGE_SIZE,
    })
}

/// The feed URL `path` (`/worklog/updated`) under the REST API version the
/// request came through.
fn feed_base(caller: &Caller, v2: Option<&Extension<V2Request>>, path: &str) -> String {
    let version = if v2.is_some() { 2 } else { 3 };
    format!("{}/rest/api/{version}{path}", caller.links)
}

/// `getIdsOfWorklogsModifiedSince`.
pub(crate) async fn updated(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    v2: Option<Extension<V2Request>>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, JiraError> {
    let query = FeedQuery::read(raw.as_deref())?;
    let world = shared.world();
    let changes: Vec<Change> = world
        .issues
        .iter()
        .flat_map(|issue| issue.worklogs.iter().map(move |w| (issue, w)))
        .filter(|(issue, worklog)| may_see(&world, &caller.account_id, issue, worklog))
        .map(|(_, worklog)| (epoch_millis(worklog.updated), worklog.id))
        .collect();
    let expanded = expands(query.expand.as_deref(), "properties");
    let properties: HashMap<u64, &BTreeMap<String, Value>> = world
        .issues
        .iter()
        .flat_map(|issue| issue.worklogs.iter())
        .filter(|_| expanded)
        .map(|worklog| (worklog.id, &worklog.properties))
        .collect();
    let base = feed_base(&caller, v2.as_ref(), "/worklog/updated");
    Ok(Json(page(
        changes,
        &query,
        epoch_millis(world.now()),
        &base,
        |id| {
            properties
                .get(&id)
                .map_or(json!([]), |p| entity_properties(p))
        },
    )))
}

/// `getIdsOfWorklogsDeletedSince`. The spec gives it no `expand`: one sent is
/// ignored, and its links carry none.
pub(crate) async fn deleted(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    v2: Option<Extension<V2Request>>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, JiraError> {
    let query = FeedQuery {
        expand: None,
        ..FeedQuery::read(raw.as_deref())?
    };
    let world = shared.world();
    let changes: Vec<Change> = world
        .deleted_worklogs
        .iter()
        .map(|d| (epoch_millis(d.deleted), d.id))
        .collect();
    let base = feed_base(&caller, v2.as_ref(), "/worklog/deleted");
    Ok(Json(page(
        changes,
        &query,
        epoch_millis(world.now()),
        &base,
        |_| json!([]),
    )))
}

/// `WorklogIdsRequestBean`.
#[derive(Deserialize)]
pub(crate) struct ListBody {
    ids: Option<IdSet>,
}

/// `getWorklogsForIds`' query.
#[derive(Deserialize)]
pub(crate) struct ListQuery {
    expand: Option<String>,
}

/// `getWorklogsForIds`.
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    crate::extract::JiraQuery(query): crate::extract::JiraQuery<ListQuery>,
    JiraJson(body): JiraJson<ListBody>,
) -> Result<Json<Value>, JiraError> {
    let ids = body.ids.unwrap_or_default();
    if ids.too_many(MAX_IDS) {
        return Err(JiraError::field(
            "ids",
            format!("A maximum of {MAX_IDS} worklog IDs can be specified."),
        ));
    }
    if ids.is_empty() {
        return Err(JiraError::field(
            "ids",
            "At least one worklog ID must be specified.",
        ));
    }
    let world = shared.world();
    let mut found: Vec<(u64, Value)> = Vec::new();
    for issue in &world.issues {
        for worklog in &issue.worklogs {
            if ids.contains(worklog.id) && may_see(&world, &caller.account_id, issue, worklog) {
                let value = render_worklog(&caller.links, &world, issue, worklog);
                let value = expanded(value, worklog, query.expand.as_deref());
                found.push((worklog.id, value));
            }
        }
    }
    found.sort_unstable_by_key(|(id, _)| *id);
    Ok(Json(Value::Array(
        found.into_iter().map(|(_, value)| value).collect(),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(since: i64) -> FeedQuery {
        FeedQuery {
            since,
            expand: None,
        }
    }

    #[test]
    fn a_page_is_oldest_first_inclusive_of_since_and_leaves_the_last_minute_out() {
        let now = 10_000_000;
        let changes = vec![
            (5_000, 3),
            (4_000, 9),
            (5_000, 2),
            (now - SETTLING_MILLIS, 4),
            (now - SETTLING_MILLIS + 1, 5),
            (3_999, 1),
        ];
        let page = page(
            changes,
            &query(4_000),
            now,
            "http://site/rest/api/3/worklog/updated",
            |_| json!([]),
        );
        let ids: Vec<u64> = page["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["worklogId"].as_u64().unwrap())
            .collect();
        assert_eq!(ids, vec![9, 2, 3, 4]);
        assert_eq!(page["since"], 4_000);
        assert_eq!(page["until"], now - SETTLING_MILLIS);
        assert_eq!(page["lastPage"], true);
        assert_eq!(
            page["nextPage"],
            format!(
                "http://site/rest/api/3/worklog/updated?since={}",
                now - SETTLING_MILLIS
            )
        );
    }

    #[test]
    fn an_empty_page_stays_where_it_started_and_a_full_one_is_not_the_last() {
        let empty = page(Vec::new(), &query(-5), 0, "b", |_| json!([]));
        assert_eq!(empty["until"], -5);
        assert_eq!(empty["nextPage"], "b?since=-5");
        let full: Vec<Change> = (0..1500).map(|n| (i64::from(n), n as u64)).collect();
        let first = page(full, &query(0), 1_000_000, "b", |_| json!([]));
        assert_eq!(first["values"].as_array().unwrap().len(), PAGE_SIZE);
        assert_eq!(first["lastPage"], false);
        assert_eq!(first["until"], 999);
    }

    #[test]
    fn times_before_the_epoch_floor_to_the_millisecond() {
        let at = OffsetDateTime::UNIX_EPOCH - time::Duration::nanoseconds(1);
        assert_eq!(epoch_millis(at), -1);
        assert_eq!(epoch_millis(OffsetDateTime::UNIX_EPOCH), 0);
    }
}
