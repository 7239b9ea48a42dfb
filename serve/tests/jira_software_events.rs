//! Jira Software's sprint events under `runtime serve`, offline: a sprint created and started
//! through the embedded simulator's agile REST API raises Jira's `sprint_started` webhook,
//! serve maps it to `avi:jira-software:started:sprint`, and the trigger subscribed to it
//! runs with Forge's payload. Two apps are served, both serve/tests/replica-app (whose
//! `on_lifecycle` keeps every event it ran in app storage, read back through its `report`
//! web trigger) under manifests written here: `sprint-app` subscribes to the sprint's start
//! (classic scope `read:jira-work`), `closer-app` to its close (granular scope
//! `read:sprint:jira-software`); each runs for its own event only. An app whose scopes cannot
//! read the event is refused at start, so it is never invoked.
//!
//! Run after building the binary: `cargo build -p kiln-cli`.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{self, PERSON, Serve, WEBHOOK_SECRET, client, wait_for};

const STARTED: &str = "avi:jira-software:started:sprint";
const CLOSED: &str = "avi:jira-software:closed:sprint";

/// replica-app's manifest as `id`, its `lifecycle` function (which records any event)
/// subscribed to `events`, with `scopes`.
pub(crate) fn manifest(id: &str, events: &[&str], scopes: &[&str]) -> String {
    format!(
        "app:\n  id: {id}\n  runtime: {{ memoryMiB: 64, timeoutSeconds: 60 }}\n\
         modules:\n  function:\n    - key: report\n      handler: report\n\
         \x20   - key: record\n      handler: on_lifecycle\n\
         \x20 webtrigger:\n    - key: report-in\n      function: report\n\
         \x20 trigger:\n    - key: on-sprint\n      function: record\n      events: [{}]\n\
         permissions:\n  scopes: [{}]\n",
        events.join(", "),
        scopes.join(", ")
    )
}

/// Writes `kiln.toml` serving replica-app once per `(id, manifest)` on the embedded
/// simulator (its webhooks signed with the test secret); returns its path.
pub(crate) fn config(dir: &Path, apps: &[(&str, String)]) -> std::path::PathBuf {
    let component = support::built_app(&support::replica_app());
    std::fs::copy(&component, dir.join("app.wasm")).unwrap();
    support::write_private(&dir.join("webhook-secret"), WEBHOOK_SECRET);
    let mut toml = String::from(
        "listen = \"127.0.0.1:0\"\nstate = \"state.sqlite3\"\n\
         [simulator]\nwebhook_secret_file = \"webhook-secret\"\n",
    );
    for (id, manifest) in apps {
        let file = format!("{id}.yml");
        std::fs::write(dir.join(&file), manifest).unwrap();
        toml.push_str(&format!(
            "[[app]]\npath = \"app.wasm\"\nmanifest = {file:?}\n"
        ));
    }
    let path = dir.join("kiln.toml");
    std::fs::write(&path, toml).unwrap();
    path
}

/// The URL of `app`'s `report-in` web trigger, as serve printed it at start.
pub(crate) fn report_url(serve: &Serve, app: &str) -> String {
    serve
        .lines
        .iter()
        .find(|l| l["kind"] == "webtrigger" && l["app"] == app && l["key"] == "report-in")
        .and_then(|l| l["url"].as_str())
        .unwrap_or_else(|| panic!("no report-in URL for {app} in {:?}", serve.lines))
        .to_owned()
}

/// `app`'s storage entries under `prefix`.
pub(crate) fn entries(report: &str, prefix: &str) -> Value {
    let body: Value = client()
        .get(format!("{report}?prefix={prefix}"))
        .send()
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .unwrap();
    body["entries"].clone()
}

/// What `report`'s app kept of its last run for `event` (`{event, installationId,
/// trigger}`), once it has run `count` times for it. The app counts a run, then keeps
/// the payload: two writes, so both are waited for (reading the second as soon as the
/// count shows once found it missing on a loaded machine). With `count` above 1 the
/// payload may still be the run before's.
pub(crate) fn last_run(report: &str, event: &str, count: u64) -> Value {
    let counted = format!("lifecycle:{event}");
    let last = format!("lifecycle-last:{event}");
    wait_for(&format!("the {event} trigger to run"), || {
        entries(report, "lifecycle:")[&counted] == count
            && !entries(report, "lifecycle-last:")[&last].is_null()
    });
    entries(report, "lifecycle-last:")[&last].clone()
}

