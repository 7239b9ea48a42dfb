//! What a client can make the site hold: the per-issue limits Jira Cloud documents
//! (413 past 5,000 comments or worklogs on one issue) and the simulator's write
//! budget (`507` once a site has taken its bytes of writes; reads keep working).

use kiln_sim::{Seed, SeedComment, SimConfig, WRITE_ENTRY_BYTES};
use reqwest::StatusCode;
use serde_json::json;

use crate::common::{ADMIN, caller, ops, start_with};

/// A seed whose KILN-1 already holds `count` comments.
fn seed_with_comments(count: usize) -> Seed {
    let mut seed = Seed::default();
    seed.projects[0].issues[0].comments = (0..count)
        .map(|n| SeedComment {
            author: ADMIN.into(),
            body: format!("comment {n}"),
        })
        .collect();
    seed
}

#[tokio::test]
async fn an_issue_takes_five_thousand_comments_and_no_more() {
    let sim = start_with(SimConfig {
        seed: seed_with_comments(4_999),
        ..SimConfig::default()
    })
    .await;
    let alice = caller(&sim, ADMIN);
    let last = alice
        .post(
            "/rest/api/2/issue/KILN-1/comment",
            &json!({ "body": "the 5,000th" }),
        )
        .await;
    assert_eq!(last.status, StatusCode::CREATED, "{}", last.body);
    let over = alice
        .post(
            "/rest/api/2/issue/KILN-1/comment",
            &json!({ "body": "one more" }),
        )
        .await;
    assert_eq!(over.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", over.body);
    assert_eq!(
        over.body["errorMessages"][0],
        "The per-issue limit for comments (5000) has been breached."
    );
    // A link that would comment on the full issue is refused whole: no link either.
    let link = alice
        .post(
            "/rest/api/3/issueLink",
            &json!({ "type": { "name": "Relates" }, "inwardIssue": { "key": "KILN-2" },
                "outwardIssue": { "key": "KILN-1" },
                "comment": { "body": { "type": "doc", "version": 1, "content": [
                    { "type": "paragraph", "content": [{ "type": "text", "text": "linked" }] }
                ] } } }),
        )
        .await;
    assert_eq!(link.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", link.body);
    let issue = alice
        .get("/rest/api/3/issue/KILN-1?fields=issuelinks,comment")
        .await;
    assert_eq!(issue.body["fields"]["issuelinks"], json!([]));
    assert_eq!(issue.body["fields"]["comment"]["total"], 5_000);
    // Another issue is not affected.
    let elsewhere = alice
        .post(
            "/rest/api/2/issue/KILN-2/comment",
            &json!({ "body": "fine" }),
        )
        .await;
    assert_eq!(elsewhere.status, StatusCode::CREATED, "{}", elsewhere.body);
}

#[tokio::test]
async fn an_issue_takes_five_thousand_worklogs_and_no_more() {
    let sim = start_with(SimConfig::default()).await;
    let alice = caller(&sim, ADMIN);
    let one_minute = json!({ "timeSpentSeconds": 60 });
    // Fifty at a time: the site takes them one by one, the client need not wait.
    for _ in 0..100 {
        let batch = (0..50).map(|_| alice.post("/rest/api/2/issue/KILN-1/worklog", &one_minute));
        for logged in futures_util::future::join_all(batch).await {
            assert_eq!(logged.status, StatusCode::CREATED, "{}", logged.body);
        }
    }
    let over = alice
        .post(
            "/rest/api/2/issue/KILN-1/worklog",
            &json!({ "timeSpentSeconds": 60 }),
        )
        .await;
    assert_eq!(over.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", over.body);
    assert_eq!(
        over.body["errorMessages"][0],
        "The per-issue limit for worklogs (5000) has been breached."
    );
    // Nothing of the refused worklog was kept: the time spent is 5,000 minutes.
    let issue = alice
        .get("/rest/api/3/issue/KILN-1?fields=timetracking")
        .await;
    assert_eq!(
        issue.body["fields"]["timetracking"]["timeSpentSeconds"],
        5_000 * 60
    );
}

/// A site that takes `budget` bytes of writes over its life.
async fn budgeted(budget: u64) -> kiln_sim::Simulator {
    start_with(SimConfig {
        write_budget_bytes: budget,
        ..SimConfig::default()
    })
    .await
}

/// Bytes of the comment body the budget test sends, each time.
const COMMENT: &str = "a comment of a fixed length, sent again and again until the site is full";

#[tokio::test]
async fn a_site_refuses_writes_past_its_budget_and_keeps_serving_reads() {
    let budget = 2_048;
    let sim = budgeted(budget).await;
    let alice = caller(&sim, ADMIN);

    // Reads sent with POST cost nothing, however much they send.
    let long_jql = format!("project = KILN AND summary !~ \"{}\"", "x".repeat(500));
    for _ in 0..10 {
        let read = alice
            .post("/rest/api/3/search/jql", &json!({ "jql": long_jql }))
            .await;
        assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    }
    // Nor do writes the site refuses.
    for _ in 0..10 {
        let refused = alice
            .post(
                "/rest/api/2/issue/KILN-404/comment",
                &json!({ "body": "x".repeat(500) }),
            )
            .await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND, "{}", refused.body);
    }

    // Accepted writes spend their bodies, their paths and an entry's bytes
    // until the budget is gone.
    let body = json!({ "body": COMMENT });
    let path = "/rest/api/2/issue/KILN-1/comment";
    let size = serde_json::to_vec(&body).expect("JSON").len() as u64
        + path.len() as u64
        + WRITE_ENTRY_BYTES;
    let mut accepted = 0_u64;
    let refusal = loop {
        let reply = alice.post(path, &body).await;
        if reply.status != StatusCode::CREATED {
            break reply;
        }
        accepted += 1;
        assert!(accepted <= budget, "the budget never ran out");
    };
    assert_eq!(
        refusal.status,
        StatusCode::INSUFFICIENT_STORAGE,
        "{}",
        refusal.body
    );
    assert_eq!(accepted, budget.div_ceil(size), "{size} bytes a comment");
    let message = refusal.body["errorMessages"][0].as_str().expect("message");
    assert!(
        message.contains("at most 2048 bytes of writes"),
        "{message}"
    );
    assert!(message.contains("Restart it"), "{message}");

    // Every write is refused now, whatever it writes.
    let property = alice
        .put(
            "/rest/api/3/issue/KILN-1/properties/kiln.note",
            &json!({ "n": 1 }),
        )
        .await;
    assert_eq!(property.status, StatusCode::INSUFFICIENT_STORAGE);
    let alert = alice
        .post(&ops(&sim, "/alerts"), &json!({ "message": "Disk full" }))
        .await;
    assert_eq!(
        alert.status,
        StatusCode::INSUFFICIENT_STORAGE,
        "{}",
        alert.body
    );
    assert_eq!(
        alert.body["errors"][0]["code"], "INSUFFICIENT_STORAGE",
        "the Ops shape"
    );

    // Reads keep working, and show what was written.
    let issue = alice.get("/rest/api/3/issue/KILN-1?fields=comment").await;
    assert_eq!(issue.status, StatusCode::OK);
    let seeded = issue.body["fields"]["comment"]["total"]
        .as_u64()
        .expect("total")
        - accepted;
    assert!(seeded < 10, "{seeded} seeded comments");
    let search = alice
        .post(
            "/rest/api/3/search/jql",
            &json!({ "jql": "project = KILN" }),
        )
        .await;
    assert_eq!(search.status, StatusCode::OK);
}

/// Writes that send almost nothing still cost the site what it keeps for them:
/// a property under a 255-character key, whose value is `1`, is charged its
/// path (which carries the key) and an entry's bytes, so a budget runs out
/// after as many of them as it could hold, not after hundreds of thousands.
#[tokio::test]
async fn tiny_writes_under_long_keys_are_charged_for_what_they_keep() {
    let budget = 16_384;
    let sim = budgeted(budget).await;
    let alice = caller(&sim, ADMIN);
    let mut accepted = 0_u64;
    let mut charged = 0_u64;
    let refusal = loop {
        // 255 characters: Jira's longest key, a counter first so each is new.
        let key = format!("{accepted:05}{}", "k".repeat(250));
        let path = format!("/rest/api/3/issue/KILN-1/properties/{key}");
        let reply = alice.put(&path, &json!(1)).await;
        if !reply.status.is_success() {
            break reply;
        }
        accepted += 1;
        charged += path.len() as u64 + 1 + WRITE_ENTRY_BYTES;
        assert!(accepted <= budget, "the budget never ran out");
    };
    assert_eq!(
        refusal.status,
        StatusCode::INSUFFICIENT_STORAGE,
        "{}",
        refusal.body
    );
    // The write that passed the budget was the last accepted one.
    assert!(charged >= budget, "{charged} charged of {budget}");
    let one = ("/rest/api/3/issue/KILN-1/properties/".len() + 255) as u64 + 1 + WRITE_ENTRY_BYTES;
    assert!(charged - one < budget, "{charged} charged of {budget}");
    assert_eq!(accepted, budget.div_ceil(one), "{one} bytes a property");
}

/// A write that puts one value on many issues is charged for every copy the
/// site keeps, not only for the body that named the value once.
#[tokio::test]
async fn a_value_set_on_many_issues_is_charged_for_each_copy() {
    let budget = 16_384;
    let sim = budgeted(budget).await;
    let alice = caller(&sim, ADMIN);
    let mut ids = Vec::new();
    for key in ["KILN-1", "KILN-2", "KILN-3"] {
        let issue = alice
            .get(&format!("/rest/api/3/issue/{key}?fields=summary"))
            .await;
        ids.push(issue.str_at("/id").parse::<u64>().expect("numeric id"));
    }
    // About 6 KB sent once, kept three times: more than the budget, which the
    // body alone would have left two thirds of.
    let value = "v".repeat(6_000);
    let set = alice
        .post(
            "/rest/api/3/issue/properties",
            &json!({ "entitiesIds": ids, "properties": { "copied": value } }),
        )
        .await;
    assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.body);
    let next = alice
        .put("/rest/api/3/issue/KILN-1/properties/small", &json!(1))
        .await;
    assert_eq!(
        next.status,
        StatusCode::INSUFFICIENT_STORAGE,
        "{}",
        next.body
    );
}

/// An edit is charged for the changelog entry it leaves (the old and the new
/// text), not only for its body, so edits that each pin two large texts in the
/// history spend the budget twice as fast as their bodies would.
#[tokio::test]
async fn an_edit_is_charged_for_the_history_it_leaves() {
    let budget = 200_000;
    let sim = budgeted(budget).await;
    let alice = caller(&sim, ADMIN);
    let text_chars = 10_000_u64;
    let mut accepted = 0_u64;
    let refusal = loop {
        // Each edit replaces the description with another of the same length.
        let letter = if accepted.is_multiple_of(2) { "a" } else { "b" };
        let body = json!({ "fields": { "description": letter.repeat(10_000) } });
        let reply = alice.put("/rest/api/2/issue/KILN-1", &body).await;
        if !reply.status.is_success() {
            break reply;
        }
        accepted += 1;
        assert!(accepted <= budget / text_chars, "the budget never ran out");
    };
    assert_eq!(
        refusal.status,
        StatusCode::INSUFFICIENT_STORAGE,
        "{}",
        refusal.body
    );
    // The body alone would have allowed 20 edits; each edit's history keeps
    // about as much again.
    assert!(
        accepted <= budget.div_ceil(2 * text_chars),
        "{accepted} edits of {text_chars} characters within {budget} bytes"
    );
}
