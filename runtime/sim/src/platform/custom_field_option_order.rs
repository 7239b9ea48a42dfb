//! `PUT /rest/api/3/field/{fieldId}/context/{contextId}/option/move`
//! (reorderCustomFieldOptions): moves options of one context to its start, its
//! end or after another of its options. The order is the one the create and
//! edit metadata list (`allowedValues`) and JQL's `ORDER BY` sorts by. A
//! cascading select's options move among their level: the spec's list holds
//! "custom field options or cascading options, but not both", and the option
//! they go after is of the same level (`400` otherwise); children keep their
//! parents, and the listing shows top-level options first
//! (`ContextRecord::listed`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;

use super::custom_field::{ContextPath, option_context};
use crate::access::Caller;
use crate::extract::JiraJson;
use crate::jira_error::JiraError;
use crate::shared::Shared;
use crate::world::custom_field::OptionRecord;

/// `OrderOfCustomFieldOptions`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct OptionOrder {
    custom_field_option_ids: Vec<String>,
    after: Option<String>,
    position: Option<Position>,
}

#[derive(Deserialize, Clone, Copy)]
pub(crate) enum Position {
    First,
    Last,
}

/// `PUT …/option/move`: the options, in the order given, go where the body
/// says; all must be the context's, else nothing moves.
pub(crate) async fn reorder(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<ContextPath>,
    JiraJson(input): JiraJson<OptionOrder>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    if !world.is_site_admin(&caller.account_id) {
        // This operation's own wording in the spec.
        return Err(JiraError::forbidden(
            "Only Jira administrators can manage custom field options.",
        ));
    }
    let (field, context) = option_context(&world, &caller, &path)?;
    if input.after.is_some() && input.position.is_some() {
        return Err(JiraError::bad_request(
            "'after' and 'position' were provided. Only 'after' or 'position' can be specified.",
        ));
    }
    if input.after.is_none() && input.position.is_none() {
        return Err(JiraError::bad_request(
            "Either 'after' or 'position' must be specified.",
        ));
    }
    let moved: BTreeSet<&str> = input
        .custom_field_option_ids
        .iter()
        .map(String::as_str)
        .collect();
    if moved.is_empty() {
        return Err(JiraError::bad_request(
            "The customFieldOptionIds must not be empty.",
        ));
    }
    if moved.len() < input.custom_field_option_ids.len() {
        return Err(JiraError::bad_request(
            "The customFieldOptionIds must not contain duplicates.",
        ));
    }
    let options = &world.custom_fields[field].contexts[context].options;
    let mut taken: BTreeMap<&str, _> = options
        .iter()
        .filter(|o| moved.contains(o.id.as_str()))
        .map(|o| (o.id.as_str(), o.clone()))
        .collect();
    if let Some(missing) = moved.iter().find(|id| !taken.contains_key(*id)) {
        return Err(JiraError::not_found(format!(
            "The option {missing} was not found."
        )));
    }
    let child = |o: &OptionRecord| o.parent.is_some();
    let levels: BTreeSet<bool> = taken.values().map(child).collect();
    if levels.len() > 1 {
        return Err(JiraError::bad_request(
            "The customFieldOptionIds must be custom field options or cascading options, not both.",
        ));
    }
    if let Some(after) = &input.after
        && let Some(target) = options.iter().find(|o| o.id == *after)
        && !levels.contains(&child(target))
    {
        return Err(JiraError::bad_request(format!(
            "The option {after} is not of the level of the options being moved."
        )));
    }
    let mut rest: Vec<_> = options
        .iter()
        .filter(|o| !moved.contains(o.id.as_str()))
        .cloned()
        .collect();
    let at = match (&input.after, input.position) {
        (Some(after), _) if moved.contains(after.as_str()) => {
            return Err(JiraError::bad_request(format!(
                "The option {after} is one of the options being moved."
            )));
        }
        (Some(after), _) => {
            rest.iter()
                .position(|o| o.id == *after)
                .ok_or_else(|| JiraError::not_found(format!("The option {after} was not found.")))?
                + 1
        }
        (None, Some(Position::Last)) => rest.len(),
        (None, _) => 0,
    };
    let in_order: Vec<_> = input
        .custom_field_option_ids
        .iter()
        .filter_map(|id| taken.remove(id.as_str()))
        .collect();
    rest.splice(at..at, in_order);
    world.custom_fields[field].contexts[context].options = rest;
    Ok(StatusCode::NO_CONTENT)
}
