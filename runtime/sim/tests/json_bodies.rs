//! JSON bodies are read as strictly as Jira reads them: a bean given as an
//! array of its fields (which serde alone would accept) is Jira's "Invalid
//! request payload" 400, at the top of the body and inside it, and nothing is
//! written.

use crate::common;

use common::{ADMIN, caller, start};
use reqwest::StatusCode;
use serde_json::json;

const SELECT: &str = "com.atlassian.jira.plugin.system.customfieldtypes:select";

#[tokio::test]
async fn a_bean_given_as_an_array_is_an_invalid_payload_at_any_depth() {
    let sim = start().await;
    let admin = caller(&sim, ADMIN);
    let invalid = |reply: &common::Reply| {
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
        assert_eq!(
            reply.body["errorMessages"][0]
                .as_str()
                .unwrap_or_default()
                .split('.')
                .next(),
            Some("Invalid request payload"),
            "{}",
            reply.text
        );
    };

    // Top level: `CustomFieldDefinitionJsonBean` as `[name, type]`.
    let before = admin.get("/rest/api/3/field").await;
    invalid(
        &admin
            .post("/rest/api/3/field", &json!(["Array", SELECT]))
            .await,
    );
    let after = admin.get("/rest/api/3/field").await;
    assert_eq!(before.body, after.body, "no field was made");

    let made = admin
        .post(
            "/rest/api/3/field",
            &json!({ "name": "Tier", "type": SELECT }),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    let field = made.str_at("/id");
    invalid(
        &admin
            .put(&format!("/rest/api/3/field/{field}"), &json!(["Renamed"]))
            .await,
    );

    // Nested: `BulkCustomFieldOptionCreateRequest.options[]` items as arrays.
    let contexts = admin
        .get(&format!("/rest/api/3/field/{field}/context"))
        .await;
    let context = contexts.str_at("/values/0/id");
    let options = format!("/rest/api/3/field/{field}/context/{context}/option");
    invalid(
        &admin
            .post(&options, &json!({ "options": [["Gold", false]] }))
            .await,
    );
    invalid(
        &admin
            .post(
                &options,
                &json!({ "options": [{ "value": "Gold" }, ["Silver"]] }),
            )
            .await,
    );
    let listed = admin.get(&options).await;
    assert_eq!(listed.body["values"], json!([]), "{}", listed.text);

    // Objects are read as before.
    let added = admin
        .post(&options, &json!({ "options": [{ "value": "Gold" }] }))
        .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.text);
}
