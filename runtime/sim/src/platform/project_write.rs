//! Creating a project (`POST /project`, `createProject`), updating one
//! (`PUT /project/{projectIdOrKey}`, `updateProject`) and deleting one
//! (`DELETE /project/{projectIdOrKey}`, `deleteProject`).
//!
//! Who may: creating needs *Administer Jira* (a site admin), else the spec's
//! 403; updating needs *Administer projects* on the project (its lead or a site
//! admin: `World::administers`), else 403 for a caller who may browse it and
//! 404 for one who may not, as the project reads answer.
//!
//! A project's key follows the spec: an uppercase ASCII letter, then one to
//! nine uppercase letters or digits (2 to 10 characters). Keys are unique
//! without regard to case, as Jira's lookups are, and names are unique the same
//! way. Error bodies name Jira's own fields (`projectKey`, `projectName`,
//! `projectLead`), as Jira's project service reports them.
//!
//! What the simulator keeps of a new project: its key, name, lead,
//! description, url, type (`projectTypeKey`) and default assignee
//! (`assigneeType`). Every project of the simulated site shares one set of
//! issue types and one workflow (`world::workflow`), so a new project has them
//! at once and issues can be created in it. Jira's default permission scheme
//! lets every licensed user browse a new project and work on its issues; the
//! simulator grants each user of the site the four project permissions it
//! models. Schemes, templates, a category and an avatar
//! (`permissionScheme`, `projectTemplateKey`, `categoryId`, `avatarId` …) must
//! be of the right JSON type and are then ignored: the simulator models the
//! site's defaults only, which is what Jira applies when they are left out.
//!
//! A key change on update is refused with a 400: Jira keeps the old key working
//! for the project and its issues, which the simulator does not model, and a
//! rename that broke every issue key would be worse than no rename.
//!
//! A delete needs *Administer Jira*; as the spec documents no 403 for it, a
//! caller without it gets the 404 of a project that is not there. The project
//! goes with its issues, versions, components, properties and the board that
//! shows it (`World::remove_project`). Jira's default (`enableUndo=true`)
//! keeps it in the trash for 60 days, restorable from the UI only; the
//! simulator has no trash and deletes at once either way, so the key is free
//! again and `status=deleted` searches find nothing.
//!
//! Each write raises its webhook to the admin webhooks that list it
//! (`project_created`, `project_updated`, `project_deleted`:
//! `webhooks::admin_event`); a refused write raises nothing. A delete raises
//! no event for the versions and components that go with the project.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::body_fields::{optional, text};
use super::property_selection::{PropertySelection, Syntax};
use super::render;
use crate::access::Caller;
use crate::extract::{JiraJson, JiraQuery};
use crate::jira_error::JiraError;
use crate::seed::SeedPermission;
use crate::shared::Shared;
use crate::webhooks::admin_event::AdminChange;
use crate::world::project_settings::{DefaultAssignee, ProjectType};
use crate::world::{ProjectRecord, World, spelled_as_project_key};

/// The spec's bound on a key ("The maximum length is 10 characters"); the
/// grammar's "one or more" after the first letter makes two the least.
const MAX_KEY_CHARS: usize = 10;
const MIN_KEY_CHARS: usize = 2;
/// Jira Cloud's bounds on a project name.
const MAX_NAME_CHARS: usize = 80;
const MIN_NAME_CHARS: usize = 2;
/// The simulator's bounds on free text it keeps (Jira's description is a
/// text column; these keep a hostile body from growing the world unbounded).
const MAX_DESCRIPTION_BYTES: usize = 32_768;
const MAX_URL_CHARS: usize = 255;
/// An account id longer than this names no one (hostile input is not looked up).
const MAX_ACCOUNT_ID_CHARS: usize = 128;
/// The simulator's limit on projects, so a loop of creates cannot exhaust it.
const MAX_PROJECTS: usize = 1_000;

/// The properties of `CreateProjectDetails` and `UpdateProjectDetails` the
/// simulator reads only to check their JSON type: integers all.
const IGNORED_NUMBERS: [&str; 9] = [
    "avatarId",
    "categoryId",
    "fieldConfigurationScheme",
    "issueSecurityScheme",
    "issueTypeScheme",
    "issueTypeScreenScheme",
    "notificationScheme",
    "permissionScheme",
    "workflowScheme",
];

