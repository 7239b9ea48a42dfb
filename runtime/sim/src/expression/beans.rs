//! The members of Jira's objects (`Issue`, `User`, `Project`, …) as Jira's type
//! reference documents them, read from the site under the caller's permissions;
//! Jira Software's `Board` and `Sprint` are `agile_beans.rs`'.

use std::rc::Rc;

use super::agile_beans;
use super::complexity::{Complexity, Limit};
use super::value::{Bean, TooDeep, Value};
use crate::adf;
use crate::seed::SeedPermission;
use crate::world::issue_link::IssueLinkRecord;
use crate::world::{IssueRecord, World};

/// The site an expression reads, as `account_id` sees it.
pub(crate) struct Site<'w> {
    pub(crate) world: &'w World,
    pub(crate) account_id: &'w str,
}

impl Site<'_> {
    /// The issue with this id, if the caller may browse it: a hidden issue reads
    /// as no issue, as everywhere else.
    pub(crate) fn issue(&self, id: u64) -> Option<&IssueRecord> {
        self.world
            .issues
            .iter()
            .find(|issue| issue.id == id)
            .filter(|issue| self.browses(issue))
    }

    /// The link with id `link` as the issue `issue` sees it, with the issue at
    /// its other end, if the caller may browse both.
    pub(crate) fn issue_link(
        &self,
        link: u64,
        issue: u64,
    ) -> Option<(&IssueLinkRecord, &IssueRecord)> {
        self.issue(issue)?;
        let record = self
            .world
            .issue_links_of(issue)
            .find(|record| record.id == link)?;
        let (other, _) = record.seen_from(issue);
        Some((record, self.issue(other)?))
    }

    fn browses(&self, issue: &IssueRecord) -> bool {
        self.world
            .may(self.account_id, &issue.project_key, SeedPermission::Browse)
    }
}

/// Why a member could not be read.
#[derive(Debug)]
pub(crate) enum MemberError {
    /// Jira's type has no such member; `available` are the ones the simulator
    /// models.
    Unrecognized {
        type_name: &'static str,
        available: &'static [&'static str],
    },
    /// Jira's type has it; the simulator does not model it.
    NotModelled {
        type_name: &'static str,
    },
    Limit(Limit),
    /// Jira's type has it, but the simulator does not model this case of
    /// reading it (the words say which).
    NotModelledCase(&'static str),
    /// The member's value would nest deeper than the simulator's bound.
    TooDeep(TooDeep),
}

const ISSUE_MEMBERS: &[&str] = &[
    "assignee",
    "comments",
    "created",
    "creator",
    "description",
    "dueDate",
    "environment",
    "id",
    "issueType",
    "key",
    "labels",
    "links",
    "originalEstimate",
    "parent",
    "priority",
    "project",
    "properties",
    "remainingEstimate",
    "reporter",
    "resolution",
    "resolutionDate",
    "status",
    "subtasks",
    "summary",
    "timeSpent",
    "updated",
    "voters",
    "votes",
    "watchers",
    "watches",
];

