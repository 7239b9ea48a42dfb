//! Every response shape the simulator's platform operations produce, checked against
//! the official Jira platform OpenAPI response schemas.
//!
//! The schemas come from `tests/data/jira-platform-schemas.json`, a small snapshot
//! (the response schemas used here and every schema they reference, with prose
//! stripped) so the test runs on any clone. When Atlassian's full spec is present
//! (`/work/shared/specs` or `$KILN_SPECS_DIR`) the snapshot is also checked against
//! it; set `KILN_SIM_REGENERATE_SCHEMAS=1` to rewrite the snapshot from the spec.

use crate::common;

use std::path::PathBuf;

use common::spec_snapshot::{Prose, assert_current, reachable_schemas};
use common::{ADMIN, FormPart, OUTSIDER, USER, caller, client, send, start};
use serde_json::{Value, json};

/// The response schemas of the operations the simulator implements.
const ROOTS: [&str; 129] = [
    "CustomFieldOption",
    "PageBeanCustomFieldContextDefaultValue",
    "ProjectIdentifiers",
    "ProjectRole",
    "ProjectRoleDetails",
    "GroupName",
    "PageBeanGroupDetails",
    "PageBeanUserDetails",
    "FoundGroups",
    "Group",
    "JQLReferenceData",
    "AutoCompleteSuggestions",
    "IssueCreateMetadata",
    "BulkIssueResults",
    "Configuration",
    "Votes",
    "Permissions",
    "BulkPermissionGrants",
    "ServerInformation",
    "FieldDetails",
    "PropertyKeys",
    "PermittedProjects",
    "DefaultShareScope",
    "EntityProperty",
    "Watchers",
    "PageOfWorklogs",
    "Worklog",
    "TimeTrackingDetails",
    "User",
    "IssueBean",
    "CreatedIssue",
    "CreatedIssues",
    "Comment",
    "PageOfComments",
    "Transitions",
    "PageBeanProject",
    "IssueTypeWithStatus",
    "Project",
    "ErrorCollection",
    "SearchResults",
    "ContainerForRegisteredWebhooks",
    "PageBeanWebhook",
    "WebhooksExpirationDate",
    "FailedWebhooks",
    "PageBeanString",
    "OperationMessage",
    "PageBeanField",
    "PageBeanCustomFieldContext",
    "CreateCustomFieldContext",
    "PageBeanCustomFieldContextProjectMapping",
    "PageBeanIssueTypeToContextMapping",
    "PageBeanContextForProjectAndIssueType",
    "PageBeanCustomFieldContextOption",
    "CustomFieldCreatedContextOptionsList",
    "CustomFieldUpdatedContextOptionsList",
    "PageOfCreateMetaIssueTypeWithField",
    "IssueUpdateMetadata",
    "SearchAndReconcileResults",
    "Attachment",
    "AttachmentMetadata",
    "AttachmentSettings",
    "Priority",
    "PageBeanPriority",
    "StatusDetails",
    "IssueTypeDetails",
    "Resolution",
    "PageBeanResolutionJsonBean",
    "ProjectComponent",
    "PageBeanComponentWithIssueCount",
    "PageBeanChangelog",
    "RemoteIssueLink",
    "RemoteIssueLinkIdentifies",
    "IssueLinkTypes",
    "IssueLink",
    "Version",
    "PageBeanVersion",
    "VersionIssueCounts",
    "VersionUnresolvedIssuesCount",
    "Filter",
    "PageBeanFilterDetails",
    "PageOfDashboards",
    "PageBeanDashboard",
    "Dashboard",
    "IssuePickerSuggestions",
    "JQLCountResultsBean",
    "ParsedJqlQueries",
    "JiraStatus",
    "PageOfStatuses",
    "TimeTrackingConfiguration",
    "TimeTrackingProvider",
    "PageBeanUser",
    "PageBeanComment",
    "StatusCategory",
    "Locale",
    "ComponentIssuesCount",
    "JExpEvaluateJiraExpressionResultBean",
    "JiraExpressionsAnalysis",
    "WorkflowSearchResponse",
    "WorkflowReadResponse",
    "WorkflowCreateResponse",
    "WorkflowUpdateResponse",
    "WorkflowValidationErrorList",
    "UnrestrictedUserEmail",
    "ChangedWorklogs",
    "BulkChangelogResponseBean",
    "PageOfChangelogs",
    "IssueMatches",
    "SanitizedJqlQueries",
    "Visibility",
    "PageBeanScreen",
    "PageBeanScreenWithTab",
    "ScreenableTab",
    "ScreenableField",
    "Screen",
    "ScreenSchemeId",
    "PageBeanScreenScheme",
    "TaskProgressBeanObject",
    "PageBeanWorkflowScheme",
    "WorkflowScheme",
    "DefaultWorkflow",
    "IssueTypeWorkflowMapping",
    "IssueTypesWorkflowMapping",
    "ContainerOfWorkflowSchemeAssociations",
    "PageBeanContextualConfiguration",
    "PageBeanBulkContextualConfiguration",
    "FoundUsers",
    "FoundUsersAndGroups",
    "BulkIssueIsWatching",
    "PageBean2ComponentJsonBean",
];

/// The platform spec the snapshot is cut from: the December 2025 copy, which the
/// catalogue is generated from too (see `shared/specs/README.md`).
const SPEC_FILE: &str = "jira-platform.v3.2025-12.json";

fn snapshot_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/jira-platform-schemas.json")
}

fn spec_path() -> Option<PathBuf> {
    common::spec_snapshot::spec_path(SPEC_FILE)
}

/// Atlassian's platform spec, when it is on this machine; a test without it says so
/// and passes (a user's clone has no specs).
fn official_spec() -> Option<Value> {
    let Some(path) = spec_path() else {
        eprintln!(
            "skipping: Atlassian's platform spec is not on this machine (set KILN_SPECS_DIR)"
        );
        return None;
    };
    let text = std::fs::read_to_string(&path).expect("spec readable");
    Some(serde_json::from_str(&text).expect("spec is JSON"))
}

fn load_snapshot() -> Value {
    load(&snapshot_path())
}

fn load(path: &std::path::Path) -> Value {
    let text = std::fs::read_to_string(path).expect("schema snapshot is committed");
    serde_json::from_str(&text).expect("snapshot is JSON")
}

/// The Software spec's schemas that describe the epic and rank answers, which
/// the spec gives no response schema of their own: the issue lists are the
/// `SearchResults` the board's lists answer, `rankIssues`' 207 the
/// `PartialSuccessBean`, and an epic the update body (`EpicUpdateBean`, with
/// its `ColorBean`) plus its identity, as the spec's examples show them. Also
/// the quick filter answers, whose schemas the spec names
/// (`PageBeanQuickFilterBean`, `QuickFilterBean`).
const SOFTWARE_ROOTS: [&str; 6] = [
    "SearchResults",
    "PartialSuccessBean",
    "EpicUpdateBean",
    "ColorBean",
    "PageBeanQuickFilterBean",
    "QuickFilterBean",
];

