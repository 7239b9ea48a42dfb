//! Links between issues: the site's link types, links created by key and by id,
//! by type name and by type id, read from the link and from both issues'
//! `issuelinks`, deleted with either issue or on their own, the comment a link
//! may add, every refusal Jira gives, the per-issue cap, REST API v2 and the
//! gateway's scopes. Answers are checked against the platform spec.

use crate::common;
use crate::contract::Contract;

use common::{ADMIN, OUTSIDER, USER, caller, client, send, start};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Jira Cloud's per-issue limit on issue links, which the simulator keeps too.
const MAX_ISSUE_LINKS_PER_ISSUE: usize = 2_000;

/// A `linkIssues` body: `outward` relates to `inward` as `link_type` says.
fn link(link_type: Value, inward: Value, outward: Value) -> Value {
    json!({ "type": link_type, "inwardIssue": inward, "outwardIssue": outward })
}

/// The issue's `issuelinks`, as `who` reads it.
async fn links_of(who: &common::Caller<'_>, issue: &str) -> Vec<Value> {
    let reply = who
        .get(&format!("/rest/api/3/issue/{issue}?fields=issuelinks"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body["fields"]["issuelinks"]
        .as_array()
        .cloned()
        .unwrap_or_else(|| panic!("{issue} has no issuelinks: {}", reply.text))
}

#[tokio::test]
async fn the_site_has_jira_clouds_default_link_types() {
    let sim = start().await;
    let contract = Contract::new();
    let bob = caller(&sim, USER);
    let list = bob.get("/rest/api/3/issueLinkType").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    contract.check_ref("getIssueLinkTypes", "IssueLinkTypes", &list.body);
    let types: Vec<(String, String, String, String)> = list.body["issueLinkTypes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| {
            let text = |name: &str| t[name].as_str().unwrap_or_default().to_owned();
            (text("id"), text("name"), text("inward"), text("outward"))
        })
        .collect();
    let expected = [
        ("10000", "Blocks", "is blocked by", "blocks"),
        ("10001", "Cloners", "is cloned by", "clones"),
        ("10002", "Duplicate", "is duplicated by", "duplicates"),
        ("10003", "Relates", "relates to", "relates to"),
    ];
    let expected: Vec<(String, String, String, String)> = expected
        .iter()
        .map(|(a, b, c, d)| (a.to_string(), b.to_string(), c.to_string(), d.to_string()))
        .collect();
    assert_eq!(types, expected);

    let one = bob.get("/rest/api/3/issueLinkType/10002").await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.text);
    contract.check_ref("getIssueLinkType", "IssueLinkType", &one.body);
    assert_eq!(one.body, list.body["issueLinkTypes"][2]);
    assert!(
        one.str_at("/self")
            .ends_with("/rest/api/3/issueLinkType/10002")
    );
    let missing = bob.get("/rest/api/3/issueLinkType/99999").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.text);
    contract.check_ref("404", "ErrorCollection", &missing.body);
    let invalid = bob.get("/rest/api/3/issueLinkType/blocks").await;
    assert_eq!(invalid.status, StatusCode::BAD_REQUEST, "{}", invalid.text);

    // v2 lists the same, with v2's links.
    let v2 = bob.get("/rest/api/2/issueLinkType").await;
    assert_eq!(v2.status, StatusCode::OK, "{}", v2.text);
    assert!(
        v2.str_at("/issueLinkTypes/0/self")
            .ends_with("/rest/api/2/issueLinkType/10000")
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn links_are_created_read_from_both_sides_and_deleted() {
    let sim = start().await;
    let contract = Contract::new();
    let bob = caller(&sim, USER);

    // By key and type name: KILN-1 blocks KILN-2. 201 with an empty body.
    let created = bob
        .post(
            "/rest/api/3/issueLink",
            &link(
                json!({ "name": "Blocks" }),
                json!({ "key": "KILN-2" }),
                json!({ "key": "KILN-1" }),
            ),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert!(created.text.is_empty(), "{}", created.text);

    // From KILN-1 (the outward issue) the link shows KILN-2 as `inwardIssue`,
    // and from KILN-2 it shows KILN-1 as `outwardIssue`.
    let from_one = links_of(&bob, "KILN-1").await;
    assert_eq!(from_one.len(), 1, "{from_one:?}");
    assert_eq!(from_one[0]["type"]["name"], "Blocks");
    assert_eq!(from_one[0]["inwardIssue"]["key"], "KILN-2");
    assert!(from_one[0].get("outwardIssue").is_none());
    contract.check_ref(
        "issuelinks inwardIssue",
        "LinkedIssue",
        &from_one[0]["inwardIssue"],
    );
    let from_two = links_of(&bob, "KILN-2").await;
    assert_eq!(from_two.len(), 1, "{from_two:?}");
    assert_eq!(from_two[0]["outwardIssue"]["key"], "KILN-1");
    assert!(from_two[0].get("inwardIssue").is_none());
    assert_eq!(from_one[0]["id"], from_two[0]["id"]);
    let link_id = from_one[0]["id"].as_str().expect("id").to_owned();
    assert!(
        from_one[0]["self"]
            .as_str()
            .is_some_and(|s| s.ends_with(&format!("/rest/api/3/issueLink/{link_id}")))
    );

    // The link itself: both issues, with their key fields.
    let read = bob.get(&format!("/rest/api/3/issueLink/{link_id}")).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    contract.check_ref("getIssueLink", "IssueLink", &read.body);
    assert_eq!(read.body["outwardIssue"]["key"], "KILN-1");
    assert_eq!(read.body["inwardIssue"]["key"], "KILN-2");
    let summary = bob.get("/rest/api/3/issue/KILN-2?fields=summary").await;
    assert_eq!(
        read.body["inwardIssue"]["fields"]["summary"],
        summary.body["fields"]["summary"]
    );
    for field in ["status", "priority", "issuetype"] {
        assert!(
            read.body["inwardIssue"]["fields"][field]["name"].is_string(),
            "{field}: {}",
            read.text
        );
    }

    // The same link again is not doubled; Jira still answers 201.
    let again = bob
        .post(
            "/rest/api/3/issueLink",
            &link(
                json!({ "id": "10000" }),
                json!({ "key": "KILN-2" }),
                json!({ "key": "KILN-1" }),
            ),
        )
        .await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.text);
    assert_eq!(links_of(&bob, "KILN-1").await.len(), 1);

    // By issue id and type id: KILN-3 duplicates KILN-1. The reverse direction
    // of a type is a link of its own.
    let id_of = |reply: &common::Reply| reply.str_at("/id");
    let kiln_1 = id_of(&bob.get("/rest/api/3/issue/KILN-1?fields=summary").await);
    let kiln_3 = id_of(&bob.get("/rest/api/3/issue/KILN-3?fields=summary").await);
    for body in [
        link(
            json!({ "id": "10002" }),
            json!({ "id": kiln_1 }),
            json!({ "id": kiln_3 }),
        ),
        link(
            json!({ "name": "Blocks" }),
            json!({ "key": "KILN-1" }),
            json!({ "key": "KILN-2" }),
        ),
    ] {
        let created = bob.post("/rest/api/3/issueLink", &body).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    }
    let from_one = links_of(&bob, "KILN-1").await;
    let seen: Vec<(String, String, String)> = from_one
        .iter()
        .map(|l| {
            let (side, other) = match l.get("inwardIssue") {
                Some(issue) => ("inward", issue),
                None => ("outward", &l["outwardIssue"]),
            };
            (
                l["type"]["name"].as_str().unwrap_or_default().to_owned(),
                side.to_owned(),
                other["key"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("Blocks", "inward", "KILN-2"),
        ("Duplicate", "outward", "KILN-3"),
        ("Blocks", "outward", "KILN-2"),
    ];
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    assert_eq!(seen, expected);

    // Searches carry the field when asked for it, and `*navigable` asks.
    for fields in [json!(["issuelinks"]), json!(["*navigable"])] {
        let found = bob
            .post(
                "/rest/api/3/search/jql",
                &json!({ "jql": "key = KILN-3", "fields": fields }),
            )
            .await;
        assert_eq!(found.status, StatusCode::OK, "{}", found.text);
        assert_eq!(
            found.body["issues"][0]["fields"]["issuelinks"][0]["inwardIssue"]["key"], "KILN-1",
            "{fields}: {}",
            found.text
        );
    }
    let plain = bob.get("/rest/api/3/issue/KILN-3?fields=summary").await;
    assert!(plain.body["fields"].get("issuelinks").is_none());
    let everything = bob.get("/rest/api/3/issue/KILN-3").await;
    assert_eq!(
        everything.body["fields"]["issuelinks"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );

    // Deleted: 204, gone from both sides and from its own address.
    let path = format!("/rest/api/3/issueLink/{link_id}");
    let deleted = bob.delete(&path).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    assert_eq!(bob.get(&path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(bob.delete(&path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(links_of(&bob, "KILN-1").await.len(), 2);
    assert_eq!(links_of(&bob, "KILN-2").await.len(), 1);
    let invalid = bob.get("/rest/api/3/issueLink/abc").await;
    assert_eq!(invalid.status, StatusCode::BAD_REQUEST, "{}", invalid.text);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_link_may_add_a_comment_to_its_outward_issue() {
    let sim = start().await;
    let bob = caller(&sim, USER);
    let comments = |reply: &common::Reply| reply.body["total"].as_u64().unwrap_or(0);
    let before = comments(&bob.get("/rest/api/3/issue/KILN-1/comment").await);
    let inward_before = comments(&bob.get("/rest/api/3/issue/KILN-2/comment").await);
    let document = json!({
        "type": "doc", "version": 1,
        "content": [{ "type": "paragraph", "content": [{ "type": "text", "text": "Linked related issue!" }] }],
    });
    let mut body = link(
        json!({ "name": "Relates" }),
        json!({ "key": "KILN-2" }),
        json!({ "key": "KILN-1" }),
    );
    body["comment"] = json!({ "body": document });
    let created = bob.post("/rest/api/3/issueLink", &body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let after = bob.get("/rest/api/3/issue/KILN-1/comment").await;
    assert_eq!(comments(&after), before + 1);
    assert_eq!(
        after.body["comments"]
            .as_array()
            .and_then(|c| c.last())
            .map(|c| c["body"].clone()),
        Some(document)
    );
    assert_eq!(
        comments(&bob.get("/rest/api/3/issue/KILN-2/comment").await),
        inward_before,
        "the inward issue gets no comment"
    );

    // A comment that is not a document: 400, and neither link nor comment made.
    body["type"] = json!({ "name": "Cloners" });
    body["comment"] = json!({ "body": "not a document" });
    let refused = bob.post("/rest/api/3/issueLink", &body).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    assert_eq!(links_of(&bob, "KILN-1").await.len(), 1);

    // v2 takes the comment as wiki markup, and answers as v3 does.
    body["comment"] = json!({ "body": "Cloned *here*" });
    let v2 = send(
        bob.request(reqwest::Method::POST, "/rest/api/2/issueLink")
            .json(&body),
    )
    .await;
    assert_eq!(v2.status, StatusCode::CREATED, "{}", v2.text);
    assert_eq!(links_of(&bob, "KILN-1").await.len(), 2);
    let v2_comments = bob.get("/rest/api/2/issue/KILN-1/comment").await;
    assert_eq!(
        v2_comments.body["comments"]
            .as_array()
            .and_then(|c| c.last())
            .map(|c| c["body"].clone()),
        Some(json!("Cloned *here*"))
    );
    let v2_links = bob.get("/rest/api/2/issue/KILN-1?fields=issuelinks").await;
    let v2_link = &v2_links.body["fields"]["issuelinks"][1];
    assert_eq!(v2_link["type"]["name"], "Cloners");
    assert!(
        v2_link["self"]
            .as_str()
            .is_some_and(|s| s.contains("/rest/api/2/issueLink/")),
        "{}",
        v2_links.text
    );
    let v2_read = bob
        .get(&format!(
            "/rest/api/2/issueLink/{}",
            v2_link["id"].as_str().unwrap_or_default()
        ))
        .await;
    assert_eq!(v2_read.status, StatusCode::OK, "{}", v2_read.text);
    assert!(
        v2_read
            .str_at("/inwardIssue/self")
            .contains("/rest/api/2/issue/")
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn link_refusals_are_jiras() {
    let sim = start().await;
    let contract = Contract::new();
    let (alice, bob, carol) = (
        caller(&sim, ADMIN),
        caller(&sim, USER),
        caller(&sim, OUTSIDER),
    );
    let key = |k: &str| json!({ "key": k });
    let blocks = json!({ "name": "Blocks" });

    // 400: a part missing, or an issue linked to itself.
    let invalid = [
        json!({ "inwardIssue": key("KILN-2"), "outwardIssue": key("KILN-1") }),
        json!({ "type": {}, "inwardIssue": key("KILN-2"), "outwardIssue": key("KILN-1") }),
        json!({ "type": blocks, "outwardIssue": key("KILN-1") }),
        json!({ "type": blocks, "inwardIssue": key("KILN-2"), "outwardIssue": {} }),
        link(blocks.clone(), key("KILN-1"), key("KILN-1")),
    ];
    for body in &invalid {
        let refused = bob.post("/rest/api/3/issueLink", body).await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            refused.text
        );
        contract.check_ref("400", "ErrorCollection", &refused.body);
    }
    // 404: a type that does not exist (by name, which is exact, or by id), an
    // issue that does not exist or that the caller may not see.
    let not_found = [
        (
            &bob,
            link(json!({ "name": "Causes" }), key("KILN-2"), key("KILN-1")),
        ),
        (
            &bob,
            link(json!({ "name": "blocks" }), key("KILN-2"), key("KILN-1")),
        ),
        (
            &bob,
            link(json!({ "id": "99" }), key("KILN-2"), key("KILN-1")),
        ),
        (&bob, link(blocks.clone(), key("KILN-999"), key("KILN-1"))),
        (&bob, link(blocks.clone(), key("KILN-2"), key("KILN-999"))),
        (&carol, link(blocks.clone(), key("SEC-1"), key("KILN-1"))),
        // Carol browses KILN but may not link its issues: the spec's 404.
        (&carol, link(blocks.clone(), key("KILN-2"), key("KILN-1"))),
        // Bob may browse SEC but not link from it.
        (&bob, link(blocks.clone(), key("KILN-1"), key("SEC-1"))),
    ];
    for (who, body) in &not_found {
        let refused = who.post("/rest/api/3/issueLink", body).await;
        assert_eq!(
            refused.status,
            StatusCode::NOT_FOUND,
            "{body}: {}",
            refused.text
        );
        contract.check_ref("404", "ErrorCollection", &refused.body);
    }
    assert!(links_of(&bob, "KILN-1").await.is_empty());

    // Bob links KILN-1 to SEC-1 (he may browse SEC); Carol, who may not, sees
    // neither that link on KILN-1 nor the link itself, and cannot delete it.
    let created = bob
        .post(
            "/rest/api/3/issueLink",
            &link(blocks.clone(), key("SEC-1"), key("KILN-1")),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let to_kiln = alice
        .post(
            "/rest/api/3/issueLink",
            &link(json!({ "name": "Relates" }), key("KILN-2"), key("KILN-1")),
        )
        .await;
    assert_eq!(to_kiln.status, StatusCode::CREATED);
    let bobs = links_of(&bob, "KILN-1").await;
    assert_eq!(bobs.len(), 2);
    let secret_id = bobs[0]["id"].as_str().expect("id").to_owned();
    let carols = links_of(&carol, "KILN-1").await;
    assert_eq!(carols.len(), 1, "{carols:?}");
    assert_eq!(carols[0]["inwardIssue"]["key"], "KILN-2");
    let secret = format!("/rest/api/3/issueLink/{secret_id}");
    assert_eq!(carol.get(&secret).await.status, StatusCode::NOT_FOUND);
    assert_eq!(carol.delete(&secret).await.status, StatusCode::NOT_FOUND);
    // Carol may read the KILN link but not delete it (no Link issues).
    let visible = format!(
        "/rest/api/3/issueLink/{}",
        carols[0]["id"].as_str().expect("id")
    );
    assert_eq!(carol.get(&visible).await.status, StatusCode::OK);
    let refused = carol.delete(&visible).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND, "{}", refused.text);
    contract.check_ref("404", "ErrorCollection", &refused.body);
    assert_eq!(bob.get(&visible).await.status, StatusCode::OK);
    // Bob may link KILN's issues, so may delete the link to SEC-1 too.
    assert_eq!(bob.delete(&secret).await.status, StatusCode::NO_CONTENT);
    sim.shutdown().await;
}

#[tokio::test]
async fn deleting_an_issue_deletes_its_links() {
    let sim = start().await;
    let bob = caller(&sim, USER);
    for (inward, outward) in [("KILN-2", "KILN-1"), ("KILN-1", "KILN-3")] {
        let created = bob
            .post(
                "/rest/api/3/issueLink",
                &link(
                    json!({ "name": "Relates" }),
                    json!({ "key": inward }),
                    json!({ "key": outward }),
                ),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    }
    let ids: Vec<String> = links_of(&bob, "KILN-1")
        .await
        .iter()
        .filter_map(|l| l["id"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(ids.len(), 2);
    let deleted = bob.delete("/rest/api/3/issue/KILN-1").await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    assert!(links_of(&bob, "KILN-2").await.is_empty());
    assert!(links_of(&bob, "KILN-3").await.is_empty());
    for id in ids {
        let gone = bob.get(&format!("/rest/api/3/issueLink/{id}")).await;
        assert_eq!(gone.status, StatusCode::NOT_FOUND);
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn links_are_capped_per_issue() {
    let sim = start().await;
    let bob = caller(&sim, USER);
    // Each other issue takes eight links with KILN-1: four types, both ways.
    let per_issue = 8;
    let others = MAX_ISSUE_LINKS_PER_ISSUE.div_ceil(per_issue) + 1;
    let mut keys = Vec::new();
    for n in 0..others {
        let created = bob
            .post(
                "/rest/api/3/issue",
                &json!({ "fields": {
                    "project": { "key": "KILN" },
                    "issuetype": { "name": "Task" },
                    "summary": format!("Linked {n}"),
                } }),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
        keys.push(created.str_at("/key"));
    }
    let types = ["10000", "10001", "10002", "10003"];
    let mut made = 0;
    'fill: for other in &keys[..others - 1] {
        for link_type in types {
            for (inward, outward) in [(other.as_str(), "KILN-1"), ("KILN-1", other.as_str())] {
                if made == MAX_ISSUE_LINKS_PER_ISSUE {
                    break 'fill;
                }
                let created = bob
                    .post(
                        "/rest/api/3/issueLink",
                        &link(
                            json!({ "id": link_type }),
                            json!({ "key": inward }),
                            json!({ "key": outward }),
                        ),
                    )
                    .await;
                assert_eq!(
                    created.status,
                    StatusCode::CREATED,
                    "link {made}: {}",
                    created.text
                );
                made += 1;
            }
        }
    }
    assert_eq!(
        links_of(&bob, "KILN-1").await.len(),
        MAX_ISSUE_LINKS_PER_ISSUE
    );
    let fresh = keys.last().expect("an issue").clone();
    // KILN-1 is full, whichever side it would take.
    for (inward, outward) in [(fresh.as_str(), "KILN-1"), ("KILN-1", fresh.as_str())] {
        let over = bob
            .post(
                "/rest/api/3/issueLink",
                &link(
                    json!({ "name": "Blocks" }),
                    json!({ "key": inward }),
                    json!({ "key": outward }),
                ),
            )
            .await;
        assert_eq!(over.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", over.text);
    }
    assert!(links_of(&bob, &fresh).await.is_empty());
    // An existing link is still "created" (not doubled), and one freed by a
    // deletion can be taken again.
    let existing = bob
        .post(
            "/rest/api/3/issueLink",
            &link(
                json!({ "name": "Blocks" }),
                json!({ "key": &keys[0] }),
                json!({ "key": "KILN-1" }),
            ),
        )
        .await;
    assert_eq!(existing.status, StatusCode::CREATED, "{}", existing.text);
    let first = links_of(&bob, &keys[0]).await;
    let id = first[0]["id"].as_str().expect("id");
    assert_eq!(
        bob.delete(&format!("/rest/api/3/issueLink/{id}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let again = bob
        .post(
            "/rest/api/3/issueLink",
            &link(
                json!({ "name": "Blocks" }),
                json!({ "key": &fresh }),
                json!({ "key": "KILN-1" }),
            ),
        )
        .await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.text);
    sim.shutdown().await;
}

#[tokio::test]
async fn apps_link_issues_through_the_gateway_with_their_scopes() {
    let sim = start().await;
    let gateway = format!("{}/ex/jira/{}/rest/api/3", sim.base_url(), sim.cloud_id());
    let body = link(
        json!({ "name": "Blocks" }),
        json!({ "key": "KILN-2" }),
        json!({ "key": "KILN-1" }),
    );
    let post = |access: &str| {
        send(
            client()
                .post(format!("{gateway}/issueLink"))
                .bearer_auth(access)
                .json(&body),
        )
    };
    let get = |access: &str, path: &str| {
        send(client().get(format!("{gateway}{path}")).bearer_auth(access))
    };

    // Link types: classic `read:jira-work` or granular `read:issue-link-type:jira`.
    let classic = common::oauth::access_token(&sim, "read:jira-work").await;
    let types_only = common::oauth::access_token(&sim, "read:issue-link-type:jira").await;
    for access in [&classic, &types_only] {
        let reply = get(access, "/issueLinkType/10000").await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert!(reply.str_at("/self").starts_with(&gateway));
    }
    // A read token may not link; `write:jira-work` or the granular set may.
    assert_eq!(post(&classic).await.status, StatusCode::UNAUTHORIZED);
    let link_only = common::oauth::access_token(&sim, "write:issue-link:jira").await;
    assert_eq!(post(&link_only).await.status, StatusCode::UNAUTHORIZED);
    let granular = common::oauth::access_token(
        &sim,
        "write:comment:jira write:issue:jira write:issue-link:jira",
    )
    .await;
    let created = post(&granular).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let writer = common::oauth::access_token(&sim, "read:jira-work write:jira-work").await;
    assert_eq!(post(&writer).await.status, StatusCode::CREATED);

    let issue = get(&classic, "/issue/KILN-1?fields=issuelinks").await;
    assert_eq!(issue.status, StatusCode::OK, "{}", issue.text);
    let id = issue.str_at("/fields/issuelinks/0/id");
    let path = format!("/issueLink/{id}");
    let read = get(&classic, &path).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    assert!(read.str_at("/self").starts_with(&gateway));
    assert_eq!(
        get(&types_only, &path).await.status,
        StatusCode::UNAUTHORIZED
    );
    let delete = |access: &str| {
        send(
            client()
                .delete(format!("{gateway}{path}"))
                .bearer_auth(access),
        )
    };
    assert_eq!(delete(&classic).await.status, StatusCode::UNAUTHORIZED);
    let deleter = common::oauth::access_token(&sim, "delete:issue-link:jira").await;
    assert_eq!(delete(&deleter).await.status, StatusCode::NO_CONTENT);
    sim.shutdown().await;
}
