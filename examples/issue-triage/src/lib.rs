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
//! Many issues at once: `triage_search` (`{"jql": "project = KILN"}`, JQL
//! optional) pushes one event per issue of a JQL search to the queue
//! `triage-issues`, whose consumer, `triage_queued`, triages each issue in an
//! invocation of its own, as the app (no user waits for it). A consumer may
//! see an event twice (delivery is at least once), so it remembers handled
//! events for a day, in values that expire by themselves; when Jira rate
//! limits it, it asks for the event again later rather than fail.
//!
//! Scopes: `read:jira-work` (read the issue, search), `write:jira-work`
//! (label, assign, comment), `read:jira-user` (find the owner's account by
//! email) and `storage:app` (remember what it labelled).

use std::collections::BTreeMap;
use std::time::Duration;

use kiln_sdk::events::{FUNCTION_RETRY_REQUEST, JobId, MAX_EVENTS_PER_PUSH};
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
            .filter(|memory| memory.created.is_none() || memory.created == issue.fields.created)
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
    triage_issue(&issue_key, owners, Principal::User, ctx).map_err(|error| match error {
        // Only a queue event can be retried: a direct call says when to try again.
        AppError::Retry(retry) => AppError::failed(format!(
            "Jira is rate limiting the app; try again in {} s",
            retry.after.as_secs()
        )),
        other => other,
    })
}

/// The queue `triage_search` pushes to; its consumer (the manifest's
/// `modules.consumer`) runs `triage_queued`.
const TRIAGE_QUEUE: &str = "triage-issues";
/// What `triage_search` searches when the payload names no JQL.
const DEFAULT_SEARCH_JQL: &str = "project = KILN ORDER BY key";
/// One page of the search is one push: at most as many issues as a push may
/// carry events.
const SEARCH_PAGE_SIZE: usize = MAX_EVENTS_PER_PUSH;
/// A page cap, so a search that never ends cannot spend the request quota.
const MAX_SEARCH_PAGES: u32 = 10;
/// How long a consumer remembers an event it handled, to skip a redelivery.
const HANDLED_FOR: Duration = Duration::from_secs(24 * 60 * 60);
/// How often a consumer asks for a rate-limited event again before it gives up.
const MAX_RETRIES: u32 = 3;
/// The wait when Jira's 429 names none.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(30);

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct SearchInput {
    jql: Option<String>,
}

/// One event of the triage queue: the issue to triage.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
struct QueuedIssue {
    issue: String,
}

