//! The data a site starts with, as a document a developer can write by hand.
//!
//! Users are referred to by email throughout, so a seed reads like a description of a
//! team rather than a list of opaque ids. [`Seed::default`] is the built-in site every
//! fresh machine gets.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::SimError;
use crate::webhooks::registry::prepare_admin;
use crate::webhooks::{AdminWebhook, WebhookTargets};
use crate::world::World;

/// Users, projects with their issues, and JSM Ops teams and schedules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Seed {
    pub users: Vec<SeedUser>,
    #[serde(default)]
    pub projects: Vec<SeedProject>,
    #[serde(default)]
    pub teams: Vec<SeedTeam>,
    #[serde(default)]
    pub schedules: Vec<SeedSchedule>,
    /// Admin webhooks the site starts with (Jira's *System → WebHooks*).
    #[serde(default)]
    pub webhooks: Vec<AdminWebhook>,
    /// Custom fields the site starts with, numbered `customfield_10000` upward in
    /// order unless they name their id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub custom_fields: Vec<SeedCustomField>,
    /// User groups the site starts with, beside its built-in
    /// `jira-software-users` (everyone) and `site-admins`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<SeedGroup>,
}

/// A user group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SeedGroup {
    pub name: String,
    /// Emails of the members.
    #[serde(default)]
    pub members: Vec<String>,
}

/// A custom field definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SeedCustomField {
    /// `customfield_N`; by default the next number from 10000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `textfield`, `textarea`, `float`, `select`, `multiselect`, `labels`,
    /// `datepicker`, `datetime` or `userpicker` (or the full
    /// `com.atlassian.jira.plugin.system.customfieldtypes:` key).
    #[serde(rename = "type")]
    pub kind: String,
    /// Full searcher key; by default the type's usual searcher, so the field is
    /// searchable with JQL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub searcher_key: Option<String>,
    /// A select or multiselect field's options, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
}

impl Seed {
    /// Reads a seed from JSON. YAML callers can deserialize [`Seed`] with any serde
    /// YAML crate: the format is the same.
    pub fn from_json(text: &str) -> Result<Self, SimError> {
        Ok(serde_json::from_str(text)?)
    }

    /// Checks everything [`crate::Simulator::start`] checks with the default
    /// configuration, without starting anything: references between users,
    /// projects, teams and schedules, unique keys, boards' quick filters (their
    /// JQL parses), and admin webhooks (loopback URLs, valid JQL).
    pub fn validate(&self) -> Result<(), SimError> {
        let world = World::from_seed(self)?;
        for hook in &self.webhooks {
            prepare_admin(&world, hook, WebhookTargets::LoopbackOnly)
                .map_err(|e| SimError::Seed(format!("webhook {:?}: {e}", hook.name)))?;
        }
        Ok(())
    }
}

/// A site user. The API token is not part of the seed: it is generated per start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SeedUser {
    pub account_id: String,
    pub email: String,
    pub display_name: String,
    #[serde(default)]
    pub site_admin: bool,
    #[serde(default = "default_time_zone")]
    pub time_zone: String,
}

fn default_time_zone() -> String {
    String::from("UTC")
}

/// What a user may do in a project (Jira's project permissions, reduced to the four an
/// app's calls depend on).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SeedPermission {
    /// See the project and its issues (`BROWSE_PROJECTS`).
    Browse,
    /// Create issues (`CREATE_ISSUES`).
    Create,
    /// Edit, transition, assign and delete issues (`EDIT_ISSUES` and friends).
    Edit,
    /// Add comments (`ADD_COMMENTS`).
    Comment,
}

/// A project with its issues, numbered `KEY-1`, `KEY-2`, … in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SeedProject {
    /// Numeric id, as Jira assigns (`"10000"`).
    pub id: String,
    pub key: String,
    pub name: String,
    /// Email of the project lead.
    pub lead: String,
    #[serde(default)]
    pub components: Vec<String>,
    /// Email → permissions. A user not listed has none.
    #[serde(default)]
    pub permissions: BTreeMap<String, Vec<SeedPermission>>,
    #[serde(default)]
    pub issues: Vec<SeedIssue>,
    /// The project's board (each project has one, "KEY board"): what Jira's
    /// REST API cannot set, made in the board's configuration screen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub board: Option<SeedBoard>,
}

/// The configuration of a project's board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SeedBoard {
    /// The board's quick filters, in the order the board shows them (their
    /// `position`, from 0).
    #[serde(default)]
    pub quick_filters: Vec<SeedQuickFilter>,
    /// The board's sprints, in its backlog's order; numbered from 1 across the
    /// site in the order the seed gives them. What the REST API cannot make:
    /// a sprint already active or closed, with its past dates.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sprints: Vec<SeedSprint>,
}

