//! Which context of a custom field applies where: `GET
//! /field/{fieldId}/context/projectmapping` (getProjectContextMapping), `GET
//! /field/{fieldId}/context/issuetypemapping` (getIssueTypeMappingsForContexts)
//! and `POST /field/{fieldId}/context/mapping`
//! (getCustomFieldContextsForProjectsAndIssueTypes), which answers by the rule
//! issues are checked by (`world/field_context.rs`).

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::custom_field::{FieldPath, managed_field};
use super::field_context::{context_query, issue_types_exist, projects_exist};
use super::page::{PageParams, page_bean};
use crate::access::Caller;
use crate::extract::JiraJson;
use crate::jira_error::JiraError;
use crate::shared::Shared;
use crate::world::field_context::{ContextRecord, MAX_MAPPINGS};

/// The default page of each mapping read; the simulator's cap too.
const PAGE: usize = 50;

/// Ids in numeric order (Jira's ids are numbers kept as strings).
fn numerically<'a>(ids: impl IntoIterator<Item = &'a String>) -> Vec<&'a String> {
    let mut ids: Vec<&String> = ids.into_iter().collect();
    ids.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
    ids
}

/// `GET /field/{fieldId}/context/projectmapping`: each context's projects,
/// a global context as one `isGlobalContext` mapping; `contextId` limits them
/// (ids of no context are ignored).
pub(crate) async fn projects(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<FieldPath>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, JiraError> {
    let scope = Scope {
        whole: ("isGlobalContext", ContextRecord::is_global),
        part: ("projectId", |c| &c.project_ids),
        route: "projectmapping",
    };
    mappings(&shared, &caller, &path.field_id, raw, scope)
}

/// `GET /field/{fieldId}/context/issuetypemapping`: each context's issue
/// types, ordered by context then issue type, one for any issue type as an
/// `isAnyIssueType` mapping.
pub(crate) async fn issue_types(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<FieldPath>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, JiraError> {
    let scope = Scope {
        whole: ("isAnyIssueType", ContextRecord::is_any_issue_type),
        part: ("issueTypeId", |c| &c.issue_type_ids),
        route: "issuetypemapping",
    };
    mappings(&shared, &caller, &path.field_id, raw, scope)
}

/// What a mapping read lists of each context: whether it applies to all
/// (`whole`: the flag's name and test) or else the ids it names (`part`).
struct Scope {
    whole: (&'static str, fn(&ContextRecord) -> bool),
    part: (&'static str, fn(&ContextRecord) -> &Vec<String>),
    route: &'static str,
}

/// A mapping read: the field's contexts (those `contextId` names, if any),
/// each as one mapping if it applies to all, else one per id, in numeric
/// order.
fn mappings(
    shared: &Shared,
    caller: &Caller,
    field_id: &str,
    raw: Option<String>,
    scope: Scope,
) -> Result<Json<Value>, JiraError> {
    let (page, ids) = context_query(raw, |_, _| {})?;
    let world = shared.world();
    let field = &world.custom_fields[managed_field(&world, caller, field_id)?];
    let (flag, applies_to_all) = scope.whole;
    let (key, ids_of) = scope.part;
    let mut all = Vec::new();
    for context in field
        .contexts
        .iter()
        .filter(|c| ids.is_empty() || ids.contains(&c.id))
    {
        if applies_to_all(context) {
            all.push(json!({ "contextId": context.id, flag: true }));
        }
        for id in numerically(ids_of(context)) {
            all.push(json!({ "contextId": context.id, key: id }));
        }
    }
    let base = format!(
        "{}/rest/api/3/field/{field_id}/context/{}",
        caller.links, scope.route
    );
    Ok(Json(paged(&base, page, all)))
}

/// A `PageBean` of `all`.
fn paged(base: &str, page: PageParams, all: Vec<Value>) -> Value {
    let window = page.window(PAGE, PAGE);
    let total = all.len();
    page_bean(base, window, total, window.of(all).collect())
}

/// `ProjectIssueTypeMappings`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Mappings {
    mappings: Vec<Mapping>,
}

/// `ProjectIssueTypeMapping`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Mapping {
    project_id: String,
    issue_type_id: String,
}

/// `POST /field/{fieldId}/context/mapping`: for each project and issue type,
/// in the order asked, the context that applies there (`null` if none).
pub(crate) async fn applicable(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<FieldPath>,
    RawQuery(raw): RawQuery,
    JiraJson(input): JiraJson<Mappings>,
) -> Result<Json<Value>, JiraError> {
    let mut page = PageParams::default();
    for (key, value) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        page.read(&key, &value)?;
    }
    let world = shared.world();
    let field = &world.custom_fields[managed_field(&world, &caller, &path.field_id)?];
    if input.mappings.len() > MAX_MAPPINGS {
        return Err(JiraError::bad_request(format!(
            "The mappings must hold at most {MAX_MAPPINGS} items in the simulator."
        )));
    }
    let pairs: BTreeSet<(&str, &str)> = input
        .mappings
        .iter()
        .map(|m| (m.project_id.as_str(), m.issue_type_id.as_str()))
        .collect();
    if pairs.len() < input.mappings.len() {
        return Err(JiraError::bad_request(
            "Duplicate project and issue type mappings cannot be provided.",
        ));
    }
    projects_exist(&world, &pairs.iter().map(|(p, _)| *p).collect())?;
    issue_types_exist(&pairs.iter().map(|(_, t)| *t).collect())?;
    let all = input
        .mappings
        .iter()
        .map(|m| {
            let context = field.context_for(&m.project_id, &m.issue_type_id);
            json!({
                "projectId": m.project_id,
                "issueTypeId": m.issue_type_id,
                "contextId": context.map(|c| c.id.as_str()),
            })
        })
        .collect();
    let base = format!(
        "{}/rest/api/3/field/{}/context/mapping",
        caller.links, path.field_id
    );
    Ok(Json(paged(&base, page, all)))
}
