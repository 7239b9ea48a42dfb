//! `GET /rest/api/3/project/search` (`searchProjects`): every filter, order,
//! expansion and refusal the spec documents, on a site with a third project
//! (ALPHA, "Zeta", led by Bob, no issues, and not browsable by Alice, a site
//! admin) so that each order and permission tells the projects apart.

use crate::common;

use crate::contract::Contract;
use common::{ADMIN, OUTSIDER, USER, caller, start_with};
use kiln_sim::{SimConfig, Simulator};
use reqwest::StatusCode;
use serde_json::{Value, json};

const SEARCH: &str = "/rest/api/3/project/search";

async fn site() -> Simulator {
    let mut seed = kiln_sim::Seed::default();
    let mut alpha = seed.projects[1].clone();
    alpha.id = String::from("10002");
    alpha.key = String::from("ALPHA");
    alpha.name = String::from("Zeta");
    alpha.lead = String::from(USER);
    alpha.issues = Vec::new();
    alpha.permissions = [(
        String::from(USER),
        vec![
            kiln_sim::SeedPermission::Browse,
            kiln_sim::SeedPermission::Create,
        ],
    )]
    .into_iter()
    .collect();
    seed.projects.push(alpha);
    start_with(SimConfig {
        seed,
        ..SimConfig::default()
    })
    .await
}

