//! Custom fields: definitions (`POST`/`GET /field`, `/field/search`, a field's
//! context and options), values of each modelled type on issues (create, edit,
//! read, v2), JQL on them, seeding, and the limits a hostile caller meets.

use crate::common;

use common::{ADMIN, USER, account_id, caller, start, start_with};
use kiln_sim::{Seed, SeedCustomField, SimConfig, Simulator};
use reqwest::StatusCode;
use serde_json::{Value, json};

const TYPE: &str = "com.atlassian.jira.plugin.system.customfieldtypes:";

fn doc(text: &str) -> Value {
    json!({"type": "doc", "version": 1, "content": [
        {"type": "paragraph", "content": [{"type": "text", "text": text}]}
    ]})
}

fn seed_field(name: &str, kind: &str, options: &[&str]) -> SeedCustomField {
    SeedCustomField {
        id: None,
        name: name.to_owned(),
        description: None,
        kind: kind.to_owned(),
        searcher_key: None,
        options: options.iter().map(|o| (*o).to_owned()).collect(),
    }
}

/// The default site with Severity (select, `customfield_10000`), Sync ID
/// (textfield, 10001), Notes (textarea, 10002), Points (float, 10003) and
/// Reviewer (userpicker, 10004); KILN-1 and KILN-2 hold values.
fn seeded() -> Seed {
    let mut seed = Seed {
        custom_fields: vec![
            seed_field("Severity", "select", &["Low", "High", "Critical"]),
            seed_field("Sync ID", "textfield", &[]),
            seed_field("Notes", "textarea", &[]),
            seed_field("Points", "float", &[]),
            seed_field("Reviewer", "userpicker", &[]),
        ],
        ..Seed::default()
    };
    let issues = &mut seed.projects[0].issues;
    issues[0]
        .custom_fields
        .insert("Severity".into(), json!("High"));
    issues[0]
        .custom_fields
        .insert("customfield_10001".into(), json!("EXT-42"));
    issues[0]
        .custom_fields
        .insert("Notes".into(), json!("needs a second look"));
    issues[0].custom_fields.insert("Points".into(), json!(3));
    issues[0]
        .custom_fields
        .insert("Reviewer".into(), json!(USER));
    issues[1]
        .custom_fields
        .insert("Severity".into(), json!({"value": "Critical"}));
    issues[1].custom_fields.insert("Points".into(), json!(5.5));
    seed
}

async fn start_seeded() -> Simulator {
    start_with(SimConfig {
        seed: seeded(),
        ..SimConfig::default()
    })
    .await
}

