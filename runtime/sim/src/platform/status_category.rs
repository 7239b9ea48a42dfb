//! `GET /rest/api/3/statuscategory` (`getStatusCategories`) and
//! `GET /rest/api/3/statuscategory/{idOrKey}` (`getStatusCategory`): Jira's
//! status categories, which are fixed (the same four on every site, not
//! configurable): No Category (`1`, `undefined`), To Do (`2`, `new`), Done
//! (`3`, `done`) and In Progress (`4`, `indeterminate`).
//!
//! They come from the table the statuses take theirs from
//! (`world::workflow::STATUS_CATEGORIES`) and render as a status's
//! `statusCategory` does, so the two never disagree. The spec asks only for
//! *permission to access Jira*: every authenticated caller may read them, whether
//! or not they may browse a project.

use std::sync::Arc;

use axum::extract::Path;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::Value;

use super::render;
use crate::access::Caller;
use crate::jira_error::JiraError;
use crate::shared::Shared;
use crate::world::workflow::{STATUS_CATEGORIES, StatusCategory};

/// The two routes, relative to `/rest/api/{version}`.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/statuscategory", get(list))
        .route("/statuscategory/{id_or_key}", get(one))
}

/// The `{idOrKey}` of `/statuscategory/{idOrKey}`; named so the gateway's
/// extra `cloud_id` is ignored.
#[derive(Deserialize)]
struct IdOrKeyPath {
    id_or_key: String,
}

/// Every category, in the order Jira lists them.
async fn list(caller: Caller) -> Json<Value> {
    Json(Value::Array(
        STATUS_CATEGORIES
            .iter()
            .map(|category| render::status_category(&caller.links, category))
            .collect(),
    ))
}

/// One category by id (`4`) or key (`indeterminate`); anything else is the
/// spec's `404`.
async fn one(caller: Caller, Path(path): Path<IdOrKeyPath>) -> Result<Json<Value>, JiraError> {
    let category = find(&path.id_or_key).ok_or_else(|| {
        JiraError::not_found(format!(
            "The status category with ID or key '{}' does not exist.",
            path.id_or_key
        ))
    })?;
    Ok(Json(render::status_category(&caller.links, category)))
}

/// The category `id_or_key` names: a key exactly as Jira spells it (keys are
/// identifiers, compared as they are), or an id as its decimal digits.
fn find(id_or_key: &str) -> Option<&'static StatusCategory> {
    STATUS_CATEGORIES
        .iter()
        .find(|category| category.key == id_or_key || category.id.to_string() == id_or_key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_category_is_found_by_id_or_key_and_nothing_else() {
        assert_eq!(find("1").map(|c| c.key), Some("undefined"));
        assert_eq!(find("indeterminate").map(|c| c.id), Some(4));
        assert_eq!(find("done").map(|c| c.name), Some("Done"));
        for unknown in [
            "",
            "0",
            "5",
            "01",
            "+2",
            "New",
            "To Do",
            "4 ",
            "99999999999999999999",
        ] {
            assert!(find(unknown).is_none(), "{unknown:?}");
        }
    }
}
