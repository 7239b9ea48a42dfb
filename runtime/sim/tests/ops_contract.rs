//! The JSM Ops contract: the committed snapshot of Atlassian's Ops OpenAPI
//! document is the spec's own text, and a sweep over every Ops operation the
//! simulator serves, on both Ops URLs, success and error, validates each answer
//! against it (the Ops tests in `tests/ops/` validate every answer they get too).
//!
//! The spec is looked for in `$KILN_SPECS_DIR`, `../shared/specs` beside the
//! clone and `/work/shared/specs`; without it the freshness check is skipped and
//! the snapshot alone is used. `KILN_SIM_REGENERATE_SCHEMAS=1` rewrites the
//! snapshot from the spec.

use crate::common;
use crate::ops::contract;

use std::collections::BTreeSet;
use std::path::PathBuf;

use common::spec_snapshot::{Prose, assert_current, collect_refs, reachable_schemas};
use common::{ADMIN, OUTSIDER, USER, account_id, caller, client, send};
use kiln_sim::{SimClock, SimConfig, Simulator};
use reqwest::Method;
use serde_json::{Map, Value, json};
use time::macros::datetime;

fn spec_path() -> Option<PathBuf> {
    common::spec_snapshot::spec_path("jsm-ops.v1.json")
}

/// The served operations' declared responses and every schema they reference.
fn extract(spec: &Value) -> Value {
    let mut operations = Vec::new();
    let mut queue: Vec<String> = Vec::new();
    for (method, path) in contract::served() {
        let op = &spec["paths"][path][method.to_ascii_lowercase()];
        assert!(op.is_object(), "{method} {path} is not in the spec");
        let mut responses = Map::new();
        for (status, response) in op["responses"].as_object().expect("responses") {
            let schema = response["content"]["application/json"]["schema"].clone();
            collect_refs(&schema, &mut queue);
            responses.insert(status.clone(), schema);
        }
        operations.push(json!({
            "operationId": op["operationId"],
            "method": method,
            "path": path,
            "responses": responses,
        }));
    }
    // Answers that come before any operation: 401 and the routing 404.
    queue.extend(["UnauthorizedErrorResponse", "ErrorResponses"].map(String::from));
    let schemas = reachable_schemas(spec, queue, Prose::Docs);
    json!({ "operations": operations, "components": { "schemas": schemas } })
}

#[test]
fn the_snapshot_matches_the_official_ops_spec() {
    let Some(path) = spec_path() else {
        eprintln!("skipping: jsm-ops.v1.json is not on this machine (set KILN_SPECS_DIR)");
        return;
    };
    let spec: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("readable"))
        .expect("spec is JSON");
    assert_current(&contract::snapshot_path(), &extract(&spec));
}

#[test]
fn requests_map_to_the_operations_they_reach() {
    assert_eq!(
        contract::operation_path("/jsm/ops/api/abc/v1/alerts/alias?alias=x").as_deref(),
        Some("/v1/alerts/alias")
    );
    assert_eq!(
        contract::operation_path("/ex/jira/abc/jsm/ops/api/v1/teams").as_deref(),
        Some("/v1/teams")
    );
    assert_eq!(
        contract::operation("GET", "/v1/alerts/alias"),
        Some(("GET", "/v1/alerts/alias"))
    );
    assert_eq!(
        contract::operation("GET", "/v1/alerts/42"),
        Some(("GET", "/v1/alerts/{id}"))
    );
    assert_eq!(contract::operation("GET", "/v1/escalations"), None);
}

/// Sends as a seeded user with basic auth on the API-token URL and checks the
/// answer against the contract; returns status and body.
async fn call(
    sim: &Simulator,
    email: &str,
    method: Method,
    rest: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let path = common::ops(sim, rest);
    let mut request = caller(sim, email).request(method.clone(), &path);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let reply = send(request).await;
    contract::check(
        method.as_str(),
        &path,
        reply.status.as_u16(),
        &reply.body,
        &reply.text,
    );
    (reply.status.as_u16(), reply.body)
}

