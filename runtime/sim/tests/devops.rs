//! The Jira Software DevOps APIs: builds, deployments, development
//! information, feature flags and remote links. Submissions, reads, the
//! updateSequenceNumber rule, unknown issue keys, deletions by key and by
//! properties, each provider seeing only its own data, and hostile bodies;
//! answers are checked against the Software spec's schemas when the spec is
//! on this machine (there is no committed snapshot of these schemas yet).

use crate::common;

use common::spec_snapshot::spec_path;
use common::{ADMIN, OUTSIDER, USER, caller, send, start};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const BUILDS: &str = "/rest/builds/0.1";
const DEPLOYMENTS: &str = "/rest/deployments/0.1";
const DEVINFO: &str = "/rest/devinfo/0.10";
const FLAGS: &str = "/rest/featureflags/0.1";
const LINKS: &str = "/rest/remotelinks/1.0";

/// The Software spec, if it is on this machine.
fn spec() -> Option<Value> {
    let path = spec_path("jira-software.v3.json")?;
    let text = std::fs::read_to_string(path).expect("spec readable");
    Some(serde_json::from_str(&text).expect("spec is JSON"))
}

/// Asserts `instance` is what the spec's `method path` answers with
/// `status`; skipped without the spec.
fn check(spec: Option<&Value>, method: &str, path: &str, status: &str, instance: &Value) {
    let Some(spec) = spec else {
        return;
    };
    let mut root = spec["paths"][path][method]["responses"][status]["content"]["application/json"]
        ["schema"]
        .clone();
    assert!(root.is_object(), "{method} {path} {status} has a schema");
    root["components"] = spec["components"].clone();
    java_patterns(&mut root);
    let validator = jsonschema::draft4::options()
        .should_validate_formats(false)
        .build(&root)
        .expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{method} {path} {status} breaks its schema:\n{}\n{instance}",
        errors.join("\n")
    );
}

