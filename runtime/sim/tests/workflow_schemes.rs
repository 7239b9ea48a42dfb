//! Workflow schemes over HTTP as an app calls them: listed, created, read,
//! edited, deleted and assigned to projects, with Jira's refusals (`403` for
//! a non-admin, `400` for an unknown workflow or issue type, a taken name, an
//! active scheme's edit or delete, and an assignment that would strand issues
//! in statuses the new workflows lack; `404` for an unknown scheme); and, once
//! a project uses one, the workflow each issue type follows comes from it:
//! the transitions offered and taken, a new issue's status, the project's
//! statuses and whether the workflows API reports the workflow active.

use crate::common;
use crate::contract::Contract;

use common::{ADMIN, USER, caller, send};
use kiln_sim::Simulator;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const SCHEMES: &str = "/rest/api/3/workflowscheme";
const ASSOCIATIONS: &str = "/rest/api/3/workflowscheme/project";
const SITE_WORKFLOW: &str = "Software Simplified Workflow";
/// The site's statuses, by id.
const TO_DO: &str = "10000";
const IN_PROGRESS: &str = "3";
const DONE: &str = "10001";
/// Issue type ids of the site.
const TASK: &str = "10001";
const BUG: &str = "10002";
/// The seeded projects' ids.
const KILN: &str = "10000";
const SEC: &str = "10001";

/// Creates the global workflow `name` as the admin: a status of its own,
/// "Triage", where issues are created, plus the site's three statuses, with a
/// `DIRECTED` "Accept" from Triage to In Progress and a `GLOBAL` "Close" into
/// Done. Answers the new status's id.
async fn triage_workflow(sim: &Simulator, name: &str, with_site_statuses: bool) -> String {
    let mut statuses = vec![
        json!({ "name": format!("Triage {name}"), "statusCategory": "TODO",
                "statusReference": "triage" }),
        json!({ "id": DONE, "name": "Done", "statusCategory": "DONE", "statusReference": "done" }),
    ];
    let mut layout = vec![
        json!({ "statusReference": "triage", "properties": {} }),
        json!({ "statusReference": "done", "properties": {} }),
    ];
    if with_site_statuses {
        statuses.push(
            json!({ "id": TO_DO, "name": "To Do", "statusCategory": "TODO",
                              "statusReference": "todo" }),
        );
        statuses.push(json!({ "id": IN_PROGRESS, "name": "In Progress",
                              "statusCategory": "IN_PROGRESS", "statusReference": "doing" }));
        layout.push(json!({ "statusReference": "todo", "properties": {} }));
        layout.push(json!({ "statusReference": "doing", "properties": {} }));
    }
    let accept_to = if with_site_statuses { "doing" } else { "done" };
    let body = json!({
        "scope": { "type": "GLOBAL" },
        "statuses": statuses,
        "workflows": [{
            "name": name,
            "statuses": layout,
            "transitions": [
                { "name": "Create", "type": "INITIAL", "toStatusReference": "triage", "links": [] },
                { "name": "Accept", "type": "DIRECTED", "toStatusReference": accept_to,
                  "links": [{ "fromStatusReference": "triage" }] },
                { "name": "Close", "type": "GLOBAL", "toStatusReference": "done", "links": [] }
            ]
        }]
    });
    let created = caller(sim, ADMIN)
        .post("/rest/api/3/workflows/create", &body)
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    created.body["statuses"]
        .as_array()
        .expect("statuses")
        .iter()
        .find(|s| s["name"] == format!("Triage {name}"))
        .and_then(|s| s["id"].as_str())
        .expect("the new status")
        .to_owned()
}