/// Members Jira's type reference documents for `Issue` that the simulator does not
/// model: reading one is the simulator's 501, not Jira's "unrecognized property".
const ISSUE_MEMBERS_NOT_MODELLED: &[&str] = &[
    "attachments",
    "changelogs",
    "closedSprints",
    "components",
    "epic",
    "fixVersions",
    "flagged",
    "hierarchyLevel",
    "isEpic",
    "securityLevel",
    "sprint",
    "stories",
    "transitions",
    "versions",
    "worklogs",
];
const USER_MEMBERS: &[&str] = &[
    "accountId",
    "active",
    "displayName",
    "groupIds",
    "groups",
    "timeZone",
];
const USER_MEMBERS_NOT_MODELLED: &[&str] = &["locale", "properties"];
const PROJECT_MEMBERS: &[&str] = &["id", "key", "name", "projectTypeKey"];
const PROJECT_MEMBERS_NOT_MODELLED: &[&str] = &[
    "avatarId",
    "canBeCustomizedForDueDate",
    "category",
    "components",
    "issueTypes",
    "lead",
    "properties",
    "roles",
    "style",
    "versions",
];
const STATUS_MEMBERS: &[&str] = &["category", "id", "name"];
const CATEGORY_MEMBERS: &[&str] = &["colorName", "id", "key", "name"];
const ISSUE_TYPE_MEMBERS: &[&str] = &["description", "hierarchyLevel", "id", "name", "subtask"];
const ISSUE_TYPE_MEMBERS_NOT_MODELLED: &[&str] = &["properties"];
const PRIORITY_MEMBERS: &[&str] = &["id", "name"];
const PRIORITY_MEMBERS_NOT_MODELLED: &[&str] = &["iconUrl"];
const RESOLUTION_MEMBERS: &[&str] = &["description", "id", "name"];
const LINK_MEMBERS: &[&str] = &["direction", "id", "linkedIssue", "type"];
const LINK_TYPE_MEMBERS: &[&str] = &["id", "inward", "name", "outward"];
const COMMENT_MEMBERS: &[&str] = &["author", "body", "created", "id", "updated"];
const COMMENT_MEMBERS_NOT_MODELLED: &[&str] =
    &["issue", "properties", "updateAuthor", "visibility"];
const RICH_TEXT_MEMBERS: &[&str] = &["plainText"];
const NONE: &[&str] = &[];

/// The members of `bean`'s type the simulator models, and those Jira has that
/// it does not.
fn members_of(bean: &Bean) -> (&'static [&'static str], &'static [&'static str]) {
    match bean {
        Bean::Issue(_) => (ISSUE_MEMBERS, ISSUE_MEMBERS_NOT_MODELLED),
        Bean::User(_) => (USER_MEMBERS, USER_MEMBERS_NOT_MODELLED),
        Bean::Project(_) => (PROJECT_MEMBERS, PROJECT_MEMBERS_NOT_MODELLED),
        Bean::Status(_) => (STATUS_MEMBERS, NONE),
        Bean::StatusCategory(_) => (CATEGORY_MEMBERS, NONE),
        Bean::IssueType(_) => (ISSUE_TYPE_MEMBERS, ISSUE_TYPE_MEMBERS_NOT_MODELLED),
        Bean::Priority(_) => (PRIORITY_MEMBERS, PRIORITY_MEMBERS_NOT_MODELLED),
        Bean::Resolution(_) => (RESOLUTION_MEMBERS, NONE),
        Bean::IssueLink { .. } => (LINK_MEMBERS, NONE),
        Bean::IssueLinkType(_) => (LINK_TYPE_MEMBERS, NONE),
        Bean::Comment { .. } => (COMMENT_MEMBERS, COMMENT_MEMBERS_NOT_MODELLED),
        Bean::RichText(_) => (RICH_TEXT_MEMBERS, NONE),
        Bean::Date(_) | Bean::CalendarDate(_) | Bean::Properties(_) => (NONE, NONE),
        Bean::Board(_) => (
            agile_beans::BOARD_MEMBERS,
            agile_beans::BOARD_MEMBERS_NOT_MODELLED,
        ),
        Bean::Sprint(_) => (
            agile_beans::SPRINT_MEMBERS,
            agile_beans::SPRINT_MEMBERS_NOT_MODELLED,
        ),
    }
}

/// Jira's ids are numbers in expressions (`issue.id` is a Number); the site keeps
/// some as strings.
fn id_number(id: &str) -> Value<'static> {
    id.parse::<f64>().map_or(Value::Null, Value::Number)
}

fn user_or_null(account_id: Option<&str>) -> Value<'static> {
    account_id.map_or(Value::Null, |id| Value::bean(Bean::User(id.to_owned())))
}

