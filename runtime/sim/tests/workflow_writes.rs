//! The workflow writes: `POST /workflows/create`, `/workflows/update`, their
//! validations, and `DELETE /workflow/{entityId}`, read back through the
//! workflows and statuses reads, and felt by issues: the site's workflow, which
//! every project uses, decides the transitions an issue is offered and takes.

use crate::common;
use crate::contract::Contract;

use common::{ADMIN, OUTSIDER, USER, caller, client, send, start, start_with};
use kiln_sim::SimConfig;
use reqwest::StatusCode;
use serde_json::{Value, json};

const CREATE: &str = "/rest/api/3/workflows/create";
const UPDATE: &str = "/rest/api/3/workflows/update";
const VALIDATE_CREATE: &str = "/rest/api/3/workflows/create/validation";
const VALIDATE_UPDATE: &str = "/rest/api/3/workflows/update/validation";
const READ: &str = "/rest/api/3/workflows";
const SEARCH: &str = "/rest/api/3/workflows/search";
const SITE_WORKFLOW: &str = "Software Simplified Workflow";
/// The site's statuses, by id.
const TO_DO: &str = "10000";
const IN_PROGRESS: &str = "3";
const DONE: &str = "10001";

fn strings(values: &Value, key: &str) -> Vec<String> {
    values
        .as_array()
        .expect("an array")
        .iter()
        .map(|v| v[key].as_str().expect("a string").to_owned())
        .collect()
}

/// A global workflow `name`: a new status "Awaiting review" (reference `review`)
/// and the site's Done, created into review, approved from review into Done,
/// and reopened from anywhere.
fn review_workflow(name: &str) -> Value {
    json!({
        "scope": { "type": "GLOBAL" },
        "statuses": [
            { "name": "Awaiting review", "statusCategory": "TODO", "statusReference": "review",
              "description": "Waiting for a reviewer" },
            { "id": DONE, "name": "Done", "statusCategory": "DONE", "statusReference": "done" }
        ],
        "workflows": [{
            "name": name,
            "description": "Reviews before done",
            "startPointLayout": { "x": -100.0, "y": 0.0 },
            "statuses": [
                { "statusReference": "review", "properties": {}, "layout": { "x": 10.0, "y": 5.0 } },
                { "statusReference": "done", "properties": {} }
            ],
            "transitions": [
                { "name": "Create", "type": "INITIAL", "toStatusReference": "review",
                  "links": [{ "toPort": 0 }], "actions": [], "validators": [], "triggers": [] },
                { "name": "Approve", "type": "DIRECTED", "toStatusReference": "done",
                  "links": [{ "fromStatusReference": "review", "fromPort": 0, "toPort": 1 }] },
                { "name": "Reopen", "type": "GLOBAL", "toStatusReference": "review", "links": [] }
            ]
        }]
    })
}

/// The site's workflow as `readWorkflows` answers it, with its statuses.
async fn site_workflow(sim: &kiln_sim::Simulator) -> Value {
    let reply = caller(sim, ADMIN)
        .post(READ, &json!({ "workflowNames": [SITE_WORKFLOW] }))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body
}

/// An update of the site's workflow, as read, with `statuses` (request
/// statuses), the workflow's status references and `transitions` replaced.
fn site_update(read: &Value, statuses: Value, layout: &[&str], transitions: Value) -> Value {
    let workflow = &read["workflows"][0];
    let layout: Vec<Value> = layout
        .iter()
        .map(|r| json!({ "statusReference": r, "properties": {} }))
        .collect();
    json!({
        "statuses": statuses,
        "workflows": [{
            "id": workflow["id"],
            "version": workflow["version"],
            "statuses": layout,
            "transitions": transitions,
        }]
    })
}

