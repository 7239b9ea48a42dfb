//! JQL autocompletion: `GET`/`POST /rest/api/3/jql/autocompletedata` (the clauses,
//! functions and reserved words the site's JQL takes: `jql/reference.rs`) and
//! `GET /rest/api/3/jql/autocompletedata/suggestions` (values for one field).
//!
//! Suggestions are what the caller could write after `field =`: a project by name
//! (shown with its key), a status, type, priority, resolution or status category
//! by name, a person by account id (shown by name), a label, a component or
//! version of a project the caller may browse, a sprint they may view by id (shown
//! by name), a select field's enabled options. `fieldValue` keeps the values with
//! a word that starts with it (case-insensitively) and marks that text in
//! `displayName` with `<b>`, as Jira does; the rest of `displayName` is escaped,
//! since a client shows it as HTML and names come from anyone who may name a
//! label or a version. `predicateName` (`by`, `from`, `to` of `CHANGED`) suggests
//! people for `by` and the field's values otherwise, matched by `predicateValue`.
//! At most [`MAX_SUGGESTIONS`] are given, in the site's order.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

use super::html::{escape, highlight};
use crate::access::Caller;
use crate::extract::{JiraJson, JiraQuery};
use crate::jira_error::JiraError;
use crate::jql::reference_data;
use crate::seed::SeedPermission;
use crate::shared::Shared;
use crate::world::PRIORITIES;
use crate::world::World;
use crate::world::custom_field::Kind;
use crate::world::resolution::RESOLUTIONS;
use crate::world::site_workflows::Scope;
use crate::world::workflow::{ISSUE_TYPES, STATUSES};

/// How many suggestions one answer holds, as Jira's autocomplete stops at 15.
const MAX_SUGGESTIONS: usize = 15;

/// `getAutoComplete`: every field, for anyone (the simulator's custom fields
/// apply to every project).
pub(crate) async fn reference(State(shared): State<Arc<Shared>>, _caller: Caller) -> Json<Value> {
    Json(reference_data(&shared.world(), None))
}

/// `SearchAutoCompleteFilter`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ReferenceFilter {
    #[serde(default)]
    project_ids: Option<Vec<i64>>,
    /// Collapsed fields join custom fields of one name and type; the simulator
    /// lists each field by itself, which is what it searches, so the flag is
    /// read (a wrong type is refused) and changes nothing.
    #[serde(default, rename = "includeCollapsedFields")]
    _include_collapsed_fields: bool,
}

