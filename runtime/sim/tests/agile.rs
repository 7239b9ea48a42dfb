//! The Jira Software agile API (`/rest/agile/1.0/...`): boards, their issues
//! and backlogs, sprints and their state rules, moving issues between sprints
//! and the backlog, and the Sprint field (`customfield_10020`) on platform
//! issues and in JQL; every answer with a schema in Atlassian's Software spec
//! checked against it (a committed snapshot, `tests/data/jira-software-schemas.json`).

use crate::common;

use std::path::PathBuf;

use common::spec_snapshot::{Prose, assert_current, collect_refs, reachable_schemas, strip_prose};
use common::{ADMIN, OUTSIDER, USER, caller, client, send, start};
use reqwest::StatusCode;
use serde_json::{Map, Value, json};

const AGILE: &str = "/rest/agile/1.0";

/// The operations whose 2xx answer the Software spec gives a schema for, and
/// that the simulator models: `(operationId, method, path, status)`.
const OPERATIONS: [(&str, &str, &str, &str); 6] = [
    ("getAllBoards", "get", "/rest/agile/1.0/board", "200"),
    ("createBoard", "post", "/rest/agile/1.0/board", "201"),
    ("getBoard", "get", "/rest/agile/1.0/board/{boardId}", "200"),
    (
        "getConfiguration",
        "get",
        "/rest/agile/1.0/board/{boardId}/configuration",
        "200",
    ),
    (
        "getIssuesForBoard",
        "get",
        "/rest/agile/1.0/board/{boardId}/issue",
        "200",
    ),
    (
        "getIssuesForBacklog",
        "get",
        "/rest/agile/1.0/board/{boardId}/backlog",
        "200",
    ),
];

const SPEC_FILE: &str = "jira-software.v3.json";

fn snapshot_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/jira-software-schemas.json")
}

/// The operations' response schemas and every component they reference,
/// without prose.
fn extract(spec: &Value) -> Value {
    let mut operations = Map::new();
    let mut queue = Vec::new();
    for (id, method, path, status) in OPERATIONS {
        let schema = &spec["paths"][path][method]["responses"][status]["content"]["application/json"]
            ["schema"];
        assert!(schema.is_object(), "{id} has a response schema");
        collect_refs(schema, &mut queue);
        operations.insert(id.to_owned(), strip_prose(schema, Prose::DocsAndXml));
    }
    let schemas = reachable_schemas(spec, queue, Prose::DocsAndXml);
    json!({ "operations": operations, "components": { "schemas": schemas } })
}

fn load_snapshot() -> Value {
    let text = std::fs::read_to_string(snapshot_path()).expect("schema snapshot is committed");
    serde_json::from_str(&text).expect("snapshot is JSON")
}

#[test]
fn the_snapshot_matches_the_software_spec() {
    let Some(path) = common::spec_snapshot::spec_path(SPEC_FILE) else {
        eprintln!("skipping: Atlassian's Software spec is not on this machine");
        return;
    };
    let spec: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("readable"))
        .expect("spec is JSON");
    assert_current(&snapshot_path(), &extract(&spec));
}

/// Asserts `instance` is valid against the response schema of `operation`.
fn check(operation: &str, instance: &Value) {
    let snapshot = load_snapshot();
    let mut root = snapshot["operations"][operation].clone();
    assert!(root.is_object(), "{operation} is in the snapshot");
    root["components"] = snapshot["components"].clone();
    let validator = jsonschema::draft4::options()
        .should_validate_formats(false)
        .build(&root)
        .expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{operation} breaks its schema:\n{}",
        errors.join("\n")
    );
}

fn keys(issues: &Value) -> Vec<String> {
    issues["issues"]
        .as_array()
        .expect("issues")
        .iter()
        .map(|i| i["key"].as_str().expect("key").to_owned())
        .collect()
}

fn ids(page: &Value) -> Vec<u64> {
    page["values"]
        .as_array()
        .expect("values")
        .iter()
        .map(|v| v["id"].as_u64().expect("id"))
        .collect()
}

const DATES: (&str, &str) = ("2025-02-03T09:00:00.000+01:00", "2025-02-17T09:00:00.000Z");

