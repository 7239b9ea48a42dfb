//! Jira Software's epics and ranking on the agile API: an epic read and
//! updated, issues moved into and out of epics (the parent hierarchy seen from
//! the agile side, with the platform's `jira:issue_updated`), the epic lists
//! of a board, ranking issues and epics and the rank order every agile list
//! and `ORDER BY Rank` follow, what each refuses, what a caller who may not
//! see an issue learns of it (nothing), and hostile input.

use crate::common;

use std::time::{Duration, Instant};

use common::hook_receiver::{next_delivery, receiver};
use common::{ADMIN, OUTSIDER, USER, caller, client, send, start};
use kiln_sim::{AdminWebhook, SimConfig, Simulator, WebhookConfig, WebhookEvent};
use reqwest::StatusCode;
use serde_json::{Value, json};

const AGILE: &str = "/rest/agile/1.0";

/// Creates an issue through the platform API as `who`; its key.
async fn create(
    who: &common::Caller<'_>,
    project: &str,
    issue_type: &str,
    summary: &str,
    parent: Option<&str>,
) -> String {
    let mut fields = json!({
        "project": { "key": project },
        "issuetype": { "name": issue_type },
        "summary": summary,
    });
    if let Some(parent) = parent {
        fields["parent"] = json!({ "key": parent });
    }
    let reply = who
        .post("/rest/api/3/issue", &json!({ "fields": fields }))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    reply.str_at("/key")
}

/// The keys of an agile issue list (`SearchResults`).
fn keys(reply: &common::Reply) -> Vec<String> {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body["issues"]
        .as_array()
        .unwrap_or_else(|| panic!("issues in {}", reply.text))
        .iter()
        .map(|i| i["key"].as_str().expect("key").to_owned())
        .collect()
}

/// The keys of a page of epics (`getEpics`).
fn epic_keys(reply: &common::Reply) -> Vec<String> {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body["values"]
        .as_array()
        .unwrap_or_else(|| panic!("values in {}", reply.text))
        .iter()
        .map(|e| e["key"].as_str().expect("key").to_owned())
        .collect()
}

/// The issue's numeric id, as the platform shows it.
async fn id_of(who: &common::Caller<'_>, key: &str) -> String {
    who.get(&format!("/rest/api/3/issue/{key}"))
        .await
        .str_at("/id")
}

/// The key of the issue's parent, as the platform shows it.
async fn parent_of(who: &common::Caller<'_>, key: &str) -> Value {
    let issue = who.get(&format!("/rest/api/3/issue/{key}")).await;
    assert_eq!(issue.status, StatusCode::OK, "{}", issue.text);
    issue.body["fields"]["parent"]["key"].clone()
}

/// Asserts `reply` is Jira's 400 naming `field` in `errors`.
fn assert_field_error(reply: &common::Reply, field: &str) {
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert!(reply.body["errors"][field].is_string(), "{}", reply.text);
    assert!(reply.body["errorMessages"].is_array(), "{}", reply.text);
}

/// Asserts `reply` has `status` and Jira's error body with a message
/// containing `text`.
fn assert_message(reply: &common::Reply, status: StatusCode, text: &str) {
    assert_eq!(reply.status, status, "{}", reply.text);
    let message = reply.body["errorMessages"][0].as_str().unwrap_or_default();
    assert!(message.contains(text), "{}", reply.text);
    assert!(reply.body["errors"].is_object(), "{}", reply.text);
}

