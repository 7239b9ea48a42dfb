//! JQL autocompletion: the reference data lists what the site's JQL searches (each
//! field it offers runs), and the suggestions give a field's values the caller may
//! see, marked and escaped as Jira's HTML display names are.

use crate::common;
use crate::contract::Contract;

use common::{ADMIN, OUTSIDER, caller, start};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn values(results: &Value) -> Vec<String> {
    results["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["value"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn the_reference_lists_clauses_the_search_accepts() {
    let sim = start().await;
    let contract = Contract::new();
    let alice = caller(&sim, ADMIN);
    let reference = alice.get("/rest/api/3/jql/autocompletedata").await;
    assert_eq!(reference.status, StatusCode::OK, "{}", reference.text);
    contract.check_ref(
        "GET /jql/autocompletedata",
        "JQLReferenceData",
        &reference.body,
    );
    let fields = reference.body["visibleFieldNames"]
        .as_array()
        .expect("fields");
    // Each field with the first operator it lists, and each orderable one in
    // ORDER BY, is a query the search runs.
    for field in fields {
        let name = field["value"].as_str().expect("value");
        let operator = field["operators"][0].as_str().expect("an operator");
        let operand = match operator {
            "in" | "not in" => "(\"x\")",
            "is" | "is not" => "EMPTY",
            _ => "\"x\"",
        };
        let jql = format!("{name} {operator} {operand}");
        let searched = alice
            .post("/rest/api/3/search/jql", &json!({ "jql": jql }))
            .await;
        if searched.status != StatusCode::OK {
            let message = &searched.text;
            let unknown_field = message.contains("\"Field '") && message.contains("does not exist");
            assert!(
                !message.contains("not supported") && !unknown_field,
                "{jql}: {}",
                searched.text
            );
        }
        if field["orderable"] == "true" {
            let ordered = alice
                .post(
                    "/rest/api/3/search/jql",
                    &json!({ "jql": format!("project = KILN ORDER BY {name}") }),
                )
                .await;
            assert_eq!(ordered.status, StatusCode::OK, "{name}: {}", ordered.text);
        }
    }
    let words = reference.body["jqlReservedWords"]
        .as_array()
        .expect("words");
    assert!(words.contains(&json!("and")) && words.contains(&json!("order")));
    // Reserved words cannot be a bare value: the search refuses one.
    let refused = alice
        .post(
            "/rest/api/3/search/jql",
            &json!({ "jql": "labels = order" }),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);

    let filtered = alice
        .post(
            "/rest/api/3/jql/autocompletedata",
            &json!({ "projectIds": [10000], "includeCollapsedFields": true }),
        )
        .await;
    assert_eq!(filtered.status, StatusCode::OK, "{}", filtered.text);
    assert_eq!(filtered.body, reference.body);
    let malformed = alice
        .post(
            "/rest/api/3/jql/autocompletedata",
            &json!({ "projectIds": "KILN" }),
        )
        .await;
    assert_eq!(
        malformed.status,
        StatusCode::BAD_REQUEST,
        "{}",
        malformed.text
    );
}

async fn suggest(who: &common::Caller<'_>, query: &[(&str, &str)]) -> common::Reply {
    who.get_with("/rest/api/3/jql/autocompletedata/suggestions", query)
        .await
}

#[tokio::test]
async fn suggestions_are_the_values_the_caller_may_see() {
    let sim = start().await;
    let contract = Contract::new();
    let alice = caller(&sim, ADMIN);
    // Carol may browse KILN, not SEC.
    let carol = caller(&sim, OUTSIDER);
    let projects = suggest(&alice, &[("fieldName", "project")]).await;
    assert_eq!(projects.status, StatusCode::OK, "{}", projects.text);
    contract.check_ref(
        "GET /jql/autocompletedata/suggestions",
        "AutoCompleteSuggestions",
        &projects.body,
    );
    assert_eq!(values(&projects.body), ["Kiln", "Security"]);
    let typed = suggest(&alice, &[("fieldName", "project"), ("fieldValue", "se")]).await;
    assert_eq!(
        typed.body,
        json!({ "results": [{ "value": "Security", "displayName": "<b>Se</b>curity (<b>SE</b>C)" }] })
    );
    let hers = suggest(&carol, &[("fieldName", "project")]).await;
    assert_eq!(values(&hers.body), ["Kiln"]);

    // Labels of issues the caller may browse only.
    let labels = suggest(&alice, &[("fieldName", "labels")]).await;
    assert!(
        values(&labels.body).contains(&String::from("incident")),
        "{}",
        labels.text
    );
    let her_labels = suggest(&carol, &[("fieldName", "labels")]).await;
    assert!(
        !values(&her_labels.body).contains(&String::from("incident")),
        "{}",
        her_labels.text
    );
    // Each suggestion is a value the search takes.
    for label in values(&her_labels.body) {
        let searched = carol
            .post(
                "/rest/api/3/search/jql",
                &json!({ "jql": format!("labels = \"{label}\"") }),
            )
            .await;
        assert_eq!(
            searched.status,
            StatusCode::OK,
            "{label}: {}",
            searched.text
        );
        assert!(
            !searched.body["issues"]
                .as_array()
                .expect("issues")
                .is_empty()
        );
    }

    // People by account id, shown by name; `by` of CHANGED suggests people too.
    let people = suggest(&alice, &[("fieldName", "assignee"), ("fieldValue", "ali")]).await;
    let alice_id = common::account_id(&sim, ADMIN);
    assert_eq!(
        values(&people.body),
        std::slice::from_ref(&alice_id),
        "{}",
        people.text
    );
    let by = suggest(
        &alice,
        &[
            ("fieldName", "status"),
            ("predicateName", "by"),
            ("predicateValue", "ali"),
        ],
    )
    .await;
    assert_eq!(values(&by.body), [alice_id]);
    let to = suggest(
        &alice,
        &[
            ("fieldName", "status"),
            ("predicateName", "to"),
            ("predicateValue", "do"),
        ],
    )
    .await;
    assert_eq!(values(&to.body), ["To Do", "Done"], "{}", to.text);

    // What an author named is escaped around the mark.
    let edited = alice
        .put(
            "/rest/api/3/issue/KILN-1",
            &json!({ "update": { "labels": [{ "add": "<img/src=x>" }] } }),
        )
        .await;
    if edited.status == StatusCode::NO_CONTENT {
        let hostile = suggest(&alice, &[("fieldName", "labels"), ("fieldValue", "<im")]).await;
        assert_eq!(
            hostile.body["results"][0]["displayName"], "<b>&lt;im</b>g/src=x&gt;",
            "{}",
            hostile.text
        );
    }

    // A field without suggestions, an unknown one, and none at all: no results.
    for query in [
        vec![("fieldName", "summary")],
        vec![("fieldName", "nosuchfield")],
        vec![],
    ] {
        let none = suggest(&alice, &query).await;
        assert_eq!(none.status, StatusCode::OK, "{query:?}: {}", none.text);
        assert_eq!(none.body, json!({ "results": [] }), "{query:?}");
    }
    // A predicate without its field, or one CHANGED does not have: 400.
    for query in [
        vec![("predicateName", "by")],
        vec![("fieldName", "status"), ("predicateName", "during")],
    ] {
        let refused = suggest(&alice, &query).await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{query:?}: {}",
            refused.text
        );
    }
}
