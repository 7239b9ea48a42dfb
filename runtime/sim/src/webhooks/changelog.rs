//! The `changelog` of a `jira:issue_updated` delivery: what an edit changed, one
//! item per field, in Jira's `ChangeDetails` shape (`field`, `fieldtype`, `fieldId`,
//! `from`/`fromString`, `to`/`toString`).

use serde_json::{Value, json};

use crate::adf;
use crate::world::{IssueRecord, World};

/// One changed field. `field_id` is what a dynamic webhook's `fieldIdsFilter` names.
#[derive(Debug, Clone)]
pub(crate) struct ChangeItem {
    pub(crate) field_id: &'static str,
    pub(crate) json: Value,
}

fn item(
    field: &str,
    field_id: &'static str,
    from: Option<&str>,
    from_string: Option<&str>,
    to: Option<&str>,
    to_string: Option<&str>,
) -> ChangeItem {
    ChangeItem {
        field_id,
        json: json!({
            "field": field,
            "fieldtype": "jira",
            "fieldId": field_id,
            "from": from,
            "fromString": from_string,
            "to": to,
            "toString": to_string,
        }),
    }
}

/// The fields that differ between `before` and `after`, in Jira's order of the
/// issue's fields. Empty when the write changed nothing.
pub(crate) fn diff(world: &World, before: &IssueRecord, after: &IssueRecord) -> Vec<ChangeItem> {
    let mut items = Vec::new();
    if before.summary != after.summary {
        items.push(item(
            "summary",
            "summary",
            None,
            Some(&before.summary),
            None,
            Some(&after.summary),
        ));
    }
    if before.description != after.description {
        let text = |d: &Option<Value>| d.as_ref().map(|d| adf::plain_text(d).trim_end().to_owned());
        items.push(item(
            "description",
            "description",
            None,
            text(&before.description).as_deref(),
            None,
            text(&after.description).as_deref(),
        ));
    }
    if before.status.id != after.status.id {
        items.push(item(
            "status",
            "status",
            Some(before.status.id),
            Some(before.status.name),
            Some(after.status.id),
            Some(after.status.name),
        ));
    }
    if before.issue_type.id != after.issue_type.id {
        items.push(item(
            "issuetype",
            "issuetype",
            Some(before.issue_type.id),
            Some(before.issue_type.name),
            Some(after.issue_type.id),
            Some(after.issue_type.name),
        ));
    }
    if before.assignee != after.assignee {
        let name = |id: &Option<String>| {
            id.as_deref()
                .and_then(|id| world.user(id))
                .map(|u| u.display_name.clone())
        };
        items.push(item(
            "assignee",
            "assignee",
            before.assignee.as_deref(),
            name(&before.assignee).as_deref(),
            after.assignee.as_deref(),
            name(&after.assignee).as_deref(),
        ));
    }
    if before.labels != after.labels {
        items.push(item(
            "labels",
            "labels",
            None,
            Some(&before.labels.join(" ")),
            None,
            Some(&after.labels.join(" ")),
        ));
    }
    // Jira logs components one item per component added or removed.
    let project = world.project(&after.project_key);
    let component_id = |name: &str| {
        project
            .and_then(|p| p.component_named(name))
            .map(|c| c.id.clone())
    };
    for removed in before
        .components
        .iter()
        .filter(|c| !after.components.contains(c))
    {
        let id = component_id(removed);
        items.push(item(
            "Component",
            "components",
            id.as_deref(),
            Some(removed),
            None,
            None,
        ));
    }
    for added in after
        .components
        .iter()
        .filter(|c| !before.components.contains(c))
    {
        let id = component_id(added);
        items.push(item(
            "Component",
            "components",
            None,
            None,
            id.as_deref(),
            Some(added),
        ));
    }
    items
}
