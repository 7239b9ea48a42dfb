//! The site's state: everything a request can read or change, kept in memory.
//!
//! [`World`] is plain data behind one mutex in [`crate::shared::Shared`]; handlers
//! lock it, do their work synchronously and unlock before answering, so no lock is
//! ever held across an `.await`.

pub(crate) mod agile_property;
mod app_account;
pub(crate) mod app_field;
pub(crate) mod app_field_configuration;
pub(crate) mod app_field_type;
pub(crate) mod board;
pub(crate) mod cascading;
pub(crate) mod component;
pub(crate) mod custom_field;
pub(crate) mod dashboard;
pub(crate) mod entity_property_index;
pub(crate) mod epic;
pub(crate) mod field_context;
pub(crate) mod field_context_default;
pub(crate) mod filter;
mod from_seed;
pub(crate) mod group;
pub(crate) mod hierarchy;
mod issue;
pub(crate) mod issue_link;
pub(crate) mod issue_type_screen_scheme;
pub(crate) mod notification;
pub(crate) mod on_call;
mod ops;
mod project;
mod project_lifecycle;
pub(crate) mod project_settings;
pub(crate) mod quick_filter;
pub(crate) mod rank;
pub(crate) mod recent_project;
pub(crate) mod resolution;
mod restriction;
pub(crate) mod rotation;
pub(crate) mod screen;
pub(crate) mod screen_scheme;
mod seeded_sprint;
pub(crate) mod site_workflows;
pub(crate) mod sprint;
pub(crate) mod task;
pub(crate) mod time_tracking;
pub(crate) mod version;
pub(crate) mod workflow;
pub(crate) mod workflow_scheme;
pub(crate) mod worklog_feed;
pub(crate) mod zone;

pub(crate) use issue::{
    AttachmentRecord, CommentRecord, DEFAULT_PRIORITY, HistoryItem, HistoryRecord, IssueRecord,
    PRIORITIES, Priority, RemoteApplication, RemoteIcon, RemoteLinkRecord, RemoteObject,
    RemoteStatus, WorklogRecord, priority_named,
};
pub(crate) use ops::{
    AlertParty, AlertRecord, AlertRequest, AlertStatus, ClockTime, OverrideRecord, Participant,
    RotationKind, RotationRecord, ScheduleRecord, TeamRecord, TimeRestriction, WeekWindow,
};
pub(crate) use project::{
    AccountType, ComponentRecord, ProjectRecord, UserRecord, spelled_as_project_key,
};

use std::collections::BTreeMap;

use crate::clock::SimClock;
use crate::seed::{SeedPermission, TeamRole};
use crate::webhooks::registry::Registry;

