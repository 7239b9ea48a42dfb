//! A worklog's `visibility`: the group or project role it is restricted to,
//! read from a worklog body, checked, rendered, and asked of a reader.
//!
//! Jira takes a restriction only if the group or role exists and the writer is
//! in it (`DefaultVisibilityValidator`), refusing it otherwise under
//! `commentLevel`, with the worklog and comment services' wording. A group is
//! named by its id (`identifier`) or its name (`value`), a role by its name
//! (`value`, or `identifier`, which the spec describes as the role's name).
//! The worklog keeps the group's id, so renaming the group keeps the
//! restriction.
//!
//! Who may read a restricted worklog: whoever may browse its issue and is in the
//! group, or holds the role in the issue's project (`project_role.rs` derives
//! the roles from the project's grants). Site admins are not exempt, as in Jira.
//! Every read of worklogs asks [`may_see`]: an issue's worklogs, one worklog,
//! the issue's `worklog` field, and the worklog feeds (`worklog_feed.rs`).

use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};

use super::project_role::{holds_role, role_name, role_named};
use crate::jira_error::JiraError;
use crate::seed::SeedPermission;
use crate::world::worklog_feed::WorklogVisibility;
use crate::world::{IssueRecord, WorklogRecord, World};

/// A body's `visibility` as sent: `None` when left out, `Some(Value::Null)`
/// for an explicit `null`. Use with `#[serde(default, deserialize_with)]`.
pub(crate) fn present<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Value>, D::Error> {
    Value::deserialize(deserializer).map(Some)
}

/// The field Jira reports a visibility it refuses under.
const FIELD: &str = "commentLevel";

/// The restriction `visibility` asks for, checked for `writer` on an issue of
/// `project_key`: `None` for `null` (no restriction).
pub(crate) fn read(
    world: &World,
    writer: &str,
    project_key: &str,
    visibility: &Value,
) -> Result<Option<WorklogVisibility>, JiraError> {
    let object = match visibility {
        Value::Null => return Ok(None),
        Value::Object(object) => object,
        _ => return Err(JiraError::invalid_payload()),
    };
    let text = |name: &str| -> Result<Option<&str>, JiraError> {
        match object.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.as_str())),
            Some(_) => Err(JiraError::invalid_payload()),
        }
    };
    let (kind, value, identifier) = (text("type")?, text("value")?, text("identifier")?);
    match kind {
        Some("group") => {
            let group = match (identifier, value) {
                (Some(id), _) => world.group_by_id(id).ok_or(id),
                (None, Some(name)) => world.group_named(name).ok_or(name),
                (None, None) => {
                    return Err(JiraError::field(FIELD, "You must specify a group or role."));
                }
            }
            .map_err(|named| JiraError::field(FIELD, format!("Group: {named} does not exist.")))?;
            if !group.members.iter().any(|m| m == writer) {
                return Err(JiraError::field(
                    FIELD,
                    format!(
                        "You are currently not a member of the group: {}.",
                        group.name
                    ),
                ));
            }
            Ok(Some(WorklogVisibility::Group { id: group.id }))
        }
        Some("role") => {
            let Some(named) = value.or(identifier) else {
                return Err(JiraError::field(FIELD, "You must specify a group or role."));
            };
            let (id, name) = role_named(named).ok_or_else(|| {
                JiraError::field(FIELD, format!("Project role: {named} does not exist."))
            })?;
            let holds = world
                .project(project_key)
                .is_some_and(|project| holds_role(world, project, id, writer));
            if !holds {
                return Err(JiraError::field(
                    FIELD,
                    format!("You are currently not a member of the project role: {name}."),
                ));
            }
            Ok(Some(WorklogVisibility::Role { id }))
        }
        _ => Err(JiraError::field(
            FIELD,
            "The visibility type must be 'group' or 'role'.",
        )),
    }
}

/// The spec's `Visibility`: `value` the group's or role's name, `identifier`
/// the group's id or the role's name (as the spec describes it). A group the
/// site no longer has keeps its id and shows it as its name.
pub(crate) fn render(world: &World, visibility: &WorklogVisibility) -> Value {
    match visibility {
        WorklogVisibility::Group { id } => {
            let name = world.group_name(id).unwrap_or(id);
            json!({ "type": "group", "value": name, "identifier": id })
        }
        WorklogVisibility::Role { id } => {
            let name = role_name(*id).unwrap_or_default();
            json!({ "type": "role", "value": name, "identifier": name })
        }
    }
}

