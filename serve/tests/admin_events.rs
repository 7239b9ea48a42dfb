//! Jira's project and version events under `runtime serve`, offline: a project created and
//! a version released through the embedded simulator's REST API raise Jira's
//! `project_created` and `jira:version_released` webhooks, serve maps them to
//! `avi:jira:created:project` and `avi:jira:released:version`, and the trigger subscribed to
//! them runs with the project or version in Forge's payload. serve/tests/replica-app (whose
//! `on_lifecycle` keeps every event it ran in app storage) is served under a manifest whose
//! trigger lists both events, with `read:jira-work`; the version's creation, which it does not
//! subscribe to, runs nothing.
//!
//! Run after building the binary: `cargo build -p kiln-cli`.

use std::time::Duration;

use serde_json::{Value, json};

use crate::jira_software_events::{config, entries, last_run, manifest, report_url};
use crate::support::{self, APP_ACCOUNT, Serve, client};

const PROJECT_CREATED: &str = "avi:jira:created:project";
const VERSION_RELEASED: &str = "avi:jira:released:version";

/// A write to the simulator's platform API as its site administrator: only they may create
/// a project.
fn platform(serve: &Serve, method: reqwest::Method, path: &str, body: &Value) -> Value {
    let (base, email, token) = serve.sim_as(APP_ACCOUNT);
    let response = client()
        .request(method, format!("{base}/rest/api/3{path}"))
        .basic_auth(email, Some(token))
        .json(body)
        .send()
        .unwrap();
    let status = response.status();
    let text = response.text().unwrap();
    assert!(status.is_success(), "{path}: {status} {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// The event `app` last ran for `event`, once it has run `count` times for it.
fn ran(report: &str, event: &str, count: u64) -> Value {
    last_run(report, event, count)["event"].clone()
}

#[test]
fn a_created_project_and_a_released_version_in_the_simulator_run_the_apps_trigger() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(
        dir.path(),
        &[(
            "admin-app",
            manifest(
                "admin-app",
                &[PROJECT_CREATED, VERSION_RELEASED],
                &["read:jira-work", "storage:app"],
            ),
        )],
    );
    let serve = support::spawn_config(&config, &[], Some(&dir.path().join("serve.log"))).serving();
    let report = report_url(&serve, "admin-app");
    let lead = serve.line("simulator", None)["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == APP_ACCOUNT)
        .and_then(|u| u["accountId"].as_str())
        .expect("the administrator's account id")
        .to_owned();

    let project = platform(
        &serve,
        reqwest::Method::POST,
        "/project",
        &json!({ "key": "OPS", "name": "Operations", "leadAccountId": lead,
                 "projectTypeKey": "software" }),
    );
    let project_id = project["id"].as_u64().expect("the project's id");
    let event = ran(&report, PROJECT_CREATED, 1);
    assert_eq!(event["eventType"], PROJECT_CREATED, "{event}");
    assert_eq!(event["project"]["id"], project_id, "{event}");
    assert_eq!(event["project"]["key"], "OPS", "{event}");
    assert_eq!(event["project"]["name"], "Operations", "{event}");
    assert_eq!(
        event["project"]["projectLead"]["accountId"], lead,
        "{event}"
    );
    assert_eq!(event["selfGenerated"], false, "{event}");
    assert!(event["context"]["cloudId"].is_string(), "{event}");

    // Created: `jira:version_created`, which the trigger does not want.
    let version = platform(
        &serve,
        reqwest::Method::POST,
        "/version",
        &json!({ "projectId": project_id, "name": "1.0" }),
    );
    let id = version["id"].as_str().expect("the version's id").to_owned();
    platform(
        &serve,
        reqwest::Method::PUT,
        &format!("/version/{id}"),
        &json!({ "released": true }),
    );
    let event = ran(&report, VERSION_RELEASED, 1);
    assert_eq!(event["eventType"], VERSION_RELEASED, "{event}");
    assert_eq!(event["version"]["id"], id.as_str(), "{event}");
    assert_eq!(event["version"]["name"], "1.0", "{event}");
    assert_eq!(event["version"]["released"], true, "{event}");
    assert_eq!(event["version"]["projectId"], project_id, "{event}");

    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        entries(&report, "lifecycle:"),
        json!({
            format!("lifecycle:{PROJECT_CREATED}"): 1,
            format!("lifecycle:{VERSION_RELEASED}"): 1,
        }),
        "the app ran once for each event it subscribes to, for nothing else"
    );
}
