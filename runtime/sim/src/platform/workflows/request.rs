//! The bodies of the workflow writes, as the spec defines them:
//! `WorkflowCreateRequest`, `WorkflowUpdateRequest` and their validation
//! wrappers. Unknown properties are ignored, as Jira ignores them; so are the
//! diagram's layouts (`layout`, `startPointLayout`,
//! `loopedTransitionContainerLayout`), which the simulator lays out itself, and
//! status `properties`. A transition's rules (conditions, validators,
//! post-functions, triggers, a screen) are not modelled: a request that sets one
//! is refused as such ([`TransitionInput::rules_not_modelled`]) rather than
//! answered with transitions that would move issues more freely than Jira does.

use serde::Deserialize;
use serde_json::Value;

use crate::jira_error::JiraError;

/// `WorkflowCreateRequest`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CreateRequest {
    pub(super) scope: Option<ScopeInput>,
    #[serde(default)]
    pub(super) statuses: Vec<StatusInput>,
    #[serde(default)]
    pub(super) workflows: Vec<CreateWorkflow>,
}

/// `WorkflowUpdateRequest`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct UpdateRequest {
    #[serde(default)]
    pub(super) statuses: Vec<StatusInput>,
    #[serde(default)]
    pub(super) workflows: Vec<UpdateWorkflow>,
}

/// `WorkflowCreateValidateRequest` and `WorkflowUpdateValidateRequestBean`:
/// the payload, and which levels of problem to answer.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ValidateRequest<T> {
    pub(super) payload: T,
    pub(super) validation_options: Option<ValidationOptions>,
}

/// `ValidationOptionsForCreate` / `…ForUpdate`: `levels`, at most two.
#[derive(Debug, Deserialize)]
pub(super) struct ValidationOptions {
    pub(super) levels: Option<Vec<Level>>,
}

/// A problem's level. The simulator finds errors only: every check it makes is
/// one that refuses the write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub(super) enum Level {
    Warning,
    Error,
}

/// `WorkflowScope`.
#[derive(Debug, Deserialize)]
pub(super) struct ScopeInput {
    #[serde(rename = "type")]
    pub(super) kind: Option<ScopeKind>,
    pub(super) project: Option<ProjectIdInput>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub(super) enum ScopeKind {
    #[serde(rename = "GLOBAL")]
    Global,
    #[serde(rename = "PROJECT")]
    Project,
}

/// `ProjectId`.
#[derive(Debug, Deserialize)]
pub(super) struct ProjectIdInput {
    pub(super) id: String,
}

/// `WorkflowStatusUpdate`: a status the request's workflows refer to by
/// `statusReference`; with an `id`, an existing status (renamed or described
/// as given), else a new one.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct StatusInput {
    pub(super) id: Option<String>,
    pub(super) name: String,
    pub(super) status_category: CategoryInput,
    pub(super) status_reference: String,
    pub(super) description: Option<String>,
}

/// A status category as the workflow APIs name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub(super) enum CategoryInput {
    #[serde(rename = "TODO")]
    ToDo,
    #[serde(rename = "IN_PROGRESS")]
    InProgress,
    #[serde(rename = "DONE")]
    Done,
}

/// `WorkflowCreate`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CreateWorkflow {
    pub(super) name: String,
    pub(super) description: Option<String>,
    pub(super) statuses: Vec<StatusLayoutInput>,
    pub(super) transitions: Vec<TransitionInput>,
}

/// `WorkflowUpdate`. The spec gives it no `name`: a workflow keeps its name.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct UpdateWorkflow {
    pub(super) id: String,
    pub(super) description: Option<String>,
    pub(super) statuses: Vec<StatusLayoutInput>,
    pub(super) transitions: Vec<TransitionInput>,
    pub(super) version: VersionInput,
    #[serde(default)]
    pub(super) default_status_mappings: Vec<StatusMigration>,
    #[serde(default)]
    pub(super) status_mappings: Vec<StatusMapping>,
}

/// `DocumentVersion`: the version the update was made from.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct VersionInput {
    pub(super) id: Option<String>,
    pub(super) version_number: Option<u64>,
}

/// `StatusMigration`: where the issues in a status the update removes go.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct StatusMigration {
    pub(super) old_status_reference: String,
    pub(super) new_status_reference: String,
}

