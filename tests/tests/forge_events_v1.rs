//! A Forge app on `@forge/events` 1.x, end to end: the app `tests/js/events-v1`
//! with `@forge/events` 1.x installed from its lockfile (a local stand-in
//! package of that version: the suite has no registry, and the build reads
//! only the installed version), built as `runtime build` builds it, runs on
//! the simulator with `runtime run`'s in-process queue. The build picks the
//! 1.x layer; the expectations are Forge's documented 1.x behaviour
//! (runtime-reference/async-events-api for 1.x and
//! async-events-api-version-2-upgrade): `push(payload, settings)` with any
//! JSON payload resolving to the job id, `getStats()` and `cancel()`
//! resolving to responses, the resolver consumer called with `{ payload,
//! context }` (`context.jobId`, `payload.retryContext` on a retry), and
//! `InvocationError` retries, over the same host path as 2.x/3.x.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use kiln_guest_build::Sandbox;
use kiln_guest_build::js::{JsBuild, build_js};
use kiln_manifest::Manifest;
use kiln_runtime::events::local::DeliveryOutcome;
use serde_json::{Value, json};

use crate::escape_js_app::sources_digest;
use crate::support::forge_example;
use crate::support::queued::{QueuedApp, assert_retry_requested, ran};

/// The `@forge/events` version the app installs: a 1.x one.
const EVENTS_V1: &str = "1.0.0";

/// Runs `program args` in `dir`, panicking with its output when it fails.
fn run(dir: &Path, program: &str, args: &[&str], cache: &Path) {
    let out = Command::new(program)
        .args(args)
        .arg("--cache")
        .arg(cache)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|error| panic!("{program} {args:?}: {error}"));
    assert!(
        out.status.success(),
        "{program} {args:?} in {}: {}{}",
        dir.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create the app copy");
    for entry in std::fs::read_dir(from).expect("app folder readable") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy an app file");
        }
    }
}

/// The app with `@forge/events` 1.x installed, built once per test binary
/// (kept across runs under the sources' digest); `None` without Node.js and
/// npm (the JavaScript escape cases' rule).
fn component() -> Option<&'static Path> {
    static BUILT: OnceLock<Option<PathBuf>> = OnceLock::new();
    BUILT.get_or_init(build).as_deref()
}

fn build() -> Option<PathBuf> {
    crate::escape_js_app::component()?;
    let source = forge_example::test_app_dir("events-v1")
        .canonicalize()
        .expect("tests/js/events-v1");
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let root = tmp.join("kiln-js-events-v1-build");
    let kept = root.join(format!("{}-{EVENTS_V1}.wasm", sources_digest(&source)));
    if kept.is_file() {
        return Some(kept);
    }
    // <work>/app: the app; <work>/vendor: the package. `@forge/events` is one
    // of the packages Kiln's build provides, so nothing is installed: the
    // build reads the version the lockfile pins (`js_provided.rs`).
    let work = root.join("work");
    let _ = std::fs::remove_dir_all(&work);
    let app = work.join("app");
    copy_dir(&source, &app);
    let npm_cache = tmp.join("kiln-js-events-v1-npm-cache");
    let package = work.join("vendor").join("forge-events");
    std::fs::create_dir_all(&package).expect("the package folder");
    std::fs::write(
        package.join("package.json"),
        json!({ "name": "@forge/events", "version": EVENTS_V1, "description": "a stand-in for Forge's @forge/events 1.x: Kiln's build reads its version, never its code" })
            .to_string(),
    )
    .expect("the package's package.json");
    run(
        &package,
        "npm",
        &["pack", "--ignore-scripts", "--pack-destination", ".."],
        &npm_cache,
    );
    let manifest_path = app.join("package.json");
    let mut manifest: Value =
        serde_json::from_slice(&std::fs::read(&manifest_path).expect("package.json"))
            .expect("package.json is JSON");
    manifest["dependencies"] =
        json!({ "@forge/events": format!("file:../vendor/forge-events-{EVENTS_V1}.tgz") });
    std::fs::write(&manifest_path, manifest.to_string()).expect("write package.json");
    run(
        &app,
        "npm",
        &[
            "install",
            "--package-lock-only",
            "--offline",
            "--ignore-scripts",
            "--no-audit",
            "--no-fund",
        ],
        &npm_cache,
    );
    let built = build_js(
        &JsBuild::for_app(
            app.clone(),
            &Manifest::load(&app.join("manifest.yml")).expect("the app's manifest"),
            work.clone(),
            tmp.join("kiln-js-cli-cache"),
            Sandbox::available(),
            crate::support::kiln_wizer(),
        )
        .expect("the app's build inputs"),
    )
    .unwrap_or_else(|error| panic!("the events-v1 app builds: {error}"));
    std::fs::copy(&built.path, &kept).expect("keep the built component");
    Some(kept)
}

