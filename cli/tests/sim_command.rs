//! `runtime sim` as a user meets it: `--seed` files (good and bad), and a real Jira
//! client library, unchanged, against it.
//!
//! The client test runs the pycontribs `jira` package (pinned with hashes in
//! runtime/sim/tests/clients/python/requirements.txt) through the same runner as
//! kiln-sim's in-process test (runtime/sim/tests/clients/runner.rs): it creates an
//! issue, comments, edits, transitions, searches, watches, logs work, sets a
//! property and reads it all back. Skipped, saying so, only without python3.

#[path = "../../runtime/sim/tests/clients/runner.rs"]
mod runner;

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Stdio};

/// `runtime sim` on a free loopback port; its first stdout line says where and
/// with which tokens.
struct Sim {
    child: Child,
    info: serde_json::Value,
}

impl Sim {
    fn start() -> Self {
        Self::start_with(&[])
    }

    fn start_with(extra: &[&str]) -> Self {
        let mut child = crate::support::runtime()
            .args(["sim", "--listen", "127.0.0.1:0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("runtime sim starts");
        let stdout = child.stdout.take().expect("stdout piped");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("runtime sim prints its address");
        let info = serde_json::from_str(&line).expect("one JSON line");
        Self { child, info }
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_python_jira_client_works_unchanged_against_runtime_sim() {
    let Some(python) =
        runner::python_with_client(env!("CARGO_MANIFEST_DIR"), env!("CARGO_TARGET_TMPDIR"))
    else {
        eprintln!("skipping: no python3 on this machine, so the pycontribs jira client cannot run");
        return;
    };
    let sim = Sim::start();
    let user = &sim.info["users"][0];
    let steps = runner::run_checked(
        runner::python_command(&python, env!("CARGO_MANIFEST_DIR")),
        sim.info["baseUrl"].as_str().expect("baseUrl"),
        user["email"].as_str().expect("email"),
        user["apiToken"].as_str().expect("apiToken"),
    );
    for step in [
        "create_issue",
        "comment.update",
        "transition_issue",
        "enhanced_search_issues",
        "delete",
    ] {
        assert!(
            steps.contains(&format!("ok {step}:")),
            "{step} missing:\n{steps}"
        );
    }
}

#[test]
fn a_yaml_seed_replaces_the_built_in_site() {
    let dir = tempfile::tempdir().expect("temp dir");
    let seed = dir.path().join("seed.yml");
    std::fs::write(
        &seed,
        "users:\n  - accountId: acc-1\n    email: dev@example.com\n    displayName: Dev\n",
    )
    .expect("seed written");
    let sim = Sim::start_with(&["--seed", seed.to_str().expect("utf-8 path")]);
    let users = sim.info["users"].as_array().expect("users");
    assert_eq!(users.len(), 1);
    assert_eq!(users[0]["email"], "dev@example.com");
}

#[test]
fn a_bad_seed_is_refused_naming_the_file_and_the_mistake() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text, mistake) in [
        (
            "unknown.json",
            r#"{"users": [], "surprise": true}"#,
            "surprise",
        ),
        (
            "lead.json",
            r#"{"users": [], "projects": [{"id": "1", "key": "X", "name": "X", "lead": "ghost@example.com"}]}"#,
            "ghost@example.com",
        ),
        (
            "hook.json",
            r#"{"users": [], "webhooks": [{"name": "w", "url": "http://example.com/", "events": ["jira:issue_created"]}]}"#,
            "loopback",
        ),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("seed written");
        let output = crate::support::runtime()
            .args(["sim", "--listen", "127.0.0.1:0", "--seed"])
            .arg(&path)
            .output()
            .expect("runtime sim runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains(name), "{name}: {stderr}");
        assert!(stderr.contains(mistake), "{name}: {stderr}");
    }
}

#[test]
fn the_simulated_site_keeps_its_cloud_id_from_one_start_to_the_next() {
    // An app that keys what it stores by `context.cloudId` finds it again on the
    // next run, as its app storage outlives the run; its tokens stay new per start.
    let first = Sim::start();
    let second = Sim::start();
    let cloud_id = first.info["cloudId"].as_str().expect("cloudId");
    assert_eq!(cloud_id, kiln_sim::EMBEDDED_SITE_CLOUD_ID.to_string());
    assert_eq!(second.info["cloudId"], cloud_id);
    assert_ne!(
        first.info["users"][0]["apiToken"],
        second.info["users"][0]["apiToken"]
    );
}