#[derive(Debug, Clone)]
pub(crate) struct World {
    pub(crate) users: Vec<UserRecord>,
    pub(crate) projects: Vec<ProjectRecord>,
    /// In creation order, so ids ascend.
    pub(crate) issues: Vec<IssueRecord>,
    pub(crate) next_issue_id: u64,
    pub(crate) next_comment_id: u64,
    /// The worklogs deleted most recently, oldest first, with when
    /// (`worklog_feed::MAX_DELETED_WORKLOGS` at most): `GET /worklog/deleted`.
    pub(crate) deleted_worklogs: std::collections::VecDeque<worklog_feed::DeletedWorklog>,
    pub(crate) next_attachment_id: u64,
    pub(crate) teams: Vec<TeamRecord>,
    pub(crate) schedules: Vec<ScheduleRecord>,
    pub(crate) alerts: Vec<AlertRecord>,
    pub(crate) next_alert_tiny_id: u64,
    /// Asynchronous alert requests by request id: what was asked and for which alert.
    pub(crate) alert_requests: Vec<AlertRequest>,
    /// Where "now" comes from: the run's [`SimClock`], shared with the test that
    /// configured it.
    pub(crate) clock: SimClock,
    /// Dynamic and admin webhooks.
    pub(crate) webhooks: Registry,
    pub(crate) next_changelog_id: u64,
    pub(crate) next_remote_link_id: u64,
    /// Links between issues, in creation order (so ids ascend); each issue's are
    /// those that involve its id ([`World::issue_links_of`]).
    pub(crate) issue_links: Vec<issue_link::IssueLinkRecord>,
    pub(crate) next_issue_link_id: u64,
    /// Forge app properties, by the client id of the app that owns them.
    pub(crate) app_properties: BTreeMap<String, BTreeMap<String, serde_json::Value>>,
    /// Issue type properties (`/issuetype/{id}/properties`), by issue type id
    /// then key. The issue types themselves are fixed (`workflow::ISSUE_TYPES`),
    /// so their properties live here rather than on a record.
    pub(crate) issue_type_properties: BTreeMap<String, BTreeMap<String, serde_json::Value>>,
    /// Custom field definitions, in creation order (so ids ascend).
    pub(crate) custom_fields: Vec<custom_field::CustomFieldRecord>,
    /// The field types apps offer (Forge's `jira:customFieldType`), at most
    /// [`app_field_type::MAX_SITE_FIELD_TYPES`]: an administrator creates
    /// fields of them (`app_field_type.rs`).
    pub(crate) app_field_types: Vec<app_field::AppFieldOwner>,
    /// Stored user groups (`group.rs`; the built-in ones are computed).
    pub(crate) groups: Vec<group::GroupRecord>,
    /// The number the next stored group's id is made from.
    pub(crate) next_group_number: usize,
    pub(crate) next_custom_field_number: u64,
    /// Numbers select options and custom field contexts.
    pub(crate) next_option_id: u64,
    /// Saved filters, and the counters that number them and their share
    /// permissions.
    pub(crate) filters: filter::Filters,
    /// Dashboards, the system one first, with their item properties.
    pub(crate) dashboards: dashboard::Dashboards,
    /// The projects each user viewed last (`getRecent`).
    pub(crate) recent_projects: recent_project::RecentProjects,
    /// Project versions, in creation order (so ids ascend, and each project's
    /// are in its order).
    pub(crate) versions: Vec<version::VersionRecord>,
    pub(crate) next_version_id: u64,
    /// The id the next created project takes, at least (`project_lifecycle`).
    pub(crate) next_project_id: u64,
    /// The id the next created component takes (seeded ones come first).
    pub(crate) next_component_id: u64,
    /// Jira Software boards, in creation order (so ids ascend).
    pub(crate) boards: Vec<board::BoardRecord>,
    pub(crate) next_board_id: u64,
    /// Sprints, in creation order (so ids ascend, and each board's are in its
    /// backlog's order).
    pub(crate) sprints: Vec<sprint::SprintRecord>,
    pub(crate) next_sprint_id: u64,
    /// The email notifications `notify` queued, oldest first
    /// ([`notification::OUTBOX_CAPACITY`] at most).
    pub(crate) notifications: Vec<notification::SentNotification>,
    /// The site's screens (`screen.rs`): the Default Screen, which decides the
    /// fields a create or edit may set.
    pub(crate) screens: Vec<screen::ScreenRecord>,
    pub(crate) next_screen_id: u64,
    pub(crate) next_screen_tab_id: u64,
    /// The site's screen schemes (`screen_scheme.rs`): the one an issue's
    /// project and issue type use decides which screen a create and an edit
    /// use.
    pub(crate) screen_schemes: Vec<screen_scheme::ScreenSchemeRecord>,
    pub(crate) next_screen_scheme_id: u64,
    /// The site's issue type screen schemes and the one each project uses
    /// (`issue_type_screen_scheme.rs`): which screen scheme an issue's
    /// project and issue type use.
    pub(crate) issue_type_screen_schemes: issue_type_screen_scheme::IssueTypeScreenSchemes,
    /// Finished asynchronous tasks, oldest first ([`task::MAX_TASKS`] at most).
    pub(crate) tasks: Vec<task::TaskRecord>,
    pub(crate) next_task_id: u64,
    /// The site's workflows and statuses (`site_workflows.rs`), which issues
    /// move by.
    pub(crate) workflows: site_workflows::SiteWorkflows,
    /// The issue property paths apps index for JQL (Forge's
    /// `jira:entityProperty`; `entity_property_index.rs`), in registration
    /// order ([`entity_property_index::MAX_SITE_INDEXED_VALUES`] at most).
    pub(crate) entity_property_indexes: Vec<entity_property_index::IndexedPath>,
}

