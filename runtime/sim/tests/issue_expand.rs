//! An issue's per-issue expansions: `transitions` and `editmeta` answer what
//! `getTransitions` and `getEditIssueMeta` answer the same caller, on `getIssue`, bulk
//! fetch and the enhanced search (which also gives each issue its `changelog`).

use crate::common;
use crate::contract::Contract;

use common::{ADMIN, OUTSIDER, caller, start};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn transitions_are_listed_for_whoever_may_perform_them() {
    let sim = start().await;
    let contract = Contract::new();
    let alice = caller(&sim, ADMIN);
    // Carol may browse KILN but not edit (nor transition) its issues.
    let carol = caller(&sim, OUTSIDER);

    let listed = alice.get("/rest/api/3/issue/KILN-1/transitions").await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    contract.check_ref("GET /transitions", "Transitions", &listed.body);
    let all = listed.body["transitions"].as_array().expect("transitions");
    assert_eq!(all.len(), 3, "{}", listed.text);

    // `transitionId` narrows the list; one that names nothing lists none (the spec's
    // "any empty transitions list").
    let second = all[1]["id"].as_str().expect("id");
    let one = alice
        .get_with(
            "/rest/api/3/issue/KILN-1/transitions",
            &[("transitionId", second)],
        )
        .await;
    assert_eq!(one.body["transitions"], json!([all[1]]));
    let none = alice
        .get_with(
            "/rest/api/3/issue/KILN-1/transitions",
            &[("transitionId", "999")],
        )
        .await;
    assert_eq!(none.status, StatusCode::OK);
    assert_eq!(none.body["transitions"], json!([]));

    // Without *Transition issues*, none (and performing one is refused, as before).
    let hers = carol.get("/rest/api/3/issue/KILN-1/transitions").await;
    assert_eq!(hers.status, StatusCode::OK, "{}", hers.text);
    assert_eq!(hers.body["transitions"], json!([]));
    let refused = carol
        .post(
            "/rest/api/3/issue/KILN-1/transitions",
            &json!({ "transition": { "id": second } }),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);

    // `expand=transitions` on the issue: the same list, for each caller.
    for (who, expected) in [(&alice, &listed.body), (&carol, &hers.body)] {
        let issue = who
            .get_with("/rest/api/3/issue/KILN-1", &[("expand", "transitions")])
            .await;
        assert_eq!(issue.status, StatusCode::OK, "{}", issue.text);
        contract.check_ref("GET /issue", "IssueBean", &issue.body);
        assert_eq!(issue.body["transitions"], expected["transitions"]);
    }
    // Not asked for, not there.
    let plain = alice.get("/rest/api/3/issue/KILN-1").await;
    assert!(plain.body.get("transitions").is_none());
    assert!(plain.body.get("editmeta").is_none());
}

#[tokio::test]
async fn editmeta_on_the_issue_is_the_edit_metadata() {
    let sim = start().await;
    let contract = Contract::new();
    for email in [ADMIN, OUTSIDER] {
        let who = caller(&sim, email);
        let meta = who.get("/rest/api/3/issue/KILN-2/editmeta").await;
        assert_eq!(meta.status, StatusCode::OK, "{}", meta.text);
        let issue = who
            .get_with("/rest/api/3/issue/KILN-2", &[("expand", "editmeta,names")])
            .await;
        contract.check_ref("GET /issue", "IssueBean", &issue.body);
        assert_eq!(issue.body["editmeta"], meta.body, "{email}");
        assert!(issue.body["names"].is_object());
        let fields = meta.body["fields"].as_object().expect("fields");
        // Alice may edit: summary among the fields; Carol may not: none.
        assert_eq!(fields.contains_key("summary"), email == ADMIN, "{email}");
        assert_eq!(fields.is_empty(), email == OUTSIDER, "{email}");
    }
}

