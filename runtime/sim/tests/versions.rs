//! Project versions: created, listed, paged, read, updated and deleted; who may
//! read and who may write them; the issue fields `fixVersions` and `versions`
//! (set, added, removed, rendered, selected, described, searched with JQL); the
//! issue counts; what deleting and releasing a version does to its issues; the
//! per-project cap; REST API v2. Answers are checked against the platform spec.

use crate::common;
use crate::contract::Contract;

use common::{ADMIN, OUTSIDER, USER, caller, start};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The simulator's cap on versions per project.
const MAX_VERSIONS_PER_PROJECT: usize = 2_000;

/// Creates version `name` in `project` as `who`, with `extra` properties, and
/// answers its id.
async fn create(who: &common::Caller<'_>, project: &str, name: &str, extra: Value) -> String {
    let mut body = json!({ "project": project, "name": name });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    let reply = who.post("/rest/api/3/version", &body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    reply.str_at("/id")
}

/// The names of the versions in `values`.
fn names(values: &Value) -> Vec<String> {
    values
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v["name"].as_str().map(str::to_owned))
        .collect()
}

/// The issue's field `field`, as `who` reads it.
async fn field_of(who: &common::Caller<'_>, issue: &str, field: &str) -> Value {
    let reply = who
        .get(&format!("/rest/api/3/issue/{issue}?fields={field}"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body["fields"][field].clone()
}

/// The keys JQL `jql` finds for `who`, or the refusal's status and body.
async fn search(who: &common::Caller<'_>, jql: &str) -> Result<Vec<String>, (StatusCode, Value)> {
    let reply = who
        .post(
            "/rest/api/3/search/jql",
            &json!({ "jql": jql, "fields": ["summary"], "maxResults": 100 }),
        )
        .await;
    if reply.status != StatusCode::OK {
        return Err((reply.status, reply.body));
    }
    let mut keys: Vec<String> = reply.body["issues"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["key"].as_str().map(str::to_owned))
        .collect();
    keys.sort();
    Ok(keys)
}

#[tokio::test]
async fn versions_are_created_listed_read_updated_and_deleted() {
    let sim = start().await;
    let contract = Contract::new();
    let alice = caller(&sim, ADMIN);
    let bob = caller(&sim, USER);

    // By `projectId` (a number), with every optional property: 201 and the
    // version as Jira answers a create, with the deprecated `project` key.
    let created = alice
        .post(
            "/rest/api/3/version",
            &json!({
                "projectId": 10000,
                "name": "1.0",
                "description": "The first release",
                "startDate": "2024-01-15",
                "releaseDate": "2024-03-01",
                "released": true,
                "archived": false,
            }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    contract.check_ref("createVersion", "Version", &created.body);
    let first = created.str_at("/id");
    let expected = json!({
        "self": format!("{}/rest/api/3/version/{first}", sim.base_url()),
        "id": first,
        "name": "1.0",
        "description": "The first release",
        "archived": false,
        "released": true,
        "startDate": "2024-01-15",
        "releaseDate": "2024-03-01",
        "userStartDate": "15/Jan/24",
        "userReleaseDate": "01/Mar/24",
        "overdue": false,
        "projectId": 10000,
        "project": "KILN",
    });
    assert_eq!(created.body, expected);

    // By key (`project`, deprecated), with nothing but a name: no dates, no
    // description, not released.
    let second = create(&alice, "KILN", "2.0", json!({})).await;
    assert!(second.parse::<u64>().expect("numeric") > first.parse::<u64>().expect("numeric"));

    // Anyone who may browse the project reads them, in the project's order.
    let list = bob.get("/rest/api/3/project/KILN/versions").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    contract.check(
        "getProjectVersions",
        json!({ "type": "array", "items": { "$ref": "#/components/schemas/Version" } }),
        &list.body,
    );
    assert_eq!(names(&list.body), ["1.0", "2.0"]);
    let mut read_first = expected.clone();
    if let Some(object) = read_first.as_object_mut() {
        object.remove("project");
    }
    assert_eq!(list.body[0], read_first, "a read has no `project`");
    assert_eq!(
        list.body[1],
        json!({
            "self": format!("{}/rest/api/3/version/{second}", sim.base_url()),
            "id": second,
            "name": "2.0",
            "archived": false,
            "released": false,
            "overdue": false,
            "projectId": 10000,
        })
    );
    assert_eq!(
        bob.get("/rest/api/3/project/10000/versions").await.body,
        list.body,
        "by project id too"
    );
    let one = bob.get(&format!("/rest/api/3/version/{first}")).await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.text);
    contract.check_ref("getVersion", "Version", &one.body);
    assert_eq!(one.body, read_first);
    // The project lists its versions too.
    let project = bob.get("/rest/api/3/project/KILN").await;
    contract.check_ref("getProject", "Project", &project.body);
    assert_eq!(names(&project.body["versions"]), ["1.0", "2.0"]);
    assert_eq!(
        bob.get("/rest/api/3/project/SEC/versions").await.body,
        json!([])
    );

    // An update changes what it names and leaves the rest; `null` clears a date.
    let updated = alice
        .put(
            &format!("/rest/api/3/version/{second}"),
            &json!({
                "name": "2.0.0",
                "description": "Second",
                "releaseDate": "2024-06-30",
                "archived": true,
                "projectId": 10001,
                "id": "ignored",
            }),
        )
        .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    contract.check_ref("updateVersion", "Version", &updated.body);
    assert_eq!(updated.body["name"], "2.0.0");
    assert_eq!(updated.body["description"], "Second");
    assert_eq!(updated.body["releaseDate"], "2024-06-30");
    assert_eq!(updated.body["archived"], true);
    assert_eq!(updated.body["released"], false);
    assert_eq!(
        updated.body["project"], "KILN",
        "a version stays in its project"
    );
    assert_eq!(
        updated.body["overdue"], false,
        "archived versions are not overdue"
    );
    let renamed = alice
        .put(
            &format!("/rest/api/3/version/{second}"),
            &json!({ "name": "2.0.0", "releaseDate": null, "archived": false }),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);
    assert!(
        renamed.body.get("releaseDate").is_none(),
        "{}",
        renamed.text
    );
    assert_eq!(renamed.body["description"], "Second");
    // Only renaming itself: a version may keep its name, or change its case.
    let recased = alice
        .put(
            &format!("/rest/api/3/version/{second}"),
            &json!({ "name": "2.0.0-RC" }),
        )
        .await;
    assert_eq!(recased.status, StatusCode::OK, "{}", recased.text);

    // Deleting answers 204; the version is gone.
    let deleted = alice.delete(&format!("/rest/api/3/version/{second}")).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    let gone = bob.get(&format!("/rest/api/3/version/{second}")).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND, "{}", gone.text);
    contract.check_ref("getVersion 404", "ErrorCollection", &gone.body);
    assert_eq!(
        names(&bob.get("/rest/api/3/project/KILN/versions").await.body),
        ["1.0"]
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn names_dates_and_projects_are_checked_as_jira_checks_them() {
    let sim = start().await;
    let contract = Contract::new();
    let alice = caller(&sim, ADMIN);
    create(&alice, "KILN", "Alpha", json!({})).await;

    let refused = |body: Value| {
        let alice = &alice;
        async move { alice.post("/rest/api/3/version", &body).await }
    };
    for (body, field, message) in [
        (
            json!({ "project": "KILN" }),
            "name",
            "You must specify a valid version name",
        ),
        (
            json!({ "project": "KILN", "name": "  " }),
            "name",
            "You must specify a valid version name",
        ),
        (
            json!({ "project": "KILN", "name": "ALPHA" }),
            "name",
            "A version with this name already exists in this project.",
        ),
        (
            json!({ "project": "KILN", "name": "x".repeat(256) }),
            "name",
            "The version name must not be longer than 255 characters.",
        ),
        (
            json!({ "project": "KILN", "name": "Big", "description": "d".repeat(16_385) }),
            "description",
            "The description is over 16384 characters.",
        ),
        (
            json!({ "project": "KILN", "name": "Late", "releaseDate": "2024/03/01" }),
            "releaseDate",
            "The date '2024/03/01' is not valid. Use the format yyyy-MM-dd.",
        ),
        (
            json!({
                "project": "KILN",
                "name": "Backwards",
                "startDate": "2024-03-02",
                "releaseDate": "2024-03-01",
            }),
            "startDate",
            "The start date must be before the release date.",
        ),
        (
            json!({ "name": "Nowhere" }),
            "project",
            "You must specify a valid project id or key.",
        ),
    ] {
        let reply = refused(body.clone()).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            reply.text
        );
        contract.check_ref("createVersion 400", "ErrorCollection", &reply.body);
        assert_eq!(reply.body["errors"][field], message, "{body}");
    }
    // Exactly the limits is fine.
    create(
        &alice,
        "KILN",
        &"y".repeat(255),
        json!({ "description": "d".repeat(16_384), "startDate": "2024-03-01", "releaseDate": "2024-03-01" }),
    )
    .await;
    // A body Jira cannot read.
    for body in [
        json!({ "project": "KILN", "name": 7 }),
        json!({ "project": "KILN", "name": "B", "released": "yes" }),
        json!(["not", "an", "object"]),
    ] {
        let reply = refused(body.clone()).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            reply.text
        );
    }
    // A project that does not exist is the spec's 404.
    for body in [
        json!({ "projectId": 99999, "name": "x" }),
        json!({ "project": "NOPE", "name": "x" }),
    ] {
        let reply = refused(body.clone()).await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{body}: {}",
            reply.text
        );
        contract.check_ref("createVersion 404", "ErrorCollection", &reply.body);
    }
    // Same names in different projects are fine.
    create(&alice, "SEC", "alpha", json!({})).await;
    // An update checks the same, against the other versions.
    let beta = create(&alice, "KILN", "Beta", json!({})).await;
    let path = format!("/rest/api/3/version/{beta}");
    let taken = alice.put(&path, &json!({ "name": "alpha" })).await;
    assert_eq!(taken.status, StatusCode::BAD_REQUEST, "{}", taken.text);
    assert_eq!(
        taken.body["errors"]["name"],
        "A version with this name already exists in this project."
    );
    let dated = alice
        .put(&path, &json!({ "startDate": "2024-05-01" }))
        .await;
    assert_eq!(dated.status, StatusCode::OK, "{}", dated.text);
    let backwards = alice
        .put(&path, &json!({ "releaseDate": "2024-04-30" }))
        .await;
    assert_eq!(
        backwards.status,
        StatusCode::BAD_REQUEST,
        "{}",
        backwards.text
    );
    assert!(backwards.body["errors"]["startDate"].is_string());
    let bad_id = alice.get("/rest/api/3/version/abc").await;
    assert_eq!(bad_id.status, StatusCode::NOT_FOUND, "{}", bad_id.text);
    sim.shutdown().await;
}

#[tokio::test]
async fn browsers_read_and_only_project_admins_write() {
    let sim = start().await;
    let contract = Contract::new();
    let alice = caller(&sim, ADMIN);
    let bob = caller(&sim, USER);
    let carol = caller(&sim, OUTSIDER);
    let kiln = create(&alice, "KILN", "1.0", json!({})).await;
    let sec = create(&alice, "SEC", "S1", json!({})).await;

    // Carol may not browse SEC: its versions, and the project's lists, do not
    // exist for her.
    for path in [
        format!("/rest/api/3/version/{sec}"),
        format!("/rest/api/3/version/{sec}/relatedIssueCounts"),
        format!("/rest/api/3/version/{sec}/unresolvedIssueCount"),
        String::from("/rest/api/3/project/SEC/versions"),
        String::from("/rest/api/3/project/SEC/version"),
    ] {
        let reply = carol.get(&path).await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{path}: {}",
            reply.text
        );
        contract.check_ref("404", "ErrorCollection", &reply.body);
    }
    assert_eq!(
        carol
            .get(&format!("/rest/api/3/version/{kiln}"))
            .await
            .status,
        StatusCode::OK
    );

    // Bob may browse KILN but not administer it (he is not its lead and not a
    // site admin): each write refuses him with the status its operation documents.
    let admin_message =
        "You must have global or project administrator rights in order to modify versions.";
    let create_refused = bob
        .post(
            "/rest/api/3/version",
            &json!({ "project": "KILN", "name": "2.0" }),
        )
        .await;
    assert_eq!(
        create_refused.status,
        StatusCode::NOT_FOUND,
        "{}",
        create_refused.text
    );
    assert_eq!(
        create_refused.body["errorMessages"][0],
        "Project with key 'KILN' either does not exist or you do not have permission to create versions in it."
    );
    let update_refused = bob
        .put(
            &format!("/rest/api/3/version/{kiln}"),
            &json!({ "name": "x" }),
        )
        .await;
    assert_eq!(
        update_refused.status,
        StatusCode::BAD_REQUEST,
        "{}",
        update_refused.text
    );
    contract.check_ref("updateVersion 400", "ErrorCollection", &update_refused.body);
    assert_eq!(update_refused.body["errorMessages"][0], admin_message);
    let delete_refused = bob.delete(&format!("/rest/api/3/version/{kiln}")).await;
    assert_eq!(
        delete_refused.status,
        StatusCode::UNAUTHORIZED,
        "{}",
        delete_refused.text
    );
    assert_eq!(delete_refused.body["errorMessages"][0], admin_message);
    // Nothing changed.
    assert_eq!(
        names(&bob.get("/rest/api/3/project/KILN/versions").await.body),
        ["1.0"]
    );
    // A write to a version the caller cannot see is the same 404 as a missing one.
    for reply in [
        carol
            .put(
                &format!("/rest/api/3/version/{sec}"),
                &json!({ "name": "x" }),
            )
            .await,
        carol.delete(&format!("/rest/api/3/version/{sec}")).await,
    ] {
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.text);
    }
    let hidden = carol
        .post(
            "/rest/api/3/version",
            &json!({ "project": "SEC", "name": "x" }),
        )
        .await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND, "{}", hidden.text);
    sim.shutdown().await;
}

