//! JQL's system fields `created`, `updated`, `resolved`, `statusCategory`,
//! `priority` and `resolution`: searched and sorted as Jira does, against the
//! simulator's clock, and refused in Jira's words.
//!
//! The seed's KILN issues were created (UTC) KILN-1 2025-01-06 09:00, KILN-2
//! 01-07 10:30, KILN-3 01-08 11:00, KILN-4 01-09 14:15, KILN-5 01-10 08:45,
//! KILN-6 01-13 16:00; each comment an hour after the one before (KILN-1's two
//! update it to 11:00, KILN-2's one to 11:30, KILN-5's one to 09:45). KILN-1 is
//! Done (so resolved "Done" at 11:00), KILN-2 and KILN-5 In Progress, the rest
//! To Do; all are Medium.

use crate::common;

use common::{ADMIN, caller, start_with};
use kiln_sim::{SimClock, SimConfig};
use reqwest::StatusCode;
use serde_json::json;
use time::macros::datetime;

/// The keys `jql` finds, in the answer's order, or Jira's first error message.
async fn keys(alice: &common::Caller<'_>, jql: &str) -> Result<Vec<String>, String> {
    let found = alice
        .post(
            "/rest/api/3/search/jql",
            &json!({ "jql": jql, "fields": ["summary"], "maxResults": 100 }),
        )
        .await;
    if found.status != StatusCode::OK {
        assert_eq!(
            found.status,
            StatusCode::BAD_REQUEST,
            "{jql}: {}",
            found.text
        );
        return Err(found.body["errorMessages"][0]
            .as_str()
            .unwrap_or(&found.text)
            .to_owned());
    }
    Ok(found.body["issues"]
        .as_array()
        .expect("issues")
        .iter()
        .map(|i| i["key"].as_str().expect("key").to_owned())
        .collect())
}

fn kiln(clause: &str) -> String {
    format!("project = KILN AND {clause} ORDER BY key")
}

fn owned(keys: &[&str]) -> Result<Vec<String>, String> {
    Ok(keys.iter().map(|k| (*k).to_owned()).collect())
}

/// A site whose clock stands at Tuesday 2025-01-14 12:00 UTC.
async fn site(clock: &SimClock) -> kiln_sim::Simulator {
    start_with(SimConfig {
        clock: clock.clone(),
        ..SimConfig::default()
    })
    .await
}

fn tuesday() -> SimClock {
    SimClock::frozen_at(datetime!(2025-01-14 12:00 UTC).into())
}

const ALL: [&str; 6] = ["KILN-1", "KILN-2", "KILN-3", "KILN-4", "KILN-5", "KILN-6"];

#[tokio::test]
async fn the_forge_apps_queries_run() {
    let clock = tuesday();
    let sim = site(&clock).await;
    let alice = caller(&sim, ADMIN);
    assert_eq!(
        keys(
            &alice,
            "project = \"KILN\" AND statusCategory = Done AND updated >= -30d"
        )
        .await,
        owned(&["KILN-1"])
    );
    let all = keys(&alice, "created >= \"2000/01/01\" ORDER BY key").await;
    assert_eq!(all.as_ref().map(Vec::len), Ok(8), "{all:?}");
    // Thirty days on, KILN-1 was last updated too long ago.
    clock.advance(std::time::Duration::from_secs(30 * 24 * 3600));
    assert_eq!(
        keys(
            &alice,
            "project = \"KILN\" AND statusCategory = Done AND updated >= -30d"
        )
        .await,
        owned(&[])
    );
}

