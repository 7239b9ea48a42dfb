//! JQL's `~` and `!~` on text fields: Jira's word search (every query word
//! as a whole word of the text, phrases in quotes, `*` and `?` wildcards, a
//! trailing plural `s` as the only stem), not a substring match.
//!
//! The seed's summaries: KILN-4 "Handle rate limits in the host client",
//! KILN-5 "On-call rotation shows the wrong person" (its description: "The
//! weekly rotation is off by one at the hand-over hour."), SEC-1 "Rotate the
//! leaked staging credential".

use crate::common;

use common::{ADMIN, caller, start};
use reqwest::StatusCode;
use serde_json::json;

/// The keys `jql` finds, in key order.
async fn keys(alice: &common::Caller<'_>, jql: &str) -> Vec<String> {
    let found = alice
        .post(
            "/rest/api/3/search/jql",
            &json!({ "jql": format!("{jql} ORDER BY key"), "fields": ["summary"] }),
        )
        .await;
    assert_eq!(found.status, StatusCode::OK, "{jql}: {}", found.text);
    found.body["issues"]
        .as_array()
        .expect("issues")
        .iter()
        .map(|i| i["key"].as_str().expect("key").to_owned())
        .collect()
}

#[tokio::test]
async fn text_search_matches_words_not_substrings() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    // Before, a substring match: "ate" found "rate" and "Rotate".
    assert!(keys(&alice, "summary ~ ate").await.is_empty());
    assert!(keys(&alice, "summary ~ \"rot\"").await.is_empty());
    assert_eq!(keys(&alice, "summary ~ RATE").await, ["KILN-4"]);
    assert_eq!(keys(&alice, "summary ~ \"limits rate\"").await, ["KILN-4"]);
    assert!(keys(&alice, "summary ~ \"rate missing\"").await.is_empty());
    assert_eq!(keys(&alice, "text ~ \"hand-over\"").await, ["KILN-5"]);
}

#[tokio::test]
async fn quoted_phrases_wildcards_and_the_plural_stem() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    assert_eq!(
        keys(&alice, r#"summary ~ "\"rate limits\"""#).await,
        ["KILN-4"]
    );
    assert!(
        keys(&alice, r#"summary ~ "\"limits rate\"""#)
            .await
            .is_empty()
    );
    assert_eq!(
        keys(&alice, "summary ~ \"rot*\"").await,
        ["KILN-5", "SEC-1"]
    );
    assert_eq!(keys(&alice, "summary ~ \"r?tate\"").await, ["SEC-1"]);
    assert_eq!(keys(&alice, "summary ~ limit").await, ["KILN-4"]);
    assert_eq!(keys(&alice, "description ~ rotations").await, ["KILN-5"]);
}

#[tokio::test]
async fn not_contains_is_the_negation() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    assert_eq!(
        keys(&alice, "project = KILN AND summary !~ rate").await,
        ["KILN-1", "KILN-2", "KILN-3", "KILN-5", "KILN-6"]
    );
    // "ate" is no word of any summary, so `!~` keeps every issue.
    assert_eq!(
        keys(&alice, "project = KILN AND summary !~ ate")
            .await
            .len(),
        6
    );
}
