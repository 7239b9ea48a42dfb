//! `searchWorkflows` (`GET /workflows/search`): a page of the workflows the
//! caller may read, filtered by name (`queryString`), `scope` and `isActive`,
//! ordered by `orderBy`, with the statuses the page's workflows reference.

use std::sync::Arc;

use axum::Json;
use axum::extract::{RawQuery, State};
use serde_json::{Value, json};

use super::render::{self, Transitions};
use super::{is_active, reader};
use crate::access::Caller;
use crate::jira_error::JiraError;
use crate::platform::field_details::expands;
use crate::platform::order_direction;
use crate::platform::page::{PageParams, page_bean, with_query};
use crate::shared::Shared;
use crate::world::site_workflows::{Scope as WorkflowScope, WorkflowRecord};

/// The page size when `maxResults` is not given (the spec's example pages by
/// 50), and the largest served: the spec gives no cap, and a smaller one is the
/// safer guess for an app that must follow `nextPage` on a real site anyway.
const PAGE: usize = 50;

/// The expansion that adds each workflow's transitions.
const EXPAND_TRANSITIONS: &str = "values.transitions";

/// The parameters that say which list is paged (not where the page starts):
/// `self` and `nextPage` carry them on.
const LINKED: [&str; 5] = ["expand", "queryString", "orderBy", "scope", "isActive"];

/// The field `orderBy` sorts by. The site's own workflow has no creation or
/// update time: it sorts before the workflows apps made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OrderField {
    Name,
    Created,
    Updated,
}

/// The workflows' scope, which `scope` filters by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// Company-managed projects' workflows.
    Global,
    /// Team-managed projects' own workflows.
    Project,
}

/// `searchWorkflows`' query, read by hand so that each bad value is Jira's 400
/// naming it.
#[derive(Debug, Default)]
struct SearchQuery {
    page: PageParams,
    transitions: bool,
    /// `queryString`, lowercased: a case-insensitive partial match.
    name_part: String,
    order: Option<(OrderField, bool)>,
    scope: Option<Scope>,
    is_active: Option<bool>,
    /// The filters and expansions as given, which `self` and `nextPage` keep so
    /// that the next page is of the same list.
    kept: Vec<(String, String)>,
}

impl SearchQuery {
    fn parse(raw: &str) -> Result<Self, JiraError> {
        let mut query = Self::default();
        for (key, value) in url::form_urlencoded::parse(raw.as_bytes()) {
            if query.page.read(&key, &value)? {
                continue;
            }
            match key.as_ref() {
                "expand" => {
                    // Unknown expansions are ignored, as Jira ignores them.
                    query.transitions |= expands(Some(&value), EXPAND_TRANSITIONS);
                }
                "queryString" => query.name_part = value.to_lowercase(),
                "orderBy" if !value.is_empty() => query.order = Some(order_by(&value)?),
                "scope" if !value.is_empty() => query.scope = Some(scope(&value)?),
                "isActive" if !value.is_empty() => query.is_active = Some(boolean(&value)?),
                _ => {}
            }
            if LINKED.contains(&key.as_ref()) {
                query.kept.push((key.into_owned(), value.into_owned()));
            }
        }
        Ok(query)
    }

    /// Whether `workflow` is in the list asked for, given whether it is active.
    fn admits(&self, workflow: &WorkflowRecord, active: bool) -> bool {
        let named = workflow.name.to_lowercase().contains(&self.name_part);
        let scope = match workflow.scope {
            WorkflowScope::Global => Scope::Global,
            WorkflowScope::Project(_) => Scope::Project,
        };
        let scoped = self.scope.is_none_or(|s| s == scope);
        let activity = self.is_active.is_none_or(|wanted| wanted == active);
        named && scoped && activity
    }
}

/// `name`, `-created`, `+updated` …: the field and whether it descends.
fn order_by(value: &str) -> Result<(OrderField, bool), JiraError> {
    let (field, descending) = order_direction::split(value);
    let field = match field {
        "name" => OrderField::Name,
        "created" => OrderField::Created,
        "updated" => OrderField::Updated,
        _ => {
            return Err(JiraError::bad_request(format!(
                "The orderBy value '{value}' is not valid. Valid values are: name, created, \
                 updated (each optionally prefixed with '+' or '-')."
            )));
        }
    };
    Ok((field, descending))
}

