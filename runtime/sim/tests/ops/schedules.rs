//! Schedules: only a Team Admin creates, changes or deletes; members and people on
//! a rotation read; others get 403 (a schedule they may not see) or 404 (none).

use reqwest::StatusCode;
use serde_json::json;

use super::{SEEDED_SCHEDULE, SEEDED_TEAM, assert_field_error, new_schedule};
use crate::common::{ADMIN, OUTSIDER, USER, caller, ops, start};

#[tokio::test]
async fn a_team_admin_creates_renames_and_deletes_a_schedule_others_cannot() {
    let sim = start().await;
    let (alice, bob, carol) = (
        caller(&sim, ADMIN),
        caller(&sim, USER),
        caller(&sim, OUTSIDER),
    );
    let body = json!({ "name": "Weekend cover", "timezone": "UTC", "ownerTeam": { "name": "Platform Ops" } });

    assert_eq!(
        bob.post(&ops(&sim, "/schedules"), &body).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        carol.post(&ops(&sim, "/schedules"), &body).await.status,
        StatusCode::FORBIDDEN
    );
    let created = alice.post(&ops(&sim, "/schedules"), &body).await;
    assert_eq!(created.status, StatusCode::CREATED);
    assert_eq!(created.body["name"], "Weekend cover");
    assert_eq!(created.body["teamId"], SEEDED_TEAM);
    assert_eq!(created.body["enabled"], true);
    let id = created.str_at("/id");
    let path = ops(&sim, &format!("/schedules/{id}"));

    let listed = bob.get(&ops(&sim, "/schedules")).await;
    let names: Vec<_> = listed.body["values"]
        .as_array()
        .expect("values")
        .iter()
        .map(|s| s["name"].clone())
        .collect();
    assert_eq!(
        names,
        [json!("Platform Ops on-call"), json!("Weekend cover")]
    );
    assert_eq!(
        carol.get(&ops(&sim, "/schedules")).await.body["values"],
        json!([])
    );
    assert_eq!(bob.get(&path).await.body["name"], "Weekend cover");
    assert_eq!(carol.get(&path).await.status, StatusCode::FORBIDDEN);

    let member_rename = bob.patch(&path, &json!({ "name": "Mine" })).await;
    assert_eq!(member_rename.status, StatusCode::FORBIDDEN);
    let renamed = alice
        .patch(&path, &json!({ "name": "Weekend", "enabled": false }))
        .await;
    assert_eq!(renamed.status, StatusCode::OK);
    assert_eq!(renamed.body["name"], "Weekend");
    assert_eq!(renamed.body["enabled"], false);

    assert_eq!(bob.delete(&path).await.status, StatusCode::FORBIDDEN);
    assert_eq!(alice.delete(&path).await.status, StatusCode::NO_CONTENT);
    assert_eq!(alice.get(&path).await.status, StatusCode::NOT_FOUND);
    sim.shutdown().await;
}

#[tokio::test]
async fn unknown_schedules_are_not_found_for_every_verb() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let path = ops(&sim, "/schedules/no-such-schedule");
    assert_eq!(alice.get(&path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        alice.patch(&path, &json!({ "name": "x" })).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(alice.delete(&path).await.status, StatusCode::NOT_FOUND);
    sim.shutdown().await;
}

#[tokio::test]
async fn bad_schedule_bodies_name_the_offending_field() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let path = ops(&sim, "/schedules");
    assert_field_error(
        &alice.post(&path, &json!({ "name": "No team" })).await,
        "teamId",
    );
    assert_field_error(
        &alice
            .post(&path, &json!({ "name": "x", "teamId": "no-such-team" }))
            .await,
        "teamId",
    );
    assert_field_error(
        &alice
            .post(&path, &json!({ "name": "  ", "teamId": SEEDED_TEAM }))
            .await,
        "name",
    );
    assert_field_error(
        &alice
            .post(
                &path,
                &json!({ "name": "n".repeat(101), "teamId": SEEDED_TEAM }),
            )
            .await,
        "name",
    );
    assert_field_error(
        &alice
            .post(
                &path,
                &json!({ "name": "Platform Ops on-call", "teamId": SEEDED_TEAM }),
            )
            .await,
        "name",
    );
    let not_json = crate::common::send(
        alice
            .request(reqwest::Method::POST, &path)
            .header("content-type", "application/json")
            .body("{not json"),
    )
    .await;
    assert_eq!(not_json.status, StatusCode::BAD_REQUEST);
    let wrong_type = alice
        .patch(
            &ops(&sim, &format!("/schedules/{SEEDED_SCHEDULE}")),
            &json!({ "enabled": "yes" }),
        )
        .await;
    assert_eq!(wrong_type.status, StatusCode::BAD_REQUEST);
    sim.shutdown().await;
}

