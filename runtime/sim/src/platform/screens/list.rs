//! `getScreens` (`GET /screens`): a page of the site's screens, filtered by id
//! (`id`, repeatable), name (`queryString`) and `scope`, ordered by `orderBy`;
//! and the query of the scheme lists, which filter and order alike
//! ([`SchemesQuery`]).

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::Json;
use axum::extract::{RawQuery, State};
use serde_json::Value;

use super::{administer, read_ids, screen_json};
use crate::access::Caller;
use crate::jira_error::JiraError;
use crate::platform::field_details::expands;
use crate::platform::order_direction;
use crate::platform::page::{PageParams, page_bean, with_query};
use crate::shared::Shared;
use crate::world::screen::ScreenRecord;

/// The spec's default page, and the largest served.
const PAGE: usize = 100;

/// The parameters that say which list is paged: `self` and `nextPage` keep them.
const LINKED: [&str; 4] = ["id", "queryString", "scope", "orderBy"];

/// What `orderBy` sorts by (screens and screen schemes alike).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum OrderField {
    Id,
    Name,
}

/// The parameters that say which scheme list is paged.
const SCHEME_LINKED: [&str; 4] = ["id", "queryString", "orderBy", "expand"];

/// The query of a list of schemes (`getScreenSchemes`,
/// `getIssueTypeScreenSchemes`): `id`s, a name part, an order and the list's
/// one expansion, read by hand so each bad value is Jira's `400`.
#[derive(Debug, Default)]
pub(super) struct SchemesQuery {
    pub(super) page: PageParams,
    ids: BTreeSet<u64>,
    /// `queryString`, lowercased: a case-insensitive partial match.
    name_part: String,
    pub(super) order: Option<(OrderField, bool)>,
    /// Whether `expand` names the list's expansion.
    pub(super) expand: bool,
    /// The parameters `self` and `nextPage` keep.
    pub(super) kept: Vec<(String, String)>,
}

impl SchemesQuery {
    /// Reads `raw`, where `expand` may name `expansion`.
    pub(super) fn parse(raw: &str, expansion: &str) -> Result<Self, JiraError> {
        let mut query = Self::default();
        for (key, value) in url::form_urlencoded::parse(raw.as_bytes()) {
            if query.page.read(&key, &value)? {
                continue;
            }
            match key.as_ref() {
                "id" => read_ids("id", &value, &mut query.ids)?,
                "queryString" => query.name_part = value.to_lowercase(),
                "orderBy" if !value.is_empty() => query.order = Some(order_by(&value)?),
                "expand" => query.expand |= expands(Some(&value), expansion),
                _ => {}
            }
            if SCHEME_LINKED.contains(&key.as_ref()) {
                query.kept.push((key.into_owned(), value.into_owned()));
            }
        }
        Ok(query)
    }

    /// Whether the scheme with this id and name is asked for.
    pub(super) fn admits(&self, id: u64, name: &str) -> bool {
        (self.ids.is_empty() || self.ids.contains(&id))
            && name.to_lowercase().contains(&self.name_part)
    }
}

/// A screen's scope, which `scope` filters by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Scope {
    /// Company-managed screens: every one of the site's.
    Global,
    /// Screens of templates, and of team-managed projects: the site has none.
    Template,
    Project,
}

/// `getScreens`' query, read by hand so each bad value is Jira's 400 naming it.
#[derive(Debug, Default)]
struct ScreensQuery {
    page: PageParams,
    /// `id`s asked for; none asks for every screen. Bounded by the request
    /// line's length, and each a number.
    ids: BTreeSet<u64>,
    /// `queryString`, lowercased: a case-insensitive partial match.
    name_part: String,
    scopes: BTreeSet<Scope>,
    order: Option<(OrderField, bool)>,
    kept: Vec<(String, String)>,
}

impl ScreensQuery {
    fn parse(raw: &str) -> Result<Self, JiraError> {
        let mut query = Self::default();
        for (key, value) in url::form_urlencoded::parse(raw.as_bytes()) {
            if query.page.read(&key, &value)? {
                continue;
            }
            match key.as_ref() {
                "id" => read_ids("id", &value, &mut query.ids)?,
                "queryString" => query.name_part = value.to_lowercase(),
                "scope" => {
                    for scope in value.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                        query.scopes.insert(parse_scope(scope)?);
                    }
                }
                "orderBy" if !value.is_empty() => query.order = Some(order_by(&value)?),
                _ => {}
            }
            if LINKED.contains(&key.as_ref()) {
                query.kept.push((key.into_owned(), value.into_owned()));
            }
        }
        Ok(query)
    }

    fn admits(&self, screen: &ScreenRecord) -> bool {
        let by_id = self.ids.is_empty() || self.ids.contains(&screen.id);
        let named = screen.name.to_lowercase().contains(&self.name_part);
        // Every screen of the site is global.
        let scoped = self.scopes.is_empty() || self.scopes.contains(&Scope::Global);
        by_id && named && scoped
    }
}