/// The body of a create or an update, each property read as Jira's JSON
/// reader does (`body_fields`): absent or `null` is not set, a wrong type is
/// Jira's "Invalid request payload".
struct ProjectInput {
    key: Option<String>,
    name: Option<String>,
    lead: Option<String>,
    description: Option<String>,
    url: Option<String>,
    project_type: Option<String>,
    template: Option<String>,
    assignee_type: Option<String>,
}

impl ProjectInput {
    fn parse(body: &Map<String, Value>) -> Result<Self, JiraError> {
        let owned = |name: &str| optional(body, name, text).map(|v| v.map(str::to_owned));
        for name in IGNORED_NUMBERS {
            optional(body, name, |v| {
                v.as_i64().ok_or_else(JiraError::invalid_payload)
            })?;
        }
        if let Some(keys) = body.get("releasedProjectKeys")
            && !(keys.is_null()
                || keys
                    .as_array()
                    .is_some_and(|a| a.iter().all(Value::is_string)))
        {
            return Err(JiraError::invalid_payload());
        }
        let lead = owned("leadAccountId")?;
        if lead.is_some() && body.get("lead").is_some_and(|v| !v.is_null()) {
            return Err(JiraError::field(
                "projectLead",
                "Specify either lead or leadAccountId, not both.",
            ));
        }
        if lead.is_none() && body.get("lead").is_some_and(|v| !v.is_null()) {
            // The retired user name: no user of the simulated site has one.
            return Err(JiraError::field(
                "projectLead",
                "The lead user name is no longer supported: use leadAccountId.",
            ));
        }
        Ok(Self {
            key: owned("key")?,
            name: owned("name")?,
            lead,
            description: owned("description")?,
            url: owned("url")?,
            project_type: owned("projectTypeKey")?,
            template: owned("projectTemplateKey")?,
            assignee_type: owned("assigneeType")?,
        })
    }
}

/// `key` if it is a valid key no other project holds (`own` is the project's
/// own id on an update).
fn checked_key(world: &World, key: &str, own: Option<&str>) -> Result<String, JiraError> {
    let length = key.chars().count();
    if length > MAX_KEY_CHARS {
        return Err(JiraError::field(
            "projectKey",
            format!("The project key must not exceed {MAX_KEY_CHARS} characters in length."),
        ));
    }
    let grammatical = length >= MIN_KEY_CHARS && spelled_as_project_key(key);
    if !grammatical {
        return Err(JiraError::field(
            "projectKey",
            "Project keys must start with an uppercase letter, followed by one or more \
             uppercase alphanumeric characters.",
        ));
    }
    if let Some(other) = world
        .projects
        .iter()
        .find(|p| p.key.eq_ignore_ascii_case(key) && Some(p.id.as_str()) != own)
    {
        return Err(JiraError::field(
            "projectKey",
            format!("Project '{}' uses this project key.", other.name),
        ));
    }
    Ok(key.to_owned())
}

fn checked_name(world: &World, name: &str, own: Option<&str>) -> Result<String, JiraError> {
    let length = name.trim().chars().count();
    if length < MIN_NAME_CHARS {
        return Err(JiraError::field(
            "projectName",
            format!("The project name should be at least {MIN_NAME_CHARS} characters in length."),
        ));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(JiraError::field(
            "projectName",
            format!("The project name must not exceed {MAX_NAME_CHARS} characters in length."),
        ));
    }
    let lower = name.to_lowercase();
    if world
        .projects
        .iter()
        .any(|p| p.name.to_lowercase() == lower && Some(p.id.as_str()) != own)
    {
        return Err(JiraError::field(
            "projectName",
            "A project with that name already exists.",
        ));
    }
    Ok(name.to_owned())
}

fn checked_lead(world: &World, account_id: &str) -> Result<String, JiraError> {
    if account_id.chars().count() > MAX_ACCOUNT_ID_CHARS || world.user(account_id).is_none() {
        return Err(JiraError::field(
            "projectLead",
            "The project lead you specified does not exist.",
        ));
    }
    Ok(account_id.to_owned())
}

fn checked_description(description: String) -> Result<Option<String>, JiraError> {
    if description.len() > MAX_DESCRIPTION_BYTES {
        return Err(JiraError::field(
            "description",
            format!("The description is over {MAX_DESCRIPTION_BYTES} characters."),
        ));
    }
    Ok((!description.is_empty()).then_some(description))
}

