//! Changing and deleting custom fields: `PUT /rest/api/3/field/{fieldId}`
//! (updateCustomField: name, description, searcher) and `DELETE
//! /rest/api/3/field/{id}` (deleteCustomField).
//!
//! Jira deletes a field asynchronously and answers `303 See Other` to the task
//! doing it (`GET /task/{taskId}`). The simulator deletes it before answering,
//! the values issues held for it and its place on screens with it, and answers
//! the same `303` to a task already `COMPLETE` (`platform/task.rs`), so an app
//! that follows the task sees it finished on its first look.

use std::sync::Arc;

use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::custom_field::{check_description, check_name, valid_searcher};
use super::task;
use super::v2::V2Request;
use crate::access::Caller;
use crate::extract::JiraJson;
use crate::jira_error::JiraError;
use crate::shared::Shared;
use crate::world::World;
use crate::world::custom_field::number_of;
use crate::world::sprint::SPRINT_FIELD_NUMBER;

/// Path parameters of `updateCustomField` and `deleteCustomField` (whose spec
/// names the segment `id`); named so the gateway's extra `cloud_id` is ignored.
#[derive(Deserialize)]
pub(crate) struct FieldPath {
    field_id: String,
}

/// The custom field `id` names, for a caller with *Administer Jira* (the
/// spec's `403` otherwise, in its own words for `action`). Jira's own Sprint
/// field is locked (`400`); any other id that is not one of the site's custom
/// fields is the spec's `404`.
fn administered_field(
    world: &World,
    caller: &Caller,
    id: &str,
    action: &str,
) -> Result<usize, JiraError> {
    if !world.is_site_admin(&caller.account_id) {
        return Err(JiraError::forbidden(format!(
            "Only Jira administrators can {action} custom fields."
        )));
    }
    let number = number_of(id);
    if number == Some(SPRINT_FIELD_NUMBER) {
        return Err(JiraError::bad_request("The custom field is locked."));
    }
    number
        .and_then(|n| world.custom_fields.iter().position(|f| f.number == n))
        .ok_or_else(|| JiraError::not_found("The custom field was not found."))
}

/// `UpdateCustomFieldDetails`: each property absent leaves the field as it is;
/// `searcherKey: null` makes it unsearchable, as the spec allows.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct FieldUpdate {
    name: Option<String>,
    description: Option<String>,
    #[serde(default, deserialize_with = "crate::extract::present")]
    searcher_key: Option<Option<String>>,
}

/// `PUT /field/{fieldId}`: all of the update or none of it.
pub(crate) async fn update(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<FieldPath>,
    JiraJson(input): JiraJson<FieldUpdate>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    let index = administered_field(&world, &caller, &path.field_id, "edit")?;
    let mut field = world.custom_fields[index].clone();
    if input.name.is_some() {
        field.name = check_name(input.name.as_deref())?;
    }
    if input.description.is_some() {
        field.description = check_description(input.description.as_deref())?;
    }
    if let Some(searcher) = input.searcher_key {
        field.searcher_key = match searcher {
            None => None,
            // The spec's own example wording.
            Some(key) => Some(valid_searcher(field.kind, &key).ok_or_else(|| {
                JiraError::bad_request("searcherKey is invalid for the field type.")
            })?),
        };
    }
    world.custom_fields[index] = field;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /field/{id}`: the field goes, with every issue's value for it and
/// its place on every screen; `303` to the finished task.
pub(crate) async fn delete(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<FieldPath>,
    v2: Option<Extension<V2Request>>,
) -> Result<Response, JiraError> {
    let mut world = shared.world();
    if world.is_site_admin(&caller.account_id) && number_of(&path.field_id).is_none() {
        // The spec's 400 for "the custom field ID format is incorrect".
        return Err(JiraError::bad_request(format!(
            "The custom field ID '{}' is not in the format customfield_N.",
            path.field_id
        )));
    }
    let index = administered_field(&world, &caller, &path.field_id, "delete")?;
    let field = world.custom_fields.remove(index);
    for issue in &mut world.issues {
        issue.custom_fields.remove(&field.number);
    }
    world.remove_from_screens(&field.id());
    let task = world.record_task(&caller.account_id);
    Ok(task::see_other(&caller.links, &task, v2.is_some()))
}
