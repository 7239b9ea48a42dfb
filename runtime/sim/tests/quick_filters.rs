//! A board's quick filters (`GET /rest/agile/1.0/board/{id}/quickfilter` and
//! `/quickfilter/{quickFilterId}`): seeded board data, read by who may view the
//! board; the board's or the filter's `404`; paging and hostile paging values;
//! the seed's checks; the gateway; each answer against the Software spec's
//! schemas.

use crate::common;
use crate::contract::Contract;

use common::{ADMIN, OUTSIDER, USER, caller, client, send, start, start_with};
use kiln_sim::{Seed, SeedBoard, SeedQuickFilter, SimConfig};
use reqwest::StatusCode;
use serde_json::json;

const AGILE: &str = "/rest/agile/1.0";

fn quick_filter(name: &str, jql: &str, description: Option<&str>) -> SeedQuickFilter {
    SeedQuickFilter {
        name: name.to_owned(),
        jql: jql.to_owned(),
        description: description.map(str::to_owned),
    }
}

/// The default site with `count` quick filters on the SEC board (board 2),
/// after the KILN board's two.
fn seed_with_sec_filters(count: usize) -> Seed {
    let mut seed = Seed::default();
    seed.projects[1].board = Some(SeedBoard {
        quick_filters: (0..count)
            .map(|n| quick_filter(&format!("Filter {n}"), "labels = incident", None))
            .collect(),
        sprints: Vec::new(),
    });
    seed
}

#[tokio::test]
async fn the_default_board_lists_its_seeded_quick_filters() {
    let sim = start().await;
    let software = Contract::software_epics();
    let list = caller(&sim, USER)
        .get(&format!("{AGILE}/board/1/quickfilter"))
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    software.check_ref("getAllQuickFilters", "PageBeanQuickFilterBean", &list.body);
    assert_eq!(
        list.body,
        json!({
            "maxResults": 50, "startAt": 0, "total": 2, "isLast": true,
            "values": [
                { "id": 1, "boardId": 1, "name": "Bugs", "jql": "issuetype = Bug",
                  "description": "Issues of type bug", "position": 0 },
                { "id": 2, "boardId": 1, "name": "Runtime", "jql": "component = Runtime",
                  "description": "", "position": 1 },
            ],
        })
    );
    let one = caller(&sim, USER)
        .get(&format!("{AGILE}/board/1/quickfilter/2"))
        .await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.text);
    software.check_ref("getQuickFilter", "QuickFilterBean", &one.body);
    assert_eq!(one.body, list.body["values"][1]);
    // The SEC board has none.
    let none = caller(&sim, ADMIN)
        .get(&format!("{AGILE}/board/2/quickfilter"))
        .await;
    assert_eq!(none.status, StatusCode::OK, "{}", none.text);
    assert_eq!(none.body["total"], 0);
    assert_eq!(none.body["values"], json!([]));
    sim.shutdown().await;
}

