//! The issue hierarchy: Epic and Sub-task types, the `parent` field set on
//! create and edit and refused where Jira refuses it, `parent` and `subtasks`
//! rendered (a hidden parent's fields never shown), metadata, the changelog and
//! `jira:issue_updated` of a parent change, deleting with `deleteSubtasks`, and
//! JQL on parents and issue type kinds.

use crate::common;
use crate::common::hook_receiver::{next_delivery, receiver};
use crate::contract::Contract;

use std::time::Duration;

use common::{ADMIN, OUTSIDER, USER, caller};
use kiln_sim::{AdminWebhook, SimConfig, Simulator, WebhookConfig, WebhookEvent};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn start() -> Simulator {
    common::start().await
}

/// Creates an issue as `who`; returns the answer.
async fn create(
    who: &common::Caller<'_>,
    project: &str,
    issue_type: &str,
    parent: Option<Value>,
) -> common::Reply {
    let mut fields = json!({
        "project": {"key": project},
        "issuetype": {"name": issue_type},
        "summary": format!("A {issue_type}"),
    });
    if let Some(parent) = parent {
        fields["parent"] = parent;
    }
    who.post("/rest/api/3/issue", &json!({ "fields": fields }))
        .await
}

async fn created_key(
    who: &common::Caller<'_>,
    project: &str,
    issue_type: &str,
    parent: Option<Value>,
) -> String {
    let reply = create(who, project, issue_type, parent).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    reply.str_at("/key")
}

fn field_error(reply: &common::Reply, field: &str) -> String {
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    reply.body["errors"][field]
        .as_str()
        .unwrap_or_else(|| panic!("no error for {field}: {}", reply.text))
        .to_owned()
}

