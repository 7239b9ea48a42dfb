//! `getFiltersPaginated` (`GET /rest/api/3/filter/search`): the filters the
//! caller may see, narrowed by the query, as a `PageBeanFilterDetails`.
//!
//! Parameters: `filterName` (with `isSubstringMatch=true` a case-insensitive
//! substring of the name; otherwise, standing for Jira's full-text match, each
//! of its words must begin a word of the name), `accountId` (the owner), `id`
//! (repeatable, at most 200), `projectId` (shared with that project),
//! `groupname`/`groupId` (the simulator has no groups, so these match no
//! filter), `orderBy`, `startAt`, `maxResults` (default 50, at most 100) and
//! `expand` (the `FilterDetails` fields to add). The deprecated `owner` (a user
//! name) is refused: Jira Cloud users have none. `overrideSharePermissions` is
//! ignored. The spec's 400s: `owner` with `accountId`, `groupname` with
//! `groupId`, an unknown `expand` or `orderBy` value, more than 200 ids.

use std::cmp::Ordering;
use std::sync::Arc;

use axum::Json;
use axum::extract::{RawQuery, State};
use serde_json::Value;

use super::super::page::{Window, page_bean};
use super::render::{self, DETAILS_EXPANSIONS};
use super::view;
use crate::access::Caller;
use crate::extract::query_number as number;
use crate::jira_error::JiraError;
use crate::platform::shared_entity_query::OwnerAndGroups;
use crate::shared::Shared;
use crate::world::filter::{FilterRecord, ShareTarget};

const DEFAULT_PAGE: usize = 50;
const MAX_PAGE: usize = 100;
/// The spec's bound on `id`.
const MAX_IDS: usize = 200;

/// What a page is ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OrderField {
    Description,
    FavouriteCount,
    Id,
    IsFavourite,
    Name,
    Owner,
    IsShared,
}

/// The query, read by hand because `id` repeats.
#[derive(Debug, Default)]
struct SearchQuery {
    filter_name: Option<String>,
    substring: bool,
    account_id: Option<String>,
    owner: Option<String>,
    group_name: Option<String>,
    group_id: Option<String>,
    project_id: Option<String>,
    ids: Vec<u64>,
    order: Option<(OrderField, bool)>,
    start_at: Option<usize>,
    max_results: Option<usize>,
    expand: Vec<String>,
}

impl SearchQuery {
    fn parse(raw: Option<&str>) -> Result<Self, JiraError> {
        let mut query = Self::default();
        for (key, value) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
            let nonempty = (!value.is_empty()).then(|| value.clone().into_owned());
            match key.as_ref() {
                "filterName" => query.filter_name = nonempty,
                "isSubstringMatch" => query.substring = value.eq_ignore_ascii_case("true"),
                "accountId" => query.account_id = nonempty,
                "owner" => query.owner = nonempty,
                "groupname" => query.group_name = nonempty,
                "groupId" => query.group_id = nonempty,
                "projectId" if !value.is_empty() => {
                    query.project_id = Some(number::<u64>("projectId", &value)?.to_string());
                }
                "id" => {
                    let id = number::<u64>("id", &value)?;
                    if !query.ids.contains(&id) {
                        query.ids.push(id);
                    }
                }
                "orderBy" => query.order = Some(order_by(&value)?),
                "startAt" => query.start_at = Some(number("startAt", &value)?),
                "maxResults" => query.max_results = Some(number("maxResults", &value)?),
                "expand" => {
                    for item in value.split(',').map(str::trim).filter(|i| !i.is_empty()) {
                        if !DETAILS_EXPANSIONS.contains(&item) {
                            return Err(JiraError::bad_request(format!(
                                "The expand value '{item}' is not valid. Valid values are: {}.",
                                DETAILS_EXPANSIONS.join(", ")
                            )));
                        }
                        query.expand.push(item.to_owned());
                    }
                }
                _ => {}
            }
        }
        OwnerAndGroups {
            owner: query.owner.is_some(),
            account_id: query.account_id.is_some(),
            group_name: query.group_name.is_some(),
            group_id: query.group_id.is_some(),
        }
        .check()?;
        if query.ids.len() > MAX_IDS {
            return Err(JiraError::bad_request(format!(
                "At most {MAX_IDS} filter ids may be given."
            )));
        }
        Ok(query)
    }

    /// Whether `filter` matches every restriction given.
    fn wants(&self, filter: &FilterRecord) -> bool {
        let named = self
            .filter_name
            .as_deref()
            .is_none_or(|wanted| name_matches(&filter.name, wanted, self.substring));
        let owned = self
            .account_id
            .as_deref()
            .is_none_or(|owner| filter.owner == owner);
        let with_id = self.ids.is_empty() || self.ids.contains(&filter.id);
        let in_project = self.project_id.as_deref().is_none_or(|project| {
            filter
                .shares
                .iter()
                .any(|s| s.target == ShareTarget::Project(project.to_owned()))
        });
        // No filter is shared with a group: the simulator has none.
        let in_group = self.group_name.is_none() && self.group_id.is_none();
        named && owned && with_id && in_project && in_group
    }
}

