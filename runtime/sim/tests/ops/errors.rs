//! Ops errors come in the Ops error shape, not Jira's, and never echo secrets.

use reqwest::StatusCode;
use serde_json::json;

use super::schedule_path;
use crate::common::{OUTSIDER, USER, assert_no_secret, caller, ops, start};

#[tokio::test]
async fn a_refused_change_answers_in_the_ops_error_shape() {
    let sim = start().await;
    let reply = caller(&sim, USER)
        .post(
            &schedule_path(&sim, "/rotations"),
            &json!({ "type": "daily", "startDate": "2024-01-01T00:00:00Z" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(
        reply.body["message"]
            .as_str()
            .is_some_and(|m| m.contains("Team Admin")),
        "{}",
        reply.body
    );
    assert!(reply.body["requestId"].is_string());
    assert!(reply.body["took"].is_number());
    assert!(reply.body.get("errorMessages").is_none());
    assert!(
        reply.body.get("errors").is_none(),
        "no field errors on a 403"
    );
    assert_no_secret(&sim, &reply.text);

    let hidden = caller(&sim, OUTSIDER).get(&schedule_path(&sim, "")).await;
    assert_eq!(hidden.status, StatusCode::FORBIDDEN);
    assert!(hidden.body["message"].is_string());
    let missing = caller(&sim, USER).get(&ops(&sim, "/schedules/nope")).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(
        missing.body["message"]
            .as_str()
            .is_some_and(|m| m.contains("nope"))
    );
    sim.shutdown().await;
}
