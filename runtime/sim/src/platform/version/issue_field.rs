//! The issue fields that name versions, `fixVersions` and `versions` (affects
//! versions), as a create or edit writes them: `fields` sets the whole list
//! (`[{"id": "10000"}, {"name": "1.0"}]`, `[]` or `null` to clear), and
//! `update` takes `set`, `add` and `remove` operations, each naming one version
//! (a list, for `set`). A version is one of the issue's project, by its `id` (a
//! string) or its `name` (exactly, as Jira matches it); any other is Jira's 400
//! naming the field. Rendering them is `shape::issue_field`.

use serde_json::Value;

use crate::jira_error::JiraError;
use crate::world::version::VersionField;
use crate::world::{IssueRecord, World};

/// Sets `field` of `issue` to the versions `value` lists, each once, in order.
pub(crate) fn set(
    world: &World,
    issue: &mut IssueRecord,
    field: VersionField,
    value: &Value,
) -> Result<(), JiraError> {
    let references = match value {
        Value::Null => &Vec::new(),
        Value::Array(references) => references,
        _ => return Err(JiraError::field(field.id(), "data was not an array")),
    };
    let mut ids = Vec::new();
    for reference in references {
        let id = resolve(world, &issue.project_key, field, reference)?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    *field.of_mut(issue) = ids;
    Ok(())
}

/// An `update` operation other than `set` on `field`: `add` one version (once,
/// last), or else `remove` it.
pub(crate) fn update(
    world: &World,
    issue: &mut IssueRecord,
    field: VersionField,
    add: bool,
    value: &Value,
) -> Result<(), JiraError> {
    let id = resolve(world, &issue.project_key, field, value)?;
    let ids = field.of_mut(issue);
    if !add {
        ids.retain(|have| *have != id);
    } else if !ids.contains(&id) {
        ids.push(id);
    }
    Ok(())
}

/// The id of the version of project `project_key` that `reference` names.
fn resolve(
    world: &World,
    project_key: &str,
    field: VersionField,
    reference: &Value,
) -> Result<u64, JiraError> {
    let invalid = |message: String| JiraError::field(field.id(), message);
    if let Some(id) = reference.get("id") {
        let id = id
            .as_str()
            .ok_or_else(|| invalid(String::from("expected 'id' property to be a string")))?;
        return id
            .parse::<u64>()
            .ok()
            .and_then(|n| world.version(n))
            .filter(|v| v.project_key == project_key)
            .map(|v| v.id)
            .ok_or_else(|| invalid(format!("Version id '{id}' is not valid")));
    }
    if let Some(name) = reference.get("name") {
        let name = name
            .as_str()
            .ok_or_else(|| invalid(String::from("expected 'name' property to be a string")))?;
        return world
            .versions_of(project_key)
            .find(|v| v.name == name)
            .map(|v| v.id)
            .ok_or_else(|| invalid(format!("Version name '{name}' is not valid")));
    }
    Err(invalid(String::from(
        "A version must be given by its 'id' or 'name'.",
    )))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::seed::Seed;
    use crate::world::version::VersionRecord;

    fn world() -> World {
        let mut world = World::from_seed(&Seed::default()).expect("the default seed");
        for (id, project, name) in [(1, "KILN", "1.0"), (2, "KILN", "2.0"), (3, "SEC", "1.0")] {
            world.versions.push(VersionRecord {
                id,
                project_key: project.to_owned(),
                name: name.to_owned(),
                description: None,
                start_date: None,
                release_date: None,
                released: false,
                archived: false,
            });
        }
        world
    }

    #[test]
    fn versions_are_named_by_id_or_exact_name_in_the_issues_project() {
        let world = world();
        let mut issue = world.issues[0].clone();
        let fix = VersionField::Fix;
        set(
            &world,
            &mut issue,
            fix,
            &json!([{ "name": "2.0" }, { "id": "1" }, { "id": "2" }]),
        )
        .expect("valid");
        assert_eq!(issue.fix_versions, [2, 1]);
        update(&world, &mut issue, fix, false, &json!({ "id": "2" })).expect("valid");
        update(&world, &mut issue, fix, true, &json!({ "name": "1.0" })).expect("valid");
        assert_eq!(issue.fix_versions, [1]);
        set(&world, &mut issue, fix, &Value::Null).expect("clears");
        assert!(issue.fix_versions.is_empty());
        for (value, message) in [
            (
                json!([{ "id": "3" }]),
                "versions: Version id '3' is not valid",
            ),
            (
                json!([{ "name": "1.0 " }]),
                "versions: Version name '1.0 ' is not valid",
            ),
            (
                json!([{ "id": 1 }]),
                "versions: expected 'id' property to be a string",
            ),
            (json!({ "id": "1" }), "versions: data was not an array"),
            (
                json!([{}]),
                "versions: A version must be given by its 'id' or 'name'.",
            ),
        ] {
            let err = set(&world, &mut issue, VersionField::Affects, &value).expect_err("refused");
            assert_eq!(err.describe(), message, "{value}");
        }
    }
}
