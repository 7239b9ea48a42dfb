//! User groups (`world/group.rs`): reading them (`GET /group/bulk`, `/group/member`,
//! `/groups/picker`, `/user/groups`, the deprecated `GET /group`) for anyone, as
//! every user of the simulator holds *Browse users and groups*; changing them
//! (`POST`/`DELETE /group`, `POST`/`DELETE /group/user`) for site admins only, as
//! Jira asks for site administration (`403` otherwise).
//!
//! A group is named by `groupname` or `groupId` (`groupId` wins when both are
//! given, as on Jira Cloud, where names may change); neither is `400`, one that
//! names no group `404`. The built-in groups (`jira-software-users`,
//! `site-admins`) mirror the site, so changing them is `400` with the reason.

use std::sync::Arc;

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::html::escape;
use super::page::{PageQuery, Window, bean_of, page_bean};
use super::render::{self, group_name};
use crate::access::Caller;
use crate::extract::{JiraJson, JiraQuery, query_number};
use crate::jira_error::JiraError;
use crate::shared::Shared;
use crate::world::World;
use crate::world::group::Group;

/// Jira's default and largest page of groups or members.
const PAGE: usize = 50;
/// The picker's default number of groups (Jira's autocomplete limit).
const PICKER_DEFAULT: usize = 20;
/// The most groups one picker answer lists.
pub(crate) const PICKER_MAX: usize = 1_000;

/// Which group a request names.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GroupRef {
    groupname: Option<String>,
    group_id: Option<String>,
}

impl GroupRef {
    fn find(&self, world: &World) -> Result<Group, JiraError> {
        let id = self.group_id.as_deref().filter(|i| !i.is_empty());
        let name = self.groupname.as_deref().filter(|n| !n.is_empty());
        let found = match (id, name) {
            (Some(id), _) => world.group_by_id(id),
            (None, Some(name)) => world.group_named(name),
            (None, None) => {
                return Err(JiraError::bad_request(
                    "You must specify a group name or a group id.",
                ));
            }
        };
        found.ok_or_else(|| {
            JiraError::not_found(format!(
                "Specified group does not exist: {}",
                id.or(name).unwrap_or_default()
            ))
        })
    }
}

/// A `Group`, its members listed (the first page) when `with_users`.
fn group_value(links: &str, world: &World, group: &Group, with_users: bool) -> Value {
    let mut value = group_name(links, group);
    let members = members(links, world, group);
    let items: Vec<Value> = if with_users {
        members.iter().take(PAGE).cloned().collect()
    } else {
        Vec::new()
    };
    let end = items.len().saturating_sub(1);
    value["users"] = json!({
        "size": members.len(),
        "items": items,
        "max-results": PAGE,
        "start-index": 0,
        "end-index": end,
    });
    value["expand"] = json!("users");
    value
}

/// The group's members as `UserDetails`, by display name (Jira orders by user
/// name, which Cloud no longer shows).
fn members(links: &str, world: &World, group: &Group) -> Vec<Value> {
    let mut users: Vec<_> = group
        .members
        .iter()
        .filter_map(|id| world.user(id))
        .collect();
    users.sort_by(|a, b| a.display_name.cmp(&b.display_name));
    users
        .into_iter()
        .map(|u| render::user_details(links, u))
        .collect()
}

/// Refuses a caller who is not a site admin, with Jira's `403`.
fn site_admin(world: &World, caller: &Caller) -> Result<(), JiraError> {
    if world.is_site_admin(&caller.account_id) {
        Ok(())
    } else {
        Err(JiraError::forbidden(
            "You do not have permission to manage groups: it needs site administration.",
        ))
    }
}

#[derive(Deserialize)]
pub(crate) struct ExpandQuery {
    expand: Option<String>,
}

/// `GET /group` (getGroup, deprecated): the group, with its members when
/// `expand=users`.
pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraQuery(group): JiraQuery<GroupRef>,
    JiraQuery(expand): JiraQuery<ExpandQuery>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let found = group.find(&world)?;
    let with_users = super::field_details::expands(expand.expand.as_deref(), "users");
    Ok(Json(group_value(&caller.links, &world, &found, with_users)))
}

/// `AddGroupBean`.
#[derive(Deserialize)]
pub(crate) struct NewGroup {
    name: Option<String>,
}

/// `POST /group` (createGroup).
pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraJson(input): JiraJson<NewGroup>,
) -> Result<(StatusCode, Json<Value>), JiraError> {
    let mut world = shared.world();
    site_admin(&world, &caller)?;
    let group = world
        .add_group(input.name.as_deref().unwrap_or_default(), Vec::new())
        .map_err(JiraError::bad_request)?;
    let value = group_value(&caller.links, &world, &group, true);
    Ok((StatusCode::CREATED, Json(value)))
}