/// The ids of the transitions `issue` is offered.
async fn offered(sim: &kiln_sim::Simulator, issue: &str) -> Vec<String> {
    let reply = caller(sim, ADMIN)
        .get(&format!("/rest/api/3/issue/{issue}/transitions"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    strings(&reply.body["transitions"], "id")
}

#[tokio::test]
async fn a_created_workflow_and_its_statuses_read_back() {
    let sim = start().await;
    let contract = Contract::new();
    let admin = caller(&sim, ADMIN);
    let created = admin.post(CREATE, &review_workflow("Review flow")).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    contract.check_ref("create", "WorkflowCreateResponse", &created.body);
    let workflow = &created.body["workflows"][0];
    assert_eq!(workflow["name"], "Review flow");
    assert_eq!(workflow["description"], "Reviews before done");
    assert_eq!(workflow["scope"], json!({ "type": "GLOBAL" }));
    assert_eq!(workflow["version"]["versionNumber"], 0);
    assert!(workflow["created"].is_string(), "{workflow}");
    // The new status has an id of its own, which is its reference from now on.
    let statuses = &created.body["statuses"];
    let review = statuses
        .as_array()
        .expect("statuses")
        .iter()
        .find(|s| s["name"] == "Awaiting review")
        .expect("the new status");
    let review_id = review["id"].as_str().expect("an id").to_owned();
    assert!(review_id.parse::<u64>().is_ok(), "{review}");
    assert_eq!(review["statusReference"], review_id.as_str());
    assert_eq!(review["statusCategory"], "TODO");
    assert_eq!(review["description"], "Waiting for a reviewer");
    assert_eq!(
        strings(&workflow["statuses"], "statusReference"),
        [review_id.as_str(), DONE]
    );
    // Transitions numbered as Jira numbers them, linked by status ids.
    let transitions = &workflow["transitions"];
    assert_eq!(strings(transitions, "id"), ["1", "11", "21"]);
    assert_eq!(
        strings(transitions, "type"),
        ["INITIAL", "DIRECTED", "GLOBAL"]
    );
    assert_eq!(
        transitions[1]["links"][0]["fromStatusReference"],
        review_id.as_str()
    );
    assert_eq!(transitions[1]["toStatusReference"], DONE);

    // Read back by id and by name, and found by search as inactive.
    let id = workflow["id"].as_str().expect("an id");
    for request in [
        json!({ "workflowIds": [id] }),
        json!({ "workflowNames": ["Review flow"] }),
    ] {
        let read = admin.post(READ, &request).await;
        assert_eq!(read.status, StatusCode::OK, "{}", read.text);
        contract.check_ref("read", "WorkflowReadResponse", &read.body);
        assert_eq!(read.body["workflows"][0], *workflow, "{request}");
    }
    let inactive = admin.get_with(SEARCH, &[("isActive", "false")]).await;
    assert_eq!(strings(&inactive.body["values"], "name"), ["Review flow"]);
    let all = admin.get_with(SEARCH, &[("orderBy", "-created")]).await;
    assert_eq!(
        strings(&all.body["values"], "name"),
        ["Review flow", SITE_WORKFLOW]
    );
    // It is used by no project: the projects' issues still follow the site's.
    let by_use = admin
        .post(
            READ,
            &json!({ "projectAndIssueTypes": [{ "projectId": "10000", "issueTypeId": "10001" }] }),
        )
        .await;
    assert_eq!(strings(&by_use.body["workflows"], "name"), [SITE_WORKFLOW]);

    // The status is the site's: the statuses APIs list it.
    let listed = admin
        .get_with("/rest/api/3/statuses/search", &[("searchString", "review")])
        .await;
    assert_eq!(strings(&listed.body["values"], "id"), [review_id.as_str()]);
    let by_id = admin
        .get_with("/rest/api/3/statuses", &[("id", review_id.as_str())])
        .await;
    assert_eq!(by_id.body[0]["name"], "Awaiting review");
    let status = caller(&sim, USER)
        .get(&format!("/rest/api/3/status/{review_id}"))
        .await;
    assert_eq!(status.status, StatusCode::OK, "{}", status.text);
    assert_eq!(status.body["name"], "Awaiting review");
    assert_eq!(status.body["description"], "Waiting for a reviewer");
    let site = admin.get("/rest/api/3/status").await;
    assert!(strings(&site.body, "id").contains(&review_id));
    sim.shutdown().await;
}

#[tokio::test]
async fn validation_answers_what_the_write_refuses() {
    let sim = start().await;
    let contract = Contract::new();
    let admin = caller(&sim, ADMIN);
    let good = review_workflow("Review flow");
    let checked = admin
        .post(VALIDATE_CREATE, &json!({ "payload": good }))
        .await;
    assert_eq!(checked.status, StatusCode::OK, "{}", checked.text);
    contract.check_ref("valid", "WorkflowValidationErrorList", &checked.body);
    assert_eq!(checked.body, json!({ "errors": [] }));
    // Validating writes nothing.
    assert_eq!(admin.get(SEARCH).await.body["total"], 1);

    let mut bad = review_workflow("Software SIMPLIFIED workflow");
    // A global status named as one the site has, in another case.
    bad["statuses"][0]["name"] = json!("to do");
    // No initial transition; one into a status the workflow lacks.
    bad["workflows"][0]["transitions"][0]["type"] = json!("GLOBAL");
    bad["workflows"][0]["transitions"][2]["toStatusReference"] = json!("nowhere");
    let checked = admin
        .post(VALIDATE_CREATE, &json!({ "payload": bad }))
        .await;
    assert_eq!(checked.status, StatusCode::OK, "{}", checked.text);
    contract.check_ref("invalid", "WorkflowValidationErrorList", &checked.body);
    let errors = &checked.body["errors"];
    let codes = strings(errors, "code");
    assert_eq!(
        codes,
        [
            "NON_UNIQUE_STATUS_NAME",
            "NON_UNIQUE_WORKFLOW_NAME",
            "INVALID_TO_STATUS",
            "INITIAL_TRANSITION"
        ],
        "{errors}"
    );
    assert_eq!(
        errors[0],
        json!({ "code": "NON_UNIQUE_STATUS_NAME", "elementReference": { "statusReference": "review" },
                "level": "ERROR", "message": "You must use a unique status name.", "type": "STATUS" })
    );
    assert_eq!(
        errors[2]["elementReference"],
        json!({ "transitionId": "Reopen" })
    );
    assert!(strings(errors, "level").iter().all(|l| l == "ERROR"));
    // Only warnings asked for: the simulator finds none.
    let warnings = admin
        .post(
            VALIDATE_CREATE,
            &json!({ "payload": bad, "validationOptions": { "levels": ["WARNING"] } }),
        )
        .await;
    assert_eq!(warnings.body, json!({ "errors": [] }), "{}", warnings.text);

    // The write refuses the same request, with each message, and writes nothing.
    let refused = admin.post(CREATE, &bad).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    let messages = refused.body["errorMessages"].as_array().expect("messages");
    assert_eq!(messages.len(), 4, "{}", refused.text);
    assert_eq!(messages[0], "You must use a unique status name.");
    assert_eq!(admin.get(SEARCH).await.body["total"], 1);
    let statuses = admin.get("/rest/api/3/statuses/search").await;
    assert_eq!(statuses.body["total"], 3);

    // A scope is required; a PROJECT one names an existing project.
    for (scope, code) in [
        (Value::Null, "MISSING_SCOPE"),
        (json!({ "type": "PROJECT" }), "MISSING_SCOPE_PROJECT"),
        (
            json!({ "type": "PROJECT", "project": { "id": "99999" } }),
            "PROJECT_NOT_FOUND",
        ),
    ] {
        let mut payload = review_workflow("Scoped");
        payload["scope"] = scope;
        let checked = admin
            .post(VALIDATE_CREATE, &json!({ "payload": payload }))
            .await;
        assert_eq!(strings(&checked.body["errors"], "code"), [code]);
        assert_eq!(checked.body["errors"][0]["type"], "SCOPE");
    }
    // A body that is not the spec's shape is Jira's 400.
    for body in [
        json!({ "payload": { "workflows": [{ "name": "x" }] } }),
        json!({ "payload": { "statuses": [{ "name": "x", "statusCategory": "LATER", "statusReference": "x" }] } }),
        json!({ "payload": {}, "validationOptions": { "levels": ["ERROR", "WARNING", "ERROR"] } }),
        json!({}),
    ] {
        let reply = admin.post(VALIDATE_CREATE, &body).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            reply.text
        );
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn an_update_from_a_stale_version_is_refused() {
    let sim = start().await;
    let contract = Contract::new();
    let admin = caller(&sim, ADMIN);
    let created = admin.post(CREATE, &review_workflow("Review flow")).await;
    let first = created.body["workflows"][0].clone();
    let update = |version: &Value, description: &str| {
        json!({
            "workflows": [{
                "id": first["id"],
                "version": version,
                "description": description,
                "statuses": first["statuses"],
                "transitions": first["transitions"],
            }]
        })
    };
    let updated = admin
        .post(UPDATE, &update(&first["version"], "Second"))
        .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    contract.check_ref("update", "WorkflowUpdateResponse", &updated.body);
    let second = &updated.body["workflows"][0];
    assert_eq!(second["version"]["versionNumber"], 1);
    assert_ne!(second["version"]["id"], first["version"]["id"]);
    assert_eq!(second["description"], "Second");
    assert_eq!(second["name"], "Review flow");
    assert_eq!(second["transitions"], first["transitions"]);

    // The first version again: someone changed the workflow since.
    let stale = admin
        .post(UPDATE, &update(&first["version"], "Third"))
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.text);
    let message = stale.body["errorMessages"][0].as_str().unwrap_or_default();
    assert!(message.contains("version"), "{message}");
    let checked = admin
        .post(
            VALIDATE_UPDATE,
            &json!({ "payload": update(&first["version"], "Third") }),
        )
        .await;
    assert_eq!(
        strings(&checked.body["errors"], "code"),
        ["WORKFLOW_VERSION_MISMATCH"]
    );
    // A version number without its id is not the version either.
    let half = json!({ "versionNumber": 1 });
    let refused = admin.post(UPDATE, &update(&half, "Third")).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text);
    let read = admin
        .post(READ, &json!({ "workflowIds": [first["id"]] }))
        .await;
    assert_eq!(read.body["workflows"][0]["description"], "Second");
    // An id that names no workflow.
    let mut unknown = update(&second["version"], "x");
    unknown["workflows"][0]["id"] = json!("00000000-0000-0000-0000-000000000000");
    let missing = admin.post(UPDATE, &unknown).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST, "{}", missing.text);
    sim.shutdown().await;
}

