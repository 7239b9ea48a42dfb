//! A Forge app's own custom fields (`jira:customField`) under the real `runtime serve`: the
//! installation creates them on the embedded simulator, the app writes their values as
//! itself (`asApp()`, `POST /rest/api/3/app/field/value`) from a web trigger, a person
//! reads them on the issue, and the site refuses the same write from anyone but the app.
//!
//! Run after building the binary: `cargo build -p kiln-cli && cargo test -p kiln-serve --test serve app_fields::`.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::support::*;

/// The app's id: its UUID is in each field's type (the extension ARI).
const APP_UUID: &str = "5c0ffee0-1234-4abc-8def-0123456789ab";

const MANIFEST: &str = "app:
  id: ari:cloud:ecosystem::app/5c0ffee0-1234-4abc-8def-0123456789ab
  runtime:
    name: nodejs22.x
modules:
  webtrigger:
    - key: set-experiment
      function: set
  function:
    - key: set
      handler: index.set
  jira:customField:
    - key: experiment
      name: Experiment
      description: The experiment the issue belongs to
      type: string
      readOnly: true
permissions:
  scopes:
    - read:jira-work
    - write:app-data:jira
";

/// The web trigger: `{"issueKey", "value"}` in, the field's id and the write's status out.
const INDEX: &str = r#"import api, { route } from '@forge/api';

export async function set(request) {
  const { issueKey, value } = JSON.parse(request.body);
  const read = async (path) => (await api.asApp().requestJira(path)).json();
  const issue = await read(route`/rest/api/3/issue/${issueKey}?fields=summary`);
  const fields = await read(route`/rest/api/3/field`);
  const field = fields.find((f) => f.schema?.custom?.endsWith('/static/experiment'));
  const write = await api.asApp().requestJira(route`/rest/api/3/app/field/value`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ updates: [{ customField: field.id, issueIds: [Number(issue.id)], value }] }),
  });
  return {
    statusCode: 200,
    headers: { 'Content-Type': ['application/json'] },
    body: JSON.stringify({ id: field.id, custom: field.schema.custom, status: write.status }),
  };
}
"#;

fn app(dir: &Path) -> PathBuf {
    js_app(dir, "experiments", MANIFEST, INDEX)
}

