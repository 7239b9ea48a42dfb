//! `GET /rest/api/3/field`: the fields the simulator stores, described as Jira
//! describes its system fields, and the site's custom fields after them.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde_json::{Map, Value, json};

use super::custom_field;
use super::fields::{ALL_FIELDS, is_navigable};
use super::time_tracking;
use crate::access::Caller;
use crate::shared::Shared;
use crate::world::World;

/// `(id, display name, schema type, item type for arrays)` for each stored field.
fn describe(id: &str) -> (&'static str, &'static str, Option<&'static str>) {
    match id {
        "summary" => ("Summary", "string", None),
        "status" => ("Status", "status", None),
        "assignee" => ("Assignee", "user", None),
        "reporter" => ("Reporter", "user", None),
        "creator" => ("Creator", "user", None),
        "labels" => ("Labels", "array", Some("string")),
        "project" => ("Project", "project", None),
        "issuetype" => ("Issue Type", "issuetype", None),
        "created" => ("Created", "datetime", None),
        "updated" => ("Updated", "datetime", None),
        "statuscategorychangedate" => ("Status Category Changed", "datetime", None),
        "resolution" => ("Resolution", "resolution", None),
        "resolutiondate" => ("Resolved", "datetime", None),
        "description" => ("Description", "string", None),
        "environment" => ("Environment", "string", None),
        // Jira Cloud's sentence case (its create metadata names it "Due date";
        // Server wrote "Due Date").
        "duedate" => ("Due date", "date", None),
        "components" => ("Components", "array", Some("component")),
        "fixVersions" => ("Fix versions", "array", Some("version")),
        "versions" => ("Affects versions", "array", Some("version")),
        "priority" => ("Priority", "priority", None),
        "comment" => ("Comment", "comments-page", None),
        "attachment" => ("Attachment", "array", Some("attachment")),
        "issuelinks" => ("Linked Issues", "array", Some("issuelinks")),
        "votes" => ("Votes", "votes", None),
        // Jira's field list gives the parent no schema ([`system_fields`]);
        // this one is what its create metadata shows.
        "parent" => ("Parent", "issuelink", None),
        "subtasks" => ("Sub-tasks", "array", Some("issuelinks")),
        // Time tracking, named as a Jira Cloud site's field list names it.
        "timetracking" => ("Time tracking", "timetracking", None),
        "timeoriginalestimate" => ("Original estimate", "number", None),
        "timeestimate" => ("Remaining Estimate", "number", None),
        "timespent" => ("Time Spent", "number", None),
        "aggregatetimeoriginalestimate" => ("Σ Original Estimate", "number", None),
        "aggregatetimeestimate" => ("Σ Remaining Estimate", "number", None),
        "aggregatetimespent" => ("Σ Time Spent", "number", None),
        "worklog" => ("Log Work", "array", Some("worklog")),
        _ => ("", "any", None),
    }
}

/// The display name of a stored system field, as `GET /field` gives it (`""`
/// for an id that names none).
pub(crate) fn system_field_name(id: &str) -> &'static str {
    describe(id).0
}

/// The JQL clauses that search a stored field: its id, but for the version
/// fields, whose clauses are singular (`fixVersion`, `affectedVersion`), the
/// due date, which also answers to `due` (Jira lists `["due", "duedate"]`), and
/// the date-times Jira lists with their other names (`createdDate`,
/// `updatedDate`, `resolved`) or under another name
/// (`statusCategoryChangedDate`). Time tracking is listed as Jira lists it: the
/// estimates under their JQL names too, no clause for `timetracking`, the
/// worklogs or the sums (the simulator's JQL has none of these clauses yet).
fn clause_names(id: &str) -> Vec<&str> {
    match id {
        "timeoriginalestimate" => vec!["originalEstimate", "timeoriginalestimate"],
        "timeestimate" => vec!["remainingEstimate", "timeestimate"],
        "timetracking"
        | "worklog"
        | "aggregatetimeoriginalestimate"
        | "aggregatetimeestimate"
        | "aggregatetimespent" => Vec::new(),
        "fixVersions" => vec!["fixVersion"],
        "versions" => vec!["affectedVersion"],
        "duedate" => vec!["due", "duedate"],
        "created" => vec!["created", "createdDate"],
        "updated" => vec!["updated", "updatedDate"],
        "resolutiondate" => vec!["resolutiondate", "resolved"],
        "statuscategorychangedate" => vec!["statusCategoryChangedDate"],
        other => vec![other],
    }
}

