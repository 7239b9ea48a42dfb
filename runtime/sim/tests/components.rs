//! Project components (`/component`, `/component/{id}`): created, read,
//! updated and deleted; who may read and who may write them; names unique in a
//! project; a rename and a delete (with and without `moveIssuesTo`) as the
//! project's issues see them; hostile input; REST API v2. Answers are checked
//! against the platform spec's `ProjectComponent`.

use crate::common;
use crate::contract::Contract;

use common::{ADMIN, OUTSIDER, USER, account_id, caller, start};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The names of an issue's components, as `who` reads them.
async fn components_of(who: &common::Caller<'_>, issue: &str) -> Vec<String> {
    let reply = who
        .get(&format!("/rest/api/3/issue/{issue}?fields=components"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body["fields"]["components"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["name"].as_str().map(str::to_owned))
        .collect()
}

/// Creates an issue in KILN with the named components, as `who`; its key.
async fn issue_with(who: &common::Caller<'_>, components: &[&str]) -> String {
    let named: Vec<Value> = components.iter().map(|n| json!({ "name": n })).collect();
    let reply = who
        .post(
            "/rest/api/3/issue",
            &json!({ "fields": {
                "project": { "key": "KILN" },
                "issuetype": { "name": "Task" },
                "summary": "with components",
                "components": named,
            } }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    reply.str_at("/key")
}

#[tokio::test]
async fn components_are_created_read_updated_and_deleted() {
    let sim = start().await;
    let contract = Contract::new();
    let alice = caller(&sim, ADMIN);
    let bob = caller(&sim, USER);
    let bob_id = account_id(&sim, USER);

    let created = alice
        .post(
            "/rest/api/3/component",
            &json!({
                "project": "KILN",
                "name": "Gateway",
                "description": "The API gateway",
                "leadAccountId": bob_id,
                "assigneeType": "COMPONENT_LEAD",
            }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    contract.check_ref("POST /component", "ProjectComponent", &created.body);
    let id = created.str_at("/id");
    assert_eq!(created.body["name"], "Gateway");
    assert_eq!(created.body["description"], "The API gateway");
    assert_eq!(created.body["lead"]["accountId"], bob_id.as_str());
    assert_eq!(created.body["assigneeType"], "COMPONENT_LEAD");
    assert_eq!(created.body["realAssigneeType"], "COMPONENT_LEAD");
    assert_eq!(created.body["isAssigneeTypeValid"], true);
    assert_eq!(created.body["realAssignee"]["accountId"], bob_id.as_str());
    assert_eq!(created.body["project"], "KILN");
    assert_eq!(created.body["projectId"], 10000);
    assert!(created.body.get("leadAccountId").is_none(), "write-only");

    // Bob (browse) reads it, as the project's lists and an issue show it.
    let path = format!("/rest/api/3/component/{id}");
    let read = bob.get(&path).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    assert_eq!(read.body, created.body);
    let listed = bob.get("/rest/api/3/project/KILN/components").await;
    assert!(
        listed
            .body
            .as_array()
            .into_iter()
            .flatten()
            .any(|c| *c == created.body),
        "{}",
        listed.text
    );
    let key = issue_with(&bob, &["Gateway"]).await;
    assert_eq!(components_of(&bob, &key).await, ["Gateway"]);

    // An update overwrites what it names; `""` removes the lead.
    let updated = alice
        .put(
            &path,
            &json!({ "name": "Edge gateway", "leadAccountId": "", "assigneeType": "PROJECT_LEAD" }),
        )
        .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    contract.check_ref("PUT /component", "ProjectComponent", &updated.body);
    assert_eq!(updated.body["name"], "Edge gateway");
    assert_eq!(updated.body["description"], "The API gateway");
    assert!(updated.body.get("lead").is_none(), "{}", updated.text);
    assert_eq!(updated.body["realAssigneeType"], "PROJECT_LEAD");
    assert_eq!(
        updated.body["realAssignee"]["accountId"],
        account_id(&sim, ADMIN).as_str()
    );
    // The issue has the same component under its new name, found by JQL too.
    assert_eq!(components_of(&bob, &key).await, ["Edge gateway"]);
    let found = bob
        .post(
            "/rest/api/3/search/jql",
            &json!({ "jql": "component = \"Edge gateway\"", "fields": ["summary"] }),
        )
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    assert_eq!(found.body["issues"][0]["key"], key.as_str());

    // Deleted: 204, then 404, and off the issue.
    let deleted = alice.delete(&path).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    assert_eq!(bob.get(&path).await.status, StatusCode::NOT_FOUND);
    assert!(components_of(&bob, &key).await.is_empty());
    assert_eq!(alice.delete(&path).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn deleting_with_move_issues_to_puts_the_replacement_in_its_place() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let bob = caller(&sim, USER);
    let new = |name: &'static str| {
        let alice = &alice;
        async move {
            let reply = alice
                .post(
                    "/rest/api/3/component",
                    &json!({ "projectId": "10000", "name": name }),
                )
                .await;
            assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
            reply.str_at("/id")
        }
    };
    let (old, target) = (new("Old").await, new("Target").await);
    let only_old = issue_with(&bob, &["Old", "Docs"]).await;
    let both = issue_with(&bob, &["Old", "Target"]).await;
    let neither = issue_with(&bob, &["Docs"]).await;

    // A replacement that is not another component of the project is the spec's
    // 404, and nothing changes.
    let sec = alice
        .post(
            "/rest/api/3/component",
            &json!({ "project": "SEC", "name": "Elsewhere" }),
        )
        .await;
    assert_eq!(sec.status, StatusCode::CREATED, "{}", sec.text);
    for bad in [
        sec.str_at("/id"),
        old.clone(),
        String::from("99999"),
        String::from("abc"),
    ] {
        let reply = alice
            .delete(&format!("/rest/api/3/component/{old}?moveIssuesTo={bad}"))
            .await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{bad}: {}", reply.text);
    }
    assert_eq!(components_of(&bob, &only_old).await, ["Old", "Docs"]);

    let moved = alice
        .delete(&format!(
            "/rest/api/3/component/{old}?moveIssuesTo={target}"
        ))
        .await;
    assert_eq!(moved.status, StatusCode::NO_CONTENT, "{}", moved.text);
    // In its place; once where the issue had the replacement already.
    assert_eq!(components_of(&bob, &only_old).await, ["Target", "Docs"]);
    assert_eq!(components_of(&bob, &both).await, ["Target"]);
    assert_eq!(components_of(&bob, &neither).await, ["Docs"]);
    let page = bob
        .get("/rest/api/3/project/KILN/component?query=target")
        .await;
    assert_eq!(page.body["values"][0]["issueCount"], 2, "{}", page.text);
}

#[tokio::test]
async fn browsing_reads_and_administering_writes() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let bob = caller(&sim, USER);
    let carol = caller(&sim, OUTSIDER);

    // Seeded: Runtime is 10000 in KILN. Carol browses KILN but not SEC.
    assert_eq!(
        carol.get("/rest/api/3/component/10000").await.status,
        StatusCode::OK
    );
    let sec = alice
        .post(
            "/rest/api/3/component",
            &json!({ "project": "SEC", "name": "Secret" }),
        )
        .await;
    let sec_path = format!("/rest/api/3/component/{}", sec.str_at("/id"));
    let hidden = carol.get(&sec_path).await;
    let missing = carol.get("/rest/api/3/component/424242").await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    // Bob may browse KILN but not administer it: 403 for every write.
    let create = bob
        .post(
            "/rest/api/3/component",
            &json!({ "project": "KILN", "name": "Bobs" }),
        )
        .await;
    assert_eq!(create.status, StatusCode::FORBIDDEN, "{}", create.text);
    let update = bob
        .put("/rest/api/3/component/10000", &json!({ "name": "Mine" }))
        .await;
    assert_eq!(update.status, StatusCode::FORBIDDEN, "{}", update.text);
    let delete = bob.delete("/rest/api/3/component/10000").await;
    assert_eq!(delete.status, StatusCode::FORBIDDEN, "{}", delete.text);
    // A project or component Carol may not browse is the 404 before the 403.
    let create = carol
        .post(
            "/rest/api/3/component",
            &json!({ "project": "SEC", "name": "Hers" }),
        )
        .await;
    assert_eq!(create.status, StatusCode::NOT_FOUND, "{}", create.text);
    assert_eq!(carol.delete(&sec_path).await.status, StatusCode::NOT_FOUND);
    let read = alice.get("/rest/api/3/component/10000").await;
    assert_eq!(read.body["name"], "Runtime");
}

#[tokio::test]
async fn names_are_unique_in_a_project_and_hostile_input_is_refused() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let create = |body: Value| {
        let alice = &alice;
        async move { alice.post("/rest/api/3/component", &body).await }
    };

    // "Runtime" exists in KILN: any case of it is Jira's 400 naming the clash;
    // the same name in another project is fine.
    let clash = create(json!({ "project": "KILN", "name": "runtime" })).await;
    assert_eq!(clash.status, StatusCode::BAD_REQUEST, "{}", clash.text);
    assert!(
        clash.body["errors"]["name"]
            .as_str()
            .is_some_and(|m| m.contains("runtime") && m.contains("already exists")),
        "{}",
        clash.text
    );
    let elsewhere = create(json!({ "project": "SEC", "name": "Runtime" })).await;
    assert_eq!(elsewhere.status, StatusCode::CREATED, "{}", elsewhere.text);
    // Renaming onto another's name is refused too; a change of case is not.
    let clash = alice
        .put("/rest/api/3/component/10000", &json!({ "name": "Docs" }))
        .await;
    assert_eq!(clash.status, StatusCode::BAD_REQUEST, "{}", clash.text);
    let recased = alice
        .put("/rest/api/3/component/10000", &json!({ "name": "RUNTIME" }))
        .await;
    assert_eq!(recased.status, StatusCode::OK, "{}", recased.text);

    for (body, field) in [
        (json!({ "name": "No project" }), "project"),
        (json!({ "project": "KILN" }), "name"),
        (json!({ "project": "KILN", "name": "  " }), "name"),
        (
            json!({ "project": "KILN", "name": "x".repeat(256) }),
            "name",
        ),
        (
            json!({ "project": "KILN", "name": "Bad rule", "assigneeType": "BOSS" }),
            "assigneeType",
        ),
        (
            json!({ "project": "KILN", "name": "Nobody", "leadAccountId": "nobody" }),
            "leadAccountId",
        ),
        (
            json!({ "project": "KILN", "name": "Long lead", "leadAccountId": "x".repeat(10_000) }),
            "leadAccountId",
        ),
        (
            json!({ "project": "KILN", "name": "Long", "description": "x".repeat(20_000) }),
            "description",
        ),
    ] {
        let reply = create(body.clone()).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            reply.text
        );
        assert!(
            reply.body["errors"][field].is_string(),
            "{field}: {}",
            reply.text
        );
    }
    for body in [
        json!({ "project": "KILN", "name": 5 }),
        json!({ "project": 7, "name": "n" }),
        json!({ "projectId": "KILN", "name": "n" }),
        json!({ "project": "KILN", "name": "n", "description": [] }),
        json!(["KILN"]),
    ] {
        let reply = create(body.clone()).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            reply.text
        );
    }
    let unknown = create(json!({ "project": "NOPE", "name": "n" })).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.text);
    // Ids that are not numbers, or huge ones, are not found.
    for id in ["abc", "-1", "99999999999999999999999", "10000.0"] {
        let reply = alice.get(&format!("/rest/api/3/component/{id}")).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{id}: {}", reply.text);
    }
    let long = "9".repeat(5_000);
    let reply = alice
        .put(&format!("/rest/api/3/component/{long}"), &json!({}))
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(reply.text.len() < 1_000, "the id is not echoed whole");
}

#[tokio::test]
async fn rest_api_v2_serves_the_same_components() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let created = alice
        .post(
            "/rest/api/2/component",
            &json!({ "project": "KILN", "name": "Two" }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert!(
        created.body["self"]
            .as_str()
            .is_some_and(|s| s.contains("/rest/api/2/component/")),
        "{}",
        created.text
    );
    let id = created.str_at("/id");
    let read = alice.get(&format!("/rest/api/3/component/{id}")).await;
    assert_eq!(read.body["name"], "Two");
    let deleted = alice.delete(&format!("/rest/api/2/component/{id}")).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
}

/// `getComponentRelatedIssues`: the component's issues counted as the project's paged
/// list counts them, for whoever may browse the project; anyone else, and an unknown
/// id, get the same 404.
#[tokio::test]
async fn a_components_issues_are_counted() {
    let sim = start().await;
    let contract = Contract::new();
    let alice = caller(&sim, ADMIN);
    let created = alice
        .post(
            "/rest/api/3/component",
            &json!({ "project": "KILN", "name": "Counted" }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = created.str_at("/id");
    let path = format!("/rest/api/3/component/{id}/relatedIssueCounts");

    let none = alice.get(&path).await;
    assert_eq!(none.status, StatusCode::OK, "{}", none.text);
    contract.check_ref("relatedIssueCounts", "ComponentIssuesCount", &none.body);
    assert_eq!(none.body["issueCount"], 0);
    assert!(
        none.str_at("/self")
            .ends_with(&format!("/rest/api/3/component/{id}")),
        "{}",
        none.body
    );

    issue_with(&alice, &["Counted"]).await;
    issue_with(&alice, &["Counted"]).await;
    for api in ["/rest/api/3", "/rest/api/2"] {
        let two = caller(&sim, USER)
            .get(&format!("{api}/component/{id}/relatedIssueCounts"))
            .await;
        assert_eq!(two.status, StatusCode::OK, "{api}: {}", two.text);
        assert_eq!(two.body["issueCount"], 2, "{api}");
    }
    // The same count the project's paged list gives.
    let page = alice.get("/rest/api/3/project/KILN/component").await;
    let listed = page.body["values"]
        .as_array()
        .and_then(|all| all.iter().find(|c| c["name"] == "Counted"))
        .map(|c| c["issueCount"].clone());
    assert_eq!(listed, Some(json!(2)));

    // Carol may browse KILN but not SEC.
    let secret = alice
        .post(
            "/rest/api/3/component",
            &json!({ "project": "SEC", "name": "Vault" }),
        )
        .await;
    assert_eq!(secret.status, StatusCode::CREATED, "{}", secret.text);
    let hidden = caller(&sim, OUTSIDER)
        .get(&format!(
            "/rest/api/3/component/{}/relatedIssueCounts",
            secret.str_at("/id")
        ))
        .await;
    let unknown = alice
        .get("/rest/api/3/component/99999/relatedIssueCounts")
        .await;
    for reply in [&hidden, &unknown] {
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.text);
    }
    sim.shutdown().await;
}

/// The names in a page of components.
fn page_names(page: &Value) -> Vec<String> {
    page["values"]
        .as_array()
        .expect("values")
        .iter()
        .filter_map(|c| c["name"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn components_of_several_projects_are_found_in_pages() {
    let sim = start().await;
    let contract = Contract::new();
    let alice = caller(&sim, ADMIN);
    let carol = caller(&sim, OUTSIDER);
    let made = alice
        .post(
            "/rest/api/3/component",
            &json!({ "project": "SEC", "name": "Audit", "description": "Who saw the runtime" }),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);

    let both = alice
        .get("/rest/api/3/component?projectIdsOrKeys=KILN,SEC")
        .await;
    assert_eq!(both.status, StatusCode::OK, "{}", both.text);
    contract.check_ref("GET /component", "PageBean2ComponentJsonBean", &both.body);
    assert_eq!(
        page_names(&both.body),
        ["Audit", "Docs", "Manifest", "Runtime", "Simulator"]
    );
    assert_eq!(
        both.body["values"][0],
        json!({
            "id": made.str_at("/id"),
            "name": "Audit",
            "description": "Who saw the runtime",
            "self": format!("{}/rest/api/3/component/{}", sim.base_url(), made.str_at("/id")),
        })
    );

    // `query` in the name or description, any case; ordered; paged with the
    // list's parameters kept in its links.
    let runtime = alice
        .get("/rest/api/3/component?projectIdsOrKeys=KILN&projectIdsOrKeys=SEC&query=RUNTIME&orderBy=-name")
        .await;
    assert_eq!(page_names(&runtime.body), ["Runtime", "Audit"]);
    let first = alice
        .get("/rest/api/3/component?projectIdsOrKeys=KILN&maxResults=2&query=m")
        .await;
    assert_eq!(page_names(&first.body), ["Manifest", "Runtime"]);
    assert_eq!(first.body["total"], 3);
    assert_eq!(first.body["isLast"], false);
    let next = first.body["nextPage"].as_str().expect("next page");
    assert!(
        next.contains("projectIdsOrKeys=KILN") && next.contains("query=m"),
        "{next}"
    );
    let rest = alice.get(&next[next.find("/rest/").expect("path")..]).await;
    assert_eq!(page_names(&rest.body), ["Simulator"]);
    assert_eq!(rest.body["isLast"], true);

    // Carol sees KILN's only: named SEC is the 404, none named lists what she browses.
    let hidden = carol
        .get("/rest/api/3/component?projectIdsOrKeys=SEC")
        .await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND, "{}", hidden.text);
    let hers = carol.get("/rest/api/3/component").await;
    assert_eq!(
        page_names(&hers.body),
        ["Docs", "Manifest", "Runtime", "Simulator"]
    );
    let refused = carol.get("/rest/api/3/component?startAt=-1").await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
}
