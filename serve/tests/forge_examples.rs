//! Ported public Forge apps under `runtime serve`, end to end: the real binary builds the
//! app's JavaScript from its example folder and serves it. For a product trigger, the
//! embedded simulator sends its own signed webhook when a person changes an issue and the
//! app's write is read back from the simulator; for a web and a scheduled trigger, a POST
//! to the printed URL and the scheduler's runs (a manual clock), read back from the
//! app's storage with `runtime storage get`.
//!
//! Run after building the binary: `cargo build -p kiln-cli && cargo test -p kiln-serve --test serve forge_examples::`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::*;

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(name)
}

/// `who` moves `key` through `transition` in the simulator.
fn transition(serve: &Serve, who: &str, key: &str, transition: &str) {
    let (base, email, token) = serve.sim_as(who);
    let response = client()
        .post(format!("{base}/rest/api/3/issue/{key}/transitions"))
        .basic_auth(email, Some(token))
        .json(&json!({ "transition": { "id": transition } }))
        .send()
        .unwrap();
    assert_eq!(response.status(), 204, "moving {key}");
}

/// The comments on `key`: (author's display name, text of the ADF body).
fn comments(serve: &Serve, key: &str) -> Vec<(String, String)> {
    let (base, email, token) = serve.sim();
    comments_on(&base, &email, &token, key)
        .iter()
        .map(|c| {
            let text = c["body"]["content"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|p| p["content"].as_array().into_iter().flatten())
                .filter_map(|t| t["text"].as_str())
                .collect::<String>();
            let author = c["author"]["displayName"].as_str().unwrap_or_default();
            (author.to_owned(), text)
        })
        .collect()
}

