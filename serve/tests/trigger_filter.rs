//! Forge's trigger filter expressions (`filter.expression`) in `runtime serve`: serve-app
//! with its `on-issue` trigger filtered by a Jira expression over the event payload. An
//! event the expression accepts runs the trigger (its comment on the issue is the proof),
//! one it rejects queues nothing, one whose evaluation fails is dropped with a warning
//! (`onError` defaults to `IGNORE_AND_LOG`), and the server keeps serving throughout.
//!
//! Run after building the binary: `cargo build -p kiln-cli`.

use serde_json::{Value, json};

use crate::consent::{manifest_without_schedule, serve_app_component};
use crate::support::{self, APP_ACCOUNT, Serve, WEBHOOK_SECRET, wait_for, webhook};

const EXPRESSION: &str = "event.issue.fields.issuetype.name == 'Bug' && \
                          event.issue.fields.labels.some(label => label.toLowerCase() == 'ops')";

/// serve-app's manifest with the trigger's filter given `expression` (and `onError`
/// lines, if any).
fn filtered_manifest(expression: &str, on_error: &str) -> String {
    let manifest = manifest_without_schedule();
    let plain = "      filter: { ignoreSelf: true }\n";
    assert!(manifest.contains(plain), "serve-app's trigger filter moved");
    manifest.replace(
        plain,
        &format!(
            "      filter:\n        ignoreSelf: true\n        expression: \"{expression}\"\n{on_error}"
        ),
    )
}

/// `runtime serve` of serve-app under `manifest`, on the embedded simulator (its webhooks
/// signed with the test secret), logging to `dir/serve.log`.
pub(crate) fn start(dir: &std::path::Path, manifest: &str) -> Serve {
    std::fs::write(dir.join("manifest.yml"), manifest).unwrap();
    std::fs::write(dir.join("app.wasm"), serve_app_component()).unwrap();
    support::write_private(&dir.join("webhook-secret"), WEBHOOK_SECRET);
    let config = dir.join("kiln.toml");
    std::fs::write(
        &config,
        "listen = \"127.0.0.1:0\"\nstate = \"state.sqlite3\"\n\
         [simulator]\nwebhook_secret_file = \"webhook-secret\"\n\
         [[app]]\npath = \"app.wasm\"\nmanifest = \"manifest.yml\"\n",
    )
    .unwrap();
    support::spawn_config(&config, &[], Some(&dir.join("serve.log"))).serving()
}

/// An issue created in the simulator by a person: the simulator's webhook for it (a Task
/// without labels or a set priority other than those the tests deliver) is filtered out by
/// each test's expression, so only the deliveries below count.
fn create_issue(serve: &Serve, summary: &str) -> String {
    support::create_issue(serve, APP_ACCOUNT, summary)
}

/// A person's `jira:issue_created` delivery for `key` with these fields.
fn delivery(key: &str, fields: Value) -> Value {
    json!({
        "timestamp": 1_700_000_000_000_i64,
        "webhookEvent": "jira:issue_created",
        "issue_event_type_name": "issue_created",
        "user": { "accountId": "someone-else" },
        "issue": { "id": "1", "key": key, "fields": fields },
    })
}

fn queued(serve: &Serve, id: &str, body: &Value) -> u64 {
    let response = webhook(serve, id, body, None);
    let status = response.status().as_u16();
    let answer: Value = response.json().unwrap();
    assert!(status == 202 || status == 200, "{status}: {answer}");
    answer["queued"].as_u64().unwrap()
}

fn comments(serve: &Serve, key: &str) -> Vec<String> {
    let (base, email, token) = serve.sim();
    support::comment_bodies(&base, &email, &token, key)
}

