//! Listing and reading projects the caller can browse.

use std::sync::Arc;

use std::cmp::Ordering;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;

use super::page::{Window, page_bean};
use super::property_selection::{PropertySelection, Syntax};
use super::render;
use crate::access::Caller;
use crate::extract::JiraQuery;
use crate::extract::query_number as number;
use crate::jira_error::JiraError;
use crate::seed::SeedPermission;
use crate::shared::Shared;
use crate::world::workflow::ISSUE_TYPES;
use crate::world::{ProjectRecord, World};

/// Jira's default and maximum page size for project search.
const DEFAULT_PAGE: usize = 50;
const MAX_PAGE: usize = 100;
/// The spec's bound on `id` and on `keys` ("Up to 50 project IDs can be
/// provided").
const MAX_IDS: usize = 50;

/// This route, as the simulator's 501 names it.
const SEARCH_OPERATION: &str = "GET /rest/api/3/project/search (searchProjects)";

/// What `searchProjects` orders by (the spec's `orderBy` enum).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OrderField {
    Category,
    Key,
    Name,
    Owner,
    IssueCount,
    LastIssueUpdatedDate,
    ArchivedDate,
    DeletedDate,
}

/// `action`: which right the caller must hold in a project to see it listed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Action {
    /// *Browse projects*, *Administer projects* or *Administer Jira*.
    #[default]
    View,
    /// *Browse projects*.
    Browse,
    /// *Administer projects* or *Administer Jira*.
    Edit,
    /// *Create issues*.
    Create,
}

/// The project types `typeKey` may name.
const PROJECT_TYPES: [&str; 3] = ["business", "service_desk", "software"];

/// The query of `searchProjects`, read by hand: `id`, `keys`, `status` and
/// `properties` repeat, and each mistake is a 400 naming it.
#[derive(Debug, Default)]
struct SearchQuery {
    start_at: Option<usize>,
    max_results: Option<usize>,
    query: Option<String>,
    ids: Vec<String>,
    keys: Vec<String>,
    /// `None`: every type.
    type_keys: Option<Vec<String>>,
    order: Option<(OrderField, bool)>,
    action: Action,
    /// `None`: the default, `live`.
    statuses: Option<Vec<String>>,
    expand: render::ProjectExpand,
    properties: PropertySelection,
    /// Parameters given that the simulator does not model.
    not_modelled: Vec<&'static str>,
}