/// `name`, `-name`, `+name` …: the field and whether it descends.
fn order_by(value: &str) -> Result<(OrderField, bool), JiraError> {
    let (field, descending) = crate::platform::order_direction::split(value);
    let field = match field {
        "description" => OrderField::Description,
        "favourite_count" => OrderField::FavouriteCount,
        "id" => OrderField::Id,
        "is_favourite" => OrderField::IsFavourite,
        "name" => OrderField::Name,
        "owner" => OrderField::Owner,
        "is_shared" => OrderField::IsShared,
        _ => {
            return Err(JiraError::bad_request(format!(
                "The orderBy value '{value}' is not valid. Valid values are: description, \
                 favourite_count, id, is_favourite, name, owner, is_shared (each optionally \
                 prefixed with '+' or '-')."
            )));
        }
    };
    Ok((field, descending))
}

/// Whether the filter name `name` matches `wanted`: as a substring, or with each
/// word of `wanted` beginning a word of `name`; both without regard to case.
fn name_matches(name: &str, wanted: &str, substring: bool) -> bool {
    let name = name.to_lowercase();
    let wanted = wanted.to_lowercase();
    if substring {
        return name.contains(&wanted);
    }
    let words: Vec<&str> = name
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    wanted
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .all(|part| words.iter().any(|word| word.starts_with(part)))
}

/// `getFiltersPaginated`.
pub(crate) async fn search(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, JiraError> {
    let query = SearchQuery::parse(raw.as_deref())?;
    let world = shared.world();
    let me = caller.account_id.as_str();
    let mut found: Vec<&FilterRecord> = world
        .filters
        .all
        .iter()
        .filter(|f| f.visible_to(&world, me) && query.wants(f))
        .collect();
    let (field, descending) = query.order.unwrap_or((OrderField::Name, false));
    found.sort_by(|a, b| {
        let ordering = compare(field, a, b, me);
        let ordering = if descending {
            ordering.reverse()
        } else {
            ordering
        };
        ordering.then(a.id.cmp(&b.id))
    });
    let window = Window::new(query.start_at, query.max_results, DEFAULT_PAGE, MAX_PAGE);
    let window = Window {
        max: window.max.max(1),
        ..window
    };
    let view = view(&shared, &world, &caller);
    let expand: Vec<&str> = query.expand.iter().map(String::as_str).collect();
    let values: Vec<Value> = window
        .of(&found)
        .map(|f| render::details(view, f, &expand))
        .collect();
    Ok(Json(page_bean(
        &format!("{}/rest/api/3/filter/search", caller.links),
        window,
        found.len(),
        values,
    )))
}

fn compare(field: OrderField, a: &FilterRecord, b: &FilterRecord, viewer: &str) -> Ordering {
    let text = |s: &Option<String>| s.as_deref().unwrap_or_default().to_lowercase();
    match field {
        OrderField::Description => text(&a.description).cmp(&text(&b.description)),
        OrderField::FavouriteCount => a.favourited_by.len().cmp(&b.favourited_by.len()),
        OrderField::Id => a.id.cmp(&b.id),
        OrderField::IsFavourite => a.is_favourite_of(viewer).cmp(&b.is_favourite_of(viewer)),
        OrderField::Name => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
        OrderField::Owner => a.owner.cmp(&b.owner),
        OrderField::IsShared => a.is_shared().cmp(&b.is_shared()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_by_word_prefix_or_substring() {
        assert!(name_matches("My open bugs", "OPEN bu", false));
        assert!(!name_matches("My open bugs", "pen", false));
        assert!(name_matches("My open bugs", "pen", true));
        assert!(name_matches("anything", "", false));
    }

    #[test]
    fn the_query_refuses_what_the_spec_refuses() {
        for bad in [
            "owner=bob&accountId=1",
            "owner=bob",
            "groupname=a&groupId=b",
            "orderBy=colour",
            "expand=colour",
            "startAt=-1",
            "id=x",
        ] {
            assert!(SearchQuery::parse(Some(bad)).is_err(), "{bad}");
        }
        let query = SearchQuery::parse(Some(
            "id=10000&id=10001&id=10000&orderBy=-favourite_count&expand=jql,owner",
        ))
        .expect("valid");
        assert_eq!(query.ids, [10_000, 10_001]);
        assert_eq!(query.order, Some((OrderField::FavouriteCount, true)));
        assert_eq!(query.expand, ["jql", "owner"]);
        let too_many: String = (0..=MAX_IDS).map(|n| format!("id={n}&")).collect();
        assert!(SearchQuery::parse(Some(&too_many)).is_err());
    }
}
