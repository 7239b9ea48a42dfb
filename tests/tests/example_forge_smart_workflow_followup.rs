//! A real public Forge app on Kiln (`examples/forge-smart-workflow-followup`):
//! Atlassian's "Smart Workflow Follow-up" reference app, whose backend runs on
//! a product trigger (`avi:jira:updated:issue`). A project administrator opts a
//! project in through the app's resolver (the global page's backend); when a
//! person then moves an issue of that project into the chosen status, the
//! trigger, acting as the app, comments on the issue with the person's display
//! name and keeps an audit trail in `@forge/kvs`.
//!
//! Here the app's JavaScript, built by Kiln's Forge layer, runs on the
//! simulator through the library: the event is the one Forge (and `runtime
//! serve`, `serve/tests/forge_examples.rs`) hands the trigger for the
//! simulator's own transition, and the test asserts on the comment the app
//! left in Jira and on the audit the app stored.

use std::path::Path;
use std::sync::Arc;

use kiln_manifest::Manifest;
use kiln_runtime::invoke::Trigger;
use kiln_runtime::{
    Credential, Credentials, HttpLimits, Invocation, Invoked, JiraClient, LoadedApp, MemoryAudit,
    Runtime, RuntimeOptions, Site,
};
use kiln_sim::{SimConfig, Simulator};
use serde_json::{Value, json};

use crate::support::forge_example;
use crate::support::ok_json;

/// The simulator account the app acts as (`asApp()`), and the project
/// administrator who configures it (`asUser()` in the resolver).
const APP_ACCOUNT: &str = "admin@example.com";
/// The person who moves the issue: not the app, so the event is not its own.
const PERSON: &str = "user@example.com";
/// The simulator's workflow: "To Do" (status 10000), "In Progress" (status 3,
/// transition 21) and "Done" (status 10001, transition 31). Seeded: KILN-1 is
/// Done, KILN-3 and KILN-4 are To Do.
const TO_IN_PROGRESS: &str = "21";
const TO_DONE: &str = "31";
const TO_DO_STATUS: &str = "10000";
const DONE_STATUS: &str = "10001";
const IN_PROGRESS_STATUS: &str = "3";

/// The example (no `permissions.external`: the build leaves `fetch` out).
const EXAMPLE: &str = "forge-smart-workflow-followup";

fn manifest() -> Manifest {
    forge_example::manifest(EXAMPLE)
}

/// The built component, or `None` without Node.js and npm.
fn component() -> Option<&'static Path> {
    forge_example::component(EXAMPLE)
}

/// A simulator and a runtime holding two credentials: the project
/// administrator's (`asUser()`) and the app's own account (`asApp()`).
struct Setup {
    sim: Simulator,
    app: LoadedApp,
    audit: Arc<MemoryAudit>,
    canaries: Vec<String>,
}

impl Setup {
    async fn start(component: &Path) -> Self {
        let sim = Simulator::start(SimConfig::default())
            .await
            .expect("simulator starts");
        let admin = sim.user(APP_ACCOUNT).expect("seeded admin");
        let token = || Credential::ApiToken {
            email: admin.email.clone(),
            token: admin.api_token.clone().into(),
        };
        let credentials = Credentials {
            user: Some(token()),
            app: Some(token()),
        };
        let site = Site::new(sim.base_url(), sim.base_url(), sim.cloud_id()).expect("site");
        let client = JiraClient::new(site, credentials, HttpLimits::default()).expect("client");
        let audit = Arc::new(MemoryAudit::default());
        let runtime = Runtime::new(
            client,
            RuntimeOptions {
                audit: audit.clone(),
                ..RuntimeOptions::default()
            },
        )
        .expect("runtime");
        let wasm = std::fs::read(component).expect("the built component");
        let app = runtime.load(wasm, manifest()).await.expect("app loads");
        let canaries = vec![admin.api_token.clone()];
        Self {
            sim,
            app,
            audit,
            canaries,
        }
    }

    fn assert_no_credential(&self, invoked: &Invoked) {
        let mut seen = format!("{:?}", invoked.result);
        for line in &invoked.logs {
            seen.push_str(&line.message);
        }
        for record in self.audit.records() {
            seen.push_str(&format!("{record:?}"));
        }
        for canary in &self.canaries {
            assert!(!seen.contains(canary.as_str()), "a credential leaked");
        }
    }

