//! The default share scope (`/filter/defaultShareScope`): each user's own,
//! `PRIVATE` until changed, one setting with the `user.default.share.private`
//! preference, and the spec's 400 for a scope it does not know.

use crate::common;
use crate::contract::Contract;

use common::{ADMIN, USER, caller, client, send, start};
use reqwest::StatusCode;
use serde_json::json;

const PATH: &str = "/rest/api/3/filter/defaultShareScope";
const PREFERENCE: &str = "/rest/api/3/mypreferences?key=user.default.share.private";

#[tokio::test]
async fn the_scope_is_private_until_set_and_is_the_share_private_preference() {
    let sim = start().await;
    let contract = Contract::new();
    let bob = caller(&sim, USER);
    let initial = bob.get(PATH).await;
    assert_eq!(initial.status, StatusCode::OK, "{}", initial.text);
    contract.check_ref(
        "GET /filter/defaultShareScope",
        "DefaultShareScope",
        &initial.body,
    );
    assert_eq!(initial.body, json!({"scope": "PRIVATE"}));

    // GLOBAL is taken and shows as AUTHENTICATED.
    let set = bob.put(PATH, &json!({"scope": "GLOBAL"})).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text);
    contract.check_ref(
        "PUT /filter/defaultShareScope",
        "DefaultShareScope",
        &set.body,
    );
    assert_eq!(set.body, json!({"scope": "AUTHENTICATED"}));
    assert_eq!(bob.get(PATH).await.body, json!({"scope": "AUTHENTICATED"}));
    assert_eq!(bob.get(PREFERENCE).await.body, json!("false"));
    // Alice's is still her own.
    assert_eq!(
        caller(&sim, ADMIN).get(PATH).await.body,
        json!({"scope": "PRIVATE"})
    );
    // The preference and the scope are one setting, both ways.
    assert_eq!(bob.delete(PREFERENCE).await.status, StatusCode::NO_CONTENT);
    assert_eq!(bob.get(PATH).await.body, json!({"scope": "PRIVATE"}));
    assert_eq!(
        bob.put(PATH, &json!({"scope": "AUTHENTICATED"})).await.body,
        json!({"scope": "AUTHENTICATED"})
    );
    assert_eq!(
        bob.put(PATH, &json!({"scope": "PRIVATE"})).await.body,
        json!({"scope": "PRIVATE"})
    );
    assert_eq!(bob.get(PREFERENCE).await.body, json!("true"));
    // REST API v2 answers alike.
    let v2 = bob.get("/rest/api/2/filter/defaultShareScope").await;
    assert_eq!(v2.status, StatusCode::OK, "{}", v2.text);
    assert_eq!(v2.body, json!({"scope": "PRIVATE"}));
    sim.shutdown().await;
}

#[tokio::test]
async fn an_unknown_scope_is_400_and_an_anonymous_call_401() {
    let sim = start().await;
    let bob = caller(&sim, USER);
    for body in [
        json!({"scope": "private"}),
        json!({"scope": "PROJECT"}),
        json!({"scope": 1}),
        json!({}),
        json!({"scope": "x".repeat(100_000)}),
    ] {
        let refused = bob.put(PATH, &body).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
        assert!(
            refused.body["errorMessages"][0].is_string(),
            "{}",
            refused.body
        );
    }
    let not_json = send(
        bob.request(reqwest::Method::PUT, PATH)
            .header("content-type", "application/json")
            .body("{oops"),
    )
    .await;
    assert_eq!(
        not_json.status,
        StatusCode::BAD_REQUEST,
        "{}",
        not_json.text
    );
    assert_eq!(bob.get(PATH).await.body, json!({"scope": "PRIVATE"}));
    let anonymous = send(client().get(format!("{}{PATH}", sim.base_url()))).await;
    assert_eq!(
        anonymous.status,
        StatusCode::UNAUTHORIZED,
        "{}",
        anonymous.text
    );
    sim.shutdown().await;
}