#[derive(Serialize, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
struct SearchOutput {
    jql: String,
    queued: usize,
    /// One job per page of the search; `Queue::job(id).stats()` follows it.
    jobs: Vec<JobId>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SearchPage {
    issues: Vec<Keyed>,
    #[serde(default)]
    next_page_token: Option<String>,
    #[serde(default)]
    is_last: Option<bool>,
}

#[derive(Deserialize)]
struct Keyed {
    key: String,
}

/// Queues every issue of a JQL search for triage, one event per issue and
/// one push per page of the search.
#[kiln_sdk::handler]
fn triage_search(input: Option<SearchInput>, ctx: &Context) -> Result<SearchOutput, AppError> {
    let jql = input
        .unwrap_or_default()
        .jql
        .unwrap_or_else(|| DEFAULT_SEARCH_JQL.to_owned());
    let queue = Queue::new(TRIAGE_QUEUE)?;
    let mut output = SearchOutput {
        jql: jql.clone(),
        queued: 0,
        jobs: Vec::new(),
    };
    let mut token: Option<String> = None;
    for _ in 0..MAX_SEARCH_PAGES {
        let mut request = as_user()
            .get(route!("/rest/api/3/search/jql"))
            .query("jql", jql.as_str())
            .query("fields", "summary")
            .query("maxResults", SEARCH_PAGE_SIZE.to_string());
        if let Some(token) = &token {
            request = request.query("nextPageToken", token.as_str());
        }
        let page: SearchPage = request.send()?.error_for_status()?.json()?;
        if !page.issues.is_empty() {
            let events: Vec<QueuedIssue> = page
                .issues
                .iter()
                .map(|issue| QueuedIssue {
                    issue: issue.key.clone(),
                })
                .collect();
            output.jobs.push(queue.push_all(&events)?);
            output.queued += events.len();
        }
        match page.next_page_token {
            Some(next) if page.is_last != Some(true) && !page.issues.is_empty() => {
                token = Some(next)
            }
            _ => break,
        }
    }
    log::info!(
        "invocation {}: queued {} issues of {:?} in {} jobs",
        ctx.invocation_id,
        output.queued,
        jql,
        output.jobs.len()
    );
    Ok(output)
}

/// The consumer of [`TRIAGE_QUEUE`]: triages one issue, as the app. `None`
/// when the event was handled before (a redelivery).
#[kiln_sdk::handler]
fn triage_queued(
    event: QueueEvent<QueuedIssue>,
    ctx: &Context,
) -> Result<Option<Output>, AppError> {
    let handled = handled_key(&event.event_id);
    if storage::get::<bool>(&handled)?.is_some() {
        log::info!("event {} was handled already", event.event_id);
        return Ok(None);
    }
    match triage_issue(&event.body.issue, None, Principal::App, ctx) {
        Err(AppError::Retry(_)) if event.retry_count() >= MAX_RETRIES => {
            Err(AppError::failed(format!(
                "{}: still rate limited after {MAX_RETRIES} retries",
                event.body.issue
            )))
        }
        Err(error) => Err(error),
        Ok(output) => {
            storage::set_expiring(&handled, &true, HANDLED_FOR)?;
            Ok(Some(output))
        }
    }
}

/// The storage key that says a queue event was handled.
fn handled_key(event_id: &str) -> String {
    format!("handled-event:{event_id}")
}

/// Jira's answer, or the error the app reports: a `429` asks for the event
/// again after the `Retry-After` Jira named.
fn checked(response: Response) -> Result<Response, AppError> {
    if response.status() == 429 {
        let after = response
            .header("retry-after")
            .and_then(|seconds| seconds.trim().parse().ok())
            .map_or(DEFAULT_RETRY_AFTER, Duration::from_secs);
        return Err(AppError::retry(after, FUNCTION_RETRY_REQUEST, None));
    }
    Ok(response.error_for_status()?)
}

/// Labels, assigns and comments one issue, acting as `principal`.
fn triage_issue(
    issue_key: &str,
    owners: Option<BTreeMap<String, String>>,
    principal: Principal,
    ctx: &Context,
) -> Result<Output, AppError> {
    let owners: BTreeMap<String, String> = owners.unwrap_or_else(|| {
        DEFAULT_OWNERS
            .iter()
            .map(|(component, email)| ((*component).to_owned(), (*email).to_owned()))
            .collect()
    });
    log::info!("invocation {}: triaging {}", ctx.invocation_id, issue_key);
    let jira = || match principal {
        Principal::User => as_user(),
        Principal::App => as_app(),
    };

    let issue: Issue = checked(
        jira()
            .get(route!("/rest/api/3/issue/{}", issue_key)?)
            .query("fields", "summary,labels,components,created")
            .send()?,
    )?
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
        checked(
            jira()
                .put(route!("/rest/api/3/issue/{}", issue.key)?)
                .json(&json!({ "update": { "labels": add } }))
                .send()?,
        )?;
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
        let users: Vec<User> = checked(
            jira()
                .get(route!("/rest/api/3/user/search"))
                .query("query", email)
                .send()?,
        )?
        .json()?;
        let user = users.first().ok_or_else(|| {
            AppError::failed(format!(
                "no Jira user {email} (owner of component {component})"
            ))
        })?;
        checked(
            jira()
                .put(route!("/rest/api/3/issue/{}/assignee", issue.key)?)
                .json(&json!({ "accountId": user.account_id }))
                .send()?,
        )?;
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
        checked(
            jira()
                .post(route!("/rest/api/3/issue/{}/comment", issue.key)?)
                .json(&json!({ "body": adf(&lines) }))
                .send()?,
        )?;
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

kiln_sdk::export_app!(triage, triage_search, triage_queued);

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

    // ---- Many issues through the triage queue ----------------------------

    /// The manifest's consumer queue, as the host knows it.
    fn fake_with_queue() -> Fake {
        let fake = Fake::install();
        fake.events().queues([TRIAGE_QUEUE]);
        fake
    }

    #[test]
    fn a_search_queues_one_event_per_issue_and_one_job_per_page() {
        let fake = fake_with_queue();
        let search = "/rest/api/3/search/jql";
        fake.jira()
            .on(Method::Get, search)
            .query("nextPageToken", "p2")
            .json(
                200,
                &json!({ "issues": [{ "key": "KILN-3" }], "isLast": true }),
            );
        fake.jira().on(Method::Get, search).json(
            200,
            &json!({ "issues": [{ "key": "KILN-1" }, { "key": "KILN-2" }], "nextPageToken": "p2" }),
        );

        let output = triage_search(None, &testing::context()).unwrap();

        assert_eq!(output.queued, 3);
        assert_eq!(output.jql, DEFAULT_SEARCH_JQL);
        let pushes = fake.events().pushes();
        assert_eq!(pushes.len(), 2);
        assert_eq!(
            output.jobs,
            [pushes[0].job_id.clone(), pushes[1].job_id.clone()]
        );
        let queued: Vec<QueuedIssue> = fake
            .events()
            .pushed(TRIAGE_QUEUE)
            .iter()
            .map(|event| event.body_as())
            .collect();
        assert_eq!(
            queued,
            ["KILN-1", "KILN-2", "KILN-3"].map(|issue| QueuedIssue {
                issue: issue.into()
            })
        );
        let first = &fake.jira().requests_to(Method::Get, search)[0];
        assert_eq!(first.query_value("jql"), Some(DEFAULT_SEARCH_JQL));
        assert_eq!(first.query_value("maxResults"), Some("50"));
    }

    #[test]
    fn the_consumer_triages_each_queued_issue_as_the_app() {
        let fake = fake_with_queue();
        fake.jira().on(Method::Get, "/rest/api/3/search/jql").json(
            200,
            &json!({ "issues": [{ "key": "KILN-7" }], "isLast": true }),
        );
        jira_with_issue(&fake, "Sandbox crash on start", &[], "Docs");
        let output = triage_search(
            Some(SearchInput {
                jql: Some("key = KILN-7".into()),
            }),
            &testing::context(),
        )
        .unwrap();

        let delivered = fake.events().deliver(TRIAGE_QUEUE, triage_queued);

        assert_eq!(delivered.len(), 1);
        let result = delivered[0].outcome.as_ref().unwrap();
        assert_eq!(result["labelsAdded"], json!(["security", "bug"]));
        let labelled = &fake
            .jira()
            .requests_to(Method::Put, "/rest/api/3/issue/KILN-7")[0];
        assert_eq!(
            labelled.principal,
            Principal::App,
            "no user waits for a queue event"
        );
        assert_eq!(
            fake.events().stats(&output.jobs[0]).success,
            1,
            "the job is done"
        );
        // It remembers the event for a day, then forgets it by itself.
        let handled = handled_key(&delivered[0].event_id);
        let entry = fake.storage().entry::<bool>(&handled).unwrap();
        assert_eq!(entry.expires_at, Some(fake.now() + HANDLED_FOR));
        fake.advance(HANDLED_FOR);
        assert_eq!(fake.storage().get::<bool>(&handled), None);
    }

    /// The host delivers at least once: the same event again changes nothing.
    #[test]
    fn a_redelivered_event_is_not_triaged_twice() {
        let fake = fake_with_queue();
        jira_with_issue(&fake, "Sandbox crash on start", &[], "Docs");
        let event: QueueEvent<QueuedIssue> = serde_json::from_value(json!({
            "body": { "issue": "KILN-7" },
            "queueName": TRIAGE_QUEUE,
            "jobId": "job-1",
            "eventId": "event-1",
        }))
        .unwrap();

        assert!(
            triage_queued(event.clone(), &testing::context())
                .unwrap()
                .is_some()
        );
        let sent = fake.jira().requests().len();
        assert_eq!(triage_queued(event, &testing::context()).unwrap(), None);
        assert_eq!(
            fake.jira().requests().len(),
            sent,
            "no request the second time"
        );
    }

    #[test]
    fn a_rate_limited_consumer_asks_for_its_event_again_after_retry_after() {
        let fake = fake_with_queue();
        fake.jira()
            .on(Method::Get, "/rest/api/3/issue/KILN-7")
            .once()
            .respond(Response::new(
                429,
                vec![("retry-after".into(), "12".into())],
                Vec::new(),
            ));
        jira_with_issue(&fake, "Sandbox crash on start", &[], "Docs");
        Queue::new(TRIAGE_QUEUE)
            .unwrap()
            .push(&QueuedIssue {
                issue: "KILN-7".into(),
            })
            .unwrap();

        let first = fake.events().deliver(TRIAGE_QUEUE, triage_queued);
        match &first[0].outcome {
            Err(AppError::Retry(retry)) => {
                assert_eq!(retry.after, Duration::from_secs(12));
                assert_eq!(retry.reason, FUNCTION_RETRY_REQUEST);
            }
            other => panic!("expected a retry, got {other:?}"),
        }
        fake.advance(Duration::from_secs(11));
        assert!(
            fake.events()
                .deliver(TRIAGE_QUEUE, triage_queued)
                .is_empty()
        );
        fake.advance(Duration::from_secs(1));
        let second = fake.events().deliver(TRIAGE_QUEUE, triage_queued);
        assert!(second[0].outcome.is_ok(), "{second:?}");
    }

    #[test]
    fn a_consumer_gives_up_after_its_retries_and_a_direct_call_fails_plainly() {
        let fake = fake_with_queue();
        fake.jira()
            .on(Method::Get, "/rest/api/3/issue/KILN-7")
            .status(429);
        let event: QueueEvent<QueuedIssue> = serde_json::from_value(json!({
            "body": { "issue": "KILN-7" },
            "queueName": TRIAGE_QUEUE,
            "jobId": "job-1",
            "eventId": "event-1",
            "retryContext": { "retryCount": MAX_RETRIES, "retryReason": FUNCTION_RETRY_REQUEST },
        }))
        .unwrap();
        let error = triage_queued(event, &testing::context()).unwrap_err();
        assert!(!error.is_retry(), "{error:?}");

        let direct = triage(input("KILN-7"), &testing::context()).unwrap_err();
        assert!(!direct.is_retry(), "only a queue event can be retried");
        assert!(direct.to_string().contains("try again in 30 s"), "{direct}");
    }
}
