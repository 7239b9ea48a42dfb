//! Schedules: only a Team Admin creates, changes or deletes; members and people on
//! a rotation read; others get 403 (a schedule they may not see) or 404 (none).

use reqwest::StatusCode;
use serde_json::json;

use super::caller;
use super::{SEEDED_SCHEDULE, SEEDED_TEAM, assert_field_error, new_schedule};
use crate::common::{ADMIN, OUTSIDER, USER, ops, start};

#[tokio::test]
async fn a_team_admin_creates_renames_and_deletes_a_schedule_others_cannot() {
    let sim = start().await;
    let (alice, bob, carol) = (
        caller(&sim, ADMIN),
        caller(&sim, USER),
        caller(&sim, OUTSIDER),
    );
    let body = json!({ "name": "Weekend cover", "timezone": "UTC", "teamId": SEEDED_TEAM });

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
        &alice
            .post(
                &path,
                &json!({ "name": "Owner", "ownerTeam": { "name": "Platform Ops" } }),
            )
            .await,
        "ownerTeam",
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
    let taken = alice
        .post(
            &path,
            &json!({ "name": "platform ops ON-CALL", "teamId": SEEDED_TEAM }),
        )
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT, "{}", taken.body);
    assert_field_error(
        &alice
            .post(&path, &json!({ "name": "Zoned", "timezone": "Mars/Base" }))
            .await,
        "timezone",
    );
    let not_json = alice
        .send(
            reqwest::Method::POST,
            &path,
            alice
                .request(reqwest::Method::POST, &path)
                .header("content-type", "application/json")
                .body("{not json"),
        )
        .await;
    assert_eq!(not_json.status, StatusCode::UNPROCESSABLE_ENTITY);
    // A member who may not create schedules learns that, not that the body is bad.
    let bob = caller(&sim, USER);
    let refused = bob
        .send(
            reqwest::Method::POST,
            &path,
            bob.request(reqwest::Method::POST, &path).body("{not json"),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let wrong_type = alice
        .patch(
            &ops(&sim, &format!("/schedules/{SEEDED_SCHEDULE}")),
            &json!({ "enabled": "yes" }),
        )
        .await;
    assert_eq!(wrong_type.status, StatusCode::UNPROCESSABLE_ENTITY);
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
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
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
    let prefix = bob
        .get_with(&ops(&sim, "/schedules"), &[("query", "NIGHT")])
        .await;
    assert_eq!(
        prefix.body["values"],
        json!([]),
        "exact unless it ends in *"
    );
    let filtered = bob
        .get_with(&ops(&sim, "/schedules"), &[("query", "NIGHT*")])
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
async fn teams_are_listed_to_their_members_and_to_admins() {
    let sim = start().await;
    let team = json!({ "platformTeams": [{ "teamId": SEEDED_TEAM, "teamName": "Platform Ops" }] });
    for who in [ADMIN, USER] {
        let teams = caller(&sim, who).get(&ops(&sim, "/teams")).await;
        assert_eq!(teams.status, StatusCode::OK);
        assert_eq!(teams.body, team, "{who}");
    }
    let outsider = caller(&sim, OUTSIDER).get(&ops(&sim, "/teams")).await;
    assert_eq!(outsider.body, json!({ "platformTeams": [] }));
    sim.shutdown().await;
}

#[tokio::test]
async fn a_global_schedule_is_managed_by_admins_only_and_seen_by_them() {
    let sim = start().await;
    let (alice, bob) = (caller(&sim, ADMIN), caller(&sim, USER));
    let created = alice
        .post(&ops(&sim, "/schedules"), &json!({ "name": "Company-wide" }))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert!(created.body.get("teamId").is_none(), "{}", created.body);
    assert_eq!(created.body["timezone"], "America/New_York");
    let path = ops(&sim, &format!("/schedules/{}", created.str_at("/id")));
    assert_eq!(bob.get(&path).await.status, StatusCode::FORBIDDEN);
    // Moving the seeded schedule out of its team: only with the global right.
    let seeded = ops(&sim, &format!("/schedules/{SEEDED_SCHEDULE}"));
    let moved = alice.patch(&seeded, &json!({ "teamId": "" })).await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    assert!(moved.body.get("teamId").is_none());
    assert_eq!(
        bob.patch(&seeded, &json!({ "teamId": SEEDED_TEAM }))
            .await
            .status,
        StatusCode::FORBIDDEN,
        "Bob still reads it as a rotation participant, but may not change it"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn inline_rotations_are_created_with_the_schedule() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let bob = crate::common::account_id(&sim, USER);
    let created = alice
        .post(
            &ops(&sim, "/schedules"),
            &json!({
                "name": "Inline", "teamId": SEEDED_TEAM, "timezone": "Europe/Berlin",
                "rotations": [
                    { "name": "Office", "type": "daily", "startDate": "2024-01-01T00:00:00Z",
                      "participants": [{ "type": "user", "id": bob }],
                      "timeRestriction": { "type": "time-of-day",
                        "restriction": { "startHour": 9, "startMin": 0, "endHour": 17, "endMin": 0 } } },
                ],
            }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["rotations"][0]["name"], "Office");
    assert_eq!(
        created.body["rotations"][0]["timeRestriction"],
        json!({ "type": "time-of-day", "restriction": { "startHour": 9, "startMin": 0, "endHour": 17, "endMin": 0 } })
    );
    let on_calls = ops(
        &sim,
        &format!("/schedules/{}/on-calls", created.str_at("/id")),
    );
    // 08:30 UTC in January is 09:30 in Berlin: inside the window; 16:30 UTC is not.
    for (date, expected) in [
        ("2024-01-02T08:30:00Z", json!([bob])),
        ("2024-01-02T16:30:00Z", json!([])),
    ] {
        let reply = alice
            .get_with(&on_calls, &[("date", date), ("flat", "true")])
            .await;
        assert_eq!(reply.body["onCallUsers"], expected, "{date}");
    }
    let duplicate = alice
        .post(
            &ops(&sim, "/schedules"),
            &json!({ "name": "Twice", "rotations": [
                { "name": "R", "type": "daily", "startDate": "2024-01-01T00:00:00Z" },
                { "name": "r", "type": "daily", "startDate": "2024-01-01T00:00:00Z" },
            ] }),
        )
        .await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_wrong_cloud_id_is_not_found() {
    let sim = start().await;
    let reply = caller(&sim, ADMIN)
        .get("/jsm/ops/api/00000000-0000-0000-0000-000000000000/v1/schedules")
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(
        reply.body["errors"][0]["title"].is_string(),
        "{}",
        reply.body
    );
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
            &[("query", "rota*"), ("size", "2")],
        )
        .await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.body["values"].as_array().map(Vec::len), Some(2));
    let next = first.str_at("/links/next");
    assert_eq!(next, "/v1/schedules?query=rota*&offset=2&size=2");
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

    let default = alice.get(&ops(&sim, "/schedules")).await;
    assert_eq!(default.body["values"].as_array().map(Vec::len), Some(4));
    for size in ["0", "51", "many"] {
        let bad = alice
            .get_with(&ops(&sim, "/schedules"), &[("size", size)])
            .await;
        assert_field_error(&bad, "size");
    }
    sim.shutdown().await;
}
