//! Dashboards, read side: `getAllDashboards` (`GET /rest/api/3/dashboard`),
//! `getDashboardsPaginated` (`/dashboard/search`) and `getDashboard`
//! (`/dashboard/{id}`). Each lists only the dashboards the caller may see.
//! No dashboard is anyone's favourite (the REST API cannot mark one), so
//! `filter=favourite` lists nothing and `filter=my` the caller's own.

use std::cmp::Ordering;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::super::page::{Window, page_bean};
use super::super::shared_entity_query::OwnerAndGroups;
use super::{DashboardPath, render, visible};
use crate::access::Caller;
use crate::extract::JiraQuery;
use crate::extract::query_number as number;
use crate::jira_error::JiraError;
use crate::shared::Shared;
use crate::world::World;
use crate::world::dashboard::DashboardRecord;
use crate::world::filter::ShareTarget;

/// `getAllDashboards`' page: 20 by default; the simulator's cap, as the spec
/// names none, is `getDashboardsPaginated`'s tenfold.
const ALL_PAGE: usize = 20;
const ALL_CAP: usize = 1_000;
/// `getDashboardsPaginated`'s page: 50 by default, at most 100.
const SEARCH_PAGE: usize = 50;
const SEARCH_CAP: usize = 100;

/// What `getDashboardsPaginated` may expand.
const EXPANSIONS: [&str; 8] = [
    "description",
    "owner",
    "viewUrl",
    "favourite",
    "favouritedCount",
    "sharePermissions",
    "editPermissions",
    "isWritable",
];

/// The query of `getAllDashboards`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AllQuery {
    filter: Option<String>,
    start_at: Option<usize>,
    max_results: Option<usize>,
}

/// `getAllDashboards`: a `PageOfDashboards`, with `prev`/`next` links.
pub(crate) async fn all(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraQuery(query): JiraQuery<AllQuery>,
) -> Result<Json<Value>, JiraError> {
    let filter = query.filter.as_deref().filter(|f| !f.is_empty());
    let world = shared.world();
    let seen = world
        .dashboards
        .all
        .iter()
        .filter(|d| d.visible_to(&world, &caller.account_id));
    // No dashboard is anyone's favourite: see the module's comment.
    let listed: Vec<&DashboardRecord> = match filter {
        None => seen.collect(),
        Some("my") => seen.filter(|d| d.is_owned_by(&caller.account_id)).collect(),
        Some("favourite") => Vec::new(),
        Some(other) => {
            return Err(JiraError::bad_request(format!(
                "The value '{other}' of 'filter' is not valid: use 'my' or 'favourite'."
            )));
        }
    };
    let window = Window::new(query.start_at, query.max_results, ALL_PAGE, ALL_CAP);
    let dashboards: Vec<Value> = window
        .of(&listed)
        .map(|d| render(&shared, &world, &caller, d))
        .collect();
    let link = |start: usize| {
        let mut link = format!(
            "{}/rest/api/3/dashboard?startAt={start}&maxResults={}",
            caller.links, window.max
        );
        if let Some(filter) = filter {
            link.push_str(&format!("&filter={filter}"));
        }
        link
    };
    let mut page = json!({
        "startAt": window.start,
        "maxResults": window.max,
        "total": listed.len(),
        "dashboards": dashboards,
    });
    if window.start > 0 {
        page["prev"] = json!(link(window.start.saturating_sub(window.max)));
    }
    let next = window.start.saturating_add(window.max);
    if window.max > 0 && next < listed.len() {
        page["next"] = json!(link(next));
    }
    Ok(Json(page))
}

/// `getDashboard`: the spec's 404 for a dashboard that does not exist or is not
/// shared with the caller.
pub(crate) async fn one(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<DashboardPath>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let at = visible(&world, &caller, &path.id)?;
    Ok(Json(render(
        &shared,
        &world,
        &caller,
        &world.dashboards.all[at],
    )))
}

/// What `getDashboardsPaginated` orders by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OrderField {
    Description,
    FavouriteCount,
    Id,
    IsFavourite,
    Name,
    Owner,
}

/// A group the search names, by name or by id.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Group {
    Name(String),
    Id(String),
}

