//! Hostile input to the agile API and to `POST /rest/api/3/permissions/check`:
//! each gets Jira's typed 400 (or an ordinary answer) in bounded time, and the
//! site keeps serving.

use crate::common;

use std::time::{Duration, Instant};

use common::{ADMIN, caller, start};
use reqwest::StatusCode;
use serde_json::{Value, json};

const AGILE: &str = "/rest/agile/1.0";

/// Asserts `reply` is Jira's 400 naming `field` in `errors`.
fn assert_field_error(reply: &common::Reply, field: &str) {
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert!(reply.body["errors"][field].is_string(), "{}", reply.text);
    assert!(reply.body["errorMessages"].is_array(), "{}", reply.text);
}

/// A date the parser reads whose instant lies past the last year the agile
/// API writes (9999, in UTC): 10000-01-01T09:59Z.
const PAST_THE_CALENDAR: &str = "9999-12-31T23:59:00.000-10:00";

#[tokio::test]
async fn a_sprint_date_past_the_calendar_is_a_400_not_a_panic() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    for field in ["startDate", "endDate"] {
        let reply = alice
            .post(
                &format!("{AGILE}/sprint"),
                &json!({ "name": "S", "originBoardId": 1, field: PAST_THE_CALENDAR }),
            )
            .await;
        assert_field_error(&reply, field);
        // Jira's `+1000` offsets reach the same instant.
        let reply = alice
            .post(
                &format!("{AGILE}/sprint"),
                &json!({ "name": "S", "originBoardId": 1, field: "9999-12-31T23:59:00.000-1000" }),
            )
            .await;
        assert_field_error(&reply, field);
    }
    // The same on both updates of an existing sprint, which is left as it was.
    let made = alice
        .post(
            &format!("{AGILE}/sprint"),
            &json!({ "name": "S", "originBoardId": 1 }),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    let url = format!("{AGILE}/sprint/{}", made.body["id"]);
    let partial = alice
        .post(&url, &json!({ "endDate": PAST_THE_CALENDAR }))
        .await;
    assert_field_error(&partial, "endDate");
    let full = alice
        .put(
            &url,
            &json!({ "name": "S", "startDate": PAST_THE_CALENDAR }),
        )
        .await;
    assert_field_error(&full, "startDate");
    // The last instant of the calendar is a date like any other.
    let last = alice
        .post(&url, &json!({ "endDate": "9999-12-31T23:59:59.999Z" }))
        .await;
    assert_eq!(last.status, StatusCode::OK, "{}", last.text);
    assert_eq!(last.body["endDate"], "9999-12-31T23:59:59.999Z");
    // The site still serves.
    let sprint = alice.get(&url).await;
    assert_eq!(sprint.status, StatusCode::OK, "{}", sprint.text);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_board_sprint_list_takes_a_long_state_list() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let made = alice
        .post(
            &format!("{AGILE}/sprint"),
            &json!({ "name": "S", "originBoardId": 1 }),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    let states = vec!["future"; 5_000].join(",");
    let reply = alice
        .get_with(&format!("{AGILE}/board/1/sprint"), &[("state", &states)])
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["total"], 1, "{}", reply.text);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_board_list_takes_a_long_type_list() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let boards = format!("{AGILE}/board");
    let all = alice.get(&boards).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text);
    let types = vec![" SCRUM "; 5_000].join(",");
    let reply = alice.get_with(&boards, &[("type", &types)]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["total"], all.body["total"], "{}", reply.text);
    // A type the simulator does not make is asked for, and matches nothing;
    // an empty one is not asked for.
    let simple = alice.get_with(&boards, &[("type", "simple")]).await;
    assert_eq!(simple.body["total"], 0, "{}", simple.text);
    let empty = alice.get_with(&boards, &[("type", " , ")]).await;
    assert_eq!(empty.body["total"], all.body["total"], "{}", empty.text);
    sim.shutdown().await;
}

#[tokio::test]
async fn paging_numbers_near_the_limits_are_answered() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let max = u64::MAX.to_string();
    for path in [
        "/board",
        "/board/1/sprint",
        "/board/1/issue",
        "/board/1/backlog",
        "/board/1/project",
    ] {
        let reply = alice
            .get_with(
                &format!("{AGILE}{path}"),
                &[("startAt", &max), ("maxResults", &max)],
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text);
        assert!(reply.body["maxResults"].as_u64() <= Some(100), "{path}");
        for bad in ["-1", "18446744073709551616", "x"] {
            let reply = alice
                .get_with(&format!("{AGILE}{path}"), &[("startAt", bad)])
                .await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path} {bad}");
            assert!(reply.body["errorMessages"].is_array(), "{}", reply.text);
        }
    }
    sim.shutdown().await;
}

/// A body that repeats one permission over many entries, each naming a few
/// ids that name nothing: the ids count for nothing (the spec ignores them),
/// so the check must not cost the square of the entries.
fn many_entries(entries: usize, ids_each: usize) -> Value {
    let entries: Vec<Value> = (0..entries)
        .map(|n| {
            let ids: Vec<usize> = (0..ids_each)
                .map(|i| 1_000_000 + n * ids_each + i)
                .collect();
            json!({ "permissions": ["BROWSE_PROJECTS", "EDIT_ISSUES"], "projects": ids, "issues": ids })
        })
        .collect();
    json!({ "projectPermissions": entries })
}

#[tokio::test]
async fn a_bulk_permission_check_of_many_entries_is_linear() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    // Some 1.9 MB of JSON, under the body limit.
    let body = many_entries(6_000, 12);
    let started = Instant::now();
    let reply = alice.post("/rest/api/3/permissions/check", &body).await;
    let took = started.elapsed();
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["projectPermissions"][0]["projects"], json!([]));
    // Generous for a debug build; the square of the entries took minutes.
    assert!(took < Duration::from_secs(10), "took {took:?}");
    sim.shutdown().await;
}

#[tokio::test]
async fn a_repeated_unmodelled_permission_is_named_once() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let keys = vec!["ARCHIVE_ISSUES"; 1_000];
    let reply = alice
        .post(
            "/rest/api/3/permissions/check",
            &json!({ "projectPermissions": [{ "permissions": keys }] }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_IMPLEMENTED, "{}", reply.text);
    assert_eq!(
        reply.text.matches("ARCHIVE_ISSUES").count(),
        1,
        "{}",
        reply.text
    );
    sim.shutdown().await;
}
