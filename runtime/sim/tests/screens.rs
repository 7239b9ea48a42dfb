//! Screens and custom field administration: a custom field made with `POST
//! /field` is on no screen, so a create or edit refuses it and the create and
//! edit metadata leave it out, until it is put on the Default Screen (a tab's
//! fields, or `addToDefault`); taking a field off makes it unsettable again.
//! Then `PUT`/`DELETE /field/{id}` (the delete's `303` to a finished task),
//! permissions, the gateway, REST API v2, hostile input, and each answer
//! against the spec's schemas.

use crate::common;
use crate::contract::Contract;

use common::{ADMIN, OUTSIDER, USER, caller, client, send, start, start_with};
use kiln_sim::{SimConfig, Simulator};
use reqwest::StatusCode;
use serde_json::{Value, json};

const TYPE: &str = "com.atlassian.jira.plugin.system.customfieldtypes:";
const FIELD_TAB: &str = "/rest/api/3/screens/1/tabs/10000/fields";
const CREATE_META: &str = "/rest/api/3/issue/createmeta/KILN/issuetypes/10001";

/// A searchable short text field made by the admin (and so on no screen); its id.
async fn text_field(sim: &Simulator, name: &str) -> String {
    let reply = caller(sim, ADMIN)
        .post(
            "/rest/api/3/field",
            &json!({
                "name": name,
                "type": format!("{TYPE}textfield"),
                "searcherKey": format!("{TYPE}textsearcher"),
            }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    reply.str_at("/id")
}

/// The field ids a createmeta answer lists.
async fn create_meta_ids(sim: &Simulator) -> Vec<String> {
    let meta = caller(sim, USER).get(CREATE_META).await;
    assert_eq!(meta.status, StatusCode::OK, "{}", meta.text);
    ids(&meta.body["fields"], "fieldId")
}

/// The field ids an editmeta answer for KILN-1 lists.
async fn edit_meta_ids(sim: &Simulator) -> Vec<String> {
    let meta = caller(sim, USER)
        .get("/rest/api/3/issue/KILN-1/editmeta")
        .await;
    assert_eq!(meta.status, StatusCode::OK, "{}", meta.text);
    meta.body["fields"]
        .as_object()
        .expect("fields by id")
        .keys()
        .cloned()
        .collect()
}

fn ids(items: &Value, key: &str) -> Vec<String> {
    items
        .as_array()
        .expect("an array")
        .iter()
        .map(|item| item[key].as_str().expect("an id").to_owned())
        .collect()
}

/// Creates a KILN task as Bob with `fields` added.
async fn create_issue(sim: &Simulator, fields: Value) -> common::Reply {
    let mut body = json!({
        "project": { "key": "KILN" }, "issuetype": { "name": "Task" }, "summary": "Screened",
    });
    for (name, value) in fields.as_object().expect("fields") {
        body[name] = value.clone();
    }
    caller(sim, USER)
        .post("/rest/api/3/issue", &json!({ "fields": body }))
        .await
}

/// Asserts `reply` is Jira's refusal of a field not on the screen.
fn assert_not_on_screen(reply: &common::Reply, field: &str) {
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert_eq!(
        reply.body["errors"][field],
        format!("Field '{field}' cannot be set. It is not on the appropriate screen, or unknown."),
        "{}",
        reply.text
    );
}

async fn keys_found(sim: &Simulator, jql: &str) -> Vec<String> {
    let reply = caller(sim, ADMIN)
        .post(
            "/rest/api/3/search/jql",
            &json!({ "jql": jql, "fields": ["summary"] }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{jql}: {}", reply.text);
    ids(&reply.body["issues"], "key")
}

#[tokio::test]
async fn a_new_field_is_settable_once_it_is_on_the_screen() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let contract = Contract::new();
    let id = text_field(&sim, "Sync ID").await;

    // Not on a screen: not offered, and refused on create and edit.
    assert!(!create_meta_ids(&sim).await.contains(&id));
    assert!(!edit_meta_ids(&sim).await.contains(&id));
    assert_not_on_screen(
        &create_issue(&sim, json!({ id.clone(): "EXT-1" })).await,
        &id,
    );
    let edit = caller(&sim, USER)
        .put(
            "/rest/api/3/issue/KILN-1",
            &json!({ "fields": { id.clone(): "EXT-1" } }),
        )
        .await;
    assert_not_on_screen(&edit, &id);
    let update = caller(&sim, USER)
        .put(
            "/rest/api/3/issue/KILN-1",
            &json!({ "update": { id.clone(): [{ "set": "EXT-1" }] } }),
        )
        .await;
    assert_not_on_screen(&update, &id);
    let listed = alice
        .get(&format!("/rest/api/3/field/search?id={id}"))
        .await;
    assert_eq!(listed.body["values"][0]["screensCount"], 0);

    // The admin finds the Default Screen, its tab, and the field as available.
    let screens = alice.get("/rest/api/3/screens?queryString=default").await;
    assert_eq!(screens.status, StatusCode::OK, "{}", screens.text);
    contract.check_ref("GET /screens", "PageBeanScreen", &screens.body);
    assert_eq!(screens.body["total"], 1);
    assert_eq!(
        screens.body["values"][0],
        json!({
            "id": 1,
            "name": "Default Screen",
            "description": "Provides for the update all system fields.",
        })
    );
    let tabs = alice.get("/rest/api/3/screens/1/tabs").await;
    assert_eq!(tabs.status, StatusCode::OK, "{}", tabs.text);
    contract.check(
        "GET /screens/1/tabs",
        json!({ "type": "array", "items": { "$ref": "#/components/schemas/ScreenableTab" } }),
        &tabs.body,
    );
    assert_eq!(tabs.body, json!([{ "id": 10000, "name": "Field Tab" }]));
    let available = alice.get("/rest/api/3/screens/1/availableFields").await;
    assert_eq!(available.status, StatusCode::OK, "{}", available.text);
    let screenable =
        json!({ "type": "array", "items": { "$ref": "#/components/schemas/ScreenableField" } });
    contract.check(
        "GET /screens/1/availableFields",
        screenable.clone(),
        &available.body,
    );
    assert_eq!(
        available.body,
        json!([{ "id": id.clone(), "name": "Sync ID" }])
    );
    let before = alice.get(FIELD_TAB).await;
    contract.check("GET tab fields", screenable.clone(), &before.body);
    let before = ids(&before.body, "id");
    assert_eq!(&before[..2], ["summary", "issuetype"]);
    assert!(!before.contains(&id));

    // On the tab: offered and settable, and found by JQL (it is searchable).
    let added = alice
        .post(FIELD_TAB, &json!({ "fieldId": id.clone() }))
        .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.text);
    contract.check_ref("POST tab field", "ScreenableField", &added.body);
    assert_eq!(added.body, json!({ "id": id.clone(), "name": "Sync ID" }));
    let after = ids(&alice.get(FIELD_TAB).await.body, "id");
    assert_eq!(after.last(), Some(&id));
    assert_eq!(
        alice
            .get("/rest/api/3/screens/1/availableFields")
            .await
            .body,
        json!([])
    );
    assert!(create_meta_ids(&sim).await.contains(&id));
    assert!(edit_meta_ids(&sim).await.contains(&id));
    let created = create_issue(&sim, json!({ id.clone(): "EXT-42" })).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let key = created.str_at("/key");
    let issue = alice.get(&format!("/rest/api/3/issue/{key}")).await;
    assert_eq!(issue.body["fields"][&id], "EXT-42");
    assert_eq!(
        keys_found(&sim, "cf[10000] ~ \"EXT-42\"").await,
        vec![key.clone()]
    );
    assert_eq!(
        keys_found(&sim, "\"Sync ID\" ~ \"EXT-42\"").await,
        vec![key.clone()]
    );
    let edited = caller(&sim, USER)
        .put(
            &format!("/rest/api/3/issue/{key}"),
            &json!({ "fields": { id.clone(): "EXT-43" } }),
        )
        .await;
    assert_eq!(edited.status, StatusCode::NO_CONTENT, "{}", edited.text);
    let listed = alice
        .get(&format!("/rest/api/3/field/search?id={id}"))
        .await;
    assert_eq!(listed.body["values"][0]["screensCount"], 1);

    // Off the screen again: refused again; the value the issue holds stays.
    let removed = alice.delete(&format!("{FIELD_TAB}/{id}")).await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{}", removed.text);
    assert!(!create_meta_ids(&sim).await.contains(&id));
    let edit = caller(&sim, USER)
        .put(
            &format!("/rest/api/3/issue/{key}"),
            &json!({ "fields": { id.clone(): "EXT-44" } }),
        )
        .await;
    assert_not_on_screen(&edit, &id);
    let issue = alice.get(&format!("/rest/api/3/issue/{key}")).await;
    assert_eq!(issue.body["fields"][&id], "EXT-43");
    sim.shutdown().await;
}

#[tokio::test]
async fn add_to_default_puts_a_field_on_the_default_screen_once() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let id = text_field(&sim, "Ticket").await;
    let path = format!("/rest/api/3/screens/addToDefault/{id}");
    let added = alice.post(&path, &json!({})).await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.text);
    assert_eq!(added.body, json!({}));
    assert!(ids(&alice.get(FIELD_TAB).await.body, "id").contains(&id));
    assert!(create_meta_ids(&sim).await.contains(&id));
    // The spec's 404 for a field already there, as for one that is not.
    for path in [
        path.clone(),
        String::from("/rest/api/3/screens/addToDefault/customfield_99999"),
        String::from("/rest/api/3/screens/addToDefault/nonsense"),
        String::from("/rest/api/3/screens/addToDefault/summary"),
    ] {
        let refused = alice.post(&path, &json!({})).await;
        assert_eq!(
            refused.status,
            StatusCode::NOT_FOUND,
            "{path}: {}",
            refused.text
        );
        Contract::new().check_ref(&path, "ErrorCollection", &refused.body);
    }
    // A field Jira sets itself is on no screen.
    let status = alice
        .post("/rest/api/3/screens/addToDefault/status", &json!({}))
        .await;
    assert_eq!(status.status, StatusCode::BAD_REQUEST, "{}", status.text);
    let refused = caller(&sim, USER).post(&path, &json!({})).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    sim.shutdown().await;
}

