//! The system dashboard and the issue picker over a real socket: the site's
//! system dashboard through each read, the dashboard routes left unmodelled, the picker's
//! two sections, its matching, caps, exclusions and escaping, who sees what,
//! REST API v2 and the gateway. Answers are checked against the platform spec.

use crate::common;
use crate::contract::Contract;

use common::oauth::{access_token, gateway_get};
use common::{ADMIN, OUTSIDER, USER, caller, start};
use kiln_sim::{NOT_MODELLED, SIMULATOR_HEADER};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn the_site_has_jiras_system_dashboard() {
    let sim = start().await;
    let contract = Contract::new();
    let (alice, bob) = (caller(&sim, ADMIN), caller(&sim, USER));

    let all = bob.get("/rest/api/3/dashboard").await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text);
    contract.check_ref("GET /dashboard", "PageOfDashboards", &all.body);
    assert_eq!(all.body["total"], 1);
    assert_eq!(all.body["startAt"], 0);
    assert_eq!(all.body["maxResults"], 20);
    assert!(all.body.get("next").is_none() && all.body.get("prev").is_none());
    let system = &all.body["dashboards"][0];
    assert_eq!(system["id"], "10000");
    assert_eq!(system["name"], "Default dashboard");
    assert_eq!(system["systemDashboard"], true);
    assert_eq!(system["isFavourite"], false);
    assert_eq!(system["isWritable"], false);
    assert_eq!(system["sharePermissions"], json!([{ "type": "global" }]));
    assert!(system.get("owner").is_none());
    assert_eq!(
        system["self"],
        format!("{}/rest/api/3/dashboard/10000", sim.base_url())
    );
    assert_eq!(
        system["view"],
        format!(
            "{}/secure/Dashboard.jspa?selectPageId=10000",
            sim.base_url()
        )
    );

    // The one dashboard is no one's, and no one's favourite.
    for filter in ["my", "favourite"] {
        let listed = bob
            .get(&format!("/rest/api/3/dashboard?filter={filter}"))
            .await;
        contract.check_ref(filter, "PageOfDashboards", &listed.body);
        assert_eq!(listed.body["total"], 0, "{filter}");
        assert_eq!(listed.body["dashboards"], json!([]), "{filter}");
    }
    let later = bob
        .get("/rest/api/3/dashboard?startAt=1&maxResults=5")
        .await;
    contract.check_ref("startAt=1", "PageOfDashboards", &later.body);
    assert_eq!(later.body["dashboards"], json!([]));
    assert!(
        later.body["prev"]
            .as_str()
            .is_some_and(|p| p.ends_with("/rest/api/3/dashboard?startAt=0&maxResults=5"))
    );
    for bad in ["?filter=everything", "?startAt=-1", "?maxResults=x"] {
        let reply = bob.get(&format!("/rest/api/3/dashboard{bad}")).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}");
        contract.check_ref(bad, "ErrorCollection", &reply.body);
    }

    // One by id; a site admin counts as its owner.
    let one = bob.get("/rest/api/3/dashboard/10000").await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.text);
    contract.check_ref("GET /dashboard/{id}", "Dashboard", &one.body);
    assert_eq!(&one.body, system);
    let for_admin = alice.get("/rest/api/3/dashboard/10000").await;
    assert_eq!(for_admin.body["isWritable"], true);
    for missing in ["99999", "nope"] {
        let reply = bob.get(&format!("/rest/api/3/dashboard/{missing}")).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{missing}");
        contract.check_ref(missing, "ErrorCollection", &reply.body);
        assert_eq!(
            reply.body["errorMessages"][0],
            format!("The dashboard with id '{missing}' does not exist.")
        );
    }

    // The paginated search.
    let found = |reply: &common::Reply, what: &str| -> usize {
        assert_eq!(reply.status, StatusCode::OK, "{what}: {}", reply.text);
        contract.check_ref(what, "PageBeanDashboard", &reply.body);
        reply.body["values"].as_array().expect("values").len()
    };
    let searched = bob.get("/rest/api/3/dashboard/search").await;
    assert_eq!(found(&searched, "search"), 1);
    assert_eq!(&searched.body["values"][0], system);
    for (query, count) in [
        ("?dashboardName=DEFAULT", 1),
        ("?dashboardName=sales", 0),
        (
            "?expand=description,owner,viewUrl,favourite,favouritedCount,sharePermissions,editPermissions,isWritable",
            1,
        ),
        ("?orderBy=-is_favorite", 1),
        ("?orderBy=%2Bfavourite_count", 1),
        ("?status=active", 1),
        ("?status=archived", 0),
        ("?accountId=5b10ac8d82e05b22cc7d4a11", 0),
        ("?projectId=10000", 0),
        ("?groupId=abc", 0),
        ("?startAt=1", 0),
    ] {
        let reply = bob
            .get(&format!("/rest/api/3/dashboard/search{query}"))
            .await;
        assert_eq!(found(&reply, query), count, "{query}");
    }
    for bad in [
        "?orderBy=colour",
        "?expand=gadgets",
        "?status=gone",
        "?owner=alice",
        "?owner=alice&accountId=x",
        "?groupname=a&groupId=b",
    ] {
        let reply = bob.get(&format!("/rest/api/3/dashboard/search{bad}")).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{bad}: {}",
            reply.text
        );
        contract.check_ref(bad, "ErrorCollection", &reply.body);
    }

    // Gadgets and the bulk edit are not modelled: 501, naming the operation.
    for (method, path, operation) in [
        (
            reqwest::Method::PUT,
            "/rest/api/3/dashboard/bulk/edit",
            "bulkEditDashboards",
        ),
        (
            reqwest::Method::GET,
            "/rest/api/3/dashboard/10000/gadget",
            "getAllGadgets",
        ),
        (
            reqwest::Method::POST,
            "/rest/api/3/dashboard/10000/gadget",
            "addGadget",
        ),
        (
            reqwest::Method::GET,
            "/rest/api/3/dashboard/gadgets",
            "getAllAvailableDashboardGadgets",
        ),
    ] {
        let reply = common::send(bob.request(method.clone(), path).json(&json!({}))).await;
        assert_eq!(reply.status, StatusCode::NOT_IMPLEMENTED, "{method} {path}");
        assert_eq!(reply.headers[SIMULATOR_HEADER], NOT_MODELLED);
        assert!(reply.text.contains(operation), "{}", reply.text);
    }

    // REST API v2: v2's links.
    let v2 = bob.get("/rest/api/2/dashboard/10000").await;
    assert_eq!(
        v2.body["self"],
        format!("{}/rest/api/2/dashboard/10000", sim.base_url())
    );
    sim.shutdown().await;
}

