//! Forge's lifecycle events under `runtime serve`: `avi:forge:installed:app` once, when the
//! installation is first approved; `avi:forge:upgraded:app` once, when it is approved for other
//! code; neither again on a restart. The real binary, the embedded simulator, and
//! serve/tests/replica-app, whose `on_lifecycle` keeps every event it ran in app storage.

use std::path::{Path, PathBuf};

use serde_json::Value;
use sha2::{Digest as _, Sha256};

use crate::support::*;

/// Builds replica-app as users build apps, and places its component and manifest in `dir`
/// as a served `.wasm` with its manifest beside it.
fn placed_replica_app(dir: &Path) -> PathBuf {
    let built = built_app(&replica_app());
    let app = dir.join("app");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::copy(&built, app.join("app.wasm")).unwrap();
    std::fs::copy(replica_app().join("manifest.yml"), app.join("manifest.yml")).unwrap();
    app.join("app.wasm")
}

/// Other code that behaves the same: the component with a custom section appended (a new
/// build of the same source, as far as an approval can tell).
fn rebuild(component: &Path) {
    let name = b"kiln-test-build";
    let payload = b"2";
    let mut bytes = std::fs::read(component).unwrap();
    bytes.push(0); // custom section
    bytes.push((1 + name.len() + payload.len()) as u8);
    bytes.push(name.len() as u8);
    bytes.extend_from_slice(name);
    bytes.extend_from_slice(payload);
    std::fs::write(component, bytes).unwrap();
}

fn sha256_of(path: &Path) -> String {
    hex::encode(Sha256::digest(std::fs::read(path).unwrap()))
}

/// The app's `lifecycle*` entries, through its `report` web trigger.
fn lifecycle_entries(report_url: &str) -> Value {
    let body: Value = client()
        .get(format!("{report_url}?prefix=lifecycle"))
        .send()
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .unwrap();
    body["entries"].clone()
}

/// Runs one product event through the queue and waits for it: the events queued before it
/// at start have had their turn by then.
fn settle(serve: &Serve, report_url: &str, tag: &str) {
    let key = create_issue(serve, PERSON, tag);
    wait_for("the issue's event to run", || {
        let body: Value = client()
            .get(format!("{report_url}?prefix=done:{key}"))
            .send()
            .unwrap()
            .json()
            .unwrap();
        body["entries"].as_object().is_some_and(|e| !e.is_empty())
    });
}

fn stop(serve: Serve) {
    serve.signal(libc::SIGTERM);
    let mut serve = serve;
    assert!(serve.child.wait().unwrap().success());
}

#[test]
fn installed_once_upgraded_once_and_neither_again_on_restart() {
    let dir = tempfile::tempdir().unwrap();
    let component = placed_replica_app(dir.path());
    let launch = Launch {
        app: component.clone(),
        ..Launch::new(dir.path())
    };
    let installed = "lifecycle:avi:forge:installed:app";
    let upgraded = "lifecycle:avi:forge:upgraded:app";

    let first = launch.start();
    let report = first.line("webtrigger", Some("report-in"))["url"]
        .as_str()
        .expect("the first start issues the URL")
        .to_owned();
    let id = report.rsplit('/').next().unwrap().to_owned();
    // The app counts, then keeps the payload: two writes, so wait for both.
    wait_for("the installed event to run", || {
        let entries = lifecycle_entries(&report);
        entries[installed] == 1
            && entries
                .get("lifecycle-last:avi:forge:installed:app")
                .is_some()
    });
    let entries = lifecycle_entries(&report);
    let last = &entries["lifecycle-last:avi:forge:installed:app"];
    let event = &last["event"];
    assert_eq!(event["eventType"], "avi:forge:installed:app");
    assert_eq!(
        event["id"], last["installationId"],
        "the payload's id is the installation id the app's context carries"
    );
    assert_eq!(event["app"]["id"], "replica-app");
    assert_eq!(event["app"]["version"], sha256_of(&component).as_str());
    assert_eq!(event["environment"]["id"], "development");
    // An object, as every event a Forge function receives: apps read `event.context.cloudId`.
    assert!(
        event["context"]["cloudId"]
            .as_str()
            .is_some_and(|c| !c.is_empty()),
        "{event}"
    );
    assert!(event["context"]["moduleKey"].is_string(), "{event}");
    assert_eq!(last["trigger"], "product event", "run by its trigger");
    assert!(entries.get(upgraded).is_none(), "{entries}");
    stop(first);

    // The same code again: nothing announced.
    let second = launch.start();
    let report = format!("{}/x1/{id}", second.url());
    settle(&second, &report, "after a restart");
    let entries = lifecycle_entries(&report);
    assert_eq!(entries[installed], 1, "{entries}");
    assert!(entries.get(upgraded).is_none(), "{entries}");
    stop(second);

    // New code, approved by the simulator's standing approval: upgraded, once.
    rebuild(&component);
    let third = launch.start();
    let report = format!("{}/x1/{id}", third.url());
    wait_for("the upgraded event to run", || {
        let entries = lifecycle_entries(&report);
        entries[upgraded] == 1
            && entries
                .get("lifecycle-last:avi:forge:upgraded:app")
                .is_some()
    });
    let entries = lifecycle_entries(&report);
    let event = &entries["lifecycle-last:avi:forge:upgraded:app"]["event"];
    assert_eq!(event["eventType"], "avi:forge:upgraded:app");
    assert_eq!(event["app"]["version"], sha256_of(&component).as_str());
    assert_eq!(entries[installed], 1);
    stop(third);

    let fourth = launch.start();
    let report = format!("{}/x1/{id}", fourth.url());
    settle(&fourth, &report, "after the upgrade");
    let entries = lifecycle_entries(&report);
    assert_eq!(
        (&entries[installed], &entries[upgraded]),
        (&1.into(), &1.into())
    );
}
