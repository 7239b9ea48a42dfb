//! `POST /jql/parse` (`parseJqlQueries`): the structure of each query, its problems
//! by validation mode, on the site, under REST API v2 and through the gateway.

use crate::common;
use crate::contract::Contract;

use common::{ADMIN, OUTSIDER, caller, client, send, start};
use reqwest::StatusCode;
use serde_json::{Value, json};

const PARSE: &str = "/rest/api/3/jql/parse";

async fn parse(sim: &kiln_sim::Simulator, who: &str, path: &str, queries: &[&str]) -> Value {
    let reply = caller(sim, who)
        .post(path, &json!({ "queries": queries }))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text);
    reply.body
}

#[tokio::test]
async fn strict_validation_answers_as_the_specs_example() {
    let sim = start().await;
    let contract = Contract::new();
    let queries = [
        "summary ~ test AND (labels in (urgent, blocker) OR assignee = currentUser()) ORDER BY updated DESC",
        "invalid query",
        "summary = test",
        "project = INVALID",
        "universe = 42",
    ];
    for path in [PARSE, "/rest/api/2/jql/parse"] {
        let body = parse(&sim, ADMIN, path, &queries).await;
        contract.check_parsed_jql(path, &body);
        let parsed = body["queries"].as_array().expect("queries");
        assert_eq!(parsed.len(), queries.len());
        for (answer, query) in parsed.iter().zip(queries) {
            assert_eq!(answer["query"], query);
        }
        let first = &parsed[0];
        assert_eq!(first.get("errors"), None, "{first}");
        assert_eq!(first["structure"]["where"]["operator"], "and");
        assert_eq!(
            first["structure"]["where"]["clauses"][1]["clauses"][0]["operand"]["encodedOperand"],
            "(urgent, blocker)"
        );
        assert_eq!(
            first["structure"]["orderBy"]["fields"][0],
            json!({ "field": { "name": "updated", "encodedName": "updated" }, "direction": "desc" })
        );
        // The spec's own words for each problem; with one, strict gives no structure.
        assert_eq!(
            parsed[1],
            json!({
                "query": "invalid query",
                "errors": ["Error in the JQL Query: Expecting operator but got 'query'. The valid operators are '=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN', 'NOT IN', 'IS' and 'IS NOT'. (line 1, character 9)"]
            })
        );
        assert_eq!(
            parsed[2],
            json!({
                "query": "summary = test",
                "errors": ["The operator '=' is not supported by the 'summary' field."]
            })
        );
        assert_eq!(
            parsed[3],
            json!({
                "query": "project = INVALID",
                "warnings": ["The value 'INVALID' does not exist for the field 'project'."]
            })
        );
        assert_eq!(
            parsed[4],
            json!({
                "query": "universe = 42",
                "errors": ["Field 'universe' does not exist or you do not have permission to view it."]
            })
        );
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn warn_keeps_the_structure_and_none_resolves_nothing() {
    let sim = start().await;
    let contract = Contract::new();
    let queries = [
        "project = INVALID",
        "universe = 42",
        "project = KILN",
        "status =",
    ];
    let warn = caller(&sim, ADMIN)
        .post(
            &format!("{PARSE}?validation=warn"),
            &json!({ "queries": queries }),
        )
        .await;
    assert_eq!(warn.status, StatusCode::OK, "{}", warn.text);
    contract.check_parsed_jql("warn", &warn.body);
    let warned = &warn.body["queries"];
    assert_eq!(
        warned[0]["warnings"],
        json!(["The value 'INVALID' does not exist for the field 'project'."])
    );
    assert_eq!(
        warned[0]["structure"]["where"]["operand"],
        json!({ "value": "INVALID", "encodedValue": "INVALID" })
    );
    assert!(warned[1]["errors"].is_array(), "{}", warned[1]);
    assert_eq!(warned[1]["structure"]["where"]["field"]["name"], "universe");
    assert_eq!(warned[2].get("errors"), None);
    assert_eq!(warned[2].get("warnings"), None);
    // Not well formed: no structure in any mode.
    assert_eq!(warned[3].get("structure"), None);
    assert!(
        warned[3]["errors"][0]
            .as_str()
            .is_some_and(|e| e.starts_with("Error in the JQL Query"))
    );

    let none = caller(&sim, ADMIN)
        .post(
            &format!("{PARSE}?validation=none"),
            &json!({ "queries": queries }),
        )
        .await;
    assert_eq!(none.status, StatusCode::OK, "{}", none.text);
    contract.check_parsed_jql("none", &none.body);
    for answer in &none.body["queries"].as_array().expect("queries")[..3] {
        assert!(answer["structure"]["where"].is_object(), "{answer}");
        assert_eq!(answer.get("errors"), None, "{answer}");
        assert_eq!(answer.get("warnings"), None, "{answer}");
    }
    assert!(none.body["queries"][3]["errors"].is_array());
    sim.shutdown().await;
}

/// Validation is in the caller's context: a project the caller cannot browse does
/// not exist for them, as in the searches.
#[tokio::test]
async fn validation_sees_what_the_caller_sees() {
    let sim = start().await;
    let admin = parse(&sim, ADMIN, PARSE, &["project = SEC"]).await;
    assert!(admin["queries"][0]["structure"].is_object(), "{admin}");
    let outsider = parse(&sim, OUTSIDER, PARSE, &["project = SEC"]).await;
    assert_eq!(
        outsider["queries"][0],
        json!({
            "query": "project = SEC",
            "warnings": ["The value 'SEC' does not exist for the field 'project'."]
        })
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn bad_requests_are_refused_and_history_is_not_modelled() {
    let sim = start().await;
    let admin = caller(&sim, ADMIN);
    let too_many: Vec<String> = (0..=100).map(|i| format!("key = KILN-{i}")).collect();
    for body in [
        json!({}),
        json!({ "queries": [] }),
        json!({ "queries": "project = KILN" }),
        json!({ "queries": [1] }),
        json!({ "queries": [""] }),
        json!({ "queries": too_many }),
        json!(["project = KILN"]),
    ] {
        let reply = admin.post(PARSE, &body).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            reply.text
        );
        assert!(reply.body["errorMessages"].is_array(), "{}", reply.text);
    }
    let bad_mode = admin
        .post(
            &format!("{PARSE}?validation=lenient"),
            &json!({ "queries": ["project = KILN"] }),
        )
        .await;
    assert_eq!(
        bad_mode.status,
        StatusCode::BAD_REQUEST,
        "{}",
        bad_mode.text
    );
    // History operators on fixVersion parse into the spec's WAS clause.
    let history = admin
        .post(
            PARSE,
            &json!({ "queries": ["project = KILN", "fixVersion WAS \"1.0\""] }),
        )
        .await;
    assert_eq!(history.status, StatusCode::OK, "{}", history.text);
    assert_eq!(
        history.body["queries"][1]["structure"]["where"]["operator"], "was",
        "{}",
        history.text
    );
    // A hostile query: deep nesting and an unterminated string are errors, not failures.
    let deep = format!("{}project = KILN{}", "(".repeat(200), ")".repeat(200));
    let body = parse(&sim, ADMIN, PARSE, &[&deep, "summary ~ \"open", "abé = 1"]).await;
    for answer in body["queries"].as_array().expect("queries") {
        assert!(answer["errors"].is_array(), "{answer}");
        assert_eq!(answer.get("structure"), None);
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn the_gateway_asks_for_a_jql_read_scope() {
    let sim = start().await;
    let url = format!("{}/ex/jira/{}{PARSE}", sim.base_url(), sim.cloud_id());
    let body = json!({ "queries": ["project = KILN"] });
    for (scope, expected) in [
        ("read:jira-work", StatusCode::OK),
        (
            "read:field:jira validate:jql:jira read:jql:jira",
            StatusCode::OK,
        ),
        ("validate:jql:jira", StatusCode::UNAUTHORIZED),
        ("write:jira-work", StatusCode::UNAUTHORIZED),
    ] {
        let token = common::oauth::access_token(&sim, scope).await;
        let reply = send(client().post(&url).bearer_auth(&token).json(&body)).await;
        assert_eq!(reply.status, expected, "{scope}: {}", reply.text);
    }
    sim.shutdown().await;
}
