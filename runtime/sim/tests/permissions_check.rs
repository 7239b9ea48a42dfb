//! `POST /rest/api/3/permissions/check` (`getBulkPermissions`): each seeded
//! user's global and per-project/per-issue grants are what the other routes
//! enforce (and what `mypermissions` says), another user is checked only by a
//! Jira administrator, and refusals are the spec's.

use crate::common;
use crate::contract::Contract;

use common::{ADMIN, OUTSIDER, USER, account_id, caller, start};
use reqwest::StatusCode;
use serde_json::{Value, json};

const PATH: &str = "/rest/api/3/permissions/check";
const KILN: u64 = 10000;
const SEC: u64 = 10001;

/// The numeric id of issue `key`.
async fn issue_id(sim: &kiln_sim::Simulator, key: &str) -> u64 {
    let issue = caller(sim, ADMIN)
        .get(&format!("/rest/api/3/issue/{key}"))
        .await;
    issue.body["id"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .expect("issue id")
}

/// The grant for `permission` in a `BulkPermissionGrants`.
fn grant<'a>(body: &'a Value, permission: &str) -> &'a Value {
    body["projectPermissions"]
        .as_array()
        .expect("projectPermissions")
        .iter()
        .find(|g| g["permission"] == permission)
        .unwrap_or_else(|| panic!("no {permission} in {body}"))
}

