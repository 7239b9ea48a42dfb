//! Hostile dates: a date-time the parser reads whose instant falls outside the
//! years 0000 to 9999 once moved to UTC (`9999-12-31T23:59:00.000-1000` is in
//! the year 10000) is refused with Jira's 400 naming the field, wherever a
//! client sends one, and the site keeps serving; the first and last instants
//! of the calendar are dates like any other.

use crate::common;

use common::{ADMIN, USER, caller, start, start_with};
use kiln_sim::{Seed, SeedCustomField, SimConfig, Simulator};
use reqwest::StatusCode;
use serde_json::{Value, json};

const TYPE: &str = "com.atlassian.jira.plugin.system.customfieldtypes:";

/// Dates that parse but fall outside the calendar in UTC: Jira's `+hhmm`
/// offsets and RFC 3339's `+hh:mm`, past either end.
const OUTSIDE: [&str; 4] = [
    "9999-12-31T23:59:00.000-1000",
    "0000-01-01T09:59:00.000+1000",
    "9999-12-31T23:59:00-10:00",
    "0000-01-01T00:00:00.000+0001",
];

/// Asserts `reply` is Jira's 400 naming `field` in `errors`.
fn assert_field_error(reply: &common::Reply, field: &str) -> String {
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert!(reply.body["errorMessages"].is_array(), "{}", reply.text);
    reply.body["errors"][field]
        .as_str()
        .unwrap_or_else(|| panic!("errors.{field}: {}", reply.text))
        .to_owned()
}

