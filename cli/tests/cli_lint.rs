//! `runtime lint` and `runtime inspect` on the example apps, through the real
//! binary: lint finds a scope planted in a manifest and is clean on the
//! example's own; inspect reports the identity, world, scopes and digest.

use std::process::Output;

use serde_json::Value;

use crate::support::repo;

fn runtime(args: &[&str]) -> Output {
    crate::support::runtime()
        .args(args)
        .current_dir(repo())
        .output()
        .expect("the runtime binary starts")
}

fn json_stdout(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// `runtime lint examples/EXAMPLE` with its own payloads under its manifest with
/// `from` replaced by `to` (which must change it), `--json` when asked.
fn lint_edited(example: &str, from: &str, to: &str, json: bool) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let folder = repo().join("examples").join(example);
    let manifest = std::fs::read_to_string(folder.join("manifest.yml")).unwrap();
    let edited = manifest.replace(from, to);
    assert_ne!(edited, manifest, "the manifest was edited");
    let path = dir.path().join("manifest.yml");
    std::fs::write(&path, edited).unwrap();
    let payloads = folder.join("lint.payloads.json");
    let app = format!("examples/{example}");
    let mut args = vec![
        "lint",
        &app,
        "--manifest",
        path.to_str().unwrap(),
        "--payloads",
        payloads.to_str().unwrap(),
    ];
    if json {
        args.push("--json");
    }
    runtime(&args)
}

#[test]
fn lint_finds_a_planted_unused_scope_and_is_clean_without_it() {
    let output = lint_edited(
        "jql-report",
        "    - read:jira-work\n",
        "    - read:jira-work\n    - read:jira-user\n",
        true,
    );
    assert_eq!(
        output.status.code(),
        Some(1),
        "findings exit 1: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json_stdout(&output);
    assert_eq!(report["unused"], serde_json::json!(["read:jira-user"]));
    assert_eq!(report["used"], serde_json::json!(["read:jira-work"]));
    assert_eq!(report["denied"], serde_json::json!([]));
    assert!(
        report["runs"]
            .as_array()
            .is_some_and(|runs| runs.iter().all(|r| r["ok"] == true))
    );

    let clean = runtime(&["lint", "examples/jql-report"]);
    let text = String::from_utf8_lossy(&clean.stdout);
    assert_eq!(
        clean.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&clean.stderr)
    );
    assert!(text.contains("result: clean"), "{text}");
    assert!(text.contains("narrower granular"), "{text}");
}

#[test]
fn lint_reports_a_denied_call_with_the_scope_that_allows_it() {
    let output = lint_edited("issue-triage", "    - write:jira-work\n", "", true);
    assert_eq!(output.status.code(), Some(1));
    let report = json_stdout(&output);
    let denied = report["denied"].as_array().expect("denied calls");
    assert_eq!(denied[0]["route"], "PUT /rest/api/3/issue/{issueIdOrKey}");
    assert_eq!(denied[0]["add"], serde_json::json!(["write:jira-work"]));
}

