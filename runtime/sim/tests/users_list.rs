//! `getAllUsersDefault` (`GET /users`) and `getAllUsers` (`GET /users/search`):
//! the site's users as a JSON array of `User`s, paged by `startAt`/`maxResults`
//! (50 by default, at most 1000), for every authenticated caller, as `findUsers`
//! answers; REST API v2 and the gateway's scopes. Answers are checked against the
//! platform spec.

use crate::common;
use crate::contract::Contract;

use common::{ADMIN, OUTSIDER, USER, account_id, caller, client, send, start, start_with};
use kiln_sim::{Seed, SimConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};

const PATHS: [&str; 2] = ["/rest/api/3/users", "/rest/api/3/users/search"];

/// The answer's account ids, in order.
fn ids(users: &Value) -> Vec<String> {
    users
        .as_array()
        .into_iter()
        .flatten()
        .map(|u| u["accountId"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Checks `users` against the spec's `200` schema: an array of `User`.
fn check_users(contract: &Contract, what: &str, users: &Value) {
    contract.check(
        what,
        json!({ "type": "array", "items": { "$ref": "#/components/schemas/User" } }),
        users,
    );
}

#[tokio::test]
async fn every_caller_gets_every_user_as_get_user_renders_them() {
    let sim = start().await;
    let contract = Contract::new();
    let everyone: Vec<String> = sim.users().iter().map(|u| u.account_id.clone()).collect();
    assert_eq!(everyone.len(), 3);
    // Carol may browse no SEC issue; listing users needs no project permission.
    for email in [ADMIN, USER, OUTSIDER] {
        let who = caller(&sim, email);
        for path in PATHS {
            let reply = who.get(path).await;
            assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text);
            check_users(&contract, path, &reply.body);
            assert_eq!(ids(&reply.body), everyone, "{path} as {email}");
        }
    }
    // Each entry is the `User` getUser answers, field for field, but for the
    // `groups` and `applicationRoles` getUser alone adds (as on Jira).
    let bob = caller(&sim, USER);
    let listed = bob.get(PATHS[0]).await.body;
    for (n, id) in everyone.iter().enumerate() {
        let one = bob.get(&format!("/rest/api/3/user?accountId={id}")).await;
        assert_eq!(one.status, StatusCode::OK, "{}", one.text);
        assert_eq!(listed[n], common::without_user_lists(&one.body));
        assert_eq!(listed[n]["accountType"], "atlassian");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn start_at_and_max_results_page_the_list() {
    let sim = start().await;
    let contract = Contract::new();
    let bob = caller(&sim, USER);
    let (alice_id, bob_id, carol_id) = (
        account_id(&sim, ADMIN),
        account_id(&sim, USER),
        account_id(&sim, OUTSIDER),
    );
    for path in PATHS {
        let cases: [(&str, Vec<&String>); 6] = [
            ("startAt=0&maxResults=2", vec![&alice_id, &bob_id]),
            ("startAt=1&maxResults=1", vec![&bob_id]),
            ("startAt=2", vec![&carol_id]),
            ("startAt=3", vec![]),
            ("startAt=99999999999", vec![]),
            ("maxResults=0", vec![]),
        ];
        for (query, expected) in cases {
            let reply = bob.get(&format!("{path}?{query}")).await;
            assert_eq!(
                reply.status,
                StatusCode::OK,
                "{path}?{query}: {}",
                reply.text
            );
            check_users(&contract, path, &reply.body);
            let expected: Vec<String> = expected.into_iter().cloned().collect();
            assert_eq!(ids(&reply.body), expected, "{path}?{query}");
        }
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn negative_or_non_numeric_paging_is_jiras_400() {
    let sim = start().await;
    let contract = Contract::new();
    let bob = caller(&sim, USER);
    for path in PATHS {
        for query in [
            "startAt=-1",
            "maxResults=-1",
            "startAt=abc",
            "maxResults=ten",
            "maxResults=1.5",
            "startAt=",
        ] {
            let reply = bob.get(&format!("{path}?{query}")).await;
            assert_eq!(
                reply.status,
                StatusCode::BAD_REQUEST,
                "{path}?{query}: {}",
                reply.text
            );
            contract.check_ref("400", "ErrorCollection", &reply.body);
        }
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn fifty_by_default_and_at_most_a_thousand() {
    let mut seed = Seed::default();
    seed.users
        .extend(common::many_users(1_100, "User", "list-test"));
    let sim = start_with(SimConfig {
        seed,
        ..SimConfig::default()
    })
    .await;
    let total = sim.users().len();
    assert_eq!(total, 1_103);
    let bob = caller(&sim, USER);
    for path in PATHS {
        let default = bob.get(path).await;
        assert_eq!(default.status, StatusCode::OK, "{}", default.text);
        assert_eq!(ids(&default.body).len(), 50);
        let capped = bob.get(&format!("{path}?maxResults=5000")).await;
        assert_eq!(capped.status, StatusCode::OK, "{}", capped.text);
        assert_eq!(ids(&capped.body).len(), 1_000);
        let rest = bob
            .get(&format!("{path}?startAt=1000&maxResults=1000"))
            .await;
        assert_eq!(ids(&rest.body).len(), total - 1_000);
        let last: Vec<String> = sim.users()[1_000..]
            .iter()
            .map(|u| u.account_id.clone())
            .collect();
        assert_eq!(ids(&rest.body), last);
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn v2_serves_the_list_with_v2_links() {
    let sim = start().await;
    let bob = caller(&sim, USER);
    for path in ["/rest/api/2/users", "/rest/api/2/users/search"] {
        let reply = bob.get(&format!("{path}?maxResults=1")).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text);
        assert_eq!(ids(&reply.body), [account_id(&sim, ADMIN)]);
        let link = reply.str_at("/0/self");
        assert!(link.contains("/rest/api/2/user?accountId="), "{link}");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn anonymous_calls_are_refused() {
    let sim = start().await;
    for path in PATHS {
        let reply = send(client().get(format!("{}{path}", sim.base_url()))).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{path}");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn the_gateway_asks_for_read_jira_user() {
    let sim = start().await;
    let contract = Contract::new();
    let classic = common::oauth::access_token(&sim, "read:jira-user").await;
    let granular = common::oauth::access_token(
        &sim,
        "read:user:jira read:application-role:jira read:avatar:jira read:group:jira",
    )
    .await;
    let work_only = common::oauth::access_token(&sim, "read:jira-work").await;
    let app = common::oauth::app_access_token(&sim).await;
    let everyone: Vec<String> = sim.users().iter().map(|u| u.account_id.clone()).collect();
    for path in PATHS {
        for access in [&classic, &granular, &app] {
            let response = common::oauth::gateway_get(&sim, access, path).await;
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            let body: Value = response.json().await.expect("JSON");
            check_users(&contract, path, &body);
            assert_eq!(ids(&body), everyone);
            let link = body[0]["self"].as_str().unwrap_or_default();
            assert!(
                link.contains(&format!("/ex/jira/{}/", sim.cloud_id())),
                "{link}"
            );
        }
        let refused = common::oauth::gateway_get(&sim, &work_only, path).await;
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED, "{path}");
    }
    sim.shutdown().await;
}
