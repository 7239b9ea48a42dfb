//! The site's metadata over a real socket: priorities, statuses, issue types,
//! resolutions and a project's components, each answer checked against the
//! platform spec's schema, with who sees what, paging, v2 and the gateway's
//! scopes.

use crate::common;
use crate::contract::Contract;

use common::oauth::{access_token, app_access_token, gateway_get};
use common::{ADMIN, OUTSIDER, USER, caller, start, start_with};
use kiln_sim::{Seed, SimConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Asserts `reply` is Jira's 404 error body.
fn assert_not_found(contract: &Contract, what: &str, reply: &common::Reply) {
    assert_eq!(
        reply.status,
        StatusCode::NOT_FOUND,
        "{what}: {}",
        reply.text
    );
    contract.check_ref(what, "ErrorCollection", &reply.body);
    assert!(
        reply.body["errorMessages"][0].is_string(),
        "{what}: {}",
        reply.text
    );
}

/// Asserts `reply` is a 200 whose body is an array of `schema`, and returns it.
fn array_of(contract: &Contract, what: &str, schema: &str, reply: &common::Reply) -> Vec<Value> {
    assert_eq!(reply.status, StatusCode::OK, "{what}: {}", reply.text);
    let items = reply
        .body
        .as_array()
        .unwrap_or_else(|| panic!("{what}: not an array: {}", reply.text));
    for item in items {
        contract.check_ref(what, schema, item);
    }
    items.clone()
}

/// The `field` of every item.
fn each(items: &[Value], field: &str) -> Vec<String> {
    items
        .iter()
        .map(|item| item[field].as_str().expect("a string").to_owned())
        .collect()
}

/// The values of a `PageBean` answer, checked against `schema`.
fn page(contract: &Contract, what: &str, schema: &str, reply: &common::Reply) -> Vec<Value> {
    assert_eq!(reply.status, StatusCode::OK, "{what}: {}", reply.text);
    contract.check_ref(what, schema, &reply.body);
    reply.body["values"].as_array().expect("values").clone()
}

#[tokio::test]
async fn priorities_are_the_issues_own_and_the_specs_shape() {
    let contract = Contract::new();
    let sim = start().await;
    let carol = caller(&sim, OUTSIDER);

    let all = array_of(
        &contract,
        "GET /priority",
        "Priority",
        &carol.get("/rest/api/3/priority").await,
    );
    assert_eq!(
        each(&all, "name"),
        ["Highest", "High", "Medium", "Low", "Lowest"]
    );
    assert_eq!(each(&all, "id"), ["1", "2", "3", "4", "5"]);
    assert_eq!(all[0]["statusColor"], "#d04437");
    assert_eq!(all[0]["description"], "This problem will block progress.");
    assert_eq!(
        all[2]["self"],
        format!("{}/rest/api/3/priority/3", sim.base_url())
    );

    // An issue's `priority` is the same priority, in its shorter form.
    let one = carol.get("/rest/api/3/priority/3").await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.text);
    contract.check_ref("GET /priority/{id}", "Priority", &one.body);
    assert_eq!(one.body, all[2]);
    let issue = carol.get("/rest/api/3/issue/KILN-1?fields=priority").await;
    let field = issue.body["fields"]["priority"]
        .as_object()
        .expect("a priority");
    assert!(!field.is_empty());
    for (key, value) in field {
        assert_eq!(&one.body[key], value, "{key}");
    }

    for missing in ["99", "0", "Medium", "1%20OR%201=1"] {
        let reply = carol.get(&format!("/rest/api/3/priority/{missing}")).await;
        assert_not_found(&contract, "GET /priority/{id}", &reply);
    }
    let reply = carol.get("/rest/api/3/priority/99").await;
    assert_eq!(
        reply.body["errorMessages"][0],
        "The priority with id '99' does not exist"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn priority_search_pages_and_filters_as_the_spec_documents() {
    let contract = Contract::new();
    let sim = start().await;
    let (bob, carol) = (USER, OUTSIDER);
    let search = |email: &'static str, query: &str| {
        let path = format!("/rest/api/3/priority/search{query}");
        let who = caller(&sim, email);
        async move { who.get(&path).await }
    };
    let names = |reply: &common::Reply| {
        each(
            &page(&contract, "GET /priority/search", "PageBeanPriority", reply),
            "name",
        )
    };

    let all = search(bob, "").await;
    assert_eq!(names(&all).len(), 5);
    assert_eq!(all.body["total"], 5);
    assert_eq!(all.body["isLast"], true);
    assert_eq!(all.body["maxResults"], 50);
    let defaults: Vec<&Value> = all.body["values"]
        .as_array()
        .expect("values")
        .iter()
        .filter(|p| p["isDefault"] == true)
        .collect();
    assert_eq!(defaults.len(), 1);
    assert_eq!(defaults[0]["name"], "Medium");

    // Paging: two at a time, with a link to the next page until the last.
    let first = search(bob, "?maxResults=2").await;
    assert_eq!(names(&first), ["Highest", "High"]);
    assert_eq!(first.body["isLast"], false);
    assert_eq!(
        first.body["nextPage"],
        format!(
            "{}/rest/api/3/priority/search?startAt=2&maxResults=2",
            sim.base_url()
        )
    );
    let last = search(bob, "?startAt=4&maxResults=2").await;
    assert_eq!(names(&last), ["Lowest"]);
    assert_eq!(last.body["isLast"], true);
    assert!(last.body.get("nextPage").is_none());
    assert!(names(&search(bob, "?startAt=9").await).is_empty());

    // Filters: ids (repeated), default only, name, projects.
    assert_eq!(
        names(&search(bob, "?id=1&id=4&id=99").await),
        ["Highest", "Low"]
    );
    assert!(names(&search(bob, "?id=99").await).is_empty());
    assert_eq!(names(&search(bob, "?onlyDefault=true").await), ["Medium"]);
    assert_eq!(
        names(&search(bob, "?priorityName=HIGH").await),
        ["Highest", "High"]
    );
    assert_eq!(names(&search(bob, "?projectId=10001").await).len(), 5);
    assert_eq!(
        names(&search(bob, "?projectId=10001&onlyDefault=true").await),
        ["Medium"]
    );
    // A project Carol cannot browse is one that does not exist, to her.
    assert!(names(&search(carol, "?projectId=10001").await).is_empty());
    assert!(names(&search(carol, "?projectId=99999").await).is_empty());
    assert_eq!(
        names(&search(carol, "?projectId=10001&projectId=10000").await).len(),
        5
    );

    let bad = search(bob, "?startAt=first").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text);
    contract.check_ref("GET /priority/search 400", "ErrorCollection", &bad.body);
    sim.shutdown().await;
}

