//! Jira expressions over Jira Software's `board` and `sprint` context
//! variables (`POST /rest/api/{2,3}/expression/evaluate`): their members, the
//! objects rendered as the agile API renders them, who may see them (the agile
//! API's rules: a hidden board or sprint is the same `404` as a missing one),
//! and hostile context values.

use crate::common;
use crate::contract::Contract;

use common::{ADMIN, OUTSIDER, USER, caller, start};
use kiln_sim::Simulator;
use reqwest::StatusCode;
use serde_json::{Value, json};

const EVALUATE: &str = "/rest/api/3/expression/evaluate";
const EVALUATE_V2: &str = "/rest/api/2/expression/evaluate";
const AGILE: &str = "/rest/agile/1.0";

async fn evaluate(sim: &Simulator, who: &str, body: &Value) -> common::Reply {
    caller(sim, who).post(EVALUATE, body).await
}

/// A sprint on `board` made by Alice, started when `start` says; its id.
async fn sprint(sim: &Simulator, board: u64, name: &str, start: bool) -> u64 {
    let alice = caller(sim, ADMIN);
    let made = alice
        .post(
            &format!("{AGILE}/sprint"),
            &json!({ "name": name, "originBoardId": board, "goal": "Ship it" }),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    let id = made.body["id"].as_u64().expect("a sprint id");
    if start {
        let started = alice
            .post(
                &format!("{AGILE}/sprint/{id}"),
                &json!({ "state": "active", "startDate": "2025-02-03T09:00:00.000+01:00",
                         "endDate": "2025-02-17T09:00:00.000Z" }),
            )
            .await;
        assert_eq!(started.status, StatusCode::OK, "{}", started.text);
    }
    id
}

#[tokio::test]
async fn a_sprint_in_context_has_its_members() {
    let sim = start().await;
    let contract = Contract::new();
    let id = sprint(&sim, 1, "Sprint 1", true).await;
    let body = json!({
        "expression": "{ id: sprint.id, state: sprint.state, name: sprint.name, goal: sprint.goal, \
                       start: sprint.startDate.toISOString(), end: sprint.endDate.getTime(), \
                       complete: sprint.completeDate, type: typeof sprint }",
        "context": { "sprint": id }
    });
    for path in [EVALUATE, EVALUATE_V2] {
        let reply = caller(&sim, USER).post(path, &body).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text);
        contract.check_expression_result(path, &reply.body);
        assert_eq!(
            reply.body["value"],
            json!({
                "id": id, "state": "active", "name": "Sprint 1", "goal": "Ship it",
                "start": "2025-02-03T08:00:00.000Z", "end": 1_739_782_800_000_u64,
                "complete": null, "type": "Sprint",
            })
        );
    }
    // The sprint itself is rendered as `GET /sprint/{id}` answers it.
    let whole = evaluate(
        &sim,
        USER,
        &json!({ "expression": "sprint", "context": { "sprint": id } }),
    )
    .await;
    assert_eq!(whole.status, StatusCode::OK, "{}", whole.text);
    let read = caller(&sim, USER)
        .get(&format!("{AGILE}/sprint/{id}"))
        .await;
    assert_eq!(whole.body["value"], read.body);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_board_in_context_has_its_members() {
    let sim = start().await;
    let active = sprint(&sim, 1, "Active", true).await;
    sprint(&sim, 1, "Future", false).await;
    let body = json!({
        "expression": "{ id: board.id, admin: board.canAdminister, \
                       active: board.activeSprints.map(s => s.name), type: typeof board }",
        "context": { "board": 1 }
    });
    let alice = evaluate(&sim, ADMIN, &body).await;
    assert_eq!(alice.status, StatusCode::OK, "{}", alice.text);
    assert_eq!(
        alice.body["value"],
        // The default site's active sprint, then the one started here.
        json!({ "id": 1, "admin": true, "active": ["KILN Sprint 1", "Active"], "type": "Board" })
    );
    // Bob sees the board but does not administer it.
    let bob = evaluate(&sim, USER, &body).await;
    assert_eq!(bob.body["value"]["admin"], false, "{}", bob.text);
    // The board is rendered as `GET /board/{id}` answers it, its sprints as
    // `GET /sprint/{id}`; loading the sprints is one expensive operation.
    let both = caller(&sim, USER)
        .post(
            &format!("{EVALUATE}?expand=meta.complexity"),
            &json!({
                // `[1]`: after the default site's active sprint.
                "expression": "[board, board.activeSprints[1], board.activeSprints.length]",
                "context": { "board": 1, "sprint": active }
            }),
        )
        .await;
    assert_eq!(both.status, StatusCode::OK, "{}", both.text);
    Contract::new().check_expression_result("board", &both.body);
    let board = caller(&sim, USER).get(&format!("{AGILE}/board/1")).await;
    let read = caller(&sim, USER)
        .get(&format!("{AGILE}/sprint/{active}"))
        .await;
    assert_eq!(both.body["value"], json!([board.body, read.body, 2]));
    assert_eq!(
        both.body["meta"]["complexity"]["expensiveOperations"]["value"],
        1
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_hidden_board_or_sprint_is_indistinguishable_from_a_missing_one() {
    let sim = start().await;
    // Board 2 is SEC's, which Carol may not browse; so is a sprint on it.
    let hidden_sprint = sprint(&sim, 2, "Secret", false).await;
    for (name, hidden, missing) in [("board", 2, 999), ("sprint", hidden_sprint, 999)] {
        let expression = format!("{name}.id");
        let refused = evaluate(
            &sim,
            OUTSIDER,
            &json!({ "expression": expression, "context": { name: hidden } }),
        )
        .await;
        let absent = evaluate(
            &sim,
            OUTSIDER,
            &json!({ "expression": expression, "context": { name: missing } }),
        )
        .await;
        assert_eq!(
            refused.status,
            StatusCode::NOT_FOUND,
            "{name}: {}",
            refused.text
        );
        assert_eq!(
            absent.status,
            StatusCode::NOT_FOUND,
            "{name}: {}",
            absent.text
        );
        // One answer for both, but for the id it repeats.
        assert_eq!(
            refused.text.replace(&hidden.to_string(), "N"),
            absent.text.replace("999", "N"),
            "{name}"
        );
        Contract::new().check_ref(name, "ErrorCollection", &refused.body);
        // Who may see it evaluates it.
        let seen = evaluate(
            &sim,
            USER,
            &json!({ "expression": expression, "context": { name: hidden } }),
        )
        .await;
        assert_eq!(seen.status, StatusCode::OK, "{name}: {}", seen.text);
        assert_eq!(seen.body["value"], hidden);
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn hostile_context_values_are_refused_without_evaluating() {
    let sim = start().await;
    for (context, status) in [
        (json!({ "board": "1" }), StatusCode::BAD_REQUEST),
        (json!({ "board": { "id": 1 } }), StatusCode::BAD_REQUEST),
        (json!({ "board": 1.5 }), StatusCode::BAD_REQUEST),
        (json!({ "board": [1] }), StatusCode::BAD_REQUEST),
        (json!({ "sprint": true }), StatusCode::BAD_REQUEST),
        (
            json!({ "sprint": 18_446_744_073_709_551_615_u64 }),
            StatusCode::BAD_REQUEST,
        ),
        (json!({ "board": -1 }), StatusCode::NOT_FOUND),
        (json!({ "sprint": i64::MIN }), StatusCode::NOT_FOUND),
        (json!({ "board": 0 }), StatusCode::NOT_FOUND),
    ] {
        let reply = evaluate(
            &sim,
            ADMIN,
            &json!({ "expression": "1", "context": context }),
        )
        .await;
        assert_eq!(reply.status, status, "{context}: {}", reply.text);
        Contract::new().check_ref("refusal", "ErrorCollection", &reply.body);
    }
    // A null is no context variable, as for the others.
    let null = evaluate(
        &sim,
        ADMIN,
        &json!({ "expression": "board == null && sprint == null",
                 "context": { "board": null, "sprint": null } }),
    )
    .await;
    assert_eq!(null.status, StatusCode::OK, "{}", null.text);
    assert_eq!(null.body["value"], true);
    sim.shutdown().await;
}

#[tokio::test]
async fn unknown_and_unmodelled_members_are_told_apart() {
    let sim = start().await;
    let id = sprint(&sim, 1, "S", false).await;
    let unknown = evaluate(
        &sim,
        ADMIN,
        &json!({ "expression": "sprint.colour", "context": { "sprint": id } }),
    )
    .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST, "{}", unknown.text);
    assert!(unknown.text.contains("Sprint"), "{}", unknown.text);
    for (expression, context) in [
        ("sprint.properties", json!({ "sprint": id })),
        ("board.properties", json!({ "board": 1 })),
    ] {
        let reply = evaluate(
            &sim,
            ADMIN,
            &json!({ "expression": expression, "context": context }),
        )
        .await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_IMPLEMENTED,
            "{expression}: {}",
            reply.text
        );
    }
    // A future sprint has no dates yet.
    let dates = evaluate(
        &sim,
        ADMIN,
        &json!({ "expression": "[sprint.startDate, sprint.endDate, sprint.state]",
                 "context": { "sprint": id } }),
    )
    .await;
    assert_eq!(
        dates.body["value"],
        json!([null, null, "future"]),
        "{}",
        dates.text
    );
    sim.shutdown().await;
}
