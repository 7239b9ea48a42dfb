//! The configuration of an app field's contexts (`world/app_field_configuration.rs`):
//! `GET`/`PUT /rest/api/3/app/field/{fieldIdOrKey}/context/configuration`
//! (getCustomFieldConfiguration, updateCustomFieldConfiguration) and `POST
//! /rest/api/3/app/field/context/configuration/list` (getCustomFieldsConfigurations,
//! in the December 2025 spec only, marked experimental).
//!
//! As the platform spec documents them:
//! - the caller needs *Administer Jira*, except "the Forge app that provided the
//!   custom field type", which needs no Jira permission; `403` "if the user is not
//!   a Jira admin or the request is not authenticated as from the app that provided
//!   the field". An app calling as itself (`asApp()`) is judged as the app: its own
//!   fields are open to it, another app's or the site's `403`, by the one rule of
//!   app field ownership ([`crate::world::app_field::app_field`]). Any other caller
//!   (a user, an app acting for a user) must be a site admin;
//! - a field that does not exist is `404`;
//! - the reads filter by one of `id`, `fieldContextId`, `issueId`, or
//!   `projectKeyOrId` with `issueTypeId` (a mix is `400`, as the spec's "can't be
//!   provided with" says), and page by `startAt`/`maxResults` (default 100); an
//!   issue that does not exist (or the caller cannot see) gives an empty list;
//! - the update takes `CustomFieldConfigurations`: 1 to 1,000 distinct
//!   configurations, each naming its `id`; `configuration` and `schema` replace
//!   what the context held (absent or `null` clears them).
//!
//! Where the spec is silent the simulator chooses, and says so in its answer: a
//! configuration id that is not one of the field's is `400` (the request is
//! invalid; `404` is the spec's for the field); a project that does not exist
//! gives an empty list, as an issue that does not; a Jira admin naming a field no
//! app provided is `400`.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::app_field_value::FieldPath;
use super::page::{PageParams, page_bean, with_query};
use crate::access::Caller;
use crate::extract::{JiraJson, query_number};
use crate::jira_error::JiraError;
use crate::shared::Shared;
use crate::world::World;
use crate::world::app_field::{NotTheApps, app_field};
use crate::world::app_field_configuration::{AppConfiguration, MAX_CONFIGURATION_CHARS};
use crate::world::custom_field::CustomFieldRecord;
use crate::world::field_context::ContextRecord;

/// The reads' page when `maxResults` is not given, as the spec says.
const DEFAULT_PAGE: usize = 100;

/// The largest page the reads answer: the spec's example answers
/// `"maxResults": 1000`.
const MAX_PAGE: usize = 1_000;

/// Most ids one read filters by (`id` and `fieldContextId` each): each is
/// matched against the fields' contexts under the world lock.
pub(crate) const MAX_FILTER_IDS: usize = 1_000;

/// Most configurations one update names: `CustomFieldConfigurations`'
/// `maxItems`.
pub(crate) const MAX_UPDATED_CONFIGURATIONS: usize = 1_000;

/// Most fields one bulk read (`fieldIdsOrKeys`) names: each is an ownership
/// check and a walk of its contexts under the world lock. The spec states no
/// bound; an app has at most 100 fields of its own.
pub(crate) const MAX_LISTED_FIELDS: usize = 1_000;

/// Which configurations a read asks for: at most one of the spec's criteria.
enum Filter {
    All,
    /// `id` or `fieldContextId`: the simulator names a configuration by its
    /// context's id, so both select contexts by id.
    Contexts(BTreeSet<String>),
    /// `issueId`: the context that applies to the issue, if the caller sees it.
    Issue(i64),
    /// `projectKeyOrId` and `issueTypeId`: the context that applies there.
    ProjectIssueType {
        project: String,
        issue_type: String,
    },
}

/// A read's query: its filter, its page, and the filter parameters the page's
/// links keep.
struct ReadQuery {
    filter: Filter,
    page: PageParams,
    kept: Vec<(String, String)>,
}

