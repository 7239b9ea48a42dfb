//! An app writing its own custom fields' values: `PUT
//! /rest/api/3/app/field/{fieldIdOrKey}/value` (updateCustomFieldValue) and
//! `POST /rest/api/3/app/field/value` (updateMultipleCustomFieldValues), and
//! Forge's value shapes, which every write of an app field is held to
//! ([`parse`], also for issue edits).
//!
//! As the platform spec documents them:
//! - only the app that provided a field writes it: any other caller, a user's
//!   API token or an app acting for a user (`asUser()`) included, gets `403`;
//! - a field that does not exist is `404`; a body that is not the spec's, a
//!   value of the wrong shape, or a field and issue named twice is `400`;
//! - `generateChangelog` (default `true`) records the change in the issue's
//!   history, with the `jira:issue_updated` the edit raises.
//!
//! The spec gives no status for an issue id the app cannot see; the
//! simulator answers the request's `400`, naming the id, and writes nothing
//! (one refused update leaves every issue as it was). The app sees an issue
//! as its service account does (`AppClientConfig::acts_as`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use kiln_manifest::CustomFieldType;
use serde::Deserialize;
use serde_json::Value;

use super::custom_field::{user_of, wrong};
// An issue id of `issueIds`: the spec's integer, or the same digits as a string,
// which Jira's JSON reader coerces (a Forge app passes the string id its context
// gives, `context.extension.issue.id`, as GrowthBook does): read as every id of a
// body is (`id_set.rs`).
use super::id_set::Id as IssueId;
use super::issue::raise_updated;
use crate::access::Caller;
use crate::extract::{JiraJson, JiraQuery};
use crate::jira_error::JiraError;
use crate::shared::Shared;
use crate::world::World;
use crate::world::app_field::{AppFieldOwner, NotTheApps, app_field};
use crate::world::custom_field::{
    CustomFieldRecord, CustomValue, MAX_TEXTFIELD_CHARS, parse_date, parse_datetime,
};

/// Most field-and-issue pairs one request writes: each is an issue edit,
/// and the simulator holds its site in memory.
pub(crate) const MAX_VALUE_WRITES: usize = 1_000;

/// Most values one list field holds.
pub(crate) const MAX_LIST_VALUES: usize = 1_000;

/// Longest object value, in characters of its JSON: the bound the simulator
/// puts on an app property's value (`app_property.rs`), an app's other blob
/// on the site.
pub(crate) const MAX_OBJECT_CHARS: usize = 32_768;

/// `fieldIdOrKey`, named so the gateway's extra `cloud_id` is ignored.
#[derive(Deserialize)]
pub(crate) struct FieldPath {
    pub(crate) field_id_or_key: String,
}

/// The `generateChangelog` query parameter, read as Java reads a boolean:
/// anything but `true` (without regard to case) is false; absent, `true`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WriteQuery {
    generate_changelog: Option<String>,
}

impl WriteQuery {
    fn changelog(&self) -> bool {
        self.generate_changelog
            .as_deref()
            .is_none_or(|text| text.eq_ignore_ascii_case("true"))
    }
}

/// `CustomFieldValueUpdateDetails`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OneFieldUpdates {
    #[serde(default)]
    updates: Vec<OneFieldUpdate>,
}

/// `CustomFieldValueUpdate`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct OneFieldUpdate {
    issue_ids: Vec<IssueId>,
    value: Value,
}

/// `MultipleCustomFieldValuesUpdateDetails`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ManyFieldUpdates {
    #[serde(default)]
    updates: Vec<ManyFieldUpdate>,
}

/// `MultipleCustomFieldValuesUpdate`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct ManyFieldUpdate {
    custom_field: String,
    issue_ids: Vec<IssueId>,
    value: Value,
}

/// One update named by field: what both routes' bodies come to.
struct Update<'a> {
    field: &'a str,
    issue_ids: &'a [IssueId],
    value: &'a Value,
}