impl SearchQuery {
    fn parse(raw: Option<&str>) -> Result<Self, JiraError> {
        let mut query = Self {
            properties: PropertySelection::from_query(raw, Syntax::Keys),
            ..Self::default()
        };
        for (key, value) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
            let value = value.trim();
            match key.as_ref() {
                "startAt" => query.start_at = Some(number("startAt", value)?),
                "maxResults" => query.max_results = Some(number("maxResults", value)?),
                "query" => query.query = (!value.is_empty()).then(|| value.to_lowercase()),
                "id" if !value.is_empty() => {
                    let id = number::<i64>("id", value)?.to_string();
                    if !query.ids.contains(&id) {
                        query.ids.push(id);
                    }
                }
                "keys" if !value.is_empty() => {
                    let key = value.to_ascii_uppercase();
                    if !query.keys.contains(&key) {
                        query.keys.push(key);
                    }
                }
                "typeKey" => {
                    let types = query.type_keys.get_or_insert_with(Vec::new);
                    for item in value.split(',').map(str::trim).filter(|i| !i.is_empty()) {
                        if !PROJECT_TYPES.contains(&item) {
                            return Err(JiraError::bad_request(format!(
                                "The value '{item}' of 'typeKey' is not valid: use 'business', \
                                 'service_desk' or 'software'."
                            )));
                        }
                        types.push(item.to_owned());
                    }
                }
                "categoryId" if !value.is_empty() => {
                    number::<i64>("categoryId", value)?;
                    query.not_modelled("categoryId");
                }
                "propertyQuery" if !value.is_empty() => query.not_modelled("propertyQuery"),
                "orderBy" if !value.is_empty() => query.order = Some(order_by(value)?),
                "action" => {
                    query.action = match value {
                        "view" => Action::View,
                        "browse" => Action::Browse,
                        "edit" => Action::Edit,
                        "create" => Action::Create,
                        other => {
                            return Err(JiraError::bad_request(format!(
                                "The value '{other}' of 'action' is not valid: use 'view', \
                                 'browse', 'edit' or 'create'."
                            )));
                        }
                    };
                }
                "status" => {
                    if !matches!(value, "live" | "archived" | "deleted") {
                        return Err(JiraError::bad_request(format!(
                            "The value '{value}' of 'status' is not valid: use 'live', \
                             'archived' or 'deleted'."
                        )));
                    }
                    query
                        .statuses
                        .get_or_insert_with(Vec::new)
                        .push(value.to_owned());
                }
                "expand" => query.expand.add(value),
                _ => {}
            }
        }
        if query.ids.len() > MAX_IDS {
            return Err(JiraError::bad_request(format!(
                "Up to {MAX_IDS} project IDs can be provided."
            )));
        }
        if query.keys.len() > MAX_IDS {
            return Err(JiraError::bad_request(format!(
                "Up to {MAX_IDS} project keys can be provided."
            )));
        }
        Ok(query)
    }

    /// Notes that the request gave `parameter`, which the simulator does not model.
    fn not_modelled(&mut self, parameter: &'static str) {
        if !self.not_modelled.contains(&parameter) {
            self.not_modelled.push(parameter);
        }
    }

    /// Whether `project` passes every filter for `account_id`.
    fn wants(&self, world: &World, account_id: &str, project: &ProjectRecord) -> bool {
        let browses = project.grants(account_id, SeedPermission::Browse);
        let administers = world.administers(account_id, &project.key);
        let allowed = match self.action {
            Action::View => browses || administers,
            Action::Browse => browses,
            Action::Edit => administers,
            Action::Create => project.grants(account_id, SeedPermission::Create),
        };
        let named = self.query.as_deref().is_none_or(|n| {
            project.key.to_lowercase().contains(n) || project.name.to_lowercase().contains(n)
        });
        let by_id = self.ids.is_empty() || self.ids.contains(&project.id);
        let by_key = self.keys.is_empty() || self.keys.contains(&project.key);
        let by_type = self
            .type_keys
            .as_ref()
            .is_none_or(|types| types.iter().any(|t| t == project.project_type.key()));
        // Every simulated project is live: archiving is not modelled, and a
        // deleted project is gone at once (no trash: `project_write.rs`).
        let live = self
            .statuses
            .as_ref()
            .is_none_or(|statuses| statuses.iter().any(|s| s == "live"));
        allowed && named && by_id && by_key && by_type && live
    }
}

/// `key`, `-key`, `+key` …: the field and whether it descends.
fn order_by(value: &str) -> Result<(OrderField, bool), JiraError> {
    let (field, descending) = super::order_direction::split(value);
    let field = match field {
        "category" => OrderField::Category,
        "key" => OrderField::Key,
        "name" => OrderField::Name,
        "owner" => OrderField::Owner,
        "issueCount" => OrderField::IssueCount,
        // The enum's spelling, and the one the parameter's description uses.
        "lastIssueUpdatedDate" | "lastIssueUpdatedTime" => OrderField::LastIssueUpdatedDate,
        "archivedDate" => OrderField::ArchivedDate,
        "deletedDate" => OrderField::DeletedDate,
        _ => {
            return Err(JiraError::bad_request(format!(
                "The orderBy value '{value}' is not valid. Valid values are: category, key, \
                 name, owner, issueCount, lastIssueUpdatedDate, archivedDate, deletedDate \
                 (each optionally prefixed with '+' or '-')."
            )));
        }
    };
    Ok((field, descending))
}

