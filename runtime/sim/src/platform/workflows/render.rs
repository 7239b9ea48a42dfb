//! A workflow as the workflows API answers it (`JiraWorkflow`), and the statuses
//! it references (`JiraWorkflowStatus`), rendered from the site's workflows and
//! statuses as they stand (`world/site_workflows.rs`): the reads and the writes
//! answer through here.

use serde_json::{Value, json};

use crate::clock::jira_timestamp;
use crate::platform::statuses::{jira_status, scope};
use crate::world::site_workflows::{SiteWorkflows, TransitionRecord, WorkflowRecord};

/// How far apart the editor's diagram places the statuses, left to right, after
/// the start point: the simulator keeps no layout, so it lays one out.
const STATUS_SPACING: f64 = 200.0;

/// Whether a rendered workflow carries its transitions (`searchWorkflows` adds
/// them on `expand=values.transitions`; `readWorkflows` and the writes always do).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Transitions {
    Included,
    Omitted,
}

/// A `JiraWorkflow`.
pub(super) fn workflow(workflow: &WorkflowRecord, transitions: Transitions) -> Value {
    let statuses: Vec<Value> = workflow
        .statuses
        .iter()
        .enumerate()
        .map(|(place, id)| reference_status(place, id))
        .collect();
    let mut value = json!({
        "id": workflow.id,
        "name": workflow.name,
        "description": workflow.description,
        "isEditable": true,
        "scope": scope(&workflow.scope),
        "startPointLayout": { "x": 0.0, "y": 0.0 },
        "statuses": statuses,
        "version": { "id": workflow.version_id, "versionNumber": workflow.version_number },
    });
    if let Some(created) = workflow.created {
        value["created"] = json!(jira_timestamp(created));
    }
    if let Some(updated) = workflow.updated {
        value["updated"] = json!(jira_timestamp(updated));
    }
    if transitions == Transitions::Included {
        value["transitions"] = workflow.transitions.iter().map(transition).collect();
    }
    value
}

/// A status as a workflow references it (`WorkflowReferenceStatus`), at its
/// `place` in the diagram.
fn reference_status(place: usize, id: &str) -> Value {
    // `place` counts a bounded list of statuses: exact in an f64.
    let x = STATUS_SPACING * (place as f64 + 1.0);
    json!({
        "statusReference": id,
        "deprecated": false,
        "properties": {},
        "layout": { "x": x, "y": 0.0 },
    })
}

/// One transition (`WorkflowTransitions`). None has a condition, a validator, a
/// post-function or a screen; a `DIRECTED` one links from each status it starts
/// from, the others from none.
fn transition(transition: &TransitionRecord) -> Value {
    let links: Vec<Value> = transition
        .from
        .iter()
        .map(|from| json!({ "fromStatusReference": from, "fromPort": 0, "toPort": 0 }))
        .collect();
    json!({
        "id": transition.id,
        "name": transition.name,
        "description": transition.description,
        "type": transition.kind.as_str(),
        "toStatusReference": transition.to,
        "links": links,
        "actions": [],
        "validators": [],
        "triggers": [],
        "properties": {},
    })
}

/// The statuses `workflows` reference, each once (`JiraWorkflowStatus`), in the
/// site's order.
pub(super) fn statuses(site: &SiteWorkflows, workflows: &[&WorkflowRecord]) -> Vec<Value> {
    site.statuses
        .iter()
        .filter(|entry| {
            workflows
                .iter()
                .any(|w| w.statuses.iter().any(|id| *id == entry.status.id))
        })
        .map(|entry| {
            let mut value = jira_status(entry);
            value["statusReference"] = json!(entry.status.id);
            value
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::workflow::{INITIAL_STATUS, STATUSES};

    #[test]
    fn every_global_transition_is_one_an_issue_takes_into_its_status() {
        let site = SiteWorkflows::new();
        let Some(own) = site.of_project("10000", "10001") else {
            panic!("a new site has its workflow");
        };
        let rendered = workflow(own, Transitions::Included);
        let transitions = rendered["transitions"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(transitions.len(), STATUSES.len() + 1);
        for t in transitions.iter().filter(|t| t["type"] == "GLOBAL") {
            let id = t["id"].as_str().unwrap_or_default();
            let into = site
                .transition_from(Some(own), &INITIAL_STATUS.id, id)
                .map(|(_, s)| s.id);
            assert_eq!(into.as_deref(), t["toStatusReference"].as_str(), "{t}");
        }
        assert_eq!(transitions[0]["type"], "INITIAL");
        assert_eq!(transitions[0]["toStatusReference"], *INITIAL_STATUS.id);
        assert!(rendered.get("created").is_none());
    }

    #[test]
    fn transitions_are_left_out_unless_asked_for() {
        let site = SiteWorkflows::new();
        let Some(own) = site.of_project("10000", "10001") else {
            panic!("a new site has its workflow");
        };
        let rendered = workflow(own, Transitions::Omitted);
        assert!(rendered.get("transitions").is_none());
        assert_eq!(statuses(&site, &[]), Vec::<Value>::new());
        assert_eq!(statuses(&site, &[own]).len(), STATUSES.len());
    }
}
