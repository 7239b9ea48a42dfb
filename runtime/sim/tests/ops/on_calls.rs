//! Who is on call: rotation turns by start date, type and length; overrides on
//! top; "now" from the site clock, which these tests freeze.

use std::time::Duration;

use kiln_sim::{SimClock, SimConfig};
use reqwest::StatusCode;
use serde_json::json;
use time::macros::datetime;

use super::caller;
use super::{SEEDED_ROTATION, on_call_ids, schedule_path};
use crate::common::{ADMIN, OUTSIDER, USER, account_id, start, start_with};

#[tokio::test]
async fn now_crosses_the_weekly_hand_over_when_the_clock_moves() {
    let clock = SimClock::frozen_at(datetime!(2024-01-08 08:59:59 UTC).into());
    let sim = start_with(SimConfig {
        clock: clock.clone(),
        ..SimConfig::default()
    })
    .await;
    let bob = caller(&sim, USER);
    let path = schedule_path(&sim, "/on-calls");

    let before = bob.get(&path).await;
    assert_eq!(
        before.body,
        json!({ "onCallParticipants": [
            { "id": account_id(&sim, ADMIN), "type": "user" }
        ] })
    );
    clock.advance(Duration::from_secs(1));
    let after = bob.get(&path).await;
    assert_eq!(
        after.body["onCallParticipants"][0]["id"],
        account_id(&sim, USER)
    );
    assert_eq!(
        after.body["onCallParticipants"][0],
        json!({ "id": account_id(&sim, USER), "type": "user" }),
        "only the Ops API's fields: no display name"
    );
    sim.clock().set(datetime!(2024-01-15 09:00 UTC).into());
    assert_eq!(
        bob.get(&path).await.body["onCallParticipants"][0]["id"],
        account_id(&sim, ADMIN)
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn turns_follow_the_rotations_start_type_and_length() {
    let sim = start().await;
    let (alice, bob) = (caller(&sim, ADMIN), caller(&sim, USER));
    // Replace the weekly rotation with three-hour turns from midnight: Bob, Alice.
    let seeded = schedule_path(&sim, &format!("/rotations/{SEEDED_ROTATION}"));
    let changed = alice
        .patch(
            &seeded,
            &json!({
                "type": "hourly", "length": 3, "startDate": "2024-03-01T00:00:00Z",
                "participants": [
                    { "id": account_id(&sim, USER), "type": "user" },
                    { "id": account_id(&sim, ADMIN), "type": "user" },
                ],
            }),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    let (a, b) = (
        json!(account_id(&sim, ADMIN)),
        json!(account_id(&sim, USER)),
    );
    for (date, expected) in [
        ("2024-02-29T23:59:59Z", vec![]),
        ("2024-03-01T00:00:00Z", vec![b.clone()]),
        ("2024-03-01T02:59:59Z", vec![b.clone()]),
        ("2024-03-01T03:00:00Z", vec![a.clone()]),
        ("2024-03-01T06:00:00Z", vec![b.clone()]),
        // 10:30 in UTC+1 is 09:30 UTC: the fourth turn.
        ("2024-03-01T10:30:00+01:00", vec![a.clone()]),
    ] {
        assert_eq!(on_call_ids(&bob, &sim, date).await, expected, "{date}");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn an_override_stands_in_for_its_period_and_the_rotation_resumes_after() {
    let sim = start().await;
    let (alice, bob) = (caller(&sim, ADMIN), caller(&sim, USER));
    let carol_id = account_id(&sim, OUTSIDER);
    // Across the 2024-01-08 09:00 hand-over from Alice to Bob.
    let created = alice
        .post(
            &schedule_path(&sim, "/overrides"),
            &json!({
                "responder": { "type": "user", "id": carol_id },
                "startDate": "2024-01-08T06:00:00Z",
                "endDate": "2024-01-08T12:00:00Z",
            }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let (a, b, c) = (
        json!(account_id(&sim, ADMIN)),
        json!(account_id(&sim, USER)),
        json!(carol_id),
    );
    for (date, expected) in [
        ("2024-01-08T05:59:59Z", &a),
        ("2024-01-08T06:00:00Z", &c),
        ("2024-01-08T09:00:00Z", &c),
        ("2024-01-08T12:00:00Z", &b),
    ] {
        assert_eq!(
            on_call_ids(&bob, &sim, date).await,
            std::slice::from_ref(expected),
            "{date}"
        );
    }
    // An override puts Carol on the schedule, so she may now read who is on call.
    let carol = caller(&sim, OUTSIDER);
    let flat = carol
        .get_with(
            &schedule_path(&sim, "/on-calls"),
            &[("date", "2024-01-08T07:00:00Z"), ("flat", "true")],
        )
        .await;
    assert_eq!(flat.status, StatusCode::OK);
    assert_eq!(flat.body, json!({ "onCallUsers": [carol_id] }));
    sim.shutdown().await;
}

#[tokio::test]
async fn on_call_questions_are_checked() {
    let sim = start().await;
    let (bob, carol) = (caller(&sim, USER), caller(&sim, OUTSIDER));
    let path = schedule_path(&sim, "/on-calls");
    let bad_date = bob.get_with(&path, &[("date", "next tuesday")]).await;
    super::assert_field_error(&bad_date, "date");
    let bad_flat = bob.get_with(&path, &[("flat", "maybe")]).await;
    super::assert_field_error(&bad_flat, "flat");
    let unknown = bob.get_with(&path, &[("at", "now")]).await;
    super::assert_field_error(&unknown, "at");
    assert_eq!(carol.get(&path).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        bob.get(&crate::common::ops(&sim, "/schedules/nope/on-calls"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn dates_beyond_the_calendar_are_refused_not_overflowed() {
    let sim = start().await;
    let bob = caller(&sim, USER);
    for rest in ["/on-calls", "/next-on-calls", "/timeline"] {
        let reply = bob
            .get_with(
                &schedule_path(&sim, rest),
                &[("date", "9999-12-31T23:59:59Z")],
            )
            .await;
        super::assert_field_error(&reply, "date");
    }
    // The server still answers afterwards.
    let fine = bob.get(&schedule_path(&sim, "/next-on-calls")).await;
    assert_eq!(fine.status, StatusCode::OK);
    assert!(
        fine.body["nextOnCallParticipants"].is_array(),
        "{}",
        fine.body
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn next_on_calls_and_the_timeline_follow_the_rotation() {
    let sim = start_with(SimConfig {
        clock: SimClock::frozen_at(datetime!(2024-01-05 12:00 UTC).into()),
        ..SimConfig::default()
    })
    .await;
    let bob = caller(&sim, USER);
    let (a, b) = (account_id(&sim, ADMIN), account_id(&sim, USER));
    // Alice's week runs to Monday 2024-01-08 09:00; Bob is next.
    let next = bob
        .get_with(
            &schedule_path(&sim, "/next-on-calls"),
            &[("date", "2024-01-03T12:00:00Z"), ("flat", "true")],
        )
        .await;
    assert_eq!(next.body, json!({ "nextOnCallUsers": [b] }));
    let timeline = bob
        .get_with(
            &schedule_path(&sim, "/timeline"),
            &[("date", "2024-01-03T12:00:00Z"), ("expand", "base")],
        )
        .await;
    assert_eq!(timeline.status, StatusCode::OK, "{}", timeline.body);
    assert_eq!(timeline.body["startDate"], "2024-01-01T00:00:00Z");
    assert_eq!(timeline.body["endDate"], "2024-01-08T00:00:00Z");
    let periods = &timeline.body["baseTimeline"]["rotations"][0]["periods"];
    assert_eq!(
        periods,
        &json!([{ "startDate": "2024-01-01T09:00:00Z", "endDate": "2024-01-08T00:00:00Z",
                  "type": "base", "responder": { "type": "user", "id": a } }])
    );
    // Before now the final layer is history, with its flattened responders.
    let last = &timeline.body["finalTimeline"]["rotations"][0]["periods"];
    assert_eq!(last[0]["type"], "historical");
    assert_eq!(last[0]["endDate"], "2024-01-05T12:00:00Z");
    assert_eq!(
        last[0]["flattenedResponders"],
        json!([{ "id": a, "type": "user" }])
    );
    assert_eq!(last[1]["type"], "base");
    sim.shutdown().await;
}