#[tokio::test]
async fn each_user_is_granted_what_the_world_grants() {
    let sim = start().await;
    let contract = Contract::new();
    let (kiln_1, sec_1) = (
        issue_id(&sim, "KILN-1").await,
        issue_id(&sim, "SEC-1").await,
    );
    let ask = json!({
        "globalPermissions": ["ADMINISTER"],
        "projectPermissions": [{
            "permissions": ["EDIT_ISSUES", "BROWSE_PROJECTS", "ADMINISTER_PROJECTS"],
            // Ids that name nothing are ignored.
            "projects": [KILN, SEC, 99_999],
            "issues": [kiln_1, sec_1, 1],
        }],
    });

    // user@ edits KILN but only browses SEC, and administers nothing.
    let reply = caller(&sim, USER).post(PATH, &ask).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    contract.check_ref(
        "POST /permissions/check",
        "BulkPermissionGrants",
        &reply.body,
    );
    assert_eq!(reply.body["globalPermissions"], json!([]));
    assert_eq!(
        reply.body["projectPermissions"],
        json!([
            { "permission": "EDIT_ISSUES", "projects": [KILN], "issues": [kiln_1] },
            { "permission": "BROWSE_PROJECTS", "projects": [KILN, SEC], "issues": [kiln_1, sec_1] },
            { "permission": "ADMINISTER_PROJECTS", "projects": [], "issues": [] },
        ])
    );

    // The site admin leads both projects and administers Jira.
    let reply = caller(&sim, ADMIN).post(PATH, &ask).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    contract.check_ref(
        "POST /permissions/check",
        "BulkPermissionGrants",
        &reply.body,
    );
    assert_eq!(reply.body["globalPermissions"], json!(["ADMINISTER"]));
    for permission in ["EDIT_ISSUES", "BROWSE_PROJECTS", "ADMINISTER_PROJECTS"] {
        let held = grant(&reply.body, permission);
        assert_eq!(held["projects"], json!([KILN, SEC]), "{permission}");
        assert_eq!(held["issues"], json!([kiln_1, sec_1]), "{permission}");
    }

    // The outsider browses KILN only; `mypermissions` agrees.
    let reply = caller(&sim, OUTSIDER).post(PATH, &ask).await;
    assert_eq!(
        grant(&reply.body, "BROWSE_PROJECTS"),
        &json!({ "permission": "BROWSE_PROJECTS", "projects": [KILN], "issues": [kiln_1] })
    );
    assert_eq!(grant(&reply.body, "EDIT_ISSUES")["projects"], json!([]));
    let mine = caller(&sim, OUTSIDER)
        .get_with(
            "/rest/api/3/mypermissions",
            &[("permissions", "EDIT_ISSUES"), ("projectKey", "KILN")],
        )
        .await;
    assert_eq!(
        mine.body["permissions"]["EDIT_ISSUES"]["havePermission"],
        false
    );

    // Nothing asked, nothing granted; nulls and empty keys are ignored; a
    // permission named twice is one grant over both entries; ids may be
    // strings of digits, and come back once each.
    let reply = caller(&sim, USER).post(PATH, &json!({})).await;
    assert_eq!(
        reply.body,
        json!({ "globalPermissions": [], "projectPermissions": [] })
    );
    let reply = caller(&sim, ADMIN)
        .post(
            PATH,
            &json!({
                "globalPermissions": [null, "ADMINISTER", "ADMINISTER"],
                "projectPermissions": [
                    null,
                    { "permissions": ["", "CREATE_ISSUES"], "projects": [null, "10001", SEC] },
                    { "permissions": ["CREATE_ISSUES"], "projects": [KILN], "issues": [kiln_1] },
                ],
            }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(
        reply.body,
        json!({
            "globalPermissions": ["ADMINISTER"],
            "projectPermissions": [
                { "permission": "CREATE_ISSUES", "projects": [SEC, KILN], "issues": [kiln_1] },
            ],
        })
    );
}

#[tokio::test]
async fn another_user_is_checked_by_an_administrator_only() {
    let sim = start().await;
    let sec_1 = issue_id(&sim, "SEC-1").await;
    let about = |email: &str| {
        json!({
            "accountId": account_id(&sim, email),
            "globalPermissions": ["ADMINISTER"],
            "projectPermissions": [{ "permissions": ["BROWSE_PROJECTS"], "projects": [SEC], "issues": [sec_1] }],
        })
    };

    let reply = caller(&sim, ADMIN).post(PATH, &about(OUTSIDER)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(
        reply.body,
        json!({
            "globalPermissions": [],
            "projectPermissions": [{ "permission": "BROWSE_PROJECTS", "projects": [], "issues": [] }],
        })
    );
    let reply = caller(&sim, ADMIN).post(PATH, &about(USER)).await;
    assert_eq!(
        grant(&reply.body, "BROWSE_PROJECTS")["issues"],
        json!([sec_1])
    );

    // Anyone may name themself.
    let reply = caller(&sim, USER).post(PATH, &about(USER)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);

    // Not another user, without Administer Jira.
    let reply = caller(&sim, USER).post(PATH, &about(ADMIN)).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text);
    assert_eq!(
        reply.body,
        json!({
            "errorMessages": ["Only Jira administrators can perform this operation."],
            "errors": {},
        })
    );
    // An account no user has: 400 for an admin, the same 403 for others (so
    // account ids cannot be probed).
    let ghost = json!({ "accountId": "557058:00000000-0000-0000-0000-000000000000" });
    let reply = caller(&sim, ADMIN).post(PATH, &ghost).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert!(reply.text.contains("557058:00000000"), "{}", reply.text);
    let reply = caller(&sim, USER).post(PATH, &ghost).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text);
}

#[tokio::test]
async fn refusals_follow_the_spec() {
    let sim = start().await;
    let user = caller(&sim, USER);

    // Keys Jira does not have, or of the other kind: the spec's 400 naming them.
    for (body, key) in [
        (
            json!({ "globalPermissions": ["PERMISSION_123"] }),
            "PERMISSION_123",
        ),
        (
            json!({ "globalPermissions": ["EDIT_ISSUES"] }),
            "EDIT_ISSUES",
        ),
        (
            json!({ "projectPermissions": [{ "permissions": ["ADMINISTER"], "projects": [KILN] }] }),
            "ADMINISTER",
        ),
        (
            json!({ "projectPermissions": [{ "permissions": ["browse_projects"] }] }),
            "browse_projects",
        ),
    ] {
        let reply = user.post(PATH, &body).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            reply.text
        );
        assert_eq!(
            reply.body,
            json!({ "errorMessages": [], "errors": { key: "Unrecognized permission" } }),
            "{body}"
        );
    }

    // An entry without a project permission.
    for permissions in [json!([]), json!([""]), json!(null)] {
        let body =
            json!({ "projectPermissions": [{ "permissions": permissions, "projects": [KILN] }] });
        let reply = user.post(PATH, &body).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            reply.text
        );
        assert!(reply.body["errorMessages"][0].is_string(), "{}", reply.text);
    }

    // Bodies Jira cannot read.
    for body in [
        json!({ "globalPermissions": "ADMINISTER" }),
        json!({ "globalPermissions": [7] }),
        json!({ "projectPermissions": [{ "permissions": ["EDIT_ISSUES"], "projects": ["KILN"] }] }),
        json!({ "accountId": 12 }),
        json!([]),
    ] {
        let reply = user.post(PATH, &body).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            reply.text
        );
        assert_eq!(
            reply.body["errorMessages"][0],
            "Invalid request payload. Refer to the REST API documentation and try again."
        );
    }

    // A real key the simulator does not model: its 501, naming the key.
    let reply = user
        .post(
            PATH,
            &json!({ "projectPermissions": [{ "permissions": ["EDIT_ISSUES", "WORK_ON_ISSUES"], "projects": [KILN] }] }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_IMPLEMENTED, "{}", reply.text);
    assert!(reply.text.contains("WORK_ON_ISSUES"), "{}", reply.text);
    assert!(reply.text.contains("getBulkPermissions"), "{}", reply.text);
    assert_eq!(
        reply
            .headers
            .get(kiln_sim::SIMULATOR_HEADER)
            .map(|v| v.as_bytes()),
        Some(kiln_sim::NOT_MODELLED.as_bytes())
    );
    let reply = user
        .post(PATH, &json!({ "globalPermissions": ["SYSTEM_ADMIN"] }))
        .await;
    assert_eq!(reply.status, StatusCode::NOT_IMPLEMENTED, "{}", reply.text);

    // Ids that name nothing do not count towards the limit of 1000.
    let many: Vec<u64> = (1_000_000..1_002_000).collect();
    let reply = user
        .post(
            PATH,
            &json!({ "projectPermissions": [{ "permissions": ["BROWSE_PROJECTS"], "projects": many, "issues": many }] }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(grant(&reply.body, "BROWSE_PROJECTS")["projects"], json!([]));
}
