//! The configuration of an app field's contexts: `GET`/`PUT
//! /rest/api/3/app/field/{fieldIdOrKey}/context/configuration` and `POST
//! /rest/api/3/app/field/context/configuration/list`, open to the app that
//! provided the field (as itself) and to Jira admins, and to nobody else.

use crate::common;
use crate::contract::Contract;

use common::{ADMIN, Reply, USER, caller, client, send, start};
use kiln_manifest::CustomFieldModule;
use kiln_sim::Simulator;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const APP: &str = "ari:cloud:ecosystem::app/7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
const OTHER: &str = "ari:cloud:ecosystem::app/0f0e0d0c-0b0a-4909-8807-060504030201";

fn modules(key: &str) -> Vec<CustomFieldModule> {
    vec![
        serde_json::from_value(
            json!({ "key": key, "name": format!("Money {key}"), "type": "object" }),
        )
        .expect("a jira:customField module"),
    ]
}

/// A site with one field of the app's: the site and the field's id.
async fn registered() -> (Simulator, String) {
    let sim = start().await;
    let ids = sim
        .register_app_fields(APP, "development", &modules("money"))
        .expect("registered");
    (sim, ids[0].clone())
}

/// `method path` as the app that provided the field.
async fn as_app(sim: &Simulator, method: Method, path: &str, body: Option<&Value>) -> Reply {
    let token = common::oauth::app_access_token(sim).await;
    common::oauth::gateway(sim, &token, method, path, body).await
}

fn configuration_path(field: &str) -> String {
    format!("/rest/api/3/app/field/{field}/context/configuration")
}

const LIST: &str = "/rest/api/3/app/field/context/configuration/list";

