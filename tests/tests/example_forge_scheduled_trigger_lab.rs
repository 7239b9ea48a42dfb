//! A public Forge app with a `webtrigger` and a `scheduledTrigger` on Kiln
//! (`examples/forge-scheduled-trigger-lab`, MIT): a "message of the day" that
//! anyone holding the web trigger's URL sets with a POST, and that an hourly
//! scheduled trigger overwrites with an automatic one. Both keep the message
//! in app storage (`storage.set("motd", …)`); the app calls no Jira route, so
//! the state it produces is that stored value, read here from the host's own
//! storage, not through the app.
//!
//! Here the backend, built by Kiln's Forge layer, runs through the library on
//! the simulator; `serve/tests/forge_examples.rs` runs it under `runtime
//! serve` (a real POST to the served URL, the scheduler's run).

use std::path::Path;

use kiln_manifest::Manifest;
use kiln_runtime::invoke::Trigger;
use kiln_runtime::{Invocation, LoadedApp, RuntimeOptions, StorageHost};
use kiln_state::{AppStorage, EncryptionKey, Installation, SecretCipher, StorageLimits};
use serde_json::{Value, json};

use crate::support::forge_example;
use crate::support::{Harness, ok_json};

/// Where the runtime keeps this test's installation (a fixed site name, so
/// the test can open the same storage).
const SITE: &str = "kiln-test-motd";
const ENVIRONMENT: &str = "development";

/// The example (its manifest declares a backend, `*.atlassian-dev.net`, where
/// Forge serves web trigger URLs, so the build keeps the engine's `fetch`).
const EXAMPLE: &str = "forge-scheduled-trigger-lab";

fn manifest() -> Manifest {
    forge_example::manifest(EXAMPLE)
}

/// The built component, or `None` without Node.js and npm.
fn component() -> Option<&'static Path> {
    forge_example::component(EXAMPLE)
}

struct Setup {
    harness: Harness,
    app: LoadedApp,
    storage: StorageHost,
}

impl Setup {
    async fn start(component: &Path) -> Self {
        let key = EncryptionKey::generate().expect("randomness");
        let storage = StorageHost::new(AppStorage::in_memory(
            StorageLimits::default(),
            SecretCipher::new(key),
        ));
        let shared = storage.clone();
        let harness = Harness::start_options("admin@example.com", None, |options| RuntimeOptions {
            storage: Some(shared),
            installation_site: Some(SITE.to_owned()),
            ..options
        })
        .await;
        let wasm = std::fs::read(component).expect("the built component");
        let app = harness
            .runtime
            .load(wasm, manifest())
            .await
            .expect("app loads");
        Self {
            harness,
            app,
            storage,
        }
    }

    async fn invoke(&self, function: &str, trigger: Trigger, payload: Value) -> Value {
        let invoked = self
            .app
            .invoke(Invocation {
                function_key: Some(function.to_owned()),
                payload: payload.to_string(),
                trigger,
                ..Invocation::default()
            })
            .await
            .expect("invocation starts");
        self.harness.assert_no_canary(&invoked);
        ok_json(&invoked)
    }

    /// A POST to the web trigger, in Forge's request shape.
    async fn post(&self, body: &str) -> Value {
        self.invoke(
            "motdListener",
            Trigger::WebTrigger,
            json!({
                "method": "POST",
                "headers": { "content-type": ["application/json"] },
                "queryParameters": {},
                "userPath": "",
                "body": body,
            }),
        )
        .await
    }

    /// The stored message, read from the host's storage of this installation.
    async fn motd(&self) -> Option<Value> {
        let installation =
            Installation::new(manifest().app.id, SITE, ENVIRONMENT).expect("an installation");
        let storage = self
            .storage
            .storage()
            .installation(&installation)
            .await
            .expect("the installation's storage");
        storage
            .get("motd")
            .await
            .expect("a read")
            .map(|stored| stored.value)
    }
}

/// `DATE - message`: the app's format, whatever the engine's date text is.
fn message_of(stored: &Value) -> &str {
    let text = stored.as_str().expect("the app stores a string");
    text.rsplit_once(" - ")
        .map(|(_, message)| message)
        .unwrap_or_else(|| panic!("not `date - message`: {text}"))
}

#[tokio::test]
async fn the_web_trigger_sets_the_message_and_the_schedule_overwrites_it() {
    let Some(component) = tokio::task::spawn_blocking(component)
        .await
        .expect("the build thread")
    else {
        return;
    };
    let s = Setup::start(component).await;
    assert_eq!(s.motd().await, None);

    // A POST to the web trigger stores the message and answers 200.
    let answer = s.post(r#"{"motd": "Deploy freeze until Friday"}"#).await;
    assert_eq!(answer["statusCode"], 200, "{answer}");
    assert_eq!(answer["body"], "Success: Message updated\n");
    assert_eq!(
        answer["headers"]["Content-Type"],
        json!(["application/json"])
    );
    let stored = s.motd().await.expect("a message");
    assert_eq!(message_of(&stored), "Deploy freeze until Friday");
    let date = stored
        .as_str()
        .expect("text")
        .rsplit_once(" - ")
        .expect("a date")
        .0;
    assert!(!date.is_empty(), "{stored}");
    // `toLocaleString('en-GB', { timeZone: 'Europe/London' })`, as Node prints it
    // (`29/11/2026, 23:07:51`): the app's Intl is the build's (js-toolchain/intl.mjs).
    let shape: Vec<bool> = date.chars().map(|c| c.is_ascii_digit()).collect();
    assert_eq!(date.len(), 20, "{date}");
    assert_eq!(
        date.chars()
            .zip(shape)
            .map(|(c, digit)| if digit { 'd' } else { c })
            .collect::<String>(),
        "dd/dd/dddd, dd:dd:dd",
        "{stored}"
    );

    // A body that is not JSON: 400 with the parser's error, nothing stored.
    let refused = s.post("motd=hello").await;
    assert_eq!(refused["statusCode"], 400, "{refused}");
    assert_eq!(refused["statusText"], "Bad Request");
    assert!(
        refused["body"]
            .as_str()
            .is_some_and(|b| b.starts_with("SyntaxError")),
        "{refused}"
    );
    assert_eq!(
        message_of(&s.motd().await.expect("kept")),
        "Deploy freeze until Friday"
    );

    // The hourly scheduled trigger overwrites it.
    let scheduled = s
        .invoke("scheduledWebTrigger", Trigger::Scheduled, json!({}))
        .await;
    assert_eq!(scheduled["statusCode"], 200, "{scheduled}");
    assert_eq!(
        message_of(&s.motd().await.expect("a message")),
        "auto scheduled"
    );

    // The app calls no Jira route.
    s.harness.assert_jira_untouched();
}