/// Creates a sprint on board 1 (KILN's) as Alice; its id.
async fn sprint(sim: &kiln_sim::Simulator, name: &str) -> u64 {
    let made = caller(sim, ADMIN)
        .post(
            &format!("{AGILE}/sprint"),
            &json!({ "name": name, "originBoardId": 1 }),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    made.body["id"].as_u64().expect("id")
}

#[tokio::test]
async fn each_project_has_a_scrum_board_its_readers_see() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let all = alice.get(&format!("{AGILE}/board")).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text);
    check("getAllBoards", &all.body);
    assert_eq!(ids(&all.body), [1, 2]);
    assert_eq!(all.body["total"], 2);
    assert_eq!(all.body["isLast"], true);
    let kiln = &all.body["values"][0];
    assert_eq!(kiln["name"], "KILN board");
    assert_eq!(kiln["type"], "scrum");
    assert_eq!(kiln["location"]["projectKey"], "KILN");
    assert_eq!(kiln["location"]["projectId"], 10000);
    assert_eq!(
        kiln["self"],
        format!("{}{AGILE}/board/1", sim.base_url()).as_str()
    );

    // Paging and the filters.
    let page = alice
        .get_with(
            &format!("{AGILE}/board"),
            &[("startAt", "1"), ("maxResults", "1")],
        )
        .await;
    assert_eq!(ids(&page.body), [2]);
    assert_eq!(
        (
            page.body["startAt"].as_u64(),
            page.body["maxResults"].as_u64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(page.body["isLast"], true);
    let first = alice
        .get_with(&format!("{AGILE}/board"), &[("maxResults", "1")])
        .await;
    assert_eq!(first.body["isLast"], false);
    for (query, expected) in [
        (("projectKeyOrId", "SEC"), vec![2]),
        (("projectKeyOrId", "10000"), vec![1]),
        (("projectKeyOrId", "NOPE"), vec![]),
        (("name", "kiln"), vec![1]),
        (("type", "kanban"), vec![]),
        (("type", "scrum,kanban"), vec![1, 2]),
        (("orderBy", "-name"), vec![2, 1]),
    ] {
        let found = alice.get_with(&format!("{AGILE}/board"), &[query]).await;
        assert_eq!(ids(&found.body), expected, "{query:?}");
    }
    let bad = alice
        .get_with(&format!("{AGILE}/board"), &[("startAt", "x")])
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    // Carol may not browse SEC: its board is hidden from her, and a 404.
    let carol = caller(&sim, OUTSIDER);
    let hers = carol.get(&format!("{AGILE}/board")).await;
    assert_eq!(ids(&hers.body), [1]);
    for path in [
        "/board/2",
        "/board/2/configuration",
        "/board/99",
        "/board/x",
    ] {
        let hidden = carol.get(&format!("{AGILE}{path}")).await;
        assert_eq!(hidden.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(
            hidden.body["errors"]["rapidViewId"],
            "The requested board cannot be viewed because it either does not exist or you do \
             not have permission to view it."
        );
    }

    let one = carol.get(&format!("{AGILE}/board/1")).await;
    check("getBoard", &one.body);
    assert_eq!(one.body, *kiln);

    let config = alice.get(&format!("{AGILE}/board/1/configuration")).await;
    assert_eq!(config.status, StatusCode::OK, "{}", config.text);
    check("getConfiguration", &config.body);
    let columns: Vec<&str> = config.body["columnConfig"]["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .map(|c| c["name"].as_str().expect("name"))
        .collect();
    assert_eq!(columns, ["To Do", "In Progress", "Done"]);
    assert_eq!(
        config.body["columnConfig"]["columns"][2]["statuses"][0]["id"],
        "10001"
    );
    assert_eq!(config.body["estimation"]["type"], "none");
    assert_eq!(
        config.body["location"],
        json!({ "type": "project", "projectKeyOrId": "KILN" })
    );

    let projects = alice.get(&format!("{AGILE}/board/1/project")).await;
    assert_eq!(projects.status, StatusCode::OK);
    assert_eq!(projects.body["total"], 1);
    assert_eq!(projects.body["values"][0]["key"], "KILN");
    sim.shutdown().await;
}

#[tokio::test]
async fn a_board_lists_its_issues_and_its_backlog() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let issues = alice.get(&format!("{AGILE}/board/1/issue")).await;
    assert_eq!(issues.status, StatusCode::OK, "{}", issues.text);
    check("getIssuesForBoard", &issues.body);
    // Rank order: the order the issues were created in.
    assert_eq!(
        keys(&issues.body),
        ["KILN-1", "KILN-2", "KILN-3", "KILN-4", "KILN-5", "KILN-6"]
    );
    assert_eq!(issues.body["total"], 6);
    let first = &issues.body["issues"][0];
    assert_eq!(
        first["fields"]["summary"],
        "Sandbox escapes must be impossible"
    );
    assert_eq!(first["fields"]["sprint"], Value::Null);
    assert_eq!(first["fields"]["closedSprints"], json!([]));
    assert_eq!(first["fields"]["flagged"], false);
    assert_eq!(first["fields"]["customfield_10020"], Value::Null);

    // KILN-2 and KILN-4 are in the default site's active sprint, sprint 1.
    let second = &issues.body["issues"][1];
    assert_eq!(second["fields"]["sprint"]["id"], 1);
    assert_eq!(second["fields"]["sprint"]["state"], "active");
    assert_eq!(second["fields"]["sprint"]["name"], "KILN Sprint 1");
    assert_eq!(issues.body["issues"][3]["fields"]["sprint"]["id"], 1);

    // KILN-1 is done, KILN-2 and KILN-4 in an open sprint: not in the backlog.
    let backlog = alice.get(&format!("{AGILE}/board/1/backlog")).await;
    check("getIssuesForBacklog", &backlog.body);
    assert_eq!(keys(&backlog.body), ["KILN-3", "KILN-5", "KILN-6"]);

    // `jql` narrows and orders, `fields` selects, paging pages.
    let narrowed = alice
        .get_with(
            &format!("{AGILE}/board/1/backlog"),
            &[
                ("jql", "assignee = currentUser() ORDER BY key DESC"),
                ("fields", "summary"),
                ("maxResults", "1"),
                ("startAt", "1"),
            ],
        )
        .await;
    assert_eq!(narrowed.status, StatusCode::OK, "{}", narrowed.text);
    assert_eq!(keys(&narrowed.body), ["KILN-5"]);
    assert_eq!(narrowed.body["total"], 2);
    let fields: Vec<&String> = narrowed.body["issues"][0]["fields"]
        .as_object()
        .expect("fields")
        .keys()
        .collect();
    assert_eq!(fields, ["summary"]);
    let bad = alice
        .get_with(&format!("{AGILE}/board/1/issue"), &[("jql", "bogus = 1")])
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        bad.text.contains("Field 'bogus' does not exist"),
        "{}",
        bad.text
    );

    // Bob may not see SEC's board, Carol sees KILN's issues.
    let bob = caller(&sim, USER);
    assert_eq!(
        bob.get(&format!("{AGILE}/board/2/issue")).await.status,
        StatusCode::OK
    );
    let carol = caller(&sim, OUTSIDER);
    assert_eq!(
        carol.get(&format!("{AGILE}/board/2/backlog")).await.status,
        StatusCode::NOT_FOUND
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn boards_are_created_from_filters_and_deleted_by_their_admins() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let bob = caller(&sim, USER);
    let filter = bob
        .post(
            "/rest/api/3/filter",
            &json!({ "name": "Bugs", "jql": "issuetype = Bug" }),
        )
        .await;
    assert_eq!(filter.status, StatusCode::OK, "{}", filter.text);
    let filter_id: u64 = filter.str_at("/id").parse().expect("numeric id");

    // Refused inputs, each naming its field.
    for (body, field) in [
        (json!({ "type": "scrum", "filterId": filter_id }), "name"),
        (json!({ "name": "B", "filterId": filter_id }), "type"),
        (
            json!({ "name": "B", "type": "agility", "filterId": filter_id }),
            "type",
        ),
        (json!({ "name": "B", "type": "kanban" }), "filterId"),
        (
            json!({ "name": "B", "type": "kanban", "filterId": 999 }),
            "filterId",
        ),
        (
            json!({ "name": "B", "type": "kanban", "filterId": filter_id,
                    "location": { "type": "project" } }),
            "location",
        ),
    ] {
        let refused = bob.post(&format!("{AGILE}/board"), &body).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{body}");
        assert!(
            refused.body["errors"][field].is_string(),
            "{}",
            refused.text
        );
    }
    // Bob's filter is private: Alice cannot build a board on it.
    let private = alice
        .post(
            &format!("{AGILE}/board"),
            &json!({ "name": "B", "type": "kanban", "filterId": filter_id }),
        )
        .await;
    assert_eq!(private.status, StatusCode::BAD_REQUEST);

    let made = bob
        .post(
            &format!("{AGILE}/board"),
            &json!({
                "name": "Bug board", "type": "kanban", "filterId": filter_id,
                "location": { "type": "project", "projectKeyOrId": "KILN" },
            }),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    check("createBoard", &made.body);
    assert_eq!(made.body["id"], 3);
    assert_eq!(made.body["type"], "kanban");
    // The filter's issues that Bob may browse: KILN-5 and SEC-1.
    let issues = bob.get(&format!("{AGILE}/board/3/issue")).await;
    assert_eq!(keys(&issues.body), ["KILN-5", "SEC-1"]);
    let config = bob.get(&format!("{AGILE}/board/3/configuration")).await;
    check("getConfiguration", &config.body);
    assert_eq!(config.body["filter"]["id"], filter_id.to_string().as_str());
    assert!(config.body.get("estimation").is_none(), "kanban");
    let projects = bob.get(&format!("{AGILE}/board/3/project")).await;
    let names: Vec<&str> = projects.body["values"]
        .as_array()
        .expect("values")
        .iter()
        .map(|p| p["key"].as_str().expect("key"))
        .collect();
    assert_eq!(names, ["KILN", "SEC"], "ordered by name");
    let listed = bob
        .get_with(
            &format!("{AGILE}/board"),
            &[("filterId", &filter_id.to_string())],
        )
        .await;
    assert_eq!(ids(&listed.body), [3]);
    // A kanban board has no sprints.
    let sprints = bob.get(&format!("{AGILE}/board/3/sprint")).await;
    assert_eq!(sprints.status, StatusCode::BAD_REQUEST);

    // Alice cannot see it (a private filter) but, a Jira admin, may delete
    // it; Carol may do neither; Bob may delete his own.
    assert_eq!(
        alice.get(&format!("{AGILE}/board/3")).await.status,
        StatusCode::NOT_FOUND
    );
    let carol = caller(&sim, OUTSIDER);
    assert_eq!(
        carol.delete(&format!("{AGILE}/board/3")).await.status,
        StatusCode::NOT_FOUND
    );
    // Bob sees KILN's board but does not administer it.
    let refused = bob.delete(&format!("{AGILE}/board/1")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    assert_eq!(
        alice.delete(&format!("{AGILE}/board/3")).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        bob.get(&format!("{AGILE}/board/3")).await.status,
        StatusCode::NOT_FOUND
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn boards_are_found_by_the_filter_they_show() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let carol = caller(&sim, OUTSIDER);
    let filter = |name: &'static str, jql: &'static str| {
        let alice = &alice;
        async move {
            let made = alice
                .post("/rest/api/3/filter", &json!({ "name": name, "jql": jql }))
                .await;
            assert_eq!(made.status, StatusCode::OK, "{}", made.text);
            made.str_at("/id").parse::<u64>().expect("numeric id")
        }
    };
    let shared = filter("Everything", "project = KILN").await;
    let unused = filter("Unused", "project = SEC").await;
    let mut made = Vec::new();
    for (name, kind) in [("Flow", "kanban"), ("Plan", "scrum")] {
        let board = alice
            .post(
                &format!("{AGILE}/board"),
                &json!({ "name": name, "type": kind, "filterId": shared }),
            )
            .await;
        assert_eq!(board.status, StatusCode::CREATED, "{}", board.text);
        made.push(board.body["id"].as_u64().expect("id"));
    }

    let found = alice.get(&format!("{AGILE}/board/filter/{shared}")).await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    assert_eq!(
        found.body,
        json!({
            "maxResults": 50, "startAt": 0, "total": 2, "isLast": true,
            "values": [
                { "id": made[0], "name": "Flow", "self": format!("{}{AGILE}/board/{}", sim.base_url(), made[0]) },
                { "id": made[1], "name": "Plan", "self": format!("{}{AGILE}/board/{}", sim.base_url(), made[1]) },
            ],
        })
    );
    let paged = alice
        .get(&format!(
            "{AGILE}/board/filter/{shared}?startAt=1&maxResults=1"
        ))
        .await;
    assert_eq!(paged.body["values"][0]["name"], "Plan");
    assert_eq!(
        alice
            .get(&format!("{AGILE}/board/filter/{unused}"))
            .await
            .body["total"],
        0
    );
    // Alice's filter is hers alone: Carol sees neither the filter nor its boards.
    assert_eq!(
        carol
            .get(&format!("{AGILE}/board/filter/{shared}"))
            .await
            .body["total"],
        0
    );
    let refused = alice.get(&format!("{AGILE}/board/filter/abc")).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    sim.shutdown().await;
}

#[tokio::test]
async fn sprints_go_from_future_to_active_to_closed() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let made = alice
        .post(
            &format!("{AGILE}/sprint"),
            &json!({ "name": "  Sprint 1 ", "originBoardId": 1, "goal": "Ship it",
                     "state": "active" }),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    let id = made.body["id"].as_u64().expect("id");
    // Jira Software numbers sprints from 1; the default site's active sprint
    // (KILN Sprint 1) has that id.
    assert_eq!(id, 2, "the next after the default site's sprint 1");
    let seeded = alice.get(&format!("{AGILE}/sprint/1")).await;
    assert_eq!(seeded.body["name"], "KILN Sprint 1", "{}", seeded.text);
    assert_eq!(made.body["name"], "Sprint 1", "trimmed");
    assert_eq!(made.body["state"], "future", "a new sprint is a future one");
    assert_eq!(made.body["originBoardId"], 1);
    assert_eq!(made.body["goal"], "Ship it");
    assert!(made.body.get("startDate").is_none());
    let url = format!("{AGILE}/sprint/{id}");
    assert_eq!(alice.get(&url).await.body, made.body);

    // Starting needs both dates.
    let undated = alice.post(&url, &json!({ "state": "active" })).await;
    assert_eq!(undated.status, StatusCode::BAD_REQUEST);
    assert!(
        undated.text.contains("start date and an end date"),
        "{}",
        undated.text
    );
    let backwards = alice
        .post(&url, &json!({ "startDate": DATES.1, "endDate": DATES.0 }))
        .await;
    assert_eq!(backwards.status, StatusCode::BAD_REQUEST);
    assert!(backwards.body["errors"]["endDate"].is_string());
    let bad_date = alice.post(&url, &json!({ "startDate": "monday" })).await;
    assert!(bad_date.body["errors"]["startDate"].is_string());
    let skipped = alice.post(&url, &json!({ "state": "closed" })).await;
    assert_eq!(skipped.status, StatusCode::BAD_REQUEST, "future to closed");

    let started = alice
        .post(
            &url,
            &json!({ "state": "active", "startDate": DATES.0, "endDate": DATES.1 }),
        )
        .await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.text);
    assert_eq!(started.body["state"], "active");
    assert_eq!(started.body["startDate"], "2025-02-03T08:00:00.000Z");
    assert_eq!(started.body["endDate"], "2025-02-17T09:00:00.000Z");
    assert_eq!(started.body["goal"], "Ship it", "a partial update keeps it");
    let back = alice.post(&url, &json!({ "state": "future" })).await;
    assert_eq!(back.status, StatusCode::BAD_REQUEST);

    // A full update clears what it leaves out; an active sprint keeps its dates.
    let cleared = alice.put(&url, &json!({ "name": "Sprint 1" })).await;
    assert_eq!(cleared.status, StatusCode::BAD_REQUEST, "{}", cleared.text);
    let full = alice
        .put(
            &url,
            &json!({ "name": "Sprint one", "startDate": DATES.0, "endDate": DATES.1 }),
        )
        .await;
    assert_eq!(full.status, StatusCode::OK, "{}", full.text);
    assert_eq!(full.body["goal"], "", "cleared");

    let closed = alice.post(&url, &json!({ "state": "closed" })).await;
    assert_eq!(closed.status, StatusCode::OK);
    assert_eq!(closed.body["state"], "closed");
    assert!(closed.body["completeDate"].is_string());
    // A closed sprint takes a new name and goal only.
    let renamed = alice
        .post(
            &url,
            &json!({ "name": "Retro", "goal": "Done", "state": "active", "endDate": null }),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);
    assert_eq!(renamed.body["name"], "Retro");
    assert_eq!(renamed.body["goal"], "Done");
    assert_eq!(renamed.body["state"], "closed");
    assert_eq!(renamed.body["endDate"], closed.body["endDate"]);

    // The board lists closed, then active, then future sprints; `state` filters.
    let future = sprint(&sim, "Sprint 3").await;
    let active = sprint(&sim, "Sprint 2").await;
    let start = alice
        .post(
            &format!("{AGILE}/sprint/{active}"),
            &json!({ "state": "active", "startDate": DATES.0, "endDate": DATES.1 }),
        )
        .await;
    assert_eq!(start.status, StatusCode::OK);
    // The default site's active sprint 1 comes before the one started here.
    let listed = alice.get(&format!("{AGILE}/board/1/sprint")).await;
    assert_eq!(ids(&listed.body), [id, 1, active, future]);
    for (state, expected) in [
        ("future", vec![future]),
        ("active,closed", vec![id, 1, active]),
    ] {
        let found = alice
            .get_with(&format!("{AGILE}/board/1/sprint"), &[("state", state)])
            .await;
        assert_eq!(ids(&found.body), expected, "{state}");
    }
    let paged = alice
        .get_with(
            &format!("{AGILE}/board/1/sprint"),
            &[("startAt", "3"), ("maxResults", "5")],
        )
        .await;
    assert_eq!(ids(&paged.body), [future]);
    assert_eq!(paged.body["isLast"], true);
    let bogus = alice
        .get_with(&format!("{AGILE}/board/1/sprint"), &[("state", "done")])
        .await;
    assert_eq!(bogus.status, StatusCode::BAD_REQUEST);

    assert_eq!(
        alice
            .delete(&format!("{AGILE}/sprint/{future}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let gone = alice.get(&format!("{AGILE}/sprint/{future}")).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert!(gone.body["errors"]["sprint"].is_string(), "{}", gone.text);
    sim.shutdown().await;
}

#[tokio::test]
async fn sprint_writes_are_refused_with_jiras_statuses() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let bob = caller(&sim, USER);
    let carol = caller(&sim, OUTSIDER);
    for (body, field) in [
        (json!({ "originBoardId": 1 }), "name"),
        (json!({ "name": "   ", "originBoardId": 1 }), "name"),
        (json!({ "name": "S" }), "originBoardId"),
    ] {
        let refused = alice.post(&format!("{AGILE}/sprint"), &body).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{body}");
        assert!(
            refused.body["errors"][field].is_string(),
            "{}",
            refused.text
        );
    }
    let payload = alice
        .post(
            &format!("{AGILE}/sprint"),
            &json!({ "name": 7, "originBoardId": 1 }),
        )
        .await;
    assert_eq!(payload.status, StatusCode::BAD_REQUEST);
    // A board Carol may not see is the spec's 404; one she sees but may not
    // manage sprints on, a 403.
    let hidden = carol
        .post(
            &format!("{AGILE}/sprint"),
            &json!({ "name": "S", "originBoardId": 2 }),
        )
        .await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    let refused = carol
        .post(
            &format!("{AGILE}/sprint"),
            &json!({ "name": "S", "originBoardId": 1 }),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    // Bob edits KILN's issues, so manages its sprints.
    let made = bob
        .post(
            &format!("{AGILE}/sprint"),
            &json!({ "name": "Bob's", "originBoardId": 1 }),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    let url = format!("{AGILE}/sprint/{}", made.body["id"]);
    assert_eq!(
        carol.get(&url).await.status,
        StatusCode::OK,
        "she sees the board"
    );
    assert_eq!(
        carol.post(&url, &json!({ "name": "Mine" })).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(carol.delete(&url).await.status, StatusCode::FORBIDDEN);
    // A SEC sprint is hidden from Carol entirely.
    let sec = alice
        .post(
            &format!("{AGILE}/sprint"),
            &json!({ "name": "Sec", "originBoardId": 2 }),
        )
        .await;
    let sec_url = format!("{AGILE}/sprint/{}", sec.body["id"]);
    for reply in [
        carol.get(&sec_url).await,
        carol.post(&sec_url, &json!({ "name": "x" })).await,
        carol.delete(&sec_url).await,
        carol.get(&format!("{sec_url}/issue")).await,
    ] {
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.text);
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn issues_move_between_sprints_and_the_backlog() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let bob = caller(&sim, USER);
    let carol = caller(&sim, OUTSIDER);
    let first = sprint(&sim, "Sprint 1").await;
    let second = sprint(&sim, "Sprint 2").await;
    let into = |id: u64| format!("{AGILE}/sprint/{id}/issue");

    let moved = bob
        .post(
            &into(first),
            &json!({ "issues": ["KILN-2", "10003", "KILN-2"] }),
        )
        .await;
    assert_eq!(moved.status, StatusCode::NO_CONTENT, "{}", moved.text);
    let in_sprint = carol.get(&into(first)).await;
    assert_eq!(in_sprint.status, StatusCode::OK);
    assert_eq!(keys(&in_sprint.body), ["KILN-2", "KILN-3"]);
    let on_board = alice
        .get(&format!("{AGILE}/board/1/sprint/{first}/issue"))
        .await;
    assert_eq!(keys(&on_board.body), ["KILN-2", "KILN-3"]);
    // KILN-2 left the default site's active sprint for this one; KILN-4 is
    // still in that.
    let backlog = alice.get(&format!("{AGILE}/board/1/backlog")).await;
    assert_eq!(keys(&backlog.body), ["KILN-5", "KILN-6"]);

    // The issue's agile fields, its Sprint field and its changelog say so.
    let agile = alice.get(&format!("{AGILE}/issue/KILN-2")).await;
    assert_eq!(agile.status, StatusCode::OK, "{}", agile.text);
    assert_eq!(agile.body["fields"]["sprint"]["id"], first);
    assert_eq!(agile.body["fields"]["sprint"]["state"], "future");
    let issue = alice
        .get("/rest/api/3/issue/KILN-2?fields=customfield_10020")
        .await;
    assert_eq!(
        issue.body["fields"]["customfield_10020"],
        json!([{ "id": first, "name": "Sprint 1", "state": "future", "boardId": 1, "goal": "" }])
    );
    let changelog = alice.get("/rest/api/3/issue/KILN-2/changelog").await;
    let values = changelog.body["values"].as_array().expect("values");
    let last = &values[values.len() - 1]["items"][0];
    assert_eq!(last["field"], "Sprint");
    assert_eq!(last["fieldId"], "customfield_10020");
    assert_eq!(last["toString"], "Sprint 1");
    assert_eq!(last["to"], first.to_string().as_str());

    // Moving on to another sprint replaces the open one.
    let onward = alice
        .post(&into(second), &json!({ "issues": ["KILN-2"] }))
        .await;
    assert_eq!(onward.status, StatusCode::NO_CONTENT);
    assert_eq!(keys(&alice.get(&into(first)).await.body), ["KILN-3"]);
    let changelog = alice.get("/rest/api/3/issue/KILN-2/changelog").await;
    let values = changelog.body["values"].as_array().expect("values");
    let last = &values[values.len() - 1]["items"][0];
    assert_eq!(
        (last["fromString"].as_str(), last["toString"].as_str()),
        (Some("Sprint 1"), Some("Sprint 2"))
    );

    // Refusals: Carol may not schedule; hidden, unknown and too many issues; a
    // closed sprint takes none.
    let refused = carol
        .post(&into(first), &json!({ "issues": ["KILN-4"] }))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    let hidden = carol
        .post(&into(first), &json!({ "issues": ["SEC-1"] }))
        .await;
    assert_eq!(hidden.status, StatusCode::BAD_REQUEST);
    let many: Vec<String> = (1..=51).map(|n| format!("KILN-{n}")).collect();
    let too_many = alice.post(&into(first), &json!({ "issues": many })).await;
    assert_eq!(too_many.status, StatusCode::BAD_REQUEST);
    assert!(too_many.text.contains("50"), "{}", too_many.text);
    assert_eq!(
        alice
            .post(&into(999), &json!({ "issues": ["KILN-4"] }))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // To the backlog, all or none.
    let partial = alice
        .post(
            &format!("{AGILE}/backlog/issue"),
            &json!({ "issues": ["KILN-3", "NOPE-1"] }),
        )
        .await;
    assert_eq!(partial.status, StatusCode::BAD_REQUEST);
    assert_eq!(keys(&alice.get(&into(first)).await.body), ["KILN-3"]);
    let back = alice
        .post(
            &format!("{AGILE}/backlog/issue"),
            &json!({ "issues": ["KILN-3"] }),
        )
        .await;
    assert_eq!(back.status, StatusCode::NO_CONTENT);
    assert!(keys(&alice.get(&into(first)).await.body).is_empty());

    // Completing a sprint leaves its unfinished issues in the backlog, the
    // closed sprint kept in their Sprint field.
    let url = format!("{AGILE}/sprint/{second}");
    alice
        .post(
            &url,
            &json!({ "state": "active", "startDate": DATES.0, "endDate": DATES.1 }),
        )
        .await;
    alice.post(&url, &json!({ "state": "closed" })).await;
    let backlog = alice.get(&format!("{AGILE}/board/1/backlog")).await;
    assert!(keys(&backlog.body).contains(&String::from("KILN-2")));
    let agile = alice.get(&format!("{AGILE}/issue/KILN-2")).await;
    assert_eq!(agile.body["fields"]["sprint"], Value::Null);
    assert_eq!(agile.body["fields"]["closedSprints"][0]["id"], second);
    let closed = alice
        .post(&into(second), &json!({ "issues": ["KILN-4"] }))
        .await;
    assert_eq!(closed.status, StatusCode::BAD_REQUEST);
    sim.shutdown().await;
}

#[tokio::test]
async fn issues_on_a_board_move_to_its_backlog_ranked() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let bob = caller(&sim, USER);
    let carol = caller(&sim, OUTSIDER);
    let to_backlog = |board: u64| format!("{AGILE}/backlog/{board}/issue");
    let active = format!("{AGILE}/sprint/1/issue");
    assert_eq!(keys(&alice.get(&active).await.body), ["KILN-2", "KILN-4"]);

    // KILN-2 leaves the built-in site's active sprint, ranked before KILN-5.
    let moved = bob
        .post(
            &to_backlog(1),
            &json!({ "issues": ["KILN-2"], "rankBeforeIssue": "KILN-5", "rankCustomFieldId": 10019 }),
        )
        .await;
    assert_eq!(moved.status, StatusCode::NO_CONTENT, "{}", moved.text);
    assert_eq!(keys(&alice.get(&active).await.body), ["KILN-4"]);
    let backlog = keys(&alice.get(&format!("{AGILE}/board/1/backlog")).await.body);
    let at = |key: &str| backlog.iter().position(|k| k == key);
    assert!(
        at("KILN-2").is_some() && at("KILN-2") < at("KILN-5"),
        "{backlog:?}"
    );
    let changelog = alice.get("/rest/api/3/issue/KILN-2/changelog").await;
    let values = changelog.body["values"].as_array().expect("values");
    let last = &values[values.len() - 1]["items"][0];
    assert_eq!(
        (last["field"].as_str(), last["fromString"].as_str()),
        (Some("Sprint"), Some("KILN Sprint 1"))
    );

    // Refusals, all or none: an issue that is not on the board, a board the
    // caller cannot see or that does not exist, one who may not schedule.
    let elsewhere = alice
        .post(&to_backlog(2), &json!({ "issues": ["KILN-4"] }))
        .await;
    assert_eq!(
        elsewhere.status,
        StatusCode::BAD_REQUEST,
        "{}",
        elsewhere.text
    );
    assert_eq!(
        elsewhere.body["errors"]["issues"],
        "Issue KILN-4 is not on board 2."
    );
    assert_eq!(keys(&alice.get(&active).await.body), ["KILN-4"]);
    for (who, board, status) in [
        (&carol, 2, StatusCode::NOT_FOUND),
        (&alice, 999, StatusCode::NOT_FOUND),
        (&carol, 1, StatusCode::FORBIDDEN),
    ] {
        let refused = who
            .post(&to_backlog(board), &json!({ "issues": ["KILN-4"] }))
            .await;
        assert_eq!(refused.status, status, "board {board}: {}", refused.text);
    }
    let none = alice.post(&to_backlog(1), &json!({ "issues": [] })).await;
    assert_eq!(none.status, StatusCode::BAD_REQUEST);

    // A kanban board's backlog is not modelled: the simulator says so.
    let filter = alice
        .post(
            "/rest/api/3/filter",
            &json!({ "name": "All KILN", "jql": "project = KILN" }),
        )
        .await;
    let filter_id: u64 = filter.str_at("/id").parse().expect("numeric id");
    let kanban = alice
        .post(
            &format!("{AGILE}/board"),
            &json!({ "name": "Flow", "type": "kanban", "filterId": filter_id }),
        )
        .await;
    assert_eq!(kanban.status, StatusCode::CREATED, "{}", kanban.text);
    let kanban_id = kanban.body["id"].as_u64().expect("id");
    let unmodelled = alice
        .post(&to_backlog(kanban_id), &json!({ "issues": ["KILN-4"] }))
        .await;
    assert_eq!(
        unmodelled.status,
        StatusCode::NOT_IMPLEMENTED,
        "{}",
        unmodelled.text
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn jql_and_the_field_list_know_the_sprint_field() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let fields = alice.get("/rest/api/3/field").await;
    let sprint_field = fields
        .body
        .as_array()
        .expect("fields")
        .iter()
        .find(|f| f["id"] == "customfield_10020")
        .expect("the Sprint field is listed")
        .clone();
    assert_eq!(sprint_field["name"], "Sprint");
    assert_eq!(
        sprint_field["schema"]["custom"],
        "com.pyxis.greenhopper.jira:gh-sprint"
    );

    let open = sprint(&sim, "Sprint 1").await;
    let done = sprint(&sim, "Old sprint").await;
    for (id, issues) in [(open, vec!["KILN-2", "KILN-3"]), (done, vec!["KILN-4"])] {
        let moved = alice
            .post(
                &format!("{AGILE}/sprint/{id}/issue"),
                &json!({ "issues": issues }),
            )
            .await;
        assert_eq!(moved.status, StatusCode::NO_CONTENT);
    }
    let url = format!("{AGILE}/sprint/{done}");
    alice
        .post(
            &url,
            &json!({ "state": "active", "startDate": DATES.0, "endDate": DATES.1 }),
        )
        .await;
    alice.post(&url, &json!({ "state": "closed" })).await;

    let search = |jql: String| {
        let alice = caller(&sim, ADMIN);
        async move {
            let reply = alice
                .get_with(
                    "/rest/api/3/search/jql",
                    &[("jql", &jql), ("fields", "key")],
                )
                .await;
            assert_eq!(reply.status, StatusCode::OK, "{jql}: {}", reply.text);
            let mut found = keys(&reply.body);
            found.sort();
            found
        }
    };
    assert_eq!(
        search(format!("sprint = {open}")).await,
        ["KILN-2", "KILN-3"]
    );
    assert_eq!(
        search(String::from("sprint = 'sprint 1'")).await,
        ["KILN-2", "KILN-3"]
    );
    assert_eq!(
        search(String::from("project = KILN AND sprint in openSprints()")).await,
        ["KILN-2", "KILN-3"]
    );
    assert_eq!(
        search(String::from("sprint in closedSprints()")).await,
        ["KILN-4"]
    );
    assert_eq!(
        search(String::from("project = KILN AND sprint is EMPTY")).await,
        ["KILN-1", "KILN-5", "KILN-6"]
    );
    assert_eq!(search(format!("cf[10020] = {done}")).await, ["KILN-4"]);
    let unknown = alice
        .get_with("/rest/api/3/search/jql", &[("jql", "sprint = 999")])
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    let equals = alice
        .get_with(
            "/rest/api/3/search/jql",
            &[("jql", "sprint = openSprints()")],
        )
        .await;
    assert_eq!(equals.status, StatusCode::BAD_REQUEST);
    sim.shutdown().await;
}

#[tokio::test]
async fn apps_reach_the_agile_api_through_the_gateway() {
    let sim = start().await;
    let gateway = format!("{}/ex/jira/{}{AGILE}", sim.base_url(), sim.cloud_id());
    let reader = common::oauth::access_token(
        &sim,
        "read:board-scope:jira-software read:project:jira read:sprint:jira-software",
    )
    .await;
    let boards = send(
        client()
            .get(format!("{gateway}/board"))
            .bearer_auth(&reader),
    )
    .await;
    assert_eq!(boards.status, StatusCode::OK, "{}", boards.text);
    assert!(boards.str_at("/values/0/self").starts_with(&gateway));
    let sprints = send(
        client()
            .get(format!("{gateway}/board/1/sprint"))
            .bearer_auth(&reader),
    )
    .await;
    assert_eq!(sprints.status, StatusCode::OK, "{}", sprints.text);
    // Reading scopes do not write sprints.
    let write = send(
        client()
            .post(format!("{gateway}/sprint"))
            .bearer_auth(&reader)
            .json(&json!({ "name": "S", "originBoardId": 1 })),
    )
    .await;
    assert_eq!(write.status, StatusCode::UNAUTHORIZED);
    let writer = common::oauth::access_token(&sim, "write:sprint:jira-software").await;
    let made = send(
        client()
            .post(format!("{gateway}/sprint"))
            .bearer_auth(&writer)
            .json(&json!({ "name": "S", "originBoardId": 1 })),
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    assert!(made.str_at("/self").starts_with(&gateway));
    sim.shutdown().await;
}

/// An ADF document of one paragraph.
fn paragraph(text: &str) -> Value {
    json!({ "type": "doc", "version": 1, "content": [
        { "type": "paragraph", "content": [{ "type": "text", "text": text }] }
    ] })
}

/// Asserts `issue` is shaped as real Jira Cloud's agile API answers one
/// (`test/data/restapi/sprintIssues.json` and `issue.json` of
/// ibuchanan/forge-rovo-guardrail-sprint, commit 123c295): its own `self`
/// under `/rest/agile/1.0/issue/{id}`, nested links under `/rest/api/2/`, a
/// `statusCategory` field as its status's category, and the comments,
/// worklogs and attachments among the default fields.
fn assert_agile_issue(base: &str, issue: &Value) {
    let id = issue["id"].as_str().expect("id");
    assert_eq!(issue["self"], format!("{base}/rest/agile/1.0/issue/{id}"));
    assert_eq!(
        issue["expand"],
        "operations,versionedRepresentations,editmeta,changelog,renderedFields"
    );
    let fields = &issue["fields"];
    let category = &fields["statusCategory"];
    let mut names: Vec<&str> = category
        .as_object()
        .expect("statusCategory is an object")
        .keys()
        .map(String::as_str)
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["colorName", "id", "key", "name", "self"]);
    assert!(category["id"].is_u64(), "{category}");
    assert_eq!(
        category["self"],
        format!("{base}/rest/api/2/statuscategory/{}", category["id"])
    );
    assert_eq!(*category, fields["status"]["statusCategory"]);
    assert!(
        fields["status"]["self"]
            .as_str()
            .expect("status self")
            .starts_with(&format!("{base}/rest/api/2/status/")),
        "{}",
        fields["status"]
    );
    assert!(
        fields["project"]["self"]
            .as_str()
            .expect("project self")
            .starts_with(&format!("{base}/rest/api/2/project/")),
        "{}",
        fields["project"]
    );
    // Real Jira's `comment` also has `"self": ".../rest/api/2/issue/{id}/comment"`;
    // the platform's renderer gives its comment page no `self` (v3 too).
    assert!(fields["comment"]["comments"].is_array(), "{fields}");
    assert!(fields["worklog"]["worklogs"].is_array(), "{fields}");
    assert!(fields["attachment"].is_array(), "{fields}");
    assert!(
        fields["description"].is_string() || fields["description"].is_null(),
        "{fields}"
    );
    assert!(
        !issue.to_string().contains("/rest/api/3/"),
        "no v3 link: {issue}"
    );
}

#[tokio::test]
async fn agile_issues_are_shaped_as_real_jira_answers_them() {
    let sim = start().await;
    let base = sim.base_url().to_owned();
    let alice = caller(&sim, ADMIN);
    let edited = alice
        .put(
            "/rest/api/3/issue/KILN-2",
            &json!({ "fields": { "description": paragraph("Rich text, as a string") } }),
        )
        .await;
    assert_eq!(edited.status, StatusCode::NO_CONTENT, "{}", edited.text);
    let commented = alice
        .post(
            "/rest/api/3/issue/KILN-2/comment",
            &json!({ "body": paragraph("A comment") }),
        )
        .await;
    assert_eq!(commented.status, StatusCode::CREATED, "{}", commented.text);
    let id = sprint(&sim, "Sprint 1").await;
    let moved = alice
        .post(
            &format!("{AGILE}/sprint/{id}/issue"),
            &json!({ "issues": ["KILN-2"] }),
        )
        .await;
    assert_eq!(moved.status, StatusCode::NO_CONTENT, "{}", moved.text);

    let in_sprint = alice.get(&format!("{AGILE}/sprint/{id}/issue")).await;
    assert_eq!(in_sprint.status, StatusCode::OK, "{}", in_sprint.text);
    let on_board = alice.get(&format!("{AGILE}/board/1/issue")).await;
    assert_eq!(on_board.status, StatusCode::OK, "{}", on_board.text);
    check("getIssuesForBoard", &on_board.body);
    let backlog = alice.get(&format!("{AGILE}/board/1/backlog")).await;
    check("getIssuesForBacklog", &backlog.body);
    let one = alice.get(&format!("{AGILE}/issue/KILN-2")).await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.text);

    let listed = &in_sprint.body["issues"][0];
    assert_eq!(listed["key"], "KILN-2");
    for issue in [listed, &one.body] {
        assert_agile_issue(&base, issue);
        let fields = &issue["fields"];
        assert_eq!(fields["description"], "Rich text, as a string");
        let comments = fields["comment"]["comments"].as_array().expect("comments");
        assert!(
            comments.iter().all(|c| c["body"].is_string()),
            "{comments:?}"
        );
        assert_eq!(comments.last().expect("a comment")["body"], "A comment");
        // As `issue.json` carries an issue in progress.
        assert_eq!(
            fields["statusCategory"],
            json!({
                "self": format!("{base}/rest/api/2/statuscategory/4"),
                "id": 4, "key": "indeterminate", "colorName": "yellow", "name": "In Progress"
            })
        );
        // The agile fields keep their agile links.
        assert_eq!(fields["sprint"]["id"], id);
        assert_eq!(
            fields["sprint"]["self"],
            format!("{base}/rest/agile/1.0/sprint/{id}")
        );
    }
    for issue in on_board.body["issues"]
        .as_array()
        .expect("issues")
        .iter()
        .chain(backlog.body["issues"].as_array().expect("issues"))
    {
        assert_agile_issue(&base, issue);
    }

    // Named fields select, the agile ones and `statusCategory` among them.
    let narrow = alice
        .get_with(
            &format!("{AGILE}/issue/KILN-2"),
            &[("fields", "summary,statusCategory")],
        )
        .await;
    let mut names: Vec<&str> = narrow.body["fields"]
        .as_object()
        .expect("fields")
        .keys()
        .map(String::as_str)
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["statusCategory", "summary"]);
    let none = alice
        .get_with(&format!("{AGILE}/issue/KILN-2"), &[("fields", "summary")])
        .await;
    assert!(none.body["fields"].get("statusCategory").is_none());

    // The platform's v3 issue is untouched: a document, v3 links, no field.
    let platform = alice.get("/rest/api/3/issue/KILN-2").await;
    assert!(platform.body["fields"]["description"].is_object());
    assert!(platform.body["fields"].get("statusCategory").is_none());
    assert_eq!(
        platform.body["self"],
        format!(
            "{base}/rest/api/3/issue/{}",
            platform.body["id"].as_str().expect("id")
        )
    );
    sim.shutdown().await;
}
