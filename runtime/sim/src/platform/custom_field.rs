//! Custom fields: `POST /rest/api/3/field` (createCustomField), `GET
//! /rest/api/3/field/search` (getFieldsPaginated), the select options of each
//! of a field's contexts (the contexts themselves: `field_context.rs`), and the
//! values issues hold (validated on create and edit against the context that
//! applies, rendered in `IssueBean.fields`).

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::page::{Window, page_bean};
use super::render;
use crate::access::Caller;
use crate::adf;
use crate::clock::jira_timestamp;
use crate::extract::JiraJson;
use crate::extract::query_number;
use crate::jira_error::JiraError;
use crate::shared::Shared;
use crate::world::World;
use crate::world::app_field::AppFieldOwner;
use crate::world::custom_field::{
    CustomFieldRecord, CustomValue, FIRST_CUSTOM_FIELD_ID, Kind, MAX_CUSTOM_FIELDS,
    MAX_DESCRIPTION_CHARS, MAX_LABELS, MAX_NAME_CHARS, MAX_OPTION_CHARS, MAX_OPTIONS,
    MAX_TEXTAREA_CHARS, MAX_TEXTFIELD_CHARS, OptionRecord, TYPE_PREFIX, format_date, parse_date,
    parse_datetime,
};
use crate::world::field_context::ContextRecord;
use crate::world::sprint::SPRINT_FIELD_NUMBER;

/// `FieldDetails` of a custom field, as `GET /field` and `POST /field` answer.
pub(crate) fn details(field: &CustomFieldRecord) -> Value {
    let id = field.id();
    let (kind, items) = field.schema();
    let mut schema = json!({
        "type": kind,
        "custom": field.type_key(),
        "customId": field.number,
    });
    if let Some(items) = items {
        schema["items"] = json!(items);
    }
    if let Some(app) = &field.app {
        // Jira's `configuration` of a Forge field; the simulator knows its
        // `readOnly` only (it renders no field, so claims no custom renderer).
        schema["configuration"] = json!({ "readOnly": app.read_only });
    }
    json!({
        "id": id,
        "key": id,
        "name": field.name,
        "custom": true,
        "orderable": true,
        "navigable": true,
        "searchable": field.searcher_key.is_some(),
        "clauseNames": [format!("cf[{}]", field.number), field.name],
        "schema": schema,
    })
}

/// A `Field`, as `GET /field/search` lists custom fields.
/// `screens` is how many screens hold it.
fn paginated_field(field: &CustomFieldRecord, screens: usize) -> Value {
    let mut value = json!({
        "id": field.id(),
        "key": field.id(),
        "name": field.name,
        "schema": details(field)["schema"].clone(),
        "isLocked": false,
        "contextsCount": field.contexts.len(),
        "projectsCount": field.contexts.iter().map(|c| c.project_ids.len()).sum::<usize>(),
        "screensCount": screens,
        "typeDisplayName": field.kind.display_name(),
        "lastUsed": { "type": "NOT_TRACKED" },
    });
    if let Some(description) = &field.description {
        value["description"] = json!(description);
    }
    if let Some(searcher) = &field.searcher_key {
        value["searcherKey"] = json!(searcher);
    }
    value
}

/// `CustomFieldDefinitionJsonBean`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Definition {
    name: Option<String>,
    description: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    searcher_key: Option<String>,
}

/// A definition checked as Jira checks it, ready to add.
pub(crate) struct Checked {
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) kind: Kind,
    pub(crate) searcher_key: Option<String>,
}

/// Checks a definition: a name, a modelled type, a searcher valid for it.
pub(crate) fn check_definition(
    name: Option<&str>,
    description: Option<&str>,
    kind: Option<&str>,
    searcher_key: Option<&str>,
) -> Result<Checked, JiraError> {
    let name = check_name(name)?;
    let description = check_description(description)?;
    let type_key =
        kind.ok_or_else(|| JiraError::field("type", "You must specify a custom field type."))?;
    let kind = Kind::from_type(type_key)
        .filter(|_| type_key.starts_with(TYPE_PREFIX))
        .ok_or_else(|| {
            JiraError::field(
                "type",
                format!("Custom field type '{type_key}' is not valid."),
            )
        })?;
    let searcher_key = match searcher_key {
        None => None,
        Some(searcher) => Some(checked_searcher(kind, searcher, &kind.type_key())?),
    };
    Ok(Checked {
        name,
        description,
        kind,
        searcher_key,
    })
}

