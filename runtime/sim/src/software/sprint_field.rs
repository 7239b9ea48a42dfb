//! The Sprint field as the platform API shows it: `customfield_10020`, of
//! type `com.pyxis.greenhopper.jira:gh-sprint`, listed by `GET /field` and
//! carried by issues: every sprint the issue is or was in, oldest first, or
//! `null` when it has been in none (as Jira renders an empty custom field).

use serde_json::{Value, json};

use super::shape::sprint_in_field;
use crate::world::sprint::{SPRINT_FIELD_ID, SPRINT_FIELD_NUMBER, SPRINT_FIELD_TYPE};
use crate::world::{IssueRecord, World};

/// The field's `FieldDetails`, as Jira Cloud lists it.
pub(crate) fn details() -> Value {
    json!({
        "id": SPRINT_FIELD_ID,
        "key": SPRINT_FIELD_ID,
        "name": "Sprint",
        "custom": true,
        "orderable": true,
        "navigable": true,
        "searchable": true,
        "clauseNames": [format!("cf[{SPRINT_FIELD_NUMBER}]"), "Sprint"],
        "schema": {
            "type": "array",
            "items": "json",
            "custom": SPRINT_FIELD_TYPE,
            "customId": SPRINT_FIELD_NUMBER,
        },
    })
}

/// The issue's value of the field.
pub(crate) fn value(world: &World, issue: &IssueRecord) -> Value {
    let sprints: Vec<Value> = issue
        .sprints
        .iter()
        .filter_map(|id| world.sprint(*id))
        .map(sprint_in_field)
        .collect();
    if sprints.is_empty() {
        Value::Null
    } else {
        Value::Array(sprints)
    }
}