#[tokio::test]
async fn search_and_bulk_fetch_expand_each_issue() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let edited = alice
        .put(
            "/rest/api/3/issue/KILN-1",
            &json!({ "fields": { "summary": "Expanded" } }),
        )
        .await;
    assert_eq!(edited.status, StatusCode::NO_CONTENT, "{}", edited.text);
    let transitions = alice.get("/rest/api/3/issue/KILN-1/transitions").await;
    let changelog = alice
        .get_with("/rest/api/3/issue/KILN-1", &[("expand", "changelog")])
        .await;
    assert_eq!(
        changelog.body["changelog"]["total"], 1,
        "{}",
        changelog.text
    );

    let searched = alice
        .post(
            "/rest/api/3/search/jql",
            &json!({
                "jql": "key = KILN-1", "fields": ["summary"],
                "expand": "changelog,transitions,names",
            }),
        )
        .await;
    assert_eq!(searched.status, StatusCode::OK, "{}", searched.text);
    let issue = &searched.body["issues"][0];
    assert_eq!(issue["transitions"], transitions.body["transitions"]);
    assert_eq!(issue["changelog"], changelog.body["changelog"]);
    assert!(issue.get("editmeta").is_none());
    // Names stay on the page, not on each issue.
    assert_eq!(searched.body["names"]["summary"], "Summary");
    assert!(issue.get("names").is_none());

    let bulk = alice
        .post(
            "/rest/api/3/issue/bulkfetch",
            &json!({
                "issueIdsOrKeys": ["KILN-1"], "fields": ["summary"],
                "expand": ["transitions"],
            }),
        )
        .await;
    assert_eq!(bulk.status, StatusCode::OK, "{}", bulk.text);
    assert_eq!(
        bulk.body["issues"][0]["transitions"],
        transitions.body["transitions"]
    );
    assert_eq!(bulk.body["issues"][0].get("changelog"), None::<&Value>);
}

