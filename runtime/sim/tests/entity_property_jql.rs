//! Issue properties an app indexes (Forge's `jira:entityProperty`), searched
//! by JQL: registered by `Simulator::register_entity_property_indexes` as
//! Kiln does when it runs or serves the app, set with `PUT
//! /rest/api/3/issue/{key}/properties/{propertyKey}`, searched as
//! `issue.property[key].path` or by alias with each type's operators, and
//! refused as Jira's unknown field where no index names the path.

use crate::common;

use common::{ADMIN, USER, account_id, caller, start};
use kiln_manifest::EntityPropertyModule;
use kiln_sim::{RegisteredIndexes, Simulator};
use reqwest::StatusCode;
use serde_json::{Value, json};

const APP: &str = "ari:cloud:ecosystem::app/7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
const OTHER_APP: &str = "ari:cloud:ecosystem::app/0f0f0f0f-1111-4222-8333-444444444444";

fn module(declaration: Value) -> EntityPropertyModule {
    serde_json::from_value(declaration).expect("a jira:entityProperty module")
}

/// The `stats` issue property, one value of each type, and a user property
/// the simulator does not search.
fn modules() -> Vec<EntityPropertyModule> {
    vec![
        module(json!({
            "key": "stats-index",
            "propertyKey": "stats",
            "values": [
                { "path": "comments.count", "type": "number", "searchAlias": "commentCount" },
                { "path": "team", "type": "string", "searchAlias": "statsTeam" },
                { "path": "summary", "type": "text", "searchAlias": "statsSummary" },
                { "path": "reviewers", "type": "user" },
                { "path": "checkedAt", "type": "date", "searchAlias": "checkedAt" },
            ],
        })),
        module(json!({
            "key": "prefs-index", "entityType": "user", "propertyKey": "prefs",
            "values": [{ "path": "theme", "type": "string" }],
        })),
    ]
}

async fn set(sim: &Simulator, issue: &str, key: &str, value: &Value) {
    let reply = caller(sim, ADMIN)
        .put(
            &format!("/rest/api/3/issue/{issue}/properties/{key}"),
            value,
        )
        .await;
    assert!(reply.status.is_success(), "{issue}: {}", reply.text);
}

/// A site with the app's indexes and four issues' `stats`.
async fn indexed() -> Simulator {
    let sim = start().await;
    let registered = sim
        .register_entity_property_indexes(APP, &modules())
        .expect("registered");
    assert_eq!(
        registered,
        RegisteredIndexes {
            issue_values: 5,
            skipped_values: 1
        }
    );
    let user = account_id(&sim, USER);
    let admin = account_id(&sim, ADMIN);
    set(
        &sim,
        "KILN-1",
        "stats",
        &json!({
            "comments": { "count": 5 },
            "team": "core",
            "summary": "Rotate the signing keys",
            "reviewers": [user, admin],
            "checkedAt": "2025-01-07T10:30:00Z",
        }),
    )
    .await;
    set(
        &sim,
        "KILN-2",
        "stats",
        &json!({
            "comments": { "count": 2 },
            "team": "docs",
            "summary": "Write the hand-over notes",
            "reviewers": admin,
            "checkedAt": "2025-03-01",
        }),
    )
    .await;
    // Arrays on the way and at the end: each element is indexed.
    set(
        &sim,
        "KILN-3",
        "stats",
        &json!({ "comments": [{ "count": 1 }, { "count": 9 }], "team": ["core", "ops"] }),
    )
    .await;
    // A value of another type than the index's is not indexed.
    set(
        &sim,
        "KILN-4",
        "stats",
        &json!({ "comments": { "count": "many" }, "checkedAt": "yesterday" }),
    )
    .await;
    sim
}

/// The keys of the KILN issues `jql` finds for `who`, in key order unless
/// the query orders them; or the error's status and messages.
async fn search_as(
    sim: &Simulator,
    who: &str,
    jql: &str,
) -> Result<Vec<String>, (StatusCode, String)> {
    let ordered = jql.to_ascii_lowercase().contains("order by");
    let jql = if ordered {
        format!("project = KILN AND {jql}")
    } else {
        format!("project = KILN AND ({jql}) ORDER BY key")
    };
    let reply = caller(sim, who)
        .get_with(
            "/rest/api/3/search/jql",
            &[("jql", jql.as_str()), ("fields", "key")],
        )
        .await;
    if reply.status != StatusCode::OK {
        return Err((reply.status, reply.text));
    }
    Ok(reply.body["issues"]
        .as_array()
        .expect("issues")
        .iter()
        .map(|i| i["key"].as_str().expect("key").to_owned())
        .collect())
}

