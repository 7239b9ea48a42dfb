//! Issue properties on many issues at once: `PUT` and `DELETE
//! /rest/api/3/issue/properties/{propertyKey}` (bulkSetIssueProperty,
//! bulkDeleteIssueProperty: one property on the issues a filter picks), `POST
//! /issue/properties` (bulkSetIssuesPropertiesList: up to 10 properties on up to
//! 10,000 issues) and `POST /issue/properties/multi`
//! (bulkSetIssuePropertiesByIssue: each issue its own properties). What an app
//! that indexes its data for JQL (`jira:entityProperty`) uses to write it.
//!
//! Each is asynchronous on Jira: `303 See Other` to a task. The simulator's tasks
//! finish before the answer (`platform/task.rs`), so the properties are there
//! when the app follows the link. The first three are transactional, as the spec
//! says: a refusal changes nothing. Every value is checked as a single write
//! checks it (`property::property_value`: a key of at most 255 characters, a
//! value of at most 32,768 bytes of JSON), and every change raises the
//! `issue_property_set` or `issue_property_deleted` webhook a single write does.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use axum::extract::{Extension, Path, State};
use axum::response::Response;
use axum::routing::{MethodRouter, post};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::expression_evaluate::refusal;
use super::property::{announce, property_value};
use super::task;
use super::v2::V2Request;
use crate::access::Caller;
use crate::expression::{self, Context, Site};
use crate::extract::JiraJson;
use crate::jira_error::JiraError;
use crate::seed::SeedPermission;
use crate::shared::Shared;
use crate::world::World;
use crate::write_budget;

/// `bulkSetIssuesPropertiesList`: at most this many issues (the spec's
/// `maxItems`) and [`MAX_PROPERTIES_PER_WRITE`] properties.
const MAX_LISTED_ISSUES: usize = 10_000;
/// Properties one issue is given by one call of the list or multi operation
/// (the spec's `maxProperties`).
const MAX_PROPERTIES_PER_WRITE: usize = 10;
/// `bulkSetIssuePropertiesByIssue`: at most this many issues (the spec's
/// description: "up to 100 issues").
const MAX_MULTI_ISSUES: usize = 100;
/// The ids a filter's `entityIds` may name. The spec gives no bound; this one is
/// the simulator's, the list operation's, so a client cannot make one call walk
/// an unbounded list.
const MAX_FILTER_IDS: usize = MAX_LISTED_ISSUES;

#[derive(Deserialize)]
pub(crate) struct PropertyKeyPath {
    property_key: String,
}

/// `BulkIssuePropertyUpdateRequest`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct BulkUpdate {
    value: Option<Value>,
    expression: Option<String>,
    filter: Option<SetFilter>,
}

/// `IssueFilterForBulkPropertySet`.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SetFilter {
    entity_ids: Option<Vec<u64>>,
    current_value: Option<Value>,
    has_property: Option<bool>,
}

/// `IssueFilterForBulkPropertyDelete`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct DeleteFilter {
    entity_ids: Option<Vec<u64>>,
    current_value: Option<Value>,
}

/// `IssueEntityProperties`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct ListedIssues {
    entities_ids: Option<Vec<u64>>,
    properties: Option<Map<String, Value>>,
}

/// `MultiIssueEntityProperties`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct IssuesWithProperties {
    issues: Option<Vec<IssueProperties>>,
}

/// `IssueEntityPropertiesForMultiUpdate`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IssueProperties {
    #[serde(rename = "issueID")]
    issue_id: Option<u64>,
    properties: Option<Map<String, Value>>,
}

/// Which issues a bulk write may touch: those the caller may browse and edit
/// ("all the issues visible to the user and where the user has the EDIT_ISSUES
/// permission"), narrowed by the filter's criteria, all of which must hold.
struct Eligible<'f> {
    /// A set: up to [`MAX_FILTER_IDS`] ids, each asked about every issue.
    entity_ids: Option<HashSet<u64>>,
    current_value: Option<&'f Value>,
    has_property: Option<bool>,
}