/// `StatusMappingDTO`: [`StatusMigration`]s for one project and issue type.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct StatusMapping {
    pub(super) project_id: String,
    pub(super) issue_type_id: String,
    pub(super) status_migrations: Vec<StatusMigration>,
}

/// `StatusLayoutUpdate`: a status of the workflow, by reference.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct StatusLayoutInput {
    pub(super) status_reference: String,
}

/// `TransitionUpdateDTO`. Every property is optional in the spec; the checks
/// (`validate.rs`) say which a transition needs.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct TransitionInput {
    pub(super) id: Option<String>,
    pub(super) name: Option<String>,
    pub(super) description: Option<String>,
    #[serde(rename = "type")]
    pub(super) kind: Option<TransitionKindInput>,
    pub(super) to_status_reference: Option<String>,
    #[serde(default)]
    pub(super) links: Vec<LinkInput>,
    actions: Option<Vec<Value>>,
    validators: Option<Vec<Value>>,
    triggers: Option<Vec<Value>>,
    conditions: Option<Value>,
    transition_screen: Option<Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub(super) enum TransitionKindInput {
    #[serde(rename = "INITIAL")]
    Initial,
    #[serde(rename = "GLOBAL")]
    Global,
    #[serde(rename = "DIRECTED")]
    Directed,
}

/// `WorkflowTransitionLinks`: a status the transition starts from (ports are
/// the diagram's, ignored).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct LinkInput {
    pub(super) from_status_reference: Option<String>,
}

impl TransitionInput {
    /// Refuses, as not modelled, a transition that sets a rule: the simulator's
    /// transitions have none. Empty lists, `null`, and a condition group with no
    /// conditions are no rule.
    pub(super) fn rules_not_modelled(&self) -> Result<(), JiraError> {
        let listed = [&self.actions, &self.validators, &self.triggers]
            .into_iter()
            .any(|rules| rules.as_ref().is_some_and(|r| !r.is_empty()));
        let conditioned = self.conditions.as_ref().is_some_and(has_conditions);
        let screened = self
            .transition_screen
            .as_ref()
            .is_some_and(|s| !s.is_null());
        if listed || conditioned || screened {
            return Err(JiraError::not_modelled(format!(
                "The simulator does not model transition rules (conditions, validators, \
                 post-functions, triggers, screens): transition '{}' sets one.",
                self.name.as_deref().unwrap_or_default()
            )));
        }
        Ok(())
    }
}

/// Whether a `ConditionGroupUpdate` holds a condition, at any depth.
fn has_conditions(group: &Value) -> bool {
    let rules = group
        .get("conditions")
        .and_then(Value::as_array)
        .is_some_and(|c| !c.is_empty());
    let nested = group
        .get("conditionGroups")
        .and_then(Value::as_array)
        .is_some_and(|groups| groups.iter().any(has_conditions));
    rules || nested
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn transition(extra: Value) -> TransitionInput {
        let mut body = json!({ "name": "Go", "type": "GLOBAL", "toStatusReference": "a" });
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            body.extend(extra.clone());
        }
        serde_json::from_value(body).unwrap_or_else(|e| panic!("a transition: {e}"))
    }

    #[test]
    fn only_a_rule_that_does_something_is_refused() {
        for none in [
            json!({}),
            json!({ "actions": [], "validators": [], "triggers": [], "transitionScreen": null }),
            json!({ "conditions": { "operation": "ALL", "conditions": [], "conditionGroups": [
                { "operation": "ANY", "conditions": [] } ] } }),
        ] {
            assert!(
                transition(none.clone()).rules_not_modelled().is_ok(),
                "{none}"
            );
        }
        for some in [
            json!({ "validators": [{ "ruleKey": "system:validate-field-value" }] }),
            json!({ "conditions": { "conditionGroups": [{ "conditionGroups": [
                { "conditions": [{ "ruleKey": "system:restrict-issue-transition" }] } ] }] } }),
            json!({ "transitionScreen": { "ruleKey": "system:transition-screen" } }),
        ] {
            let refused = transition(some.clone()).rules_not_modelled().err();
            assert_eq!(
                refused.map(|e| e.status()),
                Some(axum::http::StatusCode::NOT_IMPLEMENTED),
                "{some}"
            );
        }
    }
}
