//! With several apps served on the embedded simulator, every app's `asUser()` acts as one
//! person (`admin@example.com`), yet an app's `asUser()` writes are its own, as on Forge,
//! where `selfGenerated` says "the event was triggered by the app receiving it" whichever
//! principal it used: each app calls with its own API token of that person
//! (`kiln_sim::Simulator::user_token_for`), the simulator names the app's integration in
//! its signed webhook (`kilnActingApp`), and serve decides `selfGenerated` by it. So app A's
//! `ignoreSelf` trigger drops A's own `asUser()` comment, app B's trigger receives it with
//! `selfGenerated: false`, and a trigger of A without `ignoreSelf` receives it with
//! `selfGenerated: true`.
//!
//! Run after building the binary: `cargo build -p kiln-cli && cargo test -p kiln-serve --test serve as_user_attribution::`.

use std::time::Duration;

use serde_json::{Value, json};

use crate::app_accounts::{app, saw};
use crate::consent::{manifest_with_trigger, serve_app_component};
use crate::support::*;

/// The JS app watching comments with `ignoreSelf` (`app_accounts::app`): app B.
const WATCHER: &str = "watcher-app";

const ON_COMMENT: &str = "serve-app saw avi:jira:commented:issue";

/// serve-app (app A, which comments `asUser()` on each event its trigger gets) with its
/// trigger on new issues and comments; `ignore_self` keeps or removes its
/// `filter: { ignoreSelf: true }`.
fn writer_manifest(ignore_self: bool) -> String {
    manifest_with_trigger(
        "avi:jira:created:issue, avi:jira:commented:issue",
        ignore_self,
    )
}

/// serve-app under `writer_manifest(ignore_self)` and the watcher, on the embedded
/// simulator, with a clock that stands still (the loop guard's window cannot reopen).
fn start(dir: &std::path::Path, ignore_self: bool) -> Serve {
    let watcher = app(dir, WATCHER);
    std::fs::write(dir.join("serve-app.yml"), writer_manifest(ignore_self)).unwrap();
    std::fs::write(dir.join("serve-app.wasm"), serve_app_component()).unwrap();
    write_private(&dir.join("webhook-secret"), WEBHOOK_SECRET);
    let config = dir.join("kiln.toml");
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:0\"\nstate = \"state.sqlite3\"\n[simulator]\nwebhook_secret_file = \"webhook-secret\"\n[[app]]\npath = {:?}\n[[app]]\npath = \"serve-app.wasm\"\nmanifest = \"serve-app.yml\"\n",
            watcher.display().to_string(),
        ),
    )
    .unwrap();
    spawn_config(
        &config,
        &["--manual-clock", "1764000000000"],
        Some(&dir.join("serve.log")),
    )
    .serving()
}

/// The issue's comments: id and body text.
fn comments(serve: &Serve, issue: &str) -> Vec<(String, String)> {
    let (base, email, token) = serve.sim();
    comments_on(&base, &email, &token, issue)
        .iter()
        .map(|c| (c["id"].as_str().unwrap().to_owned(), c["body"].to_string()))
        .collect()
}

