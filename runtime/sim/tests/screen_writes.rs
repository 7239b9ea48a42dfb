//! Screen configuration writes (issue 18): screens created, renamed and
//! deleted; their tabs added, renamed, moved and deleted; fields moved on a
//! tab; screen schemes listed, created, updated and deleted. Each over HTTP
//! as an app calls them, with Jira's refusals (`403` for a non-admin, `400`
//! for a duplicate or a bad body, `404` for an unknown id), and each write
//! read back: by the screen reads, by `GET /field/{id}/screens`, and, through
//! the Default Screen Scheme, by the create and edit metadata and the issue
//! create and edit checks.

use crate::common;
use crate::contract::Contract;

use common::{ADMIN, USER, caller};
use kiln_sim::Simulator;
use reqwest::StatusCode;
use serde_json::{Value, json};

const FIELD_TAB: &str = "/rest/api/3/screens/1/tabs/10000/fields";
const CREATE_META: &str = "/rest/api/3/issue/createmeta/KILN/issuetypes/10001";
const SCREENS_403: &str = "Only Jira administrators can manage screens.";
const SCHEMES_403: &str = "Only Jira administrators can access screen schemes.";

/// Asserts `reply` is `status` with `message` as its one error message.
pub(crate) fn assert_refused(reply: &common::Reply, status: StatusCode, message: &str) {
    assert_eq!(reply.status, status, "{}", reply.text);
    assert_eq!(
        reply.body,
        json!({ "errorMessages": [message], "errors": {} }),
        "{}",
        reply.text
    );
}

/// The `key` of each item of an array.
pub(crate) fn listed(items: &Value, key: &str) -> Vec<Value> {
    items
        .as_array()
        .unwrap_or_else(|| panic!("an array: {items}"))
        .iter()
        .map(|item| item[key].clone())
        .collect()
}

/// Creates a screen as the admin; its id.
async fn new_screen(sim: &Simulator, name: &str) -> u64 {
    let reply = caller(sim, ADMIN)
        .post("/rest/api/3/screens", &json!({ "name": name }))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    reply.body["id"].as_u64().expect("a screen id")
}

