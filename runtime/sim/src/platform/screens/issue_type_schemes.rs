//! Issue type screen schemes (`world/issue_type_screen_scheme.rs`) and their
//! mappings: `getIssueTypeScreenSchemes` and `createIssueTypeScreenScheme`
//! (`GET`/`POST /issuetypescreenscheme`), `getIssueTypeScreenSchemeMappings`
//! (`GET /issuetypescreenscheme/mapping`), `updateIssueTypeScreenScheme` and
//! `deleteIssueTypeScreenScheme` (`PUT`/`DELETE
//! /issuetypescreenscheme/{issueTypeScreenSchemeId}`),
//! `appendMappingsForIssueTypeScreenScheme` (`PUT …/mapping`),
//! `updateDefaultScreenScheme` (`PUT …/mapping/default`) and
//! `removeMappingsFromIssueTypeScreenScheme` (`POST …/mapping/remove`). The
//! projects using them are `issue_type_scheme_projects.rs`'.
//!
//! *Administer Jira*, with the spec's `403` wording. A mapping names an issue
//! type of the site (or `default`) and a screen scheme of the site (the
//! spec's `404`s otherwise); an issue type is mapped once; a new scheme needs
//! a `default` mapping, which can then only be changed (`…/mapping/default`),
//! never added or removed. The default scheme and a scheme a project uses
//! cannot be deleted. The site's issue types are all in company-managed
//! projects and sub-tasks are enabled, so the spec's `409` never arises.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::list::{SchemesQuery, sort};
use super::{BodyId, checked_description, checked_name, name_taken, read_ids};
use crate::access::Caller;
use crate::extract::JiraJson;
use crate::jira_error::JiraError;
use crate::platform::page::{PageParams, page_bean, with_query};
use crate::platform::render::project_summary;
use crate::shared::Shared;
use crate::world::World;
use crate::world::issue_type_screen_scheme::{
    DEFAULT_ISSUE_TYPE_SCREEN_SCHEME_ID, DEFAULT_MAPPING, IssueTypeScreenSchemeRecord,
    MAX_ISSUE_TYPE_SCREEN_SCHEMES,
};
use crate::world::workflow::issue_type_by_id;

/// The spec's default page.
pub(super) const PAGE: usize = 50;
/// The largest page served (and of the projects `expand=projects` embeds):
/// Jira's cap on its admin lists, as the spec's examples show.
pub(super) const MAX_PAGE: usize = 100;

/// Refuses a caller without *Administer Jira*, with the spec's `403`.
pub(super) fn administer(world: &World, caller: &Caller) -> Result<(), JiraError> {
    if world.is_site_admin(&caller.account_id) {
        Ok(())
    } else {
        Err(JiraError::forbidden(
            "Only Jira administrators can access issue type screen schemes.",
        ))
    }
}

/// An `IssueTypeScreenScheme`: its id is a string, as the spec has it.
pub(crate) fn issue_type_screen_scheme_json(scheme: &IssueTypeScreenSchemeRecord) -> Value {
    json!({
        "id": scheme.id.to_string(),
        "name": scheme.name,
        "description": scheme.description,
    })
}

/// The spec's `404` for a scheme the path names that the site does not have.
pub(super) fn scheme_missing() -> JiraError {
    JiraError::not_found("The issue type screen scheme was not found.")
}

/// Path parameters naming an issue type screen scheme.
#[derive(Deserialize)]
pub(crate) struct SchemePath {
    pub(super) scheme_id: String,
}

/// The index of the scheme `id` names, or the spec's `404` (an id that is not
/// a number names none).
pub(super) fn scheme_index(world: &World, id: &str) -> Result<usize, JiraError> {
    let id: Option<u64> = id.trim().parse().ok();
    world
        .issue_type_screen_schemes
        .schemes
        .iter()
        .position(|s| Some(s.id) == id)
        .ok_or_else(scheme_missing)
}