/// Adds a context of `field` for the project KILN, as a Jira admin would.
async fn project_context(sim: &Simulator, field: &str) -> (String, String) {
    let project = caller(sim, ADMIN).get("/rest/api/3/project/KILN").await;
    let project_id = project.str_at("/id");
    let created = caller(sim, ADMIN)
        .post(
            &format!("/rest/api/3/field/{field}/context"),
            &json!({ "name": "KILN only", "projectIds": [project_id] }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    (created.str_at("/id"), project_id)
}

fn assert_refused(reply: &Reply, status: StatusCode) {
    assert_eq!(reply.status, status, "{}", reply.text);
    Contract::new().check_ref("refusal", "ErrorCollection", &reply.body);
}

#[tokio::test]
async fn the_app_sets_and_reads_its_fields_configurations() {
    let (sim, field) = registered().await;
    let contract = Contract::new();
    let path = configuration_path(&field);

    // A new field's one context, not configured yet.
    let first = as_app(&sim, Method::GET, &path, None).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    contract.check_ref(
        "configurations",
        "PageBeanContextualConfiguration",
        &first.body,
    );
    assert_eq!(first.body["total"], 1);
    assert_eq!(first.body["maxResults"], 100);
    assert_eq!(first.body["isLast"], true);
    let global = first.str_at("/values/0/fieldContextId");
    assert_eq!(
        first.body["values"][0],
        json!({ "id": global, "fieldContextId": global })
    );

    let (kiln_only, project_id) = project_context(&sim, &field).await;
    let configuration = json!({ "minValue": 0, "maxValue": 10000 });
    let schema = json!({
        "properties": { "amount": { "type": "number" }, "currency": { "type": "string" } },
        "required": ["amount", "currency"],
    });
    let set = as_app(
        &sim,
        Method::PUT,
        &path,
        Some(&json!({ "configurations": [
            { "id": kiln_only, "configuration": configuration, "schema": schema },
            // The spec's string id, or the same digits as a number.
            { "id": global.parse::<u64>().expect("digits"), "configuration": { "minValue": 1 } },
        ] })),
    )
    .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text);

    let read = as_app(&sim, Method::GET, &path, None).await;
    contract.check_ref("configured", "PageBeanContextualConfiguration", &read.body);
    assert_eq!(read.body["total"], 2);
    assert_eq!(
        read.body["values"][1],
        json!({ "id": kiln_only, "fieldContextId": kiln_only, "configuration": configuration, "schema": schema })
    );
    assert_eq!(
        read.body["values"][0]["configuration"],
        json!({ "minValue": 1 })
    );
    assert!(read.body["values"][0].get("schema").is_none());
    // REST API v2 serves the same configurations, untranslated.
    let v2 = as_app(&sim, Method::GET, &path.replace("/api/3/", "/api/2/"), None).await;
    assert_eq!(v2.status, StatusCode::OK, "{}", v2.text);
    assert_eq!(v2.body["values"], read.body["values"]);

    // Filters: by configuration id, by context id, by issue, by place.
    let by = |query: String| {
        let path = format!("{path}?{query}");
        let sim = &sim;
        async move { as_app(sim, Method::GET, &path, None).await }
    };
    let ids = |reply: &Reply| -> Vec<Value> {
        reply.body["values"]
            .as_array()
            .map(|v| v.iter().map(|c| c["id"].clone()).collect())
            .unwrap_or_default()
    };
    assert_eq!(
        ids(&by(format!("id={kiln_only}")).await),
        [json!(kiln_only)]
    );
    assert_eq!(
        ids(&by(format!(
            "fieldContextId={global}&fieldContextId={kiln_only}"
        ))
        .await),
        [json!(global), json!(kiln_only)]
    );
    let issue = caller(&sim, ADMIN)
        .get("/rest/api/3/issue/KILN-1?fields=issuetype")
        .await;
    let issue_id = issue.str_at("/id");
    let issue_type = issue.str_at("/fields/issuetype/id");
    assert_eq!(
        ids(&by(format!("issueId={issue_id}")).await),
        [json!(kiln_only)]
    );
    assert_eq!(
        ids(&by(format!(
            "projectKeyOrId={project_id}&issueTypeId={issue_type}"
        ))
        .await),
        [json!(kiln_only)]
    );
    assert_eq!(
        ids(&by("issueId=999999999".to_owned()).await),
        Vec::<Value>::new()
    );
    assert_eq!(ids(&by("id=424242".to_owned()).await), Vec::<Value>::new());

    // Paging: one at a time, the next page linked.
    let page = by("maxResults=1".to_owned()).await;
    contract.check_ref("page", "PageBeanContextualConfiguration", &page.body);
    assert_eq!(page.body["isLast"], false);
    assert_eq!(ids(&page), [json!(global)]);
    let next = by("maxResults=1&startAt=1".to_owned()).await;
    assert_eq!(next.body["isLast"], true);
    assert_eq!(ids(&next), [json!(kiln_only)]);

    // The bulk read names each configuration's field.
    let listed = as_app(
        &sim,
        Method::POST,
        LIST,
        Some(&json!({ "fieldIdsOrKeys": [field, field] })),
    )
    .await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    contract.check_ref("bulk", "PageBeanBulkContextualConfiguration", &listed.body);
    assert_eq!(listed.body["total"], 2, "each field once");
    assert_eq!(listed.body["values"][1]["customFieldId"], json!(field));
    assert_eq!(listed.body["values"][1]["schema"], schema);

    // `null` or nothing clears what the context held.
    let cleared = as_app(
        &sim,
        Method::PUT,
        &path,
        Some(&json!({ "configurations": [{ "id": kiln_only, "configuration": null }] })),
    )
    .await;
    assert_eq!(cleared.status, StatusCode::OK, "{}", cleared.text);
    let after = by(format!("id={kiln_only}")).await;
    assert_eq!(
        after.body["values"][0],
        json!({ "id": kiln_only, "fieldContextId": kiln_only })
    );

    // A deleted context takes its configuration with it.
    let deleted = caller(&sim, ADMIN)
        .delete(&format!("/rest/api/3/field/{field}/context/{kiln_only}"))
        .await;
    assert!(deleted.status.is_success(), "{}", deleted.text);
    assert_eq!(
        as_app(&sim, Method::GET, &path, None).await.body["total"],
        1
    );
}

#[tokio::test]
async fn a_jira_admin_may_and_other_callers_may_not() {
    let (sim, field) = registered().await;
    let path = configuration_path(&field);
    let other_ids = sim
        .register_app_fields(OTHER, "development", &modules("other"))
        .expect("registered");
    let other = sim.app_client_for(OTHER).expect("its integration");
    let other_token = common::oauth::client_access_token(&sim, &other).await;
    let body = json!({ "configurations": [{ "id": "1", "configuration": { "stolen": true } }] });

    // Another app's integration: neither reads nor writes the field.
    for (method, path, body) in [
        (Method::GET, path.clone(), None),
        (Method::PUT, path.clone(), Some(&body)),
        (
            Method::POST,
            LIST.to_owned(),
            Some(&json!({ "fieldIdsOrKeys": [field] })),
        ),
    ] {
        let refused = common::oauth::gateway(&sim, &other_token, method, &path, body).await;
        assert_refused(&refused, StatusCode::FORBIDDEN);
    }
    // Its own field it reads; the first app cannot read that one.
    let own = common::oauth::gateway(
        &sim,
        &other_token,
        Method::GET,
        &configuration_path(&other_ids[0]),
        None,
    )
    .await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.text);
    let theirs = as_app(&sim, Method::GET, &configuration_path(&other_ids[0]), None).await;
    assert_refused(&theirs, StatusCode::FORBIDDEN);
    // Nor the site's own fields, which no app provided.
    let site_field = caller(&sim, ADMIN)
        .post(
            "/rest/api/3/field",
            &json!({ "name": "Site field", "type": "com.atlassian.jira.plugin.system.customfieldtypes:textfield" }),
        )
        .await;
    let site_field = site_field.str_at("/id");
    let refused = as_app(&sim, Method::GET, &configuration_path(&site_field), None).await;
    assert_refused(&refused, StatusCode::FORBIDDEN);
    let admin_on_site_field = caller(&sim, ADMIN)
        .get(&configuration_path(&site_field))
        .await;
    assert_refused(&admin_on_site_field, StatusCode::BAD_REQUEST);

    // A user who is not a Jira admin: 403; a Jira admin reads and writes.
    assert_refused(&caller(&sim, USER).get(&path).await, StatusCode::FORBIDDEN);
    let admin = caller(&sim, ADMIN).get(&path).await;
    assert_eq!(admin.status, StatusCode::OK, "{}", admin.text);
    let context = admin.str_at("/values/0/id");
    let written = caller(&sim, ADMIN)
        .put(
            &path,
            &json!({ "configurations": [{ "id": context, "configuration": { "by": "admin" } }] }),
        )
        .await;
    assert_eq!(written.status, StatusCode::OK, "{}", written.text);
    let seen = as_app(&sim, Method::GET, &path, None).await;
    assert_eq!(
        seen.body["values"][0]["configuration"],
        json!({ "by": "admin" })
    );
}

