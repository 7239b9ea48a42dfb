//! The bulk worklog operations over a real socket: `bulkDeleteWorklogs` and
//! `bulkMoveWorklogs` move the time spent and the remaining estimate as the
//! single operations do, a delete records and raises what `deleteWorklog`
//! does while a move records and raises nothing, all or nothing, and hostile
//! bodies (too many ids, wrong types, foreign or hidden worklogs) are refused
//! in Jira's shape without a change.

use crate::common;
use crate::common::hook_receiver::{next_delivery, receiver};
use crate::contract::Contract;

use common::{ADMIN, OUTSIDER, USER, caller, start};
use kiln_sim::{AdminWebhook, Seed, SimConfig, WebhookEvent};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const HOUR: u64 = 3600;

async fn create(who: &common::Caller<'_>, project: &str, estimate: Option<&str>) -> String {
    let mut fields = json!({
        "project": { "key": project }, "issuetype": { "name": "Task" }, "summary": "Worked",
    });
    if let Some(estimate) = estimate {
        fields["timetracking"] = json!({ "originalEstimate": estimate });
    }
    let created = who
        .post("/rest/api/3/issue", &json!({ "fields": fields }))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    created.str_at("/key")
}

async fn log(who: &common::Caller<'_>, key: &str, body: Value) -> u64 {
    let logged = who
        .post(&format!("/rest/api/3/issue/{key}/worklog"), &body)
        .await;
    assert_eq!(logged.status, StatusCode::CREATED, "{}", logged.text);
    logged.str_at("/id").parse().expect("a numeric id")
}

/// The issue's remaining estimate and time spent, in seconds.
async fn remaining_and_spent(who: &common::Caller<'_>, key: &str) -> (Option<u64>, Option<u64>) {
    let read = who
        .get_with(
            &format!("/rest/api/3/issue/{key}"),
            &[("fields", "timeestimate,timespent")],
        )
        .await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    (
        read.body["fields"]["timeestimate"].as_u64(),
        read.body["fields"]["timespent"].as_u64(),
    )
}

/// The ids of the issue's worklogs.
async fn worklog_ids(who: &common::Caller<'_>, key: &str) -> Vec<u64> {
    let list = who.get(&format!("/rest/api/3/issue/{key}/worklog")).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    list.body["worklogs"]
        .as_array()
        .expect("worklogs")
        .iter()
        .map(|w| w["id"].as_str().expect("an id").parse().expect("numeric"))
        .collect()
}

async fn bulk_delete(
    who: &common::Caller<'_>,
    key: &str,
    query: &str,
    body: Value,
) -> common::Reply {
    common::send(
        who.request(
            Method::DELETE,
            &format!("/rest/api/3/issue/{key}/worklog{query}"),
        )
        .json(&body),
    )
    .await
}

async fn bulk_move(who: &common::Caller<'_>, key: &str, query: &str, body: Value) -> common::Reply {
    who.post(
        &format!("/rest/api/3/issue/{key}/worklog/move{query}"),
        &body,
    )
    .await
}

fn refused(what: &str, reply: &common::Reply, status: StatusCode) {
    assert_eq!(reply.status, status, "{what}: {}", reply.text);
    Contract::new().check_ref(what, "ErrorCollection", &reply.body);
}

#[tokio::test]
async fn a_bulk_delete_gives_the_time_back_as_single_deletes_do() {
    let (url, mut deliveries) = receiver().await;
    let sim = common::start_with(SimConfig {
        seed: Seed {
            webhooks: vec![AdminWebhook {
                name: String::from("worklogs"),
                url,
                events: vec![WebhookEvent::WorklogDeleted],
                jql_filter: Some(String::from("project = KILN")),
                secret: None,
            }],
            ..Seed::default()
        },
        ..SimConfig::default()
    })
    .await;
    let bob = caller(&sim, USER);
    let key = create(&bob, "KILN", Some("10h")).await;
    let a = log(&bob, &key, json!({ "timeSpent": "1h" })).await;
    let b = log(&bob, &key, json!({ "timeSpent": "2h" })).await;
    let c = log(&bob, &key, json!({ "timeSpent": "3h" })).await;
    assert_eq!(
        remaining_and_spent(&bob, &key).await,
        (Some(4 * HOUR), Some(6 * HOUR))
    );

    // `auto`: the time deleted goes back to the estimate; a repeated id counts once.
    let deleted = bulk_delete(&bob, &key, "", json!({ "ids": [a, b, a] })).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    assert_eq!(worklog_ids(&bob, &key).await, [c]);
    assert_eq!(
        remaining_and_spent(&bob, &key).await,
        (Some(7 * HOUR), Some(3 * HOUR))
    );
    // `worklog_deleted` for each, as `deleteWorklog` raises it.
    for id in [a, b] {
        let gone = next_delivery(&mut deliveries).await;
        assert_eq!(gone["webhookEvent"], "worklog_deleted");
        assert_eq!(gone["worklog"]["id"], id.to_string());
    }
    // A changelog entry for each deletion, with the worklog's id.
    let changelog = bob.get(&format!("/rest/api/3/issue/{key}/changelog")).await;
    let worklog_items = changelog.body["values"]
        .as_array()
        .expect("values")
        .iter()
        .flat_map(|e| e["items"].as_array().cloned().unwrap_or_default())
        .filter(|i| i["field"] == "WorklogTimeSpent")
        .count();
    assert_eq!(worklog_items, 2, "{}", changelog.text);

    // `leave` keeps the estimate.
    let left = bulk_delete(&bob, &key, "?adjustEstimate=leave", json!({ "ids": [c] })).await;
    assert_eq!(left.status, StatusCode::NO_CONTENT, "{}", left.text);
    assert_eq!(remaining_and_spent(&bob, &key).await.0, Some(7 * HOUR));
    sim.shutdown().await;
}