#[tokio::test]
async fn statuses_are_found_by_id_or_name() {
    let contract = Contract::new();
    let sim = start().await;
    let carol = caller(&sim, OUTSIDER);

    let all = array_of(
        &contract,
        "GET /status",
        "StatusDetails",
        &carol.get("/rest/api/3/status").await,
    );
    assert_eq!(each(&all, "name"), ["To Do", "In Progress", "Done"]);
    assert_eq!(all[2]["statusCategory"]["key"], "done");

    // KILN-2 is In Progress: its `status` field is `GET /status/{id}`'s answer.
    let issue = carol.get("/rest/api/3/issue/KILN-2?fields=status").await;
    let field = &issue.body["fields"]["status"];
    assert_eq!(field["name"], "In Progress");
    for id_or_name in ["3", "In Progress", "in%20progress", "IN%20PROGRESS"] {
        let reply = carol.get(&format!("/rest/api/3/status/{id_or_name}")).await;
        assert_eq!(reply.status, StatusCode::OK, "{id_or_name}: {}", reply.text);
        contract.check_ref("GET /status/{idOrName}", "StatusDetails", &reply.body);
        assert_eq!(&reply.body, field, "{id_or_name}");
    }
    let done = carol.get("/rest/api/3/status/done").await;
    assert_eq!(done.body["id"], "10001");

    for missing in ["4", "Closed", "10001x"] {
        let reply = carol.get(&format!("/rest/api/3/status/{missing}")).await;
        assert_not_found(&contract, "GET /status/{idOrName}", &reply);
    }
    let reply = carol.get("/rest/api/3/status/Closed").await;
    assert_eq!(
        reply.body["errorMessages"][0],
        "The status with id 'Closed' does not exist"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn issue_types_for_the_site_and_for_a_project() {
    let contract = Contract::new();
    let sim = start().await;
    let carol = caller(&sim, OUTSIDER);

    let all = array_of(
        &contract,
        "GET /issuetype",
        "IssueTypeDetails",
        &carol.get("/rest/api/3/issuetype").await,
    );
    assert_eq!(
        each(&all, "name"),
        ["Task", "Bug", "Story", "Epic", "Sub-task"]
    );
    // Jira Cloud's default hierarchy: Epic above the standard types, Sub-task
    // below.
    let level_of = |name: &str| {
        all.iter()
            .find(|t| t["name"] == name)
            .map(|t| (t["hierarchyLevel"].clone(), t["subtask"].clone()))
    };
    assert_eq!(level_of("Epic"), Some((json!(1), json!(false))));
    assert_eq!(level_of("Story"), Some((json!(0), json!(false))));
    assert_eq!(level_of("Sub-task"), Some((json!(-1), json!(true))));

    // An issue's `issuetype` is `GET /issuetype/{id}`'s answer.
    let issue = carol.get("/rest/api/3/issue/KILN-1?fields=issuetype").await;
    let field = &issue.body["fields"]["issuetype"];
    let id = field["id"].as_str().expect("an id");
    let one = carol.get(&format!("/rest/api/3/issuetype/{id}")).await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.text);
    contract.check_ref("GET /issuetype/{id}", "IssueTypeDetails", &one.body);
    assert_eq!(&one.body, field);
    for missing in ["1", "Task", "project2"] {
        let reply = carol.get(&format!("/rest/api/3/issuetype/{missing}")).await;
        assert_not_found(&contract, "GET /issuetype/{id}", &reply);
    }

    let path = "/rest/api/3/issuetype/project";
    let kiln = array_of(
        &contract,
        "GET /issuetype/project",
        "IssueTypeDetails",
        &carol.get_with(path, &[("projectId", "10000")]).await,
    );
    assert_eq!(kiln, all);
    for (level, names) in [
        ("0", vec!["Task", "Bug", "Story"]),
        ("1", vec!["Epic"]),
        ("-1", vec!["Sub-task"]),
        ("2", vec![]),
    ] {
        let of_level = carol
            .get_with(path, &[("projectId", "10000"), ("level", level)])
            .await;
        let of_level = of_level.body.as_array().cloned().unwrap_or_default();
        assert_eq!(each(&of_level, "name"), names, "level {level}");
    }
    // SEC is hidden from Carol; 99999 does not exist: the same 404.
    for project in ["10001", "99999"] {
        let reply = carol.get_with(path, &[("projectId", project)]).await;
        assert_not_found(&contract, "GET /issuetype/project", &reply);
    }
    let sec = caller(&sim, USER)
        .get_with(path, &[("projectId", "10001")])
        .await;
    assert_eq!(sec.status, StatusCode::OK);
    for query in [
        vec![],
        vec![("projectId", "SEC")],
        vec![("projectId", "10000"), ("level", "epic")],
    ] {
        let reply = carol.get_with(path, &query).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{query:?}");
        contract.check_ref("GET /issuetype/project 400", "ErrorCollection", &reply.body);
    }
    sim.shutdown().await;
}

/// The default site, where Carol browses no project and Alice (a site admin)
/// holds no project permission either.
fn nobody_browses() -> Seed {
    let mut seed = Seed::default();
    for project in &mut seed.projects {
        project.permissions.remove(OUTSIDER);
        project.permissions.remove(ADMIN);
    }
    seed
}

#[tokio::test]
async fn what_a_caller_browsing_no_project_sees() {
    let contract = Contract::new();
    let sim = start_with(SimConfig {
        seed: nobody_browses(),
        ..SimConfig::default()
    })
    .await;
    let (alice, carol) = (caller(&sim, ADMIN), caller(&sim, OUTSIDER));

    // Statuses and issue types are those of projects Carol may browse: none.
    assert_eq!(carol.get("/rest/api/3/status").await.body, json!([]));
    assert_eq!(carol.get("/rest/api/3/issuetype").await.body, json!([]));
    for path in [
        "/rest/api/3/status/3",
        "/rest/api/3/status/Done",
        "/rest/api/3/issuetype/10001",
        "/rest/api/3/issuetype/project?projectId=10000",
        "/rest/api/3/project/KILN/components",
        "/rest/api/3/project/10000/component",
    ] {
        assert_not_found(&contract, path, &carol.get(path).await);
    }
    // Priorities and resolutions need only a signed-in user.
    assert_eq!(
        array_of(
            &contract,
            "GET /priority",
            "Priority",
            &carol.get("/rest/api/3/priority").await
        )
        .len(),
        5
    );
    let resolutions = carol.get("/rest/api/3/resolution/search").await;
    assert_eq!(resolutions.body["total"], 5);

    // Administer Jira sees every issue type, and a project's, without browsing
    // it; statuses still follow the projects browsed.
    let types = alice.get("/rest/api/3/issuetype").await;
    assert_eq!(types.body.as_array().map(Vec::len), Some(5));
    let kiln = alice
        .get("/rest/api/3/issuetype/project?projectId=10000")
        .await;
    assert_eq!(kiln.body.as_array().map(Vec::len), Some(5));
    assert_eq!(
        alice.get("/rest/api/3/issuetype/10003").await.body["name"],
        "Story"
    );
    assert_eq!(alice.get("/rest/api/3/status").await.body, json!([]));
    sim.shutdown().await;
}

#[tokio::test]
async fn resolutions_are_a_new_sites() {
    let contract = Contract::new();
    let sim = start().await;
    let carol = caller(&sim, OUTSIDER);

    let all = array_of(
        &contract,
        "GET /resolution",
        "Resolution",
        &carol.get("/rest/api/3/resolution").await,
    );
    assert_eq!(
        each(&all, "name"),
        [
            "Done",
            "Won't Do",
            "Duplicate",
            "Cannot Reproduce",
            "Declined"
        ]
    );
    assert_eq!(
        each(&all, "id"),
        ["10000", "10001", "10002", "10003", "10004"]
    );
    let one = carol.get("/rest/api/3/resolution/10002").await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.text);
    contract.check_ref("GET /resolution/{id}", "Resolution", &one.body);
    assert_eq!(one.body, all[2]);
    assert_eq!(
        one.body["self"],
        format!("{}/rest/api/3/resolution/10002", sim.base_url())
    );
    for missing in ["1", "Done", "99999"] {
        let reply = carol
            .get(&format!("/rest/api/3/resolution/{missing}"))
            .await;
        assert_not_found(&contract, "GET /resolution/{id}", &reply);
    }

    let search = |query: &'static str| {
        let carol = caller(&sim, OUTSIDER);
        async move {
            carol
                .get(&format!("/rest/api/3/resolution/search{query}"))
                .await
        }
    };
    let what = "GET /resolution/search";
    let schema = "PageBeanResolutionJsonBean";
    let everything = search("").await;
    let values = page(&contract, what, schema, &everything);
    assert_eq!(values.len(), 5);
    assert_eq!(everything.body["isLast"], true);
    // A new site has no default resolution.
    assert!(values.iter().all(|r| r["default"] == false));
    let second = search("?startAt=2&maxResults=2").await;
    assert_eq!(
        each(&page(&contract, what, schema, &second), "name"),
        ["Duplicate", "Cannot Reproduce"]
    );
    assert_eq!(second.body["isLast"], false);
    let named = search("?id=10004&id=10000&id=7").await;
    assert_eq!(
        each(&page(&contract, what, schema, &named), "name"),
        ["Done", "Declined"]
    );
    let defaults = search("?onlyDefault=true").await;
    assert!(page(&contract, what, schema, &defaults).is_empty());
    assert_eq!(defaults.body["total"], 0);
    assert_eq!(
        search("?maxResults=-1").await.status,
        StatusCode::BAD_REQUEST
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_projects_components_with_their_issue_counts() {
    let contract = Contract::new();
    let sim = start().await;
    let (bob, carol) = (caller(&sim, USER), caller(&sim, OUTSIDER));

    let listed = array_of(
        &contract,
        "GET /project/{key}/components",
        "ProjectComponent",
        &carol.get("/rest/api/3/project/KILN/components").await,
    );
    assert_eq!(
        each(&listed, "name"),
        ["Docs", "Manifest", "Runtime", "Simulator"]
    );
    assert!(
        listed
            .iter()
            .all(|c| c["project"] == "KILN" && c["projectId"] == 10000)
    );
    // The same components the project and its issues carry.
    let project = carol.get("/rest/api/3/project/KILN").await;
    for component in project.body["components"].as_array().expect("components") {
        let full = listed
            .iter()
            .find(|c| c["id"] == component["id"])
            .expect("listed");
        for key in ["self", "id", "name"] {
            assert_eq!(full[key], component[key], "{key}");
        }
    }
    let by_id = carol.get("/rest/api/3/project/10000/components").await;
    assert_eq!(by_id.body, Value::Array(listed.clone()));
    let compass = carol
        .get("/rest/api/3/project/KILN/components?componentSource=compass")
        .await;
    assert_eq!(compass.body, json!([]));
    assert_eq!(
        bob.get("/rest/api/3/project/SEC/components").await.body,
        json!([])
    );
    for path in [
        "/rest/api/3/project/SEC/components",
        "/rest/api/3/project/SEC/component",
        "/rest/api/3/project/NOPE/components",
        "/rest/api/3/project/99999/component",
    ] {
        assert_not_found(&contract, path, &carol.get(path).await);
    }

    let what = "GET /project/{key}/component";
    let schema = "PageBeanComponentWithIssueCount";
    let counts = |values: &[Value]| -> Vec<(String, u64)> {
        values
            .iter()
            .map(|c| {
                (
                    c["name"].as_str().expect("a name").to_owned(),
                    c["issueCount"].as_u64().expect("a count"),
                )
            })
            .collect()
    };
    let paged = carol.get("/rest/api/3/project/KILN/component").await;
    let values = page(&contract, what, schema, &paged);
    assert_eq!(paged.body["total"], 4);
    assert_eq!(
        counts(&values),
        [
            (String::from("Docs"), 1),
            (String::from("Manifest"), 1),
            (String::from("Runtime"), 2),
            (String::from("Simulator"), 2),
        ]
    );
    assert_eq!(values[0]["self"], listed[0]["self"]);

    // Counted from the issues as they are now.
    let edited = bob
        .put(
            "/rest/api/3/issue/KILN-6",
            &json!({ "fields": { "components": [{ "name": "Docs" }] } }),
        )
        .await;
    assert_eq!(edited.status, StatusCode::NO_CONTENT, "{}", edited.text);
    let ordered = carol
        .get("/rest/api/3/project/KILN/component?orderBy=-issueCount&maxResults=2")
        .await;
    assert_eq!(
        counts(&page(&contract, what, schema, &ordered)),
        [(String::from("Docs"), 2), (String::from("Runtime"), 2)]
    );
    assert_eq!(ordered.body["isLast"], false);
    assert_eq!(
        ordered.body["nextPage"],
        format!(
            "{}/rest/api/3/project/KILN/component?startAt=2&maxResults=2",
            sim.base_url()
        )
    );
    let rest = carol
        .get("/rest/api/3/project/KILN/component?orderBy=-issueCount&startAt=2&maxResults=2")
        .await;
    assert_eq!(
        counts(&page(&contract, what, schema, &rest)),
        [
            (String::from("Simulator"), 2),
            (String::from("Manifest"), 1)
        ]
    );
    let by_name = carol
        .get("/rest/api/3/project/KILN/component?orderBy=-name&query=U")
        .await;
    assert_eq!(
        each(&page(&contract, what, schema, &by_name), "name"),
        ["Simulator", "Runtime"]
    );
    let bad = carol
        .get("/rest/api/3/project/KILN/component?startAt=x")
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    sim.shutdown().await;
}

#[tokio::test]
async fn rest_api_v2_answers_the_same() {
    let sim = start().await;
    let bob = caller(&sim, USER);
    for path in [
        "/priority",
        "/priority/2",
        "/priority/search?maxResults=2",
        "/status",
        "/status/done",
        "/issuetype",
        "/issuetype/10002",
        "/issuetype/project?projectId=10000",
        "/resolution",
        "/resolution/10001",
        "/resolution/search",
        "/project/KILN/components",
        "/project/KILN/component",
    ] {
        let v3 = bob.get(&format!("/rest/api/3{path}")).await;
        let v2 = bob.get(&format!("/rest/api/2{path}")).await;
        assert_eq!(v2.status, StatusCode::OK, "{path}: {}", v2.text);
        // The same answer, its `self` links naming v2 (`v2.rs` leaves a page's
        // `nextPage` naming v3, which serves the same page).
        let v2_links = |text: &str| text.replace("/rest/api/3/", "/rest/api/2/");
        assert_eq!(v2_links(&v2.text), v2_links(&v3.text), "{path}");
        if let Some(link) = v3.body["self"].as_str() {
            assert_eq!(v2.body["self"], v2_links(link), "{path}");
        }
    }
    let v2 = bob.get("/rest/api/2/priority").await;
    assert_eq!(
        v2.body[0]["self"],
        format!("{}/rest/api/2/priority/1", sim.base_url())
    );
    assert_eq!(
        bob.get("/rest/api/2/priority/9").await.status,
        StatusCode::NOT_FOUND
    );
    sim.shutdown().await;
}

/// Behind the gateway each operation asks for the spec's scopes: classic
/// `read:jira-work` or its own granular scope; `searchPriorities`, which the spec
/// gives no scope, is refused to every token.
#[tokio::test]
async fn the_gateway_asks_for_the_specs_scopes() {
    let sim = start().await;
    let gateway = format!("{}/ex/jira/{}", sim.base_url(), sim.cloud_id());
    let status = |response: reqwest::Response| response.status();

    let classic = access_token(&sim, "read:jira-work").await;
    for path in [
        "/rest/api/3/priority",
        "/rest/api/3/priority/1",
        "/rest/api/3/status",
        "/rest/api/3/status/3",
        "/rest/api/3/issuetype",
        "/rest/api/3/issuetype/10001",
        "/rest/api/3/issuetype/project?projectId=10000",
        "/rest/api/3/resolution",
        "/rest/api/3/resolution/10000",
        "/rest/api/3/resolution/search",
        "/rest/api/3/project/KILN/components",
        "/rest/api/3/project/KILN/component",
        "/rest/api/2/resolution/search",
    ] {
        let response = gateway_get(&sim, &classic, path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let body: Value = response.json().await.expect("JSON");
        let link = body
            .pointer("/0/self")
            .or_else(|| body.pointer("/values/0/self"))
            .or_else(|| body.get("self"))
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("{path}: no self link in {body}"));
        assert!(link.starts_with(&gateway), "{path}: {link}");
    }

    // Granular: each scope opens its own operations and no other.
    let priority = access_token(&sim, "read:priority:jira").await;
    assert_eq!(
        status(gateway_get(&sim, &priority, "/rest/api/3/priority/3").await),
        StatusCode::OK
    );
    for path in ["/rest/api/3/status", "/rest/api/3/resolution"] {
        assert_eq!(
            status(gateway_get(&sim, &priority, path).await),
            StatusCode::UNAUTHORIZED,
            "{path}"
        );
    }
    let resolution = access_token(&sim, "read:resolution:jira").await;
    assert_eq!(
        status(gateway_get(&sim, &resolution, "/rest/api/3/resolution/search").await),
        StatusCode::OK
    );
    let component = access_token(
        &sim,
        "read:project:jira read:project.component:jira read:user:jira read:application-role:jira read:avatar:jira read:group:jira",
    )
    .await;
    assert_eq!(
        status(gateway_get(&sim, &component, "/rest/api/3/project/KILN/components").await),
        StatusCode::OK
    );
    // One scope of the set short: refused.
    let partial = access_token(&sim, "read:project:jira read:project.component:jira").await;
    assert_eq!(
        status(gateway_get(&sim, &partial, "/rest/api/3/project/KILN/components").await),
        StatusCode::UNAUTHORIZED
    );

    // `searchPriorities`: not for apps, whatever the token holds; an API token
    // on the site reaches it.
    let app = app_access_token(&sim).await;
    for token in [&classic, &app] {
        assert_eq!(
            status(gateway_get(&sim, token, "/rest/api/3/priority/search").await),
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        caller(&sim, USER)
            .get("/rest/api/3/priority/search")
            .await
            .status,
        StatusCode::OK
    );
    sim.shutdown().await;
}