/// The member `name` of `bean`, read from `site`.
pub(crate) fn member<'a>(
    site: &Site<'_>,
    complexity: &mut Complexity,
    bean: &Bean,
    name: &str,
) -> Result<Value<'a>, MemberError> {
    let found = match bean {
        Bean::Issue(id) => match site.issue(*id) {
            Some(issue) => issue_member(site, complexity, issue, name)?,
            // Hidden since it was read: only possible if the caller's grants
            // changed, which they cannot within one evaluation.
            None => Some(Value::Null),
        },
        Bean::User(account_id) if name == "groups" || name == "groupIds" => {
            Some(groups_of(site, complexity, account_id, name == "groupIds")?)
        }
        Bean::User(account_id) => {
            let user = site.world.user(account_id);
            match name {
                "accountId" => Some(Value::string(account_id.as_str())),
                "displayName" => user.map(|u| Value::string(u.display_name.as_str())),
                "active" => Some(Value::Bool(user.is_some())),
                "timeZone" => user.map(|u| Value::string(u.time_zone.as_str())),
                _ => None,
            }
        }
        Bean::Project(key) => site.world.project(key).and_then(|project| match name {
            "id" => Some(id_number(&project.id)),
            "key" => Some(Value::string(project.key.as_str())),
            "name" => Some(Value::string(project.name.as_str())),
            // Every simulated project is a Jira Software one (`render.rs`).
            "projectTypeKey" => Some(Value::string("software")),
            _ => None,
        }),
        Bean::Status(status) => match name {
            "id" => Some(id_number(&status.id)),
            "name" => Some(Value::string(status.name.as_str())),
            "category" => Some(Value::bean(Bean::StatusCategory(status.category))),
            _ => None,
        },
        Bean::StatusCategory(category) => match name {
            "id" => Some(Value::Number(f64::from(category.id))),
            "key" => Some(Value::string(category.key)),
            "name" => Some(Value::string(category.name)),
            "colorName" => Some(Value::string(category.color_name)),
            _ => None,
        },
        Bean::IssueType(issue_type) => match name {
            "id" => Some(id_number(issue_type.id)),
            "name" => Some(Value::string(issue_type.name)),
            "description" => Some(Value::string(issue_type.description)),
            "subtask" => Some(Value::Bool(issue_type.is_subtask())),
            "hierarchyLevel" => Some(Value::Number(f64::from(issue_type.hierarchy_level))),
            _ => None,
        },
        Bean::Priority(priority) => match name {
            "id" => Some(id_number(priority.id)),
            "name" => Some(Value::string(priority.name)),
            _ => None,
        },
        Bean::Resolution(resolution) => match name {
            "id" => Some(id_number(resolution.id)),
            "name" => Some(Value::string(resolution.name)),
            "description" => Some(Value::string(resolution.description)),
            _ => None,
        },
        Bean::IssueLink { link, issue } => match site.issue_link(*link, *issue) {
            Some((record, other)) => match name {
                "id" => Some(Value::Number(record.id as f64)),
                "type" => Some(Value::bean(Bean::IssueLinkType(record.link_type))),
                // `outward` from the link's outward issue, which reads the
                // type's outward text ("blocks"); `inward` from the other.
                "direction" => Some(Value::string(if record.outward == *issue {
                    "outward"
                } else {
                    "inward"
                })),
                "linkedIssue" => Some(Value::bean(Bean::Issue(other.id))),
                _ => None,
            },
            // Gone, or its other issue hidden since it was read.
            None => LINK_MEMBERS.contains(&name).then_some(Value::Null),
        },
        Bean::IssueLinkType(link_type) => match name {
            "id" => Some(id_number(link_type.id)),
            "name" => Some(Value::string(link_type.name)),
            "inward" => Some(Value::string(link_type.inward)),
            "outward" => Some(Value::string(link_type.outward)),
            _ => None,
        },
        Bean::Comment { issue, comment } => site
            .issue(*issue)
            .and_then(|i| i.comments.iter().find(|c| c.id == *comment))
            .and_then(|c| match name {
                "id" => Some(Value::Number(c.id as f64)),
                "body" => Some(Value::bean(Bean::RichText(Rc::new(c.body.clone())))),
                "author" => Some(user_or_null(Some(&c.author))),
                "created" => Some(Value::bean(Bean::Date(c.created))),
                "updated" => Some(Value::bean(Bean::Date(c.updated))),
                _ => None,
            }),
        Bean::RichText(document) => match name {
            // The simulator's plain text of a document (`adf.rs`): its text with
            // blocks separated by spaces, trimmed.
            "plainText" => Some(Value::string(adf::plain_text(document).trim())),
            _ => None,
        },
        Bean::Properties(issue) => match site.issue(*issue) {
            Some(issue) => Some(property(issue, name).map_err(MemberError::TooDeep)?),
            None => Some(Value::Null),
        },
        Bean::Date(_) | Bean::CalendarDate(_) => None,
        // Hidden or gone since it was read (a board deleted): nothing to read,
        // as for an issue.
        Bean::Board(id) => match site.board(*id) {
            Some(board) => agile_beans::board_member(site, complexity, board, name)?,
            None => Some(Value::Null),
        },
        Bean::Sprint(id) => match site.sprint(*id) {
            Some(sprint) => agile_beans::sprint_member(sprint, name),
            None => Some(Value::Null),
        },
    };
    if let Some(value) = found {
        return Ok(value);
    }
    let (available, not_modelled) = members_of(bean);
    // A member the type has, of an object no longer on the site (a user or a
    // project the site has no record of): there is nothing to read.
    if available.contains(&name) {
        return Ok(Value::Null);
    }
    Err(if not_modelled.contains(&name) {
        MemberError::NotModelled {
            type_name: bean.type_name(),
        }
    } else {
        MemberError::Unrecognized {
            type_name: bean.type_name(),
            available,
        }
    })
}

