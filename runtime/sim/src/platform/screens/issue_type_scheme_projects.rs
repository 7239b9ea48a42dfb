//! The projects using issue type screen schemes
//! (`world/issue_type_screen_scheme.rs`):
//! `getIssueTypeScreenSchemeProjectAssociations` and
//! `assignIssueTypeScreenSchemeToProject` (`GET`/`PUT
//! /issuetypescreenscheme/project`), and `getProjectsForIssueTypeScreenScheme`
//! (`GET /issuetypescreenscheme/{issueTypeScreenSchemeId}/project`).
//!
//! *Administer Jira*, as the spec says. A project uses the Default Issue Type
//! Screen Scheme until it is assigned another; from then on its creates and
//! edits use the screens that scheme maps its issue types to. Jira assigns
//! schemes only to company-managed (classic) projects; every project of the
//! simulated site is one, so its refusal of a team-managed project never
//! arises.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::issue_type_schemes::{
    MAX_PAGE, PAGE, SchemePath, administer, issue_type_screen_scheme_json, scheme_index,
    scheme_missing,
};
use super::{BodyId, read_ids};
use crate::access::Caller;
use crate::extract::JiraJson;
use crate::jira_error::JiraError;
use crate::platform::page::{PageParams, page_bean, with_query};
use crate::platform::render::project_summary;
use crate::shared::Shared;

/// `getIssueTypeScreenSchemeProjectAssociations`' query.
#[derive(Debug, Default)]
struct AssociationsQuery {
    page: PageParams,
    /// The `projectId`s asked for: required.
    project_ids: BTreeSet<u64>,
    kept: Vec<(String, String)>,
}

impl AssociationsQuery {
    fn parse(raw: &str) -> Result<Self, JiraError> {
        let mut query = Self::default();
        for (key, value) in url::form_urlencoded::parse(raw.as_bytes()) {
            if query.page.read(&key, &value)? {
                continue;
            }
            if key == "projectId" {
                read_ids("projectId", &value, &mut query.project_ids)?;
                query.kept.push((key.into_owned(), value.into_owned()));
            }
        }
        if query.project_ids.is_empty() {
            return Err(JiraError::bad_request("The projectId must be provided."));
        }
        Ok(query)
    }
}

/// `GET /issuetypescreenscheme/project`: a page of
/// `IssueTypeScreenSchemesProjects`, one per scheme the asked projects use
/// (by scheme id), each with those of the asked projects using it. Ids that
/// name no project are left out.
pub(crate) async fn associations(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, JiraError> {
    let query = AssociationsQuery::parse(raw.as_deref().unwrap_or_default())?;
    let world = shared.world();
    administer(&world, &caller)?;
    let mut by_scheme: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    for id in &query.project_ids {
        let id = id.to_string();
        if world.projects.iter().any(|p| p.id == id) {
            let scheme = world.issue_type_screen_schemes.scheme_id_of(&id);
            by_scheme.entry(scheme).or_default().push(id);
        }
    }
    let items: Vec<Value> = by_scheme
        .into_iter()
        .filter_map(|(scheme, project_ids)| {
            let scheme = world.issue_type_screen_schemes.get(scheme)?;
            Some(json!({
                "issueTypeScreenScheme": issue_type_screen_scheme_json(scheme),
                "projectIds": project_ids,
            }))
        })
        .collect();
    let window = query.page.window(PAGE, MAX_PAGE);
    let total = items.len();
    let values = window.of(items).collect();
    let base = with_query(
        format!("{}/rest/api/3/issuetypescreenscheme/project", caller.links),
        &query.kept,
    );
    Ok(Json(page_bean(&base, window, total, values)))
}

/// `IssueTypeScreenSchemeProjectAssociation`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Association {
    issue_type_screen_scheme_id: Option<BodyId>,
    project_id: Option<BodyId>,
}

/// `PUT /issuetypescreenscheme/project`: `204`. Both ids are required
/// (`400`); an unknown scheme or project is the spec's `404`.
pub(crate) async fn assign(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraJson(input): JiraJson<Association>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    administer(&world, &caller)?;
    let scheme = input
        .issue_type_screen_scheme_id
        .as_ref()
        .ok_or_else(|| JiraError::bad_request("The issueTypeScreenSchemeId must be provided."))?;
    let project = input
        .project_id
        .as_ref()
        .ok_or_else(|| JiraError::bad_request("The projectId must be provided."))?;
    let scheme = scheme
        .id()
        .filter(|id| world.issue_type_screen_schemes.get(*id).is_some())
        .ok_or_else(scheme_missing)?;
    let project = project.text();
    if !world.projects.iter().any(|p| p.id == project) {
        return Err(JiraError::not_found("The project was not found."));
    }
    world.issue_type_screen_schemes.assign(&project, scheme);
    Ok(StatusCode::NO_CONTENT)
}

/// `getProjectsForIssueTypeScreenScheme`' query.
#[derive(Debug, Default)]
struct ProjectsQuery {
    page: PageParams,
    /// `query`, lowercased: a case-insensitive partial match with a project's
    /// name or key.
    text: String,
    kept: Vec<(String, String)>,
}

impl ProjectsQuery {
    fn parse(raw: &str) -> Result<Self, JiraError> {
        let mut query = Self::default();
        for (key, value) in url::form_urlencoded::parse(raw.as_bytes()) {
            if query.page.read(&key, &value)? {
                continue;
            }
            if key == "query" {
                query.text = value.to_lowercase();
                query.kept.push((key.into_owned(), value.into_owned()));
            }
        }
        Ok(query)
    }
}

/// `GET /issuetypescreenscheme/{issueTypeScreenSchemeId}/project`: a page of
/// the `ProjectDetails` of the projects using the scheme, in the site's
/// project order.
pub(crate) async fn projects(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<SchemePath>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, JiraError> {
    let query = ProjectsQuery::parse(raw.as_deref().unwrap_or_default())?;
    let world = shared.world();
    administer(&world, &caller)?;
    let index = scheme_index(&world, &path.scheme_id)?;
    let id = world.issue_type_screen_schemes.schemes[index].id;
    let using: Vec<_> = world
        .projects_using_issue_type_screen_scheme(id)
        .filter(|p| {
            p.name.to_lowercase().contains(&query.text)
                || p.key.to_lowercase().contains(&query.text)
        })
        .collect();
    let window = query.page.window(PAGE, MAX_PAGE);
    let total = using.len();
    let values = window
        .of(using)
        .map(|p| project_summary(&caller.links, p))
        .collect();
    let base = with_query(
        format!(
            "{}/rest/api/3/issuetypescreenscheme/{id}/project",
            caller.links
        ),
        &query.kept,
    );
    Ok(Json(page_bean(&base, window, total, values)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_associations_need_a_project_id() {
        let query = AssociationsQuery::parse("projectId=10000&projectId=10001,10002&startAt=1")
            .unwrap_or_default();
        assert_eq!(query.project_ids, BTreeSet::from([10_000, 10_001, 10_002]));
        assert_eq!(query.page.start_at, Some(1));
        for raw in [
            "",
            "startAt=0",
            "projectId=KILN",
            "projectId=1&maxResults=-1",
        ] {
            assert!(AssociationsQuery::parse(raw).is_err(), "{raw}");
        }
        let query = ProjectsQuery::parse("query=KiLn").unwrap_or_default();
        assert_eq!(query.text, "kiln");
    }
}