#[tokio::test]
async fn an_epic_is_read_and_partly_updated() {
    let sim = start().await;
    let (alice, bob, carol) = (
        caller(&sim, ADMIN),
        caller(&sim, USER),
        caller(&sim, OUTSIDER),
    );
    let epic = create(&alice, "KILN", "Epic", "Runtime hardening", None).await;
    let id = id_of(&alice, &epic).await;
    let by_key = alice.get(&format!("{AGILE}/epic/{epic}")).await;
    assert_eq!(by_key.status, StatusCode::OK, "{}", by_key.text);
    assert_eq!(by_key.body["id"].to_string(), id, "a number");
    assert_eq!(by_key.body["key"], epic.as_str());
    assert_eq!(
        by_key.body["self"],
        format!("{}{AGILE}/epic/{id}", sim.base_url()).as_str()
    );
    assert_eq!(by_key.body["name"], "Runtime hardening", "the summary");
    assert_eq!(by_key.body["summary"], "Runtime hardening");
    assert_eq!(by_key.body["done"], false);
    let color = by_key.str_at("/color/key");
    assert!(color.starts_with("color_"), "{color}");
    let by_id = alice.get(&format!("{AGILE}/epic/{id}")).await;
    assert_eq!(by_id.body, by_key.body);
    // Carol may browse KILN: she sees it.
    assert_eq!(
        carol.get(&format!("{AGILE}/epic/{epic}")).await.body,
        by_key.body
    );

    // An issue that is not an epic, one that does not exist, and one the
    // caller may not see.
    let task = alice.get(&format!("{AGILE}/epic/KILN-2")).await;
    assert_message(&task, StatusCode::NOT_FOUND, "KILN-2 is not an epic");
    let secret = create(&alice, "SEC", "Epic", "Embargoed fix", None).await;
    let missing = carol.get(&format!("{AGILE}/epic/SEC-999")).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.text);
    let hidden = carol.get(&format!("{AGILE}/epic/{secret}")).await;
    assert_eq!(
        (hidden.status, &hidden.body),
        (missing.status, &missing.body),
        "a hidden epic is one that does not exist"
    );
    assert!(!hidden.text.contains("Embargoed"), "{}", hidden.text);
    // Nor may a hidden one be told from a missing one by its type.
    let hidden_task = carol.get(&format!("{AGILE}/epic/SEC-1")).await;
    assert_eq!(hidden_task.body, missing.body);

    // A partial update: each property, and an empty one that changes nothing.
    let url = format!("{AGILE}/epic/{epic}");
    let updated = alice
        .post(
            &url,
            &json!({
                "name": "Hardening",
                "summary": "Harden the runtime",
                "color": { "key": "color_6" },
                "done": true,
            }),
        )
        .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    assert_eq!(updated.body["name"], "Hardening");
    assert_eq!(updated.body["summary"], "Harden the runtime");
    assert_eq!(updated.body["color"], json!({ "key": "color_6" }));
    assert_eq!(updated.body["done"], true);
    assert_eq!(alice.get(&url).await.body, updated.body);
    let unchanged = alice.post(&url, &json!({})).await;
    assert_eq!(unchanged.body, updated.body);
    let undone = bob.post(&url, &json!({ "done": false })).await;
    assert_eq!(undone.status, StatusCode::OK, "{}", undone.text);
    assert_eq!(undone.body["done"], false);
    assert_eq!(undone.body["name"], "Hardening", "left as it was");
    // The summary is the issue's: the platform shows it, and logged it.
    let issue = alice.get(&format!("/rest/api/3/issue/{epic}")).await;
    assert_eq!(issue.body["fields"]["summary"], "Harden the runtime");
    let log = alice
        .get(&format!("/rest/api/3/issue/{epic}/changelog"))
        .await;
    let item = &log.body["values"][0]["items"][0];
    assert_eq!(item["field"], "summary", "{}", log.text);
    assert_eq!(item["fromString"], "Runtime hardening");
    assert_eq!(item["toString"], "Harden the runtime");

    // Refusals, each leaving the epic as it was.
    assert_field_error(
        &alice
            .post(&url, &json!({ "color": { "key": "color_15" } }))
            .await,
        "color",
    );
    assert_field_error(&alice.post(&url, &json!({ "name": "  " })).await, "name");
    assert_field_error(
        &alice.post(&url, &json!({ "name": "n".repeat(256) })).await,
        "name",
    );
    assert_field_error(
        &alice
            .post(&url, &json!({ "summary": "s".repeat(256) }))
            .await,
        "summary",
    );
    for body in [
        json!({ "done": "yes" }),
        json!({ "color": "color_1" }),
        json!([1]),
    ] {
        let reply = alice.post(&url, &body).await;
        assert_message(&reply, StatusCode::BAD_REQUEST, "Invalid request payload");
    }
    let refused = carol.post(&url, &json!({ "name": "Mine" })).await;
    assert_message(&refused, StatusCode::FORBIDDEN, "permission to edit epic");
    // Bob sees SEC but may not edit it; Carol does not see it at all.
    let refused = bob
        .post(&format!("{AGILE}/epic/{secret}"), &json!({ "done": true }))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    let refused = carol
        .post(&format!("{AGILE}/epic/{secret}"), &json!({ "done": true }))
        .await;
    assert_eq!(refused.body, missing.body);
    assert_eq!(alice.get(&url).await.body, undone.body);
    sim.shutdown().await;
}