const SOFTWARE_SPEC_FILE: &str = "jira-software.v3.json";

fn software_snapshot_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/jira-software-epic-schemas.json")
}

#[test]
fn the_software_epic_snapshot_matches_the_official_spec() {
    let Some(path) = common::spec_snapshot::spec_path(SOFTWARE_SPEC_FILE) else {
        eprintln!("skipping: Atlassian's Software spec is not on this machine");
        return;
    };
    let spec: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("spec readable"))
        .expect("spec is JSON");
    let roots = SOFTWARE_ROOTS.iter().map(|s| (*s).to_owned()).collect();
    let schemas = reachable_schemas(&spec, roots, Prose::DocsAndXml);
    assert_current(
        &software_snapshot_path(),
        &json!({ "components": { "schemas": schemas } }),
    );
}

/// The `ROOTS` schemas and all they reference, from the full spec, without prose.
fn extract(spec: &Value) -> Value {
    let roots = ROOTS.iter().map(|s| (*s).to_owned()).collect();
    let schemas = reachable_schemas(spec, roots, Prose::DocsAndXml);
    json!({ "components": { "schemas": schemas } })
}

#[test]
fn the_snapshot_matches_the_official_spec() {
    let Some(spec) = official_spec() else {
        return;
    };
    assert_current(&snapshot_path(), &extract(&spec));
}

/// The platform spec's response schemas (the snapshot), for checking answers;
/// other test modules use it for the operations they test.
pub(crate) struct Contract {
    components: Value,
}

impl Contract {
    pub(crate) fn new() -> Self {
        Self {
            components: load_snapshot()["components"].clone(),
        }
    }

    /// The Software spec's schemas of the epic and rank answers
    /// ([`SOFTWARE_ROOTS`]).
    pub(crate) fn software_epics() -> Self {
        Self {
            components: load(&software_snapshot_path())["components"].clone(),
        }
    }

    /// Asserts `epic` is an epic as the agile API answers one: its identity
    /// (`id`, `key`, `self`) and the properties of `EpicUpdateBean`, each
    /// set, and nothing else.
    pub(crate) fn check_epic(&self, what: &str, epic: &Value) {
        assert!(epic["id"].is_u64(), "{what}: {epic}");
        assert!(epic["key"].is_string(), "{what}: {epic}");
        assert!(epic["self"].is_string(), "{what}: {epic}");
        let mut rest = epic.as_object().cloned().unwrap_or_default();
        for identity in ["id", "key", "self"] {
            rest.remove(identity);
        }
        for property in ["name", "summary", "color", "done"] {
            assert!(rest.contains_key(property), "{what}: {property} in {epic}");
        }
        self.check_ref(what, "EpicUpdateBean", &Value::Object(rest));
        self.check_ref(what, "ColorBean", &epic["color"]);
    }

    /// Asserts `instance` is valid against `schema` (a schema object that may use
    /// `#/components/schemas/...` references).
    pub(crate) fn check(&self, what: &str, schema: Value, instance: &Value) {
        let mut root = schema;
        root["components"] = self.components.clone();
        // Formats are not checked: the spec marks timestamps `date-time`, but Jira
        // Cloud sends `2024-03-28T10:15:30.000+0000` (no colon in the offset), and
        // the simulator follows the wire, which is what apps actually parse.
        let validator = jsonschema::draft4::options()
            .should_validate_formats(false)
            .build(&root)
            .expect("schema compiles");
        let errors: Vec<String> = validator
            .iter_errors(instance)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{what} breaks its OpenAPI schema:\n{}",
            errors.join("\n")
        );
    }

    pub(crate) fn check_ref(&self, what: &str, name: &str, instance: &Value) {
        self.check(
            what,
            json!({ "$ref": format!("#/components/schemas/{name}") }),
            instance,
        );
    }

    /// Asserts `instance` is a `ParsedJqlQueries` (`POST /jql/parse`), with one defect
    /// of the spec mended: `JqlQueryClause` is an `anyOf` of the clause shapes but
    /// also says `additionalProperties: false` with no `properties` of its own, which
    /// in JSON Schema allows no property at all, so every clause breaks it, the
    /// spec's own example answer's too
    /// (`the_specs_jql_parse_example_breaks_its_clause_schema`). The clause is checked
    /// against its `anyOf` alone.
    pub(crate) fn check_parsed_jql(&self, what: &str, instance: &Value) {
        let mut mended = Self {
            components: self.components.clone(),
        };
        if let Some(clause) = mended.components["schemas"]["JqlQueryClause"].as_object_mut() {
            clause.remove("additionalProperties");
        }
        mended.check_ref(what, "ParsedJqlQueries", instance);
    }
}

impl Contract {
    /// Asserts `page` is a `PageBeanCustomFieldContextDefaultValue` (`GET
    /// /field/{fieldId}/context/defaultValue`), with the defect of
    /// `CustomFieldContextDefaultValue` mended: it is a `oneOf` of the typed
    /// shapes but also says `additionalProperties: false` with no
    /// `properties`, which allows no property at all, and several shapes
    /// (text, date, read-only, Forge object) require only `type`, so a text
    /// default matches more than one of them and breaks `oneOf`. Jira picks
    /// the shape by its `discriminator` (`type`); so does this check.
    pub(crate) fn check_context_defaults(&self, what: &str, page: &Value) {
        let mut mended = Self {
            components: self.components.clone(),
        };
        let union = mended.components["schemas"]["CustomFieldContextDefaultValue"].take();
        mended.components["schemas"]["CustomFieldContextDefaultValue"] = json!({});
        mended.check_ref(what, "PageBeanCustomFieldContextDefaultValue", page);
        for value in page["values"].as_array().into_iter().flatten() {
            let kind = value["type"].as_str().expect("each default has a type");
            let shape = union["discriminator"]["mapping"][kind]
                .as_str()
                .unwrap_or_else(|| panic!("{what}: '{kind}' is no type of the spec"));
            self.check(what, json!({ "$ref": shape }), value);
        }
    }

    /// Asserts `instance` is a `JExpEvaluateJiraExpressionResultBean` (`POST
    /// /expression/evaluate`), with one defect of the spec mended:
    /// `JExpEvaluateIssuesJqlMetaDataBean` requires `nextPageToken`, yet it also
    /// says `isLast`, and the last page has no next page to name. The simulator
    /// leaves the token out there, as the enhanced search it pages like does
    /// (`SearchAndReconcileResults`, where it is optional).
    pub(crate) fn check_expression_result(&self, what: &str, instance: &Value) {
        let mut mended = Self {
            components: self.components.clone(),
        };
        if let Some(page) =
            mended.components["schemas"]["JExpEvaluateIssuesJqlMetaDataBean"].as_object_mut()
        {
            page.remove("required");
        }
        mended.check_ref(what, "JExpEvaluateJiraExpressionResultBean", instance);
    }
}

