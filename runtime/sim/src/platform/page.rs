//! Offset paging of platform lists (`?startAt=&maxResults=`): one reading of the
//! query and two response shapes, so every list pages by the same rule.
//!
//! Jira has two kinds of offset-paged list. The older ones (comments, worklogs)
//! answer `{"startAt", "maxResults", "total", "<items>": [...]}` and take
//! `maxResults=0` as "no items"; the `PageBean` ones (labels, webhooks, project
//! search) add `self`, `isLast` and `nextPage`, and return at least one item per
//! page. Each list keeps its own default and cap, as its OpenAPI operation says.

use serde::Deserialize;
use serde_json::{Value, json};

use crate::extract::query_count;
use crate::jira_error::JiraError;

/// The `startAt` and `maxResults` query parameters of a paged list.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PageQuery {
    start_at: Option<usize>,
    max_results: Option<usize>,
}

/// Where a page starts and how many items it holds at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Window {
    pub(crate) start: usize,
    pub(crate) max: usize,
}

impl PageQuery {
    /// The window asked for: `maxResults` defaults to `default` and is capped at
    /// `cap`; `0` stays `0`, as the older lists allow.
    pub(crate) fn window(&self, default: usize, cap: usize) -> Window {
        Window::new(self.start_at, self.max_results, default, cap)
    }

    /// The window of a `PageBean` list: as [`Self::window`], but at least one item.
    pub(crate) fn bean_window(&self, default: usize, cap: usize) -> Window {
        let window = self.window(default, cap);
        Window {
            max: window.max.max(1),
            ..window
        }
    }
}

/// `startAt` and `maxResults` of a `PageBean` list whose query is read by hand
/// (repeated keys, filters refused in order): each must be a count, else
/// Jira's 400 naming it.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PageParams {
    pub(crate) start_at: Option<usize>,
    pub(crate) max_results: Option<usize>,
}

impl PageParams {
    /// Takes `key=value` if it is one of the two (`true`), refusing a value
    /// that is not a count; `false` for any other key.
    pub(crate) fn read(&mut self, key: &str, value: &str) -> Result<bool, JiraError> {
        match key {
            "startAt" => self.start_at = Some(query_count("startAt", value.trim())?),
            "maxResults" => self.max_results = Some(query_count("maxResults", value.trim())?),
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// The page's window: [`Window::bean`].
    pub(crate) fn window(self, default: usize, cap: usize) -> Window {
        Window::bean(self.start_at, self.max_results, default, cap)
    }
}

impl Window {
    /// A window from parameters read elsewhere (a query with other fields).
    pub(crate) fn new(
        start_at: Option<usize>,
        max_results: Option<usize>,
        default: usize,
        cap: usize,
    ) -> Self {
        Self {
            start: start_at.unwrap_or(0),
            max: max_results.unwrap_or(default).min(cap),
        }
    }

    /// The window of a `PageBean` list whose query is read by hand (beside other
    /// parameters): as [`Self::new`], but at least one item, as
    /// [`PageQuery::bean_window`].
    pub(crate) fn bean(
        start_at: Option<usize>,
        max_results: Option<usize>,
        default: usize,
        cap: usize,
    ) -> Self {
        let window = Self::new(start_at, max_results, default, cap);
        Self {
            max: window.max.max(1),
            ..window
        }
    }

    /// The items of `all` inside the window.
    pub(crate) fn of<I: IntoIterator>(self, all: I) -> impl Iterator<Item = I::Item> {
        all.into_iter().skip(self.start).take(self.max)
    }

    /// Where the next page starts (saturating: `startAt` is the caller's number).
    fn next(self) -> usize {
        self.start.saturating_add(self.max)
    }
}

/// An older list's page: `{"startAt", "maxResults", "total", "<items>": values}`.
pub(crate) fn offset_page(window: Window, total: usize, items: &str, values: Vec<Value>) -> Value {
    json!({
        "startAt": window.start,
        "maxResults": window.max,
        "total": total,
        items: values,
    })
}

/// A `PageBean`: the page's `values` with its `self` link under `base` and, unless
/// it is the last, a `nextPage` link. `base` may carry a query of its own (what
/// the list is of, `?groupId=…`), which the links keep.
pub(crate) fn page_bean(base: &str, window: Window, total: usize, values: Vec<Value>) -> Value {
    let Window { start, max } = window;
    let is_last = window.next() >= total;
    let sep = if base.contains('?') { '&' } else { '?' };
    let mut page = json!({
        "self": format!("{base}{sep}startAt={start}&maxResults={max}"),
        "startAt": start,
        "maxResults": max,
        "total": total,
        "isLast": is_last,
        "values": values,
    });
    if !is_last {
        page["nextPage"] = json!(format!(
            "{base}{sep}startAt={}&maxResults={max}",
            window.next()
        ));
    }
    page
}

/// `base` with the query parameters that say which list a page is of (its
/// filters, not where it starts), for [`page_bean`]'s `self` and `nextPage`.
pub(crate) fn with_query(base: String, kept: &[(String, String)]) -> String {
    if kept.is_empty() {
        return base;
    }
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(kept)
        .finish();
    format!("{base}?{query}")
}

/// The `PageBean` of the window's part of `all`.
pub(crate) fn bean_of(base: &str, window: Window, all: Vec<Value>) -> Value {
    let total = all.len();
    let values = window.of(all).collect();
    page_bean(base, window, total, values)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(start_at: Option<usize>, max_results: Option<usize>) -> PageQuery {
        PageQuery {
            start_at,
            max_results,
        }
    }

    #[test]
    fn windows_default_cap_and_keep_or_lift_zero() {
        assert_eq!(
            query(None, None).window(50, 100),
            Window { start: 0, max: 50 }
        );
        assert_eq!(
            query(Some(7), Some(500)).window(50, 100),
            Window { start: 7, max: 100 }
        );
        assert_eq!(query(None, Some(0)).window(50, 100).max, 0);
        assert_eq!(query(None, Some(0)).bean_window(50, 100).max, 1);
    }

    #[test]
    fn a_page_bean_links_the_next_page_until_the_last() {
        let first = page_bean(
            "b",
            Window { start: 0, max: 2 },
            3,
            vec![json!(1), json!(2)],
        );
        assert_eq!(first["isLast"], false);
        assert_eq!(first["nextPage"], "b?startAt=2&maxResults=2");
        let last = page_bean("b", Window { start: 2, max: 2 }, 3, vec![json!(3)]);
        assert_eq!(last["isLast"], true);
        assert!(last.get("nextPage").is_none());
        let far = page_bean(
            "b",
            Window {
                start: usize::MAX,
                max: 2,
            },
            3,
            vec![],
        );
        assert_eq!(far["isLast"], true);
    }
}