async fn search_keys(who: &common::Caller<'_>, jql: &str) -> Vec<String> {
    let reply = who
        .post(
            "/rest/api/3/search/jql",
            &json!({"jql": jql, "fields": ["key"], "maxResults": 100}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{jql}: {}", reply.text);
    let mut keys: Vec<String> = reply.body["issues"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["key"].as_str().map(str::to_owned))
        .collect();
    keys.sort();
    keys
}

#[tokio::test]
async fn sub_tasks_and_epics_are_created_under_their_parents_and_rendered() {
    let sim = start().await;
    let contract = Contract::new();
    let bob = caller(&sim, USER);
    let epic = created_key(&bob, "KILN", "Epic", None).await;
    let story = created_key(&bob, "KILN", "Story", Some(json!({"key": epic}))).await;
    let story_id = bob
        .get(&format!("/rest/api/3/issue/{story}"))
        .await
        .str_at("/id");
    // By id, as text or as a number.
    let sub_a = created_key(&bob, "KILN", "Sub-task", Some(json!({"id": story_id}))).await;
    let number: u64 = story_id.parse().expect("a numeric id");
    let sub_b = created_key(&bob, "KILN", "Sub-task", Some(json!({"id": number}))).await;

    let read = bob.get(&format!("/rest/api/3/issue/{sub_a}")).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    contract.check_ref("getIssue", "IssueBean", &read.body);
    let parent = &read.body["fields"]["parent"];
    assert_eq!(parent["key"], json!(story));
    assert_eq!(parent["id"], json!(story_id));
    assert!(
        parent["self"]
            .as_str()
            .is_some_and(|s| s.ends_with(&format!("/rest/api/3/issue/{story_id}")))
    );
    assert_eq!(parent["fields"]["summary"], json!("A Story"));
    assert_eq!(parent["fields"]["issuetype"]["hierarchyLevel"], json!(0));
    assert_eq!(parent["fields"]["status"]["name"], json!("To Do"));
    assert_eq!(parent["fields"]["priority"]["name"], json!("Medium"));
    assert_eq!(read.body["fields"]["issuetype"]["subtask"], json!(true));
    assert_eq!(read.body["fields"]["subtasks"], json!([]));

    let story_read = bob.get(&format!("/rest/api/3/issue/{story}")).await;
    let subtasks: Vec<&str> = story_read.body["fields"]["subtasks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["key"].as_str())
        .collect();
    assert_eq!(subtasks, [sub_a.as_str(), sub_b.as_str()]);
    assert_eq!(story_read.body["fields"]["parent"]["key"], json!(epic));
    // An epic's children are not its sub-tasks; an issue without a parent has
    // no `parent` field.
    let epic_read = bob.get(&format!("/rest/api/3/issue/{epic}")).await;
    assert_eq!(epic_read.body["fields"]["subtasks"], json!([]));
    assert!(epic_read.body["fields"].get("parent").is_none());

    // Field selection: by name, `*navigable`, and excluded.
    let only = bob
        .get(&format!("/rest/api/3/issue/{story}?fields=parent,subtasks"))
        .await;
    let names: Vec<&String> = only.body["fields"]
        .as_object()
        .expect("fields")
        .keys()
        .collect();
    assert_eq!(names, ["parent", "subtasks"]);
    let navigable = bob
        .get(&format!(
            "/rest/api/3/issue/{story}?fields=*navigable,-subtasks"
        ))
        .await;
    assert!(navigable.body["fields"].get("parent").is_some());
    assert!(navigable.body["fields"].get("subtasks").is_none());
    sim.shutdown().await;
}

#[tokio::test]
async fn wrong_parents_are_refused_as_jira_refuses_them() {
    let sim = start().await;
    let bob = caller(&sim, USER);
    let alice = caller(&sim, ADMIN);
    let epic = created_key(&bob, "KILN", "Epic", None).await;
    let sub = created_key(&bob, "KILN", "Sub-task", Some(json!({"key": "KILN-1"}))).await;
    let sec_story = created_key(&alice, "SEC", "Story", None).await;

    assert_eq!(
        field_error(&create(&bob, "KILN", "Sub-task", None).await, "issuetype"),
        "Issue type is a sub-task but parent issue key or id not specified."
    );
    let hierarchy = "Given parent issue does not belong to appropriate hierarchy.";
    for (issue_type, parent) in [
        ("Sub-task", epic.as_str()), // a sub-task's parent is a standard issue
        ("Sub-task", sub.as_str()),  // not another sub-task
        ("Task", "KILN-2"),          // a standard issue's parent is an epic
        ("Epic", epic.as_str()),     // an epic has none
        ("Epic", "KILN-2"),
    ] {
        let reply = create(&bob, "KILN", issue_type, Some(json!({"key": parent}))).await;
        assert_eq!(
            field_error(&reply, "parent"),
            hierarchy,
            "{issue_type} under {parent}"
        );
    }
    // A sub-task stays in its parent's project.
    let reply = create(&alice, "KILN", "Sub-task", Some(json!({"key": sec_story}))).await;
    assert_eq!(field_error(&reply, "parent"), hierarchy);
    // A parent that does not exist is not found (one the caller may not browse
    // is answered the same: `a_parent_hidden_from_the_reader_shows_no_fields`).
    let sec_epic = created_key(&alice, "SEC", "Epic", None).await;
    let reply = bob
        .put(
            "/rest/api/3/issue/KILN-2",
            &json!({"fields": {"parent": {"key": "NOPE-1"}}}),
        )
        .await;
    assert_eq!(
        field_error(&reply, "parent"),
        "Could not find issue by id or key."
    );
    let reply = create(&bob, "KILN", "Task", Some(json!({"key": "NOPE-1"}))).await;
    assert_eq!(
        field_error(&reply, "parent"),
        "Could not find issue by id or key."
    );
    // Bob browses SEC: an epic there may hold a KILN task, a story may not.
    let reply = bob
        .put(
            "/rest/api/3/issue/KILN-2",
            &json!({"fields": {"parent": {"key": sec_story}}}),
        )
        .await;
    assert_eq!(field_error(&reply, "parent"), hierarchy);
    let reply = bob
        .put(
            "/rest/api/3/issue/KILN-2",
            &json!({"fields": {"parent": {"key": sec_epic}}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text);
    let reply = create(&bob, "KILN", "Task", Some(json!("KILN-1"))).await;
    assert_eq!(field_error(&reply, "parent"), "data was not an object");
    // A sub-task's parent cannot be removed.
    let reply = bob
        .put(
            &format!("/rest/api/3/issue/{sub}"),
            &json!({"fields": {"parent": null}}),
        )
        .await;
    assert_eq!(
        field_error(&reply, "parent"),
        "A sub-task must have a parent issue."
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_parent_hidden_from_the_reader_shows_no_fields() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let carol = caller(&sim, OUTSIDER);
    // An epic of SEC (hidden from Carol) holds a KILN story (which she sees).
    let epic = created_key(&alice, "SEC", "Epic", None).await;
    let story = created_key(&alice, "KILN", "Story", Some(json!({"key": epic}))).await;
    let as_alice = alice.get(&format!("/rest/api/3/issue/{story}")).await;
    assert_eq!(
        as_alice.body["fields"]["parent"]["fields"]["summary"],
        json!("A Epic")
    );
    let as_carol = carol.get(&format!("/rest/api/3/issue/{story}")).await;
    assert_eq!(as_carol.status, StatusCode::OK, "{}", as_carol.text);
    let parent = &as_carol.body["fields"]["parent"];
    assert_eq!(parent["key"], json!(epic));
    assert!(parent.get("fields").is_none(), "{parent}");
    assert!(!as_carol.text.contains("A Epic"), "{}", as_carol.text);
    // Search renders the same way.
    let found = carol
        .post(
            "/rest/api/3/search/jql",
            &json!({"jql": format!("key = {story}"), "fields": ["parent"]}),
        )
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    assert!(!found.text.contains("A Epic"), "{}", found.text);
    assert_eq!(
        found.body["issues"][0]["fields"]["parent"]["key"],
        json!(epic)
    );
    // Carol cannot name it as a parent either.
    let reply = carol
        .put(
            &format!("/rest/api/3/issue/{story}"),
            &json!({"fields": {"parent": {"key": epic}}}),
        )
        .await;
    assert_ne!(reply.status, StatusCode::NO_CONTENT);
    sim.shutdown().await;
}

#[tokio::test]
async fn metadata_describes_parent_and_subtasks() {
    let sim = start().await;
    let bob = caller(&sim, USER);
    let fields = bob.get("/rest/api/3/field").await;
    let find = |id: &str| {
        fields
            .body
            .as_array()
            .and_then(|all| all.iter().find(|f| f["id"] == id))
            .cloned()
    };
    let parent = find("parent").expect("parent is a field");
    assert_eq!(parent["name"], json!("Parent"));
    assert!(
        parent.get("schema").is_none(),
        "Jira lists parent without a schema"
    );
    let subtasks = find("subtasks").expect("subtasks is a field");
    assert_eq!(
        subtasks["schema"],
        json!({"type": "array", "items": "issuelinks", "system": "subtasks"})
    );

    let meta = |type_id: &'static str| {
        let bob = &bob;
        async move {
            let reply = bob
                .get(&format!(
                    "/rest/api/3/issue/createmeta/KILN/issuetypes/{type_id}"
                ))
                .await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
            reply.body["fields"]
                .as_array()
                .and_then(|all| all.iter().find(|f| f["fieldId"] == "parent"))
                .cloned()
        }
    };
    // Sub-task (10004) must have one, Task (10001) may, Epic (10000) has none.
    assert_eq!(
        meta("10004").await.map(|f| f["required"].clone()),
        Some(json!(true))
    );
    assert_eq!(
        meta("10001").await.map(|f| f["required"].clone()),
        Some(json!(false))
    );
    assert_eq!(meta("10000").await, None);
    let edit = bob.get("/rest/api/3/issue/KILN-1/editmeta").await;
    assert_eq!(
        edit.body["fields"]["parent"]["schema"]["type"],
        json!("issuelink")
    );
    let types = bob
        .get("/rest/api/3/issue/createmeta/KILN/issuetypes")
        .await;
    assert_eq!(types.body["total"], json!(5));
    sim.shutdown().await;
}

#[tokio::test]
async fn jql_finds_issues_by_parent_and_by_kind_of_type() {
    let sim = start().await;
    let bob = caller(&sim, USER);
    let epic = created_key(&bob, "KILN", "Epic", None).await; // KILN-7
    let story = created_key(&bob, "KILN", "Story", Some(json!({"key": epic}))).await;
    let sub = created_key(&bob, "KILN", "Sub-task", Some(json!({"key": "KILN-1"}))).await;
    assert_eq!(
        search_keys(&bob, &format!("parent = {epic}")).await,
        std::slice::from_ref(&story)
    );
    assert_eq!(
        search_keys(&bob, &format!("parent in ({epic}, KILN-1)")).await,
        [story.clone(), sub.clone()]
    );
    let parentless = search_keys(&bob, "project = KILN AND parent is EMPTY").await;
    assert!(!parentless.contains(&story) && !parentless.contains(&sub));
    assert!(parentless.contains(&epic));
    assert_eq!(
        search_keys(&bob, "project = KILN AND parent is not EMPTY").await,
        [story.clone(), sub.clone()]
    );
    assert_eq!(
        search_keys(&bob, "issuetype in subTaskIssueTypes()").await,
        std::slice::from_ref(&sub)
    );
    let standard = search_keys(&bob, "project = KILN AND issuetype in standardIssueTypes()").await;
    assert!(standard.contains(&epic) && !standard.contains(&sub));
    assert_eq!(standard.len(), 8);
    let not_sub = search_keys(
        &bob,
        "project = KILN AND issuetype not in subTaskIssueTypes()",
    )
    .await;
    assert_eq!(not_sub, standard);
    // Unknown parents, and `=` with a list function, are JQL errors.
    for jql in ["parent = NOPE-1", "issuetype = subTaskIssueTypes()"] {
        let reply = bob
            .post("/rest/api/3/search/jql", &json!({"jql": jql}))
            .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{jql}: {}",
            reply.text
        );
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn changing_a_parent_is_logged_and_announced_and_deleting_takes_sub_tasks() {
    let (url, mut rx) = receiver().await;
    let hook = AdminWebhook {
        name: String::from("hierarchy"),
        url,
        events: vec![WebhookEvent::IssueUpdated, WebhookEvent::IssueDeleted],
        jql_filter: None,
        secret: None,
    };
    let sim = Simulator::start(SimConfig {
        seed: kiln_sim::Seed {
            webhooks: vec![hook],
            ..kiln_sim::Seed::default()
        },
        webhooks: WebhookConfig {
            first_retry_after: Duration::from_millis(20),
            ..WebhookConfig::default()
        },
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts");
    let bob = caller(&sim, USER);
    let (e1, e2) = (
        created_key(&bob, "KILN", "Epic", None).await,
        created_key(&bob, "KILN", "Epic", None).await,
    );
    let id_of = |reply: &common::Reply| reply.str_at("/id");
    let e1_id = id_of(&bob.get(&format!("/rest/api/3/issue/{e1}")).await);
    let e2_id = id_of(&bob.get(&format!("/rest/api/3/issue/{e2}")).await);
    for (value, from, to) in [
        (json!({"key": e1}), None, Some((&e1_id, &e1))),
        (
            json!({"id": e2_id}),
            Some((&e1_id, &e1)),
            Some((&e2_id, &e2)),
        ),
        (Value::Null, Some((&e2_id, &e2)), None),
    ] {
        let reply = bob
            .put(
                "/rest/api/3/issue/KILN-2",
                &json!({"update": {"parent": [{"set": value}]}}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text);
        let delivery = next_delivery(&mut rx).await;
        assert_eq!(delivery["webhookEvent"], json!("jira:issue_updated"));
        let item = &delivery["changelog"]["items"][0];
        let pair = |p: Option<(&String, &String)>| {
            p.map_or((Value::Null, Value::Null), |(id, key)| {
                (json!(id), json!(key))
            })
        };
        assert_eq!(item["field"], json!("IssueParentAssociation"));
        assert_eq!(item["fieldtype"], json!("jira"));
        assert!(item.get("fieldId").is_none(), "{item}");
        assert_eq!(
            (item["from"].clone(), item["fromString"].clone()),
            pair(from)
        );
        assert_eq!((item["to"].clone(), item["toString"].clone()), pair(to));
        // The payload's issue shows the new parent.
        let parent = &delivery["issue"]["fields"]["parent"];
        assert_eq!(parent["key"], to.map_or(Value::Null, |(_, key)| json!(key)));
    }
    // The same three changes, with the same ids, in the REST changelog.
    let log = bob.get("/rest/api/3/issue/KILN-2/changelog").await;
    let fields: Vec<&str> = log.body["values"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v["items"][0]["field"].as_str())
        .collect();
    assert_eq!(fields, ["IssueParentAssociation"; 3]);
    // Setting the same parent again changes nothing and announces nothing.
    let same = bob
        .put(
            "/rest/api/3/issue/KILN-2",
            &json!({"fields": {"parent": null}}),
        )
        .await;
    assert_eq!(same.status, StatusCode::NO_CONTENT);

    // Deleting an issue with sub-tasks needs deleteSubtasks=true.
    let sub = created_key(&bob, "KILN", "Sub-task", Some(json!({"key": "KILN-2"}))).await;
    let refused = bob.delete("/rest/api/3/issue/KILN-2").await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    let refused = bob
        .delete("/rest/api/3/issue/KILN-2?deleteSubtasks=false")
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    assert_eq!(
        bob.get(&format!("/rest/api/3/issue/{sub}")).await.status,
        StatusCode::OK
    );
    let deleted = bob
        .delete("/rest/api/3/issue/KILN-2?deleteSubtasks=true")
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    for key in [&sub, &String::from("KILN-2")] {
        let delivery = next_delivery(&mut rx).await;
        assert_eq!(delivery["webhookEvent"], json!("jira:issue_deleted"));
        assert_eq!(delivery["issue"]["key"], json!(key));
        assert_eq!(
            bob.get(&format!("/rest/api/3/issue/{key}")).await.status,
            StatusCode::NOT_FOUND
        );
    }
    // Deleting an epic leaves its children without a parent.
    let child = created_key(&bob, "KILN", "Task", Some(json!({"key": e1}))).await;
    assert_eq!(
        bob.delete(&format!("/rest/api/3/issue/{e1}")).await.status,
        StatusCode::NO_CONTENT
    );
    let orphan = bob.get(&format!("/rest/api/3/issue/{child}")).await;
    assert!(
        orphan.body["fields"].get("parent").is_none(),
        "{}",
        orphan.text
    );
    assert!(search_keys(&bob, "parent is EMPTY").await.contains(&child));
    sim.shutdown().await;
}

#[tokio::test]
async fn a_seed_may_name_parents_and_must_obey_the_hierarchy() {
    let mut seed = kiln_sim::Seed::default();
    let kiln = &mut seed.projects[0];
    let mut epic = kiln.issues[0].clone();
    epic.issue_type = String::from("Epic");
    let mut sub = kiln.issues[0].clone();
    sub.issue_type = String::from("Sub-task");
    sub.parent = Some(String::from("KILN-2"));
    kiln.issues.push(epic); // KILN-7
    kiln.issues.push(sub); // KILN-8
    kiln.issues[2].parent = Some(String::from("KILN-7"));
    assert!(seed.validate().is_ok());
    let sim = Simulator::start(SimConfig {
        seed: seed.clone(),
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts");
    let bob = caller(&sim, USER);
    assert_eq!(search_keys(&bob, "parent = KILN-7").await, ["KILN-3"]);
    assert_eq!(search_keys(&bob, "parent = KILN-2").await, ["KILN-8"]);
    sim.shutdown().await;

    let mut orphan = seed.clone();
    orphan.projects[0].issues[7].parent = None;
    let err = orphan.validate().expect_err("a sub-task needs a parent");
    assert!(err.to_string().contains("KILN-8"), "{err}");
    let mut wrong = seed.clone();
    wrong.projects[0].issues[7].parent = Some(String::from("KILN-7"));
    assert!(wrong.validate().is_err(), "a sub-task under an epic");
    let mut unknown = seed;
    unknown.projects[0].issues[2].parent = Some(String::from("KILN-99"));
    assert!(unknown.validate().is_err());
}

#[tokio::test]
async fn the_issue_picker_can_leave_sub_tasks_and_a_sub_tasks_parent_out() {
    let sim = start().await;
    let bob = caller(&sim, USER);
    let sub = created_key(&bob, "KILN", "Sub-task", Some(json!({"key": "KILN-1"}))).await;
    let keys = |reply: &common::Reply| -> Vec<String> {
        reply.body["sections"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|s| s["issues"].as_array().cloned().unwrap_or_default())
            .filter_map(|i| i["key"].as_str().map(str::to_owned))
            .collect()
    };
    let picker = |extra: &'static [(&'static str, &'static str)]| {
        let bob = &bob;
        async move {
            let mut query = vec![("query", "KILN"), ("currentJQL", "project = KILN")];
            query.extend_from_slice(extra);
            let reply = bob.get_with("/rest/api/3/issue/picker", &query).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
            reply
        }
    };
    assert!(keys(&picker(&[]).await).contains(&sub));
    assert!(!keys(&picker(&[("showSubTasks", "false")]).await).contains(&sub));
    let current: &'static [(&str, &str)] = &[("currentIssueKey", "KILN-7")];
    assert!(keys(&picker(current).await).contains(&String::from("KILN-1")));
    let without_parent: &'static [(&str, &str)] = &[
        ("currentIssueKey", "KILN-7"),
        ("showSubTaskParent", "false"),
    ];
    assert!(!keys(&picker(without_parent).await).contains(&String::from("KILN-1")));
    assert_eq!(sub, "KILN-7");
    sim.shutdown().await;
}