/// The defect [`Contract::check_parsed_jql`] mends, shown on the spec's own example:
/// when Atlassian fixes the schema, this fails and the mend can go.
#[test]
fn the_specs_jql_parse_example_breaks_its_clause_schema() {
    let Some(spec) = official_spec() else {
        return;
    };
    let example = spec["paths"]["/rest/api/3/jql/parse"]["post"]["responses"]["200"]["content"]
        ["application/json"]["example"]
        .as_str()
        .and_then(|text| serde_json::from_str::<Value>(text).ok())
        .expect("the spec has an example answer");
    let contract = Contract::new();
    let as_written = std::panic::catch_unwind(|| {
        contract.check_ref("the spec's example", "ParsedJqlQueries", &example)
    });
    assert!(
        as_written.is_err(),
        "the spec's clause schema accepts its example now"
    );
    contract.check_parsed_jql("the spec's example", &example);
}

#[tokio::test]
async fn platform_responses_match_the_official_schemas() {
    let contract = Contract::new();
    let sim = start().await;
    let get = |email: &'static str, path: String| {
        let who = caller(&sim, email);
        async move {
            let reply = who.get(&path).await;
            (reply.status.as_u16(), reply.body)
        }
    };

    let (_, me) = get(ADMIN, String::from("/rest/api/3/myself")).await;
    contract.check_ref("GET /myself", "User", &me);
    // The `SimpleListWrapper`s of groups and application roles, filled.
    let (_, expanded) = get(
        ADMIN,
        String::from("/rest/api/3/myself?expand=groups,applicationRoles"),
    )
    .await;
    contract.check_ref("GET /myself?expand", "User", &expanded);
    assert_eq!(
        expanded["applicationRoles"]["items"][0]["key"],
        "jira-software"
    );
    for context in ["", "&projectKey=SEC", "&issueKey=KILN-1"] {
        let path = format!(
            "/rest/api/3/mypermissions?permissions=ADMINISTER,EDIT_ISSUES,ADMINISTER_PROJECTS{context}"
        );
        let (_, permissions) = get(USER, path).await;
        contract.check_ref("GET /mypermissions", "Permissions", &permissions);
    }

    for key in ["KILN-1", "KILN-3", "SEC-2"] {
        let (_, issue) = get(ADMIN, format!("/rest/api/3/issue/{key}")).await;
        contract.check_ref("GET /issue", "IssueBean", &issue);
        let (_, comments) = get(ADMIN, format!("/rest/api/3/issue/{key}/comment")).await;
        contract.check_ref("GET /issue/comment", "PageOfComments", &comments);
        let (_, transitions) = get(ADMIN, format!("/rest/api/3/issue/{key}/transitions")).await;
        contract.check_ref("GET /issue/transitions", "Transitions", &transitions);
    }
    let (_, subset) = get(
        ADMIN,
        String::from("/rest/api/3/issue/KILN-2?fields=summary,status"),
    )
    .await;
    contract.check_ref("GET /issue?fields", "IssueBean", &subset);

    let (_, projects) = get(
        ADMIN,
        String::from("/rest/api/3/project/search?maxResults=1"),
    )
    .await;
    contract.check_ref("GET /project/search", "PageBeanProject", &projects);
    let (_, all) = get(USER, String::from("/rest/api/3/project")).await;
    contract.check(
        "GET /project",
        json!({ "type": "array", "items": { "$ref": "#/components/schemas/Project" } }),
        &all,
    );
    assert!(all.as_array().is_some_and(|p| !p.is_empty()));
    let (_, project) = get(ADMIN, String::from("/rest/api/3/project/KILN")).await;
    contract.check_ref("GET /project/{key}", "Project", &project);
    let (_, statuses) = get(USER, String::from("/rest/api/3/project/KILN/statuses")).await;
    contract.check(
        "GET /project/{key}/statuses",
        json!({ "type": "array", "items": { "$ref": "#/components/schemas/IssueTypeWithStatus" } }),
        &statuses,
    );
    assert!(statuses.as_array().is_some_and(|t| !t.is_empty()));
    let (status, hidden) = get(OUTSIDER, String::from("/rest/api/3/project/SEC/statuses")).await;
    assert_eq!(status, 404, "{hidden}");
    contract.check_ref(
        "GET /project/{key}/statuses 404",
        "ErrorCollection",
        &hidden,
    );
    let (_, one) = get(
        USER,
        format!(
            "/rest/api/3/user?accountId={}",
            me["accountId"].as_str().unwrap()
        ),
    )
    .await;
    contract.check_ref("GET /user", "User", &one);
    let (_, expanded) = get(
        USER,
        format!(
            "/rest/api/3/user?accountId={}&expand=groups,applicationRoles",
            me["accountId"].as_str().unwrap()
        ),
    )
    .await;
    contract.check_ref("GET /user?expand", "User", &expanded);
    assert_eq!(one["accountId"], me["accountId"]);
    assert_eq!(one["displayName"], me["displayName"]);
    let (status, nobody) = get(ADMIN, String::from("/rest/api/3/user?accountId=nobody")).await;
    assert_eq!(status, 404, "{nobody}");
    contract.check_ref("GET /user 404", "ErrorCollection", &nobody);
    let (status, missing) = get(ADMIN, String::from("/rest/api/3/user")).await;
    assert_eq!(status, 400, "{missing}");
    contract.check_ref("GET /user 400", "ErrorCollection", &missing);
    let (_, users) = get(ADMIN, String::from("/rest/api/3/user/search?query=a")).await;
    contract.check(
        "GET /user/search",
        json!({ "type": "array", "items": { "$ref": "#/components/schemas/User" } }),
        &users,
    );
    for search in [
        "/rest/api/3/user/assignable/search?project=KILN",
        "/rest/api/3/user/assignable/search?issueKey=SEC-1&query=b",
        "/rest/api/3/user/assignable/multiProjectSearch?projectKeys=KILN,SEC",
        "/rest/api/3/user/viewissue/search?issueKey=KILN-1",
        "/rest/api/3/user/permission/search?permissions=BROWSE_PROJECTS&projectKey=SEC",
    ] {
        let (status, users) = get(ADMIN, String::from(search)).await;
        assert_eq!(status, 200, "{search}: {users}");
        assert!(users.as_array().is_some_and(|u| !u.is_empty()), "{search}");
        contract.check(
            search,
            json!({ "type": "array", "items": { "$ref": "#/components/schemas/User" } }),
            &users,
        );
    }
    for (search, expected) in [
        ("/rest/api/3/user/assignable/search?query=a", 400),
        ("/rest/api/3/user/assignable/search?issueKey=KILN-999", 404),
        (
            "/rest/api/3/user/assignable/multiProjectSearch?projectKeys=NOPE",
            404,
        ),
    ] {
        let (status, refused) = get(ADMIN, String::from(search)).await;
        assert_eq!(status, expected, "{search}: {refused}");
        contract.check_ref(search, "ErrorCollection", &refused);
    }

    let (_, found) = get(
        USER,
        String::from("/rest/api/3/search/jql?jql=project%3DKILN&fields=*all"),
    )
    .await;
    for issue in found["issues"].as_array().expect("issues") {
        contract.check_ref("GET /search/jql issue", "IssueBean", issue);
    }

    let alice = caller(&sim, ADMIN);
    let created = alice
        .post(
            "/rest/api/3/issue",
            &json!({ "fields": { "project": { "key": "KILN" }, "issuetype": { "name": "Task" }, "summary": "contract" } }),
        )
        .await;
    contract.check_ref("POST /issue", "CreatedIssue", &created.body);
    // A bulk create with one good element and one bad: both halves of
    // `CreatedIssues` filled.
    let bulk = alice
        .post(
            "/rest/api/3/issue/bulk",
            &json!({ "issueUpdates": [
                { "fields": { "project": { "key": "KILN" }, "issuetype": { "name": "Task" }, "summary": "bulk" } },
                { "fields": { "project": { "key": "KILN" }, "issuetype": { "name": "Task" } } },
            ] }),
        )
        .await;
    assert_eq!(bulk.status.as_u16(), 201, "{}", bulk.text);
    contract.check_ref("POST /issue/bulk", "CreatedIssues", &bulk.body);
    // A component created, read, updated with a lead and an assignee rule.
    let component = alice
        .post(
            "/rest/api/3/component",
            &json!({ "project": "KILN", "name": "Contract", "description": "d", "leadAccountId": common::account_id(&sim, USER), "assigneeType": "COMPONENT_LEAD" }),
        )
        .await;
    assert_eq!(component.status.as_u16(), 201, "{}", component.text);
    contract.check_ref("POST /component", "ProjectComponent", &component.body);
    let component_path = format!("/rest/api/3/component/{}", component.str_at("/id"));
    let (_, read) = get(USER, component_path.clone()).await;
    contract.check_ref("GET /component", "ProjectComponent", &read);
    let updated = alice
        .put(&component_path, &json!({ "assigneeType": "PROJECT_LEAD" }))
        .await;
    contract.check_ref("PUT /component", "ProjectComponent", &updated.body);
    let (_, paged) = get(USER, String::from("/rest/api/3/project/KILN/component")).await;
    contract.check_ref(
        "GET /project/component",
        "PageBeanComponentWithIssueCount",
        &paged,
    );
    let comment = alice
        .post(
            "/rest/api/3/issue/KILN-1/comment",
            &json!({ "body": { "type": "doc", "version": 1, "content": [] } }),
        )
        .await;
    contract.check_ref("POST /issue/comment", "Comment", &comment.body);
    let one = format!("/rest/api/3/issue/KILN-1/comment/{}", comment.str_at("/id"));
    let (_, read) = get(USER, one.clone()).await;
    contract.check_ref("GET /issue/comment/{id}", "Comment", &read);
    let edited = alice
        .put(
            &one,
            &json!({ "body": { "type": "doc", "version": 1, "content": [] } }),
        )
        .await;
    assert_eq!(edited.status, 200, "{}", edited.body);
    contract.check_ref("PUT /issue/comment/{id}", "Comment", &edited.body);
    let (status, missing) = get(USER, String::from("/rest/api/3/issue/KILN-1/comment/1")).await;
    assert_eq!(status, 404);
    contract.check_ref("GET /issue/comment/{id} 404", "ErrorCollection", &missing);
    let refused = caller(&sim, OUTSIDER).delete(&one).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    contract.check_ref(
        "DELETE /issue/comment/{id} 400",
        "ErrorCollection",
        &refused.body,
    );
    // Comments by id, with both expansions, as a caller who browses every
    // project and one who does not.
    let ids =
        json!({ "ids": [comment.str_at("/id").parse::<u64>().unwrap(), 10000, 10001, 10002, 1] });
    for email in [USER, OUTSIDER] {
        let page = caller(&sim, email)
            .post(
                "/rest/api/3/comment/list?expand=renderedBody,properties",
                &ids,
            )
            .await;
        assert_eq!(page.status, 200, "{}", page.body);
        contract.check_ref("POST /comment/list", "PageBeanComment", &page.body);
        assert!(
            page.body["values"]
                .as_array()
                .is_some_and(|v| !v.is_empty())
        );
    }
    let refused = alice
        .post("/rest/api/3/comment/list", &json!({ "ids": [] }))
        .await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    contract.check_ref("POST /comment/list 400", "ErrorCollection", &refused.body);
    assert_eq!(alice.delete(&one).await.status, 204);

    // Users by account id: a page, an empty page, and the 400 without an id.
    let bulk = format!(
        "/rest/api/3/user/bulk?accountId={}&accountId=nobody&maxResults=1",
        me["accountId"].as_str().unwrap()
    );
    let (_, users) = get(USER, bulk).await;
    contract.check_ref("GET /user/bulk", "PageBeanUser", &users);
    assert_eq!(users["values"][0]["accountId"], me["accountId"]);
    let (_, nobody) = get(USER, String::from("/rest/api/3/user/bulk?accountId=nobody")).await;
    contract.check_ref("GET /user/bulk (none found)", "PageBeanUser", &nobody);
    let (status, missing) = get(USER, String::from("/rest/api/3/user/bulk")).await;
    assert_eq!(status, 400, "{missing}");
    contract.check_ref("GET /user/bulk 400", "ErrorCollection", &missing);

    // Status categories, all and one, and the 404.
    let (_, categories) = get(OUTSIDER, String::from("/rest/api/3/statuscategory")).await;
    contract.check(
        "GET /statuscategory",
        json!({ "type": "array", "items": { "$ref": "#/components/schemas/StatusCategory" } }),
        &categories,
    );
    for id_or_key in ["1", "indeterminate"] {
        let (_, category) = get(USER, format!("/rest/api/3/statuscategory/{id_or_key}")).await;
        contract.check_ref("GET /statuscategory/{idOrKey}", "StatusCategory", &category);
    }
    let (status, unknown) = get(USER, String::from("/rest/api/3/statuscategory/9")).await;
    assert_eq!(status, 404, "{unknown}");
    contract.check_ref(
        "GET /statuscategory/{idOrKey} 404",
        "ErrorCollection",
        &unknown,
    );

    let (_, locale) = get(OUTSIDER, String::from("/rest/api/3/mypreferences/locale")).await;
    contract.check_ref("GET /mypreferences/locale", "Locale", &locale);

    let (_, info) = get(USER, String::from("/rest/api/3/serverInfo")).await;
    contract.check_ref("GET /serverInfo", "ServerInformation", &info);
    let (_, configuration) = get(USER, String::from("/rest/api/3/configuration")).await;
    contract.check_ref("GET /configuration", "Configuration", &configuration);
    let (_, fields) = get(USER, String::from("/rest/api/3/field")).await;
    contract.check(
        "GET /field",
        json!({ "type": "array", "items": { "$ref": "#/components/schemas/FieldDetails" } }),
        &fields,
    );

    let property = "/rest/api/3/issue/KILN-1/properties/kiln.app";
    let set = alice
        .put(property, &json!({ "reviewed": true, "score": 3 }))
        .await;
    assert_eq!(set.status, 201, "{}", set.body);
    let (_, keys) = get(USER, String::from("/rest/api/3/issue/KILN-1/properties")).await;
    contract.check_ref("GET /issue/properties", "PropertyKeys", &keys);
    let (_, value) = get(USER, String::from(property)).await;
    contract.check_ref("GET /issue/properties/{key}", "EntityProperty", &value);

    let project_property = "/rest/api/3/project/KILN/properties/kiln.app";
    assert_eq!(
        alice
            .put(project_property, &json!({ "on": true }))
            .await
            .status,
        201
    );
    let (_, keys) = get(USER, String::from("/rest/api/3/project/KILN/properties")).await;
    contract.check_ref("GET /project/properties", "PropertyKeys", &keys);
    let (_, value) = get(USER, String::from(project_property)).await;
    contract.check_ref("GET /project/properties/{key}", "EntityProperty", &value);
    let refused = caller(&sim, USER).put(project_property, &json!(1)).await;
    assert_eq!(refused.status, 403);
    contract.check_ref(
        "PUT /project/properties 403",
        "ErrorCollection",
        &refused.body,
    );

    let comment_id = alice
        .get("/rest/api/3/issue/KILN-1/comment")
        .await
        .str_at("/comments/0/id");
    let comment_property = format!("/rest/api/3/comment/{comment_id}/properties/kiln.app");
    assert_eq!(
        alice
            .put(&comment_property, &json!({ "seen": 1 }))
            .await
            .status,
        201
    );
    let (_, keys) = get(USER, format!("/rest/api/3/comment/{comment_id}/properties")).await;
    contract.check_ref("GET /comment/properties", "PropertyKeys", &keys);
    let (_, value) = get(USER, comment_property.clone()).await;
    contract.check_ref("GET /comment/properties/{key}", "EntityProperty", &value);
    let (_, with_properties) = get(
        USER,
        format!("/rest/api/3/issue/KILN-1/comment/{comment_id}?expand=properties"),
    )
    .await;
    assert_eq!(with_properties["properties"][0]["key"], "kiln.app");
    contract.check_ref(
        "GET /issue/comment/{id}?expand=properties",
        "Comment",
        &with_properties,
    );
    let refused = caller(&sim, OUTSIDER)
        .put(&comment_property, &json!(1))
        .await;
    assert_eq!(refused.status, 403);
    contract.check_ref(
        "PUT /comment/properties 403",
        "ErrorCollection",
        &refused.body,
    );
    let me = me["accountId"].as_str().expect("account id").to_owned();
    let user_property = format!("/rest/api/3/user/properties/kiln.app?accountId={me}");
    assert_eq!(alice.put(&user_property, &json!([1, 2])).await.status, 201);
    let (_, keys) = get(ADMIN, format!("/rest/api/3/user/properties?accountId={me}")).await;
    contract.check_ref("GET /user/properties", "PropertyKeys", &keys);
    let (_, value) = get(ADMIN, user_property.clone()).await;
    contract.check_ref("GET /user/properties/{key}", "EntityProperty", &value);
    let (status, missing) = get(ADMIN, String::from("/rest/api/3/user/properties/x")).await;
    assert_eq!(status, 400);
    contract.check_ref("GET /user/properties 400", "ErrorCollection", &missing);
    let (_, labels) = get(USER, String::from("/rest/api/3/label")).await;
    contract.check_ref("GET /label", "PageBeanString", &labels);

    let watch = alice
        .post("/rest/api/3/issue/KILN-1/watchers", &json!(null))
        .await;
    assert_eq!(watch.status, 204, "{}", watch.body);
    let (_, watchers) = get(USER, String::from("/rest/api/3/issue/KILN-1/watchers")).await;
    contract.check_ref("GET /issue/watchers", "Watchers", &watchers);

    let logged = alice
        .post(
            "/rest/api/3/issue/KILN-1/worklog",
            &json!({ "timeSpent": "1h 30m", "comment": { "type": "doc", "version": 1, "content": [] } }),
        )
        .await;
    assert_eq!(logged.status, 201, "{}", logged.body);
    contract.check_ref("POST /issue/worklog", "Worklog", &logged.body);
    let (_, worklogs) = get(USER, String::from("/rest/api/3/issue/KILN-1/worklog")).await;
    contract.check_ref("GET /issue/worklog", "PageOfWorklogs", &worklogs);
    // Time tracking as an issue carries it: `timetracking` is the spec's
    // `TimeTrackingDetails` (no other property allowed), `worklog` a
    // `PageOfWorklogs`; empty and filled.
    let estimated = alice
        .put(
            "/rest/api/3/issue/KILN-1",
            &json!({ "fields": { "timetracking": { "originalEstimate": "1w 2d", "remainingEstimate": "3h" } } }),
        )
        .await;
    assert_eq!(estimated.status, 204, "{}", estimated.body);
    for key in ["KILN-1", "KILN-2"] {
        let (_, issue) = get(
            USER,
            format!(
                "/rest/api/3/issue/{key}?fields=timetracking,worklog,timespent,aggregatetimespent"
            ),
        )
        .await;
        contract.check_ref("GET /issue time tracking", "IssueBean", &issue);
        contract.check_ref(
            "issue timetracking",
            "TimeTrackingDetails",
            &issue["fields"]["timetracking"],
        );
        contract.check_ref(
            "issue worklog",
            "PageOfWorklogs",
            &issue["fields"]["worklog"],
        );
    }

    // Error bodies: 404, 400, 401, and the 400 `editIssue` documents for a caller
    // who may see the issue but not edit it.
    let errors = [
        get(OUTSIDER, String::from("/rest/api/3/issue/SEC-1")).await,
        get(ADMIN, String::from("/rest/api/3/search/jql?jql=nope%20%3D")).await,
        {
            let reply = send(client().get(format!("{}/rest/api/3/myself", sim.base_url()))).await;
            (reply.status.as_u16(), reply.body)
        },
        {
            let reply = caller(&sim, OUTSIDER)
                .put(
                    "/rest/api/3/issue/KILN-1",
                    &json!({ "fields": { "summary": "x" } }),
                )
                .await;
            (reply.status.as_u16(), reply.body)
        },
    ];
    let statuses: Vec<u16> = errors.iter().map(|(s, _)| *s).collect();
    assert_eq!(statuses, [404, 400, 401, 400]);
    for (status, body) in &errors {
        contract.check(
            &format!("{status} error"),
            json!({ "$ref": "#/components/schemas/ErrorCollection" }),
            body,
        );
    }
    sim.shutdown().await;
}