/// Every served operation at least once with success and with the errors it
/// declares that the simulator can produce.
#[tokio::test]
async fn every_served_ops_operation_answers_in_its_declared_shape() {
    let clock = SimClock::frozen_at(datetime!(2024-05-01 10:00 UTC).into());
    let sim = common::start_with(SimConfig {
        clock,
        ..SimConfig::default()
    })
    .await;
    let bob_id = account_id(&sim, USER);
    let mut seen: BTreeSet<(String, u16)> = BTreeSet::new();
    let mut expect = async |email: &str,
                            method: Method,
                            rest: &str,
                            body: Option<Value>,
                            status: u16|
           -> Value {
        let (got, value) = call(&sim, email, method.clone(), rest, body).await;
        assert_eq!(got, status, "{method} {rest}: {value}");
        seen.insert((format!("{method} {rest}"), got));
        value
    };

    let teams = expect(ADMIN, Method::GET, "/teams", None, 200).await;
    let team = teams["platformTeams"][0]["teamId"]
        .as_str()
        .expect("team")
        .to_owned();
    for (email, method, rest, body, status) in [
        (USER, Method::GET, "/teams", None, 200),
        (USER, Method::GET, "/teams?x=1", None, 422),
    ] {
        expect(email, method, rest, body, status).await;
    }

    // Schedules.
    let created = expect(
        ADMIN,
        Method::POST,
        "/schedules",
        Some(json!({
            "name": "Contract", "teamId": team, "description": "d",
            "rotations": [{
                "name": "Days", "type": "daily", "startDate": "2024-04-01T09:00:00Z",
                "participants": [{ "type": "user", "id": bob_id }, { "type": "noone" }, { "type": "team", "id": team }],
                "timeRestriction": { "type": "time-of-day", "restriction": { "startHour": 9, "startMin": 0, "endHour": 17, "endMin": 0 } }
            }]
        })),
        201,
    )
    .await;
    assert_eq!(created["timezone"], "America/New_York");
    let id = created["id"].as_str().expect("id").to_owned();
    let rotation = created["rotations"][0]["id"]
        .as_str()
        .expect("rotation")
        .to_owned();
    for (email, method, rest, body, status) in [
        (
            ADMIN,
            Method::POST,
            "/schedules",
            Some(json!({ "name": "contract", "teamId": team })),
            409,
        ),
        (
            USER,
            Method::POST,
            "/schedules",
            Some(json!({ "name": "x" })),
            403,
        ),
        (
            ADMIN,
            Method::POST,
            "/schedules",
            Some(json!({ "name": "" })),
            422,
        ),
        (
            ADMIN,
            Method::POST,
            "/schedules",
            Some(json!({ "name": "Global" })),
            201,
        ),
        (
            ADMIN,
            Method::GET,
            "/schedules?expand=rotation&query=con*",
            None,
            200,
        ),
        (ADMIN, Method::GET, "/schedules?size=51", None, 422),
    ] {
        expect(email, method, rest, body, status).await;
    }
    let path = format!("/schedules/{id}");
    for (email, method, rest, body, status) in [
        (USER, Method::GET, path.as_str(), None, 200),
        (
            OUTSIDER,
            Method::GET,
            "/schedules/8d1f0c52-3b8e-4b6a-a7f2-5e9d2c4b1a30",
            None,
            403,
        ),
        (ADMIN, Method::GET, "/schedules/nope", None, 404),
        (
            ADMIN,
            Method::PATCH,
            path.as_str(),
            Some(json!({ "description": "e" })),
            200,
        ),
        (
            USER,
            Method::PATCH,
            path.as_str(),
            Some(json!({ "description": "e" })),
            403,
        ),
        (
            ADMIN,
            Method::PATCH,
            path.as_str(),
            Some(json!({ "name": "Global" })),
            409,
        ),
        (
            ADMIN,
            Method::PATCH,
            path.as_str(),
            Some(json!({ "timezone": "Nowhere/Else" })),
            422,
        ),
        (
            ADMIN,
            Method::PATCH,
            "/schedules/nope",
            Some(json!({})),
            404,
        ),
    ] {
        expect(email, method, rest, body, status).await;
    }

    // Rotations.
    let rotations = format!("{path}/rotations");
    for (email, method, rest, body, status) in [
        (USER, Method::GET, rotations.as_str(), None, 200),
        (OUTSIDER, Method::GET, rotations.as_str(), None, 403),
        (ADMIN, Method::GET, "/schedules/nope/rotations", None, 404),
    ] {
        expect(email, method, rest, body, status).await;
    }
    let weekly = json!({ "name": "Weeks", "type": "weekly", "startDate": "2024-04-01T09:00:00Z",
        "participants": [{ "type": "user", "id": bob_id }],
        "timeRestriction": { "type": "weekday-and-time-of-day", "restrictions": [
            { "startDay": "monday", "startHour": 9, "startMin": 0, "endDay": "friday", "endHour": 17, "endMin": 0 }] } });
    let second = expect(ADMIN, Method::POST, &rotations, Some(weekly.clone()), 201).await;
    for (email, method, rest, body, status) in [
        (ADMIN, Method::POST, rotations.as_str(), Some(weekly), 409),
        (USER, Method::POST, rotations.as_str(), Some(json!({})), 403),
        (
            ADMIN,
            Method::POST,
            rotations.as_str(),
            Some(json!({ "type": "monthly", "startDate": "2024-01-01T00:00:00Z" })),
            422,
        ),
        (
            ADMIN,
            Method::POST,
            "/schedules/nope/rotations",
            Some(json!({})),
            404,
        ),
    ] {
        expect(email, method, rest, body, status).await;
    }
    let second = format!("{rotations}/{}", second["id"].as_str().expect("id"));
    for (email, method, rest, body, status) in [
        (USER, Method::GET, second.as_str(), None, 200),
        (
            USER,
            Method::GET,
            format!("{rotations}/nope").as_str(),
            None,
            404,
        ),
        (
            ADMIN,
            Method::PATCH,
            second.as_str(),
            Some(json!({ "length": 2 })),
            200,
        ),
        (
            ADMIN,
            Method::PATCH,
            second.as_str(),
            Some(json!({ "name": "Days" })),
            409,
        ),
        (
            ADMIN,
            Method::PATCH,
            second.as_str(),
            Some(json!({ "length": 0 })),
            422,
        ),
        (USER, Method::PATCH, second.as_str(), Some(json!({})), 403),
    ] {
        expect(email, method, rest, body, status).await;
    }

    // Overrides.
    let overrides = format!("{path}/overrides");
    let cover = json!({ "responder": { "type": "user", "id": bob_id }, "startDate": "2024-05-01T00:00:00Z",
        "endDate": "2024-05-02T00:00:00Z", "rotationIds": [rotation] });
    let made = expect(USER, Method::POST, &overrides, Some(cover.clone()), 201).await;
    for (email, method, rest, body, status) in [
        (
            OUTSIDER,
            Method::POST,
            overrides.as_str(),
            Some(cover.clone()),
            403,
        ),
        (
            ADMIN,
            Method::POST,
            overrides.as_str(),
            Some(json!({ "responder": { "type": "team", "id": team } })),
            422,
        ),
        (
            ADMIN,
            Method::POST,
            "/schedules/nope/overrides",
            Some(cover.clone()),
            404,
        ),
        (USER, Method::GET, overrides.as_str(), None, 200),
    ] {
        expect(email, method, rest, body, status).await;
    }
    let one = format!("{overrides}/{}", made["alias"].as_str().expect("alias"));
    for (email, method, rest, body, status) in [
        (USER, Method::GET, one.as_str(), None, 200),
        (
            USER,
            Method::GET,
            format!("{overrides}/nope").as_str(),
            None,
            404,
        ),
        (
            ADMIN,
            Method::PUT,
            one.as_str(),
            Some(json!({ "responder": { "type": "noone" },
        "startDate": "2024-05-01T00:00:00Z", "endDate": "2024-05-03T00:00:00Z" })),
            200,
        ),
        (
            ADMIN,
            Method::PUT,
            one.as_str(),
            Some(json!({ "responder": { "type": "noone" } })),
            422,
        ),
        (OUTSIDER, Method::PUT, one.as_str(), Some(cover), 403),
    ] {
        expect(email, method, rest, body, status).await;
    }

    // On-calls, next on-calls, timelines.
    for rest in [
        "on-calls",
        "on-calls?flat=true",
        "next-on-calls",
        "next-on-calls?flat=true&date=2024-05-06T12:00:00Z",
    ] {
        expect(USER, Method::GET, &format!("{path}/{rest}"), None, 200).await;
    }
    for (email, method, rest, body, status) in [
        (
            USER,
            Method::GET,
            format!("{path}/on-calls?date=yesterday").as_str(),
            None,
            422,
        ),
        (
            OUTSIDER,
            Method::GET,
            format!("{path}/next-on-calls").as_str(),
            None,
            403,
        ),
        (ADMIN, Method::GET, "/schedules/nope/on-calls", None, 404),
    ] {
        expect(email, method, rest, body, status).await;
    }
    let timeline = expect(
        USER,
        Method::GET,
        &format!("{path}/timeline?interval=2&intervalUnit=weeks&expand=base,override,forwarding"),
        None,
        200,
    )
    .await;
    assert!(
        timeline["baseTimeline"]["rotations"].is_array(),
        "{timeline}"
    );
    for (email, method, rest, body, status) in [
        (
            USER,
            Method::GET,
            format!("{path}/timeline?intervalUnit=years").as_str(),
            None,
            422,
        ),
        (
            OUTSIDER,
            Method::GET,
            format!("{path}/timeline").as_str(),
            None,
            403,
        ),
        (ADMIN, Method::GET, "/schedules/nope/timeline", None, 404),
    ] {
        expect(email, method, rest, body, status).await;
    }

    // Deletes last.
    for (email, method, rest, body, status) in [
        (USER, Method::DELETE, second.as_str(), None, 403),
        (ADMIN, Method::DELETE, second.as_str(), None, 204),
        (
            ADMIN,
            Method::DELETE,
            format!("{rotations}/nope").as_str(),
            None,
            404,
        ),
        (OUTSIDER, Method::DELETE, one.as_str(), None, 403),
        (ADMIN, Method::DELETE, one.as_str(), None, 204),
        (ADMIN, Method::DELETE, one.as_str(), None, 404),
        (USER, Method::DELETE, path.as_str(), None, 403),
        (ADMIN, Method::DELETE, path.as_str(), None, 204),
        (ADMIN, Method::DELETE, path.as_str(), None, 404),
    ] {
        expect(email, method, rest, body, status).await;
    }

    // Alerts.
    let accepted = expect(
        USER,
        Method::POST,
        "/alerts",
        Some(json!({ "message": "Disk full", "alias": "disk", "tags": ["disk"], "entity": "agent-1",
            "extraProperties": { "host": "agent-1" }, "note": "n", "source": "probe",
            "actions": ["restart"], "responders": [{ "type": "team", "id": team }],
            "visibleTo": [{ "type": "user", "id": bob_id }], "priority": "P2", "description": "d" })),
        200,
    )
    .await;
    expect(
        USER,
        Method::POST,
        "/alerts",
        Some(json!({ "message": "x", "priority": "P9" })),
        422,
    )
    .await;
    let status = expect(
        USER,
        Method::GET,
        &format!(
            "/alerts/requests/{}",
            accepted["requestId"].as_str().expect("id")
        ),
        None,
        200,
    )
    .await;
    expect(USER, Method::GET, "/alerts/requests/nope", None, 404).await;
    let alert = status["alertId"].as_str().expect("alert").to_owned();
    for (email, method, rest, body, status) in [
        (
            USER,
            Method::GET,
            format!("/alerts/{alert}").as_str(),
            None,
            200,
        ),
        (
            OUTSIDER,
            Method::GET,
            format!("/alerts/{alert}").as_str(),
            None,
            403,
        ),
        (USER, Method::GET, "/alerts/nope", None, 404),
        (USER, Method::GET, "/alerts/alias?alias=disk", None, 200),
        (OUTSIDER, Method::GET, "/alerts/alias?alias=disk", None, 403),
        (USER, Method::GET, "/alerts/alias?alias=none", None, 404),
        (
            USER,
            Method::GET,
            "/alerts?query=status:open&sort=priority&order=asc",
            None,
            200,
        ),
        (USER, Method::GET, "/alerts?query=owner:me", None, 422),
        (
            USER,
            Method::POST,
            format!("/alerts/{alert}/acknowledge").as_str(),
            None,
            202,
        ),
        (
            USER,
            Method::POST,
            format!("/alerts/{alert}/close").as_str(),
            None,
            202,
        ),
        (USER, Method::POST, "/alerts/nope/close", None, 202),
    ] {
        expect(email, method, rest, body, status).await;
    }

    // Unknown routes, on the API-token URL.
    for (email, method, rest, body, status) in [
        (ADMIN, Method::GET, "/escalations", None, 404),
        (
            ADMIN,
            Method::GET,
            format!("/teams/{team}/escalations").as_str(),
            None,
            501,
        ),
        (ADMIN, Method::PUT, "/teams", None, 404),
    ] {
        expect(email, method, rest, body, status).await;
    }

    let operations: BTreeSet<&str> = contract::served()
        .map(|(m, p)| p.trim_start_matches(m))
        .collect();
    assert!(
        seen.len() > operations.len(),
        "the sweep covers every operation"
    );
    sim.shutdown().await;
}