/// The site's workflow is every project's: a status and a transition added to
/// it are offered to, and taken by, the projects' issues.
#[tokio::test]
async fn an_added_transition_moves_issues_of_the_projects_using_the_workflow() {
    let sim = start().await;
    let admin = caller(&sim, ADMIN);
    // KILN-2 is In Progress, KILN-3 To Do.
    assert_eq!(offered(&sim, "KILN-2").await, ["11", "21", "31"]);
    let read = site_workflow(&sim).await;
    let mut transitions = read["workflows"][0]["transitions"]
        .as_array()
        .expect("transitions")
        .clone();
    transitions.push(json!({
        "name": "Send to review", "type": "DIRECTED", "toStatusReference": "in-review",
        "links": [{ "fromStatusReference": IN_PROGRESS }]
    }));
    let statuses = json!([
        { "name": "In Review", "statusCategory": "IN_PROGRESS", "statusReference": "in-review" }
    ]);
    let body = site_update(
        &read,
        statuses,
        &[TO_DO, IN_PROGRESS, DONE, "in-review"],
        Value::Array(transitions),
    );
    let updated = admin.post(UPDATE, &body).await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    let workflow = &updated.body["workflows"][0];
    assert_eq!(
        strings(&workflow["transitions"], "id")
            .last()
            .map(String::as_str),
        Some("41")
    );
    let review_id = workflow["statuses"][3]["statusReference"]
        .as_str()
        .expect("a status")
        .to_owned();

    // Offered from In Progress only, as a directed transition.
    assert_eq!(offered(&sim, "KILN-2").await, ["11", "21", "31", "41"]);
    assert_eq!(offered(&sim, "KILN-3").await, ["11", "21", "31"]);
    let listed = admin.get("/rest/api/3/issue/KILN-2/transitions").await;
    assert_eq!(listed.body["transitions"][3]["name"], "Send to review");
    assert_eq!(listed.body["transitions"][3]["isGlobal"], false);
    assert_eq!(listed.body["transitions"][3]["to"]["name"], "In Review");
    let refused = admin
        .post(
            "/rest/api/3/issue/KILN-3/transitions",
            &json!({ "transition": { "id": "41" } }),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);

    let taken = caller(&sim, USER)
        .post(
            "/rest/api/3/issue/KILN-2/transitions",
            &json!({ "transition": { "id": "41" } }),
        )
        .await;
    assert_eq!(taken.status, StatusCode::NO_CONTENT, "{}", taken.text);
    let issue = admin.get("/rest/api/3/issue/KILN-2").await;
    assert_eq!(issue.body["fields"]["status"]["id"], review_id.as_str());
    assert_eq!(issue.body["fields"]["status"]["name"], "In Review");
    // From In Review, only the global transitions lead on.
    assert_eq!(offered(&sim, "KILN-2").await, ["11", "21", "31"]);
    // JQL knows the new status by name and by id.
    for jql in ["status = \"In Review\"", &format!("status = {review_id}")] {
        let found = admin
            .post(
                "/rest/api/3/search/jql",
                &json!({ "jql": jql, "fields": ["summary"] }),
            )
            .await;
        assert_eq!(found.status, StatusCode::OK, "{jql}: {}", found.text);
        assert_eq!(strings(&found.body["issues"], "key"), ["KILN-2"], "{jql}");
    }
    // The project's statuses are the workflow's.
    let project = admin.get("/rest/api/3/project/KILN/statuses").await;
    assert_eq!(
        strings(&project.body[0]["statuses"], "name"),
        ["To Do", "In Progress", "Done", "In Review"]
    );

    // A new initial status is where new issues start.
    let read = site_workflow(&sim).await;
    let mut transitions = read["workflows"][0]["transitions"].clone();
    transitions[0]["toStatusReference"] = json!(review_id);
    let body = site_update(
        &read,
        json!([]),
        &[TO_DO, IN_PROGRESS, DONE, review_id.as_str()],
        transitions,
    );
    let updated = admin.post(UPDATE, &body).await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    let created = admin
        .post(
            "/rest/api/3/issue",
            &json!({ "fields": { "project": { "key": "KILN" }, "summary": "New",
                                 "issuetype": { "name": "Task" } } }),
        )
        .await;
    let key = created.body["key"].as_str().expect("a key");
    let fresh = admin.get(&format!("/rest/api/3/issue/{key}")).await;
    assert_eq!(fresh.body["fields"]["status"]["name"], "In Review");
    sim.shutdown().await;
}

