//! Jira Software's webhooks on the agile API's writes: `sprint_created`,
//! `sprint_updated` (with `oldValue`), `sprint_started`, `sprint_closed`,
//! `sprint_deleted`, `board_created` and `board_deleted`, each body as Jira
//! Cloud sends it (`timestamp`, `webhookEvent` and the entity alone), delivered
//! to the admin webhooks that list them whatever their JQL filter, never to
//! an admin webhook that lists only issue events, and refused to dynamic
//! webhooks at registration.

use crate::common;

use common::hook_receiver::{
    admin_hook as hook, assert_dynamic_refuses, next_delivery, nothing_more, receiver,
    start_with_hooks as start,
};
use common::{ADMIN, caller};
use kiln_sim::WebhookEvent;
use reqwest::StatusCode;
use serde_json::{Map, Value, json};
use tokio::sync::mpsc;

const AGILE: &str = "/rest/agile/1.0";

const AGILE_EVENTS: [WebhookEvent; 7] = [
    WebhookEvent::SprintCreated,
    WebhookEvent::SprintUpdated,
    WebhookEvent::SprintStarted,
    WebhookEvent::SprintClosed,
    WebhookEvent::SprintDeleted,
    WebhookEvent::BoardCreated,
    WebhookEvent::BoardDeleted,
];

/// The body's keys, sorted.
fn keys(body: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = body
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

/// The sprint as the agile API answers it, as its webhooks carry it: without
/// `createdDate`.
fn as_delivered(sprint: &Value) -> Value {
    let mut object: Map<String, Value> = sprint.as_object().expect("a sprint").clone();
    assert!(object.remove("createdDate").is_some(), "{sprint}");
    Value::Object(object)
}

/// The next delivery, which must be `event` with the entity `entity` alone.
async fn expect(rx: &mut mpsc::UnboundedReceiver<Value>, event: &str, entity: &str) -> Value {
    let got = next_delivery(rx).await;
    assert_eq!(got["webhookEvent"], event, "{got}");
    assert!(got["timestamp"].is_i64(), "{got}");
    let mut expected = vec![entity, "timestamp", "webhookEvent"];
    if event == "sprint_updated" {
        expected.push("oldValue");
    }
    expected.sort_unstable();
    assert_eq!(keys(&got), expected, "{got}");
    got
}

#[tokio::test]
async fn sprint_writes_raise_jira_softwares_sprint_webhooks() {
    let (agile_url, mut agile) = receiver().await;
    let (issues_url, mut issues) = receiver().await;
    // The JQL filter names a project the sprint has nothing to do with: it
    // selects issues, and a sprint event is about none.
    let sim = start(vec![
        hook(&agile_url, &AGILE_EVENTS, Some("project = SEC")),
        hook(&issues_url, &WebhookEvent::DYNAMIC, None),
    ])
    .await;
    let alice = caller(&sim, ADMIN);

    // Created: the new, future sprint.
    let made = alice
        .post(
            &format!("{AGILE}/sprint"),
            &json!({ "name": "Sprint 1", "originBoardId": 1, "goal": "ship" }),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    let id = made.body["id"].as_u64().expect("id");
    let path = format!("{AGILE}/sprint/{id}");
    let created = expect(&mut agile, "sprint_created", "sprint").await;
    assert_eq!(created["sprint"], as_delivered(&made.body));
    assert_eq!(
        created["sprint"],
        json!({
            "id": id,
            "self": format!("{}{path}", sim.base_url()),
            "state": "future",
            "name": "Sprint 1",
            "originBoardId": 1,
            "goal": "ship",
        })
    );

    // Updated: the sprint after, and before as `oldValue`.
    let renamed = alice.post(&path, &json!({ "goal": "ship it" })).await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);
    let updated = expect(&mut agile, "sprint_updated", "sprint").await;
    assert_eq!(updated["sprint"], as_delivered(&renamed.body));
    assert_eq!(updated["oldValue"], created["sprint"]);

    // A write that changes nothing raises nothing; a refused one neither.
    let same = alice.post(&path, &json!({ "goal": "ship it" })).await;
    assert_eq!(same.status, StatusCode::OK, "{}", same.text);
    let refused = alice.post(&path, &json!({ "state": "active" })).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    nothing_more(&mut agile).await;

    // Started: `sprint_updated`, then `sprint_started` with the active sprint.
    let started = alice
        .post(
            &path,
            &json!({
                "state": "active",
                "startDate": "2025-02-03T09:00:00.000+01:00",
                "endDate": "2025-02-17T09:00:00.000Z",
            }),
        )
        .await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.text);
    let updated = expect(&mut agile, "sprint_updated", "sprint").await;
    assert_eq!(updated["oldValue"], as_delivered(&renamed.body));
    assert_eq!(updated["sprint"]["state"], "active");
    let got = expect(&mut agile, "sprint_started", "sprint").await;
    assert_eq!(got["sprint"], as_delivered(&started.body));
    assert_eq!(got["sprint"]["startDate"], "2025-02-03T08:00:00.000Z");
    assert_eq!(got["sprint"]["endDate"], "2025-02-17T09:00:00.000Z");
    assert!(got["sprint"].get("completeDate").is_none(), "{got}");

    // Closed: `sprint_updated`, then `sprint_closed` with its completeDate.
    let closed = alice.post(&path, &json!({ "state": "closed" })).await;
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.text);
    let updated = expect(&mut agile, "sprint_updated", "sprint").await;
    assert_eq!(updated["oldValue"]["state"], "active");
    let got = expect(&mut agile, "sprint_closed", "sprint").await;
    assert_eq!(got["sprint"], as_delivered(&closed.body));
    assert_eq!(got["sprint"]["state"], "closed");
    assert!(got["sprint"]["completeDate"].is_string(), "{got}");

    // Deleted: the sprint as it was.
    let deleted = alice.delete(&path).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    let got = expect(&mut agile, "sprint_deleted", "sprint").await;
    assert_eq!(got["sprint"], as_delivered(&closed.body));

    // A full update (PUT) raises the same as a partial one.
    let second = alice
        .post(
            &format!("{AGILE}/sprint"),
            &json!({ "name": "Sprint 2", "originBoardId": 1 }),
        )
        .await;
    let second_id = second.body["id"].as_u64().expect("id");
    expect(&mut agile, "sprint_created", "sprint").await;
    let put = alice
        .put(
            &format!("{AGILE}/sprint/{second_id}"),
            &json!({ "name": "Sprint 2b" }),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.text);
    let updated = expect(&mut agile, "sprint_updated", "sprint").await;
    assert_eq!(updated["sprint"]["name"], "Sprint 2b");
    assert_eq!(updated["oldValue"]["name"], "Sprint 2");
    assert_eq!(updated["sprint"]["goal"], "");

    nothing_more(&mut agile).await;
    // Only issue events were asked for here: no agile event arrives.
    nothing_more(&mut issues).await;
    sim.shutdown().await;
}

