//! `GET /rest/api/3/field`: the fields the simulator stores, described as Jira
//! describes its system fields, and the site's custom fields after them.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::custom_field;
use super::fields::ALL_FIELDS;
use crate::access::Caller;
use crate::shared::Shared;

/// `(id, display name, schema type, item type for arrays)` for each stored field.
fn describe(id: &str) -> (&'static str, &'static str, Option<&'static str>) {
    match id {
        "summary" => ("Summary", "string", None),
        "status" => ("Status", "status", None),
        "assignee" => ("Assignee", "user", None),
        "reporter" => ("Reporter", "user", None),
        "labels" => ("Labels", "array", Some("string")),
        "project" => ("Project", "project", None),
        "issuetype" => ("Issue Type", "issuetype", None),
        "created" => ("Created", "datetime", None),
        "updated" => ("Updated", "datetime", None),
        "description" => ("Description", "string", None),
        "components" => ("Components", "array", Some("component")),
        "priority" => ("Priority", "priority", None),
        "comment" => ("Comment", "comments-page", None),
        _ => ("", "any", None),
    }
}

/// The system fields' `FieldDetails`.
pub(crate) fn system_fields() -> Vec<Value> {
    ALL_FIELDS
        .iter()
        .map(|id| {
            let (name, kind, items) = describe(id);
            let mut schema = json!({ "type": kind, "system": id });
            if let Some(items) = items {
                schema["items"] = json!(items);
            }
            json!({
                "id": id,
                "key": id,
                "name": name,
                "custom": false,
                "orderable": !matches!(*id, "status" | "created" | "updated" | "project"),
                "navigable": *id != "comment",
                "searchable": true,
                "clauseNames": [id],
                "schema": schema,
            })
        })
        .collect()
}

/// System fields, then custom fields in creation order.
pub(crate) async fn list(State(shared): State<Arc<Shared>>, _caller: Caller) -> Json<Value> {
    let mut fields = system_fields();
    let world = shared.world();
    fields.extend(world.custom_fields.iter().map(custom_field::details));
    Json(Value::Array(fields))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stored_field_is_described() {
        for id in ALL_FIELDS {
            assert!(!describe(id).0.is_empty(), "{id} has no description");
        }
    }
}
