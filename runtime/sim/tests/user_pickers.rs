//! The pickers' user searches (`/user/picker`, `/groupuserpicker`) and which of
//! many issues the caller watches (`POST /issue/watching`): what an app's
//! "assign to…" box, mention list or issue list asks as a person uses it.

use crate::common;
use crate::contract::Contract;

use common::{ADMIN, OUTSIDER, USER, account_id, caller, start, start_with};
use kiln_sim::{Seed, SimConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn ids(users: &Value) -> Vec<String> {
    users
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|u| u["accountId"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn the_user_picker_finds_marks_and_excludes() {
    let sim = start().await;
    let contract = Contract::new();
    let bob = caller(&sim, USER);
    let (alice_id, bob_id, carol_id) = (
        account_id(&sim, ADMIN),
        account_id(&sim, USER),
        account_id(&sim, OUTSIDER),
    );

    let found = bob.get("/rest/api/3/user/picker?query=car").await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    contract.check_ref("GET /user/picker", "FoundUsers", &found.body);
    assert_eq!(
        found.body,
        json!({
            "header": "Showing 1 of 1 matching users",
            "total": 1,
            "users": [{
                "accountId": carol_id,
                "accountType": "atlassian",
                "displayName": "Carol Outsider",
                "html": "<strong>Car</strong>ol Outsider - outsider@example.com",
            }],
        })
    );

    // A word of the name, or the email address, without regard to case.
    let by_word = bob.get("/rest/api/3/user/picker?query=OUT").await;
    assert_eq!(ids(&by_word.body["users"]), [carol_id.as_str()]);
    assert_eq!(
        by_word.body["users"][0]["html"],
        "Carol <strong>Out</strong>sider - <strong>out</strong>sider@example.com"
    );
    let everyone = bob.get("/rest/api/3/user/picker?query=e").await;
    assert_eq!(
        everyone.body["total"], 0,
        "no name, word or address starts with e"
    );
    let by_address = bob.get("/rest/api/3/user/picker?query=user%40").await;
    assert_eq!(ids(&by_address.body["users"]), [bob_id.as_str()]);

    // Excluded accounts, comma-separated or repeated.
    let all = bob.get("/rest/api/3/user/picker?query=a").await;
    assert_eq!(ids(&all.body["users"]), [alice_id.as_str()]);
    let none = bob
        .get(&format!(
            "/rest/api/3/user/picker?query=a&excludeAccountIds={carol_id},{alice_id}"
        ))
        .await;
    assert_eq!(none.body["total"], 0);
    let repeated = bob
        .get(&format!(
            "/rest/api/3/user/picker?query=o&excludeAccountIds={carol_id}&excludeAccountIds={alice_id}"
        ))
        .await;
    assert_eq!(repeated.body["total"], 0, "{}", repeated.text);

    // The avatar only when asked, in the size asked.
    let avatar = bob
        .get("/rest/api/3/user/picker?query=bob&showAvatar=true&avatarSize=medium")
        .await;
    contract.check_ref("GET /user/picker", "FoundUsers", &avatar.body);
    let url = avatar.body["users"][0]["avatarUrl"].as_str().expect("url");
    assert!(url.contains("size=32"), "{url}");

    // Refusals.
    for (path, why) in [
        ("/rest/api/3/user/picker", "query is required"),
        (
            "/rest/api/3/user/picker?query=a&exclude=bob&excludeAccountIds=x",
            "exclude is refused beside excludeAccountIds",
        ),
        ("/rest/api/3/user/picker?query=a&maxResults=ten", "a count"),
    ] {
        let refused = bob.get(path).await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{why}: {}",
            refused.text
        );
        assert!(refused.body["errorMessages"][0].is_string(), "{why}");
    }
}

/// The operation's documented quirk: it looks through the first `maxResults`
/// users of the site, then keeps those that match, while `total` counts every
/// match among the first thousand.
#[tokio::test]
async fn the_user_picker_looks_through_the_first_max_results_users() {
    let mut seed = Seed::default();
    seed.users.extend(common::many_users(5, "Picker", "picker"));
    let sim = start_with(SimConfig {
        seed,
        ..SimConfig::default()
    })
    .await;
    let bob = caller(&sim, USER);
    // The three built-in users come first, so the first four users hold one
    // of the picker users.
    let some = bob
        .get("/rest/api/3/user/picker?query=picker&maxResults=4")
        .await;
    assert_eq!(some.status, StatusCode::OK, "{}", some.text);
    assert_eq!(some.body["total"], 5);
    assert_eq!(some.body["header"], "Showing 1 of 5 matching users");
    assert_eq!(some.body["users"][0]["displayName"], "Picker 0");
    let all = bob.get("/rest/api/3/user/picker?query=picker").await;
    assert_eq!(all.body["users"].as_array().map(Vec::len), Some(5));
}

#[tokio::test]
async fn the_group_and_user_picker_answers_both_lists() {
    let sim = start().await;
    let contract = Contract::new();
    let bob = caller(&sim, USER);

    let found = bob
        .get("/rest/api/3/groupuserpicker?query=ali&maxResults=10")
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    contract.check_ref("GET /groupuserpicker", "FoundUsersAndGroups", &found.body);
    assert_eq!(
        ids(&found.body["users"]["users"]),
        [account_id(&sim, ADMIN)]
    );
    assert_eq!(found.body["groups"]["total"], 0);

    // Groups as `/groups/picker` finds them: by part of the name, marked with `<b>`.
    let groups = bob.get("/rest/api/3/groupuserpicker?query=dev").await;
    assert_eq!(
        groups.body["groups"]["groups"][0]["html"],
        "kiln-<b>dev</b>elopers"
    );
    assert_eq!(groups.body["users"]["total"], 0);
    let folded = bob
        .get("/rest/api/3/groupuserpicker?query=DEV&caseInsensitive=true")
        .await;
    assert_eq!(folded.body["groups"]["total"], 1);
    let limited = bob
        .get("/rest/api/3/groupuserpicker?query=s&maxResults=1")
        .await;
    assert_eq!(
        limited.body["groups"]["header"],
        "Showing 1 of 3 matching groups"
    );

    let refused = bob.get("/rest/api/3/groupuserpicker").await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
}

#[tokio::test]
async fn a_display_name_is_text_in_the_pickers_markup() {
    let mut seed = Seed::default();
    let mut hostile: Vec<_> = common::many_users(1, "Hostile", "hostile").collect();
    hostile[0].display_name = String::from("<img src=x onerror=alert(1)> Eve");
    seed.users.extend(hostile);
    let sim = start_with(SimConfig {
        seed,
        ..SimConfig::default()
    })
    .await;
    let bob = caller(&sim, USER);
    for path in [
        "/rest/api/3/user/picker?query=eve",
        "/rest/api/3/groupuserpicker?query=eve",
    ] {
        let found = bob.get(path).await;
        let users = if found.body["users"].is_array() {
            &found.body["users"]
        } else {
            &found.body["users"]["users"]
        };
        assert_eq!(
            users[0]["html"],
            "&lt;img src=x onerror=alert(1)&gt; <strong>Eve</strong> - hostile0@example.com",
            "{path}"
        );
        assert_eq!(users[0]["displayName"], "<img src=x onerror=alert(1)> Eve");
    }
}

#[tokio::test]
async fn the_caller_learns_which_issues_they_watch() {
    let sim = start().await;
    let contract = Contract::new();
    let (alice, carol) = (caller(&sim, ADMIN), caller(&sim, OUTSIDER));
    let id_of = |key: &'static str| {
        let alice = &alice;
        async move {
            alice
                .get(&format!("/rest/api/3/issue/{key}?fields=summary"))
                .await
                .str_at("/id")
        }
    };
    let (kiln1, kiln2, sec1) = (
        id_of("KILN-1").await,
        id_of("KILN-2").await,
        id_of("SEC-1").await,
    );
    for key in ["KILN-1", "SEC-1"] {
        let watched = alice
            .post(&format!("/rest/api/3/issue/{key}/watchers"), &json!(null))
            .await;
        assert_eq!(watched.status, StatusCode::NO_CONTENT, "{}", watched.text);
    }
    assert_eq!(
        alice
            .delete(&format!(
                "/rest/api/3/issue/KILN-2/watchers?accountId={}",
                account_id(&sim, ADMIN)
            ))
            .await
            .status,
        StatusCode::NO_CONTENT
    );

    let body = json!({ "issueIds": [kiln1, kiln2, sec1, "99999", "KILN-1", ""] });
    let hers = alice.post("/rest/api/3/issue/watching", &body).await;
    assert_eq!(hers.status, StatusCode::OK, "{}", hers.text);
    contract.check_ref("POST /issue/watching", "BulkIssueIsWatching", &hers.body);
    assert_eq!(
        hers.body["issuesIsWatching"],
        json!({ kiln1.clone(): true, kiln2.clone(): false, sec1.clone(): true,
                "99999": false, "KILN-1": false, "": false })
    );
    // Carol cannot see SEC-1: not watching, told no more than for an unknown id.
    let carols = carol
        .post("/rest/api/3/issue/watching", &json!({ "issueIds": [sec1] }))
        .await;
    assert_eq!(carols.body["issuesIsWatching"][&sec1], false);

    // `/issue/watching` is not an issue for the other methods.
    let read = alice.get("/rest/api/3/issue/watching").await;
    assert_eq!(read.status, StatusCode::NOT_FOUND, "{}", read.text);

    for (body, why) in [
        (json!({}), "issueIds is required"),
        (json!({ "issueIds": "10000" }), "a list"),
        (json!({ "issueIds": [], "other": 1 }), "no other property"),
        (
            json!({ "issueIds": vec!["1"; WATCHING_BOUND + 1] }),
            "bounded",
        ),
    ] {
        let refused = alice.post("/rest/api/3/issue/watching", &body).await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{why}: {}",
            refused.text
        );
    }
}

/// The simulator's bound on the ids of one `POST /issue/watching`
/// (`platform/watchers.rs`, `MAX_WATCHING_IDS`).
const WATCHING_BOUND: usize = 1_000;
