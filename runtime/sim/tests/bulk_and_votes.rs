//! `bulkFetchIssues` (`POST /issue/bulkfetch`, and the other methods on that
//! path, which Jira takes for an issue keyed `bulkfetch`) and an issue's votes
//! (`/issue/{key}/votes`, and its `votes` field): what each answers, who may
//! call it, the refusals Jira gives, REST API v2 and the gateway's scopes.
//! Answers are checked against the platform spec.

use crate::common;
use crate::contract::Contract;

use common::{ADMIN, OUTSIDER, USER, account_id, caller, client, send, start};
use reqwest::StatusCode;
use serde_json::{Value, json};

const BULK: &str = "/rest/api/3/issue/bulkfetch";

/// The keys of a `BulkIssueResults`' issues, in their order.
fn keys(results: &Value) -> Vec<String> {
    results["issues"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|issue| issue["key"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn bulk_fetch_returns_visible_issues_in_id_order_with_navigable_fields() {
    let sim = start().await;
    let contract = Contract::new();
    let (bob, carol) = (caller(&sim, USER), caller(&sim, OUTSIDER));
    let kiln_2 = bob.get("/rest/api/3/issue/KILN-2?fields=summary").await;
    let kiln_2_id = kiln_2.str_at("/id");

    // Mixed ids and keys, a key in lower case, one issue named twice, one that
    // does not exist, and one in SEC (which Carol may not browse).
    let body = json!({
        "issueIdsOrKeys": ["KILN-3", "SEC-1", kiln_2_id, "kiln-1", "KILN-2", "NOPE-9"],
    });
    let bobs = bob.post(BULK, &body).await;
    assert_eq!(bobs.status, StatusCode::OK, "{}", bobs.text);
    contract.check_ref("bulkFetchIssues", "BulkIssueResults", &bobs.body);
    // Ascending id order, each issue once; no error for the missing one.
    assert_eq!(keys(&bobs.body), ["KILN-1", "KILN-2", "KILN-3", "SEC-1"]);
    assert_eq!(bobs.body["issueErrors"], json!([]));
    // `*navigable` by default: no comments or attachments, but the rest.
    let fields = &bobs.body["issues"][0]["fields"];
    assert!(fields.get("summary").is_some() && fields.get("issuelinks").is_some());
    assert!(fields.get("comment").is_none() && fields.get("attachment").is_none());
    // The same issue as `getIssue` renders it, field for field.
    let single = bob.get("/rest/api/3/issue/KILN-1?fields=*navigable").await;
    assert_eq!(bobs.body["issues"][0], single.body);

    // Carol's answer leaves SEC-1 out exactly as it leaves out NOPE-9.
    let carols = carol.post(BULK, &body).await;
    assert_eq!(carols.status, StatusCode::OK, "{}", carols.text);
    assert_eq!(keys(&carols.body), ["KILN-1", "KILN-2", "KILN-3"]);
    assert_eq!(carols.body["issueErrors"], json!([]));
    let hidden = carol
        .post(BULK, &json!({ "issueIdsOrKeys": ["SEC-1"] }))
        .await;
    let missing = carol
        .post(BULK, &json!({ "issueIdsOrKeys": ["NOPE-9"] }))
        .await;
    assert_eq!(hidden.status, StatusCode::OK);
    assert_eq!(hidden.body, missing.body);
    assert_eq!(hidden.body, json!({ "issues": [], "issueErrors": [] }));
    sim.shutdown().await;
}

#[tokio::test]
async fn bulk_fetch_honours_fields_expand_and_properties() {
    let sim = start().await;
    let contract = Contract::new();
    let bob = caller(&sim, USER);
    let stored = bob
        .put(
            "/rest/api/3/issue/KILN-1/properties/kiln.flag",
            &json!({ "on": true }),
        )
        .await;
    assert!(stored.status.is_success(), "{}", stored.text);

    let reply = bob
        .post(
            BULK,
            &json!({
                "issueIdsOrKeys": ["KILN-1", 10_000_000],
                "fields": ["summary,status", "comment"],
                "expand": ["names", "changelog"],
                "fieldsByKeys": false,
                "properties": ["kiln.flag", "absent"],
            }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    contract.check_ref("bulkFetchIssues", "BulkIssueResults", &reply.body);
    assert_eq!(keys(&reply.body), ["KILN-1"]);
    let issue = &reply.body["issues"][0];
    let mut returned: Vec<&String> = issue["fields"]
        .as_object()
        .map(|f| f.keys().collect())
        .unwrap_or_default();
    returned.sort();
    assert_eq!(returned, ["comment", "status", "summary"]);
    assert_eq!(issue["names"]["summary"], "Summary");
    assert!(issue["changelog"].is_object(), "{issue}");
    assert!(issue.get("schema").is_none());
    assert_eq!(issue["properties"], json!({ "kiln.flag": { "on": true } }));

    // A numeric id is read as the id it is.
    let id: u64 = issue["id"]
        .as_str()
        .unwrap_or_default()
        .parse()
        .unwrap_or(0);
    let by_number = bob.post(BULK, &json!({ "issueIdsOrKeys": [id] })).await;
    assert_eq!(keys(&by_number.body), ["KILN-1"]);

    // REST API v2 serves it too, with v2's links.
    let v2 = bob
        .post(
            "/rest/api/2/issue/bulkfetch",
            &json!({ "issueIdsOrKeys": ["KILN-1"], "fields": ["summary"] }),
        )
        .await;
    assert_eq!(v2.status, StatusCode::OK, "{}", v2.text);
    assert!(v2.str_at("/issues/0/self").contains("/rest/api/2/issue/"));
    sim.shutdown().await;
}

#[tokio::test]
async fn bulk_fetch_refusals_are_jiras() {
    let sim = start().await;
    let contract = Contract::new();
    let bob = caller(&sim, USER);
    let too_many: Vec<String> = (1..=101).map(|n| format!("KILN-{n}")).collect();
    let six: Vec<String> = (1..=6).map(|n| format!("p{n}")).collect();
    let refused = [
        json!({}),
        json!({ "issueIdsOrKeys": [] }),
        json!({ "issueIdsOrKeys": null }),
        json!({ "issueIdsOrKeys": too_many }),
        json!({ "issueIdsOrKeys": ["KILN-1"], "properties": six }),
        json!({ "issueIdsOrKeys": "KILN-1" }),
        json!({ "issueIdsOrKeys": [{ "key": "KILN-1" }] }),
        json!({ "issueIdsOrKeys": [-1] }),
        json!({ "issueIdsOrKeys": ["KILN-1"], "fields": "summary" }),
        json!(["KILN-1"]),
    ];
    for body in refused {
        let reply = bob.post(BULK, &body).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            reply.text
        );
        contract.check_ref("400", "ErrorCollection", &reply.body);
    }
    let garbled = send(
        bob.request(reqwest::Method::POST, BULK)
            .header("content-type", "application/json")
            .body("{not json"),
    )
    .await;
    assert_eq!(garbled.status, StatusCode::BAD_REQUEST, "{}", garbled.text);
    contract.check_ref("400", "ErrorCollection", &garbled.body);

    // Exactly 100 is allowed.
    let hundred: Vec<String> = (1..=100).map(|n| format!("KILN-{n}")).collect();
    let reply = bob.post(BULK, &json!({ "issueIdsOrKeys": hundred })).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    sim.shutdown().await;
}

/// An issue's votes, as `who` reads them.
async fn votes_of(who: &common::Caller<'_>, issue: &str) -> Value {
    let reply = who.get(&format!("/rest/api/3/issue/{issue}/votes")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body
}

#[tokio::test]
async fn votes_are_cast_read_and_taken_back() {
    let sim = start().await;
    let contract = Contract::new();
    let (alice, bob, carol) = (
        caller(&sim, ADMIN),
        caller(&sim, USER),
        caller(&sim, OUTSIDER),
    );
    // KILN-1 is Alice's: nobody has voted.
    let none = votes_of(&bob, "KILN-1").await;
    contract.check_ref("getVotes", "Votes", &none);
    assert_eq!(none["votes"], 0);
    assert_eq!(none["hasVoted"], false);
    assert_eq!(none["voters"], json!([]));
    assert!(
        none["self"]
            .as_str()
            .is_some_and(|s| s.ends_with("/rest/api/3/issue/KILN-1/votes"))
    );

    // Bob votes, twice: one vote. Carol votes too.
    for _ in 0..2 {
        let cast = bob
            .post("/rest/api/3/issue/KILN-1/votes", &json!(null))
            .await;
        assert_eq!(cast.status, StatusCode::NO_CONTENT, "{}", cast.text);
        assert!(cast.text.is_empty());
    }
    let cast = carol
        .post("/rest/api/3/issue/kiln-1/votes", &json!(null))
        .await;
    assert_eq!(cast.status, StatusCode::NO_CONTENT, "{}", cast.text);
    let two = votes_of(&bob, "KILN-1").await;
    contract.check_ref("getVotes", "Votes", &two);
    assert_eq!(two["votes"], 2);
    assert_eq!(two["hasVoted"], true);
    let voters: Vec<&str> = two["voters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v["accountId"].as_str())
        .collect();
    assert_eq!(voters, [account_id(&sim, USER), account_id(&sim, OUTSIDER)]);
    assert_eq!(votes_of(&alice, "KILN-1").await["hasVoted"], false);

    // Bob takes his back; a second time there is none to take: 404.
    let path = "/rest/api/3/issue/KILN-1/votes";
    let removed = bob.delete(path).await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{}", removed.text);
    let again = bob.delete(path).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND, "{}", again.text);
    contract.check_ref("404", "ErrorCollection", &again.body);
    let one = votes_of(&bob, "KILN-1").await;
    assert_eq!(
        (one["votes"].clone(), one["hasVoted"].clone()),
        (json!(1), json!(false))
    );

    // REST API v2 reads the same votes, with v2's link.
    let v2 = bob.get("/rest/api/2/issue/KILN-1/votes").await;
    assert_eq!(v2.status, StatusCode::OK, "{}", v2.text);
    assert_eq!(v2.body["votes"], 1);
    assert!(
        v2.str_at("/self")
            .contains("/rest/api/2/issue/KILN-1/votes")
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn vote_refusals_are_jiras() {
    let sim = start().await;
    let contract = Contract::new();
    let (alice, carol) = (caller(&sim, ADMIN), caller(&sim, OUTSIDER));

    // The reporter may not vote for their own issue (KILN-1 is Alice's).
    let own = alice
        .post("/rest/api/3/issue/KILN-1/votes", &json!(null))
        .await;
    assert_eq!(own.status, StatusCode::BAD_REQUEST, "{}", own.text);
    contract.check_ref("400", "ErrorCollection", &own.body);
    assert_eq!(votes_of(&alice, "KILN-1").await["votes"], 0);

    // An issue Carol may not browse is as missing as one that does not exist.
    let mut answers = Vec::new();
    for issue in ["SEC-1", "NOPE-1"] {
        let path = format!("/rest/api/3/issue/{issue}/votes");
        for reply in [
            carol.get(&path).await,
            carol.post(&path, &json!(null)).await,
            carol.delete(&path).await,
        ] {
            assert_eq!(
                reply.status,
                StatusCode::NOT_FOUND,
                "{path}: {}",
                reply.text
            );
            contract.check_ref("404", "ErrorCollection", &reply.body);
            answers.push(reply.body);
        }
    }
    assert_eq!(answers[..3], answers[3..]);
    sim.shutdown().await;
}

#[tokio::test]
async fn apps_bulk_fetch_and_vote_through_the_gateway_with_their_scopes() {
    let sim = start().await;
    let gateway = format!("{}/ex/jira/{}/rest/api/3", sim.base_url(), sim.cloud_id());
    let bulk = |access: &str| {
        send(
            client()
                .post(format!("{gateway}/issue/bulkfetch"))
                .bearer_auth(access)
                .json(&json!({ "issueIdsOrKeys": ["KILN-1"] })),
        )
    };
    let votes = format!("{gateway}/issue/KILN-3/votes");
    let read_votes = |access: &str| send(client().get(&votes).bearer_auth(access));
    let vote = |access: &str| send(client().post(&votes).bearer_auth(access));
    let unvote = |access: &str| send(client().delete(&votes).bearer_auth(access));

    let classic = common::oauth::access_token(&sim, "read:jira-work").await;
    let reply = bulk(&classic).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(reply.str_at("/issues/0/self").starts_with(&gateway));
    let granular_issue = common::oauth::access_token(
        &sim,
        "read:issue-meta:jira read:issue-security-level:jira read:issue.vote:jira \
         read:issue.changelog:jira read:avatar:jira read:issue:jira read:status:jira \
         read:user:jira read:field-configuration:jira",
    )
    .await;
    assert_eq!(bulk(&granular_issue).await.status, StatusCode::OK);
    let vote_only = common::oauth::access_token(&sim, "write:issue.vote:jira").await;
    assert_eq!(bulk(&vote_only).await.status, StatusCode::UNAUTHORIZED);

    // Votes: read with `read:jira-work` or the granular set; a read token may not vote.
    let reply = read_votes(&classic).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(reply.str_at("/self").starts_with(&gateway));
    let granular_votes = common::oauth::access_token(
        &sim,
        "read:issue.vote:jira read:user:jira read:application-role:jira \
         read:avatar:jira read:group:jira",
    )
    .await;
    assert_eq!(read_votes(&granular_votes).await.status, StatusCode::OK);
    assert_eq!(
        read_votes(&vote_only).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(vote(&classic).await.status, StatusCode::UNAUTHORIZED);
    let cast = vote(&vote_only).await;
    assert_eq!(cast.status, StatusCode::NO_CONTENT, "{}", cast.text);
    assert_eq!(read_votes(&classic).await.body["votes"], 1);
    let writer = common::oauth::access_token(&sim, "write:jira-work").await;
    assert_eq!(unvote(&classic).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unvote(&writer).await.status, StatusCode::NO_CONTENT);
    sim.shutdown().await;
}

#[tokio::test]
async fn the_votes_field_is_rendered_where_selected() {
    let sim = start().await;
    let contract = Contract::new();
    let (alice, bob) = (caller(&sim, ADMIN), caller(&sim, USER));
    let cast = bob
        .post("/rest/api/3/issue/KILN-1/votes", &json!(null))
        .await;
    assert_eq!(cast.status, StatusCode::NO_CONTENT, "{}", cast.text);

    // `{self, votes, hasVoted}`: `Votes` without its voters, as Jira's issue has it.
    let bobs = bob.get("/rest/api/3/issue/KILN-1?fields=votes").await;
    assert_eq!(bobs.status, StatusCode::OK, "{}", bobs.text);
    contract.check_ref("getIssue", "IssueBean", &bobs.body);
    let votes = &bobs.body["fields"]["votes"];
    contract.check_ref("fields.votes", "Votes", votes);
    assert_eq!(
        *votes,
        json!({
            "self": format!("{}/rest/api/3/issue/KILN-1/votes", sim.base_url()),
            "votes": 1,
            "hasVoted": true,
        })
    );
    // The same as `getVotes` says, less the voters.
    let read = bob.get("/rest/api/3/issue/KILN-1/votes").await.body;
    for key in ["self", "votes", "hasVoted"] {
        assert_eq!(votes[key], read[key], "{key}");
    }
    let alices = alice.get("/rest/api/3/issue/KILN-1?fields=votes").await;
    assert_eq!(alices.body["fields"]["votes"]["hasVoted"], false);
    assert_eq!(alices.body["fields"]["votes"]["votes"], 1);

    // Selected by name, by `*all` and `*navigable` (and so by default), not otherwise.
    let has_votes = |reply: &common::Reply| reply.body["fields"].get("votes").is_some();
    for fields in ["votes", "*all", "*navigable", "summary,votes"] {
        let reply = bob
            .get_with("/rest/api/3/issue/KILN-1", &[("fields", fields)])
            .await;
        assert!(has_votes(&reply), "{fields}: {}", reply.text);
    }
    assert!(has_votes(&bob.get("/rest/api/3/issue/KILN-1").await));
    for fields in ["summary", "*navigable,-votes", "*all,-votes"] {
        let reply = bob
            .get_with("/rest/api/3/issue/KILN-1", &[("fields", fields)])
            .await;
        assert!(!has_votes(&reply), "{fields}: {}", reply.text);
    }

    // Bulk fetch (`*navigable` by default) and JQL search carry it too.
    let bulk = bob
        .post(BULK, &json!({ "issueIdsOrKeys": ["KILN-1", "KILN-2"] }))
        .await;
    assert_eq!(bulk.status, StatusCode::OK, "{}", bulk.text);
    contract.check_ref("bulkFetchIssues", "BulkIssueResults", &bulk.body);
    assert_eq!(bulk.body["issues"][0]["fields"]["votes"], *votes);
    assert_eq!(bulk.body["issues"][1]["fields"]["votes"]["votes"], 0);
    assert_eq!(bulk.body["issues"][1]["fields"]["votes"]["hasVoted"], false);
    let found = bob
        .get_with(
            "/rest/api/3/search/jql",
            &[("jql", "key = KILN-1"), ("fields", "votes")],
        )
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    assert_eq!(found.body["issues"][0]["fields"]["votes"], *votes);

    // `/field` describes it; `expand=names,schema` names it.
    let fields = bob.get("/rest/api/3/field").await;
    let described = fields
        .body
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["id"] == "votes")
        .cloned()
        .unwrap_or_else(|| panic!("no votes in {}", fields.text));
    contract.check_ref("getFields", "FieldDetails", &described);
    assert_eq!(described["name"], "Votes");
    assert_eq!(described["navigable"], true);
    assert_eq!(described["orderable"], false);
    assert_eq!(described["schema"]["type"], "votes");
    let named = bob
        .get("/rest/api/3/issue/KILN-1?fields=votes&expand=names,schema")
        .await;
    assert_eq!(named.body["names"]["votes"], "Votes");
    assert_eq!(named.body["schema"]["votes"]["system"], "votes");

    // REST API v2: v2's link.
    let v2 = bob.get("/rest/api/2/issue/KILN-1?fields=votes").await;
    assert_eq!(v2.status, StatusCode::OK, "{}", v2.text);
    assert!(
        v2.str_at("/fields/votes/self")
            .ends_with("/rest/api/2/issue/KILN-1/votes")
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn other_methods_on_bulkfetch_answer_as_for_an_issue_that_does_not_exist() {
    let sim = start().await;
    let contract = Contract::new();
    let bob = caller(&sim, USER);
    let is_not_modelled = |reply: &common::Reply| {
        reply
            .headers
            .get(kiln_sim::SIMULATOR_HEADER)
            .is_some_and(|value| value == kiln_sim::NOT_MODELLED)
    };
    for api in ["/rest/api/3", "/rest/api/2"] {
        // What the issue route answers for a key no issue has.
        let unknown = bob.get(&format!("{api}/issue/NOPE-1")).await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.text);
        let path = format!("{api}/issue/bulkfetch");
        let answers = [
            ("GET", bob.get(&path).await),
            (
                "GET ?fields",
                bob.get_with(&path, &[("fields", "summary")]).await,
            ),
            (
                "PUT",
                bob.put(&path, &json!({ "fields": { "summary": "x" } }))
                    .await,
            ),
            ("DELETE", bob.delete(&path).await),
        ];
        for (what, reply) in answers {
            assert_eq!(
                reply.status,
                StatusCode::NOT_FOUND,
                "{what} {path}: {}",
                reply.text
            );
            assert!(!is_not_modelled(&reply), "{what} {path}");
            contract.check_ref("404", "ErrorCollection", &reply.body);
            assert_eq!(reply.body, unknown.body, "{what} {path}");
        }
        assert_eq!(
            unknown.body["errorMessages"],
            json!(["Issue does not exist or you do not have permission to see it."])
        );
        // A body the issue route cannot read is refused as it refuses one.
        let garbled = send(
            bob.request(reqwest::Method::PUT, &path)
                .header("content-type", "application/json")
                .body("{not json"),
        )
        .await;
        let garbled_issue = send(
            bob.request(reqwest::Method::PUT, &format!("{api}/issue/NOPE-1"))
                .header("content-type", "application/json")
                .body("{not json"),
        )
        .await;
        assert_eq!(garbled.status, garbled_issue.status, "{}", garbled.text);
        assert_eq!(garbled.body, garbled_issue.body);
        // A method neither route has: as on any issue.
        let patched = bob.patch(&path, &json!({})).await;
        let patched_issue = bob.patch(&format!("{api}/issue/KILN-1"), &json!({})).await;
        assert_eq!(patched.status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(patched.status, patched_issue.status);
        // POST is still bulkFetchIssues.
        let fetched = bob
            .post(&path, &json!({ "issueIdsOrKeys": ["KILN-1"] }))
            .await;
        assert_eq!(fetched.status, StatusCode::OK, "{}", fetched.text);
    }
    // Nothing was changed or deleted.
    assert_eq!(
        bob.post(
            BULK,
            &json!({ "issueIdsOrKeys": ["KILN-1", "KILN-2", "KILN-3"] })
        )
        .await
        .body["issues"]
            .as_array()
            .map(Vec::len),
        Some(3)
    );

    // Behind the gateway, with getIssue's scope (not bulkFetchIssues' alone).
    let gateway = format!(
        "{}/ex/jira/{}/rest/api/3/issue/bulkfetch",
        sim.base_url(),
        sim.cloud_id()
    );
    let classic = common::oauth::access_token(&sim, "read:jira-work").await;
    let reply = send(client().get(&gateway).bearer_auth(&classic)).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.text);
    assert!(!is_not_modelled(&reply));
    let vote_only = common::oauth::access_token(&sim, "write:issue.vote:jira").await;
    let refused = send(client().get(&gateway).bearer_auth(&vote_only)).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.text);
    sim.shutdown().await;
}