#[tokio::test]
async fn issues_move_into_and_out_of_epics() {
    let sim = start().await;
    let (alice, bob, carol) = (
        caller(&sim, ADMIN),
        caller(&sim, USER),
        caller(&sim, OUTSIDER),
    );
    let e1 = create(&alice, "KILN", "Epic", "Platform", None).await;
    let e2 = create(&alice, "KILN", "Epic", "Docs", None).await;
    let moved = bob
        .post(
            &format!("{AGILE}/epic/{e1}/issue"),
            &json!({ "issues": ["KILN-3", "KILN-2"] }),
        )
        .await;
    assert_eq!(moved.status, StatusCode::NO_CONTENT, "{}", moved.text);
    // Listed in rank order, whatever order they were moved in; each with its
    // epic, and the platform's parent the same.
    let listed = alice.get(&format!("{AGILE}/epic/{e1}/issue")).await;
    assert_eq!(keys(&listed), ["KILN-2", "KILN-3"]);
    assert_eq!(listed.body["total"], 2);
    for issue in listed.body["issues"].as_array().expect("issues") {
        assert_eq!(issue["fields"]["epic"]["key"], e1.as_str(), "{issue}");
        assert_eq!(issue["fields"]["epic"]["name"], "Platform");
        assert_eq!(issue["fields"]["parent"]["key"], e1.as_str());
    }
    assert_eq!(parent_of(&alice, "KILN-2").await, e1.as_str());
    let log = alice.get("/rest/api/3/issue/KILN-2/changelog").await;
    let item = &log.body["values"][0]["items"][0];
    assert_eq!(item["field"], "IssueParentAssociation", "{}", log.text);
    assert_eq!(item["toString"], e1.as_str());
    // The agile view of one issue, and `fields` selecting the agile field.
    let one = alice.get(&format!("{AGILE}/issue/KILN-3")).await;
    assert_eq!(one.body["fields"]["epic"]["key"], e1.as_str());
    let narrowed = alice
        .get_with(
            &format!("{AGILE}/epic/{e1}/issue"),
            &[("fields", "epic"), ("jql", "key = KILN-3")],
        )
        .await;
    assert_eq!(keys(&narrowed), ["KILN-3"]);
    let fields: Vec<&String> = narrowed.body["issues"][0]["fields"]
        .as_object()
        .expect("fields")
        .keys()
        .collect();
    assert_eq!(fields, ["epic"]);

    // An issue is in one epic at a time: moving it (by id) leaves the first.
    let kiln2 = id_of(&alice, "KILN-2").await;
    let again = bob
        .post(
            &format!("{AGILE}/epic/{e2}/issue"),
            &json!({ "issues": [kiln2] }),
        )
        .await;
    assert_eq!(again.status, StatusCode::NO_CONTENT, "{}", again.text);
    assert_eq!(
        keys(&alice.get(&format!("{AGILE}/epic/{e1}/issue")).await),
        ["KILN-3"]
    );
    assert_eq!(
        keys(&alice.get(&format!("{AGILE}/epic/{e2}/issue")).await),
        ["KILN-2"]
    );
    // Moving it where it is changes nothing and logs nothing.
    let before = alice.get("/rest/api/3/issue/KILN-2/changelog").await.body["total"].clone();
    let same = bob
        .post(
            &format!("{AGILE}/epic/{e2}/issue"),
            &json!({ "issues": ["KILN-2"] }),
        )
        .await;
    assert_eq!(same.status, StatusCode::NO_CONTENT);
    let after = alice.get("/rest/api/3/issue/KILN-2/changelog").await.body["total"].clone();
    assert_eq!(before, after);

    // Issues without epic: standard issues with no parent, never epics.
    let none = alice.get(&format!("{AGILE}/epic/none/issue")).await;
    assert_eq!(
        keys(&none),
        ["KILN-1", "KILN-4", "KILN-5", "KILN-6", "SEC-1", "SEC-2"]
    );
    // Carol does not see SEC's.
    let hers = carol.get(&format!("{AGILE}/epic/none/issue")).await;
    assert_eq!(keys(&hers), ["KILN-1", "KILN-4", "KILN-5", "KILN-6"]);
    // Removing from epics: one in an epic leaves it, one in none stays so.
    let removed = bob
        .post(
            &format!("{AGILE}/epic/none/issue"),
            &json!({ "issues": ["KILN-2", "KILN-4"] }),
        )
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{}", removed.text);
    assert_eq!(parent_of(&alice, "KILN-2").await, Value::Null);
    assert!(keys(&alice.get(&format!("{AGILE}/epic/{e2}/issue")).await).is_empty());
    assert_eq!(
        keys(&alice.get(&format!("{AGILE}/epic/none/issue")).await)[..3],
        ["KILN-1", "KILN-2", "KILN-4"]
    );

    // Refusals, each all or none: KILN-4 stays in no epic.
    let sub = create(&alice, "KILN", "Sub-task", "A step", Some("KILN-4")).await;
    let to_e1 = format!("{AGILE}/epic/{e1}/issue");
    for (issues, text) in [
        (json!(["KILN-4", e2]), format!("Issue {e2} is an epic")),
        (json!(["KILN-4", sub]), format!("Issue {sub} is a sub-task")),
        (
            json!(["KILN-4", "NOPE-9"]),
            String::from("'NOPE-9' does not exist"),
        ),
    ] {
        let reply = alice.post(&to_e1, &json!({ "issues": issues })).await;
        assert_message(&reply, StatusCode::BAD_REQUEST, &text);
    }
    let reply = alice
        .post(
            &format!("{AGILE}/epic/none/issue"),
            &json!({ "issues": [sub] }),
        )
        .await;
    assert_message(&reply, StatusCode::BAD_REQUEST, "is a sub-task");
    assert_eq!(parent_of(&alice, "KILN-4").await, Value::Null);
    assert_eq!(parent_of(&alice, &sub).await, "KILN-4");
    let many: Vec<String> = (1..=51).map(|n| format!("KILN-{n}")).collect();
    for body in [
        json!({ "issues": many }),
        json!({ "issues": [] }),
        json!({}),
    ] {
        assert_field_error(&alice.post(&to_e1, &body).await, "issues");
    }
    let reply = alice.post(&to_e1, &json!({ "issues": "KILN-4" })).await;
    assert_message(&reply, StatusCode::BAD_REQUEST, "Invalid request payload");
    let reply = alice
        .post(
            &format!("{AGILE}/epic/KILN-5/issue"),
            &json!({ "issues": ["KILN-4"] }),
        )
        .await;
    assert_message(&reply, StatusCode::NOT_FOUND, "KILN-5 is not an epic");
    // Carol may browse KILN but not edit it; SEC she does not see.
    let reply = carol.post(&to_e1, &json!({ "issues": ["KILN-4"] })).await;
    assert_message(&reply, StatusCode::FORBIDDEN, "permission");
    let reply = carol
        .post(
            &format!("{AGILE}/epic/none/issue"),
            &json!({ "issues": ["KILN-3"] }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text);
    // (Carol may not edit e1 either, so this asks to remove, not to move.)
    let from_epics = format!("{AGILE}/epic/none/issue");
    let hidden = carol
        .post(&from_epics, &json!({ "issues": ["SEC-1"] }))
        .await;
    let missing = carol
        .post(&from_epics, &json!({ "issues": ["SEC-999"] }))
        .await;
    assert_eq!(hidden.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        hidden.text.replace("SEC-1'", "SEC-999'"),
        missing.text,
        "a hidden issue is one that does not exist"
    );

    // Across projects: Alice puts KILN-4 in a SEC epic; Bob, who may not edit
    // SEC, may not; Carol, who may not see it, sees KILN-4 in no epic she
    // knows of.
    let secret = create(&alice, "SEC", "Epic", "Embargoed fix", None).await;
    let to_secret = format!("{AGILE}/epic/{secret}/issue");
    let reply = bob.post(&to_secret, &json!({ "issues": ["KILN-4"] })).await;
    assert_message(&reply, StatusCode::FORBIDDEN, "permission to edit epic");
    let reply = alice
        .post(&to_secret, &json!({ "issues": ["KILN-4"] }))
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text);
    let seen = carol.get(&format!("{AGILE}/issue/KILN-4")).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert_eq!(seen.body["fields"]["epic"], Value::Null, "{}", seen.text);
    assert!(!seen.text.contains("Embargoed"), "{}", seen.text);
    let board = carol.get(&format!("{AGILE}/board/1/issue")).await;
    assert!(!board.text.contains("Embargoed"), "{}", board.text);
    let reply = carol.get(&format!("{AGILE}/epic/{secret}/issue")).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.text);
    let alices = alice.get(&format!("{AGILE}/issue/KILN-4")).await;
    assert_eq!(alices.body["fields"]["epic"]["key"], secret.as_str());
    sim.shutdown().await;
}