async fn search(sim: &Simulator, jql: &str) -> Vec<String> {
    search_as(sim, ADMIN, jql)
        .await
        .unwrap_or_else(|(status, text)| panic!("{jql}: {status} {text}"))
}

/// The message of the `400` `jql` gets.
async fn refused(sim: &Simulator, jql: &str) -> String {
    let reply = caller(sim, ADMIN)
        .get_with("/rest/api/3/search/jql", &[("jql", jql)])
        .await;
    assert_eq!(
        reply.status,
        StatusCode::BAD_REQUEST,
        "{jql}: {}",
        reply.text
    );
    reply.body["errorMessages"][0]
        .as_str()
        .unwrap_or_else(|| panic!("{jql}: {}", reply.text))
        .to_owned()
}

#[tokio::test]
async fn a_number_is_searched_by_path_and_alias_with_equality_and_ranges() {
    let sim = indexed().await;
    for jql in [
        "issue.property[stats].comments.count > 3",
        "commentCount > 3",
        "COMMENTCOUNT >= 5",
        "Issue.Property[stats].comments.count > 3",
    ] {
        assert_eq!(search(&sim, jql).await, ["KILN-1", "KILN-3"], "{jql}");
    }
    assert_eq!(search(&sim, "commentCount = 2").await, ["KILN-2"]);
    assert_eq!(search(&sim, "commentCount < 2").await, ["KILN-3"]);
    assert_eq!(
        search(&sim, "commentCount <= 2").await,
        ["KILN-2", "KILN-3"]
    );
    assert_eq!(
        search(&sim, "commentCount in (1, 5)").await,
        ["KILN-1", "KILN-3"]
    );
    assert_eq!(search(&sim, "commentCount = 2.0").await, ["KILN-2"]);
    // `!=` and `NOT IN` never match an issue without the value.
    assert_eq!(
        search(&sim, "commentCount != 5").await,
        ["KILN-2", "KILN-3"]
    );
    assert_eq!(search(&sim, "commentCount not in (2, 9)").await, ["KILN-1"]);
    let empty = search(&sim, "commentCount is EMPTY").await;
    assert!(empty.contains(&"KILN-4".to_owned()), "{empty:?}");
    assert!(
        !empty
            .iter()
            .any(|k| ["KILN-1", "KILN-2", "KILN-3"].contains(&k.as_str()))
    );
    assert_eq!(
        search(&sim, "commentCount is not EMPTY").await,
        ["KILN-1", "KILN-2", "KILN-3"]
    );
    // Ordered by value (an array's first), empty last ascending.
    assert_eq!(
        search(&sim, "commentCount is not EMPTY ORDER BY commentCount DESC").await,
        ["KILN-1", "KILN-2", "KILN-3"]
    );
    assert_eq!(
        search(
            &sim,
            "commentCount is not EMPTY ORDER BY issue.property[stats].comments.count"
        )
        .await,
        ["KILN-3", "KILN-2", "KILN-1"]
    );
    assert_eq!(
        refused(&sim, "commentCount ~ 3").await,
        "The operator '~' is not supported by the 'commentCount' field."
    );
    assert_eq!(
        refused(&sim, "commentCount = many").await,
        "The value 'many' does not exist for the field 'commentCount'."
    );
}