/// A searchable date-time custom field named `When`, made by the admin and
/// put on the Default Screen; its id.
async fn date_time_field(sim: &Simulator) -> String {
    let reply = caller(sim, ADMIN)
        .post(
            "/rest/api/3/field",
            &json!({
                "name": "When",
                "type": format!("{TYPE}datetime"),
                "searcherKey": format!("{TYPE}datetimerange"),
            }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let id = reply.str_at("/id");
    common::put_on_default_screen(sim, &id).await;
    id
}

/// The keys `jql` finds, with every field rendered; the body of any refusal.
async fn search(sim: &Simulator, jql: &str) -> Result<Vec<String>, Value> {
    let reply = caller(sim, ADMIN)
        .post(
            "/rest/api/3/search/jql",
            &json!({ "jql": format!("{jql} ORDER BY key ASC"), "fields": ["*all"] }),
        )
        .await;
    if reply.status != StatusCode::OK {
        return Err(reply.body);
    }
    Ok(reply.body["issues"]
        .as_array()
        .expect("issues")
        .iter()
        .map(|i| i["key"].as_str().unwrap_or_default().to_owned())
        .collect())
}

#[tokio::test]
async fn a_custom_date_time_outside_the_calendar_is_a_400_not_a_panic() {
    let sim = start().await;
    let bob = caller(&sim, USER);
    let id = date_time_field(&sim).await;
    let create = |value: &str| {
        json!({ "fields": {
            "project": { "key": "KILN" }, "issuetype": { "name": "Task" },
            "summary": "Dated", id.clone(): value,
        } })
    };
    for text in OUTSIDE {
        let reply = bob.post("/rest/api/3/issue", &create(text)).await;
        let message = assert_field_error(&reply, &id);
        assert_eq!(message, format!("Error parsing date string: {text}"));
    }
    let made = bob
        .post("/rest/api/3/issue", &create("2024-01-02T10:30:00.000+0100"))
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    let key = made.str_at("/key");
    let path = format!("/rest/api/3/issue/{key}");
    for text in OUTSIDE {
        let set = bob
            .put(&path, &json!({ "fields": { id.clone(): text } }))
            .await;
        assert_field_error(&set, &id);
        let update = bob
            .put(
                &path,
                &json!({ "update": { id.clone(): [{ "set": text }] } }),
            )
            .await;
        assert_field_error(&update, &id);
    }
    // The issue keeps its value, and reads and searches answer.
    let read = bob.get(&path).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    assert_eq!(read.body["fields"][&id], "2024-01-02T09:30:00.000+0000");
    assert_eq!(
        search(&sim, "When = \"2024-01-02 09:30\"").await,
        Ok(vec![key.clone()])
    );

    // The last and first instants of the calendar are kept, read, searched
    // and written to the changelog like any other.
    for (text, written, jql) in [
        (
            "9999-12-31T23:59:59.999Z",
            "9999-12-31T23:59:59.999+0000",
            "When = \"9999-12-31 23:59\"",
        ),
        (
            "9999-12-31T13:59:59.999-1000",
            "9999-12-31T23:59:59.999+0000",
            "When >= \"9999/12/31 23:59\"",
        ),
        (
            "0000-01-01T10:00:00.000+1000",
            "0000-01-01T00:00:00.000+0000",
            "When < \"1000-01-01\"",
        ),
    ] {
        let set = bob
            .put(&path, &json!({ "fields": { id.clone(): text } }))
            .await;
        assert_eq!(set.status, StatusCode::NO_CONTENT, "{text}: {}", set.text);
        let read = bob.get(&path).await;
        assert_eq!(read.status, StatusCode::OK, "{}", read.text);
        assert_eq!(read.body["fields"][&id], written, "{text}");
        assert_eq!(search(&sim, jql).await, Ok(vec![key.clone()]), "{jql}");
    }
    let changelog = bob.get(&format!("{path}/changelog")).await;
    assert_eq!(changelog.status, StatusCode::OK, "{}", changelog.text);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_seeded_date_time_outside_the_calendar_is_refused() {
    let mut seed = Seed::default();
    seed.custom_fields.push(SeedCustomField {
        id: None,
        name: "When".into(),
        description: None,
        kind: "datetime".into(),
        searcher_key: None,
        options: Vec::new(),
    });
    let mut bad = seed.clone();
    bad.projects[0].issues[0]
        .custom_fields
        .insert("When".into(), json!(OUTSIDE[0]));
    let err = bad
        .validate()
        .expect_err("outside the calendar")
        .to_string();
    assert!(err.contains("Error parsing date string"), "{err}");
    seed.projects[0].issues[0]
        .custom_fields
        .insert("When".into(), json!("9999-12-31T23:59:59.999Z"));
    // So is an issue created outside it; one created in the calendar's last
    // minute keeps its comments (written an hour apart) inside it.
    let mut bad = seed.clone();
    bad.projects[0].issues[0].created = "9999-12-31T23:59:00-10:00".into();
    let err = bad
        .validate()
        .expect_err("outside the calendar")
        .to_string();
    assert!(err.contains("is not RFC 3339"), "{err}");
    seed.projects[0].issues[0].created = "9999-12-31T23:59:00Z".into();
    let sim = start_with(SimConfig {
        seed,
        ..SimConfig::default()
    })
    .await;
    assert_eq!(
        search(&sim, "When IS NOT EMPTY").await,
        Ok(vec!["KILN-1".into()])
    );
    let comments = caller(&sim, USER)
        .get("/rest/api/3/issue/KILN-1/comment")
        .await;
    assert_eq!(comments.status, StatusCode::OK, "{}", comments.text);
    assert_eq!(
        comments.body["comments"][0]["created"],
        "9999-12-31T23:59:59.999+0000"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_worklog_started_outside_the_calendar_is_a_400_not_a_panic() {
    let sim = start().await;
    let bob = caller(&sim, USER);
    let path = "/rest/api/3/issue/KILN-3/worklog";
    for text in OUTSIDE {
        let reply = bob
            .post(path, &json!({ "timeSpent": "1h", "started": text }))
            .await;
        assert_field_error(&reply, "started");
    }
    let last = bob
        .post(
            path,
            &json!({ "timeSpent": "1h", "started": "9999-12-31T13:59:59.999-1000" }),
        )
        .await;
    assert_eq!(last.status, StatusCode::CREATED, "{}", last.text);
    assert_eq!(last.body["started"], "9999-12-31T23:59:59.999+0000");
    let page = bob.get(path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert_eq!(page.body["total"], 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn sprint_dates_take_the_same_calendar() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    for field in ["startDate", "endDate"] {
        for text in OUTSIDE {
            let reply = alice
                .post(
                    "/rest/agile/1.0/sprint",
                    &json!({ "name": "S", "originBoardId": 1, field: text }),
                )
                .await;
            assert_field_error(&reply, field);
        }
    }
    let first = alice
        .post(
            "/rest/agile/1.0/sprint",
            &json!({ "name": "S", "originBoardId": 1, "startDate": "0000-01-01T10:00:00.000+1000" }),
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    assert_eq!(first.body["startDate"], "0000-01-01T00:00:00.000Z");
    sim.shutdown().await;
}