/// Whether Jira's field list marks the field searchable. A Jira Cloud site
/// lists the estimates, the time spent and their sums as not searchable (their
/// clauses notwithstanding), `timetracking` and `worklog` as searchable; the
/// simulator's other fields are listed searchable.
fn searchable(id: &str) -> bool {
    !time_tracking::READ_ONLY.contains(&id)
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
            let mut details = json!({
                "id": id,
                "key": id,
                "name": name,
                "custom": false,
                // Votes are cast through `/votes`, never set on a screen;
                // sub-tasks are made by creating them, not set on their parent;
                // the creator and the dates the workflow stamps are Jira's to
                // set (the resolution itself is on transition screens); the
                // estimates are set through `timetracking`, the time spent by
                // logging work.
                "orderable": !matches!(
                    *id,
                    "status"
                        | "created"
                        | "updated"
                        | "project"
                        | "votes"
                        | "subtasks"
                        | "creator"
                        | "statuscategorychangedate"
                        | "resolutiondate"
                ) && !time_tracking::READ_ONLY.contains(id),
                "navigable": is_navigable(id),
                "searchable": searchable(id),
                "clauseNames": clause_names(id),
                "schema": schema,
            });
            // Jira Cloud's `GET /field` lists `parent` without a `schema`
            // (clients that map fields by schema type find none for it); the
            // spec's `FieldDetails.schema` is optional.
            if *id == super::hierarchy::FIELD
                && let Some(object) = details.as_object_mut()
            {
                object.remove("schema");
            }
            details
        })
        .collect()
}

/// Jira Cloud's "Status Category" system field, as its `GET /field` lists it:
/// a navigator column, searchable by the JQL clause `statusCategory` (see
/// `jql`), and without a `schema`. It is not a stored field ([`ALL_FIELDS`]):
/// Jira Cloud never renders it in an issue's `fields` (not with `*all`,
/// `*navigable` or by name; an issue's category is
/// `fields.status.statusCategory`), so it is listed here only.
const STATUS_CATEGORY: &str = "statusCategory";

fn status_category_details() -> Value {
    json!({
        "id": STATUS_CATEGORY,
        "key": STATUS_CATEGORY,
        "name": "Status Category",
        "custom": false,
        "orderable": false,
        "navigable": true,
        "searchable": true,
        "clauseNames": [STATUS_CATEGORY],
    })
}

/// The `schema.type` of field `id` on this site (`datetime`, `date`, `string`, …),
/// `any` for a field the site does not describe.
pub(crate) fn schema_type(world: &World, id: &str) -> &'static str {
    match world.custom_fields.iter().find(|field| field.id() == id) {
        Some(field) => field.schema().0,
        None => describe(id).1,
    }
}

/// What `expand=names` and `expand=schema` add: each field of `ids` that the site
/// describes, with its display name (`names`) and `JsonTypeBean` (`schema`).
pub(crate) fn expansions<'a>(
    world: &World,
    ids: impl IntoIterator<Item = &'a str>,
    names: bool,
    schema: bool,
    into: &mut Value,
) {
    if !names && !schema {
        return;
    }
    let described: Vec<Value> = system_fields()
        .into_iter()
        .chain([crate::software::sprint_field::details()])
        .chain(world.custom_fields.iter().map(custom_field::details))
        .collect();
    let mut name_map = Map::new();
    let mut schema_map = Map::new();
    for id in ids {
        if let Some(details) = described.iter().find(|d| d["id"] == id) {
            name_map.insert(id.to_owned(), details["name"].clone());
            // A field described without a schema (`parent`) has none to give.
            if let Some(field_schema) = details.get("schema") {
                schema_map.insert(id.to_owned(), field_schema.clone());
            }
        }
    }
    if names {
        into["names"] = Value::Object(name_map);
    }
    if schema {
        into["schema"] = Value::Object(schema_map);
    }
}

/// Whether an `expand` parameter (comma-separated) names `what`.
pub(crate) fn expands(expand: Option<&str>, what: &str) -> bool {
    expand.is_some_and(|e| e.split(',').any(|item| item.trim() == what))
}

/// System fields (the stored ones, then Status Category), Jira Software's
/// Sprint field, then the site's custom fields in creation order.
pub(crate) async fn list(State(shared): State<Arc<Shared>>, _caller: Caller) -> Json<Value> {
    let mut fields = system_fields();
    fields.push(status_category_details());
    fields.push(crate::software::sprint_field::details());
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