/// The picker's answer for `who` with `query`, checked against the spec.
async fn pick(contract: &Contract, who: &common::Caller<'_>, query: &[(&str, &str)]) -> Value {
    let reply = who.get_with("/rest/api/3/issue/picker", query).await;
    assert_eq!(reply.status, StatusCode::OK, "{query:?}: {}", reply.text);
    contract.check_ref("GET /issue/picker", "IssuePickerSuggestions", &reply.body);
    reply.body
}

/// The section `id` of a picker answer (`hs`, `cs`), if present.
fn section<'a>(answer: &'a Value, id: &str) -> Option<&'a Value> {
    answer["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .find(|s| s["id"] == id)
}

/// The keys a section suggests.
fn keys(section: &Value) -> Vec<String> {
    section["issues"]
        .as_array()
        .expect("issues")
        .iter()
        .map(|i| i["key"].as_str().expect("a key").to_owned())
        .collect()
}

/// Creates an issue in KILN as `who` and returns its key.
async fn create_issue(who: &common::Caller<'_>, summary: &str) -> String {
    let created = who
        .post(
            "/rest/api/3/issue",
            &json!({ "fields": {
                "project": { "key": "KILN" },
                "issuetype": { "name": "Task" },
                "summary": summary,
            } }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    created.str_at("/key")
}

#[tokio::test]
async fn the_issue_picker_suggests_from_history_and_the_current_search() {
    let sim = start().await;
    let contract = Contract::new();
    let (bob, carol) = (caller(&sim, USER), caller(&sim, OUTSIDER));

    // Bob reported KILN-3 and KILN-5; KILN-2 ("Add JQL search to the
    // simulator") is Alice's.
    let answer = pick(
        &contract,
        &bob,
        &[("query", "simulator"), ("currentJQL", "project = KILN")],
    )
    .await;
    let history = section(&answer, "hs").expect("history");
    assert_eq!(history["label"], "History Search");
    assert_eq!(history["sub"], "Showing 0 of 0 matching issues");
    assert_eq!(history["issues"], json!([]));
    let current = section(&answer, "cs").expect("current search");
    assert_eq!(current["label"], "Current Search");
    assert_eq!(keys(current), ["KILN-2"]);
    assert_eq!(current["sub"], "Showing 1 of 1 matching issues");
    let suggestion = &current["issues"][0];
    assert_eq!(
        suggestion["summary"],
        "Add JQL search to the <b>simulator</b>"
    );
    assert_eq!(suggestion["summaryText"], "Add JQL search to the simulator");
    assert_eq!(suggestion["keyHtml"], "KILN-2");
    assert!(suggestion["id"].is_u64());
    assert!(
        suggestion["img"]
            .as_str()
            .is_some_and(|img| img.ends_with("/images/icons/issuetypes/task.svg")),
        "{suggestion}"
    );

    // History: what Bob reported, by a word's start; the key is bold too.
    let answer = pick(&contract, &bob, &[("query", "on-call")]).await;
    let history = section(&answer, "hs").expect("history");
    assert_eq!(keys(history), ["KILN-5"]);
    assert_eq!(
        history["issues"][0]["summary"],
        "<b>On-call</b> rotation shows the wrong person"
    );
    // No `currentJQL`: no current search, as in Jira.
    assert!(section(&answer, "cs").is_none(), "{answer}");

    // By key: an exact key first, then the rest its prefix matches.
    let answer = pick(&contract, &bob, &[("query", "kiln-1"), ("currentJQL", "")]).await;
    let current = section(&answer, "cs").expect("current search");
    assert_eq!(keys(current)[0], "KILN-1");
    assert_eq!(current["issues"][0]["keyHtml"], "<b>KILN-1</b>");
    // By the key's number.
    let answer = pick(&contract, &bob, &[("query", "2"), ("currentJQL", "")]).await;
    let current = section(&answer, "cs").expect("current search");
    assert!(keys(current).contains(&String::from("KILN-2")), "{current}");
    assert_eq!(
        current["issues"]
            .as_array()
            .and_then(|i| i.iter().find(|i| i["key"] == "KILN-2"))
            .map(|i| i["keyHtml"].clone()),
        Some(json!("KILN-<b>2</b>"))
    );

    // Only issues the caller may browse: Carol cannot see SEC.
    let rotate = [("query", "rotate"), ("currentJQL", "")];
    let for_bob = pick(&contract, &bob, &rotate).await;
    assert_eq!(keys(section(&for_bob, "cs").expect("cs")), ["SEC-1"]);
    let for_carol = pick(&contract, &carol, &rotate).await;
    assert_eq!(
        keys(section(&for_carol, "cs").expect("cs")),
        Vec::<String>::new()
    );

    // `currentIssueKey` is left out, `currentProjectId` keeps its project.
    let all_kiln = [("query", "kiln"), ("currentJQL", "")];
    let listed = keys(section(&pick(&contract, &bob, &all_kiln).await, "cs").expect("cs"));
    assert!(listed.contains(&String::from("KILN-4")), "{listed:?}");
    let without = pick(
        &contract,
        &bob,
        &[
            ("query", "kiln"),
            ("currentJQL", ""),
            ("currentIssueKey", "kiln-4"),
        ],
    )
    .await;
    let without = keys(section(&without, "cs").expect("cs"));
    assert!(!without.contains(&String::from("KILN-4")), "{without:?}");
    assert_eq!(without.len(), listed.len() - 1);
    let in_sec = pick(
        &contract,
        &bob,
        &[
            ("query", "the"),
            ("currentJQL", ""),
            ("currentProjectId", "10001"),
        ],
    )
    .await;
    let in_sec = keys(section(&in_sec, "cs").expect("cs"));
    assert!(
        !in_sec.is_empty() && in_sec.iter().all(|k| k.starts_with("SEC-")),
        "{in_sec:?}"
    );

    // The current search is `currentJQL`'s; one that does not compile finds
    // nothing, as in Jira.
    let done = pick(
        &contract,
        &bob,
        &[("query", "kiln"), ("currentJQL", "status = Done")],
    )
    .await;
    assert_eq!(keys(section(&done, "cs").expect("cs")), ["KILN-1"]);
    let broken = pick(
        &contract,
        &bob,
        &[("query", "kiln"), ("currentJQL", "status = ")],
    )
    .await;
    let broken = section(&broken, "cs").expect("cs");
    assert_eq!(broken["issues"], json!([]));
    assert_eq!(broken["sub"], "Showing 0 of 0 matching issues");

    // No query: Bob's recent issues, newest first, and no current search.
    let recent = pick(&contract, &bob, &[("currentJQL", "project = KILN")]).await;
    assert_eq!(
        keys(section(&recent, "hs").expect("hs")),
        ["KILN-5", "KILN-3"]
    );
    assert_eq!(recent["sections"].as_array().map(Vec::len), Some(1));

    // `/issue/picker` is the picker for GET only: other methods are the issue
    // routes', for an issue keyed `picker`, which does not exist.
    let put = bob
        .put("/rest/api/3/issue/picker", &json!({ "fields": {} }))
        .await;
    assert_eq!(put.status, StatusCode::NOT_FOUND, "{}", put.text);
    let delete = bob.delete("/rest/api/3/issue/picker").await;
    assert_eq!(delete.status, StatusCode::NOT_FOUND, "{}", delete.text);

    // REST API v2 serves the same.
    let v2 = bob
        .get_with(
            "/rest/api/2/issue/picker",
            &[("query", "simulator"), ("currentJQL", "")],
        )
        .await;
    assert_eq!(v2.status, StatusCode::OK);
    assert_eq!(keys(section(&v2.body, "cs").expect("cs")), ["KILN-2"]);
    sim.shutdown().await;
}

#[tokio::test]
async fn the_picker_shares_jiras_twenty_suggestions_between_its_sections() {
    let sim = start().await;
    let contract = Contract::new();
    let (alice, bob) = (caller(&sim, ADMIN), caller(&sim, USER));
    for n in 0..30 {
        create_issue(&bob, &format!("Widget {n}")).await;
        create_issue(&alice, &format!("Gadget {n}")).await;
    }
    let widgets = [("query", "widget"), ("currentJQL", "project = KILN")];
    let gadgets = [("query", "gadget"), ("currentJQL", "project = KILN")];

    // Bob's 30 widgets are his history: 19 of them fill the 20 with the
    // heading, and leave no room for a current search.
    let answer = pick(&contract, &bob, &widgets).await;
    let history = section(&answer, "hs").expect("hs");
    assert_eq!(history["sub"], "Showing 19 of 30 matching issues");
    assert_eq!(keys(history).len(), 19);
    assert!(section(&answer, "cs").is_none(), "{answer}");
    // The newest first.
    assert_eq!(history["issues"][0]["summaryText"], "Widget 29");

    // Alice's gadgets are not in Bob's history: the empty history takes two
    // (its heading and its "none"), the current search's heading one, and it
    // shows the other 17.
    let answer = pick(&contract, &bob, &gadgets).await;
    assert_eq!(keys(section(&answer, "hs").expect("hs")).len(), 0);
    let current = section(&answer, "cs").expect("cs");
    assert_eq!(current["sub"], "Showing 17 of 30 matching issues");
    assert_eq!(keys(current).len(), 17);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_hostile_summary_cannot_inject_markup_into_the_picker() {
    let sim = start().await;
    let contract = Contract::new();
    let bob = caller(&sim, USER);
    let hostile = "<img src=x onerror=alert(1)> \"evil\" & <b>bold</b>";
    let key = create_issue(&bob, hostile).await;
    let answer = pick(&contract, &bob, &[("query", "evil")]).await;
    let history = section(&answer, "hs").expect("hs");
    assert_eq!(keys(history), [key]);
    let suggestion = &history["issues"][0];
    assert_eq!(
        suggestion["summary"],
        "&lt;img src=x onerror=alert(1)&gt; &quot;<b>evil</b>&quot; &amp; &lt;b&gt;bold&lt;/b&gt;"
    );
    assert_eq!(suggestion["summaryText"], hostile);
    // A query of markup is text too: it is matched, never echoed as markup.
    let answer = pick(&contract, &bob, &[("query", "<b>bold</b>")]).await;
    let summary = section(&answer, "hs").expect("hs")["issues"][0]["summary"]
        .as_str()
        .expect("a summary")
        .to_owned();
    assert!(
        !summary.contains("<img") && !summary.contains("<b><b>"),
        "{summary}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn filters_dashboards_and_the_picker_are_reached_through_the_gateway() {
    let sim = start().await;
    let gateway = format!("{}/ex/jira/{}", sim.base_url(), sim.cloud_id());
    let filter = caller(&sim, USER)
        .post(
            "/rest/api/3/filter",
            &json!({ "name": "Shared", "sharePermissions": [{ "type": "authenticated" }] }),
        )
        .await
        .str_at("/id");
    let access = access_token(&sim, "read:jira-work").await;
    for path in [
        format!("/rest/api/3/filter/{filter}"),
        String::from("/rest/api/3/filter/search"),
        String::from("/rest/api/3/filter/my"),
        String::from("/rest/api/3/filter/favourite"),
        String::from("/rest/api/3/dashboard"),
        String::from("/rest/api/3/dashboard/search"),
        String::from("/rest/api/3/dashboard/10000"),
        String::from("/rest/api/3/issue/picker?query=kiln&currentJQL="),
    ] {
        let response = gateway_get(&sim, &access, &path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let body: Value = response.json().await.expect("JSON");
        let link = body
            .get("self")
            .or_else(|| body.pointer("/dashboards/0/self"))
            .or_else(|| body.pointer("/sections/0/issues/0/img"))
            .and_then(Value::as_str);
        if let Some(link) = link {
            assert!(link.starts_with(&gateway), "{path}: {link}");
        }
    }
    sim.shutdown().await;
}
