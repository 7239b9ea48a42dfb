//! Creating issues in bulk (`POST /issue/bulk`, `createIssues`): each element
//! created as `createIssue` creates one (keys, fields, permissions, the
//! `jira:issue_created` webhook); a bad element reported by its 0-based index
//! while the good ones are created; 400 when none is; the spec's limit of 50;
//! bodies Jira cannot read; REST API v2. Answers are checked against the
//! platform spec's `CreatedIssues`.

use crate::common;
use crate::common::hook_receiver::{self, next_delivery, receiver};
use crate::contract::Contract;

use common::{OUTSIDER, USER, caller, start};
use kiln_sim::{Simulator, WebhookEvent};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A simulator whose admin webhook at `url` hears every `jira:issue_created`.
async fn start_with_hook(url: &str) -> Simulator {
    hook_receiver::start_with_hook(url, "created", WebhookEvent::IssueCreated).await
}

/// An `IssueUpdateDetails` creating a `kind` in `project` summarised `summary`.
fn element(project: &str, kind: &str, summary: &str) -> Value {
    json!({ "fields": {
        "project": { "key": project },
        "issuetype": { "name": kind },
        "summary": summary,
    } })
}

/// The number of an issue key (`KILN-12` → 12).
fn number(key: &Value) -> u64 {
    key.as_str()
        .and_then(|k| k.rsplit('-').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("not an issue key: {key}"))
}