/// The query of `getDashboardsPaginated`, read by hand so that each mistake is
/// a 400 naming it.
#[derive(Debug, Default)]
struct SearchQuery {
    name: Option<String>,
    account_id: Option<String>,
    /// `groupname` or `groupId`, as given.
    group: Option<Group>,
    project_id: Option<String>,
    order: Option<(OrderField, bool)>,
    start_at: Option<usize>,
    max_results: Option<usize>,
    active: bool,
}

impl SearchQuery {
    /// The spec's 400s: `accountId` with `owner`, `groupname` with `groupId`, an
    /// unknown `orderBy`, `expand` or `status` value. `owner` (a user name) alone
    /// is refused too: Jira Cloud users have none.
    fn parse(raw: Option<&str>) -> Result<Self, JiraError> {
        let mut query = Self {
            active: true,
            ..Self::default()
        };
        let (mut owner, mut group_name, mut group_id) = (false, false, false);
        for (key, value) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
            let nonempty = (!value.is_empty()).then(|| value.clone().into_owned());
            match key.as_ref() {
                "dashboardName" => query.name = nonempty.map(|n| n.to_lowercase()),
                "accountId" => query.account_id = nonempty,
                "owner" => owner |= !value.is_empty(),
                "groupname" if !value.is_empty() => {
                    group_name = true;
                    query.group = Some(Group::Name(value.into_owned()));
                }
                "groupId" if !value.is_empty() => {
                    group_id = true;
                    query.group = Some(Group::Id(value.into_owned()));
                }
                "projectId" if !value.is_empty() => {
                    query.project_id = Some(number::<u64>("projectId", &value)?.to_string());
                }
                "orderBy" => query.order = Some(order_by(&value)?),
                "startAt" => query.start_at = Some(number("startAt", &value)?),
                "maxResults" => query.max_results = Some(number("maxResults", &value)?),
                "status" => {
                    query.active = match value.as_ref() {
                        "active" => true,
                        "archived" | "deleted" => false,
                        other => {
                            return Err(JiraError::bad_request(format!(
                                "The value '{other}' of 'status' is not valid: use 'active', \
                                 'archived' or 'deleted'."
                            )));
                        }
                    };
                }
                "expand" => {
                    for item in value.split(',').map(str::trim).filter(|i| !i.is_empty()) {
                        if !EXPANSIONS.contains(&item) {
                            return Err(JiraError::bad_request(format!(
                                "The expand value '{item}' is not valid. Valid values are: {}.",
                                EXPANSIONS.join(", ")
                            )));
                        }
                    }
                }
                _ => {}
            }
        }
        OwnerAndGroups {
            owner,
            account_id: query.account_id.is_some(),
            group_name,
            group_id,
        }
        .check()?;
        Ok(query)
    }

    /// Whether `dashboard` passes every restriction: its name holds
    /// `dashboardName` (without regard to case), `accountId` owns it, it is
    /// shared (to view or to edit) with the group or the project. The system
    /// dashboard has no owner and is shared with no group or project, so those
    /// never match it; every dashboard is active.
    fn wants(&self, world: &World, dashboard: &DashboardRecord) -> bool {
        let shared_with = |wanted: &dyn Fn(&ShareTarget) -> bool| {
            dashboard
                .shares
                .iter()
                .chain(&dashboard.editors)
                .any(|s| wanted(&s.target))
        };
        self.active
            && self
                .name
                .as_deref()
                .is_none_or(|name| dashboard.name.to_lowercase().contains(name))
            && self
                .account_id
                .as_deref()
                .is_none_or(|account| dashboard.is_owned_by(account))
            && self.group.as_ref().is_none_or(|group| {
                let id = match group {
                    Group::Id(id) => Some(id.clone()),
                    Group::Name(name) => world.group_named(name).map(|g| g.id),
                };
                id.is_some_and(|id| shared_with(&|t| *t == ShareTarget::Group(id.clone())))
            })
            && self.project_id.as_deref().is_none_or(|project| {
                shared_with(&|t| matches!(t, ShareTarget::Project(p) if p == project))
            })
    }
}