/// Checks a definition of a field of an app's type (Forge's
/// `jira:customFieldType`): a name, and a searcher valid for the type's data
/// type. Without one the field gets the searcher Forge sets on its own
/// fields ([`AppFieldOwner::searcher`]): the spec says Forge custom fields
/// "have a searcher set automatically".
fn check_app_type_definition(
    owner: &AppFieldOwner,
    name: Option<&str>,
    description: Option<&str>,
    searcher_key: Option<&str>,
) -> Result<Checked, JiraError> {
    let name = check_name(name)?;
    let description = check_description(description)?;
    let kind = owner.kind();
    let searcher_key = match searcher_key {
        None => owner.searcher(),
        Some(searcher) => Some(checked_searcher(kind, searcher, &owner.type_key())?),
    };
    Ok(Checked {
        name,
        description,
        kind,
        searcher_key,
    })
}

/// `searcher` if it is valid for a field of `kind`, else Jira's error naming
/// the field's type as the request gave it (`type_key`).
fn checked_searcher(kind: Kind, searcher: &str, type_key: &str) -> Result<String, JiraError> {
    valid_searcher(kind, searcher).ok_or_else(|| {
        JiraError::field(
            "searcherKey",
            format!("Searcher '{searcher}' is not valid for custom field type '{type_key}'."),
        )
    })
}

/// A field's name: not blank, at most [`MAX_NAME_CHARS`]; trimmed.
pub(crate) fn check_name(name: Option<&str>) -> Result<String, JiraError> {
    let name = name
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| JiraError::field("name", "You must specify a name for the custom field."))?;
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(JiraError::field(
            "name",
            "The custom field name must be less than 255 characters.",
        ));
    }
    Ok(name.to_owned())
}

/// A field's description: at most [`MAX_DESCRIPTION_CHARS`].
pub(crate) fn check_description(description: Option<&str>) -> Result<Option<String>, JiraError> {
    match description {
        Some(d) if d.chars().count() > MAX_DESCRIPTION_CHARS => Err(JiraError::field(
            "description",
            format!("The description must be at most {MAX_DESCRIPTION_CHARS} characters."),
        )),
        other => Ok(other.map(str::to_owned)),
    }
}

/// `searcher` if it is a full searcher key valid for a field of `kind`; `None`
/// for the caller to refuse in its own words.
pub(crate) fn valid_searcher(kind: Kind, searcher: &str) -> Option<String> {
    searcher
        .strip_prefix(TYPE_PREFIX)
        .is_some_and(|short| kind.searchers().contains(&short))
        .then(|| searcher.to_owned())
}

/// Adds a checked field to the site (the next id, or `number` when a seed names
/// one), with its one global context. Refused past [`MAX_CUSTOM_FIELDS`].
pub(crate) fn add_field(
    world: &mut World,
    checked: Checked,
    number: Option<u64>,
) -> Result<usize, JiraError> {
    if world.custom_fields.len() >= MAX_CUSTOM_FIELDS {
        return Err(JiraError::bad_request(format!(
            "The site already has the simulator's limit of {MAX_CUSTOM_FIELDS} custom fields."
        )));
    }
    // The Sprint field holds its number on every cloud site: the next field
    // takes the one after it.
    let number = number.unwrap_or(match world.next_custom_field_number {
        SPRINT_FIELD_NUMBER => SPRINT_FIELD_NUMBER + 1,
        next => next,
    });
    if number == SPRINT_FIELD_NUMBER || world.custom_field_numbered(number).is_some() {
        return Err(JiraError::bad_request(format!(
            "Custom field customfield_{number} already exists."
        )));
    }
    world.next_custom_field_number = world
        .next_custom_field_number
        .max(number.saturating_add(1))
        .max(FIRST_CUSTOM_FIELD_ID);
    let context_id = world.take_option_id();
    world.custom_fields.push(CustomFieldRecord {
        number,
        contexts: vec![ContextRecord::default_for(context_id, &checked.name)],
        name: checked.name,
        description: checked.description,
        kind: checked.kind,
        searcher_key: checked.searcher_key,
        app: None,
    });
    Ok(world.custom_fields.len() - 1)
}

/// Adds top-level options to context `context` of the field at `field`
/// ([`add_options_under`]).
pub(crate) fn add_options(
    world: &mut World,
    at: (usize, usize),
    options: &[(&str, bool)],
) -> Result<Vec<OptionRecord>, JiraError> {
    let options: Vec<NewOptionSpec<'_>> = options
        .iter()
        .map(|&(value, disabled)| (value, disabled, None))
        .collect();
    add_options_under(world, at, &options)
}

/// An option to add: its value, whether it is disabled, and for a cascading
/// select's child option the id of its parent.
pub(crate) type NewOptionSpec<'a> = (&'a str, bool, Option<&'a str>);

