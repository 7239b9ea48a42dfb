//! Dashboards' writes and their item properties over a real socket: create,
//! read, edit, copy and delete, share and edit permissions (users, groups,
//! projects, everyone) and who they open a dashboard to, the lists and the
//! search over created dashboards, the properties a dashboard gadget keeps on
//! its item, every refusal, the simulator's bounds, REST API v2 and the
//! gateway. Answers are checked against the platform spec's schemas.

use crate::common;
use crate::contract::Contract;

use common::oauth::{access_token, gateway_get};
use common::{ADMIN, OUTSIDER, USER, account_id, caller, start};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Creates a dashboard as `who` and returns it, asserting a 200 `Dashboard`.
async fn create(contract: &Contract, who: &common::Caller<'_>, body: Value) -> Value {
    let reply = who.post("/rest/api/3/dashboard", &body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    contract.check_ref("POST /dashboard", "Dashboard", &reply.body);
    reply.body
}

/// Asserts `reply` has `status` and an `ErrorCollection` body, and answers it.
fn refused(contract: &Contract, what: &str, reply: &common::Reply, status: StatusCode) -> Value {
    assert_eq!(reply.status, status, "{what}: {}", reply.text);
    contract.check_ref(what, "ErrorCollection", &reply.body);
    reply.body.clone()
}

/// The names of the dashboards of a list.
fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|d| d["name"].as_str().expect("a name").to_owned())
        .collect()
}

/// The names `getAllDashboards` lists for `who` with `query`.
async fn listed(contract: &Contract, who: &common::Caller<'_>, query: &str) -> Vec<String> {
    let reply = who.get(&format!("/rest/api/3/dashboard{query}")).await;
    assert_eq!(reply.status, StatusCode::OK, "{query}: {}", reply.text);
    contract.check_ref(query, "PageOfDashboards", &reply.body);
    names(&reply.body["dashboards"])
}