/// The field ids a tab holds, in order.
async fn tab_fields(sim: &Simulator, screen: u64, tab: u64) -> Vec<Value> {
    let reply = caller(sim, ADMIN)
        .get(&format!("/rest/api/3/screens/{screen}/tabs/{tab}/fields"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    listed(&reply.body, "id")
}

/// The field ids KILN's task createmeta lists.
async fn create_meta_ids(sim: &Simulator) -> Vec<Value> {
    let meta = caller(sim, USER).get(CREATE_META).await;
    assert_eq!(meta.status, StatusCode::OK, "{}", meta.text);
    listed(&meta.body["fields"], "fieldId")
}

/// The field ids KILN-1's editmeta lists.
async fn edit_meta_ids(sim: &Simulator) -> Vec<String> {
    let meta = caller(sim, USER)
        .get("/rest/api/3/issue/KILN-1/editmeta")
        .await;
    assert_eq!(meta.status, StatusCode::OK, "{}", meta.text);
    meta.body["fields"]
        .as_object()
        .expect("fields by id")
        .keys()
        .cloned()
        .collect()
}

#[tokio::test]
async fn a_screen_is_created_renamed_and_deleted() {
    let sim = common::start().await;
    let alice = caller(&sim, ADMIN);
    let contract = Contract::new();

    let created = alice
        .post(
            "/rest/api/3/screens",
            &json!({ "name": "Resolve Security Issue Screen", "description": "Resolution." }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    contract.check_ref("POST /screens", "Screen", &created.body);
    assert_eq!(
        created.body,
        json!({ "id": 10000, "name": "Resolve Security Issue Screen", "description": "Resolution." })
    );
    // Listed, with the one empty tab Jira gives a new screen.
    let found = alice.get("/rest/api/3/screens?id=10000").await;
    assert_eq!(found.body["values"], json!([created.body.clone()]));
    let tabs = alice.get("/rest/api/3/screens/10000/tabs").await;
    assert_eq!(tabs.body, json!([{ "id": 10001, "name": "Field Tab" }]));
    assert_eq!(tab_fields(&sim, 10000, 10001).await, Vec::<Value>::new());

    // Names are unique (whatever their case), required and bounded; the body
    // is a `ScreenDetails`.
    let taken = alice
        .post("/rest/api/3/screens", &json!({ "name": "default SCREEN" }))
        .await;
    assert_refused(
        &taken,
        StatusCode::BAD_REQUEST,
        "The name is used by another screen.",
    );
    for body in [
        json!({ "description": "no name" }),
        json!({ "name": "  " }),
        json!({ "name": "x".repeat(256) }),
        json!({ "name": "ok", "description": "d".repeat(256) }),
        json!({ "name": "ok", "scope": { "type": "PROJECT" } }),
        json!(["not", "an", "object"]),
    ] {
        let refused = alice.post("/rest/api/3/screens", &body).await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            refused.text
        );
    }
    let at_limit = alice
        .post("/rest/api/3/screens", &json!({ "name": "n".repeat(255) }))
        .await;
    assert_eq!(at_limit.status, StatusCode::CREATED, "{}", at_limit.text);

    // Renamed: the answer and the list show it; a property left out stays.
    let renamed = alice
        .put(
            "/rest/api/3/screens/10000",
            &json!({ "name": "Resolve Accessibility Issue Screen" }),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);
    contract.check_ref("PUT /screens/{id}", "Screen", &renamed.body);
    assert_eq!(
        renamed.body,
        json!({ "id": 10000, "name": "Resolve Accessibility Issue Screen", "description": "Resolution." })
    );
    let by_name = alice
        .get("/rest/api/3/screens?queryString=accessibility")
        .await;
    assert_eq!(listed(&by_name.body["values"], "id"), [json!(10000)]);
    // Its own name again is no clash; another screen's is.
    let same = alice
        .put(
            "/rest/api/3/screens/10000",
            &json!({ "name": "resolve accessibility issue screen" }),
        )
        .await;
    assert_eq!(same.status, StatusCode::OK, "{}", same.text);
    let clash = alice
        .put(
            "/rest/api/3/screens/10000",
            &json!({ "name": "Default Screen" }),
        )
        .await;
    assert_refused(
        &clash,
        StatusCode::BAD_REQUEST,
        "The name is used by another screen.",
    );
    for unknown in ["/rest/api/3/screens/99", "/rest/api/3/screens/x"] {
        let missing = alice.put(unknown, &json!({ "name": "Any" })).await;
        assert_refused(&missing, StatusCode::NOT_FOUND, "The screen was not found.");
    }

    // Only an admin writes screens.
    let bob = caller(&sim, USER);
    let refusals = [
        bob.post("/rest/api/3/screens", &json!({ "name": "Bob's" }))
            .await,
        bob.put("/rest/api/3/screens/10000", &json!({ "name": "Bob's" }))
            .await,
        bob.delete("/rest/api/3/screens/10000").await,
    ];
    for refused in &refusals {
        assert_refused(refused, StatusCode::FORBIDDEN, SCREENS_403);
    }

    // The Default Screen is in the Default Screen Scheme: it stays.
    let in_use = alice.delete("/rest/api/3/screens/1").await;
    assert_refused(
        &in_use,
        StatusCode::BAD_REQUEST,
        "The screen is used in a screen scheme.",
    );
    let deleted = alice.delete("/rest/api/3/screens/10000").await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    let gone = alice.get("/rest/api/3/screens?id=10000").await;
    assert_eq!(gone.body["total"], 0);
    let again = alice.delete("/rest/api/3/screens/10000").await;
    assert_refused(&again, StatusCode::NOT_FOUND, "The screen was not found.");
    let tabs = alice.get("/rest/api/3/screens/10000/tabs").await;
    assert_eq!(tabs.status, StatusCode::NOT_FOUND, "{}", tabs.text);
    // Ids are not reused.
    assert_eq!(new_screen(&sim, "Next").await, 10_002);
}

#[tokio::test]
async fn tabs_are_added_renamed_moved_and_deleted() {
    let sim = common::start().await;
    let alice = caller(&sim, ADMIN);
    let contract = Contract::new();
    let screen = new_screen(&sim, "Tabbed").await;
    let tabs_path = format!("/rest/api/3/screens/{screen}/tabs");

    let added = alice.post(&tabs_path, &json!({ "name": "Details" })).await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.text);
    contract.check_ref("POST tabs", "ScreenableTab", &added.body);
    assert_eq!(added.body, json!({ "id": 10002, "name": "Details" }));
    // `id` is read-only: given, it is ignored.
    let third = alice
        .post(&tabs_path, &json!({ "id": 1, "name": "Dates" }))
        .await;
    assert_eq!(third.body, json!({ "id": 10003, "name": "Dates" }));
    let names = |body: &Value| listed(body, "name");
    assert_eq!(
        names(&alice.get(&tabs_path).await.body),
        [json!("Field Tab"), json!("Details"), json!("Dates")]
    );
    for body in [
        json!({ "name": "details" }),
        json!({ "name": "" }),
        json!({}),
        json!({ "name": "t".repeat(256) }),
        json!({ "name": "ok", "fields": [] }),
    ] {
        let refused = alice.post(&tabs_path, &body).await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            refused.text
        );
    }
    let unknown = alice
        .post("/rest/api/3/screens/99/tabs", &json!({ "name": "Lost" }))
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.text);

    // Renamed, and moved to the front.
    let renamed = alice
        .put(
            &format!("{tabs_path}/10002"),
            &json!({ "name": "More details" }),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);
    assert_eq!(renamed.body, json!({ "id": 10002, "name": "More details" }));
    let clash = alice
        .put(&format!("{tabs_path}/10002"), &json!({ "name": "DATES" }))
        .await;
    assert_eq!(clash.status, StatusCode::BAD_REQUEST, "{}", clash.text);
    let moved = alice
        .post(&format!("{tabs_path}/10003/move/0"), &json!({}))
        .await;
    assert_eq!(moved.status, StatusCode::NO_CONTENT, "{}", moved.text);
    assert_eq!(
        names(&alice.get(&tabs_path).await.body),
        [json!("Dates"), json!("Field Tab"), json!("More details")]
    );
    for pos in ["3", "-1", "x", "99999999999"] {
        let bad = alice
            .post(&format!("{tabs_path}/10003/move/{pos}"), &json!({}))
            .await;
        assert_eq!(bad.status, StatusCode::NOT_FOUND, "{pos}: {}", bad.text);
    }
    let no_tab = alice
        .put(
            &format!("{tabs_path}/10000"),
            &json!({ "name": "Not mine" }),
        )
        .await;
    assert_refused(
        &no_tab,
        StatusCode::NOT_FOUND,
        "The screen tab was not found.",
    );

    // getBulkScreenTabs: the named screens' tabs, optionally only named tabs.
    let bulk = alice
        .get(&format!(
            "/rest/api/3/screens/tabs?screenId={screen}&screenId=1"
        ))
        .await;
    assert_eq!(bulk.status, StatusCode::OK, "{}", bulk.text);
    assert_eq!(bulk.body["total"], 4);
    assert_eq!(
        bulk.body["values"][0],
        json!({ "screenId": 1, "tabId": 10000, "tabName": "Field Tab" })
    );
    assert_eq!(
        bulk.body["values"][1],
        json!({ "screenId": screen, "tabId": 10003, "tabName": "Dates" })
    );
    let only = alice
        .get(&format!(
            "/rest/api/3/screens/tabs?screenId={screen}&tabId=10002&maxResult=1"
        ))
        .await;
    assert_eq!(
        only.body["values"],
        json!([{ "screenId": screen, "tabId": 10002, "tabName": "More details" }])
    );
    assert_eq!(only.body["maxResults"], 1);
    for query in ["", "?tabId=10000", "?screenId=one"] {
        let bad = alice.get(&format!("/rest/api/3/screens/tabs{query}")).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{query}: {}", bad.text);
    }

    // Deleted, down to one tab, which stays.
    for tab in [10003, 10001] {
        let deleted = alice.delete(&format!("{tabs_path}/{tab}")).await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    }
    let last = alice.delete(&format!("{tabs_path}/10002")).await;
    assert_refused(
        &last,
        StatusCode::BAD_REQUEST,
        "A screen must have at least one tab.",
    );
    assert_eq!(
        alice.get(&tabs_path).await.body,
        json!([{ "id": 10002, "name": "More details" }])
    );
    // The Default Screen's tab holds the summary: it stays, even beside another.
    let extra = alice
        .post("/rest/api/3/screens/1/tabs", &json!({ "name": "Extra" }))
        .await;
    assert_eq!(extra.status, StatusCode::OK, "{}", extra.text);
    let required = alice.delete("/rest/api/3/screens/1/tabs/10000").await;
    assert_refused(
        &required,
        StatusCode::BAD_REQUEST,
        "The field 'summary' is required and can't be removed from the screen.",
    );

    // Only an admin changes tabs; a project admin still only reads them.
    let bob = caller(&sim, USER);
    let refusals = [
        bob.post(&tabs_path, &json!({ "name": "Bob's" })).await,
        bob.put(&format!("{tabs_path}/10002"), &json!({ "name": "Bob's" }))
            .await,
        bob.delete(&format!("{tabs_path}/10002")).await,
        bob.post(&format!("{tabs_path}/10002/move/0"), &json!({}))
            .await,
        bob.get(&format!("/rest/api/3/screens/tabs?screenId={screen}"))
            .await,
    ];
    for refused in &refusals {
        assert_refused(refused, StatusCode::FORBIDDEN, SCREENS_403);
    }
}

