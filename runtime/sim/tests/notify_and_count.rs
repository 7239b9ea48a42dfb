//! `POST /search/approximate-count` (`countIssues`) and `POST
//! /issue/{issueIdOrKey}/notify` (`notify`), on the site, under REST API v2 and
//! through the gateway.

use crate::common;
use crate::contract::Contract;

use common::{ADMIN, OUTSIDER, USER, account_id, caller, client, send, start};
use kiln_sim::Simulator;
use reqwest::StatusCode;
use serde_json::{Value, json};

const COUNT: &str = "/rest/api/3/search/approximate-count";

/// `path` through the gateway with bearer token `access`, posting `body`.
async fn gateway_post(sim: &Simulator, access: &str, path: &str, body: &Value) -> common::Reply {
    send(
        client()
            .post(format!(
                "{}/ex/jira/{}{path}",
                sim.base_url(),
                sim.cloud_id()
            ))
            .bearer_auth(access)
            .json(body),
    )
    .await
}

#[tokio::test]
async fn counts_what_the_caller_may_browse() {
    let sim = start().await;
    let contract = Contract::new();
    // KILN has six issues (KILN-3 unassigned), SEC two; Carol cannot browse SEC,
    // whose one issue In Progress and one labelled security she does not count.
    let cases: &[(&str, &str, u64)] = &[
        (ADMIN, "project = KILN", 6),
        (ADMIN, "project in (KILN, SEC)", 8),
        (ADMIN, "project = KILN AND assignee IS EMPTY", 1),
        (ADMIN, "labels = security", 2),
        (ADMIN, "project = KILN AND status = Done", 1),
        (USER, "project = SEC", 2),
        (ADMIN, "status = \"In Progress\"", 3),
        (OUTSIDER, "status = \"In Progress\"", 2),
        (OUTSIDER, "project = KILN", 6),
        (OUTSIDER, "labels = security", 1),
        (ADMIN, "project = KILN AND summary ~ zzzunmatched", 0),
    ];
    for (who, jql, expected) in cases {
        for api in ["/rest/api/3", "/rest/api/2"] {
            let reply = caller(&sim, who)
                .post(
                    &format!("{api}/search/approximate-count"),
                    &json!({ "jql": jql }),
                )
                .await;
            assert_eq!(reply.status, StatusCode::OK, "{who} {jql}: {}", reply.text);
            contract.check_ref(jql, "JQLCountResultsBean", &reply.body);
            assert_eq!(
                reply.body,
                json!({ "count": expected }),
                "{who} {api} {jql}"
            );
        }
    }
    // The same count the enhanced search pages through.
    let search = caller(&sim, OUTSIDER)
        .post(
            "/rest/api/3/search/jql",
            &json!({ "jql": "status = \"In Progress\"", "maxResults": 100 }),
        )
        .await;
    assert_eq!(search.body["issues"].as_array().map(Vec::len), Some(2));
    // Naming a project the caller cannot browse is the search's 400.
    let hidden = json!({ "jql": "project in (KILN, SEC)" });
    let count = caller(&sim, OUTSIDER).post(COUNT, &hidden).await;
    assert_eq!(count.status, StatusCode::BAD_REQUEST, "{}", count.text);
    contract.check_ref("hidden project", "ErrorCollection", &count.body);
    let search = caller(&sim, OUTSIDER)
        .post("/rest/api/3/search/jql", &hidden)
        .await;
    assert_eq!(count.body, search.body);
    // A write shows at once (the simulator's index is never behind).
    let created = caller(&sim, ADMIN)
        .post(
            "/rest/api/3/issue",
            &json!({ "fields": {
                "project": { "key": "KILN" },
                "issuetype": { "name": "Task" },
                "summary": "Counted"
            } }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let reply = caller(&sim, ADMIN)
        .post(COUNT, &json!({ "jql": "project = KILN" }))
        .await;
    assert_eq!(reply.body, json!({ "count": 7 }));
    sim.shutdown().await;
}

#[tokio::test]
async fn bad_unbounded_and_malformed_queries_are_refused_as_the_search_refuses_them() {
    let sim = start().await;
    let contract = Contract::new();
    let user = caller(&sim, ADMIN);
    for body in [
        json!({ "jql": "project = = KILN" }),
        json!({ "jql": "nosuchfield = 1" }),
        json!({ "jql": "" }),
        json!({}),
        json!({ "jql": "ORDER BY created" }),
    ] {
        let count = user.post(COUNT, &body).await;
        assert_eq!(
            count.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            count.text
        );
        contract.check_ref("count refusal", "ErrorCollection", &count.body);
        let search = user.post("/rest/api/3/search/jql", &body).await;
        assert_eq!(search.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(count.body, search.body, "{body}");
    }
    for body in [json!({ "jql": 7 }), json!(["project = KILN"])] {
        let reply = user.post(COUNT, &body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        contract.check_ref("payload", "ErrorCollection", &reply.body);
    }
    let anonymous = send(
        client()
            .post(format!("{}{COUNT}", sim.base_url()))
            .json(&json!({ "jql": "project = KILN" })),
    )
    .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    sim.shutdown().await;
}

#[tokio::test]
async fn notify_queues_the_notification_as_resolved() {
    let sim = start().await;
    let alice = account_id(&sim, ADMIN);
    let bob = account_id(&sim, USER);
    let carol = account_id(&sim, OUTSIDER);
    // KILN-2: reporter Alice, assignee Bob. Carol watches it and votes.
    for (who, route) in [(OUTSIDER, "watchers"), (OUTSIDER, "votes")] {
        let reply = send(caller(&sim, who).request(
            reqwest::Method::POST,
            &format!("/rest/api/3/issue/KILN-2/{route}"),
        ))
        .await;
        assert_eq!(
            reply.status,
            StatusCode::NO_CONTENT,
            "{route}: {}",
            reply.text
        );
    }

    let reply = caller(&sim, USER)
        .post(
            "/rest/api/3/issue/KILN-2/notify",
            &json!({
                "subject": "Latest test results",
                "textBody": "The latest test results are available.",
                "htmlBody": "The <strong>latest</strong> test results are available.",
                "to": { "reporter": true, "assignee": true, "voters": true, "users": [{ "accountId": alice, "active": true }] }
            }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text);
    assert_eq!(reply.text, "");
    let sent = sim.notifications();
    assert_eq!(sent.len(), 1);
    let first = &sent[0];
    assert_eq!(first.issue_key, "KILN-2");
    assert_eq!(first.sender, bob);
    assert_eq!(first.subject, "Latest test results");
    assert_eq!(
        first.text_body.as_deref(),
        Some("The latest test results are available.")
    );
    assert_eq!(
        first.html_body.as_deref(),
        Some("The <strong>latest</strong> test results are available.")
    );
    // Reporter Alice, assignee Bob (the sender: left out), voter Carol; Alice
    // named again counts once.
    assert_eq!(first.recipients, vec![alice.clone(), carol.clone()]);

    // No `to`: the default scheme's reporter, assignee and watchers; no
    // subject: the issue's key and summary. v2 takes the same body.
    let reply = caller(&sim, ADMIN)
        .post(
            "/rest/api/2/issue/KILN-2/notify",
            &json!({ "textBody": "hi" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text);
    let second = &sim.notifications()[1];
    assert_eq!(second.sender, alice);
    assert_eq!(second.subject, "(KILN-2) Add JQL search to the simulator");
    assert_eq!(second.recipients, vec![bob.clone(), carol.clone()]);
    assert_eq!(second.html_body, None);

    let kiln_2 = caller(&sim, ADMIN)
        .get("/rest/api/3/issue/KILN-2")
        .await
        .str_at("/id");
    // `restrict` keeps those who hold every permission named: Carol cannot
    // edit KILN issues. `BROWSE`, the spec's example, is Browse Projects.
    let reply = caller(&sim, ADMIN)
        .post(
            &format!("/rest/api/3/issue/{kiln_2}/notify"),
            &json!({
                "to": { "watchers": true, "assignee": true },
                "restrict": { "permissions": [{ "key": "BROWSE" }, { "id": "12" }] }
            }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text);
    let third = &sim.notifications()[2];
    assert_eq!(third.issue_key, "KILN-2");
    assert_eq!(third.issue_id, kiln_2);
    assert_eq!(third.recipients, vec![bob.clone()]);

    // Carol may browse KILN (and nothing more): that is all `notify` needs.
    // KILN-1 has no voters: asking for them reaches no one, and is still
    // queued.
    let reply = caller(&sim, OUTSIDER)
        .post(
            "/rest/api/3/issue/KILN-1/notify",
            &json!({ "to": { "voters": true } }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text);
    let fourth = &sim.notifications()[3];
    assert_eq!(fourth.issue_key, "KILN-1");
    assert!(fourth.recipients.is_empty());
    sim.shutdown().await;
}

#[tokio::test]
async fn notify_refuses_what_jira_refuses() {
    let sim = start().await;
    let contract = Contract::new();
    let alice = account_id(&sim, ADMIN);
    let notify = |key: &str| format!("/rest/api/3/issue/{key}/notify");

    // Unknown, and invisible to Carol (SEC): 404, as every issue route.
    for (who, key) in [(ADMIN, "KILN-99"), (ADMIN, "NOPE-1"), (OUTSIDER, "SEC-1")] {
        let reply = caller(&sim, who)
            .post(&notify(key), &json!({ "textBody": "x" }))
            .await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{who} {key}");
        contract.check_ref("404", "ErrorCollection", &reply.body);
    }

    let bad_bodies = [
        json!({ "subject": 5 }),
        json!({ "textBody": ["a"] }),
        json!({ "to": { "reporter": "yes" } }),
        json!({ "to": { "users": "everyone" } }),
        json!({ "to": { "users": [{ "accountId": 12 }] } }),
        json!({ "to": [] }),
        json!({ "to": [true, true, true, true, [], [], []] }),
        json!({ "to": { "users": [["someone"]] } }),
        json!(["a subject", "text", "html", null, null]),
        json!({ "restrict": { "permissions": "BROWSE" } }),
        json!("notify"),
        // Who the spec says may not be notified, or does not exist.
        json!({ "to": { "users": [{ "accountId": alice }] } }),
        json!({ "to": { "users": [{ "accountId": "nobody-at-all" }] } }),
        json!({ "to": { "users": [{ "active": true }] } }),
        // KILN-3 is unassigned.
        json!({ "to": { "assignee": true } }),
        json!({ "restrict": { "permissions": [{ "key": "NOT_A_PERMISSION" }] } }),
        json!({ "restrict": { "permissions": [{}] } }),
    ];
    for body in &bad_bodies {
        for api in ["/rest/api/3", "/rest/api/2"] {
            let reply = caller(&sim, ADMIN)
                .post(&format!("{api}/issue/KILN-3/notify"), body)
                .await;
            assert_eq!(
                reply.status,
                StatusCode::BAD_REQUEST,
                "{api} {body}: {}",
                reply.text
            );
            contract.check_ref("400", "ErrorCollection", &reply.body);
        }
    }
    let empty = send(
        caller(&sim, ADMIN)
            .request(reqwest::Method::POST, &notify("KILN-3"))
            .header("content-type", "application/json"),
    )
    .await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);

    // Groups, and permissions the simulator does not model: its 501.
    for body in [
        json!({ "to": { "groups": [{ "name": "jira-software-users" }] } }),
        json!({ "to": { "groupIds": ["952d12c3-5b5b-4d04-bb32-44d383afc4b2"] } }),
        json!({ "restrict": { "groups": [{ "name": "notification-group" }] } }),
        json!({ "restrict": { "permissions": [{ "key": "WORK_ON_ISSUES" }] } }),
    ] {
        let reply = caller(&sim, ADMIN).post(&notify("KILN-1"), &body).await;
        assert_eq!(reply.status, StatusCode::NOT_IMPLEMENTED, "{body}");
        assert_eq!(
            reply.headers[kiln_sim::SIMULATOR_HEADER],
            kiln_sim::NOT_MODELLED
        );
    }
    assert!(sim.notifications().is_empty(), "{:?}", sim.notifications());
    sim.shutdown().await;
}

#[tokio::test]
async fn the_gateway_asks_for_the_catalogue_scopes() {
    let sim = start().await;
    let contract = Contract::new();
    let count = json!({ "jql": "project = KILN" });
    let message = json!({ "textBody": "from an app", "to": { "assignee": true } });
    let notify = "/rest/api/3/issue/KILN-2/notify";

    let read = common::oauth::access_token(&sim, "read:jira-work").await;
    let reply = gateway_post(&sim, &read, COUNT, &count).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    contract.check_ref("gateway count", "JQLCountResultsBean", &reply.body);
    assert_eq!(reply.body["count"], 6);
    let refused = gateway_post(&sim, &read, notify, &message).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);

    for scope in ["write:jira-work", "send:notification:jira"] {
        let write = common::oauth::access_token(&sim, scope).await;
        let refused = gateway_post(&sim, &write, COUNT, &count).await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{scope}");
        let reply = gateway_post(&sim, &write, notify, &message).await;
        assert_eq!(
            reply.status,
            StatusCode::NO_CONTENT,
            "{scope}: {}",
            reply.text
        );
    }
    let granular = common::oauth::access_token(
        &sim,
        "read:issue-details:jira read:field.default-value:jira read:field.option:jira \
         read:field:jira read:group:jira",
    )
    .await;
    let reply = gateway_post(&sim, &granular, COUNT, &count).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);

    // The token's user (Alice) sent them, to KILN-2's assignee (Bob).
    let sent = sim.notifications();
    assert_eq!(sent.len(), 2);
    assert!(sent.iter().all(|n| n.sender == account_id(&sim, ADMIN)));
    assert!(
        sent.iter()
            .all(|n| n.recipients == [account_id(&sim, USER)])
    );
    sim.shutdown().await;
}