#[tokio::test]
async fn its_jql_narrows_a_search_to_what_the_board_would_show() {
    // A quick filter's JQL is a clause an app adds to the board's query: it
    // must be one the site's search runs.
    let sim = start().await;
    let bob = caller(&sim, USER);
    let list = bob.get(&format!("{AGILE}/board/1/quickfilter")).await;
    for filter in list.body["values"].as_array().expect("values") {
        let jql = format!(
            "project = KILN AND ({})",
            filter["jql"].as_str().unwrap_or("")
        );
        let found = bob
            .get_with(
                "/rest/api/3/search/jql",
                &[("jql", &jql), ("fields", "key")],
            )
            .await;
        assert_eq!(found.status, StatusCode::OK, "{jql}: {}", found.text);
        assert!(
            !found.body["issues"].as_array().expect("issues").is_empty(),
            "{jql}"
        );
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn who_may_not_view_the_board_gets_its_404() {
    let sim = start_with(SimConfig {
        seed: seed_with_sec_filters(1),
        ..SimConfig::default()
    })
    .await;
    let software = Contract::software_epics();
    // Bob browses SEC, so sees its board's filters; Carol does not.
    let bob = caller(&sim, USER)
        .get(&format!("{AGILE}/board/2/quickfilter/3"))
        .await;
    assert_eq!(bob.status, StatusCode::OK, "{}", bob.text);
    software.check_ref("getQuickFilter", "QuickFilterBean", &bob.body);
    assert_eq!(bob.body["boardId"], 2);
    let carol = caller(&sim, OUTSIDER);
    for path in ["/board/2/quickfilter", "/board/2/quickfilter/3"] {
        let refused = carol.get(&format!("{AGILE}{path}")).await;
        assert_eq!(
            refused.status,
            StatusCode::NOT_FOUND,
            "{path}: {}",
            refused.text
        );
        // The same answer as `GET /board/2`: one rule for reading a board.
        let board = carol.get(&format!("{AGILE}/board/2")).await;
        assert_eq!(refused.body, board.body, "{path}");
        assert!(
            refused.body["errors"]["rapidViewId"].is_string(),
            "{}",
            refused.text
        );
        Contract::new().check_ref(path, "ErrorCollection", &refused.body);
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn an_unknown_board_or_quick_filter_is_a_404() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    for path in [
        "/board/999/quickfilter",
        "/board/999/quickfilter/1",
        "/board/x/quickfilter",
        "/board/-1/quickfilter/1",
    ] {
        let refused = alice.get(&format!("{AGILE}{path}")).await;
        assert_eq!(
            refused.status,
            StatusCode::NOT_FOUND,
            "{path}: {}",
            refused.text
        );
        assert!(
            refused.body["errors"]["rapidViewId"].is_string(),
            "{}",
            refused.text
        );
    }
    // Filter 1 is the KILN board's, not the SEC board's; ids that name nothing.
    for path in [
        "/board/2/quickfilter/1",
        "/board/1/quickfilter/3",
        "/board/1/quickfilter/0",
        "/board/1/quickfilter/-1",
        "/board/1/quickfilter/abc",
        "/board/1/quickfilter/99999999999999999999999",
    ] {
        let refused = alice.get(&format!("{AGILE}{path}")).await;
        assert_eq!(
            refused.status,
            StatusCode::NOT_FOUND,
            "{path}: {}",
            refused.text
        );
        assert!(
            refused.body["errors"]["quickFilterId"].is_string(),
            "{}",
            refused.text
        );
        Contract::new().check_ref(path, "ErrorCollection", &refused.body);
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn a_new_board_has_none() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let filter = alice
        .post(
            "/rest/api/3/filter",
            &json!({ "name": "Mine", "jql": "assignee = currentUser()" }),
        )
        .await;
    assert_eq!(filter.status, StatusCode::OK, "{}", filter.text);
    let filter_id: u64 = filter.str_at("/id").parse().expect("a numeric id");
    let board = alice
        .post(
            &format!("{AGILE}/board"),
            &json!({ "name": "Mine", "type": "kanban", "filterId": filter_id }),
        )
        .await;
    assert_eq!(board.status, StatusCode::CREATED, "{}", board.text);
    let id = board.body["id"].as_u64().expect("an id");
    let list = alice.get(&format!("{AGILE}/board/{id}/quickfilter")).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    assert_eq!(list.body["total"], 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn the_list_pages_by_position() {
    let sim = start_with(SimConfig {
        seed: seed_with_sec_filters(60),
        ..SimConfig::default()
    })
    .await;
    let alice = caller(&sim, ADMIN);
    let path = format!("{AGILE}/board/2/quickfilter");
    let first = alice.get(&path).await;
    assert_eq!(first.body["total"], 60);
    assert_eq!(first.body["maxResults"], 50, "the cap");
    assert_eq!(first.body["isLast"], false);
    assert_eq!(first.body["values"].as_array().map(Vec::len), Some(50));
    let page = alice
        .get_with(&path, &[("startAt", "55"), ("maxResults", "3")])
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    Contract::software_epics().check_ref("page", "PageBeanQuickFilterBean", &page.body);
    let positions: Vec<_> = page.body["values"]
        .as_array()
        .expect("values")
        .iter()
        .map(|v| v["position"].as_u64())
        .collect();
    assert_eq!(positions, [Some(55), Some(56), Some(57)]);
    assert_eq!(page.body["values"][0]["name"], "Filter 55");
    assert_eq!(page.body["isLast"], false);
    let last = alice
        .get_with(&path, &[("startAt", "58"), ("maxResults", "5")])
        .await;
    assert_eq!(last.body["isLast"], true);
    assert_eq!(last.body["values"].as_array().map(Vec::len), Some(2));
    // Hostile numbers: the largest are answered, the rest are Jira's 400.
    let max = u64::MAX.to_string();
    let huge = alice
        .get_with(&path, &[("startAt", &max), ("maxResults", &max)])
        .await;
    assert_eq!(huge.status, StatusCode::OK, "{}", huge.text);
    assert_eq!(huge.body["values"], json!([]));
    for (name, bad) in [
        ("startAt", "-1"),
        ("maxResults", "-5"),
        ("startAt", "18446744073709551616"),
        ("maxResults", "ten"),
    ] {
        let refused = alice.get_with(&path, &[(name, bad)]).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{name}={bad}");
        assert!(refused.body["errorMessages"].is_array(), "{}", refused.text);
    }
    sim.shutdown().await;
}

#[test]
fn a_seed_with_a_bad_quick_filter_is_refused_at_load() {
    let mut seed = Seed::default();
    seed.projects[1].board = Some(SeedBoard {
        quick_filters: vec![quick_filter("Broken", "labels = (", None)],
        sprints: Vec::new(),
    });
    let error = seed.validate().expect_err("bad JQL").to_string();
    assert!(error.contains("project SEC's board"), "{error}");
    assert!(error.contains("\"Broken\": invalid JQL"), "{error}");
    let too_many = seed_with_sec_filters(101).validate().expect_err("too many");
    assert!(too_many.to_string().contains("at most 100"), "{too_many}");
    let unknown = r#"{"users": [], "projects": [{"id": "1", "key": "X", "name": "X",
        "lead": "a@example.com", "board": {"quickFilters": [{"name": "n", "jql": "x = 1",
        "colour": "red"}]}}]}"#;
    assert!(
        Seed::from_json(unknown).is_err(),
        "unknown fields are refused"
    );
}

#[tokio::test]
async fn apps_read_them_through_the_gateway_with_the_specs_scopes() {
    let sim = start().await;
    let gateway = format!("{}/ex/jira/{}{AGILE}", sim.base_url(), sim.cloud_id());
    let reader =
        common::oauth::access_token(&sim, "read:board-scope.admin:jira-software read:jql:jira")
            .await;
    let list = send(
        client()
            .get(format!("{gateway}/board/1/quickfilter"))
            .bearer_auth(&reader),
    )
    .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    assert_eq!(list.body["total"], 2);
    let without = common::oauth::access_token(&sim, "read:board-scope:jira-software").await;
    let refused = send(
        client()
            .get(format!("{gateway}/board/1/quickfilter/1"))
            .bearer_auth(&without),
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.text);
    sim.shutdown().await;
}
