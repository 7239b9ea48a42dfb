//! The user searches scoped to a project or an issue, each answering a JSON
//! array of `User`s rendered as `getUser` renders them:
//!
//! - `GET /user/assignable/search` (`findAssignableUsers`): who can be assigned
//!   an issue of a project (`project`) or an existing issue (`issueKey`,
//!   `issueId`, optionally during the transition `actionDescriptorId`);
//! - `GET /user/assignable/multiProjectSearch` (`findBulkAssignableUsers`): who
//!   can be assigned issues in every project of `projectKeys`;
//! - `GET /user/viewissue/search` (`findUsersWithBrowsePermission`): who can
//!   browse an issue (`issueKey`) or a project (`projectKey`);
//! - `GET /user/permission/search` (`findUsersWithAllPermissions`): who holds
//!   every permission of `permissions` in a project or on an issue.
//!
//! Who is assignable is [`ProjectRecord::assignable`], the rule the assignee of
//! a create, an edit and `assignIssue` is checked by, so a user these searches
//! list is accepted as assignee and one they leave out is refused. Who holds a
//! permission is the table `mypermissions` answers from (`my_permissions.rs`).
//!
//! Matching: `query` and `accountId` are matched as `findUsers` matches them
//! ([`UserMatch`]); both at once is the spec's `400` ("`query` and `accountId`
//! are provided"). Neither lists every user who qualifies: Jira Cloud answers
//! `findAssignableUsers?project=KEY` so, and clients rely on it (the
//! `atlassian-python-api` library lists a project's assignees that way); the
//! spec says as much of `findUsersWithAllPermissions` ("If no search string is
//! provided, a list of all users with the permissions is returned").
//!
//! Paging follows the spec's words for all four: the operation "takes the users
//! in the range defined by `startAt` and `maxResults`, up to the thousandth
//! user, and then returns only the users from that range that" qualify, so a
//! page may hold fewer than `maxResults` users while later pages hold more. The
//! range is over the users the query matches, in seed order; `maxResults`
//! defaults to 50.
//!
//! The project or issue is looked up as the caller sees it: one the caller may
//! not browse is Jira's `404`, as one that does not exist. Every seeded user
//! holds *Browse users and groups* (as `findUsers` assumes), which is all
//! `findAssignableUsers` and `findUsersWithBrowsePermission` ask of the caller;
//! `findUsersWithAllPermissions` asks for *Administer Jira* or *Administer
//! Projects* in the project (`403` otherwise).

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::Value;

use super::issue::visible_issue;
use super::my_permissions;
use super::page::Window;
use super::project::browsable_project;
use super::render;
use super::user_search::UserMatch;
use crate::access::Caller;
use crate::extract::JiraQuery;
use crate::jira_error::JiraError;
use crate::seed::SeedPermission;
use crate::shared::Shared;
use crate::world::{ProjectRecord, UserRecord, World};

/// `maxResults` when the caller gives none (the spec's default).
const DEFAULT_PAGE: usize = 50;
/// "up to the thousandth user": no search looks further, nor pages wider.
const MAX_USERS: usize = 1000;

/// The four routes, relative to `/rest/api/{version}`.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/user/assignable/search", get(assignable))
        .route("/user/assignable/multiProjectSearch", get(multi_project))
        .route("/user/viewissue/search", get(view_issue))
        .route("/user/permission/search", get(with_permissions))
}

/// The parameters every one of the searches takes.
struct Search<'q> {
    query: Option<&'q str>,
    account_id: Option<&'q str>,
    start_at: Option<usize>,
    max_results: Option<usize>,
}

