//! Reading, creating, editing, deleting and assigning issues.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::IssuePath;
use super::custom_field;
use super::due_date;
use super::field_details;
use super::fields::{DefaultFields, FieldSelection};
use super::hierarchy;
use super::issue_history::changelog;
use super::property_selection::{PropertySelection, Syntax};
use super::render;
use super::rendered_fields::Reader;
use super::time_tracking;
use super::v2::V2Request;
use super::version;
use super::wiki;
use crate::access::Caller;
use crate::adf;
use crate::extract::{JiraJson, JiraQuery};
use crate::jira_error::JiraError;
use crate::seed::SeedPermission;
use crate::shared::Shared;
use crate::world::custom_field::{CustomFieldRecord, Kind};
use crate::world::field_context::ContextRecord;
use crate::world::screen_scheme::IssueOperation;
use crate::world::version::VersionField;
use crate::world::workflow::{issue_type_by_id, issue_type_named};
use crate::world::{DEFAULT_PRIORITY, HistoryRecord, IssueRecord, World, priority_named};

/// Jira caps a summary at 255 characters.
const MAX_SUMMARY_CHARS: usize = 255;
/// Jira refuses labels with spaces and longer than 255 characters.
const MAX_LABEL_CHARS: usize = 255;

#[derive(Deserialize)]
pub(crate) struct GetQuery {
    fields: Option<String>,
    /// `names` and `schema` are modelled: each returned field's display name and
    /// `JsonTypeBean` (how apps map `customfield_N` to a name).
    expand: Option<String>,
    // `properties` may repeat, which this struct cannot hold: it is read from
    // the raw query (`property_selection.rs`).
}

/// `getIssue`. `properties` takes the spec's full syntax (keys, `*all`,
/// `-key`), repeated or comma-separated.
pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<IssuePath>,
    JiraQuery(query): JiraQuery<GetQuery>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, JiraError> {
    let properties = PropertySelection::from_query(raw.as_deref(), Syntax::Full);
    let world = shared.world();
    let index = visible_issue(&world, &caller, &path.issue_id_or_key)?;
    let selection = query
        .fields
        .as_deref()
        .map_or_else(FieldSelection::all, |f| {
            FieldSelection::parse([f], DefaultFields::All)
        });
    let mut issue = render::issue(
        &caller.links,
        &world,
        &world.issues[index],
        &selection,
        Some(&caller.account_id),
    );
    expand_issue(
        &caller,
        &world,
        &world.issues[index],
        query.expand.as_deref(),
        &mut issue,
    );
    properties.add_to(&world.issues[index].properties, &mut issue);
    Ok(Json(issue))
}

/// What `expand` adds to a rendered issue, as `getIssue` and `bulkFetchIssues`
/// give it: the per-issue expansions (`expand_record`), and the names and schemas of
/// the fields the issue carries.
pub(crate) fn expand_issue(
    caller: &Caller,
    world: &World,
    record: &IssueRecord,
    expand: Option<&str>,
    issue: &mut Value,
) {
    expand_record(caller, world, record, expand, issue);
    let returned: Vec<String> = issue
        .get("fields")
        .or_else(|| issue.get("versionedRepresentations"))
        .and_then(Value::as_object)
        .map(|f| f.keys().cloned().collect())
        .unwrap_or_default();
    field_details::expansions(
        world,
        returned.iter().map(String::as_str),
        field_details::expands(expand, "names"),
        field_details::expands(expand, "schema"),
        issue,
    );
}

