//! `GET /rest/api/3/project/recent` (`getRecent`): the projects the caller
//! viewed (`getProject`), most recent first, each once, at most 20, only those
//! they may still browse, with `expand` and `properties`; each user's own.

use crate::common;
use crate::contract::Contract;

use common::{ADMIN, OUTSIDER, USER, caller, start};
use reqwest::StatusCode;
use serde_json::{Value, json};

const RECENT: &str = "/rest/api/3/project/recent";

/// The keys `getRecent` lists for `who` with `query`, each checked as a `Project`.
async fn recent(
    contract: &Contract,
    who: &common::Caller<'_>,
    query: &str,
) -> (Vec<String>, Value) {
    let reply = who.get(&format!("{RECENT}{query}")).await;
    assert_eq!(reply.status, StatusCode::OK, "{query}: {}", reply.text);
    let projects = reply.body.as_array().expect("a list").clone();
    for project in &projects {
        // The spec's `Project` has no `projectKeys`, which Jira answers.
        let mut conforming = project.clone();
        if let Some(object) = conforming.as_object_mut() {
            object.remove("projectKeys");
        }
        contract.check_ref("GET /project/recent", "Project", &conforming);
    }
    let keys = projects
        .iter()
        .map(|p| p["key"].as_str().expect("a key").to_owned())
        .collect();
    (keys, reply.body)
}

#[tokio::test]
async fn recent_projects_are_the_callers_views_most_recent_first() {
    let sim = start().await;
    let contract = Contract::new();
    let (alice, bob, carol) = (
        caller(&sim, ADMIN),
        caller(&sim, USER),
        caller(&sim, OUTSIDER),
    );
    assert_eq!(recent(&contract, &bob, "").await.0, Vec::<String>::new());

    for path in ["KILN", "SEC", "10000"] {
        let read = bob.get(&format!("/rest/api/3/project/{path}")).await;
        assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    }
    // KILN read again (by id) moves to the front, once.
    assert_eq!(recent(&contract, &bob, "").await.0, ["KILN", "SEC"]);
    // Each user's own: Alice viewed nothing; a project Carol cannot browse is
    // not viewed by trying.
    assert_eq!(recent(&contract, &alice, "").await.0, Vec::<String>::new());
    let hidden = carol.get("/rest/api/3/project/SEC").await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    assert_eq!(recent(&contract, &carol, "").await.0, Vec::<String>::new());

    // `expand` and `properties`, as `searchProjects` renders them.
    let set = alice
        .put("/rest/api/3/project/KILN/properties/colour", &json!("blue"))
        .await;
    assert!(set.status.is_success(), "{}", set.text);
    let (_, expanded) = recent(&contract, &bob, "?expand=*&properties=colour").await;
    let kiln = &expanded[0];
    assert_eq!(kiln["properties"], json!({ "colour": "blue" }));
    assert!(kiln["lead"].is_object() && kiln["issueTypes"].is_array());
    assert!(kiln["insight"]["totalIssueCount"].is_u64());
    let (_, plain) = recent(&contract, &bob, "?expand=url,permissions,nonsense").await;
    assert!(plain[0].get("lead").is_none());
    assert_eq!(plain[0]["properties"], json!({}));

    // A project no longer browsable, or deleted, drops out.
    let created = alice
        .post(
            "/rest/api/3/project",
            &json!({
                "key": "TMP", "name": "Temporary", "leadAccountId": common::account_id(&sim, ADMIN),
                "projectTypeKey": "software",
            }),
        )
        .await;
    assert!(created.status.is_success(), "{}", created.text);
    let read = alice.get("/rest/api/3/project/TMP").await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    assert_eq!(recent(&contract, &alice, "").await.0, ["TMP"]);
    let deleted = alice.delete("/rest/api/3/project/TMP").await;
    assert!(deleted.status.is_success(), "{}", deleted.text);
    assert_eq!(recent(&contract, &alice, "").await.0, Vec::<String>::new());
    sim.shutdown().await;
}
