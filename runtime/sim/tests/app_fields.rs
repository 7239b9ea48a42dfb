//! An app's own custom fields (Forge's `jira:customField`): registered by
//! `Simulator::register_app_fields` as Kiln does when it runs or serves the
//! app, listed by `GET /field`, written only by the app through
//! `/rest/api/{2,3}/app/field/value` and `/app/field/{id}/value`, read back
//! on issues, in their changelog and, for the types JQL searches, in JQL.

use crate::common;

use common::{ADMIN, OUTSIDER, Reply, caller, start, start_with};
use kiln_manifest::CustomFieldModule;
use kiln_sim::{AppClientConfig, SimConfig, Simulator};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const APP: &str = "ari:cloud:ecosystem::app/7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
const APP_UUID: &str = "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";

fn module(declaration: Value) -> CustomFieldModule {
    serde_json::from_value(declaration).expect("a jira:customField module")
}

/// GrowthBook's object field, a string field and a list of users.
fn modules() -> Vec<CustomFieldModule> {
    vec![
        module(json!({
            "key": "growthbook-experiment", "name": "GrowthBook Experiment",
            "type": "object", "readOnly": true, "view": { "resource": "main" },
        })),
        module(json!({ "key": "note", "name": "App Note", "type": "string" })),
        module(json!({
            "key": "reviewers", "name": "App Reviewers", "type": "user", "collection": "list",
        })),
        module(json!({ "key": "team", "name": "App Team", "type": "group" })),
    ]
}

/// A site with the app's fields registered; their ids in declaration order.
async fn registered() -> (Simulator, Vec<String>) {
    let sim = start().await;
    let ids = sim
        .register_app_fields(APP, "development", &modules())
        .expect("registered");
    (sim, ids)
}

/// `method path` as the app itself (its client-credentials token, through
/// the gateway), as Forge's `asApp().requestJira` calls.
async fn as_app(sim: &Simulator, method: Method, path: &str, body: &Value) -> Reply {
    let token = common::oauth::app_access_token(sim).await;
    common::oauth::gateway(sim, &token, method, path, Some(body)).await
}

async fn issue_id(sim: &Simulator, key: &str) -> i64 {
    let issue = caller(sim, ADMIN)
        .get(&format!("/rest/api/3/issue/{key}"))
        .await;
    issue.str_at("/id").parse().expect("a numeric id")
}

async fn field_of(sim: &Simulator, key: &str, field: &str) -> Value {
    let issue = caller(sim, ADMIN)
        .get(&format!("/rest/api/3/issue/{key}?fields={field}"))
        .await;
    issue.body["fields"][field].clone()
}

#[tokio::test]
async fn the_apps_fields_are_custom_fields_of_the_site_typed_by_their_module() {
    let (sim, ids) = registered().await;
    assert_eq!(ids.len(), 4);
    let fields = caller(&sim, ADMIN).get("/rest/api/3/field").await;
    let of = |id: &str| {
        fields
            .body
            .as_array()
            .and_then(|all| all.iter().find(|f| f["id"] == id))
            .cloned()
            .unwrap_or_else(|| panic!("{id} listed"))
    };
    let experiment = of(&ids[0]);
    assert_eq!(experiment["name"], "GrowthBook Experiment");
    assert_eq!(experiment["custom"], true);
    assert_eq!(
        experiment["schema"],
        json!({
            "type": "object",
            "custom": format!(
                "ari:cloud:ecosystem::extension/{APP_UUID}/development/static/growthbook-experiment"
            ),
            "customId": ids[0].trim_start_matches("customfield_").parse::<u64>().expect("n"),
            "configuration": { "readOnly": true },
        })
    );
    assert_eq!(experiment["searchable"], false);
    // A single string searches as text; a list is an array of its type.
    assert_eq!(of(&ids[1])["searchable"], true);
    assert_eq!(of(&ids[1])["schema"]["type"], "string");
    assert_eq!(of(&ids[2])["schema"]["type"], "array");
    assert_eq!(of(&ids[2])["schema"]["items"], "user");
    assert_eq!(of(&ids[3])["schema"]["type"], "group");

    // The same app registered again (its next run or deploy) keeps its
    // fields; a field it adds takes the next id.
    let mut more = modules();
    more[1].name = "App Note (renamed)".into();
    more.push(module(
        json!({ "key": "score", "name": "Score", "type": "number" }),
    ));
    let again = sim
        .register_app_fields(APP, "development", &more)
        .expect("registered again");
    assert_eq!(again[..4], ids[..]);
    assert_ne!(again[4], ids[3]);
    let renamed = caller(&sim, ADMIN).get("/rest/api/3/field").await;
    assert!(renamed.text.contains("App Note (renamed)"));
}

