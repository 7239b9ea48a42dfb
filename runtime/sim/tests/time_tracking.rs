//! Time tracking: the estimates set on create and edit (`timetracking`, `set`
//! and `edit`), Jira's duration text read and written back, worklogs adding to
//! the time spent and moving the remaining estimate by `adjustEstimate`, a
//! worklog read, edited and deleted by id (each moving the time spent and the
//! estimate by its own `adjustEstimate` rules, with its changelog entry and
//! admin webhook), the sums over sub-tasks, the fields' selection, `/field` and
//! edit metadata entries, the changelog, and hostile input refused in Jira's
//! error shape without a change.

use crate::common;
use crate::common::hook_receiver::{next_delivery, receiver};
use crate::contract::Contract;

use common::{ADMIN, OUTSIDER, USER, caller, start};
use kiln_sim::{AdminWebhook, Seed, SimClock, SimConfig, WebhookEvent};
use reqwest::StatusCode;
use serde_json::{Value, json};
use time::macros::datetime;

/// Every time tracking field an issue carries.
const FIELDS: &str = "timetracking,timespent,timeoriginalestimate,timeestimate,\
                      aggregatetimespent,aggregatetimeoriginalestimate,aggregatetimeestimate";

async fn time_fields(who: &common::Caller<'_>, key: &str) -> Value {
    let read = who
        .get_with(&format!("/rest/api/3/issue/{key}"), &[("fields", FIELDS)])
        .await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    read.body["fields"].clone()
}

async fn create(who: &common::Caller<'_>, fields: Value) -> String {
    let mut all = json!({
        "project": {"key": "KILN"}, "issuetype": {"name": "Task"}, "summary": "Estimated",
    });
    if let (Some(all), Some(more)) = (all.as_object_mut(), fields.as_object()) {
        all.extend(more.clone());
    }
    let created = who
        .post("/rest/api/3/issue", &json!({ "fields": all }))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    created.str_at("/key")
}

/// The site's configuration names the working time durations are read with:
/// an estimate of `1w 1d` is six days of eight hours.
#[tokio::test]
async fn the_configuration_names_the_working_time_durations_use() {
    let sim = start().await;
    let bob = caller(&sim, USER);
    let configuration = bob.get("/rest/api/3/configuration").await;
    assert_eq!(
        configuration.status,
        StatusCode::OK,
        "{}",
        configuration.text
    );
    let time = &configuration.body["timeTrackingConfiguration"];
    assert_eq!(time["workingHoursPerDay"], 8.0);
    assert_eq!(time["workingDaysPerWeek"], 5.0);
    assert_eq!(configuration.body["timeTrackingEnabled"], true);
    let key = create(
        &bob,
        json!({ "timetracking": { "originalEstimate": "1w 1d" } }),
    )
    .await;
    let hours = time["workingHoursPerDay"].as_f64().unwrap();
    let days = time["workingDaysPerWeek"].as_f64().unwrap();
    let expected = ((days + 1.0) * hours * 3600.0) as u64;
    assert_eq!(
        time_fields(&bob, &key).await["timeoriginalestimate"],
        expected
    );
    // v2 serves the same answer.
    let v2 = bob.get("/rest/api/2/configuration").await;
    assert_eq!(v2.body, configuration.body);
    sim.shutdown().await;
}