async fn queued() -> Option<QueuedApp> {
    let path: &'static Path = tokio::task::spawn_blocking(component)
        .await
        .expect("the build thread")?;
    let manifest =
        std::fs::read_to_string(forge_example::test_app_dir("events-v1").join("manifest.yml"))
            .expect("the app's manifest");
    Some(QueuedApp::start(path.to_str().expect("a UTF-8 path"), &manifest, "produce").await)
}

async fn push(q: &QueuedApp, payload: Value, settings: Value) -> Value {
    q.call(
        "produce",
        json!({ "queue": "queue-name", "payload": payload, "settings": settings }),
    )
    .await
}

fn job_of(pushed: &Value) -> String {
    assert_eq!(
        pushed["ok"]["type"], "string",
        "1.x's push resolves to the job id: {pushed}"
    );
    pushed["ok"]["jobId"]
        .as_str()
        .unwrap_or_else(|| panic!("a job id: {pushed}"))
        .to_owned()
}

/// What the consumer kept, one entry per invocation.
async fn kept(q: &QueuedApp) -> Vec<Value> {
    let seen = q.call("seen", json!({})).await;
    seen.as_object()
        .unwrap_or_else(|| panic!("seen: {seen}"))
        .values()
        .cloned()
        .collect()
}

#[tokio::test]
async fn a_1x_push_reaches_the_resolver_consumer_as_the_payload_with_the_job_id_in_context() {
    let Some(q) = queued().await else {
        return;
    };
    // Forge's 1.x examples: a string, an object with a delay, a list.
    let single = job_of(&push(&q, json!("hello world"), Value::Null).await);
    let delayed = job_of(
        &push(
            &q,
            json!({ "hello": "world" }),
            json!({ "delayInSeconds": 5 }),
        )
        .await,
    );
    let listed = job_of(&push(&q, json!(["hello", "world"]), Value::Null).await);
    assert_eq!(q.queue.len(), 4);
    let stats = q
        .call("stats", json!({ "queue": "queue-name", "jobId": listed }))
        .await;
    assert_eq!(
        stats["ok"],
        json!({ "ok": true, "status": 200, "json": { "success": 0, "inProgress": 2, "failed": 0 } }),
        "{stats}"
    );

    let deliveries = q.deliver().await;
    assert_eq!(deliveries.len(), 4);
    for delivery in &deliveries {
        assert_eq!(delivery.consumer, "queue-consumer");
        let answer: Value =
            serde_json::from_str(ran(delivery).as_ref().expect("consumed")).unwrap();
        assert_eq!(answer, json!({ "handled": true }));
    }
    let mut seen: Vec<(String, Value)> = kept(&q)
        .await
        .into_iter()
        .map(|entry| {
            assert_eq!(entry["trigger"], "queue-event", "{entry}");
            (
                entry["jobId"].as_str().unwrap_or("none").to_owned(),
                entry["payload"].clone(),
            )
        })
        .collect();
    seen.sort_by_key(|(job, payload)| (job.clone(), payload.to_string()));
    let mut expected = vec![
        (single, json!("hello world")),
        (delayed, json!({ "hello": "world" })),
        (listed.clone(), json!("hello")),
        (listed.clone(), json!("world")),
    ];
    expected.sort_by_key(|(job, payload)| (job.clone(), payload.to_string()));
    assert_eq!(seen, expected);
    let stats = q
        .call("stats", json!({ "queue": "queue-name", "jobId": listed }))
        .await;
    assert_eq!(
        stats["ok"]["json"],
        json!({ "success": 2, "inProgress": 0, "failed": 0 }),
        "{stats}"
    );
    q.harness.assert_jira_untouched();
}

