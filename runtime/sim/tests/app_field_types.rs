//! An app's custom field types (Forge's `jira:customFieldType`): registered
//! by `Simulator::register_app_field_types` as Kiln does when it runs or
//! serves the app, they make no field; a Jira administrator creates fields
//! of them with `POST /rest/api/{2,3}/field` and the type's extension ARI.
//! Such a field is the app's, written (values, contexts' configuration) only
//! by the app, as a `jira:customField`'s.

use crate::common;
use crate::contract::Contract;

use common::{ADMIN, Reply, USER, caller, start};
use kiln_manifest::CustomFieldModule;
use kiln_sim::Simulator;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const APP: &str = "ari:cloud:ecosystem::app/7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
const APP_UUID: &str = "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
const OTHER: &str = "ari:cloud:ecosystem::app/0f0e0d0c-0b0a-4909-8807-060504030201";

/// The Issue Picker app's type (kannonboy/forge-issue-picker-custom-field-type)
/// as a string field, and a list of users.
fn types() -> Vec<CustomFieldModule> {
    [
        json!({
            "key": "issue-picker", "name": "Issue Picker", "type": "string",
            "view": { "resource": "view" }, "contextConfig": { "resource": "config" },
        }),
        json!({ "key": "pickers", "name": "Pickers", "type": "user", "collection": "list" }),
    ]
    .into_iter()
    .map(|m| serde_json::from_value(m).expect("a jira:customFieldType module"))
    .collect()
}

fn ari(key: &str) -> String {
    format!("ari:cloud:ecosystem::extension/{APP_UUID}/development/static/{key}")
}

