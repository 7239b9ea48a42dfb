//! Issue triage: reads an issue, labels it by keywords in its summary, assigns
//! it to the owner of its component, and comments why, so the people watching
//! the issue see the reasoning and not just the change.
//!
//! Payload: `{"issue": "KILN-3"}`, optionally with `"owners"` (component name
//! → assignee email) to replace the built-in owners of the simulator's KILN
//! project. Result:
//! `{"issue", "labelsAdded": [...], "assignee": email|null, "reasons": [...]}`.
//!
//! Scopes: `read:jira-work` (read the issue), `write:jira-work` (label,
//! assign, comment) and `read:jira-user` (find the owner's account by email).

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Input {
    issue: String,
    #[serde(default)]
    owners: Option<BTreeMap<String, String>>,
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
    let owners: BTreeMap<String, String> = input.owners.unwrap_or_else(|| {
        DEFAULT_OWNERS
            .iter()
            .map(|(component, email)| ((*component).to_owned(), (*email).to_owned()))
            .collect()
    });
    log::info!("invocation {}: triaging {}", ctx.invocation_id, input.issue);

    let issue: Issue = as_user()
        .get(route!("/rest/api/3/issue/{}", input.issue)?)
        .query("fields", "summary,labels,components")
        .send()?
        .error_for_status()?
        .json()?;

    let mut reasons = Vec::new();
    let labels = labels_for(&issue.fields.summary, &issue.fields.labels);
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