#[tokio::test]
async fn created_and_updated_compare_as_instants() {
    let clock = tuesday();
    let sim = site(&clock).await;
    let alice = caller(&sim, ADMIN);
    let cases: &[(&str, &[&str])] = &[
        (
            "created >= \"2025/01/08\"",
            &["KILN-3", "KILN-4", "KILN-5", "KILN-6"],
        ),
        (
            "createdDate > 2025-01-08",
            &["KILN-3", "KILN-4", "KILN-5", "KILN-6"],
        ),
        ("created < \"2025-01-07 10:30\"", &["KILN-1"]),
        ("created <= \"2025/01/07 10:30\"", &["KILN-1", "KILN-2"]),
        // A date is its midnight: equality is to the instant, as in Jira.
        ("created = \"2025-01-07 10:30\"", &["KILN-2"]),
        ("created = \"2025-01-07\"", &[]),
        (
            "created in (\"2025-01-06 09:00\", \"2025/01/13 16:00\")",
            &["KILN-1", "KILN-6"],
        ),
        (
            "created not in (\"2025-01-06 09:00\", \"2025/01/13 16:00\")",
            &["KILN-2", "KILN-3", "KILN-4", "KILN-5"],
        ),
        (
            "created != \"2025-01-06 09:00\"",
            &["KILN-2", "KILN-3", "KILN-4", "KILN-5", "KILN-6"],
        ),
        ("created is EMPTY", &[]),
        ("created is not EMPTY", &ALL),
        // Comments moved `updated` on.
        ("updated = \"2025-01-06 11:00\"", &["KILN-1"]),
        ("updatedDate > \"2025-01-10 09:00\"", &["KILN-5", "KILN-6"]),
        (
            "updated > \"2025-01-07 11:00\" AND updated < \"2025-01-08\"",
            &["KILN-2"],
        ),
        // Periods from the clock: 2025-01-09 12:00 and 2025-01-07 12:00.
        ("created >= -5d", &["KILN-4", "KILN-5", "KILN-6"]),
        (
            "created > \"-1w\"",
            &["KILN-3", "KILN-4", "KILN-5", "KILN-6"],
        ),
        ("created > \"-4d 3h 15m\"", &["KILN-6"]),
        ("created < \"-7d\"", &["KILN-1", "KILN-2"]),
        // Functions: the week started on Sunday 2025-01-12.
        ("created >= startOfWeek()", &["KILN-6"]),
        ("created >= startOfWeek(-1)", &ALL),
        (
            "created < endOfWeek(\"-1w\")",
            &["KILN-1", "KILN-2", "KILN-3", "KILN-4", "KILN-5"],
        ),
        (
            "created < startOfDay(\"-3d\")",
            &["KILN-1", "KILN-2", "KILN-3", "KILN-4", "KILN-5"],
        ),
        ("created >= startOfMonth(\"+9d\")", &["KILN-5", "KILN-6"]),
        (
            "created >= startOfMonth() AND created <= endOfMonth()",
            &ALL,
        ),
        ("created < startOfYear()", &[]),
        ("created > endOfYear(-1)", &ALL),
        ("created <= endOfDay()", &ALL),
        ("updated > now()", &[]),
        (
            "created >= startOfDay(-1) AND created < startOfDay()",
            &["KILN-6"],
        ),
    ];
    for (clause, expected) in cases {
        assert_eq!(
            keys(&alice, &kiln(clause)).await,
            owned(expected),
            "{clause}"
        );
    }

    // An edit moves `updated` to the clock's now.
    let put = alice
        .put(
            "/rest/api/3/issue/KILN-3",
            &json!({ "fields": { "summary": "Document the manifest format, again" } }),
        )
        .await;
    assert_eq!(put.status, StatusCode::NO_CONTENT, "{}", put.text);
    assert_eq!(
        keys(&alice, &kiln("updated >= startOfDay()")).await,
        owned(&["KILN-3"])
    );
    assert_eq!(
        keys(&alice, &kiln("updated = \"2025-01-14 12:00\"")).await,
        owned(&["KILN-3"])
    );

    // Sorted by either, and relative values follow the clock.
    assert_eq!(
        keys(&alice, "project = KILN ORDER BY updated DESC").await,
        owned(&["KILN-3", "KILN-6", "KILN-5", "KILN-4", "KILN-2", "KILN-1"])
    );
    assert_eq!(
        keys(&alice, "project = KILN ORDER BY created ASC").await,
        owned(&ALL)
    );
    clock.advance(std::time::Duration::from_secs(24 * 3600));
    assert_eq!(
        keys(&alice, &kiln("created >= -5d")).await,
        owned(&["KILN-6"])
    );
}