fn issue_member<'a>(
    site: &Site<'_>,
    complexity: &mut Complexity,
    issue: &IssueRecord,
    name: &str,
) -> Result<Option<Value<'a>>, MemberError> {
    Ok(Some(match name {
        "id" => Value::Number(issue.id as f64),
        "key" => Value::string(issue.key.as_str()),
        "summary" => Value::string(issue.summary.as_str()),
        "description" => issue.description.as_ref().map_or(Value::Null, |d| {
            Value::bean(Bean::RichText(Rc::new(d.clone())))
        }),
        "environment" => issue.environment.as_ref().map_or(Value::Null, |d| {
            Value::bean(Bean::RichText(Rc::new(d.clone())))
        }),
        "resolution" => issue
            .resolution
            .map_or(Value::Null, |r| Value::bean(Bean::Resolution(r))),
        "resolutionDate" => issue
            .resolution_date
            .map_or(Value::Null, |at| Value::bean(Bean::Date(at))),
        // In seconds, as the type reference says; `null` when not set (no
        // worklog for the time spent).
        "originalEstimate" => seconds(issue.estimates.original),
        "remainingEstimate" => seconds(issue.estimates.remaining),
        "timeSpent" => seconds(issue.time_spent()),
        // The issue's links to issues the caller may browse, oldest first;
        // loading them (and the issues at their other ends) is one expensive
        // operation per issue, as loading its comments is.
        "links" => {
            complexity
                .load(format!("links:{}", issue.id))
                .map_err(MemberError::Limit)?;
            list(
                site.world
                    .issue_links_of(issue.id)
                    .filter(|link| site.issue(link.seen_from(issue.id).0).is_some())
                    .map(|link| {
                        Value::bean(Bean::IssueLink {
                            link: link.id,
                            issue: issue.id,
                        })
                    })
                    .collect(),
            )?
        }
        "votes" => Value::Number(issue.voters.len() as f64),
        "voters" => people(&issue.voters)?,
        "watches" => Value::Number(issue.watchers.len() as f64),
        "watchers" => people(&issue.watchers)?,
        "status" => Value::bean(Bean::Status(issue.status.clone())),
        "issueType" => Value::bean(Bean::IssueType(issue.issue_type)),
        "priority" => Value::bean(Bean::Priority(issue.priority)),
        "assignee" => user_or_null(issue.assignee.as_deref()),
        "reporter" => user_or_null(Some(&issue.reporter)),
        "creator" => user_or_null(Some(&issue.creator)),
        "project" => Value::bean(Bean::Project(issue.project_key.clone())),
        "labels" => list(
            issue
                .labels
                .iter()
                .map(|label| Value::string(label.as_str()))
                .collect(),
        )?,
        "comments" => {
            complexity
                .load(format!("comments:{}", issue.id))
                .map_err(MemberError::Limit)?;
            list(
                issue
                    .comments
                    .iter()
                    .map(|c| {
                        Value::bean(Bean::Comment {
                            issue: issue.id,
                            comment: c.id,
                        })
                    })
                    .collect(),
            )?
        }
        "properties" => {
            complexity
                .load(format!("properties:{}", issue.id))
                .map_err(MemberError::Limit)?;
            Value::bean(Bean::Properties(issue.id))
        }
        "created" => Value::bean(Bean::Date(issue.created)),
        // A day in the calendar, as the `duedate` field holds it.
        "dueDate" => issue
            .due_date
            .map_or(Value::Null, |day| Value::bean(Bean::CalendarDate(day))),
        "updated" => Value::bean(Bean::Date(issue.updated)),
        "parent" => issue
            .parent
            .and_then(|id| site.issue(id))
            .map_or(Value::Null, |parent| Value::bean(Bean::Issue(parent.id))),
        "subtasks" => list(
            site.world
                .subtasks_of(issue.id)
                .filter(|subtask| site.browses(subtask))
                .map(|subtask| Value::bean(Bean::Issue(subtask.id)))
                .collect(),
        )?,
        _ => return Ok(None),
    }))
}

