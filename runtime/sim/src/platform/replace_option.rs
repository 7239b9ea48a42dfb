//! `DELETE /rest/api/3/field/{fieldId}/context/{contextId}/option/{optionId}/issue`
//! (replaceCustomFieldOption): takes an option of a context off the issues that
//! hold it, putting another option of the same context in its place
//! (`replaceWith`) or nothing.
//!
//! Jira does it in a long-running task and answers `303 See Other` to it; the
//! simulator does the work before answering (as a field's deletion,
//! `custom_field_write.rs`), so the task is `COMPLETE` on the caller's first
//! look, and `GET /task/{taskId}` carries the spec's
//! `RemoveOptionFromIssuesResult`: the ids of the issues changed
//! (`modifiedIssues`) and of those left alone with a reason
//! (`unmodifiedIssues`, `errors`).
//!
//! The issues are those holding the option (a select's value, or one of a
//! multiselect's: a multiselect already holding the replacement keeps it
//! once) that the caller may browse, narrowed by `jql` when given. Each
//! changed issue is changed as an edit changes it: `updated`, an entry in its
//! changelog and a `jira:issue_updated` webhook with the same items. An issue
//! whose field the context no longer applies to (its project or issue type
//! moved to another context) cannot take the replacement: it is left alone,
//! with Jira's "Option 2 cannot be set on issue MKY-5 as it is not in the
//! correct scope"; clearing the option works on any issue.
//!
//! What differs: the refusals' wording is the simulator's where the spec gives
//! none; `overrideScreenSecurity` and `overrideEditableFlag` are accepted from
//! the app itself (its own account, `asApp()`) and change nothing, as the
//! simulator checks neither screens nor the editable flag here; from anyone
//! else `true` is the spec's `403`.

use std::sync::Arc;

use axum::extract::{Extension, Path, RawQuery, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::issue::raise_updated;
use super::task;
use super::v2::V2Request;
use crate::access::Caller;
use crate::extract::query_number;
use crate::jira_error::JiraError;
use crate::jql;
use crate::seed::SeedPermission;
use crate::shared::Shared;
use crate::world::World;
use crate::world::custom_field::{OptionRecord, number_of};

/// Most messages a task's `result.errors` keeps, as the spec says Jira limits
/// them; the ids of the issues left alone are all listed.
const MAX_ERRORS: usize = 100;

/// Path parameters; named so the gateway's extra `cloud_id` is ignored.
#[derive(Deserialize)]
pub(crate) struct ReplacePath {
    field_id: String,
    context_id: String,
    option_id: String,
}

/// The query: `replaceWith`, `jql` and the two overrides.
#[derive(Default)]
struct ReplaceQuery {
    replace_with: Option<String>,
    jql: Option<String>,
    override_screen_security: bool,
    override_editable_flag: bool,
}

/// A boolean query parameter as Java reads one: `true` (any case) or false.
fn flag(value: &str) -> bool {
    value.eq_ignore_ascii_case("true")
}

fn read_query(raw: Option<&str>) -> Result<ReplaceQuery, JiraError> {
    let mut query = ReplaceQuery::default();
    for (key, value) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        match key.as_ref() {
            "replaceWith" => {
                let id: i64 = query_number("replaceWith", &value)?;
                query.replace_with = Some(id.to_string());
            }
            "jql" => query.jql = Some(value.into_owned()).filter(|j| !j.trim().is_empty()),
            "overrideScreenSecurity" => query.override_screen_security = flag(&value),
            "overrideEditableFlag" => query.override_editable_flag = flag(&value),
            _ => {}
        }
    }
    Ok(query)
}

/// The field's and context's indices, and the checked replacement, or the
/// spec's refusals: `404` for a field that does not exist or holds no options,
/// a context not the field's or an option not the context's; `400` for a
/// replacement that is not another option of the context.
fn target(
    world: &World,
    path: &ReplacePath,
    replace_with: Option<&str>,
) -> Result<(usize, usize, Option<OptionRecord>), JiraError> {
    let field = number_of(&path.field_id)
        .and_then(|n| world.custom_fields.iter().position(|f| f.number == n))
        .ok_or_else(|| JiraError::not_found("The custom field was not found."))?;
    let record = &world.custom_fields[field];
    if record.app.is_some() || !record.kind.has_options() {
        return Err(JiraError::not_found(
            "The custom field doesn't support options.",
        ));
    }
    let context = record
        .contexts
        .iter()
        .position(|c| c.id == path.context_id)
        .ok_or_else(|| JiraError::not_found("The context was not found."))?;
    let options = &record.contexts[context];
    let old = options
        .options
        .iter()
        .find(|o| o.id == path.option_id)
        .ok_or_else(|| {
            JiraError::not_found(format!("The option {} was not found.", path.option_id))
        })?;
    let Some(new) = replace_with else {
        return Ok((field, context, None));
    };
    if new == path.option_id {
        return Err(JiraError::bad_request(format!(
            "The option {new} cannot replace itself."
        )));
    }
    let new = options
        .options
        .iter()
        .find(|o| o.id == new)
        .ok_or_else(|| {
            JiraError::bad_request(format!(
                "The option {new} is not an option of the context {}.",
                path.context_id
            ))
        })?;
    if new.parent.is_some() != old.parent.is_some() {
        return Err(JiraError::bad_request(format!(
            "The option {} cannot replace the option {}: a cascading option replaces a \
             cascading option, a top-level option a top-level option.",
            new.id, old.id
        )));
    }
    Ok((field, context, Some(new.clone())))
}

