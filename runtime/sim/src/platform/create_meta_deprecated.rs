//! `GET /rest/api/3/issue/createmeta` (getCreateIssueMeta): the projects the caller
//! may create issues in, their issue types and, with
//! `expand=projects.issuetypes.fields`, each type's create fields.
//!
//! Atlassian deprecated this operation for the paged
//! `/issue/createmeta/{projectIdOrKey}/issuetypes[/{issueTypeId}]` (`create_meta.rs`),
//! but both specs still carry it and apps written before the change still read it,
//! so the simulator answers it from the same metadata.
//!
//! As the spec says, each list parameter takes comma-separated values and may be
//! repeated (`projectKeys=A,B&projectKeys=C`); projects given by id and by key add
//! up, as do issue types given by id and by name; names and keys that match
//! nothing, and projects the caller may not create issues in, are left out rather
//! than refused. With no project given, every project the caller may create
//! issues in is listed.

use std::sync::Arc;

use axum::Json;
use axum::extract::{RawQuery, State};
use serde_json::{Value, json};

use super::create_meta::{by_id, metadata};
use super::field_details::expands;
use super::render;
use crate::access::Caller;
use crate::seed::SeedPermission;
use crate::shared::Shared;
use crate::world::workflow::ISSUE_TYPES;
use crate::world::{ProjectRecord, World};

/// The one value of `expand` this operation knows.
const FIELDS_EXPANSION: &str = "projects.issuetypes.fields";

/// The query, each list the union of its comma-separated, repeated values.
#[derive(Default)]
struct MetaQuery {
    project_ids: Vec<String>,
    project_keys: Vec<String>,
    issue_type_ids: Vec<String>,
    issue_type_names: Vec<String>,
    fields: bool,
}

impl MetaQuery {
    fn parse(raw: Option<&str>) -> Self {
        let mut query = Self::default();
        for (key, value) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
            let list = match key.as_ref() {
                "projectIds" => &mut query.project_ids,
                "projectKeys" => &mut query.project_keys,
                "issuetypeIds" => &mut query.issue_type_ids,
                "issuetypeNames" => &mut query.issue_type_names,
                "expand" => {
                    query.fields |= expands(Some(&value), FIELDS_EXPANSION);
                    continue;
                }
                _ => continue,
            };
            list.extend(
                value
                    .split(',')
                    .map(str::trim)
                    .filter(|item| !item.is_empty())
                    .map(str::to_owned),
            );
        }
        query
    }

    /// Whether the query names `project` (or names no project at all).
    fn names_project(&self, project: &ProjectRecord) -> bool {
        (self.project_ids.is_empty() && self.project_keys.is_empty())
            || self.project_ids.contains(&project.id)
            || self
                .project_keys
                .iter()
                .any(|key| key.eq_ignore_ascii_case(&project.key))
    }

    /// Whether the query names the issue type (or names no issue type at all).
    fn names_issue_type(&self, id: &str, name: &str) -> bool {
        (self.issue_type_ids.is_empty() && self.issue_type_names.is_empty())
            || self.issue_type_ids.iter().any(|given| given == id)
            || self.issue_type_names.iter().any(|given| given == name)
    }
}

pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Json<Value> {
    let query = MetaQuery::parse(raw.as_deref());
    let world = shared.world();
    let projects: Vec<Value> = world
        .projects
        .iter()
        .filter(|project| query.names_project(project))
        .filter(|project| project.grants(&caller.account_id, SeedPermission::Create))
        .map(|project| project_metadata(&world, &caller, &query, project))
        .collect();
    Json(json!({ "expand": "projects", "projects": projects }))
}

/// A `ProjectIssueCreateMetadata`: the project, its issue types the query names,
/// and with the expansion each type's create fields as `FieldMetadata` by id.
fn project_metadata(
    world: &World,
    caller: &Caller,
    query: &MetaQuery,
    project: &ProjectRecord,
) -> Value {
    let may_modify_reporter = project.grants(&caller.account_id, SeedPermission::Edit);
    let issue_types: Vec<Value> = ISSUE_TYPES
        .iter()
        .filter(|issue_type| query.names_issue_type(issue_type.id, issue_type.name))
        .map(|issue_type| {
            let mut value = render::issue_type(&caller.links, issue_type);
            value["expand"] = json!("fields");
            if query.fields {
                let fields = metadata(
                    world,
                    &caller.links,
                    project,
                    issue_type,
                    true,
                    may_modify_reporter,
                );
                value["fields"] = Value::Object(by_id(fields));
            }
            value
        })
        .collect();
    let mut value = render::project_summary(&caller.links, project);
    if let Some(object) = value.as_object_mut() {
        // `ProjectIssueCreateMetadata` has no project type or style.
        object.remove("projectTypeKey");
        object.remove("simplified");
    }
    value["expand"] = json!("issuetypes");
    value["issuetypes"] = Value::Array(issue_types);
    value
}
