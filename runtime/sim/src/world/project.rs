//! Users and projects.

use std::collections::{BTreeMap, BTreeSet};

use crate::seed::SeedPermission;

#[derive(Debug, Clone)]
pub(crate) struct UserRecord {
    pub(crate) account_id: String,
    pub(crate) email: String,
    pub(crate) display_name: String,
    pub(crate) site_admin: bool,
    pub(crate) time_zone: String,
    /// A person's account, or an app's own (`app_account.rs`).
    pub(crate) account_type: AccountType,
    /// User properties: key → any JSON value.
    pub(crate) properties: BTreeMap<String, serde_json::Value>,
    /// The preferences the user set (`/mypreferences`): key → plain text.
    pub(crate) preferences: BTreeMap<String, String>,
}

/// Jira's `accountType`: who an account is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AccountType {
    /// A person (every seeded user).
    Atlassian,
    /// An app's own account, which its `asApp()` calls act as.
    App,
}

impl AccountType {
    /// As Jira spells it in a `User`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Atlassian => "atlassian",
            Self::App => "app",
        }
    }
}

/// A project component: the one record behind a project's `components`, an
/// issue's (which holds its name: `IssueRecord::components`) and
/// `/rest/api/3/component/{id}` (`platform/component.rs`).
#[derive(Debug, Clone)]
pub(crate) struct ComponentRecord {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    /// Account id of the component's lead.
    pub(crate) lead: Option<String>,
    pub(crate) assignee_type: super::component::AssigneeType,
}

#[derive(Debug, Clone)]
pub(crate) struct ProjectRecord {
    pub(crate) id: String,
    pub(crate) key: String,
    pub(crate) name: String,
    /// Account id of the lead.
    pub(crate) lead: String,
    /// `None` renders as Jira's empty description.
    pub(crate) description: Option<String>,
    /// A link to information about the project, if one was set.
    pub(crate) url: Option<String>,
    pub(crate) project_type: super::project_settings::ProjectType,
    pub(crate) default_assignee: super::project_settings::DefaultAssignee,
    pub(crate) components: Vec<ComponentRecord>,
    /// Account id → what that user may do here.
    pub(crate) grants: BTreeMap<String, BTreeSet<SeedPermission>>,
    /// The number the next issue key takes.
    pub(crate) next_issue_number: u64,
    /// Project properties: key → any JSON value.
    pub(crate) properties: BTreeMap<String, serde_json::Value>,
}

/// Whether `key` is spelled as a Jira project key: an uppercase letter, then
/// uppercase letters and digits. Seeds and `POST /project` both hold keys to
/// it (the API also bounds the length).
pub(crate) fn spelled_as_project_key(key: &str) -> bool {
    key.starts_with(|c: char| c.is_ascii_uppercase())
        && key
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

impl ProjectRecord {
    pub(crate) fn grants(&self, account_id: &str, permission: SeedPermission) -> bool {
        self.grants
            .get(account_id)
            .is_some_and(|set| set.contains(&permission))
    }

    /// Whether `account_id` may be assigned this project's issues (Jira's
    /// *Assignable User* project permission). The simulator grants it to whoever
    /// may browse the project: the one rule behind an assignee a create, an edit
    /// or `assignIssue` accepts, the assignable-user searches and
    /// `ASSIGNABLE_USER` in `mypermissions`.
    pub(crate) fn assignable(&self, account_id: &str) -> bool {
        self.grants(account_id, SeedPermission::Browse)
    }

    pub(crate) fn component_named(&self, name: &str) -> Option<&ComponentRecord> {
        self.components.iter().find(|c| c.name == name)
    }

    /// The project's component named `name` without regard to case: Jira keeps
    /// component names unique in a project that way.
    pub(crate) fn component_named_ignoring_case(&self, name: &str) -> Option<&ComponentRecord> {
        let name = name.to_lowercase();
        self.components
            .iter()
            .find(|c| c.name.to_lowercase() == name)
    }
}
