//! Alerts: created (200), listed, read by id and alias, acknowledged and closed
//! (202), each action's outcome in its request status; who sees which alert.

use std::time::Duration;

use kiln_sim::{SimClock, SimConfig};
use reqwest::StatusCode;
use serde_json::json;
use time::macros::datetime;

use super::assert_field_error;
use super::caller;
use crate::common::{ADMIN, OUTSIDER, USER, ops, start, start_with};

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
            &json!({ "message": "Disk full on build agent", "priority": "P2", "tags": ["disk"],
                "alias": "disk-agent-1", "entity": "agent-1", "source": "probe",
                "extraProperties": { "volume": "/" }, "actions": ["Restart"] }),
        )
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    let request_id = accepted.str_at("/requestId");
    let status = bob
        .get(&ops(&sim, &format!("/alerts/requests/{request_id}")))
        .await;
    assert_eq!(status.body["action"], "Create");
    assert_eq!(status.body["processedAt"], "2024-05-01T10:00:00Z");
    assert_eq!(status.body["isSuccess"], true);
    let alert_id = status.str_at("/alertId");

    let list = alice.get(&ops(&sim, "/alerts")).await;
    assert_eq!(
        list.body["values"][0]["message"],
        "Disk full on build agent"
    );
    assert_eq!(list.body["values"][0]["status"], "open");
    assert_eq!(list.body["values"][0]["priority"], "P2");
    assert_eq!(list.body["values"][0]["createdAt"], "2024-05-01T10:00:00Z");
    assert_eq!(list.body["values"][0]["seen"], false);
    for (field, value) in [
        ("alias", json!("disk-agent-1")),
        ("entity", json!("agent-1")),
        ("source", json!("probe")),
        ("extraProperties", json!({ "volume": "/" })),
        ("actions", json!(["Restart"])),
    ] {
        assert_eq!(list.body["values"][0][field], value, "{field} is kept");
    }
    let by_alias = alice
        .get_with(&ops(&sim, "/alerts/alias"), &[("alias", "disk-agent-1")])
        .await;
    assert_eq!(by_alias.body["id"], alert_id.as_str());
    assert_eq!(by_alias.body["seen"], true);
    // The same alias again while open: one alert, counted twice.
    let again = bob
        .post(
            &ops(&sim, "/alerts"),
            &json!({ "message": "Disk full again", "alias": "disk-agent-1" }),
        )
        .await;
    assert_eq!(again.status, StatusCode::OK);
    let one = alice.get(&ops(&sim, &format!("/alerts/{alert_id}"))).await;
    assert_eq!(one.body["count"], 2);

    clock.advance(Duration::from_secs(60));
    for action in ["acknowledge", "close"] {
        let reply = alice
            .post(
                &ops(&sim, &format!("/alerts/{alert_id}/{action}")),
                &json!({}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::ACCEPTED, "{action}");
        if action == "acknowledge" {
            let acked = alice.get(&ops(&sim, &format!("/alerts/{alert_id}"))).await;
            assert_eq!(acked.body["status"], "acked");
        }
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
    // Actions are asynchronous: accepted, then reported as failed.
    for action in ["acknowledge", "close"] {
        let reply = alice
            .post(&ops(&sim, &format!("/alerts/nope/{action}")), &json!({}))
            .await;
        assert_eq!(reply.status, StatusCode::ACCEPTED, "{action}");
        let status = alice
            .get(&ops(
                &sim,
                &format!("/alerts/requests/{}", reply.str_at("/requestId")),
            ))
            .await;
        assert_eq!(status.body["isSuccess"], false, "{action}");
        assert!(status.body.get("alertId").is_none());
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
        (
            json!({ "message": "x", "visibleTo": [{ "type": "team", "id": "nope" }] }),
            "visibleTo",
        ),
        (
            json!({ "message": "x", "responders": [{ "type": "escalation", "id": "e" }] }),
            "responders",
        ),
        (json!({ "message": "x", "user": "someone" }), "user"),
    ] {
        assert_field_error(&bob.post(&path, &body).await, field);
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn alerts_for_a_team_are_hidden_from_others_and_lists_filter_and_page() {
    let sim = start().await;
    let (alice, bob, carol) = (
        caller(&sim, ADMIN),
        caller(&sim, USER),
        caller(&sim, OUTSIDER),
    );
    let team = super::SEEDED_TEAM;
    for n in 0..3 {
        let reply = alice
            .post(
                &ops(&sim, "/alerts"),
                &json!({ "message": format!("Team alert {n}"), "responders": [{ "type": "team", "id": team }],
                         "priority": if n == 0 { "P1" } else { "P4" } }),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK);
    }
    let open_to_all = carol
        .post(
            &ops(&sim, "/alerts"),
            &json!({ "message": "Anyone may see this" }),
        )
        .await;
    assert_eq!(open_to_all.status, StatusCode::OK);
    let listed = carol.get(&ops(&sim, "/alerts")).await;
    assert_eq!(
        listed.body["count"], 1,
        "Carol sees only the unrouted alert"
    );
    let hidden_id = bob.get(&ops(&sim, "/alerts")).await.body["values"][1]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let hidden = carol.get(&ops(&sim, &format!("/alerts/{hidden_id}"))).await;
    assert_eq!(hidden.status, StatusCode::FORBIDDEN);

    let page = bob
        .get_with(
            &ops(&sim, "/alerts"),
            &[("query", "priority:P4 AND status:open"), ("size", "1")],
        )
        .await;
    assert_eq!(page.body["count"], 2);
    assert_eq!(page.body["values"].as_array().map(Vec::len), Some(1));
    assert!(page.str_at("/links/next").contains("offset=1"));
    let by_priority = bob
        .get_with(&ops(&sim, "/alerts"), &[("sort", "priority")])
        .await;
    assert_eq!(by_priority.body["values"][0]["priority"], "P1");
    for (name, value) in [
        ("size", "101"),
        ("order", "up"),
        ("query", "owner:me"),
        ("offset", "19990"),
    ] {
        let bad = bob.get_with(&ops(&sim, "/alerts"), &[(name, value)]).await;
        assert_eq!(
            bad.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name}={value}"
        );
    }
    sim.shutdown().await;
}
