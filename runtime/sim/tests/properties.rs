//! Project and user properties and the site's labels: the spec's statuses and
//! bodies, and who may read or write what.

use crate::common;

use common::{ADMIN, OUTSIDER, USER, account_id, caller, start};
use serde_json::json;

#[tokio::test]
async fn project_properties_are_read_by_browsers_and_written_by_administrators() {
    let sim = start().await;
    let path = "/rest/api/3/project/KILN/properties/kiln.config";
    let admin = caller(&sim, ADMIN);
    // The lead (Alice, a site admin) creates then replaces a value.
    assert_eq!(
        admin.put(path, &json!({"mode": "strict"})).await.status,
        201
    );
    assert_eq!(admin.put(path, &json!({"mode": "lax"})).await.status, 200);
    let read = caller(&sim, USER).get(path).await;
    assert_eq!(read.status, 200);
    assert_eq!(
        read.body,
        json!({"key": "kiln.config", "value": {"mode": "lax"}})
    );
    let keys = caller(&sim, USER)
        .get("/rest/api/3/project/KILN/properties")
        .await;
    assert_eq!(keys.body["keys"][0]["key"], "kiln.config");
    assert!(
        keys.body["keys"][0]["self"]
            .as_str()
            .is_some_and(|s| s.ends_with("/properties/kiln.config"))
    );

    // A member who does not administer the project: 403; a project they cannot
    // browse: 404, as for a missing one.
    let refused = caller(&sim, USER).put(path, &json!(1)).await;
    assert_eq!(refused.status, 403, "{}", refused.text);
    assert!(refused.body["errorMessages"][0].is_string());
    assert_eq!(
        caller(&sim, OUTSIDER)
            .get("/rest/api/3/project/SEC/properties")
            .await
            .status,
        404
    );
    assert_eq!(
        admin
            .get("/rest/api/3/project/NOPE/properties/x")
            .await
            .status,
        404
    );
    // A body that is not JSON, and a key too long, are 400.
    let not_json = common::send(admin.request(reqwest::Method::PUT, path).body("{oops")).await;
    assert_eq!(not_json.status, 400);
    let long = format!("/rest/api/3/project/KILN/properties/{}", "k".repeat(256));
    assert_eq!(admin.put(&long, &json!(1)).await.status, 400);

    assert_eq!(caller(&sim, USER).delete(path).await.status, 403);
    assert_eq!(admin.delete(path).await.status, 204);
    assert_eq!(admin.delete(path).await.status, 404);
    assert_eq!(caller(&sim, USER).get(path).await.status, 404);
    sim.shutdown().await;
}

#[tokio::test]
async fn user_properties_belong_to_their_user_and_site_admins() {
    let sim = start().await;
    let bob = account_id(&sim, USER);
    let carol = account_id(&sim, OUTSIDER);
    let mine = format!("/rest/api/3/user/properties/theme?accountId={bob}");
    let user = caller(&sim, USER);
    assert_eq!(user.put(&mine, &json!("dark")).await.status, 201);
    assert_eq!(
        user.get(&mine).await.body,
        json!({"key": "theme", "value": "dark"})
    );
    let keys = user
        .get(&format!("/rest/api/3/user/properties?accountId={bob}"))
        .await;
    assert_eq!(keys.body["keys"][0]["key"], "theme");
    // Someone else's record: 403 unless site admin.
    let theirs = format!("/rest/api/3/user/properties/theme?accountId={carol}");
    assert_eq!(user.get(&theirs).await.status, 403);
    assert_eq!(user.put(&theirs, &json!(1)).await.status, 403);
    assert_eq!(caller(&sim, ADMIN).get(&mine).await.status, 200);
    // accountId is required; an unknown account is 404 (for an admin).
    assert_eq!(
        user.get("/rest/api/3/user/properties/theme").await.status,
        400
    );
    assert_eq!(
        caller(&sim, ADMIN)
            .get("/rest/api/3/user/properties/theme?accountId=nobody")
            .await
            .status,
        404
    );
    assert_eq!(user.delete(&mine).await.status, 204);
    assert_eq!(user.get(&mine).await.status, 404);
    sim.shutdown().await;
}

#[tokio::test]
async fn labels_list_every_label_on_the_site_sorted_and_paged() {
    let sim = start().await;
    let admin = caller(&sim, ADMIN);
    admin
        .put(
            "/rest/api/3/issue/KILN-1",
            &json!({"fields": {"labels": ["zeta", "alpha"]}}),
        )
        .await;
    let all = caller(&sim, USER).get("/rest/api/3/label").await;
    assert_eq!(all.status, 200);
    let values: Vec<&str> = all.body["values"]
        .as_array()
        .expect("values")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    let mut sorted = values.clone();
    sorted.sort_unstable();
    assert_eq!(values, sorted);
    assert!(values.contains(&"alpha") && values.contains(&"zeta"));
    assert_eq!(all.body["total"], values.len());
    assert_eq!(all.body["isLast"], true);
    let first = caller(&sim, USER)
        .get("/rest/api/3/label?maxResults=1")
        .await;
    assert_eq!(first.body["values"].as_array().map(Vec::len), Some(1));
    assert_eq!(first.body["isLast"], json!(values.len() <= 1));
    sim.shutdown().await;
}