#[tokio::test]
async fn board_writes_raise_board_created_and_board_deleted() {
    let (agile_url, mut agile) = receiver().await;
    let (started_url, mut started_only) = receiver().await;
    let sim = start(vec![
        hook(&agile_url, &AGILE_EVENTS, None),
        hook(&started_url, &[WebhookEvent::SprintStarted], None),
    ])
    .await;
    let alice = caller(&sim, ADMIN);
    let filter = alice
        .post(
            "/rest/api/3/filter",
            &json!({ "name": "Bugs", "jql": "issuetype = Bug" }),
        )
        .await;
    assert_eq!(filter.status, StatusCode::OK, "{}", filter.text);
    let filter_id: u64 = filter.str_at("/id").parse().expect("numeric id");

    let made = alice
        .post(
            &format!("{AGILE}/board"),
            &json!({
                "name": "Bug board", "type": "kanban", "filterId": filter_id,
                "location": { "type": "project", "projectKeyOrId": "KILN" },
            }),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    let id = made.body["id"].as_u64().expect("id");
    let board = json!({
        "id": id,
        "self": format!("{}{AGILE}/board/{id}", sim.base_url()),
        "name": "Bug board",
        "type": "kanban",
    });
    let created = expect(&mut agile, "board_created", "board").await;
    assert_eq!(created["board"], board);

    // A refused create raises nothing.
    let refused = alice
        .post(
            &format!("{AGILE}/board"),
            &json!({ "name": "No filter", "type": "scrum" }),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);

    let deleted = alice.delete(&format!("{AGILE}/board/{id}")).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    let got = expect(&mut agile, "board_deleted", "board").await;
    assert_eq!(got["board"], board);

    nothing_more(&mut agile).await;
    // An admin webhook gets only the events it lists.
    nothing_more(&mut started_only).await;
    sim.shutdown().await;
}

#[tokio::test]
async fn dynamic_webhooks_cannot_subscribe_to_agile_events() {
    assert_dynamic_refuses(&AGILE_EVENTS).await;
}
