//! Jira's REST API v2 on the simulator: v3's operations, with rich text as wiki
//! markup strings. What a v2 client writes, v3 reads as a document and v2 reads
//! back as written; documents v3 wrote read as wiki markup through v2; links name
//! v2; property values are app data and pass untouched; scopes are v3's.

use crate::common;

use common::{ADMIN, USER, caller, start};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn v2_writes_strings_that_v3_reads_as_documents_and_v2_reads_back() {
    let sim = start().await;
    let bob = caller(&sim, USER);
    let create = json!({ "fields": {
        "project": { "key": "KILN" },
        "issuetype": { "name": "Bug" },
        "summary": "Written through v2",
        "description": "First paragraph\nsame paragraph\n\nSecond *paragraph*"
    }});
    let created = bob.post("/rest/api/2/issue", &create).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let key = created.str_at("/key");
    assert!(
        created.str_at("/self").contains("/rest/api/2/issue/"),
        "{:?}",
        created.body
    );

    let v3 = bob.get(&format!("/rest/api/3/issue/{key}")).await;
    assert_eq!(v3.status, StatusCode::OK);
    assert_eq!(
        v3.body["fields"]["description"],
        json!({ "type": "doc", "version": 1, "content": [
            { "type": "paragraph", "content": [
                { "type": "text", "text": "First paragraph" },
                { "type": "hardBreak" },
                { "type": "text", "text": "same paragraph" }
            ] },
            { "type": "paragraph", "content": [{ "type": "text", "text": "Second *paragraph*" }] }
        ]})
    );
    let v2 = bob.get(&format!("/rest/api/2/issue/{key}")).await;
    assert_eq!(v2.status, StatusCode::OK);
    assert_eq!(
        v2.body["fields"]["description"],
        "First paragraph\nsame paragraph\n\nSecond *paragraph*"
    );
    assert!(v2.str_at("/self").contains("/rest/api/2/issue/"));

    // Edit and comment through v2, the way older Forge apps do.
    let edit = json!({ "update": { "description": [{ "set": "Replaced" }] } });
    let edited = bob.put(&format!("/rest/api/2/issue/{key}"), &edit).await;
    assert_eq!(edited.status, StatusCode::NO_CONTENT, "{:?}", edited.body);
    let comment = bob
        .post(
            &format!("/rest/api/2/issue/{key}/comment"),
            &json!({ "body": "Looks good" }),
        )
        .await;
    assert_eq!(comment.status, StatusCode::CREATED, "{:?}", comment.body);
    assert_eq!(comment.body["body"], "Looks good");
    let comments = bob.get(&format!("/rest/api/3/issue/{key}/comment")).await;
    assert_eq!(
        comments.body["comments"][0]["body"]["content"][0]["content"][0]["text"],
        "Looks good"
    );
    let search = bob
        .get_with(
            "/rest/api/2/search/jql",
            &[
                ("jql", &format!("key = {key}")),
                ("fields", "description,summary"),
            ],
        )
        .await;
    assert_eq!(search.status, StatusCode::OK, "{:?}", search.body);
    assert_eq!(
        search.body["issues"][0]["fields"]["description"],
        "Replaced"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn documents_written_through_v3_read_as_wiki_markup_through_v2() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let doc = json!({ "type": "doc", "version": 1, "content": [
        { "type": "paragraph", "content": [
            { "type": "text", "text": "Deploy " },
            { "type": "text", "text": "now", "marks": [{ "type": "strong" }] }
        ] },
        { "type": "bulletList", "content": [
            { "type": "listItem", "content": [{ "type": "paragraph", "content": [{ "type": "text", "text": "check" }] }] }
        ] }
    ]});
    let comment = alice
        .post("/rest/api/3/issue/KILN-1/comment", &json!({ "body": doc }))
        .await;
    assert_eq!(comment.status, StatusCode::CREATED);
    let id = comment.str_at("/id");
    let v2 = alice
        .get(&format!("/rest/api/2/issue/KILN-1/comment/{id}"))
        .await;
    assert_eq!(v2.status, StatusCode::OK);
    assert_eq!(v2.body["body"], "Deploy *now*\n\n* check");
    sim.shutdown().await;
}

#[tokio::test]
async fn property_values_are_app_data_through_v2() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let value = json!({
        "description": "a string that must stay a string",
        "doc": { "type": "doc", "version": 1, "content": [] },
        "self": "/rest/api/3/kept"
    });
    let path = "/rest/api/2/issue/KILN-1/properties/kiln.v2";
    assert_eq!(alice.put(path, &value).await.status, StatusCode::CREATED);
    assert_eq!(alice.get(path).await.body["value"], value);
    assert_eq!(
        alice
            .get("/rest/api/3/issue/KILN-1/properties/kiln.v2")
            .await
            .body["value"],
        value
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_v2_operation_the_simulator_lacks_is_named_as_not_modelled() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let answer = alice.get("/rest/api/2/issuetype/10001/alternatives").await;
    assert_eq!(
        answer.status,
        StatusCode::NOT_IMPLEMENTED,
        "{:?}",
        answer.body
    );
    assert!(
        // Named as called: in v2's path, not the v3 path the specs write.
        answer
            .body
            .to_string()
            .contains("GET /rest/api/2/issuetype/{id}/alternatives (getAlternativeIssueTypes)"),
        "{:?}",
        answer.body
    );
    sim.shutdown().await;
}