/// The names (or ids) of the groups `account_id` is in, by name. Loading them
/// is one expensive operation per user. Jira lets a caller read another user's
/// groups only with an administrator's permission; what it answers a caller
/// without it is not documented, so that is the simulator's 501.
fn groups_of<'a>(
    site: &Site<'_>,
    complexity: &mut Complexity,
    account_id: &str,
    ids: bool,
) -> Result<Value<'a>, MemberError> {
    if account_id != site.account_id && !site.world.is_site_admin(site.account_id) {
        return Err(MemberError::NotModelledCase(
            "another user's groups read by a caller who is not a site administrator",
        ));
    }
    complexity
        .load(format!("groups:{account_id}"))
        .map_err(MemberError::Limit)?;
    let mut groups: Vec<_> = site
        .world
        .all_groups()
        .into_iter()
        .filter(|group| group.members.iter().any(|member| member == account_id))
        .collect();
    groups.sort_by(|a, b| a.name.cmp(&b.name));
    list(
        groups
            .into_iter()
            .map(|group| Value::string(if ids { group.id } else { group.name }))
            .collect(),
    )
}

fn people<'a>(account_ids: &[String]) -> Result<Value<'a>, MemberError> {
    list(
        account_ids
            .iter()
            .map(|id| Value::bean(Bean::User(id.clone())))
            .collect(),
    )
}

fn seconds<'a>(value: Option<u64>) -> Value<'a> {
    value.map_or(Value::Null, |s| Value::Number(s as f64))
}

fn list<'a>(items: Vec<Value<'a>>) -> Result<Value<'a>, MemberError> {
    Value::list(items).map_err(MemberError::TooDeep)
}

/// The names of a Jira type's members the simulator models, for an error.
pub(crate) fn available(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The issue property `key` as an expression value (`null` when the issue has
/// none): `issue.properties[key]`, `issue.properties.get(key)`.
pub(crate) fn property<'a>(issue: &IssueRecord, key: &str) -> Result<Value<'a>, TooDeep> {
    issue
        .properties
        .get(key)
        .map_or(Ok(Value::Null), |json| Value::from_json(json, 0))
}