/// Reads the query by hand: `id` and `fieldContextId` repeat.
fn read_query(raw: Option<String>) -> Result<ReadQuery, JiraError> {
    let mut page = PageParams::default();
    let mut ids = BTreeSet::new();
    let mut context_ids = BTreeSet::new();
    let mut issue = None;
    let mut project = None;
    let mut issue_type = None;
    let mut kept = Vec::new();
    for (key, value) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        if page.read(&key, &value)? {
            continue;
        }
        let value = value.trim();
        match &*key {
            "id" | "fieldContextId" => {
                // An int64 in the spec: `010001` names 10001.
                let id: i64 = query_number(&key, value)?;
                let set = if key == "id" {
                    &mut ids
                } else {
                    &mut context_ids
                };
                if !set.insert(id.to_string()) {
                    // Named already: the page's links name it once.
                    continue;
                }
                if set.len() > MAX_FILTER_IDS {
                    return Err(JiraError::bad_request(format!(
                        "The simulator takes at most {MAX_FILTER_IDS} values of '{key}'."
                    )));
                }
            }
            "issueId" => issue = Some(query_number::<i64>("issueId", value)?),
            "projectKeyOrId" => project = Some(value.to_owned()),
            "issueTypeId" => issue_type = Some(value.to_owned()),
            // Jira ignores parameters it does not take.
            _ => continue,
        }
        kept.push((key.into_owned(), value.to_owned()));
    }
    let by_place = issue.is_some() || project.is_some() || issue_type.is_some();
    if !ids.is_empty() && (!context_ids.is_empty() || by_place) {
        return Err(JiraError::bad_request(
            "'id' can't be provided with 'fieldContextId', 'issueId', 'projectKeyOrId', or 'issueTypeId'.",
        ));
    }
    if !context_ids.is_empty() && by_place {
        return Err(JiraError::bad_request(
            "'fieldContextId' can't be provided with 'id', 'issueId', 'projectKeyOrId', or 'issueTypeId'.",
        ));
    }
    if issue.is_some() && (project.is_some() || issue_type.is_some()) {
        return Err(JiraError::bad_request(
            "'issueId' can't be provided with 'projectKeyOrId' or 'issueTypeId'.",
        ));
    }
    let filter = match (issue, project, issue_type) {
        (Some(issue), ..) => Filter::Issue(issue),
        (None, Some(project), Some(issue_type)) => Filter::ProjectIssueType {
            project,
            issue_type,
        },
        (None, Some(_), None) | (None, None, Some(_)) => {
            return Err(JiraError::bad_request(
                "'projectKeyOrId' and 'issueTypeId' must be provided together.",
            ));
        }
        (None, None, None) if !ids.is_empty() => Filter::Contexts(ids),
        (None, None, None) if !context_ids.is_empty() => Filter::Contexts(context_ids),
        (None, None, None) => Filter::All,
    };
    Ok(ReadQuery { filter, page, kept })
}

/// Who may work on a field's configurations: the app that provided it,
/// calling as itself, or a site admin (see the module documentation).
fn configurable_field(
    shared: &Shared,
    world: &World,
    caller: &Caller,
    id_or_key: &str,
) -> Result<usize, JiraError> {
    let app = caller.app_itself(shared);
    if app.is_none() && !world.is_site_admin(&caller.account_id) {
        return Err(JiraError::forbidden(
            "Only Jira administrators and the app that provided the custom field can access its configurations.",
        ));
    }
    app_field(world, app, id_or_key).map_err(|refusal| match (refusal, app) {
        (NotTheApps::Unknown, _) => {
            JiraError::not_found(format!("The custom field {id_or_key} was not found."))
        }
        (NotTheApps::Owned, Some(_)) => JiraError::forbidden(
            "Only the app that provided the custom field can access its configurations.",
        ),
        (NotTheApps::Owned, None) => JiraError::bad_request(format!(
            "The custom field {id_or_key} is not of a type provided by a Forge app."
        )),
    })
}