#[tokio::test]
async fn a_refused_registration_changes_nothing() {
    let sim = start().await;
    let before = caller(&sim, ADMIN).get("/rest/api/3/field").await;
    let mut blank = modules();
    blank[2].name = "  ".into();
    let refused = sim.register_app_fields(APP, "development", &blank);
    assert!(refused.is_err(), "{refused:?}");
    let too_many: Vec<CustomFieldModule> = (0..=kiln_manifest::MAX_CUSTOM_FIELD_MODULES)
        .map(|n| module(json!({ "key": format!("f{n}"), "name": "F", "type": "string" })))
        .collect();
    assert!(
        sim.register_app_fields(APP, "development", &too_many)
            .is_err()
    );
    assert!(
        sim.register_app_fields("../other", "development", &modules())
            .is_err()
    );
    let after = caller(&sim, ADMIN).get("/rest/api/3/field").await;
    assert_eq!(before.body, after.body);
}

#[tokio::test]
async fn the_app_writes_its_object_field_as_growthbook_does_and_issues_carry_it() {
    let (sim, ids) = registered().await;
    let kiln1 = issue_id(&sim, "KILN-1").await;
    let kiln2 = issue_id(&sim, "KILN-2").await;
    let value = json!({ "id": "exp_1", "type": "experiment", "name": "Checkout" });
    let written = as_app(
        &sim,
        Method::POST,
        "/rest/api/2/app/field/value",
        // Forge's context gives an issue id as a string: Jira takes it.
        &json!({ "updates": [
            { "customField": ids[0], "issueIds": [kiln1, kiln2.to_string()], "value": value },
            { "customField": ids[1], "issueIds": [kiln1], "value": "ship it" },
        ]}),
    )
    .await;
    assert_eq!(written.status, StatusCode::NO_CONTENT, "{}", written.text);
    assert_eq!(field_of(&sim, "KILN-1", &ids[0]).await, value);
    assert_eq!(field_of(&sim, "KILN-2", &ids[0]).await, value);
    assert_eq!(field_of(&sim, "KILN-1", &ids[1]).await, "ship it");

    // generateChangelog's default: the write is in the issue's history.
    let history = caller(&sim, ADMIN)
        .get("/rest/api/3/issue/KILN-1/changelog")
        .await;
    let items: Vec<&Value> = history.body["values"]
        .as_array()
        .expect("values")
        .iter()
        .flat_map(|entry| entry["items"].as_array().into_iter().flatten())
        .collect();
    let logged = items
        .iter()
        .find(|item| item["fieldId"] == ids[0])
        .expect("the object field's change");
    assert_eq!(logged["fieldtype"], "custom");
    assert_eq!(logged["field"], "GrowthBook Experiment");
    assert_eq!(
        serde_json::from_str::<Value>(logged["toString"].as_str().expect("text")).expect("JSON"),
        value
    );

    // The string field is searchable as text, as Jira's own.
    let number = ids[1].trim_start_matches("customfield_");
    let found = caller(&sim, ADMIN)
        .get_with(
            "/rest/api/3/search/jql",
            &[("jql", &format!("cf[{number}] ~ \"ship\""))],
        )
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    let found: Vec<&str> = found.body["issues"]
        .as_array()
        .expect("issues")
        .iter()
        .filter_map(|i| i["id"].as_str())
        .collect();
    assert_eq!(found, [kiln1.to_string()]);
}

