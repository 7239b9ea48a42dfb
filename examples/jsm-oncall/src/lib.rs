//! JSM on-call: creates a Jira Service Management Ops on-call schedule for a
//! team, adds a rotation of the team's members, and answers who is on call
//! now.
//!
//! Payload (every field optional):
//! `{"team": "Platform Ops", "schedule": "…", "rotation": "weekly",
//!   "startDate": "2024-01-01T09:00:00Z"}`.
//! Result: `{"scheduleId", "schedule", "team", "rotation", "onCallNow": [names]}`.
//!
//! Changing a team's schedules needs a Team Admin of that team; anyone else
//! gets an error that says so instead of Jira's bare 403.
//!
//! The Ops API names on-call responders by account id only; their display
//! names come from the Jira platform's user API, as they must on a real site.
//!
//! Scopes: `read:ops-config:jira-service-management` (teams, on-calls),
//! `write:ops-config:jira-service-management` (schedule and rotation) and
//! `read:jira-user` (display names).

use kiln_sdk::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The team of the simulator's seed data.
const DEFAULT_TEAM: &str = "Platform Ops";
/// A fixed past start, so turns are the same on every run and "now" falls
/// inside the rotation.
const DEFAULT_START: &str = "2024-01-01T09:00:00Z";

#[derive(Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
struct Input {
    team: String,
    schedule: Option<String>,
    rotation: String,
    start_date: String,
}