/// `getAutoCompletePost`: system fields always, custom fields when `projectIds`
/// names a project (or nothing).
pub(crate) async fn reference_filtered(
    State(shared): State<Arc<Shared>>,
    _caller: Caller,
    JiraJson(filter): JiraJson<ReferenceFilter>,
) -> Json<Value> {
    Json(reference_data(
        &shared.world(),
        filter.project_ids.as_deref(),
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SuggestionQuery {
    field_name: Option<String>,
    field_value: Option<String>,
    predicate_name: Option<String>,
    predicate_value: Option<String>,
}

/// `getFieldAutoCompleteForQueryString`.
pub(crate) async fn suggestions(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    JiraQuery(query): JiraQuery<SuggestionQuery>,
) -> Result<Json<Value>, JiraError> {
    let predicate = query.predicate_name.as_deref().filter(|p| !p.is_empty());
    let Some(field) = query.field_name.as_deref().filter(|f| !f.is_empty()) else {
        if predicate.is_some() {
            return Err(JiraError::bad_request(
                "A predicate needs the field it belongs to: give fieldName.",
            ));
        }
        return Ok(Json(json!({ "results": [] })));
    };
    let world = shared.world();
    let (candidates, typed) = match predicate {
        None => (values(&world, &caller, field), query.field_value),
        Some(by) if by.eq_ignore_ascii_case("by") => (people(&world), query.predicate_value),
        Some(p) if p.eq_ignore_ascii_case("from") || p.eq_ignore_ascii_case("to") => {
            (values(&world, &caller, field), query.predicate_value)
        }
        Some(other) => {
            return Err(JiraError::bad_request(format!(
                "'{other}' is not a predicate of CHANGED: use 'by', 'from' or 'to'."
            )));
        }
    };
    let typed = typed.unwrap_or_default();
    let results: Vec<Value> = candidates
        .into_iter()
        .filter_map(|(value, shown)| {
            highlighted(&shown, typed.trim())
                .map(|display| json!({ "value": value, "displayName": display }))
        })
        .take(MAX_SUGGESTIONS)
        .collect();
    Ok(Json(json!({ "results": results })))
}

/// `(value, shown text)` for each value of the field named `field` the caller
/// may see; none for a field without suggestions or one the site lacks.
fn values(world: &World, caller: &Caller, field: &str) -> Vec<(String, String)> {
    let browsable: Vec<&str> = world
        .projects
        .iter()
        .filter(|p| p.grants(&caller.account_id, SeedPermission::Browse))
        .map(|p| p.key.as_str())
        .collect();
    // Values named by their name, each once, in the site's order.
    let named = |names: &mut dyn Iterator<Item = &str>| -> Vec<(String, String)> {
        let mut seen = BTreeSet::new();
        names
            .filter(|n| seen.insert(*n))
            .map(|n| (n.to_owned(), n.to_owned()))
            .collect()
    };
    match field.to_ascii_lowercase().as_str() {
        "project" => world
            .projects
            .iter()
            .filter(|p| browsable.contains(&p.key.as_str()))
            .map(|p| (p.name.clone(), format!("{} ({})", p.name, p.key)))
            .collect(),
        // The site's statuses, those workflow writes made included, in its
        // status order; a project's own only when the caller may browse it.
        "status" => named(
            &mut world
                .workflows
                .statuses
                .iter()
                .filter(|e| match &e.scope {
                    Scope::Global => true,
                    Scope::Project(id) => world
                        .projects
                        .iter()
                        .any(|p| p.id == *id && browsable.contains(&p.key.as_str())),
                })
                .map(|e| e.status.name.as_str()),
        ),
        "statuscategory" => named(&mut STATUSES.iter().map(|s| s.category.name)),
        "issuetype" | "type" => named(&mut ISSUE_TYPES.iter().map(|t| t.name)),
        "priority" => named(&mut PRIORITIES.iter().map(|p| p.name)),
        "resolution" => named(&mut RESOLUTIONS.iter().map(|r| r.name)),
        "assignee" | "reporter" | "creator" => people(world),
        "labels" => {
            let labels: BTreeSet<&str> = world
                .issues
                .iter()
                .filter(|i| browsable.contains(&i.project_key.as_str()))
                .flat_map(|i| i.labels.iter().map(String::as_str))
                .collect();
            named(&mut labels.into_iter())
        }
        "component" => named(
            &mut world
                .projects
                .iter()
                .filter(|p| browsable.contains(&p.key.as_str()))
                .flat_map(|p| p.components.iter().map(|c| c.name.as_str())),
        ),
        "fixversion" | "affectedversion" => named(
            &mut world
                .versions
                .iter()
                .filter(|v| browsable.contains(&v.project_key.as_str()))
                .map(|v| v.name.as_str()),
        ),
        "sprint" => world
            .sprints
            .iter()
            .filter(|s| world.may_view_sprint(&caller.account_id, s))
            .map(|s| (s.id.to_string(), s.name.clone()))
            .collect(),
        _ => custom_values(world, field),
    }
}

/// A custom field's suggestions, the field named by `cf[N]` or its name.
fn custom_values(world: &World, field: &str) -> Vec<(String, String)> {
    let number = field
        .strip_prefix("cf[")
        .and_then(|rest| rest.strip_suffix(']'))
        .and_then(|n| n.parse::<u64>().ok());
    let found = world.custom_fields.iter().find(|f| match number {
        Some(number) => f.number == number,
        None => f.name.eq_ignore_ascii_case(field.trim_matches('"')),
    });
    let Some(found) = found.filter(|f| f.searcher_key.is_some()) else {
        return Vec::new();
    };
    match found.kind {
        Kind::Select | Kind::MultiSelect | Kind::Cascading => {
            // Several contexts may each have an option of one value, which JQL
            // names once.
            let mut seen = BTreeSet::new();
            found
                .all_options()
                .filter(|o| !o.disabled && seen.insert(o.value.to_lowercase()))
                .map(|o| (o.value.clone(), o.value.clone()))
                .collect()
        }
        Kind::UserPicker => people(world),
        _ => Vec::new(),
    }
}

/// Everyone on the site, by account id, shown by name.
fn people(world: &World) -> Vec<(String, String)> {
    world
        .users
        .iter()
        .map(|u| (u.account_id.clone(), u.display_name.clone()))
        .collect()
}

/// `shown`, escaped, with its start and each word in it that starts with `typed`
/// marked `<b>` over the typed part (the issue picker's marking); `None` when
/// none does. Nothing typed keeps every value, unmarked.
fn highlighted(shown: &str, typed: &str) -> Option<String> {
    if typed.is_empty() {
        return Some(escape(shown));
    }
    let html = highlight(shown, &[typed.to_owned()]);
    // Every character of `shown` is escaped, so any `<b>` is a mark.
    html.contains("<b>").then_some(html)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_that_start_with_the_typed_text_are_marked() {
        assert_eq!(
            highlighted("ActiveObjects (AO)", "ac").as_deref(),
            Some("<b>Ac</b>tiveObjects (AO)")
        );
        assert_eq!(
            highlighted("Atlassian Connect (AC)", "ac").as_deref(),
            Some("Atlassian Connect (<b>AC</b>)")
        );
        assert_eq!(highlighted("Kiln", "il"), None, "inside a word is no match");
        assert_eq!(highlighted("Kiln", "").as_deref(), Some("Kiln"));
        assert_eq!(
            highlighted("<b>x</b> & y", "x").as_deref(),
            Some("&lt;b&gt;<b>x</b>&lt;/b&gt; &amp; y"),
            "what is shown is escaped around the mark"
        );
        assert_eq!(
            highlighted("Ünïcode ✓ name", "ün").as_deref(),
            Some("<b>Ün</b>ïcode ✓ name")
        );
        // The typed text may end inside a multi-byte character of the value.
        assert_eq!(highlighted("é", "x"), None);
    }
}