    /// Calls resolver function `key` as Forge's bridge does for the global page.
    async fn resolver(&self, key: &str, payload: Value) -> Value {
        let invoked = self
            .app
            .invoke(Invocation {
                function_key: Some("resolver".to_owned()),
                payload: json!({ "call": { "functionKey": key, "payload": payload } }).to_string(),
                ..Invocation::default()
            })
            .await
            .expect("invocation starts");
        self.assert_no_credential(&invoked);
        ok_json(&invoked)
    }

    /// Delivers an `avi:jira:updated:issue` event to the trigger's function, as
    /// a product event (no user invoked it).
    async fn deliver(&self, event: &Value) {
        let invoked = self
            .app
            .invoke(Invocation {
                function_key: Some("onIssueUpdated".to_owned()),
                payload: event.to_string(),
                trigger: Trigger::ProductEvent,
                ..Invocation::default()
            })
            .await
            .expect("invocation starts");
        self.assert_no_credential(&invoked);
        assert!(
            invoked.result.is_ok(),
            "the trigger failed: {:?}; logs {:?}",
            invoked.result,
            invoked.logs
        );
    }

    /// `who`'s authenticated client against the simulator.
    fn as_person(&self, who: &str) -> (reqwest::Client, String, String, String) {
        let user = self.sim.user(who).expect("seeded user");
        (
            reqwest::Client::new(),
            self.sim.base_url().to_owned(),
            user.email.clone(),
            user.api_token.clone(),
        )
    }

    async fn get(&self, who: &str, path: &str) -> Value {
        let (client, base, email, token) = self.as_person(who);
        let body = client
            .get(format!("{base}{path}"))
            .basic_auth(email, Some(token))
            .send()
            .await
            .expect("the simulator answers")
            .error_for_status()
            .expect("a success")
            .bytes()
            .await
            .expect("a body");
        serde_json::from_slice(&body).expect("JSON")
    }

    /// `PERSON` moves `key` through `transition` in the simulator, and the
    /// event Forge would deliver for it: Jira's issue as the app reads it, the
    /// status change from the changelog, the person as `atlassianId`.
    async fn move_issue(&self, key: &str, transition: &str, from: &str, to: &str) -> Value {
        let (client, base, email, token) = self.as_person(PERSON);
        let moved = client
            .post(format!("{base}/rest/api/3/issue/{key}/transitions"))
            .basic_auth(email, Some(token))
            .header("content-type", "application/json")
            .body(json!({ "transition": { "id": transition } }).to_string())
            .send()
            .await
            .expect("the simulator answers");
        assert_eq!(moved.status(), 204, "the transition of {key}");
        let issue = self
            .get(APP_ACCOUNT, &format!("/rest/api/3/issue/{key}"))
            .await;
        let person = self
            .sim
            .user(PERSON)
            .expect("seeded user")
            .account_id
            .clone();
        json!({
            "eventType": "avi:jira:updated:issue",
            "issue": { "id": issue["id"], "key": key, "fields": issue["fields"] },
            "changelog": { "items": [{
                "field": "status", "fieldtype": "jira", "fieldId": "status",
                "from": from, "to": to,
            }] },
            "atlassianId": person,
            "associatedUsers": [{ "accountId": person }],
            "selfGenerated": false,
        })
    }