/// A status issues are in leaves the workflow only with somewhere for them to
/// go; a renamed status is renamed on its issues.
#[tokio::test]
async fn removing_a_status_in_use_takes_a_mapping() {
    let sim = start().await;
    let admin = caller(&sim, ADMIN);
    let read = site_workflow(&sim).await;
    let kept: Vec<Value> = read["workflows"][0]["transitions"]
        .as_array()
        .expect("transitions")
        .iter()
        .filter(|t| t["toStatusReference"] != IN_PROGRESS)
        .cloned()
        .collect();
    let without = site_update(&read, json!([]), &[TO_DO, DONE], Value::Array(kept));
    let refused = admin.post(UPDATE, &without).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    let checked = admin
        .post(VALIDATE_UPDATE, &json!({ "payload": without }))
        .await;
    let errors = &checked.body["errors"];
    assert!(
        strings(errors, "code")
            .iter()
            .all(|c| c == "MISSING_STATUS_MAPPING"),
        "{errors}"
    );
    assert_eq!(errors[0]["type"], "STATUS_MAPPING");
    assert_eq!(
        errors[0]["elementReference"]["statusMappingReference"]["projectId"],
        "10000"
    );

    // Bugs of KILN go to Done, everything else to To Do.
    let mut mapped = without.clone();
    mapped["workflows"][0]["defaultStatusMappings"] =
        json!([{ "oldStatusReference": IN_PROGRESS, "newStatusReference": TO_DO }]);
    mapped["workflows"][0]["statusMappings"] = json!([{
        "projectId": "10000", "issueTypeId": "10002",
        "statusMigrations": [{ "oldStatusReference": IN_PROGRESS, "newStatusReference": DONE }]
    }]);
    // Renaming To Do while at it.
    mapped["statuses"] = json!([
        { "id": TO_DO, "name": "Backlog", "statusCategory": "TODO", "statusReference": TO_DO }
    ]);
    let updated = admin.post(UPDATE, &mapped).await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    assert_eq!(
        strings(&updated.body["statuses"], "name"),
        ["Backlog", "Done"]
    );
    let task = admin.get("/rest/api/3/issue/KILN-2").await;
    assert_eq!(task.body["fields"]["status"]["name"], "Backlog");
    assert_eq!(task.body["fields"]["issuetype"]["name"], "Task");
    let bug = admin.get("/rest/api/3/issue/KILN-5").await;
    assert_eq!(bug.body["fields"]["issuetype"]["name"], "Bug");
    assert_eq!(bug.body["fields"]["status"]["name"], "Done");
    // The removed status stays on the site, as Jira keeps it.
    let status = admin
        .get(&format!("/rest/api/3/status/{IN_PROGRESS}"))
        .await;
    assert_eq!(status.status, StatusCode::OK, "{}", status.text);
    sim.shutdown().await;
}

