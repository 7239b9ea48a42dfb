//! The workflow statuses API: `GET /statuses` (`getStatusesById`), `GET
//! /statuses/byNames` (`getStatusesByName`) and `GET /statuses/search` (`search`),
//! for administrators (and, by name, browsers), on the site, under REST API v2 and
//! through the gateway.

use crate::common;
use crate::contract::Contract;

use common::{ADMIN, OUTSIDER, USER, caller, client, send, start};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn statuses_by_id_in_the_sites_order() {
    let sim = start().await;
    let contract = Contract::new();
    for api in ["/rest/api/3", "/rest/api/2"] {
        let reply = caller(&sim, ADMIN)
            .get(&format!("{api}/statuses?id=10001&id=nope&id=10000,3"))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{api}: {}", reply.text);
        contract.check(
            api,
            json!({ "type": "array", "items": { "$ref": "#/components/schemas/JiraStatus" } }),
            &reply.body,
        );
        assert_eq!(
            reply.body,
            json!([
                { "id": "10000", "name": "To Do", "description": "", "statusCategory": "TODO", "scope": { "type": "GLOBAL" } },
                { "id": "3", "name": "In Progress", "description": "", "statusCategory": "IN_PROGRESS", "scope": { "type": "GLOBAL" } },
                { "id": "10001", "name": "Done", "description": "", "statusCategory": "DONE", "scope": { "type": "GLOBAL" } },
            ])
        );
    }
    // The same ids and names the issues' `status` field carries.
    let issue = caller(&sim, ADMIN).get("/rest/api/3/issue/KILN-1").await;
    let status = &issue.body["fields"]["status"];
    let by_id = caller(&sim, ADMIN)
        .get(&format!(
            "/rest/api/3/statuses?id={}",
            status["id"].as_str().expect("an id")
        ))
        .await;
    assert_eq!(by_id.body[0]["name"], status["name"]);

    let admin = caller(&sim, ADMIN);
    let none = admin.get("/rest/api/3/statuses").await;
    assert_eq!(none.status, StatusCode::BAD_REQUEST, "{}", none.text);
    let ids: Vec<String> = (0..51).map(|i| format!("id={i}")).collect();
    let too_many = admin
        .get(&format!("/rest/api/3/statuses?{}", ids.join("&")))
        .await;
    assert_eq!(
        too_many.status,
        StatusCode::BAD_REQUEST,
        "{}",
        too_many.text
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn search_filters_by_name_category_and_scope_and_pages() {
    let sim = start().await;
    let contract = Contract::new();
    let admin = caller(&sim, ADMIN);
    let names = |body: &serde_json::Value| -> Vec<String> {
        body["values"]
            .as_array()
            .expect("values")
            .iter()
            .map(|s| s["name"].as_str().expect("a name").to_owned())
            .collect()
    };

    let all = admin.get("/rest/api/3/statuses/search").await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text);
    contract.check_ref("all", "PageOfStatuses", &all.body);
    assert_eq!(names(&all.body), ["To Do", "In Progress", "Done"]);
    assert_eq!(all.body["total"], 3);
    assert_eq!(all.body["isLast"], true);
    assert_eq!(all.body["maxResults"], 200);

    let named = admin
        .get_with("/rest/api/3/statuses/search", &[("searchString", "do")])
        .await;
    assert_eq!(names(&named.body), ["To Do", "Done"]);
    let done = admin
        .get_with(
            "/rest/api/3/statuses/search",
            &[("searchString", "do"), ("statusCategory", "DONE")],
        )
        .await;
    assert_eq!(names(&done.body), ["Done"]);
    // A project's own statuses are a team-managed project's; the site has none.
    let project = admin
        .get_with("/rest/api/3/statuses/search", &[("projectId", "10000")])
        .await;
    assert_eq!(project.status, StatusCode::OK);
    assert_eq!(project.body["total"], 0);

    let first = admin
        .get_with(
            "/rest/api/3/statuses/search",
            &[("startAt", "0"), ("maxResults", "2")],
        )
        .await;
    contract.check_ref("first page", "PageOfStatuses", &first.body);
    assert_eq!(names(&first.body), ["To Do", "In Progress"]);
    assert_eq!(first.body["isLast"], false);
    let next = first.body["nextPage"].as_str().expect("a next page");
    assert!(
        next.ends_with("/rest/api/3/statuses/search?startAt=2&maxResults=2"),
        "{next}"
    );

    for bad in [
        ("statusCategory", "FINISHED"),
        ("maxResults", "many"),
        ("searchString", &"x".repeat(256)),
    ] {
        let reply = admin.get_with("/rest/api/3/statuses/search", &[bad]).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{bad:?}: {}",
            reply.text
        );
    }
    sim.shutdown().await;
}

