//! The example apps (`examples/issue-triage`, `examples/jsm-oncall`,
//! `examples/jql-report`, `examples/ops-alerts`), built by `tests/build.rs`, against the simulator's
//! seed data: each does what its README says, through the real guest
//! boundary, with the scopes its manifest declares.

use std::sync::Arc;

use crate::support;

use kiln_runtime::events::local::{DeliveryOutcome, LocalQueue};
use kiln_runtime::{InvocationFailure, RuntimeOptions};
use kiln_tests::programs;
use serde_json::{Value, json};
use support::{Harness, ok_json};

const ISSUE_TRIAGE_MANIFEST: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../examples/issue-triage/manifest.yml"
);
const JSM_ONCALL_MANIFEST: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../examples/jsm-oncall/manifest.yml"
);
const OPS_ALERTS_MANIFEST: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../examples/ops-alerts/manifest.yml"
);
const JQL_REPORT_MANIFEST: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../examples/jql-report/manifest.yml"
);

/// The seeded regular user: a member, not a Team Admin, of "Platform Ops".
const REGULAR_USER: &str = "user@example.com";

fn manifest(path: &str) -> String {
    std::fs::read_to_string(path).expect("example manifest")
}

#[tokio::test]
async fn issue_triage_labels_by_keyword_assigns_by_component_and_comments() {
    let h = Harness::start().await;
    let app = h
        .load(programs::ISSUE_TRIAGE, &manifest(ISSUE_TRIAGE_MANIFEST))
        .await;

    // KILN-4 "Handle rate limits in the host client", component Runtime
    // (owned by admin@example.com), assigned to Bob.
    let result = ok_json(&h.invoke(&app, "triage", json!({ "issue": "KILN-4" })).await);
    assert_eq!(result["issue"], "KILN-4");
    assert_eq!(result["labelsAdded"], json!(["performance"]));
    assert_eq!(result["assignee"], "admin@example.com");
    assert_eq!(result["reasons"].as_array().map(Vec::len), Some(2));

    let routes: Vec<(String, Option<&str>, &str)> = h
        .audit
        .records()
        .into_iter()
        .map(|r| (r.method.to_owned(), r.route, r.decision))
        .collect();
    assert_eq!(
        routes,
        [
            (
                "GET".to_owned(),
                Some("/rest/api/3/issue/{issueIdOrKey}"),
                "allowed"
            ),
            (
                "PUT".to_owned(),
                Some("/rest/api/3/issue/{issueIdOrKey}"),
                "allowed"
            ),
            ("GET".to_owned(), Some("/rest/api/3/user/search"), "allowed"),
            (
                "PUT".to_owned(),
                Some("/rest/api/3/issue/{issueIdOrKey}/assignee"),
                "allowed"
            ),
            (
                "POST".to_owned(),
                Some("/rest/api/3/issue/{issueIdOrKey}/comment"),
                "allowed"
            ),
        ]
    );

    // The label stuck: a second run finds nothing new to label.
    let again = ok_json(&h.invoke(&app, "triage", json!({ "issue": "KILN-4" })).await);
    assert_eq!(again["labelsAdded"], json!([]));
}

/// issue-triage's queue, built with the SDK's `events`: `triage-search`
/// pushes one event per issue of a JQL search, and the host's queue runs the
/// consumer `triage-queued` on each, as the app, with Forge's event payload.
#[tokio::test]
async fn issue_triage_queues_a_search_and_its_consumer_triages_each_issue() {
    let queue = Arc::new(LocalQueue::new());
    let sink = queue.clone();
    let h = Harness::start_with_app_client(move |options| RuntimeOptions {
        events: Some(sink),
        ..options
    })
    .await;
    let app = h
        .load(programs::ISSUE_TRIAGE, &manifest(ISSUE_TRIAGE_MANIFEST))
        .await;

    let queued = ok_json(&h.invoke(&app, "triage-search", json!({})).await);
    assert_eq!(queued["queued"], 6, "KILN-1 to KILN-6: {queued}");
    assert_eq!(queued["jobs"].as_array().map(Vec::len), Some(1));
    assert_eq!(queue.len(), 6);

    let mut results = Vec::new();
    queue
        .deliver(&app, "development", |delivery| {
            assert_eq!(delivery.consumer, "triage-consumer");
            assert_eq!(delivery.attempt, 1);
            match delivery.outcome {
                DeliveryOutcome::Ran(invoked) => {
                    h.assert_no_canary(&invoked);
                    let json = invoked.result.expect("the consumer succeeds");
                    results.push(serde_json::from_str::<Value>(&json).expect("JSON"));
                }
                DeliveryOutcome::NotRun(why) => panic!("the consumer did not run: {why}"),
            }
        })
        .await;
    assert_eq!(results.len(), 6);
    // KILN-4 "Handle rate limits in the host client", component Runtime, as
    // the direct call triages it.
    let kiln_4 = results
        .iter()
        .find(|result| result["issue"] == "KILN-4")
        .expect("KILN-4 was triaged");
    assert_eq!(kiln_4["labelsAdded"], json!(["performance"]));
    assert_eq!(kiln_4["assignee"], "admin@example.com");
    assert!(queue.is_empty());
}