/// `DELETE /group` (removeGroup). `swapGroup` (who inherits the group's
/// restrictions) has nothing to act on: the simulator restricts nothing by group.
pub(crate) async fn remove(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraQuery(group): JiraQuery<GroupRef>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    site_admin(&world, &caller)?;
    let found = group.find(&world)?;
    world
        .remove_group(&found)
        .map_err(|e| JiraError::bad_request(e.to_string()))?;
    Ok(StatusCode::OK)
}

/// `UpdateUserToGroupBean`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MemberInput {
    account_id: Option<String>,
}

/// The account a membership change names, or Jira's `400`/`404`.
fn member(world: &World, account_id: Option<&str>) -> Result<String, JiraError> {
    let id = account_id
        .filter(|id| !id.is_empty())
        .ok_or_else(|| JiraError::bad_request("You must specify an accountId."))?;
    world
        .user(id)
        .map(|u| u.account_id.clone())
        .ok_or_else(|| JiraError::not_found(format!("User with accountId '{id}' does not exist.")))
}

/// `POST /group/user` (addUserToGroup).
pub(crate) async fn add_member(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraQuery(group): JiraQuery<GroupRef>,
    JiraJson(input): JiraJson<MemberInput>,
) -> Result<(StatusCode, Json<Value>), JiraError> {
    let mut world = shared.world();
    site_admin(&world, &caller)?;
    let found = group.find(&world)?;
    let account = member(&world, input.account_id.as_deref())?;
    world
        .add_group_member(&found, &account)
        .map_err(|e| JiraError::bad_request(e.to_string()))?;
    let updated = world.group_by_id(&found.id).unwrap_or(found);
    let value = group_value(&caller.links, &world, &updated, true);
    Ok((StatusCode::CREATED, Json(value)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RemoveMemberQuery {
    account_id: Option<String>,
}

/// `DELETE /group/user` (removeUserFromGroup).
pub(crate) async fn remove_member(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraQuery(group): JiraQuery<GroupRef>,
    JiraQuery(query): JiraQuery<RemoveMemberQuery>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    site_admin(&world, &caller)?;
    let found = group.find(&world)?;
    let account = member(&world, query.account_id.as_deref())?;
    world
        .remove_group_member(&found, &account)
        .map_err(|e| JiraError::bad_request(e.to_string()))?;
    Ok(StatusCode::OK)
}

/// `GET /group/member` (getUsersFromGroup): a page of the group's members.
/// Every simulated user is active, so `includeInactiveUsers` changes nothing.
pub(crate) async fn list_members(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraQuery(group): JiraQuery<GroupRef>,
    JiraQuery(page): JiraQuery<PageQuery>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let found = group.find(&world)?;
    let all = members(&caller.links, &world, &found);
    let window = page.bean_window(PAGE, PAGE);
    let total = all.len();
    let values: Vec<Value> = window.of(all).collect();
    // The group rides in the query, so the page links carry it.
    let base = format!(
        "{}/rest/api/3/group/member?groupId={}",
        caller.links, found.id
    );
    Ok(Json(page_bean(&base, window, total, values)))
}

/// `GET /group/bulk` (bulkGetGroups): groups by id and name (repeated or
/// comma-separated; those that name none are left out), or all of them.
/// `accessType` and `applicationKey` narrow to the groups that grant Jira: the
/// application group.
pub(crate) async fn bulk(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, JiraError> {
    let mut ids = Vec::new();
    let mut names = Vec::new();
    let mut access = false;
    let mut start_at = None;
    let mut max_results = None;
    for (key, value) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        let items = || {
            value
                .split(',')
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        match key.as_ref() {
            "groupId" => ids.extend(items()),
            "groupName" => names.extend(items()),
            "accessType" | "applicationKey" if !value.is_empty() => access = true,
            "startAt" => start_at = Some(query_number("startAt", value.trim())?),
            "maxResults" => max_results = Some(query_number::<usize>("maxResults", value.trim())?),
            _ => {}
        }
    }
    let world = shared.world();
    let groups: Vec<Value> = world
        .all_groups()
        .into_iter()
        .filter(|g| {
            (ids.is_empty() && names.is_empty())
                || ids.contains(&g.id)
                || names.iter().any(|n| n.eq_ignore_ascii_case(&g.name))
        })
        .filter(|g| !access || g.name == crate::world::group::APPLICATION_GROUP)
        .map(|g| json!({ "name": g.name, "groupId": g.id }))
        .collect();
    let window = Window::bean(start_at, max_results, PAGE, PAGE);
    let base = format!("{}/rest/api/3/group/bulk", caller.links);
    Ok(Json(bean_of(&base, window, groups)))
}

/// `GET /groups/picker` (findGroups): groups whose name contains `query`
/// (case-sensitively unless `caseInsensitive=true`, as the spec's default
/// says), sorted by name, less `exclude` (names) and `excludeId`, at most
/// `maxResults` (default 20); each with its name marked in `html`.
pub(crate) async fn picker(
    State(shared): State<Arc<Shared>>,
    _caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, JiraError> {
    let mut query = String::new();
    let mut exclude = Vec::new();
    let mut exclude_ids = Vec::new();
    let mut max = PICKER_DEFAULT;
    let mut case_insensitive = false;
    for (key, value) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        match key.as_ref() {
            "query" => query = value.into_owned(),
            "exclude" => exclude.push(value.into_owned()),
            "excludeId" => exclude_ids.push(value.into_owned()),
            "maxResults" => {
                max = query_number::<usize>("maxResults", value.trim())?.min(PICKER_MAX)
            }
            "caseInsensitive" => case_insensitive = value.eq_ignore_ascii_case("true"),
            _ => {}
        }
    }
    let world = shared.world();
    Ok(Json(found_groups(
        &world,
        &query,
        &exclude,
        &exclude_ids,
        max,
        case_insensitive,
    )))
}

/// The picker's `FoundGroups`: groups whose name contains `query` (any case
/// when `case_insensitive`), sorted by name, less those `exclude` names (any
/// case) and `exclude_ids` holds, at most `max`; `total` counts them all. One
/// rule for `/groups/picker` and the group half of `/groupuserpicker`.
pub(crate) fn found_groups(
    world: &World,
    query: &str,
    exclude: &[String],
    exclude_ids: &[String],
    max: usize,
    case_insensitive: bool,
) -> Value {
    let mut matching: Vec<(Group, String)> = world
        .all_groups()
        .into_iter()
        .filter(|g| !exclude.iter().any(|e| e.eq_ignore_ascii_case(&g.name)))
        .filter(|g| !exclude_ids.contains(&g.id))
        .filter_map(|g| {
            let html = marked(&g.name, query, case_insensitive)?;
            Some((g, html))
        })
        .collect();
    matching.sort_by_key(|(group, _)| group.name.to_lowercase());
    let total = matching.len();
    let groups: Vec<Value> = matching
        .into_iter()
        .take(max)
        .map(|(g, html)| json!({ "name": g.name, "html": html, "labels": [], "groupId": g.id }))
        .collect();
    json!({
        "header": format!("Showing {} of {total} matching groups", groups.len()),
        "total": total,
        "groups": groups,
    })
}

/// `name`, escaped, with the first occurrence of `query` in `<b>`; `None` when
/// it does not occur (an empty query matches every name, unmarked).
fn marked(name: &str, query: &str, case_insensitive: bool) -> Option<String> {
    if query.is_empty() {
        return Some(escape(name));
    }
    let folded = |c: char| c.to_lowercase().collect::<String>();
    let same = |a: char, b: char| {
        if case_insensitive {
            folded(a) == folded(b)
        } else {
            a == b
        }
    };
    let wanted = query.chars().count();
    // Starts and ends are found character by character, so every slice below
    // falls on a character boundary of `name`, whatever its script.
    let (at, end) = name.char_indices().find_map(|(i, _)| {
        let mut rest = name[i..].char_indices();
        let mut matched = 0;
        for q in query.chars() {
            let (_, c) = rest.next()?;
            if !same(c, q) {
                return None;
            }
            matched += 1;
        }
        let end = rest.next().map_or(name.len(), |(j, _)| i + j);
        (matched == wanted).then_some((i, end))
    })?;
    Some(format!(
        "{}<b>{}</b>{}",
        escape(&name[..at]),
        escape(&name[at..end]),
        escape(&name[end..])
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserGroupsQuery {
    account_id: Option<String>,
}

/// `GET /user/groups` (getUserGroups): the groups the account is in.
pub(crate) async fn of_user(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraQuery(query): JiraQuery<UserGroupsQuery>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let Some(account_id) = query.account_id.filter(|id| !id.is_empty()) else {
        return Err(JiraError::bad_request(
            "The 'accountId' query parameter needs to be provided.",
        ));
    };
    let user = world.user(&account_id).ok_or_else(|| {
        JiraError::not_found(
            "Specified user does not exist or you do not have required permissions",
        )
    })?;
    let groups: Vec<Value> = world
        .groups_of(&user.account_id)
        .iter()
        .map(|g| group_name(&caller.links, g))
        .collect();
    Ok(Json(Value::Array(groups)))
}