#[tokio::test]
async fn one_field_is_written_by_its_route_with_or_without_a_changelog() {
    let (sim, ids) = registered().await;
    let kiln1 = issue_id(&sim, "KILN-1").await;
    let entries = || async {
        caller(&sim, ADMIN)
            .get("/rest/api/3/issue/KILN-1/changelog")
            .await
            .body["total"]
            .as_u64()
            .expect("total")
    };
    let before = entries().await;
    let admin = common::account_id(&sim, ADMIN);
    let path = format!(
        "/rest/api/3/app/field/{}/value?generateChangelog=false",
        ids[2]
    );
    let written = as_app(
        &sim,
        Method::PUT,
        &path,
        &json!({ "updates": [{ "issueIds": [kiln1], "value": [{ "accountId": admin }] }] }),
    )
    .await;
    assert_eq!(written.status, StatusCode::NO_CONTENT, "{}", written.text);
    let reviewers = field_of(&sim, "KILN-1", &ids[2]).await;
    assert_eq!(reviewers[0]["accountId"], admin.as_str());
    assert_eq!(entries().await, before, "no changelog asked for");

    // A group by name; `null` clears a field.
    let path = format!("/rest/api/2/app/field/{}/value", ids[3]);
    let body =
        json!({ "updates": [{ "issueIds": [kiln1], "value": { "name": "kiln-developers" } }] });
    let written = as_app(&sim, Method::PUT, &path, &body).await;
    assert_eq!(written.status, StatusCode::NO_CONTENT, "{}", written.text);
    let team = field_of(&sim, "KILN-1", &ids[3]).await;
    assert_eq!(team["name"], "kiln-developers");
    assert!(team["groupId"].is_string(), "{team}");
    assert_eq!(entries().await, before + 1);
    let cleared = json!({ "updates": [{ "issueIds": [kiln1], "value": null }] });
    let written = as_app(&sim, Method::PUT, &path, &cleared).await;
    assert_eq!(written.status, StatusCode::NO_CONTENT, "{}", written.text);
    assert_eq!(field_of(&sim, "KILN-1", &ids[3]).await, Value::Null);
}

#[tokio::test]
async fn only_the_app_writes_its_fields_and_only_values_of_their_type() {
    let (sim, ids) = registered().await;
    let kiln1 = issue_id(&sim, "KILN-1").await;
    let update = |field: &str, value: Value| json!({ "updates": [{ "customField": field, "issueIds": [kiln1], "value": value }] });
    const PATH: &str = "/rest/api/3/app/field/value";

    // A user (even the site admin) is not the app: 403.
    let by_user = caller(&sim, ADMIN)
        .post(PATH, &update(&ids[1], json!("x")))
        .await;
    assert_eq!(by_user.status, StatusCode::FORBIDDEN, "{}", by_user.text);
    // A field of the site's own, not the app's: 403; no such field: 404.
    let site_field = caller(&sim, ADMIN)
        .post(
            "/rest/api/3/field",
            &json!({
                "name": "Site",
                "type": "com.atlassian.jira.plugin.system.customfieldtypes:textfield",
            }),
        )
        .await
        .str_at("/id");
    let theirs = as_app(&sim, Method::POST, PATH, &update(&site_field, json!("x"))).await;
    assert_eq!(theirs.status, StatusCode::FORBIDDEN, "{}", theirs.text);
    let missing = as_app(
        &sim,
        Method::POST,
        PATH,
        &update("customfield_99999", json!("x")),
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.text);

    // Values of the wrong shape: 400, naming the field.
    for (field, value) in [
        (&ids[0], json!("not an object")),
        (&ids[1], json!(42)),
        (&ids[1], json!("x".repeat(256))),
        (&ids[2], json!({ "accountId": "not-a-user" })),
        (&ids[2], json!([{ "accountId": "not-a-user" }])),
        (&ids[3], json!({ "name": "no-such-group" })),
    ] {
        let refused = as_app(&sim, Method::POST, PATH, &update(field, value.clone())).await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{value}: {}",
            refused.text
        );
        assert!(
            refused.body["errors"][field.as_str()].is_string(),
            "{}",
            refused.text
        );
    }
    // The spec's body only; each field and issue once.
    let unknown = as_app(
        &sim,
        Method::POST,
        PATH,
        &json!({ "updates": [{ "customField": ids[1], "issueIds": [kiln1], "value": "x", "extra": 1 }] }),
    )
    .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST, "{}", unknown.text);
    let twice = as_app(
        &sim,
        Method::POST,
        PATH,
        &json!({ "updates": [
            { "customField": ids[1], "issueIds": [kiln1], "value": "a" },
            { "customField": ids[1], "issueIds": [kiln1], "value": "b" },
        ]}),
    )
    .await;
    assert_eq!(twice.status, StatusCode::BAD_REQUEST, "{}", twice.text);
    // Too many writes in one request.
    let many: Vec<i64> = vec![kiln1; 1_001];
    let bulk = as_app(
        &sim,
        Method::POST,
        PATH,
        &json!({ "updates": [{ "customField": ids[1], "issueIds": many, "value": "x" }] }),
    )
    .await;
    assert_eq!(bulk.status, StatusCode::BAD_REQUEST, "{}", bulk.text);
    // An issue that does not exist refuses the whole request.
    let partly = as_app(
        &sim,
        Method::POST,
        PATH,
        &json!({ "updates": [
            { "customField": ids[1], "issueIds": [kiln1], "value": "kept out" },
            { "customField": ids[0], "issueIds": [999_999], "value": {} },
        ]}),
    )
    .await;
    assert_eq!(partly.status, StatusCode::BAD_REQUEST, "{}", partly.text);
    assert!(partly.text.contains("999999"), "{}", partly.text);
    assert_eq!(field_of(&sim, "KILN-1", &ids[1]).await, Value::Null);
}

