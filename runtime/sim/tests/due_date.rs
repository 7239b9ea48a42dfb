//! The system fields `duedate` and `environment`: set on create and edit (v3
//! and v2), refused in Jira's words when malformed, rendered and selected,
//! described in `/field`, field search and the create/edit metadata, logged in
//! the changelog and the `jira:issue_updated` webhook, searched and sorted by
//! JQL (with periods and date functions read from the simulator's clock), and
//! seeded.

use crate::common;
use crate::common::hook_receiver::{next_delivery, receiver};
use crate::contract::Contract;

use common::{ADMIN, caller, start};
use kiln_sim::{AdminWebhook, Seed, SimClock, SimConfig, WebhookEvent};
use reqwest::StatusCode;
use serde_json::{Value, json};
use time::macros::datetime;

fn doc(text: &str) -> Value {
    json!({
        "type": "doc", "version": 1,
        "content": [{ "type": "paragraph", "content": [{ "type": "text", "text": text }] }],
    })
}

#[tokio::test]
async fn a_due_date_and_environment_are_set_read_and_cleared() {
    let sim = start().await;
    let contract = Contract::new();
    let alice = caller(&sim, ADMIN);
    let created = alice
        .post(
            "/rest/api/3/issue",
            &json!({ "fields": {
                "project": { "key": "KILN" }, "issuetype": { "name": "Task" },
                "summary": "Due soon", "duedate": "2024-06-30",
                "environment": doc("Linux, Firefox 126"),
            } }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let key = created.str_at("/key");
    let path = format!("/rest/api/3/issue/{key}");

    let read = alice.get(&path).await;
    contract.check_ref("GET /issue", "IssueBean", &read.body);
    assert_eq!(read.body["fields"]["duedate"], "2024-06-30");
    assert_eq!(
        read.body["fields"]["environment"],
        doc("Linux, Firefox 126")
    );
    // Both are navigator columns; neither is there unless selected.
    for fields in ["*navigable", "*all", "duedate,environment"] {
        let selected = alice.get_with(&path, &[("fields", fields)]).await;
        assert_eq!(selected.body["fields"]["duedate"], "2024-06-30", "{fields}");
        assert!(
            selected.body["fields"]["environment"].is_object(),
            "{fields}"
        );
    }
    let summary_only = alice.get_with(&path, &[("fields", "summary")]).await;
    assert!(summary_only.body["fields"].get("duedate").is_none());
    assert!(summary_only.body["fields"].get("environment").is_none());
    let named = alice
        .get_with(&path, &[("fields", "duedate"), ("expand", "names,schema")])
        .await;
    assert_eq!(named.body["names"]["duedate"], "Due date");
    assert_eq!(
        named.body["schema"]["duedate"],
        json!({ "type": "date", "system": "duedate" })
    );

    // `update` `set`, then the two ways to clear.
    let edited = alice
        .put(
            &path,
            &json!({ "update": {
                "duedate": [{ "set": "2024-07-01" }],
                "environment": [{ "set": doc("macOS") }],
            } }),
        )
        .await;
    assert_eq!(edited.status, StatusCode::NO_CONTENT, "{}", edited.text);
    let read = alice.get(&path).await;
    assert_eq!(read.body["fields"]["duedate"], "2024-07-01");
    assert_eq!(read.body["fields"]["environment"], doc("macOS"));
    for cleared in [json!(null), json!("")] {
        let put = alice
            .put(&path, &json!({ "fields": { "duedate": cleared } }))
            .await;
        assert_eq!(put.status, StatusCode::NO_CONTENT, "{}", put.text);
        assert_eq!(
            alice.get(&path).await.body["fields"]["duedate"],
            Value::Null
        );
        alice
            .put(&path, &json!({ "fields": { "duedate": "2024-07-01" } }))
            .await;
    }
    let put = alice
        .put(&path, &json!({ "fields": { "environment": null } }))
        .await;
    assert_eq!(put.status, StatusCode::NO_CONTENT, "{}", put.text);
    assert_eq!(
        alice.get(&path).await.body["fields"]["environment"],
        Value::Null
    );

    // Malformed values: Jira's field errors, and nothing changes.
    for (fields, field, message) in [
        (
            json!({ "duedate": "30/06/2024" }),
            "duedate",
            "Error parsing date string: 30/06/2024",
        ),
        (
            json!({ "duedate": "2024-02-30" }),
            "duedate",
            "Error parsing date string: 2024-02-30",
        ),
        (
            json!({ "duedate": 20_240_630 }),
            "duedate",
            "Operation value must be a string",
        ),
        (
            json!({ "environment": "plain text" }),
            "environment",
            "Operation value must be an Atlassian Document (see the Atlassian Document Format).",
        ),
    ] {
        let refused = alice.put(&path, &json!({ "fields": fields })).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{fields}");
        contract.check_ref("400", "ErrorCollection", &refused.body);
        assert_eq!(refused.body["errors"][field], message, "{fields}");
    }
    assert_eq!(
        alice.get(&path).await.body["fields"]["duedate"],
        "2024-07-01"
    );
    let refused = alice
        .post(
            "/rest/api/3/issue",
            &json!({ "fields": {
                "project": { "key": "KILN" }, "issuetype": { "name": "Task" },
                "summary": "Bad date", "duedate": "tomorrow",
            } }),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        refused.body["errors"]["duedate"],
        "Error parsing date string: tomorrow"
    );

    // Search and bulk fetch render them as getIssue does.
    let searched = alice
        .post(
            "/rest/api/3/search/jql",
            &json!({ "jql": format!("key = {key}"), "fields": ["*navigable"] }),
        )
        .await;
    assert_eq!(
        searched.body["issues"][0]["fields"]["duedate"],
        "2024-07-01"
    );
    assert!(
        searched.body["issues"][0]["fields"]
            .get("environment")
            .is_some()
    );
    let bulk = alice
        .post(
            "/rest/api/3/issue/bulkfetch",
            &json!({ "issueIdsOrKeys": [key], "fields": ["duedate"] }),
        )
        .await;
    assert_eq!(bulk.status, StatusCode::OK, "{}", bulk.text);
    assert_eq!(
        bulk.body["issues"][0]["fields"],
        json!({ "duedate": "2024-07-01" })
    );
}

#[tokio::test]
async fn rest_api_v2_writes_and_reads_the_environment_as_wiki_markup() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let put = alice
        .put(
            "/rest/api/2/issue/KILN-1",
            &json!({ "fields": { "environment": "Linux\n\nFirefox", "duedate": "2024-01-31" } }),
        )
        .await;
    assert_eq!(put.status, StatusCode::NO_CONTENT, "{}", put.text);
    let v2 = alice.get("/rest/api/2/issue/KILN-1").await;
    assert_eq!(v2.body["fields"]["environment"], "Linux\n\nFirefox");
    assert_eq!(v2.body["fields"]["duedate"], "2024-01-31");
    let v3 = alice.get("/rest/api/3/issue/KILN-1").await;
    assert_eq!(v3.body["fields"]["environment"]["type"], "doc");
    let put = alice
        .put(
            "/rest/api/2/issue/KILN-1",
            &json!({ "update": { "environment": [{ "set": "Windows" }] } }),
        )
        .await;
    assert_eq!(put.status, StatusCode::NO_CONTENT, "{}", put.text);
    let v2 = alice.get("/rest/api/2/issue/KILN-1").await;
    assert_eq!(v2.body["fields"]["environment"], "Windows");
}

#[tokio::test]
async fn the_fields_are_described_in_the_field_list_and_the_metadata() {
    let sim = start().await;
    let contract = Contract::new();
    let alice = caller(&sim, ADMIN);
    let fields = alice.get("/rest/api/3/field").await;
    let find = |id: &str| {
        fields
            .body
            .as_array()
            .and_then(|all| all.iter().find(|f| f["id"] == id).cloned())
    };
    let due = find("duedate").expect("duedate is listed");
    contract.check_ref("GET /field duedate", "FieldDetails", &due);
    assert_eq!(
        due,
        json!({
            "id": "duedate", "key": "duedate", "name": "Due date", "custom": false,
            "orderable": true, "navigable": true, "searchable": true,
            "clauseNames": ["due", "duedate"],
            "schema": { "type": "date", "system": "duedate" },
        })
    );
    let environment = find("environment").expect("environment is listed");
    assert_eq!(environment["navigable"], true);
    assert_eq!(environment["clauseNames"], json!(["environment"]));
    assert_eq!(
        environment["schema"],
        json!({ "type": "string", "system": "environment" })
    );

    let searched = alice
        .get_with(
            "/rest/api/3/field/search",
            &[("type", "system"), ("id", "duedate,environment")],
        )
        .await;
    assert_eq!(searched.body["total"], 2, "{}", searched.text);

    let create_meta = alice
        .get("/rest/api/3/issue/createmeta/KILN/issuetypes/10001?maxResults=50")
        .await;
    let meta = create_meta.body["fields"].as_array().expect("fields");
    let due = meta
        .iter()
        .find(|f| f["fieldId"] == "duedate")
        .expect("duedate in createmeta");
    assert_eq!(
        due["schema"],
        json!({ "type": "date", "system": "duedate" })
    );
    assert_eq!(due["operations"], json!(["set"]));
    assert_eq!(due["required"], false);
    assert!(meta.iter().any(|f| f["fieldId"] == "environment"));
    let edit_meta = alice.get("/rest/api/3/issue/KILN-1/editmeta").await;
    assert_eq!(edit_meta.body["fields"]["duedate"]["name"], "Due date");
    assert_eq!(
        edit_meta.body["fields"]["environment"]["schema"]["system"],
        "environment"
    );
}

/// A site at `clock` whose admin webhook sends `jira:issue_updated` for the
/// issues `jql` matches (every issue without one).
async fn site_with_hook(url: &str, jql: Option<&str>, clock: SimClock) -> kiln_sim::Simulator {
    let seed = Seed {
        webhooks: vec![AdminWebhook {
            name: String::from("due"),
            url: url.to_owned(),
            events: vec![WebhookEvent::IssueUpdated],
            jql_filter: jql.map(str::to_owned),
            secret: None,
        }],
        ..Seed::default()
    };
    common::start_with(SimConfig {
        seed,
        clock,
        ..SimConfig::default()
    })
    .await
}

#[tokio::test]
async fn changes_are_in_the_changelog_and_the_webhook_as_jira_logs_them() {
    let (url, mut deliveries) = receiver().await;
    let sim = site_with_hook(&url, None, SimClock::system()).await;
    let alice = caller(&sim, ADMIN);
    for fields in [
        json!({ "duedate": "2025-08-22", "environment": doc("Linux") }),
        json!({ "duedate": "2025-08-29", "environment": doc("macOS") }),
        json!({ "duedate": null, "environment": null }),
    ] {
        let put = alice
            .put("/rest/api/3/issue/KILN-1", &json!({ "fields": fields }))
            .await;
        assert_eq!(put.status, StatusCode::NO_CONTENT, "{}", put.text);
    }
    let mut carried = Vec::new();
    for _ in 0..3 {
        let delivery = next_delivery(&mut deliveries).await;
        assert_eq!(delivery["webhookEvent"], "jira:issue_updated");
        carried.push(delivery);
    }
    assert_eq!(carried[0]["issue"]["fields"]["duedate"], "2025-08-22");
    assert_eq!(carried[2]["issue"]["fields"]["duedate"], Value::Null);
    let items = |n: usize| carried[n]["changelog"]["items"].clone();
    assert_eq!(
        items(0),
        json!([
            {
                "field": "environment", "fieldtype": "jira", "fieldId": "environment",
                "from": null, "fromString": null, "to": null, "toString": "Linux",
            },
            {
                "field": "duedate", "fieldtype": "jira", "fieldId": "duedate",
                "from": null, "fromString": null,
                "to": "2025-08-22", "toString": "2025-08-22 00:00:00.0",
            },
        ])
    );
    assert_eq!(items(1)[1]["from"], "2025-08-22");
    assert_eq!(items(1)[1]["fromString"], "2025-08-22 00:00:00.0");
    assert_eq!(items(1)[1]["to"], "2025-08-29");
    assert_eq!(items(2)[0]["fromString"], "macOS");
    assert_eq!(items(2)[0]["toString"], Value::Null);
    assert_eq!(items(2)[1]["to"], Value::Null);

    let page = alice.get("/rest/api/3/issue/KILN-1/changelog").await;
    let values = page.body["values"].as_array().expect("values");
    assert_eq!(values.len(), 3);
    for (entry, delivery) in values.iter().zip(&carried) {
        assert_eq!(entry["items"], delivery["changelog"]["items"]);
    }
}

/// The keys `jql` finds, in the answer's order.
async fn keys(alice: &common::Caller<'_>, jql: &str) -> Result<Vec<String>, String> {
    let found = alice
        .post(
            "/rest/api/3/search/jql",
            &json!({ "jql": jql, "fields": ["summary"], "maxResults": 100 }),
        )
        .await;
    if found.status != StatusCode::OK {
        return Err(found.body["errorMessages"][0]
            .as_str()
            .unwrap_or(&found.text)
            .to_owned());
    }
    Ok(found.body["issues"]
        .as_array()
        .expect("issues")
        .iter()
        .map(|i| i["key"].as_str().expect("key").to_owned())
        .collect())
}

#[tokio::test]
async fn jql_searches_and_sorts_by_due_date_against_the_site_clock() {
    let clock = SimClock::frozen_at(datetime!(2024-05-10 12:00 UTC).into());
    let sim = common::start_with(SimConfig {
        clock: clock.clone(),
        ..SimConfig::default()
    })
    .await;
    let alice = caller(&sim, ADMIN);
    for (key, due) in [
        ("KILN-1", "2024-05-09"),
        ("KILN-2", "2024-05-10"),
        ("KILN-3", "2024-05-11"),
        ("KILN-4", "2024-05-24"),
    ] {
        let put = alice
            .put(
                &format!("/rest/api/3/issue/{key}"),
                &json!({ "fields": { "duedate": due } }),
            )
            .await;
        assert_eq!(put.status, StatusCode::NO_CONTENT, "{}", put.text);
    }
    let kiln = |clause: &str| format!("project = KILN AND {clause} ORDER BY key");
    let cases: [(&str, &[&str]); 14] = [
        ("duedate = \"2024-05-10\"", &["KILN-2"]),
        ("due = \"2024/05/10\"", &["KILN-2"]),
        ("duedate != \"2024-05-10\"", &["KILN-1", "KILN-3", "KILN-4"]),
        (
            "duedate in (\"2024-05-09\", \"2024-05-24\")",
            &["KILN-1", "KILN-4"],
        ),
        (
            "duedate not in (\"2024-05-09\")",
            &["KILN-2", "KILN-3", "KILN-4"],
        ),
        ("duedate is EMPTY", &["KILN-5", "KILN-6"]),
        (
            "duedate is not EMPTY",
            &["KILN-1", "KILN-2", "KILN-3", "KILN-4"],
        ),
        ("duedate < now()", &["KILN-1"]),
        ("duedate <= endOfDay()", &["KILN-1", "KILN-2"]),
        ("duedate = startOfDay()", &["KILN-2"]),
        ("duedate >= \"2024-05-11\"", &["KILN-3", "KILN-4"]),
        ("duedate > \"1d\"", &["KILN-4"]),
        (
            "due >= \"-1d\" AND due <= \"1d\"",
            &["KILN-1", "KILN-2", "KILN-3"],
        ),
        (
            "duedate <= \"2w\"",
            &["KILN-1", "KILN-2", "KILN-3", "KILN-4"],
        ),
    ];
    for (clause, expected) in cases {
        assert_eq!(
            keys(&alice, &kiln(clause)).await,
            Ok(expected.iter().map(|k| (*k).to_owned()).collect()),
            "{clause}"
        );
    }
    // ORDER BY duedate: earliest first, issues without one last.
    assert_eq!(
        keys(&alice, "project = KILN ORDER BY duedate DESC, key ASC").await,
        Ok(["KILN-5", "KILN-6", "KILN-4", "KILN-3", "KILN-2", "KILN-1"]
            .map(String::from)
            .to_vec())
    );
    assert_eq!(
        keys(&alice, "project = KILN ORDER BY due, key").await,
        Ok(["KILN-1", "KILN-2", "KILN-3", "KILN-4", "KILN-5", "KILN-6"]
            .map(String::from)
            .to_vec())
    );
    // The clock moves; so do relative dates.
    clock.advance(std::time::Duration::from_secs(24 * 3600));
    assert_eq!(
        keys(&alice, &kiln("duedate < now()")).await,
        Ok(vec![String::from("KILN-1"), String::from("KILN-2")])
    );

    for (jql, message) in [
        (
            "duedate = \"next week\"",
            "Date value 'next week' for field 'duedate' is invalid. Valid formats include: \
             'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'.",
        ),
        (
            "duedate ~ \"2024\"",
            "The operator '~' is not supported by the 'duedate' field.",
        ),
        (
            "duedate = currentUser()",
            "Function 'currentUser' is not supported by the field 'duedate'.",
        ),
    ] {
        assert_eq!(keys(&alice, jql).await, Err(String::from(message)), "{jql}");
    }
    // Jira's due date takes every date function a date-time field takes (what each
    // means as a day: `src/jql/due_date.rs`).
    for jql in [
        "duedate < startOfWeek()",
        "due <= endOfMonth(+1)",
        "duedate >= startOfYear(-1y)",
    ] {
        assert!(keys(&alice, jql).await.is_ok(), "{jql}");
    }

    // The environment is searched as text, alone and by `text`.
    alice
        .put(
            "/rest/api/3/issue/KILN-3",
            &json!({ "fields": { "environment": doc("Ubuntu 24.04 on arm64") } }),
        )
        .await;
    for jql in ["environment ~ ubuntu", "text ~ arm64"] {
        assert_eq!(
            keys(&alice, jql).await,
            Ok(vec![String::from("KILN-3")]),
            "{jql}"
        );
    }
}

#[tokio::test]
async fn an_admin_webhooks_relative_date_filter_reads_the_clock_when_it_matches() {
    let clock = SimClock::frozen_at(datetime!(2024-05-10 12:00 UTC).into());
    let (url, mut deliveries) = receiver().await;
    let sim = site_with_hook(&url, Some("duedate < now()"), clock.clone()).await;
    let alice = caller(&sim, ADMIN);
    // Due today: not overdue, so no delivery.
    let put = alice
        .put(
            "/rest/api/3/issue/KILN-1",
            &json!({ "fields": { "duedate": "2024-05-10" } }),
        )
        .await;
    assert_eq!(put.status, StatusCode::NO_CONTENT, "{}", put.text);
    clock.advance(std::time::Duration::from_secs(24 * 3600));
    let put = alice
        .put(
            "/rest/api/3/issue/KILN-1",
            &json!({ "fields": { "summary": "Now overdue" } }),
        )
        .await;
    assert_eq!(put.status, StatusCode::NO_CONTENT, "{}", put.text);
    let first = next_delivery(&mut deliveries).await;
    assert_eq!(
        first["changelog"]["items"][0]["field"], "summary",
        "the first edit was not delivered: {first}"
    );
}

#[tokio::test]
async fn a_seed_may_give_issues_a_due_date() {
    let mut seed = Seed::default();
    seed.projects[0].issues[0].due_date = Some(String::from("2024-12-24"));
    seed.validate().expect("a seed with a due date is valid");
    let sim = common::start_with(SimConfig {
        seed: seed.clone(),
        ..SimConfig::default()
    })
    .await;
    let alice = caller(&sim, ADMIN);
    let key = format!("{}-1", seed.projects[0].key);
    let read = alice.get(&format!("/rest/api/3/issue/{key}")).await;
    assert_eq!(read.body["fields"]["duedate"], "2024-12-24");

    seed.projects[0].issues[0].due_date = Some(String::from("24/12/2024"));
    let error = seed.validate().expect_err("not yyyy-MM-dd").to_string();
    assert!(error.contains("24/12/2024"), "{error}");
    // A seed without the key still reads, and writes none.
    let written = serde_json::to_value(Seed::default()).expect("serializes");
    assert!(written["projects"][0]["issues"][0].get("dueDate").is_none());
}
