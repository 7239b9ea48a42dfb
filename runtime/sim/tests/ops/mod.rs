//! The JSM Ops API: teams, schedules, rotations, overrides, on-calls and alerts,
//! each as a Team Admin, as a team member, as an outsider and with bad input.

use crate::common;
pub(crate) mod contract;

mod alerts;
mod errors;
mod gateway;
mod on_calls;
mod overrides;
mod rotations;
mod schedules;

use common::{ADMIN, Reply, ops};
use kiln_sim::Simulator;
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};

/// Requests as one seeded user, with basic auth on the API-token URL, like
/// `common::Caller`; every answer is checked against the Ops contract before
/// the test sees it (see [`contract`]).
pub struct Caller<'a> {
    inner: common::Caller<'a>,
}

/// Acts as seeded user `email` on `sim`.
pub fn caller<'a>(sim: &'a Simulator, email: &'a str) -> Caller<'a> {
    Caller {
        inner: common::caller(sim, email),
    }
}

/// Checks `reply`, the answer to `method path`, against the Ops contract.
pub fn checked(method: &Method, path: &str, reply: Reply) -> Reply {
    contract::check(
        method.as_str(),
        path,
        reply.status.as_u16(),
        &reply.body,
        &reply.text,
    );
    reply
}

impl Caller<'_> {
    /// A request builder for anything the verbs below do not cover; send it
    /// with [`Caller::send`] to have the answer checked.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.inner.request(method, path)
    }

    pub async fn send(&self, method: Method, path: &str, request: RequestBuilder) -> Reply {
        checked(&method, path, common::send(request).await)
    }

    pub async fn get(&self, path: &str) -> Reply {
        checked(&Method::GET, path, self.inner.get(path).await)
    }

    pub async fn get_with(&self, path: &str, query: &[(&str, &str)]) -> Reply {
        checked(&Method::GET, path, self.inner.get_with(path, query).await)
    }

    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        checked(&Method::POST, path, self.inner.post(path, body).await)
    }

    pub async fn put(&self, path: &str, body: &Value) -> Reply {
        checked(&Method::PUT, path, self.inner.put(path, body).await)
    }

    pub async fn patch(&self, path: &str, body: &Value) -> Reply {
        checked(&Method::PATCH, path, self.inner.patch(path, body).await)
    }

    pub async fn delete(&self, path: &str) -> Reply {
        checked(&Method::DELETE, path, self.inner.delete(path).await)
    }
}

/// The default seed's schedule: team "Platform Ops" (Alice admin, Bob member),
/// one weekly rotation from Monday 2024-01-01 09:00 UTC, Alice then Bob.
const SEEDED_SCHEDULE: &str = "8d1f0c52-3b8e-4b6a-a7f2-5e9d2c4b1a30";
const SEEDED_ROTATION: &str = "f3e2d1c0-b9a8-4765-8432-10fedcba9876";
const SEEDED_TEAM: &str = "2b7a4f4e-6c1d-4d2e-9a53-0f3c8e1d7a10";

fn schedule_path(sim: &Simulator, rest: &str) -> String {
    ops(sim, &format!("/schedules/{SEEDED_SCHEDULE}{rest}"))
}

/// Asserts `reply` is a 422 whose Ops error names `field`.
fn assert_field_error(reply: &Reply, field: &str) {
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{field}: {}",
        reply.body
    );
    assert!(
        reply.body["errors"][0]["title"]
            .as_str()
            .is_some_and(|t| t.contains(field)),
        "no error for {field}: {}",
        reply.body
    );
}

/// Creates a schedule for the seeded team as Alice and returns its id.
async fn new_schedule(sim: &Simulator, name: &str) -> String {
    let created = caller(sim, ADMIN)
        .post(
            &ops(sim, "/schedules"),
            &json!({ "name": name, "teamId": SEEDED_TEAM, "timezone": "UTC" }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    created.str_at("/id")
}

/// The account ids `who` sees on call in the seeded schedule at `date`.
async fn on_call_ids(who: &Caller<'_>, sim: &Simulator, date: &str) -> Vec<Value> {
    let reply = who
        .get_with(&schedule_path(sim, "/on-calls"), &[("date", date)])
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body["onCallParticipants"]
        .as_array()
        .expect("participants")
        .iter()
        .map(|p| p["id"].clone())
        .collect()
}
