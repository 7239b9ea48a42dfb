//! Issue properties on many issues at once (`PUT`/`DELETE
//! /issue/properties/{key}`, `POST /issue/properties`, `POST
//! /issue/properties/multi`): each answers `303` to a finished task, writes what
//! a single write would, refuses what a single write refuses, and the first
//! three change nothing when they refuse.

use crate::common;

use common::{ADMIN, Caller, OUTSIDER, Reply, USER, caller, send, start};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// The id of issue `key`.
async fn id_of(who: &Caller<'_>, key: &str) -> u64 {
    who.get(&format!("/rest/api/3/issue/{key}?fields=summary"))
        .await
        .str_at("/id")
        .parse()
        .expect("numeric id")
}

/// The value of property `property` on issue `key`, `Null` when it has none.
async fn property(who: &Caller<'_>, key: &str, property: &str) -> Value {
    let read = who
        .get(&format!("/rest/api/3/issue/{key}/properties/{property}"))
        .await;
    if read.status == StatusCode::NOT_FOUND {
        return Value::Null;
    }
    read.body["value"].clone()
}

/// A `DELETE` with a JSON body, as the bulk delete takes its filter.
async fn delete_with(who: &Caller<'_>, path: &str, body: &Value) -> Reply {
    send(who.request(Method::DELETE, path).json(body)).await
}

/// Follows a `303` to its task, which must be complete.
async fn finished(who: &Caller<'_>, reply: &Reply) {
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text);
    assert_eq!(reply.body["status"], "COMPLETE", "{}", reply.text);
    let task = reply.body["self"].as_str().expect("task link");
    let path = &task[task.find("/rest/").expect("a REST path")..];
    let read = who.get(path).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    assert_eq!(read.body["status"], "COMPLETE");
}

#[tokio::test]
async fn one_property_is_set_and_deleted_on_the_issues_a_filter_picks() {
    let sim = start().await;
    let (alice, bob, carol) = (
        caller(&sim, ADMIN),
        caller(&sim, USER),
        caller(&sim, OUTSIDER),
    );
    let (one, two, three) = (
        id_of(&bob, "KILN-1").await,
        id_of(&bob, "KILN-2").await,
        id_of(&bob, "KILN-3").await,
    );
    let bulk = "/rest/api/3/issue/properties/triage";

    // A value on the issues named.
    let set = bob
        .put(
            bulk,
            &json!({ "value": { "owner": "bob", "weight": 1 }, "filter": { "entityIds": [one, two] } }),
        )
        .await;
    finished(&bob, &set).await;
    assert_eq!(
        property(&bob, "KILN-1", "triage").await,
        json!({ "owner": "bob", "weight": 1 })
    );
    assert_eq!(property(&bob, "KILN-2", "triage").await["weight"], 1);
    assert_eq!(property(&bob, "KILN-3", "triage").await, Value::Null);

    // Only where the property holds the current value; only where it is absent.
    let bumped = bob
        .put(
            bulk,
            &json!({ "value": { "weight": 2 },
                     "filter": { "entityIds": [one, three], "currentValue": { "owner": "bob", "weight": 1 } } }),
        )
        .await;
    finished(&bob, &bumped).await;
    assert_eq!(
        property(&bob, "KILN-1", "triage").await,
        json!({ "weight": 2 })
    );
    assert_eq!(property(&bob, "KILN-3", "triage").await, Value::Null);
    let fresh = bob
        .put(
            bulk,
            &json!({ "value": "new", "filter": { "entityIds": [one, two, three], "hasProperty": false } }),
        )
        .await;
    finished(&bob, &fresh).await;
    assert_eq!(property(&bob, "KILN-3", "triage").await, "new");
    assert_eq!(
        property(&bob, "KILN-1", "triage").await,
        json!({ "weight": 2 })
    );

    // A value from a Jira expression, for each issue.
    let computed = bob
        .put(
            "/rest/api/3/issue/properties/summary-length",
            &json!({ "expression": "issue.summary.length", "filter": { "entityIds": [one, two] } }),
        )
        .await;
    finished(&bob, &computed).await;
    let summary = bob.get("/rest/api/3/issue/KILN-1?fields=summary").await;
    let length = summary.body["fields"]["summary"]
        .as_str()
        .expect("summary")
        .chars()
        .count();
    assert_eq!(property(&bob, "KILN-1", "summary-length").await, length);

    // Without a filter: every issue the caller may edit. Carol may edit none.
    let hers = carol.put(bulk, &json!({ "value": "carol's" })).await;
    finished(&carol, &hers).await;
    assert_eq!(property(&bob, "KILN-3", "triage").await, "new");
    let everyone = alice
        .put(
            "/rest/api/3/issue/properties/seen",
            &json!({ "value": true }),
        )
        .await;
    finished(&alice, &everyone).await;
    assert_eq!(property(&alice, "SEC-1", "seen").await, true);

    // Deleting: from the issues named that hold the value asked.
    let deleted = delete_with(
        &bob,
        bulk,
        &json!({ "entityIds": [one, three], "currentValue": "new" }),
    )
    .await;
    finished(&bob, &deleted).await;
    assert_eq!(property(&bob, "KILN-3", "triage").await, Value::Null);
    assert_eq!(
        property(&bob, "KILN-1", "triage").await,
        json!({ "weight": 2 })
    );
    let all = delete_with(&bob, bulk, &json!({})).await;
    finished(&bob, &all).await;
    assert_eq!(property(&bob, "KILN-1", "triage").await, Value::Null);

    // Refusals, each changing nothing.
    let long_key = "k".repeat(256);
    for (path, body, why) in [
        (
            bulk.to_owned(),
            json!({ "filter": {} }),
            "neither value nor expression",
        ),
        (
            bulk.to_owned(),
            json!({ "value": 1, "expression": "1" }),
            "both value and expression",
        ),
        (
            bulk.to_owned(),
            json!({ "value": 1, "filter": { "currentValue": 1, "hasProperty": false } }),
            "a current value without the property",
        ),
        (
            bulk.to_owned(),
            json!({ "value": "x".repeat(40_000) }),
            "a value over 32,768 bytes",
        ),
        (
            format!("/rest/api/3/issue/properties/{long_key}"),
            json!({ "value": 1 }),
            "a key over 255 characters",
        ),
        (
            bulk.to_owned(),
            json!({ "value": 1, "other": 2 }),
            "no other property",
        ),
        (
            bulk.to_owned(),
            json!({ "expression": "issue.comments.length" }),
            "an expression that loads each issue's comments",
        ),
        (
            bulk.to_owned(),
            json!({ "expression": "issue.(" }),
            "a syntax error",
        ),
    ] {
        let refused = bob.put(&path, &body).await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{why}: {}",
            refused.text
        );
    }
    assert_eq!(property(&bob, "KILN-1", "triage").await, Value::Null);
    sim.shutdown().await;
}

