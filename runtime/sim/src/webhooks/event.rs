//! Jira's webhook events and the payloads the simulator's writes raise.
//!
//! Shapes follow Atlassian's webhook documentation: every delivery has `timestamp`
//! (milliseconds) and `webhookEvent`; issue events add `issue_event_type_name`,
//! `user` (who made the change) and `issue` (the whole `IssueBean`), and
//! `jira:issue_updated` a `changelog`; comment events carry `comment` and a short
//! `issue`. A comment also raises `jira:issue_updated` with the comment and
//! `issue_event_type_name` `issue_commented` / `issue_comment_edited` /
//! `issue_comment_deleted`, as Jira Cloud does. Jira Software's sprint and board
//! events carry the `sprint` or `board` alone (and `sprint_updated` the sprint
//! before, `oldValue`): they are about no issue.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::changelog::{self, ChangeItem};
use crate::platform::fields::{DefaultFields, FieldSelection};
use crate::platform::render;
use crate::software::shape;
use crate::world::board::BoardRecord;
use crate::world::issue_link::IssueLinkRecord;
use crate::world::sprint::{SprintRecord, SprintState};
use crate::world::{AttachmentRecord, CommentRecord, IssueRecord, WorklogRecord, World};

/// The events a webhook can subscribe to. The first eight are the `events` enum
/// of the platform spec's `WebhookDetails`, all a dynamic webhook may name
/// ([`WebhookEvent::DYNAMIC`]); admin webhooks may also name the worklog,
/// attachment, issue link, sprint, board, project, version and component
/// events, as Jira's *System → WebHooks* page offers them. Only the events the
/// simulator raises are listed: no `board_updated` (the agile API has no board
/// update), no `board_configuration_changed` (nothing changes a board's
/// configuration), no `jira:version_moved` / `jira:version_merged` (the
/// simulator has no move or merge of versions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum WebhookEvent {
    #[serde(rename = "jira:issue_created")]
    IssueCreated,
    #[serde(rename = "jira:issue_updated")]
    IssueUpdated,
    #[serde(rename = "jira:issue_deleted")]
    IssueDeleted,
    #[serde(rename = "comment_created")]
    CommentCreated,
    #[serde(rename = "comment_updated")]
    CommentUpdated,
    #[serde(rename = "comment_deleted")]
    CommentDeleted,
    #[serde(rename = "issue_property_set")]
    IssuePropertySet,
    #[serde(rename = "issue_property_deleted")]
    IssuePropertyDeleted,
    #[serde(rename = "worklog_created")]
    WorklogCreated,
    #[serde(rename = "worklog_updated")]
    WorklogUpdated,
    #[serde(rename = "worklog_deleted")]
    WorklogDeleted,
    #[serde(rename = "attachment_created")]
    AttachmentCreated,
    #[serde(rename = "attachment_deleted")]
    AttachmentDeleted,
    #[serde(rename = "issuelink_created")]
    IssueLinkCreated,
    #[serde(rename = "issuelink_deleted")]
    IssueLinkDeleted,
    #[serde(rename = "sprint_created")]
    SprintCreated,
    #[serde(rename = "sprint_updated")]
    SprintUpdated,
    #[serde(rename = "sprint_started")]
    SprintStarted,
    #[serde(rename = "sprint_closed")]
    SprintClosed,
    #[serde(rename = "sprint_deleted")]
    SprintDeleted,
    #[serde(rename = "board_created")]
    BoardCreated,
    #[serde(rename = "board_deleted")]
    BoardDeleted,
    #[serde(rename = "project_created")]
    ProjectCreated,
    #[serde(rename = "project_updated")]
    ProjectUpdated,
    #[serde(rename = "project_deleted")]
    ProjectDeleted,
    #[serde(rename = "jira:version_created")]
    VersionCreated,
    #[serde(rename = "jira:version_updated")]
    VersionUpdated,
    #[serde(rename = "jira:version_released")]
    VersionReleased,
    #[serde(rename = "jira:version_unreleased")]
    VersionUnreleased,
    #[serde(rename = "jira:version_deleted")]
    VersionDeleted,
    #[serde(rename = "component_created")]
    ComponentCreated,
    #[serde(rename = "component_updated")]
    ComponentUpdated,
    #[serde(rename = "component_deleted")]
    ComponentDeleted,
}

