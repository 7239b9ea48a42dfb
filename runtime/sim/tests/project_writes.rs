//! Project writes (`POST /project`, `PUT` and `DELETE /project/{key}`): a new
//! project as every project read and issue creation see it; each refusal;
//! an update read back; a delete that takes the project's issues with it;
//! REST API v2, the gateway's scopes and hostile bodies. Answers are checked
//! against the platform spec's `ProjectIdentifiers`, `Project` and
//! `ErrorCollection`.

use crate::common;
use crate::contract::Contract;

use common::{ADMIN, OUTSIDER, USER, account_id, caller, start};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A create body for `key` led by `lead`.
fn details(key: &str, name: &str, lead: &str) -> Value {
    json!({
        "key": key,
        "name": name,
        "leadAccountId": lead,
        "projectTypeKey": "software",
    })
}

/// The keys of the issues `jql` finds, as `who` searches.
async fn found(who: &common::Caller<'_>, jql: &str) -> Vec<String> {
    let reply = who
        .post(
            "/rest/api/3/search/jql",
            &json!({ "jql": jql, "fields": ["summary"] }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body["issues"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["key"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn a_created_project_is_read_searched_and_takes_issues() {
    let sim = start().await;
    let contract = Contract::new();
    let alice = caller(&sim, ADMIN);
    let bob = caller(&sim, USER);
    let bob_id = account_id(&sim, USER);

    let mut body = details("APP", "Admin app", &bob_id);
    body["description"] = json!("Made by an admin app");
    body["url"] = json!("https://example.com/app");
    body["assigneeType"] = json!("PROJECT_LEAD");
    // Schemes and templates of the right type are accepted and ignored.
    body["permissionScheme"] = json!(10000);
    body["projectTemplateKey"] = json!("com.pyxis.greenhopper.jira:gh-simplified-scrum-classic");
    let created = alice.post("/rest/api/3/project", &body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    contract.check_ref("POST /project", "ProjectIdentifiers", &created.body);
    assert_eq!(created.body["key"], "APP");
    let id = created.body["id"].as_u64().expect("a numeric id");
    assert!(id > 10001, "after the seeded ids: {id}");
    assert!(
        created
            .str_at("/self")
            .ends_with(&format!("/rest/api/3/project/{id}"))
    );

    // Every project read sees it, by key and by id.
    for path in [
        "/rest/api/3/project/APP".to_owned(),
        format!("/rest/api/3/project/{id}"),
    ] {
        let read = bob.get(&path).await;
        assert_eq!(read.status, StatusCode::OK, "{path}: {}", read.text);
        contract.check_ref("GET /project/{key}", "Project", &read.body);
        assert_eq!(read.body["name"], "Admin app");
        assert_eq!(read.body["description"], "Made by an admin app");
        assert_eq!(read.body["url"], "https://example.com/app");
        assert_eq!(read.body["assigneeType"], "PROJECT_LEAD");
        assert_eq!(read.body["lead"]["accountId"], bob_id.as_str());
        assert_eq!(read.body["projectTypeKey"], "software");
        assert!(
            read.body["issueTypes"]
                .as_array()
                .is_some_and(|t| !t.is_empty()),
            "the site's issue types"
        );
    }
    let searched = bob.get("/rest/api/3/project/search?keys=app").await;
    assert_eq!(searched.status, StatusCode::OK, "{}", searched.text);
    assert_eq!(searched.body["total"], 1);
    assert_eq!(searched.body["values"][0]["key"], "APP");
    let all = bob.get("/rest/api/3/project").await;
    assert!(
        all.body
            .as_array()
            .is_some_and(|p| p.iter().any(|p| p["key"] == "APP")),
        "{}",
        all.text
    );

    // Issues can be created in it, numbered from 1, and found by JQL.
    let issue = bob
        .post(
            "/rest/api/3/issue",
            &json!({ "fields": {
                "project": { "key": "APP" },
                "issuetype": { "name": "Task" },
                "summary": "first of a new project",
            } }),
        )
        .await;
    assert_eq!(issue.status, StatusCode::CREATED, "{}", issue.text);
    assert_eq!(issue.body["key"], "APP-1");
    assert_eq!(found(&bob, "project = APP").await, ["APP-1"]);
    let statuses = bob.get("/rest/api/3/project/APP/statuses").await;
    assert_eq!(statuses.status, StatusCode::OK, "{}", statuses.text);

    // A service desk project by its type, without a template.
    let desk = alice
        .post(
            "/rest/api/3/project",
            &json!({ "key": "HELP", "name": "Help desk", "leadAccountId": bob_id,
                     "projectTypeKey": "service_desk" }),
        )
        .await;
    assert_eq!(desk.status, StatusCode::CREATED, "{}", desk.text);
    let typed = bob
        .get("/rest/api/3/project/search?typeKey=service_desk")
        .await;
    assert_eq!(typed.body["total"], 1, "{}", typed.text);
    assert_eq!(typed.body["values"][0]["key"], "HELP");
    sim.shutdown().await;
}

/// Checks that `reply` is a Jira error of `status`, naming `field` if one is
/// given.
fn refused(contract: &Contract, reply: &common::Reply, status: StatusCode, field: &str) {
    assert_eq!(reply.status, status, "{}", reply.text);
    contract.check_ref("createProject error", "ErrorCollection", &reply.body);
    if !field.is_empty() {
        assert!(
            reply.body["errors"][field].is_string(),
            "{field}: {}",
            reply.text
        );
    }
}

#[tokio::test]
async fn creates_are_refused_as_jira_refuses_them() {
    let sim = start().await;
    let contract = Contract::new();
    let alice = caller(&sim, ADMIN);
    let bob = caller(&sim, USER);
    let bob_id = account_id(&sim, USER);

    let long_name = "n".repeat(81);
    let cases: Vec<(Value, &str)> = vec![
        (details("kiln2", "Lower", &bob_id), "projectKey"),
        (details("2KILN", "Digit first", &bob_id), "projectKey"),
        (details("K", "Too short", &bob_id), "projectKey"),
        (details("ABCDEFGHIJK", "Too long", &bob_id), "projectKey"),
        (details("KI_LN", "Underscore", &bob_id), "projectKey"),
        (details("KÏLN", "Non-ASCII", &bob_id), "projectKey"),
        (
            details("kiln", "Used key, other case", &bob_id),
            "projectKey",
        ),
        (details("NEW", "kiln", &bob_id), "projectName"),
        (details("NEW", &long_name, &bob_id), "projectName"),
        (details("NEW", " ", &bob_id), "projectName"),
        (
            details("NEW", "Unknown lead", "no-such-account"),
            "projectLead",
        ),
        (
            json!({ "key": "NEW", "name": "No lead", "projectTypeKey": "software" }),
            "projectLead",
        ),
        (
            json!({ "name": "No key", "leadAccountId": bob_id, "projectTypeKey": "software" }),
            "projectKey",
        ),
        (
            json!({ "key": "NEW", "name": "No type", "leadAccountId": bob_id }),
            "projectTypeKey",
        ),
        (
            json!({ "key": "NEW", "name": "Bad type", "leadAccountId": bob_id, "projectTypeKey": "ops" }),
            "projectTypeKey",
        ),
        (
            json!({ "key": "NEW", "name": "Bad rule", "leadAccountId": bob_id,
                    "projectTypeKey": "software", "assigneeType": "COMPONENT_LEAD" }),
            "assigneeType",
        ),
        (
            json!({ "key": "NEW", "name": "Bad url", "leadAccountId": bob_id,
                    "projectTypeKey": "software", "url": "not a url" }),
            "projectUrl",
        ),
        // Wrong JSON types are Jira's unreadable payload.
        (
            json!({ "key": 7, "name": "Typed", "leadAccountId": bob_id }),
            "",
        ),
        (
            json!({ "key": "NEW", "name": "Typed", "leadAccountId": bob_id,
                    "projectTypeKey": "software", "permissionScheme": "default" }),
            "",
        ),
    ];
    for (body, field) in &cases {
        let reply = alice.post("/rest/api/3/project", body).await;
        refused(&contract, &reply, StatusCode::BAD_REQUEST, field);
    }

    // Bob is no site admin: 403.
    let forbidden = bob
        .post("/rest/api/3/project", &details("BOBS", "Bob's", &bob_id))
        .await;
    refused(&contract, &forbidden, StatusCode::FORBIDDEN, "");
    // No credentials, or wrong ones: 401.
    let url = format!("{}/rest/api/3/project", sim.base_url());
    let anonymous = common::send(
        common::client()
            .post(&url)
            .json(&details("ANON", "Anon", &bob_id)),
    )
    .await;
    assert_eq!(
        anonymous.status,
        StatusCode::UNAUTHORIZED,
        "{}",
        anonymous.text
    );
    let wrong = common::send(
        common::client()
            .post(&url)
            .basic_auth(ADMIN, Some("not-the-token"))
            .json(&details("ANON", "Anon", &bob_id)),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{}", wrong.text);

    // Nothing was made.
    let listed = alice.get("/rest/api/3/project/search").await;
    assert_eq!(listed.body["total"], 2, "{}", listed.text);
    sim.shutdown().await;
}

#[tokio::test]
async fn an_update_is_read_back_and_a_key_change_is_refused() {
    let sim = start().await;
    let contract = Contract::new();
    let alice = caller(&sim, ADMIN);
    let bob = caller(&sim, USER);
    let carol = caller(&sim, OUTSIDER);
    let bob_id = account_id(&sim, USER);

    let updated = alice
        .put(
            "/rest/api/3/project/KILN",
            &json!({
                "name": "Kiln runtime",
                "description": "Sandboxed Jira apps",
                "url": "https://example.com/kiln",
                "leadAccountId": bob_id,
                "assigneeType": "PROJECT_LEAD",
                "key": "kiln",
                "notificationScheme": 10000,
            }),
        )
        .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    contract.check_ref("PUT /project/{key}", "Project", &updated.body);
    assert_eq!(
        updated.body["key"], "KILN",
        "the same key in another case is no change"
    );
    assert_eq!(updated.body["name"], "Kiln runtime");
    let read = carol.get("/rest/api/3/project/10000").await;
    assert_eq!(read.body["name"], "Kiln runtime");
    assert_eq!(read.body["description"], "Sandboxed Jira apps");
    assert_eq!(read.body["url"], "https://example.com/kiln");
    assert_eq!(read.body["assigneeType"], "PROJECT_LEAD");
    assert_eq!(read.body["lead"]["accountId"], bob_id.as_str());

    // Bob now leads KILN, so administers it; empty text clears.
    let cleared = bob
        .put(
            "/rest/api/2/project/KILN",
            &json!({ "description": "", "url": "" }),
        )
        .await;
    assert_eq!(cleared.status, StatusCode::OK, "{}", cleared.text);
    assert_eq!(cleared.body["description"], "");
    assert!(cleared.body.get("url").is_none(), "{}", cleared.text);
    assert!(
        cleared
            .str_at("/self")
            .contains("/rest/api/2/project/10000")
    );

    // A key change: Administer Jira is needed, and even then it is refused.
    let by_lead = bob
        .put("/rest/api/3/project/KILN", &json!({ "key": "KR" }))
        .await;
    assert_eq!(by_lead.status, StatusCode::FORBIDDEN, "{}", by_lead.text);
    let by_admin = alice
        .put("/rest/api/3/project/KILN", &json!({ "key": "KR" }))
        .await;
    assert_eq!(
        by_admin.status,
        StatusCode::BAD_REQUEST,
        "{}",
        by_admin.text
    );
    assert!(by_admin.body["errors"]["projectKey"].is_string());
    let taken = alice
        .put("/rest/api/3/project/KILN", &json!({ "key": "SEC" }))
        .await;
    assert_eq!(taken.status, StatusCode::BAD_REQUEST, "{}", taken.text);
    assert!(
        taken.text.contains("uses this project key"),
        "{}",
        taken.text
    );

    // Refusals: a name in use, an unknown lead, a non-admin, a hidden project.
    let used = alice
        .put("/rest/api/3/project/KILN", &json!({ "name": "SECURITY" }))
        .await;
    assert_eq!(used.status, StatusCode::BAD_REQUEST, "{}", used.text);
    let unknown = alice
        .put(
            "/rest/api/3/project/KILN",
            &json!({ "leadAccountId": "nobody" }),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST, "{}", unknown.text);
    let not_admin = carol
        .put("/rest/api/3/project/KILN", &json!({ "name": "Carol's" }))
        .await;
    assert_eq!(
        not_admin.status,
        StatusCode::FORBIDDEN,
        "{}",
        not_admin.text
    );
    let hidden = carol
        .put("/rest/api/3/project/SEC", &json!({ "name": "Carol's" }))
        .await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND, "{}", hidden.text);
    let missing = alice
        .put("/rest/api/3/project/NOPE", &json!({ "name": "x" }))
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.text);
    assert_eq!(
        alice.get("/rest/api/3/project/KILN").await.body["name"],
        "Kiln runtime",
        "refusals change nothing"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_deleted_project_takes_its_issues_with_it() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let bob = caller(&sim, USER);
    let bob_id = account_id(&sim, USER);

    for api in ["/rest/api/3", "/rest/api/2"] {
        let created = alice
            .post(
                &format!("{api}/project"),
                &details("GONE", "Going", &bob_id),
            )
            .await;
        assert_eq!(
            created.status,
            StatusCode::CREATED,
            "{api}: {}",
            created.text
        );
        let issue = bob
            .post(
                &format!("{api}/issue"),
                &json!({ "fields": {
                    "project": { "key": "GONE" },
                    "issuetype": { "name": "Task" },
                    "summary": "goes with its project",
                } }),
            )
            .await;
        assert_eq!(issue.status, StatusCode::CREATED, "{}", issue.text);
        let key = issue.str_at("/key");
        // A link from a surviving issue to it is cut with it.
        let link = bob
            .post(
                "/rest/api/3/issueLink",
                &json!({ "type": { "name": "Relates" },
                         "inwardIssue": { "key": "KILN-1" },
                         "outwardIssue": { "key": key } }),
            )
            .await;
        assert_eq!(link.status, StatusCode::CREATED, "{}", link.text);

        // Bob (no site admin) may not: the spec's 404.
        let refused = bob.delete(&format!("{api}/project/GONE")).await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND, "{}", refused.text);
        let deleted = alice
            .delete(&format!("{api}/project/GONE?enableUndo=true"))
            .await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);

        assert_eq!(
            bob.get(&format!("{api}/project/GONE")).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            bob.get(&format!("{api}/issue/{key}")).await.status,
            StatusCode::NOT_FOUND
        );
        assert!(
            found(&bob, "summary ~ \"goes with its project\"")
                .await
                .is_empty()
        );
        let search = bob.get("/rest/api/3/project/search?keys=GONE").await;
        assert_eq!(search.body["total"], 0);
        let survivor = bob.get("/rest/api/3/issue/KILN-1?fields=issuelinks").await;
        assert!(
            !survivor.text.contains(&key),
            "the link went with the issue: {}",
            survivor.text
        );
        // Gone, so a second delete finds nothing; the key is free again.
        assert_eq!(
            alice.delete(&format!("{api}/project/GONE")).await.status,
            StatusCode::NOT_FOUND
        );
    }
    let bad_flag = alice
        .delete("/rest/api/3/project/KILN?enableUndo=maybe")
        .await;
    assert_eq!(
        bad_flag.status,
        StatusCode::BAD_REQUEST,
        "{}",
        bad_flag.text
    );
    assert_eq!(
        alice.get("/rest/api/3/project/KILN").await.status,
        StatusCode::OK
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn the_gateway_asks_for_the_specs_scopes() {
    let sim = start().await;
    let gateway = format!("{}/ex/jira/{}/rest/api/3", sim.base_url(), sim.cloud_id());
    let client = common::client();
    let bob_id = account_id(&sim, USER);
    // Alice (a site admin) consents.
    let project = common::oauth::access_token(&sim, "read:jira-work manage:jira-project").await;
    let configuration =
        common::oauth::access_token(&sim, "read:jira-work manage:jira-configuration").await;
    let create = |access: &str| {
        common::send(
            client
                .post(format!("{gateway}/project"))
                .bearer_auth(access)
                .json(&details("GATE", "Gateway", &bob_id)),
        )
    };
    assert_eq!(create(&project).await.status, StatusCode::UNAUTHORIZED);
    let created = create(&configuration).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert!(
        created.str_at("/self").starts_with(&gateway),
        "{}",
        created.text
    );

    let update = |access: &str| {
        common::send(
            client
                .put(format!("{gateway}/project/GATE"))
                .bearer_auth(access)
                .json(&json!({ "name": "Gateway app" })),
        )
    };
    assert_eq!(
        update(&configuration).await.status,
        StatusCode::UNAUTHORIZED
    );
    let updated = update(&project).await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    assert_eq!(updated.body["name"], "Gateway app");

    let delete = |access: &str| {
        common::send(
            client
                .delete(format!("{gateway}/project/GATE"))
                .bearer_auth(access),
        )
    };
    assert_eq!(delete(&project).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(delete(&configuration).await.status, StatusCode::NO_CONTENT);
    sim.shutdown().await;
}

#[tokio::test]
async fn hostile_bodies_are_refused_without_a_panic() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let bob_id = account_id(&sim, USER);

    let huge = "K".repeat(100_000);
    let mut deep = json!("bottom");
    for _ in 0..200 {
        deep = json!({ "nested": deep });
    }
    let mut many = details("MANY", "Many fields", &bob_id);
    for n in 0..5_000 {
        many[format!("field{n}")] = json!(n);
    }
    let cases = [
        details(&huge, "Huge key", &bob_id),
        details("HUGE", &huge, &bob_id),
        details("HUGE", "Huge lead", &huge),
        details("ÉTÉ", "Non-ASCII key", &bob_id),
        details("EMOJI", &"🔥".repeat(81), &bob_id),
        json!({ "key": "DEEP", "name": "Deep", "leadAccountId": bob_id,
                "projectTypeKey": "software", "description": deep }),
        json!({ "key": "NUL", "name": "Nul\u{0}", "leadAccountId": bob_id,
                "projectTypeKey": "software", "description": "x".repeat(40_000) }),
        json!(["not", "an", "object"]),
    ];
    for body in &cases {
        let reply = alice.post("/rest/api/3/project", body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
        assert!(
            reply.body["errorMessages"].is_array() && reply.body["errors"].is_object(),
            "{}",
            reply.text
        );
        let update = alice.put("/rest/api/3/project/KILN", body).await;
        assert_eq!(update.status, StatusCode::BAD_REQUEST, "{}", update.text);
    }
    // Unknown properties are ignored, as Jira's reader ignores them; a
    // non-ASCII name within the limit is kept as given.
    let ignored = alice.post("/rest/api/3/project", &many).await;
    assert_eq!(ignored.status, StatusCode::CREATED, "{}", ignored.text);
    let named = alice
        .post("/rest/api/3/project", &details("UNI", "Проект 🔥", &bob_id))
        .await;
    assert_eq!(named.status, StatusCode::CREATED, "{}", named.text);
    assert_eq!(
        alice.get("/rest/api/3/project/UNI").await.body["name"],
        "Проект 🔥"
    );
    // A huge path is a plain 404.
    let path = format!("/rest/api/3/project/{}", "K".repeat(4_000));
    assert_eq!(alice.delete(&path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        alice.put(&path, &json!({ "name": "x" })).await.status,
        StatusCode::NOT_FOUND
    );
    sim.shutdown().await;
}
