//! Issue triage: reads an issue, labels it by keywords in its summary, assigns
//! it to the owner of its component, and comments why, so the people watching
//! the issue see the reasoning and not just the change.
//!
//! It remembers, in app storage, which labels it added to each issue, so a
//! label a person removed afterwards is not added again on the next run: the
//! app's rules never overrule a human's correction.
//!
//! Payload: `{"issue": "KILN-3"}`, optionally with `"owners"` (component name
//! → assignee email) to replace the built-in owners of the simulator's KILN
//! project; or Forge's `avi:jira:created:issue` event, which the manifest's
//! `trigger` module subscribes to, so `runtime serve examples/issue-triage`
//! triages every new issue. Result:
//! `{"issue", "labelsAdded": [...], "assignee": email|null, "reasons": [...]}`.
//!
//! Scopes: `read:jira-work` (read the issue), `write:jira-work` (label,
//! assign, comment), `read:jira-user` (find the owner's account by email) and
//! `storage:app` (remember what it labelled).

use std::collections::BTreeMap;

use kiln_sdk::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Keyword → label rules, checked against the lower-cased summary. Plain data
/// so a team can read (and change) exactly what the app does.
const KEYWORD_LABELS: &[(&str, &str)] = &[
    ("security", "security"),
    ("credential", "security"),
    ("leak", "security"),
    ("sandbox", "security"),
    ("wrong", "bug"),
    ("crash", "bug"),
    ("error", "bug"),
    ("fail", "bug"),
    ("document", "docs"),
    ("docs", "docs"),
    ("rate limit", "performance"),
    ("slow", "performance"),
    ("on-call", "ops"),
    ("rotation", "ops"),
];

/// Component → owner email, for the simulator's KILN project.
const DEFAULT_OWNERS: &[(&str, &str)] = &[
    ("Runtime", "admin@example.com"),
    ("Manifest", "admin@example.com"),
    ("Simulator", "user@example.com"),
    ("Docs", "user@example.com"),
];

/// What starts a triage: a direct call (`runtime run`) or Forge's
/// `avi:jira:created:issue` product event (`runtime serve`, the manifest's
/// `trigger` module), whose `issue.key` names the issue.
#[derive(Deserialize)]
#[serde(untagged)]
enum Input {
    Direct(DirectInput),
    Event(IssueEvent),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DirectInput {
    issue: String,
    #[serde(default)]
    owners: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize)]
struct IssueEvent {
    issue: EventIssue,
}

#[derive(Deserialize)]
struct EventIssue {
    key: String,
}

impl Input {
    fn into_parts(self) -> (String, Option<BTreeMap<String, String>>) {
        match self {
            Input::Direct(direct) => (direct.issue, direct.owners),
            Input::Event(event) => (event.issue.key, None),
        }
    }
}

#[derive(Serialize, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
struct Output {
    issue: String,
    labels_added: Vec<String>,
    assignee: Option<String>,
    reasons: Vec<String>,
}

#[derive(Deserialize)]
struct Issue {
    key: String,
    fields: Fields,
}

#[derive(Deserialize)]
struct Fields {
    summary: String,
    /// When the issue was created: tells this issue from an earlier one that had its key.
    #[serde(default)]
    created: Option<String>,
    #[serde(default)]
    labels: Vec<String>,
    #[serde(default)]
    components: Vec<Named>,
}

