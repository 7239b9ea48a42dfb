//! The `changelog` of a `jira:issue_updated` delivery: what an edit changed, one
//! item per field, in Jira's `ChangeDetails` shape (`field`, `fieldtype`, `fieldId`,
//! `from`/`fromString`, `to`/`toString`). The same items become the issue's
//! history entry (`platform::issue::raise_updated`), so the REST changelog and
//! the webhooks cannot disagree.

use serde_json::Value;

use crate::adf;
use crate::platform::{due_date, time_tracking};
use crate::world::custom_field::CustomValue;
use crate::world::version::VersionField;
use crate::world::{IssueRecord, World};

/// One changed field. `field_id` is what a dynamic webhook's `fieldIdsFilter` names.
pub(crate) use crate::world::HistoryItem as ChangeItem;

fn item(
    field: &str,
    field_id: &str,
    from: Option<&str>,
    from_string: Option<&str>,
    to: Option<&str>,
    to_string: Option<&str>,
) -> ChangeItem {
    ChangeItem {
        field: field.to_owned(),
        fieldtype: "jira",
        field_id: field_id.to_owned(),
        from: from.map(str::to_owned),
        from_string: from_string.map(str::to_owned),
        to: to.map(str::to_owned),
        to_string: to_string.map(str::to_owned),
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
    items.extend(document_item(
        "description",
        &before.description,
        &after.description,
    ));
    items.extend(document_item(
        "environment",
        &before.environment,
        &after.environment,
    ));
    // Jira logs the resolution a move into (or out of) Done sets before the
    // status: the resolutions' ids in `from`/`to`, their names in the strings.
    if before.resolution.map(|r| r.id) != after.resolution.map(|r| r.id) {
        items.push(item(
            "resolution",
            "resolution",
            before.resolution.map(|r| r.id),
            before.resolution.map(|r| r.name),
            after.resolution.map(|r| r.id),
            after.resolution.map(|r| r.name),
        ));
    }
    if before.status.id != after.status.id {
        items.push(item(
            "status",
            "status",
            Some(&before.status.id),
            Some(&before.status.name),
            Some(&after.status.id),
            Some(&after.status.name),
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
    // Jira's priority field, by id and name (`from: "3", fromString: "Medium"`),
    // as triage apps read it to react to an escalation.
    if before.priority.id != after.priority.id {
        items.push(item(
            "priority",
            "priority",
            Some(before.priority.id),
            Some(before.priority.name),
            Some(after.priority.id),
            Some(after.priority.name),
        ));
    }
    let name = |id: Option<&str>| {
        id.and_then(|id| world.user(id))
            .map(|u| u.display_name.clone())
    };
    if before.assignee != after.assignee {
        items.push(item(
            "assignee",
            "assignee",
            before.assignee.as_deref(),
            name(before.assignee.as_deref()).as_deref(),
            after.assignee.as_deref(),
            name(after.assignee.as_deref()).as_deref(),
        ));
    }
    if before.reporter != after.reporter {
        items.push(item(
            "reporter",
            "reporter",
            Some(&before.reporter),
            name(Some(&before.reporter)).as_deref(),
            Some(&after.reporter),
            name(Some(&after.reporter)).as_deref(),
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
    items.extend(due_date::change_item(before.due_date, after.due_date));
    items.extend(time_tracking::change_items(
        before.tracked(),
        after.tracked(),
    ));
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
    if before.parent != after.parent {
        items.push(parent_item(world, before.parent, after.parent));
    }
    for field in VersionField::ALL {
        version_items(world, field, before, after, &mut items);
    }
    custom_items(world, before, after, &mut items);
    items
}

/// Jira logs a version field as it logs components: one item per version
/// removed (`from`, the id, and `fromString`, its name) or added (`to`,
/// `toString`), under the field's history name, `Fix Version` or `Version`.
fn version_items(
    world: &World,
    field: VersionField,
    before: &IssueRecord,
    after: &IssueRecord,
    items: &mut Vec<ChangeItem>,
) {
    let (was, now) = (field.of(before), field.of(after));
    let history_name = match field {
        VersionField::Fix => "Fix Version",
        VersionField::Affects => "Version",
    };
    let name = |id: u64| world.version(id).map(|v| v.name.clone());
    for removed in was.iter().filter(|id| !now.contains(id)) {
        let id = removed.to_string();
        items.push(item(
            history_name,
            field.id(),
            Some(&id),
            name(*removed).as_deref(),
            None,
            None,
        ));
    }
    for added in now.iter().filter(|id| !was.contains(id)) {
        let id = added.to_string();
        items.push(item(
            history_name,
            field.id(),
            None,
            None,
            Some(&id),
            name(*added).as_deref(),
        ));
    }
}

/// A change of a rich-text system field (`description`, `environment`): no ids,
/// the documents' text in the strings. `None` when it did not change.
fn document_item(field: &str, before: &Option<Value>, after: &Option<Value>) -> Option<ChangeItem> {
    if before == after {
        return None;
    }
    let text = |d: &Option<Value>| d.as_ref().map(|d| adf::plain_text(d).trim_end().to_owned());
    Some(item(
        field,
        field,
        None,
        text(before).as_deref(),
        None,
        text(after).as_deref(),
    ))
}

/// A change of parent, as Jira Cloud logs it: field `IssueParentAssociation`,
/// the parents' ids in `from`/`to` and their keys in the strings, and no
/// `fieldId` (Jira's item carries none; receivers' logs show exactly these
/// keys). Keys only, never summaries, so the item shows nothing of a parent
/// hidden from whoever reads the child's changelog.
fn parent_item(world: &World, before: Option<u64>, after: Option<u64>) -> ChangeItem {
    let key = |id: Option<u64>| {
        id.and_then(|id| world.issue_by_id(id))
            .map(|p| p.key.clone())
    };
    let id = |id: Option<u64>| id.map(|id| id.to_string());
    item(
        "IssueParentAssociation",
        "",
        id(before).as_deref(),
        key(before).as_deref(),
        id(after).as_deref(),
        key(after).as_deref(),
    )
}

/// One item per custom field whose value changed, in field order: Jira's
/// `fieldtype` `custom`, the field named by its name, ids in `from`/`to` where
/// the value has one (an option, a user) and display text in the strings.
fn custom_items(
    world: &World,
    before: &IssueRecord,
    after: &IssueRecord,
    items: &mut Vec<ChangeItem>,
) {
    let display_name = |id: &str| world.user(id).map(|u| u.display_name.clone());
    for field in &world.custom_fields {
        let old = before.custom_fields.get(&field.number);
        let new = after.custom_fields.get(&field.number);
        if old == new {
            continue;
        }
        let strings = |value: Option<&CustomValue>| {
            value.map_or((None, None), |v| {
                let (id, text) = v.change_strings(field, display_name);
                (id, Some(text))
            })
        };
        let (from, from_string) = strings(old);
        let (to, to_string) = strings(new);
        let mut change = item(
            &field.name,
            &field.id(),
            from.as_deref(),
            from_string.as_deref(),
            to.as_deref(),
            to_string.as_deref(),
        );
        change.fieldtype = "custom";
        items.push(change);
    }
}
