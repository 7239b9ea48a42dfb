//! The JSM Ops API: teams, schedules, rotations, overrides, on-calls and alerts,
//! each as a Team Admin, as a team member, as an outsider and with bad input.

#[path = "../common/mod.rs"]
mod common;

mod alerts;
mod errors;
mod on_calls;
mod overrides;
mod rotations;
mod schedules;

use common::{ADMIN, Caller, Reply, caller, ops};
use kiln_sim::Simulator;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The default seed's schedule: team "Platform Ops" (Alice admin, Bob member),
/// one weekly rotation from Monday 2024-01-01 09:00 UTC, Alice then Bob.
const SEEDED_SCHEDULE: &str = "8d1f0c52-3b8e-4b6a-a7f2-5e9d2c4b1a30";
const SEEDED_ROTATION: &str = "f3e2d1c0-b9a8-4765-8432-10fedcba9876";
const SEEDED_TEAM: &str = "2b7a4f4e-6c1d-4d2e-9a53-0f3c8e1d7a10";

fn schedule_path(sim: &Simulator, rest: &str) -> String {
    ops(sim, &format!("/schedules/{SEEDED_SCHEDULE}{rest}"))
}

/// Asserts `reply` is a 400 whose Ops error names `field`.
fn assert_field_error(reply: &Reply, field: &str) {
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(
        reply.body["errors"][field].is_string(),
        "no error for {field}: {}",
        reply.body
    );
}

/// Creates a schedule for the seeded team as Alice and returns its id.
async fn new_schedule(sim: &Simulator, name: &str) -> String {
    let created = caller(sim, ADMIN)
        .post(
            &ops(sim, "/schedules"),
            &json!({ "name": name, "teamId": SEEDED_TEAM, "timezone": "UTC" }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    created.str_at("/id")
}

/// The account ids `who` sees on call in the seeded schedule at `date`.
async fn on_call_ids(who: &Caller<'_>, sim: &Simulator, date: &str) -> Vec<Value> {
    let reply = who
        .get_with(&schedule_path(sim, "/on-calls"), &[("date", date)])
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body["onCallParticipants"]
        .as_array()
        .expect("participants")
        .iter()
        .map(|p| p["id"].clone())
        .collect()
}