#[tokio::test]
async fn logged_work_is_the_time_spent_and_uses_up_the_estimate() {
    let sim = start().await;
    let bob = caller(&sim, USER);
    let empty = time_fields(&bob, "KILN-2").await;
    assert_eq!(
        empty,
        json!({
            "timetracking": {}, "timespent": null, "timeoriginalestimate": null,
            "timeestimate": null, "aggregatetimespent": null,
            "aggregatetimeoriginalestimate": null, "aggregatetimeestimate": null,
        })
    );

    let logged = bob
        .post(
            "/rest/api/3/issue/KILN-2/worklog",
            &json!({ "timeSpentSeconds": 7200 }),
        )
        .await;
    assert_eq!(logged.status, StatusCode::CREATED, "{}", logged.text);
    // Jira's automatic adjustment counts an issue never estimated as 0 left.
    assert_eq!(
        time_fields(&bob, "KILN-2").await,
        json!({
            "timetracking": {
                "remainingEstimate": "0m", "remainingEstimateSeconds": 0,
                "timeSpent": "2h", "timeSpentSeconds": 7200,
            },
            "timespent": 7200, "timeoriginalestimate": null, "timeestimate": 0,
            "aggregatetimespent": 7200, "aggregatetimeoriginalestimate": null,
            "aggregatetimeestimate": 0,
        })
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn estimates_are_set_on_create_and_edit_in_jira_units() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let key = create(
        &alice,
        json!({ "timetracking": {"originalEstimate": "1w 2d", "remainingEstimate": "3h"} }),
    )
    .await;
    let path = format!("/rest/api/3/issue/{key}");
    let fields = time_fields(&alice, &key).await;
    assert_eq!(
        fields["timetracking"],
        json!({
            "originalEstimate": "1w 2d", "originalEstimateSeconds": 201_600,
            "remainingEstimate": "3h", "remainingEstimateSeconds": 10_800,
        })
    );
    assert_eq!(
        (
            fields["timeoriginalestimate"].clone(),
            fields["timeestimate"].clone()
        ),
        (json!(201_600), json!(10_800))
    );
    assert_eq!(fields["timespent"], Value::Null);

    // `set` writes both: the remaining estimate left out takes the original's.
    let edit = |body: Value| {
        let alice = &alice;
        let path = &path;
        async move {
            let reply = alice.put(path, &body).await;
            assert_eq!(
                reply.status,
                StatusCode::NO_CONTENT,
                "{body}: {}",
                reply.text
            );
        }
    };
    edit(json!({ "fields": { "timetracking": {"originalEstimate": "2d"} } })).await;
    let fields = time_fields(&alice, &key).await;
    assert_eq!(fields["timetracking"]["originalEstimate"], "2d");
    assert_eq!(fields["timetracking"]["remainingEstimate"], "2d");
    // `edit` keeps what it leaves out; fractions and bare minutes read as Jira does.
    edit(json!({ "update": { "timetracking": [{"edit": {"remainingEstimate": "1.5h"}}] } })).await;
    let fields = time_fields(&alice, &key).await;
    assert_eq!(fields["timeoriginalestimate"], 57_600);
    assert_eq!(fields["timetracking"]["remainingEstimate"], "1h 30m");
    edit(json!({ "update": { "timetracking": [{"set": {"remainingEstimate": "90"}}] } })).await;
    let fields = time_fields(&alice, &key).await;
    assert_eq!(
        (
            fields["timeoriginalestimate"].clone(),
            fields["timeestimate"].clone()
        ),
        (json!(5400), json!(5400))
    );
    // Through v2 as through v3.
    let v2 = alice
        .put(
            &format!("/rest/api/2/issue/{key}"),
            &json!({ "fields": { "timetracking": {"originalEstimate": "4h", "remainingEstimate": "1h"} } }),
        )
        .await;
    assert_eq!(v2.status, StatusCode::NO_CONTENT, "{}", v2.text);
    let fields = time_fields(&alice, &key).await;
    assert_eq!(
        (
            fields["timeoriginalestimate"].clone(),
            fields["timeestimate"].clone()
        ),
        (json!(14_400), json!(3600))
    );
    // An empty set clears both.
    edit(json!({ "fields": { "timetracking": {} } })).await;
    assert_eq!(time_fields(&alice, &key).await["timetracking"], json!({}));
    sim.shutdown().await;
}

#[tokio::test]
async fn adjust_estimate_moves_the_remaining_estimate_as_jira_does() {
    let sim = start().await;
    let bob = caller(&sim, USER);
    let key = create(&bob, json!({ "timetracking": {"originalEstimate": "1d"} })).await;
    let worklog = format!("/rest/api/3/issue/{key}/worklog");
    let log = |query: &'static str, time: &'static str| {
        let bob = &bob;
        let path = format!("{worklog}{query}");
        async move {
            let reply = bob.post(&path, &json!({ "timeSpent": time })).await;
            assert_eq!(reply.status, StatusCode::CREATED, "{path}: {}", reply.text);
        }
    };
    let remaining_and_spent = || async {
        let fields = time_fields(&bob, &key).await;
        (
            fields["timeestimate"].as_u64(),
            fields["timespent"].as_u64(),
        )
    };
    log("", "2h").await;
    assert_eq!(
        remaining_and_spent().await,
        (Some(6 * 3600), Some(2 * 3600))
    );
    log("?adjustEstimate=leave", "1h").await;
    assert_eq!(
        remaining_and_spent().await,
        (Some(6 * 3600), Some(3 * 3600))
    );
    log("?adjustEstimate=new&newEstimate=4h", "30m").await;
    assert_eq!(
        remaining_and_spent().await,
        (Some(4 * 3600), Some(3 * 3600 + 1800))
    );
    log("?adjustEstimate=MANUAL&reduceBy=30m", "1h").await;
    assert_eq!(
        remaining_and_spent().await,
        (Some(3 * 3600 + 1800), Some(4 * 3600 + 1800))
    );
    // Reductions stop at nothing left.
    log("?adjustEstimate=auto", "1w").await;
    let fields = time_fields(&bob, &key).await;
    assert_eq!(fields["timeestimate"], 0);
    assert_eq!(
        fields["timeoriginalestimate"], 28_800,
        "never moved by work"
    );
    assert_eq!(fields["timetracking"]["timeSpent"], "1w 4h 30m");

    // The issue's `worklog` field: a page of the first 20, with the total.
    let read = bob
        .get_with(
            &format!("/rest/api/3/issue/{key}"),
            &[("fields", "worklog")],
        )
        .await;
    let page = &read.body["fields"]["worklog"];
    assert_eq!(
        (page["startAt"].clone(), page["maxResults"].clone()),
        (json!(0), json!(20))
    );
    assert_eq!(page["total"], 5);
    assert_eq!(page["worklogs"][0]["timeSpent"], "2h");
    sim.shutdown().await;
}

#[tokio::test]
async fn sub_tasks_add_to_the_sums() {
    let sim = start().await;
    let bob = caller(&sim, USER);
    let parent = create(&bob, json!({ "timetracking": {"originalEstimate": "1d"} })).await;
    let subtask = create(
        &bob,
        json!({
            "issuetype": {"name": "Sub-task"}, "parent": {"key": parent},
            "timetracking": {"originalEstimate": "2h"},
        }),
    )
    .await;
    let logged = bob
        .post(
            &format!("/rest/api/3/issue/{subtask}/worklog"),
            &json!({ "timeSpent": "30m" }),
        )
        .await;
    assert_eq!(logged.status, StatusCode::CREATED, "{}", logged.text);
    let fields = time_fields(&bob, &parent).await;
    assert_eq!(fields["timespent"], Value::Null, "its own");
    assert_eq!(fields["aggregatetimespent"], 1800);
    assert_eq!(fields["aggregatetimeoriginalestimate"], 28_800 + 7200);
    assert_eq!(fields["aggregatetimeestimate"], 28_800 + 5400);
    sim.shutdown().await;
}

#[tokio::test]
async fn fields_are_selected_and_described_as_jira_lists_them() {
    let sim = start().await;
    let bob = caller(&sim, USER);
    let path = "/rest/api/3/issue/KILN-1";
    let keys = |fields: &Value| -> Vec<String> {
        fields
            .as_object()
            .map(|f| f.keys().cloned().collect())
            .unwrap_or_default()
    };
    let navigable = bob.get_with(path, &[("fields", "*navigable")]).await.body;
    let navigable = keys(&navigable["fields"]);
    for column in ["timespent", "timeestimate", "aggregatetimeoriginalestimate"] {
        assert!(navigable.iter().any(|k| k == column), "{column}");
    }
    for hidden in ["timetracking", "worklog"] {
        assert!(!navigable.iter().any(|k| k == hidden), "{hidden}");
    }
    let all = keys(&bob.get(path).await.body["fields"]);
    for field in ["timetracking", "worklog", "timespent", "aggregatetimespent"] {
        assert!(all.iter().any(|k| k == field), "{field} in {all:?}");
    }
    let names = bob
        .get_with(
            path,
            &[
                ("fields", "timetracking,aggregatetimespent"),
                ("expand", "names,schema"),
            ],
        )
        .await
        .body;
    assert_eq!(names["names"]["aggregatetimespent"], "Σ Time Spent");
    assert_eq!(
        names["schema"]["timetracking"],
        json!({"type": "timetracking", "system": "timetracking"})
    );

    let listed = bob.get("/rest/api/3/field").await.body;
    let field = |id: &str| {
        listed
            .as_array()
            .and_then(|all| all.iter().find(|f| f["id"] == id))
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(
        field("timetracking"),
        json!({
            "id": "timetracking", "key": "timetracking", "name": "Time tracking",
            "custom": false, "orderable": true, "navigable": false, "searchable": true,
            "clauseNames": [], "schema": {"type": "timetracking", "system": "timetracking"},
        })
    );
    assert_eq!(
        field("timeoriginalestimate"),
        json!({
            "id": "timeoriginalestimate", "key": "timeoriginalestimate",
            "name": "Original estimate", "custom": false, "orderable": false,
            "navigable": true, "searchable": false,
            "clauseNames": ["originalEstimate", "timeoriginalestimate"],
            "schema": {"type": "number", "system": "timeoriginalestimate"},
        })
    );
    assert_eq!(field("timespent")["clauseNames"], json!(["timespent"]));
    assert_eq!(field("timeestimate")["name"], "Remaining Estimate");
    assert_eq!(field("aggregatetimeestimate")["clauseNames"], json!([]));
    assert_eq!(
        field("worklog")["schema"],
        json!({"type": "array", "items": "worklog", "system": "worklog"})
    );

    let meta = bob.get("/rest/api/3/issue/KILN-1/editmeta").await.body;
    assert_eq!(
        meta["fields"]["timetracking"]["operations"],
        json!(["set", "edit"])
    );
    Contract::new().check_ref("GET /issue/editmeta", "IssueUpdateMetadata", &meta);
    sim.shutdown().await;
}

#[tokio::test]
async fn changes_of_time_tracking_are_logged_in_seconds() {
    let sim = start().await;
    let bob = caller(&sim, USER);
    let key = create(&bob, json!({ "timetracking": {"originalEstimate": "1h"} })).await;
    let edited = bob
        .put(
            &format!("/rest/api/3/issue/{key}"),
            &json!({ "fields": { "timetracking": {"originalEstimate": "2h", "remainingEstimate": "90m"} } }),
        )
        .await;
    assert_eq!(edited.status, StatusCode::NO_CONTENT, "{}", edited.text);
    let logged = bob
        .post(
            &format!("/rest/api/3/issue/{key}/worklog"),
            &json!({ "timeSpent": "1h" }),
        )
        .await;
    assert_eq!(logged.status, StatusCode::CREATED, "{}", logged.text);
    let worklog_id = logged.str_at("/id");

    let changelog = bob
        .get(&format!("/rest/api/3/issue/{key}/changelog"))
        .await
        .body;
    let items: Vec<Value> = changelog["values"]
        .as_array()
        .map(|entries| entries.iter().map(|e| e["items"].clone()).collect())
        .unwrap_or_default();
    let item = |field: &str, from: Value, to: Value| {
        json!({
            "field": field, "fieldtype": "jira", "fieldId": field,
            "from": from, "fromString": from, "to": to, "toString": to,
        })
    };
    assert_eq!(
        items,
        [
            json!([
                item("timeoriginalestimate", json!("3600"), json!("7200")),
                item("timeestimate", json!("3600"), json!("5400")),
            ]),
            json!([
                item("timeestimate", json!("5400"), json!("1800")),
                item("timespent", Value::Null, json!("3600")),
                {
                    "field": "WorklogId", "fieldtype": "jira",
                    "from": worklog_id, "fromString": worklog_id, "to": null, "toString": null,
                },
            ]),
        ]
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn hostile_time_tracking_is_refused_in_jiras_shape_and_changes_nothing() {
    let sim = start().await;
    let bob = caller(&sim, USER);
    let key = create(&bob, json!({ "timetracking": {"originalEstimate": "1d"} })).await;
    let path = format!("/rest/api/3/issue/{key}");
    let before = time_fields(&bob, &key).await;

    let original = "The original estimate specified is not valid.";
    let remaining = "The remaining estimate specified is not valid.";
    for (timetracking, message) in [
        (json!({"originalEstimate": "soon"}), original),
        (json!({"originalEstimate": "-3h"}), original),
        (json!({"originalEstimate": "1y"}), original),
        (json!({"originalEstimate": "5.3756h"}), original),
        (
            json!({"originalEstimate": "99999999999999999999w"}),
            original,
        ),
        (json!({"originalEstimate": "1000001w"}), original),
        (json!({"originalEstimate": -5}), original),
        (json!({"remainingEstimate": "w 2d"}), remaining),
        (json!({"remainingEstimate": ["1h"]}), remaining),
    ] {
        for body in [
            json!({ "fields": { "timetracking": timetracking } }),
            json!({ "update": { "timetracking": [{"edit": timetracking}] } }),
        ] {
            let refused = bob.put(&path, &body).await;
            assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{body}");
            assert_eq!(
                refused.body,
                json!({ "errorMessages": [], "errors": { "timetracking": message } }),
                "{body}"
            );
        }
    }
    for body in [
        json!({ "fields": { "timetracking": {"timeSpent": "1h"} } }),
        json!({ "fields": { "timetracking": "1h" } }),
        json!({ "update": { "timetracking": [{"add": {"originalEstimate": "1h"}}] } }),
    ] {
        let refused = bob.put(&path, &body).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{body}");
        assert!(
            refused.body["errors"]["timetracking"].is_string(),
            "{}",
            refused.body
        );
    }
    let created = bob
        .post(
            "/rest/api/3/issue",
            &json!({ "fields": {
                "project": {"key": "KILN"}, "issuetype": {"name": "Task"}, "summary": "x",
                "timetracking": {"originalEstimate": "a while"},
            } }),
        )
        .await;
    assert_eq!(created.status, StatusCode::BAD_REQUEST);
    assert_eq!(created.body["errors"]["timetracking"], original);

    // Worklogs: the adjustment's values and the time spent, each under Jira's key.
    let worklog = format!("/rest/api/3/issue/{key}/worklog");
    for (query, body, field, message) in [
        (
            "?adjustEstimate=new",
            json!({"timeSpent": "1h"}),
            "newEstimate",
            "You must supply a valid new estimate.",
        ),
        (
            "?adjustEstimate=new&newEstimate=",
            json!({"timeSpent": "1h"}),
            "newEstimate",
            "You must supply a valid new estimate.",
        ),
        (
            "?adjustEstimate=new&newEstimate=soon",
            json!({"timeSpent": "1h"}),
            "newEstimate",
            "Invalid new estimate entered.",
        ),
        (
            "?adjustEstimate=manual",
            json!({"timeSpent": "1h"}),
            "reduceBy",
            "You must supply a valid amount of time to adjust the estimate by.",
        ),
        (
            "?adjustEstimate=manual&reduceBy=99999999999999999999999w",
            json!({"timeSpent": "1h"}),
            "adjustmentAmount",
            "Invalid time entered for adjusting the estimate.",
        ),
        (
            "?adjustEstimate=sometimes",
            json!({"timeSpent": "1h"}),
            "adjustEstimate",
            "adjustEstimate must be one of new, leave, manual or auto.",
        ),
        (
            "",
            json!({"timeSpent": "a while"}),
            "timeLogged",
            "Invalid time duration entered.",
        ),
        (
            "",
            json!({"timeSpent": "0m"}),
            "timeLogged",
            "Time Spent can not be zero.",
        ),
        (
            "",
            json!({"timeSpent": "1000001w"}),
            "timeLogged",
            "Invalid time duration entered.",
        ),
        (
            "",
            json!({"timeSpentSeconds": 18_446_744_073_709_551_615_u64}),
            "timeLogged",
            "Invalid time duration entered.",
        ),
        (
            "",
            json!({}),
            "timeLogged",
            "You must indicate the time spent working.",
        ),
    ] {
        let refused = bob.post(&format!("{worklog}{query}"), &body).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{query} {body}");
        assert_eq!(
            refused.body,
            json!({ "errorMessages": [], "errors": { field: message } }),
            "{query} {body}"
        );
    }
    for body in [
        json!({"timeSpentSeconds": -60}),
        json!({"timeSpentSeconds": 1e30}),
    ] {
        let refused = bob.post(&worklog, &body).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{body}");
    }
    assert_eq!(time_fields(&bob, &key).await, before, "nothing changed");
    assert_eq!(bob.get(&worklog).await.body["total"], 0);

    // The largest duration taken sums without overflow.
    for _ in 0..3 {
        let logged = bob
            .post(
                &format!("{worklog}?adjustEstimate=manual&reduceBy=1000000w"),
                &json!({"timeSpent": "1000000w"}),
            )
            .await;
        assert_eq!(logged.status, StatusCode::CREATED, "{}", logged.text);
    }
    let fields = time_fields(&bob, &key).await;
    assert_eq!(fields["timespent"], 3 * 144_000_000_000_u64);
    assert_eq!(fields["timeestimate"], 0);
    sim.shutdown().await;
}

fn doc(text: &str) -> Value {
    json!({
        "type": "doc", "version": 1,
        "content": [{ "type": "paragraph", "content": [{ "type": "text", "text": text }] }],
    })
}

/// Logs `body` on issue `key` as `who`; answers the worklog's id.
async fn log_work(who: &common::Caller<'_>, key: &str, query: &str, body: Value) -> String {
    let logged = who
        .post(&format!("/rest/api/3/issue/{key}/worklog{query}"), &body)
        .await;
    assert_eq!(logged.status, StatusCode::CREATED, "{}", logged.text);
    logged.str_at("/id")
}

/// The issue's remaining estimate and time spent, in seconds.
async fn remaining_and_spent(who: &common::Caller<'_>, key: &str) -> (Option<u64>, Option<u64>) {
    let fields = time_fields(who, key).await;
    (
        fields["timeestimate"].as_u64(),
        fields["timespent"].as_u64(),
    )
}

/// The items of each of the issue's changelog entries, oldest first. The page
/// is checked against `PageBeanChangelog` without the items' `null`s, as
/// `issue_history.rs` checks it: the spec types them as strings, Jira's wire
/// (and the simulator) sends `null` for a value that has none.
async fn changelog_items(who: &common::Caller<'_>, key: &str) -> Vec<Value> {
    let changelog = who.get(&format!("/rest/api/3/issue/{key}/changelog")).await;
    assert_eq!(changelog.status, StatusCode::OK, "{}", changelog.text);
    let items: Vec<Value> = changelog.body["values"]
        .as_array()
        .map(|entries| entries.iter().map(|e| e["items"].clone()).collect())
        .unwrap_or_default();
    let mut checked = changelog.body;
    for entry in checked["values"].as_array_mut().into_iter().flatten() {
        for item in entry["items"].as_array_mut().into_iter().flatten() {
            if let Some(item) = item.as_object_mut() {
                item.retain(|_, value| !value.is_null());
            }
        }
    }
    Contract::new().check_ref("GET /issue/changelog", "PageBeanChangelog", &checked);
    items
}

const HOUR: u64 = 3600;

#[tokio::test]
async fn a_worklog_is_read_by_id_under_its_own_issue_only() {
    let sim = start().await;
    let contract = Contract::new();
    let bob = caller(&sim, USER);
    let key = create(&bob, json!({})).await;
    let other = create(&bob, json!({})).await;
    let logged = bob
        .post(
            &format!("/rest/api/3/issue/{key}/worklog"),
            &json!({
                "timeSpent": "1h 30m", "started": "2024-03-28T10:15:30.000+0000",
                "comment": doc("pairing"),
            }),
        )
        .await;
    assert_eq!(logged.status, StatusCode::CREATED, "{}", logged.text);
    let id = logged.str_at("/id");
    let one = format!("/rest/api/3/issue/{key}/worklog/{id}");

    let read = bob.get(&one).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    contract.check_ref("GET /issue/worklog/{id}", "Worklog", &read.body);
    assert_eq!(read.body, logged.body, "as addWorklog answered it");
    assert_eq!(read.body["started"], "2024-03-28T10:15:30.000+0000");
    assert_eq!(read.body["updated"], read.body["created"], "never edited");
    assert_eq!(read.body["updateAuthor"], read.body["author"]);
    assert!(read.body.get("properties").is_none(), "only when expanded");
    let by_id = bob
        .get(&format!(
            "/rest/api/3/issue/{}/worklog/{id}",
            logged.str_at("/issueId")
        ))
        .await;
    assert_eq!(by_id.body, read.body, "the issue by id as by key");

    // `expand=properties`: the worklog's properties, of which it has none.
    let expanded = bob
        .get_with(&one, &[("expand", "renderedFields,properties")])
        .await;
    assert_eq!(expanded.body["properties"], json!([]));
    contract.check_ref("GET /issue/worklog/{id}?expand", "Worklog", &expanded.body);

    // Jira's 404s: no such worklog, one that is not a number, one of another
    // issue, and an issue the caller may not see.
    for (path, message) in [
        (
            format!("/rest/api/3/issue/{key}/worklog/99999"),
            String::from("Cannot find worklog with id: '99999'."),
        ),
        (
            format!("/rest/api/3/issue/{key}/worklog/abc"),
            String::from("Cannot find worklog with id: 'abc'."),
        ),
        (
            format!("/rest/api/3/issue/{other}/worklog/{id}"),
            format!("Cannot find worklog with id: '{id}'."),
        ),
    ] {
        let missing = bob.get(&path).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(
            missing.body,
            json!({ "errorMessages": [message], "errors": {} }),
            "{path}"
        );
        contract.check_ref(
            "GET /issue/worklog/{id} 404",
            "ErrorCollection",
            &missing.body,
        );
    }
    let unseen = caller(&sim, OUTSIDER)
        .get("/rest/api/3/issue/SEC-1/worklog/10000")
        .await;
    assert_eq!(unseen.status, StatusCode::NOT_FOUND);
    assert_eq!(
        unseen.body["errorMessages"][0],
        "Issue does not exist or you do not have permission to see it."
    );

    // Through v2: the comment as wiki markup, the links v2's.
    let v2 = bob
        .get(&format!("/rest/api/2/issue/{key}/worklog/{id}"))
        .await;
    assert_eq!(v2.status, StatusCode::OK, "{}", v2.text);
    assert_eq!(v2.body["comment"], "pairing");
    assert!(
        v2.body["self"]
            .as_str()
            .is_some_and(|link| link.contains("/rest/api/2/issue/")),
        "{}",
        v2.body
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn editing_a_worklog_moves_the_time_spent_and_the_estimate_by_adjust_estimate() {
    let clock = SimClock::frozen_at(datetime!(2025-03-03 09:00 UTC).into());
    let sim = common::start_with(SimConfig {
        clock: clock.clone(),
        ..SimConfig::default()
    })
    .await;
    let contract = Contract::new();
    let bob = caller(&sim, USER);
    let alice = caller(&sim, ADMIN);
    let key = create(&bob, json!({ "timetracking": {"originalEstimate": "1d"} })).await;
    let id = log_work(
        &bob,
        &key,
        "",
        json!({ "timeSpent": "2h", "comment": doc("first") }),
    )
    .await;
    let one = format!("/rest/api/3/issue/{key}/worklog/{id}");
    let logged = bob.get(&one).await.body;
    assert_eq!(
        remaining_and_spent(&bob, &key).await,
        (Some(6 * HOUR), Some(2 * HOUR))
    );

    // `auto` (the default): the estimate moves by the difference. Alice may
    // edit Bob's worklog: she may edit the project's issues.
    clock.advance(std::time::Duration::from_secs(HOUR));
    let edited = alice
        .put(
            &one,
            &json!({
                "timeSpent": "3h", "started": "2025-03-01T08:00:00.000+0000",
                "comment": doc("second"),
            }),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.text);
    contract.check_ref("PUT /issue/worklog/{id}", "Worklog", &edited.body);
    assert_eq!(
        (
            edited.body["timeSpent"].clone(),
            edited.body["timeSpentSeconds"].clone()
        ),
        (json!("3h"), json!(3 * HOUR))
    );
    assert_eq!(edited.body["started"], "2025-03-01T08:00:00.000+0000");
    assert_eq!(edited.body["comment"], doc("second"));
    assert_eq!(edited.body["author"], logged["author"], "still Bob's");
    assert_eq!(
        edited.body["updateAuthor"]["accountId"],
        common::account_id(&sim, ADMIN).as_str()
    );
    assert_eq!(edited.body["created"], logged["created"]);
    assert_eq!(edited.body["updated"], "2025-03-03T10:00:00.000+0000");
    assert_eq!(bob.get(&one).await.body, edited.body, "read back");
    assert_eq!(
        remaining_and_spent(&bob, &key).await,
        (Some(5 * HOUR), Some(3 * HOUR))
    );

    // The other modes, each with `timeSpent` or `timeSpentSeconds`.
    let edit = |query: &'static str, body: Value| {
        let (bob, one) = (&bob, &one);
        async move {
            let reply = bob.put(&format!("{one}{query}"), &body).await;
            assert_eq!(
                reply.status,
                StatusCode::OK,
                "{query} {body}: {}",
                reply.text
            );
            reply.body
        }
    };
    edit("?adjustEstimate=leave", json!({ "timeSpentSeconds": 3600 })).await;
    assert_eq!(
        remaining_and_spent(&bob, &key).await,
        (Some(5 * HOUR), Some(HOUR))
    );
    edit(
        "?adjustEstimate=new&newEstimate=2h",
        json!({ "timeSpent": "90m" }),
    )
    .await;
    assert_eq!(
        remaining_and_spent(&bob, &key).await,
        (Some(2 * HOUR), Some(5400))
    );
    // `auto` stops at nothing left, and gives time back when the worklog shrinks.
    edit("?adjustEstimate=AUTO", json!({ "timeSpent": "1w" })).await;
    assert_eq!(
        remaining_and_spent(&bob, &key).await,
        (Some(0), Some(40 * HOUR))
    );
    edit("", json!({ "timeSpent": "1h" })).await;
    assert_eq!(
        remaining_and_spent(&bob, &key).await,
        (Some(39 * HOUR), Some(HOUR))
    );
    assert_eq!(
        time_fields(&bob, &key).await["timeoriginalestimate"],
        28_800
    );

    // What a body leaves out (or sends `null`) is kept.
    let kept = edit("", json!({ "comment": null, "started": null })).await;
    assert_eq!(
        (
            kept["timeSpent"].clone(),
            kept["started"].clone(),
            kept["comment"].clone()
        ),
        (
            json!("1h"),
            json!("2025-03-01T08:00:00.000+0000"),
            doc("second")
        )
    );
    assert_eq!(
        remaining_and_spent(&bob, &key).await,
        (Some(39 * HOUR), Some(HOUR))
    );
    let expanded = edit("?expand=properties", json!({})).await;
    assert_eq!(expanded["properties"], json!([]));

    // Through v2 the comment is a string, stored as a document.
    let v2 = bob
        .put(
            &format!("/rest/api/2/issue/{key}/worklog/{id}"),
            &json!({ "comment": "from v2" }),
        )
        .await;
    assert_eq!(v2.status, StatusCode::OK, "{}", v2.text);
    assert_eq!(v2.body["comment"], "from v2");
    assert_eq!(bob.get(&one).await.body["comment"]["type"], "doc");
    sim.shutdown().await;
}

#[tokio::test]
async fn deleting_a_worklog_gives_its_time_back_by_adjust_estimate() {
    let sim = start().await;
    let bob = caller(&sim, USER);
    let key = create(&bob, json!({ "timetracking": {"originalEstimate": "1d"} })).await;
    let mut ids = Vec::new();
    for _ in 0..4 {
        ids.push(log_work(&bob, &key, "", json!({ "timeSpent": "1h" })).await);
    }
    assert_eq!(
        remaining_and_spent(&bob, &key).await,
        (Some(4 * HOUR), Some(4 * HOUR))
    );
    let delete = |id: String, query: &'static str| {
        let (bob, key) = (&bob, &key);
        async move {
            let reply = bob
                .delete(&format!("/rest/api/3/issue/{key}/worklog/{id}{query}"))
                .await;
            assert_eq!(
                reply.status,
                StatusCode::NO_CONTENT,
                "{query}: {}",
                reply.text
            );
            assert!(reply.text.is_empty(), "204 has no body");
        }
    };
    // `auto` (the default) gives the worklog's time back to the estimate.
    delete(ids[0].clone(), "").await;
    assert_eq!(
        remaining_and_spent(&bob, &key).await,
        (Some(5 * HOUR), Some(3 * HOUR))
    );
    delete(ids[1].clone(), "?adjustEstimate=leave").await;
    assert_eq!(
        remaining_and_spent(&bob, &key).await,
        (Some(5 * HOUR), Some(2 * HOUR))
    );
    delete(ids[2].clone(), "?adjustEstimate=new&newEstimate=30m").await;
    assert_eq!(
        remaining_and_spent(&bob, &key).await,
        (Some(1800), Some(HOUR))
    );
    // `manual` raises it by `increaseBy`. The last worklog gone, nothing is
    // spent (Jira shows 0 there; the simulator, none).
    delete(ids[3].clone(), "?adjustEstimate=Manual&increaseBy=2h").await;
    assert_eq!(
        remaining_and_spent(&bob, &key).await,
        (Some(2 * HOUR + 1800), None)
    );
    let fields = time_fields(&bob, &key).await;
    assert_eq!(
        fields["timeoriginalestimate"], 28_800,
        "never moved by work"
    );
    assert_eq!(
        fields["timetracking"],
        json!({
            "originalEstimate": "1d", "originalEstimateSeconds": 28_800,
            "remainingEstimate": "2h 30m", "remainingEstimateSeconds": 9000,
        })
    );

    // Gone: not found again, and not listed.
    let one = format!("/rest/api/3/issue/{key}/worklog/{}", ids[0]);
    for reply in [bob.get(&one).await, bob.delete(&one).await] {
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        assert_eq!(
            reply.body["errorMessages"][0],
            format!("Cannot find worklog with id: '{}'.", ids[0]).as_str()
        );
    }
    let listed = bob.get(&format!("/rest/api/3/issue/{key}/worklog")).await;
    assert_eq!(listed.body["total"], 0);

    // Through v2 as through v3.
    let id = log_work(&bob, &key, "", json!({ "timeSpent": "1h" })).await;
    let v2 = bob
        .delete(&format!(
            "/rest/api/2/issue/{key}/worklog/{id}?adjustEstimate=leave"
        ))
        .await;
    assert_eq!(v2.status, StatusCode::NO_CONTENT, "{}", v2.text);
    assert_eq!(
        remaining_and_spent(&bob, &key).await,
        (Some(HOUR + 1800), None)
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_sub_tasks_worklog_edited_and_deleted_moves_its_parents_sums() {
    let sim = start().await;
    let bob = caller(&sim, USER);
    let parent = create(&bob, json!({ "timetracking": {"originalEstimate": "1d"} })).await;
    let subtask = create(
        &bob,
        json!({
            "issuetype": {"name": "Sub-task"}, "parent": {"key": parent},
            "timetracking": {"originalEstimate": "2h"},
        }),
    )
    .await;
    let id = log_work(&bob, &subtask, "", json!({ "timeSpent": "30m" })).await;
    let sums = || async {
        let fields = time_fields(&bob, &parent).await;
        (
            fields["timespent"].clone(),
            fields["aggregatetimespent"].clone(),
            fields["aggregatetimeestimate"].clone(),
        )
    };
    assert_eq!(
        sums().await,
        (Value::Null, json!(1800), json!(28_800 + 5400))
    );
    let one = format!("/rest/api/3/issue/{subtask}/worklog/{id}");
    let edited = bob.put(&one, &json!({ "timeSpent": "1h" })).await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.text);
    assert_eq!(
        sums().await,
        (Value::Null, json!(HOUR), json!(28_800 + HOUR))
    );
    let deleted = bob.delete(&one).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    assert_eq!(
        sums().await,
        (Value::Null, Value::Null, json!(28_800 + 7200))
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn worklog_edits_and_deletions_are_in_the_changelog_as_jira_logs_them() {
    let sim = start().await;
    let bob = caller(&sim, USER);
    let key = create(&bob, json!({ "timetracking": {"originalEstimate": "2h"} })).await;
    let id = log_work(&bob, &key, "", json!({ "timeSpent": "1h" })).await;
    let one = format!("/rest/api/3/issue/{key}/worklog/{id}");
    for (query, body) in [
        ("", json!({ "timeSpent": "90m" })),
        ("?adjustEstimate=leave", json!({ "comment": doc("notes") })),
    ] {
        let edited = bob.put(&format!("{one}{query}"), &body).await;
        assert_eq!(edited.status, StatusCode::OK, "{}", edited.text);
    }
    let deleted = bob.delete(&one).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);

    let item = |field: &str, from: Value, to: Value| {
        json!({
            "field": field, "fieldtype": "jira", "fieldId": field,
            "from": from, "fromString": from, "to": to, "toString": to,
        })
    };
    let worklog_id = json!({
        "field": "WorklogId", "fieldtype": "jira",
        "from": id, "fromString": id, "to": null, "toString": null,
    });
    assert_eq!(
        changelog_items(&bob, &key).await,
        [
            json!([
                item("timeestimate", json!("7200"), json!("3600")),
                item("timespent", Value::Null, json!("3600")),
                worklog_id,
            ]),
            // Edited from 1h to 90m: the estimate and the time spent move.
            json!([
                item("timeestimate", json!("3600"), json!("1800")),
                item("timespent", json!("3600"), json!("5400")),
                worklog_id,
            ]),
            // Only the comment: the worklog's id alone.
            json!([worklog_id]),
            // Deleted: the values it moved, its id, then its time.
            json!([
                item("timeestimate", json!("1800"), json!("7200")),
                item("timespent", json!("5400"), Value::Null),
                worklog_id,
                {
                    "field": "WorklogTimeSpent", "fieldtype": "jira",
                    "from": "5400", "fromString": "1h 30m", "to": null, "toString": null,
                },
            ]),
        ]
    );
    sim.shutdown().await;
}

/// The keys of a JSON object, sorted.
fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    keys.sort_unstable();
    keys
}

#[tokio::test]
async fn worklog_edits_and_deletions_reach_admin_webhooks() {
    // Admin webhooks only: a dynamic webhook may not name them.
    for name in ["worklog_updated", "worklog_deleted"] {
        let event = WebhookEvent::parse(name).expect("an event");
        assert_eq!(event.name(), name);
        assert!(!event.dynamic(), "{name}");
        assert!(WebhookEvent::ALL.contains(&event), "{name}");
    }
    let (url, mut deliveries) = receiver().await;
    let sim = common::start_with(SimConfig {
        seed: Seed {
            webhooks: vec![AdminWebhook {
                name: String::from("worklogs"),
                url,
                events: vec![
                    WebhookEvent::WorklogCreated,
                    WebhookEvent::WorklogUpdated,
                    WebhookEvent::WorklogDeleted,
                ],
                jql_filter: Some(String::from("project = KILN")),
                secret: None,
            }],
            ..Seed::default()
        },
        ..SimConfig::default()
    })
    .await;
    let bob = caller(&sim, USER);
    let alice = caller(&sim, ADMIN);
    let key = create(&bob, json!({})).await;
    let id = log_work(&bob, &key, "", json!({ "timeSpent": "1h" })).await;
    let created = next_delivery(&mut deliveries).await;
    assert_eq!(created["webhookEvent"], "worklog_created");

    let one = format!("/rest/api/3/issue/{key}/worklog/{id}");
    let edited = alice
        .put(&one, &json!({ "timeSpent": "2h", "comment": doc("more") }))
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.text);
    let updated = next_delivery(&mut deliveries).await;
    assert_eq!(updated["webhookEvent"], "worklog_updated");
    assert_eq!(keys(&updated), ["timestamp", "webhookEvent", "worklog"]);
    assert!(updated["timestamp"].is_i64());
    assert_eq!(updated["worklog"], edited.body, "as updateWorklog answered");
    assert_eq!(
        updated["worklog"]["updateAuthor"]["accountId"],
        common::account_id(&sim, ADMIN).as_str()
    );

    let deleted = alice.delete(&one).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    let gone = next_delivery(&mut deliveries).await;
    assert_eq!(gone["webhookEvent"], "worklog_deleted");
    assert_eq!(keys(&gone), ["timestamp", "webhookEvent", "worklog"]);
    assert_eq!(gone["worklog"], edited.body, "the worklog as it was");

    // A refused write raises nothing: the next delivery is the next write's.
    let refused = bob
        .put(
            &format!("/rest/api/3/issue/{key}/worklog/{id}"),
            &json!({ "timeSpent": "1h" }),
        )
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    log_work(&bob, &key, "", json!({ "timeSpent": "5m" })).await;
    let next = next_delivery(&mut deliveries).await;
    assert_eq!(next["webhookEvent"], "worklog_created");
    assert_eq!(next["worklog"]["timeSpentSeconds"], 300);
    sim.shutdown().await;
}

#[tokio::test]
async fn hostile_worklog_edits_and_deletions_are_refused_in_jiras_shape_and_change_nothing() {
    let sim = start().await;
    let contract = Contract::new();
    let bob = caller(&sim, USER);
    let key = create(&bob, json!({ "timetracking": {"originalEstimate": "1d"} })).await;
    let id = log_work(
        &bob,
        &key,
        "",
        json!({ "timeSpent": "2h", "comment": doc("kept") }),
    )
    .await;
    let one = format!("/rest/api/3/issue/{key}/worklog/{id}");
    let fields_before = time_fields(&bob, &key).await;
    let worklog_before = bob.get(&one).await.body;

    for (query, body, field, message) in [
        (
            "?adjustEstimate=manual&reduceBy=1h",
            json!({ "timeSpent": "1h" }),
            "adjustEstimate",
            "Manual adjustment of remaining estimate not allowed when editing a worklog",
        ),
        (
            "?adjustEstimate=new",
            json!({}),
            "newEstimate",
            "You must supply a valid new estimate.",
        ),
        (
            "?adjustEstimate=new&newEstimate=%20",
            json!({}),
            "newEstimate",
            "You must supply a valid new estimate.",
        ),
        (
            "?adjustEstimate=new&newEstimate=soon",
            json!({}),
            "newEstimate",
            "Invalid new estimate entered.",
        ),
        (
            "?adjustEstimate=sometimes",
            json!({}),
            "adjustEstimate",
            "adjustEstimate must be one of new, leave, manual or auto.",
        ),
        (
            "",
            json!({ "timeSpent": "a while" }),
            "timeLogged",
            "Invalid time duration entered.",
        ),
        (
            "",
            json!({ "timeSpent": "0m" }),
            "timeLogged",
            "Time Spent can not be zero.",
        ),
        (
            "",
            json!({ "timeSpentSeconds": 59 }),
            "timeLogged",
            "Time Spent can not be zero.",
        ),
        (
            "",
            json!({ "timeSpent": " " }),
            "timeLogged",
            "You must indicate the time spent working.",
        ),
        (
            "",
            json!({ "timeSpent": "1000001w" }),
            "timeLogged",
            "Invalid time duration entered.",
        ),
        (
            "",
            json!({ "started": "yesterday" }),
            "started",
            "Invalid date format. Please enter the date in the format \"yyyy-MM-dd'T'HH:mm:ss.SSSZ\".",
        ),
        (
            "",
            json!({ "comment": "plain text is v2's" }),
            "comment",
            "Operation value must be an Atlassian Document (see the Atlassian Document Format).",
        ),
        (
            "",
            json!({ "visibility": {"type": "group", "value": "jira-developers"} }),
            "commentLevel",
            "Group: jira-developers does not exist.",
        ),
    ] {
        let refused = bob.put(&format!("{one}{query}"), &body).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{query} {body}");
        assert_eq!(
            refused.body,
            json!({ "errorMessages": [], "errors": { field: message } }),
            "{query} {body}"
        );
        contract.check_ref(
            "PUT /issue/worklog/{id} 400",
            "ErrorCollection",
            &refused.body,
        );
    }
    for (query, field, message) in [
        (
            "?adjustEstimate=new",
            "newEstimate",
            "You must supply a valid new estimate.",
        ),
        (
            "?adjustEstimate=new&newEstimate=-1h",
            "newEstimate",
            "Invalid new estimate entered.",
        ),
        (
            "?adjustEstimate=manual",
            "increaseBy",
            "You must supply a valid amount of time to adjust the estimate by.",
        ),
        (
            // `reduceBy` is addWorklog's.
            "?adjustEstimate=manual&reduceBy=1h",
            "increaseBy",
            "You must supply a valid amount of time to adjust the estimate by.",
        ),
        (
            "?adjustEstimate=manual&increaseBy=1y",
            "adjustmentAmount",
            "Invalid time entered for adjusting the estimate.",
        ),
        (
            "?adjustEstimate=sometimes",
            "adjustEstimate",
            "adjustEstimate must be one of new, leave, manual or auto.",
        ),
    ] {
        let refused = bob.delete(&format!("{one}{query}")).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(
            refused.body,
            json!({ "errorMessages": [], "errors": { field: message } }),
            "{query}"
        );
    }
    // A body that is not a worklog.
    for body in [
        json!({ "timeSpentSeconds": -60 }),
        json!({ "timeSpent": 60 }),
        json!("2h"),
    ] {
        let refused = bob.put(&one, &body).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{body}");
    }
    // addWorklog refuses a restriction to a role the site lacks the same way
    // (worklog_feeds.rs restricts worklogs to groups and roles that exist).
    let added = bob
        .post(
            &format!("/rest/api/3/issue/{key}/worklog"),
            &json!({ "timeSpent": "1h", "visibility": {"type": "role", "value": "Developers"} }),
        )
        .await;
    assert_eq!(added.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        added.body["errors"]["commentLevel"],
        "Project role: Developers does not exist."
    );

    // Who may not edit the project's issues may read the worklog, not change it:
    // the spec's 400 for both.
    let carol = caller(&sim, OUTSIDER);
    assert_eq!(carol.get(&one).await.status, StatusCode::OK);
    for (reply, message) in [
        (
            carol.put(&one, &json!({ "timeSpent": "1h" })).await,
            "You do not have the permission to edit this worklog.",
        ),
        (
            carol.delete(&one).await,
            "You do not have the permission to delete this worklog.",
        ),
    ] {
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
        assert_eq!(
            reply.body,
            json!({ "errorMessages": [message], "errors": {} })
        );
        contract.check_ref("worklog write 400", "ErrorCollection", &reply.body);
    }
    // Unknown worklogs and unseen issues are 404s for the writes too.
    for reply in [
        bob.put(
            &format!("/rest/api/3/issue/{key}/worklog/1"),
            &json!({ "timeSpent": "1h" }),
        )
        .await,
        bob.delete(&format!("/rest/api/3/issue/{key}/worklog/1"))
            .await,
    ] {
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.text);
        assert_eq!(
            reply.body["errorMessages"][0],
            "Cannot find worklog with id: '1'."
        );
    }
    for reply in [
        carol
            .put(
                "/rest/api/3/issue/SEC-1/worklog/1",
                &json!({ "timeSpent": "1h" }),
            )
            .await,
        carol.delete("/rest/api/3/issue/SEC-1/worklog/1").await,
    ] {
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.text);
    }

    assert_eq!(
        time_fields(&bob, &key).await,
        fields_before,
        "nothing moved"
    );
    assert_eq!(bob.get(&one).await.body, worklog_before, "nor the worklog");
    let listed = bob.get(&format!("/rest/api/3/issue/{key}/worklog")).await;
    assert_eq!(listed.body["total"], 1);
    assert_eq!(
        changelog_items(&bob, &key).await.len(),
        1,
        "only the worklog's adding was logged"
    );
    sim.shutdown().await;
}

/// The administrators' reads of the time tracking settings (`/configuration/timetracking`
/// and its `list` and `options`): the same working time `/configuration` names, Jira's own
/// provider, and the spec's 403 for anyone without Administer Jira.
#[tokio::test]
async fn administrators_read_the_time_tracking_settings_the_site_uses() {
    let sim = start().await;
    let contract = Contract::new();
    let alice = caller(&sim, ADMIN);
    let shared = alice.get("/rest/api/3/configuration").await;
    for api in ["/rest/api/3", "/rest/api/2"] {
        let options = alice
            .get(&format!("{api}/configuration/timetracking/options"))
            .await;
        assert_eq!(options.status, StatusCode::OK, "{}", options.text);
        contract.check_ref(api, "TimeTrackingConfiguration", &options.body);
        assert_eq!(options.body, shared.body["timeTrackingConfiguration"]);

        let selected = alice
            .get(&format!("{api}/configuration/timetracking"))
            .await;
        assert_eq!(selected.status, StatusCode::OK, "{}", selected.text);
        contract.check_ref(api, "TimeTrackingProvider", &selected.body);
        assert_eq!(selected.body["key"], "JIRA");

        let list = alice
            .get(&format!("{api}/configuration/timetracking/list"))
            .await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.text);
        assert_eq!(list.body, json!([selected.body]));
    }
    for who in [USER, OUTSIDER] {
        for path in [
            "/rest/api/3/configuration/timetracking",
            "/rest/api/3/configuration/timetracking/list",
            "/rest/api/3/configuration/timetracking/options",
        ] {
            let reply = caller(&sim, who).get(path).await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{who} {path}");
            contract.check_ref(path, "ErrorCollection", &reply.body);
        }
    }
    sim.shutdown().await;
}