/// issue-triage's third payload queues an issue for triage: lint runs the
/// event on its consumer, as `runtime run` does, and the consumer's calls are
/// observed with the payloads' own.
#[test]
fn lint_runs_the_queue_events_a_payload_pushes_on_their_consumers() {
    let output = runtime(&["lint", "examples/issue-triage", "--json"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json_stdout(&output);
    let runs = report["runs"].as_array().expect("runs");
    let search = runs
        .iter()
        .find(|r| r["function"] == "triage-search")
        .expect("the triage-search payload");
    assert_eq!(search["ok"], true, "{search}");
    let deliveries = search["deliveries"].as_array().expect("deliveries");
    assert_eq!(deliveries.len(), 1, "{search}");
    assert_eq!(deliveries[0]["queue"], "triage-issues");
    assert_eq!(deliveries[0]["consumer"], "triage-consumer");
    assert_eq!(deliveries[0]["ok"], true, "{search}");
    // The payloads without a push have no deliveries listed.
    assert!(runs[0].get("deliveries").is_none(), "{}", runs[0]);
}

/// A trigger event Kiln does not know loads (as on Forge), and lint says so
/// twice: the warning every command prints on stderr, and a finding in the
/// report, with the nearest known event; the exit status says findings.
#[test]
fn lint_reports_a_trigger_event_kiln_does_not_know() {
    let output = lint_edited(
        "issue-triage",
        "events: [avi:jira:created:issue]",
        "events: [avi:jira:created:issue, avi:jira:updated:isue]",
        true,
    );
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    let warning = "modules.trigger[0].events[1]: \"avi:jira:updated:isue\" is not a Jira event Kiln knows: trigger \"triage-new-issues\" never runs for it, only for \"avi:jira:created:issue\" (did you mean \"avi:jira:updated:issue\"?)";
    assert!(
        stderr
            .lines()
            .any(|line| line.starts_with("warning: ") && line.ends_with(warning)),
        "{stderr}"
    );
    let report = json_stdout(&output);
    assert_eq!(
        report["manifestWarnings"],
        serde_json::json!([{ "field": "modules.trigger[0].events[1]", "message": warning.split_once(": ").unwrap().1 }])
    );
}

#[test]
fn inspect_shows_identity_world_scopes_limits_and_digest() {
    let output = runtime(&["inspect", "examples/jsm-oncall", "--json"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json_stdout(&output);
    assert_eq!(report["appId"], "jsm-oncall");
    // Examples are built with the SDK, which targets the newest world.
    let newest = kiln_runtime::bindings::WorldVersion::NEWEST;
    assert_eq!(report["component"]["world"], newest.to_string());
    let imports = report["component"]["imports"].as_array().unwrap();
    let jira = format!("kiln:app/jira@{}", newest.as_str());
    assert!(imports.iter().any(|i| *i == jira), "{imports:?}");
    assert!(
        imports
            .iter()
            .all(|i| !i.as_str().unwrap().starts_with("wasi:http"))
    );
    assert_eq!(report["functions"][0]["handler"], "oncall");
    let scopes = report["scopes"].as_array().unwrap();
    // Two Ops config scopes, and read:jira-user for on-call display names.
    assert_eq!(scopes.len(), 3);
    assert!(scopes.iter().all(|s| s["routesOpened"].as_u64() > Some(0)));
    assert!(
        scopes[1]["examples"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e.as_str().unwrap().contains(" /jsm/ops/api/{cloudId}/v1/"))
    );
    assert_eq!(report["limits"]["memoryMib"], 64);
    assert_eq!(report["limits"]["maxRequests"], 10);
    assert_eq!(
        report["component"]["sha256"].as_str().map(str::len),
        Some(64)
    );
}

/// An app folder that does not build still shows what its manifest asks for
/// (functions, not-served modules, scopes, egress), then the build's error;
/// the exit status says it failed.
#[test]
fn inspect_shows_the_manifest_of_an_app_that_does_not_build() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("app");
    std::fs::create_dir(&app).unwrap();
    std::fs::write(
        app.join("manifest.yml"),
        "app:\n  id: unbuilt\nmodules:\n  function:\n    - key: main\n      handler: index.run\n  rovo:agent:\n    - key: agent\npermissions:\n  scopes: [read:jira-work]\n  external:\n    fetch:\n      backend: [api.example.com]\n",
    )
    .unwrap();
    let path = app.to_str().unwrap();
    let text = runtime(&["inspect", path]);
    assert_ne!(text.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&text.stdout);
    let stderr = String::from_utf8_lossy(&text.stderr);
    assert!(
        stderr.contains("without Cargo.toml or package.json"),
        "{stderr}"
    );
    for shown in [
        "app        unbuilt",
        "component  not built",
        "rovo:agent: Rovo module",
        "https://api.example.com",
        "read:jira-work",
    ] {
        assert!(stdout.contains(shown), "{shown:?} in {stdout}");
    }
    let json = runtime(&["inspect", path, "--json"]);
    assert_ne!(json.status.code(), Some(0));
    let report = json_stdout(&json);
    assert_eq!(report["component"], Value::Null);
    assert_eq!(report["functions"][0]["handler"], "index.run");
    assert_eq!(report["scopes"][0]["scope"], "read:jira-work");
    assert_eq!(report["egress"][0], "https://api.example.com");
    // A manifest that does not load shows nothing but its error.
    std::fs::write(app.join("manifest.yml"), "app: [").unwrap();
    let broken = runtime(&["inspect", path]);
    assert_ne!(broken.status.code(), Some(0));
    assert!(broken.stdout.is_empty());
}

/// issue-triage keeps what it labelled in app storage: lint sees its storage
/// calls and counts `storage:app` as used (it once reported it unused, as it
/// judged every scope by `request-jira` calls alone); without the scope the
/// calls are refused and lint says to add it.
#[test]
fn lint_judges_storage_app_by_the_storage_calls_it_sees() {
    let output = runtime(&["lint", "examples/issue-triage", "--json"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "clean: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json_stdout(&output);
    assert_eq!(report["storage"]["verdict"], "used");
    assert_eq!(report["storage"]["declared"], true);
    assert!(report["storage"]["calls"].as_u64() > Some(0), "{report}");
    assert!(
        report["used"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == "storage:app"),
        "{report}"
    );
    assert_eq!(report["unused"], serde_json::json!([]));

    let output = lint_edited("issue-triage", "    - storage:app\n", "", false);
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("storage call(s) without storage:app; add it to permissions.scopes"),
        "{text}"
    );
}

/// weather-note declares one egress backend. A payload that calls another host
/// is refused before any network (`not-allowed`), and the declared backend,
/// which nothing called, is reported unused: the app makes Jira calls too, but
/// the verdict on its backends comes from its egress requests alone.
#[test]
fn lint_judges_egress_backends_by_the_requests_it_sees() {
    let dir = tempfile::tempdir().unwrap();
    let payloads = dir.path().join("lint.payloads.json");
    std::fs::write(
        &payloads,
        r#"[{ "payload": { "issue": "KILN-1", "city": "Oslo", "api": "https://undeclared.example" } }]"#,
    )
    .unwrap();
    let output = runtime(&[
        "lint",
        "examples/weather-note",
        "--payloads",
        payloads.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json_stdout(&output);
    let egress = &report["egress"];
    assert_eq!(
        egress["declared"],
        serde_json::json!(["https://api.weather.example"])
    );
    assert_eq!(egress["used"], serde_json::json!([]));
    assert_eq!(
        egress["unused"],
        serde_json::json!(["https://api.weather.example"])
    );
    assert_eq!(egress["refused"]["not-allowed"], 1, "{report}");
    assert_eq!(egress["requests"], 1);
}

/// `lint --storage FILE` runs the payloads on that app storage, the file
/// `runtime run` and `runtime storage` use for the embedded simulator's
/// installation (so an app that first reads its stored configuration is
/// linted past it); without it, lint writes nothing to the developer's state.
#[test]
fn lint_runs_its_payloads_on_the_storage_it_is_given() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.sqlite3");
    let data = dir.path().join("data");
    let lint = |extra: &[&str]| {
        crate::support::runtime()
            .args(["lint", "examples/issue-triage", "--json"])
            .args(extra)
            .env("KILN_DATA_DIR", &data)
            .current_dir(repo())
            .output()
            .expect("the runtime binary starts")
    };
    let output = lint(&[]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        !data.join("state.sqlite3").exists(),
        "lint wrote to the default state"
    );

    let storage_arg = format!("--storage={}", state.display());
    let output = lint(&[&storage_arg]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let remembered = runtime(&[
        "storage",
        "get",
        "examples/issue-triage",
        "triaged:KILN-4",
        &storage_arg,
    ]);
    assert_eq!(
        remembered.status.code(),
        Some(0),
        "the payload's write is in the file: {}",
        String::from_utf8_lossy(&remembered.stderr)
    );
}