/// Adds options to context `context` of the field at `field`, all or none:
/// each a non-blank value of at most 255 characters, unique among its
/// siblings (the top-level options, or the children of one parent) without
/// regard to case, at most [`MAX_OPTIONS`] in the field. A parent must be a
/// top-level option of the same context, and only a cascading select's
/// options have one.
pub(crate) fn add_options_under(
    world: &mut World,
    (field, context): (usize, usize),
    options: &[NewOptionSpec<'_>],
) -> Result<Vec<OptionRecord>, JiraError> {
    let cascading = world
        .custom_fields
        .get(field)
        .is_some_and(|f| f.kind == Kind::Cascading);
    let mut record = world
        .custom_fields
        .get(field)
        .and_then(|f| f.contexts.get(context))
        .cloned()
        .ok_or_else(|| JiraError::not_found("The context was not found."))?;
    let held = world.custom_fields[field].all_options().count();
    let mut next_id = world.next_option_id;
    let mut added = Vec::new();
    for &(value, disabled, parent) in options {
        let value = value.trim();
        if value.is_empty() || value.chars().count() > MAX_OPTION_CHARS {
            return Err(JiraError::bad_request(
                "The option value must be between 1 and 255 characters.",
            ));
        }
        if let Some(parent) = parent {
            if !cascading {
                return Err(JiraError::bad_request(
                    "Only cascading select fields take an optionId.",
                ));
            }
            if !record.top_level().any(|o| o.id == parent) {
                return Err(JiraError::bad_request(format!(
                    "The option {parent} is not a top-level option of the context: \
                     a cascading option's parent must be one."
                )));
            }
        }
        if record
            .options
            .iter()
            .filter(|o| o.parent.as_deref() == parent)
            .any(|o| o.value.eq_ignore_ascii_case(value))
        {
            return Err(JiraError::bad_request(format!(
                "The option '{value}' already exists."
            )));
        }
        // Bounded across the field's contexts, not per context: JQL orders
        // and looks options up over all of them.
        if held + added.len() >= MAX_OPTIONS {
            return Err(JiraError::bad_request(format!(
                "A field holds at most {MAX_OPTIONS} options in the simulator."
            )));
        }
        let option = OptionRecord {
            id: next_id.to_string(),
            value: value.to_owned(),
            disabled,
            parent: parent.map(str::to_owned),
        };
        next_id += 1;
        record.options.push(option.clone());
        added.push(option);
    }
    world.next_option_id = next_id;
    world.custom_fields[field].contexts[context] = record;
    Ok(added)
}

pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraJson(input): JiraJson<Definition>,
) -> Result<Response, JiraError> {
    let mut world = shared.world();
    if !world.is_site_admin(&caller.account_id) {
        // createCustomField documents no 403: a caller without Administer Jira
        // gets 400.
        return Err(JiraError::bad_request(
            "Only Jira administrators can create custom fields.",
        ));
    }
    // A registered app field type's ARI makes a field the app owns; any
    // other type (an unknown ARI too) is checked as Jira's own.
    let app_type = input
        .kind
        .as_deref()
        .and_then(|kind| world.app_field_type(kind))
        .cloned();
    let checked = match &app_type {
        Some(owner) => check_app_type_definition(
            owner,
            input.name.as_deref(),
            input.description.as_deref(),
            input.searcher_key.as_deref(),
        )?,
        None => check_definition(
            input.name.as_deref(),
            input.description.as_deref(),
            input.kind.as_deref(),
            input.searcher_key.as_deref(),
        )?,
    };
    let index = add_field(&mut world, checked, None)?;
    world.custom_fields[index].app = app_type;
    let body = details(&world.custom_fields[index]);
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// Jira's default and cap for `getFieldsPaginated`.
const SEARCH_PAGE: usize = 50;

/// `GET /field/search`: `type` (`custom`/`system`, repeatable), `id` (repeatable),
/// `query` (name or description, case-insensitive), `startAt`, `maxResults`. The
/// simulator's system fields are listed as `Field`s too.
pub(crate) async fn search(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, JiraError> {
    let mut types = Vec::new();
    let mut ids = Vec::new();
    let mut query = None;
    let mut start_at = None;
    let mut max_results = None;
    let number = query_number::<usize>;
    for (key, value) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        match key.as_ref() {
            "type" => types.extend(value.split(',').map(str::to_owned)),
            "id" => ids.extend(value.split(',').map(str::to_owned)),
            "query" => query = Some(value.to_lowercase()),
            "startAt" => start_at = Some(number("startAt", &value)?),
            "maxResults" => max_results = Some(number("maxResults", &value)?),
            _ => {}
        }
    }
    if let Some(bad) = types
        .iter()
        .find(|t| !matches!(t.as_str(), "custom" | "system"))
    {
        return Err(JiraError::bad_request(format!(
            "Invalid type '{bad}'. Valid types are: custom, system."
        )));
    }
    let world = shared.world();
    let want = |kind: &str| types.is_empty() || types.iter().any(|t| t == kind);
    let mut all: Vec<Value> = Vec::new();
    // The stored system fields; not Status Category, which `/field` lists
    // without the `schema` this answer's `Field` requires.
    if want("system") {
        all.extend(super::field_details::system_fields().into_iter().map(|f| {
            let mut field = json!({
                "id": f["id"],
                "key": f["key"],
                "name": f["name"],
                "isLocked": true,
            });
            // `/field` describes `parent` without a schema, but this answer's
            // `Field` requires one: it gets the one its create metadata shows.
            field["schema"] = f.get("schema").cloned().unwrap_or_else(
                || json!({ "type": "issuelink", "system": super::hierarchy::FIELD }),
            );
            field
        }));
    }
    if want("custom") {
        let screens = world.screen_counts();
        all.extend(world.custom_fields.iter().map(|field| {
            let on = screens.get(field.id().as_str()).copied().unwrap_or(0);
            paginated_field(field, on)
        }));
    }
    let matches = |field: &Value| {
        let id = field["id"].as_str().unwrap_or_default();
        let text = |name: &str| field[name].as_str().unwrap_or_default().to_lowercase();
        (ids.is_empty() || ids.iter().any(|i| i == id))
            && query
                .as_deref()
                .is_none_or(|q| text("name").contains(q) || text("description").contains(q))
    };
    let found: Vec<Value> = all.into_iter().filter(matches).collect();
    let window = Window::new(start_at, max_results, SEARCH_PAGE, SEARCH_PAGE);
    let window = Window {
        max: window.max.max(1),
        ..window
    };
    let total = found.len();
    let values = window.of(found).collect();
    let base = format!("{}/rest/api/3/field/search", caller.links);
    Ok(Json(page_bean(&base, window, total, values)))
}

/// Path parameters, named so the gateway's extra `cloud_id` is ignored.
#[derive(Deserialize)]
pub(crate) struct FieldPath {
    pub(crate) field_id: String,
}

/// Path parameters of a route on one context of a field.
#[derive(Deserialize)]
pub(crate) struct ContextPath {
    pub(crate) field_id: String,
    pub(crate) context_id: String,
}

/// The field at `id` for a caller managing custom fields (site admins, as
/// Jira's *Administer Jira*); 404 otherwise, as Jira answers a field the
/// caller cannot manage.
pub(crate) fn managed_field(world: &World, caller: &Caller, id: &str) -> Result<usize, JiraError> {
    if !world.is_site_admin(&caller.account_id) {
        return Err(JiraError::forbidden(
            "Only Jira administrators can access custom field contexts.",
        ));
    }
    world
        .custom_fields
        .iter()
        .position(|f| f.id() == id)
        .ok_or_else(|| JiraError::not_found("The custom field was not found."))
}

/// The field and context of an options route, checked: the context must be the
/// field's, and the field a select or multiselect.
pub(crate) fn option_context(
    world: &World,
    caller: &Caller,
    path: &ContextPath,
) -> Result<(usize, usize), JiraError> {
    let (field, context) = managed_context(world, caller, &path.field_id, &path.context_id)?;
    if !world.custom_fields[field].kind.has_options() {
        return Err(JiraError::bad_request(
            "The custom field doesn't support options.",
        ));
    }
    Ok((field, context))
}

/// The field and context a context route names, for a caller managing custom
/// fields; 404 for a context that is not the field's.
pub(crate) fn managed_context(
    world: &World,
    caller: &Caller,
    field_id: &str,
    context_id: &str,
) -> Result<(usize, usize), JiraError> {
    let field = managed_field(world, caller, field_id)?;
    let context = world.custom_fields[field]
        .contexts
        .iter()
        .position(|c| c.id == context_id)
        .ok_or_else(|| JiraError::not_found("The context was not found."))?;
    Ok((field, context))
}

/// A `CustomFieldContextOption`: a cascading option names its parent
/// (`optionId`).
fn option_json(option: &OptionRecord) -> Value {
    let mut body = json!({ "id": option.id, "value": option.value, "disabled": option.disabled });
    if let Some(parent) = &option.parent {
        body["optionId"] = json!(parent);
    }
    body
}

/// `GET /field/{fieldId}/context/{contextId}/option`: a `PageBeanCustomFieldContextOption`.
pub(crate) async fn options(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<ContextPath>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let index = option_context(&world, &caller, &path)?;
    let mut start_at = None;
    let mut max_results = None;
    for (key, value) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        match key.as_ref() {
            "startAt" => start_at = value.parse().ok(),
            "maxResults" => max_results = value.parse().ok(),
            _ => {}
        }
    }
    let window = Window::new(start_at, max_results, 100, 100);
    let window = Window {
        max: window.max.max(1),
        ..window
    };
    let (field, context) = index;
    let options = world.custom_fields[field].contexts[context].listed();
    let total = options.len();
    let values = window.of(options).map(option_json).collect();
    let base = format!(
        "{}/rest/api/3/field/{}/context/{}/option",
        caller.links, path.field_id, path.context_id
    );
    Ok(Json(page_bean(&base, window, total, values)))
}