/// `DELETE …/option/{optionId}/issue`: `303` to the finished task.
pub(crate) async fn replace(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<ReplacePath>,
    RawQuery(raw): RawQuery,
    v2: Option<Extension<V2Request>>,
) -> Result<Response, JiraError> {
    let mut world = shared.world();
    if !world.is_site_admin(&caller.account_id) {
        return Err(JiraError::forbidden(
            "Only Jira administrators can manage custom field options.",
        ));
    }
    let query = read_query(raw.as_deref())?;
    let as_app = caller.app_itself(&shared).is_some();
    if query.override_screen_security && !as_app {
        // The spec's own example.
        return Err(JiraError::forbidden(
            "Connect and Forge app users with Administer Jira global permission can override screen security.",
        ));
    }
    if query.override_editable_flag && !as_app {
        return Err(JiraError::forbidden(
            "Connect and Forge app users with Administer Jira global permission can override editable flag.",
        ));
    }
    let (field_index, context_index, new_option) =
        target(&world, &path, query.replace_with.as_deref())?;
    let new = query.replace_with.as_deref();
    let restriction = match &query.jql {
        Some(text) => {
            Some(jql::compile(text, &world, &caller.account_id).map_err(JiraError::from)?)
        }
        None => None,
    };
    let field = &world.custom_fields[field_index];
    let number = field.number;
    let context_id = field.contexts[context_index].id.clone();
    let old = path.option_id.as_str();
    // Issue index → its value after, for the issues to change; issue ids and
    // reasons for those left alone.
    let mut changes = Vec::new();
    let mut unmodified: Vec<u64> = Vec::new();
    let mut errors: Vec<String> = Vec::new();
    for (index, issue) in world.issues.iter().enumerate() {
        let Some(after) = issue
            .custom_fields
            .get(&number)
            .and_then(|value| value.replacing_option(old, new_option.as_ref()))
        else {
            continue;
        };
        if !world.may(
            &caller.account_id,
            &issue.project_key,
            SeedPermission::Browse,
        ) || restriction.as_ref().is_some_and(|q| !q.matches(issue))
        {
            continue;
        }
        let applies = world
            .project(&issue.project_key)
            .and_then(|p| field.context_for(&p.id, issue.issue_type.id))
            .is_some_and(|c| c.id == context_id);
        if let (Some(new), false) = (new, applies) {
            unmodified.push(issue.id);
            if errors.len() < MAX_ERRORS {
                errors.push(format!(
                    "Option {new} cannot be set on issue {} as it is not in the correct scope",
                    issue.key
                ));
            }
            continue;
        }
        changes.push((index, after));
    }
    let now = world.now();
    let mut modified = Vec::with_capacity(changes.len());
    for (index, after) in changes {
        let before = world.issues[index].clone();
        let issue = &mut world.issues[index];
        match after {
            Some(value) => issue.custom_fields.insert(number, value),
            None => issue.custom_fields.remove(&number),
        };
        issue.updated = now;
        modified.push(issue.id);
        raise_updated(&shared, &mut world, &caller, &before, index);
    }
    let matched = query.jql.as_deref().unwrap_or("*");
    let description = match new {
        Some(new) => {
            format!(
                "Remove option {old} from issues matched by '{matched}', and replace with option {new}"
            )
        }
        None => format!("Remove option {old} from issues matched by '{matched}'"),
    };
    let result = json!({
        "errors": { "errorMessages": errors, "errors": {} },
        "modifiedIssues": modified,
        "unmodifiedIssues": unmodified,
    });
    let task = world.record_task_with(&caller.account_id, Some(description), Some(result));
    Ok(task::see_other(&caller.links, &task, v2.is_some()))
}