#[tokio::test]
async fn only_an_inactive_workflow_is_deleted() {
    let sim = start().await;
    let admin = caller(&sim, ADMIN);
    let read = site_workflow(&sim).await;
    let site_id = read["workflows"][0]["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let active = admin
        .delete(&format!("/rest/api/3/workflow/{site_id}"))
        .await;
    assert_eq!(active.status, StatusCode::BAD_REQUEST, "{}", active.text);
    assert_eq!(
        active.body,
        json!({ "errorMessages": ["Cannot delete an active workflow."], "errors": {} })
    );

    let created = admin.post(CREATE, &review_workflow("Review flow")).await;
    let id = created.str_at("/workflows/0/id");
    let path = format!("/rest/api/3/workflow/{id}");
    let forbidden = caller(&sim, USER).delete(&path).await;
    assert_eq!(
        forbidden.status,
        StatusCode::FORBIDDEN,
        "{}",
        forbidden.text
    );
    assert_eq!(
        forbidden.body["errorMessages"][0],
        "Only Jira administrators can access the workflow configuration."
    );
    let deleted = admin.delete(&path).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    let again = admin.delete(&path).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND, "{}", again.text);
    assert_eq!(
        again.body["errorMessages"][0],
        "The workflow was not found."
    );
    assert_eq!(admin.get(SEARCH).await.body["total"], 1);
    // Its statuses stay, as Jira keeps a deleted workflow's statuses.
    let statuses = admin
        .get_with(
            "/rest/api/3/statuses/search",
            &[("searchString", "awaiting")],
        )
        .await;
    assert_eq!(statuses.body["total"], 1);
    sim.shutdown().await;

    // Without projects the site's workflow is inactive, but still the default
    // scheme's.
    let mut seed = kiln_sim::Seed::default();
    seed.projects.clear();
    let empty = start_with(SimConfig {
        seed,
        ..SimConfig::default()
    })
    .await;
    let refused = caller(&empty, ADMIN)
        .delete(&format!("/rest/api/3/workflow/{site_id}"))
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    let message = refused.body["errorMessages"][0]
        .as_str()
        .unwrap_or_default();
    assert!(message.contains("workflow scheme"), "{message}");
    empty.shutdown().await;
}

