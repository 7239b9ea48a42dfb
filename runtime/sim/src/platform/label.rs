//! `GET /rest/api/3/label`: every label used on the site, sorted, paged as a
//! `PageBeanString` (default page 1000, Jira's).

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::access::Caller;
use crate::extract::JiraQuery;
use crate::jira_error::JiraError;
use crate::shared::Shared;

const DEFAULT_PAGE: usize = 1000;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PageQuery {
    start_at: Option<usize>,
    max_results: Option<usize>,
}

pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraQuery(query): JiraQuery<PageQuery>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    // Labels are site-wide in Jira: listed whoever can see the issues carrying them.
    let labels: BTreeSet<&str> = world
        .issues
        .iter()
        .flat_map(|i| i.labels.iter().map(String::as_str))
        .collect();
    let start = query.start_at.unwrap_or(0);
    let max = query
        .max_results
        .unwrap_or(DEFAULT_PAGE)
        .clamp(1, DEFAULT_PAGE);
    let values: Vec<&str> = labels.iter().skip(start).take(max).copied().collect();
    let is_last = start.saturating_add(max) >= labels.len();
    let base = format!("{}/rest/api/3/label", caller.links);
    let mut page = json!({
        "self": format!("{base}?startAt={start}&maxResults={max}"),
        "startAt": start,
        "maxResults": max,
        "total": labels.len(),
        "isLast": is_last,
        "values": values,
    });
    if !is_last {
        page["nextPage"] = json!(format!(
            "{base}?startAt={}&maxResults={max}",
            start.saturating_add(max)
        ));
    }
    Ok(Json(page))
}