#[tokio::test]
async fn fields_move_on_their_tab_and_are_on_a_screen_once() {
    let sim = common::start().await;
    let alice = caller(&sim, ADMIN);
    let field = |id: &str| format!("{FIELD_TAB}/{id}/move");
    let start = tab_fields(&sim, 1, 10_000).await;
    assert_eq!(
        start[..3],
        [json!("summary"), json!("issuetype"), json!("reporter")]
    );

    let first = alice
        .post(&field("assignee"), &json!({ "position": "First" }))
        .await;
    assert_eq!(first.status, StatusCode::NO_CONTENT, "{}", first.text);
    let now = tab_fields(&sim, 1, 10_000).await;
    assert_eq!(
        now[..3],
        [json!("assignee"), json!("summary"), json!("issuetype")]
    );
    assert_eq!(now.len(), start.len());
    let moves = [
        (json!({ "position": "Last" }), "assignee", None),
        (
            json!({ "position": "Earlier" }),
            "assignee",
            Some("timetracking"),
        ),
        (json!({ "position": "Later" }), "assignee", None),
        // `after` wins over `position`, and may be the field's URI.
        (
            json!({ "after": "https://kiln.atlassian.net/rest/api/3/field/summary", "position": "Last" }),
            "labels",
            None,
        ),
    ];
    for (body, moved, before_last) in moves {
        let reply = alice.post(&field(moved), &body).await;
        assert_eq!(
            reply.status,
            StatusCode::NO_CONTENT,
            "{body}: {}",
            reply.text
        );
        let now = tab_fields(&sim, 1, 10_000).await;
        if let Some(before_last) = before_last {
            assert_eq!(now[now.len() - 1], json!(before_last), "{body}");
        }
    }
    let now = tab_fields(&sim, 1, 10_000).await;
    assert_eq!(
        now[..3],
        [json!("summary"), json!("labels"), json!("issuetype")]
    );
    assert_eq!(now.last(), Some(&json!("assignee")));

    // Refusals: no target, a bad one, a field or an `after` not on the tab.
    for body in [
        json!({}),
        json!({ "position": "Top" }),
        json!({ "index": 1 }),
    ] {
        let bad = alice.post(&field("labels"), &body).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{body}: {}", bad.text);
    }
    for (moved, body) in [
        ("customfield_99999", json!({ "position": "First" })),
        ("labels", json!({ "after": "status" })),
    ] {
        let missing = alice.post(&field(moved), &body).await;
        assert_eq!(
            missing.status,
            StatusCode::NOT_FOUND,
            "{body}: {}",
            missing.text
        );
    }
    let bob = caller(&sim, USER)
        .post(&field("labels"), &json!({ "position": "First" }))
        .await;
    assert_refused(&bob, StatusCode::FORBIDDEN, SCREENS_403);

    // A field is on a screen once, whichever tab: a new screen's second tab
    // refuses what its first holds. The reads show where it is.
    let screen = new_screen(&sim, "Twice").await;
    let second = alice
        .post(
            &format!("/rest/api/3/screens/{screen}/tabs"),
            &json!({ "name": "Second" }),
        )
        .await;
    let second = second.body["id"].as_u64().expect("a tab id");
    let on_first = alice
        .post(
            &format!("/rest/api/3/screens/{screen}/tabs/10001/fields"),
            &json!({ "fieldId": "summary" }),
        )
        .await;
    assert_eq!(on_first.status, StatusCode::OK, "{}", on_first.text);
    let on_second = alice
        .post(
            &format!("/rest/api/3/screens/{screen}/tabs/{second}/fields"),
            &json!({ "fieldId": "summary" }),
        )
        .await;
    assert_refused(
        &on_second,
        StatusCode::BAD_REQUEST,
        "Field with id 'summary' already exists on the screen.",
    );
    let holding = alice
        .get("/rest/api/3/field/summary/screens?expand=tab")
        .await;
    assert_eq!(holding.status, StatusCode::OK, "{}", holding.text);
    assert_eq!(holding.body["total"], 2);
    assert_eq!(
        holding.body["values"][1],
        json!({ "id": screen, "name": "Twice", "description": "", "tab": { "id": 10001, "name": "Field Tab" } })
    );
    let available = alice
        .get(&format!("/rest/api/3/screens/{screen}/availableFields"))
        .await;
    assert!(!listed(&available.body, "id").contains(&json!("summary")));
    // Deleting the screen takes it off the field's list.
    let deleted = alice.delete(&format!("/rest/api/3/screens/{screen}")).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    let holding = alice.get("/rest/api/3/field/summary/screens").await;
    assert_eq!(holding.body["total"], 1);
}