/// The expansions that belong to one issue, as `getIssue`, `bulkFetchIssues` and the
/// enhanced search give them on each issue: `changelog` (its first page), `transitions`
/// (what `getTransitions` lists for the caller) and `editmeta` (what `getEditIssueMeta`
/// answers) and `renderedFields` (the fields as a person reads them:
/// `rendered_fields.rs`) and `versionedRepresentations` (every field by version,
/// in place of `fields`: `versioned.rs`). The search puts `names` and `schema` on
/// its page instead. Not modelled: `operations` (the rendered issue lists it as
/// available, as Jira does, and asking for it adds nothing).
pub(crate) fn expand_record(
    caller: &Caller,
    world: &World,
    record: &IssueRecord,
    expand: Option<&str>,
    issue: &mut Value,
) {
    if field_details::expands(expand, "changelog") {
        issue["changelog"] = changelog::expanded(&caller.links, world, record);
    }
    if field_details::expands(expand, "transitions") {
        issue["transitions"] = Value::Array(super::transition::available(
            &caller.links,
            world,
            &caller.account_id,
            record,
            None,
        ));
    }
    if field_details::expands(expand, "renderedFields") {
        let reader = Reader::new(&caller.links, world, &caller.account_id);
        issue["renderedFields"] = reader.fields(&issue["fields"]);
    }
    if field_details::expands(expand, "editmeta") {
        issue["editmeta"] =
            super::create_meta::edit_metadata(world, &caller.links, &caller.account_id, record);
    }
    if field_details::expands(expand, "versionedRepresentations") {
        // Every field, whatever `fields` asked for, and in its place.
        let all = render::issue(
            &caller.links,
            world,
            record,
            &FieldSelection::all(),
            Some(&caller.account_id),
        );
        issue["versionedRepresentations"] = super::versioned::representations(&all["fields"]);
        if let Some(object) = issue.as_object_mut() {
            object.remove("fields");
        }
    }
}

/// The body of `createIssue` and `editIssue`, and each of `createIssues`'
/// `issueUpdates`.
#[derive(Deserialize)]
pub(crate) struct IssueInput {
    #[serde(default)]
    fields: Map<String, Value>,
    #[serde(default)]
    update: Map<String, Value>,
}

/// `createIssue`: 201 with the `CreatedIssue`.
pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    v2: Option<Extension<V2Request>>,
    JiraJson(input): JiraJson<IssueInput>,
) -> Result<Response, JiraError> {
    let mut world = shared.world();
    let created = create_one(&shared, &mut world, &caller, v2.is_some(), input)?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

/// Creates one issue from `input` as `caller`, raising its `jira:issue_created`,
/// and answers its `CreatedIssue`: the one rule behind `createIssue` and each
/// element of `createIssues` (`bulk_create.rs`), so the two cannot drift. `v2`
/// says the request came through `/rest/api/2` (a textarea custom field's value
/// is then wiki markup). A refused create changes nothing in `world`.
pub(crate) fn create_one(
    shared: &Shared,
    world: &mut World,
    caller: &Caller,
    v2: bool,
    input: IssueInput,
) -> Result<Value, JiraError> {
    let project_ref = input
        .fields
        .get("project")
        .ok_or_else(|| JiraError::field("project", "Specify a valid project ID or key"))?;
    let project_key = reference(project_ref, "key")
        .and_then(|r| world.project(&r))
        .filter(|p| p.grants(&caller.account_id, SeedPermission::Browse))
        .map(|p| p.key.clone())
        .ok_or_else(|| JiraError::field("project", "Specify a valid project ID or key"))?;
    if !world.may(&caller.account_id, &project_key, SeedPermission::Create) {
        return Err(JiraError::forbidden(
            "You do not have permission to create issues in this project.",
        ));
    }
    let issue_type = input
        .fields
        .get("issuetype")
        .and_then(|r| {
            r.get("id")
                .and_then(Value::as_str)
                .and_then(issue_type_by_id)
                .or_else(|| {
                    r.get("name")
                        .and_then(Value::as_str)
                        .and_then(issue_type_named)
                })
        })
        .ok_or_else(|| JiraError::field("issuetype", "Specify an issue type"))?;
    let summary = input
        .fields
        .get("summary")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| JiraError::field("summary", "You must specify a summary of the issue."))?
        .to_owned();
    let now = world.now();
    // The id and key number are only read here and used up once the issue is
    // valid (below): a refused create spends neither, as on Jira, so the next
    // issue gets the key an app would expect.
    let id = world.next_issue_id;
    let (number, initial_status) = world
        .projects
        .iter()
        .find(|p| p.key == project_key)
        .map(|p| {
            let status = world.workflows.initial_status(&p.id, issue_type.id);
            (p.next_issue_number, status)
        })
        .ok_or_else(|| JiraError::field("project", "Specify a valid project ID or key"))?;
    let mut issue = IssueRecord {
        id,
        key: format!("{project_key}-{number}"),
        project_key,
        summary,
        description: None,
        environment: None,
        due_date: None,
        // Where the initial transition of the workflow the project's scheme
        // gives the type leads, as it stands.
        status: initial_status,
        issue_type,
        labels: Vec::new(),
        assignee: None,
        reporter: caller.account_id.clone(),
        creator: caller.account_id.clone(),
        resolution: None,
        resolution_date: None,
        status_category_changed: now,
        components: Vec::new(),
        fix_versions: Vec::new(),
        affected_versions: Vec::new(),
        sprints: Vec::new(),
        priority: DEFAULT_PRIORITY,
        parent: None,
        rank: crate::world::rank::initial_rank(id),
        epic: Default::default(),
        comments: Vec::new(),
        worklogs: Vec::new(),
        estimates: Default::default(),
        attachments: Vec::new(),
        voters: Vec::new(),
        watchers: vec![caller.account_id.clone()],
        properties: Default::default(),
        custom_fields: Default::default(),
        history: Vec::new(),
        remote_links: Vec::new(),
        created: now,
        updated: now,
    };
    let mut fields = input.fields;
    for handled in ["project", "issuetype"] {
        fields.remove(handled);
    }
    let api = Api::of(v2);
    apply_fields(
        world,
        &mut issue,
        &fields,
        &input.update,
        api,
        &caller.account_id,
        IssueOperation::Create,
    )?;
    // A custom field the create leaves out takes the default of the context
    // that applies to the new issue (`world/field_context_default.rs`).
    let project_id = world
        .project(&issue.project_key)
        .map(|p| p.id.clone())
        .unwrap_or_default();
    let named = |id: &str| fields.contains_key(id) || input.update.contains_key(id);
    for (number, value) in world.context_defaults(&project_id, issue.issue_type.id, now, named) {
        issue.custom_fields.insert(number, value);
    }
    hierarchy::check_created(&issue)?;
    let taken = world.take_issue_id();
    debug_assert_eq!(
        taken, issue.id,
        "nothing else takes an issue id during a create"
    );
    if let Some(project) = world
        .projects
        .iter_mut()
        .find(|p| p.key == issue.project_key)
    {
        project.next_issue_number += 1;
    }
    let created = json!({
        "id": issue.id.to_string(),
        "key": issue.key,
        "self": format!("{}/rest/api/3/issue/{}", caller.links, issue.id),
    });
    let raised = shared.event_context(world, caller).issue_created(&issue);
    world.issues.push(issue);
    shared.emit(world, raised);
    Ok(created)
}

