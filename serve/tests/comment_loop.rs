//! An app that answers every comment with a comment of its own (serve-app's `on_event`
//! under a trigger on `avi:jira:commented:issue`), on the embedded simulator, which sends
//! a signed webhook for each of its own writes, the app's included. Jira's comment webhooks
//! carry no `user`: who acted is the comment's author, so the app's reply is its own,
//! `selfGenerated`, event. With `filter.ignoreSelf` one person's comment gets exactly one
//! reply; without it the loop guard stops the app after its documented allowance
//! (`loop_guard::MAX_SELF_EVENTS` self-generated events per installation and issue per
//! window; the clock is manual here, so the window never reopens during the test).
//!
//! Run after building the binary: `cargo build -p kiln-cli`.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::consent::{manifest_with_trigger, serve_app_component};
use crate::support::{self, APP_ACCOUNT, PERSON, Serve, WEBHOOK_SECRET, wait_for};

/// `MAX_SELF_EVENTS` in serve/src/loop_guard.rs.
const LOOP_GUARD_ALLOWANCE: usize = 10;

const MARKER: &str = "serve-app saw avi:jira:commented:issue";

/// serve-app's manifest with its trigger on comments; `ignore_self` keeps or removes the
/// trigger's `filter: { ignoreSelf: true }`.
fn comment_bot_manifest(ignore_self: bool) -> String {
    manifest_with_trigger("avi:jira:commented:issue", ignore_self)
}

fn start(dir: &std::path::Path, manifest: &str) -> Serve {
    start_with(dir, manifest, "")
}

/// As [`start`], with more of `kiln.toml` after serve-app's entry (other apps).
fn start_with(dir: &std::path::Path, manifest: &str, more_config: &str) -> Serve {
    std::fs::write(dir.join("manifest.yml"), manifest).unwrap();
    std::fs::write(dir.join("app.wasm"), serve_app_component()).unwrap();
    support::write_private(&dir.join("webhook-secret"), WEBHOOK_SECRET);
    let config = dir.join("kiln.toml");
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:0\"\nstate = \"state.sqlite3\"\n\
             [simulator]\nwebhook_secret_file = \"webhook-secret\"\n\
             [[app]]\npath = \"app.wasm\"\nmanifest = \"manifest.yml\"\n{more_config}"
        ),
    )
    .unwrap();
    // A clock that stands still: the loop guard's one-minute window cannot reopen midway.
    support::spawn_config(
        &config,
        &["--manual-clock", "1764000000000"],
        Some(&dir.join("serve.log")),
    )
    .serving()
}

/// A person comments on `issue` in the simulator (which sends `comment_created` to serve).
fn person_comments(serve: &Serve, issue: &str, text: &str) {
    let (base, email, token) = serve.sim_as(PERSON);
    support::client()
        .post(format!("{base}/rest/api/3/issue/{issue}/comment"))
        .basic_auth(email, Some(token))
        .json(&json!({ "body": { "type": "doc", "version": 1, "content": [
            { "type": "paragraph", "content": [{ "type": "text", "text": text }] }
        ]}}))
        .send()
        .unwrap()
        .error_for_status()
        .unwrap();
}

/// The issue's comments as (author's account id, body as JSON text).
fn comments(serve: &Serve, issue: &str) -> Vec<(String, String)> {
    let (base, email, token) = serve.sim();
    support::comments_on(&base, &email, &token, issue)
        .iter()
        .map(|c| {
            (
                c["author"]["accountId"].as_str().unwrap_or("").to_owned(),
                c["body"].to_string(),
            )
        })
        .collect()
}

fn replies(comments: &[(String, String)]) -> Vec<&str> {
    comments
        .iter()
        .filter(|(_, body)| body.contains(MARKER))
        .map(|(_, body)| body.as_str())
        .collect()
}

/// `runtime serve`'s count of webhook deliveries with this outcome (0 when none yet).
fn webhook_outcome(serve: &Serve, outcome: &str) -> u64 {
    let label = format!("outcome=\"{outcome}\"");
    support::metrics(serve)
        .lines()
        .filter(|line| !line.starts_with('#') && line.contains(&label))
        .filter_map(|line| line.rsplit_once(' ')?.1.parse::<f64>().ok())
        .map(|n| n as u64)
        .sum()
}

