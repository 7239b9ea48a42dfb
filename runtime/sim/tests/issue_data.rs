//! What apps hang off an issue: properties, watchers and worklogs; and the site
//! facts client libraries ask for first (serverInfo, the field list).

use crate::common;

use common::{ADMIN, OUTSIDER, USER, account_id, caller, start};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn issue_properties_are_stored_listed_and_removed() {
    let sim = start().await;
    let (alice, carol) = (caller(&sim, ADMIN), caller(&sim, OUTSIDER));
    let path = "/rest/api/3/issue/KILN-2/properties/kiln.review";

    let created = alice.put(path, &json!({ "state": "open" })).await;
    assert_eq!(created.status, StatusCode::CREATED);
    let replaced = alice.put(path, &json!({ "state": "done" })).await;
    assert_eq!(replaced.status, StatusCode::OK);
    // Any JSON value, not only objects.
    let scalar = alice
        .put("/rest/api/3/issue/KILN-2/properties/count", &json!(3))
        .await;
    assert_eq!(scalar.status, StatusCode::CREATED);

    let read = carol.get(path).await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(
        read.body,
        json!({ "key": "kiln.review", "value": { "state": "done" } })
    );
    let keys = carol.get("/rest/api/3/issue/KILN-2/properties").await.body;
    let names: Vec<&str> = keys["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .filter_map(|k| k["key"].as_str())
        .collect();
    assert_eq!(names, ["count", "kiln.review"]);

    // Carol may see KILN but not edit it; SEC she cannot see at all.
    assert_eq!(
        carol.put(path, &json!(1)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(carol.delete(path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        carol.get("/rest/api/3/issue/SEC-1/properties").await.status,
        StatusCode::NOT_FOUND
    );

    let not_json = common::send(
        alice
            .request(Method::PUT, path)
            .header("content-type", "application/json")
            .body("{not json"),
    )
    .await;
    assert_eq!(not_json.status, StatusCode::BAD_REQUEST);
    let huge = json!("x".repeat(40_000));
    assert_eq!(alice.put(path, &huge).await.status, StatusCode::BAD_REQUEST);
    let long_key = format!("/rest/api/3/issue/KILN-2/properties/{}", "k".repeat(256));
    assert_eq!(
        alice.put(&long_key, &json!(1)).await.status,
        StatusCode::BAD_REQUEST
    );

    assert_eq!(alice.delete(path).await.status, StatusCode::NO_CONTENT);
    assert_eq!(alice.get(path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(alice.delete(path).await.status, StatusCode::NOT_FOUND);
    sim.shutdown().await;
}

#[tokio::test]
async fn watchers_are_added_and_removed_as_permitted() {
    let sim = start().await;
    let (alice, bob, carol) = (
        caller(&sim, ADMIN),
        caller(&sim, USER),
        caller(&sim, OUTSIDER),
    );
    let path = "/rest/api/3/issue/KILN-1/watchers";
    let bob_id = account_id(&sim, USER);
    let carol_id = account_id(&sim, OUTSIDER);

    let before = bob.get(path).await.body;
    let count = before["watchCount"].as_u64().expect("count");

    // Carol may watch herself, but not enlist Bob (she may not edit KILN).
    assert_eq!(
        carol.post(path, &json!(null)).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        carol.post(path, &json!(bob_id)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        alice.post(path, &json!(bob_id)).await.status,
        StatusCode::NO_CONTENT
    );
    // Adding twice keeps one entry.
    assert_eq!(
        alice.post(path, &json!(bob_id)).await.status,
        StatusCode::NO_CONTENT
    );
    let after = bob.get(path).await.body;
    assert_eq!(after["isWatching"], true);
    assert_eq!(after["watchCount"].as_u64(), Some(count + 2));

    // Carol cannot see SEC, so she cannot be made to watch SEC-1.
    assert_eq!(
        alice
            .post("/rest/api/3/issue/SEC-1/watchers", &json!(carol_id))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        alice.post(path, &json!("no-such-account")).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        alice
            .post(path, &json!({ "accountId": bob_id }))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );

    assert_eq!(alice.delete(path).await.status, StatusCode::BAD_REQUEST);
    let removed = alice.delete(&format!("{path}?accountId={bob_id}")).await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    let last = bob.get(path).await.body;
    assert_eq!(last["isWatching"], false);
    assert_eq!(last["watchCount"].as_u64(), Some(count + 1));
    sim.shutdown().await;
}

#[tokio::test]
async fn worklogs_record_time_in_jira_units() {
    let sim = start().await;
    let (bob, carol) = (caller(&sim, USER), caller(&sim, OUTSIDER));
    let path = "/rest/api/3/issue/KILN-3/worklog";

    let first = bob
        .post(
            path,
            &json!({ "timeSpent": "1d 2h", "started": "2024-03-28T10:15:30.000+0000" }),
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert_eq!(first.body["timeSpentSeconds"], 36_000);
    assert_eq!(first.body["timeSpent"], "1d 2h");
    assert_eq!(first.body["started"], "2024-03-28T10:15:30.000+0000");
    let second = bob.post(path, &json!({ "timeSpentSeconds": 900 })).await;
    assert_eq!(second.body["timeSpent"], "15m");

    for bad in [
        json!({}),
        json!({ "timeSpent": "soon" }),
        json!({ "timeSpentSeconds": 30 }),
        json!({ "timeSpentSeconds": 600, "started": "yesterday" }),
        json!({ "timeSpentSeconds": 600, "comment": "not ADF" }),
    ] {
        assert_eq!(
            bob.post(path, &bad).await.status,
            StatusCode::BAD_REQUEST,
            "{bad}"
        );
    }
    // `addWorklog` documents no 403: Carol, who may not edit KILN, gets 400.
    assert_eq!(
        carol.post(path, &json!({ "timeSpent": "1h" })).await.status,
        StatusCode::BAD_REQUEST
    );

    let page = carol.get(&format!("{path}?maxResults=1")).await.body;
    assert_eq!(page["total"], 2);
    assert_eq!(page["worklogs"].as_array().map(Vec::len), Some(1));
    assert_eq!(page["worklogs"][0]["timeSpentSeconds"], 36_000);
    sim.shutdown().await;
}

#[tokio::test]
async fn server_info_and_fields_answer_what_clients_ask_first() {
    let sim = start().await;
    let bob = caller(&sim, USER);
    let info = bob.get("/rest/api/3/serverInfo").await;
    assert_eq!(info.status, StatusCode::OK);
    assert_eq!(info.body["deploymentType"], "Cloud");
    assert_eq!(info.body["baseUrl"], sim.base_url());
    let fields = bob.get("/rest/api/3/field").await.body;
    let ids: Vec<&str> = fields
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|f| f["id"].as_str())
        .collect();
    assert!(
        ids.contains(&"summary") && ids.contains(&"labels"),
        "{ids:?}"
    );
    sim.shutdown().await;
}

/// A refused create spends no issue id and no key number: the next issue gets
/// the key it would have had (Jira numbers only issues it creates).
#[tokio::test]
async fn a_refused_create_uses_up_no_key() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let create = |fields: serde_json::Value| {
        let alice = &alice;
        async move {
            alice
                .post("/rest/api/3/issue", &json!({ "fields": fields }))
                .await
        }
    };
    let base = json!({ "project": { "key": "KILN" }, "issuetype": { "name": "Task" } });
    let with = |extra: serde_json::Value| {
        let mut fields = base.clone();
        for (k, v) in extra.as_object().expect("an object") {
            fields[k] = v.clone();
        }
        fields
    };
    let first = create(with(json!({ "summary": "First" }))).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    let number = |key: &str| -> u64 {
        key.rsplit('-')
            .next()
            .and_then(|n| n.parse().ok())
            .expect("KEY-N")
    };
    let first_number = number(&first.str_at("/key"));
    let first_id: u64 = first.str_at("/id").parse().expect("an id");
    for refused in [
        with(json!({ "summary": "Bad date", "duedate": "31/12/2024" })),
        with(json!({ "summary": "Bad field", "nosuchfield": 1 })),
        with(json!({ "summary": "Bad parent", "parent": { "key": "KILN-999" } })),
    ] {
        let reply = create(refused.clone()).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{refused}: {}",
            reply.text
        );
    }
    let next = create(with(json!({ "summary": "Next" }))).await;
    assert_eq!(next.status, StatusCode::CREATED, "{}", next.text);
    assert_eq!(number(&next.str_at("/key")), first_number + 1);
    let next_id: u64 = next.str_at("/id").parse().expect("an id");
    assert_eq!(next_id, first_id + 1);
}