/// The projects a scheme is assigned to, as `expand=projects` embeds them: a
/// page of `ProjectDetails`, the first [`MAX_PAGE`]; none when no project
/// uses it, as the spec's example leaves `projects` out of such a scheme.
fn projects_page(links: &str, world: &World, scheme_id: u64) -> Option<Value> {
    let total = world
        .projects_using_issue_type_screen_scheme(scheme_id)
        .count();
    if total == 0 {
        return None;
    }
    let values: Vec<Value> = world
        .projects_using_issue_type_screen_scheme(scheme_id)
        .take(MAX_PAGE)
        .map(|p| project_summary(links, p))
        .collect();
    Some(json!({
        "isLast": total <= MAX_PAGE,
        "maxResults": MAX_PAGE,
        "startAt": 0,
        "total": total,
        "values": values,
    }))
}

/// `GET /issuetypescreenscheme`: a page of the schemes, by id unless
/// `orderBy` says.
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, JiraError> {
    let query = SchemesQuery::parse(raw.as_deref().unwrap_or_default(), "projects")?;
    let world = shared.world();
    administer(&world, &caller)?;
    let mut matching: Vec<&IssueTypeScreenSchemeRecord> = world
        .issue_type_screen_schemes
        .schemes
        .iter()
        .filter(|s| query.admits(s.id, &s.name))
        .collect();
    sort(&mut matching, query.order, |s| (s.id, &s.name));
    let window = query.page.window(PAGE, MAX_PAGE);
    let total = matching.len();
    let values = window
        .of(matching)
        .map(|scheme| {
            let mut value = issue_type_screen_scheme_json(scheme);
            if query.expand
                && let Some(projects) = projects_page(&caller.links, &world, scheme.id)
            {
                value["projects"] = projects;
            }
            value
        })
        .collect();
    let base = with_query(
        format!("{}/rest/api/3/issuetypescreenscheme", caller.links),
        &query.kept,
    );
    Ok(Json(page_bean(&base, window, total, values)))
}

/// `getIssueTypeScreenSchemeMappings`' query.
#[derive(Debug, Default)]
struct MappingsQuery {
    page: PageParams,
    /// `issueTypeScreenSchemeId`s asked for; none asks for every scheme's.
    ids: BTreeSet<u64>,
    kept: Vec<(String, String)>,
}

impl MappingsQuery {
    fn parse(raw: &str) -> Result<Self, JiraError> {
        let mut query = Self::default();
        for (key, value) in url::form_urlencoded::parse(raw.as_bytes()) {
            if query.page.read(&key, &value)? {
                continue;
            }
            if key == "issueTypeScreenSchemeId" {
                read_ids("issueTypeScreenSchemeId", &value, &mut query.ids)?;
                query.kept.push((key.into_owned(), value.into_owned()));
            }
        }
        Ok(query)
    }
}

/// `GET /issuetypescreenscheme/mapping`: a page of `IssueTypeScreenSchemeItem`s,
/// by scheme id, each scheme's by issue type with its default last.
pub(crate) async fn mappings(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, JiraError> {
    let query = MappingsQuery::parse(raw.as_deref().unwrap_or_default())?;
    let world = shared.world();
    administer(&world, &caller)?;
    let items: Vec<(u64, &str, u64)> = world
        .issue_type_screen_schemes
        .schemes
        .iter()
        .filter(|s| query.ids.is_empty() || query.ids.contains(&s.id))
        .flat_map(|s| {
            s.mappings()
                .map(move |(issue_type, screen_scheme)| (s.id, issue_type, screen_scheme))
        })
        .collect();
    let window = query.page.window(PAGE, MAX_PAGE);
    let total = items.len();
    let values = window
        .of(items)
        .map(|(scheme, issue_type, screen_scheme)| {
            json!({
                "issueTypeId": issue_type,
                "issueTypeScreenSchemeId": scheme.to_string(),
                "screenSchemeId": screen_scheme.to_string(),
            })
        })
        .collect();
    let base = with_query(
        format!("{}/rest/api/3/issuetypescreenscheme/mapping", caller.links),
        &query.kept,
    );
    Ok(Json(page_bean(&base, window, total, values)))
}

/// An `IssueTypeScreenSchemeMapping`: both properties are required.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct MappingBody {
    issue_type_id: Option<BodyId>,
    screen_scheme_id: Option<BodyId>,
}

/// `IssueTypeScreenSchemeDetails` (create).
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct SchemeDetails {
    name: Option<String>,
    description: Option<String>,
    issue_type_mappings: Option<Vec<MappingBody>>,
}