#[tokio::test]
async fn properties_are_set_on_a_list_of_issues_all_or_none() {
    let sim = start().await;
    let (bob, carol) = (caller(&sim, USER), caller(&sim, OUTSIDER));
    let (one, two) = (id_of(&bob, "KILN-1").await, id_of(&bob, "KILN-2").await);
    let list = "/rest/api/3/issue/properties";

    let set = bob
        .post(
            list,
            &json!({ "entitiesIds": [one, two], "properties": { "a": 1, "b": { "c": [true] } } }),
        )
        .await;
    finished(&bob, &set).await;
    for key in ["KILN-1", "KILN-2"] {
        assert_eq!(property(&bob, key, "a").await, 1);
        assert_eq!(property(&bob, key, "b").await, json!({ "c": [true] }));
    }

    // Carol may browse KILN but not edit it: 400, nothing set.
    let refused = carol
        .post(
            list,
            &json!({ "entitiesIds": [one], "properties": { "a": 2 } }),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    let properties: serde_json::Map<String, Value> =
        (0..11).map(|n| (format!("p{n}"), json!(n))).collect();
    for (body, why) in [
        (
            json!({ "entitiesIds": [one, 999_999], "properties": { "a": 3 } }),
            "an unknown issue",
        ),
        (
            json!({ "entitiesIds": [], "properties": { "a": 3 } }),
            "no issue",
        ),
        (
            json!({ "entitiesIds": [one], "properties": {} }),
            "no property",
        ),
        (
            json!({ "entitiesIds": [one], "properties": properties }),
            "eleven properties",
        ),
        (
            json!({ "entitiesIds": [one], "properties": { "a": "x".repeat(40_000) } }),
            "a long value",
        ),
        (
            json!({ "entitiesIds": ["KILN-1"], "properties": { "a": 3 } }),
            "ids are numbers",
        ),
    ] {
        let refused = bob.post(list, &body).await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{why}: {}",
            refused.text
        );
    }
    assert_eq!(property(&bob, "KILN-1", "a").await, 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn each_issue_gets_its_own_properties_and_the_rest_are_skipped() {
    let sim = start().await;
    let (alice, bob) = (caller(&sim, ADMIN), caller(&sim, USER));
    let (one, sec) = (id_of(&bob, "KILN-1").await, id_of(&alice, "SEC-1").await);
    let multi = "/rest/api/3/issue/properties/multi";

    // Bob cannot see SEC-1 and 999999 does not exist: both are skipped.
    let set = bob
        .post(
            multi,
            &json!({ "issues": [
                { "issueID": one, "properties": { "cost": 150 } },
                { "issueID": sec, "properties": { "cost": 1 } },
                { "issueID": 999_999, "properties": { "cost": 2 } },
            ] }),
        )
        .await;
    finished(&bob, &set).await;
    assert_eq!(property(&bob, "KILN-1", "cost").await, 150);
    assert_eq!(property(&alice, "SEC-1", "cost").await, Value::Null);

    let many: Vec<Value> = (0..101)
        .map(|_| json!({ "issueID": one, "properties": { "cost": 3 } }))
        .collect();
    for (body, why) in [
        (json!({ "issues": [] }), "no issue"),
        (json!({ "issues": many }), "101 issues"),
        (
            json!({ "issues": [{ "properties": { "cost": 3 } }] }),
            "no issueID",
        ),
        (
            json!({ "issues": [{ "issueID": one, "properties": {} }] }),
            "no property",
        ),
    ] {
        let refused = bob.post(multi, &body).await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{why}: {}",
            refused.text
        );
    }
    assert_eq!(property(&bob, "KILN-1", "cost").await, 150);

    // `multi` is also a property key for the bulk set and delete.
    let keyed = bob
        .put(
            multi,
            &json!({ "value": 7, "filter": { "entityIds": [one] } }),
        )
        .await;
    finished(&bob, &keyed).await;
    assert_eq!(property(&bob, "KILN-1", "multi").await, 7);

    // `/issue/properties` is no issue for the other methods.
    let read = bob.get("/rest/api/3/issue/properties").await;
    assert_eq!(read.status, StatusCode::NOT_FOUND, "{}", read.text);
    sim.shutdown().await;
}