impl Default for Input {
    fn default() -> Self {
        Input {
            team: DEFAULT_TEAM.to_owned(),
            schedule: None,
            rotation: String::from("weekly"),
            start_date: DEFAULT_START.to_owned(),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Output {
    schedule_id: String,
    schedule: String,
    team: String,
    rotation: String,
    on_call_now: Vec<String>,
}

#[derive(Deserialize)]
struct Page<T> {
    values: Vec<T>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Team {
    team_id: String,
    team_name: String,
    #[serde(default)]
    members: Vec<Member>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Member {
    account_id: String,
}

#[derive(Deserialize)]
struct Created {
    id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OnCalls {
    on_call_participants: Vec<Participant>,
}

/// An on-call responder as the Ops API sends it: an id and what kind of
/// responder it names, never a display name.
#[derive(Deserialize)]
struct Participant {
    id: String,
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct User {
    account_id: String,
    display_name: String,
}

/// What to call an on-call responder: a user's display name from the
/// platform's user API; a team or escalation by its kind and id, since the
/// user API cannot name it.
///
/// One lookup per user: a schedule with one rotation has at most one person
/// on call, so this stays well inside the manifest's `maxRequests`.
fn display_name(participant: &Participant) -> Result<String, AppError> {
    if participant.kind != "user" {
        return Ok(format!("{} {}", participant.kind, participant.id));
    }
    let users: Vec<User> = as_user()
        .get(route!("/rest/api/3/user/search"))
        .query("accountId", participant.id.as_str())
        .send()?
        .error_for_status()?
        .json()?;
    Ok(name_of(&participant.id, users).unwrap_or_else(|| {
        // The user search leaves out deactivated accounts: say who, by id.
        log::warn!(
            "no active Jira user {}; showing the account id",
            participant.id
        );
        participant.id.clone()
    }))
}

/// The display name of `account_id` among the user search's `users`; the
/// search is exact on `accountId`, but an app checks what it is given.
fn name_of(account_id: &str, users: Vec<User>) -> Option<String> {
    users
        .into_iter()
        .find(|u| u.account_id == account_id)
        .map(|u| u.display_name)
}

/// Turns Jira's 403 on a schedule change into what the user must do.
fn explain_forbidden(response: Response, team: &str) -> Result<Response, AppError> {
    if response.status() == 403 {
        return Err(AppError::failed(format!(
            "only a Team Admin of \"{team}\" can create its on-call schedules; ask a Team Admin to run this app or to make you one (Jira said: {})",
            response.text().unwrap_or("403 Forbidden")
        )));
    }
    Ok(response.error_for_status()?)
}

#[kiln_sdk::handler]
fn oncall(input: Option<Input>, ctx: &Context) -> Result<Output, AppError> {
    let input = input.unwrap_or_default();
    let cloud_id = &ctx.cloud_id;

    let teams: Page<Team> = as_user()
        .get(route!("/jsm/ops/api/{}/v1/teams", cloud_id)?)
        .send()?
        .error_for_status()?
        .json()?;
    let team = teams
        .values
        .into_iter()
        .find(|t| t.team_name == input.team)
        .ok_or_else(|| {
            AppError::invalid_payload(format!("no JSM Ops team named \"{}\"", input.team))
        })?;
    if team.members.is_empty() {
        return Err(AppError::failed(format!(
            "team \"{}\" has no members to put on call",
            team.team_name
        )));
    }
    let schedule_name = input
        .schedule
        .unwrap_or_else(|| format!("{} rota ({})", team.team_name, input.rotation));
    log::info!(
        "creating schedule \"{schedule_name}\" for team {}",
        team.team_name
    );

    let created = as_user()
        .post(route!("/jsm/ops/api/{}/v1/schedules", cloud_id)?)
        .json(&json!({ "name": schedule_name, "teamId": team.team_id, "timezone": "UTC" }))
        .send()?;
    let schedule: Created = explain_forbidden(created, &team.team_name)?.json()?;

    let participants: Vec<serde_json::Value> = team
        .members
        .iter()
        .map(|m| json!({ "id": m.account_id, "type": "user" }))
        .collect();
    let rotation_name = format!("{} {}", team.team_name, input.rotation);
    let rotation = as_user()
        .post(route!(
            "/jsm/ops/api/{}/v1/schedules/{}/rotations",
            cloud_id,
            schedule.id
        )?)
        .json(&json!({
            "name": rotation_name,
            "type": input.rotation,
            "length": 1,
            "startDate": input.start_date,
            "participants": participants,
        }))
        .send()?;
    explain_forbidden(rotation, &team.team_name)?;

    let on_calls: OnCalls = as_user()
        .get(route!(
            "/jsm/ops/api/{}/v1/schedules/{}/on-calls",
            cloud_id,
            schedule.id
        )?)
        .send()?
        .error_for_status()?
        .json()?;
    let on_call_now = on_calls
        .on_call_participants
        .iter()
        .map(display_name)
        .collect::<Result<Vec<_>, _>>()?;

    Ok(Output {
        schedule_id: schedule.id,
        schedule: schedule_name,
        team: team.team_name,
        rotation: rotation_name,
        on_call_now,
    })
}

kiln_sdk::export_app!(oncall);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_403_becomes_the_team_admin_explanation() {
        let forbidden = Response::new(403, Vec::new(), br#"{"errorMessages":["no"]}"#.to_vec());
        let error = explain_forbidden(forbidden, "Ops").unwrap_err();
        assert!(
            error.to_string().contains("Team Admin of \"Ops\""),
            "{error}"
        );
        let created = Response::new(201, Vec::new(), b"{}".to_vec());
        assert!(explain_forbidden(created, "Ops").is_ok());
    }

    #[test]
    fn a_user_is_named_by_the_matching_account_only() {
        let users = vec![
            User {
                account_id: String::from("other"),
                display_name: String::from("Someone Else"),
            },
            User {
                account_id: String::from("abc"),
                display_name: String::from("Alice Admin"),
            },
        ];
        assert_eq!(name_of("abc", users).as_deref(), Some("Alice Admin"));
        assert_eq!(name_of("gone", Vec::new()), None);
    }

    #[test]
    fn a_non_user_responder_is_named_by_kind_and_id_without_a_lookup() {
        let team = Participant {
            id: String::from("t-1"),
            kind: String::from("team"),
        };
        assert_eq!(display_name(&team).unwrap(), "team t-1");
    }
}
