//! The webhooks of Jira's administration writes: projects, versions and
//! components.
//!
//! Each body is `timestamp`, `webhookEvent` and the entity alone (`project`,
//! `version`, `component`), as Atlassian's webhook page shows them: no `user`,
//! Jira names no actor for them. The entity is the REST API's form of it
//! (`Version`, `ProjectComponent`), and for a project the short form Jira's
//! webhook page shows: `self`, `id` (a number), `key`, `name`, `avatarUrls`,
//! `projectLead` and `assigneeType` in Jira's internal spelling, with the
//! `projectTypeKey` the project reads carry. A deletion carries the entity as it
//! was. Only admin webhooks can subscribe to these events (the platform spec's
//! `WebhookDetails.events` lists none of them), and they are about no issue, so
//! an admin webhook's JQL filter does not hold them back.
//!
//! Deleting a project raises `project_deleted` only: the versions and
//! components that go with it raise nothing of their own, as Jira does not
//! cascade events (Forge's "cascading events" guide).

use serde_json::{Value, json};

use super::event::{Context, Raised, WebhookEvent};
use crate::platform::{component, render, version};
use crate::world::project_settings::DefaultAssignee;
use crate::world::version::VersionRecord;
use crate::world::{ComponentRecord, ProjectRecord};

/// Whether a project or component event is for a new, a changed or a deleted one.
#[derive(Debug, Clone, Copy)]
pub(crate) enum AdminChange {
    Created,
    Updated,
    Deleted,
}

/// What a version write did, for [`Context::version`].
#[derive(Debug, Clone, Copy)]
pub(crate) enum VersionChange<'a> {
    Created(&'a VersionRecord),
    Updated {
        before: &'a VersionRecord,
        after: &'a VersionRecord,
    },
    Deleted(&'a VersionRecord),
}

impl Context<'_> {
    /// `project_created`, `project_updated` (after every successful update,
    /// as Jira raises it) or `project_deleted` (the project as it was).
    pub(crate) fn project(&self, change: AdminChange, project: &ProjectRecord) -> Vec<Raised> {
        let event = match change {
            AdminChange::Created => WebhookEvent::ProjectCreated,
            AdminChange::Updated => WebhookEvent::ProjectUpdated,
            AdminChange::Deleted => WebhookEvent::ProjectDeleted,
        };
        vec![self.entity_only(event, "project", self.project_value(project))]
    }

    /// The events of a version write: `jira:version_created`,
    /// `jira:version_deleted`; for an update, `jira:version_updated` when
    /// anything but the release state changed, then `jira:version_released` or
    /// `jira:version_unreleased` when that changed. An update that changed
    /// nothing raises nothing.
    pub(crate) fn version(&self, change: VersionChange<'_>) -> Vec<Raised> {
        let event = |event, record| {
            let value = version::shape::version(self.links, self.world, record);
            self.entity_only(event, "version", value)
        };
        match change {
            VersionChange::Created(record) => vec![event(WebhookEvent::VersionCreated, record)],
            VersionChange::Deleted(record) => vec![event(WebhookEvent::VersionDeleted, record)],
            VersionChange::Updated { before, after } => {
                let mut raised = Vec::new();
                let release_alone = VersionRecord {
                    released: after.released,
                    ..before.clone()
                };
                if release_alone != *after {
                    raised.push(event(WebhookEvent::VersionUpdated, after));
                }
                match (before.released, after.released) {
                    (false, true) => raised.push(event(WebhookEvent::VersionReleased, after)),
                    (true, false) => raised.push(event(WebhookEvent::VersionUnreleased, after)),
                    _ => {}
                }
                raised
            }
        }
    }

    /// `component_created`, `component_updated` or `component_deleted` (the
    /// component as it was), with the `ProjectComponent` the component routes
    /// answer.
    pub(crate) fn component(
        &self,
        change: AdminChange,
        project: &ProjectRecord,
        record: &ComponentRecord,
    ) -> Vec<Raised> {
        let event = match change {
            AdminChange::Created => WebhookEvent::ComponentCreated,
            AdminChange::Updated => WebhookEvent::ComponentUpdated,
            AdminChange::Deleted => WebhookEvent::ComponentDeleted,
        };
        let value = component::shape(self.links, self.world, project, record);
        vec![self.entity_only(event, "component", value)]
    }

    fn project_value(&self, project: &ProjectRecord) -> Value {
        let mut value = render::project_summary(self.links, project);
        if let Some(object) = value.as_object_mut() {
            object.remove("simplified");
            // A number in Jira's webhook sample; seeded project ids are checked
            // to be one.
            if let Ok(id) = project.id.parse::<u64>() {
                object.insert("id".into(), json!(id));
            }
            let lead = self
                .world
                .user(&project.lead)
                .map_or(Value::Null, |u| render::user_details(self.links, u));
            object.insert("projectLead".into(), lead);
            let assignee_type = match project.default_assignee {
                DefaultAssignee::ProjectLead => "admin.assignee.type.project.lead",
                DefaultAssignee::Unassigned => "admin.assignee.type.unassigned",
            };
            object.insert("assigneeType".into(), json!(assignee_type));
        }
        value
    }
}