/// `BulkCustomFieldOptionCreateRequest`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewOptions {
    options: Vec<NewOption>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct NewOption {
    value: String,
    #[serde(default)]
    disabled: bool,
    /// A cascading option's parent: a top-level option of the context.
    #[serde(default)]
    option_id: Option<String>,
}

/// `POST /field/{fieldId}/context/{contextId}/option`: all or none of the options
/// are added.
pub(crate) async fn create_options(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<ContextPath>,
    JiraJson(input): JiraJson<NewOptions>,
) -> Result<Json<Value>, JiraError> {
    let mut world = shared.world();
    let index = option_context(&world, &caller, &path)?;
    let wanted: Vec<NewOptionSpec<'_>> = input
        .options
        .iter()
        .map(|o| (o.value.as_str(), o.disabled, o.option_id.as_deref()))
        .collect();
    let added = add_options_under(&mut world, index, &wanted)?;
    Ok(Json(
        json!({ "options": added.iter().map(option_json).collect::<Vec<_>>() }),
    ))
}

/// `BulkCustomFieldOptionUpdateRequest`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OptionUpdates {
    options: Vec<OptionUpdate>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OptionUpdate {
    id: String,
    value: Option<String>,
    disabled: Option<bool>,
}

/// `PUT /field/{fieldId}/context/{contextId}/option`: renames or (en|dis)ables
/// options, all or none.
pub(crate) async fn update_options(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<ContextPath>,
    JiraJson(input): JiraJson<OptionUpdates>,
) -> Result<Json<Value>, JiraError> {
    let mut world = shared.world();
    let (field_index, context_index) = option_context(&world, &caller, &path)?;
    let mut field = world.custom_fields[field_index].contexts[context_index].clone();
    let mut updated = Vec::new();
    for change in &input.options {
        let position = field
            .options
            .iter()
            .position(|o| o.id == change.id)
            .ok_or_else(|| {
                JiraError::not_found(format!("The option {} was not found.", change.id))
            })?;
        if let Some(value) = &change.value {
            let value = value.trim();
            if value.is_empty() || value.chars().count() > MAX_OPTION_CHARS {
                return Err(JiraError::bad_request(
                    "The option value must be between 1 and 255 characters.",
                ));
            }
            let parent = field.options[position].parent.clone();
            if field.options.iter().any(|o| {
                o.id != change.id && o.parent == parent && o.value.eq_ignore_ascii_case(value)
            }) {
                return Err(JiraError::bad_request(format!(
                    "The option '{value}' already exists."
                )));
            }
            field.options[position].value = value.to_owned();
        }
        if let Some(disabled) = change.disabled {
            field.options[position].disabled = disabled;
        }
        updated.push(option_json(&field.options[position]));
    }
    world.custom_fields[field_index].contexts[context_index] = field;
    Ok(Json(json!({ "options": updated })))
}

