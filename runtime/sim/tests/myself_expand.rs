//! `GET /myself` and `GET /user?accountId=` with their `groups` and
//! `applicationRoles`: always there, collapsed to their `size` with empty
//! `items`, and filled when `expand` names them, as Jira Cloud answers. Every
//! user holds Jira's application role, granted by the `jira-software-users` group.

use crate::common;
use crate::contract::Contract;

use common::{ADMIN, USER, account_id, caller, start};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The role an expanded user lists, with the site's user count and the group
/// that grants it.
fn jira_role(users: usize, group: &Value) -> Value {
    let details = json!([{ "name": "jira-software-users", "groupId": group["groupId"] }]);
    json!({
        "key": "jira-software",
        "groups": ["jira-software-users"],
        "groupDetails": details,
        "name": "Jira",
        "defaultGroups": ["jira-software-users"],
        "defaultGroupsDetails": details,
        "selectedByDefault": false,
        "defined": true,
        "userCount": users,
        "userCountDescription": "users",
        "hasUnlimitedSeats": false,
        "platform": false,
    })
}

#[tokio::test]
async fn myself_and_get_user_carry_collapsed_lists_that_expand_fills() {
    let sim = start().await;
    let contract = Contract::new();
    let users = sim.users().len();
    let bob = caller(&sim, USER);
    let bob_id = account_id(&sim, USER);
    let alice_id = account_id(&sim, ADMIN);
    // Bob's groups as `getUserGroups` lists them: the application group first.
    let bobs_groups = bob
        .get(&format!("/rest/api/3/user/groups?accountId={bob_id}"))
        .await
        .body;
    let groups_size = bobs_groups.as_array().expect("groups").len();
    assert_eq!(groups_size, 2, "the application group and kiln-developers");
    let application_group = bobs_groups[0].clone();
    let paths = [
        String::from("/rest/api/3/myself"),
        format!("/rest/api/3/user?accountId={bob_id}"),
        String::from("/rest/api/2/myself"),
    ];
    for path in &paths {
        // Collapsed: the sizes, no items.
        let plain = bob.get(path).await;
        assert_eq!(plain.status, StatusCode::OK, "{path}: {}", plain.text);
        contract.check_ref(path, "User", &plain.body);
        assert_eq!(plain.body["accountId"], bob_id.as_str());
        assert_eq!(plain.body["expand"], "groups,applicationRoles", "{path}");
        assert_eq!(
            plain.body["groups"],
            json!({ "size": groups_size, "items": [] }),
            "{path}"
        );
        assert_eq!(
            plain.body["applicationRoles"],
            json!({ "size": 1, "items": [] }),
            "{path}"
        );
        // Expanded: the items, the rest unchanged.
        let sep = if path.contains('?') { '&' } else { '?' };
        let expanded_path = format!("{path}{sep}expand=groups,applicationRoles");
        let expanded = bob.get(&expanded_path).await;
        assert_eq!(expanded.status, StatusCode::OK, "{}", expanded.text);
        contract.check_ref(&expanded_path, "User", &expanded.body);
        // v2 answers link to v2.
        let items: Value = serde_json::from_str(&bobs_groups.to_string().replace(
            "/rest/api/3/",
            if path.starts_with("/rest/api/2/") {
                "/rest/api/2/"
            } else {
                "/rest/api/3/"
            },
        ))
        .expect("json");
        assert_eq!(
            expanded.body["groups"],
            json!({ "size": groups_size, "items": items })
        );
        assert_eq!(
            expanded.body["applicationRoles"],
            json!({ "size": 1, "items": [jira_role(users, &application_group)] })
        );
        assert_eq!(
            common::without_user_lists(&expanded.body),
            common::without_user_lists(&plain.body)
        );
        // One list alone.
        let roles_only = bob
            .get(&format!("{path}{sep}expand=applicationRoles"))
            .await;
        assert_eq!(
            roles_only.body["applicationRoles"]["items"][0]["key"],
            "jira-software"
        );
        let groups_only = bob.get(&format!("{path}{sep}expand=groups")).await;
        assert_eq!(
            groups_only.body["applicationRoles"],
            json!({ "size": 1, "items": [] })
        );
    }
    // Another user's record, expanded, for a caller who is not them.
    let other = bob
        .get(&format!(
            "/rest/api/3/user?accountId={alice_id}&expand=applicationRoles"
        ))
        .await;
    assert_eq!(other.status, StatusCode::OK, "{}", other.text);
    assert_eq!(other.body["accountId"], alice_id.as_str());
    assert_eq!(
        other.body["applicationRoles"],
        json!({ "size": 1, "items": [jira_role(users, &application_group)] })
    );
    // The user searches and lists carry neither list, as on Jira.
    let search = bob.get("/rest/api/3/users/search").await;
    assert_eq!(search.status, StatusCode::OK, "{}", search.text);
    for user in search.body.as_array().expect("users") {
        assert!(user.get("groups").is_none() && user.get("applicationRoles").is_none());
    }
    sim.shutdown().await;
}