#[tokio::test]
async fn unknown_fields_and_configurations_are_refused() {
    let (sim, field) = registered().await;
    for unknown in ["customfield_999999", "summary", "customfield_", "../etc"] {
        let reply = as_app(&sim, Method::GET, &configuration_path(unknown), None).await;
        assert_refused(&reply, StatusCode::NOT_FOUND);
    }
    let listed = as_app(
        &sim,
        Method::POST,
        LIST,
        Some(&json!({ "fieldIdsOrKeys": [field, "customfield_999999"] })),
    )
    .await;
    assert_refused(&listed, StatusCode::NOT_FOUND);
    // A configuration id that is not one of the field's contexts: the
    // request is invalid, and nothing is written.
    let before = as_app(&sim, Method::GET, &configuration_path(&field), None).await;
    let context = before.str_at("/values/0/id");
    let refused = as_app(
        &sim,
        Method::PUT,
        &configuration_path(&field),
        Some(&json!({ "configurations": [
            { "id": context, "configuration": { "a": 1 } },
            { "id": "424242", "configuration": { "b": 2 } },
        ] })),
    )
    .await;
    assert_refused(&refused, StatusCode::BAD_REQUEST);
    assert!(refused.text.contains("424242"), "{}", refused.text);
    let after = as_app(&sim, Method::GET, &configuration_path(&field), None).await;
    assert_eq!(before.body, after.body);
}

#[tokio::test]
async fn hostile_input_is_a_typed_400() {
    let (sim, field) = registered().await;
    let path = configuration_path(&field);
    let context = as_app(&sim, Method::GET, &path, None)
        .await
        .str_at("/values/0/id");
    let huge = "x".repeat(40_000);
    for body in [
        json!({}),
        json!({ "configurations": [] }),
        json!({ "configurations": "all" }),
        json!({ "configurations": [{ "configuration": {} }] }),
        json!({ "configurations": [{ "id": { "$gt": "" } }] }),
        json!({ "configurations": [{ "id": "-1" }] }),
        json!({ "configurations": [{ "id": "1e3" }] }),
        json!({ "configurations": [{ "id": "99999999999999999999999" }] }),
        json!({ "configurations": [{ "id": context, "surprise": 1 }] }),
        json!({ "configurations": [{ "id": context }, { "id": context }] }),
        json!({ "configurations": [{ "id": context, "configuration": { "big": huge } }] }),
        json!({ "configurations": [{ "id": context, "schema": [huge] }] }),
        json!({ "configurations": vec![json!({ "id": context }); 1_001] }),
    ] {
        let reply = as_app(&sim, Method::PUT, &path, Some(&body)).await;
        assert_refused(&reply, StatusCode::BAD_REQUEST);
    }
    // Not JSON at all.
    let token = common::oauth::app_access_token(&sim).await;
    let url = format!("{}/ex/jira/{}{path}", sim.base_url(), sim.cloud_id());
    let broken = send(
        client()
            .put(url)
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body("{\"configurations\": [{\"id\": "),
    )
    .await;
    assert_refused(&broken, StatusCode::BAD_REQUEST);

    // Query parameters: not numbers, or criteria the spec says not to mix.
    for query in [
        "id=abc",
        "fieldContextId=1%3B2",
        "issueId=KILN-1",
        "startAt=-1",
        "maxResults=lots",
        "id=1&fieldContextId=1",
        "id=1&issueId=1",
        "fieldContextId=1&projectKeyOrId=KILN&issueTypeId=1",
        "issueId=1&projectKeyOrId=KILN&issueTypeId=1",
        "projectKeyOrId=KILN",
        "issueTypeId=10001",
    ] {
        let reply = as_app(&sim, Method::GET, &format!("{path}?{query}"), None).await;
        assert_refused(&reply, StatusCode::BAD_REQUEST);
    }
    for body in [
        json!({}),
        json!({ "fieldIdsOrKeys": [] }),
        json!({ "fieldIdsOrKeys": [1] }),
        json!({ "fieldIdsOrKeys": vec![field.clone(); 1_001] }),
    ] {
        let reply = as_app(&sim, Method::POST, LIST, Some(&body)).await;
        assert_refused(&reply, StatusCode::BAD_REQUEST);
    }
    // The configuration is as it was.
    let after = as_app(&sim, Method::GET, &path, None).await;
    assert!(
        after.body["values"][0].get("configuration").is_none(),
        "{}",
        after.text
    );
}