#[derive(Deserialize)]
pub(crate) struct OptionPath {
    field_id: String,
    context_id: String,
    option_id: String,
}

/// `DELETE /field/{fieldId}/context/{contextId}/option/{optionId}`: the option
/// goes, and with it the value of every issue that held it (as in Jira).
pub(crate) async fn delete_option(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<OptionPath>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    let context = ContextPath {
        field_id: path.field_id,
        context_id: path.context_id,
    };
    let (field_index, context_index) = option_context(&world, &caller, &context)?;
    let field = &mut world.custom_fields[field_index];
    let options = &mut field.contexts[context_index].options;
    if options
        .iter()
        .any(|o| o.parent.as_deref() == Some(path.option_id.as_str()))
    {
        // The spec: "Options with cascading options cannot be deleted
        // without deleting the cascading options first."
        return Err(JiraError::bad_request(format!(
            "The option {} has cascading options: delete them first.",
            path.option_id
        )));
    }
    let before = options.len();
    options.retain(|o| o.id != path.option_id);
    if options.len() == before {
        return Err(JiraError::not_found(format!(
            "The option {} was not found.",
            path.option_id
        )));
    }
    let number = field.number;
    world.clear_option_values(number, &BTreeSet::from([path.option_id.as_str()]));
    Ok(StatusCode::NO_CONTENT)
}