#[tokio::test]
async fn screen_schemes_are_listed_created_updated_and_deleted() {
    let sim = common::start().await;
    let alice = caller(&sim, ADMIN);
    let contract = Contract::new();
    let listed_default = alice.get("/rest/api/3/screenscheme").await;
    assert_eq!(
        listed_default.status,
        StatusCode::OK,
        "{}",
        listed_default.text
    );
    contract.check_ref(
        "GET /screenscheme",
        "PageBeanScreenScheme",
        &listed_default.body,
    );
    assert_eq!(
        listed_default.body["values"],
        json!([{
            "id": 1,
            "name": "Default Screen Scheme",
            "description": "Default Screen Scheme",
            "screens": { "default": 1 },
        }])
    );
    assert_eq!(listed_default.body["maxResults"], 25);

    let edit = new_screen(&sim, "Employee edit").await;
    let created = alice
        .post(
            "/rest/api/3/screenscheme",
            &json!({
                "name": "Employee screen scheme",
                "description": "Manage employee data",
                "screens": { "default": 1, "edit": edit, "view": edit.to_string() },
            }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    contract.check_ref("POST /screenscheme", "ScreenSchemeId", &created.body);
    assert_eq!(created.body, json!({ "id": 10000 }));
    let found = alice
        .get("/rest/api/3/screenscheme?queryString=EMPLOYEE&expand=issueTypeScreenSchemes")
        .await;
    contract.check_ref(
        "GET /screenscheme?expand",
        "PageBeanScreenScheme",
        &found.body,
    );
    assert_eq!(
        found.body["values"][0]["screens"],
        json!({ "default": 1, "edit": edit, "view": edit })
    );
    assert_eq!(
        found.body["values"][0]["issueTypeScreenSchemes"]["total"],
        0
    );
    let expanded = alice
        .get("/rest/api/3/screenscheme?id=1&expand=issueTypeScreenSchemes")
        .await;
    assert_eq!(
        expanded.body["values"][0]["issueTypeScreenSchemes"]["values"],
        json!([{
            "id": "1",
            "name": "Default Issue Type Screen Scheme",
            "description": "The default issue type screen scheme",
        }])
    );
    let by_name = alice.get("/rest/api/3/screenscheme?orderBy=-name").await;
    assert_eq!(
        listed(&by_name.body["values"], "id"),
        [json!(10000), json!(1)]
    );

    // Refusals of a create: a taken name, a missing default or screens, an
    // unknown screen, a bad body.
    let taken = alice
        .post(
            "/rest/api/3/screenscheme",
            &json!({ "name": "employee Screen Scheme", "screens": { "default": 1 } }),
        )
        .await;
    assert_refused(
        &taken,
        StatusCode::BAD_REQUEST,
        "The name is used by another scheme.",
    );
    for body in [
        json!({ "name": "No screens" }),
        json!({ "name": "No default", "screens": { "edit": 1 } }),
        json!({ "screens": { "default": 1 } }),
        json!({ "name": "Odd", "screens": { "default": 1, "transition": 1 } }),
        json!({ "name": "Odd", "screens": { "default": 1.5 } }),
    ] {
        let refused = alice.post("/rest/api/3/screenscheme", &body).await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            refused.text
        );
    }
    for screens in [
        json!({ "default": 99 }),
        json!({ "default": 1, "create": "x" }),
    ] {
        let missing = alice
            .post(
                "/rest/api/3/screenscheme",
                &json!({ "name": "Missing", "screens": screens }),
            )
            .await;
        assert_refused(
            &missing,
            StatusCode::NOT_FOUND,
            "One or more screens assigned to screen types was not found.",
        );
    }

    // Updated: `null` takes an operation's own screen away; the default stays.
    let updated = alice
        .put(
            "/rest/api/3/screenscheme/10000",
            &json!({ "name": "Employee screen scheme v2", "screens": { "view": null, "create": "1" } }),
        )
        .await;
    assert_eq!(updated.status, StatusCode::NO_CONTENT, "{}", updated.text);
    let now = alice.get("/rest/api/3/screenscheme?id=10000").await;
    assert_eq!(now.body["values"][0]["name"], "Employee screen scheme v2");
    assert_eq!(now.body["values"][0]["description"], "Manage employee data");
    assert_eq!(
        now.body["values"][0]["screens"],
        json!({ "default": 1, "create": 1, "edit": edit })
    );
    let no_default = alice
        .put(
            "/rest/api/3/screenscheme/10000",
            &json!({ "screens": { "default": null } }),
        )
        .await;
    assert_refused(
        &no_default,
        StatusCode::BAD_REQUEST,
        "The default screen is required.",
    );
    let clash = alice
        .put(
            "/rest/api/3/screenscheme/10000",
            &json!({ "name": "Default Screen Scheme" }),
        )
        .await;
    assert_refused(
        &clash,
        StatusCode::BAD_REQUEST,
        "The name is used by another scheme.",
    );
    let unknown = alice
        .put("/rest/api/3/screenscheme/404", &json!({ "name": "Any" }))
        .await;
    assert_refused(
        &unknown,
        StatusCode::NOT_FOUND,
        "The screen scheme was not found.",
    );

    // A screen a scheme uses stays until the scheme lets it go.
    let in_use = alice.delete(&format!("/rest/api/3/screens/{edit}")).await;
    assert_refused(
        &in_use,
        StatusCode::BAD_REQUEST,
        "The screen is used in a screen scheme.",
    );
    // The Default Screen Scheme is used by the default issue type screen scheme.
    let default_in_use = alice.delete("/rest/api/3/screenscheme/1").await;
    assert_refused(
        &default_in_use,
        StatusCode::BAD_REQUEST,
        "The screen scheme cannot be deleted as it is in use in an issue type screen scheme.",
    );
    let deleted = alice.delete("/rest/api/3/screenscheme/10000").await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    let again = alice.delete("/rest/api/3/screenscheme/10000").await;
    assert_refused(
        &again,
        StatusCode::NOT_FOUND,
        "The screen scheme was not found.",
    );
    let freed = alice.delete(&format!("/rest/api/3/screens/{edit}")).await;
    assert_eq!(freed.status, StatusCode::NO_CONTENT, "{}", freed.text);

    // Only an admin reads or writes schemes.
    let bob = caller(&sim, USER);
    let refusals = [
        bob.get("/rest/api/3/screenscheme").await,
        bob.post(
            "/rest/api/3/screenscheme",
            &json!({ "name": "Bob's", "screens": { "default": 1 } }),
        )
        .await,
        bob.put("/rest/api/3/screenscheme/1", &json!({ "name": "Bob's" }))
            .await,
        bob.delete("/rest/api/3/screenscheme/1").await,
    ];
    for refused in &refusals {
        assert_refused(refused, StatusCode::FORBIDDEN, SCHEMES_403);
    }
}

#[tokio::test]
async fn the_default_screen_scheme_decides_what_a_create_and_an_edit_may_set() {
    let mut seed = kiln_sim::Seed::default();
    seed.projects[1].lead = String::from(USER);
    let sim = common::start_with(kiln_sim::SimConfig {
        seed,
        ..kiln_sim::SimConfig::default()
    })
    .await;
    let alice = caller(&sim, ADMIN);
    // A lean create screen: the summary and the issue type only.
    let lean = new_screen(&sim, "Lean create").await;
    for id in ["summary", "issuetype"] {
        let added = alice
            .post(
                &format!("/rest/api/3/screens/{lean}/tabs/10001/fields"),
                &json!({ "fieldId": id }),
            )
            .await;
        assert_eq!(added.status, StatusCode::OK, "{}", added.text);
    }
    assert!(create_meta_ids(&sim).await.contains(&json!("description")));
    // Bob leads SEC: he reads the tabs of a screen his project uses, and the
    // lean screen is not one yet.
    let bob = caller(&sim, USER);
    let lean_tabs = format!("/rest/api/3/screens/{lean}/tabs?projectKey=SEC");
    let unused = bob.get(&lean_tabs).await;
    assert_refused(&unused, StatusCode::FORBIDDEN, SCREENS_403);

    let pointed = alice
        .put(
            "/rest/api/3/screenscheme/1",
            &json!({ "screens": { "create": lean.to_string() } }),
        )
        .await;
    assert_eq!(pointed.status, StatusCode::NO_CONTENT, "{}", pointed.text);
    let used = bob.get(&lean_tabs).await;
    assert_eq!(used.status, StatusCode::OK, "{}", used.text);
    // The create metadata and a create read the create screen…
    let offered = create_meta_ids(&sim).await;
    assert!(offered.contains(&json!("summary")), "{offered:?}");
    assert!(!offered.contains(&json!("description")), "{offered:?}");
    let task = |fields: Value| {
        let mut body = json!({ "project": { "key": "KILN" }, "issuetype": { "name": "Task" }, "summary": "Lean" });
        for (key, value) in fields.as_object().into_iter().flatten() {
            body[key] = value.clone();
        }
        json!({ "fields": body })
    };
    let refused = bob
        .post("/rest/api/3/issue", &task(json!({ "description": "text" })))
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    assert_eq!(
        refused.body["errors"]["description"],
        "Field 'description' cannot be set. It is not on the appropriate screen, or unknown.",
        "{}",
        refused.text
    );
    let created = bob.post("/rest/api/3/issue", &task(json!({}))).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    // …while an edit still reads the default screen.
    assert!(
        edit_meta_ids(&sim)
            .await
            .contains(&"description".to_owned())
    );
    let edited = bob
        .put(
            "/rest/api/3/issue/KILN-1",
            &json!({ "fields": { "description": null } }),
        )
        .await;
    assert_eq!(edited.status, StatusCode::NO_CONTENT, "{}", edited.text);

    // The edit screen too, then back to the default for both.
    let both = alice
        .put(
            "/rest/api/3/screenscheme/1",
            &json!({ "screens": { "edit": lean } }),
        )
        .await;
    assert_eq!(both.status, StatusCode::NO_CONTENT, "{}", both.text);
    assert!(
        !edit_meta_ids(&sim)
            .await
            .contains(&"description".to_owned())
    );
    let refused = bob
        .put(
            "/rest/api/3/issue/KILN-1",
            &json!({ "fields": { "description": null } }),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    let reset = alice
        .put(
            "/rest/api/3/screenscheme/1",
            &json!({ "screens": { "create": null, "edit": null } }),
        )
        .await;
    assert_eq!(reset.status, StatusCode::NO_CONTENT, "{}", reset.text);
    assert!(create_meta_ids(&sim).await.contains(&json!("description")));
    assert!(
        edit_meta_ids(&sim)
            .await
            .contains(&"description".to_owned())
    );
}
