//! An issue's creator, resolution, resolution date and status category change
//! date, as Jira Cloud's default (simplified) workflow keeps them: set at
//! creation, stamped as a transition moves the issue into a status of another
//! category, resolved ("Done") on the way into Done and unresolved on the way
//! out; logged in the changelog and the `jira:issue_updated` webhook as Jira
//! logs a resolution; rendered wherever issues are (the issue, the searches,
//! bulk fetch, a sprint's issues); listed by `/field`; searched and sorted by
//! JQL. Seeded issues in Done come out resolved at their last update.

use crate::common;
use crate::common::hook_receiver::{next_delivery, receiver};
use crate::contract::Contract;

use common::{ADMIN, USER, account_id, caller, start, start_with};
use kiln_sim::{AdminWebhook, SimClock, SimConfig, Simulator, WebhookEvent};
use reqwest::StatusCode;
use serde_json::{Value, json};
use time::macros::datetime;

const TO_DO: &str = "11";
const IN_PROGRESS: &str = "21";
const DONE: &str = "31";

/// The four fields, as an issue carries them.
fn workflow_fields(issue: &Value) -> (Value, Value, Value, Value) {
    let fields = &issue["fields"];
    (
        fields["creator"]["accountId"].clone(),
        fields["resolution"].clone(),
        fields["resolutiondate"].clone(),
        fields["statuscategorychangedate"].clone(),
    )
}

/// The site's Done resolution, as an issue's `resolution` field carries it.
fn done(sim: &Simulator) -> Value {
    json!({
        "self": format!("{}/rest/api/3/resolution/10000", sim.base_url()),
        "id": "10000",
        "description": "Work has been completed on this issue.",
        "name": "Done",
    })
}

/// A site whose clock stands at Monday 2025-03-03 09:00 UTC and whose admin
/// webhook sends `jira:issue_updated` to `url`.
async fn site(clock: &SimClock, url: &str) -> Simulator {
    let seed = kiln_sim::Seed {
        webhooks: vec![AdminWebhook {
            name: String::from("resolution"),
            url: url.to_owned(),
            events: vec![WebhookEvent::IssueUpdated],
            jql_filter: None,
            secret: None,
        }],
        ..kiln_sim::Seed::default()
    };
    start_with(SimConfig {
        seed,
        clock: clock.clone(),
        ..SimConfig::default()
    })
    .await
}

fn hour() -> std::time::Duration {
    std::time::Duration::from_secs(3600)
}

