//! `getScreensForField` (`GET /field/{fieldId}/screens`): a page of the
//! screens that hold a field, each a `ScreenWithTab`, with the tab holding it
//! when `expand=tab` asks.
//!
//! Read-only over the screens model (`world/screen.rs`); *Administer Jira*, as
//! the spec says. The spec documents no `404`: a field no screen holds, or
//! that does not exist, is an empty page.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use serde::Deserialize;
use serde_json::Value;

use super::{administer, screen_json, tab_json};
use crate::access::Caller;
use crate::jira_error::JiraError;
use crate::platform::field_details::expands;
use crate::platform::page::{PageParams, page_bean, with_query};
use crate::shared::Shared;

/// The spec's default page, and the largest served (as `getScreens`').
const PAGE: usize = 100;

/// The `{fieldId}` of the route; named so the gateway's extra `cloud_id` is
/// ignored.
#[derive(Deserialize)]
pub(crate) struct FieldPath {
    field_id: String,
}

/// The query, read by hand so a bad page value is Jira's `400` naming it.
#[derive(Debug, Default)]
struct ForFieldQuery {
    page: PageParams,
    /// Whether `expand` names `tab`.
    tab: bool,
    /// `expand`, kept for the page's `self` and `nextPage`.
    kept: Vec<(String, String)>,
}

impl ForFieldQuery {
    fn parse(raw: &str) -> Result<Self, JiraError> {
        let mut query = Self::default();
        for (key, value) in url::form_urlencoded::parse(raw.as_bytes()) {
            if query.page.read(&key, &value)? {
                continue;
            }
            if key == "expand" {
                query.tab |= expands(Some(&value), "tab");
                query.kept.push((key.into_owned(), value.into_owned()));
            }
        }
        Ok(query)
    }
}

/// `GET /field/{fieldId}/screens`: the screens holding the field, by id. A
/// field is on a screen at most once, on one tab (`tabs.rs`), so each screen
/// is listed once, with that tab.
pub(crate) async fn screens_for_field(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<FieldPath>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, JiraError> {
    let query = ForFieldQuery::parse(raw.as_deref().unwrap_or_default())?;
    let world = shared.world();
    administer(&world, &caller)?;
    let mut holding: Vec<_> = world
        .screens
        .iter()
        .filter_map(|screen| {
            let tab = screen
                .tabs
                .iter()
                .find(|tab| tab.fields.contains(&path.field_id))?;
            Some((screen, tab))
        })
        .collect();
    holding.sort_by_key(|(screen, _)| screen.id);
    let window = query.page.window(PAGE, PAGE);
    let total = holding.len();
    let values = window
        .of(holding)
        .map(|(screen, tab)| {
            let mut value = screen_json(screen);
            if query.tab {
                value["tab"] = tab_json(tab);
            }
            value
        })
        .collect();
    let base = with_query(
        format!(
            "{}/rest/api/3/field/{}/screens",
            caller.links,
            url::form_urlencoded::byte_serialize(path.field_id.as_bytes()).collect::<String>()
        ),
        &query.kept,
    );
    Ok(Json(page_bean(&base, window, total, values)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expand_tab_is_read_among_other_items() {
        let query = ForFieldQuery::parse("expand=foo,%20tab&startAt=2").unwrap_or_default();
        assert!(query.tab);
        assert_eq!(query.page.start_at, Some(2));
        assert!(!ForFieldQuery::parse("expand=tabs").unwrap_or_default().tab);
    }

    #[test]
    fn bad_page_values_are_refused() {
        for raw in [
            "startAt=-1",
            "maxResults=x",
            "maxResults=99999999999999999999",
        ] {
            let refused = ForFieldQuery::parse(raw).err();
            assert_eq!(
                refused.map(|e| e.status()),
                Some(axum::http::StatusCode::BAD_REQUEST),
                "{raw}"
            );
        }
    }
}