/// Issue attachments: the upload's answer, the issue's `attachment` field, an
/// attachment's metadata, the site's settings, and the refusals' bodies.
#[tokio::test]
async fn attachment_answers_match_the_official_schemas() {
    let contract = Contract::new();
    let sim = start().await;
    let (bob, carol) = (caller(&sim, USER), caller(&sim, OUTSIDER));
    let uploaded = send(bob.upload(
        "/rest/api/3",
        "KILN-1",
        &[
            FormPart::file("a.txt", Some("text/plain"), b"a"),
            FormPart::file("b.bin", None, b"\x00\xff"),
        ],
    ))
    .await;
    assert_eq!(uploaded.status, 200, "{}", uploaded.text);
    let added = uploaded.body.as_array().expect("an array");
    assert_eq!(added.len(), 2);
    for attachment in added {
        contract.check_ref("POST /issue/attachments", "Attachment", attachment);
    }
    let issue = carol.get("/rest/api/3/issue/KILN-1").await;
    contract.check_ref("GET /issue with attachments", "IssueBean", &issue.body);
    for attachment in issue.body["fields"]["attachment"]
        .as_array()
        .expect("an attachment field")
    {
        contract.check_ref("GET /issue attachment field", "Attachment", attachment);
    }
    let id = uploaded.str_at("/1/id");
    let metadata = carol.get(&format!("/rest/api/3/attachment/{id}")).await;
    assert_eq!(metadata.status, 200, "{}", metadata.text);
    contract.check_ref("GET /attachment/{id}", "AttachmentMetadata", &metadata.body);
    let settings = carol.get("/rest/api/3/attachment/meta").await;
    contract.check_ref("GET /attachment/meta", "AttachmentSettings", &settings.body);

    let refused = send(carol.upload(
        "/rest/api/3",
        "KILN-1",
        &[FormPart::file("a.txt", None, b"a")],
    ))
    .await;
    assert_eq!(refused.status, 403);
    contract.check_ref(
        "POST /issue/attachments 403",
        "ErrorCollection",
        &refused.body,
    );
    let missing = carol.get("/rest/api/3/attachment/1").await;
    assert_eq!(missing.status, 404);
    contract.check_ref("GET /attachment/{id} 404", "ErrorCollection", &missing.body);
    sim.shutdown().await;
}