#[tokio::test]
async fn the_paged_list_filters_orders_and_pages() {
    let sim = start().await;
    let contract = Contract::new();
    let alice = caller(&sim, ADMIN);
    let bob = caller(&sim, USER);
    // Created in this order: the project's order (`sequence`).
    create(
        &alice,
        "KILN",
        "Beta",
        json!({ "releaseDate": "2024-05-01", "released": true, "description": "second cut" }),
    )
    .await;
    create(
        &alice,
        "KILN",
        "alpha",
        json!({ "releaseDate": "2024-04-01" }),
    )
    .await;
    create(&alice, "KILN", "Gamma", json!({ "archived": true })).await;
    let delta = create(
        &alice,
        "KILN",
        "Delta",
        json!({ "startDate": "2024-01-01" }),
    )
    .await;

    let page = |query: &'static str| {
        let bob = &bob;
        async move {
            let reply = bob
                .get(&format!("/rest/api/3/project/KILN/version{query}"))
                .await;
            assert_eq!(reply.status, StatusCode::OK, "{query}: {}", reply.text);
            reply.body
        }
    };
    let all = page("").await;
    contract.check_ref("getProjectVersionsPaginated", "PageBeanVersion", &all);
    assert_eq!(names(&all["values"]), ["Beta", "alpha", "Gamma", "Delta"]);
    assert_eq!(all["total"], 4);
    assert_eq!(all["isLast"], true);
    assert_eq!(all["maxResults"], 50);

    let first = page("?maxResults=2").await;
    assert_eq!(names(&first["values"]), ["Beta", "alpha"]);
    assert_eq!(first["isLast"], false);
    assert_eq!(
        first["nextPage"],
        format!(
            "{}/rest/api/3/project/KILN/version?startAt=2&maxResults=2",
            sim.base_url()
        )
    );
    let second = page("?startAt=2&maxResults=2").await;
    assert_eq!(names(&second["values"]), ["Gamma", "Delta"]);
    assert_eq!(second["isLast"], true);

    for (query, expected) in [
        ("?orderBy=name", vec!["alpha", "Beta", "Delta", "Gamma"]),
        ("?orderBy=-name", vec!["Gamma", "Delta", "Beta", "alpha"]),
        (
            "?orderBy=%2BreleaseDate",
            vec!["alpha", "Beta", "Gamma", "Delta"],
        ),
        (
            "?orderBy=startDate",
            vec!["Delta", "Beta", "alpha", "Gamma"],
        ),
        (
            "?orderBy=-sequence",
            vec!["Delta", "Gamma", "alpha", "Beta"],
        ),
        (
            "?orderBy=description",
            vec!["Beta", "alpha", "Gamma", "Delta"],
        ),
        ("?status=released", vec!["Beta"]),
        ("?status=unreleased", vec!["alpha", "Delta"]),
        ("?status=archived,released", vec!["Beta", "Gamma"]),
        ("?query=ALP", vec!["alpha"]),
        ("?query=cut", vec!["Beta"]),
        ("?query=nothing", vec![]),
    ] {
        assert_eq!(names(&page(query).await["values"]), expected, "{query}");
    }

    // `expand=issuesstatus` counts the fix version's issues by status category.
    let edit = alice
        .put(
            "/rest/api/3/issue/KILN-2",
            &json!({ "fields": { "fixVersions": [{ "id": delta }] } }),
        )
        .await;
    assert_eq!(edit.status, StatusCode::NO_CONTENT, "{}", edit.text);
    let expanded = page("?expand=issuesstatus&status=unreleased").await;
    contract.check_ref("getProjectVersionsPaginated", "PageBeanVersion", &expanded);
    assert_eq!(
        expanded["values"][1]["issuesStatusForFixVersion"],
        json!({ "toDo": 0, "inProgress": 1, "done": 0, "unmapped": 0 })
    );
    let one = bob
        .get(&format!("/rest/api/3/version/{delta}?expand=issuesstatus"))
        .await;
    contract.check_ref("getVersion", "Version", &one.body);
    assert_eq!(one.body["issuesStatusForFixVersion"]["inProgress"], 1);
    assert!(all["values"][0].get("issuesStatusForFixVersion").is_none());
    sim.shutdown().await;
}