/// A sprint of a project's board, as a team left it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SeedSprint {
    pub name: String,
    /// `future`, `active` or `closed`.
    pub state: String,
    /// RFC 3339; required for an active or closed sprint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    /// RFC 3339, not before the start; required for an active or closed sprint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    /// RFC 3339, not before the start: when a closed sprint was completed
    /// (required for one, refused for the others).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complete_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goal: Option<String>,
    /// Keys of the project's issues in the sprint. An issue is in at most one
    /// future or active sprint, and in any number of closed ones (it was
    /// carried over from them).
    #[serde(default)]
    pub issues: Vec<String>,
}

/// A quick filter: a named JQL clause that narrows what the board shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SeedQuickFilter {
    pub name: String,
    /// Must parse as JQL.
    pub jql: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// An issue; its key and id are assigned from its position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SeedIssue {
    pub summary: String,
    /// Plain text, stored as an Atlassian Document Format paragraph per line.
    #[serde(default)]
    pub description: Option<String>,
    /// `To Do`, `In Progress` or `Done`.
    pub status: String,
    /// `Task`, `Bug`, `Story`, `Epic` or `Sub-task`.
    #[serde(default = "default_issue_type")]
    pub issue_type: String,
    /// Key of the issue's parent, another seeded issue: an epic for a task, bug
    /// or story; a task, bug or story of the same project for a sub-task, which
    /// must have one. Optional, so seeds written before the hierarchy was
    /// modelled still load.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    #[serde(default)]
    pub labels: Vec<String>,
    /// Email of the assignee.
    #[serde(default)]
    pub assignee: Option<String>,
    /// Email of the reporter.
    pub reporter: String,
    #[serde(default)]
    pub components: Vec<String>,
    #[serde(default)]
    pub comments: Vec<SeedComment>,
    /// RFC 3339 creation time.
    pub created: String,
    /// The due date, `yyyy-MM-dd` (the REST API's form). Optional, so seeds
    /// written before due dates were modelled still load.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_date: Option<String>,
    /// Custom field values by field id or name, in the REST API's shapes (a
    /// textarea may be plain text, an option its value, a user an email).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub custom_fields: BTreeMap<String, serde_json::Value>,
}

fn default_issue_type() -> String {
    String::from("Task")
}

/// A comment, in plain text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SeedComment {
    /// Email of the author.
    pub author: String,
    pub body: String,
}

/// A JSM Ops team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SeedTeam {
    pub id: String,
    pub name: String,
    pub members: Vec<SeedTeamMember>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SeedTeamMember {
    /// Email of the member.
    pub email: String,
    pub role: TeamRole,
}

/// A member's role in a JSM Ops team; only Team Admins change the team's schedules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TeamRole {
    Admin,
    Member,
}

/// An on-call schedule owned by a team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SeedSchedule {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default = "default_time_zone")]
    pub timezone: String,
    /// Name of the owning team.
    pub team: String,
    #[serde(default)]
    pub rotations: Vec<SeedRotation>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<SeedOverride>,
}

/// A rotation: participants take turns of `length` units of `type`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SeedRotation {
    pub id: String,
    pub name: String,
    /// `hourly`, `daily` or `weekly`.
    #[serde(rename = "type")]
    pub kind: String,
    pub length: u32,
    /// RFC 3339 start of the first turn.
    pub start_date: String,
    /// Emails, in turn order.
    pub participants: Vec<String>,
}

/// Someone on call instead of a schedule's rotations for a while (holiday cover).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SeedOverride {
    /// The override's identifier within its schedule, as the Ops API addresses it.
    pub alias: String,
    /// Email of the user on call instead.
    pub user: String,
    /// RFC 3339 start, inclusive.
    pub start_date: String,
    /// RFC 3339 end, exclusive; after the start.
    pub end_date: String,
    /// Ids of the schedule's rotations it replaces; empty means all of them.
    #[serde(default)]
    pub rotations: Vec<String>,
}

const ALICE: &str = "admin@example.com";
const BOB: &str = "user@example.com";
const CAROL: &str = "outsider@example.com";