/// Watches `issue` for `settle` and fails if its comments change meanwhile.
fn assert_settled(serve: &Serve, issue: &str, expected: usize, settle: Duration) {
    let until = Instant::now() + settle;
    while Instant::now() < until {
        let now = comments(serve, issue);
        assert_eq!(now.len(), expected, "{now:#?}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn ignore_self_answers_one_persons_comment_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let serve = start(dir.path(), &comment_bot_manifest(true));
    // Created by a person: no trigger on issue creation here anyway.
    let issue = support::create_issue(&serve, APP_ACCOUNT, "comment bot");
    person_comments(&serve, &issue, "Is this done?");

    wait_for("the app's reply", || {
        !replies(&comments(&serve, &issue)).is_empty()
    });
    // The reply's own `comment_created` reaches serve and is dropped as the app's own:
    // nothing more appears (before the fix, the app answered itself without end).
    assert_settled(&serve, &issue, 2, Duration::from_secs(4));
    let all = comments(&serve, &issue);
    let replies = replies(&all);
    assert_eq!(replies.len(), 1, "{all:#?}");
    assert!(replies[0].contains("selfGenerated=false"), "{}", replies[0]);
    assert!(
        all[1].0 != all[0].0,
        "the reply is the app's, not the person's: {all:#?}"
    );
    assert_eq!(webhook_outcome(&serve, "loop-dropped"), 0);
}

#[test]
fn without_ignore_self_the_loop_guard_stops_a_comment_bot() {
    let dir = tempfile::tempdir().unwrap();
    let serve = start(dir.path(), &comment_bot_manifest(false));
    let issue = support::create_issue(&serve, APP_ACCOUNT, "chatty bot");
    person_comments(&serve, &issue, "Hello bot");

    wait_for("the loop guard to drop the app's event", || {
        webhook_outcome(&serve, "loop-dropped") >= 1
    });
    // One reply to the person, then one to each of the app's own comments the guard let
    // through; the next one is dropped, and nothing runs after it.
    let expected = 1 + 1 + LOOP_GUARD_ALLOWANCE;
    wait_for("the last allowed reply", || {
        comments(&serve, &issue).len() >= expected
    });
    assert_settled(&serve, &issue, expected, Duration::from_secs(4));
    let all = comments(&serve, &issue);
    let replies = replies(&all);
    assert_eq!(replies.len(), 1 + LOOP_GUARD_ALLOWANCE, "{all:#?}");
    assert_eq!(
        replies
            .iter()
            .filter(|r| r.contains("selfGenerated=false"))
            .count(),
        1,
        "only the reply to the person is not self-generated: {replies:#?}"
    );
    assert_eq!(
        replies
            .iter()
            .filter(|r| r.contains("selfGenerated=true"))
            .count(),
        LOOP_GUARD_ALLOWANCE
    );
    assert_eq!(webhook_outcome(&serve, "loop-dropped"), 1);
    let warnings = support::log_entries(
        &dir.path().join("serve.log"),
        "self-generated event dropped: the app keeps triggering itself",
    );
    assert_eq!(warnings.len(), 1, "{warnings:?}");
}

/// Two comment bots on one site, each ignoring its own comments, answer each other's: every
/// reply of one is an event for the other, caused by another app (not `selfGenerated`), so
/// `ignoreSelf` cannot stop them. The loop guard counts the events apps cause as it counts
/// an app's own: each bot gets its allowance of the other's replies, then the rest are
/// dropped and the exchange ends.
#[test]
fn two_apps_answering_each_other_are_stopped_by_the_loop_guard() {
    let dir = tempfile::tempdir().unwrap();
    let bot = comment_bot_manifest(true);
    let other = bot.replace("  id: serve-app\n", "  id: serve-app-echo\n");
    assert_ne!(bot, other, "serve-app's id moved");
    std::fs::write(dir.path().join("other.yml"), other).unwrap();
    std::fs::write(dir.path().join("other.wasm"), serve_app_component()).unwrap();
    let serve = start_with(
        dir.path(),
        &bot,
        "[[app]]\npath = \"other.wasm\"\nmanifest = \"other.yml\"\n",
    );
    let issue = support::create_issue(&serve, APP_ACCOUNT, "two bots");
    person_comments(&serve, &issue, "Anyone there?");

    // Each bot answers the person, and then each of the other's replies its guard lets
    // through: 1 + LOOP_GUARD_ALLOWANCE replies each, the next event of each dropped.
    let expected = 1 + 2 * (1 + LOOP_GUARD_ALLOWANCE);
    wait_for("both loop guards to drop an event", || {
        webhook_outcome(&serve, "loop-dropped") >= 2
    });
    wait_for("the last allowed replies", || {
        comments(&serve, &issue).len() >= expected
    });
    assert_settled(&serve, &issue, expected, Duration::from_secs(4));
    let all = comments(&serve, &issue);
    let replies = replies(&all);
    assert_eq!(replies.len(), 2 * (1 + LOOP_GUARD_ALLOWANCE), "{all:#?}");
    assert!(
        replies.iter().all(|r| r.contains("selfGenerated=false")),
        "no bot ever receives its own reply: {replies:#?}"
    );
    assert_eq!(webhook_outcome(&serve, "loop-dropped"), 2);
    let warnings = support::log_entries(
        &dir.path().join("serve.log"),
        "app-caused event dropped: apps on this site keep triggering each other",
    );
    assert_eq!(warnings.len(), 2, "{warnings:?}");
}

/// The Forge events Jira has no webhook of its own for, on the simulator's writes: a
/// comment edit is `avi:jira:commented:issue` again ("sent each time a comment is created
/// or edited"), an assignee change is `avi:jira:assigned:issue` beside the issue update.
#[test]
fn a_comment_edit_and_an_assignment_reach_their_forge_triggers() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = comment_bot_manifest(true).replace(
        "      events: [avi:jira:commented:issue]\n",
        "      events: [avi:jira:commented:issue, avi:jira:assigned:issue]\n",
    );
    let serve = start(dir.path(), &manifest);
    let issue = support::create_issue(&serve, APP_ACCOUNT, "edits and assignments");
    let (base, email, token) = serve.sim_as(PERSON);
    let client = support::client();

    person_comments(&serve, &issue, "first words");
    wait_for("the reply to the comment", || {
        replies(&comments(&serve, &issue)).len() == 1
    });
    let theirs = comments(&serve, &issue);
    let (base_admin, admin, admin_token) = serve.sim();
    let person_comment = support::comments_on(&base_admin, &admin, &admin_token, &issue)[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(theirs[0].1.contains("first words"), "{theirs:#?}");

    client
        .put(format!(
            "{base}/rest/api/3/issue/{issue}/comment/{person_comment}"
        ))
        .basic_auth(&email, Some(&token))
        .json(&json!({ "body": { "type": "doc", "version": 1, "content": [
            { "type": "paragraph", "content": [{ "type": "text", "text": "second thoughts" }] }
        ]}}))
        .send()
        .unwrap()
        .error_for_status()
        .unwrap();
    wait_for("the reply to the edit", || {
        replies(&comments(&serve, &issue)).len() == 2
    });

    let me = support::jira_get(&base, &email, &token, "/rest/api/3/myself");
    client
        .put(format!("{base}/rest/api/3/issue/{issue}"))
        .basic_auth(&email, Some(&token))
        .json(&json!({ "fields": { "assignee": { "accountId": me["accountId"] } } }))
        .send()
        .unwrap()
        .error_for_status()
        .unwrap();
    wait_for("the reply to the assignment", || {
        comments(&serve, &issue)
            .iter()
            .any(|(_, body)| body.contains("serve-app saw avi:jira:assigned:issue"))
    });
    // Each of the app's replies is its own comment: dropped by `ignoreSelf`, so 1 + 3.
    assert_settled(&serve, &issue, 4, Duration::from_secs(3));
}

/// `avi:jira:mentioned:issue` on the simulator's writes: raised when a person's update
/// of a description mentions someone else ("A user mentioning themselves does not count
/// as a mention"), beside the issue update Jira sends for it.
#[test]
fn a_description_mentioning_someone_reaches_its_forge_trigger() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = comment_bot_manifest(true).replace(
        "      events: [avi:jira:commented:issue]\n",
        "      events: [avi:jira:mentioned:issue]\n",
    );
    let serve = start(dir.path(), &manifest);
    let issue = support::create_issue(&serve, APP_ACCOUNT, "mentions");
    let (base, email, token) = serve.sim_as(PERSON);
    let (admin_base, admin, admin_token) = serve.sim();
    let me = support::jira_get(&base, &email, &token, "/rest/api/3/myself");
    let app = support::jira_get(&admin_base, &admin, &admin_token, "/rest/api/3/myself");
    let describe = |mentioned: &Value| {
        support::client()
            .put(format!("{base}/rest/api/3/issue/{issue}"))
            .basic_auth(&email, Some(&token))
            .json(
                &json!({ "fields": { "description": { "type": "doc", "version": 1,
                "content": [{ "type": "paragraph", "content": [
                    { "type": "text", "text": "cc " },
                    { "type": "mention", "attrs": { "id": mentioned, "text": "@someone" } }
                ] }] } } }),
            )
            .send()
            .unwrap()
            .error_for_status()
            .unwrap();
    };

    // The person mentions only themselves: no event, no reply.
    describe(&me["accountId"]);
    assert_settled(&serve, &issue, 0, Duration::from_secs(3));

    describe(&app["accountId"]);
    wait_for("the reply to the mention", || {
        comments(&serve, &issue)
            .iter()
            .any(|(_, body)| body.contains("serve-app saw avi:jira:mentioned:issue"))
    });
    assert_settled(&serve, &issue, 1, Duration::from_secs(2));
}