#[tokio::test]
async fn issues_take_fix_and_affects_versions() {
    let sim = start().await;
    let contract = Contract::new();
    let alice = caller(&sim, ADMIN);
    let bob = caller(&sim, USER);
    let one = create(
        &alice,
        "KILN",
        "1.0",
        json!({ "releaseDate": "2024-03-01" }),
    )
    .await;
    let two = create(&alice, "KILN", "2.0", json!({ "description": "Next" })).await;
    let sec = create(&alice, "SEC", "1.0", json!({})).await;

    // Set on create, by name and by id; each version once.
    let created = bob
        .post(
            "/rest/api/3/issue",
            &json!({ "fields": {
                "project": { "key": "KILN" },
                "issuetype": { "name": "Bug" },
                "summary": "Crash on start",
                "fixVersions": [{ "name": "2.0" }, { "id": one }, { "name": "2.0" }],
                "versions": [{ "id": one }],
            } }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let key = created.str_at("/key");
    let issue = bob.get(&format!("/rest/api/3/issue/{key}")).await;
    contract.check_ref("getIssue", "IssueBean", &issue.body);
    let fix = &issue.body["fields"]["fixVersions"];
    assert_eq!(names(fix), ["2.0", "1.0"]);
    assert_eq!(
        fix[1],
        json!({
            "self": format!("{}/rest/api/3/version/{one}", sim.base_url()),
            "id": one,
            "name": "1.0",
            "archived": false,
            "released": false,
            "releaseDate": "2024-03-01",
            "projectId": 10000,
        })
    );
    for version in fix.as_array().expect("fixVersions") {
        contract.check_ref("fixVersions item", "Version", version);
    }
    assert_eq!(fix[0]["description"], "Next");
    assert_eq!(names(&issue.body["fields"]["versions"]), ["1.0"]);

    // Edit: `update` adds and removes one at a time; `fields` sets the list.
    let edit = |body: Value| {
        let bob = &bob;
        let key = key.clone();
        async move { bob.put(&format!("/rest/api/3/issue/{key}"), &body).await }
    };
    let updated = edit(json!({ "update": {
        "fixVersions": [{ "remove": { "name": "2.0" } }],
        "versions": [{ "add": { "id": two } }, { "add": { "name": "1.0" } }],
    } }))
    .await;
    assert_eq!(updated.status, StatusCode::NO_CONTENT, "{}", updated.text);
    assert_eq!(names(&field_of(&bob, &key, "fixVersions").await), ["1.0"]);
    assert_eq!(
        names(&field_of(&bob, &key, "versions").await),
        ["1.0", "2.0"]
    );
    // Recorded as Jira records versions: one item per version removed or
    // added, `Fix Version` / `Version`, ids in from/to and names in the strings.
    let history = bob.get(&format!("/rest/api/3/issue/{key}/changelog")).await;
    assert_eq!(history.status, StatusCode::OK, "{}", history.text);
    let last = history.body["values"]
        .as_array()
        .and_then(|entries| entries.last())
        .expect("an entry for the edit");
    let (one_id, two_id) = (one.to_string(), two.to_string());
    assert_eq!(
        last["items"],
        json!([
            { "field": "Fix Version", "fieldtype": "jira", "fieldId": "fixVersions",
              "from": two_id, "fromString": "2.0", "to": null, "toString": null },
            { "field": "Version", "fieldtype": "jira", "fieldId": "versions",
              "from": null, "fromString": null, "to": two_id, "toString": "2.0" },
        ]),
        "{}; 1.0 is {one_id}",
        last
    );
    let set = edit(json!({ "update": { "fixVersions": [{ "set": [{ "id": two }] }] } })).await;
    assert_eq!(set.status, StatusCode::NO_CONTENT, "{}", set.text);
    assert_eq!(names(&field_of(&bob, &key, "fixVersions").await), ["2.0"]);
    let cleared = edit(json!({ "fields": { "versions": [] } })).await;
    assert_eq!(cleared.status, StatusCode::NO_CONTENT, "{}", cleared.text);
    assert_eq!(field_of(&bob, &key, "versions").await, json!([]));

    // Unknown versions, and another project's, are Jira's field errors; the
    // issue is left as it was.
    for (body, field, message) in [
        (
            json!({ "fields": { "fixVersions": [{ "name": "9.9" }] } }),
            "fixVersions",
            String::from("Version name '9.9' is not valid"),
        ),
        (
            json!({ "fields": { "versions": [{ "id": sec }] } }),
            "versions",
            format!("Version id '{sec}' is not valid"),
        ),
        (
            json!({ "update": { "fixVersions": [{ "add": { "id": 10000 } }] } }),
            "fixVersions",
            String::from("expected 'id' property to be a string"),
        ),
        (
            json!({ "fields": { "fixVersions": { "name": "1.0" } } }),
            "fixVersions",
            String::from("data was not an array"),
        ),
    ] {
        let reply = edit(body.clone()).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            reply.text
        );
        contract.check_ref("editIssue 400", "ErrorCollection", &reply.body);
        assert_eq!(reply.body["errors"][field], json!(message), "{body}");
    }
    assert_eq!(names(&field_of(&bob, &key, "fixVersions").await), ["2.0"]);

    // Renaming a version renames it on its issues.
    let renamed = alice
        .put(
            &format!("/rest/api/3/version/{two}"),
            &json!({ "name": "2.0-final" }),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);
    assert_eq!(
        names(&field_of(&bob, &key, "fixVersions").await),
        ["2.0-final"]
    );

    // Field selection: both are navigable, so `*navigable` has them; a named
    // list has only what it names.
    let selected = |fields: &'static str| {
        let bob = &bob;
        let key = key.clone();
        async move {
            let reply = bob
                .get(&format!("/rest/api/3/issue/{key}?fields={fields}"))
                .await;
            let fields = reply.body["fields"]
                .as_object()
                .cloned()
                .unwrap_or_default();
            (
                fields.contains_key("fixVersions"),
                fields.contains_key("versions"),
            )
        }
    };
    assert_eq!(selected("*navigable").await, (true, true));
    assert_eq!(selected("*all,-versions").await, (true, false));
    assert_eq!(selected("summary").await, (false, false));
    let found = bob
        .post(
            "/rest/api/3/search/jql",
            &json!({ "jql": format!("key = {key}"), "fields": ["fixVersions"] }),
        )
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    contract.check_ref("search/jql", "SearchAndReconcileResults", &found.body);
    assert_eq!(
        names(&found.body["issues"][0]["fields"]["fixVersions"]),
        ["2.0-final"]
    );

    // The field list, createmeta and editmeta describe them.
    let fields = bob.get("/rest/api/3/field").await;
    for (id, name, clause) in [
        ("fixVersions", "Fix versions", "fixVersion"),
        ("versions", "Affects versions", "affectedVersion"),
    ] {
        let described = fields
            .body
            .as_array()
            .and_then(|all| all.iter().find(|f| f["id"] == id))
            .unwrap_or_else(|| panic!("{id} not in {}", fields.text));
        contract.check_ref("getFields", "FieldDetails", described);
        assert_eq!(described["name"], name);
        assert_eq!(described["clauseNames"], json!([clause]));
        assert_eq!(
            described["schema"],
            json!({ "type": "array", "items": "version", "system": id })
        );
        assert_eq!(described["navigable"], true);
    }
    let archived = create(&alice, "KILN", "0.9", json!({ "archived": true })).await;
    let meta = bob
        .get("/rest/api/3/issue/createmeta/KILN/issuetypes/10001")
        .await;
    assert_eq!(meta.status, StatusCode::OK, "{}", meta.text);
    contract.check_ref(
        "createmeta",
        "PageOfCreateMetaIssueTypeWithField",
        &meta.body,
    );
    let fix_meta = meta.body["fields"]
        .as_array()
        .and_then(|all| all.iter().find(|f| f["fieldId"] == "fixVersions"))
        .cloned()
        .unwrap_or_else(|| panic!("no fixVersions in {}", meta.text));
    assert_eq!(
        names(&fix_meta["allowedValues"]),
        ["1.0", "2.0-final"],
        "not archived ones"
    );
    assert_eq!(fix_meta["operations"], json!(["add", "set", "remove"]));
    let edit_meta = bob.get(&format!("/rest/api/3/issue/{key}/editmeta")).await;
    contract.check_ref("editmeta", "IssueUpdateMetadata", &edit_meta.body);
    assert_eq!(
        names(&edit_meta.body["fields"]["versions"]["allowedValues"]),
        ["1.0", "2.0-final"]
    );
    let _ = archived;
    sim.shutdown().await;
}