/// The dynamic webhook API, called as an OAuth app through the gateway.
#[tokio::test]
async fn webhook_answers_match_the_official_schemas() {
    let contract = Contract::new();
    let sim = start().await;
    let token = common::oauth::app_access_token(&sim).await;
    let call = |method: reqwest::Method, path: &str, body: Option<Value>| {
        let mut request = client()
            .request(
                method,
                format!("{}/ex/jira/{}{path}", sim.base_url(), sim.cloud_id()),
            )
            .bearer_auth(&token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        send(request)
    };
    let registered = call(
        reqwest::Method::POST,
        "/rest/api/3/webhook",
        Some(json!({ "url": "http://127.0.0.1:9/hook", "webhooks": [
            { "events": ["jira:issue_created"], "jqlFilter": "project = KILN", "fieldIdsFilter": ["summary"] },
            { "events": ["comment_created"], "jqlFilter": "watchCount = 1" },
        ] })),
    )
    .await;
    contract.check_ref(
        "POST /webhook",
        "ContainerForRegisteredWebhooks",
        &registered.body,
    );
    let listed = call(reqwest::Method::GET, "/rest/api/3/webhook", None).await;
    contract.check_ref("GET /webhook", "PageBeanWebhook", &listed.body);
    let refreshed = call(
        reqwest::Method::PUT,
        "/rest/api/3/webhook/refresh",
        Some(json!({ "webhookIds": [10000] })),
    )
    .await;
    contract.check_ref(
        "PUT /webhook/refresh",
        "WebhooksExpirationDate",
        &refreshed.body,
    );
    let failed = call(reqwest::Method::GET, "/rest/api/3/webhook/failed", None).await;
    contract.check_ref("GET /webhook/failed", "FailedWebhooks", &failed.body);
    let bad = call(
        reqwest::Method::DELETE,
        "/rest/api/3/webhook",
        Some(json!({})),
    )
    .await;
    assert_eq!(bad.status, 400);
    contract.check_ref("DELETE /webhook 400", "ErrorCollection", &bad.body);
    let not_app = caller(&sim, ADMIN).get("/rest/api/3/webhook").await;
    assert_eq!(not_app.status, 403);
    contract.check_ref("GET /webhook 403", "ErrorCollection", &not_app.body);
    let deleted = call(
        reqwest::Method::DELETE,
        "/rest/api/3/webhook",
        Some(json!({ "webhookIds": [10000] })),
    )
    .await;
    assert_eq!(deleted.status, 202);
    sim.shutdown().await;
}

/// Forge app properties, called as the app itself (client credentials). The spec
/// gives the two reads inline schemas equal to `PropertyKeys` and `EntityProperty`;
/// writes and errors other than 403 are `OperationMessage`.
#[tokio::test]
async fn forge_app_property_answers_match_the_official_schemas() {
    let contract = Contract::new();
    let sim = start().await;
    let token = common::oauth::app_access_token(&sim).await;
    let call = |method: reqwest::Method, path: &str, body: Option<&str>| {
        let mut request = client()
            .request(
                method,
                format!("{}/ex/jira/{}{path}", sim.base_url(), sim.cloud_id()),
            )
            .bearer_auth(&token);
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_owned());
        }
        send(request)
    };
    let path = "/rest/forge/1/app/properties/kiln";
    for (what, status) in [("created", 201), ("updated", 200)] {
        let written = call(reqwest::Method::PUT, path, Some(r#"{"on":true}"#)).await;
        assert_eq!(written.status, status);
        contract.check_ref(what, "OperationMessage", &written.body);
    }
    let read = call(reqwest::Method::GET, path, None).await;
    contract.check_ref("GET app property", "EntityProperty", &read.body);
    let keys = call(reqwest::Method::GET, "/rest/forge/1/app/properties", None).await;
    contract.check_ref("GET app property keys", "PropertyKeys", &keys.body);
    let bad = call(reqwest::Method::PUT, path, Some("{oops")).await;
    assert_eq!(bad.status, 400);
    contract.check_ref("PUT 400", "OperationMessage", &bad.body);
    assert_eq!(call(reqwest::Method::DELETE, path, None).await.status, 204);
    let missing = call(reqwest::Method::GET, path, None).await;
    assert_eq!(missing.status, 404);
    contract.check_ref("GET 404", "OperationMessage", &missing.body);
    let not_app = caller(&sim, ADMIN).get(path).await;
    assert_eq!(not_app.status, 403);
    contract.check_ref("GET 403", "ErrorCollection", &not_app.body);
    sim.shutdown().await;
}

#[tokio::test]
async fn custom_field_context_responses_match_the_official_schemas() {
    let contract = Contract::new();
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let created = alice
        .post(
            "/rest/api/3/field",
            &json!({
                "name": "Tier",
                "type": "com.atlassian.jira.plugin.system.customfieldtypes:select",
            }),
        )
        .await;
    let field = created.str_at("/id");
    let base = format!("/rest/api/3/field/{field}/context");
    let context = alice
        .post(
            &base,
            &json!({ "name": "Bugs", "projectIds": ["10000"], "issueTypeIds": ["10002"] }),
        )
        .await;
    assert_eq!(context.status, 201, "{}", context.text);
    contract.check_ref(
        "POST /field/context",
        "CreateCustomFieldContext",
        &context.body,
    );
    let listed = alice.get(&base).await;
    contract.check_ref(
        "GET /field/context with a project context",
        "PageBeanCustomFieldContext",
        &listed.body,
    );
    let projects = alice.get(&format!("{base}/projectmapping")).await;
    assert_eq!(projects.body["total"], 2, "{}", projects.text);
    contract.check_ref(
        "GET /field/context/projectmapping",
        "PageBeanCustomFieldContextProjectMapping",
        &projects.body,
    );
    let issue_types = alice.get(&format!("{base}/issuetypemapping")).await;
    assert_eq!(issue_types.body["total"], 2, "{}", issue_types.text);
    contract.check_ref(
        "GET /field/context/issuetypemapping",
        "PageBeanIssueTypeToContextMapping",
        &issue_types.body,
    );
    let mapped = alice
        .post(
            &format!("{base}/mapping"),
            &json!({ "mappings": [
                { "projectId": "10000", "issueTypeId": "10002" },
                { "projectId": "10001", "issueTypeId": "10001" },
            ]}),
        )
        .await;
    assert_eq!(mapped.body["total"], 2, "{}", mapped.text);
    contract.check_ref(
        "POST /field/context/mapping",
        "PageBeanContextForProjectAndIssueType",
        &mapped.body,
    );
    for refused in [
        alice.post(&base, &json!({ "name": "Bugs" })).await,
        caller(&sim, USER).get(&base).await,
        alice.delete(&format!("{base}/1")).await,
    ] {
        assert!(refused.status.is_client_error(), "{}", refused.text);
        contract.check_ref("refused context routes", "ErrorCollection", &refused.body);
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn custom_field_responses_match_the_official_schemas() {
    let contract = Contract::new();
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let kinds = [
        "textfield",
        "textarea",
        "float",
        "select",
        "multiselect",
        "labels",
        "datepicker",
        "datetime",
        "userpicker",
    ];
    let mut ids = Vec::new();
    for kind in kinds {
        let created = alice
            .post(
                "/rest/api/3/field",
                &json!({
                    "name": format!("My {kind}"),
                    "description": "described",
                    "type": format!("com.atlassian.jira.plugin.system.customfieldtypes:{kind}"),
                }),
            )
            .await;
        assert_eq!(created.status, 201, "{}", created.text);
        contract.check_ref("POST /field", "FieldDetails", &created.body);
        let id = created.str_at("/id");
        common::put_on_default_screen(&sim, &id).await;
        ids.push(id);
    }
    let refused = alice
        .post("/rest/api/3/field", &json!({ "name": "x" }))
        .await;
    assert_eq!(refused.status, 400);
    contract.check_ref("POST /field 400", "ErrorCollection", &refused.body);
    let listed = alice.get("/rest/api/3/field").await;
    contract.check(
        "GET /field with custom fields",
        json!({ "type": "array", "items": { "$ref": "#/components/schemas/FieldDetails" } }),
        &listed.body,
    );
    let searched = alice.get("/rest/api/3/field/search").await;
    contract.check_ref("GET /field/search", "PageBeanField", &searched.body);
    let searched = alice
        .get("/rest/api/3/field/search?type=custom&maxResults=2")
        .await;
    contract.check_ref(
        "GET /field/search?type=custom",
        "PageBeanField",
        &searched.body,
    );

    let select = &ids[3];
    let contexts = alice
        .get(&format!("/rest/api/3/field/{select}/context"))
        .await;
    contract.check_ref(
        "GET /field/context",
        "PageBeanCustomFieldContext",
        &contexts.body,
    );
    let context = contexts.str_at("/values/0/id");
    let path = format!("/rest/api/3/field/{select}/context/{context}/option");
    let added = alice
        .post(
            &path,
            &json!({ "options": [{ "value": "Red" }, { "value": "Blue", "disabled": true }] }),
        )
        .await;
    contract.check_ref(
        "POST /field/context/option",
        "CustomFieldCreatedContextOptionsList",
        &added.body,
    );
    let option = added.str_at("/options/0/id");
    let updated = alice
        .put(
            &path,
            &json!({ "options": [{ "id": option, "value": "Crimson" }] }),
        )
        .await;
    contract.check_ref(
        "PUT /field/context/option",
        "CustomFieldUpdatedContextOptionsList",
        &updated.body,
    );
    let options = alice.get(&path).await;
    contract.check_ref(
        "GET /field/context/option",
        "PageBeanCustomFieldContextOption",
        &options.body,
    );

    let created = alice
        .post(
            "/rest/api/3/issue",
            &json!({ "fields": {
                "project": { "key": "KILN" }, "issuetype": { "name": "Task" }, "summary": "cf",
                select.clone(): { "value": "Crimson" }, ids[0].clone(): "text", ids[2].clone(): 1.5,
            }}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let issue = alice
        .get(&format!("/rest/api/3/issue/{}", created.str_at("/key")))
        .await;
    contract.check_ref("GET /issue with custom fields", "IssueBean", &issue.body);
    let expanded = alice
        .get(&format!(
            "/rest/api/3/issue/{}?expand=names,schema",
            created.str_at("/key")
        ))
        .await;
    contract.check_ref(
        "GET /issue?expand=names,schema",
        "IssueBean",
        &expanded.body,
    );
    let meta = alice
        .get("/rest/api/3/issue/createmeta/KILN/issuetypes/10001")
        .await;
    assert_eq!(meta.status, 200, "{}", meta.text);
    contract.check_ref(
        "GET /issue/createmeta/{project}/issuetypes/{id}",
        "PageOfCreateMetaIssueTypeWithField",
        &meta.body,
    );
    let edit_meta = alice.get("/rest/api/3/issue/KILN-1/editmeta").await;
    assert_eq!(edit_meta.status, 200, "{}", edit_meta.text);
    contract.check_ref(
        "GET /issue/{key}/editmeta",
        "IssueUpdateMetadata",
        &edit_meta.body,
    );
}

/// The agile API's epic and rank answers, against the Software spec's schemas
/// that describe them ([`SOFTWARE_ROOTS`]), and their refusals against the
/// platform's `ErrorCollection`.
#[tokio::test]
async fn epic_and_rank_answers_match_the_software_spec() {
    const AGILE: &str = "/rest/agile/1.0";
    let software = Contract::software_epics();
    let platform = Contract::new();
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let created = alice
        .post(
            "/rest/api/3/issue",
            &json!({ "fields": { "project": { "key": "KILN" }, "issuetype": { "name": "Epic" }, "summary": "contract" } }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let epic = created.str_at("/key");
    let read = alice.get(&format!("{AGILE}/epic/{epic}")).await;
    software.check_epic("GET /epic", &read.body);
    // The spec's own example body.
    let updated = alice
        .post(
            &format!("{AGILE}/epic/{epic}"),
            &json!({ "color": { "key": "color_6" }, "done": true, "name": "epic 2", "summary": "epic 2 summary" }),
        )
        .await;
    assert_eq!(updated.status, 200, "{}", updated.text);
    software.check_epic("POST /epic", &updated.body);
    let moved = alice
        .post(
            &format!("{AGILE}/epic/{epic}/issue"),
            &json!({ "issues": ["KILN-2", "KILN-3"] }),
        )
        .await;
    assert_eq!(moved.status, 204, "{}", moved.text);
    let epics = alice.get(&format!("{AGILE}/board/1/epic")).await;
    assert_eq!(epics.status, 200, "{}", epics.text);
    for value in epics.body["values"].as_array().expect("values") {
        software.check_epic("GET /board/epic", value);
    }
    let id = read.body["id"].to_string();
    for path in [
        format!("{AGILE}/epic/{epic}/issue"),
        format!("{AGILE}/epic/none/issue"),
        format!("{AGILE}/board/1/epic/{id}/issue"),
        format!("{AGILE}/board/1/epic/none/issue"),
        format!("{AGILE}/board/1/issue"),
        format!("{AGILE}/epic/{epic}/issue?fields=epic,summary"),
    ] {
        let list = alice.get(&path).await;
        assert_eq!(list.status, 200, "{path}: {}", list.text);
        assert!(list.body["total"].as_u64() > Some(0), "{path}");
        software.check_ref(&path, "SearchResults", &list.body);
        for issue in list.body["issues"].as_array().expect("issues") {
            if let Some(epic) = issue["fields"].get("epic").filter(|e| !e.is_null()) {
                software.check_epic(&format!("{path} epic field"), epic);
            }
        }
    }
    let partial = alice
        .put(
            &format!("{AGILE}/issue/rank"),
            &json!({ "issues": ["KILN-2", "KILN-3"], "rankBeforeIssue": "KILN-3" }),
        )
        .await;
    assert_eq!(partial.status, 207, "{}", partial.text);
    software.check_ref("PUT /issue/rank 207", "PartialSuccessBean", &partial.body);
    for (reply, status) in [
        (alice.get(&format!("{AGILE}/epic/KILN-1")).await, 404),
        (
            caller(&sim, OUTSIDER)
                .get(&format!("{AGILE}/epic/SEC-1"))
                .await,
            404,
        ),
        (
            alice
                .put(
                    &format!("{AGILE}/issue/rank"),
                    &json!({ "issues": ["KILN-2"] }),
                )
                .await,
            400,
        ),
        (
            caller(&sim, OUTSIDER)
                .post(&format!("{AGILE}/epic/{epic}"), &json!({ "done": false }))
                .await,
            403,
        ),
    ] {
        assert_eq!(reply.status, status, "{}", reply.text);
        platform.check_ref("agile epic refusal", "ErrorCollection", &reply.body);
    }
    sim.shutdown().await;
}

/// The bulk reads of `worklog_feeds.rs` and `jql_match.rs`, one call each,
/// against their schemas (those tests check every answer's shape in depth).
#[tokio::test]
async fn worklog_feed_changelog_and_jql_match_responses_match_the_official_schemas() {
    let contract = Contract::new();
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let logged = alice
        .post(
            "/rest/api/3/issue/KILN-1/worklog",
            &json!({ "timeSpent": "1h", "visibility": { "type": "group", "value": "kiln-developers" } }),
        )
        .await;
    contract.check_ref("POST /issue/{key}/worklog", "Worklog", &logged.body);
    let id = logged.str_at("/id");
    for feed in ["updated", "deleted"] {
        let page = alice
            .get(&format!("/rest/api/3/worklog/{feed}?since=0"))
            .await;
        contract.check_ref(
            &format!("GET /worklog/{feed}"),
            "ChangedWorklogs",
            &page.body,
        );
    }
    let listed = alice
        .post(
            "/rest/api/3/worklog/list?expand=properties",
            &json!({ "ids": [id] }),
        )
        .await;
    assert_eq!(listed.body.as_array().map(Vec::len), Some(1));
    contract.check(
        "POST /worklog/list",
        json!({ "type": "array", "items": { "$ref": "#/components/schemas/Worklog" } }),
        &listed.body,
    );
    let bulk = alice
        .post(
            "/rest/api/3/changelog/bulkfetch",
            &json!({ "issueIdsOrKeys": ["KILN-1"], "maxResults": 1 }),
        )
        .await;
    contract.check_ref(
        "POST /changelog/bulkfetch",
        "BulkChangelogResponseBean",
        &crate::worklog_feeds::without_null_items(&bulk.body),
    );
    let entry = bulk.str_at("/issueChangeLogs/0/changeHistories/0/id");
    let by_ids = alice
        .post(
            "/rest/api/3/issue/KILN-1/changelog/list",
            &json!({ "changelogIds": [entry] }),
        )
        .await;
    contract.check_ref(
        "POST /issue/{key}/changelog/list",
        "PageOfChangelogs",
        &crate::worklog_feeds::without_null_items(&by_ids.body),
    );
    let matched = alice
        .post(
            "/rest/api/3/jql/match",
            &json!({ "issueIds": [10000], "jqls": ["project = KILN", "nope = 1"] }),
        )
        .await;
    contract.check_ref("POST /jql/match", "IssueMatches", &matched.body);
    let sanitized = alice
        .post(
            "/rest/api/3/jql/sanitize",
            &json!({ "queries": [{ "query": "project = SEC" }, { "query": "bad query" }] }),
        )
        .await;
    contract.check_ref("POST /jql/sanitize", "SanitizedJqlQueries", &sanitized.body);
    sim.shutdown().await;
}
