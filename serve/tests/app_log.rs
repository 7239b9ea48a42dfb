//! What a served app logs reaches the server's log by default, apart from the server's own
//! diagnostics: run with no `RUST_LOG`, serve-app's scheduled trigger (run once at start)
//! logs `serve-app tick …` and the JSON log holds it under the target `kiln::app` with the
//! app and invocation, while the server's own `info` lines stay out (its default is `warn`).
//!
//! Run after building the binary: `cargo build -p kiln-cli`.

use serde_json::Value;

use crate::support::{self, WEBHOOK_SECRET, serve_app, wait_for};

/// `kiln.toml` in `dir` serving serve-app on the simulator, whose scheduled trigger runs
/// (and logs) once at start.
fn serve_app_config(dir: &std::path::Path) -> std::path::PathBuf {
    support::write_private(&dir.join("webhook-secret"), WEBHOOK_SECRET);
    let config = dir.join("kiln.toml");
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:0\"\nstate = \"state.sqlite3\"\n[simulator]\nwebhook_secret_file = \"webhook-secret\"\n[[app]]\npath = {:?}\n",
            serve_app().display().to_string()
        ),
    )
    .unwrap();
    config
}

#[test]
fn an_apps_log_lines_reach_the_servers_log_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let config = serve_app_config(dir.path());
    let log = dir.path().join("serve.log");
    let _serve = support::spawn_config_logging(&config, &[], Some(&log), None).serving();
    let entries = || -> Vec<Value> {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect()
    };
    let is_tick = |entry: &Value| {
        entry["fields"]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("serve-app tick "))
    };
    wait_for("the scheduled run's log line", || {
        entries().iter().any(is_tick)
    });
    let all = entries();
    let tick = all.iter().find(|e| is_tick(e)).unwrap();
    assert_eq!(tick["target"], "kiln::app", "{tick}");
    assert_eq!(tick["level"], "INFO", "{tick}");
    assert_eq!(tick["fields"]["app"], "serve-app", "{tick}");
    assert!(tick["fields"]["invocation"].is_string(), "{tick}");
    // The server's own info lines ("event done", …) are not shown by default.
    assert!(
        all.iter()
            .filter(|e| e["target"] != "kiln::app")
            .all(|e| e["level"] == "WARN" || e["level"] == "ERROR"),
        "{all:#?}"
    );
}

/// The human-readable log written to a file (a service manager's journal, `2> serve.log`)
/// carries no terminal colour codes: they are for a person at a terminal only.
#[test]
fn a_log_written_to_a_file_has_no_colour_codes() {
    let dir = tempfile::tempdir().unwrap();
    let config = serve_app_config(dir.path());
    let log = dir.path().join("serve.log");
    let _serve =
        support::spawn_config_with(&config, &[], Some(support::LogTo::Text(&log)), None).serving();
    let text = || std::fs::read_to_string(&log).unwrap_or_default();
    wait_for("the scheduled run's log line", || {
        text().contains("serve-app tick ")
    });
    let text = text();
    assert!(!text.contains('\u{1b}'), "{text:?}");
    assert!(text.contains("INFO"), "{text}");
}
