//! Custom field contexts: creating, listing, changing and deleting them, the
//! projects and issue types they apply to (one context per project, one global
//! context per field), the mapping reads, per-context options, and the rule
//! that the context applying to an issue decides whether the field is offered
//! and which options it may hold.

use crate::common;

use common::{ADMIN, USER, caller, start, start_with};
use kiln_sim::{Seed, SimConfig, Simulator};
use reqwest::StatusCode;
use serde_json::{Value, json};

pub(crate) const TYPE: &str = "com.atlassian.jira.plugin.system.customfieldtypes:";
/// The default site's projects (KILN, SEC) and issue types.
pub(crate) const KILN: &str = "10000";
pub(crate) const SEC: &str = "10001";
pub(crate) const TASK: &str = "10001";
pub(crate) const BUG: &str = "10002";

/// A select field made by the admin and put on the Default Screen; its id.
pub(crate) async fn select_field(sim: &Simulator, name: &str) -> String {
    let reply = caller(sim, ADMIN)
        .post(
            "/rest/api/3/field",
            &json!({ "name": name, "type": format!("{TYPE}select") }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let id = reply.str_at("/id");
    common::put_on_default_screen(sim, &id).await;
    id
}

/// The id of the field's global context (the one it is made with).
pub(crate) async fn global_context(sim: &Simulator, field: &str) -> String {
    caller(sim, ADMIN)
        .get(&format!(
            "/rest/api/3/field/{field}/context?isGlobalContext=true"
        ))
        .await
        .str_at("/values/0/id")
}

/// Creates a context as the admin; its id.
pub(crate) async fn create_context(sim: &Simulator, field: &str, body: &Value) -> String {
    let reply = caller(sim, ADMIN)
        .post(&format!("/rest/api/3/field/{field}/context"), body)
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    reply.str_at("/id")
}

/// Adds options to a context as the admin; their ids, in order.
pub(crate) async fn add_options(
    sim: &Simulator,
    field: &str,
    context: &str,
    values: &[&str],
) -> Vec<String> {
    let options: Vec<Value> = values.iter().map(|v| json!({ "value": v })).collect();
    let reply = caller(sim, ADMIN)
        .post(
            &format!("/rest/api/3/field/{field}/context/{context}/option"),
            &json!({ "options": options }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    (0..values.len())
        .map(|i| reply.str_at(&format!("/options/{i}/id")))
        .collect()
}

/// Creates an issue as the admin; the answer.
pub(crate) async fn create_issue(
    sim: &Simulator,
    project: &str,
    issue_type: &str,
    fields: Value,
) -> common::Reply {
    let mut body = json!({ "fields": {
        "project": { "id": project }, "issuetype": { "id": issue_type }, "summary": "With a context",
    }});
    if let (Some(all), Some(extra)) = (body["fields"].as_object_mut(), fields.as_object()) {
        all.extend(extra.clone());
    }
    caller(sim, ADMIN).post("/rest/api/3/issue", &body).await
}

/// The fields the create metadata offers for the project and issue type.
pub(crate) async fn create_meta_fields(
    sim: &Simulator,
    project: &str,
    issue_type: &str,
) -> Vec<Value> {
    let reply = caller(sim, ADMIN)
        .get(&format!(
            "/rest/api/3/issue/createmeta/{project}/issuetypes/{issue_type}?maxResults=200"
        ))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body["fields"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn contexts_are_created_listed_changed_and_deleted_by_admins() {
    let sim = start().await;
    let (alice, bob) = (caller(&sim, ADMIN), caller(&sim, USER));
    let field = select_field(&sim, "Tier").await;
    let base = format!("/rest/api/3/field/{field}/context");
    let global = global_context(&sim, &field).await;

    let created = alice
        .post(
            &base,
            &json!({
                "name": "Bug fields context",
                "description": "Bugs in KILN",
                "projectIds": [KILN],
                "issueTypeIds": [BUG],
            }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let context = created.str_at("/id");
    assert_eq!(
        created.body,
        json!({
            "id": context,
            "name": "Bug fields context",
            "description": "Bugs in KILN",
            "projectIds": [KILN],
            "issueTypeIds": [BUG],
        })
    );

    let all = alice.get(&base).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text);
    assert_eq!(all.body["total"], 2);
    assert_eq!(
        all.body["values"][1],
        json!({
            "id": context,
            "name": "Bug fields context",
            "description": "Bugs in KILN",
            "isGlobalContext": false,
            "isAnyIssueType": false,
        })
    );
    for (query, expected) in [
        ("isGlobalContext=true", vec![global.clone()]),
        ("isGlobalContext=false", vec![context.clone()]),
        ("isAnyIssueType=true", vec![global.clone()]),
        ("isAnyIssueType=false", vec![context.clone()]),
        (
            &format!("contextId={context}&contextId=1") as &str,
            vec![context.clone()],
        ),
        ("startAt=1&maxResults=1", vec![context.clone()]),
    ] {
        let page = alice.get(&format!("{base}?{query}")).await;
        assert_eq!(page.status, StatusCode::OK, "{query}: {}", page.text);
        let ids: Vec<String> = page.body["values"]
            .as_array()
            .expect("values")
            .iter()
            .map(|c| c["id"].as_str().unwrap_or_default().to_owned())
            .collect();
        assert_eq!(ids, expected, "{query}");
    }
    let first = alice.get(&format!("{base}?maxResults=1")).await;
    assert_eq!(first.body["isLast"], false);
    assert_eq!(
        alice.get(&format!("{base}?contextId=x")).await.status,
        StatusCode::BAD_REQUEST
    );

    // Renamed and redescribed; the name stays unique in the field.
    let path = format!("{base}/{context}");
    let updated = alice
        .put(&path, &json!({ "name": "Bugs", "description": "" }))
        .await;
    assert_eq!(updated.status, StatusCode::NO_CONTENT, "{}", updated.text);
    let listed = alice.get(&format!("{base}?contextId={context}")).await;
    assert_eq!(listed.body["values"][0]["name"], "Bugs");
    assert_eq!(listed.body["values"][0]["description"], "");
    let clash = alice
        .put(&format!("{base}/{global}"), &json!({ "name": "bugs" }))
        .await;
    assert_eq!(clash.status, StatusCode::BAD_REQUEST, "{}", clash.text);
    let same = alice.put(&path, &json!({ "name": "Bugs" })).await;
    assert_eq!(same.status, StatusCode::NO_CONTENT, "{}", same.text);

    // The field's counts follow its contexts.
    let searched = alice
        .get(&format!("/rest/api/3/field/search?id={field}"))
        .await;
    assert_eq!(searched.body["values"][0]["contextsCount"], 2);
    assert_eq!(searched.body["values"][0]["projectsCount"], 1);

    // Served on v2 and the gateway's mount as the neighbouring routes are.
    let v2 = alice
        .get(&format!("/rest/api/2/field/{field}/context"))
        .await;
    assert_eq!(v2.status, StatusCode::OK, "{}", v2.text);
    assert_eq!(v2.body["total"], 2);

    // Only Jira administrators, in Jira's words.
    let denied = [
        bob.get(&base).await,
        bob.post(&base, &json!({ "name": "Mine" })).await,
        bob.put(&path, &json!({ "name": "Mine" })).await,
        bob.delete(&path).await,
        bob.put(&format!("{path}/project"), &json!({ "projectIds": [SEC] }))
            .await,
        bob.post(
            &format!("{path}/project/remove"),
            &json!({ "projectIds": [KILN] }),
        )
        .await,
        bob.put(
            &format!("{path}/issuetype"),
            &json!({ "issueTypeIds": [TASK] }),
        )
        .await,
        bob.post(
            &format!("{path}/issuetype/remove"),
            &json!({ "issueTypeIds": [BUG] }),
        )
        .await,
        bob.get(&format!("{base}/projectmapping")).await,
        bob.get(&format!("{base}/issuetypemapping")).await,
        bob.post(
            &format!("{base}/mapping"),
            &json!({ "mappings": [{ "projectId": KILN, "issueTypeId": BUG }] }),
        )
        .await,
    ];
    for reply in denied {
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text);
        assert_eq!(
            reply.body["errorMessages"][0],
            "Only Jira administrators can access custom field contexts."
        );
    }

    // Unknown fields and contexts are 404s.
    let unknown = [
        alice
            .get("/rest/api/3/field/customfield_99999/context")
            .await,
        alice
            .post(
                "/rest/api/3/field/customfield_99999/context",
                &json!({ "name": "x" }),
            )
            .await,
        alice
            .put(&format!("{base}/1"), &json!({ "name": "x" }))
            .await,
        alice.delete(&format!("{base}/1")).await,
        alice
            .put(
                &format!("{base}/1/project"),
                &json!({ "projectIds": [SEC] }),
            )
            .await,
        alice
            .post(
                &format!("{base}/1/issuetype/remove"),
                &json!({ "issueTypeIds": [BUG] }),
            )
            .await,
        alice.get(&format!("{base}/1/option")).await,
        alice
            .get("/rest/api/3/field/customfield_99999/context/projectmapping")
            .await,
    ];
    for reply in unknown {
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.text);
    }

    let deleted = alice.delete(&path).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    assert_eq!(alice.delete(&path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(alice.get(&base).await.body["total"], 1);
}

#[tokio::test]
async fn a_project_is_in_one_context_and_a_field_has_one_global_context() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let field = select_field(&sim, "Tier").await;
    let base = format!("/rest/api/3/field/{field}/context");
    let global = global_context(&sim, &field).await;
    let kiln = create_context(&sim, &field, &json!({ "name": "K", "projectIds": [KILN] })).await;

    // A project already in a context of the field refuses the whole request.
    let again = alice
        .post(&base, &json!({ "name": "K2", "projectIds": [SEC, KILN] }))
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST, "{}", again.text);
    assert!(
        again.body["errorMessages"][0]
            .as_str()
            .is_some_and(|m| m.ends_with(": 10000.")),
        "{}",
        again.text
    );
    assert_eq!(alice.get(&base).await.body["total"], 2, "nothing was made");
    let moved = alice
        .put(
            &format!("{base}/{global}/project"),
            &json!({ "projectIds": [KILN] }),
        )
        .await;
    assert_eq!(moved.status, StatusCode::BAD_REQUEST, "{}", moved.text);
    let twice = alice
        .put(
            &format!("{base}/{kiln}/project"),
            &json!({ "projectIds": [KILN] }),
        )
        .await;
    assert_eq!(twice.status, StatusCode::BAD_REQUEST, "{}", twice.text);

    // One global context per field.
    let second = alice.post(&base, &json!({ "name": "Everywhere" })).await;
    assert_eq!(second.status, StatusCode::BAD_REQUEST, "{}", second.text);
    let emptied = alice
        .post(
            &format!("{base}/{kiln}/project/remove"),
            &json!({ "projectIds": [KILN] }),
        )
        .await;
    assert_eq!(emptied.status, StatusCode::BAD_REQUEST, "{}", emptied.text);

    // SEC joins the KILN context; removing it again leaves KILN.
    let joined = alice
        .put(
            &format!("{base}/{kiln}/project"),
            &json!({ "projectIds": [SEC] }),
        )
        .await;
    assert_eq!(joined.status, StatusCode::NO_CONTENT, "{}", joined.text);
    let left = alice
        .post(
            &format!("{base}/{kiln}/project/remove"),
            &json!({ "projectIds": [SEC] }),
        )
        .await;
    assert_eq!(left.status, StatusCode::NO_CONTENT, "{}", left.text);
    let foreign = alice
        .post(
            &format!("{base}/{kiln}/project/remove"),
            &json!({ "projectIds": [SEC] }),
        )
        .await;
    assert_eq!(foreign.status, StatusCode::BAD_REQUEST, "{}", foreign.text);
    assert_eq!(
        foreign.body["errorMessages"][0],
        "These projects are not associated with the context: 10001."
    );

    // Without its global context, the KILN context may become global; the
    // global one taking a project stops being global.
    let gone = alice.delete(&format!("{base}/{global}")).await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT, "{}", gone.text);
    let made_global = alice
        .post(
            &format!("{base}/{kiln}/project/remove"),
            &json!({ "projectIds": [KILN] }),
        )
        .await;
    assert_eq!(
        made_global.status,
        StatusCode::NO_CONTENT,
        "{}",
        made_global.text
    );
    let listed = alice.get(&format!("{base}?contextId={kiln}")).await;
    assert_eq!(listed.body["values"][0]["isGlobalContext"], true);
    let narrowed = alice
        .put(
            &format!("{base}/{kiln}/project"),
            &json!({ "projectIds": [SEC] }),
        )
        .await;
    assert_eq!(narrowed.status, StatusCode::NO_CONTENT, "{}", narrowed.text);
    let listed = alice.get(&format!("{base}?contextId={kiln}")).await;
    assert_eq!(listed.body["values"][0]["isGlobalContext"], false);
    let global_again = alice.post(&base, &json!({ "name": "Everywhere" })).await;
    assert_eq!(
        global_again.status,
        StatusCode::CREATED,
        "{}",
        global_again.text
    );
}

#[tokio::test]
async fn issue_types_narrow_a_context_and_the_mappings_say_which_applies() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let field = select_field(&sim, "Tier").await;
    let base = format!("/rest/api/3/field/{field}/context");
    let global = global_context(&sim, &field).await;
    let kiln = create_context(&sim, &field, &json!({ "name": "K", "projectIds": [KILN] })).await;
    let types = format!("{base}/{kiln}/issuetype");

    let added = alice.put(&types, &json!({ "issueTypeIds": [BUG] })).await;
    assert_eq!(added.status, StatusCode::NO_CONTENT, "{}", added.text);
    let present = alice
        .put(&types, &json!({ "issueTypeIds": [TASK, BUG] }))
        .await;
    assert_eq!(present.status, StatusCode::BAD_REQUEST, "{}", present.text);
    assert_eq!(
        present.body["errorMessages"][0],
        "These issue types are already associated with the context: 10002."
    );
    let unknown = alice.put(&types, &json!({ "issueTypeIds": ["999"] })).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.text);
    assert_eq!(
        unknown.body["errorMessages"][0],
        "These issue types were not found: 999"
    );
    let duplicated = alice
        .put(&types, &json!({ "issueTypeIds": [TASK, TASK] }))
        .await;
    assert_eq!(duplicated.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        duplicated.body["errorMessages"][0],
        "The issueTypeIds must not contain duplicates."
    );
    let absent = alice
        .post(
            &format!("{types}/remove"),
            &json!({ "issueTypeIds": [TASK] }),
        )
        .await;
    assert_eq!(absent.status, StatusCode::BAD_REQUEST, "{}", absent.text);
    assert_eq!(
        absent.body["errorMessages"][0],
        "These issue types are not associated with the context: 10001."
    );

    // Which context applies: KILN's for its bugs, the global one elsewhere.
    let projects = alice.get(&format!("{base}/projectmapping")).await;
    assert_eq!(projects.status, StatusCode::OK, "{}", projects.text);
    assert_eq!(
        projects.body["values"],
        json!([
            { "contextId": global, "isGlobalContext": true },
            { "contextId": kiln, "projectId": KILN },
        ])
    );
    let filtered = alice
        .get(&format!("{base}/projectmapping?contextId={kiln}"))
        .await;
    assert_eq!(filtered.body["total"], 1);
    let issue_types = alice.get(&format!("{base}/issuetypemapping")).await;
    assert_eq!(issue_types.status, StatusCode::OK, "{}", issue_types.text);
    assert_eq!(
        issue_types.body["values"],
        json!([
            { "contextId": global, "isAnyIssueType": true },
            { "contextId": kiln, "issueTypeId": BUG },
        ])
    );
    let mapping = format!("{base}/mapping");
    let asked = json!({ "mappings": [
        { "projectId": KILN, "issueTypeId": BUG },
        { "projectId": KILN, "issueTypeId": TASK },
        { "projectId": SEC, "issueTypeId": BUG },
    ]});
    let found = alice.post(&mapping, &asked).await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    assert_eq!(
        found.body["values"],
        json!([
            { "projectId": KILN, "issueTypeId": BUG, "contextId": kiln },
            { "projectId": KILN, "issueTypeId": TASK, "contextId": global },
            { "projectId": SEC, "issueTypeId": BUG, "contextId": global },
        ])
    );
    // Without the global context, nothing applies to KILN's tasks.
    alice
        .put(
            &format!("{base}/{global}/issuetype"),
            &json!({ "issueTypeIds": [BUG] }),
        )
        .await;
    let found = alice.post(&mapping, &asked).await;
    assert_eq!(found.body["values"][1]["contextId"], Value::Null);
    let duplicate = alice
        .post(
            &mapping,
            &json!({ "mappings": [
                { "projectId": KILN, "issueTypeId": BUG },
                { "projectId": KILN, "issueTypeId": BUG },
            ]}),
        )
        .await;
    assert_eq!(duplicate.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        duplicate.body["errorMessages"][0],
        "Duplicate project and issue type mappings cannot be provided."
    );
    let missing = alice
        .post(
            &mapping,
            &json!({ "mappings": [{ "projectId": "10005", "issueTypeId": BUG }] }),
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(
        missing.body["errorMessages"][0],
        "These projects were not found: 10005."
    );

    // Removing every issue type makes the context apply to any.
    let removed = alice
        .post(
            &format!("{types}/remove"),
            &json!({ "issueTypeIds": [BUG] }),
        )
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{}", removed.text);
    let listed = alice.get(&format!("{base}?contextId={kiln}")).await;
    assert_eq!(listed.body["values"][0]["isAnyIssueType"], true);
}

#[tokio::test]
async fn bad_bodies_and_the_bounds_are_refused() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let field = select_field(&sim, "Tier").await;
    let base = format!("/rest/api/3/field/{field}/context");
    let kiln = create_context(&sim, &field, &json!({ "name": "K", "projectIds": [KILN] })).await;
    let long = "x".repeat(256);
    let many_projects: Vec<String> = (0..1_001).map(|i| (20_000 + i).to_string()).collect();
    let many_types: Vec<String> = (0..101).map(|i| (20_000 + i).to_string()).collect();
    for body in [
        json!({}),
        json!({ "name": "  " }),
        json!({ "name": long }),
        json!({ "name": "D", "description": long }),
        json!({ "name": "k", "projectIds": [SEC] }),
        json!({ "name": "D", "projectIds": [SEC], "color": "red" }),
        json!({ "name": "D", "projectIds": SEC }),
        json!({ "name": "D", "projectIds": [SEC, SEC] }),
        json!({ "name": "D", "projectIds": many_projects }),
        json!({ "name": "D", "projectIds": [SEC], "issueTypeIds": many_types }),
        json!(["D"]),
    ] {
        let reply = alice.post(&base, &body).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            reply.text
        );
    }
    let unknown_project = alice
        .post(&base, &json!({ "name": "D", "projectIds": ["10005"] }))
        .await;
    assert_eq!(unknown_project.status, StatusCode::NOT_FOUND);
    let path = format!("{base}/{kiln}");
    for (reply, what) in [
        (
            alice.put(&path, &json!({ "name": long })).await,
            "long name",
        ),
        (
            alice.put(&path, &json!({ "title": "x" })).await,
            "unknown key",
        ),
        (
            alice
                .put(&format!("{path}/project"), &json!({ "projectIds": [] }))
                .await,
            "no projects",
        ),
        (
            alice.put(&format!("{path}/project"), &json!({})).await,
            "no key",
        ),
        (
            alice
                .post(
                    &format!("{path}/project/remove"),
                    &json!({ "projectIds": [KILN, KILN] }),
                )
                .await,
            "duplicate projects",
        ),
        (
            alice
                .put(&format!("{path}/issuetype"), &json!({ "issueTypeIds": [] }))
                .await,
            "no issue types",
        ),
        (
            alice
                .put(
                    &format!("{path}/issuetype"),
                    &json!({ "issueTypeIds": many_types }),
                )
                .await,
            "too many issue types",
        ),
        (
            alice
                .post(&format!("{base}/mapping"), &json!({ "mappings": [{}] }))
                .await,
            "a mapping without ids",
        ),
    ] {
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{what}: {}",
            reply.text
        );
    }
    let mappings: Vec<Value> = (0..1_001)
        .map(|i| json!({ "projectId": KILN, "issueTypeId": format!("{i}") }))
        .collect();
    let too_many = alice
        .post(&format!("{base}/mapping"), &json!({ "mappings": mappings }))
        .await;
    assert_eq!(
        too_many.status,
        StatusCode::BAD_REQUEST,
        "{}",
        too_many.text
    );
}

