//! The platform REST API on the site: authentication, issues, comments, search,
//! projects, users.

mod common;

use base64::Engine as _;
use common::{ADMIN, OUTSIDER, USER, as_user, assert_no_secret, client, json, start};
use kiln_sim::AuthKind;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn every_route_needs_credentials_and_the_log_records_refusals() {
    let sim = start().await;
    let url = format!("{}/rest/api/3/myself", sim.base_url());

    let anonymous = client().get(&url).send().await.expect("sent");
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert!(anonymous.headers().contains_key("www-authenticate"));
    let body = json(anonymous).await;
    assert!(
        body["errorMessages"][0]
            .as_str()
            .is_some_and(|m| m.contains("not authenticated"))
    );

    let wrong = client()
        .get(&url)
        .basic_auth(ADMIN, Some("ATATT3xnot-the-token"))
        .send()
        .await
        .expect("sent");
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);

    let bearer = client()
        .get(&url)
        .bearer_auth("made-up")
        .send()
        .await
        .expect("sent");
    assert_eq!(bearer.status(), StatusCode::UNAUTHORIZED);

    let ok = as_user(&sim, Method::GET, ADMIN, "/rest/api/3/myself?expand=groups")
        .send()
        .await
        .expect("sent");
    assert_eq!(ok.status(), StatusCode::OK);

    let log = sim.requests();
    let summary: Vec<_> = log
        .iter()
        .map(|r| (r.auth, r.status, r.account_id.is_some()))
        .collect();
    assert_eq!(
        summary,
        [
            (AuthKind::None, 401, false),
            (AuthKind::Invalid, 401, false),
            (AuthKind::Invalid, 401, false),
            (AuthKind::Basic, 200, true),
        ]
    );
    let last = log.last().expect("logged");
    assert_eq!(last.method, "GET");
    assert_eq!(last.path, "/rest/api/3/myself");
    assert_eq!(last.query.as_deref(), Some("expand=groups"));
    assert!(last.header_names.iter().any(|h| h == "authorization"));
    assert_eq!(
        last.account_id.as_deref(),
        Some(sim.user(ADMIN).expect("admin").account_id.as_str())
    );

    sim.clear_requests();
    assert!(sim.requests().is_empty());
    sim.shutdown().await;
}

