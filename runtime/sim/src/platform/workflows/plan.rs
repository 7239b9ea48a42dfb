//! What a checked workflow write changes (`validate.rs` makes a [`Plan`] only
//! when a request has no problem), and its applying to the site.

use time::OffsetDateTime;

use crate::world::World;
use crate::world::site_workflows::{StatusEntry, WorkflowRecord};

/// A checked write.
#[derive(Debug)]
pub(super) struct Plan {
    /// Statuses to add, with their ids.
    pub(super) new_statuses: Vec<StatusEntry>,
    /// Existing statuses as the request renames or describes them.
    pub(super) changed_statuses: Vec<StatusEntry>,
    /// Workflows to add, or to put in place of the one with the same id.
    pub(super) workflows: Vec<WorkflowRecord>,
    /// Issues (by index) to move into a status (by id), out of a status an
    /// update removes.
    pub(super) migrations: Vec<(usize, String)>,
}

impl Plan {
    /// Applies the plan at `now`; the ids of the workflows written, in the
    /// request's order.
    pub(super) fn apply(self, world: &mut World, now: OffsetDateTime) -> Vec<String> {
        let site = &mut world.workflows;
        site.next_status_id += self.new_statuses.len() as u64;
        site.statuses.extend(self.new_statuses);
        for changed in self.changed_statuses {
            // Issues carry their status by value: a renamed status is renamed on
            // them too, so every answer names it as the site does.
            for issue in world.issues.iter_mut() {
                if issue.status.id == changed.status.id {
                    issue.status = changed.status.clone();
                }
            }
            if let Some(entry) = site
                .statuses
                .iter_mut()
                .find(|e| e.status.id == changed.status.id)
            {
                *entry = changed;
            }
        }
        let mut written = Vec::with_capacity(self.workflows.len());
        for workflow in self.workflows {
            written.push(workflow.id.clone());
            match site.workflows.iter_mut().find(|w| w.id == workflow.id) {
                Some(current) => *current = workflow,
                None => site.workflows.push(workflow),
            }
        }
        for (index, target) in self.migrations {
            let Some(status) = world.workflows.status(&target).map(|e| e.status.clone()) else {
                continue;
            };
            if let Some(issue) = world.issues.get_mut(index) {
                // As a transition moves it: a move into or out of Done resolves
                // or unresolves the issue.
                issue.move_to(status, None, now);
                issue.updated = now;
            }
        }
        written
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Weak};

    use serde_json::json;

    use super::super::request::CreateRequest;
    use super::super::validate::check_create;
    use super::*;
    use crate::seed::Seed;
    use crate::world::site_workflows::Scope;
    use crate::world::workflow::StatusText;

    fn world() -> World {
        World::from_seed(&Seed::default()).expect("the default seed")
    }

    /// A request for a workflow over one new status, "Awaiting review".
    fn request() -> CreateRequest {
        serde_json::from_value(json!({
            "scope": { "type": "GLOBAL" },
            "statuses": [{ "name": "Awaiting review", "statusCategory": "TODO",
                           "statusReference": "review" }],
            "workflows": [{ "name": "Review flow",
                            "statuses": [{ "statusReference": "review" }],
                            "transitions": [{ "name": "Create", "type": "INITIAL",
                                              "toStatusReference": "review" }] }]
        }))
        .expect("a create request")
    }

    /// The text of `text`, held weakly: alive only while something owns it.
    fn watch(text: &StatusText) -> Weak<str> {
        match text {
            StatusText::Owned(owned) => Arc::downgrade(owned),
            StatusText::Fixed(fixed) => panic!("{fixed:?} is fixed, not a created status's"),
        }
    }

    fn checked(world: &World) -> Plan {
        check_create(world, &Scope::Global, &request(), world.now()).expect("a valid request")
    }

    #[test]
    fn a_created_status_owns_its_text_and_the_site_frees_it() {
        let mut world = world();
        // Only validated: the plan goes, and everything it made with it.
        let plan = checked(&world);
        let validated = (
            watch(&plan.new_statuses[0].status.id),
            watch(&plan.new_statuses[0].status.name),
        );
        drop(plan);
        assert!(validated.0.upgrade().is_none() && validated.1.upgrade().is_none());

        // Written: the site's status holds the text, and an issue moved into it
        // shares it rather than copying it.
        let plan = checked(&world);
        let name = watch(&plan.new_statuses[0].status.name);
        plan.apply(&mut world, OffsetDateTime::UNIX_EPOCH);
        let entry = world
            .workflows
            .statuses
            .iter()
            .find(|e| e.status.name == "Awaiting review")
            .expect("the created status");
        assert_eq!(entry.status.id, "10002");
        let status = entry.status.clone();
        world.issues[0].move_to(status, None, OffsetDateTime::UNIX_EPOCH);
        let held = name.upgrade().expect("the site holds the name");
        assert_eq!(&*held, "Awaiting review");
        // The site's status, the issue's, and `held`.
        assert_eq!(Arc::strong_count(&held), 3);
        drop(held);

        // A reset makes the site anew: the text goes with the old one.
        world = self::world();
        assert!(name.upgrade().is_none());
        assert_eq!(world.workflows.statuses.len(), 3);
    }
}
