//! `GET /rest/api/3/issue/createmeta/{projectIdOrKey}/issuetypes/{issueTypeId}`
//! (getCreateIssueMetaIssueTypeId): the fields a create may set, as
//! `FieldCreateMetadata`, with the values a select allows. It is how an app that
//! is not a Jira admin finds a custom field's options.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::custom_field;
use super::page::PageQuery;
use super::project::browsable_project;
use super::render;
use super::version;
use crate::access::Caller;
use crate::extract::JiraQuery;
use crate::jira_error::JiraError;
use crate::seed::SeedPermission;
use crate::shared::Shared;
use crate::world::PRIORITIES;
use crate::world::custom_field::Kind;
use crate::world::screen_scheme::IssueOperation;
use crate::world::version::VersionField;
use crate::world::workflow::{IssueType, issue_type_by_id};
use crate::world::{IssueRecord, ProjectRecord, World};

/// Jira's default and maximum page of field metadata.
const PAGE: usize = 50;

#[derive(Deserialize)]
pub(crate) struct MetaPath {
    project_id_or_key: String,
    issue_type_id: String,
}

fn system(
    id: &str,
    name: &str,
    required: bool,
    schema: Value,
    operations: &[&str],
    allowed: Option<Vec<Value>>,
) -> Value {
    let mut value = json!({
        "fieldId": id,
        "key": id,
        "name": name,
        "required": required,
        "schema": schema,
        "operations": operations,
        "hasDefaultValue": false,
    });
    if let Some(allowed) = allowed {
        value["allowedValues"] = Value::Array(allowed);
    }
    value
}

/// The fields a create (`creating`) or an edit of an issue of `issue_type` may set, as
/// `FieldCreateMetadata`: the system fields the simulator stores, then the
/// custom fields, selects with their enabled options as `allowedValues`; of
/// these, only those the screen holds ([`World::offered_fields`], the rule a
/// create or edit is checked by, `platform/issue.rs`). A
/// create's also has the issue type's `parent` (`hierarchy::metadata`); an
/// edit's caller adds the issue's. `reporter` is listed only for a caller who may
/// change it (`may_modify_reporter`: Jira's *Modify Reporter*, folded into Edit).
pub(crate) fn metadata(
    world: &World,
    links: &str,
    project: &ProjectRecord,
    issue_type: &IssueType,
    creating: bool,
    may_modify_reporter: bool,
) -> Vec<Value> {
    let set = ["set"];
    let add_set_remove = ["add", "set", "remove"];
    let mut all = Vec::new();
    if creating {
        all.push(system(
            "issuetype",
            "Issue Type",
            true,
            json!({ "type": "issuetype", "system": "issuetype" }),
            &[],
            Some(vec![render::issue_type(links, issue_type)]),
        ));
        all.push(system(
            "project",
            "Project",
            true,
            json!({ "type": "project", "system": "project" }),
            &set,
            Some(vec![render::project_summary(links, project)]),
        ));
        all.extend(super::hierarchy::metadata(issue_type));
    }
    all.extend([
        system(
            "summary",
            "Summary",
            true,
            json!({ "type": "string", "system": "summary" }),
            &set,
            None,
        ),
        system(
            "description",
            "Description",
            false,
            json!({ "type": "string", "system": "description" }),
            &set,
            None,
        ),
        system(
            "environment",
            "Environment",
            false,
            json!({ "type": "string", "system": "environment" }),
            &set,
            None,
        ),
        system(
            super::due_date::FIELD,
            "Due date",
            false,
            json!({ "type": "date", "system": super::due_date::FIELD }),
            &set,
            None,
        ),
        // Jira's time tracking takes `set` and `edit` (`platform::time_tracking`).
        system(
            super::time_tracking::FIELD,
            "Time tracking",
            false,
            json!({ "type": "timetracking", "system": super::time_tracking::FIELD }),
            &["set", "edit"],
            None,
        ),
        system(
            "labels",
            "Labels",
            false,
            json!({ "type": "array", "items": "string", "system": "labels" }),
            &add_set_remove,
            None,
        ),
        system(
            "assignee",
            "Assignee",
            false,
            json!({ "type": "user", "system": "assignee" }),
            &set,
            None,
        ),
        system(
            "components",
            "Components",
            false,
            json!({ "type": "array", "items": "component", "system": "components" }),
            &add_set_remove,
            Some(
                project
                    .components
                    .iter()
                    .map(|c| {
                        json!({
                            "self": format!("{links}/rest/api/3/component/{}", c.id),
                            "id": c.id,
                            "name": c.name,
                        })
                    })
                    .collect(),
            ),
        ),
    ]);
    if may_modify_reporter {
        // Required, with the caller as its default on a create (`hasDefaultValue`).
        let mut reporter = system(
            "reporter",
            "Reporter",
            true,
            json!({ "type": "user", "system": "reporter" }),
            &set,
            None,
        );
        reporter["hasDefaultValue"] = Value::Bool(true);
        all.push(reporter);
    }
    // The versions an issue may name: the project's, but not archived ones, as
    // Jira offers them.
    let versions: Vec<Value> = world
        .versions_of(&project.key)
        .filter(|v| !v.archived)
        .map(|v| version::shape::version(links, world, v))
        .collect();
    for (field, name) in [
        (VersionField::Fix, "Fix versions"),
        (VersionField::Affects, "Affects versions"),
    ] {
        all.push(system(
            field.id(),
            name,
            false,
            json!({ "type": "array", "items": "version", "system": field.id() }),
            &add_set_remove,
            Some(versions.clone()),
        ));
    }
    let mut priority = system(
        "priority",
        "Priority",
        false,
        json!({ "type": "priority", "system": "priority" }),
        &set,
        Some(
            PRIORITIES
                .iter()
                .map(|p| render::priority(links, p))
                .collect(),
        ),
    );
    priority["hasDefaultValue"] = json!(true);
    priority["defaultValue"] = render::priority(links, crate::world::DEFAULT_PRIORITY);
    all.push(priority);
    for field in &world.custom_fields {
        let details = custom_field::details(field);
        let operations: &[&str] = match field.kind {
            Kind::MultiSelect | Kind::Labels => &add_set_remove,
            _ => &set,
        };
        let context = field.context_for(&project.id, issue_type.id);
        let option = |o: &crate::world::custom_field::OptionRecord| {
            json!({
                "self": format!("{links}/rest/api/3/customFieldOption/{}", o.id),
                "value": o.value,
                "id": o.id,
            })
        };
        // A cascading select's parents carry their enabled `children`.
        let allowed = field.kind.has_options().then(|| {
            context
                .into_iter()
                .flat_map(|c| c.top_level().map(move |o| (c, o)))
                .filter(|(_, o)| !o.disabled)
                .map(|(c, o)| {
                    let mut value = option(o);
                    if field.kind == Kind::Cascading {
                        value["children"] = c
                            .children_of(&o.id)
                            .filter(|child| !child.disabled)
                            .map(option)
                            .collect();
                    }
                    value
                })
                .collect()
        });
        let mut meta = system(
            &field.id(),
            &field.name,
            false,
            details["schema"].clone(),
            operations,
            allowed,
        );
        // What a create that leaves the field out gets (`platform/issue.rs`):
        // the applicable context's default, as an issue shows it.
        if let Some(default) = context
            .and_then(|c| c.default_value.as_ref())
            .filter(|_| creating)
        {
            let value = default.issue_value(field.kind, world.now());
            meta["hasDefaultValue"] = json!(true);
            meta["defaultValue"] = custom_field::render_value(links, world, field, Some(&value));
        }
        all.push(meta);
    }
    let operation = if creating {
        IssueOperation::Create
    } else {
        IssueOperation::Edit
    };
    let offered = world.offered_fields(&project.id, issue_type.id, operation);
    all.retain(|field| offered.offers(field["fieldId"].as_str().unwrap_or_default()));
    all
}