/// The refusals that come before an operation, on both Ops URLs: no
/// credential, the other URL's credential, another site's cloud id.
#[tokio::test]
async fn refusals_before_the_operation_are_in_the_ops_shapes() {
    let sim = common::start().await;
    let base = sim.base_url().to_owned();
    let token_url = common::ops(&sim, "/teams");
    let oauth_url = format!("/ex/jira/{}/jsm/ops/api/v1/teams", sim.cloud_id());
    let wrong_site = "/jsm/ops/api/00000000-0000-0000-0000-000000000000/v1/teams";
    let cases = [
        (
            send(client().get(format!("{base}{token_url}"))).await,
            token_url.clone(),
            401,
        ),
        (
            send(client().get(format!("{base}{oauth_url}"))).await,
            oauth_url.clone(),
            401,
        ),
        (
            send(
                client()
                    .get(format!("{base}{token_url}"))
                    .bearer_auth("not-a-token"),
            )
            .await,
            token_url.clone(),
            401,
        ),
        (
            send(caller(&sim, ADMIN).request(Method::GET, &oauth_url)).await,
            oauth_url.clone(),
            401,
        ),
        (
            send(caller(&sim, ADMIN).request(Method::GET, wrong_site)).await,
            wrong_site.to_owned(),
            404,
        ),
    ];
    for (reply, path, status) in cases {
        assert_eq!(reply.status.as_u16(), status, "{path}: {}", reply.body);
        contract::check("GET", &path, status, &reply.body, &reply.text);
        common::assert_no_secret(&sim, &reply.text);
    }
    sim.shutdown().await;
}

/// The check has teeth: a wrong field type, an undeclared status and a Jira
/// error body are each refused.
#[test]
fn the_check_refuses_answers_off_the_contract() {
    let teams = "/jsm/ops/api/c/v1/teams";
    for (status, body) in [
        (200, json!({ "platformTeams": [{ "teamId": 7 }] })),
        (201, json!({ "platformTeams": [] })),
        (422, json!({ "errorMessages": ["no"], "errors": {} })),
    ] {
        let refused = std::panic::catch_unwind(|| contract::check("GET", teams, status, &body, ""));
        assert!(refused.is_err(), "{status} {body} passed the check");
    }
    let alert = "/jsm/ops/api/c/v1/alerts/a";
    let bad_date = json!({ "id": "a", "createdAt": "yesterday" });
    assert!(
        std::panic::catch_unwind(|| contract::check("GET", alert, 200, &bad_date, "")).is_err()
    );
}