/// Two projects in `field`'s order. No project has a category, or an archive
/// or deletion date (the simulator models none), so those order as equals; a
/// project without issues has no last update, and sorts after those with one
/// ascending, before them descending.
fn compare(world: &World, field: OrderField, a: &ProjectRecord, b: &ProjectRecord) -> Ordering {
    let issues = |p: &ProjectRecord| {
        world
            .issues
            .iter()
            .filter(|i| i.project_key == p.key)
            .collect::<Vec<_>>()
    };
    let lead = |p: &ProjectRecord| {
        world
            .user(&p.lead)
            .map(|u| u.display_name.to_lowercase())
            .unwrap_or_default()
    };
    match field {
        OrderField::Key => a.key.cmp(&b.key),
        OrderField::Name => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
        OrderField::Owner => lead(a).cmp(&lead(b)),
        OrderField::IssueCount => issues(a).len().cmp(&issues(b).len()),
        OrderField::LastIssueUpdatedDate => {
            let last = |p: &ProjectRecord| issues(p).iter().map(|i| i.updated).max();
            match (last(a), last(b)) {
                (Some(a), Some(b)) => a.cmp(&b),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            }
        }
        OrderField::Category | OrderField::ArchivedDate | OrderField::DeletedDate => {
            Ordering::Equal
        }
    }
}