/// The message Jira gives for a value of the wrong shape.
pub(crate) fn wrong(field: &CustomFieldRecord, message: impl Into<String>) -> JiraError {
    JiraError::field(field.id(), message)
}

/// The option a `{"id"}` / `{"value"}` object names, refused as Jira refuses it.
fn option_of(
    field: &CustomFieldRecord,
    context: Option<&ContextRecord>,
    value: &Value,
) -> Result<String, JiraError> {
    let id = value.get("id").and_then(Value::as_str);
    let text = value.get("value").and_then(Value::as_str);
    if id.is_none() && text.is_none() {
        return Err(wrong(
            field,
            format!("Specify a valid 'id' or 'name' for {}", field.name),
        ));
    }
    context
        .and_then(|c| c.option(id, text))
        .filter(|o| !o.disabled)
        .map(|o| o.id.clone())
        .ok_or_else(|| match id {
            Some(id) => wrong(field, format!("Option id '{id}' is not valid")),
            None => wrong(
                field,
                format!("Option value '{}' is not valid", text.unwrap_or_default()),
            ),
        })
}

fn custom_label(field: &CustomFieldRecord, value: &Value) -> Result<String, JiraError> {
    let text = value
        .as_str()
        .ok_or_else(|| wrong(field, "Label must be a string."))?;
    if text.is_empty() || text.chars().any(char::is_whitespace) {
        return Err(wrong(field, "The label can't contain spaces."));
    }
    if text.chars().count() > 255 {
        return Err(wrong(
            field,
            "The label must not be longer than 255 characters.",
        ));
    }
    Ok(text.to_owned())
}

