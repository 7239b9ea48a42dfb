//! An issue's per-issue expansions: `transitions` and `editmeta` answer what
//! `getTransitions` and `getEditIssueMeta` answer the same caller, on `getIssue`, bulk
//! fetch and the enhanced search (which also gives each issue its `changelog`).

use crate::common;
use crate::contract::Contract;

use common::{ADMIN, OUTSIDER, caller, start};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn transitions_are_listed_for_whoever_may_perform_them() {
    let sim = start().await;
    let contract = Contract::new();
    let alice = caller(&sim, ADMIN);
    // Carol may browse KILN but not edit (nor transition) its issues.
    let carol = caller(&sim, OUTSIDER);

    let listed = alice.get("/rest/api/3/issue/KILN-1/transitions").await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    contract.check_ref("GET /transitions", "Transitions", &listed.body);
    let all = listed.body["transitions"].as_array().expect("transitions");
    assert_eq!(all.len(), 3, "{}", listed.text);

    // `transitionId` narrows the list; one that names nothing lists none (the spec's
    // "any empty transitions list").
    let second = all[1]["id"].as_str().expect("id");
    let one = alice
        .get_with(
            "/rest/api/3/issue/KILN-1/transitions",
            &[("transitionId", second)],
        )
        .await;
    assert_eq!(one.body["transitions"], json!([all[1]]));
    let none = alice
        .get_with(
            "/rest/api/3/issue/KILN-1/transitions",
            &[("transitionId", "999")],
        )
        .await;
    assert_eq!(none.status, StatusCode::OK);
    assert_eq!(none.body["transitions"], json!([]));

    // Without *Transition issues*, none (and performing one is refused, as before).
    let hers = carol.get("/rest/api/3/issue/KILN-1/transitions").await;
    assert_eq!(hers.status, StatusCode::OK, "{}", hers.text);
    assert_eq!(hers.body["transitions"], json!([]));
    let refused = carol
        .post(
            "/rest/api/3/issue/KILN-1/transitions",
            &json!({ "transition": { "id": second } }),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);

    // `expand=transitions` on the issue: the same list, for each caller.
    for (who, expected) in [(&alice, &listed.body), (&carol, &hers.body)] {
        let issue = who
            .get_with("/rest/api/3/issue/KILN-1", &[("expand", "transitions")])
            .await;
        assert_eq!(issue.status, StatusCode::OK, "{}", issue.text);
        contract.check_ref("GET /issue", "IssueBean", &issue.body);
        assert_eq!(issue.body["transitions"], expected["transitions"]);
    }
    // Not asked for, not there.
    let plain = alice.get("/rest/api/3/issue/KILN-1").await;
    assert!(plain.body.get("transitions").is_none());
    assert!(plain.body.get("editmeta").is_none());
}

#[tokio::test]
async fn editmeta_on_the_issue_is_the_edit_metadata() {
    let sim = start().await;
    let contract = Contract::new();
    for email in [ADMIN, OUTSIDER] {
        let who = caller(&sim, email);
        let meta = who.get("/rest/api/3/issue/KILN-2/editmeta").await;
        assert_eq!(meta.status, StatusCode::OK, "{}", meta.text);
        let issue = who
            .get_with("/rest/api/3/issue/KILN-2", &[("expand", "editmeta,names")])
            .await;
        contract.check_ref("GET /issue", "IssueBean", &issue.body);
        assert_eq!(issue.body["editmeta"], meta.body, "{email}");
        assert!(issue.body["names"].is_object());
        let fields = meta.body["fields"].as_object().expect("fields");
        // Alice may edit: summary among the fields; Carol may not: none.
        assert_eq!(fields.contains_key("summary"), email == ADMIN, "{email}");
        assert_eq!(fields.is_empty(), email == OUTSIDER, "{email}");
    }
}

#[tokio::test]
async fn search_and_bulk_fetch_expand_each_issue() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let edited = alice
        .put(
            "/rest/api/3/issue/KILN-1",
            &json!({ "fields": { "summary": "Expanded" } }),
        )
        .await;
    assert_eq!(edited.status, StatusCode::NO_CONTENT, "{}", edited.text);
    let transitions = alice.get("/rest/api/3/issue/KILN-1/transitions").await;
    let changelog = alice
        .get_with("/rest/api/3/issue/KILN-1", &[("expand", "changelog")])
        .await;
    assert_eq!(
        changelog.body["changelog"]["total"], 1,
        "{}",
        changelog.text
    );

    let searched = alice
        .post(
            "/rest/api/3/search/jql",
            &json!({
                "jql": "key = KILN-1", "fields": ["summary"],
                "expand": "changelog,transitions,names",
            }),
        )
        .await;
    assert_eq!(searched.status, StatusCode::OK, "{}", searched.text);
    let issue = &searched.body["issues"][0];
    assert_eq!(issue["transitions"], transitions.body["transitions"]);
    assert_eq!(issue["changelog"], changelog.body["changelog"]);
    assert!(issue.get("editmeta").is_none());
    // Names stay on the page, not on each issue.
    assert_eq!(searched.body["names"]["summary"], "Summary");
    assert!(issue.get("names").is_none());

    let bulk = alice
        .post(
            "/rest/api/3/issue/bulkfetch",
            &json!({
                "issueIdsOrKeys": ["KILN-1"], "fields": ["summary"],
                "expand": ["transitions"],
            }),
        )
        .await;
    assert_eq!(bulk.status, StatusCode::OK, "{}", bulk.text);
    assert_eq!(
        bulk.body["issues"][0]["transitions"],
        transitions.body["transitions"]
    );
    assert_eq!(bulk.body["issues"][0].get("changelog"), None::<&Value>);
}