fn checked_url(url: String) -> Result<Option<String>, JiraError> {
    if url.is_empty() {
        return Ok(None);
    }
    let valid = url.chars().count() <= MAX_URL_CHARS
        && url::Url::parse(&url).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
    if !valid {
        return Err(JiraError::field(
            "projectUrl",
            "The URL specified is not valid.",
        ));
    }
    Ok(Some(url))
}

fn checked_assignee(name: &str) -> Result<DefaultAssignee, JiraError> {
    DefaultAssignee::named(name).ok_or_else(|| {
        JiraError::field(
            "assigneeType",
            "The default assignee must be PROJECT_LEAD or UNASSIGNED.",
        )
    })
}

/// The project type the create names: `projectTypeKey`, or the type a
/// template's key implies (its product's prefix), as the spec lets a template
/// stand for the type.
fn checked_type(input: &ProjectInput) -> Result<ProjectType, JiraError> {
    if let Some(key) = input.project_type.as_deref() {
        return ProjectType::keyed(key).ok_or_else(|| {
            JiraError::field(
                "projectTypeKey",
                "The project type must be one of software, service_desk or business.",
            )
        });
    }
    let by_template = input.template.as_deref().and_then(|template| {
        if template.starts_with("com.pyxis.greenhopper.jira:") {
            Some(ProjectType::Software)
        } else if template.starts_with("com.atlassian.servicedesk:") {
            Some(ProjectType::ServiceDesk)
        } else if template.starts_with("com.atlassian.jira-core-project-templates:") {
            Some(ProjectType::Business)
        } else {
            None
        }
    });
    by_template.ok_or_else(|| {
        JiraError::field(
            "projectTypeKey",
            "A project type or a valid project template must be specified.",
        )
    })
}

/// `createProject`: 201 with the new project's `ProjectIdentifiers`.
pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraJson(body): JiraJson<Map<String, Value>>,
) -> Result<(StatusCode, Json<Value>), JiraError> {
    let input = ProjectInput::parse(&body)?;
    let mut world = shared.world();
    if !world.is_site_admin(&caller.account_id) {
        return Err(JiraError::forbidden(
            "You must have global administrator rights in order to create projects.",
        ));
    }
    let key = input
        .key
        .as_deref()
        .ok_or_else(|| JiraError::field("projectKey", "You must specify a project key."))?;
    let key = checked_key(&world, key, None)?;
    let name = input
        .name
        .as_deref()
        .ok_or_else(|| JiraError::field("projectName", "You must specify a project name."))?;
    let name = checked_name(&world, name, None)?;
    let lead = input
        .lead
        .as_deref()
        .ok_or_else(|| JiraError::field("projectLead", "You must specify a valid project lead."))?;
    let lead = checked_lead(&world, lead)?;
    let project_type = checked_type(&input)?;
    let default_assignee = match input.assignee_type.as_deref() {
        Some(name) => checked_assignee(name)?,
        None => DefaultAssignee::default(),
    };
    let description = match input.description {
        Some(text) => checked_description(text)?,
        None => None,
    };
    let url = match input.url {
        Some(url) => checked_url(url)?,
        None => None,
    };
    if world.projects.len() >= MAX_PROJECTS {
        // The simulator's limit, not Jira's; a 400 as the spec documents for
        // a create it refuses.
        return Err(JiraError::bad_request(format!(
            "Kiln's Jira simulator keeps at most {MAX_PROJECTS} projects."
        )));
    }
    let every_permission = BTreeSet::from([
        SeedPermission::Browse,
        SeedPermission::Create,
        SeedPermission::Edit,
        SeedPermission::Comment,
    ]);
    let grants: BTreeMap<String, BTreeSet<SeedPermission>> = world
        .users
        .iter()
        .map(|u| (u.account_id.clone(), every_permission.clone()))
        .collect();
    let id = world.take_project_id();
    let answer = json!({
        "self": format!("{}/rest/api/3/project/{id}", caller.links),
        // An integer on the wire (`ProjectIdentifiers.id`); the id was made
        // from one.
        "id": id.parse::<u64>().unwrap_or_default(),
        "key": key,
    });
    let record = ProjectRecord {
        id,
        key,
        name,
        lead,
        description,
        url,
        project_type,
        default_assignee,
        components: Vec::new(),
        grants,
        next_issue_number: 1,
        properties: BTreeMap::new(),
    };
    // Raised with the world still locked, so deliveries keep write order.
    let raised = shared
        .event_context(&world, &caller)
        .project(AdminChange::Created, &record);
    shared.emit(&world, raised);
    world.projects.push(record);
    Ok((StatusCode::CREATED, Json(answer)))
}