impl Eligible<'_> {
    fn indexes(&self, world: &World, caller: &Caller, key: &str) -> Vec<usize> {
        world
            .issues
            .iter()
            .enumerate()
            .filter(|(_, issue)| may_edit(world, caller, &issue.project_key))
            .filter(|(_, issue)| {
                self.entity_ids
                    .as_ref()
                    .is_none_or(|ids| ids.contains(&issue.id))
            })
            .filter(|(_, issue)| {
                let stored = issue.properties.get(key);
                self.current_value.is_none_or(|v| stored == Some(v))
                    && self.has_property.is_none_or(|has| stored.is_some() == has)
            })
            .map(|(index, _)| index)
            .collect()
    }
}

fn may_edit(world: &World, caller: &Caller, project: &str) -> bool {
    world.may(&caller.account_id, project, SeedPermission::Browse)
        && world.may(&caller.account_id, project, SeedPermission::Edit)
}

fn bounded_ids(ids: Option<&Vec<u64>>) -> Result<Option<HashSet<u64>>, JiraError> {
    match ids {
        Some(ids) if ids.len() > MAX_FILTER_IDS => Err(JiraError::field(
            "entityIds",
            format!("At most {MAX_FILTER_IDS} issue IDs can be given."),
        )),
        other => Ok(other.map(|ids| ids.iter().copied().collect())),
    }
}

/// Each issue's index by id, for a write naming many issues: one pass over
/// the site, not one per id named.
fn indexes_by_id(world: &World) -> HashMap<u64, usize> {
    world
        .issues
        .iter()
        .enumerate()
        .map(|(index, issue)| (issue.id, index))
        .collect()
}

/// `value` checked as a single write checks its body; what the site keeps for
/// it on one issue (its key and its JSON text), in bytes.
fn checked(key: &str, value: &Value) -> Result<usize, JiraError> {
    let bytes = serde_json::to_vec(value).map_err(|_| JiraError::invalid_payload())?;
    property_value(key, &bytes)?;
    Ok(key.len().saturating_add(bytes.len()))
}

/// Sets `key` to `value` on the issue at `index`, raising its webhook. `kept`
/// is [`checked`]'s size of the pair: one request sets it on up to 10,000
/// issues, so the site's write budget is charged for each copy it keeps, not
/// only for the body that named it once.
fn set(
    shared: &Shared,
    world: &mut World,
    caller: &Caller,
    index: usize,
    (key, value, kept): (&str, Value, usize),
) {
    write_budget::keeps_entry(kept);
    world.issues[index]
        .properties
        .insert(key.to_owned(), value.clone());
    announce(shared, world, caller, index, key, Some(&value));
}

/// `bulkSetIssueProperty`: `value`, or the value `expression` gives for each
/// issue (its `issue` and `user` context variables, as the spec says), on the
/// eligible issues. The expression must not load anything per issue (the
/// spec's "computable with constant complexity": comments, properties…): such
/// an expression is `400`, as is one that fails on any issue; an issue whose
/// value would be longer than 32,768 bytes is left out, as the spec says.
pub(crate) async fn set_on_many(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<PropertyKeyPath>,
    v2: Option<Extension<V2Request>>,
    JiraJson(update): JiraJson<BulkUpdate>,
) -> Result<Response, JiraError> {
    let key = path.property_key;
    let filter = update.filter.unwrap_or_default();
    if filter.current_value.is_some() && filter.has_property == Some(false) {
        return Err(JiraError::bad_request(
            "The filter cannot ask for a current value of issues without the property.",
        ));
    }
    let eligible = Eligible {
        entity_ids: bounded_ids(filter.entity_ids.as_ref())?,
        current_value: filter.current_value.as_ref(),
        has_property: filter.has_property,
    };
    let mut world = shared.world();
    let indexes = eligible.indexes(&world, &caller, &key);
    let values: Vec<(usize, Value, usize)> = match (update.value, update.expression) {
        (Some(value), None) => {
            let kept = checked(&key, &value)?;
            indexes
                .into_iter()
                .map(|i| (i, value.clone(), kept))
                .collect()
        }
        (None, Some(text)) => evaluated(&world, &caller, &key, &text, indexes)?,
        _ => {
            return Err(JiraError::bad_request(
                "Either a value or an expression must be given, not both.",
            ));
        }
    };
    for (index, value, kept) in values {
        set(&shared, &mut world, &caller, index, (&key, value, kept));
    }
    let task = world.record_task(&caller.account_id);
    Ok(task::see_other(&caller.links, &task, v2.is_some()))
}

