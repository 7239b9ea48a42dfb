//! `POST /jql/match` (which issues each JQL query would return) and
//! `POST /jql/sanitize` (queries rewritten so they reveal nothing a user may not
//! see), over real HTTP: per-query answers and errors, permissions, the limits,
//! and hostile bodies.

use crate::common;
use crate::worklog_feeds::check;

use common::{ADMIN, OUTSIDER, USER, account_id, caller, start};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn issue_id(who: &common::Caller<'_>, key: &str) -> u64 {
    who.get(&format!("/rest/api/3/issue/{key}?fields=summary"))
        .await
        .str_at("/id")
        .parse()
        .expect("numeric id")
}

#[tokio::test]
async fn each_query_answers_the_issues_it_matches_or_its_errors() {
    let sim = start().await;
    let (alice, carol) = (caller(&sim, ADMIN), caller(&sim, OUTSIDER));
    let kiln1 = issue_id(&alice, "KILN-1").await;
    let kiln2 = issue_id(&alice, "KILN-2").await;
    let sec1 = issue_id(&alice, "SEC-1").await;
    let kiln1_status = alice
        .get("/rest/api/3/issue/KILN-1?fields=status")
        .await
        .str_at("/fields/status/name");
    let body = json!({
        "issueIds": [sec1, kiln2, kiln1, 999_999, kiln1.to_string()],
        "jqls": [
            "project = KILN",
            format!("status = \"{kiln1_status}\" AND key = KILN-1"),
            "",
            "project = SEC",
            "bogus = 1",
            "project = KILN ORDER BY created DESC",
            "status = ",
        ],
    });
    let matched = carol.post("/rest/api/3/jql/match", &body).await;
    assert_eq!(matched.status, StatusCode::OK, "{}", matched.text);
    check("IssueMatches", &matched.body);
    let matches = matched.body["matches"].as_array().expect("matches");
    assert_eq!(matches.len(), 7);
    let mut kiln = vec![kiln1, kiln2];
    kiln.sort_unstable();
    assert_eq!(matches[0], json!({ "matchedIssues": kiln, "errors": [] }));
    assert_eq!(
        matches[1],
        json!({ "matchedIssues": [kiln1], "errors": [] })
    );
    // Empty: every issue named that Carol may browse, never SEC-1.
    assert_eq!(matches[2]["matchedIssues"], json!(kiln));
    // SEC is unknown to Carol, as a search tells her.
    assert_eq!(matches[3]["matchedIssues"], json!([]));
    assert_eq!(
        matches[3]["errors"],
        json!(["The value 'SEC' does not exist for the field 'project'."])
    );
    assert_eq!(
        matches[4]["errors"],
        json!(["Field 'bogus' does not exist or you do not have permission to view it."])
    );
    assert_eq!(matches[5]["matchedIssues"], json!(kiln));
    let syntax = matches[6]["errors"][0].as_str().expect("an error");
    assert!(syntax.starts_with("Error in the JQL Query:"), "{syntax}");

    // Alice may browse SEC.
    let alice_matches = alice
        .post(
            "/rest/api/3/jql/match",
            &json!({ "issueIds": [sec1], "jqls": ["project = SEC"] }),
        )
        .await;
    assert_eq!(
        alice_matches.body["matches"][0]["matchedIssues"],
        json!([sec1])
    );
    // v2 and the gateway answer the same.
    let v2 = carol.post("/rest/api/2/jql/match", &body).await;
    assert_eq!(v2.body, matched.body);
    let token = common::oauth::access_token(&sim, "read:jira-work").await;
    let gateway = common::send(
        common::client()
            .post(format!(
                "{}/ex/jira/{}/rest/api/3/jql/match",
                sim.base_url(),
                sim.cloud_id()
            ))
            .bearer_auth(token)
            .json(&json!({ "issueIds": [sec1], "jqls": ["project = SEC"] })),
    )
    .await;
    assert_eq!(gateway.body, alice_matches.body);
    // No queries: no matches.
    let none = carol
        .post(
            "/rest/api/3/jql/match",
            &json!({ "issueIds": [kiln1], "jqls": [] }),
        )
        .await;
    assert_eq!(none.body, json!({ "matches": [] }));
    sim.shutdown().await;
}

