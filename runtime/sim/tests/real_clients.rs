//! Real Jira client libraries, unchanged, against the simulator in process: the
//! pycontribs `jira` package and `jira.js` (which validates every answer against
//! zod schemas generated from Atlassian's spec). The CLI's tests run the Python
//! client against the `runtime sim` command too.

use crate::common;
#[path = "clients/runner.rs"]
mod runner;

use common::{ADMIN, start, user};

/// Runs a client's script (`command`) as Alice against a fresh simulator and
/// returns the steps it reports; the script must succeed.
async fn run_against_simulator(command: std::process::Command) -> String {
    let sim = start().await;
    let admin = user(&sim, ADMIN);
    let (base, email, token) = (
        sim.base_url().to_owned(),
        admin.email.clone(),
        admin.api_token.clone(),
    );
    let steps =
        tokio::task::spawn_blocking(move || runner::run_checked(command, &base, &email, &token))
            .await
            .expect("client thread");
    sim.shutdown().await;
    steps
}

#[tokio::test(flavor = "multi_thread")]
async fn the_python_jira_client_works_unchanged() {
    let Some(python) =
        runner::python_with_client(env!("CARGO_MANIFEST_DIR"), env!("CARGO_TARGET_TMPDIR"))
    else {
        eprintln!("skipping: no python3 on this machine, so the pycontribs jira client cannot run");
        return;
    };
    let steps =
        run_against_simulator(runner::python_command(&python, env!("CARGO_MANIFEST_DIR"))).await;
    assert!(steps.contains("ok delete:"), "{steps}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_jira_js_client_works_unchanged() {
    let Some(dir) =
        runner::node_with_client(env!("CARGO_MANIFEST_DIR"), env!("CARGO_TARGET_TMPDIR"))
    else {
        eprintln!("skipping: no node/npm on this machine, so jira.js cannot run");
        return;
    };
    let steps = run_against_simulator(runner::node_command(&dir)).await;
    for step in [
        "ok deleteIssue:",
        "ok parseJqlQueries:",
        "ok getCommentsByIds:",
        "ok searchWorkflows:",
        "ok readWorkflows:",
    ] {
        assert!(steps.contains(step), "{step} in {steps}");
    }
}