/// `PUT /app/field/{fieldIdOrKey}/value`.
pub(crate) async fn update_one(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<FieldPath>,
    JiraQuery(query): JiraQuery<WriteQuery>,
    JiraJson(input): JiraJson<OneFieldUpdates>,
) -> Result<StatusCode, JiraError> {
    let updates: Vec<Update<'_>> = input
        .updates
        .iter()
        .map(|u| Update {
            field: &path.field_id_or_key,
            issue_ids: &u.issue_ids,
            value: &u.value,
        })
        .collect();
    write(&shared, &caller, &updates, query.changelog())
}

/// `POST /app/field/value`.
pub(crate) async fn update_many(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraQuery(query): JiraQuery<WriteQuery>,
    JiraJson(input): JiraJson<ManyFieldUpdates>,
) -> Result<StatusCode, JiraError> {
    let updates: Vec<Update<'_>> = input
        .updates
        .iter()
        .map(|u| Update {
            field: &u.custom_field,
            issue_ids: &u.issue_ids,
            value: &u.value,
        })
        .collect();
    write(&shared, &caller, &updates, query.changelog())
}

/// The field `id_or_key` names (`customfield_N`, which is also its key), if
/// the calling app provided it: `404` for no such field, `403` for one that is
/// not the caller's.
fn owned_field(world: &World, app: &str, id_or_key: &str) -> Result<usize, JiraError> {
    app_field(world, Some(app), id_or_key).map_err(|refusal| match refusal {
        NotTheApps::Unknown => {
            JiraError::not_found(format!("The custom field {id_or_key} was not found."))
        }
        NotTheApps::Owned => not_the_owner(),
    })
}

fn not_the_owner() -> JiraError {
    JiraError::forbidden("Only the app that provided the custom field can update its values.")
}