/// *Administer Jira* writes any workflow; *Administer projects* its projects'
/// own; anyone else gets the spec's 401.
#[tokio::test]
async fn only_administrators_write_workflows() {
    let sim = start().await;
    for who in [USER, OUTSIDER] {
        for (path, body) in [
            (CREATE, review_workflow("Mine")),
            (
                VALIDATE_CREATE,
                json!({ "payload": review_workflow("Mine") }),
            ),
            (UPDATE, json!({ "workflows": [] })),
            (VALIDATE_UPDATE, json!({ "payload": { "workflows": [] } })),
        ] {
            let reply = caller(&sim, who).post(path, &body).await;
            assert_eq!(
                reply.status,
                StatusCode::UNAUTHORIZED,
                "{who} {path}: {}",
                reply.text
            );
        }
    }
    // A site admin's update of the site's workflow by a non-admin is refused too.
    let read = site_workflow(&sim).await;
    let same = site_update(
        &read,
        json!([]),
        &[TO_DO, IN_PROGRESS, DONE],
        read["workflows"][0]["transitions"].clone(),
    );
    let reply = caller(&sim, USER).post(UPDATE, &same).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.text);
    sim.shutdown().await;

    // A project's lead writes that project's own workflows, and reads them.
    let mut seed = kiln_sim::Seed::default();
    seed.projects[1].lead = String::from(USER);
    let led = start_with(SimConfig {
        seed,
        ..SimConfig::default()
    })
    .await;
    let lead = caller(&led, USER);
    let global = lead.post(CREATE, &review_workflow("Global")).await;
    assert_eq!(global.status, StatusCode::UNAUTHORIZED, "{}", global.text);
    let mut other = review_workflow("Other");
    other["scope"] = json!({ "type": "PROJECT", "project": { "id": "10000" } });
    let refused = lead.post(CREATE, &other).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.text);
    let mut own = review_workflow("Security flow");
    own["scope"] = json!({ "type": "PROJECT", "project": { "id": "10001" } });
    // A project's own status may share a global status's name.
    own["statuses"][0]["name"] = json!("In Progress");
    let created = lead.post(CREATE, &own).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    let scope = json!({ "type": "PROJECT", "project": { "id": "10001" } });
    assert_eq!(created.body["workflows"][0]["scope"], scope);
    let status = created.body["statuses"]
        .as_array()
        .expect("statuses")
        .iter()
        .find(|s| s["name"] == "In Progress")
        .expect("the project's status")
        .clone();
    assert_eq!(status["scope"], scope);
    let searched = lead.get_with(SEARCH, &[("scope", "PROJECT")]).await;
    assert_eq!(strings(&searched.body["values"], "name"), ["Security flow"]);
    let project_statuses = lead
        .get_with("/rest/api/3/statuses/search", &[("projectId", "10001")])
        .await;
    assert_eq!(
        strings(&project_statuses.body["values"], "id"),
        [status["id"].as_str().expect("an id")]
    );
    led.shutdown().await;
}

#[tokio::test]
async fn requests_are_bounded() {
    let sim = start().await;
    let admin = caller(&sim, ADMIN);
    let workflow = review_workflow("x")["workflows"][0].clone();
    let many_workflows: Vec<Value> = (0..21)
        .map(|n| {
            let mut w = workflow.clone();
            w["name"] = json!(format!("Flow {n}"));
            w
        })
        .collect();
    let many_statuses: Vec<Value> = (0..101)
        .map(|n| json!({ "name": format!("S{n}"), "statusCategory": "TODO", "statusReference": format!("s{n}") }))
        .collect();
    let many_transitions: Vec<Value> = (0..201)
        .map(|n| json!({ "name": format!("T{n}"), "type": "GLOBAL", "toStatusReference": "done" }))
        .collect();
    let mut too_many_transitions = review_workflow("Big");
    too_many_transitions["workflows"][0]["transitions"] = json!(many_transitions);
    let mut ruled = review_workflow("Ruled");
    ruled["workflows"][0]["transitions"][1]["conditions"] = json!({ "operation": "ALL", "conditions": [{ "ruleKey": "system:restrict-issue-transition" }] });
    for (body, expected, words) in [
        (
            json!({ "scope": { "type": "GLOBAL" }, "workflows": many_workflows }),
            StatusCode::BAD_REQUEST,
            "20 workflows",
        ),
        (
            json!({ "scope": { "type": "GLOBAL" }, "statuses": many_statuses }),
            StatusCode::BAD_REQUEST,
            "100 statuses",
        ),
        (
            too_many_transitions,
            StatusCode::BAD_REQUEST,
            "200 transitions",
        ),
        (ruled, StatusCode::NOT_IMPLEMENTED, "transition rules"),
    ] {
        for (path, body) in [
            (CREATE, body.clone()),
            (VALIDATE_CREATE, json!({ "payload": body })),
        ] {
            let reply = admin.post(path, &body).await;
            assert_eq!(reply.status, expected, "{path}: {}", reply.text);
            let message = reply.body["errorMessages"][0].as_str().unwrap_or_default();
            assert!(message.contains(words), "{message}");
        }
    }
    // Names are bounded where the checks see them; a workflow that uses a
    // refused status is not refused again for it.
    let mut long = review_workflow(&"w".repeat(256));
    long["statuses"][0]["name"] = json!("s".repeat(256));
    let checked = admin
        .post(VALIDATE_CREATE, &json!({ "payload": long }))
        .await;
    assert_eq!(
        strings(&checked.body["errors"], "code"),
        ["INVALID_STATUS_NAME", "INVALID_WORKFLOW_NAME"]
    );
    // Nothing was written by any of them.
    assert_eq!(admin.get(SEARCH).await.body["total"], 1);
    sim.shutdown().await;
}

