//! User groups: the built-in ones that mirror the site, seeded ones, and those a
//! site admin makes; every reading operation agrees on who is in which group.

use crate::common;
use crate::contract::Contract;

use common::{ADMIN, OUTSIDER, USER, account_id, caller, start};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn names(groups: &Value) -> Vec<String> {
    groups
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|g| g["name"].as_str().map(str::to_owned))
        .collect()
}

fn account_ids(page: &Value) -> Vec<String> {
    page["values"]
        .as_array()
        .expect("values")
        .iter()
        .filter_map(|u| u["accountId"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn every_reading_agrees_on_who_is_in_which_group() {
    let sim = start().await;
    let contract = Contract::new();
    let bob = caller(&sim, USER);
    let (alice_id, bob_id, carol_id) = (
        account_id(&sim, ADMIN),
        account_id(&sim, USER),
        account_id(&sim, OUTSIDER),
    );

    // Alice is a site admin and a seeded developer; Carol only has Jira.
    let hers = bob
        .get(&format!("/rest/api/3/user/groups?accountId={alice_id}"))
        .await;
    assert_eq!(hers.status, StatusCode::OK, "{}", hers.text);
    for group in hers.body.as_array().expect("groups") {
        contract.check_ref("GET /user/groups", "GroupName", group);
    }
    assert_eq!(
        names(&hers.body),
        ["jira-software-users", "site-admins", "kiln-developers"]
    );
    let carols = bob
        .get(&format!("/rest/api/3/user/groups?accountId={carol_id}"))
        .await;
    assert_eq!(names(&carols.body), ["jira-software-users"]);
    assert_eq!(
        bob.get("/rest/api/3/user/groups?accountId=nobody")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // The same groups on the expanded user, and the application role's group.
    let user = bob
        .get(&format!(
            "/rest/api/3/user?accountId={alice_id}&expand=groups,applicationRoles"
        ))
        .await;
    contract.check_ref("GET /user", "User", &user.body);
    assert_eq!(user.body["groups"]["size"], 3);
    assert_eq!(user.body["groups"]["items"], hers.body);
    assert_eq!(
        user.body["applicationRoles"]["items"][0]["defaultGroups"],
        json!(["jira-software-users"])
    );

    // All groups, by name (any case, comma-separated) and by id.
    let all = bob.get("/rest/api/3/group/bulk").await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text);
    contract.check_ref("GET /group/bulk", "PageBeanGroupDetails", &all.body);
    assert_eq!(all.body["total"], 3);
    let developers = &all.body["values"][2];
    let developers_id = developers["groupId"].as_str().expect("id");
    let some = bob
        .get(&format!(
            "/rest/api/3/group/bulk?groupName=KILN-DEVELOPERS,nope&groupId={developers_id}"
        ))
        .await;
    assert_eq!(names(&some.body["values"]), ["kiln-developers"]);
    let paged = bob
        .get("/rest/api/3/group/bulk?maxResults=1&startAt=1")
        .await;
    assert_eq!(names(&paged.body["values"]), ["site-admins"]);
    assert_eq!(paged.body["isLast"], false);

    // Members, by name or id, in pages that keep the group in their links.
    let members = bob
        .get("/rest/api/3/group/member?groupname=kiln-developers")
        .await;
    assert_eq!(members.status, StatusCode::OK, "{}", members.text);
    contract.check_ref("GET /group/member", "PageBeanUserDetails", &members.body);
    assert_eq!(
        account_ids(&members.body),
        [alice_id.clone(), bob_id.clone()]
    );
    let first = bob
        .get(&format!(
            "/rest/api/3/group/member?groupId={developers_id}&maxResults=1"
        ))
        .await;
    assert_eq!(account_ids(&first.body), std::slice::from_ref(&alice_id));
    let next = first.body["nextPage"].as_str().expect("a next page");
    assert!(next.contains(&format!("groupId={developers_id}")), "{next}");
    let everyone = bob
        .get("/rest/api/3/group/member?groupname=jira-software-users")
        .await;
    assert_eq!(everyone.body["total"], 3);
    assert_eq!(
        bob.get("/rest/api/3/group/member").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        bob.get("/rest/api/3/group/member?groupname=nope")
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // The picker: by part of the name, marked, sorted, case-sensitive unless asked.
    let picked = bob.get("/rest/api/3/groups/picker?query=dev").await;
    assert_eq!(picked.status, StatusCode::OK, "{}", picked.text);
    contract.check_ref("GET /groups/picker", "FoundGroups", &picked.body);
    assert_eq!(
        picked.body["groups"],
        json!([{ "name": "kiln-developers", "html": "kiln-<b>dev</b>elopers", "labels": [], "groupId": developers_id }])
    );
    assert_eq!(picked.body["header"], "Showing 1 of 1 matching groups");
    let upper = bob.get("/rest/api/3/groups/picker?query=DEV").await;
    assert_eq!(upper.body["total"], 0);
    let folded = bob
        .get("/rest/api/3/groups/picker?query=DEV&caseInsensitive=true")
        .await;
    assert_eq!(folded.body["total"], 1);
    let excluded = bob
        .get("/rest/api/3/groups/picker?query=s&exclude=site-admins&maxResults=1")
        .await;
    assert_eq!(names(&excluded.body["groups"]), ["jira-software-users"]);
    assert_eq!(excluded.body["header"], "Showing 1 of 2 matching groups");
}

#[tokio::test]
async fn site_admins_make_and_change_groups_and_the_built_in_ones_stay() {
    let sim = start().await;
    let contract = Contract::new();
    let alice = caller(&sim, ADMIN);
    let bob = caller(&sim, USER);
    let carol_id = account_id(&sim, OUTSIDER);

    let refused = bob
        .post("/rest/api/3/group", &json!({ "name": "release-managers" }))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);

    let created = alice
        .post("/rest/api/3/group", &json!({ "name": "release-managers" }))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    contract.check_ref("POST /group", "Group", &created.body);
    let id = created.body["groupId"].as_str().expect("id").to_owned();
    for (body, why) in [
        (
            json!({ "name": "Release-Managers" }),
            "names are case-insensitive",
        ),
        (json!({ "name": "" }), "a name is needed"),
        (json!({}), "a name is needed"),
        (json!({ "name": "x".repeat(256) }), "at most 255 characters"),
    ] {
        let bad = alice.post("/rest/api/3/group", &body).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{why}: {}", bad.text);
    }

    let added = alice
        .post(
            &format!("/rest/api/3/group/user?groupId={id}"),
            &json!({ "accountId": carol_id }),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
    contract.check_ref("POST /group/user", "Group", &added.body);
    assert_eq!(added.body["users"]["size"], 1);
    assert_eq!(added.body["users"]["items"][0]["accountId"], carol_id);
    let again = alice
        .post(
            "/rest/api/3/group/user?groupname=release-managers",
            &json!({ "accountId": carol_id }),
        )
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST, "{}", again.text);
    let stranger = alice
        .post(
            "/rest/api/3/group/user?groupname=release-managers",
            &json!({ "accountId": "nobody" }),
        )
        .await;
    assert_eq!(stranger.status, StatusCode::NOT_FOUND, "{}", stranger.text);
    let hers = bob
        .get(&format!("/rest/api/3/user/groups?accountId={carol_id}"))
        .await;
    assert_eq!(
        names(&hers.body),
        ["jira-software-users", "release-managers"]
    );

    let removed = alice
        .delete(&format!(
            "/rest/api/3/group/user?groupId={id}&accountId={carol_id}"
        ))
        .await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.text);
    let twice = alice
        .delete(&format!(
            "/rest/api/3/group/user?groupId={id}&accountId={carol_id}"
        ))
        .await;
    assert_eq!(twice.status, StatusCode::BAD_REQUEST, "{}", twice.text);

    // The built-in groups mirror the site: not changed, not removed.
    for (response, what) in [
        (
            alice
                .post(
                    "/rest/api/3/group/user?groupname=site-admins",
                    &json!({ "accountId": carol_id }),
                )
                .await,
            "adding a site admin",
        ),
        (
            alice
                .delete("/rest/api/3/group?groupname=jira-software-users")
                .await,
            "removing the application group",
        ),
    ] {
        assert_eq!(
            response.status,
            StatusCode::BAD_REQUEST,
            "{what}: {}",
            response.text
        );
        assert!(
            response.text.contains("managed by the site"),
            "{what}: {}",
            response.text
        );
    }

    // A name is shown as text wherever the picker marks it.
    let hostile = alice
        .post(
            "/rest/api/3/group",
            &json!({ "name": "<img src=x onerror=alert(1)>" }),
        )
        .await;
    assert_eq!(hostile.status, StatusCode::CREATED, "{}", hostile.text);
    let picked = bob.get("/rest/api/3/groups/picker?query=img").await;
    assert_eq!(
        picked.body["groups"][0]["html"],
        "&lt;<b>img</b> src=x onerror=alert(1)&gt;"
    );

    assert_eq!(
        bob.delete(&format!("/rest/api/3/group?groupId={id}"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let deleted = alice
        .delete(&format!("/rest/api/3/group?groupId={id}"))
        .await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.text);
    assert_eq!(
        bob.get(&format!("/rest/api/3/group/member?groupId={id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[test]
fn seeded_groups_name_known_users_once() {
    let mut seed = kiln_sim::Seed::default();
    seed.groups.push(kiln_sim::SeedGroup {
        name: String::from("ghosts"),
        members: vec![String::from("nobody@example.com")],
    });
    let err = seed.validate().expect_err("unknown member").to_string();
    assert!(err.contains("nobody@example.com"), "{err}");

    let mut seed = kiln_sim::Seed::default();
    seed.groups.push(kiln_sim::SeedGroup {
        name: String::from("Site-Admins"),
        members: Vec::new(),
    });
    let err = seed.validate().expect_err("a built-in name").to_string();
    assert!(err.contains("already exists"), "{err}");
}