/// A JS app folder `dir/name` with `manifest` and `src/index.js` = `index`.
fn js_app(dir: &Path, name: &str, manifest: &str, index: &str) -> PathBuf {
    let app = dir.join(name);
    std::fs::create_dir_all(app.join("src")).unwrap();
    std::fs::write(
        app.join("package.json"),
        format!(r#"{{ "name": "{name}", "version": "1.0.0", "private": true, "type": "module" }}"#),
    )
    .unwrap();
    std::fs::write(app.join("manifest.yml"), manifest).unwrap();
    std::fs::write(app.join("src/index.js"), index).unwrap();
    app
}

/// `key`'s `field` as a person with the API token `token` reads it.
fn field_on(base: &str, email: &str, token: &str, key: &str, field: &str) -> Value {
    let path = format!("/rest/api/3/issue/{key}?fields={field}");
    jira_get(base, email, token, &path)["fields"][field].clone()
}

#[test]
fn a_served_forge_app_writes_its_own_custom_field_and_nobody_else_may() {
    let dir = tempfile::tempdir().unwrap();
    let serve = Launch {
        app: app(dir.path()),
        ..Launch::new(dir.path())
    }
    .start();
    let url = serve.line("webtrigger", Some("set-experiment"))["url"]
        .as_str()
        .unwrap()
        .to_owned();

    let set = |value: &str| -> Value {
        let response = client()
            .post(&url)
            .header("content-type", "application/json")
            .body(json!({ "issueKey": "KILN-1", "value": value }).to_string())
            .send()
            .unwrap();
        assert_eq!(response.status(), 200);
        response.json().unwrap()
    };
    let answer = set("checkout-v2");
    assert_eq!(answer["status"], 204, "{answer}");
    assert_eq!(
        answer["custom"],
        format!("ari:cloud:ecosystem::extension/{APP_UUID}/development/static/experiment")
    );
    let field = answer["id"].as_str().expect("the field's id").to_owned();
    assert!(field.starts_with("customfield_"), "{field}");

    // A person reads the app's value on the issue; a second write replaces it.
    let (base, email, token) = serve.sim_as(PERSON);
    assert_eq!(
        field_on(&base, &email, &token, "KILN-1", &field),
        "checkout-v2"
    );
    assert_eq!(set("checkout-v3")["id"], field.as_str(), "the same field");
    assert_eq!(
        field_on(&base, &email, &token, "KILN-1", &field),
        "checkout-v3"
    );

    // The app's own write route, taken by anyone else (a person, an administrator), is
    // refused, and the value stays the app's.
    for (who, (base, email, token)) in [
        ("a person", serve.sim_as(PERSON)),
        ("an administrator", serve.sim_as(APP_ACCOUNT)),
    ] {
        let refused = client()
            .put(format!("{base}/rest/api/3/app/field/{field}/value"))
            .basic_auth(&email, Some(&token))
            .json(&json!({ "updates": [{ "issueIds": [10000], "value": "forged" }] }))
            .send()
            .unwrap();
        assert_eq!(refused.status(), 403, "{who}: {}", refused.text().unwrap());
    }
    assert_eq!(
        field_on(&base, &email, &token, "KILN-1", &field),
        "checkout-v3"
    );
}

/// A second app served beside it: its web trigger writes the field named in the body as
/// itself (`asApp()`), and answers the write's status.
const INTRUDER_MANIFEST: &str = "app:
  id: ari:cloud:ecosystem::app/0badc0de-5678-4abc-8def-0123456789ab
  runtime:
    name: nodejs22.x
modules:
  webtrigger:
    - key: overwrite
      function: write
  function:
    - key: write
      handler: index.overwrite
permissions:
  scopes:
    - read:jira-work
    - write:app-data:jira
";

const INTRUDER_INDEX: &str = r#"import api, { route } from '@forge/api';

export async function overwrite(request) {
  const { field, issueId } = JSON.parse(request.body);
  const write = await api.asApp().requestJira(route`/rest/api/3/app/field/value`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ updates: [{ customField: field, issueIds: [issueId], value: 'overwritten' }] }),
  });
  return { statusCode: 200, body: JSON.stringify({ status: write.status }) };
}
"#;

/// Two apps under one `runtime serve` on the embedded simulator are two apps to Jira, as on
/// Forge: the second cannot write the first's custom field, though both call `asApp()` on
/// the same site (each is an app integration of its own there).
#[test]
fn another_served_app_cannot_write_the_apps_custom_field() {
    let dir = tempfile::tempdir().unwrap();
    let owner = app(dir.path());
    let intruder = js_app(dir.path(), "intruder", INTRUDER_MANIFEST, INTRUDER_INDEX);
    write_private(&dir.path().join("webhook-secret"), WEBHOOK_SECRET);
    let config = dir.path().join("kiln.toml");
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:0\"\nstate = \"state.sqlite3\"\n[simulator]\nwebhook_secret_file = \"webhook-secret\"\n[[app]]\npath = {:?}\n[[app]]\npath = {:?}\n",
            owner.display().to_string(),
            intruder.display().to_string(),
        ),
    )
    .unwrap();
    let serve = spawn_config(&config, &[], None).serving();
    let url_of = |key: &str| {
        serve.line("webtrigger", Some(key))["url"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let post = |url: &str, body: Value| -> Value {
        let response = client()
            .post(url)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .unwrap();
        assert_eq!(response.status(), 200);
        response.json().unwrap()
    };
    let answer = post(
        &url_of("set-experiment"),
        json!({ "issueKey": "KILN-1", "value": "checkout-v2" }),
    );
    assert_eq!(answer["status"], 204, "{answer}");
    let field = answer["id"].as_str().expect("the field's id").to_owned();
    let (base, email, token) = serve.sim_as(PERSON);
    let issue_id: u64 = jira_get(&base, &email, &token, "/rest/api/3/issue/KILN-1")["id"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .expect("KILN-1's id");

    let refused = post(
        &url_of("overwrite"),
        json!({ "field": field, "issueId": issue_id }),
    );
    assert_eq!(refused["status"], 403, "{refused}");
    assert_eq!(
        field_on(&base, &email, &token, "KILN-1", &field),
        "checkout-v2"
    );
}
