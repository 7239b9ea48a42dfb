//! Default values of custom field contexts (`world/field_context_default.rs`):
//! `GET /field/{fieldId}/context/defaultValue` (getDefaultValues) and `PUT
//! /field/{fieldId}/context/defaultValue` (setDefaultValues), in the spec's
//! polymorphic `CustomFieldContextDefaultValue` shapes, one `type` per kind of
//! field the simulator models; the spec's other types (group, version, project, URL, read-only, multi-user and Forge pickers) are
//! for fields the simulator does not have, and are refused saying so.
//!
//! Both need *Administer Jira* (`managed_field`). A `PUT` is checked whole
//! before anything is written, so a refused one changes nothing.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::custom_field::{FieldPath, managed_field, parse_value};
use super::field_context::context_query;
use super::page::page_bean;
use crate::access::Caller;
use crate::clock::jira_timestamp;
use crate::extract::JiraJson;
use crate::jira_error::JiraError;
use crate::shared::Shared;
use crate::world::World;
use crate::world::custom_field::{
    CustomFieldRecord, CustomValue, Kind, MAX_OPTIONS, MAX_TEXTAREA_CHARS, format_date,
};
use crate::world::field_context::{ContextRecord, MAX_CONTEXTS};
use crate::world::field_context_default::{
    ContextDefault, MAX_FILTER_ITEMS, MAX_TEXTFIELD_DEFAULT_CHARS, UserFilter, default_type,
};

/// getDefaultValues' default page; the simulator's cap too.
const PAGE: usize = 50;

/// The `type`s of `CustomFieldContextDefaultValue` for custom field types the
/// simulator does not model: refused as such rather than as unknown.
const UNMODELLED_TYPES: [&str; 17] = [
    "multi.user.select",
    "grouppicker.single",
    "grouppicker.multiple",
    "url",
    "project",
    "readonly",
    "version.single",
    "version.multiple",
    "forge.string",
    "forge.string.list",
    "forge.object",
    "forge.datetime",
    "forge.group",
    "forge.group.list",
    "forge.number",
    "forge.user",
    "forge.user.list",
];

/// The properties a default of `kind`'s type has, as its schema lists them
/// (`contextId` too, which the spec's text, number, label and date shapes
/// leave out, though a default names its context in every one).
fn properties(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::TextField | Kind::TextArea => &["type", "contextId", "text"],
        Kind::Float => &["type", "contextId", "number"],
        Kind::Select => &["type", "contextId", "optionId"],
        Kind::MultiSelect => &["type", "contextId", "optionIds"],
        Kind::Cascading => &["type", "contextId", "optionId", "cascadingOptionId"],
        Kind::Labels => &["type", "contextId", "labels"],
        Kind::DatePicker => &["type", "contextId", "date", "useCurrent"],
        Kind::DateTime => &["type", "contextId", "dateTime", "useCurrent"],
        Kind::UserPicker => &["type", "contextId", "accountId", "userFilter"],
        Kind::App => &["type", "contextId"],
    }
}

/// A context's default as a `CustomFieldContextDefaultValue` of the field's
/// type.
fn default_json(kind: Kind, context: &ContextRecord, default: &ContextDefault) -> Value {
    let mut body = Map::new();
    body.insert("contextId".into(), json!(context.id));
    let fixed = !matches!(default, ContextDefault::Current);
    if matches!(kind, Kind::DatePicker | Kind::DateTime) {
        body.insert("useCurrent".into(), json!(!fixed));
    }
    match default {
        ContextDefault::Value(value) => {
            let (key, value) = match value {
                CustomValue::Text(text) => ("text", json!(text)),
                CustomValue::Document(doc) => ("text", json!(crate::adf::plain_text(doc))),
                CustomValue::Number(number) => ("number", json!(number)),
                CustomValue::Option(id) => ("optionId", json!(id)),
                CustomValue::Options(ids) => ("optionIds", json!(ids)),
                CustomValue::Cascade { parent, child } => {
                    if let Some(child) = child {
                        body.insert("cascadingOptionId".into(), json!(child));
                    }
                    ("optionId", json!(parent))
                }
                CustomValue::Labels(labels) => ("labels", json!(labels)),
                CustomValue::Date(date) => ("date", json!(format_date(*date))),
                CustomValue::DateTime(at) => ("dateTime", json!(jira_timestamp(*at))),
                CustomValue::User(id) => ("accountId", json!(id)),
                // An app field's values; never a default (refused below).
                CustomValue::Group { .. } | CustomValue::Object(_) | CustomValue::List(_) => {
                    ("value", json!(value.canonical()))
                }
            };
            body.insert(key.into(), value);
        }
        ContextDefault::Paragraphs(text) => {
            body.insert("text".into(), json!(text));
        }
        ContextDefault::Current => {}
        ContextDefault::User { account_id, filter } => {
            body.insert("accountId".into(), json!(account_id));
            body.insert(
                "userFilter".into(),
                json!({
                    "enabled": filter.enabled,
                    "groups": filter.groups,
                    "roleIds": filter.role_ids,
                }),
            );
        }
    }
    body.insert("type".into(), json!(default_type(kind)));
    Value::Object(body)
}

