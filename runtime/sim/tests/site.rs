//! The platform REST API on the site: authentication, issues, comments, search,
//! projects, users.

use crate::common;

use base64::Engine as _;
use common::{
    ADMIN, OUTSIDER, USER, account_id, assert_no_secret, caller, client, json, send, start,
};
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

    let ok = caller(&sim, ADMIN)
        .get("/rest/api/3/myself?expand=groups")
        .await;
    assert_eq!(ok.status, StatusCode::OK);

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

/// `/_edge/tenant_info` names the cloud id to anyone, as Jira Cloud does: a
/// client given only the site's URL finds its gateway path there.
#[tokio::test]
async fn the_tenant_info_names_the_cloud_id_without_a_credential() {
    let sim = start().await;
    let reply = client()
        .get(format!("{}/_edge/tenant_info", sim.base_url()))
        .send()
        .await
        .expect("sent");
    assert_eq!(reply.status(), StatusCode::OK);
    assert_eq!(json(reply).await, json!({ "cloudId": sim.cloud_id() }));
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
    let me = caller(&sim, USER).get("/rest/api/3/myself").await.body;
    assert_eq!(me["emailAddress"], "user@example.com");
    assert_eq!(me["displayName"], "Bob User");
    assert_eq!(me["accountId"], account_id(&sim, USER));
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
    let alice = caller(&sim, ADMIN);
    let issue = alice.get("/rest/api/3/issue/KILN-1").await.body;
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
    let subset = alice
        .get(&format!("/rest/api/3/issue/{id}?fields=summary,labels"))
        .await
        .body;
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
        let reply = caller(&sim, OUTSIDER).get(path).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(
            reply.body,
            json!({
                "errorMessages": ["Issue does not exist or you do not have permission to see it."],
                "errors": {}
            })
        );
    }
    let visible = caller(&sim, USER).get("/rest/api/3/issue/SEC-1").await;
    assert_eq!(visible.status, StatusCode::OK);
    sim.shutdown().await;
}

#[tokio::test]
async fn comments_are_added_as_adf_and_listed() {
    let sim = start().await;
    let bob = caller(&sim, USER);
    let comments = "/rest/api/3/issue/KILN-3/comment";
    let body = json!({ "body": { "type": "doc", "version": 1, "content": [
        { "type": "paragraph", "content": [{ "type": "text", "text": "from a test" }] }
    ]}});
    let added = bob.post(comments, &body).await;
    assert_eq!(added.status, StatusCode::CREATED);
    let comment = added.body;
    assert_eq!(comment["author"]["emailAddress"], USER);
    assert_eq!(comment["body"], body["body"]);

    let page = caller(&sim, ADMIN).get(comments).await.body;
    assert_eq!(page["total"], 1);
    assert_eq!(page["comments"][0]["id"], comment["id"]);

    let plain = bob.post(comments, &json!({ "body": "not adf" })).await;
    assert_eq!(plain.status, StatusCode::BAD_REQUEST);

    let garbage = send(
        bob.request(Method::POST, comments)
            .header("content-type", "application/json")
            .body("{not json"),
    )
    .await;
    assert_eq!(garbage.status, StatusCode::BAD_REQUEST);
    assert!(
        garbage.body["errorMessages"][0]
            .as_str()
            .is_some_and(|m| m.starts_with("Invalid request payload"))
    );

    let hidden = caller(&sim, OUTSIDER)
        .post("/rest/api/3/issue/SEC-2/comment", &body)
        .await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    sim.shutdown().await;
}