/// The value `text` gives for each issue at `indexes` with [`checked`]'s size,
/// less those too long.
fn evaluated(
    world: &World,
    caller: &Caller,
    key: &str,
    text: &str,
    indexes: Vec<usize>,
) -> Result<Vec<(usize, Value, usize)>, JiraError> {
    let site = Site {
        world,
        account_id: &caller.account_id,
    };
    let mut values = Vec::new();
    for index in indexes {
        let context = Context {
            issue: Some(world.issues[index].id),
            ..Context::default()
        };
        let evaluation =
            expression::evaluate(text, &site, &context, &caller.links).map_err(refusal)?;
        if evaluation.complexity.expensive_operations > 0 {
            return Err(JiraError::field(
                "expression",
                "The expression must be computable with constant complexity: it may not load \
                 data of each issue (its comments, properties, …).",
            ));
        }
        if let Ok(kept) = checked(key, &evaluation.value) {
            values.push((index, evaluation.value, kept));
        }
    }
    Ok(values)
}

/// `bulkDeleteIssueProperty`: removes the property from the eligible issues
/// that have it.
pub(crate) async fn delete_from_many(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<PropertyKeyPath>,
    v2: Option<Extension<V2Request>>,
    JiraJson(filter): JiraJson<DeleteFilter>,
) -> Result<Response, JiraError> {
    let key = path.property_key;
    let eligible = Eligible {
        entity_ids: bounded_ids(filter.entity_ids.as_ref())?,
        current_value: filter.current_value.as_ref(),
        has_property: Some(true),
    };
    let mut world = shared.world();
    for index in eligible.indexes(&world, &caller, &key) {
        world.issues[index].properties.remove(&key);
        announce(&shared, &world, &caller, index, &key, None);
    }
    let task = world.record_task(&caller.account_id);
    Ok(task::see_other(&caller.links, &task, v2.is_some()))
}

/// The properties of one write: 1 to [`MAX_PROPERTIES_PER_WRITE`], each checked,
/// with [`checked`]'s size.
fn properties_of(
    properties: Option<Map<String, Value>>,
) -> Result<Vec<(String, Value, usize)>, JiraError> {
    let properties = properties.unwrap_or_default();
    if properties.is_empty() || properties.len() > MAX_PROPERTIES_PER_WRITE {
        return Err(JiraError::field(
            "properties",
            format!("Between 1 and {MAX_PROPERTIES_PER_WRITE} properties must be given."),
        ));
    }
    properties
        .into_iter()
        .map(|(key, value)| {
            let kept = checked(&key, &value)?;
            Ok((key, value, kept))
        })
        .collect()
}