/// The default site with `count` more projects (ids from 20000).
async fn start_with_projects(count: usize) -> Simulator {
    let mut seed = Seed::default();
    let template = seed.projects[0].clone();
    for i in 0..count {
        let mut project = template.clone();
        project.id = (20_000 + i).to_string();
        project.key = format!(
            "Q{}{}",
            char::from(b'A' + (i / 26) as u8),
            char::from(b'A' + (i % 26) as u8)
        );
        project.name = format!("Project {i}");
        project.issues = Vec::new();
        // Without issues, its board has none for KILN's seeded sprint.
        if let Some(board) = project.board.as_mut() {
            board.sprints.clear();
        }
        seed.projects.push(project);
    }
    start_with(SimConfig {
        seed,
        ..SimConfig::default()
    })
    .await
}

#[tokio::test]
async fn a_field_holds_at_most_a_hundred_contexts() {
    let sim = start_with_projects(100).await;
    let alice = caller(&sim, ADMIN);
    let field = select_field(&sim, "Tier").await;
    let base = format!("/rest/api/3/field/{field}/context");
    // The global context and 99 more.
    for i in 0..99 {
        let id = (20_000 + i).to_string();
        create_context(
            &sim,
            &field,
            &json!({ "name": format!("C{i}"), "projectIds": [id] }),
        )
        .await;
    }
    let refused = alice
        .post(
            &base,
            &json!({ "name": "One more", "projectIds": ["20099"] }),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    let listed = alice.get(&format!("{base}?maxResults=1000")).await;
    assert_eq!(listed.body["total"], 100);
    assert_eq!(listed.body["maxResults"], 50, "the page is capped");
}

#[tokio::test]
async fn each_context_has_its_own_options_and_decides_what_an_issue_may_hold() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let field = select_field(&sim, "Tier").await;
    let base = format!("/rest/api/3/field/{field}/context");
    let global = global_context(&sim, &field).await;
    let everywhere = add_options(&sim, &field, &global, &["Everywhere"])
        .await
        .remove(0);
    let kiln = create_context(
        &sim,
        &field,
        &json!({ "name": "KILN only", "projectIds": [KILN] }),
    )
    .await;
    let ids = add_options(&sim, &field, &kiln, &["Gold", "Everywhere"]).await;
    let (gold, kiln_everywhere) = (ids[0].clone(), ids[1].clone());

    // Each context lists its own options; an option is only its context's.
    let listed = alice.get(&format!("{base}/{kiln}/option")).await;
    assert_eq!(listed.body["total"], 2, "{}", listed.text);
    assert_eq!(
        alice.get(&format!("{base}/{global}/option")).await.body["total"],
        1
    );
    assert_eq!(
        alice
            .delete(&format!("{base}/{global}/option/{gold}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // In KILN the KILN context's options, not the global one's.
    let accepted = create_issue(
        &sim,
        KILN,
        TASK,
        json!({ field.clone(): { "value": "Gold" } }),
    )
    .await;
    assert_eq!(accepted.status, StatusCode::CREATED, "{}", accepted.text);
    let by_name = create_issue(
        &sim,
        KILN,
        TASK,
        json!({ field.clone(): { "value": "Everywhere" } }),
    )
    .await;
    assert_eq!(by_name.status, StatusCode::CREATED, "{}", by_name.text);
    let issue = alice
        .get(&format!("/rest/api/3/issue/{}", by_name.str_at("/key")))
        .await;
    assert_eq!(issue.body["fields"][&field]["id"], kiln_everywhere.as_str());
    let refused = create_issue(
        &sim,
        KILN,
        TASK,
        json!({ field.clone(): { "id": everywhere } }),
    )
    .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    assert_eq!(
        refused.body["errors"][&field],
        format!("Option id '{everywhere}' is not valid")
    );
    // In SEC the reverse.
    let accepted = create_issue(
        &sim,
        SEC,
        TASK,
        json!({ field.clone(): { "id": everywhere } }),
    )
    .await;
    assert_eq!(accepted.status, StatusCode::CREATED, "{}", accepted.text);
    let refused = create_issue(
        &sim,
        SEC,
        TASK,
        json!({ field.clone(): { "value": "Gold" } }),
    )
    .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);

    // The create metadata offers each project its context's options.
    let allowed = |fields: &[Value]| -> Vec<String> {
        fields
            .iter()
            .find(|f| f["fieldId"] == field.as_str())
            .map(|f| {
                f["allowedValues"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|o| o["value"].as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(
        allowed(&create_meta_fields(&sim, KILN, TASK).await),
        ["Gold", "Everywhere"]
    );
    assert_eq!(
        allowed(&create_meta_fields(&sim, SEC, TASK).await),
        ["Everywhere"]
    );

    // Deleting the KILN context takes its options off KILN's issues; KILN
    // then uses the global context.
    let key = create_issue(
        &sim,
        KILN,
        TASK,
        json!({ field.clone(): { "value": "Gold" } }),
    )
    .await
    .str_at("/key");
    let deleted = alice.delete(&format!("{base}/{kiln}")).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    let issue = alice.get(&format!("/rest/api/3/issue/{key}")).await;
    assert_eq!(issue.body["fields"][&field], Value::Null);
    let now_global = create_issue(
        &sim,
        KILN,
        TASK,
        json!({ field.clone(): { "id": everywhere } }),
    )
    .await;
    assert_eq!(
        now_global.status,
        StatusCode::CREATED,
        "{}",
        now_global.text
    );
}

#[tokio::test]
async fn a_field_no_context_applies_to_is_neither_offered_nor_accepted() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let field = select_field(&sim, "Tier").await;
    let base = format!("/rest/api/3/field/{field}/context");
    let global = global_context(&sim, &field).await;
    // Only KILN's bugs.
    let bugs = create_context(
        &sim,
        &field,
        &json!({ "name": "KILN bugs", "projectIds": [KILN], "issueTypeIds": [BUG] }),
    )
    .await;
    add_options(&sim, &field, &bugs, &["Sev 1"]).await;
    assert_eq!(
        alice.delete(&format!("{base}/{global}")).await.status,
        StatusCode::NO_CONTENT
    );

    let offered = |fields: Vec<Value>| fields.iter().any(|f| f["fieldId"] == field.as_str());
    assert!(offered(create_meta_fields(&sim, KILN, BUG).await));
    assert!(!offered(create_meta_fields(&sim, KILN, TASK).await));
    assert!(!offered(create_meta_fields(&sim, SEC, BUG).await));

    let bug = create_issue(
        &sim,
        KILN,
        BUG,
        json!({ field.clone(): { "value": "Sev 1" } }),
    )
    .await;
    assert_eq!(bug.status, StatusCode::CREATED, "{}", bug.text);
    let task = create_issue(
        &sim,
        KILN,
        TASK,
        json!({ field.clone(): { "value": "Sev 1" } }),
    )
    .await;
    assert_eq!(task.status, StatusCode::BAD_REQUEST, "{}", task.text);
    assert_eq!(
        task.body["errors"][&field],
        format!("Field '{field}' cannot be set. It is not on the appropriate screen, or unknown.")
    );
    // An edit follows the same rule, as does its metadata.
    let task = create_issue(&sim, KILN, TASK, json!({}))
        .await
        .str_at("/key");
    let edit = alice
        .put(
            &format!("/rest/api/3/issue/{task}"),
            &json!({ "fields": { field.clone(): { "value": "Sev 1" } } }),
        )
        .await;
    assert_eq!(edit.status, StatusCode::BAD_REQUEST, "{}", edit.text);
    let meta = alice
        .get(&format!("/rest/api/3/issue/{task}/editmeta"))
        .await;
    assert_eq!(meta.status, StatusCode::OK, "{}", meta.text);
    assert!(meta.body["fields"].get(&field).is_none(), "{}", meta.text);
    let bug = bug.str_at("/key");
    let meta = alice
        .get(&format!("/rest/api/3/issue/{bug}/editmeta"))
        .await;
    assert!(meta.body["fields"].get(&field).is_some(), "{}", meta.text);
}

#[tokio::test]
async fn options_are_reordered_within_their_context() {
    let sim = start().await;
    let (alice, bob) = (caller(&sim, ADMIN), caller(&sim, USER));
    let field = select_field(&sim, "Tier").await;
    let global = global_context(&sim, &field).await;
    let ids = add_options(&sim, &field, &global, &["A", "B", "C", "D"]).await;
    let kiln = create_context(&sim, &field, &json!({ "name": "K", "projectIds": [KILN] })).await;
    let other = add_options(&sim, &field, &kiln, &["K1"]).await;
    let options = format!("/rest/api/3/field/{field}/context/{global}/option");
    let path = format!("{options}/move");
    let order = || async {
        alice.get(&options).await.body["values"]
            .as_array()
            .expect("values")
            .iter()
            .map(|o| o["value"].as_str().unwrap_or_default().to_owned())
            .collect::<Vec<_>>()
    };

    for (body, expected) in [
        (
            json!({ "customFieldOptionIds": [ids[3], ids[2]], "position": "First" }),
            ["D", "C", "A", "B"],
        ),
        (
            json!({ "customFieldOptionIds": [ids[3]], "position": "Last" }),
            ["C", "A", "B", "D"],
        ),
        (
            json!({ "customFieldOptionIds": [ids[2], ids[3]], "after": ids[0] }),
            ["A", "C", "D", "B"],
        ),
    ] {
        let moved = alice.put(&path, &body).await;
        assert_eq!(
            moved.status,
            StatusCode::NO_CONTENT,
            "{body}: {}",
            moved.text
        );
        assert_eq!(order().await, expected, "{body}");
    }
    // The create metadata lists them in that order.
    let fields = create_meta_fields(&sim, SEC, TASK).await;
    let listed: Vec<&str> = fields
        .iter()
        .find(|f| f["fieldId"] == field.as_str())
        .and_then(|f| f["allowedValues"].as_array())
        .into_iter()
        .flatten()
        .filter_map(|o| o["value"].as_str())
        .collect();
    assert_eq!(listed, ["A", "C", "D", "B"]);

    for (body, status) in [
        (
            json!({ "customFieldOptionIds": [ids[0]], "position": "First", "after": ids[1] }),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({ "customFieldOptionIds": [ids[0]] }),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({ "customFieldOptionIds": [], "position": "First" }),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({ "customFieldOptionIds": [ids[0], ids[0]], "position": "First" }),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({ "customFieldOptionIds": [ids[0]], "position": "Middle" }),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({ "customFieldOptionIds": [ids[0]], "after": ids[0] }),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({ "customFieldOptionIds": [other[0]], "position": "First" }),
            StatusCode::NOT_FOUND,
        ),
        (
            json!({ "customFieldOptionIds": [ids[0]], "after": other[0] }),
            StatusCode::NOT_FOUND,
        ),
    ] {
        let refused = alice.put(&path, &body).await;
        assert_eq!(refused.status, status, "{body}: {}", refused.text);
    }
    assert_eq!(order().await, ["A", "C", "D", "B"], "nothing moved");
    let denied = bob
        .put(
            &path,
            &json!({ "customFieldOptionIds": [ids[0]], "position": "Last" }),
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    assert_eq!(
        denied.body["errorMessages"][0],
        "Only Jira administrators can manage custom field options."
    );
    let unknown = alice
        .put(
            &format!("/rest/api/3/field/{field}/context/1/option/move"),
            &json!({ "customFieldOptionIds": [ids[0]], "position": "Last" }),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_gateway_serves_contexts_with_the_specs_scopes() {
    let sim = start().await;
    let field = select_field(&sim, "Tier").await;
    let url = format!(
        "{}/ex/jira/{}/rest/api/3/field/{field}/context",
        sim.base_url(),
        sim.cloud_id()
    );
    let body = json!({ "name": "KILN", "projectIds": [KILN] });
    let read = common::oauth::access_token(&sim, "read:jira-work").await;
    let refused = common::client()
        .post(&url)
        .bearer_auth(&read)
        .json(&body)
        .send()
        .await
        .expect("sent");
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let manage = common::oauth::access_token(&sim, "manage:jira-configuration").await;
    let created = common::client()
        .post(&url)
        .bearer_auth(&manage)
        .json(&body)
        .send()
        .await
        .expect("sent");
    assert_eq!(created.status(), StatusCode::CREATED);
    let listed = common::oauth::gateway_get(
        &sim,
        &manage,
        &format!("/rest/api/3/field/{field}/context/projectmapping"),
    )
    .await;
    assert_eq!(listed.status(), StatusCode::OK);
    let listed: Value = listed.json().await.expect("JSON");
    assert_eq!(listed["total"], 2);
}

#[tokio::test]
async fn jql_suggests_a_value_several_contexts_have_once() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let created = alice
        .post(
            "/rest/api/3/field",
            &json!({
                "name": "Tier",
                "type": format!("{TYPE}select"),
                "searcherKey": format!("{TYPE}multiselectsearcher"),
            }),
        )
        .await;
    let field = created.str_at("/id");
    let global = global_context(&sim, &field).await;
    add_options(&sim, &field, &global, &["Gold", "Silver"]).await;
    let kiln = create_context(&sim, &field, &json!({ "name": "K", "projectIds": [KILN] })).await;
    add_options(&sim, &field, &kiln, &["gold", "Bronze"]).await;
    let suggested = alice
        .get_with(
            "/rest/api/3/jql/autocompletedata/suggestions",
            &[("fieldName", "Tier"), ("fieldValue", "")],
        )
        .await;
    assert_eq!(suggested.status, StatusCode::OK, "{}", suggested.text);
    let values: Vec<&str> = suggested.body["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["value"].as_str())
        .collect();
    assert_eq!(values, ["Gold", "Silver", "Bronze"], "{}", suggested.text);
}

/// The keys of the issues a JQL search as the admin finds, by key; the error
/// body if it is refused.
async fn found_keys(sim: &Simulator, jql: &str) -> Result<Vec<String>, Value> {
    let reply = caller(sim, ADMIN)
        .post(
            "/rest/api/3/search/jql",
            &json!({ "jql": format!("{jql} ORDER BY key ASC"), "fields": ["summary"] }),
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
async fn jql_finds_an_option_value_in_every_context_that_has_it() {
    let sim = start().await;
    let created = caller(&sim, ADMIN)
        .post(
            "/rest/api/3/field",
            &json!({
                "name": "Tier",
                "type": format!("{TYPE}select"),
                "searcherKey": format!("{TYPE}multiselectsearcher"),
            }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let field = created.str_at("/id");
    common::put_on_default_screen(&sim, &field).await;
    let number = field.trim_start_matches("customfield_");
    let global = global_context(&sim, &field).await;
    add_options(&sim, &field, &global, &["Gold", "Silver"]).await;
    let kiln = create_context(&sim, &field, &json!({ "name": "K", "projectIds": [KILN] })).await;
    add_options(&sim, &field, &kiln, &["gold", "Bronze"]).await;

    let mut keys = Vec::new();
    for (project, tier) in [(KILN, "gold"), (SEC, "Gold"), (SEC, "Silver")] {
        let made = create_issue(
            &sim,
            project,
            TASK,
            json!({ field.clone(): { "value": tier } }),
        )
        .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
        keys.push(made.str_at("/key"));
    }
    let (kiln_gold, sec_gold, sec_silver) = (&keys[0], &keys[1], &keys[2]);
    for jql in [
        format!("cf[{number}] = Gold"),
        "Tier = gold".to_owned(),
        format!("cf[{number}] in (Gold)"),
    ] {
        let found = found_keys(&sim, &jql).await.expect(&jql);
        let mut want = vec![kiln_gold.clone(), sec_gold.clone()];
        want.sort();
        assert_eq!(found, want, "{jql}");
    }
    let others = found_keys(&sim, "Tier != Gold").await.expect("!=");
    assert_eq!(others, std::slice::from_ref(sec_silver));
    let bronze = found_keys(&sim, "Tier = Bronze")
        .await
        .expect("one context's");
    assert!(bronze.is_empty(), "{bronze:?}");
    let refused = found_keys(&sim, "Tier = Platinum").await;
    assert!(refused.is_err(), "an option no context has: {refused:?}");
}

#[tokio::test]
async fn an_option_is_read_by_its_id_where_its_context_is_seen() {
    let sim = start().await;
    let field = select_field(&sim, "Tier").await;
    let global = global_context(&sim, &field).await;
    let gold = add_options(&sim, &field, &global, &["Gold"])
        .await
        .remove(0);
    let sec = create_context(&sim, &field, &json!({ "name": "S", "projectIds": [SEC] })).await;
    let secret = add_options(&sim, &field, &sec, &["Secret"]).await.remove(0);
    let contract = crate::contract::Contract::new();

    // An issue's value links to it.
    let made = create_issue(&sim, KILN, TASK, json!({ field.clone(): { "id": gold } })).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    let issue = caller(&sim, USER)
        .get(&format!(
            "/rest/api/3/issue/{}?fields={field}",
            made.str_at("/key")
        ))
        .await;
    let link = issue.str_at(&format!("/fields/{field}/self"));
    let path = link
        .strip_prefix(sim.base_url())
        .expect("a link to the site");
    let read = caller(&sim, USER).get(path).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    assert_eq!(read.body, json!({ "self": link, "value": "Gold" }));
    contract.check_ref("getCustomFieldOption", "CustomFieldOption", &read.body);

    // Carol may browse KILN but not SEC: SEC's context's option is hidden.
    let carol = caller(&sim, common::OUTSIDER);
    let global_read = carol
        .get(&format!("/rest/api/3/customFieldOption/{gold}"))
        .await;
    assert_eq!(global_read.status, StatusCode::OK, "{}", global_read.text);
    let hidden = carol
        .get(&format!("/rest/api/3/customFieldOption/{secret}"))
        .await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND, "{}", hidden.text);
    let seen = caller(&sim, USER)
        .get(&format!("/rest/api/3/customFieldOption/{secret}"))
        .await;
    assert_eq!(seen.body["value"], "Secret");
    let unknown = caller(&sim, ADMIN)
        .get("/rest/api/3/customFieldOption/99999")
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    // A context's id is no option's.
    let context = caller(&sim, ADMIN)
        .get(&format!("/rest/api/3/customFieldOption/{sec}"))
        .await;
    assert_eq!(context.status, StatusCode::NOT_FOUND);
}
