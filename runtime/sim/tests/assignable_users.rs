//! The user searches scoped to a project or an issue: `findAssignableUsers`
//! (`GET /user/assignable/search`), `findBulkAssignableUsers`
//! (`GET /user/assignable/multiProjectSearch`), `findUsersWithBrowsePermission`
//! (`GET /user/viewissue/search`) and `findUsersWithAllPermissions`
//! (`GET /user/permission/search`). The built-in site: Alice (site admin, lead of
//! both projects) and Bob may browse KILN and SEC, Carol KILN only. Answers are
//! checked against the platform spec; who the assignable searches list must be
//! exactly who the assignee rule of `assignIssue` and `editIssue` accepts.

use crate::common;
use crate::contract::Contract;

use common::{ADMIN, OUTSIDER, USER, account_id, caller, client, send, start, start_with};
use kiln_sim::{Seed, SeedPermission, SeedUser, SimConfig, Simulator};
use reqwest::StatusCode;
use serde_json::{Value, json};

const ASSIGNABLE: &str = "/rest/api/3/user/assignable/search";
const MULTI: &str = "/rest/api/3/user/assignable/multiProjectSearch";
const VIEW_ISSUE: &str = "/rest/api/3/user/viewissue/search";
const PERMISSION: &str = "/rest/api/3/user/permission/search";

