//! Rotations: a Team Admin creates, reads, changes and deletes them; members read.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::caller;
use super::{SEEDED_ROTATION, assert_field_error, schedule_path};
use crate::common::{ADMIN, OUTSIDER, USER, account_id, start};

fn daily(participants: &[String]) -> Value {
    let participants: Vec<Value> = participants
        .iter()
        .map(|id| json!({ "id": id, "type": "user" }))
        .collect();
    json!({
        "name": "Daily backup", "type": "daily", "length": 2,
        "startDate": "2024-01-01T00:00:00Z", "participants": participants
    })
}

#[tokio::test]
async fn a_team_admin_manages_rotations_a_member_only_reads_them() {
    let sim = start().await;
    let (alice, bob) = (caller(&sim, ADMIN), caller(&sim, USER));
    let rotations = schedule_path(&sim, "/rotations");
    let body = daily(&[account_id(&sim, USER)]);

    assert_eq!(
        bob.post(&rotations, &body).await.status,
        StatusCode::FORBIDDEN
    );
    let created = alice.post(&rotations, &body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["type"], "daily");
    assert_eq!(created.body["length"], 2);
    assert_eq!(created.body["startDate"], "2024-01-01T00:00:00Z");
    assert_eq!(
        created.body["participants"],
        json!([{ "id": account_id(&sim, USER), "type": "user" }])
    );
    let id = created.str_at("/id");
    let path = schedule_path(&sim, &format!("/rotations/{id}"));

    let listed = bob.get(&rotations).await;
    let ids: Vec<_> = listed.body["values"]
        .as_array()
        .expect("values")
        .iter()
        .map(|r| r["id"].clone())
        .collect();
    assert_eq!(ids, [json!(SEEDED_ROTATION), json!(id)]);
    assert_eq!(bob.get(&path).await.body["name"], "Daily backup");

    let change = json!({ "type": "hourly", "length": 8, "endDate": "2025-01-01T00:00:00Z" });
    assert_eq!(
        bob.patch(&path, &change).await.status,
        StatusCode::FORBIDDEN
    );
    let changed = alice.patch(&path, &change).await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(changed.body["type"], "hourly");
    assert_eq!(changed.body["length"], 8);
    assert_eq!(changed.body["endDate"], "2025-01-01T00:00:00Z");
    assert_eq!(changed.body["name"], "Daily backup");
    assert_eq!(alice.get(&path).await.body["type"], "hourly");

    assert_eq!(bob.delete(&path).await.status, StatusCode::FORBIDDEN);
    assert_eq!(alice.delete(&path).await.status, StatusCode::NO_CONTENT);
    assert_eq!(alice.get(&path).await.status, StatusCode::NOT_FOUND);
    sim.shutdown().await;
}

#[tokio::test]
async fn an_outsider_may_not_see_a_schedules_rotations() {
    let sim = start().await;
    let carol = caller(&sim, OUTSIDER);
    assert_eq!(
        carol.get(&schedule_path(&sim, "/rotations")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        carol
            .get(&schedule_path(
                &sim,
                &format!("/rotations/{SEEDED_ROTATION}")
            ))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn unknown_rotations_and_schedules_are_not_found() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let missing = schedule_path(&sim, "/rotations/no-such-rotation");
    assert_eq!(alice.get(&missing).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        alice.patch(&missing, &json!({ "length": 2 })).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(alice.delete(&missing).await.status, StatusCode::NOT_FOUND);
    let no_schedule = crate::common::ops(&sim, "/schedules/nope/rotations");
    assert_eq!(alice.get(&no_schedule).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        alice.post(&no_schedule, &daily(&[])).await.status,
        StatusCode::NOT_FOUND
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn bad_rotation_bodies_name_the_offending_field() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let rotations = schedule_path(&sim, "/rotations");
    let bob = account_id(&sim, USER);
    let with = |patch: Value| {
        let mut body = daily(std::slice::from_ref(&bob));
        for (key, value) in patch.as_object().expect("object") {
            body[key] = value.clone();
        }
        body
    };
    for (patch, field) in [
        (json!({ "type": "monthly" }), "type"),
        (json!({ "type": null }), "type"),
        (json!({ "startDate": "yesterday" }), "startDate"),
        (json!({ "startDate": null }), "startDate"),
        (json!({ "length": 0 }), "length"),
        (json!({ "length": 367 }), "length"),
        (json!({ "endDate": "2023-12-31T00:00:00Z" }), "endDate"),
        (json!({ "name": "" }), "name"),
        (
            json!({ "participants": [{ "id": "nobody", "type": "user" }] }),
            "participants",
        ),
        (
            json!({ "participants": [{ "id": bob, "type": "team" }] }),
            "participants",
        ),
        (
            json!({ "participants": [{ "id": "e1", "type": "escalation" }] }),
            "participants",
        ),
        (
            json!({ "participants": [{ "id": bob, "type": "schedule" }] }),
            "participants",
        ),
        (
            json!({ "timeRestriction": { "type": "time-of-day", "restriction": { "startHour": 24, "startMin": 0, "endHour": 1, "endMin": 0 } } }),
            "timeRestriction",
        ),
        (
            json!({ "timeRestriction": { "type": "weekday-and-time-of-day", "restriction": { "startHour": 1, "startMin": 0, "endHour": 2, "endMin": 0 } } }),
            "timeRestriction",
        ),
        (json!({ "colour": "red" }), "colour"),
    ] {
        let reply = alice.post(&rotations, &with(patch.clone())).await;
        assert_field_error(&reply, field);
    }
    let negative = alice.post(&rotations, &with(json!({ "length": -1 }))).await;
    assert_eq!(negative.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Permission comes before the payload: a member learns they may not act.
    let bob_caller = caller(&sim, USER);
    let refused = bob_caller
        .post(&rotations, &json!({ "type": "monthly" }))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let seeded = schedule_path(&sim, &format!("/rotations/{SEEDED_ROTATION}"));
    assert_field_error(
        &alice
            .patch(&seeded, &json!({ "endDate": "2020-01-01T00:00:00Z" }))
            .await,
        "endDate",
    );
    sim.shutdown().await;
}