#[tokio::test]
async fn seeded_issues_in_done_come_out_resolved_wherever_issues_render() {
    let sim = start().await;
    let contract = Contract::new();
    let alice = caller(&sim, ADMIN);
    let alice_id = account_id(&sim, ADMIN);
    let bob_id = account_id(&sim, USER);

    // KILN-1: Done, reported by Alice, created 2025-01-06 09:00, last comment
    // (its last update) at 11:00. KILN-2: In Progress, reported by Alice,
    // updated 2025-01-07 11:30. KILN-3: To Do, reported by Bob, created
    // 2025-01-08 11:00.
    let one = alice.get("/rest/api/3/issue/KILN-1").await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.text);
    contract.check_ref("GET /issue (resolved)", "IssueBean", &one.body);
    assert_eq!(
        workflow_fields(&one.body),
        (
            json!(alice_id),
            done(&sim),
            json!("2025-01-06T11:00:00.000+0000"),
            json!("2025-01-06T11:00:00.000+0000"),
        )
    );
    assert_eq!(
        one.body["fields"]["resolutiondate"],
        one.body["fields"]["updated"]
    );
    assert_eq!(
        one.body["fields"]["creator"],
        one.body["fields"]["reporter"]
    );
    let two = alice.get("/rest/api/3/issue/KILN-2").await;
    assert_eq!(
        workflow_fields(&two.body),
        (
            json!(alice_id),
            Value::Null,
            Value::Null,
            json!("2025-01-07T11:30:00.000+0000"),
        )
    );
    let three = alice.get("/rest/api/3/issue/KILN-3").await;
    assert_eq!(
        workflow_fields(&three.body),
        (
            json!(bob_id),
            Value::Null,
            Value::Null,
            json!("2025-01-08T11:00:00.000+0000"),
        )
    );
    // The fields are present and null while unresolved, not left out.
    let fields = three.body["fields"].as_object().expect("fields");
    assert!(fields.contains_key("resolution") && fields.contains_key("resolutiondate"));
    // A later start renders the same: the seed's times, not the clock's.
    let again = start().await;
    let one_again = caller(&again, ADMIN).get("/rest/api/3/issue/KILN-1").await;
    assert_eq!(
        workflow_fields(&one_again.body).2,
        json!("2025-01-06T11:00:00.000+0000")
    );
    again.shutdown().await;

    // The same in the searches, bulk fetch and a sprint's issues.
    let expected = workflow_fields(&one.body);
    let found = alice
        .get("/rest/api/3/search/jql?jql=key%3DKILN-1&fields=*navigable")
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    assert_eq!(workflow_fields(&found.body["issues"][0]), expected);
    let found = alice
        .post(
            "/rest/api/3/search/jql",
            &json!({ "jql": "key = KILN-1", "fields": ["*all"] }),
        )
        .await;
    assert_eq!(workflow_fields(&found.body["issues"][0]), expected);
    let bulk = alice
        .post(
            "/rest/api/3/issue/bulkfetch",
            &json!({ "issueIdsOrKeys": ["KILN-1"] }),
        )
        .await;
    assert_eq!(bulk.status, StatusCode::OK, "{}", bulk.text);
    assert_eq!(workflow_fields(&bulk.body["issues"][0]), expected);
    let picked = alice
        .get("/rest/api/3/issue/KILN-1?fields=resolution,resolutiondate,creator")
        .await;
    let picked_fields = picked.body["fields"].as_object().expect("fields");
    let mut names: Vec<&str> = picked_fields.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(names, ["creator", "resolution", "resolutiondate"]);
    let sprint = alice
        .post(
            "/rest/agile/1.0/sprint",
            &json!({ "name": "Sprint 1", "originBoardId": 1 }),
        )
        .await;
    assert_eq!(sprint.status, StatusCode::CREATED, "{}", sprint.text);
    let sprint = sprint.body["id"].as_u64().expect("id");
    let into = format!("/rest/agile/1.0/sprint/{sprint}/issue");
    let moved = alice.post(&into, &json!({ "issues": ["KILN-1"] })).await;
    assert_eq!(moved.status, StatusCode::NO_CONTENT, "{}", moved.text);
    let in_sprint = alice.get(&into).await;
    assert_eq!(in_sprint.status, StatusCode::OK, "{}", in_sprint.text);
    // The agile API's nested links are REST API v2's (real Jira Cloud's
    // `sprintIssues.json`: `"self": ".../rest/api/2/status/10000"`).
    let mut agile = expected.clone();
    agile.1["self"] = json!(format!("{}/rest/api/2/resolution/10000", sim.base_url()));
    assert_eq!(workflow_fields(&in_sprint.body["issues"][0]), agile);
    sim.shutdown().await;
}