#[tokio::test]
async fn a_board_lists_its_epics_and_their_issues() {
    let sim = start().await;
    let (alice, carol) = (caller(&sim, ADMIN), caller(&sim, OUTSIDER));
    let e1 = create(&alice, "KILN", "Epic", "Platform", None).await;
    let e2 = create(&alice, "KILN", "Epic", "Docs", None).await;
    let secret = create(&alice, "SEC", "Epic", "Embargoed fix", None).await;
    let done = alice
        .post(&format!("{AGILE}/epic/{e2}"), &json!({ "done": true }))
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);

    let epics = alice.get(&format!("{AGILE}/board/1/epic")).await;
    assert_eq!(epic_keys(&epics), [e1.as_str(), e2.as_str()]);
    assert_eq!(epics.body["total"], 2);
    assert_eq!(epics.body["isLast"], true);
    assert_eq!(epics.body["values"][1], done.body, "as getEpic shows it");
    for (filter, expected) in [
        ("false", vec![e1.as_str()]),
        ("TRUE", vec![e2.as_str()]),
        ("", vec![e1.as_str(), e2.as_str()]),
    ] {
        let found = alice
            .get_with(&format!("{AGILE}/board/1/epic"), &[("done", filter)])
            .await;
        assert_eq!(epic_keys(&found), expected, "done={filter}");
    }
    let bad = alice
        .get_with(&format!("{AGILE}/board/1/epic"), &[("done", "maybe")])
        .await;
    assert_message(&bad, StatusCode::BAD_REQUEST, "done");
    let page = alice
        .get_with(
            &format!("{AGILE}/board/1/epic"),
            &[("startAt", "1"), ("maxResults", "1")],
        )
        .await;
    assert_eq!(epic_keys(&page), [e2.as_str()]);
    assert_eq!(
        alice.get(&format!("{AGILE}/board/2/epic")).await.body["values"][0]["key"],
        secret.as_str()
    );
    // SEC's board is hidden from Carol, as every board route hides it.
    let hidden = carol.get(&format!("{AGILE}/board/2/epic")).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND, "{}", hidden.text);
    assert!(hidden.body["errors"]["rapidViewId"].is_string());

    // The board's issues of an epic (by id or key), and those in none: not
    // epics (not on a scrum board anyway) and not sub-tasks.
    let moved = alice
        .post(
            &format!("{AGILE}/epic/{e1}/issue"),
            &json!({ "issues": ["KILN-2", "KILN-3"] }),
        )
        .await;
    assert_eq!(moved.status, StatusCode::NO_CONTENT, "{}", moved.text);
    create(&alice, "KILN", "Sub-task", "A step", Some("KILN-2")).await;
    let e1_id = id_of(&alice, &e1).await;
    for epic in [&e1_id, &e1] {
        let issues = alice
            .get(&format!("{AGILE}/board/1/epic/{epic}/issue"))
            .await;
        assert_eq!(keys(&issues), ["KILN-2", "KILN-3"], "{epic}");
    }
    let none = alice.get(&format!("{AGILE}/board/1/epic/none/issue")).await;
    assert_eq!(keys(&none), ["KILN-1", "KILN-4", "KILN-5", "KILN-6"]);
    let narrowed = alice
        .get_with(
            &format!("{AGILE}/board/1/epic/none/issue"),
            &[("jql", "status = Done"), ("maxResults", "1")],
        )
        .await;
    assert_eq!(keys(&narrowed), ["KILN-1"]);
    assert_eq!(narrowed.body["total"], 1);
    // An epic not in the board's projects has none of its issues.
    let none_on_sec = alice.get(&format!("{AGILE}/board/2/epic/{e1}/issue")).await;
    assert!(keys(&none_on_sec).is_empty());
    // Carol sees neither SEC's board nor its epic.
    let secret_id = id_of(&alice, &secret).await;
    let reply = carol
        .get(&format!("{AGILE}/board/1/epic/{secret_id}/issue"))
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.text);
    let reply = alice
        .get(&format!("{AGILE}/board/1/epic/KILN-2/issue"))
        .await;
    assert_message(&reply, StatusCode::NOT_FOUND, "not an epic");
    sim.shutdown().await;
}

/// The keys of KILN's board, in its (rank) order.
async fn board_order(who: &common::Caller<'_>) -> Vec<String> {
    keys(&who.get(&format!("{AGILE}/board/1/issue")).await)
}

/// The keys a platform search finds, in its order.
async fn search(who: &common::Caller<'_>, jql: &str) -> Vec<String> {
    let reply = who
        .post(
            "/rest/api/3/search/jql",
            &json!({ "jql": jql, "fields": ["key"], "maxResults": 100 }),
        )
        .await;
    keys(&reply)
}

