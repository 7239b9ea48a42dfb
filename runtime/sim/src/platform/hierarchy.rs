//! The issue hierarchy on the REST API: the `parent` field a create or edit
//! sets, the `parent` and `subtasks` fields an issue renders, and their
//! metadata. The rules themselves are `world::hierarchy`'s.
//!
//! The platform spec describes `parent` only as a field of the create and edit
//! beans (free-form `fields`); the shapes and messages here are Jira Cloud's as
//! clients record them:
//! - a sub-task created without a parent: 400 naming `issuetype`, "Issue type is
//!   a sub-task but parent issue key or id not specified.";
//! - a parent at the wrong level: 400 naming `parent`, "Given parent issue does
//!   not belong to appropriate hierarchy.";
//! - a `parent` that is not an object: 400 naming `parent`, "data was not an
//!   object";
//! - the issue's `parent`: `{id, key, self, fields: {summary, status, priority,
//!   issuetype}}`, and `subtasks`: a list of the same shape.

use serde_json::{Value, json};

use super::issue_link::linked_issue;
use crate::jira_error::JiraError;
use crate::seed::SeedPermission;
use crate::world::hierarchy::{ParentRefusal, check_parent, check_parentless};
use crate::world::workflow::{EPIC_LEVEL, IssueType};
use crate::world::{IssueRecord, World};

/// The field's id, in the REST API and in errors.
pub(crate) const FIELD: &str = "parent";

/// The field listing an issue's sub-tasks.
pub(crate) const SUBTASKS_FIELD: &str = "subtasks";

fn refusal(refusal: ParentRefusal) -> JiraError {
    match refusal {
        ParentRefusal::WrongHierarchy => JiraError::field(
            FIELD,
            "Given parent issue does not belong to appropriate hierarchy.",
        ),
        // Jira names the issue type, not the parent, for this one.
        ParentRefusal::SubtaskWithoutParent => JiraError::field(
            "issuetype",
            "Issue type is a sub-task but parent issue key or id not specified.",
        ),
    }
}

/// Sets `issue`'s parent from a create's or edit's value: `{"key": …}` or
/// `{"id": …}` (the id as text or a number) names the parent, `null` removes
/// it. The parent must be an issue `actor` may browse (one it may not is
/// answered as one that does not exist, so hidden keys cannot be probed) and fit
/// the hierarchy. A sub-task's parent can be changed but not removed.
pub(crate) fn set(
    world: &World,
    issue: &mut IssueRecord,
    value: &Value,
    actor: &str,
) -> Result<(), JiraError> {
    if value.is_null() {
        check_parentless(&issue.issue_type).map_err(|_| {
            // Not the create's `issuetype` message: the issue exists, and it is
            // the parent that is being taken away.
            JiraError::field(FIELD, "A sub-task must have a parent issue.")
        })?;
        issue.parent = None;
        return Ok(());
    }
    let object = value
        .as_object()
        .ok_or_else(|| JiraError::field(FIELD, "data was not an object"))?;
    let named = |name: &str| match object.get(name) {
        Some(Value::String(text)) => Some(text.clone()),
        Some(Value::Number(number)) => Some(number.to_string()),
        _ => None,
    };
    let reference = named("key")
        .or_else(|| named("id"))
        .filter(|r| !r.trim().is_empty())
        .ok_or_else(|| JiraError::field(FIELD, "Could not find issue by id or key."))?;
    let parent = world
        .visible_issue(actor, &reference)
        .map(|index| &world.issues[index])
        .ok_or_else(|| JiraError::field(FIELD, "Could not find issue by id or key."))?;
    check_parent(&issue.issue_type, &issue.project_key, parent).map_err(refusal)?;
    issue.parent = Some(parent.id);
    Ok(())
}

/// What a create checks once every field is set: a sub-task needs a parent.
pub(crate) fn check_created(issue: &IssueRecord) -> Result<(), JiraError> {
    if issue.parent.is_none() {
        check_parentless(&issue.issue_type).map_err(refusal)?;
    }
    Ok(())
}

/// Whether `viewer` may see `other`'s fields. A webhook payload (`None`) is
/// rendered for the site; [`hide_unbrowsable`] trims it per receiver.
fn may_see(world: &World, viewer: Option<&str>, other: &IssueRecord) -> bool {
    viewer
        .is_none_or(|account_id| world.may(account_id, &other.project_key, SeedPermission::Browse))
}

/// The issue's `parent` field, or `None` when it has none (Jira then leaves the
/// field out). A parent `viewer` may not browse (an epic of a project hidden
/// from them) shows as its `id`, `key` and `self` only: the same rule as
/// `issuelinks`, which never shows a hidden issue's fields; the key is still
/// given because it is the child's own data (Jira's parent is part of the
/// child), and hiding the whole field would tell the viewer the issue has none.
pub(crate) fn parent_field(
    links: &str,
    world: &World,
    issue: &IssueRecord,
    viewer: Option<&str>,
) -> Option<Value> {
    let parent = world.issue_by_id(issue.parent?)?;
    Some(if may_see(world, viewer, parent) {
        linked_issue(links, parent)
    } else {
        bare(links, parent)
    })
}