#[tokio::test]
async fn deleting_a_version_clears_or_moves_it_on_issues_and_counts_follow() {
    let sim = start().await;
    let contract = Contract::new();
    let alice = caller(&sim, ADMIN);
    let bob = caller(&sim, USER);
    let old = create(&alice, "KILN", "old", json!({})).await;
    let new = create(&alice, "KILN", "new", json!({})).await;
    let other = create(&alice, "KILN", "other", json!({})).await;
    let sec = create(&alice, "SEC", "sec", json!({})).await;
    for (key, fields) in [
        (
            "KILN-1",
            json!({ "fixVersions": [{ "id": old }], "versions": [{ "id": old }] }),
        ),
        (
            "KILN-2",
            json!({ "fixVersions": [{ "id": old }, { "id": new }] }),
        ),
        (
            "KILN-3",
            json!({ "versions": [{ "id": old }, { "id": other }] }),
        ),
    ] {
        let reply = alice
            .put(
                &format!("/rest/api/3/issue/{key}"),
                &json!({ "fields": fields }),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::NO_CONTENT,
            "{key}: {}",
            reply.text
        );
    }

    let counts = bob
        .get(&format!("/rest/api/3/version/{old}/relatedIssueCounts"))
        .await;
    assert_eq!(counts.status, StatusCode::OK, "{}", counts.text);
    contract.check_ref(
        "getVersionRelatedIssues",
        "VersionIssueCounts",
        &counts.body,
    );
    assert_eq!(
        counts.body,
        json!({
            "self": format!("{}/rest/api/3/version/{old}", sim.base_url()),
            "issuesFixedCount": 2,
            "issuesAffectedCount": 2,
            "issueCountWithCustomFieldsShowingVersion": 0,
            "customFieldUsage": [],
        })
    );
    let unresolved = bob
        .get(&format!("/rest/api/3/version/{old}/unresolvedIssueCount"))
        .await;
    assert_eq!(unresolved.status, StatusCode::OK, "{}", unresolved.text);
    contract.check_ref(
        "getVersionUnresolvedIssues",
        "VersionUnresolvedIssuesCount",
        &unresolved.body,
    );
    assert_eq!(unresolved.body["issuesCount"], 2);
    // KILN-1 is Done, so resolved: only KILN-2 is unresolved.
    assert_eq!(unresolved.body["issuesUnresolvedCount"], 1);

    // A replacement must be another version of the same project.
    let path = format!("/rest/api/3/version/{old}");
    for query in [
        format!("?moveFixIssuesTo={old}"),
        format!("?moveFixIssuesTo={sec}"),
        String::from("?moveAffectedIssuesTo=99999"),
        String::from("?moveAffectedIssuesTo=abc"),
    ] {
        let reply = alice.delete(&format!("{path}{query}")).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{query}: {}",
            reply.text
        );
        contract.check_ref("deleteVersion 400", "ErrorCollection", &reply.body);
    }
    // Fix versions move to `new` (KILN-2 has it already, so keeps it once);
    // affects versions are cleared.
    let deleted = alice.delete(&format!("{path}?moveFixIssuesTo={new}")).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    assert_eq!(
        names(&field_of(&bob, "KILN-1", "fixVersions").await),
        ["new"]
    );
    assert_eq!(field_of(&bob, "KILN-1", "versions").await, json!([]));
    assert_eq!(
        names(&field_of(&bob, "KILN-2", "fixVersions").await),
        ["new"]
    );
    assert_eq!(
        names(&field_of(&bob, "KILN-3", "versions").await),
        ["other"]
    );
    let counts = bob
        .get(&format!("/rest/api/3/version/{new}/relatedIssueCounts"))
        .await;
    assert_eq!(counts.body["issuesFixedCount"], 2);
    // Affects versions move too when asked.
    let moved = alice
        .delete(&format!(
            "/rest/api/3/version/{other}?moveAffectedIssuesTo={new}"
        ))
        .await;
    assert_eq!(moved.status, StatusCode::NO_CONTENT, "{}", moved.text);
    assert_eq!(names(&field_of(&bob, "KILN-3", "versions").await), ["new"]);
    sim.shutdown().await;
}

