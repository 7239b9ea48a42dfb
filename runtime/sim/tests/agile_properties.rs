//! The agile API's board and sprint properties and a board's versions
//! (`/rest/agile/1.0/board/{boardId}/properties`, `/sprint/{sprintId}/properties`,
//! `/board/{boardId}/version`): who may read and write what, the platform's
//! key and value limits, Jira's statuses and error bodies for hostile input,
//! the site's cap on stored properties, and the versions' filter, order and
//! paging.

use crate::common;

use common::{ADMIN, OUTSIDER, USER, caller, client, send, start};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const AGILE: &str = "/rest/agile/1.0";

/// The simulator's cap on board and sprint properties, site-wide
/// (`world::agile_property::MAX_AGILE_PROPERTIES`).
const MAX_AGILE_PROPERTIES: usize = 2_000;

/// A new sprint on `board`, made by Alice (who manages sprints everywhere).
async fn sprint(sim: &kiln_sim::Simulator, board: u64, name: &str) -> u64 {
    let made = caller(sim, ADMIN)
        .post(
            &format!("{AGILE}/sprint"),
            &json!({ "name": name, "originBoardId": board }),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    made.body["id"].as_u64().expect("sprint id")
}

/// Alice (site admin, KILN's and SEC's lead), Bob (edits KILN, browses SEC)
/// and Carol (browses KILN only).
fn people(
    sim: &kiln_sim::Simulator,
) -> (common::Caller<'_>, common::Caller<'_>, common::Caller<'_>) {
    (caller(sim, ADMIN), caller(sim, USER), caller(sim, OUTSIDER))
}

/// Asserts `reply` is Jira's error body with `status`.
fn refused(reply: &common::Reply, status: StatusCode) {
    assert_eq!(reply.status, status, "{}", reply.text);
    let messages = reply.body["errorMessages"].as_array();
    let errors = reply.body["errors"].as_object();
    assert!(
        messages.is_some_and(|m| !m.is_empty()) || errors.is_some_and(|e| !e.is_empty()),
        "an error body: {}",
        reply.text
    );
}

/// A board Bob makes from a filter of his (so he administers it), located in
/// KILN; its id.
async fn bobs_board(sim: &kiln_sim::Simulator) -> u64 {
    let bob = caller(sim, USER);
    let filter = bob
        .post(
            "/rest/api/3/filter",
            &json!({ "name": "Mine", "jql": "project = KILN" }),
        )
        .await;
    assert_eq!(filter.status, StatusCode::OK, "{}", filter.text);
    let filter_id: u64 = filter.str_at("/id").parse().expect("numeric id");
    let board = bob
        .post(
            &format!("{AGILE}/board"),
            &json!({ "name": "Bob's", "type": "scrum", "filterId": filter_id }),
        )
        .await;
    assert_eq!(board.status, StatusCode::CREATED, "{}", board.text);
    board.body["id"].as_u64().expect("board id")
}

#[tokio::test]
async fn board_properties_are_read_by_viewers_and_written_by_administrators() {
    let sim = start().await;
    let (alice, bob, carol) = people(&sim);
    // Board 1 is KILN's, administered by its lead, Alice.
    let path = format!("{AGILE}/board/1/properties/kiln.config");
    let created = alice.put(&path, &json!({ "columns": 3 })).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.body, json!({}));
    let replaced = alice.put(&path, &json!({ "columns": 4 })).await;
    assert_eq!(replaced.status, StatusCode::OK, "{}", replaced.text);
    // Anyone who may view the board reads it: Carol browses KILN.
    let read = carol.get(&path).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    assert_eq!(
        read.body,
        json!({ "key": "kiln.config", "value": { "columns": 4 } })
    );
    let keys = carol.get(&format!("{AGILE}/board/1/properties")).await;
    assert_eq!(keys.status, StatusCode::OK, "{}", keys.text);
    assert_eq!(keys.body["keys"].as_array().map(Vec::len), Some(1));
    assert_eq!(keys.body["keys"][0]["key"], "kiln.config");
    assert_eq!(
        keys.body["keys"][0]["self"],
        format!("{}{AGILE}/board/1/properties/kiln.config", sim.base_url())
    );
    // Bob views board 1 but does not administer it; Carol may not view SEC's
    // board 2, which is the 404 of a board that does not exist.
    refused(&bob.put(&path, &json!(1)).await, StatusCode::FORBIDDEN);
    refused(&bob.delete(&path).await, StatusCode::FORBIDDEN);
    for path in [
        format!("{AGILE}/board/2/properties"),
        format!("{AGILE}/board/2/properties/x"),
        format!("{AGILE}/board/999/properties"),
    ] {
        let hidden = carol.get(&path).await;
        refused(&hidden, StatusCode::NOT_FOUND);
        assert!(hidden.body["errors"]["rapidViewId"].is_string(), "{path}");
    }
    refused(
        &carol
            .put(&format!("{AGILE}/board/2/properties/x"), &json!(1))
            .await,
        StatusCode::NOT_FOUND,
    );
    // A board's administrator writes its properties; a missing key is a 404.
    let mine = bobs_board(&sim).await;
    let own = format!("{AGILE}/board/{mine}/properties/bob");
    assert_eq!(bob.put(&own, &json!([1, 2])).await.status, 201);
    refused(
        &bob.get(&format!("{AGILE}/board/{mine}/properties/nope"))
            .await,
        StatusCode::NOT_FOUND,
    );
    assert_eq!(alice.delete(&path).await.status, StatusCode::NO_CONTENT);
    refused(&alice.delete(&path).await, StatusCode::NOT_FOUND);
    refused(&carol.get(&path).await, StatusCode::NOT_FOUND);
    assert_eq!(
        alice.get(&format!("{AGILE}/board/1/properties")).await.body,
        json!({ "keys": [] })
    );
    // Deleting the board takes its properties with it.
    assert_eq!(
        bob.delete(&format!("{AGILE}/board/{mine}")).await.status,
        StatusCode::NO_CONTENT
    );
    refused(&bob.get(&own).await, StatusCode::NOT_FOUND);
    sim.shutdown().await;
}