/// A write to the simulator's agile API as a person (not the app's account).
fn agile(serve: &Serve, method: reqwest::Method, path: &str, body: &Value) -> Value {
    let (base, email, token) = serve.sim_as(PERSON);
    let response = client()
        .request(method, format!("{base}/rest/agile/1.0{path}"))
        .basic_auth(email, Some(token))
        .json(body)
        .send()
        .unwrap();
    let status = response.status();
    let text = response.text().unwrap();
    assert!(status.is_success(), "{path}: {status} {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

#[test]
fn a_started_sprint_in_the_simulator_runs_the_apps_sprint_trigger() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(
        dir.path(),
        &[
            (
                "sprint-app",
                manifest("sprint-app", &[STARTED], &["read:jira-work", "storage:app"]),
            ),
            (
                "closer-app",
                manifest(
                    "closer-app",
                    &[CLOSED],
                    &["read:sprint:jira-software", "storage:app"],
                ),
            ),
        ],
    );
    let serve = support::spawn_config(&config, &[], Some(&dir.path().join("serve.log"))).serving();
    let starter = report_url(&serve, "sprint-app");
    let closer = report_url(&serve, "closer-app");

    // Created on KILN's scrum board (board 1): `sprint_created`, which no trigger wants.
    let sprint = agile(
        &serve,
        reqwest::Method::POST,
        "/sprint",
        &json!({ "name": "Sprint 1", "originBoardId": 1, "goal": "ship" }),
    );
    let id = sprint["id"].as_u64().expect("the sprint's id");
    // Started: `sprint_updated`, then `sprint_started`.
    let started = agile(
        &serve,
        reqwest::Method::POST,
        &format!("/sprint/{id}"),
        &json!({
            "state": "active",
            "startDate": "2025-02-03T09:00:00.000Z",
            "endDate": "2025-02-17T09:00:00.000Z",
        }),
    );
    assert_eq!(started["state"], "active");

    let last = &last_run(&starter, STARTED, 1);
    let event = &last["event"];
    assert_eq!(event["eventType"], STARTED, "{event}");
    assert_eq!(event["sprint"]["id"], id, "{event}");
    assert_eq!(event["sprint"]["state"], "active", "{event}");
    assert_eq!(event["sprint"]["name"], "Sprint 1", "{event}");
    assert_eq!(event["sprint"]["originBoardId"], 1, "{event}");
    assert_eq!(event["sprint"]["goal"], "ship", "{event}");
    assert_eq!(
        event["sprint"]["startDate"], "2025-02-03T09:00:00.000Z",
        "{event}"
    );
    assert_eq!(event["selfGenerated"], false, "{event}");
    assert_eq!(event["context"]["moduleKey"], "on-sprint", "{event}");
    assert!(event["context"]["cloudId"].is_string(), "{event}");
    assert_eq!(last["trigger"], "product event");

    // Closed: the closer runs; the starter does not run again.
    agile(
        &serve,
        reqwest::Method::POST,
        &format!("/sprint/{id}"),
        &json!({ "state": "closed" }),
    );
    let event = &last_run(&closer, CLOSED, 1)["event"];
    assert_eq!(event["sprint"]["state"], "closed", "{event}");
    assert!(event["sprint"]["completeDate"].is_string(), "{event}");
    // The sprint's deletion is not subscribed to: nothing more runs anywhere.
    agile(
        &serve,
        reqwest::Method::DELETE,
        &format!("/sprint/{id}"),
        &Value::Null,
    );
    std::thread::sleep(Duration::from_secs(2));
    let ran = entries(&starter, "lifecycle:");
    assert_eq!(
        ran,
        json!({ format!("lifecycle:{STARTED}"): 1 }),
        "sprint-app ran only for the start"
    );
    let ran = entries(&closer, "lifecycle:");
    assert_eq!(
        ran,
        json!({ format!("lifecycle:{CLOSED}"): 1 }),
        "closer-app ran only for the close"
    );
}

#[test]
fn an_app_whose_scopes_cannot_read_sprint_events_is_refused_and_never_invoked() {
    let dir = tempfile::tempdir().unwrap();
    // `storage:app` alone reads no Jira event: Forge's validator refuses such a trigger, and
    // so does serve, before anything runs.
    let config = config(
        dir.path(),
        &[(
            "blind-app",
            manifest("blind-app", &[STARTED], &["storage:app"]),
        )],
    );
    let mut child = Command::new(support::runtime_binary())
        .args(["serve", "--config"])
        .arg(&config)
        .env("KILN_ADMIN_TOKEN", support::ADMIN_TOKEN)
        .env("KILN_STORAGE_KEY", support::STORAGE_KEY)
        .env("KILN_CACHE_DIR", support::cache_dir())
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runtime serve starts");
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("runtime serve kept running with an app that cannot read its trigger's event");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(!status.success(), "{stderr}");
    assert!(stderr.contains(STARTED), "{stderr}");
    assert!(stderr.contains("read:jira-work"), "{stderr}");
}
