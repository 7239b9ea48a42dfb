//! A document with an empty `text` node: ADF gives `text` at least one
//! character, and Jira refuses such a description or comment body with a bare
//! 400 `INVALID_INPUT`, storing nothing (Jira Hook Ninja writes
//! `description || ""` into a paragraph).

use crate::common;
use crate::contract::Contract;

use common::{ADMIN, caller, start};
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