#[tokio::test]
async fn sprint_properties_tell_a_missing_sprint_from_a_forbidden_one() {
    let sim = start().await;
    let (alice, bob, carol) = people(&sim);
    let kiln = sprint(&sim, 1, "Kiln 1").await;
    let sec = sprint(&sim, 2, "Sec 1").await;
    let path = format!("{AGILE}/sprint/{kiln}/properties/kiln.goal");
    // Bob edits KILN's issues, so manages its sprints.
    assert_eq!(bob.put(&path, &json!("ship")).await.status, 201);
    assert_eq!(bob.put(&path, &json!("ship it")).await.status, 200);
    // Carol may view the sprint (she browses KILN) but not edit it.
    let read = carol.get(&path).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    assert_eq!(read.body, json!({ "key": "kiln.goal", "value": "ship it" }));
    let keys = carol
        .get(&format!("{AGILE}/sprint/{kiln}/properties"))
        .await;
    assert_eq!(
        keys.body["keys"][0]["self"],
        format!(
            "{}{AGILE}/sprint/{kiln}/properties/kiln.goal",
            sim.base_url()
        )
    );
    refused(&carol.put(&path, &json!(1)).await, StatusCode::FORBIDDEN);
    refused(&carol.delete(&path).await, StatusCode::FORBIDDEN);
    // The spec tells them apart: a sprint Carol may not view is a 403, one
    // that does not exist a 404.
    for path in [
        format!("{AGILE}/sprint/{sec}/properties"),
        format!("{AGILE}/sprint/{sec}/properties/x"),
    ] {
        refused(&carol.get(&path).await, StatusCode::FORBIDDEN);
    }
    refused(
        &carol
            .put(&format!("{AGILE}/sprint/{sec}/properties/x"), &json!(1))
            .await,
        StatusCode::FORBIDDEN,
    );
    // Bob may browse SEC (so view its sprint) but not edit its issues.
    refused(
        &bob.put(&format!("{AGILE}/sprint/{sec}/properties/x"), &json!(1))
            .await,
        StatusCode::FORBIDDEN,
    );
    assert_eq!(
        bob.get(&format!("{AGILE}/sprint/{sec}/properties"))
            .await
            .body,
        json!({ "keys": [] })
    );
    for path in [
        format!("{AGILE}/sprint/999/properties"),
        format!("{AGILE}/sprint/999/properties/x"),
    ] {
        refused(&alice.get(&path).await, StatusCode::NOT_FOUND);
    }
    refused(
        &alice
            .put(&format!("{AGILE}/sprint/999/properties/x"), &json!(1))
            .await,
        StatusCode::NOT_FOUND,
    );
    // Deleting a property, then the sprint with the rest of its properties.
    assert_eq!(bob.delete(&path).await.status, StatusCode::NO_CONTENT);
    refused(&bob.get(&path).await, StatusCode::NOT_FOUND);
    assert_eq!(bob.put(&path, &json!(true)).await.status, 201);
    assert_eq!(
        alice.delete(&format!("{AGILE}/sprint/{kiln}")).await.status,
        StatusCode::NO_CONTENT
    );
    refused(&alice.get(&path).await, StatusCode::NOT_FOUND);
    sim.shutdown().await;
}

