//! Reading versions: a project's, whole (`getProjectVersions`) or a page at a
//! time (`getProjectVersionsPaginated`), and one by id (`getVersion`).

use std::cmp::Ordering;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::Value;

use super::super::field_details::expands;
use super::super::page::{Window, page_bean};
use super::super::project::browsable_project;
use super::shape::{issues_status, version};
use super::{ProjectPath, VersionPath, visible_version};
use crate::access::Caller;
use crate::extract::JiraQuery;
use crate::jira_error::JiraError;
use crate::shared::Shared;
use crate::world::World;
use crate::world::version::VersionRecord;

/// `getProjectVersions`: every version of the project, in its order, unpaged.
/// Its one `expand`, `operations`, is not modelled, and is ignored.
pub(crate) async fn all(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<ProjectPath>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let project = browsable_project(&world, &caller, &path.project_id_or_key)?;
    let versions = world
        .versions_of(&project.key)
        .map(|v| version(&caller.links, &world, v))
        .collect();
    Ok(Json(Value::Array(versions)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PageQuery {
    start_at: Option<usize>,
    max_results: Option<usize>,
    order_by: Option<String>,
    query: Option<String>,
    status: Option<String>,
    expand: Option<String>,
}

/// The page's default size, from the spec; its cap is the project search's, as
/// the spec names none.
const PAGE: usize = 50;
const CAP: usize = 100;

/// `getProjectVersionsPaginated`: a `PageBeanVersion`. `query` keeps versions
/// whose name or description contains it, without regard to case; `status`
/// (a comma-separated list) keeps those `released` (and not archived),
/// `unreleased` (and not archived) or `archived`; `orderBy` sorts by `sequence`
/// (the project's order, the default), `name`, `description`, `startDate` or
/// `releaseDate` (those without the date last), `-` reversing it. Values the
/// spec does not list are ignored, as the component page ignores them.
/// `expand=issuesstatus` adds each version's `issuesStatusForFixVersion`.
pub(crate) async fn page(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<ProjectPath>,
    JiraQuery(query): JiraQuery<PageQuery>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let project = browsable_project(&world, &caller, &path.project_id_or_key)?;
    let needle = query.query.as_deref().map(str::to_lowercase);
    let statuses = Statuses::parse(query.status.as_deref());
    let mut found: Vec<&VersionRecord> = world
        .versions_of(&project.key)
        .filter(|v| statuses.admit(v))
        .filter(|v| {
            needle.as_deref().is_none_or(|n| {
                v.name.to_lowercase().contains(n)
                    || v.description
                        .as_deref()
                        .is_some_and(|d| d.to_lowercase().contains(n))
            })
        })
        .collect();
    sort(&mut found, query.order_by.as_deref());
    let window = Window::new(query.start_at, query.max_results, PAGE, CAP);
    // A `PageBean` returns at least one item a page.
    let window = Window {
        max: window.max.max(1),
        ..window
    };
    let with_status = expands(query.expand.as_deref(), "issuesstatus");
    let values = window
        .of(&found)
        .map(|v| rendered(&caller.links, &world, v, with_status))
        .collect();
    let base = format!(
        "{}/rest/api/3/project/{}/version",
        caller.links, project.key
    );
    Ok(Json(page_bean(&base, window, found.len(), values)))
}

#[derive(Deserialize)]
pub(crate) struct OneQuery {
    expand: Option<String>,
}

/// `getVersion`. Of its `expand` options, `issuesstatus` is modelled; there are
/// no drivers or approvers to add, and `operations` is not modelled.
pub(crate) async fn one(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<VersionPath>,
    JiraQuery(query): JiraQuery<OneQuery>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let index = visible_version(&world, &caller, &path.id)?;
    let with_status = expands(query.expand.as_deref(), "issuesstatus");
    Ok(Json(rendered(
        &caller.links,
        &world,
        &world.versions[index],
        with_status,
    )))
}

fn rendered(links: &str, world: &World, record: &VersionRecord, with_status: bool) -> Value {
    let mut value = version(links, world, record);
    if with_status {
        value["issuesStatusForFixVersion"] = issues_status(world, record);
    }
    value
}

/// The `status` filter: which lifecycle states a page keeps. None named (or
/// only unknown ones) keeps every version.
#[derive(Debug, Default, PartialEq, Eq)]
struct Statuses {
    released: bool,
    unreleased: bool,
    archived: bool,
}

impl Statuses {
    fn parse(status: Option<&str>) -> Self {
        let mut wanted = Self::default();
        for item in status.unwrap_or_default().split(',').map(str::trim) {
            match item.to_ascii_lowercase().as_str() {
                "released" => wanted.released = true,
                "unreleased" => wanted.unreleased = true,
                "archived" => wanted.archived = true,
                _ => {}
            }
        }
        wanted
    }

    fn admit(&self, version: &VersionRecord) -> bool {
        if *self == Self::default() {
            return true;
        }
        if version.archived {
            self.archived
        } else if version.released {
            self.released
        } else {
            self.unreleased
        }
    }
}

/// Sorts by `orderBy`, stably, so ties (and unknown fields) keep the project's
/// order.
fn sort(versions: &mut [&VersionRecord], order_by: Option<&str>) {
    let order = order_by.unwrap_or_default();
    let (descending, field) = match order.strip_prefix('-') {
        Some(field) => (true, field),
        None => (false, order.strip_prefix('+').unwrap_or(order)),
    };
    // Versions without the value go last, as the spec says of release dates.
    fn missing_last<T: Ord>(a: Option<T>, b: Option<T>) -> Ordering {
        match (a, b) {
            (Some(a), Some(b)) => a.cmp(&b),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        }
    }
    let compare: fn(&VersionRecord, &VersionRecord) -> Ordering = match field {
        "name" => |a, b| a.name.to_lowercase().cmp(&b.name.to_lowercase()),
        "description" => |a, b| {
            let text = |v: &VersionRecord| v.description.as_deref().map(str::to_lowercase);
            missing_last(text(a), text(b))
        },
        "releaseDate" => |a, b| missing_last(a.release_date, b.release_date),
        "startDate" => |a, b| missing_last(a.start_date, b.start_date),
        // `sequence`, and what the spec does not list: the project's order.
        _ => |_, _| Ordering::Equal,
    };
    versions.sort_by(|a, b| {
        let ordering = compare(a, b);
        if descending {
            ordering.reverse()
        } else {
            ordering
        }
    });
    // `-sequence` is the project's order backwards; the sort above left it as is.
    if descending && field == "sequence" {
        versions.reverse();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(id: u64, name: &str, released: bool, archived: bool) -> VersionRecord {
        VersionRecord {
            id,
            project_key: String::from("KILN"),
            name: name.to_owned(),
            description: None,
            start_date: None,
            release_date: None,
            released,
            archived,
        }
    }

    #[test]
    fn statuses_keep_their_lifecycle_states() {
        let (open, shipped, shelved) = (
            version(1, "a", false, false),
            version(2, "b", true, false),
            version(3, "c", true, true),
        );
        let keeps = |status: &str| {
            let statuses = Statuses::parse(Some(status));
            [&open, &shipped, &shelved]
                .into_iter()
                .filter(|v| statuses.admit(v))
                .map(|v| v.id)
                .collect::<Vec<_>>()
        };
        assert_eq!(keeps(""), [1, 2, 3]);
        assert_eq!(keeps("released"), [2]);
        assert_eq!(keeps("unreleased, ARCHIVED"), [1, 3]);
        assert_eq!(keeps("bogus"), [1, 2, 3]);
    }

    #[test]
    fn orders_by_field_with_missing_values_last() {
        let mut a = version(1, "beta", false, false);
        let mut b = version(2, "Alpha", false, false);
        let c = version(3, "gamma", false, false);
        a.release_date = time::Date::from_calendar_date(2024, time::Month::May, 1).ok();
        b.release_date = time::Date::from_calendar_date(2024, time::Month::April, 1).ok();
        let ids = |order: Option<&str>| {
            let mut all = vec![&a, &b, &c];
            sort(&mut all, order);
            all.into_iter().map(|v| v.id).collect::<Vec<_>>()
        };
        assert_eq!(ids(None), [1, 2, 3]);
        assert_eq!(ids(Some("name")), [2, 1, 3]);
        assert_eq!(ids(Some("-name")), [3, 1, 2]);
        assert_eq!(ids(Some("+releaseDate")), [2, 1, 3]);
        assert_eq!(ids(Some("-sequence")), [3, 2, 1]);
        assert_eq!(ids(Some("colour")), [1, 2, 3]);
    }
}