#[tokio::test]
async fn releasing_a_version_can_move_its_unfixed_issues() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let current = create(&alice, "KILN", "3.1", json!({})).await;
    let next = create(&alice, "KILN", "3.2", json!({})).await;
    let sec = create(&alice, "SEC", "9", json!({})).await;
    // KILN-4 is To Do, KILN-1 Done (resolved).
    for key in ["KILN-4", "KILN-1"] {
        let edit = alice
            .put(
                &format!("/rest/api/3/issue/{key}"),
                &json!({ "fields": { "fixVersions": [{ "id": current }] } }),
            )
            .await;
        assert_eq!(edit.status, StatusCode::NO_CONTENT, "{}", edit.text);
    }
    let path = format!("/rest/api/3/version/{current}");
    let wrong = alice
        .put(
            &path,
            &json!({ "released": true, "moveUnfixedIssuesTo": format!("{}/rest/api/3/version/{sec}", sim.base_url()) }),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST, "{}", wrong.text);
    assert!(wrong.body["errors"]["moveUnfixedIssuesTo"].is_string());
    let released = alice
        .put(
            &path,
            &json!({
                "released": true,
                "releaseDate": "2024-02-01",
                "moveUnfixedIssuesTo": format!("{}/rest/api/3/version/{next}", sim.base_url()),
            }),
        )
        .await;
    assert_eq!(released.status, StatusCode::OK, "{}", released.text);
    assert_eq!(released.body["released"], true);
    assert_eq!(released.body["overdue"], false, "released is never overdue");
    // The unresolved issue is unfixed and moves; the resolved one stays.
    assert_eq!(
        names(&field_of(&alice, "KILN-4", "fixVersions").await),
        ["3.2"]
    );
    assert_eq!(
        names(&field_of(&alice, "KILN-1", "fixVersions").await),
        ["3.1"]
    );
    // Unreleased and past its date, the other is overdue.
    let late = alice
        .put(
            &format!("/rest/api/3/version/{next}"),
            &json!({ "releaseDate": "2000-01-01" }),
        )
        .await;
    assert_eq!(late.body["overdue"], true, "{}", late.text);
    sim.shutdown().await;
}