fn bare(links: &str, issue: &IssueRecord) -> Value {
    json!({
        "id": issue.id.to_string(),
        "key": issue.key,
        "self": format!("{links}/rest/api/3/issue/{}", issue.id),
    })
}

/// The issue's `subtasks` field: its sub-tasks, oldest first, each as a
/// parent is shown. Sub-tasks share their parent's project, so whoever sees the
/// parent sees them; one `viewer` may not browse is still left out, as a link
/// to it would be.
pub(crate) fn subtasks_field(
    links: &str,
    world: &World,
    issue: &IssueRecord,
    viewer: Option<&str>,
) -> Value {
    Value::Array(
        world
            .subtasks_of(issue.id)
            .filter(|subtask| may_see(world, viewer, subtask))
            .map(|subtask| linked_issue(links, subtask))
            .collect(),
    )
}

/// Removes from a rendered issue what some account of `viewers` may not
/// browse: the parent's `fields`, and sub-tasks. A webhook payload is rendered
/// once for the site; an app's dynamic webhook delivers it for the users who
/// registered it (as `issue_link::hide_unbrowsable` trims its links).
pub(crate) fn hide_unbrowsable(world: &World, issue: &mut Value, viewers: &[String]) {
    let Some(fields) = issue.get_mut("fields").and_then(Value::as_object_mut) else {
        return;
    };
    let browsable = |value: &Value| {
        value
            .get("id")
            .and_then(Value::as_str)
            .and_then(|id| id.parse::<u64>().ok())
            .and_then(|id| world.issue_by_id(id))
            .is_some_and(|other| {
                viewers
                    .iter()
                    .all(|viewer| world.may(viewer, &other.project_key, SeedPermission::Browse))
            })
    };
    if let Some(parent) = fields.get_mut(FIELD)
        && !browsable(parent)
        && let Some(parent) = parent.as_object_mut()
    {
        parent.remove("fields");
    }
    if let Some(subtasks) = fields.get_mut(SUBTASKS_FIELD).and_then(Value::as_array_mut) {
        subtasks.retain(browsable);
    }
}

/// The `parent` field's create or edit metadata for an issue of `issue_type`:
/// required for a sub-task, optional for a standard issue, absent for an epic
/// (nothing is above it). The schema is the one Jira's create metadata gives
/// the field.
pub(crate) fn metadata(issue_type: &IssueType) -> Option<Value> {
    (issue_type.hierarchy_level < EPIC_LEVEL).then(|| {
        json!({
            "fieldId": FIELD,
            "key": FIELD,
            "name": "Parent",
            "required": issue_type.is_subtask(),
            "schema": { "type": "issuelink", "system": FIELD },
            "operations": ["set"],
            "hasDefaultValue": false,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::fields::FieldSelection;
    use crate::platform::render;
    use crate::seed::Seed;
    use crate::world::workflow::issue_type_named;

    #[test]
    fn a_webhook_payload_shows_a_parents_fields_only_if_its_owners_may_browse_it() {
        let mut world = World::from_seed(&Seed::default()).expect("the default seed");
        let index =
            |world: &World, key: &str| world.issues.iter().position(|i| i.key == key).expect(key);
        // SEC-1, hidden from Carol, becomes the epic of KILN-2, which she sees.
        let epic = index(&world, "SEC-1");
        world.issues[epic].issue_type = issue_type_named("Epic").expect("Epic");
        let epic_id = world.issues[epic].id;
        let child = index(&world, "KILN-2");
        world.issues[child].parent = Some(epic_id);
        let account = |email: &str| {
            world
                .user_by_email(email)
                .map(|u| u.account_id.clone())
                .expect(email)
        };
        let (bob, carol) = (account("user@example.com"), account("outsider@example.com"));
        let all = FieldSelection::all();
        let site = render::issue("", &world, &world.issues[child], &all, None);
        let summary = world.issues[epic].summary.clone();
        assert_eq!(
            site["fields"]["parent"]["fields"]["summary"],
            json!(summary)
        );
        let mut for_bob = site.clone();
        hide_unbrowsable(&world, &mut for_bob, std::slice::from_ref(&bob));
        assert_eq!(for_bob, site);
        let mut for_both = site.clone();
        hide_unbrowsable(&world, &mut for_both, &[bob, carol.clone()]);
        assert_eq!(for_both["fields"]["parent"]["key"], json!("SEC-1"));
        assert!(for_both["fields"]["parent"].get("fields").is_none());
        assert!(!for_both.to_string().contains(&summary));
        let as_carol = render::issue("", &world, &world.issues[child], &all, Some(&carol));
        assert_eq!(as_carol["fields"]["parent"], for_both["fields"]["parent"]);
    }
}