/// Jira lets an admin take a system field off a screen, and a create or edit
/// then refuses it as any field not on the screen; the summary and the issue
/// type stay, as Jira's screen editor keeps them (no issue could be created).
#[tokio::test]
async fn a_system_field_taken_off_the_screen_is_refused_until_it_is_back() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let removed = alice.delete(&format!("{FIELD_TAB}/labels")).await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{}", removed.text);
    assert!(
        !create_meta_ids(&sim)
            .await
            .contains(&String::from("labels"))
    );
    assert!(!edit_meta_ids(&sim).await.contains(&String::from("labels")));
    assert_not_on_screen(
        &create_issue(&sim, json!({ "labels": ["x"] })).await,
        "labels",
    );
    let update = caller(&sim, USER)
        .put(
            "/rest/api/3/issue/KILN-1",
            &json!({ "update": { "labels": [{ "add": "x" }] } }),
        )
        .await;
    assert_not_on_screen(&update, "labels");
    // Issues still hold their labels; only setting them is refused.
    let plain = create_issue(&sim, json!({})).await;
    assert_eq!(plain.status, StatusCode::CREATED, "{}", plain.text);
    let available = alice.get("/rest/api/3/screens/1/availableFields").await;
    assert_eq!(
        available.body,
        json!([{ "id": "labels", "name": "Labels" }])
    );

    for required in ["summary", "issuetype"] {
        let refused = alice.delete(&format!("{FIELD_TAB}/{required}")).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    }
    let again = alice.delete(&format!("{FIELD_TAB}/labels")).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND, "{}", again.text);

    let back = alice.post(FIELD_TAB, &json!({ "fieldId": "labels" })).await;
    assert_eq!(back.status, StatusCode::OK, "{}", back.text);
    assert_eq!(back.body, json!({ "id": "labels", "name": "Labels" }));
    let created = create_issue(&sim, json!({ "labels": ["x"] })).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_seeded_field_starts_on_the_screen() {
    let mut seed = kiln_sim::Seed::default();
    seed.custom_fields.push(kiln_sim::SeedCustomField {
        id: None,
        name: String::from("Team"),
        description: None,
        kind: String::from("textfield"),
        searcher_key: None,
        options: Vec::new(),
    });
    let sim = start_with(SimConfig {
        seed,
        ..SimConfig::default()
    })
    .await;
    let fields = caller(&sim, ADMIN).get(FIELD_TAB).await;
    assert!(ids(&fields.body, "id").contains(&String::from("customfield_10000")));
    let created = create_issue(&sim, json!({ "customfield_10000": "Core" })).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    sim.shutdown().await;
}