#[tokio::test]
async fn the_seeded_done_issue_is_the_resolved_one() {
    let clock = tuesday();
    let sim = site(&clock).await;
    let alice = caller(&sim, ADMIN);
    const OPEN: [&str; 5] = ["KILN-2", "KILN-3", "KILN-4", "KILN-5", "KILN-6"];
    // KILN-1 is Done: resolved "Done" at its last update, 2025-01-06 11:00.
    let cases: &[(&str, &[&str])] = &[
        ("resolution = Unresolved", &OPEN),
        ("resolution in (unresolved, Done)", &ALL),
        ("resolution is EMPTY", &OPEN),
        ("resolution is not EMPTY", &["KILN-1"]),
        ("resolution = Done", &["KILN-1"]),
        ("resolution = 10000", &["KILN-1"]),
        ("resolution in (Duplicate, \"Won't Do\")", &[]),
        // `!=` never matches an issue without a value, as in Jira.
        ("resolution != Done", &[]),
        ("resolution != Unresolved", &["KILN-1"]),
        ("resolved is EMPTY", &OPEN),
        ("resolutiondate is not EMPTY", &["KILN-1"]),
        ("resolved >= -30d", &["KILN-1"]),
        ("resolved < now()", &["KILN-1"]),
        ("resolved = \"2025-01-06 11:00\"", &["KILN-1"]),
        ("resolved > \"2025-01-06 11:00\"", &[]),
    ];
    for (clause, expected) in cases {
        assert_eq!(
            keys(&alice, &kiln(clause)).await,
            owned(expected),
            "{clause}"
        );
    }
    // Unresolved issues sort last ascending, so first descending.
    assert_eq!(
        keys(&alice, "project = KILN ORDER BY resolved DESC, key ASC").await,
        owned(&["KILN-2", "KILN-3", "KILN-4", "KILN-5", "KILN-6", "KILN-1"])
    );
    assert_eq!(
        keys(&alice, "project = KILN ORDER BY resolution ASC, key DESC").await,
        owned(&["KILN-1", "KILN-6", "KILN-5", "KILN-4", "KILN-3", "KILN-2"])
    );
    assert_eq!(
        keys(&alice, "resolution = Fixed").await,
        Err(String::from(
            "The value 'Fixed' does not exist for the field 'resolution'."
        ))
    );
}

#[tokio::test]
async fn status_categories_by_name_key_and_id() {
    let clock = tuesday();
    let sim = site(&clock).await;
    let alice = caller(&sim, ADMIN);
    let cases: &[(&str, &[&str])] = &[
        ("statusCategory = \"In Progress\"", &["KILN-2", "KILN-5"]),
        ("statusCategory = indeterminate", &["KILN-2", "KILN-5"]),
        ("statuscategory = 4", &["KILN-2", "KILN-5"]),
        (
            "statusCategory = \"to do\"",
            &["KILN-3", "KILN-4", "KILN-6"],
        ),
        (
            "statusCategory in (new, 3)",
            &["KILN-1", "KILN-3", "KILN-4", "KILN-6"],
        ),
        (
            "statusCategory != Done",
            &["KILN-2", "KILN-3", "KILN-4", "KILN-5", "KILN-6"],
        ),
        (
            "statusCategory not in (\"To Do\", done)",
            &["KILN-2", "KILN-5"],
        ),
    ];
    for (clause, expected) in cases {
        assert_eq!(
            keys(&alice, &kiln(clause)).await,
            owned(expected),
            "{clause}"
        );
    }
    // A transition moves the issue into its new status's category.
    let moved = alice
        .post(
            "/rest/api/3/issue/KILN-3/transitions",
            &json!({ "transition": { "id": "31" } }),
        )
        .await;
    assert_eq!(moved.status, StatusCode::NO_CONTENT, "{}", moved.text);
    assert_eq!(
        keys(&alice, &kiln("statusCategory = Done")).await,
        owned(&["KILN-1", "KILN-3"])
    );
    for (jql, message) in [
        (
            "statusCategory = Closed",
            "The value 'Closed' does not exist for the field 'statusCategory'.",
        ),
        (
            "statusCategory ~ Done",
            "The operator '~' is not supported by the 'statusCategory' field.",
        ),
        (
            "statusCategory > 2",
            "The operator '>' is not supported by the 'statusCategory' field.",
        ),
    ] {
        assert_eq!(keys(&alice, jql).await, Err(String::from(message)), "{jql}");
    }
}