/// A status a workflow write made is one JQL's suggestions offer and `ORDER BY
/// status` places: after the site's own, in the order statuses were made.
#[tokio::test]
async fn jql_suggests_and_orders_by_a_created_status() {
    let sim = start().await;
    let admin = caller(&sim, ADMIN);
    let created = admin.post(CREATE, &review_workflow("Review flow")).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    let review = created.body["statuses"]
        .as_array()
        .expect("statuses")
        .iter()
        .find(|s| s["name"] == "Awaiting review")
        .and_then(|s| s["statusReference"].as_str())
        .expect("the new status")
        .to_owned();
    // The site's workflow takes it, and a status of its own made after it,
    // each with a way in from anywhere.
    let read = site_workflow(&sim).await;
    let mut transitions = read["workflows"][0]["transitions"].clone();
    let added = transitions.as_array_mut().expect("transitions");
    added.push(json!({ "name": "Review", "type": "GLOBAL", "toStatusReference": review }));
    added.push(json!({ "name": "Inspect", "type": "GLOBAL", "toStatusReference": "in-review" }));
    let body = site_update(
        &read,
        json!([{ "name": "In Review", "statusCategory": "IN_PROGRESS", "statusReference": "in-review" }]),
        &[TO_DO, IN_PROGRESS, DONE, review.as_str(), "in-review"],
        transitions,
    );
    let updated = admin.post(UPDATE, &body).await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    // The later status takes the issue with the lower key, so that the order
    // is the statuses', not the keys'.
    for (issue, transition) in [("KILN-1", "51"), ("KILN-2", "41")] {
        let moved = admin
            .post(
                &format!("/rest/api/3/issue/{issue}/transitions"),
                &json!({ "transition": { "id": transition } }),
            )
            .await;
        assert_eq!(moved.status, StatusCode::NO_CONTENT, "{}", moved.text);
    }

    // Suggested after the site's own, and found by what is typed.
    const SUGGEST: &str = "/rest/api/3/jql/autocompletedata/suggestions";
    let all = admin.get_with(SUGGEST, &[("fieldName", "status")]).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text);
    assert_eq!(
        strings(&all.body["results"], "value"),
        [
            "To Do",
            "In Progress",
            "Done",
            "Awaiting review",
            "In Review"
        ]
    );
    let typed = admin
        .get_with(SUGGEST, &[("fieldName", "status"), ("fieldValue", "awa")])
        .await;
    assert_eq!(
        typed.body,
        json!({ "results": [{ "value": "Awaiting review", "displayName": "<b>Awa</b>iting review" }] })
    );
    let changed = admin
        .get_with(
            SUGGEST,
            &[
                ("fieldName", "status"),
                ("predicateName", "to"),
                ("predicateValue", "aw"),
            ],
        )
        .await;
    assert_eq!(
        strings(&changed.body["results"], "value"),
        ["Awaiting review"]
    );

    // `ORDER BY status`: the site's status order, made statuses after its own
    // in the order they were made.
    let order = [
        "To Do",
        "In Progress",
        "Done",
        "Awaiting review",
        "In Review",
    ];
    for (jql, expected) in [
        (
            "project = KILN ORDER BY status ASC, key ASC",
            order.to_vec(),
        ),
        (
            "project = KILN ORDER BY status DESC, key ASC",
            order.iter().rev().copied().collect(),
        ),
    ] {
        let found = admin
            .post(
                "/rest/api/3/search/jql",
                &json!({ "jql": jql, "fields": ["status"], "maxResults": 100 }),
            )
            .await;
        assert_eq!(found.status, StatusCode::OK, "{jql}: {}", found.text);
        let issues = found.body["issues"].as_array().expect("issues");
        let names: Vec<&str> = issues
            .iter()
            .map(|i| i["fields"]["status"]["name"].as_str().expect("a status"))
            .collect();
        let ranks: Vec<usize> = names
            .iter()
            .map(|n| {
                expected
                    .iter()
                    .position(|e| e == n)
                    .expect("a known status")
            })
            .collect();
        assert!(ranks.is_sorted(), "{jql}: {names:?}");
        for made in ["Awaiting review", "In Review"] {
            assert!(names.contains(&made), "{jql}: {names:?}");
        }
    }

    // A project's own status is suggested to those who may browse the project.
    let sec = admin.get("/rest/api/3/project/SEC").await;
    let sec_id = sec.body["id"].as_str().expect("SEC's id").to_owned();
    let mut scoped = review_workflow("Security review");
    scoped["scope"] = json!({ "type": "PROJECT", "project": { "id": sec_id } });
    scoped["statuses"][0]["name"] = json!("Security triage");
    let created = admin.post(CREATE, &scoped).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    let query = [("fieldName", "status"), ("fieldValue", "sec")];
    let admins = admin.get_with(SUGGEST, &query).await;
    assert_eq!(
        strings(&admins.body["results"], "value"),
        ["Security triage"]
    );
    // Carol may browse KILN, not SEC.
    let carols = caller(&sim, OUTSIDER).get_with(SUGGEST, &query).await;
    assert_eq!(carols.body, json!({ "results": [] }), "{}", carols.text);
    sim.shutdown().await;
}