#[derive(Deserialize)]
struct Named {
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct User {
    account_id: String,
}

/// What the app remembers about one issue, stored under [`memory_key`].
#[derive(Serialize, Deserialize, Default, Debug, PartialEq, Eq)]
struct Memory {
    /// Every label this app ever added to the issue.
    labelled: Vec<String>,
    /// The issue's `created` stamp. A key can name another issue later (an issue moved
    /// away or deleted, or a fresh simulator handing out `KILN-7` again): a memory of an
    /// issue created at another time is not this issue's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    created: Option<String>,
}

impl Memory {
    /// The memory kept under `issue`'s key, if it is about this issue.
    fn of(issue: &Issue) -> Result<Self, AppError> {
        let kept: Option<Memory> = storage::get(&memory_key(&issue.key))?;
        Ok(kept
            .filter(|memory| {
                memory.created.is_none() || memory.created == issue.fields.created
            })
            .map(|memory| Memory {
                created: issue.fields.created.clone(),
                ..memory
            })
            .unwrap_or_else(|| Memory {
                labelled: Vec::new(),
                created: issue.fields.created.clone(),
            }))
    }
}

/// The storage key of an issue's [`Memory`].
fn memory_key(issue: &str) -> String {
    format!("triaged:{issue}")
}

/// The labels the summary's keywords call for that the issue lacks, each with
/// the keyword that triggered it.
fn labels_for(summary: &str, existing: &[String]) -> Vec<(&'static str, &'static str)> {
    let summary = summary.to_lowercase();
    let mut found: Vec<(&'static str, &'static str)> = Vec::new();
    for (keyword, label) in KEYWORD_LABELS {
        let known = existing.iter().any(|l| l == label) || found.iter().any(|(_, l)| l == label);
        if !known && summary.contains(keyword) {
            found.push((keyword, label));
        }
    }
    found
}

/// The owner of the first component that has one.
fn owner_for<'a>(
    components: &'a [Named],
    owners: &'a BTreeMap<String, String>,
) -> Option<(&'a str, &'a str)> {
    components.iter().find_map(|c| {
        owners
            .get(&c.name)
            .map(|email| (c.name.as_str(), email.as_str()))
    })
}

/// A comment body in the Atlassian Document Format, one paragraph per line.
fn adf(lines: &[String]) -> serde_json::Value {
    let paragraphs: Vec<serde_json::Value> = lines
        .iter()
        .map(|line| json!({ "type": "paragraph", "content": [{ "type": "text", "text": line }] }))
        .collect();
    json!({ "type": "doc", "version": 1, "content": paragraphs })
}

#[kiln_sdk::handler]
fn triage(input: Input, ctx: &Context) -> Result<Output, AppError> {
    let (issue_key, owners) = input.into_parts();
    let owners: BTreeMap<String, String> = owners.unwrap_or_else(|| {
        DEFAULT_OWNERS
            .iter()
            .map(|(component, email)| ((*component).to_owned(), (*email).to_owned()))
            .collect()
    });
    log::info!("invocation {}: triaging {}", ctx.invocation_id, issue_key);

    let issue: Issue = as_user()
        .get(route!("/rest/api/3/issue/{}", issue_key)?)
        .query("fields", "summary,labels,components,created")
        .send()?
        .error_for_status()?
        .json()?;

    let mut reasons = Vec::new();
    let mut memory = Memory::of(&issue)?;
    // Labels it added before count as present: if one is gone, a person
    // removed it, and the app does not put it back.
    let known: Vec<String> = issue
        .fields
        .labels
        .iter()
        .chain(&memory.labelled)
        .cloned()
        .collect();
    let labels = labels_for(&issue.fields.summary, &known);
    if !labels.is_empty() {
        let add: Vec<serde_json::Value> = labels
            .iter()
            .map(|(_, label)| json!({ "add": label }))
            .collect();
        as_user()
            .put(route!("/rest/api/3/issue/{}", issue.key)?)
            .json(&json!({ "update": { "labels": add } }))
            .send()?
            .error_for_status()?;
        for (keyword, label) in &labels {
            reasons.push(format!(
                "labelled `{label}` because the summary mentions \"{keyword}\""
            ));
        }
        memory
            .labelled
            .extend(labels.iter().map(|(_, label)| (*label).to_owned()));
        storage::set(&memory_key(&issue.key), &memory)?;
    }

    let mut assignee = None;
    if let Some((component, email)) = owner_for(&issue.fields.components, &owners) {
        let users: Vec<User> = as_user()
            .get(route!("/rest/api/3/user/search"))
            .query("query", email)
            .send()?
            .error_for_status()?
            .json()?;
        let user = users.first().ok_or_else(|| {
            AppError::failed(format!(
                "no Jira user {email} (owner of component {component})"
            ))
        })?;
        as_user()
            .put(route!("/rest/api/3/issue/{}/assignee", issue.key)?)
            .json(&json!({ "accountId": user.account_id }))
            .send()?
            .error_for_status()?;
        reasons.push(format!(
            "assigned to {email}, owner of component {component}"
        ));
        assignee = Some(email.to_owned());
    }

    if reasons.is_empty() {
        log::info!("{}: no rule applies, nothing changed", issue.key);
    } else {
        let mut lines = vec![String::from(
            "Triaged automatically by the issue-triage app:",
        )];
        lines.extend(reasons.iter().map(|r| format!("- {r}")));
        as_user()
            .post(route!("/rest/api/3/issue/{}/comment", issue.key)?)
            .json(&json!({ "body": adf(&lines) }))
            .send()?
            .error_for_status()?;
    }

    Ok(Output {
        issue: issue.key,
        labels_added: labels
            .iter()
            .map(|(_, label)| (*label).to_owned())
            .collect(),
        assignee,
        reasons,
    })
}