/// *Administer Jira* administers screens; a project's administrator reads the
/// tabs of the screen its project uses when it names the project; anyone else
/// gets the spec's 403, and no one signed in its 401.
#[tokio::test]
async fn screens_are_administered_by_jira_administrators() {
    let mut seed = kiln_sim::Seed::default();
    seed.projects[1].lead = String::from(USER);
    let sim = start_with(SimConfig {
        seed,
        ..SimConfig::default()
    })
    .await;
    let field = text_field(&sim, "Ticket").await;
    let reads = [
        "/rest/api/3/screens".to_owned(),
        "/rest/api/3/screens/1/tabs".to_owned(),
        FIELD_TAB.to_owned(),
        "/rest/api/3/screens/1/availableFields".to_owned(),
    ];
    for who in [USER, OUTSIDER] {
        for path in &reads {
            let refused = caller(&sim, who).get(path).await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "{who} {path}");
            assert_eq!(
                refused.body["errorMessages"][0],
                "Only Jira administrators can manage screens."
            );
        }
        let add = caller(&sim, who)
            .post(FIELD_TAB, &json!({ "fieldId": field.clone() }))
            .await;
        assert_eq!(add.status, StatusCode::FORBIDDEN, "{}", add.text);
        let remove = caller(&sim, who)
            .delete(&format!("{FIELD_TAB}/labels"))
            .await;
        assert_eq!(remove.status, StatusCode::FORBIDDEN, "{}", remove.text);
    }
    // Bob leads SEC: he reads the tabs naming it, not naming KILN.
    let bob = caller(&sim, USER);
    let tabs = bob.get("/rest/api/3/screens/1/tabs?projectKey=SEC").await;
    assert_eq!(tabs.status, StatusCode::OK, "{}", tabs.text);
    let fields = bob.get(&format!("{FIELD_TAB}?projectKey=SEC")).await;
    assert_eq!(fields.status, StatusCode::OK, "{}", fields.text);
    for path in [
        "/rest/api/3/screens/1/tabs?projectKey=KILN",
        "/rest/api/3/screens/1/tabs?projectKey=NOPE",
        "/rest/api/3/screens?projectKey=SEC",
    ] {
        assert_eq!(bob.get(path).await.status, StatusCode::FORBIDDEN, "{path}");
    }
    let anonymous = send(client().get(format!("{}/rest/api/3/screens", sim.base_url()))).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    sim.shutdown().await;
}

