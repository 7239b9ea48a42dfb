//! `GET /rest/api/3/label`: every label used on the site, sorted, paged as a
//! `PageBeanString` (default page 1000, Jira's).

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::page::{PageQuery, page_bean};
use crate::access::Caller;
use crate::extract::JiraQuery;
use crate::jira_error::JiraError;
use crate::shared::Shared;

const DEFAULT_PAGE: usize = 1000;

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
    let window = query.bean_window(DEFAULT_PAGE, DEFAULT_PAGE);
    let values: Vec<Value> = window.of(&labels).map(|label| json!(label)).collect();
    let base = format!("{}/rest/api/3/label", caller.links);
    Ok(Json(page_bean(&base, window, labels.len(), values)))
}
