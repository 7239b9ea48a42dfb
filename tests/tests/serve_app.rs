//! The guest `runtime serve`'s end-to-end tests host (`tests/programs/serve-app`,
//! driven through the real server in `serve/tests/e2e.rs`), checked here from the
//! host library alone: its web-trigger handler answers in Forge's response shape
//! with exactly what it was given, and its event handler writes to Jira only
//! through request-jira, so a failure in the server's tests points at the server,
//! not at the app.

use crate::support;

use kiln_tests::programs;
use serde_json::json;
use support::{Harness, manifest, ok_json};

#[tokio::test]
async fn the_serve_app_echoes_a_web_trigger_request_in_forges_shape() {
    let harness = Harness::start().await;
    let app = harness
        .load(
            programs::SERVE_APP,
            &manifest("serve-app", &["web_echo"], &[], ""),
        )
        .await;
    let request = json!({
        "method": "POST",
        "userPath": "/alerts",
        "headers": { "content-type": ["application/json"] },
        "queryParameters": { "source": ["monitor"] },
        "body": "{\"alert\":1}",
    });
    let response = ok_json(&harness.invoke(&app, "web_echo", request).await);
    assert_eq!(response["statusCode"], 200);
    assert_eq!(response["headers"]["X-Served-By"], json!(["serve-app"]));
    let seen: serde_json::Value =
        serde_json::from_str(response["body"].as_str().expect("a text body")).unwrap();
    assert_eq!(seen["method"], "POST");
    assert_eq!(seen["userPath"], "/alerts");
    assert_eq!(seen["queryParameters"]["source"], json!(["monitor"]));
    assert_eq!(seen["body"], "{\"alert\":1}");
    harness.assert_jira_untouched();
}

#[tokio::test]
async fn the_serve_app_event_handler_comments_through_request_jira() {
    let harness = Harness::start().await;
    let app = harness
        .load(
            programs::SERVE_APP,
            &manifest(
                "serve-app",
                &["on_event"],
                &["read:jira-work", "write:jira-work"],
                "",
            ),
        )
        .await;
    let event = json!({
        "eventType": "avi:jira:created:issue",
        "issue": { "key": "KILN-1", "fields": {} },
        "selfGenerated": false,
    });
    let invoked = harness.invoke(&app, "on_event", event).await;
    ok_json(&invoked);
    assert!(
        harness
            .paths_seen()
            .iter()
            .any(|p| p == "/rest/api/3/issue/KILN-1/comment"),
        "{:?}",
        harness.paths_seen()
    );
}