/// Checks every update, then writes them all: the values go on the issues,
/// and each issue changed raises one `jira:issue_updated` (with its history
/// entry) when `changelog` is set.
fn write(
    shared: &Shared,
    caller: &Caller,
    updates: &[Update<'_>],
    changelog: bool,
) -> Result<StatusCode, JiraError> {
    let app = caller.app_itself(shared).ok_or_else(not_the_owner)?;
    let pairs: usize = updates.iter().map(|u| u.issue_ids.len()).sum();
    if pairs > MAX_VALUE_WRITES {
        return Err(JiraError::bad_request(format!(
            "A request writes at most {MAX_VALUE_WRITES} field values in the simulator."
        )));
    }
    let mut world = shared.world();
    // Every field first, so a request naming another app's field is refused
    // (403) whatever else is wrong with it.
    let fields = updates
        .iter()
        .map(|u| owned_field(&world, app, u.field))
        .collect::<Result<Vec<usize>, JiraError>>()?;
    // Issue index → (field index → new value), each pair once.
    let mut writes: BTreeMap<usize, BTreeMap<usize, Option<CustomValue>>> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    for (update, &field_index) in updates.iter().zip(&fields) {
        let field = &world.custom_fields[field_index];
        let value = parse_for(&world, field, update.value)?;
        for &IssueId(issue_id) in update.issue_ids {
            let issue = world
                .visible_issue(&caller.account_id, &issue_id.to_string())
                .ok_or_else(|| {
                    JiraError::bad_request(format!(
                        "Issue {issue_id} does not exist or you do not have permission to see it."
                    ))
                })?;
            if !seen.insert((field_index, issue)) {
                return Err(JiraError::bad_request(format!(
                    "The custom field {} and issue {issue_id} are updated more than once.",
                    field.id()
                )));
            }
            writes
                .entry(issue)
                .or_default()
                .insert(field_index, value.clone());
        }
    }
    for (issue, values) in writes {
        let before = world.issues[issue].clone();
        for (field_index, value) in values {
            let number = world.custom_fields[field_index].number;
            let held = &mut world.issues[issue].custom_fields;
            match value {
                Some(value) => held.insert(number, value),
                None => held.remove(&number),
            };
        }
        if changelog {
            raise_updated(shared, &mut world, caller, &before, issue);
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

/// A value for `field`, an app field: its Forge shapes ([`parse`]).
fn parse_for(
    world: &World,
    field: &CustomFieldRecord,
    value: &Value,
) -> Result<Option<CustomValue>, JiraError> {
    match &field.app {
        Some(owner) => parse(world, field, owner, value),
        None => Err(not_the_owner()),
    }
}

/// A value of an app's field, checked against its Forge type as the spec
/// describes it; `None` clears the field (`null`, an empty string or list).
/// A string as a single-line text (at most 255 characters), a number, a date
/// `yyyy-MM-dd`, an ISO 8601 date-time, `{"accountId"}` for a user, `{"name"}`
/// or `{"groupId"}` for a group, a JSON object for an object; a list field a
/// list of those.
pub(crate) fn parse(
    world: &World,
    field: &CustomFieldRecord,
    owner: &AppFieldOwner,
    value: &Value,
) -> Result<Option<CustomValue>, JiraError> {
    if value.is_null() {
        return Ok(None);
    }
    if !owner.list {
        return one(world, field, owner.field_type, value);
    }
    let items = value.as_array().ok_or_else(|| {
        wrong(
            field,
            format!(
                "The value must be a list of {} values.",
                owner.field_type.as_str()
            ),
        )
    })?;
    if items.len() > MAX_LIST_VALUES {
        return Err(wrong(
            field,
            format!("A list field holds at most {MAX_LIST_VALUES} values in the simulator."),
        ));
    }
    let mut values = Vec::with_capacity(items.len());
    for item in items {
        if item.is_null() {
            return Err(wrong(field, "A list's values cannot be null."));
        }
        if let Some(value) = one(world, field, owner.field_type, item)? {
            values.push(value);
        }
    }
    Ok((!values.is_empty()).then_some(CustomValue::List(values)))
}

/// One value of a Forge type.
fn one(
    world: &World,
    field: &CustomFieldRecord,
    field_type: CustomFieldType,
    value: &Value,
) -> Result<Option<CustomValue>, JiraError> {
    let parsed = match field_type {
        CustomFieldType::String => {
            let text = value
                .as_str()
                .ok_or_else(|| wrong(field, "The value must be a string."))?;
            if text.chars().count() > MAX_TEXTFIELD_CHARS {
                return Err(wrong(
                    field,
                    format!("The value must be at most {MAX_TEXTFIELD_CHARS} characters."),
                ));
            }
            if text.is_empty() {
                return Ok(None);
            }
            CustomValue::Text(text.to_owned())
        }
        CustomFieldType::Number => CustomValue::Number(
            value
                .as_f64()
                .filter(|n| n.is_finite())
                .ok_or_else(|| wrong(field, "The value must be a number."))?,
        ),
        CustomFieldType::Date => {
            let text = value.as_str().unwrap_or_default();
            let date = parse_date(text)
                .filter(|_| text.len() == 10 && text.as_bytes().get(4) == Some(&b'-'))
                .ok_or_else(|| wrong(field, format!("Error parsing date string: {text}")))?;
            CustomValue::Date(date)
        }
        CustomFieldType::Datetime => {
            let text = value.as_str().unwrap_or_default();
            let at = parse_datetime(text)
                .ok_or_else(|| wrong(field, format!("Error parsing date string: {text}")))?;
            CustomValue::DateTime(at)
        }
        CustomFieldType::User => CustomValue::User(user_of(world, field, value)?),
        CustomFieldType::Group => {
            // `groupId` wins when both are given: a group's name can change.
            let by_id = value.get("groupId").and_then(Value::as_str);
            let by_name = value.get("name").and_then(Value::as_str);
            let group = match (by_id, by_name) {
                (Some(id), _) => world.group_by_id(id),
                (None, Some(name)) => world.group_named(name),
                (None, None) => {
                    return Err(wrong(field, "Specify the group by groupId or name."));
                }
            }
            .ok_or_else(|| {
                wrong(
                    field,
                    format!(
                        "The group '{}' does not exist.",
                        by_id.or(by_name).unwrap_or_default()
                    ),
                )
            })?;
            CustomValue::Group {
                id: group.id,
                name: group.name,
            }
        }
        CustomFieldType::Object => {
            if !value.is_object() {
                return Err(wrong(field, "The value must be a JSON object."));
            }
            if value.to_string().chars().count() > MAX_OBJECT_CHARS {
                return Err(wrong(
                    field,
                    format!(
                        "The value must be at most {MAX_OBJECT_CHARS} characters of JSON in the simulator."
                    ),
                ));
            }
            CustomValue::Object(value.clone())
        }
    };
    Ok(Some(parsed))
}