/// `GET /field/{fieldId}/context/defaultValue`: the defaults of the field's
/// contexts (those `contextId` names, if any), in context order; a context
/// without a default is not listed, as the spec says.
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<FieldPath>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, JiraError> {
    let (page, ids) = context_query(raw, |_, _| {})?;
    let world = shared.world();
    let field = &world.custom_fields[managed_field(&world, &caller, &path.field_id)?];
    let found: Vec<Value> = field
        .contexts
        .iter()
        .filter(|c| ids.is_empty() || ids.contains(&c.id))
        .filter_map(|c| Some(default_json(field.kind, c, c.default_value.as_ref()?)))
        .collect();
    let window = page.window(PAGE, PAGE);
    let total = found.len();
    let base = format!(
        "{}/rest/api/3/field/{}/context/defaultValue",
        caller.links, path.field_id
    );
    Ok(Json(page_bean(
        &base,
        window,
        total,
        window.of(found).collect(),
    )))
}

/// `CustomFieldContextDefaultValueUpdate`; each default is read by its `type`
/// ([`check_default`]).
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct DefaultValues {
    #[serde(default)]
    default_values: Vec<Map<String, Value>>,
}

/// `PUT /field/{fieldId}/context/defaultValue`: sets each named context's
/// default, all or none. A default without its value (`optionId`, `text`, …
/// absent or null, an empty list, no `date` and no `useCurrent`) removes the
/// context's default.
pub(crate) async fn set(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<FieldPath>,
    JiraJson(input): JiraJson<DefaultValues>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    let index = managed_field(&world, &caller, &path.field_id)?;
    let field = &world.custom_fields[index];
    // Each names a context of the field once, so no more than it can hold.
    if input.default_values.len() > MAX_CONTEXTS {
        return Err(JiraError::bad_request(format!(
            "The defaultValues must hold at most {MAX_CONTEXTS} items in the simulator."
        )));
    }
    let types: BTreeSet<&str> = input
        .default_values
        .iter()
        .map(|d| d.get("type").and_then(Value::as_str).unwrap_or_default())
        .collect();
    if types.contains("") {
        return Err(JiraError::bad_request(
            "The type of each default value must be provided.",
        ));
    }
    if types.len() > 1 {
        // The spec's own example of this 400.
        return Err(JiraError::bad_request(
            "All default values in the request must have the same type.",
        ));
    }
    if let Some(kind) = types.first() {
        check_type(field, kind)?;
    }
    let mut seen = BTreeSet::new();
    let mut changes = Vec::new();
    for default in &input.default_values {
        let (context, value) = check_default(&world, field, default)?;
        if !seen.insert(field.contexts[context].id.as_str()) {
            return Err(JiraError::bad_request(format!(
                "The context {} is given more than once.",
                field.contexts[context].id
            )));
        }
        changes.push((context, value));
    }
    for (context, value) in changes {
        world.custom_fields[index].contexts[context].default_value = value;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Refuses a `type` the field does not take: one of a custom field type the
/// simulator does not model, one the spec does not know, or another modelled
/// field's.
fn check_type(field: &CustomFieldRecord, kind: &str) -> Result<(), JiraError> {
    let own = default_type(field.kind);
    if kind == own {
        return Ok(());
    }
    if UNMODELLED_TYPES.contains(&kind) {
        return Err(JiraError::bad_request(format!(
            "Default values of type '{kind}' are for custom field types the simulator does not model; {} takes '{own}'.",
            field.id()
        )));
    }
    if Kind::ALL.into_iter().all(|k| default_type(k) != kind) {
        return Err(JiraError::bad_request(format!(
            "The default value type '{kind}' is not valid."
        )));
    }
    Err(JiraError::bad_request(format!(
        "The default value type '{kind}' does not match the custom field {}, which takes '{own}'.",
        field.id()
    )))
}

/// One default of a `PUT`, checked against the field and the context it
/// names: the context's index and its new default (`None`: removed).
fn check_default(
    world: &World,
    field: &CustomFieldRecord,
    default: &Map<String, Value>,
) -> Result<(usize, Option<ContextDefault>), JiraError> {
    let kind = default_type(field.kind);
    let known = properties(field.kind);
    if let Some(other) = default.keys().find(|k| !known.contains(&k.as_str())) {
        return Err(JiraError::bad_request(format!(
            "The property '{other}' is not valid for a default value of type '{kind}'."
        )));
    }
    let context_id = default
        .get("contextId")
        .and_then(Value::as_str)
        .ok_or_else(|| JiraError::bad_request("The contextId of each default must be given."))?;
    let index = field
        .contexts
        .iter()
        .position(|c| c.id == context_id)
        .ok_or_else(|| JiraError::not_found("The context was not found."))?;
    let context = &field.contexts[index];
    // The value property of the type; absent or null: no default.
    let given = |name: &str| default.get(name).filter(|v| !v.is_null());
    let value = match field.kind {
        Kind::App => {
            return Err(JiraError::not_modelled(
                "Default values of an app's group, object and list fields are not modelled.",
            ));
        }
        Kind::Select => match given("optionId") {
            None => None,
            Some(id) => {
                let id = text_property("optionId", id)?;
                Some(CustomValue::Option(own_option(context, id)?))
            }
        },
        Kind::MultiSelect => match given("optionIds") {
            None => None,
            Some(ids) => own_options(context, ids)?,
        },
        Kind::Cascading => match given("optionId") {
            None => None,
            Some(id) => {
                let parent = own_option(context, text_property("optionId", id)?)?;
                let child = match given("cascadingOptionId") {
                    None => None,
                    Some(id) => {
                        let id = text_property("cascadingOptionId", id)?;
                        let child = context.child_option(&parent, Some(id), None);
                        Some(child.map(|o| o.id.clone()).ok_or_else(|| {
                            JiraError::not_found(format!(
                                "The cascading option {id} was not found."
                            ))
                        })?)
                    }
                };
                Some(CustomValue::Cascade { parent, child })
            }
        },
        Kind::TextField => {
            let text = given("text")
                .map(|t| text_property("text", t))
                .transpose()?;
            if text.is_some_and(|t| t.chars().count() > MAX_TEXTFIELD_DEFAULT_CHARS) {
                return Err(JiraError::field(
                    "text",
                    format!(
                        "The default text must not exceed {MAX_TEXTFIELD_DEFAULT_CHARS} characters."
                    ),
                ));
            }
            parsed(world, field, context, given("text"))?
        }
        Kind::TextArea => {
            let text = given("text")
                .map(|t| text_property("text", t))
                .transpose()?;
            if text.is_some_and(|t| t.chars().count() > MAX_TEXTAREA_CHARS) {
                return Err(JiraError::field(
                    "text",
                    format!("The default text must not exceed {MAX_TEXTAREA_CHARS} characters."),
                ));
            }
            let text = text.filter(|t| !t.is_empty());
            return Ok((
                index,
                text.map(|t| ContextDefault::Paragraphs(t.to_owned())),
            ));
        }
        Kind::Float | Kind::Labels => {
            let name = if field.kind == Kind::Float {
                "number"
            } else {
                "labels"
            };
            parsed(world, field, context, given(name))?
        }
        Kind::DatePicker | Kind::DateTime => {
            if given("useCurrent").is_some_and(|u| u.as_bool().is_none()) {
                return Err(JiraError::bad_request("The useCurrent must be a boolean."));
            }
            if default.get("useCurrent").and_then(Value::as_bool) == Some(true) {
                // The spec: the date "Ignored if `useCurrent` is true."
                return Ok((index, Some(ContextDefault::Current)));
            }
            let name = if field.kind == Kind::DatePicker {
                "date"
            } else {
                "dateTime"
            };
            parsed(world, field, context, given(name))?
        }
        Kind::UserPicker => {
            let Some(account_id) = given("accountId") else {
                return Ok((index, None));
            };
            let filter = default
                .get("userFilter")
                .ok_or_else(|| JiraError::bad_request("The userFilter must be provided."))?;
            let filter = user_filter(world, filter)?;
            let account_id = text_property("accountId", account_id)?;
            let user = json!({ "accountId": account_id });
            return match parse_value(world, field, Some(context), &user)? {
                Some(CustomValue::User(account_id)) => {
                    Ok((index, Some(ContextDefault::User { account_id, filter })))
                }
                _ => Ok((index, None)),
            };
        }
    };
    Ok((index, value.map(ContextDefault::Value)))
}

/// A value checked as a create checks the field's (`parse_value`, the one
/// rule for what a field of each type holds); `None` for none or an empty one.
fn parsed(
    world: &World,
    field: &CustomFieldRecord,
    context: &ContextRecord,
    value: Option<&Value>,
) -> Result<Option<CustomValue>, JiraError> {
    match value {
        None => Ok(None),
        Some(value) => parse_value(world, field, Some(context), value),
    }
}

/// A string property of a default, refused when it is anything else.
fn text_property<'a>(name: &str, value: &'a Value) -> Result<&'a str, JiraError> {
    value
        .as_str()
        .ok_or_else(|| JiraError::bad_request(format!("The {name} must be a string.")))
}