/// Creates an issue of `issue_type` (a name) in `project` as the admin; its key.
async fn new_issue(sim: &Simulator, project: &str, issue_type: &str) -> String {
    let created = caller(sim, ADMIN)
        .post(
            "/rest/api/3/issue",
            &json!({ "fields": { "project": { "key": project }, "summary": "New",
                                 "issuetype": { "name": issue_type } } }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    created.body["key"].as_str().expect("a key").to_owned()
}

async fn status_of(sim: &Simulator, key: &str) -> String {
    let issue = caller(sim, ADMIN)
        .get(&format!("/rest/api/3/issue/{key}"))
        .await;
    assert_eq!(issue.status, StatusCode::OK, "{}", issue.text);
    issue.body["fields"]["status"]["id"]
        .as_str()
        .expect("a status id")
        .to_owned()
}

/// The names of the transitions `key` is offered.
async fn offered(sim: &Simulator, key: &str) -> Vec<String> {
    let reply = caller(sim, ADMIN)
        .get(&format!("/rest/api/3/issue/{key}/transitions"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body["transitions"]
        .as_array()
        .expect("transitions")
        .iter()
        .map(|t| t["name"].as_str().expect("a name").to_owned())
        .collect()
}

/// Creates a scheme as the admin; its id.
async fn new_scheme(sim: &Simulator, body: &Value) -> u64 {
    let created = caller(sim, ADMIN).post(SCHEMES, body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    created.body["id"].as_u64().expect("a scheme id")
}

fn message(reply: &common::Reply) -> String {
    reply.body["errorMessages"][0]
        .as_str()
        .map(str::to_owned)
        .or_else(|| {
            reply.body["errors"]
                .as_object()
                .and_then(|e| e.values().next())
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn every_project_starts_on_the_default_scheme() {
    let sim = common::start().await;
    let contract = Contract::new();
    let admin = caller(&sim, ADMIN);
    let all = admin.get(SCHEMES).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text);
    contract.check_ref("list", "PageBeanWorkflowScheme", &all.body);
    assert_eq!(all.body["total"], 1);
    let default = &all.body["values"][0];
    assert_eq!(default["name"], "Default Workflow Scheme");
    assert_eq!(default["defaultWorkflow"], SITE_WORKFLOW);
    assert!(
        default.get("id").is_none(),
        "Jira's default has no id: {default}"
    );
    let used = admin
        .get_with(
            ASSOCIATIONS,
            &[("projectId", KILN), ("projectId", SEC), ("projectId", "99")],
        )
        .await;
    assert_eq!(used.status, StatusCode::OK, "{}", used.text);
    contract.check_ref(
        "associations",
        "ContainerOfWorkflowSchemeAssociations",
        &used.body,
    );
    assert_eq!(used.body["values"].as_array().map(Vec::len), Some(1));
    assert_eq!(used.body["values"][0]["projectIds"], json!([KILN, SEC]));
    assert_eq!(
        used.body["values"][0]["workflowScheme"]["name"],
        "Default Workflow Scheme"
    );
    let none = admin.get(ASSOCIATIONS).await;
    assert_eq!(none.status, StatusCode::BAD_REQUEST, "{}", none.text);
    assert_eq!(message(&none), "The ID of a project has to be provided.");
    sim.shutdown().await;
}

/// The point of schemes: a Bug mapped to a workflow of its own moves by it,
/// while a Task of the same project keeps the default workflow.
#[tokio::test]
async fn an_assigned_scheme_decides_each_issue_types_workflow() {
    let sim = common::start().await;
    let contract = Contract::new();
    let admin = caller(&sim, ADMIN);
    let triage = triage_workflow(&sim, "Bug flow", true).await;
    // Made but used by no project: inactive.
    let search = admin
        .get_with("/rest/api/3/workflows/search", &[("isActive", "true")])
        .await;
    assert!(!search.text.contains("Bug flow"), "{}", search.text);

    let created = admin
        .post(
            SCHEMES,
            &json!({ "name": "Bugs triaged", "description": "Bugs start in triage",
                     "issueTypeMappings": { BUG: "Bug flow" } }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    contract.check_ref("create", "WorkflowScheme", &created.body);
    let id = created.body["id"].as_u64().expect("an id");
    assert_eq!(created.body["defaultWorkflow"], SITE_WORKFLOW);
    assert_eq!(
        created.body["issueTypeMappings"],
        json!({ BUG: "Bug flow" })
    );
    let read = admin.get(&format!("{SCHEMES}/{id}")).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    contract.check_ref("read", "WorkflowScheme", &read.body);
    assert_eq!(read.body, created.body);

    let assigned = admin
        .put(
            ASSOCIATIONS,
            &json!({ "projectId": KILN, "workflowSchemeId": id.to_string() }),
        )
        .await;
    assert_eq!(assigned.status, StatusCode::NO_CONTENT, "{}", assigned.text);
    let used = admin.get_with(ASSOCIATIONS, &[("projectId", KILN)]).await;
    assert_eq!(used.body["values"][0]["workflowScheme"]["id"], id);
    // An id sent as a number, as clients often do, is the same id.
    let again = admin
        .put(
            ASSOCIATIONS,
            &json!({ "projectId": 10000, "workflowSchemeId": id }),
        )
        .await;
    assert_eq!(again.status, StatusCode::NO_CONTENT, "{}", again.text);

    // A Bug is created into Triage and offered the new workflow's moves.
    let bug = new_issue(&sim, "KILN", "Bug").await;
    assert_eq!(status_of(&sim, &bug).await, triage);
    assert_eq!(offered(&sim, &bug).await, ["Accept", "Close"]);
    let moved = admin
        .post(
            &format!("/rest/api/3/issue/{bug}/transitions"),
            &json!({ "transition": { "id": "11" } }),
        )
        .await;
    assert_eq!(moved.status, StatusCode::NO_CONTENT, "{}", moved.text);
    assert_eq!(status_of(&sim, &bug).await, IN_PROGRESS);
    // The site workflow's transition ids mean nothing to a Bug now.
    let foreign = admin
        .post(
            &format!("/rest/api/3/issue/{bug}/transitions"),
            &json!({ "transition": { "id": "31" } }),
        )
        .await;
    assert_eq!(foreign.status, StatusCode::BAD_REQUEST, "{}", foreign.text);

    // A Task of the same project, and a Bug of another, keep the default.
    let task = new_issue(&sim, "KILN", "Task").await;
    assert_eq!(status_of(&sim, &task).await, TO_DO);
    assert_eq!(offered(&sim, &task).await, ["To Do", "In Progress", "Done"]);
    let other = new_issue(&sim, "SEC", "Bug").await;
    assert_eq!(status_of(&sim, &other).await, TO_DO);

    // The project's statuses, by issue type, follow the scheme too.
    let statuses = admin.get("/rest/api/3/project/KILN/statuses").await;
    let by_type = statuses.body.as_array().expect("issue types");
    let of = |name: &str| {
        by_type
            .iter()
            .find(|t| t["name"] == name)
            .map(|t| t["statuses"].to_string())
            .unwrap_or_default()
    };
    assert!(
        of("Bug").contains(&format!("\"{triage}\"")),
        "{}",
        of("Bug")
    );
    assert!(
        !of("Task").contains(&format!("\"{triage}\"")),
        "{}",
        of("Task")
    );

    // And the workflows API reports the workflow active.
    let search = admin
        .get_with("/rest/api/3/workflows/search", &[("isActive", "true")])
        .await;
    assert!(search.text.contains("Bug flow"), "{}", search.text);

    // Back to the default scheme only once no issue is left in Triage, a
    // status the site's workflow lacks.
    let back = json!({ "projectId": KILN, "workflowSchemeId": null });
    let bug_in_triage = new_issue(&sim, "KILN", "Bug").await;
    let stranded = admin.put(ASSOCIATIONS, &back).await;
    assert_eq!(
        stranded.status,
        StatusCode::BAD_REQUEST,
        "{}",
        stranded.text
    );
    let closed = admin
        .post(
            &format!("/rest/api/3/issue/{bug_in_triage}/transitions"),
            &json!({ "transition": { "id": "21" } }),
        )
        .await;
    assert_eq!(closed.status, StatusCode::NO_CONTENT, "{}", closed.text);
    let returned = admin.put(ASSOCIATIONS, &back).await;
    assert_eq!(returned.status, StatusCode::NO_CONTENT, "{}", returned.text);
    assert_eq!(offered(&sim, &bug).await, ["To Do", "In Progress", "Done"]);
    sim.shutdown().await;
}

#[tokio::test]
async fn mappings_and_the_default_are_edited_while_inactive() {
    let sim = common::start().await;
    let contract = Contract::new();
    let admin = caller(&sim, ADMIN);
    triage_workflow(&sim, "Flow A", true).await;
    let id = new_scheme(&sim, &json!({ "name": "Edited" })).await;
    let base = format!("{SCHEMES}/{id}");

    let set = admin
        .put(
            &format!("{base}/issuetype/{BUG}"),
            &json!({ "workflow": "Flow A" }),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text);
    contract.check_ref("set issue type", "WorkflowScheme", &set.body);
    let mapping = admin.get(&format!("{base}/issuetype/{BUG}")).await;
    contract.check_ref("issue type", "IssueTypeWorkflowMapping", &mapping.body);
    assert_eq!(
        mapping.body,
        json!({ "issueType": BUG, "workflow": "Flow A" })
    );
    let task = admin.get(&format!("{base}/issuetype/{TASK}")).await;
    assert_eq!(task.body["workflow"], SITE_WORKFLOW);

    let by_workflow = admin
        .get_with(&format!("{base}/workflow"), &[("workflowName", "Flow A")])
        .await;
    assert_eq!(by_workflow.status, StatusCode::OK, "{}", by_workflow.text);
    contract.check_ref("workflow", "IssueTypesWorkflowMapping", &by_workflow.body);
    assert_eq!(
        by_workflow.body,
        json!({ "workflow": "Flow A", "issueTypes": [BUG], "defaultMapping": false })
    );
    let updated = admin
        .request(Method::PUT, &format!("{base}/workflow"))
        .query(&[("workflowName", "Flow A")])
        .json(&json!({ "issueTypes": [TASK], "defaultMapping": true }));
    let updated = send(updated).await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    assert_eq!(updated.body["defaultWorkflow"], "Flow A");
    assert_eq!(
        updated.body["issueTypeMappings"],
        json!({ TASK: "Flow A", BUG: "Flow A" })
    );

    let default = admin.get(&format!("{base}/default")).await;
    contract.check_ref("default", "DefaultWorkflow", &default.body);
    assert_eq!(default.body, json!({ "workflow": "Flow A" }));
    let reset = admin.delete(&format!("{base}/default")).await;
    assert_eq!(reset.status, StatusCode::OK, "{}", reset.text);
    assert_eq!(reset.body["defaultWorkflow"], SITE_WORKFLOW);
    let put_default = admin
        .put(&format!("{base}/default"), &json!({ "workflow": "Flow A" }))
        .await;
    assert_eq!(put_default.body["defaultWorkflow"], "Flow A");

    let unmapped = admin.delete(&format!("{base}/issuetype/{BUG}")).await;
    assert_eq!(unmapped.status, StatusCode::OK, "{}", unmapped.text);
    assert_eq!(
        unmapped.body["issueTypeMappings"],
        json!({ TASK: "Flow A" })
    );
    let cleared = admin
        .request(Method::DELETE, &format!("{base}/workflow"))
        .query(&[("workflowName", "Flow A")]);
    let cleared = send(cleared).await;
    assert_eq!(cleared.status, StatusCode::OK, "{}", cleared.text);

    let renamed = admin
        .put(
            &base,
            &json!({ "name": "Renamed", "issueTypeMappings": { BUG: "Flow A" } }),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);
    assert_eq!(renamed.body["name"], "Renamed");
    assert_eq!(renamed.body["issueTypeMappings"], json!({ BUG: "Flow A" }));

    let deleted = admin.delete(&base).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    assert_eq!(admin.get(&base).await.status, StatusCode::NOT_FOUND);
    sim.shutdown().await;
}

#[tokio::test]
async fn what_jira_refuses_is_refused() {
    let sim = common::start().await;
    let admin = caller(&sim, ADMIN);
    triage_workflow(&sim, "Narrow", false).await;

    for (body, words) in [
        (
            json!({ "name": "X", "defaultWorkflow": "No such flow" }),
            "Workflow with name 'No such flow' does not exist.",
        ),
        (
            json!({ "name": "X", "issueTypeMappings": { "99999": "Narrow" } }),
            "Issue type with ID '99999' does not exist.",
        ),
        (
            json!({ "name": "default workflow scheme" }),
            "A workflow scheme with the name 'default workflow scheme' already exists.",
        ),
        (
            json!({ "name": "  " }),
            "The workflow scheme name must not be empty.",
        ),
    ] {
        let refused = admin.post(SCHEMES, &body).await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            refused.text
        );
        assert_eq!(message(&refused), words, "{body}");
    }
    for path in [format!("{SCHEMES}/424242"), format!("{SCHEMES}/abc")] {
        assert_eq!(
            admin.get(&path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }

    // A scheme sending the project's issues where their statuses are not.
    let narrow = new_scheme(
        &sim,
        &json!({ "name": "Narrow", "defaultWorkflow": "Narrow" }),
    )
    .await;
    let stranded = admin
        .put(
            ASSOCIATIONS,
            &json!({ "projectId": KILN, "workflowSchemeId": narrow.to_string() }),
        )
        .await;
    assert_eq!(
        stranded.status,
        StatusCode::BAD_REQUEST,
        "{}",
        stranded.text
    );
    assert!(
        message(&stranded).contains("without migrating"),
        "{}",
        stranded.text
    );
    let used = admin.get_with(ASSOCIATIONS, &[("projectId", KILN)]).await;
    assert!(used.body["values"][0]["workflowScheme"].get("id").is_none());
    let unknown = admin
        .put(
            ASSOCIATIONS,
            &json!({ "projectId": KILN, "workflowSchemeId": "424242" }),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.text);
    assert_eq!(message(&unknown), "The workflow scheme was not found.");

    // A scheme in use is neither deleted nor edited in place; the workflow
    // it names is not deleted either.
    triage_workflow(&sim, "Wide", true).await;
    let wide = new_scheme(
        &sim,
        &json!({ "name": "Wide", "issueTypeMappings": { BUG: "Wide" } }),
    )
    .await;
    let assigned = admin
        .put(
            ASSOCIATIONS,
            &json!({ "projectId": KILN, "workflowSchemeId": wide.to_string() }),
        )
        .await;
    assert_eq!(assigned.status, StatusCode::NO_CONTENT, "{}", assigned.text);
    let in_use = admin.delete(&format!("{SCHEMES}/{wide}")).await;
    assert_eq!(in_use.status, StatusCode::BAD_REQUEST, "{}", in_use.text);
    assert_eq!(message(&in_use), "Cannot delete an active workflow scheme.");
    let edit = admin
        .put(
            &format!("{SCHEMES}/{wide}/issuetype/{TASK}"),
            &json!({ "workflow": "Wide" }),
        )
        .await;
    assert_eq!(edit.status, StatusCode::BAD_REQUEST, "{}", edit.text);
    let read = admin
        .post(
            "/rest/api/3/workflows",
            &json!({ "workflowNames": ["Narrow"] }),
        )
        .await;
    let narrow_id = read.body["workflows"][0]["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let kept = admin
        .delete(&format!("/rest/api/3/workflow/{narrow_id}"))
        .await;
    assert_eq!(kept.status, StatusCode::BAD_REQUEST, "{}", kept.text);
    sim.shutdown().await;
}

#[tokio::test]
async fn only_administrators_touch_workflow_schemes() {
    let sim = common::start().await;
    let bob = caller(&sim, USER);
    let refused = [
        bob.get(SCHEMES).await,
        bob.post(SCHEMES, &json!({ "name": "Mine" })).await,
        bob.get(&format!("{SCHEMES}/10000")).await,
        bob.delete(&format!("{SCHEMES}/10000")).await,
    ];
    for reply in refused {
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text);
        assert_eq!(
            message(&reply),
            "Only Jira administrators can access workflow schemes."
        );
    }
    let associations = bob.get_with(ASSOCIATIONS, &[("projectId", KILN)]).await;
    assert_eq!(associations.status, StatusCode::FORBIDDEN);
    assert_eq!(
        message(&associations),
        "Only Jira administrators can access workflow scheme associations."
    );
    let assign = bob
        .put(
            ASSOCIATIONS,
            &json!({ "projectId": KILN, "workflowSchemeId": null }),
        )
        .await;
    assert_eq!(assign.status, StatusCode::FORBIDDEN);
    // Nothing was made.
    let all = caller(&sim, ADMIN).get(SCHEMES).await;
    assert_eq!(all.body["total"], 1);
    sim.shutdown().await;
}

/// A workflow a scheme makes active moves its issues on update as the site's
/// does: a status it drops needs a mapping for the issues in it, and only the
/// issues following that workflow count.
#[tokio::test]
async fn updating_a_scheme_workflow_migrates_only_its_issues() {
    let sim = common::start().await;
    let admin = caller(&sim, ADMIN);
    let triage = triage_workflow(&sim, "Bug flow", true).await;
    let id = new_scheme(
        &sim,
        &json!({ "name": "S", "issueTypeMappings": { BUG: "Bug flow" } }),
    )
    .await;
    let assigned = admin
        .put(
            ASSOCIATIONS,
            &json!({ "projectId": KILN, "workflowSchemeId": id.to_string() }),
        )
        .await;
    assert_eq!(assigned.status, StatusCode::NO_CONTENT, "{}", assigned.text);
    let bug = new_issue(&sim, "KILN", "Bug").await;
    let read = admin
        .post(
            "/rest/api/3/workflows",
            &json!({ "workflowNames": ["Bug flow"] }),
        )
        .await;
    let workflow = &read.body["workflows"][0];
    let update = |mappings: Value| {
        json!({
            "statuses": [
                { "id": TO_DO, "name": "To Do", "statusCategory": "TODO", "statusReference": TO_DO },
                { "id": DONE, "name": "Done", "statusCategory": "DONE", "statusReference": DONE }
            ],
            "workflows": [{
                "id": workflow["id"],
                "version": workflow["version"],
                "statuses": [
                    { "statusReference": TO_DO, "properties": {} },
                    { "statusReference": DONE, "properties": {} }
                ],
                "transitions": [
                    { "name": "Create", "type": "INITIAL", "toStatusReference": TO_DO, "links": [] },
                    { "name": "Close", "type": "GLOBAL", "toStatusReference": DONE, "links": [] }
                ],
                "defaultStatusMappings": mappings,
            }],
        })
    };
    let unmapped = admin
        .post("/rest/api/3/workflows/update", &update(json!([])))
        .await;
    assert_eq!(
        unmapped.status,
        StatusCode::BAD_REQUEST,
        "{}",
        unmapped.text
    );
    assert!(
        unmapped.text.contains("KILN and issue type Bug"),
        "{}",
        unmapped.text
    );
    let mapped = admin
        .post(
            "/rest/api/3/workflows/update",
            &update(json!([
                { "oldStatusReference": triage, "newStatusReference": TO_DO },
                { "oldStatusReference": IN_PROGRESS, "newStatusReference": TO_DO }
            ])),
        )
        .await;
    assert_eq!(mapped.status, StatusCode::OK, "{}", mapped.text);
    assert_eq!(status_of(&sim, &bug).await, TO_DO);
    assert_eq!(offered(&sim, &bug).await, ["Close"]);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_deleted_project_leaves_its_scheme_free_to_go() {
    let sim = common::start().await;
    let admin = caller(&sim, ADMIN);
    let id = new_scheme(&sim, &json!({ "name": "Short-lived" })).await;
    let assigned = admin
        .put(
            ASSOCIATIONS,
            &json!({ "projectId": SEC, "workflowSchemeId": id.to_string() }),
        )
        .await;
    assert_eq!(assigned.status, StatusCode::NO_CONTENT, "{}", assigned.text);
    let in_use = admin.delete(&format!("{SCHEMES}/{id}")).await;
    assert_eq!(in_use.status, StatusCode::BAD_REQUEST, "{}", in_use.text);
    let deleted = admin.delete("/rest/api/3/project/SEC").await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    let gone = admin.delete(&format!("{SCHEMES}/{id}")).await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT, "{}", gone.text);
    sim.shutdown().await;
}

/// Hostile input is a clear `400` and the simulator keeps serving.
#[tokio::test]
async fn hostile_input_is_refused_plainly() {
    let sim = common::start().await;
    let admin = caller(&sim, ADMIN);
    let not_a_number = admin.get_with(ASSOCIATIONS, &[("projectId", "abc")]).await;
    assert_eq!(
        not_a_number.status,
        StatusCode::BAD_REQUEST,
        "{}",
        not_a_number.text
    );
    let ids: Vec<String> = (0..=100).map(|n| (20_000 + n).to_string()).collect();
    let too_many: Vec<(&str, &str)> = ids.iter().map(|id| ("projectId", id.as_str())).collect();
    let refused = admin.get_with(ASSOCIATIONS, &too_many).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    assert_eq!(
        message(&refused),
        "At most 100 project IDs can be provided."
    );
    for body in [
        json!({ "name": "X", "issueTypeMappings": ["not", "a", "map"] }),
        json!({ "name": 7 }),
        json!([]),
    ] {
        let bad = admin.post(SCHEMES, &body).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{body}: {}", bad.text);
    }
    let long = admin
        .post(SCHEMES, &json!({ "name": "n".repeat(256) }))
        .await;
    assert_eq!(long.status, StatusCode::BAD_REQUEST, "{}", long.text);
    let no_project = admin
        .put(
            ASSOCIATIONS,
            &json!({ "projectId": "99999", "workflowSchemeId": null }),
        )
        .await;
    assert_eq!(
        no_project.status,
        StatusCode::NOT_FOUND,
        "{}",
        no_project.text
    );
    let no_workflow = admin
        .put(
            &format!("{SCHEMES}/1/default"),
            &json!({ "workflow": null }),
        )
        .await;
    assert_eq!(
        no_workflow.status,
        StatusCode::NOT_FOUND,
        "{}",
        no_workflow.text
    );
    // Still serving.
    assert_eq!(admin.get(SCHEMES).await.status, StatusCode::OK);
    sim.shutdown().await;
}