#[tokio::test]
async fn strings_users_text_and_dates_take_their_types_operators() {
    let sim = indexed().await;
    // string: the value exactly; any element of an array.
    assert_eq!(
        search(&sim, "issue.property[stats].team = core").await,
        ["KILN-1", "KILN-3"]
    );
    assert_eq!(
        search(&sim, "statsTeam in (ops, docs)").await,
        ["KILN-2", "KILN-3"]
    );
    // `!=` is no element equal, as on Jira's multi-valued fields.
    assert_eq!(search(&sim, "statsTeam != core").await, ["KILN-2"]);
    assert_eq!(
        search(&sim, "statsTeam not in (docs)").await,
        ["KILN-1", "KILN-3"]
    );
    assert_eq!(search(&sim, "statsTeam = Core").await, Vec::<String>::new());
    assert_eq!(
        refused(&sim, "statsTeam > core").await,
        "The operator '>' is not supported by the 'statsTeam' field."
    );

    // text: Jira's word search.
    assert_eq!(search(&sim, "statsSummary ~ rotate").await, ["KILN-1"]);
    assert_eq!(
        search(&sim, "statsSummary ~ \"hand-over\"").await,
        ["KILN-2"]
    );
    let not_rotate = search(&sim, "statsSummary !~ rotate").await;
    assert!(!not_rotate.contains(&"KILN-1".to_owned()));
    assert!(not_rotate.contains(&"KILN-2".to_owned()) && not_rotate.contains(&"KILN-3".to_owned()));
    assert_eq!(
        search(&sim, "statsSummary is not EMPTY").await,
        ["KILN-1", "KILN-2"]
    );
    assert_eq!(
        refused(&sim, "statsSummary = rotate").await,
        "The operator '=' is not supported by the 'statsSummary' field."
    );

    // user: by account id, email or currentUser().
    let user = account_id(&sim, USER);
    assert_eq!(
        search(&sim, &format!("issue.property[stats].reviewers = {user}")).await,
        ["KILN-1"]
    );
    assert_eq!(
        search(
            &sim,
            &format!("issue.property[stats].reviewers = \"{ADMIN}\"")
        )
        .await,
        ["KILN-1", "KILN-2"]
    );
    assert_eq!(
        search(&sim, "issue.property[stats].reviewers = currentUser()").await,
        ["KILN-1", "KILN-2"]
    );
    assert_eq!(
        refused(&sim, "issue.property[stats].reviewers = nobody").await,
        "The value 'nobody' does not exist for the field 'issue.property[stats].reviewers'."
    );

    // date: JQL's date literals against the indexed instants.
    assert_eq!(
        search(&sim, "checkedAt > \"2025-01-07\"").await,
        ["KILN-1", "KILN-2"]
    );
    assert_eq!(search(&sim, "checkedAt < \"2025/02/01\"").await, ["KILN-1"]);
    assert_eq!(search(&sim, "checkedAt = \"2025-03-01\"").await, ["KILN-2"]);
    assert_eq!(
        search(&sim, "checkedAt >= \"2025-01-07 10:30\"").await,
        ["KILN-1", "KILN-2"]
    );
    let undated = search(&sim, "checkedAt is EMPTY").await;
    assert!(undated.contains(&"KILN-4".to_owned()) && !undated.contains(&"KILN-1".to_owned()));
    assert_eq!(
        search(&sim, "checkedAt is not EMPTY ORDER BY checkedAt DESC").await,
        ["KILN-2", "KILN-1"]
    );
    assert!(
        refused(&sim, "checkedAt > someday")
            .await
            .starts_with("Date value 'someday' for field 'checkedAt' is invalid.")
    );
    assert_eq!(
        refused(&sim, "checkedAt ~ 2025").await,
        "The operator '~' is not supported by the 'checkedAt' field."
    );
}

#[tokio::test]
async fn only_an_indexed_path_is_searchable() {
    let sim = indexed().await;
    for field in [
        "issue.property[stats].comments",
        "issue.property[stats].other",
        "issue.property[stats]",
        "issue.property[nope].comments.count",
        // Keys and paths are as written; only the words `issue.property`
        // and aliases are read without regard to case.
        "issue.property[Stats].comments.count",
        "issue.property[stats].Comments.count",
        // A user property: not searched by issue JQL.
        "issue.property[prefs].theme",
    ] {
        assert_eq!(
            refused(&sim, &format!("{field} = 1")).await,
            format!("Field '{field}' does not exist or you do not have permission to view it."),
        );
    }
    assert_eq!(
        refused(&sim, "ORDER BY issue.property[stats].other").await,
        "Not able to sort using field 'issue.property[stats].other'."
    );

    // Registering again replaces the app's indexes: the alias is gone.
    sim.register_entity_property_indexes(
        APP,
        &[module(json!({
            "key": "stats-index", "propertyKey": "stats",
            "values": [{ "path": "comments.count", "type": "number" }],
        }))],
    )
    .expect("registered again");
    assert_eq!(
        refused(&sim, "commentCount > 3").await,
        "Field 'commentCount' does not exist or you do not have permission to view it."
    );
    assert_eq!(
        search(&sim, "issue.property[stats].comments.count > 3").await,
        ["KILN-1", "KILN-3"]
    );
}