#[tokio::test]
async fn ranking_orders_the_agile_lists_and_order_by_rank() {
    let sim = start().await;
    let (alice, bob, carol) = (
        caller(&sim, ADMIN),
        caller(&sim, USER),
        caller(&sim, OUTSIDER),
    );
    let rank = format!("{AGILE}/issue/rank");
    assert_eq!(
        board_order(&alice).await,
        ["KILN-1", "KILN-2", "KILN-3", "KILN-4", "KILN-5", "KILN-6"],
        "a new site ranks issues in creation order"
    );
    let ranked = bob
        .put(
            &rank,
            &json!({ "issues": ["KILN-5", "KILN-4"], "rankBeforeIssue": "KILN-2" }),
        )
        .await;
    assert_eq!(ranked.status, StatusCode::NO_CONTENT, "{}", ranked.text);
    let order = ["KILN-1", "KILN-5", "KILN-4", "KILN-2", "KILN-3", "KILN-6"];
    assert_eq!(board_order(&alice).await, order);
    // The backlog in the same order, less KILN-1 (done) and the issues in
    // the default site's active sprint (KILN-2, KILN-4).
    assert_eq!(
        keys(&alice.get(&format!("{AGILE}/board/1/backlog")).await),
        ["KILN-5", "KILN-3", "KILN-6"]
    );
    // `ORDER BY Rank`, on the platform and in an agile list's `jql`.
    assert_eq!(search(&alice, "project = KILN ORDER BY Rank").await, order);
    let mut reversed = order.to_vec();
    reversed.reverse();
    assert_eq!(
        search(&alice, "project = KILN ORDER BY rank DESC").await,
        reversed
    );
    assert_eq!(
        search(&alice, "project = KILN ORDER BY cf[10019] ASC").await,
        order
    );
    let desc = alice
        .get_with(
            &format!("{AGILE}/board/1/issue"),
            &[("jql", "ORDER BY Rank DESC")],
        )
        .await;
    assert_eq!(keys(&desc), reversed);

    // After an issue, naming the Rank field; then a new issue ranks last.
    let ranked = bob
        .put(
            &rank,
            &json!({ "issues": ["KILN-1"], "rankAfterIssue": "KILN-6", "rankCustomFieldId": 10019 }),
        )
        .await;
    assert_eq!(ranked.status, StatusCode::NO_CONTENT, "{}", ranked.text);
    let created = create(&bob, "KILN", "Task", "Newest", None).await;
    assert_eq!(
        board_order(&alice).await,
        [
            "KILN-5", "KILN-4", "KILN-2", "KILN-3", "KILN-6", "KILN-1", &created
        ]
    );

    // An issue ranked next to itself stays; the others are ranked, and the
    // answer is the spec's 207 with an entry per issue.
    let partial = bob
        .put(
            &rank,
            &json!({ "issues": ["KILN-6", "KILN-2", "KILN-6"], "rankBeforeIssue": "KILN-2" }),
        )
        .await;
    assert_eq!(partial.status, StatusCode::MULTI_STATUS, "{}", partial.text);
    let entries = partial.body["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 2, "{}", partial.text);
    assert_eq!(entries[0]["issueKey"], "KILN-6");
    assert_eq!(entries[0]["status"], 200);
    assert_eq!(
        entries[0]["issueId"].to_string(),
        id_of(&alice, "KILN-6").await
    );
    assert_eq!(entries[1]["issueKey"], "KILN-2");
    assert_eq!(entries[1]["status"], 400);
    assert!(
        entries[1]["errors"][0]
            .as_str()
            .is_some_and(|e| e.contains("itself"))
    );
    assert_eq!(
        board_order(&alice).await,
        [
            "KILN-5", "KILN-4", "KILN-6", "KILN-2", "KILN-3", "KILN-1", &created
        ]
    );

    // Refusals, each leaving the order as it was.
    let before = board_order(&alice).await;
    for (body, field) in [
        (
            json!({ "issues": ["KILN-2"], "rankBeforeIssue": "NOPE-1" }),
            "rankBeforeIssue",
        ),
        (
            json!({ "issues": ["KILN-2"], "rankAfterIssue": "KILN-999" }),
            "rankAfterIssue",
        ),
        (
            json!({ "issues": ["KILN-2"], "rankBeforeIssue": "KILN-1", "rankCustomFieldId": 10521 }),
            "rankCustomFieldId",
        ),
        (
            json!({ "issues": [], "rankBeforeIssue": "KILN-1" }),
            "issues",
        ),
        (json!({ "rankBeforeIssue": "KILN-1" }), "issues"),
    ] {
        assert_field_error(&bob.put(&rank, &body).await, field);
    }
    for (body, text) in [
        (
            json!({ "issues": ["KILN-2"] }),
            "rankBeforeIssue or rankAfterIssue",
        ),
        (
            json!({ "issues": ["KILN-2"], "rankBeforeIssue": "KILN-1", "rankAfterIssue": "KILN-3" }),
            "not both",
        ),
        (
            json!({ "issues": ["NOPE-2"], "rankBeforeIssue": "KILN-1" }),
            "'NOPE-2' does not exist",
        ),
        (
            json!({ "issues": [{ "key": "KILN-2" }], "rankBeforeIssue": "KILN-1" }),
            "Invalid request payload",
        ),
        (
            json!({ "issues": ["KILN-2"], "rankBeforeIssue": ["KILN-1"] }),
            "Invalid request payload",
        ),
        (
            json!({ "issues": ["KILN-2"], "rankBeforeIssue": "KILN-1", "rankCustomFieldId": "10019" }),
            "Invalid request payload",
        ),
    ] {
        assert_message(&bob.put(&rank, &body).await, StatusCode::BAD_REQUEST, text);
    }
    // Carol may browse KILN but not schedule its issues; SEC she cannot see,
    // and a SEC issue to rank next to is one that does not exist.
    let refused = carol
        .put(
            &rank,
            &json!({ "issues": ["KILN-2"], "rankBeforeIssue": "KILN-1" }),
        )
        .await;
    assert_message(
        &refused,
        StatusCode::FORBIDDEN,
        "permission to rank issue KILN-2",
    );
    let hidden = carol
        .put(
            &rank,
            &json!({ "issues": ["KILN-2"], "rankBeforeIssue": "SEC-1" }),
        )
        .await;
    let missing = carol
        .put(
            &rank,
            &json!({ "issues": ["KILN-2"], "rankBeforeIssue": "SEC-999" }),
        )
        .await;
    assert_field_error(&hidden, "rankBeforeIssue");
    assert_eq!(hidden.text.replace("SEC-1'", "SEC-999'"), missing.text);
    assert_eq!(board_order(&alice).await, before);

    // Moving into a sprint ranks at the place the move names.
    let sprint = alice
        .post(
            &format!("{AGILE}/sprint"),
            &json!({ "name": "S1", "originBoardId": 1 }),
        )
        .await;
    assert_eq!(sprint.status, StatusCode::CREATED, "{}", sprint.text);
    let sprint_issues = format!("{AGILE}/sprint/{}/issue", sprint.body["id"]);
    let moved = bob
        .post(
            &sprint_issues,
            &json!({ "issues": ["KILN-3", "KILN-6"], "rankBeforeIssue": "KILN-5" }),
        )
        .await;
    assert_eq!(moved.status, StatusCode::NO_CONTENT, "{}", moved.text);
    assert_eq!(keys(&alice.get(&sprint_issues).await), ["KILN-3", "KILN-6"]);
    assert_eq!(
        board_order(&alice).await,
        [
            "KILN-3", "KILN-6", "KILN-5", "KILN-4", "KILN-2", "KILN-1", &created
        ]
    );
    let refused = bob
        .post(
            &sprint_issues,
            &json!({ "issues": ["KILN-2"], "rankAfterIssue": "NOPE-1" }),
        )
        .await;
    assert_field_error(&refused, "rankAfterIssue");
    sim.shutdown().await;
}

#[tokio::test]
async fn epics_are_ranked_among_themselves() {
    let sim = start().await;
    let (alice, bob, carol) = (
        caller(&sim, ADMIN),
        caller(&sim, USER),
        caller(&sim, OUTSIDER),
    );
    let e1 = create(&alice, "KILN", "Epic", "One", None).await;
    let e2 = create(&alice, "KILN", "Epic", "Two", None).await;
    let e3 = create(&alice, "KILN", "Epic", "Three", None).await;
    let secret = create(&alice, "SEC", "Epic", "Embargoed fix", None).await;
    let board_epics = format!("{AGILE}/board/1/epic");
    let epics = || alice.get(&board_epics);
    assert_eq!(epic_keys(&epics().await), [e1.as_str(), &e2, &e3]);
    let ranked = bob
        .put(
            &format!("{AGILE}/epic/{e3}/rank"),
            &json!({ "rankBeforeEpic": e1 }),
        )
        .await;
    assert_eq!(ranked.status, StatusCode::NO_CONTENT, "{}", ranked.text);
    assert_eq!(epic_keys(&epics().await), [e3.as_str(), &e1, &e2]);
    let e2_id = id_of(&alice, &e2).await;
    let ranked = bob
        .put(
            &format!("{AGILE}/epic/{e3}/rank"),
            &json!({ "rankAfterEpic": e2_id, "rankCustomFieldId": 10019 }),
        )
        .await;
    assert_eq!(ranked.status, StatusCode::NO_CONTENT, "{}", ranked.text);
    assert_eq!(epic_keys(&epics().await), [e1.as_str(), &e2, &e3]);

    let url = format!("{AGILE}/epic/{e1}/rank");
    let reply = bob.put(&url, &json!({ "rankBeforeEpic": e1 })).await;
    assert_message(&reply, StatusCode::BAD_REQUEST, "itself");
    let reply = bob.put(&url, &json!({})).await;
    assert_message(
        &reply,
        StatusCode::BAD_REQUEST,
        "rankBeforeEpic or rankAfterEpic",
    );
    let reply = bob
        .put(&url, &json!({ "rankBeforeEpic": e2, "rankAfterEpic": e3 }))
        .await;
    assert_message(&reply, StatusCode::BAD_REQUEST, "not both");
    let reply = bob.put(&url, &json!({ "rankBeforeEpic": "KILN-2" })).await;
    assert_message(&reply, StatusCode::NOT_FOUND, "not an epic");
    let reply = bob
        .put(&url, &json!({ "rankBeforeEpic": "KILN-999" }))
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.text);
    let reply = bob
        .put(
            &format!("{AGILE}/epic/KILN-2/rank"),
            &json!({ "rankBeforeEpic": e1 }),
        )
        .await;
    assert_message(&reply, StatusCode::NOT_FOUND, "not an epic");
    let reply = carol.put(&url, &json!({ "rankBeforeEpic": e2 })).await;
    assert_message(&reply, StatusCode::FORBIDDEN, "permission to rank epic");
    // A SEC epic is one that does not exist, to Carol.
    let hidden = carol.put(&url, &json!({ "rankBeforeEpic": secret })).await;
    let missing = carol
        .put(&url, &json!({ "rankBeforeEpic": "SEC-999" }))
        .await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    assert_eq!(hidden.body, missing.body);
    assert_eq!(epic_keys(&epics().await), [e1.as_str(), &e2, &e3]);
    sim.shutdown().await;
}

