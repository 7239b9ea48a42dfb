//! `webTrigger.getUrl` under `runtime serve`, end to end: the app is handed its
//! installation's web trigger URLs (the guest environment's `KILN_WEBTRIGGER_URLS`),
//! exactly the URLs the server printed, and after `runtime webtrigger` rotates one the
//! app sees the new URL, never the dead one.
//!
//! Run after building the binary: `cargo build -p kiln-cli && cargo test -p kiln-serve --test serve web_trigger_url::`.

use serde_json::{Value, json};

use crate::support::*;

/// The URLs the app saw, from serve-app's echo of its environment entry.
fn urls_seen_through(url: &str) -> Value {
    let response = client().post(url).body("{}").send().unwrap();
    assert_eq!(response.status(), 200);
    let seen: Value = response.json().unwrap();
    let text = seen["webTriggerUrls"]
        .as_str()
        .unwrap_or_else(|| panic!("no web trigger URLs reached the app: {seen}"));
    serde_json::from_str(text).unwrap()
}

#[test]
fn the_app_gets_the_printed_urls_and_follows_a_rotation() {
    let serve = Serve::start("");
    let printed = |key: &str| {
        serve.line("webtrigger", Some(key))["url"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let echo = printed("echo-in");
    let slow = printed("slow-in");
    let fan_out = printed("fan-out-in");
    let job = printed("job-in");
    assert_eq!(
        urls_seen_through(&echo),
        json!({ "echo-in": echo, "slow-in": slow, "fan-out-in": fan_out, "job-in": job })
    );

    let rotated = admin(
        &serve,
        "/v1/webtriggers",
        &json!({ "app": "serve-app", "key": "echo-in" }),
    );
    let new_echo = rotated["url"].as_str().unwrap().to_owned();
    assert_ne!(new_echo, echo);
    assert_eq!(
        urls_seen_through(&new_echo),
        json!({ "echo-in": new_echo, "slow-in": slow, "fan-out-in": fan_out, "job-in": job })
    );
}

/// `runtime webtrigger` names the app by the folder `runtime serve` was given, as
/// `runtime storage` and `runtime variables` do, or by its id: each prints a URL that
/// works, and the one before stops working.
#[test]
fn runtime_webtrigger_takes_the_app_folder_or_its_id() {
    let serve = Serve::start("");
    let mut current = serve.line("webtrigger", Some("echo-in"))["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let folder = serve_app();
    for app in [folder.to_str().unwrap(), "serve-app"] {
        let out = std::process::Command::new(runtime_binary())
            .args(["webtrigger", app, "echo-in", "--admin", &serve.admin_url()])
            .env("KILN_ADMIN_TOKEN", ADMIN_TOKEN)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{app}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let printed = String::from_utf8(out.stdout).unwrap().trim().to_owned();
        assert_ne!(printed, current);
        let answered = |url: &str| client().post(url).body("{}").send().unwrap().status();
        assert_eq!(answered(&printed), 200, "{app}");
        assert_eq!(answered(&current), 404, "{app}");
        current = printed;
    }
}
