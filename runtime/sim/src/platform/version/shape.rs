//! A version's JSON: the spec's `Version`, as the version routes answer it, as a
//! project lists it and as an issue's `fixVersions` and `versions` carry it.

use serde_json::{Map, Value, json};
use time::Date;

use crate::world::custom_field::format_date;
use crate::world::version::{VersionField, VersionRecord};
use crate::world::{ProjectRecord, World};

/// The version's `self`.
pub(super) fn self_link(links: &str, version: &VersionRecord) -> String {
    format!("{links}/rest/api/3/version/{}", version.id)
}

/// `projectId`: a number on the wire; seeded project ids are checked to be one.
fn project_id(world: &World, version: &VersionRecord) -> Option<u64> {
    world
        .project(&version.project_key)
        .and_then(|p| p.id.parse::<u64>().ok())
}

/// What every form of a version carries: `self`, `id`, `name`, `description`
/// (only when it has one, as Jira leaves a missing one out), `archived`,
/// `released`, `releaseDate` (when set) and `projectId`.
pub(crate) fn common(links: &str, world: &World, version: &VersionRecord) -> Map<String, Value> {
    let mut value = Map::new();
    value.insert("self".into(), json!(self_link(links, version)));
    value.insert("id".into(), json!(version.id.to_string()));
    value.insert("name".into(), json!(version.name));
    if let Some(description) = &version.description {
        value.insert("description".into(), json!(description));
    }
    value.insert("archived".into(), json!(version.archived));
    value.insert("released".into(), json!(version.released));
    if let Some(date) = version.release_date {
        value.insert("releaseDate".into(), json!(format_date(date)));
    }
    if let Some(id) = project_id(world, version) {
        value.insert("projectId".into(), json!(id));
    }
    value
}

/// A `Version` as the read routes answer it: the common fields, `startDate`,
/// `overdue` (always, as Jira's examples show it even without a release date)
/// and the dates in the site's Day/Month/Year format (`userStartDate`,
/// `userReleaseDate`).
pub(crate) fn version(links: &str, world: &World, version: &VersionRecord) -> Value {
    let mut value = common(links, world, version);
    if let Some(date) = version.start_date {
        value.insert("startDate".into(), json!(format_date(date)));
        value.insert("userStartDate".into(), json!(user_date(date)));
    }
    if let Some(date) = version.release_date {
        value.insert("userReleaseDate".into(), json!(user_date(date)));
    }
    value.insert(
        "overdue".into(),
        json!(version.is_overdue(world.now().date())),
    );
    Value::Object(value)
}

/// A `Version` as `createVersion` and `updateVersion` answer it: as read, and
/// with the deprecated `project` (the key), which Jira's examples of those two
/// answers carry and its reads do not.
pub(super) fn written(links: &str, world: &World, record: &VersionRecord) -> Value {
    let mut value = version(links, world, record);
    value["project"] = json!(record.project_key);
    value
}

/// A version inside an issue's `fixVersions` or `versions`: the common fields.
fn in_issue(links: &str, world: &World, version: &VersionRecord) -> Value {
    Value::Object(common(links, world, version))
}

/// The issue field `field` of an issue: its versions in the order they were set.
pub(crate) fn issue_field(
    links: &str,
    world: &World,
    issue: &crate::world::IssueRecord,
    field: VersionField,
) -> Value {
    Value::Array(
        field
            .of(issue)
            .iter()
            .filter_map(|id| world.version(*id))
            .map(|v| in_issue(links, world, v))
            .collect(),
    )
}

/// A project's `versions`, as `getProject` lists them: all of them, in order.
pub(crate) fn of_project(links: &str, world: &World, project: &ProjectRecord) -> Value {
    Value::Array(
        world
            .versions_of(&project.key)
            .map(|v| version(links, world, v))
            .collect(),
    )
}

/// What `expand=issuesstatus` adds (`issuesStatusForFixVersion`): how many
/// issues have the version as a fix version, by their status's category. The
/// simulator's statuses are all in one of the three categories, so `unmapped`
/// is always 0.
pub(super) fn issues_status(world: &World, version: &VersionRecord) -> Value {
    let (mut to_do, mut in_progress, mut done) = (0_u64, 0_u64, 0_u64);
    for issue in &world.issues {
        if !issue.fix_versions.contains(&version.id) {
            continue;
        }
        match issue.status.category.key {
            "new" => to_do += 1,
            "indeterminate" => in_progress += 1,
            _ => done += 1,
        }
    }
    json!({ "toDo": to_do, "inProgress": in_progress, "done": done, "unmapped": 0 })
}

/// A date in the site's "Day/Month/Year" format, which `userStartDate` and
/// `userReleaseDate` use: Jira's default, `dd/MMM/yy` (`06/Jul/10`). The format
/// is a site setting, so the spec's example (`6/Jul/2010`) shows another one;
/// apps should read `startDate`/`releaseDate`, which never vary.
fn user_date(date: Date) -> String {
    crate::clock::day_month_year(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_dates_are_day_month_two_digit_year() {
        let date = Date::from_calendar_date(2010, time::Month::July, 6).expect("date");
        assert_eq!(user_date(date), "06/Jul/10");
        let date = Date::from_calendar_date(2024, time::Month::December, 31).expect("date");
        assert_eq!(user_date(date), "31/Dec/24");
    }
}