/// A field made by the admin and put on the Default Screen, as an app setting
/// one up does so that issues can hold it (`screens.rs` tests the rule); its id.
async fn create_field(sim: &Simulator, name: &str, kind: &str, searcher: Option<&str>) -> String {
    let mut body = json!({ "name": name, "type": format!("{TYPE}{kind}") });
    if let Some(searcher) = searcher {
        body["searcherKey"] = json!(format!("{TYPE}{searcher}"));
    }
    let reply = caller(sim, ADMIN).post("/rest/api/3/field", &body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let id = reply.str_at("/id");
    common::put_on_default_screen(sim, &id).await;
    id
}

async fn keys(sim: &Simulator, jql: &str) -> Result<Vec<String>, Value> {
    let reply = caller(sim, ADMIN)
        .post(
            "/rest/api/3/search/jql",
            &json!({ "jql": format!("{jql} ORDER BY key ASC"), "fields": ["summary"] }),
        )
        .await;
    if reply.status != StatusCode::OK {
        return Err(reply.body);
    }
    Ok(reply.body["issues"]
        .as_array()
        .expect("issues")
        .iter()
        .map(|i| i["key"].as_str().unwrap_or_default().to_owned())
        .collect())
}

#[tokio::test]
async fn fields_are_created_by_admins_and_listed_beside_system_fields() {
    let sim = start().await;
    let (alice, bob) = (caller(&sim, ADMIN), caller(&sim, USER));
    let definition = json!({
        "name": "Severity",
        "description": "How bad it is",
        "type": format!("{TYPE}select"),
        "searcherKey": format!("{TYPE}multiselectsearcher"),
    });

    // createCustomField documents no 403: a non-admin gets 400.
    let refused = bob.post("/rest/api/3/field", &definition).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    assert!(refused.body["errorMessages"][0].is_string());

    let created = alice.post("/rest/api/3/field", &definition).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(
        created.body,
        json!({
            "id": "customfield_10000",
            "key": "customfield_10000",
            "name": "Severity",
            "custom": true,
            "orderable": true,
            "navigable": true,
            "searchable": true,
            "clauseNames": ["cf[10000]", "Severity"],
            "schema": {
                "type": "option",
                "custom": format!("{TYPE}select"),
                "customId": 10000,
            },
        })
    );
    // Ids ascend; a field without a searcher is not searchable, as the spec says.
    let second = create_field(&sim, "Tags", "labels", None).await;
    assert_eq!(second, "customfield_10001");

    for (body, field) in [
        (json!({ "type": format!("{TYPE}textfield") }), "name"),
        (
            json!({ "name": " ", "type": format!("{TYPE}textfield") }),
            "name",
        ),
        (
            json!({ "name": "x".repeat(256), "type": format!("{TYPE}textfield") }),
            "name",
        ),
        (json!({ "name": "X" }), "type"),
        (
            json!({ "name": "X", "type": format!("{TYPE}grouppicker") }),
            "type",
        ),
        (json!({ "name": "X", "type": "textfield" }), "type"),
        (
            json!({ "name": "X", "type": format!("{TYPE}float"), "searcherKey": format!("{TYPE}textsearcher") }),
            "searcherKey",
        ),
    ] {
        let reply = alice.post("/rest/api/3/field", &body).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            reply.text
        );
        assert!(
            reply.body["errors"][field].is_string(),
            "{body}: {}",
            reply.text
        );
        assert_eq!(reply.body["errorMessages"], json!([]));
    }
    let unknown_property = alice
        .post(
            "/rest/api/3/field",
            &json!({ "name": "X", "type": format!("{TYPE}float"), "colour": 1 }),
        )
        .await;
    assert_eq!(unknown_property.status, StatusCode::BAD_REQUEST);

    let listed = bob.get("/rest/api/3/field").await.body;
    let listed = listed.as_array().expect("fields");
    assert_eq!(listed[0]["id"], "summary", "system fields first");
    let severity = listed
        .iter()
        .find(|f| f["id"] == "customfield_10000")
        .expect("listed");
    assert_eq!(severity, &created.body);
    let tags = listed
        .iter()
        .find(|f| f["id"] == "customfield_10001")
        .expect("listed");
    assert_eq!(tags["searchable"], false);
    assert_eq!(tags["schema"]["items"], "string");

    let custom = bob.get("/rest/api/3/field/search?type=custom").await;
    assert_eq!(custom.status, StatusCode::OK, "{}", custom.text);
    assert_eq!(custom.body["total"], 2);
    assert_eq!(
        custom.body["values"][0]["searcherKey"],
        format!("{TYPE}multiselectsearcher")
    );
    assert_eq!(custom.body["values"][0]["description"], "How bad it is");
    let found = bob.get("/rest/api/3/field/search?query=bad").await;
    assert_eq!(found.body["total"], 1);
    let by_id = bob
        .get("/rest/api/3/field/search?id=customfield_10001&id=summary")
        .await;
    assert_eq!(by_id.body["total"], 2);
    let system = bob
        .get("/rest/api/3/field/search?type=system&maxResults=2")
        .await;
    assert_eq!(system.body["values"].as_array().map(Vec::len), Some(2));
    assert_eq!(system.body["isLast"], false);
    assert_eq!(
        bob.get("/rest/api/3/field/search?type=bogus").await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn select_options_are_managed_through_the_fields_context() {
    let sim = start().await;
    let (alice, bob) = (caller(&sim, ADMIN), caller(&sim, USER));
    let id = create_field(&sim, "Severity", "select", Some("multiselectsearcher")).await;
    let contexts = alice.get(&format!("/rest/api/3/field/{id}/context")).await;
    assert_eq!(contexts.status, StatusCode::OK, "{}", contexts.text);
    assert_eq!(contexts.body["values"][0]["isGlobalContext"], true);
    let context = contexts.str_at("/values/0/id");
    let path = format!("/rest/api/3/field/{id}/context/{context}/option");

    let added = alice
        .post(
            &path,
            &json!({ "options": [{ "value": "Low" }, { "value": "High" }] }),
        )
        .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.text);
    assert_eq!(added.body["options"][1]["value"], "High");
    assert_eq!(added.body["options"][1]["disabled"], false);
    // All or nothing: a duplicate refuses the whole request.
    let duplicate = alice
        .post(
            &path,
            &json!({ "options": [{ "value": "Medium" }, { "value": "low" }] }),
        )
        .await;
    assert_eq!(
        duplicate.status,
        StatusCode::BAD_REQUEST,
        "{}",
        duplicate.text
    );
    let listed = alice.get(&path).await;
    assert_eq!(listed.body["total"], 2, "{}", listed.text);
    assert_eq!(listed.body["values"][0]["value"], "Low");

    assert_eq!(bob.get(&path).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        alice
            .get(&format!("/rest/api/3/field/{id}/context/1/option"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        alice
            .get("/rest/api/3/field/customfield_99999/context")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let text = create_field(&sim, "Sync ID", "textfield", None).await;
    let text_context = alice
        .get(&format!("/rest/api/3/field/{text}/context"))
        .await
        .str_at("/values/0/id");
    let refused = alice
        .post(
            &format!("/rest/api/3/field/{text}/context/{text_context}/option"),
            &json!({ "options": [{ "value": "x" }] }),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);

    // The option can now be set on an issue.
    let created = bob
        .post(
            "/rest/api/3/issue",
            &json!({ "fields": {
                "project": { "key": "KILN" }, "issuetype": { "name": "Task" },
                "summary": "Triaged", id.clone(): { "value": "High" },
            }}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let issue = bob
        .get(&format!(
            "/rest/api/3/issue/{}?fields={id}",
            created.str_at("/key")
        ))
        .await;
    let option_id = added.str_at("/options/1/id");
    assert_eq!(
        issue.body["fields"][&id],
        json!({
            "self": format!("{}/rest/api/3/customFieldOption/{option_id}", sim.base_url()),
            "value": "High",
            "id": option_id,
        })
    );
    let key = created.str_at("/key");

    // Renaming shows on issues; disabling keeps values but refuses new ones.
    let renamed = alice
        .put(
            &path,
            &json!({ "options": [{ "id": option_id, "value": "Severe", "disabled": true }] }),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);
    assert_eq!(
        renamed.body,
        json!({ "options": [{ "id": option_id, "value": "Severe", "disabled": true }] })
    );
    let issue = bob.get(&format!("/rest/api/3/issue/{key}")).await.body;
    assert_eq!(issue["fields"][&id]["value"], "Severe");
    let disabled = bob
        .put(
            &format!("/rest/api/3/issue/{key}"),
            &json!({ "fields": { id.clone(): { "value": "Severe" } } }),
        )
        .await;
    assert_eq!(disabled.status, StatusCode::BAD_REQUEST);
    for bad in [
        json!({ "options": [{ "id": "1", "value": "x" }] }),
        json!({ "options": [{ "id": option_id, "value": "low" }] }),
    ] {
        assert_ne!(alice.put(&path, &bad).await.status, StatusCode::OK, "{bad}");
    }

    // Deleting the option empties the issues that held it.
    let gone = alice.delete(&format!("{path}/{option_id}")).await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT, "{}", gone.text);
    let issue = bob.get(&format!("/rest/api/3/issue/{key}")).await.body;
    assert_eq!(issue["fields"][&id], Value::Null);
    assert_eq!(alice.get(&path).await.body["total"], 1);
    assert_eq!(
        alice.delete(&format!("{path}/{option_id}")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn values_of_every_kind_are_set_read_and_cleared() {
    let sim = start().await;
    let bob = caller(&sim, USER);
    let alice = caller(&sim, ADMIN);
    let mut ids = std::collections::BTreeMap::new();
    for kind in [
        "textfield",
        "textarea",
        "float",
        "select",
        "multiselect",
        "labels",
        "datepicker",
        "datetime",
        "userpicker",
    ] {
        ids.insert(
            kind,
            create_field(&sim, &format!("My {kind}"), kind, None).await,
        );
    }
    for kind in ["select", "multiselect"] {
        let id = &ids[kind];
        let context = alice
            .get(&format!("/rest/api/3/field/{id}/context"))
            .await
            .str_at("/values/0/id");
        let added = alice
            .post(
                &format!("/rest/api/3/field/{id}/context/{context}/option"),
                &json!({ "options": [{ "value": "Red" }, { "value": "Blue" }, { "value": "Old", "disabled": true }] }),
            )
            .await;
        assert_eq!(added.status, StatusCode::OK, "{}", added.text);
    }
    let bob_id = account_id(&sim, USER);
    let mut fields = json!({
        "project": { "key": "KILN" }, "issuetype": { "name": "Task" }, "summary": "All kinds",
    });
    let values = [
        ("textfield", json!("EXT-42")),
        ("textarea", doc("long notes")),
        ("float", json!(2.5)),
        ("select", json!({ "value": "red" })),
        (
            "multiselect",
            json!([{ "value": "Red" }, { "value": "Blue" }]),
        ),
        ("labels", json!(["a", "b"])),
        ("datepicker", json!("2024-02-29")),
        ("datetime", json!("2024-01-02T10:30:00.000+0100")),
        ("userpicker", json!({ "accountId": bob_id })),
    ];
    for (kind, value) in &values {
        fields[&ids[kind]] = value.clone();
    }
    let created = bob
        .post("/rest/api/3/issue", &json!({ "fields": fields }))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let key = created.str_at("/key");
    let read = bob.get(&format!("/rest/api/3/issue/{key}")).await.body;
    let got = |kind: &str| read["fields"][&ids[kind]].clone();
    assert_eq!(got("textfield"), "EXT-42");
    assert_eq!(got("textarea"), doc("long notes"));
    assert_eq!(got("float"), 2.5);
    assert_eq!(
        got("select")["value"],
        "Red",
        "matched without regard to case"
    );
    assert_eq!(got("multiselect")[1]["value"], "Blue");
    assert_eq!(got("labels"), json!(["a", "b"]));
    assert_eq!(got("datepicker"), "2024-02-29");
    assert_eq!(got("datetime"), "2024-01-02T09:30:00.000+0000");
    assert_eq!(got("userpicker")["accountId"], bob_id.as_str());

    // `fields=` selects custom fields by id; `*navigable` includes them all.
    let some = bob
        .get(&format!(
            "/rest/api/3/issue/{key}?fields=summary,{}",
            ids["float"]
        ))
        .await
        .body;
    assert_eq!(
        some["fields"].as_object().map(|f| f.len()),
        Some(2),
        "{some}"
    );
    let navigable = bob
        .get(&format!(
            "/rest/api/3/issue/{key}?fields=*navigable,-{}",
            ids["float"]
        ))
        .await
        .body;
    assert!(navigable["fields"].get(&ids["float"]).is_none());
    assert_eq!(navigable["fields"][&ids["labels"]], json!(["a", "b"]));

    // Updates: add/remove on multiselect and labels, set and null elsewhere.
    let edit = json!({
        "update": {
            ids["multiselect"].clone(): [{ "remove": { "value": "Red" } }],
            ids["labels"].clone(): [{ "add": "c" }, { "remove": "a" }],
            ids["float"].clone(): [{ "set": 7 }],
        },
        "fields": { ids["textfield"].clone(): null, ids["select"].clone(): { "value": "Blue" } },
    });
    let edited = bob.put(&format!("/rest/api/3/issue/{key}"), &edit).await;
    assert_eq!(edited.status, StatusCode::NO_CONTENT, "{}", edited.text);
    let read = bob.get(&format!("/rest/api/3/issue/{key}")).await.body;
    let got = |kind: &str| read["fields"][&ids[kind]].clone();
    assert_eq!(got("multiselect").as_array().map(Vec::len), Some(1));
    assert_eq!(got("labels"), json!(["b", "c"]));
    assert_eq!(got("float"), 7.0);
    assert_eq!(got("textfield"), Value::Null, "cleared, still listed");
    assert_eq!(got("select")["value"], "Blue");
    let unsupported = bob
        .put(
            &format!("/rest/api/3/issue/{key}"),
            &json!({ "update": { ids["textfield"].clone(): [{ "add": "x" }] } }),
        )
        .await;
    assert_eq!(unsupported.status, StatusCode::BAD_REQUEST);

    // An issue without values lists the fields as null.
    let plain = bob.get("/rest/api/3/issue/KILN-1").await.body;
    assert_eq!(plain["fields"][&ids["select"]], Value::Null);

    // REST API v2: a textarea is written and read as a string.
    let v2 = bob
        .put(
            &format!("/rest/api/2/issue/{key}"),
            &json!({ "fields": { ids["textarea"].clone(): "from *v2*" } }),
        )
        .await;
    assert_eq!(v2.status, StatusCode::NO_CONTENT, "{}", v2.text);
    let read_v2 = bob.get(&format!("/rest/api/2/issue/{key}")).await.body;
    assert_eq!(read_v2["fields"][&ids["textarea"]], "from *v2*");
    let read_v3 = bob.get(&format!("/rest/api/3/issue/{key}")).await.body;
    assert_eq!(read_v3["fields"][&ids["textarea"]]["type"], "doc");
    assert_eq!(
        read_v2["fields"][&ids["select"]]["self"]
            .as_str()
            .map(|s| s.contains("/rest/api/2/customFieldOption/")),
        Some(true)
    );
}

#[tokio::test]
async fn wrong_values_are_refused_naming_the_field() {
    let sim = start_seeded().await;
    let bob = caller(&sim, USER);
    let too_long_text = "x".repeat(256);
    let too_long_area = doc(&"x".repeat(32_768));
    let cases = [
        (
            "customfield_10000",
            json!({ "value": "Unknown" }),
            "Option value 'Unknown' is not valid",
        ),
        (
            "customfield_10000",
            json!({ "id": "1" }),
            "Option id '1' is not valid",
        ),
        (
            "customfield_10000",
            json!("High"),
            "Specify a valid 'id' or 'name' for Severity",
        ),
        (
            "customfield_10001",
            json!(7),
            "Operation value must be a string",
        ),
        (
            "customfield_10001",
            json!(too_long_text),
            "The entered text is too long. It exceeds the allowed limit of 255 characters.",
        ),
        (
            "customfield_10002",
            json!("plain"),
            "Operation value must be an Atlassian Document (see the Atlassian Document Format).",
        ),
        (
            "customfield_10002",
            too_long_area,
            "The entered text is too long. It exceeds the allowed limit of 32,767 characters.",
        ),
        (
            "customfield_10003",
            json!("3"),
            "Operation value must be a number",
        ),
        (
            "customfield_10004",
            json!({ "accountId": "nobody" }),
            "Specified user 'nobody' does not exist.",
        ),
        (
            "customfield_99999",
            json!("x"),
            "Field 'customfield_99999' cannot be set. It is not on the appropriate screen, or unknown.",
        ),
    ];
    for (field, value, message) in cases {
        let reply = bob
            .put(
                "/rest/api/3/issue/KILN-1",
                &json!({ "fields": { field: value } }),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{field}: {}",
            reply.text
        );
        assert_eq!(
            reply.body,
            json!({ "errorMessages": [], "errors": { field: message } }),
            "{field}"
        );
    }
    // Nothing was changed by the refused writes.
    let issue = bob.get("/rest/api/3/issue/KILN-1").await.body;
    assert_eq!(issue["fields"]["customfield_10001"], "EXT-42");
}

#[tokio::test]
async fn seeded_values_are_served_and_searched_with_jql() {
    let sim = start_seeded().await;
    let issue = caller(&sim, ADMIN)
        .get("/rest/api/3/issue/KILN-1")
        .await
        .body;
    assert_eq!(issue["fields"]["customfield_10000"]["value"], "High");
    assert_eq!(
        issue["fields"]["customfield_10002"],
        doc("needs a second look")
    );
    assert_eq!(issue["fields"]["customfield_10003"], 3.0);
    assert_eq!(
        issue["fields"]["customfield_10004"]["accountId"],
        account_id(&sim, USER).as_str()
    );

    let ok = |jql: &str| {
        let sim = &sim;
        let jql = jql.to_owned();
        async move {
            keys(sim, &jql)
                .await
                .unwrap_or_else(|e| panic!("{jql}: {e}"))
        }
    };
    assert_eq!(ok("cf[10000] = High").await, ["KILN-1"]);
    assert_eq!(ok("cf[10000] = critical").await, ["KILN-2"]);
    assert_eq!(
        ok("\"Severity\" IN (High, Critical)").await,
        ["KILN-1", "KILN-2"]
    );
    assert_eq!(
        ok("Severity != High").await,
        ["KILN-2"],
        "!= skips empty values"
    );
    assert_eq!(ok("project = KILN AND Severity IS EMPTY").await.len(), 4);
    assert_eq!(ok("Severity IS NOT EMPTY").await, ["KILN-1", "KILN-2"]);
    assert_eq!(ok("Severity NOT IN (Low)").await, ["KILN-1", "KILN-2"]);
    assert_eq!(ok("\"Sync ID\" ~ ext-42").await, ["KILN-1"]);
    assert_eq!(ok("cf[10002] ~ second").await, ["KILN-1"]);
    assert_eq!(ok("Notes IS EMPTY AND project = KILN").await.len(), 5);
    assert_eq!(ok("Points = 5.5").await, ["KILN-2"]);
    assert_eq!(ok("Points = 3.0").await, ["KILN-1"]);
    assert_eq!(ok(&format!("Reviewer = {USER}")).await, ["KILN-1"]);

    let reviewer = caller(&sim, USER)
        .post(
            "/rest/api/3/search/jql",
            &json!({ "jql": "Reviewer = currentUser()", "fields": ["customfield_10004"] }),
        )
        .await;
    assert_eq!(
        reviewer.body["issues"][0]["key"], "KILN-1",
        "{}",
        reviewer.text
    );
    assert_eq!(
        reviewer.body["issues"][0]["fields"]["customfield_10004"]["accountId"],
        account_id(&sim, USER).as_str()
    );

    // ORDER BY a custom field: by option order, by number; empty values last
    // ascending (so first descending), as in Jira.
    let sorted = |jql: &str| {
        let sim = &sim;
        let jql = jql.to_owned();
        async move {
            let reply = caller(sim, ADMIN)
                .post(
                    "/rest/api/3/search/jql",
                    &json!({ "jql": jql, "fields": ["summary"] }),
                )
                .await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
            reply.body["issues"]
                .as_array()
                .expect("issues")
                .iter()
                .take(3)
                .map(|i| i["key"].as_str().unwrap_or_default().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        sorted("Severity IS NOT EMPTY ORDER BY Severity DESC").await[..2],
        ["KILN-2", "KILN-1"]
    );
    assert_eq!(
        sorted("project = KILN ORDER BY cf[10003] ASC").await[..2],
        ["KILN-1", "KILN-2"]
    );
    assert_eq!(
        sorted("Points IS NOT EMPTY ORDER BY Points DESC").await,
        ["KILN-2", "KILN-1"].map(String::from)
    );

    for (jql, message) in [
        (
            "cf[10099] = x",
            "Field 'cf[10099]' does not exist or you do not have permission to view it.",
        ),
        (
            // Not a clause name of the field: Jira does not know it either.
            "customfield_10000 = High",
            "Field 'customfield_10000' does not exist or you do not have permission to view it.",
        ),
        (
            "Colour = red",
            "Field 'Colour' does not exist or you do not have permission to view it.",
        ),
        (
            "\"Sync ID\" = EXT-42",
            "The operator '=' is not supported by the 'Sync ID' field.",
        ),
        (
            "Severity ~ High",
            "The operator '~' is not supported by the 'Severity' field.",
        ),
        (
            "Severity = Medium",
            "The option 'Medium' for field 'Severity' does not exist.",
        ),
        (
            "Points = many",
            "The value 'many' does not exist for the field 'Points'.",
        ),
    ] {
        let err = keys(&sim, jql).await.expect_err(jql);
        assert_eq!(err["errorMessages"][0], message, "{jql}");
    }
}

#[tokio::test]
async fn dates_labels_and_multiselects_are_searched_by_value() {
    let mut seed = seeded();
    seed.custom_fields.extend([
        seed_field("Deadline", "datepicker", &[]),
        seed_field("Platforms", "multiselect", &["Linux", "macOS"]),
        seed_field("Topics", "labels", &[]),
        seed_field("Seen", "datetime", &[]),
        SeedCustomField {
            searcher_key: Some(format!("{TYPE}numberrange")),
            ..seed_field("Estimate", "float", &[])
        },
    ]);
    let issues = &mut seed.projects[0].issues;
    issues[2]
        .custom_fields
        .insert("Deadline".into(), json!("2024-03-01"));
    issues[2]
        .custom_fields
        .insert("Platforms".into(), json!(["Linux", "macOS"]));
    issues[2]
        .custom_fields
        .insert("Topics".into(), json!(["wasm"]));
    issues[2]
        .custom_fields
        .insert("Seen".into(), json!("2024-03-01T12:00:00Z"));
    issues[2].custom_fields.insert("Estimate".into(), json!(8));
    issues[3].custom_fields.insert("Estimate".into(), json!(2));
    let sim = start_with(SimConfig {
        seed,
        ..SimConfig::default()
    })
    .await;
    for jql in [
        "Deadline = 2024-03-01",
        "Deadline = \"2024/03/01\"",
        "Platforms = macos",
        "Platforms IN (Windows, Linux)",
        "Topics = wasm",
        "Seen = \"2024-03-01 12:00\"",
    ] {
        let found = keys(&sim, jql).await;
        if jql.contains("Windows") {
            // An unknown option is an error, not an empty result, as in Jira.
            assert!(found.is_err(), "{jql}");
            continue;
        }
        assert_eq!(found.expect(jql), ["KILN-3"], "{jql}");
    }
    let err = keys(&sim, "Deadline = tomorrow")
        .await
        .expect_err("bad date");
    assert!(
        err["errorMessages"][0].as_str().is_some_and(
            |m| m.starts_with("Date value 'tomorrow' for field 'Deadline' is invalid.")
        ),
        "{err}"
    );
}

/// Jira tells apart custom fields that share a name by the type's display
/// name in square brackets, as an app's `"ID Scarlett[Labels]" in (…)` does.
#[tokio::test]
async fn a_clause_names_a_field_by_its_name_and_type() {
    let mut seed = seeded();
    seed.custom_fields.push(seed_field("Ref", "textfield", &[]));
    seed.projects[0].issues[0]
        .custom_fields
        .insert("Ref".into(), json!("alpha"));
    let sim = start_with(SimConfig {
        seed,
        ..SimConfig::default()
    })
    .await;
    // A seed refuses a second field of a name; Jira's REST API does not.
    let labels_id = create_field(&sim, "Ref", "labels", Some("labelsearcher")).await;
    let reply = caller(&sim, ADMIN)
        .put(
            "/rest/api/3/issue/KILN-2",
            &json!({ "fields": { labels_id: ["S-1"] } }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text);
    let labels = keys(&sim, "\"Ref[Labels]\" in (\"S-1\", \"S-2\")").await;
    assert_eq!(labels.expect("labels"), ["KILN-2"]);
    let text = keys(&sim, "\"ref[short TEXT]\" ~ alpha").await;
    assert_eq!(
        text.expect("short text"),
        ["KILN-1"],
        "without regard to case"
    );
    let err = keys(&sim, "\"Ref[Number]\" = 1")
        .await
        .expect_err("no Ref of that type");
    assert_eq!(
        err["errorMessages"][0],
        "Field 'Ref[Number]' does not exist or you do not have permission to view it."
    );
}

#[tokio::test]
async fn seeds_with_bad_custom_fields_are_refused() {
    let mut seed = seeded();
    seed.projects[0].issues[0]
        .custom_fields
        .insert("Nope".into(), json!("x"));
    let err = seed.validate().expect_err("unknown field").to_string();
    assert!(err.contains("unknown custom field \"Nope\""), "{err}");

    let mut seed = seeded();
    seed.projects[0].issues[0]
        .custom_fields
        .insert("Severity".into(), json!("Extreme"));
    let err = seed.validate().expect_err("unknown option").to_string();
    assert!(err.contains("Option value 'Extreme' is not valid"), "{err}");

    let mut seed = seeded();
    seed.custom_fields
        .push(seed_field("Severity", "select", &[]));
    assert!(seed.validate().is_err(), "names are unique in a seed");

    let mut seed = seeded();
    seed.custom_fields
        .push(seed_field("Odd", "grouppicker", &[]));
    assert!(seed.validate().is_err());

    let mut seed = seeded();
    seed.custom_fields
        .push(seed_field("Text", "textfield", &["option"]));
    assert!(seed.validate().is_err(), "only selects have options");

    // A named id is kept, and numbering continues after it.
    let mut seed = seeded();
    let mut pinned = seed_field("Pinned", "textfield", &[]);
    pinned.id = Some("customfield_10100".into());
    seed.custom_fields.push(pinned);
    seed.custom_fields
        .push(seed_field("After", "textfield", &[]));
    seed.validate().expect("a pinned id is fine");
    let json = serde_json::to_string(&seed).expect("serializes");
    assert_eq!(Seed::from_json(&json).expect("round trip"), seed);
    let sim = start_with(SimConfig {
        seed,
        ..SimConfig::default()
    })
    .await;
    let fields = caller(&sim, USER)
        .get("/rest/api/3/field/search?type=custom")
        .await;
    let ids: Vec<&str> = fields.body["values"]
        .as_array()
        .expect("values")
        .iter()
        .filter_map(|f| f["id"].as_str())
        .collect();
    assert_eq!(&ids[5..], ["customfield_10100", "customfield_10101"]);
}

#[tokio::test]
async fn the_site_holds_at_most_a_thousand_custom_fields() {
    let seed = Seed {
        custom_fields: (0..1000)
            .map(|n| seed_field(&format!("Field {n}"), "textfield", &[]))
            .collect(),
        ..Seed::default()
    };
    let sim = start_with(SimConfig {
        seed,
        ..SimConfig::default()
    })
    .await;
    let reply = caller(&sim, ADMIN)
        .post(
            "/rest/api/3/field",
            &json!({ "name": "One more", "type": format!("{TYPE}textfield") }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    let seed = Seed {
        custom_fields: (0..1001)
            .map(|n| seed_field(&format!("Field {n}"), "textfield", &[]))
            .collect(),
        ..Seed::default()
    };
    assert!(seed.validate().is_err());
}

/// No custom fields of the site's own: only Jira Software's Sprint field,
/// which every cloud site has (`customfield_10020`, empty on every issue).
#[tokio::test]
async fn the_default_site_has_no_custom_fields() {
    let sim = start().await;
    let sprint = "customfield_10020";
    let fields = caller(&sim, USER).get("/rest/api/3/field").await.body;
    assert!(
        fields
            .as_array()
            .expect("fields")
            .iter()
            .all(|f| f["custom"] == false || f["id"] == sprint)
    );
    let issue = caller(&sim, USER)
        .get("/rest/api/3/issue/KILN-1")
        .await
        .body;
    let fields = issue["fields"].as_object().expect("fields");
    assert!(
        fields
            .keys()
            .all(|k| !k.starts_with("customfield_") || k == sprint)
    );
    assert_eq!(fields[sprint], Value::Null);
}

#[tokio::test]
async fn the_gateway_asks_for_the_specs_scopes() {
    let sim = start_seeded().await;
    // Alice (a site admin) grants only read:jira-work.
    let read = common::oauth::access_token(&sim, "read:jira-work").await;
    let listed =
        common::oauth::gateway_get(&sim, &read, "/rest/api/3/field/search?type=custom").await;
    assert_eq!(listed.status(), StatusCode::OK);
    let body: Value = listed.json().await.expect("JSON");
    assert_eq!(body["total"], 5);
    let issue: Value = common::oauth::gateway_get(&sim, &read, "/rest/api/3/issue/KILN-1")
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(issue["fields"]["customfield_10000"]["value"], "High");
    // Contexts and field creation need manage:jira-configuration.
    let contexts =
        common::oauth::gateway_get(&sim, &read, "/rest/api/3/field/customfield_10000/context")
            .await;
    assert_eq!(contexts.status(), StatusCode::UNAUTHORIZED);
    let create = common::client()
        .post(format!(
            "{}/ex/jira/{}/rest/api/3/field",
            sim.base_url(),
            sim.cloud_id()
        ))
        .bearer_auth(&read)
        .json(&json!({ "name": "X", "type": format!("{TYPE}float") }))
        .send()
        .await
        .expect("sent");
    assert_eq!(create.status(), StatusCode::UNAUTHORIZED);
    let manage = common::oauth::access_token(&sim, "manage:jira-configuration").await;
    let create = common::client()
        .post(format!(
            "{}/ex/jira/{}/rest/api/3/field",
            sim.base_url(),
            sim.cloud_id()
        ))
        .bearer_auth(&manage)
        .json(&json!({ "name": "X", "type": format!("{TYPE}float") }))
        .send()
        .await
        .expect("sent");
    assert_eq!(create.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn create_metadata_lists_custom_fields_and_their_options() {
    let sim = start_seeded().await;
    let bob = caller(&sim, USER);
    let meta = bob
        .get("/rest/api/3/issue/createmeta/KILN/issuetypes/10001")
        .await;
    assert_eq!(meta.status, StatusCode::OK, "{}", meta.text);
    let fields = meta.body["fields"].as_array().expect("fields");
    assert_eq!(meta.body["total"], fields.len());
    let summary = fields
        .iter()
        .find(|f| f["fieldId"] == "summary")
        .expect("summary");
    assert_eq!(summary["required"], true);
    let severity = fields
        .iter()
        .find(|f| f["fieldId"] == "customfield_10000")
        .expect("severity");
    assert_eq!(severity["name"], "Severity");
    assert_eq!(severity["schema"]["custom"], format!("{TYPE}select"));
    let values: Vec<&str> = severity["allowedValues"]
        .as_array()
        .expect("allowed values")
        .iter()
        .filter_map(|v| v["value"].as_str())
        .collect();
    assert_eq!(values, ["Low", "High", "Critical"]);
    let priority = fields
        .iter()
        .find(|f| f["fieldId"] == "priority")
        .expect("priority");
    assert_eq!(priority["defaultValue"]["name"], "Medium");

    let paged = bob
        .get("/rest/api/3/issue/createmeta/KILN/issuetypes/10001?startAt=2&maxResults=3")
        .await;
    assert_eq!(paged.body["fields"].as_array().map(Vec::len), Some(3));
    assert_eq!(paged.body["fields"][0]["fieldId"], fields[2]["fieldId"]);
    assert_eq!(
        bob.get("/rest/api/3/issue/createmeta/KILN/issuetypes/999")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        caller(&sim, common::OUTSIDER)
            .get("/rest/api/3/issue/createmeta/SEC/issuetypes/10001")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_deprecated_create_metadata_answers_from_the_same_fields() {
    let sim = start_seeded().await;
    let contract = crate::contract::Contract::new();
    let bob = caller(&sim, USER);
    let all = bob.get("/rest/api/3/issue/createmeta").await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text);
    contract.check_ref("GET /issue/createmeta", "IssueCreateMetadata", &all.body);
    let projects = all.body["projects"].as_array().expect("projects");
    assert!(!projects.is_empty(), "{}", all.text);
    // Without the expansion, issue types but no fields.
    let kiln = projects
        .iter()
        .find(|p| p["key"] == "KILN")
        .expect("KILN, where Bob may create");
    let types = kiln["issuetypes"].as_array().expect("issue types");
    assert!(types.iter().any(|t| t["id"] == "10001"), "{}", all.text);
    assert!(types.iter().all(|t| t.get("fields").is_none()));

    // Narrowed by key and by type name (lists comma-separated and repeated), with
    // the fields: the paged operation's fields, by id.
    let narrowed = bob
        .get(
            "/rest/api/3/issue/createmeta?projectKeys=kiln,NOPE&issuetypeNames=Nothing\
             &issuetypeNames=Task&expand=projects.issuetypes.fields",
        )
        .await;
    assert_eq!(narrowed.status, StatusCode::OK, "{}", narrowed.text);
    contract.check_ref(
        "GET /issue/createmeta",
        "IssueCreateMetadata",
        &narrowed.body,
    );
    let projects = narrowed.body["projects"].as_array().expect("projects");
    assert_eq!(projects.len(), 1, "{}", narrowed.text);
    let types = projects[0]["issuetypes"].as_array().expect("issue types");
    assert_eq!(types.len(), 1, "{}", narrowed.text);
    assert_eq!(types[0]["name"], "Task");
    let type_id = types[0]["id"].as_str().expect("id");
    let paged = bob
        .get(&format!(
            "/rest/api/3/issue/createmeta/KILN/issuetypes/{type_id}?maxResults=50"
        ))
        .await;
    let fields = types[0]["fields"].as_object().expect("fields by id");
    let listed = paged.body["fields"].as_array().expect("fields");
    assert_eq!(fields.len(), listed.len());
    for field in listed {
        let id = field["fieldId"].as_str().expect("id");
        let mut expected = field.clone();
        expected.as_object_mut().expect("object").remove("fieldId");
        assert_eq!(fields[id], expected, "{id}");
    }
    assert_eq!(
        fields["customfield_10000"]["allowedValues"][0]["value"], "Low",
        "{}",
        narrowed.text
    );

    // By id, the same project; a project the caller may not create in is left
    // out, not refused.
    let kiln_id = kiln["id"].as_str().expect("id");
    let by_id = bob
        .get(&format!(
            "/rest/api/3/issue/createmeta?projectIds={kiln_id}"
        ))
        .await;
    assert_eq!(by_id.body["projects"][0]["key"], "KILN", "{}", by_id.text);
    let outsider = caller(&sim, common::OUTSIDER)
        .get("/rest/api/3/issue/createmeta?projectKeys=SEC,KILN")
        .await;
    assert_eq!(outsider.status, StatusCode::OK, "{}", outsider.text);
    assert_eq!(outsider.body["projects"], json!([]), "{}", outsider.text);
}

#[tokio::test]
async fn expand_names_maps_custom_field_ids_to_names() {
    let sim = start_seeded().await;
    let issue = caller(&sim, USER)
        .get("/rest/api/3/issue/KILN-1?fields=summary,customfield_10000&expand=names,schema")
        .await;
    assert_eq!(issue.status, StatusCode::OK, "{}", issue.text);
    assert_eq!(
        issue.body["names"],
        json!({ "summary": "Summary", "customfield_10000": "Severity" })
    );
    assert_eq!(issue.body["schema"]["customfield_10000"]["type"], "option");
    assert_eq!(issue.body["schema"]["summary"]["system"], "summary");
    let plain = caller(&sim, USER)
        .get("/rest/api/3/issue/KILN-1")
        .await
        .body;
    assert!(plain.get("names").is_none() && plain.get("schema").is_none());
}

#[tokio::test]
async fn edit_metadata_lists_what_the_caller_may_edit() {
    let sim = start_seeded().await;
    let meta = caller(&sim, USER)
        .get("/rest/api/3/issue/KILN-1/editmeta")
        .await;
    assert_eq!(meta.status, StatusCode::OK, "{}", meta.text);
    let severity = &meta.body["fields"]["customfield_10000"];
    assert_eq!(severity["name"], "Severity");
    assert_eq!(severity["key"], "customfield_10000");
    assert_eq!(severity["allowedValues"][1]["value"], "High");
    assert!(meta.body["fields"].get("project").is_none());
    assert_eq!(meta.body["fields"]["summary"]["operations"], json!(["set"]));
    // Carol may see KILN but not edit it; SEC she cannot see.
    let carol = caller(&sim, common::OUTSIDER);
    let none = carol.get("/rest/api/3/issue/KILN-1/editmeta").await;
    assert_eq!(none.body, json!({ "fields": {} }));
    assert_eq!(
        carol.get("/rest/api/3/issue/SEC-1/editmeta").await.status,
        StatusCode::NOT_FOUND
    );
}