fn parse_scope(value: &str) -> Result<Scope, JiraError> {
    match value {
        "GLOBAL" => Ok(Scope::Global),
        "TEMPLATE" => Ok(Scope::Template),
        "PROJECT" => Ok(Scope::Project),
        _ => Err(JiraError::bad_request(format!(
            "The scope '{value}' is not valid. Valid values are: GLOBAL, TEMPLATE, PROJECT."
        ))),
    }
}

/// `id`, `-name`, `+id` …: the field and whether it descends.
pub(super) fn order_by(value: &str) -> Result<(OrderField, bool), JiraError> {
    let (field, descending) = order_direction::split(value);
    let field = match field {
        "id" => OrderField::Id,
        "name" => OrderField::Name,
        _ => {
            return Err(JiraError::bad_request(format!(
                "The orderBy value '{value}' is not valid. Valid values are: id, name \
                 (each optionally prefixed with '+' or '-')."
            )));
        }
    };
    Ok((field, descending))
}

/// Sorts `items` as `orderBy` asks, by the id and name `key` gives: by id when
/// it asks nothing (the site's order), names case-insensitively, ties by id.
pub(super) fn sort<T>(
    items: &mut [&T],
    order: Option<(OrderField, bool)>,
    key: impl Fn(&T) -> (u64, &str),
) {
    let (field, descending) = order.unwrap_or((OrderField::Id, false));
    match field {
        OrderField::Id => items.sort_by_key(|item| key(item).0),
        OrderField::Name => items.sort_by_key(|item| {
            let (id, name) = key(item);
            (name.to_lowercase(), id)
        }),
    }
    if descending {
        items.reverse();
    }
}

pub(crate) async fn screens(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, JiraError> {
    let query = ScreensQuery::parse(raw.as_deref().unwrap_or_default())?;
    let world = shared.world();
    administer(&world, &caller)?;
    let mut matching: Vec<&ScreenRecord> =
        world.screens.iter().filter(|s| query.admits(s)).collect();
    sort(&mut matching, query.order, |s| (s.id, &s.name));
    let window = query.page.window(PAGE, PAGE);
    let total = matching.len();
    let values = window.of(matching).map(screen_json).collect();
    let base = with_query(format!("{}/rest/api/3/screens", caller.links), &query.kept);
    Ok(Json(page_bean(&base, window, total, values)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_reads_every_filter_and_keeps_them_for_the_links() {
        let query = ScreensQuery::parse(
            "id=1&id=2,3&queryString=DEF%C3%9F&scope=GLOBAL&scope=PROJECT&orderBy=-name&other=x",
        )
        .unwrap_or_default();
        assert_eq!(query.ids, BTreeSet::from([1, 2, 3]));
        assert_eq!(query.name_part, "defß");
        assert_eq!(
            query.scopes,
            BTreeSet::from([Scope::Global, Scope::Project])
        );
        assert_eq!(query.order, Some((OrderField::Name, true)));
        let kept: Vec<&str> = query.kept.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            kept,
            ["id", "id", "queryString", "scope", "scope", "orderBy"]
        );
    }

    #[test]
    fn the_scheme_query_reads_its_filters_and_expand() {
        let query = SchemesQuery::parse(
            "id=1,10000&queryString=Emp&orderBy=-name&expand=issueTypeScreenSchemes&x=y",
            "issueTypeScreenSchemes",
        )
        .unwrap_or_default();
        assert_eq!(query.ids, BTreeSet::from([1, 10_000]));
        assert_eq!(query.name_part, "emp");
        assert_eq!(query.order, Some((OrderField::Name, true)));
        assert!(query.expand);
        assert_eq!(query.kept.len(), 4);
        assert!(query.admits(10_000, "Employee scheme") && !query.admits(2, "Employee"));
        let other = SchemesQuery::parse("expand=issueTypeScreenSchemes", "projects");
        assert!(!other.unwrap_or_default().expand);
        for raw in ["id=x", "orderBy=created", "startAt=-1", "maxResults=y"] {
            assert!(SchemesQuery::parse(raw, "projects").is_err(), "{raw}");
        }
    }

    #[test]
    fn bad_values_are_refused() {
        for raw in [
            "startAt=-1",
            "maxResults=x",
            "id=one",
            "id=99999999999999999999999",
            "scope=global",
            "scope=TEAM",
            "orderBy=created",
        ] {
            let refused = ScreensQuery::parse(raw).err();
            assert_eq!(
                refused.map(|e| e.status()),
                Some(axum::http::StatusCode::BAD_REQUEST),
                "{raw}"
            );
        }
    }
}
