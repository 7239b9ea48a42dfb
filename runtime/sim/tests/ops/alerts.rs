//! Alerts: created, listed, read, acknowledged and closed through 202 requests.

use std::time::Duration;

use kiln_sim::{SimClock, SimConfig};
use reqwest::StatusCode;
use serde_json::json;
use time::macros::datetime;

use super::assert_field_error;
use crate::common::{ADMIN, USER, caller, ops, start, start_with};

#[tokio::test]
async fn alerts_are_created_acknowledged_and_closed() {
    let clock = SimClock::frozen_at(datetime!(2024-05-01 10:00 UTC).into());
    let sim = start_with(SimConfig {
        clock: clock.clone(),
        ..SimConfig::default()
    })
    .await;
    let (alice, bob) = (caller(&sim, ADMIN), caller(&sim, USER));
    let accepted = bob
        .post(
            &ops(&sim, "/alerts"),
            &json!({ "message": "Disk full on build agent", "priority": "P2", "tags": ["disk"] }),
        )
        .await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED);
    let request_id = accepted.str_at("/requestId");
    let status = bob
        .get(&ops(&sim, &format!("/alerts/requests/{request_id}")))
        .await;
    assert_eq!(status.body["action"], "Create");
    assert_eq!(status.body["processedAt"], "2024-05-01T10:00:00Z");
    let alert_id = status.str_at("/alertId");

    let list = alice.get(&ops(&sim, "/alerts")).await;
    assert_eq!(
        list.body["values"][0]["message"],
        "Disk full on build agent"
    );
    assert_eq!(list.body["values"][0]["status"], "open");
    assert_eq!(list.body["values"][0]["priority"], "P2");
    assert_eq!(list.body["values"][0]["createdAt"], "2024-05-01T10:00:00Z");

    clock.advance(Duration::from_secs(60));
    for action in ["acknowledge", "close"] {
        let reply = alice
            .post(
                &ops(&sim, &format!("/alerts/{alert_id}/{action}")),
                &json!({}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::ACCEPTED, "{action}");
    }
    let alert = alice.get(&ops(&sim, &format!("/alerts/{alert_id}"))).await;
    assert_eq!(alert.body["acknowledged"], true);
    assert_eq!(alert.body["status"], "closed");
    assert_eq!(alert.body["updatedAt"], "2024-05-01T10:01:00Z");
    sim.shutdown().await;
}

#[tokio::test]
async fn unknown_alerts_and_requests_are_not_found() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    assert_eq!(
        alice.get(&ops(&sim, "/alerts/nope")).await.status,
        StatusCode::NOT_FOUND
    );
    for action in ["acknowledge", "close"] {
        let reply = alice
            .post(&ops(&sim, &format!("/alerts/nope/{action}")), &json!({}))
            .await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{action}");
    }
    assert_eq!(
        alice.get(&ops(&sim, "/alerts/requests/nope")).await.status,
        StatusCode::NOT_FOUND
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn bad_alert_bodies_name_the_offending_field() {
    let sim = start().await;
    let bob = caller(&sim, USER);
    let path = ops(&sim, "/alerts");
    for (body, field) in [
        (json!({}), "message"),
        (json!({ "message": "   " }), "message"),
        (json!({ "message": "m".repeat(131) }), "message"),
        (json!({ "message": "x", "priority": "P9" }), "priority"),
        (json!({ "message": "x", "tags": vec!["t"; 21] }), "tags"),
        (json!({ "message": "x", "alias": "a".repeat(513) }), "alias"),
    ] {
        assert_field_error(&bob.post(&path, &body).await, field);
    }
    sim.shutdown().await;
}