#[tokio::test]
async fn the_app_writes_only_issues_its_account_may_see() {
    let sim = start_with(SimConfig {
        app_client: AppClientConfig {
            acts_as: OUTSIDER.into(),
            ..AppClientConfig::default()
        },
        ..SimConfig::default()
    })
    .await;
    let ids = sim
        .register_app_fields(APP, "development", &modules())
        .expect("registered");
    // The outsider may browse KILN, not SEC.
    let sec1 = issue_id(&sim, "SEC-1").await;
    let hidden = as_app(
        &sim,
        Method::POST,
        "/rest/api/3/app/field/value",
        &json!({ "updates": [{ "customField": ids[1], "issueIds": [sec1], "value": "x" }] }),
    )
    .await;
    assert_eq!(hidden.status, StatusCode::BAD_REQUEST, "{}", hidden.text);
    assert_eq!(field_of(&sim, "SEC-1", &ids[1]).await, Value::Null);
}

/// Two apps on one site (`runtime serve APP APP`), each calling as its own
/// integration (`Simulator::app_client_for`): each writes its own fields'
/// values and not the other's, as on Jira, where each Forge app is an app of
/// its own.
#[tokio::test]
async fn another_apps_integration_cannot_write_the_apps_fields() {
    const OTHER: &str = "ari:cloud:ecosystem::app/0f0e0d0c-0b0a-4909-8807-060504030201";
    let (sim, ids) = registered().await;
    let other_ids = sim
        .register_app_fields(
            OTHER,
            "development",
            &[module(
                json!({ "key": "note", "name": "Other Note", "type": "string" }),
            )],
        )
        .expect("registered");
    let other = sim.app_client_for(OTHER).expect("its integration");
    assert_ne!(other.client_id, sim.app_client().client_id);
    let token = common::oauth::client_access_token(&sim, &other).await;
    let kiln1 = issue_id(&sim, "KILN-1").await;
    let write = async |field: &str| {
        let body = json!({ "updates": [{ "customField": field, "issueIds": [kiln1], "value": "from the other app" }] });
        let path = "/rest/api/3/app/field/value";
        common::oauth::gateway(&sim, &token, Method::POST, path, Some(&body)).await
    };
    let refused = write(&ids[1]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    assert_ne!(
        field_of(&sim, "KILN-1", &ids[1]).await,
        json!("from the other app")
    );
    let own = write(&other_ids[0]).await;
    assert!(own.status.is_success(), "{}", own.text);
    assert_eq!(
        field_of(&sim, "KILN-1", &other_ids[0]).await,
        json!("from the other app")
    );
    // The first app still writes its own.
    let first = as_app(
        &sim,
        Method::POST,
        "/rest/api/3/app/field/value",
        &json!({ "updates": [{ "customField": ids[1], "issueIds": [kiln1], "value": "mine" }] }),
    )
    .await;
    assert!(first.status.is_success(), "{}", first.text);
}
