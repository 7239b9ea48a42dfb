//! The JSM Ops API: teams, schedules, rotations, on-calls, alerts.

mod common;

use common::{ADMIN, OUTSIDER, USER, as_user, json, start};
use kiln_sim::Simulator;
use reqwest::{Method, StatusCode};
use serde_json::json;

fn ops(sim: &Simulator, rest: &str) -> String {
    format!("/jsm/ops/api/{}/v1{rest}", sim.cloud_id())
}

#[tokio::test]
async fn schedule_create_needs_a_team_admin() {
    let sim = start().await;
    let body = json!({ "name": "Weekend cover", "timezone": "UTC", "ownerTeam": { "name": "Platform Ops" } });

    let as_member = as_user(&sim, Method::POST, USER, &ops(&sim, "/schedules"))
        .json(&body)
        .send()
        .await
        .expect("sent");
    assert_eq!(as_member.status(), StatusCode::FORBIDDEN);
    let as_outsider = as_user(&sim, Method::POST, OUTSIDER, &ops(&sim, "/schedules"))
        .json(&body)
        .send()
        .await
        .expect("sent");
    assert_eq!(as_outsider.status(), StatusCode::FORBIDDEN);

    let created = as_user(&sim, Method::POST, ADMIN, &ops(&sim, "/schedules"))
        .json(&body)
        .send()
        .await
        .expect("sent");
    assert_eq!(created.status(), StatusCode::CREATED);
    let schedule = json(created).await;
    assert_eq!(schedule["name"], "Weekend cover");
    let id = schedule["id"].as_str().expect("id").to_owned();

    let listed = json(
        as_user(&sim, Method::GET, USER, &ops(&sim, "/schedules"))
            .send()
            .await
            .expect("sent"),
    )
    .await;
    let names: Vec<_> = listed["values"]
        .as_array()
        .expect("values")
        .iter()
        .map(|s| s["name"].clone())
        .collect();
    assert_eq!(
        names,
        [json!("Platform Ops on-call"), json!("Weekend cover")]
    );
    let outsider_list = json(
        as_user(&sim, Method::GET, OUTSIDER, &ops(&sim, "/schedules"))
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(outsider_list["values"], json!([]));

    let renamed = as_user(
        &sim,
        Method::PATCH,
        ADMIN,
        &ops(&sim, &format!("/schedules/{id}")),
    )
    .json(&json!({ "name": "Weekend" }))
    .send()
    .await
    .expect("sent");
    assert_eq!(json(renamed).await["name"], "Weekend");
    let member_delete = as_user(
        &sim,
        Method::DELETE,
        USER,
        &ops(&sim, &format!("/schedules/{id}")),
    )
    .send()
    .await
    .expect("sent");
    assert_eq!(member_delete.status(), StatusCode::FORBIDDEN);
    let deleted = as_user(
        &sim,
        Method::DELETE,
        ADMIN,
        &ops(&sim, &format!("/schedules/{id}")),
    )
    .send()
    .await
    .expect("sent");
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let gone = as_user(
        &sim,
        Method::GET,
        ADMIN,
        &ops(&sim, &format!("/schedules/{id}")),
    )
    .send()
    .await
    .expect("sent");
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_wrong_cloud_id_is_not_found() {
    let sim = start().await;
    let response = as_user(
        &sim,
        Method::GET,
        ADMIN,
        "/jsm/ops/api/00000000-0000-0000-0000-000000000000/v1/schedules",
    )
    .send()
    .await
    .expect("sent");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    sim.shutdown().await;
}

#[tokio::test]
async fn teams_rotations_and_on_calls() {
    let sim = start().await;
    let teams = json(
        as_user(&sim, Method::GET, USER, &ops(&sim, "/teams"))
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(teams["values"][0]["teamName"], "Platform Ops");

    let schedules = json(
        as_user(&sim, Method::GET, ADMIN, &ops(&sim, "/schedules"))
            .send()
            .await
            .expect("sent"),
    )
    .await;
    let id = schedules["values"][0]["id"]
        .as_str()
        .expect("seeded schedule")
        .to_owned();
    let rotations = json(
        as_user(
            &sim,
            Method::GET,
            USER,
            &ops(&sim, &format!("/schedules/{id}/rotations")),
        )
        .send()
        .await
        .expect("sent"),
    )
    .await;
    assert_eq!(rotations["values"][0]["type"], "weekly");

    let alice = sim.user(ADMIN).expect("alice").account_id.clone();
    let bob = sim.user(USER).expect("bob").account_id.clone();
    // The seeded weekly rotation starts Monday 2024-01-01 09:00 UTC with Alice.
    for (date, expected) in [
        ("2024-01-03T12:00:00Z", &alice),
        ("2024-01-08T09:00:00Z", &bob),
        ("2024-01-15T10:00:00Z", &alice),
    ] {
        let on_call = json(
            as_user(
                &sim,
                Method::GET,
                USER,
                &ops(&sim, &format!("/schedules/{id}/on-calls")),
            )
            .query(&[("date", date)])
            .send()
            .await
            .expect("sent"),
        )
        .await;
        assert_eq!(
            on_call["onCallParticipants"][0]["id"],
            expected.as_str(),
            "{date}"
        );
    }
    let now = json(
        as_user(
            &sim,
            Method::GET,
            USER,
            &ops(&sim, &format!("/schedules/{id}/on-calls")),
        )
        .send()
        .await
        .expect("sent"),
    )
    .await;
    assert_eq!(now["onCallParticipants"].as_array().map(Vec::len), Some(1));

    let rotation = json!({
        "name": "Daily backup", "type": "daily", "length": 1,
        "startDate": "2024-01-01T00:00:00Z", "participants": [{ "id": bob, "type": "user" }]
    });
    let member = as_user(
        &sim,
        Method::POST,
        USER,
        &ops(&sim, &format!("/schedules/{id}/rotations")),
    )
    .json(&rotation)
    .send()
    .await
    .expect("sent");
    assert_eq!(member.status(), StatusCode::FORBIDDEN);
    let created = as_user(
        &sim,
        Method::POST,
        ADMIN,
        &ops(&sim, &format!("/schedules/{id}/rotations")),
    )
    .json(&rotation)
    .send()
    .await
    .expect("sent");
    assert_eq!(created.status(), StatusCode::CREATED);
    let both = json(
        as_user(
            &sim,
            Method::GET,
            USER,
            &ops(&sim, &format!("/schedules/{id}/on-calls")),
        )
        .query(&[("date", "2024-01-03T12:00:00Z")])
        .send()
        .await
        .expect("sent"),
    )
    .await;
    let ids: Vec<_> = both["onCallParticipants"]
        .as_array()
        .expect("list")
        .iter()
        .map(|p| p["id"].clone())
        .collect();
    assert_eq!(ids, [json!(alice), json!(bob)]);

    let bad = as_user(
        &sim,
        Method::POST,
        ADMIN,
        &ops(&sim, &format!("/schedules/{id}/rotations")),
    )
    .json(&json!({ "type": "monthly", "startDate": "2024-01-01T00:00:00Z" }))
    .send()
    .await
    .expect("sent");
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    sim.shutdown().await;
}

#[tokio::test]
async fn alerts_are_created_acknowledged_and_closed() {
    let sim = start().await;
    let accepted = as_user(&sim, Method::POST, USER, &ops(&sim, "/alerts"))
        .json(&json!({ "message": "Disk full on build agent", "priority": "P2", "tags": ["disk"] }))
        .send()
        .await
        .expect("sent");
    assert_eq!(accepted.status(), StatusCode::ACCEPTED);
    let request_id = json(accepted).await["requestId"]
        .as_str()
        .expect("request id")
        .to_owned();
    let status = json(
        as_user(
            &sim,
            Method::GET,
            USER,
            &ops(&sim, &format!("/alerts/requests/{request_id}")),
        )
        .send()
        .await
        .expect("sent"),
    )
    .await;
    assert_eq!(status["action"], "Create");
    let alert_id = status["alertId"].as_str().expect("alert id").to_owned();

    let list = json(
        as_user(&sim, Method::GET, ADMIN, &ops(&sim, "/alerts"))
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(list["values"][0]["message"], "Disk full on build agent");
    assert_eq!(list["values"][0]["status"], "open");

    for action in ["acknowledge", "close"] {
        let response = as_user(
            &sim,
            Method::POST,
            ADMIN,
            &ops(&sim, &format!("/alerts/{alert_id}/{action}")),
        )
        .json(&json!({}))
        .send()
        .await
        .expect("sent");
        assert_eq!(response.status(), StatusCode::ACCEPTED, "{action}");
    }
    let alert = json(
        as_user(
            &sim,
            Method::GET,
            ADMIN,
            &ops(&sim, &format!("/alerts/{alert_id}")),
        )
        .send()
        .await
        .expect("sent"),
    )
    .await;
    assert_eq!(alert["acknowledged"], true);
    assert_eq!(alert["status"], "closed");

    let missing = as_user(&sim, Method::POST, ADMIN, &ops(&sim, "/alerts/nope/close"))
        .send()
        .await
        .expect("sent");
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let empty = as_user(&sim, Method::POST, ADMIN, &ops(&sim, "/alerts"))
        .json(&json!({}))
        .send()
        .await
        .expect("sent");
    assert_eq!(empty.status(), StatusCode::BAD_REQUEST);
    sim.shutdown().await;
}
