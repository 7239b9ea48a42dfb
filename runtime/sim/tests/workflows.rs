//! The workflows API: `GET /workflows/search` (`searchWorkflows`) and `POST
//! /workflows` (`readWorkflows`), for administrators, on the site, under REST API
//! v2 and through the gateway, checked against the spec's response schemas.

use crate::common;
use crate::contract::Contract;

use common::{ADMIN, OUTSIDER, USER, caller, client, send, start, start_with};
use kiln_sim::SimConfig;
use reqwest::StatusCode;
use serde_json::{Value, json};

const SEARCH: &str = "/rest/api/3/workflows/search";
const READ: &str = "/rest/api/3/workflows";
const WORKFLOW_NAME: &str = "Software Simplified Workflow";

fn strings(values: &Value, key: &str) -> Vec<String> {
    values
        .as_array()
        .expect("an array")
        .iter()
        .map(|v| v[key].as_str().expect("a string").to_owned())
        .collect()
}

/// The site's statuses as `/statuses/search` lists them: the workflows API must
/// reference the very same ones.
async fn site_status_ids(sim: &kiln_sim::Simulator) -> Vec<String> {
    let all = caller(sim, ADMIN).get("/rest/api/3/statuses/search").await;
    strings(&all.body["values"], "id")
}

#[tokio::test]
async fn search_answers_the_sites_workflow_and_its_statuses() {
    let sim = start().await;
    let contract = Contract::new();
    let status_ids = site_status_ids(&sim).await;
    for api in ["/rest/api/3", "/rest/api/2"] {
        let path = format!("{api}/workflows/search");
        let reply = caller(&sim, ADMIN).get(&path).await;
        assert_eq!(reply.status, StatusCode::OK, "{api}: {}", reply.text);
        contract.check_ref(api, "WorkflowSearchResponse", &reply.body);
        assert_eq!(reply.body["total"], 1);
        assert_eq!(reply.body["isLast"], true);
        assert_eq!(reply.body["maxResults"], 50);
        let self_link = reply.body["self"].as_str().expect("a self link");
        assert!(self_link.contains(&path), "{self_link}");
        let workflow = &reply.body["values"][0];
        assert_eq!(workflow["name"], WORKFLOW_NAME);
        assert_eq!(workflow["scope"], json!({ "type": "GLOBAL" }));
        assert_eq!(workflow["version"]["versionNumber"], 0);
        // Without `expand=values.transitions` the transitions are left out.
        assert!(workflow.get("transitions").is_none(), "{workflow}");
        assert_eq!(
            strings(&workflow["statuses"], "statusReference"),
            status_ids
        );
        // The page's statuses, each the `JiraStatus` `/statuses` answers plus
        // its reference.
        assert_eq!(strings(&reply.body["statuses"], "id"), status_ids);
        assert_eq!(
            strings(&reply.body["statuses"], "statusReference"),
            status_ids
        );
        assert_eq!(
            reply.body["statuses"][2],
            json!({ "id": "10001", "name": "Done", "description": "", "statusCategory": "DONE",
                    "scope": { "type": "GLOBAL" }, "statusReference": "10001" })
        );
    }
    sim.shutdown().await;
}

