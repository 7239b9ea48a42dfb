//! Ops errors come in the Ops error shapes, not Jira's, and never echo secrets.

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::caller;
use super::{checked, schedule_path};
use crate::common::{ADMIN, OUTSIDER, USER, assert_no_secret, client, ops, send, start};

#[tokio::test]
async fn a_refused_change_answers_in_the_ops_error_shape() {
    let sim = start().await;
    let reply = caller(&sim, USER)
        .post(
            &schedule_path(&sim, "/rotations"),
            &json!({ "type": "daily", "startDate": "2024-01-01T00:00:00Z" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let error = &reply.body["errors"][0];
    assert!(
        error["title"]
            .as_str()
            .is_some_and(|m| m.contains("Team Admin")),
        "{}",
        reply.body
    );
    assert_eq!(error["code"], "FORBIDDEN");
    assert!(reply.body.get("errorMessages").is_none());
    assert_no_secret(&sim, &reply.text);

    let hidden = caller(&sim, OUTSIDER).get(&schedule_path(&sim, "")).await;
    assert_eq!(hidden.status, StatusCode::FORBIDDEN);
    let missing = caller(&sim, USER).get(&ops(&sim, "/schedules/nope")).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.body["errors"][0]["code"], "NOT_FOUND");
    assert!(
        missing.body["errors"][0]["title"]
            .as_str()
            .is_some_and(|m| m.contains("nope"))
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn unauthenticated_calls_and_unknown_routes_answer_in_ops_shapes() {
    let sim = start().await;
    let teams = ops(&sim, "/teams");
    let anonymous = checked(
        &Method::GET,
        &teams,
        send(client().get(format!("{}{teams}", sim.base_url()))).await,
    );
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.body["code"], 401);
    assert!(anonymous.body["message"].is_string());
    assert!(anonymous.headers.contains_key("www-authenticate"));

    let alice = caller(&sim, ADMIN);
    let documented = ops(&sim, "/teams/x/escalations");
    let lacking = alice
        .send(
            Method::GET,
            &documented,
            alice.request(Method::GET, &documented),
        )
        .await;
    assert_eq!(lacking.status, StatusCode::NOT_IMPLEMENTED);
    assert_eq!(lacking.body["errors"][0]["code"], "NotModelled");
    assert_eq!(
        lacking.headers[kiln_sim::SIMULATOR_HEADER],
        kiln_sim::NOT_MODELLED
    );
    assert!(
        lacking.body["errors"][0]["title"]
            .as_str()
            .is_some_and(|t| t.contains("listEscalation"))
    );
    for (method, rest) in [(Method::DELETE, "/teams"), (Method::GET, "/nothing/here")] {
        let path = ops(&sim, rest);
        let reply = alice
            .send(method.clone(), &path, alice.request(method.clone(), &path))
            .await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{method} {rest}");
        assert_eq!(reply.body["errors"][0]["code"], "NOT_FOUND");
    }
    // An unknown route still needs a credential first.
    let path = ops(&sim, "/nothing/here");
    let anonymous = send(client().get(format!("{}{path}", sim.base_url()))).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    sim.shutdown().await;
}
