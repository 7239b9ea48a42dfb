//! `getBulkScreenTabs` (`GET /screens/tabs`): the tabs of the screens
//! `screenId` names, optionally only those `tabId` names, as a page of
//! `{screenId, tabId, tabName}`.
//!
//! The spec's `400` when no screen is named; screens or tabs the site does not
//! have are left out (the spec documents no `404`). Screens in id order, each
//! screen's tabs in its order.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::Json;
use axum::extract::{RawQuery, State};
use serde_json::{Value, json};

use super::{administer, read_ids};
use crate::access::Caller;
use crate::extract::query_count;
use crate::jira_error::JiraError;
use crate::platform::page::{PageParams, page_bean, with_query};
use crate::shared::Shared;

/// The spec's default page, and the largest served ("The maximum number is
/// 100").
const PAGE: usize = 100;

/// The query, read by hand: repeated ids, and the spec's `maxResult` (sic)
/// beside the usual `maxResults`.
#[derive(Debug, Default)]
struct BulkTabsQuery {
    page: PageParams,
    screens: BTreeSet<u64>,
    tabs: BTreeSet<u64>,
    /// The ids, kept for the page's `self` and `nextPage`.
    kept: Vec<(String, String)>,
}

impl BulkTabsQuery {
    fn parse(raw: &str) -> Result<Self, JiraError> {
        let mut query = Self::default();
        for (key, value) in url::form_urlencoded::parse(raw.as_bytes()) {
            if query.page.read(&key, &value)? {
                continue;
            }
            match key.as_ref() {
                "screenId" => read_ids("screenId", &value, &mut query.screens)?,
                "tabId" => read_ids("tabId", &value, &mut query.tabs)?,
                "maxResult" => {
                    query.page.max_results = Some(query_count("maxResult", value.trim())?);
                    continue;
                }
                _ => continue,
            }
            query.kept.push((key.into_owned(), value.into_owned()));
        }
        if query.screens.is_empty() {
            return Err(JiraError::bad_request("The screen ID must be provided."));
        }
        Ok(query)
    }
}

pub(crate) async fn bulk_tabs(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    administer(&world, &caller)?;
    let query = BulkTabsQuery::parse(raw.as_deref().unwrap_or_default())?;
    let mut screens: Vec<_> = world
        .screens
        .iter()
        .filter(|s| query.screens.contains(&s.id))
        .collect();
    screens.sort_by_key(|s| s.id);
    let all: Vec<Value> = screens
        .into_iter()
        .flat_map(|screen| {
            screen
                .tabs
                .iter()
                .filter(|tab| query.tabs.is_empty() || query.tabs.contains(&tab.id))
                .map(|tab| json!({ "screenId": screen.id, "tabId": tab.id, "tabName": tab.name }))
        })
        .collect();
    let window = query.page.window(PAGE, PAGE);
    let total = all.len();
    let values = window.of(all).collect();
    let base = with_query(
        format!("{}/rest/api/3/screens/tabs", caller.links),
        &query.kept,
    );
    Ok(Json(page_bean(&base, window, total, values)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_repeat_or_come_comma_separated_and_max_result_is_read() {
        let query = BulkTabsQuery::parse("screenId=1&screenId=3,2&tabId=10000&maxResult=5")
            .unwrap_or_default();
        assert_eq!(query.screens, BTreeSet::from([1, 2, 3]));
        assert_eq!(query.tabs, BTreeSet::from([10_000]));
        assert_eq!(query.page.max_results, Some(5));
    }

    #[test]
    fn no_screen_or_a_bad_id_is_refused() {
        for raw in ["", "tabId=1", "screenId=x", "screenId=1&maxResult=-1"] {
            assert!(BulkTabsQuery::parse(raw).is_err(), "{raw}");
        }
    }
}
