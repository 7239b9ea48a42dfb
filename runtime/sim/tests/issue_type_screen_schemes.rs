//! Issue type screen schemes: listed, created, updated, deleted and assigned
//! to projects over HTTP as an app calls them, with Jira's refusals (`403`
//! for a non-admin, `400` for a bad or duplicate mapping, a taken name or a
//! scheme in use, `404` for an unknown id); and, once a project uses one,
//! the screen its issue types' creates and edits use follows it: the create
//! and edit metadata, the create and edit checks and a project admin's read
//! of the screen's tabs.

use crate::common;
use crate::contract::Contract;
use crate::screen_writes::{assert_refused, listed};

use common::{ADMIN, USER, caller};
use kiln_sim::Simulator;
use reqwest::StatusCode;
use serde_json::{Value, json};

const SCHEMES: &str = "/rest/api/3/issuetypescreenscheme";
const ITSS_403: &str = "Only Jira administrators can access issue type screen schemes.";
const NOT_ON_SCREEN: &str =
    "Field 'labels' cannot be set. It is not on the appropriate screen, or unknown.";

/// A `PageBean` schema of `items`, as the spec writes each of its pages.
fn page_of(items: Value) -> Value {
    json!({
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "isLast": { "type": "boolean" },
            "maxResults": { "type": "integer" },
            "nextPage": { "type": "string" },
            "self": { "type": "string" },
            "startAt": { "type": "integer" },
            "total": { "type": "integer" },
            "values": { "type": "array", "items": items },
        },
    })
}

/// The spec's `IssueTypeScreenSchemeItem` (not in the contract snapshot).
fn mapping_item() -> Value {
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["issueTypeId", "issueTypeScreenSchemeId", "screenSchemeId"],
        "properties": {
            "issueTypeId": { "type": "string" },
            "issueTypeScreenSchemeId": { "type": "string" },
            "screenSchemeId": { "type": "string" },
        },
    })
}

/// The spec's `IssueTypeScreenSchemesProjects`.
fn scheme_projects() -> Value {
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["issueTypeScreenScheme", "projectIds"],
        "properties": {
            "issueTypeScreenScheme": { "$ref": "#/components/schemas/IssueTypeScreenScheme" },
            "projectIds": { "type": "array", "items": { "type": "string" } },
        },
    })
}

/// Creates a screen holding `fields` as the admin; its id. A new screen's one
/// tab is the next tab id, which the caller knows from the order it makes
/// screens in.
async fn new_screen(sim: &Simulator, name: &str, tab: u64, fields: &[&str]) -> u64 {
    let alice = caller(sim, ADMIN);
    let reply = alice
        .post("/rest/api/3/screens", &json!({ "name": name }))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let screen = reply.body["id"].as_u64().expect("a screen id");
    for field in fields {
        let added = alice
            .post(
                &format!("/rest/api/3/screens/{screen}/tabs/{tab}/fields"),
                &json!({ "fieldId": field }),
            )
            .await;
        assert_eq!(added.status, StatusCode::OK, "{}", added.text);
    }
    screen
}