#[tokio::test]
async fn hostile_property_writes_get_jiras_400() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let kiln = sprint(&sim, 1, "Kiln 1").await;
    for base in [
        format!("{AGILE}/board/1/properties"),
        format!("{AGILE}/sprint/{kiln}/properties"),
    ] {
        let longest = format!("{base}/{}", "k".repeat(255));
        assert_eq!(alice.put(&longest, &json!(1)).await.status, 201, "{base}");
        let too_long = format!("{base}/{}", "k".repeat(256));
        refused(
            &alice.put(&too_long, &json!(1)).await,
            StatusCode::BAD_REQUEST,
        );
        // A 32,768-byte value (with its quotes) is kept; one byte more is not.
        let path = format!("{base}/big");
        let largest = json!("x".repeat(32_766));
        assert_eq!(alice.put(&path, &largest).await.status, 201, "{base}");
        assert_eq!(alice.get(&path).await.body["value"], largest);
        let too_large = json!("x".repeat(32_767));
        refused(&alice.put(&path, &too_large).await, StatusCode::BAD_REQUEST);
        let huge = send(
            alice
                .request(Method::PUT, &path)
                .header("content-type", "application/json")
                .body(vec![b'1'; 1_000_000]),
        )
        .await;
        refused(&huge, StatusCode::BAD_REQUEST);
        for body in ["{oops", "", "   ", "{\"a\":1}}", "\u{0}"] {
            let bad = send(
                alice
                    .request(Method::PUT, &path)
                    .header("content-type", "application/json")
                    .body(body),
            )
            .await;
            refused(&bad, StatusCode::BAD_REQUEST);
        }
        // The refused writes left the stored value as it was.
        assert_eq!(alice.get(&path).await.body["value"], largest);
    }
    // An id that is not a number, or is negative, is the spec's 400.
    for entity in ["board", "sprint"] {
        for id in ["abc", "-1", "1.5", "99999999999999999999999", "%20"] {
            for reply in [
                alice
                    .get(&format!("{AGILE}/{entity}/{id}/properties"))
                    .await,
                alice
                    .get(&format!("{AGILE}/{entity}/{id}/properties/x"))
                    .await,
                alice
                    .put(&format!("{AGILE}/{entity}/{id}/properties/x"), &json!(1))
                    .await,
                alice
                    .delete(&format!("{AGILE}/{entity}/{id}/properties/x"))
                    .await,
            ] {
                refused(&reply, StatusCode::BAD_REQUEST);
            }
        }
    }
    // Keys are kept as given: odd characters, escaped in the path, come back.
    let odd = "a b/ü?&";
    let escaped = url::form_urlencoded::byte_serialize(odd.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    let path = format!("{AGILE}/board/1/properties/{escaped}");
    assert_eq!(alice.put(&path, &json!({})).await.status, 201);
    assert_eq!(alice.get(&path).await.body["key"], odd);
    sim.shutdown().await;
}