/// `IssueTypeScreenSchemeMappingDetails` (append).
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct MappingDetails {
    issue_type_mappings: Option<Vec<MappingBody>>,
}

/// What a body may say of the `default` mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DefaultMapping {
    /// A create: it must give one.
    Required,
    /// An append: it may not (the scheme has one, changed by
    /// `…/mapping/default`).
    Refused,
}

/// Mappings a body gives, checked whole: the `default` one's screen scheme
/// (if `rule` allows one) and the rest by issue type. Each names an issue type
/// once (`400`); then every issue type and screen scheme must be the site's
/// (the spec's `404`s).
fn checked_mappings(
    world: &World,
    body: &[MappingBody],
    rule: DefaultMapping,
) -> Result<(Option<u64>, BTreeMap<String, u64>), JiraError> {
    let mut named: Vec<(String, &BodyId)> = Vec::with_capacity(body.len());
    let mut seen = BTreeSet::new();
    for mapping in body {
        let (Some(issue_type), Some(screen_scheme)) =
            (&mapping.issue_type_id, &mapping.screen_scheme_id)
        else {
            return Err(JiraError::bad_request(
                "Each issue type mapping must name an issueTypeId and a screenSchemeId.",
            ));
        };
        let issue_type = issue_type.text();
        if !seen.insert(issue_type.clone()) {
            return Err(JiraError::bad_request(
                "One or more issue type IDs are repeated, an issue type ID can only be specified once.",
            ));
        }
        named.push((issue_type, screen_scheme));
    }
    let has_default = seen.contains(DEFAULT_MAPPING);
    match (rule, has_default) {
        (DefaultMapping::Required, false) => {
            return Err(JiraError::bad_request(
                "A default mapping must be provided.",
            ));
        }
        (DefaultMapping::Refused, true) => {
            return Err(JiraError::bad_request("A default mapping cannot be added."));
        }
        _ => {}
    }
    if named
        .iter()
        .any(|(t, _)| t != DEFAULT_MAPPING && issue_type_by_id(t).is_none())
    {
        return Err(JiraError::not_found(
            "One or more issue type IDs were not found.",
        ));
    }
    let mut default = None;
    let mut by_issue_type = BTreeMap::new();
    for (issue_type, screen_scheme) in named {
        let screen_scheme = screen_scheme_id(world, screen_scheme)?;
        if issue_type == DEFAULT_MAPPING {
            default = Some(screen_scheme);
        } else {
            by_issue_type.insert(issue_type, screen_scheme);
        }
    }
    Ok((default, by_issue_type))
}

/// The id of a screen scheme of the site a body names, or the `404`.
fn screen_scheme_id(world: &World, id: &BodyId) -> Result<u64, JiraError> {
    id.id()
        .filter(|id| world.screen_schemes.iter().any(|s| s.id == *id))
        .ok_or_else(|| JiraError::not_found("One or more screen scheme IDs were not found."))
}

/// The name a write gives a scheme, unless another scheme (but `except`) has
/// it, compared case-insensitively: the spec's `400`.
fn scheme_name(
    world: &World,
    name: Option<&str>,
    except: Option<u64>,
) -> Result<String, JiraError> {
    let name = checked_name("issue type screen scheme", name)?;
    let others = world
        .issue_type_screen_schemes
        .schemes
        .iter()
        .filter(|s| Some(s.id) != except);
    if name_taken(others.map(|s| s.name.as_str()), &name) {
        return Err(JiraError::bad_request(
            "The issue type screen scheme name is in use.",
        ));
    }
    Ok(name)
}