impl WebhookEvent {
    /// Every event, for an admin webhook that wants them all.
    pub const ALL: [WebhookEvent; 33] = [
        Self::IssueCreated,
        Self::IssueUpdated,
        Self::IssueDeleted,
        Self::CommentCreated,
        Self::CommentUpdated,
        Self::CommentDeleted,
        Self::IssuePropertySet,
        Self::IssuePropertyDeleted,
        Self::WorklogCreated,
        Self::WorklogUpdated,
        Self::WorklogDeleted,
        Self::AttachmentCreated,
        Self::AttachmentDeleted,
        Self::IssueLinkCreated,
        Self::IssueLinkDeleted,
        Self::SprintCreated,
        Self::SprintUpdated,
        Self::SprintStarted,
        Self::SprintClosed,
        Self::SprintDeleted,
        Self::BoardCreated,
        Self::BoardDeleted,
        Self::ProjectCreated,
        Self::ProjectUpdated,
        Self::ProjectDeleted,
        Self::VersionCreated,
        Self::VersionUpdated,
        Self::VersionReleased,
        Self::VersionUnreleased,
        Self::VersionDeleted,
        Self::ComponentCreated,
        Self::ComponentUpdated,
        Self::ComponentDeleted,
    ];

    /// The events a dynamic webhook (`POST /rest/api/3/webhook`) may subscribe
    /// to: the spec's `WebhookDetails.events` enum. Jira refuses the others there.
    pub const DYNAMIC: [WebhookEvent; 8] = [
        Self::IssueCreated,
        Self::IssueUpdated,
        Self::IssueDeleted,
        Self::CommentCreated,
        Self::CommentUpdated,
        Self::CommentDeleted,
        Self::IssuePropertySet,
        Self::IssuePropertyDeleted,
    ];

    /// Whether a dynamic webhook may subscribe to this event.
    pub fn dynamic(self) -> bool {
        Self::DYNAMIC.contains(&self)
    }

    /// The `webhookEvent` value.
    pub fn name(self) -> &'static str {
        match self {
            Self::IssueCreated => "jira:issue_created",
            Self::IssueUpdated => "jira:issue_updated",
            Self::IssueDeleted => "jira:issue_deleted",
            Self::CommentCreated => "comment_created",
            Self::CommentUpdated => "comment_updated",
            Self::CommentDeleted => "comment_deleted",
            Self::IssuePropertySet => "issue_property_set",
            Self::IssuePropertyDeleted => "issue_property_deleted",
            Self::WorklogCreated => "worklog_created",
            Self::WorklogUpdated => "worklog_updated",
            Self::WorklogDeleted => "worklog_deleted",
            Self::AttachmentCreated => "attachment_created",
            Self::AttachmentDeleted => "attachment_deleted",
            Self::IssueLinkCreated => "issuelink_created",
            Self::IssueLinkDeleted => "issuelink_deleted",
            Self::SprintCreated => "sprint_created",
            Self::SprintUpdated => "sprint_updated",
            Self::SprintStarted => "sprint_started",
            Self::SprintClosed => "sprint_closed",
            Self::SprintDeleted => "sprint_deleted",
            Self::BoardCreated => "board_created",
            Self::BoardDeleted => "board_deleted",
            Self::ProjectCreated => "project_created",
            Self::ProjectUpdated => "project_updated",
            Self::ProjectDeleted => "project_deleted",
            Self::VersionCreated => "jira:version_created",
            Self::VersionUpdated => "jira:version_updated",
            Self::VersionReleased => "jira:version_released",
            Self::VersionUnreleased => "jira:version_unreleased",
            Self::VersionDeleted => "jira:version_deleted",
            Self::ComponentCreated => "component_created",
            Self::ComponentUpdated => "component_updated",
            Self::ComponentDeleted => "component_deleted",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.name() == name)
    }
}