pub(crate) async fn fields(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<MetaPath>,
    JiraQuery(query): JiraQuery<PageQuery>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let project = browsable_project(&world, &caller, &path.project_id_or_key)?;
    let issue_type = issue_type_by_id(&path.issue_type_id).ok_or_else(|| {
        JiraError::not_found(format!(
            "Issue type with id '{}' does not exist in the project.",
            path.issue_type_id
        ))
    })?;
    let may_modify_reporter = project.grants(&caller.account_id, SeedPermission::Edit);
    let all = metadata(
        &world,
        &caller.links,
        project,
        &issue_type,
        true,
        may_modify_reporter,
    );
    let window = query.window(PAGE, PAGE);
    let total = all.len();
    let page: Vec<Value> = window.of(all).collect();
    Ok(Json(json!({
        "fields": page,
        "maxResults": window.max,
        "startAt": window.start,
        "total": total,
    })))
}

/// `GET /issue/{issueIdOrKey}/editmeta` (getEditIssueMeta): the fields an edit may
/// set, by id, as `FieldMetadata`; none for a caller who may see the issue but
/// not edit it (Jira lists only what the caller can edit). The override
/// parameters are not modelled.
pub(crate) async fn edit_meta(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<super::IssuePath>,
) -> Result<Json<Value>, JiraError> {
    let world = shared.world();
    let index = world
        .visible_issue(&caller.account_id, &path.issue_id_or_key)
        .ok_or_else(JiraError::issue_not_found)?;
    Ok(Json(edit_metadata(
        &world,
        &caller.links,
        &caller.account_id,
        &world.issues[index],
    )))
}

/// `IssueUpdateMetadata` for `issue` as `account_id` may edit it: `getEditIssueMeta`'s
/// answer, and what `expand=editmeta` adds to an issue.
pub(crate) fn edit_metadata(
    world: &World,
    links: &str,
    account_id: &str,
    issue: &IssueRecord,
) -> Value {
    let mut fields = serde_json::Map::new();
    if let Some(project) = world.project(&issue.project_key)
        && project.grants(account_id, SeedPermission::Edit)
    {
        let parent = super::hierarchy::metadata(&issue.issue_type);
        fields = by_id(
            metadata(world, links, project, &issue.issue_type, false, true)
                .into_iter()
                .chain(parent),
        );
    }
    json!({ "fields": fields })
}

/// `FieldCreateMetadata` items as the `FieldMetadata` map of the older answers
/// (edit metadata, the deprecated create metadata): keyed by field id, without
/// the `fieldId` member.
pub(crate) fn by_id(fields: impl IntoIterator<Item = Value>) -> serde_json::Map<String, Value> {
    let mut by_id = serde_json::Map::new();
    for mut field in fields {
        let id = field["fieldId"].as_str().unwrap_or_default().to_owned();
        if let Some(object) = field.as_object_mut() {
            object.remove("fieldId");
        }
        by_id.insert(id, field);
    }
    by_id
}