/// The spec's patterns in the dialect the validator reads: devinfo's
/// `\p{Digit}` is Java's name for what ECMA-262 calls `\d`, and its `\p{L}`
/// (any letter) becomes `\w`, near enough: that pattern sits on the
/// `issueKeys` array, where JSON Schema applies no pattern anyway.
fn java_patterns(value: &mut Value) {
    match value {
        Value::Object(object) => {
            for (key, value) in object.iter_mut() {
                if key == "pattern"
                    && let Value::String(pattern) = value
                {
                    *pattern = pattern
                        .replace("\\p{Digit}", "\\d")
                        .replace("\\p{L}", "\\w");
                } else {
                    java_patterns(value);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(java_patterns),
        _ => {}
    }
}

fn build(pipeline: &str, number: i64, sequence: i64, keys: &[&str]) -> Value {
    json!({
        "pipelineId": pipeline,
        "buildNumber": number,
        "updateSequenceNumber": sequence,
        "displayName": format!("{pipeline} #{number}"),
        "url": format!("https://ci.example.com/{pipeline}/{number}"),
        "state": "successful",
        "lastUpdated": "2024-03-28T10:15:30.000Z",
        "issueKeys": keys,
        "testInfo": { "totalNumber": 3, "numberPassed": 3, "numberFailed": 0 },
        "references": [{ "commit": { "id": "abc123", "repositoryUri": "https://git.example.com/r" } }],
    })
}

fn deployment(number: i64, sequence: i64, keys: &[&str]) -> Value {
    json!({
        "deploymentSequenceNumber": number,
        "updateSequenceNumber": sequence,
        "issueKeys": keys,
        "displayName": format!("Deploy {number}"),
        "url": "https://ci.example.com/deploy",
        "description": "A deployment",
        "lastUpdated": "2024-03-28T10:15:30.000Z",
        "state": "successful",
        "pipeline": { "id": "pipe", "displayName": "Pipe", "url": "https://ci.example.com/pipe" },
        "environment": { "id": "prod-1", "displayName": "Prod", "type": "production" },
    })
}

#[tokio::test]
async fn builds_are_stored_replaced_only_by_newer_data_and_deleted() {
    let spec = spec();
    let spec = spec.as_ref();
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let one = format!("{BUILDS}/pipelines/plan/builds/16");

    let submitted = alice
        .post(
            &format!("{BUILDS}/bulk"),
            &json!({
                "properties": { "accountId": "a-1", "repo": "r" },
                "builds": [
                    build("plan", 16, 10, &["KILN-1", "NOPE-9"]),
                    build("plan", 17, 10, &["NOPE-9", "UTF-8"]),
                    { "pipelineId": "plan", "buildNumber": 18, "state": "sideways" },
                ],
            }),
        )
        .await;
    assert_eq!(submitted.status, StatusCode::ACCEPTED, "{}", submitted.text);
    check(
        spec,
        "post",
        "/rest/builds/0.1/bulk",
        "202",
        &submitted.body,
    );
    assert_eq!(
        submitted.body["acceptedBuilds"],
        json!([{ "pipelineId": "plan", "buildNumber": 16 }])
    );
    let rejected = submitted.body["rejectedBuilds"].as_array().expect("list");
    assert_eq!(rejected.len(), 2, "{}", submitted.body);
    assert_eq!(rejected[0]["key"]["buildNumber"], 17);
    assert!(
        rejected[0]["errors"][0]["message"]
            .as_str()
            .expect("message")
            .contains("unknown")
    );
    assert_eq!(rejected[1]["key"]["buildNumber"], 18);
    let errors = rejected[1]["errors"].to_string();
    assert!(errors.contains("state: must be one of"), "{errors}");
    assert!(errors.contains("url: is required."), "{errors}");
    assert_eq!(
        submitted.body["unknownIssueKeys"],
        json!(["NOPE-9", "UTF-8"])
    );

    let got = alice.get(&one).await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.text);
    check(
        spec,
        "get",
        "/rest/builds/0.1/pipelines/{pipelineId}/builds/{buildNumber}",
        "200",
        &got.body,
    );
    assert_eq!(got.body["displayName"], "plan #16");
    assert_eq!(got.body["schemaVersion"], "1.0");
    assert!(
        got.body.get("properties").is_none(),
        "properties are never returned"
    );
    assert_eq!(
        alice
            .get(&format!("{BUILDS}/pipelines/plan/builds/17"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        alice
            .get(&format!("{BUILDS}/pipelines/plan/builds/x"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // An equal or lower updateSequenceNumber is ignored, yet accepted.
    for sequence in [10, 9] {
        let mut stale = build("plan", 16, sequence, &["KILN-1"]);
        stale["displayName"] = json!("stale");
        let reply = alice
            .post(&format!("{BUILDS}/bulk"), &json!({ "builds": [stale] }))
            .await;
        assert_eq!(reply.status, StatusCode::ACCEPTED);
        assert_eq!(reply.body["acceptedBuilds"][0]["buildNumber"], 16);
        assert_eq!(alice.get(&one).await.body["displayName"], "plan #16");
    }
    let mut newer = build("plan", 16, 11, &["KILN-1"]);
    newer["displayName"] = json!("newer");
    alice
        .post(&format!("{BUILDS}/bulk"), &json!({ "builds": [newer] }))
        .await;
    assert_eq!(alice.get(&one).await.body["displayName"], "newer");

    // Delete by key: 202 with no body, and 202 again for what is gone.
    for _ in 0..2 {
        let deleted = alice.delete(&one).await;
        assert_eq!(deleted.status, StatusCode::ACCEPTED);
        assert!(deleted.text.is_empty());
    }
    assert_eq!(alice.get(&one).await.status, StatusCode::NOT_FOUND);
    sim.shutdown().await;
}

#[tokio::test]
async fn deleting_by_properties_needs_all_of_them() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    for (number, properties) in [
        (1, json!({ "accountId": "a", "repo": "x" })),
        (2, json!({ "accountId": "a", "repo": "y" })),
        (3, json!({ "accountId": "b" })),
    ] {
        let reply = alice
            .post(
                &format!("{BUILDS}/bulk"),
                &json!({ "properties": properties, "builds": [build("p", number, 1, &["KILN-1"])] }),
            )
            .await;
        assert_eq!(reply.status, StatusCode::ACCEPTED);
    }
    let exists = |n: i64| {
        let alice = caller(&sim, ADMIN);
        async move {
            alice
                .get(&format!("{BUILDS}/pipelines/p/builds/{n}"))
                .await
                .status
                == StatusCode::OK
        }
    };
    let gone = alice
        .delete(&format!("{BUILDS}/bulkByProperties?accountId=a&repo=x"))
        .await;
    assert_eq!(gone.status, StatusCode::ACCEPTED);
    assert_eq!(
        (exists(1).await, exists(2).await, exists(3).await),
        (false, true, true)
    );
    alice
        .delete(&format!(
            "{BUILDS}/bulkByProperties?accountId=a&_updateSequenceNumber=0"
        ))
        .await;
    assert_eq!((exists(2).await, exists(3).await), (false, true));

    for query in ["", "?_updateSequenceNumber=5", "?a=1&a=2"] {
        let bad = alice
            .delete(&format!("{BUILDS}/bulkByProperties{query}"))
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{query}");
        assert!(bad.body[0]["message"].is_string(), "{}", bad.text);
    }
    // Submitted properties follow the spec's rules, or the request is a 400.
    for properties in [
        json!({ "_hidden": "x" }),
        json!({ "a:b": "x" }),
        json!({ "a": "1", "b": "2", "c": "3", "d": "4", "e": "5", "f": "6" }),
        json!({ "a": "x".repeat(256) }),
    ] {
        let bad = alice
            .post(
                &format!("{BUILDS}/bulk"),
                &json!({ "properties": properties, "builds": [build("p", 9, 1, &["KILN-1"])] }),
            )
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{properties}");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn each_provider_sees_and_deletes_only_its_own_data() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let bob = caller(&sim, USER);
    let carol = caller(&sim, OUTSIDER);
    let path = format!("{BUILDS}/pipelines/shared/builds/1");
    let mine = build("shared", 1, 5, &["KILN-1"]);
    alice
        .post(
            &format!("{BUILDS}/bulk"),
            &json!({ "properties": { "k": "v" }, "builds": [mine] }),
        )
        .await;
    assert_eq!(bob.get(&path).await.status, StatusCode::NOT_FOUND);
    // Bob's deletions do not touch Alice's build.
    bob.delete(&path).await;
    bob.delete(&format!("{BUILDS}/bulkByProperties?k=v")).await;
    assert_eq!(alice.get(&path).await.status, StatusCode::OK);
    // Bob's own build under the same key is his, with its own sequence.
    let mut his = build("shared", 1, 1, &["KILN-1"]);
    his["displayName"] = json!("Bob's");
    let reply = bob
        .post(&format!("{BUILDS}/bulk"), &json!({ "builds": [his] }))
        .await;
    assert_eq!(reply.body["acceptedBuilds"][0]["buildNumber"], 1);
    assert_eq!(bob.get(&path).await.body["displayName"], "Bob's");
    assert_eq!(alice.get(&path).await.body["displayName"], "shared #1");

    // An issue Carol may not browse is unknown to her.
    let reply = carol
        .post(
            &format!("{BUILDS}/bulk"),
            &json!({ "builds": [build("c", 1, 1, &["SEC-1"])] }),
        )
        .await;
    assert_eq!(reply.body["unknownIssueKeys"], json!(["SEC-1"]));
    assert_eq!(reply.body["acceptedBuilds"], json!([]));
    sim.shutdown().await;
}

#[tokio::test]
async fn deployments_are_keyed_by_pipeline_environment_and_number() {
    let spec = spec();
    let spec = spec.as_ref();
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let issue = alice.get("/rest/api/3/issue/KILN-1").await.str_at("/id");
    let mut associated = deployment(8, 1, &[]);
    associated
        .as_object_mut()
        .expect("object")
        .remove("issueKeys");
    associated["associations"] = json!([
        { "associationType": "issueIdOrKeys", "values": ["KILN-2", issue, "NOPE-1"] },
        { "associationType": "serviceIdOrKeys", "values": ["svc-1"] },
    ]);
    let mut none = deployment(9, 1, &[]);
    none.as_object_mut().expect("object").remove("issueKeys");
    let reply = alice
        .post(
            &format!("{DEPLOYMENTS}/bulk"),
            &json!({ "deployments": [deployment(7, 1, &["KILN-1", "GONE-1"]), associated, none] }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text);
    check(
        spec,
        "post",
        "/rest/deployments/0.1/bulk",
        "202",
        &reply.body,
    );
    let accepted: Vec<i64> = reply.body["acceptedDeployments"]
        .as_array()
        .expect("list")
        .iter()
        .map(|k| k["deploymentSequenceNumber"].as_i64().expect("number"))
        .collect();
    assert_eq!(accepted, [7, 8]);
    assert_eq!(
        reply.body["rejectedDeployments"][0]["key"]["deploymentSequenceNumber"],
        9
    );
    assert_eq!(reply.body["unknownIssueKeys"], json!(["GONE-1"]));
    assert_eq!(
        reply.body["unknownAssociations"],
        json!([
            { "associationType": "issueIdOrKeys", "values": ["NOPE-1"] },
            { "associationType": "serviceIdOrKeys", "values": ["svc-1"] },
        ])
    );

    let one = format!("{DEPLOYMENTS}/pipelines/pipe/environments/prod-1/deployments/7");
    let got = alice.get(&one).await;
    assert_eq!(got.status, StatusCode::OK);
    let template = "/rest/deployments/0.1/pipelines/{pipelineId}/environments/{environmentId}/deployments/{deploymentSequenceNumber}";
    check(spec, "get", template, "200", &got.body);
    assert_eq!(got.body["environment"]["type"], "production");
    let gating = alice.get(&format!("{one}/gating-status")).await;
    assert_eq!(gating.status, StatusCode::OK);
    check(
        spec,
        "get",
        &format!("{template}/gating-status"),
        "200",
        &gating.body,
    );
    assert_eq!(gating.body["gatingStatus"], "allowed");
    assert_eq!(gating.body["details"], json!([]));
    assert_eq!(gating.body["deploymentSequenceNumber"], 7);
    let elsewhere = format!("{DEPLOYMENTS}/pipelines/pipe/environments/other/deployments/7");
    assert_eq!(alice.get(&elsewhere).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        alice
            .get(&format!("{elsewhere}/gating-status"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        caller(&sim, USER).get(&one).await.status,
        StatusCode::NOT_FOUND
    );

    // Stale updates are ignored; newer ones replace.
    let mut stale = deployment(7, 1, &["KILN-1"]);
    stale["state"] = json!("failed");
    alice
        .post(
            &format!("{DEPLOYMENTS}/bulk"),
            &json!({ "deployments": [stale] }),
        )
        .await;
    assert_eq!(alice.get(&one).await.body["state"], "successful");
    let mut newer = deployment(7, 2, &["KILN-1"]);
    newer["state"] = json!("rolled_back");
    alice
        .post(
            &format!("{DEPLOYMENTS}/bulk"),
            &json!({ "properties": { "env": "prod" }, "deployments": [newer] }),
        )
        .await;
    assert_eq!(alice.get(&one).await.body["state"], "rolled_back");

    assert_eq!(
        alice
            .delete(&format!("{DEPLOYMENTS}/bulkByProperties?env=prod"))
            .await
            .status,
        StatusCode::ACCEPTED
    );
    assert_eq!(alice.get(&one).await.status, StatusCode::NOT_FOUND);
    let eight = format!("{DEPLOYMENTS}/pipelines/pipe/environments/prod-1/deployments/8");
    assert_eq!(alice.delete(&eight).await.status, StatusCode::ACCEPTED);
    assert_eq!(alice.get(&eight).await.status, StatusCode::NOT_FOUND);

    // A deployment without a key cannot be named in the answer: the 400.
    let bad = alice
        .post(
            &format!("{DEPLOYMENTS}/bulk"),
            &json!({ "deployments": [{ "deploymentSequenceNumber": 1 }] }),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    check(spec, "post", "/rest/deployments/0.1/bulk", "400", &bad.body);
    sim.shutdown().await;
}

fn commit(id: &str, sequence: i64, keys: &[&str]) -> Value {
    json!({
        "id": id,
        "issueKeys": keys,
        "updateSequenceId": sequence,
        "message": format!("{} fix", keys.first().copied().unwrap_or("")),
        "author": { "name": "Alice", "email": "admin@example.com" },
        "fileCount": 1,
        "url": format!("https://git.example.com/r/commit/{id}"),
        "authorTimestamp": "2024-03-28T10:15:30.000Z",
        "displayId": id,
    })
}

fn repository(id: &str, sequence: i64, commits: Vec<Value>) -> Value {
    json!({
        "id": id,
        "name": format!("repo {id}"),
        "url": format!("https://git.example.com/{id}"),
        "updateSequenceId": sequence,
        "commits": commits,
    })
}

#[tokio::test]
async fn development_information_is_stored_by_repository() {
    let spec = spec();
    let spec = spec.as_ref();
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let mut branch = json!({
        "id": "feature-KILN-1",
        "issueKeys": ["KILN-1"],
        "updateSequenceId": 1,
        "name": "feature/KILN-1",
        "lastCommit": commit("c1", 1, &["KILN-1"]),
        "url": "https://git.example.com/r/branch/feature-KILN-1",
    });
    branch["lastCommit"]["message"] = json!("x".repeat(2000));
    let mut repo = repository(
        "r1",
        1,
        vec![
            commit("c1", 1, &["KILN-1", "NOPE-1"]),
            commit("c2", 1, &["NOPE-2"]),
            commit("c1", 2, &["KILN-1"]),
            json!({ "id": "c3", "issueKeys": ["KILN-1"] }),
        ],
    );
    repo["branches"] = json!([branch]);
    let reply = alice
        .post(
            &format!("{DEVINFO}/bulk"),
            &json!({ "properties": { "account": "a" }, "repositories": [repo] }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text);
    check(spec, "post", "/rest/devinfo/0.10/bulk", "202", &reply.body);
    assert_eq!(
        reply.body["acceptedDevinfoEntities"]["r1"],
        json!({ "commits": ["c1"], "branches": ["feature-KILN-1"], "pullRequests": [] })
    );
    let failed: Vec<&str> = reply.body["failedDevinfoEntities"]["r1"]["commits"]
        .as_array()
        .expect("failed commits")
        .iter()
        .map(|f| f["id"].as_str().expect("id"))
        .collect();
    assert_eq!(failed, ["c2", "c1", "c3"]);
    assert_eq!(reply.body["unknownIssueKeys"], json!(["NOPE-1", "NOPE-2"]));

    let got = alice.get(&format!("{DEVINFO}/repository/r1")).await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.text);
    check(
        spec,
        "get",
        "/rest/devinfo/0.10/repository/{repositoryId}",
        "200",
        &got.body,
    );
    assert_eq!(got.body["name"], "repo r1");
    assert_eq!(got.body["commits"][0]["id"], "c1");
    assert_eq!(
        got.body["branches"][0]["lastCommit"]["message"]
            .as_str()
            .map(str::len),
        Some(1024)
    );
    assert_eq!(
        caller(&sim, USER)
            .get(&format!("{DEVINFO}/repository/r1"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // Exists by properties, with the sequence filter.
    for (query, expected) in [
        ("account=a", true),
        ("account=b", false),
        ("account=a&_updateSequenceId=0", false),
        ("account=a&_updateSequenceId=1", true),
    ] {
        let found = alice
            .get(&format!("{DEVINFO}/existsByProperties?{query}"))
            .await;
        assert_eq!(found.status, StatusCode::OK, "{query}");
        check(
            spec,
            "get",
            "/rest/devinfo/0.10/existsByProperties",
            "200",
            &found.body,
        );
        assert_eq!(found.body["hasDataMatchingProperties"], expected, "{query}");
    }
    let bad = alice
        .get(&format!(
            "{DEVINFO}/existsByProperties?_updateSequenceId=x&account=a"
        ))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    check(
        spec,
        "get",
        "/rest/devinfo/0.10/existsByProperties",
        "400",
        &bad.body,
    );

    // Deleting one entity, with and without the sequence guard.
    let entity = format!("{DEVINFO}/repository/r1/commit/c1");
    assert_eq!(
        alice
            .delete(&format!("{entity}?_updateSequenceId=0"))
            .await
            .status,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        alice.get(&format!("{DEVINFO}/repository/r1")).await.body["commits"][0]["id"],
        "c1"
    );
    assert_eq!(alice.delete(&entity).await.status, StatusCode::ACCEPTED);
    assert_eq!(
        alice.get(&format!("{DEVINFO}/repository/r1")).await.body["commits"],
        json!([])
    );
    let wrong = alice
        .delete(&format!("{DEVINFO}/repository/r1/tag/t1"))
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    check(
        spec,
        "delete",
        "/rest/devinfo/0.10/repository/{repositoryId}/{entityType}/{entityId}",
        "400",
        &wrong.body,
    );

    // Deleting by properties takes the repository and all in it.
    assert_eq!(
        alice
            .delete(&format!("{DEVINFO}/bulkByProperties?account=a"))
            .await
            .status,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        alice.get(&format!("{DEVINFO}/repository/r1")).await.status,
        StatusCode::NOT_FOUND
    );
    let none = alice.delete(&format!("{DEVINFO}/bulkByProperties")).await;
    assert_eq!(none.status, StatusCode::BAD_REQUEST);
    assert!(
        none.body["errorMessages"][0]["message"].is_string(),
        "{}",
        none.text
    );

    // And deleting the repository itself.
    alice
        .post(
            &format!("{DEVINFO}/bulk"),
            &json!({ "repositories": [repository("r2", 1, vec![])] }),
        )
        .await;
    assert_eq!(
        alice.get(&format!("{DEVINFO}/repository/r2")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        alice
            .delete(&format!("{DEVINFO}/repository/r2"))
            .await
            .status,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        alice.get(&format!("{DEVINFO}/repository/r2")).await.status,
        StatusCode::NOT_FOUND
    );

    // A repository twice, or none, is the 400; 401 entities in one is the 413.
    let twice = alice
        .post(
            &format!("{DEVINFO}/bulk"),
            &json!({ "repositories": [repository("r", 1, vec![]), repository("r", 2, vec![])] }),
        )
        .await;
    assert_eq!(twice.status, StatusCode::BAD_REQUEST);
    let empty = alice
        .post(&format!("{DEVINFO}/bulk"), &json!({ "repositories": [] }))
        .await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    let many: Vec<Value> = (0..401)
        .map(|i| commit(&format!("c{i}"), 1, &["KILN-1"]))
        .collect();
    let big = alice
        .post(
            &format!("{DEVINFO}/bulk"),
            &json!({ "repositories": [repository("r", 1, many)] }),
        )
        .await;
    assert_eq!(big.status, StatusCode::PAYLOAD_TOO_LARGE);
    check(spec, "post", "/rest/devinfo/0.10/bulk", "413", &big.body);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_deployment_may_name_a_commit_its_provider_stored() {
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    alice
        .post(
            &format!("{DEVINFO}/bulk"),
            &json!({ "repositories": [repository("r1", 1, vec![commit("c1", 1, &["KILN-1"])])] }),
        )
        .await;
    let mut by_commit = deployment(1, 1, &[]);
    by_commit
        .as_object_mut()
        .expect("object")
        .remove("issueKeys");
    by_commit["associations"] = json!([{
        "associationType": "commit",
        "values": [{ "commitHash": "c1", "repositoryId": "r1" }, { "commitHash": "c9", "repositoryId": "r1" }],
    }]);
    let reply = alice
        .post(
            &format!("{DEPLOYMENTS}/bulk"),
            &json!({ "deployments": [by_commit.clone()] }),
        )
        .await;
    assert_eq!(
        reply.body["acceptedDeployments"][0]["deploymentSequenceNumber"], 1,
        "{}",
        reply.text
    );
    assert_eq!(
        reply.body["unknownAssociations"],
        json!([{ "associationType": "commit", "values": [{ "commitHash": "c9", "repositoryId": "r1" }] }])
    );
    // Bob did not store that commit.
    let his = caller(&sim, USER)
        .post(
            &format!("{DEPLOYMENTS}/bulk"),
            &json!({ "deployments": [by_commit] }),
        )
        .await;
    assert_eq!(his.body["acceptedDeployments"], json!([]));
    sim.shutdown().await;
}

fn flag(id: &str, sequence: i64, keys: &[&str]) -> Value {
    let status = json!({ "enabled": true, "defaultValue": "off", "rollout": { "percentage": 50 } });
    json!({
        "id": id,
        "key": format!("flag.{id}"),
        "updateSequenceId": sequence,
        "issueKeys": keys,
        "summary": { "status": status, "lastUpdated": "2024-03-28T10:15:30.000Z" },
        "details": [{
            "url": "https://flags.example.com/1",
            "lastUpdated": "2024-03-28T10:15:30.000Z",
            "environment": { "name": "prod", "type": "production" },
            "status": status,
        }],
    })
}

#[tokio::test]
async fn feature_flags_are_stored_by_id() {
    let spec = spec();
    let spec = spec.as_ref();
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let mut bad = flag("f3", 1, &["KILN-1"]);
    bad["summary"]["status"]["rollout"]["percentage"] = json!(150);
    let reply = alice
        .post(
            &format!("{FLAGS}/bulk"),
            &json!({ "properties": { "team": "t" }, "flags": [flag("f1", 2, &["KILN-1"]), flag("f2", 1, &["NOPE-1"]), bad] }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text);
    check(
        spec,
        "post",
        "/rest/featureflags/0.1/bulk",
        "202",
        &reply.body,
    );
    assert_eq!(reply.body["acceptedFeatureFlags"], json!(["f1"]));
    let failed = reply.body["failedFeatureFlags"].as_object().expect("map");
    assert_eq!(failed.keys().collect::<Vec<_>>(), ["f2", "f3"]);
    assert!(
        failed["f3"]
            .to_string()
            .contains("summary.status.rollout.percentage")
    );
    assert_eq!(reply.body["unknownIssueKeys"], json!(["NOPE-1"]));

    let got = alice.get(&format!("{FLAGS}/flag/f1")).await;
    assert_eq!(got.status, StatusCode::OK);
    check(
        spec,
        "get",
        "/rest/featureflags/0.1/flag/{featureFlagId}",
        "200",
        &got.body,
    );
    assert_eq!(got.body["key"], "flag.f1");
    let mut stale = flag("f1", 2, &["KILN-1"]);
    stale["key"] = json!("stale");
    alice
        .post(&format!("{FLAGS}/bulk"), &json!({ "flags": [stale] }))
        .await;
    assert_eq!(
        alice.get(&format!("{FLAGS}/flag/f1")).await.body["key"],
        "flag.f1"
    );
    assert_eq!(
        caller(&sim, USER)
            .get(&format!("{FLAGS}/flag/f1"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    assert_eq!(
        alice
            .delete(&format!("{FLAGS}/bulkByProperties?team=other"))
            .await
            .status,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        alice.get(&format!("{FLAGS}/flag/f1")).await.status,
        StatusCode::OK
    );
    alice
        .delete(&format!("{FLAGS}/bulkByProperties?team=t"))
        .await;
    assert_eq!(
        alice.get(&format!("{FLAGS}/flag/f1")).await.status,
        StatusCode::NOT_FOUND
    );
    alice
        .post(
            &format!("{FLAGS}/bulk"),
            &json!({ "flags": [flag("f4", 1, &["KILN-1"])] }),
        )
        .await;
    assert_eq!(
        alice.delete(&format!("{FLAGS}/flag/f4")).await.status,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        alice.get(&format!("{FLAGS}/flag/f4")).await.status,
        StatusCode::NOT_FOUND
    );
    sim.shutdown().await;
}

fn link(id: &str, sequence: i64, keys: &[&str]) -> Value {
    json!({
        "id": id,
        "updateSequenceNumber": sequence,
        "displayName": format!("Link {id}"),
        "url": "https://docs.example.com/1",
        "type": "document",
        "lastUpdated": "2024-03-28T10:15:30.000Z",
        "associations": [{ "associationType": "issueKeys", "values": keys }],
        "status": { "appearance": "success", "label": "ok" },
        "attributeMap": { "a": "b" },
    })
}

#[tokio::test]
async fn remote_links_are_stored_by_id() {
    let spec = spec();
    let spec = spec.as_ref();
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let reply = alice
        .post(
            &format!("{LINKS}/bulk"),
            &json!({ "properties": { "p": "1" }, "remoteLinks": [link("l1", 1, &["KILN-1", "NOPE-1"]), link("l2", 1, &["NOPE-2"])] }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text);
    check(
        spec,
        "post",
        "/rest/remotelinks/1.0/bulk",
        "202",
        &reply.body,
    );
    assert_eq!(reply.body["acceptedRemoteLinks"], json!(["l1"]));
    assert!(reply.body["rejectedRemoteLinks"]["l2"][0]["message"].is_string());
    assert_eq!(
        reply.body["unknownAssociations"],
        json!([{ "associationType": "issueKeys", "values": ["NOPE-1", "NOPE-2"] }])
    );
    let got = alice.get(&format!("{LINKS}/remotelink/l1")).await;
    assert_eq!(got.status, StatusCode::OK);
    check(
        spec,
        "get",
        "/rest/remotelinks/1.0/remotelink/{remoteLinkId}",
        "200",
        &got.body,
    );
    assert_eq!(got.body["type"], "document");
    let mut newer = link("l1", 2, &["KILN-1"]);
    newer["displayName"] = json!("Newer");
    alice
        .post(&format!("{LINKS}/bulk"), &json!({ "remoteLinks": [newer] }))
        .await;
    assert_eq!(
        alice.get(&format!("{LINKS}/remotelink/l1")).await.body["displayName"],
        "Newer"
    );
    // The properties went with the newer data (none).
    alice.delete(&format!("{LINKS}/bulkByProperties?p=1")).await;
    assert_eq!(
        alice.get(&format!("{LINKS}/remotelink/l1")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        alice.delete(&format!("{LINKS}/remotelink/l1")).await.status,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        alice.get(&format!("{LINKS}/remotelink/l1")).await.status,
        StatusCode::NOT_FOUND
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn hostile_submissions_get_the_specs_refusals_and_nothing_breaks() {
    let spec = spec();
    let spec = spec.as_ref();
    let sim = start().await;
    let alice = caller(&sim, ADMIN);
    let bulk = format!("{BUILDS}/bulk");

    // Malformed JSON, and JSON that is not an object: the 400, in each API's shape.
    for path in [
        &bulk,
        &format!("{DEPLOYMENTS}/bulk"),
        &format!("{FLAGS}/bulk"),
        &format!("{LINKS}/bulk"),
    ] {
        for body in ["{\"builds\": [", "[]", "", "nul"] {
            let reply = send(
                alice
                    .request(Method::POST, path)
                    .header("content-type", "application/json")
                    .body(body),
            )
            .await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path} {body:?}");
            assert!(
                reply.body[0]["message"].is_string(),
                "{path}: {}",
                reply.text
            );
        }
    }
    let devinfo = send(
        alice
            .request(Method::POST, &format!("{DEVINFO}/bulk"))
            .body("{"),
    )
    .await;
    assert_eq!(devinfo.status, StatusCode::BAD_REQUEST);
    check(
        spec,
        "post",
        "/rest/devinfo/0.10/bulk",
        "400",
        &devinfo.body,
    );
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let reply = send(alice.request(Method::POST, &bulk).body(deep)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    check(spec, "post", "/rest/builds/0.1/bulk", "400", &reply.body);

    // 10,000 builds: more than the spec's 100, the 413.
    let many: Vec<Value> = (0..10_000).map(|n| build("p", n, 1, &["KILN-1"])).collect();
    let reply = alice.post(&bulk, &json!({ "builds": many })).await;
    assert_eq!(
        reply.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        reply.text
    );
    check(spec, "post", "/rest/builds/0.1/bulk", "413", &reply.body);
    // A body over the simulator's 4 MiB cap: the 413 too.
    let huge = json!({ "builds": [build(&"x".repeat(5 * 1024 * 1024), 1, 1, &["KILN-1"])] });
    let reply = alice.post(&bulk, &huge).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    // A long string within the cap: that build is rejected, with a short message.
    let mut long = build("p", 1, 1, &["KILN-1"]);
    long["displayName"] = json!("x".repeat(1024 * 1024));
    long["issueKeys"] = json!(vec!["KILN-1"; 20_000]);
    let reply = alice.post(&bulk, &json!({ "builds": [long] })).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED);
    let errors = reply.body["rejectedBuilds"][0]["errors"].to_string();
    assert!(
        errors.contains("displayName: must be at most 255 characters."),
        "{errors}"
    );
    assert!(
        errors.contains("issueKeys: must have at most 100 items."),
        "{errors}"
    );
    assert!(errors.len() < 1000, "{errors}");
    // A missing or empty list, or a build without its key: the 400.
    for body in [
        json!({}),
        json!({ "builds": [] }),
        json!({ "builds": {} }),
        json!({ "builds": [1] }),
        json!({ "builds": [{ "buildNumber": 1 }] }),
        json!({ "builds": [{ "pipelineId": "p", "buildNumber": 1.5 }] }),
    ] {
        let reply = alice.post(&bulk, &body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
    }
    // Numbers out of range and odd path values are refused without a panic.
    let mut wide = build("p", 1, 1, &["KILN-1"]);
    wide["updateSequenceNumber"] = json!(u64::MAX);
    let reply = alice.post(&bulk, &json!({ "builds": [wide] })).await;
    assert_eq!(reply.body["rejectedBuilds"][0]["key"]["buildNumber"], 1);
    let odd = format!("{BUILDS}/pipelines/%00%FF/builds/99999999999999999999999");
    assert_eq!(alice.get(&odd).await.status, StatusCode::NOT_FOUND);
    assert_eq!(alice.delete(&odd).await.status, StatusCode::ACCEPTED);
    // The site still answers.
    assert_eq!(alice.get("/rest/api/3/myself").await.status, StatusCode::OK);
    sim.shutdown().await;
}