/// One event raised by a write, before it is matched against registrations.
#[derive(Debug, Clone)]
pub(crate) struct Raised {
    pub(crate) event: WebhookEvent,
    /// The issue as the event leaves it (as it was, for a deletion): what JQL
    /// filters and permission checks look at. Left out when no registration
    /// looks at it (`Registry::looks_at_issue`). `None` for the events about no
    /// issue (sprints, boards, projects, versions, components): an admin
    /// webhook's JQL does not apply to them, and no dynamic webhook can
    /// subscribe to them.
    pub(crate) issue: Option<IssueRecord>,
    /// For `jira:issue_updated`: the changed fields (`fieldIdsFilter`).
    pub(crate) changed_fields: Vec<String>,
    /// For property events: the property key (`issuePropertyKeysFilter`).
    pub(crate) property_key: Option<String>,
    /// The delivery body, without `matchedWebhookIds` (added per receiver).
    pub(crate) payload: Map<String, Value>,
    /// The client id of the integration that made the write, if an app's
    /// did: added to admin webhook deliveries ([`super::acting_app`]).
    pub(crate) acting_app: Option<String>,
}

/// Milliseconds since the epoch, as `timestamp` carries them.
pub(crate) fn millis(at: time::OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// Where and by whom: what every builder needs.
pub(crate) struct Context<'a> {
    pub(crate) world: &'a World,
    /// The site's base URL: deliveries link to the site, whichever surface the
    /// write came through.
    pub(crate) links: &'a str,
    /// Account id of the user who made the change.
    pub(crate) actor: &'a str,
    /// The client id of the app integration that made it for them, if any
    /// ([`super::acting_app`]).
    pub(crate) app: Option<&'a str>,
}