#[tokio::test]
async fn issue_triage_leaves_an_issue_no_rule_matches_alone() {
    let h = Harness::start().await;
    let app = h
        .load(programs::ISSUE_TRIAGE, &manifest(ISSUE_TRIAGE_MANIFEST))
        .await;
    // KILN-6 "Release 0.1.0": no keyword, no component.
    let result = ok_json(&h.invoke(&app, "triage", json!({ "issue": "KILN-6" })).await);
    assert_eq!(result["labelsAdded"], json!([]));
    assert_eq!(result["assignee"], json!(null));
    assert_eq!(
        h.paths_seen(),
        ["/rest/api/3/issue/KILN-6"],
        "only read, no write and no comment"
    );
}

#[tokio::test]
async fn jsm_oncall_creates_a_schedule_and_says_who_is_on_call() {
    let h = Harness::start().await;
    let app = h
        .load(programs::JSM_ONCALL, &manifest(JSM_ONCALL_MANIFEST))
        .await;
    // The harness names no invoking user, so the payload names who rotates.
    let alice = h
        .sim
        .user("admin@example.com")
        .expect("seeded")
        .account_id
        .clone();
    let result = ok_json(
        &h.invoke(
            &app,
            "oncall",
            json!({ "team": "Platform Ops", "participants": [alice] }),
        )
        .await,
    );
    assert_eq!(result["team"], "Platform Ops");
    assert!(
        result["scheduleId"]
            .as_str()
            .is_some_and(|id| !id.is_empty())
    );
    let on_call = result["onCallNow"].as_array().expect("a list of names");
    assert_eq!(
        on_call.len(),
        1,
        "one rotation, one person on call: {result}"
    );
    assert!(
        ["Alice Admin", "Bob User"].contains(&on_call[0].as_str().unwrap_or_default()),
        "{result}"
    );
    // The name comes from the platform's user API: the Ops API sends ids only.
    let routes: Vec<(Option<&str>, &str)> = h
        .audit
        .records()
        .into_iter()
        .map(|r| (r.route, r.decision))
        .collect();
    assert_eq!(routes.len(), 5, "{routes:?}");
    assert!(routes.iter().all(|(_, decision)| *decision == "allowed"));
    assert_eq!(routes[4].0, Some("/rest/api/3/user/search"), "{routes:?}");
}

#[tokio::test]
async fn jsm_oncall_as_a_regular_user_says_team_admin_is_needed() {
    let h = Harness::start_as(REGULAR_USER).await;
    let app = h
        .load(programs::JSM_ONCALL, &manifest(JSM_ONCALL_MANIFEST))
        .await;
    let invoked = h.invoke(&app, "oncall", json!({})).await;
    match &invoked.result {
        Err(InvocationFailure::App { message, .. }) => {
            assert!(message.contains("Team Admin"), "{message}");
            assert!(message.contains("Platform Ops"), "{message}");
        }
        other => panic!("expected the app to explain the missing Team Admin role, got {other:?}"),
    }
    // Jira refused it, not the sandbox: the scopes were right.
    assert!(!invoked.is_sandbox_violation());
}

#[tokio::test]
async fn jql_report_pages_through_the_search_and_counts() {
    let h = Harness::start().await;
    let app = h
        .load(programs::JQL_REPORT, &manifest(JQL_REPORT_MANIFEST))
        .await;
    let result = ok_json(
        &h.invoke(
            &app,
            "report",
            json!({ "jql": "project = KILN ORDER BY key", "pageSize": 2 }),
        )
        .await,
    );
    assert_eq!(result["total"], 6);
    assert_eq!(result["pages"], 3);
    assert_eq!(
        result["byStatus"],
        json!({ "Done": 1, "In Progress": 2, "To Do": 3 })
    );
    assert_eq!(
        result["byAssignee"],
        json!({ "Alice Admin": 3, "Bob User": 2, "Unassigned": 1 })
    );
    let searches = h
        .sim
        .requests()
        .into_iter()
        .filter(|r| r.path == "/rest/api/3/search/jql")
        .count();
    assert_eq!(searches, 3);
}

#[tokio::test]
async fn jql_report_refuses_a_page_size_jira_would_not_honour() {
    let h = Harness::start().await;
    let app = h
        .load(programs::JQL_REPORT, &manifest(JQL_REPORT_MANIFEST))
        .await;
    let invoked = h.invoke(&app, "report", json!({ "pageSize": 0 })).await;
    assert!(
        matches!(&invoked.result, Err(InvocationFailure::App { message, .. }) if message.contains("pageSize")),
        "{:?}",
        invoked.result
    );
    assert!(h.paths_seen().is_empty());
}