/// `getCreateIssueMetaIssueTypes`: the issue types a project's issues may be
/// created with, paged as Jira pages it; a project that does not exist (or that
/// the caller cannot browse) is 404.
#[tokio::test]
async fn create_metadata_lists_a_projects_issue_types() {
    let sim = start().await;
    let (bob, carol) = (caller(&sim, USER), caller(&sim, OUTSIDER));
    let meta = bob
        .get("/rest/api/3/issue/createmeta/KILN/issuetypes")
        .await;
    assert_eq!(meta.status, StatusCode::OK, "{}", meta.body);
    let names: Vec<&str> = meta.body["issueTypes"]
        .as_array()
        .expect("issueTypes")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert!(names.contains(&"Bug"), "{names:?}");
    assert_eq!(meta.body["total"], names.len());
    assert_eq!(
        (
            meta.body["startAt"].clone(),
            meta.body["maxResults"].clone()
        ),
        (json!(0), json!(50))
    );
    let second = bob
        .get("/rest/api/3/issue/createmeta/KILN/issuetypes?startAt=1&maxResults=1")
        .await;
    assert_eq!(second.body["issueTypes"][0]["name"], json!(names[1]));
    assert_eq!(
        carol
            .get("/rest/api/3/issue/createmeta/NOPE/issuetypes")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn issues_are_created_edited_transitioned_assigned_and_deleted() {
    let sim = start().await;
    let (bob, carol) = (caller(&sim, USER), caller(&sim, OUTSIDER));
    let create = json!({ "fields": {
        "project": { "key": "KILN" },
        "issuetype": { "name": "Bug" },
        "summary": "Created by a test",
        "labels": ["new"],
        "description": { "type": "doc", "version": 1, "content": [] }
    }});
    let created = bob.post("/rest/api/3/issue", &create).await;
    assert_eq!(created.status, StatusCode::CREATED);
    assert_eq!(created.body["key"], "KILN-7");
    let path = format!("/rest/api/3/issue/{}", created.str_at("/key"));

    let outsider = carol.post("/rest/api/3/issue", &create).await;
    assert_eq!(outsider.status, StatusCode::FORBIDDEN);

    let edit = json!({ "fields": { "summary": "Renamed" }, "update": { "labels": [{ "add": "triaged" }, { "remove": "new" }] } });
    assert_eq!(bob.put(&path, &edit).await.status, StatusCode::NO_CONTENT);
    let unknown_field = bob
        .put(&path, &json!({ "fields": { "customfield_1": 1 } }))
        .await;
    assert_eq!(unknown_field.status, StatusCode::BAD_REQUEST);
    // `editIssue` documents no 403: a caller who sees the issue but may not edit
    // it gets 400, as on Jira Cloud.
    assert_eq!(
        carol.put(&path, &edit).await.status,
        StatusCode::BAD_REQUEST
    );
    // Likewise `doTransition`; `deleteIssue` and `assignIssue` document their 403.
    let refusals = [
        carol
            .post(
                &format!("{path}/transitions"),
                &json!({ "transition": { "id": "31" } }),
            )
            .await
            .status,
        carol.delete(&path).await.status,
        carol
            .put(&format!("{path}/assignee"), &json!({ "accountId": null }))
            .await
            .status,
    ];
    assert_eq!(
        refusals,
        [
            StatusCode::BAD_REQUEST,
            StatusCode::FORBIDDEN,
            StatusCode::FORBIDDEN
        ]
    );

    let transitions = bob.get(&format!("{path}/transitions")).await.body;
    let done = transitions["transitions"]
        .as_array()
        .expect("transitions")
        .iter()
        .find(|t| t["to"]["name"] == "Done")
        .expect("a transition to Done")["id"]
        .clone();
    let moved = bob
        .post(
            &format!("{path}/transitions"),
            &json!({ "transition": { "id": done } }),
        )
        .await;
    assert_eq!(moved.status, StatusCode::NO_CONTENT);
    let bad = bob
        .post(
            &format!("{path}/transitions"),
            &json!({ "transition": { "id": "999" } }),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    let admin_id = account_id(&sim, ADMIN);
    let assigned = bob
        .put(
            &format!("{path}/assignee"),
            &json!({ "accountId": admin_id }),
        )
        .await;
    assert_eq!(assigned.status, StatusCode::NO_CONTENT);

    let issue = bob.get(&path).await.body;
    assert_eq!(issue["fields"]["summary"], "Renamed");
    assert_eq!(issue["fields"]["labels"], json!(["triaged"]));
    assert_eq!(issue["fields"]["status"]["name"], "Done");
    assert_eq!(issue["fields"]["assignee"]["accountId"], admin_id.as_str());
    assert_eq!(issue["fields"]["reporter"]["emailAddress"], USER);

    assert_eq!(issue["fields"]["priority"]["name"], "Medium", "the default");

    // A priority is set by name (any case) or id, as on Jira Cloud; an unknown
    // one is refused and changes nothing.
    for (set, name, id) in [
        (json!({ "name": "high" }), "High", "2"),
        (json!({ "id": "5" }), "Lowest", "5"),
    ] {
        let edited = bob
            .put(&path, &json!({ "fields": { "priority": set } }))
            .await;
        assert_eq!(edited.status, StatusCode::NO_CONTENT);
        let priority = bob.get(&path).await.body["fields"]["priority"].clone();
        assert_eq!(
            (priority["name"].clone(), priority["id"].clone()),
            (json!(name), json!(id))
        );
        assert!(
            priority["iconUrl"]
                .as_str()
                .is_some_and(|url| url.ends_with(&format!("{}.svg", name.to_lowercase()))),
            "{priority}"
        );
    }
    let unknown = bob
        .put(
            &path,
            &json!({ "fields": { "priority": { "name": "Urgent" } } }),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        unknown.body["errors"]["priority"],
        "Specify a valid 'id' or 'name' for Priority"
    );
    let mut with_priority = create.clone();
    with_priority["fields"]["priority"] = json!({ "name": "Highest" });
    let urgent = bob.post("/rest/api/3/issue", &with_priority).await;
    assert_eq!(urgent.status, StatusCode::CREATED);
    let urgent_path = format!("/rest/api/3/issue/{}", urgent.str_at("/key"));
    assert_eq!(
        bob.get(&urgent_path).await.body["fields"]["priority"]["id"],
        "1"
    );

    assert_eq!(bob.delete(&path).await.status, StatusCode::NO_CONTENT);
    assert_eq!(bob.get(&path).await.status, StatusCode::NOT_FOUND);
    sim.shutdown().await;
}

#[tokio::test]
async fn jql_search_filters_orders_and_pages() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let search = |jql: &str, token: Option<&str>| {
        let mut body = json!({ "jql": jql, "maxResults": 2, "fields": ["summary", "status"] });
        if let Some(token) = token {
            body["nextPageToken"] = json!(token);
        }
        let alice = &alice;
        async move { alice.post("/rest/api/3/search/jql", &body).await }
    };
    let jql = "project = KILN AND (status = \"To Do\" OR labels in (ops)) ORDER BY key ASC";
    let first = search(jql, None).await.body;
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
    let second = search(jql, Some(&token)).await.body;
    assert_eq!(keys(&second), ["KILN-5", "KILN-6"]);
    assert_eq!(second["isLast"], true);
    assert!(second.get("nextPageToken").is_none());

    let mine = caller(&sim, USER)
        .get_with(
            "/rest/api/3/search/jql",
            &[
                ("jql", "assignee = currentUser() ORDER BY key DESC"),
                ("fields", "summary"),
            ],
        )
        .await
        .body;
    assert_eq!(keys(&mine), ["SEC-2", "KILN-4", "KILN-2"]);

    let ids_only = alice
        .get("/rest/api/3/search/jql?jql=text%20~%20%22audit%22")
        .await
        .body;
    assert_eq!(ids_only["issues"], json!([{ "id": "10001" }]));

    let outsider = caller(&sim, OUTSIDER)
        .get("/rest/api/3/search/jql?jql=labels%20is%20not%20empty&fields=key")
        .await
        .body;
    assert!(keys(&outsider).iter().all(|k| k.starts_with("KILN-")));

    for (bad, message) in [
        ("project = KILN AND", "Error in the JQL Query"),
        ("colour = red", "Field 'colour' does not exist"),
        ("", "Unbounded JQL queries are not allowed"),
    ] {
        let reply = search(bad, None).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(
            reply.body["errorMessages"][0]
                .as_str()
                .is_some_and(|m| m.contains(message)),
            "{bad}: {}",
            reply.body
        );
    }
    let foreign_token = search("project = SEC", Some(&token)).await;
    assert_eq!(foreign_token.status, StatusCode::BAD_REQUEST);
    sim.shutdown().await;
}

#[tokio::test]
async fn projects_and_users_are_listed_as_the_caller_may_see_them() {
    let sim = start().await;
    let (alice, carol) = (caller(&sim, ADMIN), caller(&sim, OUTSIDER));
    let all = alice.get("/rest/api/3/project/search").await.body;
    assert_eq!(all["total"], 2);
    let outsider = carol.get("/rest/api/3/project/search").await.body;
    assert_eq!(outsider["total"], 1);
    assert_eq!(outsider["values"][0]["key"], "KILN");

    let kiln = alice.get("/rest/api/3/project/KILN").await.body;
    assert_eq!(kiln["name"], "Kiln");
    assert_eq!(kiln["lead"]["emailAddress"], ADMIN);
    assert_eq!(kiln["components"].as_array().map(Vec::len), Some(4));
    let hidden = carol.get("/rest/api/3/project/SEC").await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);

    let found = alice.get("/rest/api/3/user/search?query=bob").await.body;
    assert_eq!(found.as_array().map(Vec::len), Some(1));
    assert_eq!(found[0]["emailAddress"], USER);
    let missing_query = alice.get("/rest/api/3/user/search").await;
    assert_eq!(missing_query.status, StatusCode::BAD_REQUEST);

    let unknown = alice.get("/rest/api/3/no-such-resource").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
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