impl Context<'_> {
    fn base(&self, event: WebhookEvent) -> Map<String, Value> {
        let mut payload = Map::new();
        payload.insert("timestamp".into(), json!(millis(self.world.now())));
        payload.insert("webhookEvent".into(), json!(event.name()));
        payload
    }

    fn user(&self) -> Value {
        self.world
            .user(self.actor)
            .map_or(Value::Null, |u| render::user_details(self.links, u))
    }

    fn full_issue(&self, issue: &IssueRecord) -> Value {
        render::issue(self.links, self.world, issue, &FieldSelection::all(), None)
    }

    /// The short issue of comment events: its identity and the fields a receiver
    /// needs to route the comment.
    fn short_issue(&self, issue: &IssueRecord) -> Value {
        let fields = FieldSelection::parse(
            ["summary,status,issuetype,project,priority,assignee"],
            DefaultFields::All,
        );
        let mut value = render::issue(self.links, self.world, issue, &fields, None);
        if let Some(object) = value.as_object_mut() {
            object.remove("expand");
        }
        value
    }

    fn issue_event(
        &self,
        event: WebhookEvent,
        type_name: &str,
        issue: &IssueRecord,
    ) -> Map<String, Value> {
        let mut payload = self.base(event);
        payload.insert("issue_event_type_name".into(), json!(type_name));
        payload.insert("user".into(), self.user());
        payload.insert("issue".into(), self.full_issue(issue));
        payload
    }

    fn raised(
        &self,
        event: WebhookEvent,
        issue: &IssueRecord,
        payload: Map<String, Value>,
    ) -> Raised {
        Raised {
            event,
            // Only when a registration will look at it: the copy costs the issue's size.
            issue: self
                .world
                .webhooks
                .looks_at_issue(event)
                .then(|| issue.clone()),
            changed_fields: Vec::new(),
            property_key: None,
            payload,
            acting_app: self.app.map(str::to_owned),
        }
    }

    pub(crate) fn issue_created(&self, issue: &IssueRecord) -> Vec<Raised> {
        let payload = self.issue_event(WebhookEvent::IssueCreated, "issue_created", issue);
        vec![self.raised(WebhookEvent::IssueCreated, issue, payload)]
    }

    /// `jira:issue_updated` for an edit, transition or assignment, with the items
    /// of its changelog (the caller records them as the issue's history); nothing
    /// when the write changed no field. `changelog_id` numbers the change.
    pub(crate) fn issue_updated(
        &self,
        before: &IssueRecord,
        after: &IssueRecord,
        changelog_id: u64,
    ) -> (Vec<ChangeItem>, Vec<Raised>) {
        let items = changelog::diff(self.world, before, after);
        if items.is_empty() {
            return (items, Vec::new());
        }
        let type_name = event_type_name(&items);
        let mut payload = self.issue_event(WebhookEvent::IssueUpdated, type_name, after);
        payload.insert(
            "changelog".into(),
            json!({
                "id": changelog_id.to_string(),
                "items": items,
            }),
        );
        let mut raised = self.raised(WebhookEvent::IssueUpdated, after, payload);
        raised.changed_fields = items.iter().map(|i| i.field_id.clone()).collect();
        (items, vec![raised])
    }

    pub(crate) fn issue_deleted(&self, issue: &IssueRecord) -> Vec<Raised> {
        let payload = self.issue_event(WebhookEvent::IssueDeleted, "issue_deleted", issue);
        vec![self.raised(WebhookEvent::IssueDeleted, issue, payload)]
    }

    /// `comment_created` / `comment_updated` / `comment_deleted`, and the
    /// `jira:issue_updated` Jira raises alongside.
    pub(crate) fn comment(
        &self,
        change: CommentChange,
        issue: &IssueRecord,
        comment: &CommentRecord,
    ) -> Vec<Raised> {
        let (event, type_name) = match change {
            CommentChange::Created => (WebhookEvent::CommentCreated, "issue_commented"),
            CommentChange::Updated => (WebhookEvent::CommentUpdated, "issue_comment_edited"),
            CommentChange::Deleted => (WebhookEvent::CommentDeleted, "issue_comment_deleted"),
        };
        let rendered = render::comment(self.links, self.world, issue, comment);
        let mut own = self.base(event);
        own.insert("comment".into(), rendered.clone());
        own.insert("issue".into(), self.short_issue(issue));
        let mut updated = self.issue_event(WebhookEvent::IssueUpdated, type_name, issue);
        updated.insert("comment".into(), rendered);
        vec![
            self.raised(event, issue, own),
            self.raised(WebhookEvent::IssueUpdated, issue, updated),
        ]
    }

    /// `issue_property_set` (with the new value) or `issue_property_deleted`.
    pub(crate) fn issue_property(
        &self,
        issue: &IssueRecord,
        key: &str,
        value: Option<&Value>,
    ) -> Vec<Raised> {
        let event = if value.is_some() {
            WebhookEvent::IssuePropertySet
        } else {
            WebhookEvent::IssuePropertyDeleted
        };
        let mut property = Map::new();
        property.insert("key".into(), json!(key));
        if let Some(value) = value {
            property.insert("value".into(), value.clone());
        }
        let mut payload = self.base(event);
        payload.insert("property".into(), Value::Object(property));
        payload.insert("issue".into(), self.short_issue(issue));
        payload.insert("user".into(), self.user());
        let mut raised = self.raised(event, issue, payload);
        raised.property_key = Some(key.to_owned());
        vec![raised]
    }

    // The worklog, attachment and issue link events below carry `timestamp`,
    // `webhookEvent` and the entity only: no `issue` and no `user`. What the
    // shapes rest on: the Jira Cloud `worklog_created` sample Appfire publishes
    // (Easy Integrations' "webhook sample data") has just those three keys;
    // for attachments and links, the entity shapes of Atlassian's webhook page
    // as remembered (no copy of that page was at hand to check), a Jira Cloud receiver's
    // log of an `attachment_created` without an `issue`, and Jira's own
    // webhook bean for links (`sourceIssueId`/`destinationIssueId` as numbers,
    // as hibernate's jira-sync models it). Who acted is in the entity where
    // Jira puts it (a worklog's or attachment's `author`); a link names no one.
    // Admin webhooks' JQL is matched against the issue the entity belongs to
    // (a link's source), the simulator's reading of Jira's "events for matching
    // issues".

    /// `worklog_created` / `worklog_updated` / `worklog_deleted`: the worklog
    /// as `getWorklog` renders it (with `issueId`), as Jira's `worklog_created`
    /// sample shows it; for an update, as it is now; for a deletion, as it was.
    /// Jira raises the three from its worklog events (`WorklogCreatedEvent`,
    /// `WorklogUpdatedEvent`, `WorklogDeletedEvent`), each carrying the
    /// worklog; no sample of the other two was at hand, so they take the
    /// created one's shape.
    pub(crate) fn worklog(
        &self,
        change: WorklogChange,
        issue: &IssueRecord,
        worklog: &WorklogRecord,
    ) -> Vec<Raised> {
        let event = match change {
            WorklogChange::Created => WebhookEvent::WorklogCreated,
            WorklogChange::Updated => WebhookEvent::WorklogUpdated,
            WorklogChange::Deleted => WebhookEvent::WorklogDeleted,
        };
        let mut payload = self.base(event);
        payload.insert(
            "worklog".into(),
            crate::platform::worklog::render_worklog(self.links, self.world, issue, worklog),
        );
        vec![self.raised(event, issue, payload)]
    }

    /// `attachment_created` / `attachment_deleted`: the attachment as
    /// `getAttachment` renders it (`self`, numeric `id`, `filename`, `author`,
    /// `created`, `size`, `mimeType`, `content`), the fields Jira's
    /// `attachment_created` sample carries; for a deletion, as it was.
    pub(crate) fn attachment(
        &self,
        change: EntityChange,
        issue: &IssueRecord,
        attachment: &AttachmentRecord,
    ) -> Vec<Raised> {
        let event = match change {
            EntityChange::Created => WebhookEvent::AttachmentCreated,
            EntityChange::Deleted => WebhookEvent::AttachmentDeleted,
        };
        let mut payload = self.base(event);
        payload.insert(
            "attachment".into(),
            crate::platform::attachment::metadata(self.links, self.world, attachment),
        );
        vec![self.raised(event, issue, payload)]
    }

    /// `issuelink_created` / `issuelink_deleted`: Jira's webhook form of a link,
    /// not the REST API's `IssueLink`: numeric ids, the issues by id only, and
    /// the type with `outwardName`/`inwardName` (Jira's `IssueLinkType` bean).
    /// The source is the issue the type's outward text reads from ("source
    /// blocks destination"), the simulator's `outward`; `source` is that issue,
    /// the one an admin webhook's JQL is matched against. The simulator's link
    /// types are the ordinary ones: not the sub-task link, not a system type.
    pub(crate) fn issue_link(
        &self,
        change: EntityChange,
        source: &IssueRecord,
        link: &IssueLinkRecord,
    ) -> Vec<Raised> {
        let event = match change {
            EntityChange::Created => WebhookEvent::IssueLinkCreated,
            EntityChange::Deleted => WebhookEvent::IssueLinkDeleted,
        };
        let link_type = link.link_type;
        // Type ids are the simulator's own numeric constants; a string would only
        // come from a type it does not have.
        let type_id = link_type
            .id
            .parse::<u64>()
            .map_or_else(|_| json!(link_type.id), |id| json!(id));
        let mut payload = self.base(event);
        payload.insert(
            "issueLink".into(),
            json!({
                "id": link.id,
                "sourceIssueId": link.outward,
                "destinationIssueId": link.inward,
                "issueLinkType": {
                    "id": type_id,
                    "name": link_type.name,
                    "outwardName": link_type.outward,
                    "inwardName": link_type.inward,
                    "isSubTaskLinkType": false,
                    "isSystemLinkType": false,
                },
                "systemLink": false,
            }),
        );
        vec![self.raised(event, source, payload)]
    }

    // Jira Software's sprint and board events: `timestamp`, `webhookEvent` and
    // the entity, nothing else (no `user`: Jira names no actor for them), as
    // Atlassian's webhook page shows `sprint_started`. They are about no issue,
    // so an admin webhook's JQL filter does not hold them back (Jira does not
    // limit them to the filter either: JRASERVER-69135).

    /// The events of a sprint write, in the order Jira publishes them:
    /// `sprint_created` for a new sprint, `sprint_deleted` for a deleted one
    /// (as it was); for an update that changed anything, `sprint_updated` with
    /// the sprint before as `oldValue`, then `sprint_started` or
    /// `sprint_closed` if its state changed. An update that changed nothing
    /// raises nothing.
    pub(crate) fn sprint(&self, change: SprintChange<'_>) -> Vec<Raised> {
        match change {
            SprintChange::Created(sprint) => {
                vec![self.entity_only(
                    WebhookEvent::SprintCreated,
                    "sprint",
                    self.sprint_value(sprint),
                )]
            }
            SprintChange::Deleted(sprint) => {
                vec![self.entity_only(
                    WebhookEvent::SprintDeleted,
                    "sprint",
                    self.sprint_value(sprint),
                )]
            }
            SprintChange::Updated { before, after } => {
                if before == after {
                    return Vec::new();
                }
                let mut updated = self.entity_only(
                    WebhookEvent::SprintUpdated,
                    "sprint",
                    self.sprint_value(after),
                );
                updated
                    .payload
                    .insert("oldValue".into(), self.sprint_value(before));
                let mut raised = vec![updated];
                let state_event = match (before.state, after.state) {
                    (SprintState::Future, SprintState::Active) => Some(WebhookEvent::SprintStarted),
                    (SprintState::Active, SprintState::Closed) => Some(WebhookEvent::SprintClosed),
                    _ => None,
                };
                if let Some(event) = state_event {
                    raised.push(self.entity_only(event, "sprint", self.sprint_value(after)));
                }
                raised
            }
        }
    }

    /// `board_created` / `board_deleted` (the board as it was): `id`, `self`,
    /// `name` and `type`.
    pub(crate) fn board(&self, change: EntityChange, board: &BoardRecord) -> Vec<Raised> {
        let event = match change {
            EntityChange::Created => WebhookEvent::BoardCreated,
            EntityChange::Deleted => WebhookEvent::BoardDeleted,
        };
        let value = json!({
            "id": board.id,
            "self": shape::board_self(self.links, board.id),
            "name": board.name,
            "type": board.kind.as_str(),
        });
        vec![self.entity_only(event, "board", value)]
    }

    /// A sprint as its webhooks carry it: the agile API's sprint (`id`, `self`,
    /// `state`, `name`, the dates that are set, `originBoardId`, `goal`)
    /// without `createdDate`, which Jira's webhook sample does not show.
    fn sprint_value(&self, sprint: &SprintRecord) -> Value {
        let mut value = shape::sprint(self.links, sprint);
        if let Some(object) = value.as_object_mut() {
            object.remove("createdDate");
        }
        value
    }

    /// An event about no issue: `timestamp`, `webhookEvent` and `entity` alone.
    pub(super) fn entity_only(&self, event: WebhookEvent, entity: &str, value: Value) -> Raised {
        let mut payload = self.base(event);
        payload.insert(entity.into(), value);
        Raised {
            event,
            issue: None,
            changed_fields: Vec::new(),
            property_key: None,
            payload,
            acting_app: self.app.map(str::to_owned),
        }
    }
}

/// What a sprint write did, for [`Context::sprint`].
#[derive(Debug, Clone, Copy)]
pub(crate) enum SprintChange<'a> {
    Created(&'a SprintRecord),
    Updated {
        before: &'a SprintRecord,
        after: &'a SprintRecord,
    },
    Deleted(&'a SprintRecord),
}

/// Whether an attachment, issue link or board event is for a new one or a
/// deleted one.
#[derive(Debug, Clone, Copy)]
pub(crate) enum EntityChange {
    Created,
    Deleted,
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum CommentChange {
    Created,
    Updated,
    Deleted,
}

/// Whether a worklog event is for a new, an edited or a deleted worklog.
#[derive(Debug, Clone, Copy)]
pub(crate) enum WorklogChange {
    Created,
    Updated,
    Deleted,
}

/// Jira names an update by what it did: a transition is `issue_generic`, an
/// assignment alone `issue_assigned`, anything else `issue_updated`.
fn event_type_name(items: &[ChangeItem]) -> &'static str {
    if items.iter().any(|i| i.field_id == "status") {
        "issue_generic"
    } else if items.iter().all(|i| i.field_id == "assignee") {
        "issue_assigned"
    } else {
        "issue_updated"
    }
}