/// The contexts of `field` the filter selects, in the field's order.
fn selected<'a>(
    world: &World,
    caller: &Caller,
    field: &'a CustomFieldRecord,
    filter: &Filter,
) -> Vec<&'a ContextRecord> {
    let applicable = |project_id: &str, issue_type: &str| {
        field
            .context_for(project_id, issue_type)
            .into_iter()
            .collect()
    };
    match filter {
        Filter::All => field.contexts.iter().collect(),
        Filter::Contexts(ids) => field
            .contexts
            .iter()
            .filter(|c| ids.contains(&c.id))
            .collect(),
        Filter::Issue(id) => world
            .visible_issue(&caller.account_id, &id.to_string())
            .map(|index| &world.issues[index])
            .and_then(|issue| {
                let project = world.project(&issue.project_key)?;
                Some(applicable(&project.id, issue.issue_type.id))
            })
            .unwrap_or_default(),
        Filter::ProjectIssueType {
            project,
            issue_type,
        } => world
            .project(project)
            .map(|p| applicable(&p.id, issue_type))
            .unwrap_or_default(),
    }
}

/// A `ContextualConfiguration`; with the field's id, a
/// `BulkContextualConfiguration`.
fn configuration_json(context: &ContextRecord, field: Option<&CustomFieldRecord>) -> Value {
    let mut body = json!({ "id": context.id, "fieldContextId": context.id });
    let held = &context.app_configuration;
    if let Some(configuration) = &held.configuration {
        body["configuration"] = configuration.clone();
    }
    if let Some(schema) = &held.schema {
        body["schema"] = schema.clone();
    }
    if let Some(field) = field {
        body["customFieldId"] = json!(field.id());
    }
    body
}

/// The page of `all` a read asks for.
fn page_of(base: String, query: ReadQuery, all: Vec<Value>) -> Value {
    let window = query.page.window(DEFAULT_PAGE, MAX_PAGE);
    let total = all.len();
    let values = window.of(all).collect();
    page_bean(&with_query(base, &query.kept), window, total, values)
}

/// `GET /app/field/{fieldIdOrKey}/context/configuration`: a
/// `PageBeanContextualConfiguration`.
pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<FieldPath>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, JiraError> {
    let query = read_query(raw)?;
    let world = shared.world();
    let index = configurable_field(&shared, &world, &caller, &path.field_id_or_key)?;
    let field = &world.custom_fields[index];
    let all = selected(&world, &caller, field, &query.filter)
        .into_iter()
        .map(|c| configuration_json(c, None))
        .collect();
    let base = format!(
        "{}/rest/api/3/app/field/{}/context/configuration",
        caller.links, path.field_id_or_key
    );
    Ok(Json(page_of(base, query, all)))
}

/// `ConfigurationsListParameters`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct ListedFields {
    field_ids_or_keys: Vec<String>,
}

/// `POST /app/field/context/configuration/list`: a
/// `PageBeanBulkContextualConfiguration`, the fields' configurations in the
/// order the fields are named (each once).
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    RawQuery(raw): RawQuery,
    JiraJson(input): JiraJson<ListedFields>,
) -> Result<Json<Value>, JiraError> {
    let named = &input.field_ids_or_keys;
    if named.is_empty() {
        return Err(JiraError::field(
            "fieldIdsOrKeys",
            "At least one custom field must be provided.",
        ));
    }
    if named.len() > MAX_LISTED_FIELDS {
        return Err(JiraError::field(
            "fieldIdsOrKeys",
            format!("The simulator takes at most {MAX_LISTED_FIELDS} custom fields."),
        ));
    }
    let query = read_query(raw)?;
    let world = shared.world();
    let mut fields = Vec::with_capacity(named.len());
    for id in named {
        let index = configurable_field(&shared, &world, &caller, id)?;
        if !fields.contains(&index) {
            fields.push(index);
        }
    }
    let all = fields
        .iter()
        .flat_map(|&index| {
            let field = &world.custom_fields[index];
            selected(&world, &caller, field, &query.filter)
                .into_iter()
                .map(move |c| configuration_json(c, Some(field)))
        })
        .collect();
    let base = format!(
        "{}/rest/api/3/app/field/context/configuration/list",
        caller.links
    );
    Ok(Json(page_of(base, query, all)))
}

