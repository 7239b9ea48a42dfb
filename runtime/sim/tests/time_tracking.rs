//! Time tracking: the estimates set on create and edit (`timetracking`, `set`
//! and `edit`), Jira's duration text read and written back, worklogs adding to
//! the time spent and moving the remaining estimate by `adjustEstimate`, the
//! sums over sub-tasks, the fields' selection, `/field` and edit metadata
//! entries, the changelog, and hostile input refused in Jira's error shape
//! without a change.

use crate::common;
use crate::contract::Contract;

use common::{ADMIN, USER, caller, start};
use reqwest::StatusCode;
use serde_json::{Value, json};

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
