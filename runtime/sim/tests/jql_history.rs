//! JQL's history operators. `CHANGED`, `WAS`, `WAS IN`, `WAS NOT` and
//! `WAS NOT IN` on status, assignee, reporter, priority and resolution are
//! searched in the changelog the simulator records for every write; on
//! `fixVersion` they are not modelled: every route that takes JQL answers them
//! with the simulator's not-modelled 501, not with a syntax error that would
//! send the app's author to fix a valid query.

use crate::common;
use crate::contract::Contract;

use common::{ADMIN, Reply, USER, account_id, caller, start};
use kiln_sim::{NOT_MODELLED, SIMULATOR_HEADER};
use reqwest::StatusCode;
use serde_json::json;

fn assert_not_modelled(reply: &Reply, what: &str) {
    assert_eq!(
        reply.status,
        StatusCode::NOT_IMPLEMENTED,
        "{what}: {}",
        reply.text
    );
    assert_eq!(
        reply.headers.get(SIMULATOR_HEADER).map(|v| v.as_bytes()),
        Some(NOT_MODELLED.as_bytes()),
        "{what}"
    );
    let message = reply.body["errorMessages"][0].as_str().unwrap_or_default();
    assert!(
        message.contains("does not model JQL's WAS/CHANGED history operators")
            && message.contains("a real site serves them"),
        "{what}: {message}"
    );
}

#[tokio::test]
async fn history_operators_answer_not_modelled_on_every_jql_route() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    for jql in [
        "project = KILN AND fixVersion WAS \"1.0\"",
        "project = KILN AND fixVersion WAS IN (\"1.0\")",
        "project = KILN AND fixversion was not \"1.0\"",
        "project = KILN AND fixVersion WAS NOT IN (\"1.0\")",
        "project = KILN AND fixVersion CHANGED",
    ] {
        let got = alice
            .get_with("/rest/api/3/search/jql", &[("jql", jql)])
            .await;
        assert_not_modelled(&got, &format!("GET search/jql {jql}"));
        let posted = alice
            .post("/rest/api/3/search/jql", &json!({ "jql": jql }))
            .await;
        assert_not_modelled(&posted, &format!("POST search/jql {jql}"));
        let counted = alice
            .post(
                "/rest/api/3/search/approximate-count",
                &json!({ "jql": jql }),
            )
            .await;
        assert_not_modelled(&counted, &format!("approximate-count {jql}"));
        let board = alice
            .get_with("/rest/agile/1.0/board/1/issue", &[("jql", jql)])
            .await;
        assert_not_modelled(&board, &format!("board issues {jql}"));
        let filter = alice
            .post(
                "/rest/api/3/filter",
                &json!({ "name": "History", "jql": jql }),
            )
            .await;
        assert_not_modelled(&filter, &format!("filter {jql}"));
    }

    // A query that is wrong is still Jira's 400.
    let wrong = alice
        .post("/rest/api/3/search/jql", &json!({ "jql": "project KILN" }))
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST, "{}", wrong.text);
    assert!(wrong.headers.get(SIMULATOR_HEADER).is_none());
}

/// The keys a search as `who` finds for `jql`, checked to be a 200.
async fn found(sim: &kiln_sim::Simulator, who: &str, jql: &str) -> Vec<String> {
    let reply = caller(sim, who)
        .post(
            "/rest/api/3/search/jql",
            &json!({ "jql": jql, "fields": ["summary"] }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{jql}: {}", reply.text);
    reply.body["issues"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|issue| issue["key"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn changed_finds_the_changes_writes_made() {
    let sim = start().await;
    let bob = caller(&sim, USER);
    let alice_id = account_id(&sim, ADMIN);
    // Bob moves KILN-2 (In Progress) along its transition 31 and assigns it
    // to Alice; nothing else has a history yet.
    let moved = bob
        .post(
            "/rest/api/3/issue/KILN-2/transitions",
            &json!({ "transition": { "id": "31" } }),
        )
        .await;
    assert_eq!(moved.status, StatusCode::NO_CONTENT, "{}", moved.text);
    let assigned = bob
        .put(
            "/rest/api/3/issue/KILN-2/assignee",
            &json!({ "accountId": alice_id }),
        )
        .await;
    assert_eq!(assigned.status, StatusCode::NO_CONTENT, "{}", assigned.text);
    let log = bob.get("/rest/api/3/issue/KILN-2/changelog").await;
    let to_status = log.body["values"][0]["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|item| item["fieldId"] == "status")
        .and_then(|item| item["toString"].as_str())
        .expect("the transition's status item")
        .to_owned();

    let kiln2 = vec![String::from("KILN-2")];
    for jql in [
        String::from("status CHANGED"),
        String::from("project = KILN AND status changed FROM \"In Progress\" AFTER -1h"),
        format!(
            "status CHANGED TO \"{to_status}\" BY {}",
            account_id(&sim, USER)
        ),
        String::from("assignee CHANGED TO currentUser() DURING (startOfDay(), endOfDay())"),
        String::from("status CHANGED ON now()"),
        String::from("project = KILN AND status WAS \"In Progress\" AND status != \"In Progress\""),
        String::from(
            "key = KILN-2 AND assignee WAS \"Bob User\" BEFORE now() AND assignee WAS currentUser()",
        ),
    ] {
        assert_eq!(found(&sim, ADMIN, &jql).await, kiln2, "{jql}");
    }
    for jql in [
        "status CHANGED BEFORE -1h",
        "status CHANGED BY currentUser()",
        "status CHANGED TO \"In Progress\"",
        "priority CHANGED",
        "key = KILN-2 AND status WAS \"In Progress\" AFTER now()",
    ] {
        assert!(found(&sim, ADMIN, jql).await.is_empty(), "{jql}");
    }
    // A field whose history Jira does not search either is its 400.
    let summary = caller(&sim, ADMIN)
        .post(
            "/rest/api/3/search/jql",
            &json!({ "jql": "summary CHANGED" }),
        )
        .await;
    assert_eq!(summary.status, StatusCode::BAD_REQUEST, "{}", summary.text);
    sim.shutdown().await;
}

#[tokio::test]
async fn history_clauses_parse_into_the_specs_changed_and_was_clauses() {
    let sim = start().await;
    let contract = Contract::new();
    let query =
        "status CHANGED FROM \"To Do\" TO Done BY currentUser() DURING (\"2025/01/01\", now())";
    let reply = caller(&sim, ADMIN)
        .post("/rest/api/3/jql/parse", &json!({ "queries": [query] }))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    contract.check_parsed_jql("parse CHANGED", &reply.body);
    let clause = &reply.body["queries"][0]["structure"]["where"];
    assert_eq!(clause["operator"], "changed");
    assert_eq!(clause["field"]["name"], "status");
    let predicates: Vec<&str> = clause["predicates"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["operator"].as_str())
        .collect();
    assert_eq!(predicates, ["from", "to", "by", "during"]);
    assert_eq!(clause["predicates"][0]["operand"]["value"], "To Do");

    let was = "status WAS NOT IN (Done, \"To Do\") BEFORE -1w";
    let reply = caller(&sim, ADMIN)
        .post("/rest/api/3/jql/parse", &json!({ "queries": [was] }))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    contract.check_parsed_jql("parse WAS", &reply.body);
    let clause = &reply.body["queries"][0]["structure"]["where"];
    assert_eq!(clause["operator"], "was not in");
    assert_eq!(clause["operand"]["values"][1]["value"], "To Do");
    assert_eq!(clause["predicates"][0]["operator"], "before");
    sim.shutdown().await;
}
