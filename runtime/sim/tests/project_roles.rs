//! Project roles are views of the project's grants: for every user, holding a
//! role agrees with what `mypermissions` says they may do in the project.

use crate::common;
use crate::contract::Contract;

use common::{ADMIN, OUTSIDER, USER, account_id, caller, start};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Whether `email` holds `permission` in KILN, as `mypermissions` answers.
async fn may(sim: &kiln_sim::Simulator, email: &str, permission: &str) -> bool {
    let reply = caller(sim, email)
        .get_with(
            "/rest/api/3/mypermissions",
            &[("permissions", permission), ("projectKey", "KILN")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body["permissions"][permission]["havePermission"] == true
}

/// Whether `account_id` is among the role's actors, itself or through a group.
async fn holds(sim: &kiln_sim::Simulator, role: &Value, account_id: &str) -> bool {
    let alice = caller(sim, ADMIN);
    for actor in role["actors"].as_array().expect("actors") {
        if actor["actorUser"]["accountId"] == account_id {
            return true;
        }
        if let Some(group) = actor["actorGroup"]["groupId"].as_str() {
            let members = alice
                .get(&format!("/rest/api/3/group/member?groupId={group}"))
                .await;
            let found = members.body["values"]
                .as_array()
                .expect("members")
                .iter()
                .any(|u| u["accountId"] == account_id);
            if found {
                return true;
            }
        }
    }
    false
}

#[tokio::test]
async fn roles_agree_with_the_permissions_of_every_user() {
    let sim = start().await;
    let contract = Contract::new();
    let alice = caller(&sim, ADMIN);

    let roles = alice.get("/rest/api/3/project/KILN/role").await;
    assert_eq!(roles.status, StatusCode::OK, "{}", roles.text);
    let urls = roles.body.as_object().expect("name -> url");
    let names: Vec<&String> = urls.keys().collect();
    assert_eq!(names, ["Administrators", "Member", "Viewer"]);

    let mut fetched = Vec::new();
    for (name, url) in urls {
        let url = url.as_str().expect("url");
        let path = url
            .split_once("/rest/")
            .map(|(_, rest)| format!("/rest/{rest}"))
            .expect("a site URL");
        assert!(
            path.starts_with("/rest/api/3/project/10000/role/"),
            "{path}"
        );
        let role = alice.get(&path).await;
        assert_eq!(role.status, StatusCode::OK, "{}", role.text);
        contract.check_ref("GET /project/{key}/role/{id}", "ProjectRole", &role.body);
        assert_eq!(&role.body["name"], name);
        assert_eq!(role.body["self"], url);
        fetched.push(role.body);
    }
    let [administrators, member, viewer] = fetched.as_slice() else {
        panic!("three roles");
    };
    for email in [ADMIN, USER, OUTSIDER] {
        let id = account_id(&sim, email);
        let admin = may(&sim, email, "ADMINISTER_PROJECTS").await;
        let edit = may(&sim, email, "EDIT_ISSUES").await;
        let browse = may(&sim, email, "BROWSE_PROJECTS").await;
        assert_eq!(
            holds(&sim, administrators, &id).await,
            admin,
            "{email} admin"
        );
        assert_eq!(holds(&sim, member, &id).await, edit, "{email} member");
        assert_eq!(
            holds(&sim, viewer, &id).await,
            browse && !edit,
            "{email} viewer"
        );
    }
    // Alice administers through the site-admins group and as the lead.
    assert_eq!(
        administrators["actors"][0]["actorGroup"]["name"],
        "site-admins"
    );
    assert_eq!(administrators["currentUserRole"], true);

    let mine = alice
        .get("/rest/api/3/project/KILN/roledetails?currentMember=true")
        .await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.text);
    for role in mine.body.as_array().expect("roles") {
        contract.check_ref("GET /roledetails", "ProjectRoleDetails", role);
    }
    let names: Vec<&str> = mine
        .body
        .as_array()
        .expect("roles")
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert_eq!(names, ["Administrators", "Member"]);
}

#[tokio::test]
async fn roles_are_for_those_who_administer_and_are_read_only() {
    let sim = start().await;
    let contract = Contract::new();
    let alice = caller(&sim, ADMIN);
    let bob = caller(&sim, USER);

    // Bob may edit KILN but not administer it: the project is not his to see here.
    for path in [
        "/rest/api/3/project/KILN/role",
        "/rest/api/3/project/KILN/role/10003",
        "/rest/api/3/project/KILN/roledetails",
    ] {
        assert_eq!(bob.get(path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(
        alice.get("/rest/api/3/project/NOPE/role").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        alice.get("/rest/api/3/project/KILN/role/999").await.status,
        StatusCode::NOT_FOUND
    );

    // The site's roles, for site admins.
    let all = alice.get("/rest/api/3/role").await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text);
    for role in all.body.as_array().expect("roles") {
        contract.check_ref("GET /role", "ProjectRole", role);
        assert_eq!(role["actors"], json!([]));
    }
    assert_eq!(
        bob.get("/rest/api/3/role").await.status,
        StatusCode::FORBIDDEN
    );
    let one = alice.get("/rest/api/3/role/10002").await;
    assert_eq!(one.body["name"], "Administrators", "{}", one.text);
    assert_eq!(
        alice.get("/rest/api/3/role/10002/actors").await.body["actors"],
        json!([])
    );
    assert_eq!(
        alice.get("/rest/api/3/role/1").await.status,
        StatusCode::NOT_FOUND
    );

    // Actors follow the grants: changing them is not modelled.
    let set = alice
        .put(
            "/rest/api/3/project/KILN/role/10003",
            &json!({ "categorisedActors": {} }),
        )
        .await;
    assert_eq!(set.status, StatusCode::NOT_IMPLEMENTED, "{}", set.text);
}
