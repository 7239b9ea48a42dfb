//! Operations on an app's own data (`Access::OwnAppData` in Kiln's catalogue):
//! the gateway serves them to an app whose token carries no scope at all, as
//! Forge lets an app that declares none call them, and their handlers keep
//! each app to its own fields and properties, as Jira does.

use crate::common;

use common::{ADMIN, caller, start_with};
use kiln_manifest::CustomFieldModule;
use kiln_sim::{AppClientConfig, SimConfig, Simulator};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const APP: &str = "ari:cloud:ecosystem::app/5d4c3b2a-1f0e-4d9c-8b7a-695847362514";
const OTHER: &str = "ari:cloud:ecosystem::app/a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d";

fn note(name: &str) -> CustomFieldModule {
    serde_json::from_value(json!({ "key": "note", "name": name, "type": "string" }))
        .expect("a jira:customField module")
}

/// A site whose app integrations carry no scope (an app that declares none),
/// with one text field registered for each of two apps; their ids.
async fn site_without_scopes() -> (Simulator, String, String) {
    let sim = start_with(SimConfig {
        app_client: AppClientConfig {
            scopes: Vec::new(),
            ..AppClientConfig::default()
        },
        ..SimConfig::default()
    })
    .await;
    let mine = sim
        .register_app_fields(APP, "development", &[note("App Note")])
        .expect("registered");
    let theirs = sim
        .register_app_fields(OTHER, "development", &[note("Other Note")])
        .expect("registered");
    (sim, mine[0].clone(), theirs[0].clone())
}

/// An access token of `app`'s own integration.
async fn token_of(sim: &Simulator, app: &str) -> String {
    let client = sim.app_client_for(app).expect("its integration");
    assert!(client.scopes.is_empty(), "{:?}", client.scopes);
    common::oauth::client_access_token(sim, &client).await
}

async fn field_of(sim: &Simulator, key: &str, field: &str) -> Value {
    let issue = caller(sim, ADMIN)
        .get(&format!("/rest/api/3/issue/{key}?fields={field}"))
        .await;
    issue.body["fields"][field].clone()
}

async fn issue_id(sim: &Simulator, key: &str) -> i64 {
    let issue = caller(sim, ADMIN)
        .get(&format!("/rest/api/3/issue/{key}"))
        .await;
    issue.str_at("/id").parse().expect("a numeric id")
}

#[tokio::test]
async fn an_app_with_no_scope_sets_its_own_property_and_field_but_not_another_apps() {
    let (sim, mine, theirs) = site_without_scopes().await;
    let token = token_of(&sim, APP).await;
    let gateway = async |method: Method, path: &str, body: Option<&Value>| {
        common::oauth::gateway(&sim, &token, method, path, body).await
    };

    // Its own property: written, replaced and deleted with no scope.
    let path = "/rest/forge/1/app/properties/settings";
    let created = gateway(Method::PUT, path, Some(&json!({"mode": "strict"}))).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let updated = gateway(Method::PUT, path, Some(&json!({"mode": "lax"}))).await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);

    // Its own field's value, by either route and through REST API v2 too.
    let kiln1 = issue_id(&sim, "KILN-1").await;
    let one = json!({ "updates": [{ "issueIds": [kiln1], "value": "mine" }] });
    let set = gateway(
        Method::PUT,
        &format!("/rest/api/3/app/field/{mine}/value"),
        Some(&one),
    )
    .await;
    assert_eq!(set.status, StatusCode::NO_CONTENT, "{}", set.text);
    assert_eq!(field_of(&sim, "KILN-1", &mine).await, json!("mine"));
    let many =
        json!({ "updates": [{ "customField": mine, "issueIds": [kiln1], "value": "mine too" }] });
    let set = gateway(Method::POST, "/rest/api/2/app/field/value", Some(&many)).await;
    assert_eq!(set.status, StatusCode::NO_CONTENT, "{}", set.text);
    assert_eq!(field_of(&sim, "KILN-1", &mine).await, json!("mine too"));

    // Another app's field is refused, by either route, and keeps its value.
    let refused = gateway(
        Method::PUT,
        &format!("/rest/api/3/app/field/{theirs}/value"),
        Some(&one),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    let theirs_too =
        json!({ "updates": [{ "customField": theirs, "issueIds": [kiln1], "value": "x" }] });
    let refused = gateway(
        Method::POST,
        "/rest/api/3/app/field/value",
        Some(&theirs_too),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    assert_eq!(field_of(&sim, "KILN-1", &theirs).await, Value::Null);

    // The other app, also with no scope, has a property of the same key of its
    // own: neither app's write or delete reaches the other's.
    let other = token_of(&sim, OTHER).await;
    let other_gateway = async |method: Method, body: Option<&Value>| {
        common::oauth::gateway(&sim, &other, method, path, body).await
    };
    let its_own = other_gateway(Method::PUT, Some(&json!({"owner": "other"}))).await;
    assert_eq!(its_own.status, StatusCode::CREATED, "{}", its_own.text);
    let deleted = gateway(Method::DELETE, path, None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    let gone = gateway(Method::DELETE, path, None).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND, "{}", gone.text);
    let again = other_gateway(Method::PUT, Some(&json!({"owner": "other"}))).await;
    assert_eq!(
        again.status,
        StatusCode::OK,
        "the other app's property survived: {}",
        again.text
    );
}

/// No scope opens only the app's own data: every other write, and reading
/// app properties (which the spec opens by `read:app-data:jira`), is refused
/// by the gateway to a token without scopes.
#[tokio::test]
async fn a_token_with_no_scope_reaches_nothing_else() {
    let (sim, _, _) = site_without_scopes().await;
    let token = token_of(&sim, APP).await;
    for (method, path, body) in [
        (
            Method::PUT,
            "/rest/api/3/issue/KILN-1/properties/p",
            Some(json!(1)),
        ),
        (
            Method::PUT,
            "/rest/api/3/issue/KILN-1",
            Some(json!({"fields": {"summary": "x"}})),
        ),
        (Method::GET, "/rest/forge/1/app/properties/settings", None),
        (Method::GET, "/rest/forge/1/app/properties", None),
        (Method::GET, "/rest/api/3/issue/KILN-1", None),
    ] {
        let refused =
            common::oauth::gateway(&sim, &token, method.clone(), path, body.as_ref()).await;
        assert_eq!(
            refused.status,
            StatusCode::UNAUTHORIZED,
            "{method} {path}: {}",
            refused.text
        );
    }
}