impl Default for Seed {
    /// The built-in site: Alice (site admin, Team Admin of "Platform Ops"), Bob (a
    /// member of the team) and Carol (who cannot see project SEC); projects KILN and
    /// SEC, the KILN board with an active sprint (KILN-2 and KILN-4); one on-call
    /// schedule with a weekly rotation.
    fn default() -> Self {
        use SeedPermission::{Browse, Comment, Create, Edit};
        let all = vec![Browse, Create, Edit, Comment];
        Self {
            users: vec![
                user(
                    "5b10ac8d82e05b22cc7d4a11",
                    ALICE,
                    "Alice Admin",
                    true,
                    "Europe/London",
                ),
                user(
                    "5b10ac8d82e05b22cc7d4b0b",
                    BOB,
                    "Bob User",
                    false,
                    "Europe/Berlin",
                ),
                user(
                    "5b10ac8d82e05b22cc7d4ca1",
                    CAROL,
                    "Carol Outsider",
                    false,
                    "America/New_York",
                ),
            ],
            projects: vec![
                SeedProject {
                    id: String::from("10000"),
                    key: String::from("KILN"),
                    name: String::from("Kiln"),
                    lead: String::from(ALICE),
                    components: strings(&["Runtime", "Simulator", "Manifest", "Docs"]),
                    permissions: BTreeMap::from([
                        (String::from(ALICE), all.clone()),
                        (String::from(BOB), all.clone()),
                        (String::from(CAROL), vec![Browse, Comment]),
                    ]),
                    issues: kiln_issues(),
                    board: Some(kiln_board()),
                },
                SeedProject {
                    id: String::from("10001"),
                    key: String::from("SEC"),
                    name: String::from("Security"),
                    lead: String::from(ALICE),
                    components: Vec::new(),
                    permissions: BTreeMap::from([
                        (String::from(ALICE), all),
                        (String::from(BOB), vec![Browse, Comment]),
                    ]),
                    issues: sec_issues(),
                    board: None,
                },
            ],
            teams: vec![SeedTeam {
                id: String::from("2b7a4f4e-6c1d-4d2e-9a53-0f3c8e1d7a10"),
                name: String::from("Platform Ops"),
                members: vec![
                    SeedTeamMember {
                        email: String::from(ALICE),
                        role: TeamRole::Admin,
                    },
                    SeedTeamMember {
                        email: String::from(BOB),
                        role: TeamRole::Member,
                    },
                ],
            }],
            schedules: vec![SeedSchedule {
                id: String::from("8d1f0c52-3b8e-4b6a-a7f2-5e9d2c4b1a30"),
                name: String::from("Platform Ops on-call"),
                description: String::from("Primary on-call for the Kiln platform"),
                timezone: String::from("Europe/London"),
                team: String::from("Platform Ops"),
                rotations: vec![SeedRotation {
                    id: String::from("f3e2d1c0-b9a8-4765-8432-10fedcba9876"),
                    name: String::from("Weekly primary"),
                    kind: String::from("weekly"),
                    length: 1,
                    start_date: String::from("2024-01-01T09:00:00Z"),
                    participants: strings(&[ALICE, BOB]),
                }],
                overrides: Vec::new(),
            }],
            webhooks: Vec::new(),
            custom_fields: Vec::new(),
            groups: vec![SeedGroup {
                name: String::from("kiln-developers"),
                members: strings(&[ALICE, BOB]),
            }],
        }
    }
}

/// The KILN board: its quick filters, the spec's own example ("Bugs") and one
/// on a component, as a team sets them up in the board's configuration; and
/// one active sprint, so apps that show a board's current sprint (sprint
/// gadgets) find one on the built-in site.
fn kiln_board() -> SeedBoard {
    SeedBoard {
        quick_filters: vec![
            SeedQuickFilter {
                name: String::from("Bugs"),
                jql: String::from("issuetype = Bug"),
                description: Some(String::from("Issues of type bug")),
            },
            SeedQuickFilter {
                name: String::from("Runtime"),
                jql: String::from("component = Runtime"),
                description: None,
            },
        ],
        sprints: vec![SeedSprint {
            name: String::from("KILN Sprint 1"),
            state: String::from("active"),
            start_date: Some(String::from("2025-01-13T09:00:00Z")),
            end_date: Some(String::from("2025-01-27T09:00:00Z")),
            complete_date: None,
            goal: Some(String::from("JQL search and rate limits")),
            // Two open issues: "Add JQL search to the simulator" (In
            // Progress) and "Handle rate limits in the host client" (To Do).
            issues: strings(&["KILN-2", "KILN-4"]),
        }],
    }
}

fn user(account_id: &str, email: &str, name: &str, site_admin: bool, tz: &str) -> SeedUser {
    SeedUser {
        account_id: String::from(account_id),
        email: String::from(email),
        display_name: String::from(name),
        site_admin,
        time_zone: String::from(tz),
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| String::from(*s)).collect()
}

struct IssueSpec<'a> {
    summary: &'a str,
    description: &'a str,
    status: &'a str,
    issue_type: &'a str,
    labels: &'a [&'a str],
    assignee: Option<&'a str>,
    reporter: &'a str,
    components: &'a [&'a str],
    comments: &'a [(&'a str, &'a str)],
    created: &'a str,
}