/// `name`, `-name`, `+name` …; the spec's enum spells `favorite_count` and
/// `is_favorite`, its prose `favourite_count` and `is_favourite`: both are taken.
fn order_by(value: &str) -> Result<(OrderField, bool), JiraError> {
    let (field, descending) = super::super::order_direction::split(value);
    let field = match field {
        "description" => OrderField::Description,
        "favorite_count" | "favourite_count" => OrderField::FavouriteCount,
        "id" => OrderField::Id,
        "is_favorite" | "is_favourite" => OrderField::IsFavourite,
        "name" => OrderField::Name,
        "owner" => OrderField::Owner,
        _ => {
            return Err(JiraError::bad_request(format!(
                "The orderBy value '{value}' is not valid. Valid values are: description, \
                 favorite_count, id, is_favorite, name, owner (each optionally prefixed with \
                 '+' or '-')."
            )));
        }
    };
    Ok((field, descending))
}

/// Two dashboards in `field`'s order. No dashboard is anyone's favourite, so
/// the favourite orders leave them as they are; no description sorts first,
/// and so does no owner (the system dashboard), owners by display name.
fn compare(world: &World, field: OrderField, a: &DashboardRecord, b: &DashboardRecord) -> Ordering {
    let owner = |d: &DashboardRecord| {
        d.owner
            .as_deref()
            .and_then(|o| world.user(o))
            .map(|u| u.display_name.to_lowercase())
    };
    match field {
        OrderField::Name => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
        OrderField::Id => a.id.cmp(&b.id),
        OrderField::Description => a
            .description
            .as_deref()
            .map(str::to_lowercase)
            .cmp(&b.description.as_deref().map(str::to_lowercase)),
        OrderField::Owner => owner(a).cmp(&owner(b)),
        OrderField::FavouriteCount | OrderField::IsFavourite => Ordering::Equal,
    }
}

/// `getDashboardsPaginated`: a `PageBeanDashboard`.
pub(crate) async fn search(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, JiraError> {
    let query = SearchQuery::parse(raw.as_deref())?;
    let world = shared.world();
    let mut found: Vec<&DashboardRecord> = world
        .dashboards
        .all
        .iter()
        .filter(|d| d.visible_to(&world, &caller.account_id) && query.wants(&world, d))
        .collect();
    let (field, descending) = query.order.unwrap_or((OrderField::Name, false));
    found.sort_by(|a, b| {
        let ordering = compare(&world, field, a, b);
        let ordering = if descending {
            ordering.reverse()
        } else {
            ordering
        };
        ordering.then(a.id.cmp(&b.id))
    });
    let window = Window::new(query.start_at, query.max_results, SEARCH_PAGE, SEARCH_CAP);
    let window = Window {
        max: window.max.max(1),
        ..window
    };
    let values: Vec<Value> = window
        .of(&found)
        .map(|d| render(&shared, &world, &caller, d))
        .collect();
    Ok(Json(page_bean(
        &format!("{}/rest/api/3/dashboard/search", caller.links),
        window,
        found.len(),
        values,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_search_query_refuses_what_the_spec_refuses() {
        for bad in [
            "owner=bob&accountId=1",
            "owner=bob",
            "groupname=a&groupId=b",
            "orderBy=colour",
            "expand=colour",
            "status=gone",
            "maxResults=x",
        ] {
            assert!(SearchQuery::parse(Some(bad)).is_err(), "{bad}");
        }
        let query = SearchQuery::parse(Some(
            "dashboardName=DEFAULT&orderBy=-is_favourite&expand=owner,isWritable",
        ))
        .expect("valid");
        assert_eq!(query.order, Some((OrderField::IsFavourite, true)));
        let world = World::from_seed(&crate::seed::Seed::default()).expect("the default seed");
        let system = &world.dashboards.all[0];
        assert!(query.wants(&world, system));
        let archived = SearchQuery::parse(Some("status=archived")).expect("valid");
        assert!(!archived.wants(&world, system));
        let by_owner = SearchQuery::parse(Some("accountId=5b10")).expect("valid");
        assert!(!by_owner.wants(&world, system));
    }
}