/// The seeded admin's JSM Ops alerts, read from the simulator over HTTP as
/// any client would.
async fn ops_alerts(h: &Harness) -> Vec<serde_json::Value> {
    let admin = h.sim.user(support::ADMIN).expect("seeded admin");
    let url = format!(
        "{}/jsm/ops/api/{}/v1/alerts",
        h.sim.base_url(),
        h.sim.cloud_id()
    );
    let text = reqwest::Client::new()
        .get(url)
        .basic_auth(&admin.email, Some(&admin.api_token))
        .send()
        .await
        .expect("the simulator answers")
        .text()
        .await
        .expect("a body");
    let page: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    page["values"].as_array().cloned().unwrap_or_default()
}

/// A web trigger's request in Forge's shape, as `runtime serve` builds it.
fn web_request(method: &str, body: &str) -> serde_json::Value {
    json!({
        "method": method,
        "headers": { "content-type": ["application/json"] },
        "queryParameters": {},
        "body": body,
        "path": "/x1/…",
        "userPath": "",
    })
}

/// A harness with in-memory app storage and the ops-alerts example loaded.
async fn ops_alerts_app() -> (Harness, kiln_runtime::LoadedApp) {
    let h = Harness::start_with_storage(
        kiln_runtime::runtime::in_memory_storage().expect("memory storage"),
        None,
    )
    .await;
    let app = h
        .load(programs::OPS_ALERTS, &manifest(OPS_ALERTS_MANIFEST))
        .await;
    (h, app)
}

#[tokio::test]
async fn ops_alerts_turns_a_web_trigger_post_into_a_jsm_alert() {
    let (h, app) = ops_alerts_app().await;
    let before = ops_alerts(&h).await.len();
    let body = json!({
        "message": "disk full on db-1",
        "alias": "db-1-disk",
        "priority": "P2",
        "description": "/var at 98%",
        "tags": ["db"],
    });
    let answer = ok_json(
        &h.invoke(&app, "raise-alert", web_request("POST", &body.to_string()))
            .await,
    );
    assert_eq!(answer["statusCode"], 202, "{answer}");
    let reply: serde_json::Value =
        serde_json::from_str(answer["body"].as_str().expect("a body")).expect("JSON body");
    assert!(
        reply["requestId"].as_str().is_some_and(|id| !id.is_empty()),
        "{answer}"
    );
    let alerts = ops_alerts(&h).await;
    assert_eq!(alerts.len(), before + 1, "{alerts:?}");
    let raised = alerts
        .iter()
        .find(|a| a["alias"] == "db-1-disk")
        .unwrap_or_else(|| panic!("no alert with the alias: {alerts:?}"));
    assert_eq!(raised["message"], "disk full on db-1");
    assert_eq!(raised["priority"], "P2");
    assert_eq!(raised["tags"], json!(["db", "kiln"]));

    // Bad input: 400 with the reason, and nothing reaches Jira.
    let requests = h.paths_seen().len();
    for (method, body, status, why) in [
        (
            "POST",
            r#"{"message":"m","priority":"urgent"}"#,
            400,
            "P1 to P5",
        ),
        ("POST", "not json", 400, "not an alert"),
        ("GET", "", 405, "POST"),
    ] {
        let answer = ok_json(
            &h.invoke(&app, "raise-alert", web_request(method, body))
                .await,
        );
        assert_eq!(answer["statusCode"], status, "{answer}");
        assert!(
            answer["body"].as_str().is_some_and(|b| b.contains(why)),
            "{answer}"
        );
    }
    assert_eq!(
        h.paths_seen().len(),
        requests,
        "a refused alert reached Jira"
    );
}

#[tokio::test]
async fn ops_alerts_keeps_a_weekly_on_call_summary_and_serves_it() {
    let (h, app) = ops_alerts_app().await;
    let none = ok_json(
        &h.invoke(&app, "latest-summary", web_request("GET", ""))
            .await,
    );
    assert_eq!(none["statusCode"], 404, "{none}");

    let tick = json!({ "context": { "trigger": "scheduledTrigger", "intervalStart": 1_764_547_200_000_i64 } });
    let summary = ok_json(&h.invoke(&app, "oncall-summary", tick.clone()).await);
    assert_eq!(summary["intervalStart"], 1_764_547_200_000_i64, "{summary}");
    let schedules = summary["schedules"].as_array().expect("schedules");
    assert!(!schedules.is_empty(), "{summary}");
    assert!(
        schedules
            .iter()
            .any(|s| s["onCall"].as_array().is_some_and(|names| names
                .iter()
                .any(|n| n.as_str().is_some_and(|n| n.contains(' '))))),
        "no display name among the on-call responders: {summary}"
    );

    // The same week again (a retried run): the stored summary, no new calls.
    let requests = h.paths_seen().len();
    let again = ok_json(&h.invoke(&app, "oncall-summary", tick).await);
    assert_eq!(again, summary);
    assert_eq!(h.paths_seen().len(), requests);

    let served = ok_json(
        &h.invoke(&app, "latest-summary", web_request("GET", ""))
            .await,
    );
    assert_eq!(served["statusCode"], 200, "{served}");
    let body: serde_json::Value =
        serde_json::from_str(served["body"].as_str().expect("a body")).expect("JSON");
    assert_eq!(body, summary);
}
