//! JQL report: pages through a JQL search (`/rest/api/3/search/jql`, which
//! pages with `nextPageToken` rather than `startAt`) and counts the issues by
//! status and by assignee.
//!
//! Payload: `{"jql": "project = KILN", "pageSize": 50}` (both optional).
//! Result: `{"jql", "total", "pages", "byStatus": {name: n},
//! "byAssignee": {name|"Unassigned": n}}`.
//!
//! Scope: `read:jira-work`.

use std::collections::BTreeMap;

use kiln_sdk::prelude::*;
use serde::{Deserialize, Serialize};

/// The simulator's main project.
const DEFAULT_JQL: &str = "project = KILN ORDER BY key";
/// Small pages by default, so the example visibly pages.
const DEFAULT_PAGE_SIZE: u32 = 2;
/// A page cap so a search that never ends (a buggy or hostile server
/// repeating its token) cannot spend the whole request quota.
const MAX_PAGES: u32 = 50;
/// Jira's own cap when fields are returned.
const MAX_PAGE_SIZE: u32 = 100;

/// The label for issues without an assignee, as Jira's UI shows them.
const UNASSIGNED: &str = "Unassigned";

#[derive(Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
struct Input {
    jql: String,
    page_size: u32,
}

impl Default for Input {
    fn default() -> Self {
        Input {
            jql: DEFAULT_JQL.to_owned(),
            page_size: DEFAULT_PAGE_SIZE,
        }
    }
}

#[derive(Serialize, Default, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
struct Report {
    jql: String,
    total: u32,
    pages: u32,
    by_status: BTreeMap<String, u32>,
    by_assignee: BTreeMap<String, u32>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Page {
    issues: Vec<Issue>,
    #[serde(default)]
    next_page_token: Option<String>,
    #[serde(default)]
    is_last: Option<bool>,
}

#[derive(Deserialize)]
struct Issue {
    fields: Fields,
}

#[derive(Deserialize)]
struct Fields {
    status: Named,
    assignee: Option<Assignee>,
}

#[derive(Deserialize)]
struct Named {
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Assignee {
    display_name: String,
}

impl Report {
    fn count(&mut self, issue: &Issue) {
        self.total += 1;
        *self
            .by_status
            .entry(issue.fields.status.name.clone())
            .or_default() += 1;
        let assignee = issue
            .fields
            .assignee
            .as_ref()
            .map_or(UNASSIGNED, |a| a.display_name.as_str());
        *self.by_assignee.entry(assignee.to_owned()).or_default() += 1;
    }
}

#[kiln_sdk::handler]
fn report(input: Option<Input>) -> Result<Report, AppError> {
    let input = input.unwrap_or_default();
    if !(1..=MAX_PAGE_SIZE).contains(&input.page_size) {
        return Err(AppError::invalid_payload(format!(
            "pageSize must be 1 to {MAX_PAGE_SIZE}"
        )));
    }
    let mut report = Report {
        jql: input.jql.clone(),
        ..Report::default()
    };
    let mut token: Option<String> = None;
    loop {
        if report.pages == MAX_PAGES {
            return Err(AppError::failed(format!(
                "the search has more than {MAX_PAGES} pages; narrow the JQL or raise pageSize"
            )));
        }
        let mut request = as_user()
            .get(route!("/rest/api/3/search/jql"))
            .query("jql", input.jql.as_str())
            .query("fields", "status,assignee")
            .query("maxResults", input.page_size.to_string());
        if let Some(token) = &token {
            request = request.query("nextPageToken", token.as_str());
        }
        let page: Page = request.send()?.error_for_status()?.json()?;
        report.pages += 1;
        for issue in &page.issues {
            report.count(issue);
        }
        log::debug!("page {}: {} issues", report.pages, page.issues.len());
        match page.next_page_token {
            Some(next) if page.is_last != Some(true) && token.as_deref() != Some(next.as_str()) => {
                token = Some(next)
            }
            _ => break,
        }
    }
    Ok(report)
}

kiln_sdk::export_app!(report);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issues_are_counted_by_status_and_assignee() {
        let issues: Vec<Issue> = serde_json::from_value(serde_json::json!([
            { "fields": { "status": { "name": "Done" }, "assignee": { "displayName": "Alice" } } },
            { "fields": { "status": { "name": "Done" }, "assignee": null } },
        ]))
        .expect("issues");
        let mut report = Report::default();
        issues.iter().for_each(|issue| report.count(issue));
        assert_eq!(report.total, 2);
        assert_eq!(report.by_status, BTreeMap::from([("Done".to_owned(), 2)]));
        assert_eq!(
            report.by_assignee,
            BTreeMap::from([("Alice".to_owned(), 1), (UNASSIGNED.to_owned(), 1)])
        );
    }
}
