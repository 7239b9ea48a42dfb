//! JQL's history operators (`WAS`, `WAS IN`, `WAS NOT`, `WAS NOT IN`,
//! `CHANGED`): Jira Cloud serves them from each issue's change history, which
//! the simulator does not search. Every route that takes JQL answers them with
//! the simulator's not-modelled 501, not with a syntax error that would send
//! the app's author to fix a valid query.

use crate::common;

use common::{ADMIN, Reply, caller, start};
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
        "project = KILN AND status WAS Done",
        "project = KILN AND status WAS IN (Done, \"To Do\")",
        "project = KILN AND status was not Done",
        "project = KILN AND status WAS NOT IN (Done)",
        "project = KILN AND assignee CHANGED",
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
