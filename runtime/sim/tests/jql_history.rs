//! JQL's history operators. `CHANGED`, `WAS`, `WAS IN`, `WAS NOT` and
//! `WAS NOT IN` on status, assignee, reporter, priority, resolution and
//! fixVersion are searched in the changelog the simulator records for every
//! write; on any other field they are Jira's 400.

use crate::common;
use crate::contract::Contract;

use common::{ADMIN, USER, account_id, caller, start};
use kiln_sim::SIMULATOR_HEADER;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn fix_version_history_is_searched_on_every_jql_route() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let project = alice.get("/rest/api/3/project/KILN").await;
    let project_id = project.body["id"].as_str().expect("KILN's id").to_owned();
    for name in ["9.8", "9.9"] {
        let made = alice
            .post(
                "/rest/api/3/version",
                &json!({ "name": name, "projectId": project_id }),
            )
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    }
    // KILN-1 is given 9.8, then 9.8 is replaced by 9.9 in one edit.
    for versions in [json!([{ "name": "9.8" }]), json!([{ "name": "9.9" }])] {
        let edited = alice
            .put(
                "/rest/api/3/issue/KILN-1",
                &json!({ "fields": { "fixVersions": versions } }),
            )
            .await;
        assert_eq!(edited.status, StatusCode::NO_CONTENT, "{}", edited.text);
    }
    let kiln1 = vec![String::from("KILN-1")];
    for jql in [
        "project = KILN AND fixVersion CHANGED",
        "project = KILN AND fixVersion WAS \"9.8\"",
        "project = KILN AND fixVersion WAS IN (\"9.8\", \"9.7\") AND fixVersion = \"9.9\"",
        "project = KILN AND fixVersion CHANGED FROM \"9.8\" BY currentUser() AFTER -1h",
        "project = KILN AND fixVersion CHANGED FROM EMPTY TO \"9.9\"",
        "project = KILN AND fixVersion WAS EMPTY AND fixVersion WAS \"9.9\"",
    ] {
        assert_eq!(found(&sim, ADMIN, jql).await, kiln1, "{jql}");
    }
    // Each version added or removed is a change of its own, as the changelog
    // logs it: no one change is from 9.8 to 9.9.
    assert!(
        found(&sim, ADMIN, "fixVersion CHANGED FROM \"9.8\" TO \"9.9\"")
            .await
            .is_empty()
    );
    let not_kiln1 = found(&sim, ADMIN, "project = KILN AND fixversion was not \"9.8\"").await;
    assert!(
        !not_kiln1.is_empty() && !not_kiln1.contains(&kiln1[0]),
        "{not_kiln1:?}"
    );
    // Every route that takes JQL reads it alike.
    let jql = "project = KILN AND fixVersion WAS \"9.8\"";
    let got = alice
        .get_with("/rest/api/3/search/jql", &[("jql", jql)])
        .await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.text);
    let counted = alice
        .post(
            "/rest/api/3/search/approximate-count",
            &json!({ "jql": jql }),
        )
        .await;
    assert_eq!(counted.status, StatusCode::OK, "{}", counted.text);
    assert_eq!(counted.body["count"], 1, "{}", counted.text);
    let board = alice
        .get_with("/rest/agile/1.0/board/1/issue", &[("jql", jql)])
        .await;
    assert_eq!(board.status, StatusCode::OK, "{}", board.text);
    let filter = alice
        .post(
            "/rest/api/3/filter",
            &json!({ "name": "History", "jql": jql }),
        )
        .await;
    assert_eq!(filter.status, StatusCode::OK, "{}", filter.text);

    // A query that is wrong is still Jira's 400, not the simulator's.
    let wrong = alice
        .post("/rest/api/3/search/jql", &json!({ "jql": "project KILN" }))
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST, "{}", wrong.text);
    assert!(wrong.headers.get(SIMULATOR_HEADER).is_none());
    sim.shutdown().await;
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