#[test]
fn a_filter_expression_runs_the_trigger_only_for_matching_events() {
    let dir = tempfile::tempdir().unwrap();
    let serve = start(dir.path(), &filtered_manifest(EXPRESSION, ""));
    let matching = create_issue(&serve, "ops bug");
    let other = create_issue(&serve, "a task");
    let broken = create_issue(&serve, "no labels");
    let later = create_issue(&serve, "another ops bug");

    let bug =
        |labels: Value| json!({ "summary": "s", "issuetype": { "name": "Bug" }, "labels": labels });
    assert_eq!(
        queued(&serve, "f-1", &delivery(&matching, bug(json!(["OPS"])))),
        1
    );
    wait_for("the matching event's comment", || {
        !comments(&serve, &matching).is_empty()
    });

    // Not a bug, or a bug without the label: nothing is queued.
    let task = json!({ "summary": "s", "issuetype": { "name": "Task" }, "labels": ["ops"] });
    assert_eq!(queued(&serve, "f-2", &delivery(&other, task)), 0);
    assert_eq!(
        queued(&serve, "f-3", &delivery(&other, bug(json!(["db"])))),
        0
    );
    // `labels` missing: `null.some(…)` is an error; IGNORE_AND_LOG drops it and warns.
    let unlabelled = json!({ "summary": "s", "issuetype": { "name": "Bug" } });
    assert_eq!(queued(&serve, "f-4", &delivery(&broken, unlabelled)), 0);

    // Still serving: the next matching event runs.
    assert_eq!(
        queued(&serve, "f-5", &delivery(&later, bug(json!(["x", "ops"])))),
        1
    );
    wait_for("the later event's comment", || {
        !comments(&serve, &later).is_empty()
    });
    assert_eq!(comments(&serve, &matching).len(), 1);
    assert!(comments(&serve, &other).is_empty());
    assert!(comments(&serve, &broken).is_empty());

    let warnings = support::log_entries(
        &dir.path().join("serve.log"),
        "the trigger's filter expression failed",
    );
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let warning = warnings[0].to_string();
    assert!(warning.contains("IGNORE_AND_LOG"), "{warning}");
    assert!(
        warning.contains("type null does not have any properties"),
        "{warning}"
    );
    assert!(
        !warning.contains(&broken),
        "the payload is not logged: {warning}"
    );

    let metrics = support::metrics(&serve);
    for outcome in ["outcome=\"filtered\"", "outcome=\"filter-error\""] {
        assert!(
            metrics.lines().any(|line| line.contains(outcome)),
            "{outcome} in {metrics}"
        );
    }
}

#[test]
fn receive_and_log_delivers_an_event_whose_filter_fails() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = filtered_manifest(
        "event.issue.fields.priority.name == 'High'",
        "        onError: RECEIVE_AND_LOG\n",
    );
    let serve = start(dir.path(), &manifest);
    let high = create_issue(&serve, "high");
    let low = create_issue(&serve, "low");
    let unset = create_issue(&serve, "unset");

    let fields = |priority: Value| json!({ "summary": "s", "priority": priority });
    assert_eq!(
        queued(
            &serve,
            "r-1",
            &delivery(&high, fields(json!({ "name": "High" })))
        ),
        1
    );
    assert_eq!(
        queued(
            &serve,
            "r-2",
            &delivery(&low, fields(json!({ "name": "Low" })))
        ),
        0
    );
    // No priority: `null.name` fails, and RECEIVE_AND_LOG delivers it anyway.
    assert_eq!(
        queued(&serve, "r-3", &delivery(&unset, fields(json!(null)))),
        1
    );
    wait_for("both delivered events' comments", || {
        !comments(&serve, &high).is_empty() && !comments(&serve, &unset).is_empty()
    });
    assert!(comments(&serve, &low).is_empty());

    let warnings = support::log_entries(
        &dir.path().join("serve.log"),
        "the trigger's filter expression failed",
    );
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(
        warnings[0]["fields"]["on_error"], "RECEIVE_AND_LOG",
        "{}",
        warnings[0]
    );
    assert_eq!(warnings[0]["fields"]["delivered"], true, "{}", warnings[0]);
}

/// Forge's object form of an event (`events: [{ eventType, filter }]`): the event's own
/// filter decides, in place of the module's (which has no expression here).
#[test]
fn an_event_written_with_its_own_filter_is_filtered_by_it() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = manifest_without_schedule();
    let plain = "      events: [avi:jira:created:issue]\n";
    assert!(manifest.contains(plain), "serve-app's trigger events moved");
    let manifest = manifest.replace(
        plain,
        "      events:\n        - eventType: avi:jira:created:issue\n          filter:\n            \
         ignoreSelf: true\n            expression: \"event.issue.fields.labels.includes('ops')\"\n",
    );
    let serve = start(dir.path(), &manifest);
    let ops = create_issue(&serve, "ops");
    let db = create_issue(&serve, "db");
    let labelled = |label: &str| json!({ "summary": "s", "labels": [label] });

    assert_eq!(queued(&serve, "e-1", &delivery(&db, labelled("db"))), 0);
    assert_eq!(queued(&serve, "e-2", &delivery(&ops, labelled("ops"))), 1);
    wait_for("the matching event's comment", || {
        !comments(&serve, &ops).is_empty()
    });
    assert!(comments(&serve, &db).is_empty());
}