/// Whether `account_id` may read `worklog` of `issue`: browse the issue, and
/// be in the group or hold the role it is restricted to, if it is.
pub(crate) fn may_see(
    world: &World,
    account_id: &str,
    issue: &IssueRecord,
    worklog: &WorklogRecord,
) -> bool {
    world.may(account_id, &issue.project_key, SeedPermission::Browse)
        && may_see_restricted(world, account_id, issue, worklog)
}

/// As [`may_see`], for a reader already known to browse the issue.
pub(crate) fn may_see_restricted(
    world: &World,
    account_id: &str,
    issue: &IssueRecord,
    worklog: &WorklogRecord,
) -> bool {
    match &worklog.visibility {
        None => true,
        Some(WorklogVisibility::Group { id }) => world.in_group(id, account_id),
        Some(WorklogVisibility::Role { id }) => world
            .project(&issue.project_key)
            .is_some_and(|project| holds_role(world, project, *id, account_id)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::Seed;

    const ALICE: &str = "5b10ac8d82e05b22cc7d4a11";
    const BOB: &str = "5b10ac8d82e05b22cc7d4b0b";
    const CAROL: &str = "5b10ac8d82e05b22cc7d4ca1";

    /// Who of Alice (site admin, KILN's lead), Bob (may edit KILN) and Carol
    /// (may browse KILN) may read a KILN worklog restricted to `visibility`.
    fn readers(world: &mut World, visibility: Option<WorklogVisibility>) -> Vec<&'static str> {
        let index = world
            .issues
            .iter()
            .position(|i| i.project_key == "KILN")
            .expect("a KILN issue");
        let now = world.now();
        world.issues[index].worklogs = vec![WorklogRecord {
            id: 1,
            author: String::from(BOB),
            comment: None,
            started: now,
            time_spent_seconds: 60,
            created: now,
            updated: now,
            update_author: None,
            visibility,
            properties: std::collections::BTreeMap::new(),
        }];
        let issue = &world.issues[index];
        [ALICE, BOB, CAROL]
            .into_iter()
            .filter(|who| may_see(world, who, issue, &issue.worklogs[0]))
            .collect()
    }

    #[test]
    fn a_restriction_admits_its_group_or_role_and_nobody_else() {
        let mut world = World::from_seed(&Seed::default()).expect("the default seed");
        let group = |world: &World, name: &str| WorklogVisibility::Group {
            id: world.group_named(name).expect("a group").id,
        };
        let developers = group(&world, "kiln-developers");
        let everyone = group(&world, "jira-software-users");
        let admins = group(&world, "site-admins");
        let role = |name: &str| WorklogVisibility::Role {
            id: role_named(name).expect("a role").0,
        };
        assert_eq!(readers(&mut world, None), [ALICE, BOB, CAROL]);
        assert_eq!(readers(&mut world, Some(developers)), [ALICE, BOB]);
        assert_eq!(readers(&mut world, Some(everyone)), [ALICE, BOB, CAROL]);
        assert_eq!(readers(&mut world, Some(admins)), [ALICE]);
        assert_eq!(readers(&mut world, Some(role("Administrators"))), [ALICE]);
        assert_eq!(readers(&mut world, Some(role("member"))), [ALICE, BOB]);
        assert_eq!(readers(&mut world, Some(role("Viewer"))), [CAROL]);
        let gone = WorklogVisibility::Group {
            id: String::from("no-such-group"),
        };
        assert_eq!(readers(&mut world, Some(gone)), Vec::<&str>::new());
    }

    #[test]
    fn a_written_restriction_is_checked_for_its_writer() {
        let world = World::from_seed(&Seed::default()).expect("the default seed");
        let developers = serde_json::json!({ "type": "group", "value": "Kiln-Developers" });
        assert!(matches!(
            read(&world, BOB, "KILN", &developers),
            Ok(Some(WorklogVisibility::Group { .. }))
        ));
        assert!(read(&world, CAROL, "KILN", &developers).is_err());
        assert_eq!(read(&world, BOB, "KILN", &Value::Null).ok(), Some(None));
        for hostile in [
            serde_json::json!("group"),
            serde_json::json!({ "type": 1 }),
            serde_json::json!({ "type": "group", "value": ["x"] }),
            serde_json::json!({ "type": "group" }),
            serde_json::json!({ "type": "role", "value": "Viewer" }),
        ] {
            assert!(read(&world, BOB, "KILN", &hostile).is_err(), "{hostile}");
        }
    }
}