/// Jira Cloud's "Status Category" field: `/field` lists it (as Jira Cloud
/// does, without a `schema`) and JQL searches it, but the platform's issues
/// never carry it in `fields`, however asked (Jira Cloud's `*all` answer has no
/// such key): the category is `fields.status.statusCategory`. The agile API's
/// issues carry it as a field too (real Jira Cloud's `sprintIssues.json`).
#[tokio::test]
async fn status_category_is_listed_and_searched_but_never_a_platform_issue_field() {
    let clock = tuesday();
    let sim = site(&clock).await;
    let alice = caller(&sim, ADMIN);
    let listed = alice.get("/rest/api/3/field").await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    let found: Vec<_> = listed
        .body
        .as_array()
        .expect("fields")
        .iter()
        .filter(|f| f["id"] == "statusCategory")
        .collect();
    assert_eq!(
        found,
        [&json!({
            "id": "statusCategory", "key": "statusCategory", "name": "Status Category",
            "custom": false, "orderable": false, "navigable": true, "searchable": true,
            "clauseNames": ["statusCategory"],
        })]
    );
    assert_eq!(
        keys(&alice, &kiln("statusCategory = Done")).await,
        owned(&["KILN-1"])
    );

    let sprint = alice
        .post(
            "/rest/agile/1.0/sprint",
            &json!({ "name": "Sprint 1", "originBoardId": 1 }),
        )
        .await;
    assert_eq!(sprint.status, StatusCode::CREATED, "{}", sprint.text);
    let sprint_issues = format!("/rest/agile/1.0/sprint/{}/issue", sprint.body["id"]);
    let moved = alice
        .post(&sprint_issues, &json!({ "issues": ["KILN-1", "KILN-2"] }))
        .await;
    assert_eq!(moved.status, StatusCode::NO_CONTENT, "{}", moved.text);

    let single = |fields: &str| format!("/rest/api/3/issue/KILN-1?fields={fields}");
    let lists = [
        single("*all"),
        single("*navigable"),
        single("statusCategory"),
        single("status,statusCategory"),
        String::from("/rest/api/3/search/jql?jql=key%3DKILN-1&fields=*navigable"),
        String::from("/rest/api/3/search/jql?jql=key%3DKILN-1&fields=statusCategory,status"),
    ];
    // The agile API's issues do carry it, as their status's category (real
    // Jira Cloud's `sprintIssues.json`); checked in `agile.rs`.
    let agile = [
        sprint_issues.clone(),
        format!("{sprint_issues}?fields=statusCategory,status"),
        String::from("/rest/agile/1.0/board/1/issue?jql=key%3DKILN-1"),
    ];
    for path in agile {
        let answer = alice.get(&path).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.text);
        let done = answer.body["issues"]
            .as_array()
            .expect("issues")
            .iter()
            .find(|i| i["key"] == "KILN-1")
            .cloned()
            .unwrap_or_else(|| panic!("{path}: KILN-1 in {}", answer.text));
        assert_eq!(done["fields"]["statusCategory"]["key"], "done", "{path}");
        assert_eq!(
            done["fields"]["statusCategory"], done["fields"]["status"]["statusCategory"],
            "{path}"
        );
    }
    for path in lists {
        let answer = alice.get(&path).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.text);
        let issues = match answer.body.get("issues") {
            Some(issues) => issues.as_array().expect("issues").clone(),
            None => vec![answer.body.clone()],
        };
        let done = issues
            .iter()
            .find(|i| i["key"] == "KILN-1")
            .unwrap_or_else(|| panic!("{path}: KILN-1 in {}", answer.text));
        let fields = done["fields"].as_object().expect("fields");
        assert!(!fields.contains_key("statusCategory"), "{path}: {fields:?}");
        if fields.contains_key("status") {
            assert_eq!(fields["status"]["statusCategory"]["key"], "done", "{path}");
        }
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn priorities_by_name_id_and_order() {
    let clock = tuesday();
    let sim = site(&clock).await;
    let alice = caller(&sim, ADMIN);
    for (key, priority) in [
        ("KILN-2", json!({ "name": "High" })),
        ("KILN-4", json!({ "id": "5" })),
    ] {
        let put = alice
            .put(
                &format!("/rest/api/3/issue/{key}"),
                &json!({ "fields": { "priority": priority } }),
            )
            .await;
        assert_eq!(put.status, StatusCode::NO_CONTENT, "{}", put.text);
    }
    let cases: &[(&str, &[&str])] = &[
        ("priority = High", &["KILN-2"]),
        ("priority = 2", &["KILN-2"]),
        ("priority = lowest", &["KILN-4"]),
        ("priority in (High, Lowest)", &["KILN-2", "KILN-4"]),
        ("priority != Medium", &["KILN-2", "KILN-4"]),
        ("priority not in (Medium, 2)", &["KILN-4"]),
        ("priority is EMPTY", &[]),
        // Higher is more urgent: Highest > High > Medium > Low > Lowest.
        ("priority > Medium", &["KILN-2"]),
        (
            "priority >= Medium",
            &["KILN-1", "KILN-2", "KILN-3", "KILN-5", "KILN-6"],
        ),
        ("priority < Medium", &["KILN-4"]),
        ("priority <= Low", &["KILN-4"]),
        ("priority > Highest", &[]),
        (
            "priority < 1",
            &["KILN-1", "KILN-2", "KILN-3", "KILN-4", "KILN-5", "KILN-6"],
        ),
    ];
    for (clause, expected) in cases {
        assert_eq!(
            keys(&alice, &kiln(clause)).await,
            owned(expected),
            "{clause}"
        );
    }
    assert_eq!(
        keys(&alice, "project = KILN ORDER BY priority DESC, key ASC").await,
        owned(&["KILN-2", "KILN-1", "KILN-3", "KILN-5", "KILN-6", "KILN-4"])
    );
    assert_eq!(
        keys(&alice, "project = KILN ORDER BY priority, key DESC").await,
        owned(&["KILN-4", "KILN-6", "KILN-5", "KILN-3", "KILN-1", "KILN-2"])
    );
    for jql in [
        "priority = Urgent",
        "priority > Urgent",
        "priority in (High, Urgent)",
    ] {
        assert_eq!(
            keys(&alice, jql).await,
            Err(String::from(
                "The value 'Urgent' does not exist for the field 'priority'."
            )),
            "{jql}"
        );
    }
}