/// `POST /issuetypescreenscheme`: `201` and the new scheme's
/// `IssueTypeScreenSchemeId`. Checked whole before anything changes.
pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraJson(input): JiraJson<SchemeDetails>,
) -> Result<Response, JiraError> {
    let mut world = shared.world();
    administer(&world, &caller)?;
    let name = scheme_name(&world, input.name.as_deref(), None)?;
    let description =
        checked_description("issue type screen scheme", input.description.as_deref())?;
    let body = input
        .issue_type_mappings
        .as_deref()
        .ok_or_else(|| JiraError::bad_request("The issueTypeMappings must be provided."))?;
    let (default, by_issue_type) = checked_mappings(&world, body, DefaultMapping::Required)?;
    let Some(default) = default else {
        return Err(JiraError::bad_request(
            "A default mapping must be provided.",
        ));
    };
    if world.issue_type_screen_schemes.schemes.len() >= MAX_ISSUE_TYPE_SCREEN_SCHEMES {
        return Err(JiraError::bad_request(format!(
            "A site holds at most {MAX_ISSUE_TYPE_SCREEN_SCHEMES} issue type screen schemes in the simulator."
        )));
    }
    let id = world
        .issue_type_screen_schemes
        .add(IssueTypeScreenSchemeRecord {
            id: 0,
            name,
            description: description.unwrap_or_default(),
            default,
            by_issue_type,
        });
    Ok((StatusCode::CREATED, Json(json!({ "id": id.to_string() }))).into_response())
}

/// `IssueTypeScreenSchemeUpdateDetails`: each property left out stays.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdateDetails {
    name: Option<String>,
    description: Option<String>,
}

/// `PUT /issuetypescreenscheme/{issueTypeScreenSchemeId}`: `204`.
pub(crate) async fn update(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<SchemePath>,
    JiraJson(input): JiraJson<UpdateDetails>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    administer(&world, &caller)?;
    let index = scheme_index(&world, &path.scheme_id)?;
    let id = world.issue_type_screen_schemes.schemes[index].id;
    let name = match input.name.as_deref() {
        Some(name) => Some(scheme_name(&world, Some(name), Some(id))?),
        None => None,
    };
    let description =
        checked_description("issue type screen scheme", input.description.as_deref())?;
    let scheme = &mut world.issue_type_screen_schemes.schemes[index];
    if let Some(name) = name {
        scheme.name = name;
    }
    if let Some(description) = description {
        scheme.description = description;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /issuetypescreenscheme/{issueTypeScreenSchemeId}`: `204`; `400`
/// for the default scheme and for one a project uses (the spec's wording).
pub(crate) async fn delete(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<SchemePath>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    administer(&world, &caller)?;
    let index = scheme_index(&world, &path.scheme_id)?;
    let id = world.issue_type_screen_schemes.schemes[index].id;
    if id == DEFAULT_ISSUE_TYPE_SCREEN_SCHEME_ID {
        return Err(JiraError::bad_request(
            "The default issue type screen scheme cannot be deleted.",
        ));
    }
    if world
        .projects_using_issue_type_screen_scheme(id)
        .next()
        .is_some()
    {
        return Err(JiraError::bad_request(
            "The issue type screen scheme cannot be deleted because it is assigned to one or more projects.",
        ));
    }
    world.issue_type_screen_schemes.schemes.remove(index);
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /issuetypescreenscheme/{issueTypeScreenSchemeId}/mapping`: `204`.
/// An issue type the scheme maps already is refused (`400`), as Jira keeps
/// one mapping per issue type; the whole body is checked before anything
/// changes.
pub(crate) async fn append_mappings(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<SchemePath>,
    JiraJson(input): JiraJson<MappingDetails>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    administer(&world, &caller)?;
    let index = scheme_index(&world, &path.scheme_id)?;
    let body = input
        .issue_type_mappings
        .as_deref()
        .ok_or_else(|| JiraError::bad_request("The issueTypeMappings must be provided."))?;
    let (_, added) = checked_mappings(&world, body, DefaultMapping::Refused)?;
    let scheme = &mut world.issue_type_screen_schemes.schemes[index];
    if added.keys().any(|t| scheme.by_issue_type.contains_key(t)) {
        return Err(JiraError::bad_request(
            "One or more issue types are already mapped in the issue type screen scheme.",
        ));
    }
    scheme.by_issue_type.extend(added);
    Ok(StatusCode::NO_CONTENT)
}

/// `UpdateDefaultScreenScheme`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct DefaultBody {
    screen_scheme_id: Option<BodyId>,
}

/// `PUT /issuetypescreenscheme/{issueTypeScreenSchemeId}/mapping/default`:
/// `204`; the screen scheme must be the site's (`404`).
pub(crate) async fn update_default(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<SchemePath>,
    JiraJson(input): JiraJson<DefaultBody>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    administer(&world, &caller)?;
    let index = scheme_index(&world, &path.scheme_id)?;
    let asked = input
        .screen_scheme_id
        .as_ref()
        .ok_or_else(|| JiraError::bad_request("The screenSchemeId has to be provided."))?;
    let screen_scheme = asked
        .id()
        .filter(|id| world.screen_schemes.iter().any(|s| s.id == *id))
        .ok_or_else(|| JiraError::not_found("The screen scheme was not found."))?;
    world.issue_type_screen_schemes.schemes[index].default = screen_scheme;
    Ok(StatusCode::NO_CONTENT)
}

/// `IssueTypeIds`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct IssueTypeIds {
    issue_type_ids: Option<Vec<BodyId>>,
}