/// The old process-wide table of status texts held 10,000; a validation
/// request wrote its new statuses' names into it, so enough distinct names,
/// sent only to be validated, left no simulator of the process able to create a
/// status. Validation keeps nothing now: more distinct names than that table
/// held, 100 to a request (the most one takes), and creation still works.
#[tokio::test]
async fn many_distinct_validations_leave_status_creation_working() {
    const OLD_TABLE: usize = 10_000;
    const PER_REQUEST: usize = 100;
    let sim = start().await;
    let admin = caller(&sim, ADMIN);
    for batch in 0..OLD_TABLE / PER_REQUEST + 1 {
        let statuses: Vec<Value> = (0..PER_REQUEST)
            .map(|n| {
                json!({ "name": format!("Probe {batch}-{n}"), "statusCategory": "TODO",
                        "statusReference": format!("s{n}") })
            })
            .collect();
        let payload = json!({ "scope": { "type": "GLOBAL" }, "statuses": statuses });
        let checked = admin
            .post(VALIDATE_CREATE, &json!({ "payload": payload }))
            .await;
        assert_eq!(checked.status, StatusCode::OK, "{}", checked.text);
        assert_eq!(checked.body, json!({ "errors": [] }), "batch {batch}");
    }
    // None of them was written.
    let statuses = admin.get("/rest/api/3/statuses/search").await;
    assert_eq!(statuses.body["total"], 3, "{}", statuses.text);
    let created = admin.post(CREATE, &review_workflow("Review flow")).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    let names = strings(&created.body["statuses"], "name");
    assert!(names.iter().any(|n| n == "Awaiting review"), "{names:?}");
    sim.shutdown().await;
}

/// Under REST API v2, and behind the gateway to the operations' scopes.
#[tokio::test]
async fn writes_are_served_under_v2_and_through_the_gateway() {
    let sim = start().await;
    let admin = caller(&sim, ADMIN);
    let v2 = admin
        .post(
            "/rest/api/2/workflows/create",
            &review_workflow("Version two"),
        )
        .await;
    assert_eq!(v2.status, StatusCode::OK, "{}", v2.text);
    let gateway = format!("{}/ex/jira/{}", sim.base_url(), sim.cloud_id());
    for (scope, expected) in [
        ("manage:jira-configuration", StatusCode::OK),
        ("write:workflow:jira", StatusCode::OK),
        ("read:workflow:jira", StatusCode::UNAUTHORIZED),
    ] {
        let token = common::oauth::access_token(&sim, scope).await;
        let checked = send(
            client()
                .post(format!("{gateway}{VALIDATE_CREATE}"))
                .bearer_auth(&token)
                .json(&json!({ "payload": review_workflow("Version two") })),
        )
        .await;
        assert_eq!(checked.status, expected, "{scope}: {}", checked.text);
        if expected == StatusCode::OK {
            // The workflow, and its new status, exist since the v2 create.
            assert_eq!(
                strings(&checked.body["errors"], "code"),
                ["NON_UNIQUE_STATUS_NAME", "NON_UNIQUE_WORKFLOW_NAME"]
            );
        }
    }
    sim.shutdown().await;
}
