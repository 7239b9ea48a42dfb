//! Overrides: a Team Admin puts someone on call instead of the rotation for a
//! while; members read them; past overrides drop out of the list.

use std::time::Duration;

use kiln_sim::{SimClock, SimConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};
use time::macros::datetime;

use super::caller;
use super::{SEEDED_ROTATION, assert_field_error, schedule_path};
use crate::common::{ADMIN, OUTSIDER, USER, account_id, start, start_with};

fn cover(responder: &str) -> Value {
    json!({
        "responder": { "type": "user", "id": responder },
        "startDate": "2024-01-08T12:00:00Z",
        "endDate": "2024-01-09T12:00:00Z",
        "rotationIds": [SEEDED_ROTATION],
    })
}

/// The permissions of the Ops reference: a team member (or an admin) sets any
/// override; someone in the schedule only one for themselves; the responder, a
/// Team Admin or an admin deletes one.
#[tokio::test]
async fn team_members_add_overrides_and_responders_or_admins_delete_them() {
    let config = SimConfig {
        clock: SimClock::frozen_at(datetime!(2024-01-08 00:00 UTC).into()),
        ..SimConfig::default()
    };
    let sim = start_with(config).await;
    let (alice, bob, carol) = (
        caller(&sim, ADMIN),
        caller(&sim, USER),
        caller(&sim, OUTSIDER),
    );
    let (bob_id, carol_id) = (account_id(&sim, USER), account_id(&sim, OUTSIDER));
    let overrides = schedule_path(&sim, "/overrides");

    // Carol is not in the schedule: she may not even see it.
    assert_eq!(
        carol.post(&overrides, &cover(&carol_id)).await.status,
        StatusCode::FORBIDDEN
    );
    let created = bob.post(&overrides, &cover(&carol_id)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let alias = created.str_at("/alias");
    assert!(alias.len() >= 32, "a generated alias");
    assert_eq!(
        created.body,
        json!({
            "alias": alias,
            "responder": { "type": "user", "id": carol_id },
            "startDate": "2024-01-08T12:00:00Z",
            "endDate": "2024-01-09T12:00:00Z",
            "rotationIds": [SEEDED_ROTATION],
        })
    );
    let path = schedule_path(&sim, &format!("/overrides/{alias}"));
    assert_eq!(bob.get(&path).await.body, created.body);
    assert_eq!(
        bob.get(&overrides).await.body["values"],
        json!([created.body])
    );

    // Now in the schedule, Carol may move her own override, but not hand it on.
    let mine = json!({
        "responder": { "type": "user", "id": carol_id },
        "startDate": "2024-01-10T00:00:00Z",
        "endDate": "2024-01-11T00:00:00Z",
    });
    let moved = carol.put(&path, &mine).await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    assert!(moved.body.get("rotationIds").is_none(), "all rotations now");
    let to_bob = json!({
        "responder": { "type": "user", "id": bob_id },
        "startDate": "2024-01-10T00:00:00Z",
        "endDate": "2024-01-11T00:00:00Z",
    });
    assert_eq!(
        carol.put(&path, &to_bob).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(bob.put(&path, &to_bob).await.status, StatusCode::OK);

    // Bob is the responder now: he may delete it, Carol may not.
    assert_eq!(carol.delete(&path).await.status, StatusCode::FORBIDDEN);
    assert_eq!(bob.delete(&path).await.status, StatusCode::NO_CONTENT);
    assert_eq!(alice.get(&path).await.status, StatusCode::NOT_FOUND);

    // A member who is not the responder may not delete; a Team Admin may.
    let nobody = alice
        .post(
            &overrides,
            &json!({ "responder": { "type": "noone" }, "startDate": "2024-02-01T00:00:00Z",
                     "endDate": "2024-02-02T00:00:00Z" }),
        )
        .await;
    assert_eq!(nobody.status, StatusCode::CREATED, "{}", nobody.body);
    assert_eq!(nobody.body["responder"], json!({ "type": "noone" }));
    let path = schedule_path(&sim, &format!("/overrides/{}", nobody.str_at("/alias")));
    assert_eq!(bob.delete(&path).await.status, StatusCode::FORBIDDEN);
    assert_eq!(alice.delete(&path).await.status, StatusCode::NO_CONTENT);
    sim.shutdown().await;
}

#[tokio::test]
async fn past_overrides_drop_out_of_the_list() {
    let clock = SimClock::frozen_at(datetime!(2024-01-08 00:00 UTC).into());
    let sim = start_with(SimConfig {
        clock: clock.clone(),
        ..SimConfig::default()
    })
    .await;
    let alice = caller(&sim, ADMIN);
    let overrides = schedule_path(&sim, "/overrides");
    let created = alice
        .post(&overrides, &cover(&account_id(&sim, OUTSIDER)))
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    assert_eq!(
        alice.get(&overrides).await.body["values"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    clock.advance(Duration::from_secs(36 * 3600));
    assert_eq!(alice.get(&overrides).await.body["values"], json!([]));
    sim.shutdown().await;
}

#[tokio::test]
async fn outsiders_may_not_see_overrides_and_unknown_aliases_are_not_found() {
    let sim = start().await;
    let (alice, carol) = (caller(&sim, ADMIN), caller(&sim, OUTSIDER));
    assert_eq!(
        carol.get(&schedule_path(&sim, "/overrides")).await.status,
        StatusCode::FORBIDDEN
    );
    let missing = schedule_path(&sim, "/overrides/nope");
    assert_eq!(alice.get(&missing).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        alice
            .put(&missing, &cover(&account_id(&sim, USER)))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(alice.delete(&missing).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        alice
            .get(&crate::common::ops(&sim, "/schedules/nope/overrides"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn bad_override_bodies_name_the_offending_field() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let overrides = schedule_path(&sim, "/overrides");
    let bob = account_id(&sim, USER);
    let with = |patch: Value| {
        let mut body = cover(&bob);
        for (key, value) in patch.as_object().expect("object") {
            body[key] = value.clone();
        }
        body
    };
    for (patch, field) in [
        (json!({ "responder": null }), "responder"),
        (
            json!({ "responder": { "type": "user", "id": "nobody" } }),
            "responder",
        ),
        (
            json!({ "responder": { "type": "team", "id": bob } }),
            "responder",
        ),
        (json!({ "startDate": null }), "startDate"),
        (json!({ "endDate": "not a date" }), "endDate"),
        (json!({ "endDate": "2024-01-08T12:00:00Z" }), "endDate"),
        (
            json!({ "rotationIds": ["no-such-rotation"] }),
            "rotationIds",
        ),
        (json!({ "alias": "mine" }), "alias"),
    ] {
        assert_field_error(&alice.post(&overrides, &with(patch)).await, field);
    }
    let not_a_list = alice
        .post(&overrides, &with(json!({ "rotationIds": "all" })))
        .await;
    assert_eq!(not_a_list.status, StatusCode::UNPROCESSABLE_ENTITY);
    sim.shutdown().await;
}