#[tokio::test]
async fn renaming_onto_another_schedules_name_is_refused() {
    let sim = start().await;
    let id = new_schedule(&sim, "Second").await;
    let reply = caller(&sim, ADMIN)
        .patch(
            &ops(&sim, &format!("/schedules/{id}")),
            &json!({ "name": "Platform Ops on-call" }),
        )
        .await;
    assert_field_error(&reply, "name");
    sim.shutdown().await;
}

#[tokio::test]
async fn expand_rotation_embeds_rotations_and_query_filters_by_name() {
    let sim = start().await;
    new_schedule(&sim, "Night shift").await;
    let bob = caller(&sim, USER);
    let expanded = bob
        .get_with(&ops(&sim, "/schedules"), &[("expand", "rotation")])
        .await;
    assert_eq!(expanded.body["_expands"], json!(["rotation"]));
    assert_eq!(expanded.body["values"][0]["rotations"][0]["type"], "weekly");
    let plain = bob.get(&ops(&sim, "/schedules")).await;
    assert!(plain.body["values"][0].get("rotations").is_none());
    let filtered = bob
        .get_with(&ops(&sim, "/schedules"), &[("query", "NIGHT")])
        .await;
    let names: Vec<_> = filtered.body["values"]
        .as_array()
        .expect("values")
        .iter()
        .map(|s| s["name"].clone())
        .collect();
    assert_eq!(names, [json!("Night shift")]);
    sim.shutdown().await;
}

#[tokio::test]
async fn teams_list_the_seeded_team_with_its_roles() {
    let sim = start().await;
    let teams = caller(&sim, OUTSIDER).get(&ops(&sim, "/teams")).await;
    assert_eq!(teams.status, StatusCode::OK);
    assert_eq!(teams.body["values"][0]["teamId"], SEEDED_TEAM);
    assert_eq!(teams.body["values"][0]["teamName"], "Platform Ops");
    let roles: Vec<_> = teams.body["values"][0]["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| m["role"].clone())
        .collect();
    assert_eq!(roles, [json!("admin"), json!("member")]);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_wrong_cloud_id_is_not_found() {
    let sim = start().await;
    let reply = caller(&sim, ADMIN)
        .get("/jsm/ops/api/00000000-0000-0000-0000-000000000000/v1/schedules")
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    sim.shutdown().await;
}

#[tokio::test]
async fn lists_page_by_offset_and_size_and_next_keeps_the_filter() {
    let sim = start().await;
    for name in ["Rota A", "Rota B", "Rota C"] {
        new_schedule(&sim, name).await;
    }
    let alice = caller(&sim, ADMIN);
    let first = alice
        .get_with(
            &ops(&sim, "/schedules"),
            &[("query", "rota"), ("size", "2")],
        )
        .await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.body["values"].as_array().map(Vec::len), Some(2));
    let next = first.str_at("/links/next");
    assert_eq!(next, "/v1/schedules?query=rota&offset=2&size=2");
    let rest = alice
        .get(&ops(&sim, next.strip_prefix("/v1").expect("a /v1 link")))
        .await;
    let names: Vec<_> = rest.body["values"]
        .as_array()
        .expect("values")
        .iter()
        .map(|s| s["name"].clone())
        .collect();
    assert_eq!(names, [json!("Rota C")]);
    assert_eq!(rest.body["links"], json!({}));

    for size in ["0", "101", "many"] {
        let bad = alice
            .get_with(&ops(&sim, "/schedules"), &[("size", size)])
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "size={size}");
    }
    sim.shutdown().await;
}