/// The keys of the page `query` answers `email`, in order.
async fn keys(sim: &Simulator, email: &str, query: &str) -> Vec<String> {
    let reply = caller(sim, email).get(&format!("{SEARCH}?{query}")).await;
    assert_eq!(reply.status, StatusCode::OK, "{query}: {}", reply.text);
    reply.body["values"]
        .as_array()
        .expect("values")
        .iter()
        .map(|p| p["key"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn filters_by_id_keys_type_status_and_query() {
    let sim = site().await;
    // Bob browses all three; the default order is by key.
    assert_eq!(keys(&sim, USER, "").await, ["ALPHA", "KILN", "SEC"]);
    assert_eq!(keys(&sim, USER, "keys=SEC").await, ["SEC"]);
    assert_eq!(
        keys(&sim, USER, "keys=sec&keys=ALPHA").await,
        ["ALPHA", "SEC"]
    );
    assert_eq!(keys(&sim, USER, "id=10001").await, ["SEC"]);
    assert_eq!(
        keys(&sim, USER, "id=10002&id=10000&id=10002").await,
        ["ALPHA", "KILN"]
    );
    assert_eq!(
        keys(&sim, USER, "id=10000&keys=SEC").await,
        Vec::<String>::new()
    );
    assert_eq!(keys(&sim, USER, "id=99999").await, Vec::<String>::new());
    // Every simulated project is a live software project.
    assert_eq!(
        keys(&sim, USER, "typeKey=service_desk").await,
        Vec::<String>::new()
    );
    assert_eq!(
        keys(&sim, USER, "typeKey=business").await,
        Vec::<String>::new()
    );
    assert_eq!(
        keys(&sim, USER, "typeKey=business,software").await,
        ["ALPHA", "KILN", "SEC"]
    );
    assert_eq!(
        keys(&sim, USER, "status=live").await,
        ["ALPHA", "KILN", "SEC"]
    );
    assert_eq!(
        keys(&sim, USER, "status=archived").await,
        Vec::<String>::new()
    );
    assert_eq!(
        keys(&sim, USER, "status=archived&status=deleted").await,
        Vec::<String>::new()
    );
    assert_eq!(
        keys(&sim, USER, "status=deleted&status=live").await,
        ["ALPHA", "KILN", "SEC"]
    );
    assert_eq!(keys(&sim, USER, "query=zet").await, ["ALPHA"]);
    assert_eq!(
        keys(&sim, USER, "query=e&keys=KILN,SEC").await,
        Vec::<String>::new()
    );

    // The page counts what the filters keep.
    let page = caller(&sim, USER)
        .get(&format!("{SEARCH}?id=10000&id=10001&maxResults=1"))
        .await;
    assert_eq!(page.body["total"], 2);
    assert_eq!(page.body["isLast"], false);
    assert_eq!(page.body["values"][0]["key"], "KILN");
    sim.shutdown().await;
}

#[tokio::test]
async fn action_picks_the_right_the_caller_needs() {
    let sim = site().await;
    // Alice, a site admin, cannot browse ALPHA but administers it: `view`
    // (the default) and `edit` list it, `browse` does not.
    assert_eq!(keys(&sim, ADMIN, "").await, ["ALPHA", "KILN", "SEC"]);
    assert_eq!(
        keys(&sim, ADMIN, "action=view").await,
        ["ALPHA", "KILN", "SEC"]
    );
    assert_eq!(keys(&sim, ADMIN, "action=browse").await, ["KILN", "SEC"]);
    assert_eq!(
        keys(&sim, ADMIN, "action=edit").await,
        ["ALPHA", "KILN", "SEC"]
    );
    assert_eq!(keys(&sim, ADMIN, "action=create").await, ["KILN", "SEC"]);
    // Bob leads ALPHA only, and may create issues in KILN and ALPHA.
    assert_eq!(keys(&sim, USER, "action=edit").await, ["ALPHA"]);
    assert_eq!(keys(&sim, USER, "action=create").await, ["ALPHA", "KILN"]);
    assert_eq!(
        keys(&sim, USER, "action=browse").await,
        ["ALPHA", "KILN", "SEC"]
    );
    // Carol browses KILN only and may create nothing.
    assert_eq!(keys(&sim, OUTSIDER, "").await, ["KILN"]);
    assert_eq!(
        keys(&sim, OUTSIDER, "action=edit").await,
        Vec::<String>::new()
    );
    assert_eq!(
        keys(&sim, OUTSIDER, "action=create").await,
        Vec::<String>::new()
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn order_by_sorts_by_each_field_the_spec_lists() {
    let sim = site().await;
    let bob = caller(&sim, USER);
    let cases: &[(&str, &[&str])] = &[
        ("key", &["ALPHA", "KILN", "SEC"]),
        ("%2Bkey", &["ALPHA", "KILN", "SEC"]),
        ("-key", &["SEC", "KILN", "ALPHA"]),
        ("name", &["KILN", "SEC", "ALPHA"]),
        ("-name", &["ALPHA", "SEC", "KILN"]),
        // Alice Admin leads KILN and SEC, Bob User ALPHA; ties by key.
        ("owner", &["KILN", "SEC", "ALPHA"]),
        ("-owner", &["ALPHA", "KILN", "SEC"]),
        // ALPHA has no issue, SEC 2, KILN 6.
        ("issueCount", &["ALPHA", "SEC", "KILN"]),
        ("-issueCount", &["KILN", "SEC", "ALPHA"]),
        // No project has a category, or was archived or deleted: by key.
        ("category", &["ALPHA", "KILN", "SEC"]),
        ("-category", &["ALPHA", "KILN", "SEC"]),
        ("archivedDate", &["ALPHA", "KILN", "SEC"]),
        ("-deletedDate", &["ALPHA", "KILN", "SEC"]),
    ];
    for (order, expected) in cases {
        assert_eq!(
            keys(&sim, USER, &format!("orderBy={order}")).await,
            *expected,
            "{order}"
        );
    }
    // The last issue update: ALPHA, without issues, last ascending and first
    // descending; KILN and SEC by their latest issue.
    let insight = bob.get(&format!("{SEARCH}?expand=insight")).await.body;
    let last = |key: &str| {
        insight["values"]
            .as_array()
            .and_then(|v| v.iter().find(|p| p["key"] == key))
            .map(|p| p["insight"]["lastIssueUpdateTime"].clone())
            .unwrap_or(Value::Null)
    };
    let (kiln, sec) = (last("KILN"), last("SEC"));
    assert!(kiln.is_string() && sec.is_string(), "{insight}");
    assert!(last("ALPHA").is_null());
    let mut by_update = ["KILN", "SEC"];
    if sec.as_str() < kiln.as_str() {
        by_update.reverse();
    }
    let ascending: Vec<&str> = by_update.iter().copied().chain(["ALPHA"]).collect();
    let descending: Vec<&str> = ["ALPHA"]
        .into_iter()
        .chain(by_update.iter().rev().copied())
        .collect();
    assert_eq!(
        keys(&sim, USER, "orderBy=lastIssueUpdatedDate").await,
        ascending
    );
    assert_eq!(
        keys(&sim, USER, "orderBy=-lastIssueUpdatedDate").await,
        descending
    );
    // The parameter's description spells it `lastIssueUpdatedTime`.
    assert_eq!(
        keys(&sim, USER, "orderBy=lastIssueUpdatedTime").await,
        ascending
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn expand_and_properties_add_to_each_project() {
    let sim = site().await;
    let contract = Contract::new();
    let (alice, bob) = (caller(&sim, ADMIN), caller(&sim, USER));
    let stored = alice
        .put(
            "/rest/api/3/project/KILN/properties/evaluation_issue_type",
            &json!({ "id": "10001" }),
        )
        .await;
    assert_eq!(stored.status, StatusCode::CREATED, "{}", stored.text);
    alice
        .put("/rest/api/3/project/KILN/properties/other", &json!(7))
        .await;

    // Without expand: the short form, `style`, `isPrivate`, and no properties.
    let plain = bob.get(&format!("{SEARCH}?keys=KILN")).await.body;
    let project = bob.get("/rest/api/3/project/KILN").await.body;
    let mut expected = json!({
        "expand": "description,lead,issueTypes,url,projectKeys,permissions,insight",
        "style": "classic",
        "isPrivate": false,
        "properties": {},
    });
    for field in [
        "self",
        "id",
        "key",
        "name",
        "avatarUrls",
        "projectTypeKey",
        "simplified",
    ] {
        expected[field] = project[field].clone();
    }
    assert_eq!(plain["values"][0], expected);

    // Each expansion adds its field; `url` adds nothing (no project has one);
    // an expansion Jira does not know is ignored.
    let expanded = bob
        .get(&format!(
            "{SEARCH}?keys=KILN&expand=description,lead,issueTypes,url,projectKeys,insight,nonsense\
             &properties=evaluation_issue_type,absent"
        ))
        .await
        .body;
    expected["description"] = json!("");
    expected["lead"] = project["lead"].clone();
    expected["issueTypes"] = project["issueTypes"].clone();
    expected["projectKeys"] = json!(["KILN"]);
    let kiln_issues = bob
        .get("/rest/api/3/search/jql?jql=project%3DKILN%20ORDER%20BY%20updated%20DESC&fields=updated")
        .await
        .body;
    expected["insight"] = json!({
        "totalIssueCount": 6,
        "lastIssueUpdateTime": kiln_issues["issues"][0]["fields"]["updated"],
    });
    expected["properties"] = json!({ "evaluation_issue_type": { "id": "10001" } });
    assert_eq!(expanded["values"][0], expected);

    // Properties repeat or come comma-separated; a project without issues has
    // an insight without a last update.
    let alpha = bob
        .get(&format!(
            "{SEARCH}?expand=insight&properties=other&properties=evaluation_issue_type"
        ))
        .await
        .body;
    assert_eq!(
        alpha["values"][1]["properties"],
        json!({ "evaluation_issue_type": { "id": "10001" }, "other": 7 })
    );
    assert_eq!(
        alpha["values"][0]["insight"],
        json!({ "totalIssueCount": 0 })
    );
    assert_eq!(alpha["values"][0]["properties"], json!({}));
    // The spec's `Project` schema has no `projectKeys`; the rest conforms.
    let mut conforming = expanded.clone();
    if let Some(value) = conforming["values"][0].as_object_mut() {
        value.remove("projectKeys");
    }
    contract.check_ref("GET /project/search?expand", "PageBeanProject", &conforming);
    contract.check_ref("GET /project/search?properties", "PageBeanProject", &alpha);
    sim.shutdown().await;
}

#[tokio::test]
async fn bad_values_are_400s_and_unmodelled_parameters_501s() {
    let sim = site().await;
    let bob = caller(&sim, USER);
    let refused: &[(&str, &str)] = &[
        (
            "orderBy=colour",
            "The orderBy value 'colour' is not valid. Valid values are: category, key, name, \
             owner, issueCount, lastIssueUpdatedDate, archivedDate, deletedDate (each \
             optionally prefixed with '+' or '-').",
        ),
        (
            "action=delete",
            "The value 'delete' of 'action' is not valid: use 'view', 'browse', 'edit' or \
             'create'.",
        ),
        (
            "typeKey=software,kanban",
            "The value 'kanban' of 'typeKey' is not valid: use 'business', 'service_desk' or \
             'software'.",
        ),
        (
            "status=live,archived",
            "The value 'live,archived' of 'status' is not valid: use 'live', 'archived' or \
             'deleted'.",
        ),
        ("id=SEC", "The value 'SEC' of 'id' is not a number."),
        (
            "id=10000,10001",
            "The value '10000,10001' of 'id' is not a number.",
        ),
        (
            "categoryId=first",
            "The value 'first' of 'categoryId' is not a number.",
        ),
        ("startAt=-1", "The value '-1' of 'startAt' is not a number."),
    ];
    for (query, message) in refused {
        let reply = bob.get(&format!("{SEARCH}?{query}")).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(
            reply.body,
            json!({ "errorMessages": [message], "errors": {} }),
            "{query}"
        );
    }
    let ids: String = (0..=50).map(|n| format!("id={}&", 20_000 + n)).collect();
    let too_many = bob.get(&format!("{SEARCH}?{ids}")).await;
    assert_eq!(
        too_many.body,
        json!({ "errorMessages": ["Up to 50 project IDs can be provided."], "errors": {} })
    );
    let keys: String = (0..=50).map(|n| format!("keys=K{n}&")).collect();
    let too_many = bob.get(&format!("{SEARCH}?{keys}")).await;
    assert_eq!(
        too_many.body,
        json!({ "errorMessages": ["Up to 50 project keys can be provided."], "errors": {} })
    );

    // Categories and property queries are not modelled: the simulator's 501.
    for (query, named) in [
        ("categoryId=10000", "the parameter `categoryId`"),
        (
            "propertyQuery=%5Bevaluation_issue_type%5D.id%3D10001",
            "the parameter `propertyQuery`",
        ),
        (
            "categoryId=1&propertyQuery=x&categoryId=2",
            "the parameter `categoryId`, the parameter `propertyQuery`",
        ),
    ] {
        let reply = bob.get(&format!("{SEARCH}?{query}")).await;
        assert_eq!(reply.status, StatusCode::NOT_IMPLEMENTED, "{query}");
        assert_eq!(
            reply
                .headers
                .get(kiln_sim::SIMULATOR_HEADER)
                .map(|v| v.as_bytes()),
            Some(kiln_sim::NOT_MODELLED.as_bytes())
        );
        assert_eq!(
            reply.body,
            json!({
                "errorMessages": [format!(
                    "Kiln's Jira simulator does not model {named} of GET \
                     /rest/api/3/project/search (searchProjects); a real site serves it."
                )],
                "errors": {},
            }),
            "{query}"
        );
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn rest_api_v2_shares_the_search() {
    let sim = site().await;
    let bob = caller(&sim, USER);
    let v2 = bob
        .get("/rest/api/2/project/search?orderBy=-key&keys=KILN&keys=SEC")
        .await;
    assert_eq!(v2.status, StatusCode::OK, "{}", v2.text);
    let listed: Vec<&str> = v2.body["values"]
        .as_array()
        .expect("values")
        .iter()
        .filter_map(|p| p["key"].as_str())
        .collect();
    assert_eq!(listed, ["SEC", "KILN"]);
    assert!(v2.str_at("/values/0/self").contains("/rest/api/2/project/"));
    let refused = bob.get("/rest/api/2/project/search?orderBy=colour").await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    sim.shutdown().await;
}