/// The transitions the workflow lists are the ones issues take: the same ids,
/// names and target statuses `getTransitions` gives, after Jira's `Create`.
#[tokio::test]
async fn expanded_transitions_are_the_ones_issues_take() {
    let sim = start().await;
    let contract = Contract::new();
    let admin = caller(&sim, ADMIN);
    let reply = admin
        .get_with(SEARCH, &[("expand", "values.usages,values.transitions")])
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    contract.check_ref("expanded", "WorkflowSearchResponse", &reply.body);
    let transitions = &reply.body["values"][0]["transitions"];
    assert_eq!(strings(transitions, "id"), ["1", "11", "21", "31"]);
    assert_eq!(
        strings(transitions, "type"),
        ["INITIAL", "GLOBAL", "GLOBAL", "GLOBAL"]
    );
    assert_eq!(transitions[0]["name"], "Create");

    let issue = admin.get("/rest/api/3/issue/KILN-1/transitions").await;
    let taken: Vec<(String, String, String)> = issue.body["transitions"]
        .as_array()
        .expect("transitions")
        .iter()
        .map(|t| {
            (
                t["id"].as_str().expect("id").to_owned(),
                t["name"].as_str().expect("name").to_owned(),
                t["to"]["id"].as_str().expect("to").to_owned(),
            )
        })
        .collect();
    let listed: Vec<(String, String, String)> = transitions
        .as_array()
        .expect("transitions")
        .iter()
        .filter(|t| t["type"] == "GLOBAL")
        .map(|t| {
            (
                t["id"].as_str().expect("id").to_owned(),
                t["name"].as_str().expect("name").to_owned(),
                t["toStatusReference"].as_str().expect("to").to_owned(),
            )
        })
        .collect();
    assert_eq!(listed, taken);
    // A new issue starts where `Create` leads.
    let created = admin
        .post(
            "/rest/api/3/issue",
            &json!({ "fields": { "project": { "key": "KILN" }, "summary": "New",
                                 "issuetype": { "name": "Task" } } }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let key = created.body["key"].as_str().expect("a key");
    let fresh = admin.get(&format!("/rest/api/3/issue/{key}")).await;
    assert_eq!(
        fresh.body["fields"]["status"]["id"],
        transitions[0]["toStatusReference"]
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn search_filters_by_name_scope_and_activity_and_orders() {
    let sim = start().await;
    let admin = caller(&sim, ADMIN);
    let long = "simplified".repeat(2_000);
    for (query, expected) in [
        (vec![("queryString", "simplified")], 1),
        (vec![("queryString", "SOFTWARE simp")], 1),
        (vec![("queryString", "")], 1),
        (vec![("queryString", "kanban")], 0),
        (vec![("queryString", "Wörkflow ✓ 工作流")], 0),
        (vec![("queryString", long.as_str())], 0),
        (vec![("scope", "GLOBAL")], 1),
        (vec![("scope", "PROJECT")], 0),
        (vec![("isActive", "true")], 1),
        (vec![("isActive", "false")], 0),
        (vec![("orderBy", "-name")], 1),
        (vec![("orderBy", "+created")], 1),
        (vec![("orderBy", "updated")], 1),
    ] {
        let reply = admin.get_with(SEARCH, &query).await;
        assert_eq!(reply.status, StatusCode::OK, "{query:?}: {}", reply.text);
        assert_eq!(reply.body["total"], expected, "{query:?}");
        assert_eq!(
            reply.body["values"].as_array().map(Vec::len),
            Some(expected),
            "{query:?}"
        );
        // The statuses are the page's workflows': none when the page is empty.
        let statuses = reply.body["statuses"].as_array().map(Vec::len);
        assert_eq!(statuses, Some(expected * 3), "{query:?}");
    }
    // The page's links keep the filters, so the next page is of the same list.
    let filtered = admin
        .get_with(SEARCH, &[("queryString", "soft ware"), ("maxResults", "1")])
        .await;
    let self_link = filtered.body["self"].as_str().expect("a self link");
    assert!(
        self_link.ends_with("?queryString=soft+ware&startAt=0&maxResults=1"),
        "{self_link}"
    );

    // A site without projects uses its workflow nowhere: inactive.
    let mut seed = kiln_sim::Seed::default();
    seed.projects.clear();
    let empty = start_with(SimConfig {
        seed,
        ..SimConfig::default()
    })
    .await;
    let inactive = caller(&empty, ADMIN)
        .get_with(SEARCH, &[("isActive", "false")])
        .await;
    assert_eq!(inactive.status, StatusCode::OK, "{}", inactive.text);
    assert_eq!(inactive.body["total"], 1);
    let active = caller(&empty, ADMIN)
        .get_with(SEARCH, &[("isActive", "true")])
        .await;
    assert_eq!(active.body["total"], 0);
    empty.shutdown().await;
    sim.shutdown().await;
}

#[tokio::test]
async fn search_pages_and_refuses_bad_parameters_as_jira_does() {
    let sim = start().await;
    let contract = Contract::new();
    let admin = caller(&sim, ADMIN);
    // `maxResults=0` still pages by one; a huge page is capped.
    for (max, served) in [
        ("0", 1),
        ("1", 1),
        ("2147483647", 50),
        ("9000000000000", 50),
    ] {
        let reply = admin.get_with(SEARCH, &[("maxResults", max)]).await;
        assert_eq!(reply.status, StatusCode::OK, "{max}: {}", reply.text);
        assert_eq!(reply.body["maxResults"], served, "{max}");
        assert_eq!(reply.body["values"].as_array().map(Vec::len), Some(1));
    }
    // Past the end: an empty last page, whatever the offset.
    for start in ["1", "9223372036854775807"] {
        let reply = admin.get_with(SEARCH, &[("startAt", start)]).await;
        assert_eq!(reply.status, StatusCode::OK, "{start}: {}", reply.text);
        contract.check_ref(start, "WorkflowSearchResponse", &reply.body);
        assert_eq!(reply.body["total"], 1);
        assert_eq!(reply.body["values"], json!([]));
        assert_eq!(reply.body["statuses"], json!([]));
        assert_eq!(reply.body["isLast"], true);
        assert!(reply.body.get("nextPage").is_none());
    }
    for bad in [
        ("startAt", "-1"),
        ("startAt", "99999999999999999999999"),
        ("startAt", "first"),
        ("maxResults", "-50"),
        ("maxResults", "1.5"),
        ("orderBy", "key"),
        ("orderBy", "-"),
        ("scope", "TEAM"),
        ("isActive", "maybe"),
    ] {
        let reply = admin.get_with(SEARCH, &[bad]).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{bad:?}: {}",
            reply.text
        );
        let message = reply.body["errorMessages"][0].as_str().unwrap_or_default();
        assert!(message.contains(bad.1), "{bad:?}: {message}");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn read_finds_workflows_by_id_name_and_use() {
    let sim = start().await;
    let contract = Contract::new();
    let admin = caller(&sim, ADMIN);
    let search = admin.get(SEARCH).await;
    let id = search.str_at("/values/0/id");
    let status_ids = site_status_ids(&sim).await;
    for api in ["/rest/api/3", "/rest/api/2"] {
        let path = format!("{api}/workflows");
        for request in [
            json!({ "workflowIds": [id] }),
            json!({ "workflowNames": [WORKFLOW_NAME] }),
            // Named twice, answered once (`uniqueItems`).
            json!({ "workflowIds": [id, "nope"], "workflowNames": [WORKFLOW_NAME, "Other"] }),
            json!({ "projectAndIssueTypes": [{ "projectId": "10000", "issueTypeId": "10002" }] }),
        ] {
            let reply = admin.post(&path, &request).await;
            assert_eq!(reply.status, StatusCode::OK, "{request}: {}", reply.text);
            contract.check_ref(api, "WorkflowReadResponse", &reply.body);
            assert_eq!(
                strings(&reply.body["workflows"], "id"),
                [id.as_str()],
                "{request}"
            );
            // `readWorkflows` always carries the transitions.
            let transitions = &reply.body["workflows"][0]["transitions"];
            assert_eq!(strings(transitions, "id"), ["1", "11", "21", "31"]);
            assert_eq!(
                strings(&reply.body["statuses"], "statusReference"),
                status_ids
            );
        }
    }
    sim.shutdown().await;
}

/// What names no workflow is left out, not refused; a body that is not a
/// `WorkflowReadRequest` is Jira's 400.
#[tokio::test]
async fn read_leaves_out_what_names_no_workflow() {
    let sim = start().await;
    let admin = caller(&sim, ADMIN);
    let many: Vec<String> = (0..10_000).map(|n| format!("missing-{n}")).collect();
    let nothing = json!({ "statuses": [], "workflows": [] });
    for request in [
        json!({}),
        json!({ "workflowIds": null, "workflowNames": null }),
        json!({ "workflowIds": ["6f1c2b5e-0000-0000-0000-000000000000"] }),
        json!({ "workflowNames": [WORKFLOW_NAME.to_uppercase(), "Ünïcödé ✓", "x".repeat(100_000)] }),
        json!({ "workflowIds": many }),
        json!({ "projectAndIssueTypes": [{ "projectId": "99999", "issueTypeId": "10001" }] }),
        json!({ "projectAndIssueTypes": [{ "projectId": "10000", "issueTypeId": "99999" }] }),
    ] {
        let reply = admin.post(READ, &request).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(reply.body, nothing);
    }
    for bad in [
        json!({ "workflowIds": "not a list" }),
        json!({ "workflowNames": [1, 2] }),
        json!({ "projectAndIssueTypes": [{ "projectId": "10000" }] }),
        json!([]),
    ] {
        let reply = admin.post(READ, &bad).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{bad}: {}",
            reply.text
        );
        assert!(reply.body["errorMessages"].is_array(), "{}", reply.text);
    }
    sim.shutdown().await;
}

/// *Administer Jira* reads the site's workflow; *Administer projects* reads only
/// project-scoped workflows (the site has none); anyone else gets the spec's 401.
#[tokio::test]
async fn only_administrators_read_workflows() {
    let sim = start().await;
    let request = json!({ "workflowNames": [WORKFLOW_NAME] });
    for who in [USER, OUTSIDER] {
        let searched = caller(&sim, who).get(SEARCH).await;
        let read = caller(&sim, who).post(READ, &request).await;
        for reply in [searched, read] {
            assert_eq!(
                reply.status,
                StatusCode::UNAUTHORIZED,
                "{who}: {}",
                reply.text
            );
            assert!(reply.body["errorMessages"].is_array(), "{}", reply.text);
        }
    }

    // Through the gateway: the operations' scopes, and the token's user's permissions.
    let gateway = format!("{}/ex/jira/{}", sim.base_url(), sim.cloud_id());
    for (scope, expected) in [
        ("manage:jira-configuration", StatusCode::OK),
        ("read:workflow:jira", StatusCode::OK),
        ("read:jira-work", StatusCode::UNAUTHORIZED),
    ] {
        let token = common::oauth::access_token(&sim, scope).await;
        let searched = send(
            client()
                .get(format!("{gateway}{SEARCH}"))
                .bearer_auth(&token),
        )
        .await;
        assert_eq!(searched.status, expected, "{scope}: {}", searched.text);
        let read = send(
            client()
                .post(format!("{gateway}{READ}"))
                .bearer_auth(&token)
                .json(&request),
        )
        .await;
        assert_eq!(read.status, expected, "{scope}: {}", read.text);
        if expected == StatusCode::OK {
            assert_eq!(searched.body["total"], 1, "{scope}");
            let self_link = searched.body["self"].as_str().expect("a self link");
            assert!(self_link.starts_with(&gateway), "{self_link}");
            assert_eq!(read.body["workflows"][0]["name"], WORKFLOW_NAME);
        }
    }
    sim.shutdown().await;

    // A project's lead administers it, and sees no global workflow.
    let mut seed = kiln_sim::Seed::default();
    seed.projects[1].lead = String::from(USER);
    let led = start_with(SimConfig {
        seed,
        ..SimConfig::default()
    })
    .await;
    let searched = caller(&led, USER).get(SEARCH).await;
    assert_eq!(searched.status, StatusCode::OK, "{}", searched.text);
    assert_eq!(searched.body["total"], 0);
    assert_eq!(searched.body["statuses"], json!([]));
    let read = caller(&led, USER).post(READ, &request).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    assert_eq!(read.body, json!({ "statuses": [], "workflows": [] }));
    led.shutdown().await;
}
