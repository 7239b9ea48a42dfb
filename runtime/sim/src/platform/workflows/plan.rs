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
                    issue.status = changed.status;
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
            let Some(status) = world.workflows.status(&target).map(|e| e.status) else {
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
