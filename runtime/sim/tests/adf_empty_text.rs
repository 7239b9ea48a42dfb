//! A document with an empty `text` node: ADF gives `text` at least one
//! character, and Jira refuses such a description, comment body or rich-text
//! (textarea) custom field value with a bare 400 `INVALID_INPUT`, storing
//! nothing (Jira Hook Ninja writes `description || ""` into a paragraph), on
//! create, edit and bulk create.

use crate::common;
use crate::contract::Contract;

use common::{ADMIN, caller, start, start_with};
use kiln_sim::{Seed, SeedCustomField, SimConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn doc(text: &str) -> Value {
    json!({
        "type": "doc", "version": 1,
        "content": [{ "type": "paragraph", "content": [{ "type": "text", "text": text }] }],
    })
}

#[tokio::test]
async fn an_empty_text_node_is_invalid_input_and_nothing_is_stored() {
    let sim = start().await;
    let contract = Contract::new();
    let alice = caller(&sim, ADMIN);
    let search = "/rest/api/3/search/jql?jql=project%3DKILN&maxResults=100";
    let before = alice.get(search).await.body["issues"]
        .as_array()
        .map(Vec::len);

    let refused = alice
        .post(
            "/rest/api/3/issue",
            &json!({ "fields": {
                "project": { "key": "KILN" }, "issuetype": { "name": "Bug" },
                "summary": "From a web trigger", "description": doc(""),
            } }),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    contract.check_ref("400", "ErrorCollection", &refused.body);
    assert_eq!(
        refused.body,
        json!({ "errorMessages": ["INVALID_INPUT"], "errors": {} })
    );
    let after = alice.get(search).await.body["issues"]
        .as_array()
        .map(Vec::len);
    assert_eq!(after, before, "no issue was created");

    let comments = "/rest/api/3/issue/KILN-1/comment";
    let total = alice.get(comments).await.body["total"].clone();
    let refused = alice.post(comments, &json!({ "body": doc("") })).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    assert_eq!(refused.body["errorMessages"], json!(["INVALID_INPUT"]));
    assert_eq!(alice.get(comments).await.body["total"], total);

    // The same document with text is taken.
    let created = alice
        .post(comments, &json!({ "body": doc("Printer on fire") }))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
}

/// The bare answer Jira gives a document it cannot read.
fn invalid_input() -> Value {
    json!({ "errorMessages": ["INVALID_INPUT"], "errors": {} })
}

/// A document whose empty text node sits deep in a list.
fn nested_empty() -> Value {
    json!({
        "type": "doc", "version": 1,
        "content": [{ "type": "bulletList", "content": [{ "type": "listItem", "content": [
            { "type": "paragraph", "content": [
                { "type": "text", "text": "fine" }, { "type": "text", "text": "" },
            ] },
        ] }] }],
    })
}

#[tokio::test]
async fn a_textarea_custom_field_refuses_an_empty_text_node_everywhere_it_is_written() {
    // Notes: the site's one custom field, a textarea (`customfield_10000`),
    // seeded on the Default Screen.
    let sim = start_with(SimConfig {
        seed: Seed {
            custom_fields: vec![SeedCustomField {
                id: None,
                name: String::from("Notes"),
                description: None,
                kind: String::from("textarea"),
                searcher_key: None,
                options: Vec::new(),
            }],
            ..Seed::default()
        },
        ..SimConfig::default()
    })
    .await;
    let contract = Contract::new();
    let alice = caller(&sim, ADMIN);
    const NOTES: &str = "customfield_10000";
    let search = "/rest/api/3/search/jql?jql=project%3DKILN&maxResults=100";
    let count = || async {
        alice.get(search).await.body["issues"]
            .as_array()
            .map(Vec::len)
    };
    let before = count().await;
    let fields = |notes: Value| {
        json!({
            "project": { "key": "KILN" }, "issuetype": { "name": "Task" },
            "summary": "Noted", NOTES: notes,
        })
    };

    // Create, through `fields` and through `update`.
    for body in [
        json!({ "fields": fields(doc("")) }),
        json!({ "fields": fields(nested_empty()) }),
        json!({
            "fields": { "project": { "key": "KILN" }, "issuetype": { "name": "Task" }, "summary": "Noted" },
            "update": { NOTES: [{ "set": doc("") }] },
        }),
    ] {
        let refused = alice.post("/rest/api/3/issue", &body).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
        contract.check_ref("400", "ErrorCollection", &refused.body);
        assert_eq!(refused.body, invalid_input(), "{body}");
    }
    assert_eq!(count().await, before, "no issue was created");

    // Edit: refused, the value kept. (A transition's `fields` write only a
    // resolution: docs/simulator.md.)
    let created = alice
        .post(
            "/rest/api/3/issue",
            &json!({ "fields": fields(doc("kept")) }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let key = created.str_at("/key");
    let issue = format!("/rest/api/3/issue/{key}");
    for body in [
        json!({ "fields": { NOTES: doc("") } }),
        json!({ "update": { NOTES: [{ "set": nested_empty() }] } }),
    ] {
        let refused = alice.put(&issue, &body).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
        assert_eq!(refused.body, invalid_input(), "{body}");
    }
    let read = alice.get(&format!("{issue}?fields={NOTES}")).await;
    assert_eq!(read.body["fields"][NOTES], doc("kept"), "{}", read.text);

    // Bulk create: the element is refused with createIssue's answer, the
    // others are made.
    let bulk = alice
        .post(
            "/rest/api/3/issue/bulk",
            &json!({ "issueUpdates": [
                { "fields": fields(doc("fine")) },
                { "fields": fields(doc("")) },
            ] }),
        )
        .await;
    assert_eq!(bulk.status, StatusCode::CREATED, "{}", bulk.text);
    contract.check_ref("POST /issue/bulk", "CreatedIssues", &bulk.body);
    assert_eq!(bulk.body["issues"].as_array().map(Vec::len), Some(1));
    let errors = &bulk.body["errors"];
    assert_eq!(errors[0]["failedElementNumber"], 1, "{}", bulk.text);
    assert_eq!(errors[0]["status"], 400);
    assert_eq!(errors[0]["elementErrors"], invalid_input());

    // A document with text, and an empty paragraph, are taken.
    let empty_paragraph = json!({
        "type": "doc", "version": 1, "content": [{ "type": "paragraph", "content": [] }],
    });
    let taken = alice
        .put(&issue, &json!({ "fields": { NOTES: empty_paragraph } }))
        .await;
    assert_eq!(taken.status, StatusCode::NO_CONTENT, "{}", taken.text);
    sim.shutdown().await;
}