#[tokio::test]
async fn match_limits_and_hostile_bodies_are_refused() {
    let sim = start().await;
    let bob = caller(&sim, USER);
    let path = "/rest/api/3/jql/match";
    let thousand: Vec<u64> = (1..=1000).collect();
    assert_eq!(
        bob.post(
            path,
            &json!({ "issueIds": thousand, "jqls": ["project = KILN"] })
        )
        .await
        .status,
        StatusCode::OK
    );
    let over: Vec<u64> = (1..=1001).collect();
    let huge: Vec<u64> = (1..=100_000).collect();
    let queries: Vec<&str> = vec!["project = KILN"; 101];
    let flood: Vec<&str> = vec![""; 300_000];
    for (body, message) in [
        (
            json!({ "issueIds": over, "jqls": [] }),
            "The number of issue IDs must not exceed 1000.",
        ),
        (
            json!({ "issueIds": huge, "jqls": [] }),
            "The number of issue IDs must not exceed 1000.",
        ),
        (
            json!({ "issueIds": [1], "jqls": queries }),
            "The number of JQL queries must not exceed 100.",
        ),
        (
            json!({ "issueIds": [1], "jqls": flood }),
            "The number of JQL queries must not exceed 100.",
        ),
        (
            json!({ "jqls": ["project = KILN"] }),
            "Provide both 'issueIds' and 'jqls'.",
        ),
        (
            json!({ "issueIds": [1] }),
            "Provide both 'issueIds' and 'jqls'.",
        ),
    ] {
        let refused = bob.post(path, &body).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        assert_eq!(refused.body["errorMessages"], json!([message]));
        check("ErrorCollection", &refused.body);
    }
    for body in [
        json!({ "issueIds": [1.5], "jqls": [] }),
        json!({ "issueIds": ["KILN-1"], "jqls": [] }),
        json!({ "issueIds": [1], "jqls": [null] }),
        json!({ "issueIds": [1], "jqls": "project = KILN" }),
        json!([]),
    ] {
        let refused = bob.post(path, &body).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{body}");
    }
    // A query too long is that query's error, not the request's.
    let long = format!("summary ~ \"{}\"", "a".repeat(20_000));
    let answered = bob
        .post(
            path,
            &json!({ "issueIds": [1], "jqls": [long, "project = KILN"] }),
        )
        .await;
    assert_eq!(answered.status, StatusCode::OK);
    assert_eq!(
        answered.body["matches"][0]["errors"],
        json!(["The JQL query is too long."])
    );
    assert_eq!(answered.body["matches"][1]["errors"], json!([]));
    // History operators are searched: an issue that never had the version
    // does not match.
    let history = bob
        .post(
            path,
            &json!({ "issueIds": [1], "jqls": ["fixVersion WAS \"1.0\""] }),
        )
        .await;
    assert_eq!(history.status, StatusCode::OK, "{}", history.text);
    assert_eq!(
        history.body["matches"][0],
        json!({ "matchedIssues": [], "errors": [] })
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn sanitizing_replaces_what_the_user_may_not_see_with_its_id() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let (bob_id, carol_id) = (account_id(&sim, USER), account_id(&sim, OUTSIDER));
    let sec1 = issue_id(&alice, "SEC-1").await;
    let body = json!({ "queries": [
        { "query": "project = 'Security'" },
        { "query": "project = 'Security'", "accountId": bob_id },
        { "query": "project = 'Security'", "accountId": carol_id },
        { "query": "project in (KILN, Security) and issue = sec-1 order by key", "accountId": carol_id },
        { "query": "assignee = currentUser() AND reporter = 5b10ac8d82e05b22cc7d4a11", "accountId": carol_id },
        { "query": "invalid query", "accountId": bob_id },
        { "query": "project = KILN", "accountId": "no-such-account" },
        { "query": "project = KILN", "accountId": null },
    ] });
    let sanitized = alice.post("/rest/api/3/jql/sanitize", &body).await;
    assert_eq!(sanitized.status, StatusCode::OK, "{}", sanitized.text);
    check("SanitizedJqlQueries", &sanitized.body);
    let queries = sanitized.body["queries"].as_array().expect("queries");
    assert_eq!(
        queries[0],
        json!({ "initialQuery": "project = 'Security'", "sanitizedQuery": "project = 10001" })
    );
    assert_eq!(
        queries[1],
        json!({ "initialQuery": "project = 'Security'", "sanitizedQuery": "project = 'Security'", "accountId": bob_id })
    );
    assert_eq!(queries[2]["sanitizedQuery"], "project = 10001");
    assert_eq!(
        queries[3]["sanitizedQuery"],
        format!("project in (KILN, 10001) AND issue = {sec1} ORDER BY key")
    );
    // User identifiers are never replaced, as the spec says.
    assert_eq!(queries[4]["sanitizedQuery"], queries[4]["initialQuery"]);
    let syntax = &queries[5]["errors"]["errorMessages"][0];
    assert!(
        syntax
            .as_str()
            .is_some_and(|m| m.starts_with("Error in the JQL Query:")),
        "{syntax}"
    );
    assert!(queries[5].get("sanitizedQuery").is_none());
    assert_eq!(
        queries[6]["errors"],
        json!({ "errorMessages": ["No user with account ID 'no-such-account' exists."], "errors": {} })
    );
    // `null` is an anonymous user, who may browse nothing.
    assert_eq!(queries[7]["sanitizedQuery"], "project = 10000");
    assert!(queries[7].get("accountId").is_none());

    // Through the gateway with the spec's scope.
    let token = common::oauth::access_token(&sim, "manage:jira-configuration").await;
    let gateway = common::send(
        common::client()
            .post(format!(
                "{}/ex/jira/{}/rest/api/2/jql/sanitize",
                sim.base_url(),
                sim.cloud_id()
            ))
            .bearer_auth(token)
            .json(&body),
    )
    .await;
    assert_eq!(gateway.body, sanitized.body);
    sim.shutdown().await;
}

#[tokio::test]
async fn sanitize_is_for_administrators_and_checks_its_body() {
    let sim = start().await;
    let (alice, bob) = (caller(&sim, ADMIN), caller(&sim, USER));
    let path = "/rest/api/3/jql/sanitize";
    let one = json!({ "queries": [{ "query": "project = KILN" }] });
    let refused = bob.post(path, &one).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(
        refused.body,
        json!({ "errorMessages": ["You are not authorized to perform this action. Administrator privileges are required."], "errors": {} })
    );
    let twenty: Vec<Value> = (0..20)
        .map(|n| json!({ "query": format!("key = KILN-{n}") }))
        .collect();
    assert_eq!(
        alice.post(path, &json!({ "queries": twenty })).await.status,
        StatusCode::OK
    );
    let many: Vec<Value> = (0..21)
        .map(|n| json!({ "query": format!("key = KILN-{n}") }))
        .collect();
    for (body, message) in [
        (json!({}), "The queries has to be provided."),
        (json!({ "queries": [] }), "The queries has to be provided."),
        (
            json!({ "queries": many }),
            "At most 20 queries can be sanitized in one request.",
        ),
        (
            json!({ "queries": [{ "query": "a = b" }, { "query": "a = b", "accountId": null }] }),
            "The queries to sanitize must be unique.",
        ),
        (
            json!({ "queries": [{ "query": "a = b", "accountId": "x".repeat(129) }] }),
            "An account ID must not be longer than 128 characters.",
        ),
    ] {
        let refused = alice.post(path, &body).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(refused.body["errorMessages"], json!([message]));
    }
    for body in [
        json!({ "queries": [{ "accountId": "x" }] }),
        json!({ "queries": [{ "query": 5 }] }),
        json!({ "queries": "project = KILN" }),
        json!(["project = KILN"]),
    ] {
        assert_eq!(
            alice.post(path, &body).await.status,
            StatusCode::BAD_REQUEST,
            "{body}"
        );
    }
    let broken = common::send(
        alice
            .request(Method::POST, path)
            .header("content-type", "application/json")
            .body("{\"queries\": ["),
    )
    .await;
    assert_eq!(broken.status, StatusCode::BAD_REQUEST);
    // Sanitising reads a query without searching it: a history clause the
    // simulator does not search is answered as written.
    let history = alice
        .post(
            path,
            &json!({ "queries": [{ "query": "fixVersion WAS \"1.0\"" }] }),
        )
        .await;
    assert_eq!(history.status, StatusCode::OK, "{}", history.text);
    assert_eq!(
        history.body["queries"][0]["sanitizedQuery"],
        "fixVersion WAS \"1.0\""
    );
    sim.shutdown().await;
}
