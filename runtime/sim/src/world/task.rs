//! Long-running tasks (`GET /rest/api/3/task/{taskId}`): what an asynchronous
//! operation answers `303` to, so the caller can follow it.
//!
//! The simulator does the work of such an operation before it answers (a
//! custom field's deletion, an option replaced on issues), so each task it
//! records is already `COMPLETE`: submitted, started and finished at the same
//! instant, with the operation's `description` and `result` where it has them.

use serde_json::Value;
use time::OffsetDateTime;

use super::World;

/// Jira numbers tasks per site; the simulator from here.
pub(crate) const FIRST_TASK_ID: u64 = 10_000;

/// Most tasks kept: Jira keeps a task's details for a while (14 days), the
/// simulator the newest this many, so a caller repeating an asynchronous
/// operation cannot grow the site without bound.
pub(crate) const MAX_TASKS: usize = 1_000;

/// A finished task.
#[derive(Debug, Clone)]
pub(crate) struct TaskRecord {
    pub(crate) id: u64,
    /// Who submitted it: they and site admins may read it.
    pub(crate) submitted_by: String,
    pub(crate) at: OffsetDateTime,
    /// What the task did, in Jira's words (`TaskProgressBean.description`).
    pub(crate) description: Option<String>,
    /// The operation's own result (`TaskProgressBean.result`).
    pub(crate) result: Option<Value>,
}

impl World {
    /// Records a task finished now; the oldest is forgotten past [`MAX_TASKS`].
    pub(crate) fn record_task(&mut self, submitted_by: &str) -> TaskRecord {
        self.record_task_with(submitted_by, None, None)
    }

    /// Records a task finished now with its `description` and `result`.
    pub(crate) fn record_task_with(
        &mut self,
        submitted_by: &str,
        description: Option<String>,
        result: Option<Value>,
    ) -> TaskRecord {
        let task = TaskRecord {
            id: self.next_task_id,
            submitted_by: submitted_by.to_owned(),
            at: self.now(),
            description,
            result,
        };
        self.next_task_id += 1;
        if self.tasks.len() >= MAX_TASKS {
            self.tasks.remove(0);
        }
        self.tasks.push(task.clone());
        task
    }

    pub(crate) fn task(&self, id: &str) -> Option<&TaskRecord> {
        let id: u64 = id.parse().ok()?;
        self.tasks.iter().find(|t| t.id == id)
    }
}
