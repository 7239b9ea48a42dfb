//! Issue resolutions (`/rest/api/3/resolution`): the site's, as a new Jira Cloud
//! site has them (`world::resolution`), for anyone signed in.

use axum::Json;
use axum::extract::{Path, RawQuery};
use serde_json::{Value, json};

use super::super::page::page_bean;
use super::{IdPath, SearchQuery};
use crate::access::Caller;
use crate::jira_error::JiraError;
use crate::world::resolution::{RESOLUTIONS, Resolution, resolution};

/// A `Resolution`, as an issue's `resolution` field carries it too.
fn details(links: &str, resolution: &Resolution) -> Value {
    super::super::render::resolution(links, resolution)
}

/// `getResolutions`: every resolution, in the site's order.
pub(crate) async fn list(caller: Caller) -> Json<Value> {
    let all = RESOLUTIONS.iter().map(|r| details(&caller.links, r));
    Json(Value::Array(all.collect()))
}

/// `getResolution`.
pub(crate) async fn get(
    caller: Caller,
    Path(path): Path<IdPath>,
) -> Result<Json<Value>, JiraError> {
    resolution(&path.id)
        .map(|r| Json(details(&caller.links, r)))
        .ok_or_else(|| {
            JiraError::not_found(format!(
                "The resolution with id '{}' does not exist",
                path.id
            ))
        })
}

/// `searchResolutions`: a `PageBeanResolutionJsonBean`. `id` keeps the
/// resolutions named; `onlyDefault` the default, of which a new site has none.
/// Each value carries the default flag as the spec's `ResolutionJsonBean` names
/// it, `default`.
pub(crate) async fn search(
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, JiraError> {
    let query = SearchQuery::parse(raw.as_deref())?;
    let found: Vec<&Resolution> = RESOLUTIONS
        .iter()
        .filter(|r| query.wants_id(r.id))
        .filter(|r| !query.only_default || r.is_default())
        .collect();
    let window = query.window();
    let values = window
        .of(&found)
        .map(|r| {
            let mut value = details(&caller.links, r);
            value["default"] = json!(r.is_default());
            value
        })
        .collect();
    let base = format!("{}/rest/api/3/resolution/search", caller.links);
    Ok(Json(page_bean(&base, window, found.len(), values)))
}
