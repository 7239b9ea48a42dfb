//! A workflow as the workflows API answers it (`JiraWorkflow`), and the statuses
//! it references (`JiraWorkflowStatus`), rendered from the site's one table of
//! statuses and the transitions into them (`world::workflow`).

use serde_json::{Value, json};

use crate::platform::statuses::jira_status;
use crate::world::workflow::{
    CREATE_TRANSITION_ID, CREATE_TRANSITION_NAME, INITIAL_STATUS, STATUSES, Status, Workflow,
};

/// How far apart the editor's diagram places the statuses, left to right, after
/// the start point: the simulator keeps no layout, so it lays one out.
const STATUS_SPACING: f64 = 200.0;

/// Whether a rendered workflow carries its transitions (`searchWorkflows` adds
/// them on `expand=values.transitions`; `readWorkflows` always does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Transitions {
    Included,
    Omitted,
}

/// The statuses `workflow` uses. Every workflow of the site uses all of them:
/// the one place that says so.
fn statuses_of(_workflow: &Workflow) -> &'static [Status] {
    &STATUSES
}

/// A `JiraWorkflow`.
pub(super) fn workflow(workflow: &Workflow, transitions: Transitions) -> Value {
    let statuses: Vec<Value> = statuses_of(workflow)
        .iter()
        .enumerate()
        .map(|(place, status)| reference_status(place, status))
        .collect();
    let mut value = json!({
        "id": workflow.id,
        "name": workflow.name,
        "description": "",
        "isEditable": true,
        "scope": { "type": "GLOBAL" },
        "startPointLayout": { "x": 0.0, "y": 0.0 },
        "statuses": statuses,
        "version": { "id": workflow.version_id, "versionNumber": 0 },
    });
    if transitions == Transitions::Included {
        value["transitions"] = Value::Array(transitions_of(workflow));
    }
    value
}

/// A status as a workflow references it (`WorkflowReferenceStatus`), at its
/// `place` in the diagram.
fn reference_status(place: usize, status: &Status) -> Value {
    // `place` counts a handful of statuses: exact in an f64.
    let x = STATUS_SPACING * (place as f64 + 1.0);
    json!({
        "statusReference": status.id,
        "deprecated": false,
        "properties": {},
        "layout": { "x": x, "y": 0.0 },
    })
}

/// The workflow's transitions (`WorkflowTransitions`): Jira's initial `Create`
/// into [`INITIAL_STATUS`], then the `GLOBAL` transition into each status, with
/// the ids and names `getTransitions` gives issues. None has a condition, a
/// validator, a post-function or a screen.
fn transitions_of(workflow: &Workflow) -> Vec<Value> {
    let initial = transition(
        CREATE_TRANSITION_ID,
        CREATE_TRANSITION_NAME,
        "INITIAL",
        &INITIAL_STATUS,
    );
    let global = statuses_of(workflow)
        .iter()
        .map(|status| transition(status.transition_id, status.name, "GLOBAL", status));
    std::iter::once(initial).chain(global).collect()
}

/// One transition into `to`; a `GLOBAL` or `INITIAL` one starts from no
/// status, so it has no `links`.
fn transition(id: &str, name: &str, kind: &str, to: &Status) -> Value {
    json!({
        "id": id,
        "name": name,
        "description": "",
        "type": kind,
        "toStatusReference": to.id,
        "links": [],
        "actions": [],
        "validators": [],
        "triggers": [],
        "properties": {},
    })
}

/// The statuses `workflows` reference, each once (`JiraWorkflowStatus`), in the
/// site's order.
pub(super) fn statuses(workflows: &[&Workflow]) -> Vec<Value> {
    STATUSES
        .iter()
        .filter(|status| {
            workflows
                .iter()
                .any(|w| statuses_of(w).iter().any(|s| s.id == status.id))
        })
        .map(|status| {
            let mut value = jira_status(status);
            value["statusReference"] = json!(status.id);
            value
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::workflow::{SITE_WORKFLOW, transition as issue_transition};

    #[test]
    fn every_global_transition_is_one_an_issue_takes_into_its_status() {
        let rendered = workflow(&SITE_WORKFLOW, Transitions::Included);
        let transitions = rendered["transitions"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(transitions.len(), STATUSES.len() + 1);
        for t in transitions.iter().filter(|t| t["type"] == "GLOBAL") {
            let id = t["id"].as_str().unwrap_or_default();
            let into = issue_transition(id).map(|s| s.id);
            assert_eq!(into, t["toStatusReference"].as_str(), "{t}");
        }
        assert_eq!(transitions[0]["type"], "INITIAL");
        assert_eq!(transitions[0]["toStatusReference"], INITIAL_STATUS.id);
    }

    #[test]
    fn transitions_are_left_out_unless_asked_for() {
        let rendered = workflow(&SITE_WORKFLOW, Transitions::Omitted);
        assert!(rendered.get("transitions").is_none());
        assert_eq!(statuses(&[]), Vec::<Value>::new());
        assert_eq!(statuses(&[&SITE_WORKFLOW]).len(), STATUSES.len());
    }
}