#[tokio::test]
async fn jql_finds_issues_by_fix_and_affected_version() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let carol = caller(&sim, OUTSIDER);
    let one = create(&alice, "KILN", "1.0", json!({})).await;
    create(&alice, "KILN", "2.0", json!({})).await;
    create(&alice, "SEC", "1.0", json!({})).await;
    create(&alice, "SEC", "secret", json!({})).await;
    for (key, fields) in [
        ("KILN-1", json!({ "fixVersions": [{ "name": "1.0" }] })),
        (
            "KILN-2",
            json!({ "fixVersions": [{ "name": "2.0" }], "versions": [{ "name": "1.0" }] }),
        ),
        ("SEC-1", json!({ "fixVersions": [{ "name": "1.0" }] })),
        ("SEC-2", json!({ "fixVersions": [{ "name": "secret" }] })),
    ] {
        let reply = alice
            .put(
                &format!("/rest/api/3/issue/{key}"),
                &json!({ "fields": fields }),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::NO_CONTENT,
            "{key}: {}",
            reply.text
        );
    }
    let keys = |found: &[&str]| found.iter().map(|k| (*k).to_owned()).collect::<Vec<_>>();
    for (jql, expected) in [
        // A name means every version of that name the caller may see.
        ("fixVersion = \"1.0\"", keys(&["KILN-1", "SEC-1"])),
        ("fixversion = 1.0 AND project = KILN", keys(&["KILN-1"])),
        (&format!("fixVersion = {one}"), keys(&["KILN-1"])),
        ("fixVersion in (2.0, secret)", keys(&["KILN-2", "SEC-2"])),
        // `!=` and `NOT IN` never match an issue without a fix version.
        ("project = KILN AND fixVersion != 1.0", keys(&["KILN-2"])),
        ("fixVersion not in (1.0)", keys(&["KILN-2", "SEC-2"])),
        ("project = SEC AND fixVersion is EMPTY", keys(&[])),
        (
            "project = KILN AND fixVersion is EMPTY",
            keys(&["KILN-3", "KILN-4", "KILN-5", "KILN-6"]),
        ),
        ("affectedVersion = 1.0", keys(&["KILN-2"])),
        ("affectedVersion is not EMPTY", keys(&["KILN-2"])),
    ] {
        assert_eq!(search(&alice, jql).await, Ok(expected), "{jql}");
    }
    // Carol cannot browse SEC: its versions do not exist for her.
    assert_eq!(
        search(&carol, "fixVersion = 1.0").await,
        Ok(keys(&["KILN-1"]))
    );
    for (who, jql, message) in [
        (
            &carol,
            "fixVersion = secret",
            "The value 'secret' does not exist for the field 'fixVersion'.",
        ),
        (
            &alice,
            "affectedVersion in (1.0, nope)",
            "The value 'nope' does not exist for the field 'affectedVersion'.",
        ),
        (
            &alice,
            "fixVersion ~ 1",
            "The operator '~' is not supported by the 'fixVersion' field.",
        ),
    ] {
        let (status, body) = search(who, jql).await.expect_err(jql);
        assert_eq!(status, StatusCode::BAD_REQUEST, "{jql}");
        assert_eq!(body["errorMessages"][0], message, "{jql}");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn a_project_keeps_at_most_its_cap_of_versions() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    for n in 0..MAX_VERSIONS_PER_PROJECT {
        let reply = alice
            .post(
                "/rest/api/3/version",
                &json!({ "project": "SEC", "name": format!("v{n}") }),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{n}: {}", reply.text);
    }
    let over = alice
        .post(
            "/rest/api/3/version",
            &json!({ "project": "SEC", "name": "one more" }),
        )
        .await;
    assert_eq!(over.status, StatusCode::BAD_REQUEST, "{}", over.text);
    assert!(
        over.body["errorMessages"][0]
            .as_str()
            .is_some_and(|m| m.contains("2000")),
        "{}",
        over.text
    );
    // Another project is not affected, and a delete makes room again.
    create(&alice, "KILN", "one more", json!({})).await;
    let page = alice
        .get("/rest/api/3/project/SEC/version?maxResults=1")
        .await;
    assert_eq!(page.body["total"], MAX_VERSIONS_PER_PROJECT);
    let first = page.str_at("/values/0/id");
    let deleted = alice.delete(&format!("/rest/api/3/version/{first}")).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    create(&alice, "SEC", "one more", json!({})).await;
    sim.shutdown().await;
}

#[tokio::test]
async fn rest_api_v2_serves_versions_with_v2_links() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let created = alice
        .post(
            "/rest/api/2/version",
            &json!({ "projectId": "10000", "name": "v2", "description": "plain text, not ADF" }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = created.str_at("/id");
    assert!(
        created
            .str_at("/self")
            .ends_with(&format!("/rest/api/2/version/{id}"))
    );
    assert_eq!(created.body["description"], "plain text, not ADF");
    let list = alice.get("/rest/api/2/project/KILN/versions").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    assert!(
        list.body[0]["self"]
            .as_str()
            .is_some_and(|s| s.contains("/rest/api/2/"))
    );
    let edited = alice
        .put(
            "/rest/api/2/issue/KILN-1",
            &json!({ "fields": { "fixVersions": [{ "name": "v2" }] } }),
        )
        .await;
    assert_eq!(edited.status, StatusCode::NO_CONTENT, "{}", edited.text);
    let issue = alice
        .get("/rest/api/2/issue/KILN-1?fields=fixVersions")
        .await;
    assert!(
        issue
            .str_at("/fields/fixVersions/0/self")
            .ends_with(&format!("/rest/api/2/version/{id}"))
    );
    assert_eq!(
        alice
            .delete(&format!("/rest/api/2/version/{id}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn apps_read_and_write_versions_through_the_gateway() {
    let sim = start().await;
    let gateway = format!("{}/ex/jira/{}/rest/api/3", sim.base_url(), sim.cloud_id());
    let client = common::client();
    // Alice consents, so the tokens act as a project admin.
    let reader = common::oauth::access_token(&sim, "read:jira-work").await;
    let manager = common::oauth::access_token(&sim, "read:jira-work manage:jira-project").await;
    let create = |access: &str| {
        common::send(
            client
                .post(format!("{gateway}/version"))
                .bearer_auth(access)
                .json(&json!({ "project": "KILN", "name": "gateway" })),
        )
    };
    assert_eq!(create(&reader).await.status, StatusCode::UNAUTHORIZED);
    let created = create(&manager).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert!(created.str_at("/self").starts_with(&gateway));
    let list = common::send(
        client
            .get(format!("{gateway}/project/KILN/versions"))
            .bearer_auth(&reader),
    )
    .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    assert_eq!(names(&list.body), ["gateway"]);
    sim.shutdown().await;
}