/// `CustomFieldConfigurations`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConfigurationUpdates {
    configurations: Vec<ConfigurationUpdate>,
}

/// A `ContextualConfiguration` as a request: `fieldContextId` is read-only,
/// read and ignored as Jira ignores one.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct ConfigurationUpdate {
    id: Value,
    #[serde(default, rename = "fieldContextId")]
    _field_context_id: Option<Value>,
    #[serde(default)]
    configuration: Option<Value>,
    #[serde(default)]
    schema: Option<Value>,
}

/// A configuration id as the body gives it: the spec's string, or the same
/// digits as a JSON number, which Jira's JSON reader coerces.
fn configuration_id(id: &Value) -> Result<String, JiraError> {
    let text = match id {
        Value::String(text) => text.trim().to_owned(),
        Value::Number(number) if number.is_u64() => number.to_string(),
        _ => String::new(),
    };
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) || text.len() > 18 {
        return Err(JiraError::field(
            "id",
            format!("The configuration id {id} is not a valid ID."),
        ));
    }
    // `010001` names 10001, as the reads' int64 ids do.
    let number: i64 = query_number("id", &text)?;
    Ok(number.to_string())
}

/// `value` if it is within [`MAX_CONFIGURATION_CHARS`] of JSON (`what` names it).
fn bounded(value: Option<Value>, what: &str) -> Result<Option<Value>, JiraError> {
    match value {
        Some(Value::Null) | None => Ok(None),
        Some(value) if value.to_string().chars().count() > MAX_CONFIGURATION_CHARS => {
            Err(JiraError::field(
                what,
                format!(
                    "The {what} must be at most {MAX_CONFIGURATION_CHARS} characters of JSON in the simulator."
                ),
            ))
        }
        Some(value) => Ok(Some(value)),
    }
}

/// `PUT /app/field/{fieldIdOrKey}/context/configuration`: sets the named
/// contexts' configurations. Everything is checked before anything changes.
pub(crate) async fn update(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<FieldPath>,
    JiraJson(input): JiraJson<ConfigurationUpdates>,
) -> Result<Json<Value>, JiraError> {
    let mut world = shared.world();
    let index = configurable_field(&shared, &world, &caller, &path.field_id_or_key)?;
    let updates = input.configurations;
    if updates.is_empty() {
        return Err(JiraError::field(
            "configurations",
            "At least one configuration must be provided.",
        ));
    }
    if updates.len() > MAX_UPDATED_CONFIGURATIONS {
        return Err(JiraError::field(
            "configurations",
            format!("At most {MAX_UPDATED_CONFIGURATIONS} configurations can be updated at once."),
        ));
    }
    let field = &world.custom_fields[index];
    let mut planned: Vec<(usize, AppConfiguration)> = Vec::with_capacity(updates.len());
    for update in updates {
        let id = configuration_id(&update.id)?;
        let context = field
            .contexts
            .iter()
            .position(|c| c.id == id)
            .ok_or_else(|| {
                JiraError::bad_request(format!(
                    "The configuration {id} is not a configuration of the custom field {}.",
                    field.id()
                ))
            })?;
        if planned.iter().any(|(at, _)| *at == context) {
            return Err(JiraError::bad_request(format!(
                "The configuration {id} is provided more than once."
            )));
        }
        let held = AppConfiguration {
            configuration: bounded(update.configuration, "configuration")?,
            schema: bounded(update.schema, "schema")?,
        };
        planned.push((context, held));
    }
    let contexts = &mut world.custom_fields[index].contexts;
    for (context, held) in planned {
        contexts[context].app_configuration = held;
    }
    Ok(Json(json!({})))
}
