//! JSM on-call: creates a Jira Service Management Ops on-call schedule for a
//! team, adds a rotation of the given people, and answers who is on call now.
//!
//! Payload (every field optional):
//! `{"team": "Platform Ops", "schedule": "…", "rotation": "weekly",
//!   "startDate": "2024-01-01T09:00:00Z", "participants": [accountId, …]}`.
//! The participants default to the invoking user, or, when Kiln does not say
//! who that is, to the team itself (a rotation participant may be a team; its
//! members are then on call together). The Ops API's team list
//! (`{"platformTeams": [{"teamId", "teamName"}]}`) names teams, not their
//! members, so the app does not guess people.
//! Result: `{"scheduleId", "schedule", "team", "rotation", "onCallNow": [names]}`.
//!
//! Changing a team's schedules needs a Team Admin of that team (or the global
//! admin right); anyone else gets an error that says so, with the Ops API's own
//! reason, instead of a bare 403.
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
    participants: Vec<String>,
}

impl Default for Input {
    fn default() -> Self {
        Input {
            team: DEFAULT_TEAM.to_owned(),
            schedule: None,
            rotation: String::from("weekly"),
            start_date: DEFAULT_START.to_owned(),
            participants: Vec::new(),
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

/// `GET /v1/teams`: the teams the caller may see (all of them for an admin).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Teams {
    platform_teams: Vec<Team>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Team {
    team_id: String,
    team_name: String,
}

/// An Ops error body: `{"errors": [{"title", "code"}]}`.
#[derive(Deserialize)]
struct OpsErrors {
    errors: Vec<OpsErrorItem>,
}

#[derive(Deserialize)]
struct OpsErrorItem {
    title: String,
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
/// responder it names, never a display name; a team or escalation carries the
/// users it flattens to.
#[derive(Deserialize)]
struct Participant {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default, rename = "onCallParticipants")]
    flattened: Vec<Participant>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct User {
    account_id: String,
    display_name: String,
}

/// The users a responder stands for: itself, or a team's flattened members.
fn users(participant: &Participant) -> Vec<&Participant> {
    if participant.kind == "user" {
        vec![participant]
    } else {
        participant.flattened.iter().flat_map(users).collect()
    }
}

/// What to call an on-call user: their display name from the platform's user
/// API.
///
/// One lookup per user: a schedule with one rotation has one person, or one
/// team's members, on call, inside the manifest's `maxRequests`.
fn display_name(participant: &Participant) -> Result<String, AppError> {
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

/// Turns the Ops API's 403 on a schedule change into what the user must do,
/// quoting the API's reason (`errors[0].title`).
fn explain_forbidden(response: Response, team: &str) -> Result<Response, AppError> {
    if response.status() == 403 {
        let reason = response
            .json::<OpsErrors>()
            .ok()
            .and_then(|e| e.errors.into_iter().next())
            .map_or_else(|| String::from("403 Forbidden"), |e| e.title);
        return Err(AppError::failed(format!(
            "only a Team Admin of \"{team}\" can create its on-call schedules; ask a Team Admin to run this app or to make you one (JSM Ops said: {reason})"
        )));
    }
    Ok(response.error_for_status()?)
}

#[kiln_sdk::handler]
fn oncall(input: Option<Input>, ctx: &Context) -> Result<Output, AppError> {
    let input = input.unwrap_or_default();
    let cloud_id = &ctx.cloud_id;

    let teams: Teams = as_user()
        .get(route!("/jsm/ops/api/{}/v1/teams", cloud_id)?)
        .send()?
        .error_for_status()?
        .json()?;
    let team = teams
        .platform_teams
        .into_iter()
        .find(|t| t.team_name == input.team)
        .ok_or_else(|| {
            AppError::invalid_payload(format!(
                "no JSM Ops team named \"{}\" that you can see",
                input.team
            ))
        })?;
    let participants: Vec<serde_json::Value> = if !input.participants.is_empty() {
        input
            .participants
            .iter()
            .map(|id| json!({ "id": id, "type": "user" }))
            .collect()
    } else if let Some(me) = &ctx.account_id {
        vec![json!({ "id": me, "type": "user" })]
    } else {
        vec![json!({ "id": team.team_id, "type": "team" })]
    };
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
        .flat_map(users)
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
        let forbidden = Response::new(
            403,
            Vec::new(),
            br#"{"errors":[{"title":"Not a Team Admin.","code":"FORBIDDEN"}]}"#.to_vec(),
        );
        let error = explain_forbidden(forbidden, "Ops").unwrap_err();
        assert!(
            error.to_string().contains("Team Admin of \"Ops\""),
            "{error}"
        );
        assert!(error.to_string().contains("Not a Team Admin."), "{error}");
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
    fn a_team_on_call_stands_for_its_flattened_members() {
        let on_calls: OnCalls = serde_json::from_str(
            r#"{"onCallParticipants":[{"id":"t-1","type":"team","onCallParticipants":[{"id":"a","type":"user"},{"id":"b","type":"user"}]},{"id":"c","type":"user"}]}"#,
        )
        .unwrap();
        let ids: Vec<&str> = on_calls
            .on_call_participants
            .iter()
            .flat_map(users)
            .map(|p| p.id.as_str())
            .collect();
        assert_eq!(ids, ["a", "b", "c"]);
    }
}
