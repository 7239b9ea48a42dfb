//! Project, user and comment properties and the site's labels: the spec's statuses and
//! bodies, and who may read or write what.

use crate::common;

use common::{ADMIN, OUTSIDER, USER, account_id, caller, start};
use reqwest::StatusCode;
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

/// Forge app properties through the gateway: `method path` with a bearer token.
async fn gateway(
    sim: &kiln_sim::Simulator,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<&str>,
) -> common::Reply {
    let mut request = common::client()
        .request(
            method,
            format!("{}/ex/jira/{}{path}", sim.base_url(), sim.cloud_id()),
        )
        .bearer_auth(token);
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_owned());
    }
    common::send(request).await
}

/// A host running several apps on one site gives each an integration of its
/// own (`Simulator::app_client_for`), as Jira gives each Forge app: one app's
/// Forge app properties are not another's, though both act as the same
/// service account.
#[tokio::test]
async fn each_apps_integration_keeps_its_own_app_properties() {
    use reqwest::Method;
    let sim = start().await;
    let first = sim.app_client_for("ari:cloud:ecosystem::app/a").expect("a");
    let second = sim.app_client_for("ari:cloud:ecosystem::app/b").expect("b");
    assert_eq!(
        first.client_id,
        sim.app_client().client_id,
        "the first app gets the site's"
    );
    assert_ne!(second.client_id, first.client_id);
    assert_eq!(
        sim.app_client_for("ari:cloud:ecosystem::app/b")
            .expect("again")
            .client_id,
        second.client_id
    );
    let a = common::oauth::client_access_token(&sim, &first).await;
    let b = common::oauth::client_access_token(&sim, &second).await;
    let path = "/rest/forge/1/app/properties/settings";

    let created = gateway(&sim, &a, Method::PUT, path, Some(r#"{"owner":"a"}"#)).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let unseen = gateway(&sim, &b, Method::GET, path, None).await;
    assert_eq!(unseen.status, 404, "{}", unseen.text);
    assert!(!unseen.text.contains("owner"), "{}", unseen.text);
    let keys = gateway(&sim, &b, Method::GET, "/rest/forge/1/app/properties", None).await;
    assert_eq!(keys.body["keys"], json!([]), "{}", keys.text);
    // The second app's write of the same key is its own property, not the first's.
    let its_own = gateway(&sim, &b, Method::PUT, path, Some(r#"{"owner":"b"}"#)).await;
    assert_eq!(its_own.status, 201, "{}", its_own.text);
    let read_a = gateway(&sim, &a, Method::GET, path, None).await;
    assert_eq!(read_a.body["value"], json!({"owner": "a"}));
    let read_b = gateway(&sim, &b, Method::GET, path, None).await;
    assert_eq!(read_b.body["value"], json!({"owner": "b"}));
    // Each is a user of its own too, the second an app account (`app_accounts.rs`).
    let me_a = gateway(&sim, &a, Method::GET, "/rest/api/3/myself", None).await;
    let me_b = gateway(&sim, &b, Method::GET, "/rest/api/3/myself", None).await;
    assert_ne!(
        me_a.body["accountId"], me_b.body["accountId"],
        "{}",
        me_b.text
    );
    assert_eq!(me_b.body["accountType"], "app", "{}", me_b.text);

    // Each secret opens only its own integration; an unknown client id is refused.
    let mut crossed = common::oauth::client_grant(&second);
    crossed["client_secret"] = json!(first.client_secret);
    assert_eq!(common::oauth::token(&sim, crossed).await.status(), 401);
    let mut unknown = common::oauth::client_grant(&second);
    unknown["client_id"] = json!("nobody");
    assert_eq!(common::oauth::token(&sim, unknown).await.status(), 401);
}

#[tokio::test]
async fn forge_app_properties_belong_to_the_app_calling_as_itself() {
    use reqwest::Method;
    let sim = start().await;
    let app = common::oauth::app_access_token(&sim).await;
    let path = "/rest/forge/1/app/properties/kiln.settings";

    let created = gateway(&sim, &app, Method::PUT, path, Some(r#"{"mode":"strict"}"#)).await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(
        created.body,
        json!({"message": "Property created.", "statusCode": 201})
    );
    let updated = gateway(&sim, &app, Method::PUT, path, Some(r#"{"mode":"lax"}"#)).await;
    assert_eq!(updated.status, 200);
    assert_eq!(
        updated.body,
        json!({"message": "Property updated.", "statusCode": 200})
    );
    let read = gateway(&sim, &app, Method::GET, path, None).await;
    assert_eq!(
        read.body,
        json!({"key": "kiln.settings", "value": {"mode": "lax"}})
    );
    let keys = gateway(
        &sim,
        &app,
        Method::GET,
        "/rest/forge/1/app/properties",
        None,
    )
    .await;
    assert_eq!(keys.body["keys"][0]["key"], "kiln.settings");
    assert_eq!(
        keys.body["keys"][0]["self"],
        format!(
            "{}/ex/jira/{}/rest/forge/1/app/properties/kiln.settings",
            sim.base_url(),
            sim.cloud_id()
        )
    );

    // Only an app acting as itself: a user's API token and an app acting for a
    // user (3LO, Forge's asUser) are refused, and see nothing of the app's data.
    for refused in [
        caller(&sim, ADMIN).get(path).await,
        caller(&sim, ADMIN).put(path, &json!(1)).await,
        caller(&sim, ADMIN)
            .get("/rest/forge/1/app/properties")
            .await,
    ] {
        assert_eq!(refused.status, 403, "{}", refused.text);
        assert_eq!(
            refused.body["errorMessages"][0],
            "Access to this resource must be authenticated as an app."
        );
    }
    let as_user = common::oauth::access_token(&sim, "read:app-data:jira write:app-data:jira").await;
    let impersonated = gateway(&sim, &as_user, Method::GET, path, None).await;
    assert_eq!(impersonated.status, 403, "{}", impersonated.text);
    assert!(!impersonated.text.contains("strict") && !impersonated.text.contains("lax"));

    // The spec's limits, each a 400 OperationMessage; nothing is stored.
    let long_key = format!("/rest/forge/1/app/properties/{}", "k".repeat(128));
    let too_long = gateway(&sim, &app, Method::PUT, &long_key, Some("1")).await;
    assert_eq!(too_long.status, 400);
    assert_eq!(too_long.body["statusCode"], 400);
    let max_key = format!("/rest/forge/1/app/properties/{}", "k".repeat(127));
    assert_eq!(
        gateway(&sim, &app, Method::PUT, &max_key, Some("1"))
            .await
            .status,
        201
    );
    for body in ["{oops", "", "  "] {
        let bad = gateway(
            &sim,
            &app,
            Method::PUT,
            "/rest/forge/1/app/properties/bad",
            Some(body),
        )
        .await;
        assert_eq!(bad.status, 400, "{body:?}: {}", bad.text);
        assert_eq!(bad.body["statusCode"], 400);
    }
    let big = format!("\"{}\"", "x".repeat(32_767));
    let too_big = gateway(
        &sim,
        &app,
        Method::PUT,
        "/rest/forge/1/app/properties/big",
        Some(&big),
    )
    .await;
    assert_eq!(too_big.status, 400, "32,769 characters");
    let fits = format!("\"{}\"", "x".repeat(32_766));
    assert_eq!(
        gateway(
            &sim,
            &app,
            Method::PUT,
            "/rest/forge/1/app/properties/big",
            Some(&fits)
        )
        .await
        .status,
        201
    );
    assert_eq!(
        gateway(
            &sim,
            &app,
            Method::GET,
            "/rest/forge/1/app/properties/bad",
            None
        )
        .await
        .status,
        404
    );

    // Delete: 204, then the spec's 404 OperationMessage.
    assert_eq!(
        gateway(&sim, &app, Method::DELETE, path, None).await.status,
        204
    );
    let gone = gateway(&sim, &app, Method::DELETE, path, None).await;
    assert_eq!(gone.status, 404);
    assert_eq!(
        gone.body,
        json!({"message": "Property with key not found.", "statusCode": 404})
    );
    sim.shutdown().await;
}

/// Reading Forge app properties needs `read:app-data:jira`, as the spec
/// names no other set for it; writing and deleting them need no scope (the
/// spec's current set is empty: the app's own data, `Access::OwnAppData`).
#[tokio::test]
async fn reading_forge_app_properties_needs_the_read_scope_and_writing_none() {
    use kiln_sim::{AppClientConfig, SimConfig};
    use reqwest::Method;
    let with_scopes = async |scopes: &[&str]| {
        common::start_with(SimConfig {
            app_client: AppClientConfig {
                scopes: scopes.iter().map(|s| String::from(*s)).collect(),
                ..AppClientConfig::default()
            },
            ..SimConfig::default()
        })
        .await
    };
    let path = "/rest/forge/1/app/properties/k";

    let reader = with_scopes(&["read:app-data:jira"]).await;
    let app = common::oauth::app_access_token(&reader).await;
    let absent = gateway(&reader, &app, Method::GET, path, None).await;
    assert_eq!(absent.status, 404, "{}", absent.text);
    reader.shutdown().await;

    let bare = with_scopes(&[]).await;
    let app = common::oauth::app_access_token(&bare).await;
    let refused = gateway(&bare, &app, Method::GET, path, None).await;
    assert_eq!(refused.status, 401, "{}", refused.text);
    let written = gateway(&bare, &app, Method::PUT, path, Some("1")).await;
    assert_eq!(written.status, 201, "{}", written.text);
    let deleted = gateway(&bare, &app, Method::DELETE, path, None).await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    bare.shutdown().await;
}

/// Stores `issueCost` and `flags` on KILN-1, as Bob.
async fn two_issue_properties(sim: &kiln_sim::Simulator) {
    let bob = caller(sim, USER);
    for (key, value) in [("issueCost", json!(42)), ("flags", json!({"hot": true}))] {
        let stored = bob
            .put(
                &format!("/rest/api/3/issue/KILN-1/properties/{key}"),
                &value,
            )
            .await;
        assert_eq!(stored.status, 201, "{}", stored.text);
    }
}

#[tokio::test]
async fn get_issue_returns_the_properties_named_with_all_and_exclusions() {
    let sim = start().await;
    two_issue_properties(&sim).await;
    let bob = caller(&sim, USER);
    let both = json!({"issueCost": 42, "flags": {"hot": true}});
    let cases = [
        ("properties=issueCost", json!({"issueCost": 42})),
        ("properties=issueCost,flags,absent", both.clone()),
        ("properties=issueCost&properties=flags", both.clone()),
        ("properties=*all", both.clone()),
        ("properties=*all,-flags", json!({"issueCost": 42})),
        ("properties=-flags", json!({})),
        ("properties=absent", json!({})),
    ];
    for api in ["3", "2"] {
        for (query, expected) in &cases {
            let reply = bob
                .get(&format!(
                    "/rest/api/{api}/issue/KILN-1?fields=summary&{query}"
                ))
                .await;
            assert_eq!(reply.status, 200, "{api} {query}: {}", reply.text);
            assert_eq!(reply.body["properties"], *expected, "{api} {query}");
        }
        // None named: no `properties` at all, as Jira answers.
        let plain = bob
            .get(&format!("/rest/api/{api}/issue/KILN-1?fields=summary"))
            .await;
        assert!(plain.body.get("properties").is_none(), "{}", plain.text);
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn the_searches_return_up_to_five_named_properties() {
    let sim = start().await;
    two_issue_properties(&sim).await;
    let bob = caller(&sim, USER);
    for api in ["3", "2"] {
        let path = format!("/rest/api/{api}/search/jql");
        let got = bob
            .get(&format!(
                "{path}?jql=key%3DKILN-1&fields=summary&properties=issueCost"
            ))
            .await;
        assert_eq!(got.status, 200, "{}", got.text);
        assert_eq!(
            got.body["issues"][0]["properties"],
            json!({"issueCost": 42})
        );
        assert_eq!(
            got.body["issues"][0]["fields"],
            json!({"summary": "Sandbox escapes must be impossible"})
        );
        let posted = bob
            .post(
                &path,
                &json!({"jql": "key = KILN-1", "fields": ["summary"], "properties": ["issueCost"]}),
            )
            .await;
        assert_eq!(posted.status, 200, "{}", posted.text);
        assert_eq!(
            posted.body["issues"][0]["properties"],
            json!({"issueCost": 42})
        );
        // With ids only, repeated and comma-separated, and the search's syntax
        // (keys only: `*all` is no key here).
        let ids = bob
            .get(&format!(
                "{path}?jql=key%3DKILN-1&properties=flags,*all&properties=issueCost"
            ))
            .await;
        let id = ids.body["issues"][0]["id"].clone();
        assert_eq!(
            ids.body["issues"][0],
            json!({"id": id, "properties": {"issueCost": 42, "flags": {"hot": true}}})
        );
        // Not named: no `properties`.
        let plain = bob.get(&format!("{path}?jql=key%3DKILN-1")).await;
        assert_eq!(plain.body["issues"][0], json!({"id": id}));
        // More than five: 400, in both forms, as bulk fetch answers it.
        let refusal = json!({"errorMessages": [], "errors": {"properties": "You can request up to 5 issue properties."}});
        let six = bob
            .get(&format!(
                "{path}?jql=key%3DKILN-1&properties=a,b,c&properties=d,e,f"
            ))
            .await;
        assert_eq!(six.status, 400);
        assert_eq!(six.body, refusal);
        let six = bob
            .post(
                &path,
                &json!({"jql": "key = KILN-1", "properties": ["a", "b", "c", "d", "e", "f"]}),
            )
            .await;
        assert_eq!(six.status, 400);
        assert_eq!(six.body, refusal);
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn projects_carry_the_project_properties_named() {
    let sim = start().await;
    let admin = caller(&sim, ADMIN);
    let stored = admin
        .put(
            "/rest/api/3/project/KILN/properties/evaluation_issue_type",
            &json!({"id": "10001"}),
        )
        .await;
    assert_eq!(stored.status, 201, "{}", stored.text);
    admin
        .put("/rest/api/3/project/KILN/properties/other", &json!([1]))
        .await;
    let bob = caller(&sim, USER);
    for api in ["3", "2"] {
        let cases = [
            ("", json!({})),
            (
                "?properties=evaluation_issue_type",
                json!({"evaluation_issue_type": {"id": "10001"}}),
            ),
            (
                "?properties=evaluation_issue_type,other",
                json!({"evaluation_issue_type": {"id": "10001"}, "other": [1]}),
            ),
            ("?properties=other&properties=absent", json!({"other": [1]})),
            // Keys only: the spec documents no `*all` here.
            ("?properties=*all", json!({})),
        ];
        for (query, expected) in &cases {
            for path in ["project/10000", "project/KILN"] {
                let reply = bob.get(&format!("/rest/api/{api}/{path}{query}")).await;
                assert_eq!(reply.status, 200, "{}", reply.text);
                assert_eq!(reply.body["properties"], *expected, "{api} {path}{query}");
            }
            let all = bob.get(&format!("/rest/api/{api}/project{query}")).await;
            assert_eq!(all.body[0]["key"], "KILN");
            assert_eq!(all.body[0]["properties"], *expected, "{api} project{query}");
            assert_eq!(all.body[1]["properties"], json!({}), "{api} project{query}");
        }
    }
    sim.shutdown().await;
}

/// The id of the first comment of `issue`, as `getComments` lists it.
async fn first_comment_id(sim: &kiln_sim::Simulator, issue: &str) -> String {
    caller(sim, ADMIN)
        .get(&format!("/rest/api/3/issue/{issue}/comment"))
        .await
        .str_at("/comments/0/id")
}

#[tokio::test]
async fn comment_properties_are_stored_read_listed_and_deleted() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let added = alice
        .post(
            "/rest/api/2/issue/KILN-1/comment",
            &json!({ "body": "with properties" }),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    let id = added.str_at("/id");
    let at = |key: &str| format!("/rest/api/3/comment/{id}/properties/{key}");

    let created = alice.put(&at("kiln.review"), &json!({ "score": 3 })).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let replaced = alice.put(&at("kiln.review"), &json!({ "score": 4 })).await;
    assert_eq!(replaced.status, StatusCode::OK);
    let read = alice.get(&at("kiln.review")).await;
    assert_eq!(
        read.body,
        json!({ "key": "kiln.review", "value": { "score": 4 } })
    );
    let keys = alice
        .get(&format!("/rest/api/3/comment/{id}/properties"))
        .await;
    assert_eq!(keys.body["keys"][0]["key"], "kiln.review");
    assert!(
        keys.body["keys"][0]["self"].as_str().is_some_and(
            |s| s.ends_with(&format!("/rest/api/3/comment/{id}/properties/kiln.review"))
        )
    );
    // `expand=properties` on the comment operations shows them.
    let expanded = alice
        .get_with(
            &format!("/rest/api/3/issue/KILN-1/comment/{id}"),
            &[("expand", "properties")],
        )
        .await;
    assert_eq!(
        expanded.body["properties"],
        json!([{ "key": "kiln.review", "value": { "score": 4 } }])
    );
    let page = alice
        .get_with(
            "/rest/api/3/issue/KILN-1/comment",
            &[("expand", "properties")],
        )
        .await;
    let listed = page.body["comments"]
        .as_array()
        .expect("comments")
        .iter()
        .find(|c| c["id"] == id.as_str())
        .expect("the comment is listed");
    assert_eq!(listed["properties"][0]["key"], "kiln.review");

    assert_eq!(
        alice.delete(&at("kiln.review")).await.status,
        StatusCode::NO_CONTENT
    );
    let gone = alice.get(&at("kiln.review")).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(
        gone.body["errorMessages"][0],
        "The property with key 'kiln.review' does not exist."
    );
    assert_eq!(
        alice.delete(&at("kiln.review")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn comment_properties_follow_the_comment_permissions() {
    let sim = start().await;
    let id = first_comment_id(&sim, "KILN-1").await;
    let at = format!("/rest/api/3/comment/{id}/properties/kiln.flag");
    let alice = caller(&sim, ADMIN);
    assert_eq!(
        alice.put(&at, &json!(true)).await.status,
        StatusCode::CREATED
    );
    // Carol may browse KILN and comment there, not edit others' comments: she
    // reads the property, and may not change it.
    let carol = caller(&sim, OUTSIDER);
    assert_eq!(carol.get(&at).await.body["value"], true);
    for refused in [carol.put(&at, &json!(false)).await, carol.delete(&at).await] {
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    }
    assert_eq!(alice.get(&at).await.body["value"], true, "unchanged");
    // Her own comment's properties are hers to set ("Edit Own Comments").
    let own = carol
        .post(
            "/rest/api/2/issue/KILN-1/comment",
            &json!({ "body": "mine" }),
        )
        .await
        .str_at("/id");
    let own_at = format!("/rest/api/3/comment/{own}/properties/kiln.flag");
    assert_eq!(
        carol.put(&own_at, &json!(1)).await.status,
        StatusCode::CREATED
    );
    // A comment of an issue she may not browse is not found, read or written.
    let hidden = alice
        .post(
            "/rest/api/2/issue/SEC-1/comment",
            &json!({ "body": "private" }),
        )
        .await
        .str_at("/id");
    let hidden_at = format!("/rest/api/3/comment/{hidden}/properties/kiln.flag");
    assert_eq!(
        alice.put(&hidden_at, &json!(1)).await.status,
        StatusCode::CREATED
    );
    for reply in [
        carol.get(&hidden_at).await,
        carol.put(&hidden_at, &json!(2)).await,
        carol
            .get(&format!("/rest/api/3/comment/{hidden}/properties"))
            .await,
    ] {
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);
        assert_eq!(
            reply.body["errorMessages"][0],
            format!("Can not find a comment for the id: {hidden}.")
        );
    }
    // An id that is not a number, or names no comment.
    let bad = alice.get("/rest/api/3/comment/abc/properties").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    let missing = alice.get("/rest/api/3/comment/999999/properties").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    // The rules every property keeps: a JSON value of at most 32,768 bytes.
    let not_json = alice
        .request(reqwest::Method::PUT, &at)
        .header("content-type", "application/json")
        .body("{not json");
    assert_eq!(common::send(not_json).await.status, StatusCode::BAD_REQUEST);
    let huge = json!("x".repeat(40_000));
    assert_eq!(alice.put(&at, &huge).await.status, StatusCode::BAD_REQUEST);
}