#[tokio::test]
async fn the_site_caps_stored_properties_and_deleting_a_sprint_frees_its_own() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let kiln = sprint(&sim, 1, "Kiln 1").await;
    for n in 0..MAX_AGILE_PROPERTIES - 1 {
        let put = alice
            .put(&format!("{AGILE}/board/1/properties/p{n}"), &json!(n))
            .await;
        assert_eq!(put.status, StatusCode::CREATED, "{n}: {}", put.text);
    }
    let last = format!("{AGILE}/sprint/{kiln}/properties/last");
    assert_eq!(alice.put(&last, &json!(0)).await.status, 201);
    // Full: a new key is refused, on any board or sprint; replacing one is not.
    let new_key = format!("{AGILE}/board/1/properties/one-more");
    let full = alice.put(&new_key, &json!(0)).await;
    refused(&full, StatusCode::BAD_REQUEST);
    assert!(full.text.contains("at most 2000"), "{}", full.text);
    refused(
        &alice
            .put(&format!("{AGILE}/board/2/properties/x"), &json!(0))
            .await,
        StatusCode::BAD_REQUEST,
    );
    assert_eq!(alice.put(&last, &json!(1)).await.status, 200);
    assert_eq!(
        alice
            .put(&format!("{AGILE}/board/1/properties/p0"), &json!(1))
            .await
            .status,
        200
    );
    // The sprint's property goes with the sprint, and makes room.
    assert_eq!(
        alice.delete(&format!("{AGILE}/sprint/{kiln}")).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(alice.put(&new_key, &json!(0)).await.status, 201);
    sim.shutdown().await;
}

/// The names of a page's versions.
fn names(page: &Value) -> Vec<String> {
    page["values"]
        .as_array()
        .unwrap_or_else(|| panic!("values in {page}"))
        .iter()
        .map(|v| v["name"].as_str().expect("name").to_owned())
        .collect()
}