#[tokio::test]
async fn rendered_fields_and_bodies_are_escaped_html_for_the_reader() {
    let sim = start().await;
    let contract = Contract::new();
    let alice = caller(&sim, ADMIN);
    let doc = json!({ "type": "doc", "version": 1, "content": [
        { "type": "paragraph", "content": [
            { "type": "text", "text": "Fix " },
            { "type": "text", "text": "<now>", "marks": [{ "type": "strong" }] },
            { "type": "text", "text": " see", "marks": [{ "type": "link", "attrs": { "href": "javascript:alert(1)" } }] }
        ] }
    ] });
    let edited = alice
        .put(
            "/rest/api/3/issue/KILN-1",
            &json!({ "fields": { "description": doc } }),
        )
        .await;
    assert_eq!(edited.status, StatusCode::NO_CONTENT, "{}", edited.text);
    let added = alice
        .post(
            "/rest/api/3/issue/KILN-1/comment?expand=renderedBody",
            &json!({ "body": doc }),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
    contract.check_ref("POST /comment", "Comment", &added.body);
    let html = "<p>Fix <b>&lt;now&gt;</b> see</p>";
    assert_eq!(added.body["renderedBody"], html, "{}", added.text);
    assert_eq!(added.body["body"], doc, "the stored body is still there");

    let issue = alice
        .get_with("/rest/api/3/issue/KILN-1", &[("expand", "renderedFields")])
        .await;
    assert_eq!(issue.status, StatusCode::OK, "{}", issue.text);
    contract.check_ref("GET /issue", "IssueBean", &issue.body);
    let rendered = &issue.body["renderedFields"];
    assert_eq!(rendered["description"], html, "{}", issue.text);
    assert_eq!(rendered["summary"], Value::Null);
    assert_eq!(rendered["status"], Value::Null);
    // Every field of `fields` is named, rendered or null.
    let names = |v: &Value| {
        let mut keys: Vec<String> = v.as_object().expect("object").keys().cloned().collect();
        keys.sort();
        keys
    };
    assert_eq!(names(rendered), names(&issue.body["fields"]));
    // Dates in the complete format (`04/Dec/26 2:15 AM`).
    let created = rendered["created"].as_str().expect("created");
    assert!(complete_date_format(created), "{created}");
    let comments = rendered["comment"]["comments"]
        .as_array()
        .expect("comments");
    let last = comments.last().expect("the new comment");
    assert_eq!(last["body"], html);
    assert!(complete_date_format(
        last["created"].as_str().expect("created")
    ));

    // The same HTML whichever way the issue is read.
    let v2 = alice
        .get_with("/rest/api/2/issue/KILN-1", &[("expand", "renderedFields")])
        .await;
    assert_eq!(
        v2.body["renderedFields"]["description"], html,
        "{}",
        v2.text
    );
    let searched = alice
        .post(
            "/rest/api/3/search/jql",
            &json!({ "jql": "key = KILN-1", "fields": ["description"], "expand": "renderedFields" }),
        )
        .await;
    assert_eq!(
        searched.body["issues"][0]["renderedFields"],
        json!({ "description": html }),
        "{}",
        searched.text
    );
    let listed = alice
        .get_with(
            "/rest/api/3/issue/KILN-1/comment",
            &[("expand", "renderedBody")],
        )
        .await;
    let listed_last = listed.body["comments"]
        .as_array()
        .and_then(|c| c.last())
        .expect("comments");
    assert_eq!(listed_last["renderedBody"], html, "{}", listed.text);
    // Not asked for, not there.
    let plain = alice.get("/rest/api/3/issue/KILN-1").await;
    assert!(plain.body.get("renderedFields").is_none());
}

/// Whether `text` reads as Jira's complete date format, `dd/MMM/yy h:mm AM`.
fn complete_date_format(text: &str) -> bool {
    let parts: Vec<&str> = text.split(' ').collect();
    let [day, time, meridiem] = parts.as_slice() else {
        return false;
    };
    let day: Vec<&str> = day.split('/').collect();
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    day.len() == 3
        && day[0].len() == 2
        && months.contains(&day[1])
        && day[2].len() == 2
        && time.split(':').count() == 2
        && matches!(*meridiem, "AM" | "PM")
}

#[tokio::test]
async fn versioned_representations_replace_fields_with_every_field_by_version() {
    let sim = start().await;
    let contract = Contract::new();
    let alice = caller(&sim, ADMIN);
    let plain = alice.get("/rest/api/3/issue/KILN-1").await;
    let fields = plain.body["fields"].as_object().expect("fields");
    // `fields=summary` is ignored, as the spec says.
    let versioned = alice
        .get_with(
            "/rest/api/3/issue/KILN-1",
            &[
                ("fields", "summary"),
                ("expand", "versionedRepresentations,names"),
            ],
        )
        .await;
    assert_eq!(versioned.status, StatusCode::OK, "{}", versioned.text);
    contract.check_ref("GET /issue", "IssueBean", &versioned.body);
    assert!(versioned.body.get("fields").is_none(), "{}", versioned.text);
    let versions = versioned.body["versionedRepresentations"]
        .as_object()
        .expect("versions");
    assert_eq!(
        versions.keys().collect::<Vec<_>>(),
        fields.keys().collect::<Vec<_>>()
    );
    for (id, value) in fields {
        if id == "customfield_10020" {
            assert_eq!(&versions[id]["2"], value, "{id}");
            continue;
        }
        assert_eq!(versions[id], json!({ "1": value }), "{id}");
    }
    assert_eq!(versioned.body["names"]["summary"], "Summary");

    // v2 writes its documents as wiki markup there too.
    let v2 = alice
        .get_with(
            "/rest/api/2/issue/KILN-1",
            &[("expand", "versionedRepresentations")],
        )
        .await;
    assert!(
        v2.body["versionedRepresentations"]["description"]["1"].is_string(),
        "{}",
        v2.text
    );
    // And in the search, on each issue.
    let searched = alice
        .post(
            "/rest/api/3/search/jql",
            &json!({ "jql": "key = KILN-1", "expand": "versionedRepresentations" }),
        )
        .await;
    let issue = &searched.body["issues"][0];
    assert!(issue.get("fields").is_none(), "{}", searched.text);
    assert_eq!(
        issue["versionedRepresentations"]["summary"]["1"],
        fields["summary"]
    );
}
