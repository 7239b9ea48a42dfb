//! The caller's preferences (`/mypreferences?key=`): each user's own, the
//! system preferences' defaults, plain text and JSON string bodies, REST API
//! v2, and the spec's 404 for every bad request.

use crate::common;

use common::{ADMIN, USER, caller, client, send, start};
use reqwest::StatusCode;
use serde_json::json;

const THEME: &str = "/rest/api/3/mypreferences?key=kiln.theme";
const MIMETYPE: &str = "/rest/api/3/mypreferences?key=user.notifications.mimetype";

/// `PUT path` with `body` as plain text.
async fn put_text(sim: &kiln_sim::Simulator, email: &str, path: &str, body: &str) -> common::Reply {
    send(
        caller(sim, email)
            .request(reqwest::Method::PUT, path)
            .header("content-type", "text/plain")
            .body(body.to_owned()),
    )
    .await
}

#[tokio::test]
async fn a_user_sets_reads_and_removes_their_own_preferences() {
    let sim = start().await;
    let bob = caller(&sim, USER);

    let set = put_text(&sim, USER, THEME, "dark").await;
    assert_eq!(set.status, StatusCode::NO_CONTENT, "{}", set.text);
    let read = bob.get(THEME).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    assert_eq!(read.body, json!("dark"));
    // A JSON string body stores the string, not its quotes.
    let json_body = bob.put(THEME, &json!("light")).await;
    assert_eq!(
        json_body.status,
        StatusCode::NO_CONTENT,
        "{}",
        json_body.text
    );
    assert_eq!(bob.get(THEME).await.body, json!("light"));
    // Through REST API v2: the same preference.
    let v2 = bob.get("/rest/api/2/mypreferences?key=kiln.theme").await;
    assert_eq!(v2.status, StatusCode::OK, "{}", v2.text);
    assert_eq!(v2.body, json!("light"));

    // Preferences are each user's own: Alice has none of Bob's.
    let alice = caller(&sim, ADMIN);
    let hers = alice.get(THEME).await;
    assert_eq!(hers.status, StatusCode::NOT_FOUND, "{}", hers.text);
    assert_eq!(
        hers.body["errorMessages"][0],
        "The preference with key 'kiln.theme' does not exist."
    );

    let removed = bob.delete(THEME).await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{}", removed.text);
    assert_eq!(bob.get(THEME).await.status, StatusCode::NOT_FOUND);
    assert_eq!(bob.delete(THEME).await.status, StatusCode::NOT_FOUND);
    sim.shutdown().await;
}

#[tokio::test]
async fn system_preferences_answer_their_default_until_set_and_after_removal() {
    let sim = start().await;
    let bob = caller(&sim, USER);
    assert_eq!(bob.get(MIMETYPE).await.body, json!("html"));
    assert_eq!(
        bob.get("/rest/api/3/mypreferences?key=user.default.share.private")
            .await
            .body,
        json!("true")
    );
    assert_eq!(
        put_text(&sim, USER, MIMETYPE, "text").await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(bob.get(MIMETYPE).await.body, json!("text"));
    // Another user still has the default.
    assert_eq!(caller(&sim, ADMIN).get(MIMETYPE).await.body, json!("html"));
    assert_eq!(bob.delete(MIMETYPE).await.status, StatusCode::NO_CONTENT);
    assert_eq!(bob.get(MIMETYPE).await.body, json!("html"));
    // Removing a system preference that is at its default is not an error.
    assert_eq!(bob.delete(MIMETYPE).await.status, StatusCode::NO_CONTENT);
    sim.shutdown().await;
}

#[tokio::test]
async fn bad_requests_get_the_specs_404_and_anonymous_calls_401() {
    let sim = start().await;
    let bob = caller(&sim, USER);
    // No key, an empty key, a key past 255 characters.
    let long_key = format!("/rest/api/3/mypreferences?key={}", "k".repeat(256));
    for path in [
        "/rest/api/3/mypreferences",
        "/rest/api/3/mypreferences?key=",
        long_key.as_str(),
    ] {
        let read = bob.get(path).await;
        assert_eq!(read.status, StatusCode::NOT_FOUND, "{path}: {}", read.text);
        assert!(read.body["errorMessages"][0].is_string(), "{}", read.body);
        assert_eq!(
            put_text(&sim, USER, path, "x").await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(bob.delete(path).await.status, StatusCode::NOT_FOUND);
    }
    // No value, a value past 255 characters, a value that is not text, a
    // huge body.
    let huge = "y".repeat(10_000);
    for body in ["", "\"\"", &"v".repeat(256), &huge] {
        let refused = put_text(&sim, USER, THEME, body).await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND, "{}", refused.text);
    }
    let binary = send(
        bob.request(reqwest::Method::PUT, THEME)
            .header("content-type", "text/plain")
            .body(vec![0xff_u8, 0xfe]),
    )
    .await;
    assert_eq!(binary.status, StatusCode::NOT_FOUND, "{}", binary.text);
    assert_eq!(bob.get(THEME).await.status, StatusCode::NOT_FOUND);

    let anonymous = send(client().get(format!("{}{THEME}", sim.base_url()))).await;
    assert_eq!(
        anonymous.status,
        StatusCode::UNAUTHORIZED,
        "{}",
        anonymous.text
    );
    sim.shutdown().await;
}