kiln_sdk::export_app!(triage);

#[cfg(test)]
mod tests {
    use super::*;
    use kiln_sdk::storage::StorageError;
    use kiln_sdk::testing::{self, Fake};

    fn input(issue: &str) -> Input {
        Input::Direct(DirectInput {
            issue: issue.to_owned(),
            owners: None,
        })
    }

    /// Forge's product event, as `runtime serve` delivers it.
    #[test]
    fn a_created_issue_event_is_triaged_like_a_direct_call() {
        let event = serde_json::json!({
            "eventType": "avi:jira:created:issue",
            "selfGenerated": false,
            "issue": { "id": "10001", "key": "KILN-7", "fields": { "summary": "Crash" } },
            "atlassianId": "5b10ac8d82e05b22cc7d4a11",
        });
        let input: Input = serde_json::from_value(event).unwrap();
        assert_eq!(input.into_parts(), ("KILN-7".to_owned(), None));
        let direct: Input =
            serde_json::from_value(serde_json::json!({ "issue": "KILN-3" })).unwrap();
        assert_eq!(direct.into_parts(), ("KILN-3".to_owned(), None));
    }

    /// When the test's KILN-7 was created.
    const CREATED: &str = "2026-11-29T09:00:00.000+0000";

    /// Jira answers `GET` of the issue with this summary, labels and
    /// component, and accepts every write the app may make.
    fn jira_with_issue(fake: &Fake, summary: &str, labels: &[&str], component: &str) {
        let jira = fake.jira();
        jira.on(Method::Get, "/rest/api/3/issue/KILN-7").json(
            200,
            &json!({
                "key": "KILN-7",
                "fields": {
                    "summary": summary,
                    "labels": labels,
                    "components": [{ "name": component }],
                    "created": CREATED,
                },
            }),
        );
        jira.on(Method::Put, "/rest/api/3/issue/{key}").status(204);
        jira.on(Method::Get, "/rest/api/3/user/search")
            .query("query", "user@example.com")
            .json(200, &json!([{ "accountId": "acc-user" }]));
        jira.on(Method::Put, "/rest/api/3/issue/{key}/assignee")
            .status(204);
        jira.on(Method::Post, "/rest/api/3/issue/{key}/comment")
            .json(201, &json!({ "id": "1" }));
    }