#[tokio::test]
async fn transitions_into_and_out_of_done_resolve_log_and_notify() {
    let (url, mut deliveries) = receiver().await;
    let clock = SimClock::frozen_at(datetime!(2025-03-03 09:00 UTC).into());
    let sim = site(&clock, &url).await;
    let contract = Contract::new();
    let bob = caller(&sim, USER);
    let bob_id = account_id(&sim, USER);
    let transition = |id: &'static str, fields: Value| {
        let bob = &bob;
        async move {
            let mut body = json!({ "transition": { "id": id } });
            if !fields.is_null() {
                body["fields"] = fields;
            }
            bob.post("/rest/api/3/issue/KILN-7/transitions", &body)
                .await
        }
    };
    let read = || {
        let bob = &bob;
        async move { bob.get("/rest/api/3/issue/KILN-7").await.body }
    };

    // Created by Bob at 09:00: he is its creator; unresolved; its status
    // category changed when it was created.
    let created = bob
        .post(
            "/rest/api/3/issue",
            &json!({ "fields": { "project": { "key": "KILN" }, "issuetype": { "name": "Task" }, "summary": "Standup" } }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.body["key"], "KILN-7");
    let issue = read().await;
    assert_eq!(
        workflow_fields(&issue),
        (
            json!(bob_id),
            Value::Null,
            Value::Null,
            json!("2025-03-03T09:00:00.000+0000"),
        )
    );
    assert_eq!(
        issue["fields"]["statuscategorychangedate"],
        issue["fields"]["created"]
    );

    // 10:00, To Do → In Progress: a new category, no resolution.
    clock.advance(hour());
    assert_eq!(
        transition(IN_PROGRESS, Value::Null).await.status,
        StatusCode::NO_CONTENT
    );
    let delivery = next_delivery(&mut deliveries).await;
    assert_eq!(
        delivery["changelog"]["items"],
        json!([{
            "field": "status", "fieldtype": "jira", "fieldId": "status",
            "from": "10000", "fromString": "To Do", "to": "3", "toString": "In Progress",
        }])
    );
    let issue = read().await;
    assert_eq!(
        issue["fields"]["statuscategorychangedate"],
        "2025-03-03T10:00:00.000+0000"
    );
    assert_eq!(issue["fields"]["resolution"], Value::Null);

    // 11:00, In Progress → Done: resolved "Done" now, logged before the status.
    clock.advance(hour());
    assert_eq!(
        transition(DONE, Value::Null).await.status,
        StatusCode::NO_CONTENT
    );
    let delivery = next_delivery(&mut deliveries).await;
    assert_eq!(delivery["issue_event_type_name"], "issue_generic");
    assert_eq!(
        delivery["changelog"]["items"],
        json!([
            {
                "field": "resolution", "fieldtype": "jira", "fieldId": "resolution",
                "from": null, "fromString": null, "to": "10000", "toString": "Done",
            },
            {
                "field": "status", "fieldtype": "jira", "fieldId": "status",
                "from": "3", "fromString": "In Progress", "to": "10001", "toString": "Done",
            },
        ])
    );
    let resolved = (
        json!(bob_id),
        done(&sim),
        json!("2025-03-03T11:00:00.000+0000"),
        json!("2025-03-03T11:00:00.000+0000"),
    );
    assert_eq!(
        workflow_fields(&delivery["issue"]),
        resolved,
        "the payload's issue"
    );
    let issue = read().await;
    contract.check_ref("GET /issue (resolved)", "IssueBean", &issue);
    assert_eq!(workflow_fields(&issue), resolved);

    // 12:00, Done → Done: still resolved as it was; nothing changed, nothing logged.
    clock.advance(hour());
    assert_eq!(
        transition(DONE, Value::Null).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(workflow_fields(&read().await), resolved);

    // 13:00, Done → To Do: unresolved, a new category, logged likewise.
    clock.advance(hour());
    assert_eq!(
        transition(TO_DO, Value::Null).await.status,
        StatusCode::NO_CONTENT
    );
    let delivery = next_delivery(&mut deliveries).await;
    assert_eq!(
        delivery["changelog"]["items"],
        json!([
            {
                "field": "resolution", "fieldtype": "jira", "fieldId": "resolution",
                "from": "10000", "fromString": "Done", "to": null, "toString": null,
            },
            {
                "field": "status", "fieldtype": "jira", "fieldId": "status",
                "from": "10001", "fromString": "Done", "to": "10000", "toString": "To Do",
            },
        ])
    );
    let unresolved = (
        json!(bob_id),
        Value::Null,
        Value::Null,
        json!("2025-03-03T13:00:00.000+0000"),
    );
    assert_eq!(workflow_fields(&delivery["issue"]), unresolved);
    assert_eq!(workflow_fields(&read().await), unresolved);

    // 14:00, To Do → Done naming a resolution, as a transition screen sets it.
    clock.advance(hour());
    let wont_do = transition(DONE, json!({ "resolution": { "name": "won't do" } })).await;
    assert_eq!(wont_do.status, StatusCode::NO_CONTENT, "{}", wont_do.text);
    let delivery = next_delivery(&mut deliveries).await;
    assert_eq!(delivery["changelog"]["items"][0]["to"], "10001");
    assert_eq!(delivery["changelog"]["items"][0]["toString"], "Won't Do");
    let issue = read().await;
    assert_eq!(issue["fields"]["resolution"]["name"], "Won't Do");
    assert_eq!(
        issue["fields"]["resolutiondate"],
        "2025-03-03T14:00:00.000+0000"
    );
    // By id too, and a resolution the site lacks is Jira's 400 on the field.
    let refused = transition(DONE, json!({ "resolution": { "name": "Fixed" } })).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    contract.check_ref("POST /transitions 400", "ErrorCollection", &refused.body);
    assert!(
        refused.body["errors"]["resolution"].is_string(),
        "{}",
        refused.text
    );
    let by_id = transition(DONE, json!({ "resolution": { "id": "10002" } })).await;
    assert_eq!(by_id.status, StatusCode::NO_CONTENT, "{}", by_id.text);
    let delivery = next_delivery(&mut deliveries).await;
    assert_eq!(
        delivery["changelog"]["items"],
        json!([{
            "field": "resolution", "fieldtype": "jira", "fieldId": "resolution",
            "from": "10001", "fromString": "Won't Do", "to": "10002", "toString": "Duplicate",
        }])
    );
    // The edit screen has no resolution, as on Jira: refused, nothing changed.
    let edit = bob
        .put(
            "/rest/api/3/issue/KILN-7",
            &json!({ "fields": { "resolution": { "name": "Done" } } }),
        )
        .await;
    assert_eq!(edit.status, StatusCode::BAD_REQUEST, "{}", edit.text);
    assert!(
        edit.body["errors"]["resolution"].is_string(),
        "{}",
        edit.text
    );
    assert_eq!(read().await["fields"]["resolution"]["name"], "Duplicate");

    // The changelog holds what the webhooks carried, oldest first.
    let page = bob.get("/rest/api/3/issue/KILN-7/changelog").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let fields: Vec<Vec<String>> = page.body["values"]
        .as_array()
        .expect("values")
        .iter()
        .map(|entry| {
            entry["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|i| i["field"].as_str().expect("field").to_owned())
                .collect()
        })
        .collect();
    assert_eq!(
        fields,
        [
            vec!["status"],
            vec!["resolution", "status"],
            vec!["resolution", "status"],
            vec!["resolution", "status"],
            vec!["resolution"],
        ]
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn jql_searches_and_sorts_by_the_real_values() {
    let (url, _deliveries) = receiver().await;
    let clock = SimClock::frozen_at(datetime!(2025-03-03 09:00 UTC).into());
    let sim = site(&clock, &url).await;
    let alice = caller(&sim, ADMIN);
    let bob = caller(&sim, USER);
    let keys = |who: &'static str, jql: &'static str| {
        let who = caller(&sim, who);
        async move {
            let found = who
                .post(
                    "/rest/api/3/search/jql",
                    &json!({ "jql": jql, "fields": ["summary"], "maxResults": 100 }),
                )
                .await;
            assert_eq!(found.status, StatusCode::OK, "{jql}: {}", found.text);
            found.body["issues"]
                .as_array()
                .expect("issues")
                .iter()
                .map(|i| i["key"].as_str().expect("key").to_owned())
                .collect::<Vec<_>>()
        }
    };
    // Bob creates KILN-7 at 09:00; at 10:00 Alice resolves KILN-2 (In Progress →
    // Done) and KILN-1 leaves Done (→ In Progress: unresolved, same time).
    let created = bob
        .post(
            "/rest/api/3/issue",
            &json!({ "fields": { "project": { "key": "KILN" }, "issuetype": { "name": "Task" }, "summary": "Standup" } }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    clock.advance(hour());
    for (key, id) in [("KILN-2", DONE), ("KILN-1", IN_PROGRESS)] {
        let moved = alice
            .post(
                &format!("/rest/api/3/issue/{key}/transitions"),
                &json!({ "transition": { "id": id } }),
            )
            .await;
        assert_eq!(moved.status, StatusCode::NO_CONTENT, "{}", moved.text);
    }
    let cases: &[(&str, &[&str])] = &[
        (
            "project = KILN AND resolution = Done ORDER BY key",
            &["KILN-2"],
        ),
        (
            "project = KILN AND resolution IS NOT EMPTY ORDER BY key",
            &["KILN-2"],
        ),
        (
            "project = KILN AND resolution = Unresolved ORDER BY key",
            &["KILN-1", "KILN-3", "KILN-4", "KILN-5", "KILN-6", "KILN-7"],
        ),
        (
            "project = KILN AND resolved >= -1h ORDER BY key",
            &["KILN-2"],
        ),
        (
            "project = KILN AND resolutiondate = \"2025-03-03 10:00\" ORDER BY key",
            &["KILN-2"],
        ),
        // The "done yesterday" of a standup app, run the next morning.
        (
            "project = KILN AND statusCategory = Done AND \
             statusCategoryChangedDate >= \"2025-03-03\" ORDER BY key",
            &["KILN-2"],
        ),
        (
            "project = KILN AND statusCategoryChangedDate >= \"2025-03-03 10:00\" ORDER BY key",
            &["KILN-1", "KILN-2"],
        ),
        (
            "project = KILN AND statuscategorychangeddate < \"2025-01-08\" ORDER BY key",
            &[],
        ),
        (
            "project = KILN AND statusCategoryChangedDate >= \"2025-03-03\" \
             ORDER BY statusCategoryChangedDate DESC, key ASC",
            &["KILN-1", "KILN-2", "KILN-7"],
        ),
        (
            "project = KILN AND creator = currentUser() ORDER BY key",
            &["KILN-3", "KILN-5", "KILN-7"],
        ),
        (
            "project = KILN AND creator != \"admin@example.com\" ORDER BY key",
            &["KILN-3", "KILN-5", "KILN-7"],
        ),
        (
            "project = KILN AND resolution IS EMPTY AND created >= \"2025-03-01\" \
             ORDER BY creator ASC",
            &["KILN-7"],
        ),
    ];
    for (jql, expected) in cases {
        assert_eq!(keys(USER, jql).await, *expected, "{jql}");
    }
    // Sorting by the resolution and its date: unresolved last ascending.
    assert_eq!(
        keys(USER, "project = KILN ORDER BY resolved ASC, key DESC").await,
        [
            "KILN-2", "KILN-7", "KILN-6", "KILN-5", "KILN-4", "KILN-3", "KILN-1"
        ]
    );
    assert_eq!(
        keys(USER, "project = KILN ORDER BY resolution DESC, key ASC").await,
        [
            "KILN-1", "KILN-3", "KILN-4", "KILN-5", "KILN-6", "KILN-7", "KILN-2"
        ]
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn the_field_list_describes_the_fields_as_jira_does() {
    let sim = start().await;
    let bob = caller(&sim, USER);
    let listed = bob.get("/rest/api/3/field").await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    let field = |id: &str| {
        listed
            .body
            .as_array()
            .expect("fields")
            .iter()
            .find(|f| f["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("{id} is listed"))
    };
    // As Jira Cloud's `GET /field` lists them.
    for (id, name, orderable, clauses, schema) in [
        (
            "creator",
            "Creator",
            false,
            json!(["creator"]),
            json!({ "type": "user", "system": "creator" }),
        ),
        (
            "statuscategorychangedate",
            "Status Category Changed",
            false,
            json!(["statusCategoryChangedDate"]),
            json!({ "type": "datetime", "system": "statuscategorychangedate" }),
        ),
        (
            "resolution",
            "Resolution",
            true,
            json!(["resolution"]),
            json!({ "type": "resolution", "system": "resolution" }),
        ),
        (
            "resolutiondate",
            "Resolved",
            false,
            json!(["resolutiondate", "resolved"]),
            json!({ "type": "datetime", "system": "resolutiondate" }),
        ),
    ] {
        assert_eq!(
            field(id),
            json!({
                "id": id, "key": id, "name": name, "custom": false,
                "orderable": orderable, "navigable": true, "searchable": true,
                "clauseNames": clauses, "schema": schema,
            }),
            "{id}"
        );
    }
    // `expand=names,schema` on an issue names and types them the same way.
    let issue = bob
        .get("/rest/api/3/issue/KILN-1?fields=creator,resolution,resolutiondate,statuscategorychangedate&expand=names,schema")
        .await;
    assert_eq!(issue.body["names"]["resolutiondate"], "Resolved");
    assert_eq!(
        issue.body["names"]["statuscategorychangedate"],
        "Status Category Changed"
    );
    assert_eq!(
        issue.body["schema"]["creator"],
        json!({ "type": "user", "system": "creator" })
    );
    assert_eq!(
        issue.body["schema"]["resolution"],
        json!({ "type": "resolution", "system": "resolution" })
    );
    sim.shutdown().await;
}