pub(crate) async fn edit(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<IssuePath>,
    v2: Option<Extension<V2Request>>,
    JiraJson(input): JiraJson<IssueInput>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    let index = editable_issue(&world, &caller, &path.issue_id_or_key, Change::Edit)?;
    let mut issue = world.issues[index].clone();
    let api = Api::of(v2.is_some());
    let actor = &caller.account_id;
    let (fields, update) = (&input.fields, &input.update);
    apply_fields(
        &world,
        &mut issue,
        fields,
        update,
        api,
        actor,
        IssueOperation::Edit,
    )?;
    issue.updated = world.now();
    let before = std::mem::replace(&mut world.issues[index], issue);
    raise_updated(&shared, &mut world, &caller, &before, index);
    Ok(StatusCode::NO_CONTENT)
}

/// `deleteIssue`'s query.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DeleteQuery {
    /// Read as text: the spec's enum is `"true"`/`"false"`, and Jira reads
    /// anything but `true` (without regard to case) as false, as Java parses a
    /// boolean.
    delete_subtasks: Option<String>,
}

/// `deleteIssue`. An issue with sub-tasks is refused (the spec's 400) unless
/// `deleteSubtasks=true`; then its sub-tasks go first, each raising its own
/// `jira:issue_deleted`, and the issue last. An epic's children are not
/// deleted: they lose their parent (`World::orphan_children_of`).
pub(crate) async fn delete(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<IssuePath>,
    JiraQuery(query): JiraQuery<DeleteQuery>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    let index = editable_issue(&world, &caller, &path.issue_id_or_key, Change::Delete)?;
    let id = world.issues[index].id;
    let subtasks: Vec<u64> = world.subtasks_of(id).map(|s| s.id).collect();
    let delete_subtasks = query
        .delete_subtasks
        .as_deref()
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    if !subtasks.is_empty() && !delete_subtasks {
        return Err(JiraError::bad_request(
            "The issue has subtasks. Set deleteSubtasks to true to delete the issue and its \
             subtasks.",
        ));
    }
    // Sub-tasks share their parent's project, so the Edit the parent needed
    // covers them.
    for subtask in subtasks.into_iter().chain([id]) {
        remove_issue(&shared, &mut world, &caller, subtask);
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Removes the issue with id `id` (if it is still there), raising its
/// `jira:issue_deleted` and dropping what cannot outlive it.
fn remove_issue(shared: &Shared, world: &mut World, caller: &Caller, id: u64) {
    let Some(index) = world.issues.iter().position(|issue| issue.id == id) else {
        return;
    };
    let removed = world.issues.remove(index);
    let raised = shared.event_context(world, caller).issue_deleted(&removed);
    // After the event is rendered, so its payload shows the links the issue
    // had; a link cannot outlive either of its issues, nor a parent its issue.
    world.issue_links.retain(|link| !link.involves(removed.id));
    world.orphan_children_of(removed.id);
    // Its worklogs go with it: `GET /worklog/deleted` lists them.
    world.record_deleted_worklogs(removed.worklogs.iter().map(|w| w.id));
    shared.emit(world, raised);
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AssigneeInput {
    /// `null` unassigns; `"-1"` assigns the project's default assignee (its lead here).
    account_id: Option<String>,
}

pub(crate) async fn assign(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<IssuePath>,
    JiraJson(input): JiraJson<AssigneeInput>,
) -> Result<StatusCode, JiraError> {
    let mut world = shared.world();
    let index = editable_issue(&world, &caller, &path.issue_id_or_key, Change::Assign)?;
    let project_key = world.issues[index].project_key.clone();
    let assignee = match input.account_id.as_deref() {
        None => None,
        Some("-1") => world.project(&project_key).map(|p| p.lead.clone()),
        Some(account_id) => Some(assignable(&world, &project_key, account_id)?),
    };
    let now = world.now();
    let before = world.issues[index].clone();
    let issue = &mut world.issues[index];
    issue.assignee = assignee;
    issue.updated = now;
    raise_updated(&shared, &mut world, &caller, &before, index);
    Ok(StatusCode::NO_CONTENT)
}

/// Raises `jira:issue_updated` for the change from `before` to the issue now at
/// `index`, with the world still locked (so deliveries keep write order), and
/// records the same change in the issue's history: one diff feeds both, so the
/// changelog an app reads and the one its webhook carried are the same.
pub(crate) fn raise_updated(
    shared: &Shared,
    world: &mut World,
    caller: &Caller,
    before: &IssueRecord,
    index: usize,
) {
    let changelog_id = world.take_changelog_id();
    let (items, raised) = shared.event_context(world, caller).issue_updated(
        before,
        &world.issues[index],
        changelog_id,
    );
    if !items.is_empty() {
        let created = world.now();
        world.issues[index].record_history(HistoryRecord {
            id: changelog_id,
            author: caller.account_id.clone(),
            created,
            items,
        });
    }
    shared.emit(world, raised);
}

/// A change to an issue that needs the Edit permission, and how Jira refuses it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Change {
    Edit,
    Transition,
    Delete,
    Assign,
    Property,
    PropertyDelete,
    Worklog,
    /// Adding attachments: Jira's *Create attachments* permission, which the
    /// simulator folds into Edit as it folds the other per-action permissions.
    Attachment,
    /// Creating, updating or deleting remote links: Jira's *Link issues*
    /// permission, folded into Edit likewise.
    RemoteLink,
    /// Creating or deleting links between issues: *Link issues* again, but
    /// `linkIssues` and `deleteIssueLink` document no 403, only 404 ("the user
    /// does not have *link issues* project permission").
    IssueLink,
}

impl Change {
    /// The refusal the platform spec documents for a caller who may see the issue
    /// but not change it: `editIssue` and `doTransition` list no 403, only a 400
    /// ("the user does not have the necessary permission"); `deleteIssue` and
    /// `assignIssue` answer 403.
    pub(crate) fn refusal(self) -> JiraError {
        match self {
            Change::Edit => {
                JiraError::bad_request("You do not have permission to edit this issue.")
            }
            Change::Transition => {
                JiraError::bad_request("You do not have permission to transition this issue.")
            }
            Change::Delete => {
                JiraError::forbidden("You do not have permission to delete this issue.")
            }
            Change::Assign => {
                JiraError::forbidden("You do not have permission to assign this issue.")
            }
            // `setIssueProperty` documents a 403; `deleteIssueProperty` only a 404
            // ("the user does not have permission to edit the issue").
            Change::Property => JiraError::forbidden(
                "You do not have permission to edit the properties of this issue.",
            ),
            Change::PropertyDelete => JiraError::not_found(
                "You do not have permission to edit the properties of this issue.",
            ),
            // `addWorklog` documents no 403, only 400.
            Change::Worklog => {
                JiraError::bad_request("You do not have the permission to log work on this issue.")
            }
            // `addAttachment` documents a 403 for a caller without the permission.
            Change::Attachment => JiraError::forbidden(
                "You do not have permission to create attachments for this issue.",
            ),
            // The remote link writes document a 403 ("permission to link issues").
            Change::RemoteLink => {
                JiraError::forbidden("You do not have permission to link issues.")
            }
            Change::IssueLink => JiraError::not_found("You do not have permission to link issues."),
        }
    }
}

/// The issue's index, if the caller can see it; Jira's 404 otherwise (the same
/// answer for an issue that does not exist, so a caller learns nothing of issues
/// it may not browse).
pub(crate) fn visible_issue(
    world: &World,
    caller: &Caller,
    id_or_key: &str,
) -> Result<usize, JiraError> {
    world
        .visible_issue(&caller.account_id, id_or_key)
        .ok_or_else(JiraError::issue_not_found)
}

/// The issue, if the caller can see it (else 404) and may make `change` (else
/// the refusal the spec gives for it).
pub(crate) fn editable_issue(
    world: &World,
    caller: &Caller,
    id_or_key: &str,
    change: Change,
) -> Result<usize, JiraError> {
    let index = visible_issue(world, caller, id_or_key)?;
    if !world.may(
        &caller.account_id,
        &world.issues[index].project_key,
        SeedPermission::Edit,
    ) {
        return Err(change.refusal());
    }
    Ok(index)
}

/// An account that can be assigned issues in the project
/// ([`ProjectRecord::assignable`](crate::world::ProjectRecord::assignable), the
/// rule `findAssignableUsers` lists by).
fn assignable(world: &World, project_key: &str, account_id: &str) -> Result<String, JiraError> {
    let project = world.project(project_key);
    world
        .user(account_id)
        .filter(|u| project.is_some_and(|p| p.assignable(&u.account_id)))
        .map(|u| u.account_id.clone())
        .ok_or_else(|| {
            JiraError::field(
                "assignee",
                format!("User '{account_id}' cannot be assigned issues."),
            )
        })
}

/// The reporter a create or an edit names, `{"accountId": …}` (or `{"id": …}`, as
/// for the assignee). Jira lets only a caller with *Modify Reporter* set it, and for anyone
/// else the field is not on the screen; the simulator folds that permission into Edit, as
/// it folds the other per-action permissions. The reporter must be a user of the site; it
/// is required, so `null` is refused rather than clearing it.
fn reporter(
    world: &World,
    project_key: &str,
    value: &Value,
    actor: &str,
) -> Result<String, JiraError> {
    if !world.may(actor, project_key, SeedPermission::Edit) {
        return Err(not_on_screen("reporter"));
    }
    if value.is_null() {
        return Err(JiraError::field("reporter", "Reporter is required."));
    }
    value
        .get("accountId")
        .or_else(|| value.get("id"))
        .and_then(Value::as_str)
        .and_then(|account_id| world.user(account_id))
        .map(|user| user.account_id.clone())
        .ok_or_else(|| JiraError::field("reporter", "The reporter specified is not a user."))
}

/// `{"key": …}` / `{"id": …}` / `{"name": …}` reference to a named entity.
fn reference(value: &Value, preferred: &str) -> Option<String> {
    [preferred, "id", "key", "name"]
        .iter()
        .find_map(|k| value.get(*k).and_then(Value::as_str))
        .map(str::to_owned)
}

/// Jira's refusal of a field a create or edit may not set: one not on the
/// screen (`world/screen.rs`), or one it does not know.
fn not_on_screen(name: &str) -> JiraError {
    JiraError::field(
        name,
        format!("Field '{name}' cannot be set. It is not on the appropriate screen, or unknown."),
    )
}

/// Applies `fields` (set) and `update` (operations) to an issue, refusing a
/// field the screen does not hold ([`World::offered_fields`], the rule the
/// create and edit metadata list by) and anything the simulator does not store,
/// as Jira refuses fields not on the screen. `actor` is who writes: what a
/// field refers to (a parent) must be visible to them. `operation` says whose
/// screen decides: the create screen's or the edit screen's.
fn apply_fields(
    world: &World,
    issue: &mut IssueRecord,
    fields: &Map<String, Value>,
    update: &Map<String, Value>,
    api: Api,
    actor: &str,
    operation: IssueOperation,
) -> Result<(), JiraError> {
    let project_id = world
        .project(&issue.project_key)
        .map(|p| p.id.as_str())
        .unwrap_or_default();
    let offered = world.offered_fields(project_id, issue.issue_type.id, operation);
    if let Some(name) = fields
        .keys()
        .chain(update.keys())
        .find(|name| !offered.offers(name))
    {
        return Err(not_on_screen(name));
    }
    for (name, value) in fields {
        set_field(world, issue, name, value, api, actor)?;
    }
    for (name, operations) in update {
        let operations = operations.as_array().ok_or_else(|| {
            JiraError::field(
                name.clone(),
                "Operation value must be an array of operations.",
            )
        })?;
        for operation in operations {
            let object = operation
                .as_object()
                .ok_or_else(|| JiraError::field(name.clone(), "Operation must be an object."))?;
            for (verb, value) in object {
                match (name.as_str(), verb.as_str()) {
                    ("labels", "add") => {
                        let label = label(value)?;
                        if !issue.labels.contains(&label) {
                            issue.labels.push(label);
                        }
                    }
                    ("labels", "remove") => {
                        let label = label(value)?;
                        issue.labels.retain(|l| *l != label);
                    }
                    (_, "set") => set_field(world, issue, name, value, api, actor)?,
                    (time_tracking::FIELD, "edit") => {
                        time_tracking::edit(&mut issue.estimates, value)?;
                    }
                    ("fixVersions", "add" | "remove") => {
                        let add = verb == "add";
                        version::issue_field::update(world, issue, VersionField::Fix, add, value)?;
                    }
                    ("versions", "add" | "remove") => {
                        let add = verb == "add";
                        let field = VersionField::Affects;
                        version::issue_field::update(world, issue, field, add, value)?;
                    }
                    (_, "add" | "remove") if world.custom_field(name).is_some() => {
                        update_custom(world, issue, name, verb, value)?;
                    }
                    _ => {
                        return Err(JiraError::field(
                            name.clone(),
                            format!("Field '{name}' does not support operation '{verb}'"),
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

/// Which REST API version a write came through: v2 writes a textarea custom
/// field as a string (wiki markup), v3 as a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Api {
    V2,
    V3,
}

impl Api {
    fn of(v2: bool) -> Self {
        if v2 { Api::V2 } else { Api::V3 }
    }
}

/// Sets a custom field from a create's or edit's value (`None` when `name` is
/// not a custom field of the site).
fn set_custom(
    world: &World,
    issue: &mut IssueRecord,
    name: &str,
    value: &Value,
    api: Api,
) -> Option<Result<(), JiraError>> {
    let field = world.custom_field(name)?;
    let converted;
    let value = match (api, field.kind, value) {
        (Api::V2, Kind::TextArea, Value::String(text)) => {
            converted = wiki::to_adf(text);
            &converted
        }
        _ => value,
    };
    let context = applicable_context(world, issue, field);
    Some(
        custom_field::parse_value(world, field, context, value).map(|parsed| match parsed {
            Some(parsed) => {
                issue.custom_fields.insert(field.number, parsed);
            }
            None => {
                issue.custom_fields.remove(&field.number);
            }
        }),
    )
}

/// The context of `field` that applies to `issue` (`world/field_context.rs`):
/// the options a value may name.
fn applicable_context<'a>(
    world: &World,
    issue: &IssueRecord,
    field: &'a CustomFieldRecord,
) -> Option<&'a ContextRecord> {
    let project = world.project(&issue.project_key)?;
    field.context_for(&project.id, issue.issue_type.id)
}

/// An update's `add` or `remove` on a custom field.
fn update_custom(
    world: &World,
    issue: &mut IssueRecord,
    name: &str,
    verb: &str,
    value: &Value,
) -> Result<(), JiraError> {
    let field = world
        .custom_field(name)
        .ok_or_else(|| not_on_screen(name))?;
    let current = issue.custom_fields.get(&field.number);
    let context = applicable_context(world, issue, field);
    match custom_field::apply_verb(field, context, current, verb, value)? {
        Some(after) => {
            issue.custom_fields.insert(field.number, after);
        }
        None => {
            issue.custom_fields.remove(&field.number);
        }
    }
    Ok(())
}

fn set_field(
    world: &World,
    issue: &mut IssueRecord,
    name: &str,
    value: &Value,
    api: Api,
    actor: &str,
) -> Result<(), JiraError> {
    if let Some(result) = set_custom(world, issue, name, value, api) {
        return result;
    }
    match name {
        "summary" => {
            let summary = value
                .as_str()
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| {
                    JiraError::field("summary", "You must specify a summary of the issue.")
                })?;
            if summary.chars().count() > MAX_SUMMARY_CHARS {
                return Err(JiraError::field(
                    "summary",
                    "Summary must be less than 255 characters.",
                ));
            }
            issue.summary = summary.to_owned();
        }
        "description" => {
            issue.description = adf::optional_field("description", Some(value.clone()))?;
        }
        // Rich text as the description is, through the same check and with the
        // same bounds (a request body; the history's byte cap); v2's strings
        // become documents before this (`v2.rs`).
        "environment" => {
            issue.environment = adf::optional_field("environment", Some(value.clone()))?;
        }
        due_date::FIELD => issue.due_date = due_date::parse(value)?,
        time_tracking::FIELD => time_tracking::set(&mut issue.estimates, value)?,
        "labels" => {
            let labels = value
                .as_array()
                .ok_or_else(|| {
                    JiraError::field("labels", "Operation value must be an array of strings.")
                })?
                .iter()
                .map(label)
                .collect::<Result<Vec<_>, _>>()?;
            let mut unique = Vec::new();
            for l in labels {
                if !unique.contains(&l) {
                    unique.push(l);
                }
            }
            issue.labels = unique;
        }
        "assignee" => {
            issue.assignee = match value {
                Value::Null => None,
                other => {
                    // `{"accountId": …}`, or `{"id": …}` as the platform spec's own
                    // createIssue example writes the assignee (the account id either way).
                    let account_id = other
                        .get("accountId")
                        .or_else(|| other.get("id"))
                        .and_then(Value::as_str)
                        .ok_or_else(|| {
                            JiraError::field("assignee", "Specify the assignee by accountId.")
                        })?;
                    Some(assignable(world, &issue.project_key, account_id)?)
                }
            };
        }
        "reporter" => issue.reporter = reporter(world, &issue.project_key, value, actor)?,
        "components" => {
            let project = world
                .project(&issue.project_key)
                .ok_or_else(|| JiraError::field("components", "Unknown project."))?;
            let mut names = Vec::new();
            for component in value.as_array().into_iter().flatten() {
                let found = component
                    .get("id")
                    .and_then(Value::as_str)
                    .and_then(|id| project.components.iter().find(|c| c.id == id))
                    .or_else(|| {
                        component
                            .get("name")
                            .and_then(Value::as_str)
                            .and_then(|n| project.component_named(n))
                    })
                    .ok_or_else(|| JiraError::field("components", "Component not found."))?;
                names.push(found.name.clone());
            }
            issue.components = names;
        }
        "priority" => {
            issue.priority = priority_named(value).ok_or_else(|| {
                JiraError::field("priority", "Specify a valid 'id' or 'name' for Priority")
            })?;
        }
        hierarchy::FIELD => hierarchy::set(world, issue, value, actor)?,
        "fixVersions" => version::issue_field::set(world, issue, VersionField::Fix, value)?,
        "versions" => version::issue_field::set(world, issue, VersionField::Affects, value)?,
        other => return Err(not_on_screen(other)),
    }
    Ok(())
}

fn label(value: &Value) -> Result<String, JiraError> {
    let text = value
        .as_str()
        .ok_or_else(|| JiraError::field("labels", "Label must be a string."))?;
    if text.is_empty()
        || text.chars().any(char::is_whitespace)
        || text.chars().count() > MAX_LABEL_CHARS
    {
        return Err(JiraError::field(
            "labels",
            "The label can't contain spaces.",
        ));
    }
    Ok(text.to_owned())
}