impl Search<'_> {
    /// Refuses `query` and `accountId` together, as the spec's `400` lists.
    fn check(&self) -> Result<(), JiraError> {
        if self.query.is_some() && self.account_id.is_some() {
            return Err(JiraError::bad_request(
                "Only one of 'query' or 'accountId' parameters may be provided.",
            ));
        }
        Ok(())
    }

    /// The users the query matches, up to the thousandth, in the window asked,
    /// and of those the ones `qualifies` keeps, rendered for `caller`.
    fn answer(
        &self,
        world: &World,
        caller: &Caller,
        qualifies: impl Fn(&UserRecord) -> bool,
    ) -> Json<Value> {
        let matcher = UserMatch::new(self.query, self.account_id);
        let window = Window::new(self.start_at, self.max_results, DEFAULT_PAGE, MAX_USERS);
        let users: Vec<Value> = window
            .of(world
                .users
                .iter()
                .filter(|u| matcher.matches(u))
                .take(MAX_USERS))
            .filter(|u| qualifies(u))
            .map(|u| render::user(&caller.links, u))
            .collect();
        Json(Value::Array(users))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AssignableQuery {
    query: Option<String>,
    account_id: Option<String>,
    project: Option<String>,
    issue_key: Option<String>,
    issue_id: Option<String>,
    start_at: Option<usize>,
    max_results: Option<usize>,
    action_descriptor_id: Option<i32>,
    /// Read so a non-boolean is Jira's 400; the order it would change is not
    /// modelled (seed order is kept).
    #[allow(dead_code)]
    recommend: Option<bool>,
}

/// `findAssignableUsers`.
async fn assignable(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraQuery(query): JiraQuery<AssignableQuery>,
) -> Result<Json<Value>, JiraError> {
    let search = Search {
        query: query.query.as_deref(),
        account_id: query.account_id.as_deref(),
        start_at: query.start_at,
        max_results: query.max_results,
    };
    let world = shared.world();
    let project = if query.issue_key.is_some() || query.issue_id.is_some() {
        let issue = match (&query.issue_key, &query.issue_id) {
            (Some(key), _) => key.as_str(),
            (None, Some(id)) => {
                if id.parse::<u64>().is_err() {
                    return Err(JiraError::bad_request(format!(
                        "The issue id '{id}' is not valid."
                    )));
                }
                id.as_str()
            }
            (None, None) => unreachable!("one of the two is present"),
        };
        let index = visible_issue(&world, &caller, issue)?;
        if let Some(id) = query.action_descriptor_id
            && world
                .workflows
                .transition_from(
                    world.workflow_of(&world.issues[index]),
                    &world.issues[index].status.id,
                    &id.to_string(),
                )
                .is_none()
        {
            return Err(JiraError::not_found(format!(
                "The transition with id '{id}' was not found for this issue."
            )));
        }
        issue_project(&world, index)?
    } else if let Some(project) = query.project.as_deref() {
        browsable_project(&world, &caller, project)?
    } else {
        return Err(JiraError::bad_request(
            "One of 'project', 'issueKey' or 'issueId' parameters must be provided.",
        ));
    };
    search.check()?;
    Ok(search.answer(&world, &caller, |u| project.assignable(&u.account_id)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MultiProjectQuery {
    query: Option<String>,
    account_id: Option<String>,
    project_keys: Option<String>,
    start_at: Option<usize>,
    max_results: Option<usize>,
}

/// `findBulkAssignableUsers`: users assignable in every project named.
async fn multi_project(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraQuery(query): JiraQuery<MultiProjectQuery>,
) -> Result<Json<Value>, JiraError> {
    let keys: Vec<&str> = query
        .project_keys
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|key| !key.is_empty())
        .collect();
    if keys.is_empty() {
        return Err(JiraError::bad_request(
            "The 'projectKeys' query parameter needs to be provided.",
        ));
    }
    let world = shared.world();
    let projects = keys
        .iter()
        .map(|key| browsable_project(&world, &caller, key))
        .collect::<Result<Vec<_>, _>>()?;
    let search = Search {
        query: query.query.as_deref(),
        account_id: query.account_id.as_deref(),
        start_at: query.start_at,
        max_results: query.max_results,
    };
    search.check()?;
    Ok(search.answer(&world, &caller, |u| {
        projects.iter().all(|p| p.assignable(&u.account_id))
    }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ScopedQuery {
    query: Option<String>,
    account_id: Option<String>,
    issue_key: Option<String>,
    project_key: Option<String>,
    start_at: Option<usize>,
    max_results: Option<usize>,
    /// `findUsersWithAllPermissions` only.
    permissions: Option<String>,
}

impl ScopedQuery {
    fn search(&self) -> Search<'_> {
        Search {
            query: self.query.as_deref(),
            account_id: self.account_id.as_deref(),
            start_at: self.start_at,
            max_results: self.max_results,
        }
    }

    /// The project of `issueKey` (it wins, as the narrower) or `projectKey`, as
    /// the caller sees it; neither is the spec's `400`.
    fn project<'w>(
        &self,
        world: &'w World,
        caller: &Caller,
    ) -> Result<&'w ProjectRecord, JiraError> {
        if let Some(issue) = self.issue_key.as_deref() {
            let index = visible_issue(world, caller, issue)?;
            issue_project(world, index)
        } else if let Some(project) = self.project_key.as_deref() {
            browsable_project(world, caller, project)
        } else {
            Err(JiraError::bad_request(
                "One of 'issueKey' or 'projectKey' parameters must be provided.",
            ))
        }
    }
}

/// `findUsersWithBrowsePermission`.
async fn view_issue(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraQuery(query): JiraQuery<ScopedQuery>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let project = query.project(&world, &caller)?;
    let search = query.search();
    search.check()?;
    Ok(search.answer(&world, &caller, |u| {
        project.grants(&u.account_id, SeedPermission::Browse)
    }))
}

/// This route, as the simulator's 501 names it.
const PERMISSION_SEARCH: &str =
    "GET /rest/api/3/user/permission/search (findUsersWithAllPermissions)";

/// `findUsersWithAllPermissions`.
async fn with_permissions(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraQuery(query): JiraQuery<ScopedQuery>,
) -> Result<Response, JiraError> {
    let (known, unmodelled) =
        my_permissions::asked_permissions(query.permissions.as_deref(), current_key)?;
    if !unmodelled.is_empty() {
        return Ok(my_permissions::not_modelled(PERMISSION_SEARCH, &unmodelled));
    }
    let world = shared.world();
    let project = query.project(&world, &caller)?;
    if !world.administers(&caller.account_id, &project.key) {
        return Err(JiraError::forbidden(
            "You need the Administer Jira global permission, or the Administer Projects project permission for this project, to search users by permission.",
        ));
    }
    let search = query.search();
    search.check()?;
    let found = search.answer(&world, &caller, |u| {
        known
            .iter()
            .all(|k| k.held_in(&world, &u.account_id, project))
    });
    Ok(found.into_response())
}

/// The key a deprecated permission name the spec still accepts stands for
/// (`BROWSE` is `BROWSE_PROJECTS`); any other key is itself.
pub(crate) fn current_key(key: &str) -> &str {
    match key {
        "ASSIGN_ISSUE" => "ASSIGN_ISSUES",
        "ATTACHMENT_DELETE_ALL" => "DELETE_ALL_ATTACHMENTS",
        "ATTACHMENT_DELETE_OWN" => "DELETE_OWN_ATTACHMENTS",
        "BROWSE" => "BROWSE_PROJECTS",
        "CLOSE_ISSUE" => "CLOSE_ISSUES",
        "COMMENT_DELETE_ALL" => "DELETE_ALL_COMMENTS",
        "COMMENT_DELETE_OWN" => "DELETE_OWN_COMMENTS",
        "COMMENT_EDIT_ALL" => "EDIT_ALL_COMMENTS",
        "COMMENT_EDIT_OWN" => "EDIT_OWN_COMMENTS",
        "COMMENT_ISSUE" => "ADD_COMMENTS",
        "CREATE_ATTACHMENT" => "CREATE_ATTACHMENTS",
        "CREATE_ISSUE" => "CREATE_ISSUES",
        "DELETE_ISSUE" => "DELETE_ISSUES",
        "EDIT_ISSUE" => "EDIT_ISSUES",
        "LINK_ISSUE" => "LINK_ISSUES",
        "MANAGE_WATCHER_LIST" => "MANAGE_WATCHERS",
        "MOVE_ISSUE" => "MOVE_ISSUES",
        "PROJECT_ADMIN" => "ADMINISTER_PROJECTS",
        "RESOLVE_ISSUE" => "RESOLVE_ISSUES",
        "SCHEDULE_ISSUE" => "SCHEDULE_ISSUES",
        "TRANSITION_ISSUE" => "TRANSITION_ISSUES",
        "VIEW_VERSION_CONTROL" => "VIEW_DEV_TOOLS",
        "VIEW_WORKFLOW_READONLY" => "VIEW_READONLY_WORKFLOW",
        "WORKLOG_DELETE_ALL" => "DELETE_ALL_WORKLOGS",
        "WORKLOG_DELETE_OWN" => "DELETE_OWN_WORKLOGS",
        "WORKLOG_EDIT_ALL" => "EDIT_ALL_WORKLOGS",
        "WORKLOG_EDIT_OWN" => "EDIT_OWN_WORKLOGS",
        "WORK_ISSUE" => "WORK_ON_ISSUES",
        other => other,
    }
}

/// The project of the issue at `index` (always there: issues are created in
/// existing projects).
fn issue_project(world: &World, index: usize) -> Result<&ProjectRecord, JiraError> {
    world
        .project(&world.issues[index].project_key)
        .ok_or_else(JiraError::issue_not_found)
}