/// `POST /issuetypescreenscheme/{issueTypeScreenSchemeId}/mapping/remove`:
/// `204`. Repeated ids and `default` are `400`; an issue type the scheme
/// does not map is the spec's `404`; nothing changes unless all can go.
pub(crate) async fn remove_mappings(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<SchemePath>,
    JiraJson(input): JiraJson<IssueTypeIds>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    administer(&world, &caller)?;
    let index = scheme_index(&world, &path.scheme_id)?;
    let asked = input
        .issue_type_ids
        .as_deref()
        .ok_or_else(|| JiraError::bad_request("The issueTypeIds must be provided."))?;
    let mut ids = BTreeSet::new();
    for id in asked {
        if !ids.insert(id.text()) {
            return Err(JiraError::bad_request(
                "The issueTypeIds must not contain duplicates.",
            ));
        }
    }
    if ids.contains(DEFAULT_MAPPING) {
        return Err(JiraError::bad_request(
            "The default mapping cannot be removed.",
        ));
    }
    let scheme = &mut world.issue_type_screen_schemes.schemes[index];
    if ids.iter().any(|t| !scheme.by_issue_type.contains_key(t)) {
        return Err(JiraError::not_found(
            "One or more issue type mappings were not found.",
        ));
    }
    scheme.by_issue_type.retain(|t, _| !ids.contains(t));
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mappings_query_reads_its_scheme_ids() {
        let query = MappingsQuery::parse("issueTypeScreenSchemeId=1&issueTypeScreenSchemeId=2")
            .unwrap_or_default();
        assert_eq!(query.ids, BTreeSet::from([1, 2]));
        assert!(MappingsQuery::parse("issueTypeScreenSchemeId=one").is_err());
    }

    fn mapping(issue_type: &str, screen_scheme: &str) -> MappingBody {
        MappingBody {
            issue_type_id: Some(BodyId::Text(issue_type.to_owned())),
            screen_scheme_id: Some(BodyId::Text(screen_scheme.to_owned())),
        }
    }

    #[test]
    fn mappings_are_checked_whole() {
        let world = World::from_seed(&crate::seed::Seed::default()).expect("the default seed");
        let status = |body: &[MappingBody], rule| {
            checked_mappings(&world, body, rule)
                .err()
                .map(|e| e.status())
        };
        let ok = [mapping("default", "1"), mapping("10002", "1")];
        let (default, by_type) =
            checked_mappings(&world, &ok, DefaultMapping::Required).unwrap_or_default();
        assert_eq!(default, Some(1));
        assert_eq!(by_type, BTreeMap::from([("10002".to_owned(), 1)]));
        let bad = StatusCode::BAD_REQUEST;
        let missing = StatusCode::NOT_FOUND;
        let twice = [mapping("10002", "1"), mapping("10002", "1")];
        assert_eq!(status(&twice, DefaultMapping::Refused), Some(bad));
        assert_eq!(status(&ok[1..], DefaultMapping::Required), Some(bad));
        assert_eq!(status(&ok, DefaultMapping::Refused), Some(bad));
        let unknown_type = [mapping("default", "1"), mapping("99999", "1")];
        assert_eq!(
            status(&unknown_type, DefaultMapping::Required),
            Some(missing)
        );
        let unknown_scheme = [mapping("default", "77")];
        assert_eq!(
            status(&unknown_scheme, DefaultMapping::Required),
            Some(missing)
        );
        let half = [MappingBody {
            issue_type_id: Some(BodyId::Number(10_002)),
            screen_scheme_id: None,
        }];
        assert_eq!(status(&half, DefaultMapping::Refused), Some(bad));
    }
}
