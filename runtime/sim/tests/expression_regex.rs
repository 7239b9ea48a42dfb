//! Regular expressions in Jira expressions over HTTP (`POST /expression/evaluate`):
//! `match`, `search` and `matchAll` as a workflow validator uses them, an invalid
//! pattern as Jira's 400, lookaround as the simulator's marked 501, and hostile
//! patterns and texts answered at once.

use std::time::{Duration, Instant};

use crate::common;

use common::{ADMIN, caller, start};
use reqwest::StatusCode;
use serde_json::{Value, json};

const EVALUATE: &str = "/rest/api/3/expression/evaluate";

async fn evaluate(sim: &kiln_sim::Simulator, expression: &str) -> common::Reply {
    let body = json!({
        "expression": expression,
        "context": { "issue": { "key": "KILN-1" } }
    });
    caller(sim, ADMIN).post(EVALUATE, &body).await
}

#[tokio::test]
async fn a_validators_patterns_evaluate_as_javascript() {
    let sim = start().await;
    let reply = evaluate(
        &sim,
        "{ valid: issue.key.match('^([A-Z][A-Z0-9]+)-(\\\\d+)$'), \
           digits: issue.key.search('\\\\d'), \
           words: 'to be or not'.matchAll('\\\\b\\\\w\\\\w\\\\b').map(m => m[0]), \
           quoted: 'a-b'.replace('-', '[$&]') }",
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(
        reply.body["value"],
        json!({
            "valid": ["KILN-1", "KILN", "1"],
            "digits": 5,
            "words": ["to", "be", "or"],
            "quoted": "a[-]b"
        })
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn an_invalid_pattern_is_jiras_400_and_lookaround_a_marked_501() {
    let sim = start().await;
    let reply = evaluate(&sim, "issue.summary.match('(')").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert!(!reply.is_not_modelled());
    let message = reply.body["errorMessages"][0].as_str().unwrap_or_default();
    assert!(
        message.contains("Invalid regular expression: /(/: Unterminated group"),
        "{message}"
    );
    for expression in [
        "issue.summary.match('a(?=b)')",
        "issue.summary.match('(?<!b)a')",
        r"issue.summary.match('(a)\\1')",
        // JavaScript refuses the empty pass the crate would take.
        "issue.summary.match('(a*)*')",
        "new RegExp('a')",
    ] {
        let reply = evaluate(&sim, expression).await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_IMPLEMENTED,
            "{expression}: {}",
            reply.text
        );
        assert!(reply.is_not_modelled(), "{expression}");
    }
    // What JavaScript refuses is the 400 even after lookaround or a
    // backreference (Node: "Invalid regular expression: /(?=a)(/:
    // Unterminated group").
    for expression in [
        "issue.summary.match('(?=a)(')",
        r"issue.summary.match('\\1(')",
        "issue.summary.match('(?<=a)*')",
    ] {
        let reply = evaluate(&sim, expression).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{expression}: {}",
            reply.text
        );
        assert!(!reply.is_not_modelled(), "{expression}");
    }
    sim.shutdown().await;
}

/// A repeated group's captures are its last pass's, as in JavaScript
/// (Node: `'KILN-1,OPS-22'.match(/^(?:([A-Z]+)-(\d+),?)+$/)` is
/// `[ 'KILN-1,OPS-22', 'OPS', '22' ]`, `'ab'.match(/(?:(a)|b)+/)` is
/// `[ 'ab', undefined ]`), `undefined` being `null` in the JSON answer.
#[tokio::test]
async fn a_repeated_groups_captures_are_its_last_pass() {
    let sim = start().await;
    let reply = evaluate(
        &sim,
        "['KILN-1,OPS-22'.match('^(?:([A-Z]+)-(\\\\d+),?)+$'), 'ab'.match('(?:(a)|b)+')]",
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(
        reply.body["value"],
        json!([["KILN-1,OPS-22", "OPS", "22"], ["ab", null]])
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn hostile_patterns_and_texts_are_answered_at_once() {
    let sim = start().await;
    let started = Instant::now();
    let reply = evaluate(&sim, "('a'.repeat(50000) + 'b').match('(a+)+$')").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["value"], Value::Null);
    for expression in [
        "'a'.match('a'.repeat(20000))",
        "'a'.match('(a{1000}){1000}')",
        "'a'.repeat(300000).matchAll('a').length",
        "'a'.repeat(300000).matchAll('').length",
    ] {
        let reply = evaluate(&sim, expression).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{expression}: {}",
            reply.text
        );
        let message = reply.body["errorMessages"][0].as_str().unwrap_or_default();
        assert!(message.contains("the simulator's bound"), "{message}");
    }
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "took {:?}",
        started.elapsed()
    );
    sim.shutdown().await;
}