/// An option of the context by id: the spec's 404 for any other (another
/// context's options included: a default is its own context's).
fn own_option(context: &ContextRecord, id: &str) -> Result<String, JiraError> {
    context
        .option(Some(id), None)
        .map(|o| o.id.clone())
        .ok_or_else(|| JiraError::not_found(format!("The option {id} was not found.")))
}

/// `optionIds`: options of the context, each once, in the order given, at
/// most [`MAX_OPTIONS`] (what a field holds); `None` for an empty list.
fn own_options(context: &ContextRecord, ids: &Value) -> Result<Option<CustomValue>, JiraError> {
    let ids = ids
        .as_array()
        .ok_or_else(|| JiraError::bad_request("The optionIds must be a list of option IDs."))?;
    if ids.len() > MAX_OPTIONS {
        return Err(JiraError::bad_request(format!(
            "The optionIds must hold at most {MAX_OPTIONS} IDs in the simulator."
        )));
    }
    let mut options: Vec<String> = Vec::new();
    for id in ids {
        let id = own_option(context, text_property("optionIds", id)?)?;
        if !options.contains(&id) {
            options.push(id);
        }
    }
    Ok((!options.is_empty()).then_some(CustomValue::Options(options)))
}

/// `UserFilter`, as the spec bounds it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct UserFilterInput {
    enabled: bool,
    #[serde(default)]
    groups: Vec<String>,
    #[serde(default)]
    role_ids: Vec<i64>,
}