fn issue(spec: IssueSpec<'_>) -> SeedIssue {
    SeedIssue {
        summary: String::from(spec.summary),
        description: Some(String::from(spec.description)),
        status: String::from(spec.status),
        issue_type: String::from(spec.issue_type),
        parent: None,
        due_date: None,
        labels: strings(spec.labels),
        assignee: spec.assignee.map(String::from),
        reporter: String::from(spec.reporter),
        components: strings(spec.components),
        comments: spec
            .comments
            .iter()
            .map(|(author, body)| SeedComment {
                author: String::from(*author),
                body: String::from(*body),
            })
            .collect(),
        created: String::from(spec.created),
        custom_fields: BTreeMap::new(),
    }
}

fn kiln_issues() -> Vec<SeedIssue> {
    vec![
        issue(IssueSpec {
            summary: "Sandbox escapes must be impossible",
            description: "Audit every host import.\nNo guest may reach the network except through request-jira.",
            status: "Done",
            issue_type: "Story",
            labels: &["security", "sandbox"],
            assignee: Some(ALICE),
            reporter: ALICE,
            components: &["Runtime"],
            comments: &[
                (BOB, "Reviewed the import list; only jira and log remain."),
                (ALICE, "Closing after the audit."),
            ],
            created: "2025-01-06T09:00:00Z",
        }),
        issue(IssueSpec {
            summary: "Add JQL search to the simulator",
            description: "Support project, status, assignee, labels and text queries.",
            status: "In Progress",
            issue_type: "Task",
            labels: &["simulator"],
            assignee: Some(BOB),
            reporter: ALICE,
            components: &["Simulator"],
            comments: &[(ALICE, "Paging should use nextPageToken like the cloud API.")],
            created: "2025-01-07T10:30:00Z",
        }),
        issue(IssueSpec {
            summary: "Document the manifest format",
            description: "Explain modules, permissions and limits with examples.",
            status: "To Do",
            issue_type: "Task",
            labels: &["docs"],
            assignee: None,
            reporter: BOB,
            components: &["Docs", "Manifest"],
            comments: &[],
            created: "2025-01-08T11:00:00Z",
        }),
        issue(IssueSpec {
            summary: "Handle rate limits in the host client",
            description: "Honour Retry-After on 429 answers.",
            status: "To Do",
            issue_type: "Story",
            labels: &["runtime", "resilience"],
            assignee: Some(BOB),
            reporter: ALICE,
            components: &["Runtime"],
            comments: &[],
            created: "2025-01-09T14:15:00Z",
        }),
        issue(IssueSpec {
            summary: "On-call rotation shows the wrong person",
            description: "The weekly rotation is off by one at the hand-over hour.",
            status: "In Progress",
            issue_type: "Bug",
            labels: &["ops", "bug"],
            assignee: Some(ALICE),
            reporter: BOB,
            components: &["Simulator"],
            comments: &[(BOB, "Reproduced on Monday morning.")],
            created: "2025-01-10T08:45:00Z",
        }),
        issue(IssueSpec {
            summary: "Release 0.1.0",
            description: "Tag, publish and announce the first release.",
            status: "To Do",
            issue_type: "Task",
            labels: &["release"],
            assignee: Some(ALICE),
            reporter: ALICE,
            components: &[],
            comments: &[(CAROL, "Looking forward to trying it.")],
            created: "2025-01-13T16:00:00Z",
        }),
    ]
}

fn sec_issues() -> Vec<SeedIssue> {
    vec![
        issue(IssueSpec {
            summary: "Rotate the leaked staging credential",
            description: "A staging token was pasted in a public channel.",
            status: "In Progress",
            issue_type: "Bug",
            labels: &["incident"],
            assignee: Some(ALICE),
            reporter: ALICE,
            components: &[],
            comments: &[(ALICE, "Revoked; new token issued.")],
            created: "2025-01-11T07:20:00Z",
        }),
        issue(IssueSpec {
            summary: "Pen-test findings for the host import",
            description: "Triage the external report.",
            status: "To Do",
            issue_type: "Task",
            labels: &["security"],
            assignee: Some(BOB),
            reporter: ALICE,
            components: &[],
            comments: &[],
            created: "2025-01-12T12:00:00Z",
        }),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_seed_round_trips_through_json() {
        let seed = Seed::default();
        let text = serde_json::to_string(&seed).expect("seed serializes");
        assert_eq!(Seed::from_json(&text).expect("seed parses"), seed);
    }

    #[test]
    fn unknown_fields_are_refused() {
        let err = Seed::from_json(r#"{"users":[],"extra":1}"#).expect_err("unknown field");
        assert!(err.to_string().contains("extra"), "{err}");
    }
}