#[tokio::test]
async fn moving_to_an_epic_is_announced_as_the_platforms_parent_edit_is() {
    let (url, mut rx) = receiver().await;
    let hook = AdminWebhook {
        name: String::from("epics"),
        url,
        events: vec![WebhookEvent::IssueUpdated],
        jql_filter: None,
        secret: None,
    };
    let sim = Simulator::start(SimConfig {
        seed: kiln_sim::Seed {
            webhooks: vec![hook],
            ..kiln_sim::Seed::default()
        },
        webhooks: WebhookConfig {
            first_retry_after: Duration::from_millis(20),
            ..WebhookConfig::default()
        },
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts");
    let bob = caller(&sim, USER);
    let epic = create(&bob, "KILN", "Epic", "Platform", None).await;
    // The platform's edit of KILN-2's parent, then the agile move of KILN-3.
    let edited = bob
        .put(
            "/rest/api/3/issue/KILN-2",
            &json!({ "fields": { "parent": { "key": epic } } }),
        )
        .await;
    assert_eq!(edited.status, StatusCode::NO_CONTENT, "{}", edited.text);
    let by_edit = next_delivery(&mut rx).await;
    let moved = bob
        .post(
            &format!("{AGILE}/epic/{epic}/issue"),
            &json!({ "issues": ["KILN-3"] }),
        )
        .await;
    assert_eq!(moved.status, StatusCode::NO_CONTENT, "{}", moved.text);
    let by_move = next_delivery(&mut rx).await;
    for delivery in [&by_edit, &by_move] {
        assert_eq!(delivery["webhookEvent"], "jira:issue_updated", "{delivery}");
        assert_eq!(delivery["issue"]["fields"]["parent"]["key"], epic.as_str());
    }
    assert_eq!(by_move["issue"]["key"], "KILN-3");
    assert_eq!(
        by_move["issue_event_type_name"],
        by_edit["issue_event_type_name"]
    );
    assert_eq!(by_move["changelog"]["items"], by_edit["changelog"]["items"]);
    assert_eq!(by_move["user"], by_edit["user"]);
    // The same entry in the REST changelog, with the delivery's id.
    let log = bob.get("/rest/api/3/issue/KILN-3/changelog").await;
    assert_eq!(log.body["values"][0]["id"], by_move["changelog"]["id"]);
    // Removing it is announced too.
    let removed = bob
        .post(
            &format!("{AGILE}/epic/none/issue"),
            &json!({ "issues": ["KILN-3"] }),
        )
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{}", removed.text);
    let by_removal = next_delivery(&mut rx).await;
    let item = &by_removal["changelog"]["items"][0];
    assert_eq!(item["field"], "IssueParentAssociation", "{by_removal}");
    assert_eq!(item["fromString"], epic.as_str());
    assert_eq!(item["to"], Value::Null);
    // A move that changes nothing, and ranking, announce nothing.
    let same = bob
        .post(
            &format!("{AGILE}/epic/{epic}/issue"),
            &json!({ "issues": ["KILN-2"] }),
        )
        .await;
    assert_eq!(same.status, StatusCode::NO_CONTENT);
    let ranked = bob
        .put(
            &format!("{AGILE}/issue/rank"),
            &json!({ "issues": ["KILN-2"], "rankBeforeIssue": "KILN-1" }),
        )
        .await;
    assert_eq!(ranked.status, StatusCode::NO_CONTENT, "{}", ranked.text);
    let extra = tokio::time::timeout(Duration::from_millis(300), rx.recv()).await;
    assert!(extra.is_err(), "unexpected delivery: {extra:?}");
    sim.shutdown().await;
}

#[tokio::test]
async fn hostile_input_gets_typed_400s_in_bounded_time() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let epic = create(&alice, "KILN", "Epic", "Platform", None).await;
    let started = Instant::now();
    // 10,000 issue keys (unknown and known): refused before any is looked up.
    let keys_10k: Vec<String> = (0..10_000).map(|n| format!("KILN-{n}")).collect();
    for (method, path, extra) in [
        (
            "PUT",
            format!("{AGILE}/issue/rank"),
            json!({ "rankBeforeIssue": "KILN-1" }),
        ),
        ("POST", format!("{AGILE}/epic/{epic}/issue"), json!({})),
        ("POST", format!("{AGILE}/epic/none/issue"), json!({})),
        ("POST", format!("{AGILE}/backlog/issue"), json!({})),
    ] {
        let mut body = extra;
        body["issues"] = json!(keys_10k);
        let reply = match method {
            "PUT" => alice.put(&path, &body).await,
            _ => alice.post(&path, &body).await,
        };
        assert_field_error(&reply, "issues");
        assert!(
            reply.body["errors"]["issues"]
                .as_str()
                .is_some_and(|m| m.contains("50"))
        );
    }
    // Fifty copies of one key, and fifty unknown keys.
    let same = vec!["KILN-3"; 50];
    let reply = alice
        .put(
            &format!("{AGILE}/issue/rank"),
            &json!({ "issues": same, "rankAfterIssue": "KILN-6" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text);
    let unknown: Vec<String> = (0..50).map(|n| format!("NOPE-{n}")).collect();
    let reply = alice
        .put(
            &format!("{AGILE}/issue/rank"),
            &json!({ "issues": unknown, "rankAfterIssue": "KILN-6" }),
        )
        .await;
    assert_message(&reply, StatusCode::BAD_REQUEST, "'NOPE-0' does not exist");
    // Only itself, fifty times: nothing is ranked, the one entry says why.
    let reply = alice
        .put(
            &format!("{AGILE}/issue/rank"),
            &json!({ "issues": vec!["KILN-6"; 50], "rankAfterIssue": "KILN-6" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::MULTI_STATUS, "{}", reply.text);
    assert_eq!(reply.body["entries"].as_array().map(Vec::len), Some(1));
    // Long keys and ids past every number.
    let long = "K".repeat(100_000);
    for target in [long.as_str(), "18446744073709551616", "-1", "KILN-", " "] {
        let reply = alice
            .put(
                &format!("{AGILE}/issue/rank"),
                &json!({ "issues": ["KILN-2"], "rankBeforeIssue": target }),
            )
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{target:.20}");
        assert!(reply.body["errorMessages"].is_array());
    }
    // A path is bounded by the HTTP client; a body is not.
    let long_key = "K".repeat(4_000);
    for path in [
        format!("{AGILE}/epic/{long_key}"),
        format!("{AGILE}/epic/{long_key}/issue"),
        format!("{AGILE}/epic/18446744073709551616"),
        format!("{AGILE}/board/1/epic/{long_key}/issue"),
        format!("{AGILE}/board/1/epic/-1/issue"),
    ] {
        let reply = alice.get(&path).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path:.60}");
        assert!(reply.body["errorMessages"].is_array(), "{}", reply.text);
    }
    // Not JSON, and JSON of the wrong shape.
    let raw = send(
        alice
            .request(reqwest::Method::PUT, &format!("{AGILE}/issue/rank"))
            .header("content-type", "application/json")
            .body("{\"issues\": [\"KILN-2\""),
    )
    .await;
    assert_eq!(raw.status, StatusCode::BAD_REQUEST, "{}", raw.text);
    assert!(raw.body["errorMessages"].is_array(), "{}", raw.text);
    for body in [json!(null), json!("KILN-2"), json!({ "issues": [null] })] {
        let reply = alice.put(&format!("{AGILE}/issue/rank"), &body).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            reply.text
        );
    }
    // Paging numbers near the limits.
    let max = u64::MAX.to_string();
    for path in [
        format!("{AGILE}/epic/none/issue"),
        format!("{AGILE}/epic/{epic}/issue"),
        format!("{AGILE}/board/1/epic"),
        format!("{AGILE}/board/1/epic/none/issue"),
    ] {
        let reply = alice
            .get_with(&path, &[("startAt", &max), ("maxResults", &max)])
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text);
        let reply = alice.get_with(&path, &[("startAt", "-1")]).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path}");
    }
    // Many ranks in a row, at the same spot and at the ends: each is one
    // pass, and the order stays whole.
    for n in 0..300 {
        let (issue, place) = if n % 2 == 0 {
            ("KILN-1", json!({ "rankAfterIssue": "KILN-6" }))
        } else {
            ("KILN-6", json!({ "rankBeforeIssue": "KILN-1" }))
        };
        let mut body = place;
        body["issues"] = json!([issue, "KILN-2", "KILN-3"]);
        let reply = alice.put(&format!("{AGILE}/issue/rank"), &body).await;
        assert!(reply.status.is_success(), "{}", reply.text);
    }
    let order = board_order(&alice).await;
    assert_eq!(order.len(), 6);
    let mut sorted = order.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 6, "{order:?}");
    let newest = create(&alice, "KILN", "Task", "Newest", None).await;
    assert_eq!(board_order(&alice).await.last(), Some(&newest));
    // Generous for a debug build on a shared machine.
    let took = started.elapsed();
    assert!(took < Duration::from_secs(60), "took {took:?}");
    // The site still serves.
    assert_eq!(
        alice.get(&format!("{AGILE}/epic/{epic}")).await.status,
        StatusCode::OK
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn apps_reach_epics_and_ranking_with_their_scopes() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let epic = create(&alice, "KILN", "Epic", "Platform", None).await;
    let gateway = format!("{}/ex/jira/{}{AGILE}", sim.base_url(), sim.cloud_id());
    let reader = common::oauth::access_token(&sim, "read:epic:jira-software").await;
    let read = send(
        client()
            .get(format!("{gateway}/epic/{epic}"))
            .bearer_auth(&reader),
    )
    .await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    assert!(read.str_at("/self").starts_with(&gateway));
    // Reading does not write, nor rank.
    let write = send(
        client()
            .post(format!("{gateway}/epic/{epic}/issue"))
            .bearer_auth(&reader)
            .json(&json!({ "issues": ["KILN-2"] })),
    )
    .await;
    assert_eq!(write.status, StatusCode::UNAUTHORIZED, "{}", write.text);
    let writer =
        common::oauth::access_token(&sim, "write:epic:jira-software write:issue:jira-software")
            .await;
    let moved = send(
        client()
            .post(format!("{gateway}/epic/{epic}/issue"))
            .bearer_auth(&writer)
            .json(&json!({ "issues": ["KILN-2"] })),
    )
    .await;
    assert_eq!(moved.status, StatusCode::NO_CONTENT, "{}", moved.text);
    let ranked = send(
        client()
            .put(format!("{gateway}/issue/rank"))
            .bearer_auth(&writer)
            .json(&json!({ "issues": ["KILN-2"], "rankBeforeIssue": "KILN-1" })),
    )
    .await;
    assert_eq!(ranked.status, StatusCode::NO_CONTENT, "{}", ranked.text);
    assert_eq!(parent_of(&alice, "KILN-2").await, epic.as_str());
    assert_eq!(board_order(&alice).await[..2], ["KILN-2", "KILN-1"]);
    sim.shutdown().await;
}