#[tokio::test]
async fn a_boards_versions_are_its_projects_the_caller_may_browse() {
    let sim = start().await;
    let (alice, bob, carol) = people(&sim);
    for (project, name, extra) in [
        (
            "SEC",
            "S1",
            json!({ "released": true, "releaseDate": "2024-02-01" }),
        ),
        (
            "KILN",
            "1.0",
            json!({ "released": true, "releaseDate": "2024-03-01", "description": "first" }),
        ),
        ("KILN", "2.0", json!({})),
        ("KILN", "0.9", json!({ "archived": true })),
    ] {
        let mut body = json!({ "project": project, "name": name });
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            body.extend(extra.clone());
        }
        let made = alice.post("/rest/api/3/version", &body).await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    }
    // A board over every issue, shared with every user.
    let filter = alice
        .post(
            "/rest/api/3/filter",
            &json!({ "name": "All", "jql": "issuetype is not EMPTY",
                     "sharePermissions": [{ "type": "authenticated" }] }),
        )
        .await;
    assert_eq!(filter.status, StatusCode::OK, "{}", filter.text);
    let filter_id: u64 = filter.str_at("/id").parse().expect("numeric id");
    let board = alice
        .post(
            &format!("{AGILE}/board"),
            &json!({ "name": "All", "type": "kanban", "filterId": filter_id }),
        )
        .await;
    assert_eq!(board.status, StatusCode::CREATED, "{}", board.text);
    let url = format!("{AGILE}/board/{}/version", board.body["id"]);

    // By project name (Kiln, then Security), then each project's own order.
    let all = bob.get(&url).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text);
    assert_eq!(names(&all.body), ["1.0", "2.0", "0.9", "S1"]);
    assert_eq!(all.body["total"], 4);
    assert_eq!(all.body["isLast"], true);
    assert_eq!(all.body["maxResults"], 50);
    let first = &all.body["values"][0];
    assert!(first["id"].is_u64(), "{first}");
    assert_eq!(first["projectId"], 10000);
    assert_eq!(first["description"], "first");
    assert_eq!(first["releaseDate"], "2024-03-01T00:00:00.000Z");
    assert_eq!(
        first["self"],
        format!("{}{AGILE}/version/{}", sim.base_url(), first["id"])
    );
    assert_eq!(all.body["values"][2]["archived"], true);
    assert!(all.body["values"][1].get("releaseDate").is_none());
    // Carol may not browse SEC: its version is not hers to see.
    assert_eq!(names(&carol.get(&url).await.body), ["1.0", "2.0", "0.9"]);
    // KILN's own board lists KILN's versions only.
    assert_eq!(
        names(&bob.get(&format!("{AGILE}/board/1/version")).await.body),
        ["1.0", "2.0", "0.9"]
    );

    // `released`, and paging as the agile lists page.
    let released = bob.get_with(&url, &[("released", "true")]).await;
    assert_eq!(names(&released.body), ["1.0", "S1"]);
    assert_eq!(released.body["total"], 2);
    let unreleased = bob.get_with(&url, &[("released", "FALSE")]).await;
    assert_eq!(names(&unreleased.body), ["2.0", "0.9"]);
    let page = bob
        .get_with(&url, &[("startAt", "1"), ("maxResults", "2")])
        .await;
    assert_eq!(names(&page.body), ["2.0", "0.9"]);
    assert_eq!(page.body["startAt"], 1);
    assert_eq!(page.body["maxResults"], 2);
    assert_eq!(page.body["total"], 4);
    assert_eq!(page.body["isLast"], false);
    let capped = bob.get_with(&url, &[("maxResults", "100000")]).await;
    assert_eq!(capped.body["maxResults"], 50);
    let past = bob
        .get_with(&url, &[("startAt", "18446744073709551615")])
        .await;
    assert_eq!(past.status, StatusCode::OK, "{}", past.text);
    assert_eq!(names(&past.body), Vec::<String>::new());

    // Refusals: a bad filter or page, and boards that are not there for the caller.
    for query in [
        [("released", "yes")],
        [("startAt", "-1")],
        [("maxResults", "ten")],
    ] {
        refused(&bob.get_with(&url, &query).await, StatusCode::BAD_REQUEST);
    }
    refused(
        &carol.get(&format!("{AGILE}/board/2/version")).await,
        StatusCode::NOT_FOUND,
    );
    refused(
        &bob.get(&format!("{AGILE}/board/999/version")).await,
        StatusCode::NOT_FOUND,
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn apps_reach_versions_and_properties_through_the_gateway() {
    let sim = start().await;
    let gateway = format!("{}/ex/jira/{}{AGILE}", sim.base_url(), sim.cloud_id());
    let admin_scopes = common::oauth::access_token(
        &sim,
        "read:board-scope.admin:jira-software write:board-scope.admin:jira-software \
         delete:board-scope.admin:jira-software read:board-scope:jira-software",
    )
    .await;
    let put = send(
        client()
            .put(format!("{gateway}/board/1/properties/app"))
            .bearer_auth(&admin_scopes)
            .json(&json!({ "on": true })),
    )
    .await;
    assert_eq!(put.status, StatusCode::CREATED, "{}", put.text);
    let keys = send(
        client()
            .get(format!("{gateway}/board/1/properties"))
            .bearer_auth(&admin_scopes),
    )
    .await;
    assert_eq!(keys.status, StatusCode::OK, "{}", keys.text);
    assert_eq!(
        keys.body["keys"][0]["self"],
        format!("{gateway}/board/1/properties/app")
    );
    let versions = send(
        client()
            .get(format!("{gateway}/board/1/version"))
            .bearer_auth(&admin_scopes),
    )
    .await;
    assert_eq!(versions.status, StatusCode::OK, "{}", versions.text);
    // Sprint scopes do not open board properties, nor board scopes sprint ones.
    let sprints_only = common::oauth::access_token(&sim, "read:sprint:jira-software").await;
    let refused = send(
        client()
            .get(format!("{gateway}/board/1/properties"))
            .bearer_auth(&sprints_only),
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    let kiln = sprint(&sim, 1, "Kiln 1").await;
    let read = send(
        client()
            .get(format!("{gateway}/sprint/{kiln}/properties"))
            .bearer_auth(&sprints_only),
    )
    .await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    let write = send(
        client()
            .put(format!("{gateway}/sprint/{kiln}/properties/x"))
            .bearer_auth(&admin_scopes)
            .json(&json!(1)),
    )
    .await;
    assert_eq!(write.status, StatusCode::UNAUTHORIZED);
    sim.shutdown().await;
}

/// The Software spec's example answer of `getAllVersions`, which gives it no
/// schema: the page and version properties Jira answers, and their JSON
/// types. Copied so the check runs on any clone;
/// `the_versions_example_is_the_specs` keeps the copy honest.
const VERSIONS_EXAMPLE: &str = r#"{"isLast":false,"maxResults":2,"startAt":1,"total":5,"values":[{"archived":false,"description":"A first version","id":10000,"name":"Version 1","projectId":10000,"releaseDate":"2015-04-20T01:02:00.000+10:00","released":true,"self":"https://your-domain.atlassian.net/version/10000"},{"archived":false,"description":"Minor Bugfix version","id":10010,"name":"Next Version","projectId":10000,"released":false,"self":"https://your-domain.atlassian.net/version/10010"}]}"#;

#[test]
fn the_versions_example_is_the_specs() {
    let Some(path) = common::spec_snapshot::spec_path("jira-software.v3.json") else {
        eprintln!("skipping: Atlassian's Software spec is not on this machine");
        return;
    };
    let spec: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("readable"))
        .expect("spec is JSON");
    let example = &spec["paths"]["/rest/agile/1.0/board/{boardId}/version"]["get"]["responses"]["200"]
        ["content"]["application/json"]["example"];
    assert_eq!(example.as_str(), Some(VERSIONS_EXAMPLE));
}

/// The JSON type of `value`, as a name.
fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_u64() || n.is_i64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Asserts each property of `instance` is one `example` shows, with its type.
fn like_example(what: &str, example: &Value, instance: &Value) {
    let shown = example.as_object().expect("an example object");
    for (name, value) in instance.as_object().expect("an object") {
        let Some(like) = shown.get(name) else {
            panic!("{what}: the spec's example shows no {name}: {instance}");
        };
        assert_eq!(json_type(value), json_type(like), "{what}: {name}");
    }
}

/// Each new answer against the specs: the property answers against the
/// platform's `PropertyKeys` and `EntityProperty` (the same entity-property
/// beans), the versions against the Software spec's example (its only
/// description of them), and every refusal against `ErrorCollection`.
#[tokio::test]
async fn answers_match_the_specs() {
    let contract = crate::contract::Contract::new();
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let kiln = sprint(&sim, 1, "Kiln 1").await;
    for base in [
        format!("{AGILE}/board/1/properties"),
        format!("{AGILE}/sprint/{kiln}/properties"),
    ] {
        let path = format!("{base}/kiln");
        assert_eq!(alice.put(&path, &json!({ "a": [1] })).await.status, 201);
        contract.check_ref(&base, "PropertyKeys", &alice.get(&base).await.body);
        contract.check_ref(&path, "EntityProperty", &alice.get(&path).await.body);
        for reply in [
            alice.get(&format!("{base}/missing")).await,
            alice
                .put(&format!("{base}/{}", "k".repeat(256)), &json!(1))
                .await,
            caller(&sim, OUTSIDER).put(&path, &json!(1)).await,
        ] {
            assert!(reply.status.is_client_error(), "{}", reply.text);
            contract.check_ref(&base, "ErrorCollection", &reply.body);
        }
    }
    let made = alice
        .post(
            "/rest/api/3/version",
            &json!({ "project": "KILN", "name": "1.0", "description": "d",
                     "released": true, "releaseDate": "2024-03-01" }),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    let example: Value = serde_json::from_str(VERSIONS_EXAMPLE).expect("the example is JSON");
    let page = alice.get(&format!("{AGILE}/board/1/version")).await;
    like_example("getAllVersions", &example, &page.body);
    let values = page.body["values"].as_array().expect("values");
    assert_eq!(values.len(), 1);
    like_example("getAllVersions value", &example["values"][0], &values[0]);
    let missing = alice.get(&format!("{AGILE}/board/999/version")).await;
    contract.check_ref("getAllVersions 404", "ErrorCollection", &missing.body);
    sim.shutdown().await;
}
