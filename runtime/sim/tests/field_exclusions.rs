//! The `fields` parameter when it names only exclusions (`-comment`): the
//! endpoint's default set minus those, as Jira documents it ("-description
//! Returns all (default) fields except description" for `getIssue`; "Returns
//! all navigable (default) fields except description" for the search and the
//! bulk fetch), on `getIssue`, `search/jql` (GET and POST), `bulkfetch` and
//! the agile issue (whose default is every field and the agile ones).

use crate::common;

use common::{ADMIN, caller, start};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The names of an issue's returned fields.
fn names(issue: &Value) -> Vec<String> {
    issue["fields"]
        .as_object()
        .map(|fields| fields.keys().cloned().collect())
        .unwrap_or_default()
}

fn has(issue: &Value, field: &str) -> bool {
    issue["fields"].get(field).is_some()
}

#[tokio::test]
async fn get_issue_takes_exclusions_alone_from_every_field() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let all = alice.get("/rest/api/3/issue/KILN-1").await;
    let without = alice.get("/rest/api/3/issue/KILN-1?fields=-comment").await;
    assert_eq!(without.status, StatusCode::OK, "{}", without.text);
    let mut expected = names(&all.body);
    expected.retain(|name| name != "comment");
    assert_eq!(names(&without.body), expected);
    assert!(has(&without.body, "attachment") && has(&without.body, "worklog"));

    let two = alice
        .get_with(
            "/rest/api/3/issue/KILN-1",
            &[("fields", "-comment,-description")],
        )
        .await;
    assert!(has(&two.body, "summary") && has(&two.body, "attachment"));
    assert!(!has(&two.body, "comment") && !has(&two.body, "description"));

    // An inclusion beside the exclusion leaves the default out, as before.
    let named = alice
        .get("/rest/api/3/issue/KILN-1?fields=summary,-comment")
        .await;
    assert_eq!(names(&named.body), ["summary"]);
    let everything = alice
        .get("/rest/api/3/issue/KILN-1?fields=*all,-comment")
        .await;
    assert_eq!(names(&everything.body), names(&without.body));
}

#[tokio::test]
async fn search_takes_exclusions_alone_from_the_navigable_fields() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let jql = "key = KILN-1";
    let navigable = alice
        .get_with(
            "/rest/api/3/search/jql",
            &[("jql", jql), ("fields", "*navigable,-description")],
        )
        .await;
    let expected = names(&navigable.body["issues"][0]);
    assert!(expected.contains(&"summary".to_owned()), "{expected:?}");

    let got = alice
        .get_with(
            "/rest/api/3/search/jql",
            &[("jql", jql), ("fields", "-description")],
        )
        .await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.text);
    assert_eq!(names(&got.body["issues"][0]), expected);
    assert!(!has(&got.body["issues"][0], "comment"), "not navigable");

    let posted = alice
        .post(
            "/rest/api/3/search/jql",
            &json!({ "jql": jql, "fields": ["-description"] }),
        )
        .await;
    assert_eq!(posted.status, StatusCode::OK, "{}", posted.text);
    assert_eq!(names(&posted.body["issues"][0]), expected);

    let two = alice
        .post(
            "/rest/api/3/search/jql",
            &json!({ "jql": jql, "fields": ["-description", "-summary"] }),
        )
        .await;
    let issue = &two.body["issues"][0];
    assert!(has(issue, "status") && !has(issue, "summary") && !has(issue, "description"));

    // No `fields` at all is still the enhanced search's bare ids.
    let bare = alice
        .post("/rest/api/3/search/jql", &json!({ "jql": jql }))
        .await;
    assert!(
        bare.body["issues"][0].get("fields").is_none(),
        "{}",
        bare.text
    );
}

#[tokio::test]
async fn bulk_fetch_takes_exclusions_alone_from_the_navigable_fields() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let bulk = "/rest/api/3/issue/bulkfetch";
    let default = alice
        .post(bulk, &json!({ "issueIdsOrKeys": ["KILN-1"] }))
        .await;
    let mut expected = names(&default.body["issues"][0]);
    assert!(expected.contains(&"description".to_owned()), "{expected:?}");
    expected.retain(|name| name != "description");

    let got = alice
        .post(
            bulk,
            &json!({ "issueIdsOrKeys": ["KILN-1"], "fields": ["-description"] }),
        )
        .await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.text);
    assert_eq!(names(&got.body["issues"][0]), expected);
    assert!(!has(&got.body["issues"][0], "comment"), "not navigable");
}

#[tokio::test]
async fn agile_issues_take_exclusions_alone_from_every_field() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let issue = "/rest/agile/1.0/issue/KILN-2";
    let got = alice
        .get_with(issue, &[("fields", "-comment,-flagged")])
        .await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.text);
    assert!(has(&got.body, "summary") && has(&got.body, "worklog"));
    assert!(has(&got.body, "sprint") && has(&got.body, "statusCategory"));
    assert!(!has(&got.body, "comment") && !has(&got.body, "flagged"));
}