/// A value a create or edit sets, checked by the field's type; `None` clears it.
/// Shapes follow Jira's REST API v3: text as a string, a textarea as an ADF
/// document, a number, `{"value"}`/`{"id"}` options, string labels, `yyyy-MM-dd`
/// dates, ISO 8601 date-times and `{"accountId"}` users. An option must be
/// one of `context`, the context that applies to the issue.
pub(crate) fn parse_value(
    world: &World,
    field: &CustomFieldRecord,
    context: Option<&ContextRecord>,
    value: &Value,
) -> Result<Option<CustomValue>, JiraError> {
    if let Some(owner) = &field.app {
        // An app's field takes Forge's shapes wherever it is written.
        return super::app_field_value::parse(world, field, owner, value);
    }
    if value.is_null() {
        return Ok(None);
    }
    let parsed = match field.kind {
        Kind::TextField => {
            let text = value
                .as_str()
                .ok_or_else(|| wrong(field, "Operation value must be a string"))?;
            if text.chars().count() > MAX_TEXTFIELD_CHARS {
                return Err(wrong(
                    field,
                    format!(
                        "The entered text is too long. It exceeds the allowed limit of {MAX_TEXTFIELD_CHARS} characters."
                    ),
                ));
            }
            if text.is_empty() {
                return Ok(None);
            }
            CustomValue::Text(text.to_owned())
        }
        Kind::TextArea => {
            if !adf::is_document(value) {
                return Err(wrong(
                    field,
                    "Operation value must be an Atlassian Document (see the Atlassian Document Format).",
                ));
            }
            // An empty text node: Jira's bare `INVALID_INPUT`, as for a
            // description.
            adf::readable(value)?;
            if adf::plain_text(value).chars().count() > MAX_TEXTAREA_CHARS {
                return Err(wrong(
                    field,
                    "The entered text is too long. It exceeds the allowed limit of 32,767 characters.",
                ));
            }
            CustomValue::Document(value.clone())
        }
        Kind::Float => {
            let number = value
                .as_f64()
                .filter(|n| n.is_finite())
                .ok_or_else(|| wrong(field, "Operation value must be a number"))?;
            CustomValue::Number(number)
        }
        Kind::Select => CustomValue::Option(option_of(field, context, value)?),
        Kind::MultiSelect => {
            let items = value
                .as_array()
                .ok_or_else(|| wrong(field, "Operation value must be an array of options."))?;
            let mut ids: Vec<String> = Vec::new();
            for item in items {
                let id = option_of(field, context, item)?;
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            if ids.is_empty() {
                return Ok(None);
            }
            CustomValue::Options(ids)
        }
        Kind::Labels => {
            let items = value
                .as_array()
                .ok_or_else(|| wrong(field, "Operation value must be an array of strings."))?;
            if items.len() > MAX_LABELS {
                return Err(wrong(
                    field,
                    format!("A labels field holds at most {MAX_LABELS} labels in the simulator."),
                ));
            }
            let mut labels: Vec<String> = Vec::new();
            for item in items {
                let label = custom_label(field, item)?;
                if !labels.contains(&label) {
                    labels.push(label);
                }
            }
            if labels.is_empty() {
                return Ok(None);
            }
            CustomValue::Labels(labels)
        }
        Kind::DatePicker => {
            let text = value.as_str().unwrap_or_default();
            let date = parse_date(text)
                .filter(|_| text.len() == 10 && text.as_bytes().get(4) == Some(&b'-'))
                .ok_or_else(|| wrong(field, format!("Error parsing date string: {text}")))?;
            CustomValue::Date(date)
        }
        Kind::DateTime => {
            let text = value.as_str().unwrap_or_default();
            let at = parse_datetime(text)
                .ok_or_else(|| wrong(field, format!("Error parsing date string: {text}")))?;
            CustomValue::DateTime(at)
        }
        Kind::UserPicker => CustomValue::User(user_of(world, field, value)?),
        Kind::Cascading => cascade_of(field, context, value)?,
        // Only app fields are of this kind, and they returned above.
        Kind::App => return Err(wrong(field, "The field is an app's.")),
    };
    Ok(Some(parsed))
}

/// A cascading select's value: `{"value"}` or `{"id"}` for a top-level option
/// of `context`, and optionally `child`, one of that option's children named
/// the same way. Disabled options cannot be set, as a select's.
fn cascade_of(
    field: &CustomFieldRecord,
    context: Option<&ContextRecord>,
    value: &Value,
) -> Result<CustomValue, JiraError> {
    fn named(v: &Value) -> (Option<&str>, Option<&str>) {
        (
            v.get("id").and_then(Value::as_str),
            v.get("value").and_then(Value::as_str),
        )
    }
    let (id, text) = named(value);
    if id.is_none() && text.is_none() {
        return Err(wrong(
            field,
            "Could not find valid 'id' or 'value' in the Parent Option object.",
        ));
    }
    let parent = context
        .and_then(|c| c.option(id, text))
        .filter(|o| !o.disabled)
        .ok_or_else(|| match id {
            Some(id) => wrong(field, format!("Option id '{id}' is not valid")),
            None => wrong(
                field,
                format!("Option value '{}' is not valid", text.unwrap_or_default()),
            ),
        })?;
    let child = match value.get("child").filter(|c| !c.is_null()) {
        None => None,
        Some(child) => {
            let (id, text) = named(child);
            if id.is_none() && text.is_none() {
                return Err(wrong(
                    field,
                    "Could not find valid 'id' or 'value' in the Child Option object.",
                ));
            }
            let found = context
                .and_then(|c| c.child_option(&parent.id, id, text))
                .filter(|o| !o.disabled);
            let Some(found) = found else {
                let named = id.map_or_else(
                    || format!("value '{}'", text.unwrap_or_default()),
                    |id| format!("id '{id}'"),
                );
                return Err(wrong(
                    field,
                    format!(
                        "Option {named} is not a valid child of the option '{}'",
                        parent.value
                    ),
                ));
            };
            Some(found.id.clone())
        }
    };
    Ok(CustomValue::Cascade {
        parent: parent.id.clone(),
        child,
    })
}

/// The account a `{"accountId"}` names, refused as Jira refuses it.
pub(crate) fn user_of(
    world: &World,
    field: &CustomFieldRecord,
    value: &Value,
) -> Result<String, JiraError> {
    let account_id = value
        .get("accountId")
        .and_then(Value::as_str)
        .ok_or_else(|| wrong(field, "Specify the user by accountId."))?;
    let user = world.user(account_id).ok_or_else(|| {
        wrong(
            field,
            format!("Specified user '{account_id}' does not exist."),
        )
    })?;
    Ok(user.account_id.clone())
}

/// `add`/`remove` of an update on a multiselect or labels field: the value after.
pub(crate) fn apply_verb(
    field: &CustomFieldRecord,
    context: Option<&ContextRecord>,
    current: Option<&CustomValue>,
    verb: &str,
    value: &Value,
) -> Result<Option<CustomValue>, JiraError> {
    match (field.kind, verb) {
        (Kind::MultiSelect, "add" | "remove") => {
            let id = option_of(field, context, value)?;
            let mut ids = match current {
                Some(CustomValue::Options(ids)) => ids.clone(),
                _ => Vec::new(),
            };
            if verb == "add" {
                if !ids.contains(&id) {
                    ids.push(id);
                }
            } else {
                ids.retain(|i| *i != id);
            }
            Ok((!ids.is_empty()).then_some(CustomValue::Options(ids)))
        }
        (Kind::Labels, "add" | "remove") => {
            let label = custom_label(field, value)?;
            let mut labels = match current {
                Some(CustomValue::Labels(labels)) => labels.clone(),
                _ => Vec::new(),
            };
            if verb == "add" {
                if labels.len() >= MAX_LABELS {
                    return Err(wrong(
                        field,
                        format!(
                            "A labels field holds at most {MAX_LABELS} labels in the simulator."
                        ),
                    ));
                }
                if !labels.contains(&label) {
                    labels.push(label);
                }
            } else {
                labels.retain(|l| *l != label);
            }
            Ok((!labels.is_empty()).then_some(CustomValue::Labels(labels)))
        }
        _ => Err(wrong(
            field,
            format!("Field '{}' does not support operation '{verb}'", field.id()),
        )),
    }
}

/// A custom field option as an issue carries it (`CustomFieldOption`).
fn option_value(links: &str, field: &CustomFieldRecord, id: &str) -> Value {
    let value = field
        .option_by_id(id)
        .map(|o| o.value.clone())
        .unwrap_or_default();
    json!({
        "self": format!("{links}/rest/api/3/customFieldOption/{id}"),
        "value": value,
        "id": id,
    })
}

/// A value as `IssueBean.fields` carries it (null when empty).
pub(crate) fn render_value(
    links: &str,
    world: &World,
    field: &CustomFieldRecord,
    value: Option<&CustomValue>,
) -> Value {
    let Some(value) = value else {
        return Value::Null;
    };
    match value {
        CustomValue::Text(text) => json!(text),
        CustomValue::Document(doc) => doc.clone(),
        CustomValue::Number(n) => json!(n),
        CustomValue::Option(id) => option_value(links, field, id),
        CustomValue::Options(ids) => Value::Array(
            ids.iter()
                .map(|id| option_value(links, field, id))
                .collect(),
        ),
        CustomValue::Cascade { parent, child } => {
            let mut value = option_value(links, field, parent);
            if let Some(child) = child {
                value["child"] = option_value(links, field, child);
            }
            value
        }
        CustomValue::Labels(labels) => json!(labels),
        CustomValue::Date(date) => json!(format_date(*date)),
        CustomValue::DateTime(at) => json!(jira_timestamp(*at)),
        CustomValue::User(id) => world
            .user(id)
            .map_or(Value::Null, |u| render::user_details(links, u)),
        CustomValue::Group { id, name } => {
            let name = world.group_name(id).unwrap_or(name);
            json!({
                "name": name,
                "groupId": id,
                "self": format!("{links}/rest/api/3/group?groupId={id}"),
            })
        }
        CustomValue::Object(object) => object.clone(),
        CustomValue::List(items) => Value::Array(
            items
                .iter()
                .map(|item| render_value(links, world, field, Some(item)))
                .collect(),
        ),
    }
}

/// A seed's value in the friendlier forms a seed may use, made the REST form: a
/// textarea as plain text, an option (or options) by value, a user by email.
pub(crate) fn from_seed_shorthand(
    world: &World,
    field: &CustomFieldRecord,
    value: &Value,
) -> Value {
    let option = |v: &Value| match v {
        Value::String(text) => json!({ "value": text }),
        other => other.clone(),
    };
    match (field.kind, value) {
        (Kind::TextArea, Value::String(text)) => adf::from_text(text),
        (Kind::Select, _) => option(value),
        // `"A"`, or `["A", "a1"]` for a parent and its child.
        (Kind::Cascading, Value::String(_)) => option(value),
        (Kind::Cascading, Value::Array(items)) => {
            let mut value = items.first().map(option).unwrap_or(Value::Null);
            if let (Some(child), Some(object)) = (items.get(1), value.as_object_mut()) {
                object.insert("child".to_owned(), option(child));
            }
            value
        }
        (Kind::MultiSelect, Value::Array(items)) => {
            Value::Array(items.iter().map(option).collect())
        }
        (Kind::UserPicker, Value::String(who)) => {
            let account_id = world
                .user_by_email(who)
                .map_or_else(|| who.clone(), |u| u.account_id.clone());
            json!({ "accountId": account_id })
        }
        _ => value.clone(),
    }
}