/// Writes `value` under `key` in the app's storage on the embedded simulator (the CLI's
/// default site, where the served app's invocations keep their storage too), with `runtime
/// storage set`, as an operator configures an app whose settings page Kiln does not serve.
fn storage_set(dir: &Path, app: &Path, environment: &str, key: &str, value: &Value) {
    let value = value.to_string();
    let output = runtime_storage(
        dir,
        &["set", app.to_str().unwrap(), key, &value],
        None,
        Some(environment),
    );
    assert!(
        output.status.success(),
        "runtime storage set: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Atlassian's Smart Workflow Follow-up (`examples/forge-smart-workflow-followup`): its
/// `avi:jira:updated:issue` trigger comments, as the app, when a person moves an issue of
/// an opted-in project into the chosen status, and stays silent otherwise.
#[test]
fn smart_workflow_followup_comments_when_a_person_moves_an_issue_to_done() {
    let dir = tempfile::tempdir().unwrap();
    let app = example("forge-smart-workflow-followup");
    let serve = Launch {
        app: app.clone(),
        ..Launch::new(dir.path())
    }
    .start();
    let listed = installations(&serve);
    let [installation] = listed.as_slice() else {
        panic!("one installation: {listed:?}");
    };

    // Not opted in: a person's move to Done is silence. The event is handled before the
    // administrator opts in below, or the app would read the new configuration.
    let before = comments(&serve, "KILN-3").len();
    transition(&serve, PERSON, "KILN-3", "31");
    wait_for("the app's run for KILN-3", || {
        product_trigger_runs(&serve) >= 1
    });

    // The administrator's choice, as the app's own saveConfig resolver writes it.
    storage_set(
        dir.path(),
        &app,
        installation["environment"].as_str().unwrap(),
        "config:KILN",
        &json!({ "enabled": true, "triggerStatusId": "10001", "triggerStatusName": "Done",
                 "template": null, "updatedAt": 0 }),
    );
    // A move to In Progress (KILN-4), then a move to Done (KILN-1, reopened first).
    let kiln_4 = comments(&serve, "KILN-4").len();
    transition(&serve, PERSON, "KILN-4", "21");
    transition(&serve, PERSON, "KILN-1", "21");
    let kiln_1 = comments(&serve, "KILN-1").len();
    transition(&serve, PERSON, "KILN-1", "31");

    wait_for("the app's follow-up on KILN-1", || {
        comments(&serve, "KILN-1").len() > kiln_1
    });
    // Written `asApp()`: by the app's own account, named after the app.
    let seen = comments(&serve, "KILN-1");
    assert_eq!(seen.len(), kiln_1 + 1, "{seen:?}");
    let (author, text) = seen.last().unwrap();
    assert_eq!(author, installation["app"].as_str().unwrap());
    assert!(
        text.starts_with("Smart Workflow Follow-up: KILN-1 moved to Done by Bob User."),
        "{text}"
    );
    // Give the other events time to run: neither comments.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        comments(&serve, "KILN-3").len(),
        before,
        "not opted in then"
    );
    assert_eq!(
        comments(&serve, "KILN-4").len(),
        kiln_4,
        "In Progress is not Done"
    );
    assert_eq!(comments(&serve, "KILN-1").len(), kiln_1 + 1);
}

/// How many product-trigger invocations the server has finished, whatever their outcome
/// (`kiln_invocations_total` with `trigger="trigger"`).
fn product_trigger_runs(serve: &Serve) -> u64 {
    metrics(serve)
        .lines()
        .filter(|line| {
            line.starts_with("kiln_invocations_total{") && line.contains("trigger=\"trigger\"")
        })
        .filter_map(|line| line.rsplit_once(' ')?.1.parse::<u64>().ok())
        .sum()
}

/// The value under `key` in the app's storage on the embedded simulator, read with
/// `runtime storage get` (`None` while there is none).
fn storage_get(dir: &Path, app: &Path, key: &str) -> Option<Value> {
    let output = runtime_storage(dir, &["get", app.to_str().unwrap(), key], None, None);
    if !output.status.success() {
        return None;
    }
    serde_json::from_slice(&output.stdout).ok()
}

/// The message part of the app's `DATE - message` text.
fn message(stored: &Option<Value>) -> Option<String> {
    stored
        .as_ref()
        .and_then(Value::as_str)
        .and_then(|text| text.rsplit_once(" - "))
        .map(|(_, message)| message.to_owned())
}

/// AtomOpera's forge-scheduled-trigger-lab (`examples/forge-scheduled-trigger-lab`): its
/// hourly `scheduledTrigger` and its `webtrigger` both write the message of the day to app
/// storage; a POST to the URL the server printed sets it, the scheduler's next hour
/// (a manual clock) overwrites it.
#[test]
fn scheduled_trigger_lab_serves_its_web_trigger_and_runs_its_schedule() {
    const HOUR: i64 = 3_600_000;
    let dir = tempfile::tempdir().unwrap();
    let app = example("forge-scheduled-trigger-lab");
    let start = (1_900_000_000_000 / HOUR) * HOUR + HOUR / 2;
    let start = start.to_string();
    let extra = ["--manual-clock", start.as_str()];
    let serve = Launch {
        app: app.clone(),
        extra: &extra,
        ..Launch::new(dir.path())
    }
    .start();
    let motd = || message(&storage_get(dir.path(), &app, "motd"));

    // A trigger that never ran runs once at start.
    wait_for("the scheduled run at start", || {
        motd().as_deref() == Some("auto scheduled")
    });

    // The web trigger, at the URL the server printed.
    let url = serve.line("webtrigger", Some("motd-listener"))["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let response = client()
        .post(&url)
        .header("content-type", "application/json")
        .body(r#"{"motd": "Deploy freeze until Friday"}"#)
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().unwrap(), "Success: Message updated\n");
    assert_eq!(motd().as_deref(), Some("Deploy freeze until Friday"));
    let refused = client().post(&url).body("motd=hello").send().unwrap();
    assert_eq!(refused.status(), 400);
    assert_eq!(motd().as_deref(), Some("Deploy freeze until Friday"));

    // The next hour, past the scheduler's jitter: the schedule overwrites it.
    admin(
        &serve,
        "/v1/clock",
        &json!({ "advanceMs": HOUR / 2 + 61_000 }),
    );
    wait_for("the next hour's scheduled run", || {
        motd().as_deref() == Some("auto scheduled")
    });
}