/// `bulkSetIssuesPropertiesList`: every property on every issue, all or none.
/// Each issue must exist and be one the caller may browse and edit, else the
/// spec's `400` ("the request is invalid or the user does not have the
/// necessary permission") naming it.
pub(crate) async fn set_list(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    v2: Option<Extension<V2Request>>,
    JiraJson(listed): JiraJson<ListedIssues>,
) -> Result<Response, JiraError> {
    let ids = listed.entities_ids.unwrap_or_default();
    if ids.is_empty() || ids.len() > MAX_LISTED_ISSUES {
        return Err(JiraError::field(
            "entitiesIds",
            format!("Between 1 and {MAX_LISTED_ISSUES} issue IDs must be given."),
        ));
    }
    let properties = properties_of(listed.properties)?;
    let mut world = shared.world();
    let by_id = indexes_by_id(&world);
    let mut indexes = Vec::with_capacity(ids.len());
    let mut seen = HashSet::with_capacity(ids.len());
    for id in &ids {
        let index = by_id
            .get(id)
            .copied()
            .filter(|&i| may_edit(&world, &caller, &world.issues[i].project_key))
            .ok_or_else(|| {
                JiraError::bad_request(format!(
                    "Issue {id} does not exist or you do not have permission to edit it."
                ))
            })?;
        if seen.insert(index) {
            indexes.push(index);
        }
    }
    for index in indexes {
        for (key, value, kept) in &properties {
            set(
                &shared,
                &mut world,
                &caller,
                index,
                (key, value.clone(), *kept),
            );
        }
    }
    let task = world.record_task(&caller.account_id);
    Ok(task::see_other(&caller.links, &task, v2.is_some()))
}

/// `bulkSetIssuePropertiesByIssue`: each issue its own properties. The body is
/// checked whole first (1 to 100 issues, each with an `issueID` and 1 to 10
/// valid properties: else `400`, nothing set). Then, as the operation is not
/// transactional, an issue that does not exist is ignored (the spec's words) and
/// so is one the caller may not browse or edit; the others are set. Jira reports
/// failed issues in the task's result, in a shape the spec does not give; the
/// simulator's task carries none.
pub(crate) async fn set_by_issue(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    v2: Option<Extension<V2Request>>,
    JiraJson(body): JiraJson<IssuesWithProperties>,
) -> Result<Response, JiraError> {
    let issues = body.issues.unwrap_or_default();
    if issues.is_empty() || issues.len() > MAX_MULTI_ISSUES {
        return Err(JiraError::field(
            "issues",
            format!("Between 1 and {MAX_MULTI_ISSUES} issues must be given."),
        ));
    }
    let mut writes = Vec::with_capacity(issues.len());
    for issue in issues {
        let id = issue
            .issue_id
            .ok_or_else(|| JiraError::field("issueID", "Each issue must have an issueID."))?;
        writes.push((id, properties_of(issue.properties)?));
    }
    let mut world = shared.world();
    let by_id = indexes_by_id(&world);
    for (id, properties) in writes {
        let Some(&index) = by_id.get(&id) else {
            continue;
        };
        if !may_edit(&world, &caller, &world.issues[index].project_key) {
            continue;
        }
        for (key, value, kept) in properties {
            set(&shared, &mut world, &caller, index, (&key, value, kept));
        }
    }
    let task = world.record_task(&caller.account_id);
    Ok(task::see_other(&caller.links, &task, v2.is_some()))
}

/// `/issue/properties/multi`: `POST` is bulkSetIssuePropertiesByIssue; `PUT` and
/// `DELETE` are the bulk set and delete of the property keyed `multi`, which the
/// router would otherwise send here and refuse.
pub(crate) fn multi_route() -> MethodRouter<Arc<Shared>> {
    fn named_multi() -> Path<PropertyKeyPath> {
        Path(PropertyKeyPath {
            property_key: String::from("multi"),
        })
    }
    post(set_by_issue)
        .put(
            |shared: State<Arc<Shared>>,
             caller: Caller,
             v2: Option<Extension<V2Request>>,
             update: JiraJson<BulkUpdate>| async move {
                set_on_many(shared, caller, named_multi(), v2, update).await
            },
        )
        .delete(
            |shared: State<Arc<Shared>>,
             caller: Caller,
             v2: Option<Extension<V2Request>>,
             filter: JiraJson<DeleteFilter>| async move {
                delete_from_many(shared, caller, named_multi(), v2, filter).await
            },
        )
}