/// `method path` through the gateway as the app `app_id` names (its
/// client-credentials token), as Forge's `asApp().requestJira` calls.
async fn as_app(
    sim: &Simulator,
    app_id: &str,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> Reply {
    let app = sim.app_client_for(app_id).expect("its integration");
    let token = common::oauth::client_access_token(sim, &app).await;
    common::oauth::gateway(sim, &token, method, path, body).await
}

async fn field_count(sim: &Simulator) -> usize {
    let fields = caller(sim, ADMIN).get("/rest/api/3/field").await;
    fields.body.as_array().map_or(0, Vec::len)
}

/// An admin's `POST /field` of the app's type `key`.
async fn create_of(sim: &Simulator, key: &str) -> Reply {
    let body = json!({ "name": "Again", "type": ari(key) });
    caller(sim, ADMIN).post("/rest/api/3/field", &body).await
}

#[tokio::test]
async fn an_admin_creates_a_field_of_the_apps_type_which_the_app_alone_writes() {
    let sim = start().await;
    let before = field_count(&sim).await;
    let aris = sim
        .register_app_field_types(APP, "development", &types())
        .expect("registered");
    assert_eq!(aris, vec![ari("issue-picker"), ari("pickers")]);
    // A type is no field.
    assert_eq!(field_count(&sim).await, before);

    let created = caller(&sim, ADMIN)
        .post(
            "/rest/api/3/field",
            &json!({ "name": "Linked issues", "description": "Picked", "type": ari("issue-picker") }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    Contract::new().check_ref("POST /field", "FieldDetails", &created.body);
    let field = created.str_at("/id");
    assert_eq!(created.body["schema"]["custom"], ari("issue-picker"));
    assert_eq!(created.body["schema"]["type"], "string");
    // Forge's fields get a searcher of their own.
    assert_eq!(created.body["searchable"], true);

    let listed = caller(&sim, ADMIN).get("/rest/api/3/field").await;
    let of = listed
        .body
        .as_array()
        .and_then(|all| all.iter().find(|f| f["id"] == field.as_str()))
        .cloned()
        .expect("listed");
    assert_eq!(of["schema"]["custom"], ari("issue-picker"));
    assert_eq!(of["name"], "Linked issues");
    // v2 creates one too, of a list type.
    let list = caller(&sim, ADMIN)
        .post(
            "/rest/api/2/field",
            &json!({ "name": "Picked by", "type": ari("pickers") }),
        )
        .await;
    assert_eq!(list.status, StatusCode::CREATED, "{}", list.text);
    assert_eq!(list.body["schema"]["type"], "array");
    assert_eq!(list.body["schema"]["items"], "user");

    // The app writes the field's value and its contexts' configuration.
    let kiln1 = caller(&sim, ADMIN).get("/rest/api/3/issue/KILN-1").await;
    let kiln1: i64 = kiln1.str_at("/id").parse().expect("numeric");
    let value =
        json!({ "updates": [{ "customField": field, "issueIds": [kiln1], "value": "KILN-2" }] });
    let written = as_app(
        &sim,
        APP,
        Method::POST,
        "/rest/api/3/app/field/value",
        Some(&value),
    )
    .await;
    assert!(written.status.is_success(), "{}", written.text);
    let issue = caller(&sim, ADMIN)
        .get(&format!("/rest/api/3/issue/KILN-1?fields={field}"))
        .await;
    assert_eq!(issue.body["fields"][field.as_str()], "KILN-2");
    let configuration = format!("/rest/api/3/app/field/{field}/context/configuration");
    let read = as_app(&sim, APP, Method::GET, &configuration, None).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    let context = read.str_at("/values/0/fieldContextId");
    let configured =
        json!({ "configurations": [{ "id": context, "configuration": { "project": "KILN" } }] });
    let set = as_app(&sim, APP, Method::PUT, &configuration, Some(&configured)).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text);

    // Another app writes neither; a user is not the app.
    sim.register_app_field_types(OTHER, "development", &types())
        .expect("the other app's types");
    let theirs = as_app(
        &sim,
        OTHER,
        Method::POST,
        "/rest/api/3/app/field/value",
        Some(&value),
    )
    .await;
    assert_eq!(theirs.status, StatusCode::FORBIDDEN, "{}", theirs.text);
    let theirs = as_app(&sim, OTHER, Method::PUT, &configuration, Some(&configured)).await;
    assert_eq!(theirs.status, StatusCode::FORBIDDEN, "{}", theirs.text);
    let by_user = caller(&sim, USER)
        .post("/rest/api/3/app/field/value", &value)
        .await;
    assert_eq!(by_user.status, StatusCode::FORBIDDEN, "{}", by_user.text);

    // Registering the app again (its next deploy) keeps the field, still
    // the app's, even with the type gone; and creates none.
    let count = field_count(&sim).await;
    sim.register_app_field_types(APP, "development", &types()[1..])
        .expect("registered again");
    assert_eq!(field_count(&sim).await, count);
    let again = as_app(
        &sim,
        APP,
        Method::POST,
        "/rest/api/3/app/field/value",
        Some(&value),
    )
    .await;
    assert!(again.status.is_success(), "{}", again.text);
    // The type gone, no field of it can be created; with no types at all,
    // none of the app's.
    let gone = create_of(&sim, "issue-picker").await;
    assert_eq!(gone.status, StatusCode::BAD_REQUEST, "{}", gone.text);
    sim.register_app_field_types(APP, "development", &[])
        .expect("no types");
    let gone = create_of(&sim, "pickers").await;
    assert_eq!(gone.status, StatusCode::BAD_REQUEST, "{}", gone.text);
    assert_eq!(field_count(&sim).await, count);
}

#[tokio::test]
async fn only_an_admin_creates_a_field_of_a_registered_type() {
    let sim = start().await;
    sim.register_app_field_types(APP, "development", &types())
        .expect("registered");
    let before = field_count(&sim).await;
    let contract = Contract::new();

    let by_user = caller(&sim, USER)
        .post(
            "/rest/api/3/field",
            &json!({ "name": "Mine", "type": ari("issue-picker") }),
        )
        .await;
    assert_eq!(by_user.status, StatusCode::BAD_REQUEST, "{}", by_user.text);
    contract.check_ref("non-admin", "ErrorCollection", &by_user.body);

    for refused in [
        // An extension ARI no app registered: Jira's unknown type.
        json!({ "name": "X", "type": ari("no-such-type") }),
        json!({ "name": "X", "type": format!("ari:cloud:ecosystem::extension/{APP_UUID}/production/static/issue-picker") }),
        // A name is still required, and a searcher must suit the type.
        json!({ "type": ari("issue-picker") }),
        json!({
            "name": "X", "type": ari("pickers"),
            "searcherKey": "com.atlassian.jira.plugin.system.customfieldtypes:textsearcher",
        }),
    ] {
        let reply = caller(&sim, ADMIN)
            .post("/rest/api/3/field", &refused)
            .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{refused}: {}",
            reply.text
        );
        contract.check_ref("refused", "ErrorCollection", &reply.body);
    }
    let unknown = caller(&sim, ADMIN)
        .post(
            "/rest/api/3/field",
            &json!({ "name": "X", "type": ari("no-such-type") }),
        )
        .await;
    assert_eq!(
        unknown.body["errors"]["type"],
        format!("Custom field type '{}' is not valid.", ari("no-such-type"))
    );
    assert_eq!(field_count(&sim).await, before);
}

#[tokio::test]
async fn a_refused_type_registration_changes_nothing() {
    let sim = start().await;
    sim.register_app_field_types(APP, "development", &types())
        .expect("registered");
    let too_many: Vec<CustomFieldModule> = (0..=kiln_manifest::MAX_CUSTOM_FIELD_MODULES)
        .map(|n| {
            serde_json::from_value(json!({ "key": format!("t{n}"), "name": "T", "type": "string" }))
                .expect("a module")
        })
        .collect();
    assert!(
        sim.register_app_field_types(APP, "development", &too_many)
            .is_err()
    );
    assert!(
        sim.register_app_field_types("../other", "development", &types())
            .is_err()
    );
    // The types registered first still make fields.
    let created = caller(&sim, ADMIN)
        .post(
            "/rest/api/3/field",
            &json!({ "name": "Still", "type": ari("issue-picker") }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
}
