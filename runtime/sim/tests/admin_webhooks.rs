//! Jira's webhooks on the administration writes: `project_created`,
//! `project_updated`, `project_deleted`; `jira:version_created`, `_updated`,
//! `_released`, `_unreleased`, `_deleted`; `component_created`, `_updated`,
//! `_deleted`. Each body is `timestamp`, `webhookEvent` and the entity alone,
//! delivered to the admin webhooks that list the event whatever their JQL
//! filter; a refused write raises nothing, and dynamic webhooks cannot
//! subscribe to these events, as the platform spec's `WebhookDetails.events`
//! lists none of them.

use crate::common;

use common::hook_receiver::{
    admin_hook as hook, assert_dynamic_refuses, next_delivery, nothing_more, receiver,
    start_with_hooks as start,
};
use common::{ADMIN, USER, account_id, caller};
use kiln_sim::WebhookEvent;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::sync::mpsc;

const PROJECT_EVENTS: [WebhookEvent; 3] = [
    WebhookEvent::ProjectCreated,
    WebhookEvent::ProjectUpdated,
    WebhookEvent::ProjectDeleted,
];

const VERSION_EVENTS: [WebhookEvent; 5] = [
    WebhookEvent::VersionCreated,
    WebhookEvent::VersionUpdated,
    WebhookEvent::VersionReleased,
    WebhookEvent::VersionUnreleased,
    WebhookEvent::VersionDeleted,
];

const COMPONENT_EVENTS: [WebhookEvent; 3] = [
    WebhookEvent::ComponentCreated,
    WebhookEvent::ComponentUpdated,
    WebhookEvent::ComponentDeleted,
];

/// The next delivery, which must be `event` with `entity` alone beside
/// `timestamp` and `webhookEvent`; the entity is returned.
async fn expect(rx: &mut mpsc::UnboundedReceiver<Value>, event: &str, entity: &str) -> Value {
    let got = next_delivery(rx).await;
    assert_eq!(got["webhookEvent"], event, "{got}");
    assert!(got["timestamp"].is_i64(), "{got}");
    let mut keys: Vec<&str> = got
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    let mut expected = vec![entity, "timestamp", "webhookEvent"];
    expected.sort_unstable();
    assert_eq!(keys, expected, "{got}");
    got[entity].clone()
}

#[tokio::test]
async fn project_writes_raise_project_webhooks() {
    let (url, mut admin) = receiver().await;
    let (issues_url, mut issues) = receiver().await;
    // The filter names another project: it selects issues, and a project
    // event is about none.
    let sim = start(vec![
        hook(&url, &PROJECT_EVENTS, Some("project = SEC")),
        hook(&issues_url, &WebhookEvent::DYNAMIC, None),
    ])
    .await;
    let alice = caller(&sim, ADMIN);
    let lead = account_id(&sim, ADMIN);

    // A refused create (not a site admin) raises nothing.
    let refused = caller(&sim, USER)
        .post(
            "/rest/api/3/project",
            &json!({ "key": "NOPE", "name": "Nope", "leadAccountId": lead,
                     "projectTypeKey": "software" }),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);

    let made = alice
        .post(
            "/rest/api/3/project",
            &json!({ "key": "OPS", "name": "Operations", "leadAccountId": lead,
                     "projectTypeKey": "business", "assigneeType": "PROJECT_LEAD" }),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    let id = made.body["id"].as_u64().expect("numeric id");
    let project = expect(&mut admin, "project_created", "project").await;
    assert_eq!(project["id"], id, "{project}");
    assert_eq!(project["key"], "OPS");
    assert_eq!(project["name"], "Operations");
    assert_eq!(project["projectTypeKey"], "business");
    assert_eq!(
        project["self"],
        format!("{}/rest/api/3/project/{id}", sim.base_url())
    );
    assert_eq!(project["projectLead"]["accountId"], lead.as_str());
    assert_eq!(project["assigneeType"], "admin.assignee.type.project.lead");
    assert!(project["avatarUrls"]["48x48"].is_string(), "{project}");

    let renamed = alice
        .put(
            "/rest/api/3/project/OPS",
            &json!({ "name": "Operations 2", "assigneeType": "UNASSIGNED" }),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);
    let project = expect(&mut admin, "project_updated", "project").await;
    assert_eq!(project["name"], "Operations 2");
    assert_eq!(project["assigneeType"], "admin.assignee.type.unassigned");

    // A refused update (a key change the simulator does not make) raises nothing.
    let refused = alice
        .put("/rest/api/3/project/OPS", &json!({ "key": "OPS2" }))
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);

    let deleted = alice.delete("/rest/api/3/project/OPS").await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    let project = expect(&mut admin, "project_deleted", "project").await;
    assert_eq!(project["key"], "OPS");
    assert_eq!(project["name"], "Operations 2");

    nothing_more(&mut admin).await;
    nothing_more(&mut issues).await;
    sim.shutdown().await;
}