/// Creates a screen scheme as the admin; its id.
async fn new_screen_scheme(sim: &Simulator, name: &str, screens: Value) -> u64 {
    let reply = caller(sim, ADMIN)
        .post(
            "/rest/api/3/screenscheme",
            &json!({ "name": name, "screens": screens }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    reply.body["id"].as_u64().expect("a screen scheme id")
}

/// Creates an issue type screen scheme as the admin; its id (a string).
async fn new_scheme(sim: &Simulator, name: &str, mappings: Value) -> String {
    let reply = caller(sim, ADMIN)
        .post(
            SCHEMES,
            &json!({ "name": name, "issueTypeMappings": mappings }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    reply.str_at("/id")
}

/// Assigns the scheme to the project as the admin.
async fn assign(sim: &Simulator, scheme: &str, project: &str) {
    let reply = caller(sim, ADMIN)
        .put(
            &format!("{SCHEMES}/project"),
            &json!({ "issueTypeScreenSchemeId": scheme, "projectId": project }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text);
}

/// The field ids the create metadata of the project and issue type lists.
async fn create_meta_ids(sim: &Simulator, project: &str, issue_type: &str) -> Vec<Value> {
    let meta = caller(sim, ADMIN)
        .get(&format!(
            "/rest/api/3/issue/createmeta/{project}/issuetypes/{issue_type}"
        ))
        .await;
    assert_eq!(meta.status, StatusCode::OK, "{}", meta.text);
    listed(&meta.body["fields"], "fieldId")
}

/// The field ids an issue's edit metadata lists.
async fn edit_meta_ids(sim: &Simulator, issue: &str) -> Vec<String> {
    let meta = caller(sim, USER)
        .get(&format!("/rest/api/3/issue/{issue}/editmeta"))
        .await;
    assert_eq!(meta.status, StatusCode::OK, "{}", meta.text);
    meta.body["fields"]
        .as_object()
        .expect("fields by id")
        .keys()
        .cloned()
        .collect()
}

/// A create of an issue of `issue_type` in KILN, with `labels` if asked.
fn create_body(issue_type: &str, labels: bool) -> Value {
    let mut fields = json!({
        "project": { "key": "KILN" },
        "issuetype": { "name": issue_type },
        "summary": format!("A {issue_type}"),
    });
    if labels {
        fields["labels"] = json!(["triage"]);
    }
    json!({ "fields": fields })
}

#[tokio::test]
async fn a_project_s_scheme_decides_each_issue_type_s_screens() {
    let mut seed = kiln_sim::Seed::default();
    seed.projects[1].lead = String::from(USER);
    let sim = common::start_with(kiln_sim::SimConfig {
        seed,
        ..kiln_sim::SimConfig::default()
    })
    .await;
    let alice = caller(&sim, ADMIN);
    let bob = caller(&sim, USER);

    // A Bug create screen without labels, in a screen scheme that keeps the
    // Default Screen for everything else, mapped to Bug by a new scheme.
    let bug_create = new_screen(
        &sim,
        "Bug create",
        10_001,
        &["summary", "issuetype", "description"],
    )
    .await;
    let bug_screens = new_screen_scheme(
        &sim,
        "Bug screens",
        json!({ "default": 1, "create": bug_create }),
    )
    .await;
    let scheme = new_scheme(
        &sim,
        "Bug-aware scheme",
        json!([
            { "issueTypeId": "default", "screenSchemeId": "1" },
            { "issueTypeId": "10002", "screenSchemeId": bug_screens.to_string() },
        ]),
    )
    .await;
    // Until a project uses it, nothing changes.
    assert!(
        create_meta_ids(&sim, "KILN", "10002")
            .await
            .contains(&json!("labels"))
    );

    assign(&sim, &scheme, "10000").await;
    // KILN's Bug creates use the Bug create screen; its Tasks, and SEC's Bugs,
    // the Default Screen still.
    let bug = create_meta_ids(&sim, "KILN", "10002").await;
    assert!(!bug.contains(&json!("labels")), "{bug:?}");
    assert!(bug.contains(&json!("description")), "{bug:?}");
    assert!(
        create_meta_ids(&sim, "KILN", "10001")
            .await
            .contains(&json!("labels"))
    );
    assert!(
        create_meta_ids(&sim, "SEC", "10002")
            .await
            .contains(&json!("labels"))
    );
    let deprecated = bob
        .get("/rest/api/3/issue/createmeta?projectKeys=KILN&issuetypeIds=10002&expand=projects.issuetypes.fields")
        .await;
    assert_eq!(deprecated.status, StatusCode::OK, "{}", deprecated.text);
    let fields = &deprecated.body["projects"][0]["issuetypes"][0]["fields"];
    assert!(fields["description"].is_object(), "{fields}");
    assert!(fields["labels"].is_null(), "{fields}");

    // A create setting the field the screen lacks is refused as Jira refuses
    // it; without it, or as a Task, it is made.
    let refused = bob
        .post("/rest/api/3/issue", &create_body("Bug", true))
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    assert_eq!(
        refused.body,
        json!({ "errorMessages": [], "errors": { "labels": NOT_ON_SCREEN } }),
        "{}",
        refused.text
    );
    let made = bob
        .post("/rest/api/3/issue", &create_body("Bug", false))
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    let bug_key = made.str_at("/key");
    let task = bob
        .post("/rest/api/3/issue", &create_body("Task", true))
        .await;
    assert_eq!(task.status, StatusCode::CREATED, "{}", task.text);

    // The Bug screen scheme has no edit screen of its own: an edit uses its
    // default, the Default Screen, which holds labels.
    assert!(
        edit_meta_ids(&sim, &bug_key)
            .await
            .contains(&"labels".to_owned())
    );
    let edited = bob
        .put(
            &format!("/rest/api/3/issue/{bug_key}"),
            &json!({ "fields": { "labels": ["later"] } }),
        )
        .await;
    assert_eq!(edited.status, StatusCode::NO_CONTENT, "{}", edited.text);
    // Given the Bug create screen for edits too, the edit refuses labels.
    let edit_too = alice
        .put(
            &format!("/rest/api/3/screenscheme/{bug_screens}"),
            &json!({ "screens": { "edit": bug_create } }),
        )
        .await;
    assert_eq!(edit_too.status, StatusCode::NO_CONTENT, "{}", edit_too.text);
    assert!(
        !edit_meta_ids(&sim, &bug_key)
            .await
            .contains(&"labels".to_owned())
    );
    let refused = bob
        .put(
            &format!("/rest/api/3/issue/{bug_key}"),
            &json!({ "fields": { "labels": [] } }),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    assert_eq!(refused.body["errors"]["labels"], NOT_ON_SCREEN);
    assert!(
        edit_meta_ids(&sim, "KILN-1")
            .await
            .contains(&"labels".to_owned())
    );

    // The screens holding labels are the Default Screen alone, whoever uses it.
    let holding = alice.get("/rest/api/3/field/labels/screens").await;
    assert_eq!(listed(&holding.body["values"], "id"), [json!(1)]);

    // Bob leads SEC: he reads the tabs of a screen SEC uses, which the Bug
    // create screen becomes once SEC uses the scheme.
    let tabs = format!("/rest/api/3/screens/{bug_create}/tabs?projectKey=SEC");
    let unused = bob.get(&tabs).await;
    assert_eq!(unused.status, StatusCode::FORBIDDEN, "{}", unused.text);
    assign(&sim, &scheme, "10001").await;
    let used = bob.get(&tabs).await;
    assert_eq!(used.status, StatusCode::OK, "{}", used.text);

    // What a scheme maps cannot go while it does; a scheme in use cannot go.
    let in_use = alice
        .delete(&format!("/rest/api/3/screenscheme/{bug_screens}"))
        .await;
    assert_refused(
        &in_use,
        StatusCode::BAD_REQUEST,
        "The screen scheme cannot be deleted as it is in use in an issue type screen scheme.",
    );
    let expanded = alice
        .get(&format!(
            "/rest/api/3/screenscheme?id={bug_screens}&expand=issueTypeScreenSchemes"
        ))
        .await;
    Contract::new().check_ref(
        "GET /screenscheme?expand",
        "PageBeanScreenScheme",
        &expanded.body,
    );
    assert_eq!(
        expanded.body["values"][0]["issueTypeScreenSchemes"]["values"],
        json!([{ "id": scheme, "name": "Bug-aware scheme", "description": "" }])
    );
    let assigned = alice.delete(&format!("{SCHEMES}/{scheme}")).await;
    assert_refused(
        &assigned,
        StatusCode::BAD_REQUEST,
        "The issue type screen scheme cannot be deleted because it is assigned to one or more projects.",
    );

    // Back to the default: everything is offered again, and both can go.
    assign(&sim, "1", "10000").await;
    assign(&sim, "1", "10001").await;
    assert!(
        create_meta_ids(&sim, "KILN", "10002")
            .await
            .contains(&json!("labels"))
    );
    let gone = alice.delete(&format!("{SCHEMES}/{scheme}")).await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT, "{}", gone.text);
    let gone = alice
        .delete(&format!("/rest/api/3/screenscheme/{bug_screens}"))
        .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT, "{}", gone.text);
}

#[tokio::test]
async fn issue_type_screen_schemes_are_listed_created_changed_and_deleted() {
    let sim = common::start().await;
    let alice = caller(&sim, ADMIN);
    let contract = Contract::new();

    // A new site: the default scheme, mapping `default` to the Default Screen
    // Scheme, used by both projects.
    let listed_default = alice.get(SCHEMES).await;
    assert_eq!(
        listed_default.status,
        StatusCode::OK,
        "{}",
        listed_default.text
    );
    contract.check_ref(
        "GET /issuetypescreenscheme",
        "PageBeanIssueTypeScreenScheme",
        &listed_default.body,
    );
    assert_eq!(
        listed_default.body["values"],
        json!([{
            "id": "1",
            "name": "Default Issue Type Screen Scheme",
            "description": "The default issue type screen scheme",
        }])
    );
    assert_eq!(listed_default.body["maxResults"], 50);
    let with_projects = alice.get(&format!("{SCHEMES}?expand=projects")).await;
    let projects = &with_projects.body["values"][0]["projects"];
    assert_eq!(projects["total"], 2, "{projects}");
    assert_eq!(
        listed(&projects["values"], "key"),
        [json!("KILN"), json!("SEC")]
    );
    contract.check(
        "expand=projects",
        page_of(json!({ "$ref": "#/components/schemas/ProjectDetails" })),
        projects,
    );

    let screens = new_screen_scheme(&sim, "Office screens", json!({ "default": 1 })).await;
    let created = alice
        .post(
            SCHEMES,
            &json!({
                "name": "Office issue type screen scheme",
                "description": "Managing office projects",
                "issueTypeMappings": [
                    { "issueTypeId": "default", "screenSchemeId": "1" },
                    { "issueTypeId": "10002", "screenSchemeId": screens.to_string() },
                    { "issueTypeId": "10001", "screenSchemeId": screens },
                ],
            }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.body, json!({ "id": "10000" }));

    let mappings = alice
        .get(&format!("{SCHEMES}/mapping?issueTypeScreenSchemeId=10000"))
        .await;
    assert_eq!(mappings.status, StatusCode::OK, "{}", mappings.text);
    contract.check(
        "GET /issuetypescreenscheme/mapping",
        page_of(mapping_item()),
        &mappings.body,
    );
    let screens_id = screens.to_string();
    assert_eq!(
        mappings.body["values"],
        json!([
            { "issueTypeId": "10001", "issueTypeScreenSchemeId": "10000", "screenSchemeId": screens_id },
            { "issueTypeId": "10002", "issueTypeScreenSchemeId": "10000", "screenSchemeId": screens_id },
            { "issueTypeId": "default", "issueTypeScreenSchemeId": "10000", "screenSchemeId": "1" },
        ])
    );
    let all = alice.get(&format!("{SCHEMES}/mapping?maxResults=2")).await;
    assert_eq!(all.body["total"], 4);
    assert_eq!(all.body["isLast"], false);
    assert_eq!(all.body["values"][0]["issueTypeScreenSchemeId"], "1");

    // Filters and order.
    let found = alice
        .get(&format!("{SCHEMES}?queryString=OFFICE&expand=projects"))
        .await;
    assert_eq!(listed(&found.body["values"], "id"), [json!("10000")]);
    assert!(
        found.body["values"][0].get("projects").is_none(),
        "{}",
        found.text
    );
    let by_name = alice.get(&format!("{SCHEMES}?orderBy=-name")).await;
    assert_eq!(
        listed(&by_name.body["values"], "id"),
        [json!("10000"), json!("1")]
    );
    let by_id = alice.get(&format!("{SCHEMES}?id=10000&id=77")).await;
    assert_eq!(by_id.body["total"], 1);
    for bad in ["?orderBy=created", "?id=x", "?startAt=-1"] {
        let refused = alice.get(&format!("{SCHEMES}{bad}")).await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{bad}: {}",
            refused.text
        );
    }

    // Refusals of a create.
    let cases = [
        (
            json!({ "name": "office ISSUE type screen scheme", "issueTypeMappings": [{ "issueTypeId": "default", "screenSchemeId": "1" }] }),
            StatusCode::BAD_REQUEST,
            "The issue type screen scheme name is in use.",
        ),
        (
            json!({ "name": "Twice", "issueTypeMappings": [
                { "issueTypeId": "default", "screenSchemeId": "1" },
                { "issueTypeId": "10001", "screenSchemeId": "1" },
                { "issueTypeId": "10001", "screenSchemeId": "1" },
            ] }),
            StatusCode::BAD_REQUEST,
            "One or more issue type IDs are repeated, an issue type ID can only be specified once.",
        ),
        (
            json!({ "name": "No default", "issueTypeMappings": [{ "issueTypeId": "10001", "screenSchemeId": "1" }] }),
            StatusCode::BAD_REQUEST,
            "A default mapping must be provided.",
        ),
        (
            json!({ "name": "Unknown type", "issueTypeMappings": [
                { "issueTypeId": "default", "screenSchemeId": "1" },
                { "issueTypeId": "99999", "screenSchemeId": "1" },
            ] }),
            StatusCode::NOT_FOUND,
            "One or more issue type IDs were not found.",
        ),
        (
            json!({ "name": "Unknown scheme", "issueTypeMappings": [{ "issueTypeId": "default", "screenSchemeId": "424242" }] }),
            StatusCode::NOT_FOUND,
            "One or more screen scheme IDs were not found.",
        ),
        (
            json!({ "name": "No mappings" }),
            StatusCode::BAD_REQUEST,
            "The issueTypeMappings must be provided.",
        ),
    ];
    for (body, status, message) in cases {
        let refused = alice.post(SCHEMES, &body).await;
        assert_refused(&refused, status, message);
    }
    let unknown = alice
        .post(
            SCHEMES,
            &json!({ "name": "X", "issueTypeMappings": [], "extra": 1 }),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST, "{}", unknown.text);
    assert_eq!(alice.get(SCHEMES).await.body["total"], 2);

    // Update: name and description; a taken name is refused.
    let scheme = format!("{SCHEMES}/10000");
    let renamed = alice
        .put(
            &scheme,
            &json!({ "name": "Office scheme", "description": "Office work" }),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::NO_CONTENT, "{}", renamed.text);
    let taken = alice
        .put(
            &scheme,
            &json!({ "name": "DEFAULT issue type screen scheme" }),
        )
        .await;
    assert_refused(
        &taken,
        StatusCode::BAD_REQUEST,
        "The issue type screen scheme name is in use.",
    );
    let missing = alice
        .put(&format!("{SCHEMES}/424242"), &json!({ "name": "N" }))
        .await;
    assert_refused(
        &missing,
        StatusCode::NOT_FOUND,
        "The issue type screen scheme was not found.",
    );

    // Mappings: appended (not `default`, not one already mapped), the default
    // changed, removed (not `default`, not one unmapped).
    let append = format!("{scheme}/mapping");
    let added = alice
        .put(
            &append,
            &json!({ "issueTypeMappings": [{ "issueTypeId": "10003", "screenSchemeId": "1" }] }),
        )
        .await;
    assert_eq!(added.status, StatusCode::NO_CONTENT, "{}", added.text);
    let default = alice
        .put(
            &append,
            &json!({ "issueTypeMappings": [{ "issueTypeId": "default", "screenSchemeId": "1" }] }),
        )
        .await;
    assert_refused(
        &default,
        StatusCode::BAD_REQUEST,
        "A default mapping cannot be added.",
    );
    let again = alice
        .put(
            &append,
            &json!({ "issueTypeMappings": [{ "issueTypeId": "10003", "screenSchemeId": "1" }] }),
        )
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST, "{}", again.text);
    let new_default = alice
        .put(
            &format!("{scheme}/mapping/default"),
            &json!({ "screenSchemeId": screens.to_string() }),
        )
        .await;
    assert_eq!(
        new_default.status,
        StatusCode::NO_CONTENT,
        "{}",
        new_default.text
    );
    let no_id = alice
        .put(&format!("{scheme}/mapping/default"), &json!({}))
        .await;
    assert_refused(
        &no_id,
        StatusCode::BAD_REQUEST,
        "The screenSchemeId has to be provided.",
    );
    let unknown_screens = alice
        .put(
            &format!("{scheme}/mapping/default"),
            &json!({ "screenSchemeId": "424242" }),
        )
        .await;
    assert_eq!(
        unknown_screens.status,
        StatusCode::NOT_FOUND,
        "{}",
        unknown_screens.text
    );
    let remove = format!("{scheme}/mapping/remove");
    for (body, status, message) in [
        (
            json!({ "issueTypeIds": ["default"] }),
            StatusCode::BAD_REQUEST,
            "The default mapping cannot be removed.",
        ),
        (
            json!({ "issueTypeIds": ["10001", "10001"] }),
            StatusCode::BAD_REQUEST,
            "The issueTypeIds must not contain duplicates.",
        ),
        (
            json!({ "issueTypeIds": ["10001", "10004"] }),
            StatusCode::NOT_FOUND,
            "One or more issue type mappings were not found.",
        ),
    ] {
        let refused = alice.post(&remove, &body).await;
        assert_refused(&refused, status, message);
    }
    let removed = alice
        .post(&remove, &json!({ "issueTypeIds": ["10001", "10002"] }))
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{}", removed.text);
    let now = alice
        .get(&format!("{SCHEMES}/mapping?issueTypeScreenSchemeId=10000"))
        .await;
    assert_eq!(
        now.body["values"],
        json!([
            { "issueTypeId": "10003", "issueTypeScreenSchemeId": "10000", "screenSchemeId": "1" },
            { "issueTypeId": "default", "issueTypeScreenSchemeId": "10000", "screenSchemeId": screens_id },
        ])
    );

    // Projects: assigned, listed by scheme and by project.
    assign(&sim, "10000", "10001").await;
    let associations = alice
        .get(&format!(
            "{SCHEMES}/project?projectId=10000&projectId=10001&projectId=999"
        ))
        .await;
    assert_eq!(associations.status, StatusCode::OK, "{}", associations.text);
    contract.check(
        "GET /issuetypescreenscheme/project",
        page_of(scheme_projects()),
        &associations.body,
    );
    assert_eq!(
        associations.body["values"],
        json!([
            {
                "issueTypeScreenScheme": {
                    "id": "1",
                    "name": "Default Issue Type Screen Scheme",
                    "description": "The default issue type screen scheme",
                },
                "projectIds": ["10000"],
            },
            {
                "issueTypeScreenScheme": { "id": "10000", "name": "Office scheme", "description": "Office work" },
                "projectIds": ["10001"],
            },
        ])
    );
    let no_project = alice.get(&format!("{SCHEMES}/project")).await;
    assert_eq!(
        no_project.status,
        StatusCode::BAD_REQUEST,
        "{}",
        no_project.text
    );
    let using = alice.get(&format!("{scheme}/project")).await;
    assert_eq!(using.status, StatusCode::OK, "{}", using.text);
    contract.check(
        "GET /issuetypescreenscheme/{id}/project",
        page_of(json!({ "$ref": "#/components/schemas/ProjectDetails" })),
        &using.body,
    );
    assert_eq!(listed(&using.body["values"], "key"), [json!("SEC")]);
    let default_using = alice.get(&format!("{SCHEMES}/1/project?query=kil")).await;
    assert_eq!(
        listed(&default_using.body["values"], "key"),
        [json!("KILN")]
    );
    let nowhere = alice.get(&format!("{SCHEMES}/424242/project")).await;
    assert_eq!(nowhere.status, StatusCode::NOT_FOUND, "{}", nowhere.text);

    // Refusals of an assignment.
    let project = format!("{SCHEMES}/project");
    for (body, status, message) in [
        (
            json!({ "issueTypeScreenSchemeId": "424242", "projectId": "10000" }),
            StatusCode::NOT_FOUND,
            "The issue type screen scheme was not found.",
        ),
        (
            json!({ "issueTypeScreenSchemeId": "10000", "projectId": "424242" }),
            StatusCode::NOT_FOUND,
            "The project was not found.",
        ),
        (
            json!({ "projectId": "10000" }),
            StatusCode::BAD_REQUEST,
            "The issueTypeScreenSchemeId must be provided.",
        ),
        (
            json!({ "issueTypeScreenSchemeId": "10000" }),
            StatusCode::BAD_REQUEST,
            "The projectId must be provided.",
        ),
    ] {
        let refused = alice.put(&project, &body).await;
        assert_refused(&refused, status, message);
    }

    // Deletes: never the default, not one in use, else gone.
    let default_delete = alice.delete(&format!("{SCHEMES}/1")).await;
    assert_refused(
        &default_delete,
        StatusCode::BAD_REQUEST,
        "The default issue type screen scheme cannot be deleted.",
    );
    let in_use = alice.delete(&scheme).await;
    assert_eq!(in_use.status, StatusCode::BAD_REQUEST, "{}", in_use.text);
    assign(&sim, "1", "10001").await;
    let gone = alice.delete(&scheme).await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT, "{}", gone.text);
    let again = alice.delete(&scheme).await;
    assert_refused(
        &again,
        StatusCode::NOT_FOUND,
        "The issue type screen scheme was not found.",
    );
    // Ids are not reused.
    let next = new_scheme(
        &sim,
        "Next",
        json!([{ "issueTypeId": "default", "screenSchemeId": 1 }]),
    )
    .await;
    assert_eq!(next, "10001");

    // Only an administrator of Jira.
    let bob = caller(&sim, USER);
    for reply in [
        bob.get(SCHEMES).await,
        bob.get(&format!("{SCHEMES}/mapping")).await,
        bob.get(&format!("{SCHEMES}/project?projectId=10000")).await,
        bob.get(&format!("{SCHEMES}/1/project")).await,
        bob.put(&project, &json!({ "issueTypeScreenSchemeId": "1", "projectId": "10000" })).await,
        bob.post(SCHEMES, &json!({ "name": "B", "issueTypeMappings": [{ "issueTypeId": "default", "screenSchemeId": "1" }] })).await,
        bob.put(&format!("{SCHEMES}/1"), &json!({ "name": "B" })).await,
        bob.delete(&format!("{SCHEMES}/10001")).await,
        bob.put(&format!("{SCHEMES}/1/mapping/default"), &json!({ "screenSchemeId": "1" })).await,
    ] {
        assert_refused(&reply, StatusCode::FORBIDDEN, ITSS_403);
    }
}

#[tokio::test]
async fn a_deleted_project_leaves_its_scheme_free_to_go() {
    let sim = common::start().await;
    let alice = caller(&sim, ADMIN);
    let scheme = new_scheme(
        &sim,
        "Short-lived",
        json!([{ "issueTypeId": "default", "screenSchemeId": "1" }]),
    )
    .await;
    assign(&sim, &scheme, "10001").await;
    let deleted = alice.delete("/rest/api/3/project/SEC").await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    let using = alice.get(&format!("{SCHEMES}/{scheme}/project")).await;
    assert_eq!(using.body["total"], 0, "{}", using.text);
    let gone = alice.delete(&format!("{SCHEMES}/{scheme}")).await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT, "{}", gone.text);
}