#[tokio::test]
async fn good_elements_are_created_and_bad_ones_reported_by_their_index() {
    let (url, mut deliveries) = receiver().await;
    let sim = start_with_hook(&url).await;
    let contract = Contract::new();
    let bob = caller(&sim, USER);

    let mut third = element("KILN", "Bug", "third");
    third["fields"]["components"] = json!([{ "name": "Docs" }]);
    third["fields"]["labels"] = json!(["bulk"]);
    let reply = bob
        .post(
            "/rest/api/3/issue/bulk",
            &json!({ "issueUpdates": [
                element("KILN", "Task", "first"),
                // No summary: refused as `createIssue` refuses it.
                { "fields": { "project": { "key": "KILN" }, "issuetype": { "name": "Task" } } },
                third,
                // Bob may browse SEC but not create issues there.
                element("SEC", "Task", "not allowed"),
            ] }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    contract.check_ref("POST /issue/bulk", "CreatedIssues", &reply.body);

    // The created ones, in request order, with consecutive keys: the refused
    // element spent no key.
    let issues = reply.body["issues"].as_array().expect("issues");
    assert_eq!(issues.len(), 2, "{}", reply.text);
    assert_eq!(number(&issues[1]["key"]), number(&issues[0]["key"]) + 1);
    for issue in issues {
        let id = issue["id"].as_str().expect("id");
        assert!(
            issue["self"]
                .as_str()
                .is_some_and(|s| s.ends_with(&format!("/rest/api/3/issue/{id}"))),
            "{issue}"
        );
    }

    // The failures, by their 0-based place in the request, each with the
    // status and errors `createIssue` would have answered.
    let errors = reply.body["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 2, "{}", reply.text);
    assert_eq!(errors[0]["failedElementNumber"], 1);
    assert_eq!(errors[0]["status"], 400);
    assert!(errors[0]["elementErrors"]["errors"]["summary"].is_string());
    assert_eq!(errors[1]["failedElementNumber"], 3);
    assert_eq!(errors[1]["status"], 403);
    assert!(
        errors[1]["elementErrors"]["errorMessages"][0]
            .as_str()
            .is_some_and(|m| m.contains("permission")),
        "{}",
        reply.text
    );

    // The good ones exist, with what their elements set.
    let first = bob
        .get(&format!(
            "/rest/api/3/issue/{}",
            issues[0]["key"].as_str().unwrap_or("")
        ))
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert_eq!(first.body["fields"]["summary"], "first");
    let third = bob
        .get(&format!(
            "/rest/api/3/issue/{}",
            issues[1]["key"].as_str().unwrap_or("")
        ))
        .await;
    assert_eq!(third.body["fields"]["summary"], "third");
    assert_eq!(third.body["fields"]["issuetype"]["name"], "Bug");
    assert_eq!(third.body["fields"]["components"][0]["name"], "Docs");
    assert_eq!(third.body["fields"]["labels"], json!(["bulk"]));
    assert_eq!(
        third.body["fields"]["reporter"]["accountId"],
        common::account_id(&sim, USER)
    );

    // Each created issue raised its own `jira:issue_created`, in order, as a
    // single create does.
    for issue in issues {
        let delivery = next_delivery(&mut deliveries).await;
        assert_eq!(delivery["webhookEvent"], "jira:issue_created");
        assert_eq!(delivery["issue"]["key"], issue["key"]);
    }

    // The next single create takes the next key.
    let single = bob
        .post("/rest/api/3/issue", &element("KILN", "Task", "after"))
        .await;
    assert_eq!(single.status, StatusCode::CREATED, "{}", single.text);
    assert_eq!(number(&single.body["key"]), number(&issues[1]["key"]) + 1);
}

#[tokio::test]
async fn a_request_creating_nothing_is_a_400_with_every_elements_errors() {
    let sim = start().await;
    let contract = Contract::new();
    let carol = caller(&sim, OUTSIDER);
    let bob = caller(&sim, USER);

    // Carol may browse KILN but not create there, and may not see SEC at all.
    let reply = carol
        .post(
            "/rest/api/3/issue/bulk",
            &json!({ "issueUpdates": [
                element("KILN", "Task", "no"),
                element("SEC", "Task", "no"),
                element("NOPE", "Task", "no"),
            ] }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    contract.check_ref("POST /issue/bulk 400", "CreatedIssues", &reply.body);
    assert_eq!(reply.body["issues"], json!([]));
    let errors = reply.body["errors"].as_array().expect("errors");
    let numbers: Vec<&Value> = errors.iter().map(|e| &e["failedElementNumber"]).collect();
    assert_eq!(numbers, [&json!(0), &json!(1), &json!(2)]);
    assert_eq!(errors[0]["status"], 403);
    // A project Carol may not browse is the same answer as one that does not
    // exist.
    assert_eq!(errors[1]["status"], 400);
    assert_eq!(errors[1]["elementErrors"], errors[2]["elementErrors"]);
    assert!(errors[1]["elementErrors"]["errors"]["project"].is_string());

    // Nothing was created: Bob's next issue takes the key it would have.
    let before = bob
        .post("/rest/api/3/issue", &element("KILN", "Task", "probe"))
        .await;
    let empty = bob
        .post("/rest/api/3/issue/bulk", &json!({ "issueUpdates": [] }))
        .await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST, "{}", empty.text);
    assert_eq!(empty.body, json!({ "issues": [], "errors": [] }));
    let after = bob
        .post("/rest/api/3/issue", &element("KILN", "Task", "probe"))
        .await;
    assert_eq!(number(&after.body["key"]), number(&before.body["key"]) + 1);
}

#[tokio::test]
async fn at_most_fifty_issues_and_only_bodies_jira_can_read() {
    let sim = start().await;
    let bob = caller(&sim, USER);
    let many = |n: usize| -> Vec<Value> {
        (0..n)
            .map(|i| element("KILN", "Task", &format!("n{i}")))
            .collect()
    };

    // 51: refused whole, nothing created.
    let refused = bob
        .post(
            "/rest/api/3/issue/bulk",
            &json!({ "issueUpdates": many(51) }),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    assert!(
        refused.body["errors"]["issueUpdates"].is_string(),
        "{}",
        refused.text
    );
    let probe = bob
        .post("/rest/api/3/issue", &element("KILN", "Task", "probe"))
        .await;
    let probe_number = number(&probe.body["key"]);

    // 50: all created, in order, keys following the probe's.
    let fifty = bob
        .post(
            "/rest/api/3/issue/bulk",
            &json!({ "issueUpdates": many(50) }),
        )
        .await;
    assert_eq!(fifty.status, StatusCode::CREATED, "{}", fifty.text);
    let issues = fifty.body["issues"].as_array().expect("issues");
    assert_eq!(issues.len(), 50);
    for (i, issue) in issues.iter().enumerate() {
        assert_eq!(number(&issue["key"]), probe_number + 1 + i as u64);
    }
    assert_eq!(fifty.body["errors"], json!([]));

    // Bodies Jira's JSON reader refuses: 400, never a panic.
    for body in [
        json!({ "issueUpdates": "KILN" }),
        json!({ "issueUpdates": [5] }),
        json!({ "issueUpdates": [{ "fields": [] }] }),
        json!({ "issueUpdates": [{ "update": "x" }] }),
        json!([]),
    ] {
        let reply = bob.post("/rest/api/3/issue/bulk", &body).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            reply.text
        );
    }
    // An element with a wrong type inside `fields`: that element's 400.
    let reply = bob
        .post(
            "/rest/api/3/issue/bulk",
            &json!({ "issueUpdates": [
                { "fields": { "project": { "key": "KILN" }, "issuetype": { "name": "Task" }, "summary": 7 } },
                { "fields": { "project": "KILN", "issuetype": { "name": "Task" }, "summary": "x".repeat(300) } },
            ] }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert_eq!(reply.body["errors"].as_array().map(Vec::len), Some(2));

    // Other methods on `/issue/bulk` read `bulk` as an issue key, as Jira does.
    let get = bob.get("/rest/api/3/issue/bulk").await;
    assert_eq!(get.status, StatusCode::NOT_FOUND, "{}", get.text);
}

#[tokio::test]
async fn rest_api_v2_creates_in_bulk_with_wiki_markup() {
    let sim = start().await;
    let bob = caller(&sim, USER);
    let mut described = element("KILN", "Task", "v2");
    described["fields"]["description"] = json!("Some *bold* text");
    let reply = bob
        .post(
            "/rest/api/2/issue/bulk",
            &json!({ "issueUpdates": [described] }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    assert!(
        reply.body["issues"][0]["self"]
            .as_str()
            .is_some_and(|s| s.contains("/rest/api/2/issue/")),
        "{}",
        reply.text
    );
    let key = reply.str_at("/issues/0/key");
    let v3 = bob.get(&format!("/rest/api/3/issue/{key}")).await;
    assert_eq!(v3.body["fields"]["description"]["type"], "doc");
    let v2 = bob.get(&format!("/rest/api/2/issue/{key}")).await;
    assert_eq!(v2.body["fields"]["description"], "Some *bold* text");
}