    #[test]
    fn labels_assigns_comments_and_remembers_what_it_labelled() {
        let fake = Fake::install();
        jira_with_issue(&fake, "Sandbox crash on start", &[], "Docs");

        let output = triage(input("KILN-7"), &testing::context()).unwrap();

        assert_eq!(output.labels_added, ["security", "bug"]);
        assert_eq!(output.assignee.as_deref(), Some("user@example.com"));
        let labelled = &fake
            .jira()
            .requests_to(Method::Put, "/rest/api/3/issue/KILN-7")[0];
        assert_eq!(labelled.principal, Principal::User);
        assert_eq!(
            labelled.json::<serde_json::Value>().unwrap().unwrap(),
            json!({ "update": { "labels": [{ "add": "security" }, { "add": "bug" }] } })
        );
        let assigned = &fake
            .jira()
            .requests_to(Method::Put, "/rest/api/3/issue/KILN-7/assignee")[0];
        assert_eq!(
            assigned.json::<serde_json::Value>().unwrap().unwrap(),
            json!({ "accountId": "acc-user" })
        );
        assert_eq!(
            fake.jira()
                .requests_to(Method::Post, "/rest/api/3/issue/KILN-7/comment")
                .len(),
            1
        );
        assert_eq!(
            fake.storage().get::<Memory>("triaged:KILN-7"),
            Some(Memory {
                labelled: vec!["security".into(), "bug".into()],
                created: Some(CREATED.into()),
            })
        );
    }

    #[test]
    fn a_label_it_added_before_and_a_person_removed_is_not_added_again() {
        let fake = Fake::install();
        jira_with_issue(&fake, "Sandbox crash on start", &[], "Unowned");
        fake.storage().set(
            "triaged:KILN-7",
            &Memory {
                labelled: vec!["security".into()],
                created: Some(CREATED.into()),
            },
        );

        let output = triage(input("KILN-7"), &testing::context()).unwrap();

        assert_eq!(output.labels_added, ["bug"]);
        assert_eq!(
            fake.storage()
                .get::<Memory>("triaged:KILN-7")
                .unwrap()
                .labelled,
            ["security", "bug"]
        );
    }

    /// A memory of another issue that had the key (created at another time) is not this
    /// issue's: its labels are added, and the memory now names this issue.
    #[test]
    fn a_memory_of_an_earlier_issue_with_the_same_key_is_not_this_ones() {
        let fake = Fake::install();
        jira_with_issue(&fake, "Sandbox crash on start", &[], "Unowned");
        fake.storage().set(
            "triaged:KILN-7",
            &Memory {
                labelled: vec!["security".into(), "bug".into()],
                created: Some("2026-11-28T09:00:00.000+0000".into()),
            },
        );

        let output = triage(input("KILN-7"), &testing::context()).unwrap();

        assert_eq!(output.labels_added, ["security", "bug"]);
        assert_eq!(
            fake.storage().get::<Memory>("triaged:KILN-7"),
            Some(Memory {
                labelled: vec!["security".into(), "bug".into()],
                created: Some(CREATED.into()),
            })
        );
    }

    #[test]
    fn without_storage_it_refuses_before_changing_the_issue() {
        let fake = Fake::install();
        jira_with_issue(&fake, "Sandbox crash on start", &[], "Docs");
        fake.storage().deny();

        let error = triage(input("KILN-7"), &testing::context()).unwrap_err();

        assert_eq!(error, AppError::from(StorageError::ScopeDenied));
        assert!(error.to_string().contains("storage:app"), "{error}");
        let writes: Vec<_> = fake
            .jira()
            .requests()
            .into_iter()
            .filter(|request| request.method != Method::Get)
            .collect();
        assert!(writes.is_empty(), "{writes:?}");
    }

    #[test]
    fn keywords_add_each_missing_label_once() {
        let labels = labels_for("Sandbox leak: credential shows the WRONG user", &[]);
        assert_eq!(labels, vec![("credential", "security"), ("wrong", "bug")]);
    }

    #[test]
    fn labels_already_on_the_issue_are_not_added_again() {
        let labels = labels_for("Document the manifest format", &[String::from("docs")]);
        assert!(labels.is_empty(), "{labels:?}");
    }

    #[test]
    fn the_first_owned_component_decides_the_assignee() {
        let owners = BTreeMap::from([(String::from("Docs"), String::from("user@example.com"))]);
        let components = [
            Named {
                name: "Unowned".into(),
            },
            Named {
                name: "Docs".into(),
            },
        ];
        assert_eq!(
            owner_for(&components, &owners),
            Some(("Docs", "user@example.com"))
        );
        assert_eq!(owner_for(&components[..1], &owners), None);
    }
}