impl World {
    pub(crate) fn now(&self) -> time::OffsetDateTime {
        self.clock.now_utc()
    }

    pub(crate) fn user(&self, account_id: &str) -> Option<&UserRecord> {
        self.users.iter().find(|u| u.account_id == account_id)
    }

    /// A person by email: an app's account has none (`app_account.rs`).
    pub(crate) fn user_by_email(&self, email: &str) -> Option<&UserRecord> {
        self.users.iter().find(|u| {
            u.account_type == AccountType::Atlassian && u.email.eq_ignore_ascii_case(email)
        })
    }

    /// A project by key (case-insensitive) or numeric id.
    pub(crate) fn project(&self, id_or_key: &str) -> Option<&ProjectRecord> {
        self.projects
            .iter()
            .find(|p| p.id == id_or_key || p.key.eq_ignore_ascii_case(id_or_key))
    }

    /// Whether `account_id` may browse at least one project: what Jira asks of
    /// a caller for the site-wide lists (statuses, issue types, link types) that
    /// the simulated projects all share.
    pub(crate) fn browses_any_project(&self, account_id: &str) -> bool {
        self.projects
            .iter()
            .any(|p| p.grants(account_id, SeedPermission::Browse))
    }

    /// Whether `account_id` holds `permission` in the project `project_key`.
    pub(crate) fn may(
        &self,
        account_id: &str,
        project_key: &str,
        permission: SeedPermission,
    ) -> bool {
        self.project(project_key)
            .is_some_and(|p| p.grants(account_id, permission))
    }

    /// Whether `account_id` is a site admin: Jira's *Administer Jira*, the one
    /// flag every admin-only operation reads.
    pub(crate) fn is_site_admin(&self, account_id: &str) -> bool {
        self.user(account_id).is_some_and(|u| u.site_admin)
    }

    /// Whether `account_id` holds Jira's *Administer Projects* in the project
    /// `project_key`: the simulator grants it to the project's lead and to site
    /// admins (who hold *Administer Jira*), as `mypermissions` reports it.
    pub(crate) fn administers(&self, account_id: &str, project_key: &str) -> bool {
        self.project(project_key)
            .is_some_and(|p| p.lead == account_id)
            || self.is_site_admin(account_id)
    }

    /// Index of the issue with this key or numeric id that `account_id` may browse.
    /// `None` both when it does not exist and when it is hidden, as Jira does.
    pub(crate) fn visible_issue(&self, account_id: &str, id_or_key: &str) -> Option<usize> {
        self.issues.iter().position(|issue| {
            (issue.key.eq_ignore_ascii_case(id_or_key) || issue.id.to_string() == id_or_key)
                && self.may(account_id, &issue.project_key, SeedPermission::Browse)
        })
    }

    pub(crate) fn team(&self, id: &str) -> Option<&TeamRecord> {
        self.teams.iter().find(|t| t.id == id)
    }

    pub(crate) fn team_named(&self, name: &str) -> Option<&TeamRecord> {
        self.teams.iter().find(|t| t.name == name)
    }

    /// Whether `account_id` holds the Ops global Admin role (the simulator's site
    /// admins): the "edit configuration" and "read-only administrative" rights
    /// of the Ops reference.
    pub(crate) fn is_ops_admin(&self, account_id: &str) -> bool {
        self.is_site_admin(account_id)
    }

    /// Whether `account_id` is in team `team_id`, in any role.
    pub(crate) fn is_team_member(&self, account_id: &str, team_id: &str) -> bool {
        self.team(team_id)
            .is_some_and(|t| t.role_of(account_id).is_some())
    }

    /// Whether `account_id` is a Team Admin of team `team_id`.
    pub(crate) fn is_team_admin(&self, account_id: &str, team_id: &str) -> bool {
        self.team(team_id)
            .is_some_and(|t| t.role_of(account_id) == Some(TeamRole::Admin))
    }