/// *Administer projects* or *Administer Jira*: anyone else gets the spec's 401.
#[tokio::test]
async fn only_administrators_read_statuses() {
    let sim = start().await;
    for who in [USER, OUTSIDER] {
        for path in ["/rest/api/3/statuses?id=3", "/rest/api/3/statuses/search"] {
            let reply = caller(&sim, who).get(path).await;
            assert_eq!(
                reply.status,
                StatusCode::UNAUTHORIZED,
                "{who} {path}: {}",
                reply.text
            );
            assert!(reply.body["errorMessages"].is_array(), "{}", reply.text);
        }
    }
    // Through the gateway: the operation's scopes, and the token's user's permissions.
    let url = format!(
        "{}/ex/jira/{}/rest/api/3/statuses/search",
        sim.base_url(),
        sim.cloud_id()
    );
    for (scope, expected) in [
        ("manage:jira-configuration", StatusCode::OK),
        ("read:workflow:jira", StatusCode::OK),
        ("read:jira-work", StatusCode::UNAUTHORIZED),
    ] {
        let token = common::oauth::access_token(&sim, scope).await;
        let reply = send(client().get(&url).bearer_auth(&token)).await;
        assert_eq!(reply.status, expected, "{scope}: {}", reply.text);
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn statuses_by_name_ignoring_case_for_browsers() {
    let mut seed = kiln_sim::Seed::default();
    seed.users
        .extend(common::many_users(1, "Lone", "statuses-by-name"));
    let sim = common::start_with(kiln_sim::SimConfig {
        seed,
        ..kiln_sim::SimConfig::default()
    })
    .await;
    let contract = Contract::new();
    // Bob administers nothing but browses projects, which this operation
    // allows; names come back in the site's order, whatever the query's.
    for api in ["/rest/api/3", "/rest/api/2"] {
        let reply = caller(&sim, USER)
            .get(&format!(
                "{api}/statuses/byNames?name=done&name=To%20Do&name=nope&name=DONE"
            ))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{api}: {}", reply.text);
        contract.check(
            api,
            json!({ "type": "array", "items": { "$ref": "#/components/schemas/JiraStatus" } }),
            &reply.body,
        );
        assert_eq!(
            reply.body,
            json!([
                { "id": "10000", "name": "To Do", "description": "", "statusCategory": "TODO", "scope": { "type": "GLOBAL" } },
                { "id": "10001", "name": "Done", "description": "", "statusCategory": "DONE", "scope": { "type": "GLOBAL" } },
            ])
        );
    }
    // A name with a comma is one name, not two.
    let comma = caller(&sim, USER)
        .get("/rest/api/3/statuses/byNames?name=To%20Do,Done")
        .await;
    assert_eq!(comma.body, json!([]));
    // The project's own statuses: KILN has none of its own.
    let scoped = caller(&sim, ADMIN)
        .get("/rest/api/3/statuses/byNames?name=Done&projectId=10000")
        .await;
    assert_eq!(scoped.status, StatusCode::OK, "{}", scoped.text);
    assert_eq!(scoped.body, json!([]));

    // Someone who browses and administers no project: the spec's 401.
    let lone = caller(&sim, "lone0@example.com")
        .get("/rest/api/3/statuses/byNames?name=Done")
        .await;
    assert_eq!(lone.status, StatusCode::UNAUTHORIZED, "{}", lone.text);
    assert!(lone.body["errorMessages"][0].is_string(), "{}", lone.body);

    // No name, and more than 50: 400.
    let admin = caller(&sim, ADMIN);
    for path in [
        String::from("/rest/api/3/statuses/byNames"),
        String::from("/rest/api/3/statuses/byNames?name=&name=%20"),
        format!(
            "/rest/api/3/statuses/byNames?{}",
            (0..51)
                .map(|i| format!("name=s{i}"))
                .collect::<Vec<_>>()
                .join("&")
        ),
    ] {
        let reply = admin.get(&path).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{path}: {}",
            reply.text
        );
        assert!(reply.body["errorMessages"][0].is_string());
    }
    sim.shutdown().await;
}