#[tokio::test]
async fn version_writes_raise_version_webhooks() {
    let (url, mut admin) = receiver().await;
    let (released_url, mut released_only) = receiver().await;
    let sim = start(vec![
        hook(&url, &VERSION_EVENTS, None),
        hook(&released_url, &[WebhookEvent::VersionReleased], None),
    ])
    .await;
    let alice = caller(&sim, ADMIN);
    let kiln = alice.get("/rest/api/3/project/KILN").await;
    let project_id: u64 = kiln.str_at("/id").parse().expect("numeric id");

    let made = alice
        .post(
            "/rest/api/3/version",
            &json!({ "projectId": project_id, "name": "1.0", "description": "first" }),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    let id = made.str_at("/id");
    let path = format!("/rest/api/3/version/{id}");
    let version = expect(&mut admin, "jira:version_created", "version").await;
    // The `Version` the version read answers.
    let read = alice.get(&path).await;
    assert_eq!(version, read.body);
    assert_eq!(version["projectId"], project_id);
    assert_eq!(version["released"], false);

    // A refused update (a caller who may not administer the project) raises nothing.
    let refused = caller(&sim, USER)
        .put(&path, &json!({ "name": "1.0.1" }))
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);

    // A rename: updated only.
    let renamed = alice.put(&path, &json!({ "name": "1.1" })).await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);
    let version = expect(&mut admin, "jira:version_updated", "version").await;
    assert_eq!(version["name"], "1.1");

    // Nothing changed: nothing raised.
    let same = alice.put(&path, &json!({ "name": "1.1" })).await;
    assert_eq!(same.status, StatusCode::OK, "{}", same.text);

    // A release alone: released only.
    let released = alice.put(&path, &json!({ "released": true })).await;
    assert_eq!(released.status, StatusCode::OK, "{}", released.text);
    let version = expect(&mut admin, "jira:version_released", "version").await;
    assert_eq!(version["released"], true);
    let version = expect(&mut released_only, "jira:version_released", "version").await;
    assert_eq!(version["name"], "1.1");

    // An unrelease with a new description: updated, then unreleased.
    let unreleased = alice
        .put(&path, &json!({ "released": false, "description": "again" }))
        .await;
    assert_eq!(unreleased.status, StatusCode::OK, "{}", unreleased.text);
    let version = expect(&mut admin, "jira:version_updated", "version").await;
    assert_eq!(version["description"], "again");
    assert_eq!(version["released"], false);
    let version = expect(&mut admin, "jira:version_unreleased", "version").await;
    assert_eq!(version["released"], false);

    let deleted = alice.delete(&path).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    let version = expect(&mut admin, "jira:version_deleted", "version").await;
    assert_eq!(version["id"], id.as_str());
    assert_eq!(version["name"], "1.1");

    nothing_more(&mut admin).await;
    nothing_more(&mut released_only).await;
    sim.shutdown().await;
}

#[tokio::test]
async fn component_writes_raise_component_webhooks() {
    let (url, mut admin) = receiver().await;
    let sim = start(vec![hook(&url, &COMPONENT_EVENTS, Some("project = SEC"))]).await;
    let alice = caller(&sim, ADMIN);

    // A refused create (no project named) raises nothing.
    let refused = alice
        .post("/rest/api/3/component", &json!({ "name": "Orphan" }))
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);

    let made = alice
        .post(
            "/rest/api/3/component",
            &json!({ "project": "KILN", "name": "Webhooks", "description": "events" }),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    let id = made.str_at("/id");
    let path = format!("/rest/api/3/component/{id}");
    // The `ProjectComponent` the component routes answer.
    let component = expect(&mut admin, "component_created", "component").await;
    assert_eq!(component, made.body);
    assert_eq!(component["project"], "KILN");

    let renamed = alice.put(&path, &json!({ "name": "Hooks" })).await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);
    let component = expect(&mut admin, "component_updated", "component").await;
    assert_eq!(component, renamed.body);

    // A refused update (a caller who may not administer the project).
    let refused = caller(&sim, USER)
        .put(&path, &json!({ "name": "Mine" }))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);

    let deleted = alice.delete(&path).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    let component = expect(&mut admin, "component_deleted", "component").await;
    assert_eq!(component, renamed.body);

    nothing_more(&mut admin).await;
    sim.shutdown().await;
}

#[tokio::test]
async fn deleting_a_project_raises_no_event_for_its_versions_or_components() {
    let (url, mut admin) = receiver().await;
    let all: Vec<WebhookEvent> = PROJECT_EVENTS
        .into_iter()
        .chain(VERSION_EVENTS)
        .chain(COMPONENT_EVENTS)
        .collect();
    let sim = start(vec![hook(&url, &all, None)]).await;
    let deleted = caller(&sim, ADMIN).delete("/rest/api/3/project/KILN").await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    let project = expect(&mut admin, "project_deleted", "project").await;
    assert_eq!(project["key"], "KILN");
    nothing_more(&mut admin).await;
    sim.shutdown().await;
}

#[tokio::test]
async fn dynamic_webhooks_cannot_subscribe_to_admin_events() {
    let all: Vec<WebhookEvent> = PROJECT_EVENTS
        .into_iter()
        .chain(VERSION_EVENTS)
        .chain(COMPONENT_EVENTS)
        .collect();
    assert_dynamic_refuses(&all).await;
}