/// The answer's account ids, in order.
fn ids(users: &Value) -> Vec<String> {
    users
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {users}"))
        .iter()
        .map(|u| u["accountId"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The account ids of seeded users `emails`, in that order.
fn of(sim: &Simulator, emails: &[&str]) -> Vec<String> {
    emails.iter().map(|e| account_id(sim, e)).collect()
}

/// Checks `users` against the spec's `200` schema: an array of `User`.
fn check_users(contract: &Contract, what: &str, users: &Value) {
    contract.check(
        what,
        json!({ "type": "array", "items": { "$ref": "#/components/schemas/User" } }),
        users,
    );
}

/// `path?query` as `email`, which must answer 200 with an array of `User`; the
/// account ids listed.
async fn listed(sim: &Simulator, email: &str, path: &str, query: &str) -> Vec<String> {
    let contract = Contract::new();
    let reply = caller(sim, email).get(&format!("{path}?{query}")).await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "{path}?{query}: {}",
        reply.text
    );
    check_users(&contract, path, &reply.body);
    ids(&reply.body)
}

/// `path?query` as `email`, which must answer `status` with an `ErrorCollection`;
/// its first error message (or field error).
async fn refused(
    sim: &Simulator,
    email: &str,
    path: &str,
    query: &str,
    status: StatusCode,
) -> String {
    let reply = caller(sim, email).get(&format!("{path}?{query}")).await;
    assert_eq!(reply.status, status, "{path}?{query}: {}", reply.text);
    Contract::new().check_ref("error", "ErrorCollection", &reply.body);
    reply.body["errorMessages"][0]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// The numeric id of issue `key`.
async fn issue_id(sim: &Simulator, key: &str) -> String {
    caller(sim, ADMIN)
        .get(&format!("/rest/api/3/issue/{key}?fields=summary"))
        .await
        .str_at("/id")
}

#[tokio::test]
async fn assignable_users_of_a_project_or_an_issue_as_get_user_renders_them() {
    let sim = start().await;
    let everyone = of(&sim, &[ADMIN, USER, OUTSIDER]);
    let sec_people = of(&sim, &[ADMIN, USER]);
    let sec_1 = issue_id(&sim, "SEC-1").await;
    for (query, expected) in [
        ("project=KILN", &everyone),
        ("project=10000", &everyone),
        ("project=SEC", &sec_people),
        ("project=10001", &sec_people),
        ("issueKey=KILN-1", &everyone),
        ("issueKey=SEC-1", &sec_people),
        (&format!("issueId={sec_1}"), &sec_people),
        // An issue wins over a project, as the narrower context.
        ("issueKey=SEC-1&project=KILN", &sec_people),
        // The transition the assignee is set during: any of the issue's.
        ("issueKey=SEC-1&actionDescriptorId=21", &sec_people),
        ("project=SEC&recommend=true&sessionId=abc", &sec_people),
    ] {
        assert_eq!(
            &listed(&sim, USER, ASSIGNABLE, query).await,
            expected,
            "{query}"
        );
    }
    // Each entry is the `User` getUser answers, field for field, but for the
    // `groups` and `applicationRoles` getUser alone adds (as on Jira).
    let bob = caller(&sim, USER);
    let list = bob.get(&format!("{ASSIGNABLE}?project=KILN")).await.body;
    for (n, id) in everyone.iter().enumerate() {
        let one = bob.get(&format!("/rest/api/3/user?accountId={id}")).await;
        assert_eq!(list[n], common::without_user_lists(&one.body));
    }
    // v2 serves the same search, with v2 links.
    let v2 = bob
        .get("/rest/api/2/user/assignable/search?project=SEC")
        .await;
    assert_eq!(v2.status, StatusCode::OK, "{}", v2.text);
    assert_eq!(ids(&v2.body), sec_people);
    assert!(v2.str_at("/0/self").contains("/rest/api/2/user?accountId="));
    sim.shutdown().await;
}

#[tokio::test]
async fn query_and_account_id_filter_as_find_users_does() {
    let sim = start().await;
    let [alice, bob, carol] = [ADMIN, USER, OUTSIDER].map(|e| account_id(&sim, e));
    for (query, expected) in [
        ("bo", vec![&bob]),
        ("BOB", vec![&bob]),
        ("user", vec![&bob]),        // a later word of "Bob User", and the email
        ("outsider@", vec![&carol]), // an email prefix
        ("alice admin", vec![&alice]), // the whole display name
        ("admin", vec![&alice]),
        ("lice", vec![]), // not a prefix of anything
        ("", vec![&alice, &bob, &carol]),
    ] {
        let found = listed(
            &sim,
            USER,
            ASSIGNABLE,
            &format!("project=KILN&query={query}"),
        )
        .await;
        let expected: Vec<String> = expected.into_iter().cloned().collect();
        assert_eq!(found, expected, "query={query}");
        // Everyone may be assigned in KILN, so the answer is findUsers' own.
        if !query.is_empty() {
            let all = listed(
                &sim,
                USER,
                "/rest/api/3/user/search",
                &format!("query={query}"),
            )
            .await;
            assert_eq!(found, all, "query={query}");
        }
    }
    // `accountId` asks whether that one user may be assigned.
    assert_eq!(
        listed(
            &sim,
            USER,
            ASSIGNABLE,
            &format!("project=SEC&accountId={bob}")
        )
        .await,
        vec![bob]
    );
    assert!(
        listed(
            &sim,
            USER,
            ASSIGNABLE,
            &format!("issueKey=SEC-1&accountId={carol}")
        )
        .await
        .is_empty()
    );
    assert!(
        listed(&sim, USER, ASSIGNABLE, "project=KILN&accountId=nobody")
            .await
            .is_empty()
    );
    // The query narrows who qualifies; it never adds Carol to SEC.
    assert!(
        listed(&sim, USER, ASSIGNABLE, "project=SEC&query=carol")
            .await
            .is_empty()
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_page_is_the_range_asked_then_who_qualifies() {
    let sim = start().await;
    let [alice, bob, carol] = [ADMIN, USER, OUTSIDER].map(|e| account_id(&sim, e));
    for (query, expected) in [
        ("project=KILN&maxResults=2", vec![&alice, &bob]),
        ("project=KILN&startAt=1&maxResults=1", vec![&bob]),
        ("project=KILN&startAt=2", vec![&carol]),
        ("project=KILN&startAt=3", vec![]),
        ("project=KILN&startAt=99999999999", vec![]),
        ("project=KILN&maxResults=0", vec![]),
        // The spec: "returns only the users from that range that can be
        // assigned", so a page may hold fewer than maxResults while more exist.
        ("project=SEC&startAt=1&maxResults=2", vec![&bob]),
        ("project=SEC&startAt=2&maxResults=1", vec![]),
        ("project=SEC&maxResults=5000", vec![&alice, &bob]),
    ] {
        let expected: Vec<String> = expected.into_iter().cloned().collect();
        assert_eq!(
            listed(&sim, USER, ASSIGNABLE, query).await,
            expected,
            "{query}"
        );
    }
    for query in ["project=KILN&startAt=-1", "project=KILN&maxResults=ten"] {
        refused(&sim, USER, ASSIGNABLE, query, StatusCode::BAD_REQUEST).await;
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn fifty_by_default_and_nobody_past_the_thousandth() {
    let mut seed = Seed::default();
    for user in common::many_users(1_100, "User", "assignable") {
        seed.projects[0]
            .permissions
            .insert(user.email.clone(), vec![SeedPermission::Browse]);
        seed.users.push(user);
    }
    let sim = start_with(SimConfig {
        seed,
        ..SimConfig::default()
    })
    .await;
    assert_eq!(
        listed(&sim, USER, ASSIGNABLE, "project=KILN").await.len(),
        50
    );
    let capped = listed(&sim, USER, ASSIGNABLE, "project=KILN&maxResults=5000").await;
    assert_eq!(capped.len(), 1_000);
    let past = listed(
        &sim,
        USER,
        ASSIGNABLE,
        "project=KILN&startAt=1000&maxResults=1000",
    )
    .await;
    assert!(past.is_empty(), "{past:?}");
    sim.shutdown().await;
}

#[tokio::test]
async fn missing_or_clashing_parameters_are_400() {
    let sim = start().await;
    let bob = account_id(&sim, USER);
    for (path, query) in [
        (ASSIGNABLE, String::new()),
        (ASSIGNABLE, String::from("query=bob")),
        (ASSIGNABLE, format!("project=KILN&query=b&accountId={bob}")),
        (ASSIGNABLE, String::from("issueId=KILN-1")),
        (ASSIGNABLE, String::from("project=KILN&recommend=maybe")),
        (MULTI, String::new()),
        (MULTI, String::from("projectKeys=,")),
        (MULTI, format!("projectKeys=KILN&query=b&accountId={bob}")),
        (VIEW_ISSUE, String::from("query=b")),
        (PERMISSION, String::from("projectKey=KILN")),
        (PERMISSION, String::from("permissions=BROWSE_PROJECTS")),
        (
            PERMISSION,
            String::from("permissions=NOT_A_KEY&projectKey=KILN"),
        ),
    ] {
        refused(&sim, ADMIN, path, &query, StatusCode::BAD_REQUEST).await;
    }
    let message = refused(&sim, USER, ASSIGNABLE, "query=b", StatusCode::BAD_REQUEST).await;
    assert!(
        message.contains("'project', 'issueKey' or 'issueId'"),
        "{message}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn an_unknown_or_hidden_issue_or_project_is_404() {
    let sim = start().await;
    let issue_gone = "Issue does not exist or you do not have permission to see it.";
    for (email, query) in [
        (USER, "issueKey=KILN-999"),
        (USER, "issueId=99999999"),
        (OUTSIDER, "issueKey=SEC-1"),
    ] {
        let message = refused(&sim, email, ASSIGNABLE, query, StatusCode::NOT_FOUND).await;
        assert_eq!(message, issue_gone, "{query}");
    }
    for (email, query, key) in [
        (USER, "project=NOPE", "NOPE"),
        (OUTSIDER, "project=SEC", "SEC"),
    ] {
        let message = refused(&sim, email, ASSIGNABLE, query, StatusCode::NOT_FOUND).await;
        assert_eq!(
            message,
            format!("No project could be found with key '{key}'.")
        );
    }
    refused(
        &sim,
        USER,
        ASSIGNABLE,
        "issueKey=KILN-1&actionDescriptorId=999",
        StatusCode::NOT_FOUND,
    )
    .await;
    for (email, path, query) in [
        (USER, MULTI, "projectKeys=KILN,NOPE"),
        (OUTSIDER, MULTI, "projectKeys=KILN,SEC"),
        (USER, VIEW_ISSUE, "issueKey=KILN-999"),
        (OUTSIDER, VIEW_ISSUE, "projectKey=SEC"),
        (
            ADMIN,
            PERMISSION,
            "permissions=BROWSE_PROJECTS&issueKey=NOPE-1",
        ),
    ] {
        refused(&sim, email, path, query, StatusCode::NOT_FOUND).await;
    }
    sim.shutdown().await;
}

/// Dave may create issues in KILN but not browse it: holding another
/// permission does not make him assignable.
fn seed_with_dave() -> (Seed, String) {
    let mut seed = Seed::default();
    let email = String::from("dave@example.com");
    seed.users.push(SeedUser {
        account_id: String::from("712020:dave-no-browse"),
        email: email.clone(),
        display_name: String::from("Dave Creator"),
        site_admin: false,
        time_zone: String::from("UTC"),
    });
    seed.projects[0]
        .permissions
        .insert(email.clone(), vec![SeedPermission::Create]);
    (seed, email)
}

#[tokio::test]
async fn a_user_who_cannot_be_assigned_is_not_listed() {
    let (seed, dave) = seed_with_dave();
    let sim = start_with(SimConfig {
        seed,
        ..SimConfig::default()
    })
    .await;
    let dave_id = account_id(&sim, &dave);
    let kiln = listed(&sim, USER, ASSIGNABLE, "project=KILN").await;
    assert_eq!(kiln, of(&sim, &[ADMIN, USER, OUTSIDER]));
    assert!(!kiln.contains(&dave_id));
    assert!(
        listed(
            &sim,
            USER,
            ASSIGNABLE,
            &format!("project=KILN&accountId={dave_id}")
        )
        .await
        .is_empty()
    );
    assert!(
        listed(&sim, USER, ASSIGNABLE, "issueKey=SEC-1&query=carol")
            .await
            .is_empty()
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn the_search_lists_exactly_whom_an_assignee_edit_accepts() {
    let (seed, dave) = seed_with_dave();
    let sim = start_with(SimConfig {
        seed,
        ..SimConfig::default()
    })
    .await;
    let alice = caller(&sim, ADMIN);
    for issue in ["KILN-1", "SEC-1"] {
        let assignable = listed(&sim, ADMIN, ASSIGNABLE, &format!("issueKey={issue}")).await;
        for email in [ADMIN, USER, OUTSIDER, dave.as_str()] {
            let id = account_id(&sim, email);
            let is_listed = assignable.contains(&id);
            let assign = alice
                .put(
                    &format!("/rest/api/3/issue/{issue}/assignee"),
                    &json!({ "accountId": id }),
                )
                .await;
            let edit = alice
                .put(
                    &format!("/rest/api/3/issue/{issue}"),
                    &json!({ "fields": { "assignee": { "accountId": id } } }),
                )
                .await;
            if is_listed {
                assert_eq!(
                    assign.status,
                    StatusCode::NO_CONTENT,
                    "{issue} {email}: {}",
                    assign.text
                );
                assert_eq!(
                    edit.status,
                    StatusCode::NO_CONTENT,
                    "{issue} {email}: {}",
                    edit.text
                );
            } else {
                for reply in [&assign, &edit] {
                    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{issue} {email}");
                    assert_eq!(
                        reply.body["errors"]["assignee"],
                        format!("User '{id}' cannot be assigned issues.")
                    );
                }
            }
            // `mypermissions` answers ASSIGNABLE_USER by the same rule.
            let held = send(
                common::as_user(
                    &sim,
                    reqwest::Method::GET,
                    email,
                    "/rest/api/3/mypermissions",
                )
                .query(&[
                    ("permissions", "ASSIGNABLE_USER"),
                    ("projectKey", &issue[..issue.find('-').unwrap_or(0)]),
                ]),
            )
            .await;
            if held.status == StatusCode::OK {
                assert_eq!(
                    held.body["permissions"]["ASSIGNABLE_USER"]["havePermission"], is_listed,
                    "{issue} {email}"
                );
            } else {
                assert!(!is_listed, "{issue} {email}: {}", held.text);
            }
        }
    }
    // Both sets really differ: Carol in KILN, not in SEC; Dave in neither.
    let carol = account_id(&sim, OUTSIDER);
    assert!(
        listed(&sim, ADMIN, ASSIGNABLE, "project=KILN")
            .await
            .contains(&carol)
    );
    assert!(
        !listed(&sim, ADMIN, ASSIGNABLE, "project=SEC")
            .await
            .contains(&carol)
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn multi_project_search_lists_who_is_assignable_in_every_project() {
    let sim = start().await;
    let everyone = of(&sim, &[ADMIN, USER, OUTSIDER]);
    let sec_people = of(&sim, &[ADMIN, USER]);
    assert_eq!(
        listed(&sim, USER, MULTI, "projectKeys=KILN").await,
        everyone
    );
    assert_eq!(
        listed(&sim, USER, MULTI, "projectKeys=KILN,SEC").await,
        sec_people
    );
    assert_eq!(
        listed(&sim, USER, MULTI, "projectKeys=SEC, KILN").await,
        sec_people
    );
    assert_eq!(
        listed(&sim, USER, MULTI, "projectKeys=KILN&query=carol").await,
        of(&sim, &[OUTSIDER])
    );
    assert!(
        listed(&sim, USER, MULTI, "projectKeys=KILN,SEC&query=carol")
            .await
            .is_empty()
    );
    assert_eq!(
        listed(
            &sim,
            USER,
            MULTI,
            "projectKeys=KILN,SEC&startAt=1&maxResults=1"
        )
        .await,
        of(&sim, &[USER])
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn view_issue_search_lists_who_may_browse() {
    let sim = start().await;
    let everyone = of(&sim, &[ADMIN, USER, OUTSIDER]);
    let sec_people = of(&sim, &[ADMIN, USER]);
    assert_eq!(
        listed(&sim, USER, VIEW_ISSUE, "projectKey=KILN").await,
        everyone
    );
    assert_eq!(
        listed(&sim, USER, VIEW_ISSUE, "issueKey=SEC-2").await,
        sec_people
    );
    assert_eq!(
        listed(&sim, OUTSIDER, VIEW_ISSUE, "issueKey=KILN-1&query=bob").await,
        of(&sim, &[USER])
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn permission_search_lists_who_holds_every_permission_asked() {
    let sim = start().await;
    let everyone = of(&sim, &[ADMIN, USER, OUTSIDER]);
    for (query, expected) in [
        ("permissions=EDIT_ISSUES&projectKey=SEC", of(&sim, &[ADMIN])),
        (
            "permissions=BROWSE_PROJECTS&projectKey=SEC",
            of(&sim, &[ADMIN, USER]),
        ),
        // Deprecated names the spec still lists.
        (
            "permissions=BROWSE,COMMENT_ISSUE&issueKey=SEC-1",
            of(&sim, &[ADMIN, USER]),
        ),
        (
            "permissions=ASSIGNABLE_USER,ADD_COMMENTS&projectKey=KILN",
            everyone.clone(),
        ),
        (
            "permissions=ASSIGNABLE_USER,EDIT_ISSUES&projectKey=KILN",
            of(&sim, &[ADMIN, USER]),
        ),
        (
            "permissions=ADMINISTER_PROJECTS&projectKey=KILN",
            of(&sim, &[ADMIN]),
        ),
        (
            "permissions=BROWSE_PROJECTS&projectKey=KILN&query=car",
            of(&sim, &[OUTSIDER]),
        ),
    ] {
        assert_eq!(
            listed(&sim, ADMIN, PERMISSION, query).await,
            expected,
            "{query}"
        );
    }
    // Only an administrator of Jira or of the project may ask.
    refused(
        &sim,
        USER,
        PERMISSION,
        "permissions=BROWSE_PROJECTS&projectKey=KILN",
        StatusCode::FORBIDDEN,
    )
    .await;
    // A real key the simulator does not model is its 501, naming the key.
    let reply = caller(&sim, ADMIN)
        .get(&format!(
            "{PERMISSION}?permissions=WORK_ON_ISSUES&projectKey=KILN"
        ))
        .await;
    assert_eq!(reply.status, StatusCode::NOT_IMPLEMENTED, "{}", reply.text);
    assert!(reply.text.contains("WORK_ON_ISSUES"), "{}", reply.text);
    assert_eq!(
        reply
            .headers
            .get(kiln_sim::SIMULATOR_HEADER)
            .map(|v| v.as_bytes()),
        Some(kiln_sim::NOT_MODELLED.as_bytes())
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn anonymous_calls_are_refused_and_the_gateway_asks_for_read_jira_user() {
    let sim = start().await;
    let paths = [
        format!("{ASSIGNABLE}?project=KILN"),
        format!("{MULTI}?projectKeys=KILN"),
        format!("{VIEW_ISSUE}?projectKey=KILN"),
    ];
    for path in &paths {
        let reply = send(client().get(format!("{}{path}", sim.base_url()))).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{path}");
    }
    let contract = Contract::new();
    let classic = common::oauth::access_token(&sim, "read:jira-user").await;
    let work_only = common::oauth::access_token(&sim, "read:jira-work").await;
    for path in &paths {
        let response = common::oauth::gateway_get(&sim, &classic, path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let body: Value = response.json().await.expect("JSON");
        check_users(&contract, path, &body);
        assert_eq!(ids(&body), of(&sim, &[ADMIN, USER, OUTSIDER]), "{path}");
        let refused = common::oauth::gateway_get(&sim, &work_only, path).await;
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED, "{path}");
    }
    sim.shutdown().await;
}

/// The assignee given as `{"id": accountId}`, as the platform spec's own
/// createIssue example writes it, is the account with that id, on create
/// and on edit; an object naming no account is refused as before.
#[tokio::test]
async fn an_assignee_is_named_by_account_id_or_id() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let bob = account_id(&sim, USER);
    let created = alice
        .post(
            "/rest/api/3/issue",
            &json!({ "fields": {
                "project": { "key": "KILN" }, "issuetype": { "name": "Task" },
                "summary": "Assigned by id", "assignee": { "id": bob },
            }}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let key = created.body["key"].as_str().expect("a key").to_owned();
    let read = alice
        .get(&format!("/rest/api/3/issue/{key}?fields=assignee"))
        .await;
    assert_eq!(read.body["fields"]["assignee"]["accountId"], bob);

    let admin = account_id(&sim, ADMIN);
    let edit = alice
        .put(
            &format!("/rest/api/3/issue/{key}"),
            &json!({ "fields": { "assignee": { "id": admin } } }),
        )
        .await;
    assert_eq!(edit.status, StatusCode::NO_CONTENT, "{}", edit.text);
    let read = alice
        .get(&format!("/rest/api/3/issue/{key}?fields=assignee"))
        .await;
    assert_eq!(read.body["fields"]["assignee"]["accountId"], admin);

    let refused = alice
        .put(
            &format!("/rest/api/3/issue/{key}"),
            &json!({ "fields": { "assignee": { "name": "alice" } } }),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        refused.body["errors"]["assignee"],
        "Specify the assignee by accountId."
    );
    sim.shutdown().await;
}
