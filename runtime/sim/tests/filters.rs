//! Saved filters over a real socket: create, read, edit and delete as the owner,
//! the JQL checked by the simulator's parser, share permissions and who they
//! open a filter to, favourites and the owner's own list, the paginated search,
//! the JQL `filter` clause, every refusal Jira gives, the per-owner cap and
//! REST API v2. Answers are checked against the platform spec's schemas.

use crate::common;
use crate::contract::Contract;

use common::{ADMIN, OUTSIDER, USER, caller, start};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Jira's answer for a filter that does not exist or that the caller may not see.
const NOT_AVAILABLE: &str = "The selected filter is not available to you, perhaps it has been \
                             deleted or had its permissions changed.";

/// The simulator's bound on the filters one user owns.
const MAX_FILTERS_PER_OWNER: usize = 500;

/// Creates a filter as `who` and returns its id, asserting a 200 `Filter`.
async fn create(contract: &Contract, who: &common::Caller<'_>, body: Value) -> String {
    let reply = who.post("/rest/api/3/filter", &body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    contract.check_ref("POST /filter", "Filter", &reply.body);
    reply.str_at("/id")
}

/// Asserts `reply` is Jira's 400 for a filter that is not there.
fn assert_not_available(contract: &Contract, what: &str, reply: &common::Reply) {
    assert_eq!(
        reply.status,
        StatusCode::BAD_REQUEST,
        "{what}: {}",
        reply.text
    );
    contract.check_ref(what, "ErrorCollection", &reply.body);
    assert_eq!(reply.body["errorMessages"][0], NOT_AVAILABLE, "{what}");
}

/// The `name`s of a list of filters.
fn names(filters: &Value) -> Vec<String> {
    filters
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {filters}"))
        .iter()
        .map(|f| f["name"].as_str().expect("a name").to_owned())
        .collect()
}

#[tokio::test]
async fn a_filter_is_created_read_edited_and_deleted_by_its_owner() {
    let sim = start().await;
    let contract = Contract::new();
    let (alice, bob, carol) = (
        caller(&sim, ADMIN),
        caller(&sim, USER),
        caller(&sim, OUTSIDER),
    );
    let created = bob
        .post(
            "/rest/api/3/filter",
            &json!({
                "name": "Open Kiln work",
                "description": "What is left to do",
                "jql": "project = KILN AND status != Done",
            }),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    contract.check_ref("POST /filter", "Filter", &created.body);
    let id = created.str_at("/id");
    assert_eq!(id, "10000", "Jira numbers filters from 10000");
    let filter = &created.body;
    assert_eq!(filter["name"], "Open Kiln work");
    assert_eq!(filter["description"], "What is left to do");
    assert_eq!(filter["jql"], "project = KILN AND status != Done");
    assert_eq!(filter["owner"]["accountId"], common::account_id(&sim, USER));
    // As the spec says, a new filter is no favourite and is not shared.
    assert_eq!(filter["favourite"], false);
    assert_eq!(filter["favouritedCount"], 0);
    assert_eq!(filter["sharePermissions"], json!([]));
    assert_eq!(filter["editPermissions"], json!([]));
    assert_eq!(
        filter["self"],
        format!("{}/rest/api/3/filter/{id}", sim.base_url())
    );
    assert_eq!(
        filter["viewUrl"],
        format!("{}/issues/?filter={id}", sim.base_url())
    );
    assert_eq!(
        filter["searchUrl"],
        format!(
            "{}/rest/api/3/search?jql=project+%3D+KILN+AND+status+%21%3D+Done",
            sim.base_url()
        )
    );
    assert_eq!(filter["sharedUsers"]["items"], json!([]));

    let read = bob.get(&format!("/rest/api/3/filter/{id}")).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    contract.check_ref("GET /filter/{id}", "Filter", &read.body);
    assert_eq!(read.body, created.body);

    // Private: others (even a site admin) are told it is not there.
    for (who, what) in [(&carol, "Carol"), (&alice, "Alice")] {
        let hidden = who.get(&format!("/rest/api/3/filter/{id}")).await;
        assert_not_available(&contract, what, &hidden);
    }
    for missing in ["/rest/api/3/filter/99999", "/rest/api/3/filter/nope"] {
        assert_not_available(&contract, missing, &bob.get(missing).await);
    }

    // The owner edits: what the body gives replaces, the rest is kept.
    let edited = bob
        .put(
            &format!("/rest/api/3/filter/{id}"),
            &json!({ "name": "All Kiln work", "jql": "project = KILN" }),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.text);
    contract.check_ref("PUT /filter/{id}", "Filter", &edited.body);
    assert_eq!(edited.body["name"], "All Kiln work");
    assert_eq!(edited.body["jql"], "project = KILN");
    assert_eq!(edited.body["description"], "What is left to do");
    // A filter read back can be written back unchanged.
    let again = bob
        .put(&format!("/rest/api/3/filter/{id}"), &edited.body)
        .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert_eq!(again.body, edited.body);
    // A name is required on an edit too, as the spec's `Filter` says.
    let nameless = bob
        .put(&format!("/rest/api/3/filter/{id}"), &json!({ "jql": "" }))
        .await;
    assert_eq!(
        nameless.status,
        StatusCode::BAD_REQUEST,
        "{}",
        nameless.text
    );
    assert!(nameless.body["errors"]["filterName"].is_string());

    // Deleted: 204, then gone for its owner too.
    let deleted = bob.delete(&format!("/rest/api/3/filter/{id}")).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    assert!(deleted.text.is_empty());
    assert_not_available(
        &contract,
        "GET deleted",
        &bob.get(&format!("/rest/api/3/filter/{id}")).await,
    );
    assert_not_available(
        &contract,
        "DELETE deleted",
        &bob.delete(&format!("/rest/api/3/filter/{id}")).await,
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_bad_filter_is_refused_as_jira_refuses_it() {
    let sim = start().await;
    let contract = Contract::new();
    let (bob, carol) = (caller(&sim, USER), caller(&sim, OUTSIDER));
    let refused = |reply: &common::Reply, what: &str| {
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{what}: {}",
            reply.text
        );
        contract.check_ref(what, "ErrorCollection", &reply.body);
    };

    // The JQL is parsed and compiled as the owner would run it.
    let syntax = bob
        .post(
            "/rest/api/3/filter",
            &json!({ "name": "Broken", "jql": "project = KILN foo" }),
        )
        .await;
    refused(&syntax, "bad syntax");
    assert_eq!(
        syntax.body["errorMessages"][0],
        "Error in the JQL Query: Expecting either 'OR' or 'AND' but got 'foo'. (line 1, character 16)"
    );
    let unknown = bob
        .post(
            "/rest/api/3/filter",
            &json!({ "name": "Broken", "jql": "colour = red" }),
        )
        .await;
    refused(&unknown, "unknown field");
    assert_eq!(
        unknown.body["errorMessages"][0],
        "Field 'colour' does not exist or you do not have permission to view it."
    );
    // Carol cannot see SEC: to her it does not exist.
    let hidden = carol
        .post(
            "/rest/api/3/filter",
            &json!({ "name": "Secrets", "jql": "project = SEC" }),
        )
        .await;
    refused(&hidden, "hidden project");
    assert_eq!(
        hidden.body["errorMessages"][0],
        "The value 'SEC' does not exist for the field 'project'."
    );

    // The name: required, at most 255 characters, unique per owner.
    for body in [json!({ "jql": "" }), json!({ "name": "  " })] {
        let nameless = bob.post("/rest/api/3/filter", &body).await;
        refused(&nameless, "no name");
        assert_eq!(
            nameless.body["errors"]["filterName"],
            "You must specify a name to save this filter as."
        );
    }
    let long = bob
        .post("/rest/api/3/filter", &json!({ "name": "n".repeat(256) }))
        .await;
    refused(&long, "long name");
    assert!(long.body["errors"]["filterName"].is_string());
    create(&contract, &bob, json!({ "name": "Mine" })).await;
    let twice = bob
        .post("/rest/api/3/filter", &json!({ "name": "MINE" }))
        .await;
    refused(&twice, "same name");
    assert_eq!(
        twice.body["errors"]["filterName"],
        "Filter with same name already exists."
    );
    // Another owner may use the name.
    let carols = create(&contract, &carol, json!({ "name": "Mine" })).await;
    let read = carol.get(&format!("/rest/api/3/filter/{carols}")).await;
    // No JQL is the empty query.
    assert_eq!(read.body["jql"], "");

    let long_description = bob
        .post(
            "/rest/api/3/filter",
            &json!({ "name": "Described", "description": "d".repeat(4_001) }),
        )
        .await;
    refused(&long_description, "long description");
    let long_jql = bob
        .post(
            "/rest/api/3/filter",
            &json!({ "name": "Long", "jql": format!("summary ~ \"{}\"", "x".repeat(10_000)) }),
        )
        .await;
    refused(&long_jql, "long JQL");
    // Edit permissions are not modelled: refused, not ignored.
    let editors = bob
        .post(
            "/rest/api/3/filter",
            &json!({ "name": "Shared edit", "editPermissions": [{ "type": "loggedin" }] }),
        )
        .await;
    refused(&editors, "edit permissions");
    assert!(editors.text.contains("not modelled"), "{}", editors.text);
    let unreadable = bob
        .request(reqwest::Method::POST, "/rest/api/3/filter")
        .header("content-type", "application/json")
        .body("{nope")
        .send()
        .await
        .expect("sent");
    assert_eq!(unreadable.status(), StatusCode::BAD_REQUEST);
    sim.shutdown().await;
}

#[tokio::test]
async fn share_permissions_open_a_filter_to_whom_they_name() {
    let sim = start().await;
    let contract = Contract::new();
    let (alice, bob, carol) = (
        caller(&sim, ADMIN),
        caller(&sim, USER),
        caller(&sim, OUTSIDER),
    );
    let carol_id = common::account_id(&sim, OUTSIDER);
    let refused = |reply: &common::Reply, what: &str, says: &str| {
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{what}: {}",
            reply.text
        );
        contract.check_ref(what, "ErrorCollection", &reply.body);
        assert!(reply.text.contains(says), "{what}: {}", reply.text);
    };

    // KILN (10000) is browsable by Carol, SEC (10001) is not.
    let kiln = create(
        &contract,
        &bob,
        json!({ "name": "Kiln", "sharePermissions": [{ "type": "project", "project": { "id": "10000" } }] }),
    )
    .await;
    let seen = carol.get(&format!("/rest/api/3/filter/{kiln}")).await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.text);
    contract.check_ref("GET shared by project", "Filter", &seen.body);
    let share = &seen.body["sharePermissions"][0];
    assert_eq!(share["type"], "project");
    assert_eq!(share["project"]["key"], "KILN");
    assert!(share["id"].is_u64(), "{share}");

    let sec = create(
        &contract,
        &bob,
        json!({ "name": "Sec", "sharePermissions": [{ "type": "project", "project": { "id": 10001 } }] }),
    )
    .await;
    assert_not_available(
        &contract,
        "project Carol cannot browse",
        &carol.get(&format!("/rest/api/3/filter/{sec}")).await,
    );
    assert_eq!(
        alice.get(&format!("/rest/api/3/filter/{sec}")).await.status,
        StatusCode::OK
    );

    // Shared with Carol herself, and with SEC: she sees it, and SEC as a
    // project unknown to her.
    let to_carol = create(
        &contract,
        &bob,
        json!({ "name": "For Carol", "sharePermissions": [
            { "type": "user", "user": { "accountId": carol_id } },
            { "type": "project", "project": { "id": "10001" } },
        ] }),
    )
    .await;
    let for_carol = carol.get(&format!("/rest/api/3/filter/{to_carol}")).await;
    assert_eq!(for_carol.status, StatusCode::OK, "{}", for_carol.text);
    contract.check_ref("GET shared with a user", "Filter", &for_carol.body);
    let shares = for_carol.body["sharePermissions"]
        .as_array()
        .expect("shares");
    assert_eq!(shares[0]["type"], "user");
    assert_eq!(shares[0]["user"]["accountId"], carol_id);
    assert_eq!(shares[1]["type"], "project-unknown");
    assert!(shares[1].get("project").is_none(), "{}", shares[1]);
    let for_bob = bob.get(&format!("/rest/api/3/filter/{to_carol}")).await;
    assert_eq!(for_bob.body["sharePermissions"][1]["project"]["key"], "SEC");
    // Alice browses SEC: the project share opens it to her.
    assert_eq!(
        alice
            .get(&format!("/rest/api/3/filter/{to_carol}"))
            .await
            .status,
        StatusCode::OK
    );

    // `authenticated` reads back as `loggedin`, overrides the others, and the
    // answer can be written back.
    let everyone = bob
        .post(
            "/rest/api/3/filter",
            &json!({ "name": "Everyone", "sharePermissions": [
                { "type": "user", "user": { "accountId": carol_id } },
                { "type": "authenticated" },
            ] }),
        )
        .await;
    assert_eq!(everyone.status, StatusCode::OK, "{}", everyone.text);
    let shares = everyone.body["sharePermissions"]
        .as_array()
        .expect("shares");
    assert_eq!(shares.len(), 1, "{shares:?}");
    assert_eq!(shares[0]["type"], "loggedin");
    let everyone_id = everyone.str_at("/id");
    let written_back = bob
        .put(&format!("/rest/api/3/filter/{everyone_id}"), &everyone.body)
        .await;
    assert_eq!(written_back.status, StatusCode::OK, "{}", written_back.text);
    assert_eq!(written_back.body["sharePermissions"][0]["type"], "loggedin");
    assert_eq!(
        carol
            .get(&format!("/rest/api/3/filter/{everyone_id}"))
            .await
            .status,
        StatusCode::OK
    );
    let global = create(
        &contract,
        &bob,
        json!({ "name": "Public", "sharePermissions": [{ "type": "global" }, { "type": "authenticated" }] }),
    )
    .await;
    let public = carol.get(&format!("/rest/api/3/filter/{global}")).await;
    assert_eq!(
        public.body["sharePermissions"],
        json!([{ "id": public.body["sharePermissions"][0]["id"], "type": "global" }])
    );

    // `sharedUsers` lists who it is shared with, on request.
    let expanded = bob
        .get(&format!("/rest/api/3/filter/{kiln}?expand=sharedUsers"))
        .await;
    contract.check_ref("GET ?expand=sharedUsers", "Filter", &expanded.body);
    let shared_with: Vec<&str> = expanded.body["sharedUsers"]["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|u| u["displayName"].as_str())
        .collect();
    assert_eq!(shared_with, ["Alice Admin", "Bob User", "Carol Outsider"]);
    assert_eq!(expanded.body["sharedUsers"]["size"], 3);
    let unexpanded = bob.get(&format!("/rest/api/3/filter/{sec}")).await;
    assert_eq!(unexpanded.body["sharedUsers"]["size"], 2);
    assert_eq!(unexpanded.body["sharedUsers"]["items"], json!([]));

    // What the simulator cannot model is refused, saying so.
    for (share, says) in [
        (
            json!({ "type": "group", "group": { "name": "jira-users" } }),
            "not modelled",
        ),
        (
            json!({ "type": "projectRole", "project": { "id": "10000" }, "role": { "id": 10002 } }),
            "not modelled",
        ),
        (
            json!({ "type": "project", "project": { "id": "10000" }, "role": { "id": 10002 } }),
            "not modelled",
        ),
        (json!({ "type": "project-unknown" }), "cannot be set"),
        (
            json!({ "type": "galaxy" }),
            "not a valid share permission type",
        ),
        (json!({}), "must have a 'type'"),
        (json!({ "type": "project" }), "project.id"),
        (json!({ "type": "user", "user": {} }), "user.accountId"),
        (
            json!({ "type": "user", "user": { "accountId": "nobody" } }),
            "does not exist",
        ),
        (
            json!({ "type": "project", "project": { "id": "99999" } }),
            "does not exist",
        ),
    ] {
        let reply = bob
            .post(
                "/rest/api/3/filter",
                &json!({ "name": "Refused", "sharePermissions": [share.clone()] }),
            )
            .await;
        refused(&reply, &share.to_string(), says);
    }
    // Carol cannot share with a project she cannot browse: to her it does not exist.
    let reply = carol
        .post(
            "/rest/api/3/filter",
            &json!({ "name": "Sec", "sharePermissions": [{ "type": "project", "project": { "id": "10001" } }] }),
        )
        .await;
    refused(&reply, "Carol shares SEC", "does not exist");
    sim.shutdown().await;
}

#[tokio::test]
async fn only_the_owner_edits_and_the_owner_or_an_admin_deletes() {
    let sim = start().await;
    let contract = Contract::new();
    let (alice, bob, carol) = (
        caller(&sim, ADMIN),
        caller(&sim, USER),
        caller(&sim, OUTSIDER),
    );
    let shared = create(
        &contract,
        &bob,
        json!({ "name": "Shared", "jql": "project = KILN", "sharePermissions": [{ "type": "authenticated" }] }),
    )
    .await;
    let private = create(&contract, &bob, json!({ "name": "Private" })).await;

    // Carol sees the shared filter, but may not edit it (400: the spec has no
    // 403) nor delete it (the spec's 401).
    let edit = carol
        .put(
            &format!("/rest/api/3/filter/{shared}"),
            &json!({ "name": "Carol's now" }),
        )
        .await;
    assert_eq!(edit.status, StatusCode::BAD_REQUEST, "{}", edit.text);
    contract.check_ref("PUT by another", "ErrorCollection", &edit.body);
    assert_eq!(
        edit.body["errorMessages"][0],
        "Only the owner of a filter may edit it."
    );
    let delete = carol.delete(&format!("/rest/api/3/filter/{shared}")).await;
    assert_eq!(delete.status, StatusCode::UNAUTHORIZED, "{}", delete.text);
    contract.check_ref("DELETE by another", "ErrorCollection", &delete.body);
    // A filter she cannot see is simply not there.
    assert_not_available(
        &contract,
        "DELETE unseen",
        &carol.delete(&format!("/rest/api/3/filter/{private}")).await,
    );
    assert_not_available(
        &contract,
        "PUT unseen",
        &carol
            .put(
                &format!("/rest/api/3/filter/{private}"),
                &json!({ "name": "x" }),
            )
            .await,
    );
    // A site admin (Administer Jira) may delete any filter, but edits none.
    let admin_edit = alice
        .put(
            &format!("/rest/api/3/filter/{shared}"),
            &json!({ "name": "Alice's now" }),
        )
        .await;
    assert_eq!(admin_edit.status, StatusCode::BAD_REQUEST);
    for id in [&shared, &private] {
        let deleted = alice.delete(&format!("/rest/api/3/filter/{id}")).await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    }
    let mine = bob.get("/rest/api/3/filter/my").await;
    assert_eq!(mine.body, json!([]));
    sim.shutdown().await;
}

#[tokio::test]
async fn favourites_and_my_filters_follow_what_the_user_may_see() {
    let sim = start().await;
    let contract = Contract::new();
    let (bob, carol) = (caller(&sim, USER), caller(&sim, OUTSIDER));
    let list = |reply: &common::Reply, what: &str| -> Value {
        assert_eq!(reply.status, StatusCode::OK, "{what}: {}", reply.text);
        contract.check(
            what,
            json!({ "type": "array", "items": { "$ref": "#/components/schemas/Filter" } }),
            &reply.body,
        );
        reply.body.clone()
    };
    // `favourite: true` in the body marks it for its creator.
    let favoured = bob
        .post(
            "/rest/api/3/filter",
            &json!({ "name": "b favoured", "favourite": true }),
        )
        .await;
    assert_eq!(favoured.body["favourite"], true);
    assert_eq!(favoured.body["favouritedCount"], 1);
    let shared = create(
        &contract,
        &bob,
        json!({ "name": "a shared", "sharePermissions": [{ "type": "authenticated" }] }),
    )
    .await;
    create(&contract, &carol, json!({ "name": "Carol's" })).await;

    // Mine: owned, in name order; favourites of others only when asked.
    let mine = list(&bob.get("/rest/api/3/filter/my").await, "GET /filter/my");
    assert_eq!(names(&mine), ["a shared", "b favoured"]);
    assert_eq!(
        names(&list(
            &bob.get("/rest/api/3/filter/favourite").await,
            "favourites"
        )),
        ["b favoured"]
    );

    // Carol marks Bob's shared filter; marking twice changes nothing.
    for _ in 0..2 {
        let marked = carol
            .put(
                &format!("/rest/api/3/filter/{shared}/favourite"),
                &Value::Null,
            )
            .await;
        assert_eq!(marked.status, StatusCode::OK, "{}", marked.text);
        contract.check_ref("PUT /filter/{id}/favourite", "Filter", &marked.body);
        assert_eq!(marked.body["favourite"], true);
        assert_eq!(marked.body["favouritedCount"], 1);
    }
    // Bob sees the count, not Carol's mark as his.
    let for_bob = bob.get(&format!("/rest/api/3/filter/{shared}")).await;
    assert_eq!(for_bob.body["favourite"], false);
    assert_eq!(for_bob.body["favouritedCount"], 1);
    assert_eq!(
        names(&list(
            &carol.get("/rest/api/3/filter/favourite").await,
            "favourites"
        )),
        ["a shared"]
    );
    assert_eq!(
        names(&list(&carol.get("/rest/api/3/filter/my").await, "my")),
        ["Carol's"]
    );
    assert_eq!(
        names(&list(
            &carol
                .get("/rest/api/3/filter/my?includeFavourites=true")
                .await,
            "my with favourites"
        )),
        ["a shared", "Carol's"]
    );

    // Made private, it drops out of Carol's favourites, and she can no
    // longer mark or unmark it (400, as the spec says).
    let unshared = bob
        .put(
            &format!("/rest/api/3/filter/{shared}"),
            &json!({ "name": "a shared", "sharePermissions": [] }),
        )
        .await;
    assert_eq!(unshared.status, StatusCode::OK, "{}", unshared.text);
    assert_eq!(
        carol.get("/rest/api/3/filter/favourite").await.body,
        json!([])
    );
    assert_not_available(
        &contract,
        "unmark unseen",
        &carol
            .delete(&format!("/rest/api/3/filter/{shared}/favourite"))
            .await,
    );
    // Shared again, her mark is still there; she takes it back.
    bob.put(
        &format!("/rest/api/3/filter/{shared}"),
        &json!({ "name": "a shared", "sharePermissions": [{ "type": "global" }] }),
    )
    .await;
    let unmarked = carol
        .delete(&format!("/rest/api/3/filter/{shared}/favourite"))
        .await;
    assert_eq!(unmarked.status, StatusCode::OK, "{}", unmarked.text);
    contract.check_ref("DELETE /filter/{id}/favourite", "Filter", &unmarked.body);
    assert_eq!(unmarked.body["favourite"], false);
    assert_eq!(unmarked.body["favouritedCount"], 0);
    assert_not_available(
        &contract,
        "mark missing",
        &carol
            .put("/rest/api/3/filter/99999/favourite", &Value::Null)
            .await,
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn the_filter_search_narrows_orders_pages_and_expands() {
    let sim = start().await;
    let contract = Contract::new();
    let (bob, carol) = (caller(&sim, USER), caller(&sim, OUTSIDER));
    let bob_id = common::account_id(&sim, USER);
    let kiln_share = json!([{ "type": "project", "project": { "id": "10000" } }]);
    let open = create(
        &contract,
        &bob,
        json!({ "name": "Open bugs", "jql": "issuetype = Bug", "sharePermissions": kiln_share }),
    )
    .await;
    let closed = create(
        &contract,
        &bob,
        json!({ "name": "Closed work", "description": "done", "favourite": true, "sharePermissions": [{ "type": "authenticated" }] }),
    )
    .await;
    create(&contract, &bob, json!({ "name": "Bob's private" })).await;
    create(&contract, &carol, json!({ "name": "Carol's open items" })).await;
    let page = |reply: &common::Reply, what: &str| -> Vec<String> {
        assert_eq!(reply.status, StatusCode::OK, "{what}: {}", reply.text);
        contract.check_ref(what, "PageBeanFilterDetails", &reply.body);
        names(&reply.body["values"])
    };
    // Carol sees her own and the two Bob shared, by name.
    let all = carol.get("/rest/api/3/filter/search").await;
    assert_eq!(
        page(&all, "all"),
        ["Carol's open items", "Closed work", "Open bugs"]
    );
    // Without `expand`: `expand`, `self`, `id` and `name` only.
    let first = all.body["values"][1].as_object().expect("a filter");
    let mut keys: Vec<&str> = first.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["expand", "id", "name", "self"]);
    assert_eq!(all.body["total"], 3);
    assert_eq!(all.body["isLast"], true);

    let by_owner = format!("?accountId={bob_id}");
    let by_id = format!("?id={open}&id={closed}&id=99999");
    let narrowed = [
        ("?filterName=open", vec!["Carol's open items", "Open bugs"]),
        (
            "?filterName=pen&isSubstringMatch=true",
            vec!["Carol's open items", "Open bugs"],
        ),
        ("?filterName=pen", vec![]),
        (by_owner.as_str(), vec!["Closed work", "Open bugs"]),
        (by_id.as_str(), vec!["Closed work", "Open bugs"]),
        ("?projectId=10000", vec!["Open bugs"]),
        ("?groupname=jira-users", vec![]),
        (
            "?orderBy=-name",
            vec!["Open bugs", "Closed work", "Carol's open items"],
        ),
        (
            "?orderBy=id",
            vec!["Open bugs", "Closed work", "Carol's open items"],
        ),
        // Ties in id order.
        (
            "?orderBy=-favourite_count",
            vec!["Closed work", "Open bugs", "Carol's open items"],
        ),
        (
            "?orderBy=%2Bis_shared",
            vec!["Carol's open items", "Open bugs", "Closed work"],
        ),
    ];
    for (query, expected) in narrowed {
        let reply = carol
            .get(&format!("/rest/api/3/filter/search{query}"))
            .await;
        assert_eq!(page(&reply, query), expected, "{query}");
    }

    // Paged: one at a time, with a link to the next page.
    let one = carol.get("/rest/api/3/filter/search?maxResults=1").await;
    assert_eq!(page(&one, "maxResults=1"), ["Carol's open items"]);
    assert_eq!(one.body["isLast"], false);
    assert!(
        one.body["nextPage"]
            .as_str()
            .is_some_and(|n| n.contains("startAt=1"))
    );
    let last = carol
        .get("/rest/api/3/filter/search?maxResults=1&startAt=2")
        .await;
    assert_eq!(page(&last, "startAt=2"), ["Open bugs"]);
    assert_eq!(last.body["isLast"], true);

    // Expanded, each field the spec's `FilterDetails` has.
    let expanded = bob
        .get(&format!(
            "/rest/api/3/filter/search?id={closed}&expand=description,owner,jql,searchUrl,viewUrl,\
             favourite,favouritedCount,sharePermissions,editPermissions,isWritable,\
             approximateLastUsed,subscriptions"
        ))
        .await;
    page(&expanded, "expanded");
    let details = &expanded.body["values"][0];
    assert_eq!(details["description"], "done");
    assert_eq!(details["owner"]["accountId"], bob_id);
    assert_eq!(details["jql"], "");
    assert_eq!(details["favourite"], true);
    assert_eq!(details["favouritedCount"], 1);
    assert_eq!(details["sharePermissions"][0]["type"], "loggedin");
    assert_eq!(details["subscriptions"], json!([]));
    assert!(details["viewUrl"].is_string() && details["searchUrl"].is_string());

    // The spec's 400s.
    for query in [
        "?orderBy=colour",
        "?expand=colour",
        "?owner=bob",
        "?owner=bob&accountId=x",
        "?groupname=a&groupId=b",
        "?startAt=-1",
        "?projectId=KILN",
    ] {
        let reply = carol
            .get(&format!("/rest/api/3/filter/search{query}"))
            .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{query}: {}",
            reply.text
        );
        contract.check_ref(query, "ErrorCollection", &reply.body);
    }
    let too_many: String = (0..=200).map(|n| format!("id={n}&")).collect();
    let reply = carol
        .get(&format!("/rest/api/3/filter/search?{too_many}"))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    sim.shutdown().await;
}

/// The keys `jql` finds for `who`, through the enhanced search.
async fn found(who: &common::Caller<'_>, jql: &str) -> common::Reply {
    who.get_with(
        "/rest/api/3/search/jql",
        &[("jql", jql), ("fields", "key"), ("maxResults", "100")],
    )
    .await
}

fn keys_of(reply: &common::Reply) -> Vec<String> {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body["issues"]
        .as_array()
        .expect("issues")
        .iter()
        .map(|i| i["key"].as_str().expect("a key").to_owned())
        .collect()
}

#[tokio::test]
async fn the_jql_filter_clause_searches_with_a_saved_filter() {
    let sim = start().await;
    let contract = Contract::new();
    let (bob, carol) = (caller(&sim, USER), caller(&sim, OUTSIDER));
    let docs = create(
        &contract,
        &bob,
        json!({ "name": "Docs work", "jql": "labels = docs ORDER BY key", "sharePermissions": [{ "type": "authenticated" }] }),
    )
    .await;
    let private = create(
        &contract,
        &bob,
        json!({ "name": "Bob only", "jql": "project = SEC" }),
    )
    .await;
    let direct = keys_of(&found(&bob, "labels = docs").await);
    assert!(!direct.is_empty());
    for jql in [
        format!("filter = {docs}"),
        String::from("filter = \"docs work\""),
        format!("filter in ({docs}, {private}) AND labels = docs"),
    ] {
        assert_eq!(keys_of(&found(&bob, &jql).await), direct, "{jql}");
    }
    // Carol may use the shared filter, and it runs as her search: SEC's
    // issues stay hidden whatever the filter says.
    assert_eq!(
        keys_of(&found(&carol, &format!("filter = {docs}")).await),
        direct
    );
    let not_docs = keys_of(&found(&carol, &format!("project = KILN AND filter != {docs}")).await);
    assert!(
        not_docs
            .iter()
            .all(|k| !direct.contains(k) && k.starts_with("KILN-"))
    );
    // Bob's private filter does not exist for her.
    let hidden = found(&carol, &format!("filter = {private}")).await;
    assert_eq!(hidden.status, StatusCode::BAD_REQUEST, "{}", hidden.text);
    contract.check_ref("hidden filter", "ErrorCollection", &hidden.body);
    assert_eq!(
        hidden.body["errorMessages"][0],
        format!("A value with ID '{private}' does not exist for the field 'filter'.")
    );

    // A filter may name other filters, but not reach itself.
    let via = create(
        &contract,
        &bob,
        json!({ "name": "Via", "jql": format!("filter = {docs}") }),
    )
    .await;
    assert_eq!(
        keys_of(&found(&bob, &format!("filter = {via}")).await),
        direct
    );
    let cycle = bob
        .put(
            &format!("/rest/api/3/filter/{docs}"),
            &json!({ "name": "Docs work", "jql": format!("filter = {via}") }),
        )
        .await;
    assert_eq!(cycle.status, StatusCode::BAD_REQUEST, "{}", cycle.text);
    assert!(
        cycle.body["errorMessages"][0]
            .as_str()
            .is_some_and(|m| m.contains("causes a cycle")),
        "{}",
        cycle.text
    );
    // Deleting a filter breaks the filters that name it, as in Jira.
    assert_eq!(
        bob.delete(&format!("/rest/api/3/filter/{docs}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        found(&bob, &format!("filter = {via}")).await.status,
        StatusCode::BAD_REQUEST
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_user_owns_a_bounded_number_of_filters() {
    let sim = start().await;
    let contract = Contract::new();
    let carol = caller(&sim, OUTSIDER);
    for n in 0..MAX_FILTERS_PER_OWNER {
        let reply = carol
            .post(
                "/rest/api/3/filter",
                &json!({ "name": format!("Filter {n}") }),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{n}: {}", reply.text);
    }
    let over = carol
        .post("/rest/api/3/filter", &json!({ "name": "One too many" }))
        .await;
    assert_eq!(over.status, StatusCode::BAD_REQUEST, "{}", over.text);
    contract.check_ref("over the cap", "ErrorCollection", &over.body);
    // Another user is not held back by Carol's filters.
    create(&contract, &caller(&sim, USER), json!({ "name": "Bob's" })).await;
    // Deleting one makes room.
    let mine = carol.get("/rest/api/3/filter/my").await;
    let id = mine.str_at("/0/id");
    assert_eq!(
        carol
            .delete(&format!("/rest/api/3/filter/{id}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    create(&contract, &carol, json!({ "name": "One too many" })).await;
    sim.shutdown().await;
}

#[tokio::test]
async fn filters_are_served_under_rest_api_v2() {
    let sim = start().await;
    let contract = Contract::new();
    let bob = caller(&sim, USER);
    let created = bob
        .post(
            "/rest/api/2/filter",
            &json!({ "name": "Through v2", "description": "plain *text*", "jql": "project = KILN" }),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    contract.check_ref("POST v2", "Filter", &created.body);
    let id = created.str_at("/id");
    assert_eq!(
        created.body["self"],
        format!("{}/rest/api/2/filter/{id}", sim.base_url())
    );
    // A description is plain text in both versions.
    assert_eq!(created.body["description"], "plain *text*");
    let v3 = bob.get(&format!("/rest/api/3/filter/{id}")).await;
    assert_eq!(v3.body["description"], "plain *text*");
    let searched = bob.get("/rest/api/2/filter/search?expand=jql").await;
    contract.check_ref("GET v2 search", "PageBeanFilterDetails", &searched.body);
    assert!(
        searched
            .str_at("/values/0/self")
            .contains("/rest/api/2/filter/"),
        "{}",
        searched.text
    );
    sim.shutdown().await;
}