#[tokio::test]
async fn tokens_are_random_per_start_and_redacted_from_debug() {
    let a = start().await;
    let b = start().await;
    let (ta, tb) = (
        &a.user(ADMIN).expect("admin").api_token,
        &b.user(ADMIN).expect("admin").api_token,
    );
    assert_ne!(ta, tb);
    assert!(ta.starts_with("ATATT3x") && ta.len() >= 32);
    assert_ne!(a.cloud_id(), b.cloud_id());
    let debug = format!("{:?}", a.users());
    assert!(!debug.contains(ta.as_str()) && debug.contains("redacted"));
    assert!(!a.base_url().ends_with('/'));
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test]
async fn myself_describes_the_caller() {
    let sim = start().await;
    let me = json(
        as_user(&sim, Method::GET, USER, "/rest/api/3/myself")
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(me["emailAddress"], "user@example.com");
    assert_eq!(me["displayName"], "Bob User");
    assert_eq!(
        me["accountId"],
        sim.user(USER).expect("bob").account_id.as_str()
    );
    assert_eq!(me["active"], true);
    assert_eq!(me["accountType"], "atlassian");
    assert!(me["timeZone"].is_string());
    assert!(
        me["self"]
            .as_str()
            .is_some_and(|s| s.starts_with(sim.base_url()))
    );
    assert_no_secret(&sim, &me.to_string());
    sim.shutdown().await;
}

#[tokio::test]
async fn an_issue_reads_by_key_or_id_with_a_field_subset() {
    let sim = start().await;
    let issue = json(
        as_user(&sim, Method::GET, ADMIN, "/rest/api/3/issue/KILN-1")
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(issue["key"], "KILN-1");
    let fields = &issue["fields"];
    assert_eq!(fields["summary"], "Sandbox escapes must be impossible");
    assert_eq!(fields["status"]["name"], "Done");
    assert_eq!(fields["status"]["statusCategory"]["key"], "done");
    assert_eq!(fields["project"]["key"], "KILN");
    assert_eq!(fields["issuetype"]["name"], "Story");
    assert_eq!(fields["description"]["type"], "doc");
    assert_eq!(fields["assignee"]["displayName"], "Alice Admin");
    assert_eq!(fields["labels"], json!(["security", "sandbox"]));
    assert_eq!(fields["comment"]["total"], 2);

    let id = issue["id"].as_str().expect("id");
    let subset = json(
        as_user(
            &sim,
            Method::GET,
            ADMIN,
            &format!("/rest/api/3/issue/{id}?fields=summary,labels"),
        )
        .send()
        .await
        .expect("sent"),
    )
    .await;
    assert_eq!(subset["key"], "KILN-1");
    let names: Vec<_> = subset["fields"]
        .as_object()
        .expect("fields")
        .keys()
        .cloned()
        .collect();
    assert_eq!(names, ["labels", "summary"]);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_hidden_issue_is_indistinguishable_from_a_missing_one() {
    let sim = start().await;
    for path in [
        "/rest/api/3/issue/SEC-1",
        "/rest/api/3/issue/NOPE-9",
        "/rest/api/3/issue/SEC-1/comment",
    ] {
        let response = as_user(&sim, Method::GET, OUTSIDER, path)
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        let body = json(response).await;
        assert_eq!(
            body,
            json!({
                "errorMessages": ["Issue does not exist or you do not have permission to see it."],
                "errors": {}
            })
        );
    }
    let visible = as_user(&sim, Method::GET, USER, "/rest/api/3/issue/SEC-1")
        .send()
        .await
        .expect("sent");
    assert_eq!(visible.status(), StatusCode::OK);
    sim.shutdown().await;
}

#[tokio::test]
async fn comments_are_added_as_adf_and_listed() {
    let sim = start().await;
    let body = json!({ "body": { "type": "doc", "version": 1, "content": [
        { "type": "paragraph", "content": [{ "type": "text", "text": "from a test" }] }
    ]}});
    let added = as_user(&sim, Method::POST, USER, "/rest/api/3/issue/KILN-3/comment")
        .json(&body)
        .send()
        .await
        .expect("sent");
    assert_eq!(added.status(), StatusCode::CREATED);
    let comment = json(added).await;
    assert_eq!(comment["author"]["emailAddress"], USER);
    assert_eq!(comment["body"], body["body"]);

    let page = json(
        as_user(&sim, Method::GET, ADMIN, "/rest/api/3/issue/KILN-3/comment")
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(page["total"], 1);
    assert_eq!(page["comments"][0]["id"], comment["id"]);

    let plain = as_user(&sim, Method::POST, USER, "/rest/api/3/issue/KILN-3/comment")
        .json(&json!({ "body": "not adf" }))
        .send()
        .await
        .expect("sent");
    assert_eq!(plain.status(), StatusCode::BAD_REQUEST);

    let garbage = as_user(&sim, Method::POST, USER, "/rest/api/3/issue/KILN-3/comment")
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("sent");
    assert_eq!(garbage.status(), StatusCode::BAD_REQUEST);
    assert!(
        json(garbage).await["errorMessages"][0]
            .as_str()
            .is_some_and(|m| m.starts_with("Invalid request payload"))
    );

    let hidden = as_user(
        &sim,
        Method::POST,
        OUTSIDER,
        "/rest/api/3/issue/SEC-2/comment",
    )
    .json(&body)
    .send()
    .await
    .expect("sent");
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
    sim.shutdown().await;
}

#[tokio::test]
async fn issues_are_created_edited_transitioned_assigned_and_deleted() {
    let sim = start().await;
    let create = json!({ "fields": {
        "project": { "key": "KILN" },
        "issuetype": { "name": "Bug" },
        "summary": "Created by a test",
        "labels": ["new"],
        "description": { "type": "doc", "version": 1, "content": [] }
    }});
    let created = as_user(&sim, Method::POST, USER, "/rest/api/3/issue")
        .json(&create)
        .send()
        .await
        .expect("sent");
    assert_eq!(created.status(), StatusCode::CREATED);
    let created = json(created).await;
    assert_eq!(created["key"], "KILN-7");
    let path = format!(
        "/rest/api/3/issue/{}",
        created["key"].as_str().expect("key")
    );

    let outsider = as_user(&sim, Method::POST, OUTSIDER, "/rest/api/3/issue")
        .json(&create)
        .send()
        .await
        .expect("sent");
    assert_eq!(outsider.status(), StatusCode::FORBIDDEN);

    let edit = json!({ "fields": { "summary": "Renamed" }, "update": { "labels": [{ "add": "triaged" }, { "remove": "new" }] } });
    let edited = as_user(&sim, Method::PUT, USER, &path)
        .json(&edit)
        .send()
        .await
        .expect("sent");
    assert_eq!(edited.status(), StatusCode::NO_CONTENT);
    let unknown_field = as_user(&sim, Method::PUT, USER, &path)
        .json(&json!({ "fields": { "customfield_1": 1 } }))
        .send()
        .await
        .expect("sent");
    assert_eq!(unknown_field.status(), StatusCode::BAD_REQUEST);
    let forbidden = as_user(&sim, Method::PUT, OUTSIDER, &path)
        .json(&edit)
        .send()
        .await
        .expect("sent");
    assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);

    let transitions = json(
        as_user(&sim, Method::GET, USER, &format!("{path}/transitions"))
            .send()
            .await
            .expect("sent"),
    )
    .await;
    let done = transitions["transitions"]
        .as_array()
        .expect("transitions")
        .iter()
        .find(|t| t["to"]["name"] == "Done")
        .expect("a transition to Done")["id"]
        .clone();
    let moved = as_user(&sim, Method::POST, USER, &format!("{path}/transitions"))
        .json(&json!({ "transition": { "id": done } }))
        .send()
        .await
        .expect("sent");
    assert_eq!(moved.status(), StatusCode::NO_CONTENT);
    let bad = as_user(&sim, Method::POST, USER, &format!("{path}/transitions"))
        .json(&json!({ "transition": { "id": "999" } }))
        .send()
        .await
        .expect("sent");
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);

    let admin_id = sim.user(ADMIN).expect("admin").account_id.clone();
    let assigned = as_user(&sim, Method::PUT, USER, &format!("{path}/assignee"))
        .json(&json!({ "accountId": admin_id }))
        .send()
        .await
        .expect("sent");
    assert_eq!(assigned.status(), StatusCode::NO_CONTENT);

    let issue = json(
        as_user(&sim, Method::GET, USER, &path)
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(issue["fields"]["summary"], "Renamed");
    assert_eq!(issue["fields"]["labels"], json!(["triaged"]));
    assert_eq!(issue["fields"]["status"]["name"], "Done");
    assert_eq!(issue["fields"]["assignee"]["accountId"], admin_id.as_str());
    assert_eq!(issue["fields"]["reporter"]["emailAddress"], USER);

    let deleted = as_user(&sim, Method::DELETE, USER, &path)
        .send()
        .await
        .expect("sent");
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let gone = as_user(&sim, Method::GET, USER, &path)
        .send()
        .await
        .expect("sent");
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    sim.shutdown().await;
}

#[tokio::test]
async fn jql_search_filters_orders_and_pages() {
    let sim = start().await;
    let search = |jql: &str, token: Option<&str>| {
        let mut body = json!({ "jql": jql, "maxResults": 2, "fields": ["summary", "status"] });
        if let Some(token) = token {
            body["nextPageToken"] = json!(token);
        }
        as_user(&sim, Method::POST, ADMIN, "/rest/api/3/search/jql")
            .json(&body)
            .send()
    };
    let jql = "project = KILN AND (status = \"To Do\" OR labels in (ops)) ORDER BY key ASC";
    let first = json(search(jql, None).await.expect("sent")).await;
    let keys = |page: &serde_json::Value| -> Vec<String> {
        page["issues"]
            .as_array()
            .expect("issues")
            .iter()
            .map(|i| i["key"].as_str().expect("key").to_owned())
            .collect()
    };
    assert_eq!(keys(&first), ["KILN-3", "KILN-4"]);
    assert_eq!(first["isLast"], false);
    let token = first["nextPageToken"]
        .as_str()
        .expect("more pages")
        .to_owned();
    let second = json(search(jql, Some(&token)).await.expect("sent")).await;
    assert_eq!(keys(&second), ["KILN-5", "KILN-6"]);
    assert_eq!(second["isLast"], true);
    assert!(second.get("nextPageToken").is_none());

    let mine = as_user(&sim, Method::GET, USER, "/rest/api/3/search/jql")
        .query(&[
            ("jql", "assignee = currentUser() ORDER BY key DESC"),
            ("fields", "summary"),
        ])
        .send()
        .await
        .expect("sent");
    let mine = json(mine).await;
    assert_eq!(keys(&mine), ["SEC-2", "KILN-4", "KILN-2"]);

    let ids_only = json(
        as_user(
            &sim,
            Method::GET,
            ADMIN,
            "/rest/api/3/search/jql?jql=text%20~%20%22audit%22",
        )
        .send()
        .await
        .expect("sent"),
    )
    .await;
    assert_eq!(ids_only["issues"], json!([{ "id": "10001" }]));

    let outsider = json(
        as_user(
            &sim,
            Method::GET,
            OUTSIDER,
            "/rest/api/3/search/jql?jql=labels%20is%20not%20empty&fields=key",
        )
        .send()
        .await
        .expect("sent"),
    )
    .await;
    assert!(keys(&outsider).iter().all(|k| k.starts_with("KILN-")));

    for (bad, message) in [
        ("project = KILN AND", "Error in the JQL Query"),
        ("colour = red", "Field 'colour' does not exist"),
        ("", "Unbounded JQL queries are not allowed"),
    ] {
        let response = search(bad, None).await.expect("sent");
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad}");
        let body = json(response).await;
        assert!(
            body["errorMessages"][0]
                .as_str()
                .is_some_and(|m| m.contains(message)),
            "{bad}: {body}"
        );
    }
    let foreign_token = search("project = SEC", Some(&token)).await.expect("sent");
    assert_eq!(foreign_token.status(), StatusCode::BAD_REQUEST);
    sim.shutdown().await;
}

#[tokio::test]
async fn projects_and_users_are_listed_as_the_caller_may_see_them() {
    let sim = start().await;
    let all = json(
        as_user(&sim, Method::GET, ADMIN, "/rest/api/3/project/search")
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(all["total"], 2);
    let outsider = json(
        as_user(&sim, Method::GET, OUTSIDER, "/rest/api/3/project/search")
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(outsider["total"], 1);
    assert_eq!(outsider["values"][0]["key"], "KILN");

    let kiln = json(
        as_user(&sim, Method::GET, ADMIN, "/rest/api/3/project/KILN")
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(kiln["name"], "Kiln");
    assert_eq!(kiln["lead"]["emailAddress"], ADMIN);
    assert_eq!(kiln["components"].as_array().map(Vec::len), Some(4));
    let hidden = as_user(&sim, Method::GET, OUTSIDER, "/rest/api/3/project/SEC")
        .send()
        .await
        .expect("sent");
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);

    let found = json(
        as_user(
            &sim,
            Method::GET,
            ADMIN,
            "/rest/api/3/user/search?query=bob",
        )
        .send()
        .await
        .expect("sent"),
    )
    .await;
    assert_eq!(found.as_array().map(Vec::len), Some(1));
    assert_eq!(found[0]["emailAddress"], USER);
    let missing_query = as_user(&sim, Method::GET, ADMIN, "/rest/api/3/user/search")
        .send()
        .await
        .expect("sent");
    assert_eq!(missing_query.status(), StatusCode::BAD_REQUEST);

    let unknown = as_user(&sim, Method::GET, ADMIN, "/rest/api/3/serverInfo")
        .send()
        .await
        .expect("sent");
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    sim.shutdown().await;
}

#[tokio::test]
async fn no_answer_echoes_a_credential() {
    let sim = start().await;
    let admin = sim.user(ADMIN).expect("admin").clone();
    let paths = [
        (Method::GET, "/rest/api/3/myself"),
        (Method::GET, "/rest/api/3/issue/KILN-1"),
        (Method::GET, "/rest/api/3/issue/NOPE-1"),
        (Method::GET, "/rest/api/3/search/jql?jql=bad%20%3D"),
        (Method::POST, "/rest/api/3/issue/KILN-1/comment"),
        (Method::GET, "/rest/api/3/user/search?query=a"),
        (Method::GET, "/does/not/exist"),
    ];
    for (method, path) in paths {
        for password in [admin.api_token.as_str(), "ATATT3xwrong-but-secret-looking"] {
            let response = client()
                .request(method.clone(), format!("{}{path}", sim.base_url()))
                .basic_auth(&admin.email, Some(password))
                .send()
                .await
                .expect("sent");
            let encoded = base64::engine::general_purpose::STANDARD
                .encode(format!("{}:{password}", admin.email));
            let headers = format!("{:?}", response.headers());
            let body = response.text().await.expect("body");
            for text in [&headers, &body] {
                assert_no_secret(&sim, text);
                assert!(
                    !text.contains(password),
                    "{path} echoes the presented secret"
                );
                assert!(
                    !text.contains(&encoded),
                    "{path} echoes the Authorization header"
                );
            }
        }
    }
    let log = format!("{:?}", sim.requests());
    assert!(
        !log.contains(&admin.api_token),
        "the request log never holds a token"
    );
    sim.shutdown().await;
}