/// `key` (`issuekey`, `id`, `issue`) takes `<`, `<=`, `>`, `>=` as Jira's does:
/// the bound names an issue by key or id, as `=` does, and the range is that
/// issue's project's keys by number, so KILN-10 comes after KILN-9 and no SEC
/// issue is in a KILN range. A bound that names no issue is refused as `=`
/// refuses it.
#[tokio::test]
async fn issue_keys_compare_by_number_within_the_bounds_project() {
    let sim = site(&tuesday()).await;
    let alice = caller(&sim, ADMIN);
    for n in 7..=11 {
        let created = alice
            .post(
                "/rest/api/3/issue",
                &json!({ "fields": {
                    "project": { "key": "KILN" }, "issuetype": { "name": "Task" },
                    "summary": format!("Issue {n}"),
                } }),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
        assert_eq!(created.body["key"], format!("KILN-{n}"), "{}", created.text);
    }
    let kiln_9 = alice.get("/rest/api/3/issue/KILN-9").await.str_at("/id");
    let everywhere = |clause: &str| format!("{clause} ORDER BY key");
    let cases: Vec<(String, &[&str])> = vec![
        (everywhere("key > KILN-9"), &["KILN-10", "KILN-11"]),
        (
            everywhere("issuekey >= kiln-9"),
            &["KILN-9", "KILN-10", "KILN-11"],
        ),
        (everywhere("issue < KILN-3"), &["KILN-1", "KILN-2"]),
        (everywhere("key <= KILN-2"), &["KILN-1", "KILN-2"]),
        (
            everywhere(&format!("id > {kiln_9}")),
            &["KILN-10", "KILN-11"],
        ),
        (everywhere("key >= SEC-1"), &["SEC-1", "SEC-2"]),
        (everywhere("key > SEC-2"), &[]),
        (
            everywhere("key > KILN-2 AND key < KILN-10 AND key != KILN-5"),
            &["KILN-3", "KILN-4", "KILN-6", "KILN-7", "KILN-8", "KILN-9"],
        ),
        (
            everywhere("NOT key > KILN-2 AND project = KILN"),
            &["KILN-1", "KILN-2"],
        ),
    ];
    for (jql, expected) in &cases {
        assert_eq!(keys(&alice, jql).await, owned(expected), "{jql}");
    }
    assert_eq!(
        keys(&alice, "key > KILN-99").await,
        Err(String::from(
            "An issue with key 'KILN-99' does not exist for field 'key'."
        ))
    );
}

#[tokio::test]
async fn bad_values_are_refused_in_jiras_words() {
    let sim = site(&tuesday()).await;
    let alice = caller(&sim, ADMIN);
    for (jql, message) in [
        (
            "created >= \"yesterday\"",
            "Date value 'yesterday' for field 'created' is invalid. Valid formats include: \
             'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period \
             format e.g. '-5d', '4w 2d'.",
        ),
        (
            "updated = \"2025-01-14 25:00\"",
            "Date value '2025-01-14 25:00' for field 'updated' is invalid. Valid formats include: \
             'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period \
             format e.g. '-5d', '4w 2d'.",
        ),
        (
            // The due date is a day: it takes no time of day.
            "duedate = \"2025-01-14 10:00\"",
            "Date value '2025-01-14 10:00' for field 'duedate' is invalid. Valid formats include: \
             'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'.",
        ),
        (
            "created > currentUser()",
            "Function 'currentUser' is not supported by the field 'created'.",
        ),
        (
            "created > lastLogin()",
            "Unable to find JQL function 'lastLogin()'.",
        ),
        (
            "created < startOfMonth(\"-1q\")",
            "Duration for function 'startOfMonth' should have the format (+/-)n(yMwdm), e.g -1M \
             for 1 month earlier.",
        ),
        (
            "created < startOfDay(-1, 2)",
            "Function 'startOfDay' expected between '0' and '1' arguments but received '2'.",
        ),
        (
            "created < now(\"-1d\")",
            "Function 'now' expected '0' arguments but received '1'.",
        ),
        (
            "assignee = currentUser(x)",
            "Function 'currentUser' expected '0' arguments but received '1'.",
        ),
        (
            "created ~ \"2025\"",
            "The operator '~' is not supported by the 'created' field.",
        ),
        (
            "updated is \"2025-01-01\"",
            "The operator 'is' only supports the EMPTY value for the field 'updated'.",
        ),
        (
            "resolved > (\"2025-01-01\")",
            "Error in the JQL Query: Expecting either a value, list or function but got '('. \
             (line 1, character 12)",
        ),
        (
            "created in (\"2025-01-01\", (\"2025-01-02\"))",
            "Error in the JQL Query: Expecting either a value, list or function but got '('. \
             (line 1, character 27)",
        ),
    ] {
        assert_eq!(keys(&alice, jql).await, Err(String::from(message)), "{jql}");
    }
}

/// One bound for every door a query comes in by (jql::parser's): a search, a
/// board's `jql`, a saved filter and the issue picker's `currentJQL`.
#[tokio::test]
async fn a_query_over_ten_thousand_characters_is_refused_wherever_it_comes_from() {
    let sim = common::start().await;
    let admin = caller(&sim, ADMIN);
    let long = format!("summary ~ \"{}\"", "x".repeat(10_000));
    let fits = format!("summary ~ \"{}\"", "x".repeat(9_980));
    assert_eq!(
        keys(&admin, &long).await,
        Err("The JQL query is too long.".into())
    );
    assert_eq!(keys(&admin, &fits).await, Ok(Vec::new()));

    let board = admin
        .get_with("/rest/agile/1.0/board/1/issue", &[("jql", long.as_str())])
        .await;
    assert_eq!(board.status, StatusCode::BAD_REQUEST, "{}", board.text);
    assert_eq!(board.body["errorMessages"][0], "The JQL query is too long.");

    let filter = admin
        .post(
            "/rest/api/3/filter",
            &json!({ "name": "long", "jql": long }),
        )
        .await;
    assert_eq!(filter.status, StatusCode::BAD_REQUEST, "{}", filter.text);
    assert_eq!(
        filter.body["errorMessages"][0],
        "The JQL query is too long."
    );

    // The picker's current search finds nothing rather than failing, as for a
    // query it cannot parse (its history search does not read the JQL).
    let picked = admin
        .get_with(
            "/rest/api/3/issue/picker",
            &[("query", "KILN"), ("currentJQL", long.as_str())],
        )
        .await;
    assert_eq!(picked.status, StatusCode::OK, "{}", picked.text);
    let current = picked.body["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .find(|s| s["id"] == "cs")
        .expect("the current search");
    assert_eq!(current["issues"], json!([]), "{}", picked.text);
}