#[tokio::test]
async fn an_invocation_error_retries_the_event_with_retry_context_in_the_payload() {
    let Some(q) = queued().await else {
        return;
    };
    let job = job_of(&push(&q, json!({ "retry": true, "issue": "KILN-1" }), Value::Null).await);
    let deliveries = q.deliver().await;
    assert_eq!(deliveries.len(), 2, "{deliveries:?}");
    assert_retry_requested(&deliveries[0]);
    assert_eq!(deliveries[1].attempt, 2);
    assert!(ran(&deliveries[1]).is_ok(), "{:?}", ran(&deliveries[1]));
    let seen = kept(&q).await;
    let retried = seen
        .iter()
        .find(|entry| entry["payload"].get("retryContext").is_some())
        .unwrap_or_else(|| panic!("the retry was kept: {seen:?}"));
    assert_eq!(
        retried["payload"],
        json!({
            "retry": true,
            "issue": "KILN-1",
            "retryContext": { "retryCount": 1, "retryReason": "FUNCTION_UPSTREAM_RATE_LIMITED", "retryData": { "page": 2 } }
        })
    );
    assert_eq!(retried["jobId"], job.as_str());
    let first = seen
        .iter()
        .find(|entry| entry["payload"].get("retryContext").is_none())
        .unwrap_or_else(|| panic!("the first attempt was kept: {seen:?}"));
    assert_eq!(
        first["payload"],
        json!({ "retry": true, "issue": "KILN-1" })
    );
}

#[tokio::test]
async fn forges_1x_checks_hold_and_a_cancelled_job_does_not_run() {
    let Some(q) = queued().await else {
        return;
    };
    let cases = [
        (
            "queue-name",
            json!([]),
            Value::Null,
            "NoEventsToPushError",
            "No events pushed.",
        ),
        (
            "queue-name",
            json!("x"),
            json!({ "delayInSeconds": 901 }),
            "InvalidPushSettingsError",
            "The delayInSeconds setting must be between 0 and 900.",
        ),
        (
            "queue-name",
            Value::Array(vec![json!(1); 51]),
            Value::Null,
            "TooManyEventsError",
            "This push contains more than the 50 events allowed.",
        ),
        (
            "elsewhere",
            json!("x"),
            Value::Null,
            "InvalidQueueNameError",
            "No consumer module of this app listens on queue \"elsewhere\"",
        ),
    ];
    for (queue, payload, settings, class, words) in cases {
        let answer = q
            .call(
                "produce",
                json!({ "queue": queue, "payload": payload, "settings": settings }),
            )
            .await;
        assert_eq!(answer["err"]["className"], class, "{answer}");
        assert!(
            answer["err"]["message"]
                .as_str()
                .is_some_and(|message| message.contains(words)),
            "{answer}"
        );
    }
    assert!(q.queue.is_empty(), "a refused push queues nothing");

    let job = job_of(&push(&q, json!([{ "n": 1 }, { "n": 2 }]), Value::Null).await);
    let cancelled = q
        .call("cancel", json!({ "queue": "queue-name", "jobId": job }))
        .await;
    assert_eq!(cancelled, json!({ "ok": { "ok": true, "status": 204 } }));
    let deliveries = q.deliver().await;
    assert!(
        deliveries
            .iter()
            .all(|delivery| matches!(delivery.outcome, DeliveryOutcome::NotRun(_))),
        "no event of a cancelled job runs: {deliveries:?}"
    );
    let unknown = q
        .call(
            "stats",
            json!({ "queue": "queue-name", "jobId": "no-such-job" }),
        )
        .await;
    assert_eq!(
        unknown["err"],
        json!({ "className": "JobDoesNotExistError", "message": "The job no-such-job was not found for the queue queue-name." })
    );
}