#[tokio::test]
async fn a_bulk_move_carries_worklogs_and_their_time_to_another_issue() {
    let sim = start().await;
    let bob = caller(&sim, USER);
    let from = create(&bob, "KILN", Some("10h")).await;
    let to = create(&bob, "KILN", Some("5h")).await;
    let a = log(&bob, &from, json!({ "timeSpent": "1h" })).await;
    let b = log(&bob, &from, json!({ "timeSpent": "2h" })).await;
    let kept = log(&bob, &from, json!({ "timeSpent": "30m" })).await;
    let there = log(&bob, &to, json!({ "timeSpent": "1h" })).await;
    let property = bob
        .put(
            &format!("/rest/api/3/issue/{from}/worklog/{a}/properties/billing"),
            &json!({ "code": "X" }),
        )
        .await;
    assert_eq!(property.status, StatusCode::CREATED, "{}", property.text);
    let history_before = bob
        .get(&format!("/rest/api/3/issue/{from}/changelog"))
        .await
        .body["total"]
        .clone();

    let moved = bulk_move(
        &bob,
        &from,
        "",
        json!({ "ids": [a, b], "issueIdOrKey": to }),
    )
    .await;
    assert_eq!(moved.status, StatusCode::NO_CONTENT, "{}", moved.text);
    assert_eq!(worklog_ids(&bob, &from).await, [kept]);
    let mut on_target = worklog_ids(&bob, &to).await;
    on_target.sort_unstable();
    let mut expected = vec![a, b, there];
    expected.sort_unstable();
    assert_eq!(on_target, expected);
    // Source: 10h - 3.5h logged, +3h given back; destination: 5h - 1h, -3h.
    assert_eq!(
        remaining_and_spent(&bob, &from).await,
        (Some(9 * HOUR + HOUR / 2), Some(HOUR / 2))
    );
    assert_eq!(
        remaining_and_spent(&bob, &to).await,
        (Some(HOUR), Some(4 * HOUR))
    );
    // The worklog, its id and properties, is read under its new issue only.
    let read = bob
        .get(&format!(
            "/rest/api/3/issue/{to}/worklog/{a}/properties/billing"
        ))
        .await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    let old = bob
        .get(&format!("/rest/api/3/issue/{from}/worklog/{a}"))
        .await;
    assert_eq!(old.status, StatusCode::NOT_FOUND);
    // No history, as the spec says.
    let history_after = bob
        .get(&format!("/rest/api/3/issue/{from}/changelog"))
        .await
        .body["total"]
        .clone();
    assert_eq!(history_before, history_after);

    // `leave` moves no estimate.
    let back = bulk_move(
        &bob,
        &to,
        "?adjustEstimate=LEAVE&overrideEditableFlag=true",
        json!({ "ids": [a], "issueIdOrKey": from }),
    )
    .await;
    assert_eq!(back.status, StatusCode::NO_CONTENT, "{}", back.text);
    assert_eq!(remaining_and_spent(&bob, &to).await.0, Some(HOUR));
    assert_eq!(
        remaining_and_spent(&bob, &from).await,
        (Some(9 * HOUR + HOUR / 2), Some(HOUR + HOUR / 2))
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn hostile_bulk_worklog_requests_are_refused_and_change_nothing() {
    let sim = start().await;
    let (alice, bob, carol) = (
        caller(&sim, ADMIN),
        caller(&sim, USER),
        caller(&sim, OUTSIDER),
    );
    let key = create(&bob, "KILN", None).await;
    let other = create(&bob, "KILN", None).await;
    let sec = create(&alice, "SEC", None).await;
    let mine = log(&bob, &key, json!({ "timeSpent": "1h" })).await;
    let elsewhere = log(&bob, &other, json!({ "timeSpent": "1h" })).await;
    let hidden = log(
        &alice,
        &key,
        json!({ "timeSpent": "1h", "visibility": { "type": "group", "value": "site-admins" } }),
    )
    .await;
    let to_role = log(
        &bob,
        &key,
        json!({ "timeSpent": "1h", "visibility": { "type": "role", "value": "Member" } }),
    )
    .await;
    let too_many: Vec<u64> = (1..=5_001).collect();

    for (what, query, body, status) in [
        ("no body ids", "", json!({}), StatusCode::BAD_REQUEST),
        ("no ids", "", json!({ "ids": [] }), StatusCode::BAD_REQUEST),
        (
            "too many",
            "",
            json!({ "ids": too_many }),
            StatusCode::BAD_REQUEST,
        ),
        (
            "strings",
            "",
            json!({ "ids": ["one"] }),
            StatusCode::BAD_REQUEST,
        ),
        (
            "negative",
            "",
            json!({ "ids": [-1] }),
            StatusCode::BAD_REQUEST,
        ),
        (
            "not a list",
            "",
            json!({ "ids": 5 }),
            StatusCode::BAD_REQUEST,
        ),
        (
            "new mode",
            "?adjustEstimate=new&newEstimate=1h",
            json!({ "ids": [mine] }),
            StatusCode::BAD_REQUEST,
        ),
        (
            "manual mode",
            "?adjustEstimate=manual",
            json!({ "ids": [mine] }),
            StatusCode::BAD_REQUEST,
        ),
        (
            "flag",
            "?overrideEditableFlag=maybe",
            json!({ "ids": [mine] }),
            StatusCode::BAD_REQUEST,
        ),
        (
            "another issue's",
            "",
            json!({ "ids": [mine, elsewhere] }),
            StatusCode::NOT_FOUND,
        ),
        (
            "hidden",
            "",
            json!({ "ids": [mine, hidden] }),
            StatusCode::NOT_FOUND,
        ),
        (
            "unknown",
            "",
            json!({ "ids": [mine, 99_999_999] }),
            StatusCode::NOT_FOUND,
        ),
    ] {
        refused(what, &bulk_delete(&bob, &key, query, body).await, status);
    }
    // Carol browses KILN but may not edit its worklogs; SEC is hidden from her.
    refused(
        "no permission",
        &bulk_delete(&carol, &key, "", json!({ "ids": [mine] })).await,
        StatusCode::BAD_REQUEST,
    );
    refused(
        "no issue",
        &bulk_delete(&carol, &sec, "", json!({ "ids": [mine] })).await,
        StatusCode::NOT_FOUND,
    );
    let many_missing: Vec<u64> = (1..=5_000).collect();
    let reply = bulk_delete(&bob, &key, "", json!({ "ids": many_missing })).await;
    refused("many missing", &reply, StatusCode::NOT_FOUND);
    assert!(
        reply.text.len() < 1_000,
        "the answer stays short: {}",
        reply.text
    );

    for (what, body, status) in [
        (
            "no destination",
            json!({ "ids": [mine] }),
            StatusCode::BAD_REQUEST,
        ),
        (
            "same issue",
            json!({ "ids": [mine], "issueIdOrKey": key }),
            StatusCode::BAD_REQUEST,
        ),
        (
            "unknown destination",
            json!({ "ids": [mine], "issueIdOrKey": "KILN-99999" }),
            StatusCode::NOT_FOUND,
        ),
        (
            "role restricted",
            json!({ "ids": [mine, to_role], "issueIdOrKey": other }),
            StatusCode::BAD_REQUEST,
        ),
        (
            "destination of a wrong type",
            json!({ "ids": [mine], "issueIdOrKey": 5 }),
            StatusCode::BAD_REQUEST,
        ),
        (
            "too many",
            json!({ "ids": too_many, "issueIdOrKey": other }),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        refused(what, &bulk_move(&bob, &key, "", body).await, status);
    }
    // Bob browses SEC but may not edit it; Carol does not see it.
    refused(
        "destination not editable",
        &bulk_move(
            &bob,
            &key,
            "",
            json!({ "ids": [mine], "issueIdOrKey": sec }),
        )
        .await,
        StatusCode::BAD_REQUEST,
    );

    // Nothing changed.
    let mut left = worklog_ids(&alice, &key).await;
    left.sort_unstable();
    assert_eq!(left, [mine, hidden, to_role]);
    assert_eq!(worklog_ids(&bob, &other).await, [elsewhere]);
    sim.shutdown().await;
}
