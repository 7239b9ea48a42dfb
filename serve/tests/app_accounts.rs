//! Two Forge apps under one `runtime serve` on the embedded simulator are two users of the
//! site, as on Jira: each, the first loaded included, acts `asApp()` as an account of its own
//! (`accountType: "app"`, named after the app), while `asUser()` acts as the seeded person.
//! What each writes `asApp()` is authored by its own account, the webhook its write causes
//! names that account, and `filter.ignoreSelf` drops an app's own events only: each app's
//! trigger runs for the other's comments, and for a comment another app wrote `asUser()`.
//!
//! Run after building the binary: `cargo build -p kiln-cli && cargo test -p kiln-serve --test serve app_accounts::`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};

use crate::consent::{manifest_without_schedule, serve_app_component};
use crate::support::*;

/// A JS app `name`: web triggers `{name}-whoami` (its `GET /myself` as itself) and
/// `{name}-comment` (comments as itself on the body's `issueKey`), and a trigger on
/// comments, with `ignoreSelf`, that marks each comment it saw with an issue property
/// `{name}-saw-{commentId}` holding the event's `atlassianId` and `selfGenerated`.
pub(crate) fn app(dir: &Path, name: &str) -> PathBuf {
    let manifest = format!(
        "app:
  id: {name}
  runtime:
    name: nodejs22.x
modules:
  webtrigger:
    - key: {name}-whoami
      function: whoami
    - key: {name}-comment
      function: comment
  trigger:
    - key: {name}-on-comment
      function: saw
      events: [avi:jira:commented:issue]
      filter: {{ ignoreSelf: true }}
  function:
    - key: whoami
      handler: index.whoami
    - key: comment
      handler: index.comment
    - key: saw
      handler: index.saw
permissions:
  scopes: [read:jira-work, write:jira-work, read:jira-user]
"
    );
    let index = format!(
        r#"import api, {{ route }} from '@forge/api';

const reply = (body) => ({{
  statusCode: 200,
  headers: {{ 'Content-Type': ['application/json'] }},
  body: JSON.stringify(body),
}});

export async function whoami() {{
  const me = await api.asApp().requestJira(route`/rest/api/3/myself`);
  return reply({{ status: me.status, me: await me.json() }});
}}

export async function comment(request) {{
  const {{ issueKey, text }} = JSON.parse(request.body);
  const written = await api.asApp().requestJira(route`/rest/api/3/issue/${{issueKey}}/comment`, {{
    method: 'POST',
    headers: {{ 'Content-Type': 'application/json' }},
    body: JSON.stringify({{ body: {{ type: 'doc', version: 1, content: [
      {{ type: 'paragraph', content: [{{ type: 'text', text }}] }}] }} }}),
  }});
  return reply({{ status: written.status, comment: await written.json() }});
}}

export async function saw(event) {{
  const key = `{name}-saw-${{event.comment.id}}`;
  await api.asApp().requestJira(route`/rest/api/3/issue/${{event.issue.key}}/properties/${{key}}`, {{
    method: 'PUT',
    headers: {{ 'Content-Type': 'application/json' }},
    body: JSON.stringify({{ atlassianId: event.atlassianId, selfGenerated: event.selfGenerated }}),
  }});
}}
"#
    );
    let folder = dir.join(name);
    std::fs::create_dir_all(folder.join("src")).unwrap();
    std::fs::write(
        folder.join("package.json"),
        format!(r#"{{ "name": "{name}", "version": "1.0.0", "private": true, "type": "module" }}"#),
    )
    .unwrap();
    std::fs::write(folder.join("manifest.yml"), manifest).unwrap();
    std::fs::write(folder.join("src/index.js"), index).unwrap();
    folder
}

const ALPHA: &str = "alpha-app";
const BETA: &str = "beta-app";

/// `POST` `body` to the web trigger `key`'s URL; its JSON answer.
fn call(serve: &Serve, key: &str, body: Value) -> Value {
    let url = serve.line("webtrigger", Some(key))["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let response = client()
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().unwrap()
}

/// The issue property `key` of `issue`, read by a person; `None` while it is not set.
fn property(serve: &Serve, issue: &str, key: &str) -> Option<Value> {
    let (base, email, token) = serve.sim_as(PERSON);
    let response = client()
        .get(format!("{base}/rest/api/3/issue/{issue}/properties/{key}"))
        .basic_auth(email, Some(token))
        .send()
        .unwrap();
    if response.status() == 404 {
        return None;
    }
    assert!(response.status().is_success(), "{}", response.status());
    Some(response.json::<Value>().unwrap()["value"].clone())
}

/// Whether `app`'s trigger saw the comment `comment` on `issue` (its mark is there).
pub(crate) fn saw(serve: &Serve, app: &str, issue: &str, comment: &str) -> Option<Value> {
    property(serve, issue, &format!("{app}-saw-{comment}"))
}

/// An app comments on `issue` as itself: the comment's id and author's account id.
fn app_comments(serve: &Serve, app: &str, issue: &str, text: &str) -> (String, String) {
    let answer = call(
        serve,
        &format!("{app}-comment"),
        json!({ "issueKey": issue, "text": text }),
    );
    assert_eq!(answer["status"], 201, "{answer}");
    (
        answer["comment"]["id"].as_str().unwrap().to_owned(),
        answer["comment"]["author"]["accountId"]
            .as_str()
            .unwrap()
            .to_owned(),
    )
}

#[test]
fn two_served_apps_are_two_users_and_ignore_self_drops_only_an_apps_own() {
    let dir = tempfile::tempdir().unwrap();
    let (alpha, beta) = (app(dir.path(), ALPHA), app(dir.path(), BETA));
    // A third app that writes `asUser()` (JavaScript apps may not in a trigger, as on
    // Forge): serve-app comments, as the user, on each issue created.
    std::fs::write(
        dir.path().join("serve-app.yml"),
        manifest_without_schedule(),
    )
    .unwrap();
    std::fs::write(dir.path().join("serve-app.wasm"), serve_app_component()).unwrap();
    write_private(&dir.path().join("webhook-secret"), WEBHOOK_SECRET);
    let config = dir.path().join("kiln.toml");
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:0\"\nstate = \"state.sqlite3\"\n[simulator]\nwebhook_secret_file = \"webhook-secret\"\n[[app]]\npath = {:?}\n[[app]]\npath = {:?}\n[[app]]\npath = \"serve-app.wasm\"\nmanifest = \"serve-app.yml\"\n",
            alpha.display().to_string(),
            beta.display().to_string(),
        ),
    )
    .unwrap();
    let serve = spawn_config(&config, &[], Some(&dir.path().join("serve.log"))).serving();

    // Each app is a user of its own, named after it, whichever was loaded first; neither is
    // the seeded person every app's `asUser()` acts as.
    let (base, email, token) = serve.sim();
    let user = jira_get(&base, &email, &token, "/rest/api/3/myself")["accountId"]
        .as_str()
        .unwrap()
        .to_owned();
    let me = |app: &str| {
        let answer = call(&serve, &format!("{app}-whoami"), json!({}));
        assert_eq!(answer["status"], 200, "{answer}");
        let me = answer["me"].clone();
        assert_eq!(me["accountType"], "app", "{me}");
        assert_eq!(me["displayName"], app, "{me}");
        let account = me["accountId"].as_str().unwrap().to_owned();
        assert_ne!(account, user, "{me}");
        account
    };
    let (alpha_account, beta_account) = (me(ALPHA), me(BETA));
    assert_ne!(alpha_account, beta_account);

    // Created by the person every app's `asUser()` acts as, with their own token: no app's
    // write, so serve-app's `ignoreSelf` trigger runs and comments as the user.
    let issue = create_issue(&serve, APP_ACCOUNT, "two apps");

    // A person's comment: both apps' triggers run (neither is its own).
    let (base, email, token) = serve.sim_as(PERSON);
    let persons = client()
        .post(format!("{base}/rest/api/3/issue/{issue}/comment"))
        .basic_auth(email, Some(token))
        .json(&json!({ "body": { "type": "doc", "version": 1, "content": [
            { "type": "paragraph", "content": [{ "type": "text", "text": "hello apps" }] }
        ]}}))
        .send()
        .unwrap()
        .error_for_status()
        .unwrap()
        .json::<Value>()
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    wait_for("both apps to see the person's comment", || {
        saw(&serve, ALPHA, &issue, &persons).is_some()
            && saw(&serve, BETA, &issue, &persons).is_some()
    });

    // Each app's own comment is its own account's; its webhook names that account, so the
    // other app's `ignoreSelf` trigger runs for it and its own drops it.
    let (beta_own, author) = app_comments(&serve, BETA, &issue, "from beta");
    assert_eq!(author, beta_account);
    let (alpha_own, author) = app_comments(&serve, ALPHA, &issue, "from alpha");
    assert_eq!(author, alpha_account);
    wait_for("each app to see the other's comment", || {
        saw(&serve, ALPHA, &issue, &beta_own).is_some()
            && saw(&serve, BETA, &issue, &alpha_own).is_some()
    });
    let seen = saw(&serve, ALPHA, &issue, &beta_own).unwrap();
    assert_eq!(seen["atlassianId"], beta_account.as_str(), "{seen}");
    assert_eq!(seen["selfGenerated"], false, "{seen}");
    let seen = saw(&serve, BETA, &issue, &alpha_own).unwrap();
    assert_eq!(seen["atlassianId"], alpha_account.as_str(), "{seen}");
    assert_eq!(seen["selfGenerated"], false, "{seen}");

    // serve-app's comment `asUser()` is authored by the person and is serve-app's write, not
    // alpha's or beta's: their `ignoreSelf` triggers keep it (as_user_attribution.rs shows
    // serve-app's own triggers dropping it).
    let (base, email, token) = serve.sim();
    let as_user = || {
        comments_on(&base, &email, &token, &issue)
            .into_iter()
            .find(|c| c["body"].to_string().contains("serve-app saw"))
    };
    wait_for("serve-app's comment as the user", || as_user().is_some());
    let written = as_user().unwrap();
    assert_eq!(written["author"]["accountId"], user.as_str(), "{written}");
    let written = written["id"].as_str().unwrap().to_owned();
    wait_for(
        "alpha and beta to see serve-app's comment as the user",
        || {
            saw(&serve, ALPHA, &issue, &written).is_some()
                && saw(&serve, BETA, &issue, &written).is_some()
        },
    );
    for app in [ALPHA, BETA] {
        let seen = saw(&serve, app, &issue, &written).unwrap();
        assert_eq!(seen["atlassianId"], user.as_str(), "{app}: {seen}");
        assert_eq!(seen["selfGenerated"], false, "{app}: {seen}");
    }

    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        saw(&serve, ALPHA, &issue, &alpha_own),
        None,
        "alpha's own comment"
    );
    assert_eq!(
        saw(&serve, BETA, &issue, &beta_own),
        None,
        "beta's own comment"
    );
}
