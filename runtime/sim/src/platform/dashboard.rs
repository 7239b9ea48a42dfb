//! Dashboards, read side: `getAllDashboards` (`GET /rest/api/3/dashboard`),
//! `getDashboardsPaginated` (`/dashboard/search`) and `getDashboard`
//! (`/dashboard/{id}`).
//!
//! A simulated site has the one dashboard every Jira Cloud site starts with: the
//! system dashboard, "Default dashboard", id 10000, shared with everyone
//! (`global`), owned by no one, and writable by site admins only ("users with
//! *Administer Jira* are considered owners of the System dashboard"). The REST
//! API has no way to mark a dashboard a favourite, and nothing here creates
//! dashboards, so it is no one's favourite and `filter=my`/`filter=favourite`
//! list nothing. Creating, copying, editing and deleting dashboards, gadgets
//! and dashboard item properties are not modelled (`501`).

use std::cmp::Ordering;
use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::page::{Window, page_bean};
use super::shared_entity_query::OwnerAndGroups;
use crate::access::Caller;
use crate::extract::JiraQuery;
use crate::extract::query_number as number;
use crate::jira_error::JiraError;
use crate::shared::Shared;
use crate::world::World;

/// This module's routes, relative to `/rest/api/{version}`. `/dashboard/search`
/// is literal, so it wins over `/dashboard/{id}`.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/dashboard", get(all))
        .route("/dashboard/search", get(search))
        .route("/dashboard/{id}", get(one))
}

/// A dashboard of the site.
struct Dashboard {
    id: &'static str,
    name: &'static str,
}

/// Every dashboard a simulated site has: Jira Cloud's system dashboard.
const DASHBOARDS: [Dashboard; 1] = [Dashboard {
    id: "10000",
    name: "Default dashboard",
}];

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

/// A `Dashboard`, for `caller`. Every field is rendered whatever `expand` asks:
/// the system dashboard has no description or owner to add.
fn render(shared: &Shared, world: &World, caller: &Caller, dashboard: &Dashboard) -> Value {
    let is_admin = world.is_site_admin(&caller.account_id);
    json!({
        "id": dashboard.id,
        "name": dashboard.name,
        "self": format!("{}/rest/api/3/dashboard/{}", caller.links, dashboard.id),
        "view": format!("{}/secure/Dashboard.jspa?selectPageId={}", shared.base_url, dashboard.id),
        "isFavourite": false,
        "popularity": 0,
        "sharePermissions": [{ "type": "global" }],
        "editPermissions": [],
        "isWritable": is_admin,
        "systemDashboard": true,
        "automaticRefreshMs": 0,
    })
}

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
    // The system dashboard is no one's, and no one's favourite: see the
    // module's comment.
    let listed: &[Dashboard] = match filter {
        None => &DASHBOARDS,
        Some("my" | "favourite") => &[],
        Some(other) => {
            return Err(JiraError::bad_request(format!(
                "The value '{other}' of 'filter' is not valid: use 'my' or 'favourite'."
            )));
        }
    };
    let window = Window::new(query.start_at, query.max_results, ALL_PAGE, ALL_CAP);
    let world = shared.world();
    let dashboards: Vec<Value> = window
        .of(listed)
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

/// The `{id}` of `getDashboard`; named so the gateway's extra `cloud_id` is
/// ignored.
#[derive(Deserialize)]
pub(crate) struct DashboardPath {
    id: String,
}

/// `getDashboard`: the spec's 404 for a dashboard that does not exist (or is not
/// shared with the caller: every dashboard here is).
pub(crate) async fn one(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<DashboardPath>,
) -> Result<Json<Value>, JiraError> {
    let dashboard = DASHBOARDS.iter().find(|d| d.id == path.id).ok_or_else(|| {
        JiraError::not_found(format!(
            "The dashboard with id '{}' does not exist.",
            path.id
        ))
    })?;
    let world = shared.world();
    Ok(Json(render(&shared, &world, &caller, dashboard)))
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

/// The query of `getDashboardsPaginated`, read by hand so that each mistake is
/// a 400 naming it.
#[derive(Debug, Default)]
struct SearchQuery {
    name: Option<String>,
    account_id: Option<String>,
    group: bool,
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
                "groupname" => group_name |= !value.is_empty(),
                "groupId" => group_id |= !value.is_empty(),
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
        query.group = group_name || group_id;
        Ok(query)
    }

    /// Whether `dashboard` passes every restriction. The system dashboard has no
    /// owner and is shared with no group or project, so those match nothing.
    fn wants(&self, dashboard: &Dashboard) -> bool {
        self.active
            && self
                .name
                .as_deref()
                .is_none_or(|name| dashboard.name.to_lowercase().contains(name))
            && self.account_id.is_none()
            && !self.group
            && self.project_id.is_none()
    }
}

/// `name`, `-name`, `+name` …; the spec's enum spells `favorite_count` and
/// `is_favorite`, its prose `favourite_count` and `is_favourite`: both are taken.
fn order_by(value: &str) -> Result<(OrderField, bool), JiraError> {
    let (field, descending) = super::order_direction::split(value);
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

/// Two dashboards in `field`'s order. Every dashboard here is equally no one's
/// favourite, owned by no one and without a description, so only the name and
/// the id tell them apart.
fn compare(field: OrderField, a: &Dashboard, b: &Dashboard) -> Ordering {
    match field {
        OrderField::Name => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
        OrderField::Id => numeric(a.id).cmp(&numeric(b.id)),
        OrderField::Description
        | OrderField::FavouriteCount
        | OrderField::IsFavourite
        | OrderField::Owner => Ordering::Equal,
    }
}

fn numeric(id: &str) -> u64 {
    id.parse().unwrap_or(u64::MAX)
}

/// `getDashboardsPaginated`: a `PageBeanDashboard`.
pub(crate) async fn search(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, JiraError> {
    let query = SearchQuery::parse(raw.as_deref())?;
    let mut found: Vec<&Dashboard> = DASHBOARDS.iter().filter(|d| query.wants(d)).collect();
    let (field, descending) = query.order.unwrap_or((OrderField::Name, false));
    found.sort_by(|a, b| {
        let ordering = compare(field, a, b);
        let ordering = if descending {
            ordering.reverse()
        } else {
            ordering
        };
        ordering.then(numeric(a.id).cmp(&numeric(b.id)))
    });
    let window = Window::new(query.start_at, query.max_results, SEARCH_PAGE, SEARCH_CAP);
    let window = Window {
        max: window.max.max(1),
        ..window
    };
    let world = shared.world();
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
        assert!(query.wants(&DASHBOARDS[0]));
        let archived = SearchQuery::parse(Some("status=archived")).expect("valid");
        assert!(!archived.wants(&DASHBOARDS[0]));
        let by_owner = SearchQuery::parse(Some("accountId=5b10")).expect("valid");
        assert!(!by_owner.wants(&DASHBOARDS[0]));
    }
}