/// `updateProject`: the `Project` after the change. What the body names is
/// set, what it leaves out is kept; an empty `description` or `url` clears it.
pub(crate) async fn update(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<super::project::ProjectPath>,
    RawQuery(raw): RawQuery,
    JiraJson(body): JiraJson<Map<String, Value>>,
) -> Result<Json<Value>, JiraError> {
    let input = ProjectInput::parse(&body)?;
    let mut world = shared.world();
    let id_or_key = path.project_id_or_key();
    let Some(at) = world
        .projects
        .iter()
        .position(|p| p.id == id_or_key || p.key.eq_ignore_ascii_case(id_or_key))
    else {
        return Err(not_found(id_or_key));
    };
    let project = &world.projects[at];
    let administers = world.administers(&caller.account_id, &project.key);
    if !administers {
        return Err(
            if project.grants(&caller.account_id, SeedPermission::Browse) {
                JiraError::forbidden("You do not have permission to edit this project.")
            } else {
                not_found(id_or_key)
            },
        );
    }
    let mut changed = project.clone();
    if let Some(key) = input.key.as_deref()
        && !key.eq_ignore_ascii_case(&changed.key)
    {
        if !world.is_site_admin(&caller.account_id) {
            return Err(JiraError::forbidden(
                "You must have global administrator rights in order to change a project key.",
            ));
        }
        checked_key(&world, key, Some(&changed.id))?;
        return Err(JiraError::field(
            "projectKey",
            "Kiln's Jira simulator does not change project keys: Jira keeps the old key \
             working for the project and its issues, which the simulator does not model.",
        ));
    }
    if let Some(name) = input.name.as_deref() {
        changed.name = checked_name(&world, name, Some(&changed.id))?;
    }
    if let Some(lead) = input.lead.as_deref() {
        changed.lead = checked_lead(&world, lead)?;
    }
    if let Some(text) = input.description {
        changed.description = checked_description(text)?;
    }
    if let Some(url) = input.url {
        changed.url = checked_url(url)?;
    }
    if let Some(name) = input.assignee_type.as_deref() {
        changed.default_assignee = checked_assignee(name)?;
    }
    world.projects[at] = changed;
    let raised = shared
        .event_context(&world, &caller)
        .project(AdminChange::Updated, &world.projects[at]);
    shared.emit(&world, raised);
    let properties = PropertySelection::from_query(raw.as_deref(), Syntax::Keys);
    Ok(Json(render::project(
        &caller.links,
        &world,
        &world.projects[at],
        &properties,
    )))
}

fn not_found(id_or_key: &str) -> JiraError {
    // Echoed as the project reads do, bounded so a huge one is not sent back.
    let shown: String = id_or_key.chars().take(MAX_NAME_CHARS).collect();
    JiraError::not_found(format!("No project could be found with key '{shown}'."))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DeleteQuery {
    /// Read for its type only: the simulator has no trash (see the module).
    #[serde(default)]
    enable_undo: Option<bool>,
}

/// `deleteProject`: 204, the project and everything of it gone.
pub(crate) async fn delete(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<super::project::ProjectPath>,
    JiraQuery(query): JiraQuery<DeleteQuery>,
) -> Result<StatusCode, JiraError> {
    // Jira's default moves the project to its trash; the simulator deletes it
    // at once either way (see the module).
    let _to_trash = query.enable_undo.unwrap_or(true);
    let mut world = shared.world();
    let id_or_key = path.project_id_or_key();
    let at = world
        .projects
        .iter()
        .position(|p| p.id == id_or_key || p.key.eq_ignore_ascii_case(id_or_key))
        .filter(|_| world.is_site_admin(&caller.account_id))
        .ok_or_else(|| not_found(id_or_key))?;
    // The project as it was: built before it goes.
    let raised = shared
        .event_context(&world, &caller)
        .project(AdminChange::Deleted, &world.projects[at]);
    world.remove_project(at);
    shared.emit(&world, raised);
    Ok(StatusCode::NO_CONTENT)
}
