//! `POST /expression/evaluate` (`evaluateJSISJiraExpression`): Jira expressions
//! over the `issue`, `issues`, `user` and `project` context variables, the
//! caller's permissions, Jira's limits and errors, on the site, under REST API v2
//! and through the gateway; and the removed `POST /expression/eval`.

use crate::common;
use crate::contract::Contract;

use common::{ADMIN, OUTSIDER, USER, account_id, caller, client, send, start};
use reqwest::StatusCode;
use serde_json::{Value, json};

const EVALUATE: &str = "/rest/api/3/expression/evaluate";
const EVALUATE_V2: &str = "/rest/api/2/expression/evaluate";

async fn evaluate(sim: &kiln_sim::Simulator, who: &str, path: &str, body: &Value) -> common::Reply {
    caller(sim, who).post(path, body).await
}

#[tokio::test]
async fn an_issue_in_context_evaluates_in_both_versions_with_its_complexity() {
    let sim = start().await;
    let contract = Contract::new();
    let body = json!({
        "expression": "{ key: issue.key, type: issue.issueType.name, status: issue.status.name, \
                       commenters: issue.comments.map(c => c.author.displayName), \
                       labels: issue.labels.join(', '), me: user.displayName }",
        "context": { "issue": { "key": "KILN-1" } }
    });
    for path in [EVALUATE, EVALUATE_V2] {
        let reply = evaluate(
            &sim,
            ADMIN,
            &format!("{path}?expand=meta.complexity"),
            &body,
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text);
        contract.check_expression_result(path, &reply.body);
        assert_eq!(
            reply.body["value"],
            json!({
                "key": "KILN-1",
                "type": "Story",
                "status": "Done",
                "commenters": ["Bob User", "Alice Admin"],
                "labels": "security, sandbox",
                "me": "Alice Admin"
            })
        );
        let complexity = &reply.body["meta"]["complexity"];
        assert_eq!(
            complexity["expensiveOperations"],
            json!({ "value": 1, "limit": 10 }),
            "the comments were loaded once"
        );
        assert_eq!(complexity["steps"]["limit"], 10_000);
        assert!(
            complexity["steps"]["value"]
                .as_u64()
                .is_some_and(|n| n > 10)
        );
        assert_eq!(complexity["beans"], json!({ "value": 0, "limit": 1000 }));
        assert_eq!(
            complexity["primitiveValues"],
            json!({ "value": 7, "limit": 10000 })
        );
    }
    // Without the expansion, no meta at all; by id, the same issue.
    let id = caller(&sim, ADMIN)
        .get("/rest/api/3/issue/KILN-1")
        .await
        .str_at("/id");
    let by_id = evaluate(
        &sim,
        ADMIN,
        EVALUATE,
        &json!({ "expression": "issue.key", "context": { "issue": { "id": id.parse::<i64>().expect("numeric id") } } }),
    )
    .await;
    assert_eq!(by_id.body, json!({ "value": "KILN-1" }), "{}", by_id.text);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_jira_object_in_the_value_is_rendered_as_the_rest_api_renders_it() {
    let sim = start().await;
    let contract = Contract::new();
    for (path, body_type) in [(EVALUATE, "object"), (EVALUATE_V2, "string")] {
        let reply = evaluate(
            &sim,
            ADMIN,
            &format!("{path}?expand=meta.complexity"),
            &json!({
                "expression": "[issue.reporter, issue.comments[0]]",
                "context": { "issue": { "key": "KILN-1" } }
            }),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        contract.check_expression_result(path, &reply.body);
        let rest = caller(&sim, ADMIN)
            .get(&format!("{}/issue/KILN-1/comment", &path[..11]))
            .await;
        assert_eq!(reply.body["value"][1], rest.body["comments"][0], "{path}");
        assert_eq!(reply.body["value"][0]["displayName"], "Alice Admin");
        // v2 writes rich text as wiki markup, v3 as a document.
        let comment_body = &reply.body["value"][1]["body"];
        assert_eq!(
            if comment_body.is_object() {
                "object"
            } else {
                "string"
            },
            body_type
        );
        assert_eq!(reply.body["meta"]["complexity"]["beans"]["value"], 2);
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn issues_from_jql_page_in_the_callers_permissions() {
    let sim = start().await;
    let contract = Contract::new();
    let first = evaluate(
        &sim,
        ADMIN,
        EVALUATE,
        &json!({
            "expression": "issues.map(i => i.key)",
            "context": { "issues": { "jql": { "query": "project in (KILN, SEC) ORDER BY key ASC", "maxResults": 7 } } }
        }),
    )
    .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    contract.check_expression_result("first page", &first.body);
    let keys = first.body["value"].as_array().expect("a list");
    assert_eq!(keys.len(), 7);
    assert_eq!(first.body["meta"]["issues"]["jql"]["isLast"], false);
    let token = first.str_at("/meta/issues/jql/nextPageToken");
    let rest = evaluate(
        &sim,
        ADMIN,
        EVALUATE,
        &json!({
            "expression": "issues.map(i => i.key)",
            "context": { "issues": { "jql": { "query": "project in (KILN, SEC) ORDER BY key ASC", "maxResults": 7, "nextPageToken": token } } }
        }),
    )
    .await;
    assert_eq!(rest.status, StatusCode::OK, "{}", rest.text);
    contract.check_expression_result("last page", &rest.body);
    assert_eq!(
        rest.body["meta"]["issues"]["jql"],
        json!({ "isLast": true })
    );
    let rest_keys = rest.body["value"].as_array().expect("a list");
    assert!(!rest_keys.is_empty());
    assert!(
        rest_keys.iter().all(|k| !keys.contains(k)),
        "pages do not overlap"
    );

    // Carol cannot browse SEC: its issues are not among hers, as in the search.
    let labelled = json!({
        "expression": "issues.map(i => i.key)",
        "context": { "issues": { "jql": { "query": "labels = security ORDER BY key ASC" } } }
    });
    let admin = evaluate(&sim, ADMIN, EVALUATE, &labelled).await;
    assert_eq!(
        admin.body["value"],
        json!(["KILN-1", "SEC-2"]),
        "{}",
        admin.text
    );
    let outsider = evaluate(&sim, OUTSIDER, EVALUATE, &labelled).await;
    assert_eq!(
        outsider.body["value"],
        json!(["KILN-1"]),
        "{}",
        outsider.text
    );
    assert_eq!(
        outsider.body["meta"]["issues"]["jql"],
        json!({ "isLast": true })
    );

    // Unbounded or empty JQL, and a token of another query, are Jira's 400.
    for jql in [
        json!({ "query": "" }),
        json!({ "query": "ORDER BY key" }),
        json!({ "query": "project = KILN", "nextPageToken": token }),
        json!({ "query": "project = " }),
    ] {
        let reply = evaluate(
            &sim,
            ADMIN,
            EVALUATE,
            &json!({ "expression": "issues.length", "context": { "issues": { "jql": jql } } }),
        )
        .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{jql}: {}",
            reply.text
        );
        assert!(reply.body["errorMessages"][0].is_string(), "{}", reply.text);
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn user_and_project_contexts() {
    let sim = start().await;
    let reply = evaluate(
        &sim,
        USER,
        EVALUATE,
        &json!({
            "expression": "[user.accountId, user.displayName, project.key, project.name, typeof project.id]",
            "context": { "project": { "key": "KILN" } }
        }),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(
        reply.body["value"],
        json!([account_id(&sim, USER), "Bob User", "KILN", "Kiln", "Number"])
    );
    // A context variable the request did not provide is null.
    let absent = evaluate(
        &sim,
        USER,
        EVALUATE,
        &json!({ "expression": "issue == null && project == null" }),
    )
    .await;
    assert_eq!(absent.body, json!({ "value": true }), "{}", absent.text);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_hidden_issue_or_project_is_indistinguishable_from_a_missing_one() {
    let sim = start().await;
    let hidden = evaluate(
        &sim,
        OUTSIDER,
        EVALUATE,
        &json!({ "expression": "issue.summary", "context": { "issue": { "key": "SEC-1" } } }),
    )
    .await;
    let missing = evaluate(
        &sim,
        OUTSIDER,
        EVALUATE,
        &json!({ "expression": "issue.summary", "context": { "issue": { "key": "KILN-999" } } }),
    )
    .await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND, "{}", hidden.text);
    assert_eq!(hidden.body, missing.body);
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(
        hidden.body["errorMessages"],
        json!(["Issue does not exist or you do not have permission to see it."])
    );
    let project = evaluate(
        &sim,
        OUTSIDER,
        EVALUATE,
        &json!({ "expression": "project.key", "context": { "project": { "key": "SEC" } } }),
    )
    .await;
    assert_eq!(project.status, StatusCode::NOT_FOUND, "{}", project.text);
    let admin = evaluate(
        &sim,
        ADMIN,
        EVALUATE,
        &json!({ "expression": "issue.summary", "context": { "issue": { "key": "SEC-1" } } }),
    )
    .await;
    assert_eq!(admin.body["value"], "Rotate the leaked staging credential");
    sim.shutdown().await;
}

#[tokio::test]
async fn bad_syntax_unknown_members_and_limits_are_jiras_400() {
    let sim = start().await;
    let on_issue = |expression: &str| json!({ "expression": expression, "context": { "issue": { "key": "KILN-1" } } });
    let cases = [
        (
            "issue.key +",
            "Jira expression is invalid: line 1, column 12: !, -, typeof, (, IDENTIFIER, \
             null, true, false, NUMBER, STRING, TEMPLATE_LITERAL, new, [ or { expected, end of expression encountered.",
        ),
        (
            "issue['a' + 'b']",
            "Evaluation failed: \"issue['a' + 'b']\" - Unrecognized property of `issue`: \
             \"ab\" ('a' + 'b'). Available properties of type 'Issue' are: 'assignee', \
             'comments', 'created', 'creator', 'description', 'dueDate', 'environment', 'id', 'issueType', \
             'key', 'labels', 'links', 'originalEstimate', 'parent', 'priority', 'project', 'properties', \
             'remainingEstimate', 'reporter', 'resolution', 'resolutionDate', 'status', \
             'subtasks', 'summary', 'timeSpent', 'updated', 'voters', 'votes', 'watchers', 'watches'",
        ),
        (
            "issue.assignee.accountId.nope.x",
            "Evaluation failed: \"issue.assignee.accountId.nope\" - Unrecognized property of \
             `issue.assignee.accountId`: \"nope\". Type 'String' has no properties the \
             simulator models but `length` of a List or String.",
        ),
    ];
    for (expression, message) in cases {
        let reply = evaluate(&sim, ADMIN, EVALUATE_V2, &on_issue(expression)).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{expression}: {}",
            reply.text
        );
        assert_eq!(
            reply.body,
            json!({ "errorMessages": [message], "errors": {} }),
            "{expression}"
        );
        assert!(!reply.is_not_modelled());
    }
    // Jira's limits: too long, too many steps.
    let at_limit = format!("'{}'", "é".repeat(998));
    let long = evaluate(&sim, ADMIN, EVALUATE, &on_issue(&at_limit)).await;
    assert_eq!(long.status, StatusCode::OK, "1000 characters are allowed");
    let too_long = evaluate(&sim, ADMIN, EVALUATE, &on_issue(&"1+".repeat(501))).await;
    assert_eq!(
        too_long.body["errorMessages"],
        json!(["Jira expression is too long (1002), limit: 1000 characters"])
    );
    let sixty = (0..60).map(|n| n.to_string()).collect::<Vec<_>>().join(",");
    let steps = evaluate(
        &sim,
        ADMIN,
        EVALUATE,
        &on_issue(&format!("[{sixty}].map(a => [{sixty}].map(b => a * b))")),
    )
    .await;
    assert_eq!(steps.status, StatusCode::BAD_REQUEST, "{}", steps.text);
    assert!(
        steps.body["errorMessages"][0]
            .as_str()
            .is_some_and(|m| m.ends_with("The expression exceeded the limit of 10000 steps.")),
        "{}",
        steps.text
    );
    // Hostile nesting is a syntax error, not a crashed simulator.
    let deep = evaluate(
        &sim,
        ADMIN,
        EVALUATE,
        &on_issue(&format!("{}1{}", "[".repeat(300), "]".repeat(300))),
    )
    .await;
    assert_eq!(deep.status, StatusCode::BAD_REQUEST, "{}", deep.text);
    // Nesting just within the bound parses and evaluates on the server's threads.
    let near = format!("{}issue.key{}", "(".repeat(60), ")".repeat(60));
    let near = evaluate(&sim, ADMIN, EVALUATE, &on_issue(&near)).await;
    assert_eq!(near.body, json!({ "value": "KILN-1" }), "{}", near.text);
    // Recursion without end, directly and through the methods whose frames are
    // largest: stopped by the depth bound on the server's own threads.
    for recursive in [
        "(f => f(f))(f => f(f))",
        "(f => [1].map(x => f(f)))(f => [1].map(x => f(f)))",
        "(f => [2, 1].sort((a, b) => f(f)))(f => [2, 1].sort((a, b) => f(f)))",
        "(f => [1].reduce((a, x) => f(f), 0))(f => [1].reduce((a, x) => f(f), 0))",
        "(f => 'a'.concat([f(f)].join()))(f => 'a'.concat([f(f)].join()))",
    ] {
        let recursion = evaluate(&sim, ADMIN, EVALUATE, &on_issue(recursive)).await;
        assert_eq!(
            recursion.status,
            StatusCode::BAD_REQUEST,
            "{recursive}: {}",
            recursion.text
        );
        assert!(
            recursion.body["errorMessages"][0]
                .as_str()
                .is_some_and(|m| m.contains("recursed deeper than 200 levels")),
            "{}",
            recursion.text
        );
    }
    // Invalid requests.
    for body in [
        json!({}),
        json!({ "expression": 1 }),
        json!({ "expression": "1", "unknown": true }),
        json!({ "expression": "1", "context": { "issue": { "id": 10000, "key": "KILN-1" } } }),
        json!({ "expression": "1", "context": { "issue": {} } }),
    ] {
        let reply = evaluate(&sim, ADMIN, EVALUATE, &body).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            reply.text
        );
        assert!(reply.body["errorMessages"][0].is_string(), "{}", reply.text);
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn what_jira_evaluates_but_the_simulator_does_not_is_a_marked_501() {
    let sim = start().await;
    for body in [
        json!({ "expression": "issue.fixVersions", "context": { "issue": { "key": "KILN-1" } } }),
        json!({ "expression": "user.locale" }),
        json!({ "expression": "new Date().getTimezoneOffset()" }),
        json!({ "expression": "new Date() - new Date()" }),
        json!({ "expression": "new Issue('KILN-1').key" }),
        json!({ "expression": "try { 1 } catch (e) { 2 }" }),
        json!({ "expression": "'ab'.match('a(?=b)')" }),
        json!({ "expression": "serviceDesk.id", "context": { "serviceDesk": 1 } }),
        json!({ "expression": "1", "context": { "custom": [] } }),
    ] {
        let reply = evaluate(&sim, ADMIN, EVALUATE, &body).await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_IMPLEMENTED,
            "{body}: {}",
            reply.text
        );
        assert!(reply.is_not_modelled(), "{body}");
        assert!(
            reply.body["errorMessages"][0]
                .as_str()
                .is_some_and(|m| m.starts_with("Kiln's Jira simulator does not model ")),
            "{}",
            reply.text
        );
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn the_removed_eval_is_gone_and_names_its_replacement() {
    let sim = start().await;
    for (path, instead) in [
        (
            "/rest/api/3/expression/eval",
            "use POST /rest/api/3/expression/evaluate",
        ),
        (
            "/rest/api/2/expression/eval",
            "use POST /rest/api/2/expression/evaluate",
        ),
    ] {
        let gone = evaluate(&sim, ADMIN, path, &json!({ "expression": "1" })).await;
        assert_eq!(gone.status, StatusCode::GONE, "{path}: {}", gone.text);
        let message = gone.body["errorMessages"][0].as_str().unwrap_or_default();
        assert!(
            message.contains("(evaluateJiraExpression)")
                && message.contains("CHANGE-2046")
                && message.ends_with(instead),
            "{message}"
        );
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn the_gateway_asks_for_the_catalogues_scopes() {
    let sim = start().await;
    let url = format!("{}/ex/jira/{}{EVALUATE}", sim.base_url(), sim.cloud_id());
    let body = json!({ "expression": "issue.key", "context": { "issue": { "key": "KILN-1" } } });
    // (scope, evaluate's answer, analyse's answer): the catalogue's classic pair
    // opens both; the granular scope alone opens evaluate, analyse also needs
    // read:field:jira.
    for (scope, expected, analyse_expected) in [
        (
            "read:jira-work read:jira-user",
            StatusCode::OK,
            StatusCode::OK,
        ),
        (
            "read:jira-expressions:jira",
            StatusCode::OK,
            StatusCode::UNAUTHORIZED,
        ),
        (
            "read:jira-expressions:jira read:field:jira",
            StatusCode::OK,
            StatusCode::OK,
        ),
        (
            "read:jira-work",
            StatusCode::UNAUTHORIZED,
            StatusCode::UNAUTHORIZED,
        ),
        (
            "write:jira-work",
            StatusCode::UNAUTHORIZED,
            StatusCode::UNAUTHORIZED,
        ),
    ] {
        let token = common::oauth::access_token(&sim, scope).await;
        let reply = send(client().post(&url).bearer_auth(&token).json(&body)).await;
        assert_eq!(reply.status, expected, "{scope}: {}", reply.text);
        if expected == StatusCode::OK {
            assert_eq!(reply.body["value"], "KILN-1");
        }
        let analysed = send(
            client()
                .post(format!(
                    "{}/ex/jira/{}{ANALYSE}",
                    sim.base_url(),
                    sim.cloud_id()
                ))
                .bearer_auth(&token)
                .json(&json!({ "expressions": ["issue.key"] })),
        )
        .await;
        assert_eq!(
            analysed.status, analyse_expected,
            "analyse, {scope}: {}",
            analysed.text
        );
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn issue_properties_an_app_stored_are_read_back() {
    let sim = start().await;
    let stored = caller(&sim, ADMIN)
        .put(
            "/rest/api/3/issue/KILN-2/properties/review",
            &json!({ "state": "approved", "reviewers": ["a", "b"] }),
        )
        .await;
    assert!(stored.status.is_success(), "{}", stored.text);
    let reply = evaluate(
        &sim,
        USER,
        &format!("{EVALUATE}?expand=meta.complexity"),
        &json!({
            "expression": "{ state: issue.properties['review'].state, \
                           reviewers: issue.properties.get('review').reviewers.length, \
                           keys: issue.properties.keys(), missing: issue.properties.nope }",
            "context": { "issue": { "key": "KILN-2" } }
        }),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(
        reply.body["value"],
        json!({ "state": "approved", "reviewers": 2, "keys": ["review"], "missing": null })
    );
    assert_eq!(
        reply.body["meta"]["complexity"]["expensiveOperations"]["value"],
        1
    );
    sim.shutdown().await;
}

const ANALYSE: &str = "/rest/api/3/expression/analyse";

#[tokio::test]
async fn analyse_checks_syntax_with_the_evaluators_parser() {
    let sim = start().await;
    let contract = Contract::new();
    let expressions = [
        "issues.map(i => { key: i.key, summary: i.summary })",
        "issue.key +",
        &"1+".repeat(520),
        "a b",
    ];
    for path in [ANALYSE, "/rest/api/2/expression/analyse"] {
        let reply = evaluate(
            &sim,
            USER,
            path,
            &json!({ "expressions": expressions, "contextVariables": { "x": "Number" } }),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text);
        contract.check_ref(path, "JiraExpressionsAnalysis", &reply.body);
        let results = &reply.body["results"];
        assert_eq!(
            results[0],
            json!({ "expression": expressions[0], "valid": true })
        );
        assert_eq!(
            results[1],
            json!({
                "expression": "issue.key +",
                "valid": false,
                "errors": [{
                    "line": 1,
                    "column": 12,
                    "message": "!, -, typeof, (, IDENTIFIER, null, true, false, NUMBER, STRING, \
                                TEMPLATE_LITERAL, new, [ or { expected, end of expression \
                                encountered.",
                    "type": "syntax"
                }]
            })
        );
        assert_eq!(
            results[2]["errors"],
            json!([{
                "message": "Jira expression is too long (1040), limit: 1000 characters",
                "type": "other"
            }])
        );
        assert_eq!(results[3]["valid"], false);
        assert_eq!(results[3]["errors"][0]["column"], 3);
    }
    // What the simulator cannot judge is its 501; too many expressions a 400.
    let typed = evaluate(
        &sim,
        USER,
        &format!("{ANALYSE}?check=type"),
        &json!({ "expressions": ["1"] }),
    )
    .await;
    assert_eq!(typed.status, StatusCode::NOT_IMPLEMENTED, "{}", typed.text);
    assert!(typed.is_not_modelled());
    let template = evaluate(&sim, USER, ANALYSE, &json!({ "expressions": ["throw 1"] })).await;
    assert_eq!(
        template.status,
        StatusCode::NOT_IMPLEMENTED,
        "{}",
        template.text
    );
    assert!(template.is_not_modelled());
    let many: Vec<String> = (0..101).map(|n| n.to_string()).collect();
    for body in [
        json!({ "expressions": many }),
        json!({}),
        json!({ "expressions": [1] }),
    ] {
        let refused = evaluate(&sim, USER, ANALYSE, &body).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn declarations_ifs_nullish_coalescing_and_optional_chaining_evaluate() {
    let sim = start().await;
    // Atlassian's grammar: declarations, `return`, `if`/`else`, `??` and `?.`.
    let text = "let parent = issue.parent?.key ?? 'none';\n\
                let count = issue.comments.length;\n\
                if (count > 0) { return { parent, count }; } else { { parent, count: 0 } }";
    let reply = evaluate(
        &sim,
        ADMIN,
        EVALUATE,
        &json!({ "expression": text, "context": { "issue": { "key": "KILN-1" } } }),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["value"]["parent"], "none", "{}", reply.text);
    assert!(reply.body["value"]["count"].is_number(), "{}", reply.text);
    // The analysis reads them with the same parser: valid, and what Jira's
    // grammar has no place for (an `if` without `else`) is a syntax error.
    let analysed = evaluate(
        &sim,
        USER,
        ANALYSE,
        &json!({ "expressions": [text, "if (true) { 1 }"] }),
    )
    .await;
    assert_eq!(analysed.status, StatusCode::OK, "{}", analysed.text);
    let results = analysed.body["results"].as_array().expect("results");
    assert_eq!(results[0]["valid"], true, "{}", analysed.text);
    assert_eq!(results[1]["valid"], false, "{}", analysed.text);
    assert_eq!(
        results[1]["errors"][0]["type"], "syntax",
        "{}",
        analysed.text
    );
    sim.shutdown().await;
}