/// Through the gateway, with the spec's scope (`manage:jira-project`), and on
/// REST API v2.
#[tokio::test]
async fn the_gateway_and_v2_serve_screens() {
    let sim = start().await;
    let gateway = format!("{}/ex/jira/{}", sim.base_url(), sim.cloud_id());
    for (scope, expected) in [
        ("manage:jira-project", StatusCode::OK),
        ("read:jira-work", StatusCode::UNAUTHORIZED),
    ] {
        let token = common::oauth::access_token(&sim, scope).await;
        let listed = send(
            client()
                .get(format!("{gateway}/rest/api/3/screens"))
                .bearer_auth(&token),
        )
        .await;
        assert_eq!(listed.status, expected, "{scope}: {}", listed.text);
        if expected == StatusCode::OK {
            let self_link = listed.body["self"].as_str().expect("a self link");
            assert!(self_link.starts_with(&gateway), "{self_link}");
        }
    }
    let v2 = caller(&sim, ADMIN).get("/rest/api/2/screens/1/tabs").await;
    assert_eq!(v2.status, StatusCode::OK, "{}", v2.text);
    assert_eq!(v2.body[0]["name"], "Field Tab");
    sim.shutdown().await;
}

#[tokio::test]
async fn get_screens_filters_orders_and_pages_as_the_spec_says() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    for (query, total) in [
        ("id=1", 1),
        ("id=1&id=2", 1),
        ("id=2", 0),
        ("queryString=DEFAULT%20scr", 1),
        ("queryString=resolve", 0),
        ("scope=GLOBAL", 1),
        ("scope=PROJECT&scope=TEMPLATE", 0),
        ("orderBy=-name", 1),
        ("orderBy=%2Bid", 1),
    ] {
        let reply = alice.get(&format!("/rest/api/3/screens?{query}")).await;
        assert_eq!(reply.status, StatusCode::OK, "{query}: {}", reply.text);
        assert_eq!(reply.body["total"], total, "{query}");
        let self_link = reply.body["self"].as_str().expect("a self link");
        let kept = query.split('&').next().and_then(|p| p.split('=').next());
        assert!(self_link.contains(kept.unwrap_or_default()), "{self_link}");
    }
    let page = alice.get("/rest/api/3/screens?maxResults=0").await;
    assert_eq!(page.body["maxResults"], 1, "a PageBean holds one at least");
    let page = alice.get("/rest/api/3/screens?maxResults=5000").await;
    assert_eq!(page.body["maxResults"], 100);
    let past = alice.get("/rest/api/3/screens?startAt=9999999999").await;
    assert_eq!(past.body["values"], json!([]));
    for query in [
        "startAt=-1",
        "maxResults=many",
        "id=one",
        "scope=global",
        "orderBy=created",
    ] {
        let refused = alice.get(&format!("/rest/api/3/screens?{query}")).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{query}");
        Contract::new().check_ref(query, "ErrorCollection", &refused.body);
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn hostile_screen_requests_are_refused_as_jira_refuses_them() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let field = text_field(&sim, "Ticket").await;
    for path in [
        "/rest/api/3/screens/2/tabs",
        "/rest/api/3/screens/abc/tabs",
        "/rest/api/3/screens/99999999999999999999999/tabs",
        "/rest/api/3/screens/1/tabs/1/fields",
        "/rest/api/3/screens/1/tabs/x/fields",
        "/rest/api/3/screens/-1/availableFields",
    ] {
        let refused = alice.get(path).await;
        assert_eq!(
            refused.status,
            StatusCode::NOT_FOUND,
            "{path}: {}",
            refused.text
        );
    }
    // Unknown fields: 404; fields Jira sets itself, or already there: 400.
    for (body, status) in [
        (
            json!({ "fieldId": "customfield_424242" }),
            StatusCode::NOT_FOUND,
        ),
        (
            json!({ "fieldId": "x".repeat(100_000) }),
            StatusCode::NOT_FOUND,
        ),
        (json!({ "fieldId": "" }), StatusCode::NOT_FOUND),
        (json!({ "fieldId": "created" }), StatusCode::BAD_REQUEST),
        (
            json!({ "fieldId": "customfield_10020" }),
            StatusCode::BAD_REQUEST,
        ),
        (json!({ "fieldId": "summary" }), StatusCode::BAD_REQUEST),
        (json!({}), StatusCode::BAD_REQUEST),
        (json!({ "fieldId": 7 }), StatusCode::BAD_REQUEST),
        (
            json!({ "fieldId": field.clone(), "tab": 1 }),
            StatusCode::BAD_REQUEST,
        ),
        (json!([field.clone()]), StatusCode::BAD_REQUEST),
    ] {
        let reply = alice.post(FIELD_TAB, &body).await;
        let shown: String = body.to_string().chars().take(40).collect();
        assert_eq!(reply.status, status, "{shown}: {}", reply.text);
        Contract::new().check_ref("refusal", "ErrorCollection", &reply.body);
    }
    let garbage = send(
        alice
            .request(reqwest::Method::POST, FIELD_TAB)
            .header("content-type", "application/json")
            .body("{\"fieldId\": \u{0}"),
    )
    .await;
    assert_eq!(garbage.status, StatusCode::BAD_REQUEST, "{}", garbage.text);
    let added = alice
        .post(FIELD_TAB, &json!({ "fieldId": field.clone() }))
        .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.text);
    let twice = alice
        .post(FIELD_TAB, &json!({ "fieldId": field.clone() }))
        .await;
    assert_eq!(twice.status, StatusCode::BAD_REQUEST, "{}", twice.text);
    for path in [
        format!("{FIELD_TAB}/customfield_424242"),
        format!("{FIELD_TAB}/status"),
        format!("/rest/api/3/screens/1/tabs/3/fields/{field}"),
        format!("/rest/api/3/screens/7/tabs/10000/fields/{field}"),
    ] {
        let refused = alice.delete(&path).await;
        assert_eq!(
            refused.status,
            StatusCode::NOT_FOUND,
            "{path}: {}",
            refused.text
        );
    }
    // The tab still holds the field once, where it was put.
    let on_tab = ids(&alice.get(FIELD_TAB).await.body, "id");
    assert_eq!(on_tab.iter().filter(|id| **id == field).count(), 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_custom_field_is_renamed_described_and_made_unsearchable() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let id = text_field(&sim, "Ticket").await;
    common::put_on_default_screen(&sim, &id).await;
    let created = create_issue(&sim, json!({ id.clone(): "T-1" })).await;
    let key = created.str_at("/key");
    let path = format!("/rest/api/3/field/{id}");
    let updated = alice
        .put(
            &path,
            &json!({ "name": "External ticket", "description": "Where it came from" }),
        )
        .await;
    assert_eq!(updated.status, StatusCode::NO_CONTENT, "{}", updated.text);
    let listed = alice
        .get(&format!("/rest/api/3/field/search?id={id}"))
        .await;
    assert_eq!(listed.body["values"][0]["name"], "External ticket");
    assert_eq!(
        listed.body["values"][0]["description"],
        "Where it came from"
    );
    assert_eq!(
        listed.body["values"][0]["searcherKey"],
        format!("{TYPE}textsearcher"),
        "a searcher left out of the update stays"
    );
    let on_tab = alice.get(FIELD_TAB).await.body;
    let entry = on_tab
        .as_array()
        .and_then(|fields| fields.iter().find(|f| f["id"] == id.as_str()))
        .cloned();
    assert_eq!(
        entry,
        Some(json!({ "id": id.clone(), "name": "External ticket" }))
    );
    assert_eq!(
        keys_found(&sim, "\"External ticket\" ~ \"T-1\"").await,
        vec![key.clone()]
    );

    // `searcherKey: null` makes it unsearchable, as the spec allows.
    let unsearchable = alice.put(&path, &json!({ "searcherKey": null })).await;
    assert_eq!(
        unsearchable.status,
        StatusCode::NO_CONTENT,
        "{}",
        unsearchable.text
    );
    let fields = alice.get("/rest/api/3/field").await.body;
    let details = fields
        .as_array()
        .and_then(|all| all.iter().find(|f| f["id"] == id.as_str()))
        .cloned()
        .unwrap_or_default();
    assert_eq!(details["searchable"], false);
    let search = alice
        .post(
            "/rest/api/3/search/jql",
            &json!({ "jql": "cf[10000] ~ \"T-1\"" }),
        )
        .await;
    assert_eq!(search.status, StatusCode::BAD_REQUEST, "{}", search.text);

    for (body, message) in [
        (
            json!({ "searcherKey": format!("{TYPE}exactnumber") }),
            Some("searcherKey is invalid for the field type."),
        ),
        (json!({ "name": "  " }), None),
        (json!({ "name": "n".repeat(256) }), None),
        (json!({ "description": "d".repeat(1_001) }), None),
        (json!({ "name": 7 }), None),
        (json!({ "type": format!("{TYPE}float") }), None),
    ] {
        let refused = alice.put(&path, &body).await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            refused.text
        );
        Contract::new().check_ref("PUT /field 400", "ErrorCollection", &refused.body);
        if let Some(message) = message {
            assert_eq!(refused.body["errorMessages"][0], message);
        }
    }
    let listed = alice
        .get(&format!("/rest/api/3/field/search?id={id}"))
        .await;
    assert_eq!(
        listed.body["values"][0]["name"], "External ticket",
        "refusals change nothing"
    );

    let forbidden = caller(&sim, USER)
        .put(&path, &json!({ "name": "Mine" }))
        .await;
    assert_eq!(
        forbidden.status,
        StatusCode::FORBIDDEN,
        "{}",
        forbidden.text
    );
    assert_eq!(
        forbidden.body["errorMessages"][0],
        "Only Jira administrators can edit custom fields."
    );
    for (path, status) in [
        (
            "/rest/api/3/field/customfield_424242",
            StatusCode::NOT_FOUND,
        ),
        ("/rest/api/3/field/summary", StatusCode::NOT_FOUND),
        (
            "/rest/api/3/field/customfield_10020",
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let refused = alice.put(path, &json!({ "name": "X" })).await;
        assert_eq!(refused.status, status, "{path}: {}", refused.text);
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn deleting_a_custom_field_answers_303_to_a_finished_task() {
    let sim = start().await;
    let contract = Contract::new();
    let alice = caller(&sim, ADMIN);
    let id = text_field(&sim, "Ticket").await;
    common::put_on_default_screen(&sim, &id).await;
    let created = create_issue(&sim, json!({ id.clone(): "T-1" })).await;
    let key = created.str_at("/key");
    let path = format!("/rest/api/3/field/{id}");

    let forbidden = caller(&sim, USER).delete(&path).await;
    assert_eq!(
        forbidden.status,
        StatusCode::FORBIDDEN,
        "{}",
        forbidden.text
    );
    for (bad, status) in [
        ("/rest/api/3/field/summary", StatusCode::BAD_REQUEST),
        ("/rest/api/3/field/customfield_", StatusCode::BAD_REQUEST),
        (
            "/rest/api/3/field/customfield_10020",
            StatusCode::BAD_REQUEST,
        ),
        (
            "/rest/api/3/field/customfield_424242",
            StatusCode::NOT_FOUND,
        ),
    ] {
        let refused = alice.delete(bad).await;
        assert_eq!(refused.status, status, "{bad}: {}", refused.text);
        contract.check_ref(bad, "ErrorCollection", &refused.body);
    }

    let deleted = alice.delete(&path).await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER, "{}", deleted.text);
    contract.check_ref("DELETE /field", "TaskProgressBeanObject", &deleted.body);
    assert_eq!(deleted.body["status"], "COMPLETE");
    assert_eq!(deleted.body["progress"], 100);
    let location = deleted
        .headers
        .get("location")
        .and_then(|l| l.to_str().ok())
        .expect("a Location")
        .to_owned();
    assert_eq!(location, deleted.body["self"]);
    let task_path = location
        .strip_prefix(sim.base_url())
        .expect("on the site")
        .to_owned();
    let task = alice.get(&task_path).await;
    assert_eq!(task.status, StatusCode::OK, "{}", task.text);
    contract.check_ref("GET /task", "TaskProgressBeanObject", &task.body);
    assert_eq!(task.body, deleted.body);
    // Only its submitter and Jira administrators read a task.
    let hidden = caller(&sim, USER).get(&task_path).await;
    assert_eq!(hidden.status, StatusCode::FORBIDDEN, "{}", hidden.text);
    for unknown in ["/rest/api/3/task/1", "/rest/api/3/task/nope"] {
        assert_eq!(alice.get(unknown).await.status, StatusCode::NOT_FOUND);
    }

    // Gone: from the field list, from the screen, from the issue.
    let listed = alice.get("/rest/api/3/field/search?type=custom").await;
    assert!(!ids(&listed.body["values"], "id").contains(&id));
    assert!(!ids(&alice.get(FIELD_TAB).await.body, "id").contains(&id));
    let issue = alice.get(&format!("/rest/api/3/issue/{key}")).await;
    assert!(issue.body["fields"].get(&id).is_none(), "{}", issue.text);
    assert_not_on_screen(&create_issue(&sim, json!({ id.clone(): "T-2" })).await, &id);
    assert_eq!(alice.delete(&path).await.status, StatusCode::NOT_FOUND);

    // On REST API v2 the task is v2's, in the header as in the body.
    let other = text_field(&sim, "Other").await;
    let deleted = alice.delete(&format!("/rest/api/2/field/{other}")).await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER, "{}", deleted.text);
    let location = deleted
        .headers
        .get("location")
        .and_then(|l| l.to_str().ok());
    assert_eq!(location, deleted.body["self"].as_str());
    assert!(
        location.is_some_and(|l| l.contains("/rest/api/2/task/")),
        "{location:?}"
    );
    sim.shutdown().await;
}