    pub(crate) fn schedule_index(&self, id: &str) -> Option<usize> {
        self.schedules.iter().position(|s| s.id == id)
    }

    /// Hands out the next issue id (Jira numbers issues site-wide).
    pub(crate) fn take_issue_id(&mut self) -> u64 {
        let id = self.next_issue_id;
        self.next_issue_id += 1;
        id
    }

    /// Worklog ids share the comment counter: both are per-site sequences.
    pub(crate) fn take_worklog_id(&mut self) -> u64 {
        self.take_comment_id()
    }

    /// Hands out the next attachment id (a per-site sequence, like Jira's).
    pub(crate) fn take_attachment_id(&mut self) -> u64 {
        let id = self.next_attachment_id;
        self.next_attachment_id += 1;
        id
    }

    /// Where attachment `id` is: (issue index, position in its attachments). Any
    /// issue, visible or not: the caller's right to it is the handler's to check.
    pub(crate) fn attachment(&self, id: &str) -> Option<(usize, usize)> {
        let id: u64 = id.parse().ok()?;
        self.issues.iter().enumerate().find_map(|(index, issue)| {
            issue
                .attachments
                .iter()
                .position(|a| a.id == id)
                .map(|position| (index, position))
        })
    }

    /// Every attachment the site holds, on any issue. What they weigh is summed
    /// from here, not counted as files come and go, so that whatever removes an
    /// attachment (its deletion, its issue's) frees its share without having to
    /// remember to.
    pub(crate) fn all_attachments(&self) -> impl Iterator<Item = &AttachmentRecord> {
        self.issues.iter().flat_map(|issue| &issue.attachments)
    }

    /// Numbers each change an update's changelog describes.
    pub(crate) fn take_changelog_id(&mut self) -> u64 {
        let id = self.next_changelog_id;
        self.next_changelog_id += 1;
        id
    }

    /// Hands out the next remote issue link id (a per-site sequence, like Jira's).
    pub(crate) fn take_remote_link_id(&mut self) -> u64 {
        let id = self.next_remote_link_id;
        self.next_remote_link_id += 1;
        id
    }

    /// Where remote link `id` is: (issue index, position in its remote links). Any
    /// issue, visible or not: the caller's right to it is the handler's to check.
    pub(crate) fn remote_link(&self, id: u64) -> Option<(usize, usize)> {
        self.issues.iter().enumerate().find_map(|(index, issue)| {
            issue
                .remote_links
                .iter()
                .position(|l| l.id == id)
                .map(|position| (index, position))
        })
    }

    /// Hands out the next issue link id (a per-site sequence, like Jira's).
    pub(crate) fn take_issue_link_id(&mut self) -> u64 {
        let id = self.next_issue_link_id;
        self.next_issue_link_id += 1;
        id
    }

    /// The links the issue with id `issue_id` takes part in, either side, oldest
    /// first.
    pub(crate) fn issue_links_of(
        &self,
        issue_id: u64,
    ) -> impl Iterator<Item = &issue_link::IssueLinkRecord> {
        self.issue_links
            .iter()
            .filter(move |l| l.involves(issue_id))
    }

    /// The issue with this id, visible or not.
    pub(crate) fn issue_by_id(&self, id: u64) -> Option<&IssueRecord> {
        self.issues.iter().find(|issue| issue.id == id)
    }

    /// A custom field by id (`customfield_10010`).
    pub(crate) fn custom_field(&self, id: &str) -> Option<&custom_field::CustomFieldRecord> {
        let number = custom_field::number_of(id)?;
        self.custom_field_numbered(number)
    }

    pub(crate) fn custom_field_numbered(
        &self,
        number: u64,
    ) -> Option<&custom_field::CustomFieldRecord> {
        self.custom_fields.iter().find(|f| f.number == number)
    }

    /// Hands out the next option (or context) id.
    pub(crate) fn take_option_id(&mut self) -> String {
        let id = self.next_option_id;
        self.next_option_id += 1;
        id.to_string()
    }

    pub(crate) fn take_comment_id(&mut self) -> u64 {
        let id = self.next_comment_id;
        self.next_comment_id += 1;
        id
    }
}