/// A single user picker's `userFilter`: at most [`MAX_FILTER_ITEMS`] groups,
/// each a group of the site, and as many roles, each once.
fn user_filter(world: &World, filter: &Value) -> Result<UserFilter, JiraError> {
    let filter = UserFilterInput::deserialize(filter)
        .map_err(|e| JiraError::bad_request(format!("The userFilter is not valid: {e}.")))?;
    if filter.groups.len() > MAX_FILTER_ITEMS || filter.role_ids.len() > MAX_FILTER_ITEMS {
        return Err(JiraError::bad_request(format!(
            "A maximum of {MAX_FILTER_ITEMS} groups and {MAX_FILTER_ITEMS} roles can be provided."
        )));
    }
    if let Some(missing) = filter
        .groups
        .iter()
        .find(|g| world.group_named(g).is_none())
    {
        return Err(JiraError::bad_request(format!(
            "The group '{missing}' was not found."
        )));
    }
    let mut groups: Vec<String> = Vec::new();
    for group in filter.groups {
        if !groups.contains(&group) {
            groups.push(group);
        }
    }
    let mut role_ids: Vec<i64> = Vec::new();
    for role in filter.role_ids {
        if !role_ids.contains(&role) {
            role_ids.push(role);
        }
    }
    Ok(UserFilter {
        enabled: filter.enabled,
        groups,
        role_ids,
    })
}