/// A person creates an issue; serve-app's trigger comments on it `asUser()`. That
/// comment's id and the account id of the person every app's `asUser()` acts as.
fn serve_app_comments_as_the_user(serve: &Serve, summary: &str) -> (String, String, String) {
    let issue = create_issue(serve, PERSON, summary);
    wait_for("serve-app's comment on the new issue", || {
        comments(serve, &issue)
            .iter()
            .any(|(_, body)| body.contains("serve-app saw avi:jira:created:issue"))
    });
    let (base, email, token) = serve.sim();
    let written = comments_on(&base, &email, &token, &issue)
        .into_iter()
        .find(|c| c["body"].to_string().contains("avi:jira:created:issue"))
        .unwrap();
    let user = jira_get(&base, &email, &token, "/rest/api/3/myself")["accountId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(written["author"]["accountId"], user.as_str(), "{written}");
    let id = written["id"].as_str().unwrap().to_owned();
    (issue, id, user)
}

#[test]
fn an_apps_as_user_comment_is_its_own_and_not_another_apps() {
    let dir = tempfile::tempdir().unwrap();
    let serve = start(dir.path(), true);
    let (issue, written, user) = serve_app_comments_as_the_user(&serve, "two apps, one user");

    // The watcher's `ignoreSelf` trigger receives it: another app's write, named as the
    // person who wrote it.
    wait_for("the watcher to see serve-app's comment", || {
        saw(&serve, WATCHER, &issue, &written).is_some()
    });
    let seen: Value = saw(&serve, WATCHER, &issue, &written).unwrap();
    assert_eq!(seen["atlassianId"], user.as_str(), "{seen}");
    assert_eq!(seen["selfGenerated"], false, "{seen}");

    // serve-app's own `ignoreSelf` trigger on comments drops it: nothing answers it,
    // and the loop guard had nothing to stop.
    std::thread::sleep(Duration::from_secs(3));
    let all = comments(&serve, &issue);
    assert_eq!(all.len(), 1, "{all:#?}");
    assert!(
        !all.iter().any(|(_, body)| body.contains(ON_COMMENT)),
        "{all:#?}"
    );
    let log = std::fs::read_to_string(dir.path().join("serve.log")).unwrap_or_default();
    assert!(
        !log.contains("the app keeps triggering itself"),
        "nothing was loop-dropped"
    );
    // A person's comment, written as the same user with that person's own token, is no
    // app's: serve-app answers it (`selfGenerated=false`).
    let (base, email, token) = serve.sim();
    client()
        .post(format!("{base}/rest/api/3/issue/{issue}/comment"))
        .basic_auth(email, Some(token))
        .json(&json!({ "body": { "type": "doc", "version": 1, "content": [
            { "type": "paragraph", "content": [{ "type": "text", "text": "by hand" }] }
        ]}}))
        .send()
        .unwrap()
        .error_for_status()
        .unwrap();
    wait_for("serve-app's answer to the person", || {
        comments(&serve, &issue)
            .iter()
            .any(|(_, body)| body.contains(ON_COMMENT))
    });
    std::thread::sleep(Duration::from_secs(2));
    let answers: Vec<String> = comments(&serve, &issue)
        .into_iter()
        .map(|(_, body)| body)
        .filter(|body| body.contains(ON_COMMENT))
        .collect();
    assert_eq!(answers.len(), 1, "its own answer is dropped: {answers:#?}");
    assert!(answers[0].contains("selfGenerated=false"), "{answers:#?}");
}

#[test]
fn without_ignore_self_an_apps_as_user_comment_reaches_it_self_generated() {
    let dir = tempfile::tempdir().unwrap();
    let serve = start(dir.path(), false);
    let (issue, written, _) = serve_app_comments_as_the_user(&serve, "its own comment");

    // serve-app's trigger without `ignoreSelf` receives its own comment, `selfGenerated`
    // (and answers it, and so on, until the loop guard stops it).
    wait_for("serve-app's answer to its own comment", || {
        comments(&serve, &issue)
            .iter()
            .any(|(_, body)| body.contains(ON_COMMENT))
    });
    let answers: Vec<String> = comments(&serve, &issue)
        .into_iter()
        .map(|(_, body)| body)
        .filter(|body| body.contains(ON_COMMENT))
        .collect();
    assert!(
        answers.iter().all(|a| a.contains("selfGenerated=true")),
        "{answers:#?}"
    );
    // The watcher still sees it as another app's.
    wait_for("the watcher to see serve-app's comment", || {
        saw(&serve, WATCHER, &issue, &written).is_some()
    });
    let seen = saw(&serve, WATCHER, &issue, &written).unwrap();
    assert_eq!(seen["selfGenerated"], false, "{seen}");
}