/// `searchProjects`: a `PageBeanProject` of the projects the caller may see
/// (`action`, by default `view`), filtered by `query` (key or name, without
/// regard to case), `id` and `keys` (each repeated, at most 50; keys without
/// regard to case, as project lookups are), `typeKey` (a comma-separated list;
/// each project's own type) and `status` (repeated; every
/// simulated project is `live`), ordered by `orderBy` (default `key`; ties by
/// key), with `expand` and `properties` (keys) added to each. Bad values are
/// 400s; `categoryId` and `propertyQuery` are the simulator's 501: it models
/// no project categories, and no searching of properties.
pub(crate) async fn search(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Response, JiraError> {
    let query = SearchQuery::parse(raw.as_deref())?;
    if !query.not_modelled.is_empty() {
        let what: Vec<String> = query
            .not_modelled
            .iter()
            .map(|name| format!("the parameter `{name}`"))
            .collect();
        let what: Vec<&str> = what.iter().map(String::as_str).collect();
        return Ok(super::my_permissions::not_modelled(SEARCH_OPERATION, &what));
    }
    let world = shared.world();
    let mut found: Vec<&ProjectRecord> = world
        .projects
        .iter()
        .filter(|p| query.wants(&world, &caller.account_id, p))
        .collect();
    let (field, descending) = query.order.unwrap_or((OrderField::Key, false));
    found.sort_by(|a, b| {
        let ordering = compare(&world, field, a, b);
        let ordering = if descending {
            ordering.reverse()
        } else {
            ordering
        };
        ordering.then_with(|| a.key.cmp(&b.key))
    });
    let window = Window::new(query.start_at, query.max_results, DEFAULT_PAGE, MAX_PAGE);
    let values: Vec<Value> = window
        .of(&found)
        .map(|p| render::listed_project(&caller.links, &world, p, query.expand, &query.properties))
        .collect();
    let base = format!("{}/rest/api/3/project/search", caller.links);
    Ok(Json(page_bean(&base, window, found.len(), values)).into_response())
}

#[derive(Deserialize)]
pub(crate) struct ProjectPath {
    project_id_or_key: String,
}

impl ProjectPath {
    pub(crate) fn project_id_or_key(&self) -> &str {
        &self.project_id_or_key
    }
}

/// `getAllProjects` (deprecated by Atlassian in favour of `project/search`, still
/// served and still what some clients call for "list projects"): every project
/// the caller may browse, as full `Project`s, unpaged, each with the project
/// properties `properties` names (keys, as for `getProject`).
pub(crate) async fn all(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Json<Value> {
    let properties = PropertySelection::from_query(raw.as_deref(), Syntax::Keys);
    let world = shared.world();
    let projects: Vec<Value> = world
        .projects
        .iter()
        .filter(|p| p.grants(&caller.account_id, SeedPermission::Browse))
        .map(|p| render::project(&caller.links, &world, p, &properties))
        .collect();
    Json(Value::Array(projects))
}

/// `getProject`. `properties` ("A list of project properties to return for the
/// project", a comma-separated list of keys, which may repeat) fills the
/// project's `properties` with those it has.
pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<ProjectPath>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, JiraError> {
    let properties = PropertySelection::from_query(raw.as_deref(), Syntax::Keys);
    let mut world = shared.world();
    let id = browsable_project(&world, &caller, &path.project_id_or_key)?
        .id
        .clone();
    // A read is a view: it puts the project first in the caller's history.
    world.recent_projects.viewed(&caller.account_id, &id);
    let project = browsable_project(&world, &caller, &id)?;
    Ok(Json(render::project(
        &caller.links,
        &world,
        project,
        &properties,
    )))
}

/// `getRecent`: up to 20 projects the caller viewed (`getProject`; see
/// `world/recent_project.rs`), most recent first, that they may still browse,
/// as `searchProjects` lists a project, with `expand` (`*` for everything)
/// and `properties` (keys).
pub(crate) async fn recent(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Json<Value> {
    let properties = PropertySelection::from_query(raw.as_deref(), Syntax::Keys);
    let mut expand = render::ProjectExpand::default();
    for (key, value) in url::form_urlencoded::parse(raw.as_deref().unwrap_or_default().as_bytes()) {
        if key == "expand" {
            expand.add(&value);
        }
    }
    let world = shared.world();
    let projects: Vec<Value> = world
        .recent_projects(&caller.account_id)
        .into_iter()
        .filter(|p| p.grants(&caller.account_id, SeedPermission::Browse))
        .map(|p| render::listed_project(&caller.links, &world, p, expand, &properties))
        .collect();
    Json(Value::Array(projects))
}

/// `getAllStatuses`: the statuses a project's issues can be in, grouped by issue
/// type: each type lists the statuses of the workflow the project's workflow
/// scheme gives it (`world/site_workflows.rs`), as the workflows API last left it.
pub(crate) async fn statuses(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<ProjectPath>,
) -> Result<Json<Value>, JiraError> {
    // Nothing of the project but its workflow is in the answer; the lookup answers
    // 404 for a project the caller cannot browse, as Jira does.
    let links = &caller.links;
    let world = shared.world();
    let project = browsable_project(&world, &caller, &path.project_id_or_key)?;
    let by_type: Vec<Value> = ISSUE_TYPES
        .iter()
        .map(|t| {
            let statuses: Vec<Value> = world
                .workflows
                .of_project(&project.id, t.id)
                .into_iter()
                .flat_map(|w| &w.statuses)
                .filter_map(|id| world.workflows.status(id))
                .map(|s| render::status(links, &s.status))
                .collect();
            serde_json::json!({
                "self": format!("{links}/rest/api/3/issueType/{}", t.id),
                "id": t.id,
                "name": t.name,
                "subtask": t.is_subtask(),
                "statuses": statuses,
            })
        })
        .collect();
    Ok(Json(Value::Array(by_type)))
}

/// `getCreateIssueMetaIssueTypes`: the issue types an issue of the project may be
/// created with, a page at a time (Jira's default and maximum page: 50). A
/// project the caller cannot browse answers 404, as Jira does.
pub(crate) async fn create_meta_issue_types(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<ProjectPath>,
    JiraQuery(query): JiraQuery<super::page::PageQuery>,
) -> Result<Json<Value>, JiraError> {
    browsable(&shared, &caller, &path)?;
    let window = query.window(CREATE_META_PAGE, CREATE_META_PAGE);
    let issue_types: Vec<Value> = window
        .of(&ISSUE_TYPES)
        .map(|t| render::issue_type(&caller.links, t))
        .collect();
    Ok(Json(serde_json::json!({
        "issueTypes": issue_types,
        "maxResults": window.max,
        "startAt": window.start,
        "total": ISSUE_TYPES.len(),
    })))
}

/// Jira's default and maximum page of create metadata.
const CREATE_META_PAGE: usize = 50;

/// Refuses, with Jira's 404, a project that does not exist or that the caller
/// cannot browse: for answers that hold nothing of the project itself.
fn browsable(shared: &Shared, caller: &Caller, path: &ProjectPath) -> Result<(), JiraError> {
    browsable_project(&shared.world(), caller, &path.project_id_or_key).map(|_| ())
}

/// The project `id_or_key` names, if the caller may browse it; else Jira's 404,
/// the same whether it does not exist or is hidden.
pub(crate) fn browsable_project<'w>(
    world: &'w World,
    caller: &Caller,
    id_or_key: &str,
) -> Result<&'w ProjectRecord, JiraError> {
    world
        .project(id_or_key)
        .filter(|p| p.grants(&caller.account_id, SeedPermission::Browse))
        .ok_or_else(|| {
            JiraError::not_found(format!("No project could be found with key '{id_or_key}'."))
        })
}
