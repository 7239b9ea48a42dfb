//! Forge's pre-uninstall trigger in `runtime serve`: uninstalling serve-app through the admin
//! API starts its `preUninstall` function (`tick`, which comments on KILN-1 from the
//! payload's `context`), does not wait for it, and lists it in the answer; a paused
//! installation runs nothing on its way out.
//!
//! Run after building the binary: `cargo build -p kiln-cli`.

use serde_json::json;

use crate::consent::manifest_without_schedule;
use crate::support::{self, Serve, admin, wait_for};

fn start(dir: &std::path::Path) -> Serve {
    let manifest = manifest_without_schedule().replace(
        "permissions:",
        "  preUninstall:\n    - key: goodbye\n      function: tick\npermissions:",
    );
    crate::trigger_filter::start(dir, &manifest)
}

/// KILN-1's comments from serve-app's `tick` (ADF bodies as JSON text).
fn ticks(serve: &Serve) -> Vec<String> {
    let (base, email, token) = serve.sim();
    support::comment_bodies(&base, &email, &token, "KILN-1")
        .into_iter()
        .filter(|body| body.contains("serve-app tick"))
        .collect()
}

#[test]
fn uninstalling_runs_the_pre_uninstall_function_without_waiting_for_it() {
    let dir = tempfile::tempdir().unwrap();
    let serve = start(dir.path());
    assert!(ticks(&serve).is_empty());

    let answer = admin(
        &serve,
        "/v1/installations/uninstall",
        &json!({ "app": "serve-app" }),
    );
    assert_eq!(answer["uninstalled"], true, "{answer}");
    assert_eq!(answer["preUninstall"], json!(["goodbye"]), "{answer}");

    // Forge's payload has no interval: the function's comment says so (`tick 0`).
    wait_for("the pre-uninstall function's comment", || {
        let ticks = ticks(&serve);
        ticks.len() == 1 && ticks[0].contains("serve-app tick 0")
    });
    let metrics = support::metrics(&serve);
    assert!(
        metrics
            .lines()
            .any(|line| line.starts_with("kiln_invocations_total")
                && line.contains("trigger=\"preUninstall\"")
                && line.contains("outcome=\"ok\"")),
        "{metrics}"
    );
}

#[test]
fn a_paused_installation_runs_nothing_when_uninstalled() {
    let dir = tempfile::tempdir().unwrap();
    let serve = start(dir.path());
    admin(
        &serve,
        "/v1/installations/pause",
        &json!({ "app": "serve-app" }),
    );
    let answer = admin(
        &serve,
        "/v1/installations/uninstall",
        &json!({ "app": "serve-app" }),
    );
    assert_eq!(answer["uninstalled"], true, "{answer}");
    assert_eq!(answer["preUninstall"], json!([]), "{answer}");
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert!(ticks(&serve).is_empty());
}