    /// The comments on `key`: (the author's display name, the plain text).
    async fn comments(&self, key: &str) -> Vec<(String, String)> {
        let page = self
            .get(APP_ACCOUNT, &format!("/rest/api/3/issue/{key}/comment"))
            .await;
        page["comments"]
            .as_array()
            .expect("comments")
            .iter()
            .map(|c| {
                (
                    c["author"]["displayName"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    adf_text(&c["body"]),
                )
            })
            .collect()
    }
}

/// The text of an ADF document's paragraphs, one line each.
fn adf_text(doc: &Value) -> String {
    doc["content"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|paragraph| {
            paragraph["content"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|node| node["text"].as_str())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Upstream's manifest writes Forge's `memoryMB: 256`, kept as is: Kiln reads
/// it as Forge means it, a 256 MiB limit, and the runtime applies that.
#[test]
fn smart_workflow_followup_keeps_forges_memory_mb() {
    let manifest = manifest();
    let source = forge_example::manifest_text(EXAMPLE);
    assert!(source.contains("    memoryMB: 256\n"), "{source}");
    assert_eq!(
        manifest.app.runtime.memory_key,
        kiln_manifest::MemoryKey::MemoryMB
    );
    let limits = kiln_runtime::EffectiveLimits::resolve(
        &manifest.app.runtime,
        &kiln_runtime::OperatorLimits::default(),
    );
    assert_eq!(limits.memory_bytes, 256 * 1024 * 1024);
}

#[tokio::test]
async fn smart_workflow_followup_comments_when_an_issue_reaches_the_chosen_status() {
    let Some(component) = tokio::task::spawn_blocking(component)
        .await
        .expect("the build thread")
    else {
        return;
    };
    let s = Setup::start(component).await;
    let person = s
        .sim
        .user(PERSON)
        .expect("seeded user")
        .display_name
        .clone();
    let app_name = {
        let me = s.get(APP_ACCOUNT, "/rest/api/3/myself").await;
        me["displayName"].as_str().expect("a name").to_owned()
    };

    // The global page's backend: the projects and KILN's statuses, Done first.
    let projects = s.resolver("getProjects", json!({})).await;
    assert_eq!(projects["ok"], true, "{projects}");
    assert!(
        projects["projects"]
            .as_array()
            .expect("projects")
            .iter()
            .any(|p| p["key"] == "KILN"),
        "{projects}"
    );
    let statuses = s
        .resolver("getStatuses", json!({ "projectKey": "KILN" }))
        .await;
    assert_eq!(statuses["ok"], true, "{statuses}");
    assert_eq!(statuses["statuses"][0]["id"], DONE_STATUS, "{statuses}");
    assert_eq!(statuses["statuses"][0]["statusCategoryKey"], "done");

    // Nothing is configured: a status change is silence.
    let kiln_3 = s.comments("KILN-3").await.len();
    let event = s
        .move_issue("KILN-3", TO_DONE, TO_DO_STATUS, DONE_STATUS)
        .await;
    s.deliver(&event).await;
    assert_eq!(s.comments("KILN-3").await.len(), kiln_3, "not opted in");

    // The administrator opts KILN in, on Done.
    let saved = s
        .resolver(
            "saveConfig",
            json!({ "projectKey": "KILN", "enabled": true,
                    "triggerStatusId": DONE_STATUS, "triggerStatusName": "Done" }),
        )
        .await;
    assert_eq!(saved["ok"], true, "{saved}");
    assert_eq!(saved["isEnabled"], true, "{saved}");

    // A move into another status: still silence.
    let kiln_4 = s.comments("KILN-4").await.len();
    let other = s
        .move_issue("KILN-4", TO_IN_PROGRESS, TO_DO_STATUS, IN_PROGRESS_STATUS)
        .await;
    s.deliver(&other).await;

    // The person reopens KILN-1 (Done) and moves it to Done again: the app
    // comments, as itself, naming the person (GET /rest/api/3/user).
    let before = s.comments("KILN-1").await.len();
    let reopened = s
        .move_issue("KILN-1", TO_IN_PROGRESS, DONE_STATUS, IN_PROGRESS_STATUS)
        .await;
    s.deliver(&reopened).await;
    let done = s
        .move_issue("KILN-1", TO_DONE, IN_PROGRESS_STATUS, DONE_STATUS)
        .await;
    s.deliver(&done).await;
    let comments = s.comments("KILN-1").await;
    assert_eq!(comments.len(), before + 1, "{comments:?}");
    let (author, text) = comments.last().expect("the app's comment");
    assert_eq!(author, &app_name);
    assert_eq!(
        text,
        &format!(
            "Smart Workflow Follow-up: KILN-1 moved to Done by {person}. Time to double-check the \
             acceptance criteria, close any linked work, and let the reporter know it's ready."
        )
    );
    assert_eq!(
        s.comments("KILN-4").await.len(),
        kiln_4,
        "In Progress is not Done"
    );

    // The audit trail the app keeps in @forge/kvs, read through its resolver.
    let audit = s
        .resolver("getProjectAudit", json!({ "projectKey": "KILN" }))
        .await;
    let entries = audit["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 1, "{audit}");
    assert_eq!(entries[0]["outcome"], "commented");
    assert_eq!(entries[0]["issueKey"], "KILN-1");
    assert_eq!(entries[0]["actorDisplayName"], person.as_str());
    let all = s.resolver("getAllConfigs", json!({})).await;
    assert_eq!(all["rows"][0]["projectKey"], "KILN", "{all}");
    assert_eq!(all["rows"][0]["totalFollowUps"], 1, "{all}");

    // The app's Jira traffic: the trigger's reads and its one write, each
    // matched against the catalogue and allowed for the declared scopes.
    let routes: Vec<(String, Option<&str>, &str)> = s
        .audit
        .records()
        .into_iter()
        .filter(|r| r.route != Some("/rest/api/3/project/search"))
        .filter(|r| r.route != Some("/rest/api/3/project/{projectIdOrKey}/statuses"))
        .map(|r| (r.method.to_owned(), r.route, r.decision))
        .collect();
    assert_eq!(
        routes,
        [
            ("GET".to_owned(), Some("/rest/api/3/user"), "allowed"),
            (
                "POST".to_owned(),
                Some("/rest/api/3/issue/{issueIdOrKey}/comment"),
                "allowed"
            ),
        ]
    );
}

#[tokio::test]
async fn smart_workflow_followup_refuses_to_enable_without_a_status_and_forgets_on_reset() {
    let Some(component) = tokio::task::spawn_blocking(component)
        .await
        .expect("the build thread")
    else {
        return;
    };
    let s = Setup::start(component).await;

    let refused = s
        .resolver(
            "saveConfig",
            json!({ "projectKey": "KILN", "enabled": true }),
        )
        .await;
    assert_eq!(refused["ok"], false, "{refused}");
    assert_eq!(
        refused["error"],
        "Pick a trigger status before enabling follow-ups."
    );
    let none = s
        .resolver("getConfig", json!({ "projectKey": "KILN" }))
        .await;
    assert_eq!(none["isCustom"], false, "{none}");

    s.resolver(
        "saveConfig",
        json!({ "projectKey": "KILN", "enabled": true, "triggerStatusId": DONE_STATUS,
                "template": "{{issueKey}} ({{issueSummary}}) is done, thanks {{actorDisplayName}}" }),
    )
    .await;
    let preview = s
        .resolver(
            "previewTemplate",
            json!({ "template": "{{issueKey}} by {{actorDisplayName}}{{unknown}}" }),
        )
        .await;
    assert_eq!(preview["preview"], "PROJ-42 by Jamie Rivers");

    // The project's own template, with the issue's summary.
    let before = s.comments("KILN-3").await.len();
    let done = s
        .move_issue("KILN-3", TO_DONE, TO_DO_STATUS, DONE_STATUS)
        .await;
    let summary = done["issue"]["fields"]["summary"]
        .as_str()
        .expect("a summary")
        .to_owned();
    s.deliver(&done).await;
    let comments = s.comments("KILN-3").await;
    assert_eq!(comments.len(), before + 1, "{comments:?}");
    let person = s
        .sim
        .user(PERSON)
        .expect("seeded user")
        .display_name
        .clone();
    assert_eq!(
        comments.last().expect("the comment").1,
        format!("KILN-3 ({summary}) is done, thanks {person}")
    );

    // Reset forgets the project: the next Done is silence.
    let reset = s
        .resolver("resetConfig", json!({ "projectKey": "KILN" }))
        .await;
    assert_eq!(reset["isEnabled"], false, "{reset}");
    let audit = s
        .resolver("getProjectAudit", json!({ "projectKey": "KILN" }))
        .await;
    assert_eq!(audit["entries"], json!([]), "{audit}");
    s.move_issue("KILN-3", TO_IN_PROGRESS, DONE_STATUS, IN_PROGRESS_STATUS)
        .await;
    let again = s
        .move_issue("KILN-3", TO_DONE, IN_PROGRESS_STATUS, DONE_STATUS)
        .await;
    s.deliver(&again).await;
    assert_eq!(s.comments("KILN-3").await.len(), before + 1);
}
