//! `POST /task/{taskId}/cancel` (`cancelTask`): the simulator's tasks finish
//! before they are answered, so a task its submitter or a site admin asks to
//! cancel is the spec's 400; others get 403, unknown tasks 404; every refusal
//! is the spec's bare list of messages.

use crate::common;

use common::{ADMIN, USER, caller, start};
use reqwest::StatusCode;
use serde_json::json;

const TYPE: &str = "com.atlassian.jira.plugin.system.customfieldtypes:";

/// A task Alice submitted: deleting a custom field answers `303` to one. Its
/// path on the site.
async fn finished_task(sim: &kiln_sim::Simulator) -> String {
    let alice = caller(sim, ADMIN);
    let field = alice
        .post(
            "/rest/api/3/field",
            &json!({
                "name": "Doomed",
                "type": format!("{TYPE}textfield"),
                "searcherKey": format!("{TYPE}textsearcher"),
            }),
        )
        .await;
    assert_eq!(field.status, StatusCode::CREATED, "{}", field.text);
    let deleted = alice
        .delete(&format!("/rest/api/3/field/{}", field.str_at("/id")))
        .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER, "{}", deleted.text);
    deleted
        .str_at("/self")
        .strip_prefix(sim.base_url())
        .expect("on the site")
        .to_owned()
}

#[tokio::test]
async fn a_finished_task_cannot_be_cancelled_by_those_who_may_cancel_it() {
    let sim = start().await;
    let task = finished_task(&sim).await;
    let id = task.rsplit('/').next().unwrap_or_default().to_owned();
    let alice = caller(&sim, ADMIN);
    let cancel = format!("{task}/cancel");
    let refused = alice.post(&cancel, &json!({})).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    assert_eq!(
        refused.body,
        json!([format!(
            "Task '{id}' has finished, so it cannot be cancelled."
        )])
    );
    // The task is as it was: complete.
    let read = alice.get(&task).await;
    assert_eq!(read.body["status"], "COMPLETE");
    // Through REST API v2 alike.
    let v2 = alice
        .post(
            &cancel.replacen("/rest/api/3/", "/rest/api/2/", 1),
            &json!({}),
        )
        .await;
    assert_eq!(v2.status, StatusCode::BAD_REQUEST, "{}", v2.text);
    sim.shutdown().await;
}

#[tokio::test]
async fn others_are_refused_and_unknown_tasks_are_not_found() {
    let sim = start().await;
    let task = finished_task(&sim).await;
    // Bob neither submitted it nor administers Jira.
    let bob = caller(&sim, USER);
    let refused = bob.post(&format!("{task}/cancel"), &json!({})).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    assert_eq!(
        refused.body,
        json!(["You can only cancel the tasks you submitted."])
    );
    let alice = caller(&sim, ADMIN);
    for id in ["1", "nope", "99999999999999999999999999", "%E2%9C%93"] {
        let missing = alice
            .post(&format!("/rest/api/3/task/{id}/cancel"), &json!({}))
            .await;
        assert_eq!(
            missing.status,
            StatusCode::NOT_FOUND,
            "{id}: {}",
            missing.text
        );
        assert!(missing.body[0].is_string(), "{}", missing.body);
    }
    sim.shutdown().await;
}