#[tokio::test]
async fn another_apps_alias_and_the_apps_bounds_are_refused_without_a_change() {
    let sim = indexed().await;
    let taken = module(json!({
        "key": "other", "propertyKey": "other",
        "values": [{ "path": "count", "type": "number", "searchAlias": "CommentCount" }],
    }));
    let err = sim
        .register_entity_property_indexes(OTHER_APP, &[taken])
        .expect_err("an alias of another app's");
    assert!(err.to_string().contains("CommentCount"), "{err}");
    let too_many = module(json!({
        "key": "many", "propertyKey": "many",
        "values": (0..101).map(|i| json!({ "path": format!("v{i}"), "type": "number" })).collect::<Vec<_>>(),
    }));
    let err = sim
        .register_entity_property_indexes(OTHER_APP, &[too_many])
        .expect_err("past Forge's 100 values");
    assert!(err.to_string().contains("at most 100"), "{err}");
    // Nothing changed: the first app's alias still answers.
    assert_eq!(search(&sim, "commentCount > 3").await, ["KILN-1", "KILN-3"]);
    assert!(sim.register_entity_property_indexes("", &[]).is_err());
}

#[tokio::test]
async fn hostile_keys_queries_and_values_are_bounded() {
    let sim = indexed().await;
    // A key outside Jira's grammar, or past 255 characters, leaves the `[`
    // a reserved character.
    for jql in [
        format!("issue.property[{}].x = 1", "k".repeat(256)),
        String::from("issue.property[a b].x = 1"),
        String::from("issue.property[a\"b].x = 1"),
        String::from("issue.property[].x = 1"),
        String::from("issue.property[stats = 1"),
    ] {
        let message = refused(&sim, &jql).await;
        assert!(
            message.contains("The character '[' is a reserved JQL character"),
            "{jql}: {message}"
        );
    }
    // A quoted field name is the caller's text: read without harm.
    for field in ["issue.propertÿ", "issue.property[é].ü", "issue.property["] {
        assert_eq!(
            refused(&sim, &format!("\"{field}\" = 1")).await,
            format!("Field '{field}' does not exist or you do not have permission to view it.")
        );
    }
    // The longest key lexes, and is an unknown field.
    let longest = format!("issue.property[{}].x", "k".repeat(255));
    assert_eq!(
        refused(&sim, &format!("{longest} = 1")).await,
        format!("Field '{longest}' does not exist or you do not have permission to view it.")
    );
    // A very long path is one word and an unknown field; the query's own
    // bound still holds.
    let path = "a.".repeat(4_000);
    let message = refused(&sim, &format!("issue.property[stats].{path}b = 1")).await;
    assert!(
        message.starts_with("Field 'issue.property[stats].a.a."),
        "{message}"
    );
    let message = refused(
        &sim,
        &format!("issue.property[stats].{}b = 1", "a.".repeat(6_000)),
    )
    .await;
    assert_eq!(message, "The JQL query is too long.");

    // Deeply nested arrays and a long array are read without harm.
    let mut deep = json!(7);
    for _ in 0..100 {
        deep = json!([deep]);
    }
    set(
        &sim,
        "KILN-5",
        "stats",
        &json!({ "comments": { "count": deep } }),
    )
    .await;
    assert_eq!(search(&sim, "commentCount = 7").await, ["KILN-5"]);
    let long: Vec<u32> = (0..5_000).map(|i| i % 3).collect();
    set(
        &sim,
        "KILN-6",
        "stats",
        &json!({ "comments": { "count": long } }),
    )
    .await;
    assert_eq!(search(&sim, "commentCount = 1").await, ["KILN-3", "KILN-6"]);
    // Objects and nulls at the path are no values.
    set(
        &sim,
        "KILN-5",
        "stats",
        &json!({ "comments": { "count": { "n": 1 } }, "team": null }),
    )
    .await;
    let empty = search(&sim, "commentCount is EMPTY AND statsTeam is EMPTY").await;
    assert!(empty.contains(&"KILN-5".to_owned()), "{empty:?}");
}

#[tokio::test]
async fn parse_describes_a_property_clause() {
    let sim = indexed().await;
    let reply = caller(&sim, ADMIN)
        .post(
            "/rest/api/3/jql/parse",
            &json!({ "queries": ["issue.property[stats].comments.count > 3 ORDER BY commentCount"] }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let parsed = &reply.body["queries"][0];
    assert_eq!(
        parsed["structure"]["where"]["field"],
        json!({
            "name": "issue.property[stats].comments.count",
            "encodedName": "issue.property[stats].comments.count",
            "property": [{ "entity": "issue", "key": "stats", "path": "comments.count" }],
        }),
        "{parsed}"
    );
    assert_eq!(
        parsed["structure"]["orderBy"]["fields"][0]["field"]["name"],
        "commentCount"
    );
}