/// `scope`: `GLOBAL` or `PROJECT`, in any case.
fn scope(value: &str) -> Result<Scope, JiraError> {
    if value.eq_ignore_ascii_case("GLOBAL") {
        Ok(Scope::Global)
    } else if value.eq_ignore_ascii_case("PROJECT") {
        Ok(Scope::Project)
    } else {
        Err(JiraError::bad_request(format!(
            "The scope '{value}' is not valid: it must be GLOBAL or PROJECT."
        )))
    }
}

/// A boolean query parameter, as Jira reads one: `true` or `false`, in any case.
fn boolean(value: &str) -> Result<bool, JiraError> {
    if value.eq_ignore_ascii_case("true") {
        Ok(true)
    } else if value.eq_ignore_ascii_case("false") {
        Ok(false)
    } else {
        Err(JiraError::bad_request(format!(
            "The value '{value}' of 'isActive' is not a boolean."
        )))
    }
}

pub(crate) async fn search(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, JiraError> {
    let query = SearchQuery::parse(raw.as_deref().unwrap_or_default())?;
    let world = shared.world();
    let reader = reader(&world, &caller)?;
    let mut matching: Vec<&WorkflowRecord> = world
        .workflows
        .workflows
        .iter()
        .filter(|w| reader.sees(&world, &caller.account_id, w))
        .filter(|w| query.admits(w, is_active(&world, w)))
        .collect();
    // Ties keep the site's order, whichever way they are asked for (a stable
    // sort, reversed by key rather than by list).
    match query.order {
        Some((OrderField::Name, descending)) => {
            matching.sort_by(|a, b| {
                let order = a.name.to_lowercase().cmp(&b.name.to_lowercase());
                if descending { order.reverse() } else { order }
            });
        }
        Some((field, descending)) => {
            matching.sort_by(|a, b| {
                let at = |w: &WorkflowRecord| match field {
                    OrderField::Created => w.created,
                    _ => w.updated,
                };
                let order = at(a).cmp(&at(b));
                if descending { order.reverse() } else { order }
            });
        }
        None => {}
    }

    let window = query.page.window(PAGE, PAGE);
    let total = matching.len();
    let page: Vec<&WorkflowRecord> = window.of(matching).collect();
    let transitions = if query.transitions {
        Transitions::Included
    } else {
        Transitions::Omitted
    };
    let values = page
        .iter()
        .map(|w| render::workflow(w, transitions))
        .collect();
    let base = with_query(
        format!("{}/rest/api/3/workflows/search", caller.links),
        &query.kept,
    );
    let mut body = page_bean(&base, window, total, values);
    body["statuses"] = json!(render::statuses(&world.workflows, &page));
    Ok(Json(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_reads_every_filter_and_keeps_them_for_the_links() {
        let query = SearchQuery::parse(
            "startAt=0&maxResults=5&expand=values.usages,%20values.transitions\
             &queryString=SOFT%C3%9F&orderBy=-name&scope=global&isActive=TRUE&other=1",
        );
        let query = query.unwrap_or_default();
        assert_eq!(query.page.max_results, Some(5));
        assert!(query.transitions);
        assert_eq!(query.name_part, "softß");
        assert_eq!(query.order, Some((OrderField::Name, true)));
        assert_eq!(query.scope, Some(Scope::Global));
        assert_eq!(query.is_active, Some(true));
        let kept: Vec<&str> = query.kept.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            kept,
            ["expand", "queryString", "orderBy", "scope", "isActive"]
        );
    }

    #[test]
    fn bad_values_are_refused() {
        for raw in [
            "startAt=-1",
            "maxResults=-5",
            "maxResults=99999999999999999999999",
            "startAt=x",
            "orderBy=key",
            "scope=TEAM",
            "isActive=yes",
        ] {
            let refused = SearchQuery::parse(raw).err();
            assert_eq!(
                refused.map(|e| e.status()),
                Some(axum::http::StatusCode::BAD_REQUEST),
                "{raw}"
            );
        }
    }
}