/// The names `getDashboardsPaginated` finds for `who` with `query`.
async fn searched(contract: &Contract, who: &common::Caller<'_>, query: String) -> Vec<String> {
    let reply = who
        .get(&format!("/rest/api/3/dashboard/search{query}"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{query}: {}", reply.text);
    contract.check_ref(&query, "PageBeanDashboard", &reply.body);
    names(&reply.body["values"])
}

#[tokio::test]
async fn dashboards_are_created_shared_edited_copied_and_deleted() {
    let sim = start().await;
    let contract = Contract::new();
    let (alice, bob, carol) = (
        caller(&sim, ADMIN),
        caller(&sim, USER),
        caller(&sim, OUTSIDER),
    );
    let (alice_id, bob_id, carol_id) = (
        account_id(&sim, ADMIN),
        account_id(&sim, USER),
        account_id(&sim, OUTSIDER),
    );

    // A private dashboard: only its owner sees it, a site admin included.
    let private = create(
        &contract,
        &bob,
        json!({ "name": "Mine", "sharePermissions": [], "editPermissions": [] }),
    )
    .await;
    assert_eq!(private["id"], "10001");
    assert_eq!(private["owner"]["accountId"], bob_id.as_str());
    assert_eq!(private["isWritable"], true);
    assert_eq!(private["systemDashboard"], false);
    assert_eq!(private["sharePermissions"], json!([]));
    assert!(private.get("description").is_none());
    for who in [&alice, &carol] {
        let reply = who.get("/rest/api/3/dashboard/10001").await;
        let body = refused(&contract, "hidden", &reply, StatusCode::NOT_FOUND);
        assert_eq!(
            body["errorMessages"][0],
            "The dashboard with id '10001' does not exist."
        );
    }

    // Shared with Carol to view, with the site admins' group to edit.
    let team = create(
        &contract,
        &bob,
        json!({
            "name": "Team",
            "description": "What the team does",
            "sharePermissions": [{ "type": "user", "user": { "accountId": carol_id } }],
            "editPermissions": [{ "type": "group", "group": { "name": "SITE-ADMINS" } }],
        }),
    )
    .await;
    let team_id = team["id"].as_str().expect("an id").to_owned();
    assert_eq!(team["description"], "What the team does");
    assert_eq!(team["sharePermissions"][0]["type"], "user");
    assert_eq!(
        team["sharePermissions"][0]["user"]["accountId"],
        carol_id.as_str()
    );
    assert_eq!(team["editPermissions"][0]["type"], "group");
    assert_eq!(team["editPermissions"][0]["group"]["name"], "site-admins");
    let for_carol = carol.get(&format!("/rest/api/3/dashboard/{team_id}")).await;
    assert_eq!(for_carol.status, StatusCode::OK, "{}", for_carol.text);
    contract.check_ref("GET shared", "Dashboard", &for_carol.body);
    assert_eq!(for_carol.body["isWritable"], false);
    let for_alice = alice.get(&format!("/rest/api/3/dashboard/{team_id}")).await;
    assert_eq!(for_alice.body["isWritable"], true, "{}", for_alice.text);

    // Lists: each sees what is shared with them; `my` is the caller's own.
    let all = |who, query| listed(&contract, who, query);
    assert_eq!(all(&bob, "").await, ["Default dashboard", "Mine", "Team"]);
    assert_eq!(all(&carol, "").await, ["Default dashboard", "Team"]);
    assert_eq!(all(&bob, "?filter=my").await, ["Mine", "Team"]);
    assert_eq!(all(&carol, "?filter=my").await, Vec::<String>::new());
    assert_eq!(all(&bob, "?filter=favourite").await, Vec::<String>::new());

    // The search: by owner, group, name; ordered.
    let search = |who, query| searched(&contract, who, query);
    assert_eq!(
        search(&bob, format!("?accountId={bob_id}")).await,
        ["Mine", "Team"]
    );
    assert_eq!(
        search(&carol, format!("?accountId={bob_id}")).await,
        ["Team"]
    );
    assert_eq!(
        search(&bob, String::from("?groupname=site-admins")).await,
        ["Team"]
    );
    assert_eq!(
        search(&bob, String::from("?dashboardName=tea")).await,
        ["Team"]
    );
    assert_eq!(
        search(&bob, String::from("?orderBy=-name")).await,
        ["Team", "Mine", "Default dashboard"]
    );
    assert_eq!(
        search(&bob, String::from("?orderBy=owner")).await,
        ["Default dashboard", "Mine", "Team"]
    );
    assert_eq!(
        search(&bob, String::from("?projectId=10000")).await,
        Vec::<String>::new()
    );

    // Editing: the owner and the editors; a viewer gets the spec's 404.
    let path = format!("/rest/api/3/dashboard/{team_id}");
    let edit = json!({
        "name": "Team room",
        "sharePermissions": [{ "type": "authenticated" }],
        "editPermissions": [{ "type": "group", "group": { "name": "site-admins" } }],
    });
    refused(
        &contract,
        "viewer edits",
        &carol.put(&path, &edit).await,
        StatusCode::NOT_FOUND,
    );
    let edited = alice.put(&path, &edit).await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.text);
    contract.check_ref("PUT /dashboard/{id}", "Dashboard", &edited.body);
    assert_eq!(edited.body["name"], "Team room");
    assert_eq!(edited.body["owner"]["accountId"], bob_id.as_str());
    assert_eq!(
        edited.body["sharePermissions"][0]["type"], "loggedin",
        "{}",
        edited.text
    );
    // Replacing all details: the description left out is gone.
    assert!(edited.body.get("description").is_none());
    // Names are unique per owner, without regard to case.
    let clash = bob
        .put(
            &path,
            &json!({ "name": "MINE", "sharePermissions": [], "editPermissions": [] }),
        )
        .await;
    let body = refused(&contract, "clash", &clash, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["errors"]["name"],
        "A dashboard with the same name already exists."
    );
    // A site admin who is no editor needs `extendAdminPermissions`.
    let mine = format!(
        "/rest/api/3/dashboard/{}",
        private["id"].as_str().unwrap_or_default()
    );
    let rename = json!({
        "name": "Renamed",
        "sharePermissions": [{ "type": "authenticated" }],
        "editPermissions": [],
    });
    let _ = bob
        .put(
            &mine,
            &json!({ "name": "Mine", "sharePermissions": [{ "type": "authenticated" }], "editPermissions": [] }),
        )
        .await;
    refused(
        &contract,
        "admin without extend",
        &alice.put(&mine, &rename).await,
        StatusCode::NOT_FOUND,
    );
    let extended = alice
        .put(&format!("{mine}?extendAdminPermissions=true"), &rename)
        .await;
    assert_eq!(extended.status, StatusCode::OK, "{}", extended.text);
    assert_eq!(extended.body["owner"]["accountId"], bob_id.as_str());

    // Copying: what the caller sees, with the body's parts replacing.
    let copied = carol
        .post(&format!("{path}/copy"), &json!({ "editPermissions": [] }))
        .await;
    assert_eq!(copied.status, StatusCode::OK, "{}", copied.text);
    contract.check_ref("POST /dashboard/{id}/copy", "Dashboard", &copied.body);
    assert_eq!(copied.body["name"], "Team room");
    assert_eq!(copied.body["owner"]["accountId"], carol_id.as_str());
    assert_eq!(copied.body["sharePermissions"][0]["type"], "loggedin");
    assert_eq!(copied.body["editPermissions"], json!([]));
    let system_copy = carol
        .post(
            "/rest/api/3/dashboard/10000/copy",
            &json!({ "name": "My default" }),
        )
        .await;
    assert_eq!(system_copy.status, StatusCode::OK, "{}", system_copy.text);
    assert_eq!(system_copy.body["systemDashboard"], false);
    assert_eq!(system_copy.body["sharePermissions"][0]["type"], "global");
    refused(
        &contract,
        "copy unseen",
        &carol
            .post("/rest/api/3/dashboard/99999/copy", &json!({}))
            .await,
        StatusCode::NOT_FOUND,
    );

    // The system dashboard is neither edited nor deleted.
    refused(
        &contract,
        "edit system",
        &alice
            .put(
                "/rest/api/3/dashboard/10000?extendAdminPermissions=true",
                &rename,
            )
            .await,
        StatusCode::NOT_FOUND,
    );
    refused(
        &contract,
        "delete system",
        &alice.delete("/rest/api/3/dashboard/10000").await,
        StatusCode::BAD_REQUEST,
    );

    // Deleting: the owner or a site admin; a viewer gets the spec's 400.
    refused(
        &contract,
        "viewer deletes",
        &carol.delete(&path).await,
        StatusCode::BAD_REQUEST,
    );
    let deleted = bob.delete(&path).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    refused(
        &contract,
        "deleted",
        &bob.get(&path).await,
        StatusCode::NOT_FOUND,
    );
    let by_admin = alice.delete(&mine).await;
    assert_eq!(by_admin.status, StatusCode::NO_CONTENT, "{}", by_admin.text);
    let _ = alice_id;

    // REST API v2 and the gateway.
    let v2 = bob
        .post(
            "/rest/api/2/dashboard",
            &json!({ "name": "Via v2", "sharePermissions": [], "editPermissions": [] }),
        )
        .await;
    assert_eq!(v2.status, StatusCode::OK, "{}", v2.text);
    let v2_id = v2.body["id"].as_str().expect("an id").to_owned();
    assert_eq!(
        v2.body["self"],
        format!("{}/rest/api/2/dashboard/{v2_id}", sim.base_url())
    );
    let access = access_token(&sim, "read:jira-work").await;
    let through = gateway_get(&sim, &access, "/rest/api/3/dashboard/10000").await;
    assert_eq!(through.status(), StatusCode::OK);
    sim.shutdown().await;
}

#[tokio::test]
async fn hostile_dashboard_bodies_get_typed_400s() {
    let sim = start().await;
    let contract = Contract::new();
    let bob = caller(&sim, USER);
    let many: Vec<Value> = (0..101).map(|_| json!({ "type": "global" })).collect();
    for (what, body, says) in [
        (
            "no name",
            json!({ "sharePermissions": [], "editPermissions": [] }),
            "name",
        ),
        ("blank name", json!({ "name": "  " }), "name"),
        ("long name", json!({ "name": "n".repeat(256) }), "255"),
        (
            "long description",
            json!({ "name": "x", "description": "d".repeat(4_001) }),
            "4000",
        ),
        (
            "many shares",
            json!({ "name": "x", "sharePermissions": many }),
            "at most 100",
        ),
        (
            "global editors",
            json!({ "name": "x", "editPermissions": [{ "type": "global" }] }),
            "editable by everyone",
        ),
        (
            "project role",
            json!({ "name": "x", "sharePermissions": [{ "type": "projectRole" }] }),
            "not modelled",
        ),
        (
            "unknown group",
            json!({ "name": "x", "sharePermissions": [{ "type": "group", "group": { "groupId": "nope" } }] }),
            "does not exist",
        ),
        (
            "group without a name",
            json!({ "name": "x", "sharePermissions": [{ "type": "group" }] }),
            "group.groupId",
        ),
        (
            "unknown user",
            json!({ "name": "x", "sharePermissions": [{ "type": "user", "user": { "accountId": "nope" } }] }),
            "does not exist",
        ),
        ("name of a wrong type", json!({ "name": 5 }), ""),
        (
            "shares of a wrong type",
            json!({ "name": "x", "sharePermissions": "all" }),
            "",
        ),
        ("not an object", json!([1, 2]), ""),
    ] {
        let reply = bob.post("/rest/api/3/dashboard", &body).await;
        let body = refused(&contract, what, &reply, StatusCode::BAD_REQUEST);
        assert!(body.to_string().contains(says), "{what}: {body}");
    }
    let garbage = common::send(
        bob.request(reqwest::Method::POST, "/rest/api/3/dashboard")
            .header("content-type", "application/json")
            .body("{not json"),
    )
    .await;
    refused(&contract, "not JSON", &garbage, StatusCode::BAD_REQUEST);
    let list = bob.get("/rest/api/3/dashboard").await;
    assert_eq!(list.body["total"], 1, "nothing was created: {}", list.text);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_dashboard_item_keeps_properties_its_editors_write() {
    let sim = start().await;
    let contract = Contract::new();
    let (alice, bob, carol) = (
        caller(&sim, ADMIN),
        caller(&sim, USER),
        caller(&sim, OUTSIDER),
    );
    let carol_id = account_id(&sim, OUTSIDER);
    let dashboard = create(
        &contract,
        &bob,
        json!({
            "name": "Gadgets",
            "sharePermissions": [{ "type": "user", "user": { "accountId": carol_id } }],
            "editPermissions": [],
        }),
    )
    .await;
    let id = dashboard["id"].as_str().expect("an id").to_owned();
    let items = format!("/rest/api/3/dashboard/{id}/items/10100/properties");
    let config = format!("{items}/config");

    // An item never written has no keys; its properties are set, read, listed.
    let keys = bob.get(&items).await;
    assert_eq!(keys.status, StatusCode::OK, "{}", keys.text);
    contract.check_ref("GET keys", "PropertyKeys", &keys.body);
    assert_eq!(keys.body["keys"], json!([]));
    refused(
        &contract,
        "unset",
        &bob.get(&config).await,
        StatusCode::NOT_FOUND,
    );
    let set = bob.put(&config, &json!({ "jql": "project = KILN" })).await;
    assert_eq!(set.status, StatusCode::CREATED, "{}", set.text);
    let reset = bob.put(&config, &json!({ "jql": "project = SEC" })).await;
    assert_eq!(reset.status, StatusCode::OK, "{}", reset.text);
    for who in [&bob, &carol] {
        let read = who.get(&config).await;
        assert_eq!(read.status, StatusCode::OK, "{}", read.text);
        contract.check_ref("GET property", "EntityProperty", &read.body);
        assert_eq!(
            read.body,
            json!({ "key": "config", "value": { "jql": "project = SEC" } })
        );
    }
    let keys = carol.get(&items).await;
    contract.check_ref("GET keys", "PropertyKeys", &keys.body);
    assert_eq!(keys.body["keys"][0]["key"], "config");
    assert_eq!(
        keys.body["keys"][0]["self"],
        format!("{}{items}/config", sim.base_url())
    );
    // Another item of the same dashboard keeps its own.
    let other = bob
        .get(&format!(
            "/rest/api/3/dashboard/{id}/items/10101/properties"
        ))
        .await;
    assert_eq!(other.body["keys"], json!([]));

    // A viewer may read but not write (403); anyone else is told nothing (404).
    for reply in [
        carol.put(&config, &json!(1)).await,
        carol.delete(&config).await,
    ] {
        refused(&contract, "viewer writes", &reply, StatusCode::FORBIDDEN);
    }
    for reply in [
        alice.get(&config).await,
        alice.get(&items).await,
        alice.put(&config, &json!(1)).await,
        alice.delete(&config).await,
    ] {
        refused(&contract, "unseen", &reply, StatusCode::NOT_FOUND);
    }

    // The entity property rules, and the simulator's bounds.
    let long_key = format!("{items}/{}", "k".repeat(256));
    refused(
        &contract,
        "long key",
        &bob.put(&long_key, &json!(1)).await,
        StatusCode::BAD_REQUEST,
    );
    let big = json!({ "blob": "x".repeat(32_768) });
    refused(
        &contract,
        "big value",
        &bob.put(&config, &big).await,
        StatusCode::BAD_REQUEST,
    );
    let garbage = common::send(
        bob.request(reqwest::Method::PUT, &config)
            .header("content-type", "application/json")
            .body("{not json"),
    )
    .await;
    refused(&contract, "not JSON", &garbage, StatusCode::BAD_REQUEST);
    let long_item = format!(
        "/rest/api/3/dashboard/{id}/items/{}/properties/config",
        "9".repeat(256)
    );
    refused(
        &contract,
        "long item id",
        &bob.put(&long_item, &json!(1)).await,
        StatusCode::BAD_REQUEST,
    );
    for n in 1..100 {
        let reply = bob.put(&format!("{items}/key{n}"), &json!(n)).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{n}: {}", reply.text);
    }
    let body = refused(
        &contract,
        "101st property",
        &bob.put(&format!("{items}/one-more"), &json!(0)).await,
        StatusCode::BAD_REQUEST,
    );
    assert!(body.to_string().contains("100 properties"), "{body}");
    // Replacing one is still allowed at the bound.
    let replaced = bob.put(&format!("{items}/key1"), &json!("again")).await;
    assert_eq!(replaced.status, StatusCode::OK, "{}", replaced.text);
    for item in 10_101..10_200 {
        let path = format!("/rest/api/3/dashboard/{id}/items/{item}/properties/config");
        let reply = bob.put(&path, &json!(item)).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{item}: {}", reply.text);
    }
    let body = refused(
        &contract,
        "101st item",
        &bob.put(
            &format!("/rest/api/3/dashboard/{id}/items/20000/properties/config"),
            &json!(0),
        )
        .await,
        StatusCode::BAD_REQUEST,
    );
    assert!(body.to_string().contains("100 items"), "{body}");

    // Deleting: 204, then the spec's 404.
    let deleted = bob.delete(&config).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    refused(
        &contract,
        "deleted twice",
        &bob.delete(&config).await,
        StatusCode::NOT_FOUND,
    );

    // The system dashboard's items: site admins write, everyone reads.
    let system = "/rest/api/3/dashboard/10000/items/1/properties/config";
    let by_admin = alice.put(system, &json!({ "ok": true })).await;
    assert_eq!(by_admin.status, StatusCode::CREATED, "{}", by_admin.text);
    refused(
        &contract,
        "user writes system",
        &bob.put(system, &json!(1)).await,
        StatusCode::FORBIDDEN,
    );
    let read = carol.get(system).await;
    assert_eq!(read.body["value"], json!({ "ok": true }));

    // v2 and the gateway read them; they go with their dashboard.
    let v2 = carol
        .get("/rest/api/2/dashboard/10000/items/1/properties")
        .await;
    // Property answers are app data, which v2 passes as they are (as for
    // issue properties).
    assert_eq!(v2.body["keys"][0]["key"], "config", "{}", v2.text);
    let access = access_token(&sim, "read:jira-work").await;
    let through = gateway_get(
        &sim,
        &access,
        "/rest/api/3/dashboard/10000/items/1/properties/config",
    )
    .await;
    assert_eq!(through.status(), StatusCode::OK);
    let gone = bob.delete(&format!("/rest/api/3/dashboard/{id}")).await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    refused(
        &contract,
        "dashboard gone",
        &bob.get(&items).await,
        StatusCode::NOT_FOUND,
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn dashboard_writes_spend_the_sites_write_budget() {
    let sim = common::start_with(kiln_sim::SimConfig {
        write_budget_bytes: 1_024,
        ..kiln_sim::SimConfig::default()
    })
    .await;
    let bob = caller(&sim, USER);
    let created = bob
        .post(
            "/rest/api/3/dashboard",
            &json!({ "name": "Budget", "sharePermissions": [], "editPermissions": [] }),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    let id = created.str_at("/id");
    let value = json!({ "blob": "x".repeat(200) });
    let mut accepted = 0;
    let refusal = loop {
        let reply = bob
            .put(
                &format!("/rest/api/3/dashboard/{id}/items/1/properties/k{accepted}"),
                &value,
            )
            .await;
        if reply.status != StatusCode::CREATED {
            break reply;
        }
        accepted += 1;
        assert!(accepted < 10, "the budget never ran out");
    };
    assert_eq!(
        refusal.status,
        StatusCode::INSUFFICIENT_STORAGE,
        "{}",
        refusal.text
    );
    let again = bob
        .post(
            "/rest/api/3/dashboard",
            &json!({ "name": "More", "sharePermissions": [], "editPermissions": [] }),
        )
        .await;
    assert_eq!(again.status, StatusCode::INSUFFICIENT_STORAGE);
    // Reads keep working.
    let keys = bob
        .get(&format!("/rest/api/3/dashboard/{id}/items/1/properties"))
        .await;
    assert_eq!(keys.status, StatusCode::OK);
    assert_eq!(keys.body["keys"].as_array().map(Vec::len), Some(accepted));
    sim.shutdown().await;
}
