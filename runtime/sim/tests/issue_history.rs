//! An issue's history and remote links: the changelog an edit, a transition and an
//! assignment leave (the same the `jira:issue_updated` webhook carried), the
//! entries attachments, issue links and remote links leave (with no such
//! webhook), its paging, remote links created, updated by global id, read, replaced and
//! deleted, every refusal Jira gives, the simulator's caps, REST API v2 and the
//! gateway's scopes. Every answer is checked against the platform spec.

use crate::common;
use crate::common::hook_receiver::{self, next_delivery, receiver};
use crate::contract::Contract;

use common::{ADMIN, OUTSIDER, USER, account_id, caller, client, send, start};
use kiln_sim::{Simulator, WebhookEvent};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Jira's per-issue limit on remote links, which the simulator keeps too.
const MAX_LINKS_PER_ISSUE: usize = 2_000;
/// The simulator's cap on one link's JSON.
const MAX_LINK_BYTES: usize = 32_768;
/// The simulator's cap on one issue's changelog entries.
const MAX_HISTORY_ENTRIES: usize = 1_000;

/// A simulator whose admin webhook at `url` hears every `jira:issue_updated`.
async fn start_with_hook(url: &str) -> Simulator {
    hook_receiver::start_with_hook(url, "history", WebhookEvent::IssueUpdated).await
}

/// `page` checked against `PageBeanChangelog`. The spec types a change item's
/// `from`, `to` and their strings as strings, but its own example and Jira's wire
/// send `null` where a value has none (the simulator follows the wire), so those
/// nulls are left out of the copy that is checked.
fn check_changelog_page(contract: &Contract, what: &str, page: &Value) {
    let mut checked = page.clone();
    for entry in checked["values"].as_array_mut().into_iter().flatten() {
        for item in entry["items"].as_array_mut().into_iter().flatten() {
            if let Some(item) = item.as_object_mut() {
                item.retain(|_, value| !value.is_null());
            }
        }
    }
    contract.check_ref(what, "PageBeanChangelog", &checked);
}

#[tokio::test]
async fn edits_transitions_and_assignments_are_the_changelog_their_webhooks_carried() {
    let (url, mut deliveries) = receiver().await;
    let sim = start_with_hook(&url).await;
    let contract = Contract::new();
    let bob = caller(&sim, USER);
    let (alice_id, bob_id) = (account_id(&sim, ADMIN), account_id(&sim, USER));

    // KILN-2: "Add JQL search to the simulator", In Progress, assigned to Bob.
    let writes = [
        bob.put(
            "/rest/api/3/issue/KILN-2",
            &json!({ "fields": { "summary": "Add JQL search", "labels": ["simulator", "jql"] } }),
        )
        .await,
        bob.post(
            "/rest/api/3/issue/KILN-2/transitions",
            &json!({ "transition": { "id": "31" } }),
        )
        .await,
        bob.put(
            "/rest/api/3/issue/KILN-2/assignee",
            &json!({ "accountId": alice_id }),
        )
        .await,
        // Changes nothing: neither a webhook nor a history entry.
        bob.put(
            "/rest/api/3/issue/KILN-2",
            &json!({ "fields": { "summary": "Add JQL search" } }),
        )
        .await,
    ];
    for write in &writes {
        assert_eq!(write.status, StatusCode::NO_CONTENT, "{}", write.text);
    }
    let mut carried = Vec::new();
    for _ in 0..3 {
        let delivery = next_delivery(&mut deliveries).await;
        assert_eq!(delivery["webhookEvent"], "jira:issue_updated");
        carried.push(delivery["changelog"].clone());
    }

    let page = bob.get("/rest/api/3/issue/KILN-2/changelog").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    check_changelog_page(&contract, "GET /changelog", &page.body);
    assert_eq!(page.body["total"], 3);
    assert_eq!(page.body["isLast"], true);
    let values = page.body["values"].as_array().expect("values");
    for (entry, webhook) in values.iter().zip(&carried) {
        assert_eq!(entry["id"], webhook["id"], "the webhook's changelog id");
        assert_eq!(entry["items"], webhook["items"], "the webhook's items");
        assert_eq!(entry["author"]["accountId"], bob_id.as_str());
        assert!(entry["created"].is_string());
    }
    // Oldest first, each with what Jira logs for it.
    assert_eq!(
        values[0]["items"],
        json!([
            {
                "field": "summary", "fieldtype": "jira", "fieldId": "summary",
                "from": null, "fromString": "Add JQL search to the simulator",
                "to": null, "toString": "Add JQL search",
            },
            {
                "field": "labels", "fieldtype": "jira", "fieldId": "labels",
                "from": null, "fromString": "simulator",
                "to": null, "toString": "simulator jql",
            },
        ])
    );
    // Into Done: the resolution the workflow sets, logged before the status.
    assert_eq!(
        values[1]["items"],
        json!([
            {
                "field": "resolution", "fieldtype": "jira", "fieldId": "resolution",
                "from": null, "fromString": null, "to": "10000", "toString": "Done",
            },
            {
                "field": "status", "fieldtype": "jira", "fieldId": "status",
                "from": "3", "fromString": "In Progress", "to": "10001", "toString": "Done",
            },
        ])
    );
    assert_eq!(values[2]["items"][0]["fieldId"], "assignee");
    assert_eq!(values[2]["items"][0]["from"], bob_id.as_str());
    assert_eq!(values[2]["items"][0]["to"], alice_id.as_str());

    // The same through REST API v2, with v2's links; by id as by key.
    let issue_id = bob.get("/rest/api/3/issue/KILN-2").await.str_at("/id");
    let v2 = bob
        .get(&format!("/rest/api/2/issue/{issue_id}/changelog"))
        .await;
    assert_eq!(v2.status, StatusCode::OK, "{}", v2.text);
    let v2_values = v2.body["values"].as_array().expect("values");
    assert_eq!(v2_values.len(), values.len());
    for (v2_entry, entry) in v2_values.iter().zip(values) {
        assert_eq!(v2_entry["id"], entry["id"]);
        assert_eq!(v2_entry["items"], entry["items"]);
        assert!(
            v2_entry["author"]["self"]
                .as_str()
                .is_some_and(|s| s.contains("/rest/api/2/user"))
        );
    }
    assert!(
        v2.str_at("/self")
            .contains("/rest/api/2/issue/KILN-2/changelog"),
        "{}",
        v2.body["self"]
    );

    // `expand=changelog` on the issue carries the same entries.
    let expanded = bob
        .get("/rest/api/3/issue/KILN-2?fields=summary&expand=changelog")
        .await;
    assert_eq!(expanded.status, StatusCode::OK, "{}", expanded.text);
    let changelog = &expanded.body["changelog"];
    assert_eq!(changelog["total"], 3);
    assert_eq!(changelog["startAt"], 0);
    assert_eq!(changelog["histories"].as_array().map(Vec::len), Some(3));
    for (history, entry) in changelog["histories"]
        .as_array()
        .into_iter()
        .flatten()
        .zip(values)
    {
        assert_eq!(history, entry);
    }
    let mut checked = changelog.clone();
    for entry in checked["histories"].as_array_mut().into_iter().flatten() {
        for item in entry["items"].as_array_mut().into_iter().flatten() {
            if let Some(item) = item.as_object_mut() {
                item.retain(|_, value| !value.is_null());
            }
        }
    }
    contract.check_ref("expand=changelog", "PageOfChangelogs", &checked);
    let plain = bob.get("/rest/api/3/issue/KILN-2?fields=summary").await;
    assert!(plain.body.get("changelog").is_none(), "{}", plain.text);
    sim.shutdown().await;
}

#[tokio::test]
async fn the_changelog_pages_oldest_first() {
    let sim = start().await;
    let contract = Contract::new();
    let alice = caller(&sim, ADMIN);
    for n in 1..=5 {
        let edit = alice
            .put(
                "/rest/api/3/issue/KILN-3",
                &json!({ "fields": { "summary": format!("Summary {n}") } }),
            )
            .await;
        assert_eq!(edit.status, StatusCode::NO_CONTENT);
    }
    let path = "/rest/api/3/issue/KILN-3/changelog";
    let first = alice.get_with(path, &[("maxResults", "2")]).await;
    check_changelog_page(&contract, "first page", &first.body);
    assert_eq!(
        (
            first.body["startAt"].clone(),
            first.body["maxResults"].clone()
        ),
        (json!(0), json!(2))
    );
    assert_eq!(first.body["total"], 5);
    assert_eq!(first.body["isLast"], false);
    assert!(
        first
            .str_at("/nextPage")
            .ends_with("/rest/api/3/issue/KILN-3/changelog?startAt=2&maxResults=2")
    );
    let to_strings = |page: &Value| -> Vec<String> {
        page["values"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|v| v["items"][0]["toString"].as_str().unwrap_or("").to_owned())
            .collect()
    };
    assert_eq!(to_strings(&first.body), ["Summary 1", "Summary 2"]);
    let last = alice
        .get_with(path, &[("startAt", "4"), ("maxResults", "2")])
        .await;
    check_changelog_page(&contract, "last page", &last.body);
    assert_eq!(to_strings(&last.body), ["Summary 5"]);
    assert_eq!(last.body["isLast"], true);
    assert!(last.body.get("nextPage").is_none());
    let ids: Vec<u64> = alice.get(path).await.body["values"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v["id"].as_str()?.parse().ok())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");

    // A seeded issue has no history yet; a page past the end is empty.
    let empty = alice.get("/rest/api/3/issue/KILN-1/changelog").await;
    check_changelog_page(&contract, "empty", &empty.body);
    assert_eq!(
        (empty.body["total"].clone(), empty.body["values"].clone()),
        (json!(0), json!([]))
    );
    let beyond = alice.get_with(path, &[("startAt", "99")]).await;
    assert_eq!(beyond.body["values"], json!([]));

    // Who may not browse the issue learns nothing of it.
    let carol = caller(&sim, OUTSIDER);
    for path in [
        "/rest/api/3/issue/SEC-1/changelog",
        "/rest/api/3/issue/KILN-999/changelog",
    ] {
        let refused = carol.get(path).await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND, "{path}");
        contract.check_ref(path, "ErrorCollection", &refused.body);
    }
    let bad = alice.get_with(path, &[("startAt", "-1")]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    sim.shutdown().await;
}

/// A link as an app posts it, Jira's documented example.
fn acme_link(global_id: &str, title: &str) -> Value {
    json!({
        "globalId": global_id,
        "application": { "name": "My Acme Tracker", "type": "com.acme.tracker" },
        "relationship": "causes",
        "object": {
            "url": "http://www.mycompany.com/support?id=1",
            "title": title,
            "summary": "Customer support issue",
            "icon": { "url16x16": "http://www.mycompany.com/support/ticket.png", "title": "Support Ticket" },
            "status": {
                "resolved": true,
                "icon": { "url16x16": "http://www.mycompany.com/support/resolved.png", "title": "Case Closed", "link": "http://www.mycompany.com/support?id=1&details=closed" }
            }
        }
    })
}

#[tokio::test]
async fn remote_links_are_created_updated_read_and_deleted() {
    let sim = start().await;
    let contract = Contract::new();
    let (bob, carol) = (caller(&sim, USER), caller(&sim, OUTSIDER));
    let base = "/rest/api/3/issue/KILN-1/remotelink";
    let global = "system=http://www.mycompany.com/support&id=1";

    let created = bob.post(base, &acme_link(global, "TSTSUP-111")).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    contract.check_ref(
        "POST /remotelink",
        "RemoteIssueLinkIdentifies",
        &created.body,
    );
    let id = created.body["id"].as_u64().expect("a numeric id");
    assert_eq!(
        created.str_at("/self"),
        format!("{}{base}/{id}", sim.base_url())
    );
    let plain = bob
        .post(
            base,
            &json!({ "object": { "url": "https://example.com/doc", "title": "Design doc" } }),
        )
        .await;
    assert_eq!(plain.status, StatusCode::CREATED, "{}", plain.text);
    let plain_id = plain.body["id"].as_u64().expect("id");
    assert!(plain_id > id);

    // The same globalId again: that link updated, 200, same id; unknown members dropped.
    let mut again = acme_link(global, "TSTSUP-111 (reopened)");
    again["object"]["extra"] = json!("not kept");
    let updated = bob.post(base, &again).await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    contract.check_ref(
        "POST /remotelink (update)",
        "RemoteIssueLinkIdentifies",
        &updated.body,
    );
    assert_eq!(updated.body["id"], id);

    // Carol may browse KILN: she reads what Bob linked.
    let list = carol.get(base).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    let links = list.body.as_array().expect("a list");
    assert_eq!(links.len(), 2);
    for link in links {
        contract.check_ref("GET /remotelink", "RemoteIssueLink", link);
    }
    assert_eq!(links[0]["id"], id);
    assert_eq!(links[0]["globalId"], global);
    assert_eq!(links[0]["object"]["title"], "TSTSUP-111 (reopened)");
    assert_eq!(links[0]["object"]["status"]["resolved"], true);
    assert_eq!(links[0]["application"]["type"], "com.acme.tracker");
    assert!(links[0]["object"].get("extra").is_none());
    assert_eq!(links[1]["id"], plain_id);
    assert!(links[1].get("globalId").is_none());

    let one = carol.get(&format!("{base}/{id}")).await;
    assert_eq!(one.status, StatusCode::OK);
    contract.check_ref("GET /remotelink/{id}", "RemoteIssueLink", &one.body);
    assert_eq!(one.body, links[0]);
    // `?globalId=` answers that one link (an object, as Jira does).
    let filtered = carol.get_with(base, &[("globalId", global)]).await;
    assert_eq!(filtered.status, StatusCode::OK, "{}", filtered.text);
    assert_eq!(filtered.body, links[0]);
    let unknown = carol.get_with(base, &[("globalId", "nope")]).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    // REST API v2 answers the same links, with v2's `self`.
    let v2 = carol
        .get(&format!("/rest/api/2/issue/KILN-1/remotelink/{id}"))
        .await;
    assert_eq!(v2.status, StatusCode::OK);
    assert_eq!(v2.body["object"], links[0]["object"]);
    assert!(
        v2.str_at("/self")
            .contains("/rest/api/2/issue/KILN-1/remotelink/")
    );

    // PUT replaces the whole link: what it leaves out is cleared.
    let replaced = bob
        .put(
            &format!("{base}/{id}"),
            &json!({ "globalId": global, "object": { "url": "https://acme.example/2", "title": "Two" } }),
        )
        .await;
    assert_eq!(replaced.status, StatusCode::NO_CONTENT, "{}", replaced.text);
    let read = bob.get(&format!("{base}/{id}")).await.body;
    contract.check_ref("GET after PUT", "RemoteIssueLink", &read);
    assert_eq!(
        read["object"],
        json!({ "url": "https://acme.example/2", "title": "Two" })
    );
    assert!(read.get("application").is_none() && read.get("relationship").is_none());

    // Deleted by id, then by global id.
    let by_id = bob.delete(&format!("{base}/{plain_id}")).await;
    assert_eq!(by_id.status, StatusCode::NO_CONTENT);
    assert_eq!(
        bob.get(&format!("{base}/{plain_id}")).await.status,
        StatusCode::NOT_FOUND
    );
    let by_global = send(
        bob.request(reqwest::Method::DELETE, base)
            .query(&[("globalId", global)]),
    )
    .await;
    assert_eq!(
        by_global.status,
        StatusCode::NO_CONTENT,
        "{}",
        by_global.text
    );
    assert_eq!(bob.get(base).await.body, json!([]));
    sim.shutdown().await;
}

#[tokio::test]
async fn remote_link_refusals_are_jiras() {
    let sim = start().await;
    let contract = Contract::new();
    let (alice, bob, carol) = (
        caller(&sim, ADMIN),
        caller(&sim, USER),
        caller(&sim, OUTSIDER),
    );
    let base = "/rest/api/3/issue/KILN-1/remotelink";

    // Validation: `object` with `url` and `title` required, a short `globalId`.
    let long_global = "g".repeat(256);
    let invalid = [
        (json!({}), "title"),
        (json!({ "object": { "url": "https://x.example" } }), "title"),
        (
            json!({ "object": { "title": "  ", "url": "https://x.example" } }),
            "title",
        ),
        (json!({ "object": { "title": "T" } }), "url"),
        (
            json!({ "globalId": long_global, "object": { "title": "T", "url": "u" } }),
            "globalId",
        ),
    ];
    for (body, field) in invalid {
        let refused = bob.post(base, &body).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{body}");
        contract.check_ref("refusal", "ErrorCollection", &refused.body);
        assert_eq!(refused.body["errorMessages"], json!([]), "{body}");
        assert!(
            refused.body["errors"][field].is_string(),
            "{body}: {}",
            refused.text
        );
    }
    assert_eq!(
        bob.post(base, &json!({ "object": { "title": 5, "url": "u" } }))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );

    let link = json!({ "globalId": "g1", "object": { "title": "T", "url": "https://x.example" } });
    let id = bob.post(base, &link).await.body["id"].as_u64().expect("id");
    let one = format!("{base}/{id}");

    // Carol may browse KILN but not change it: 403 on every write.
    let writes = [
        send(carol.request(reqwest::Method::POST, base).json(&link)).await,
        carol.put(&one, &link).await,
        carol.delete(&one).await,
        send(
            carol
                .request(reqwest::Method::DELETE, base)
                .query(&[("globalId", "g1")]),
        )
        .await,
    ];
    for refused in writes {
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
        contract.check_ref("403", "ErrorCollection", &refused.body);
    }
    // SEC she may not see, and an issue that does not exist: 404 for all.
    let secret = alice
        .post("/rest/api/3/issue/SEC-1/remotelink", &link)
        .await;
    assert_eq!(secret.status, StatusCode::CREATED);
    let secret_id = secret.body["id"].as_u64().expect("id");
    for issue in ["SEC-1", "KILN-999"] {
        let path = format!("/rest/api/3/issue/{issue}/remotelink");
        assert_eq!(
            carol.get(&path).await.status,
            StatusCode::NOT_FOUND,
            "{issue}"
        );
        assert_eq!(
            carol.post(&path, &link).await.status,
            StatusCode::NOT_FOUND,
            "{issue}"
        );
        assert_eq!(
            carol.delete(&format!("{path}/{secret_id}")).await.status,
            StatusCode::NOT_FOUND,
            "{issue}"
        );
    }
    // Links: an id that is not one is 400, a link of another issue 400 for who
    // may see it and 404 for who may not, a link that does not exist 404. A write
    // is refused for the issue (Carol's 403) before the link is looked for.
    let bad_request = StatusCode::BAD_REQUEST;
    let cases = [
        (&bob, format!("{base}/abc"), bad_request, bad_request),
        (
            &alice,
            format!("{base}/{secret_id}"),
            bad_request,
            bad_request,
        ),
        (
            &carol,
            format!("{base}/{secret_id}"),
            StatusCode::NOT_FOUND,
            StatusCode::FORBIDDEN,
        ),
        (
            &bob,
            format!("{base}/99999"),
            StatusCode::NOT_FOUND,
            StatusCode::NOT_FOUND,
        ),
    ];
    for (who, path, read, write) in cases {
        let reply = who.get(&path).await;
        assert_eq!(reply.status, read, "{path}: {}", reply.text);
        contract.check_ref("refusal", "ErrorCollection", &reply.body);
        assert_eq!(who.put(&path, &link).await.status, write, "PUT {path}");
        assert_eq!(who.delete(&path).await.status, write, "DELETE {path}");
    }
    assert_eq!(
        bob.delete(&format!("{base}/99999")).await.status,
        StatusCode::NOT_FOUND
    );
    // Deleting by global id needs one, and one the issue has.
    assert_eq!(bob.delete(base).await.status, StatusCode::BAD_REQUEST);
    let missing = send(
        bob.request(reqwest::Method::DELETE, base)
            .query(&[("globalId", "nope")]),
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    // PUT may not take a global id another link of the issue has.
    let other = bob
        .post(
            base,
            &json!({ "globalId": "g2", "object": { "title": "T", "url": "u" } }),
        )
        .await;
    let clash = bob
        .put(&format!("{base}/{}", other.body["id"]), &link)
        .await;
    assert_eq!(clash.status, StatusCode::BAD_REQUEST);
    assert!(clash.body["errors"]["globalId"].is_string());
    sim.shutdown().await;
}

#[tokio::test]
async fn remote_links_are_capped_per_issue_and_in_size() {
    let sim = start().await;
    let bob = caller(&sim, USER);
    let base = "/rest/api/3/issue/KILN-3/remotelink";

    // One link over the size cap: 413, and nothing kept.
    let huge =
        json!({ "object": { "title": "T", "url": "u", "summary": "s".repeat(MAX_LINK_BYTES) } });
    let refused = bob.post(base, &huge).await;
    assert_eq!(
        refused.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        refused.text
    );
    assert!(refused.body["errorMessages"][0].is_string());
    assert_eq!(bob.get(base).await.body, json!([]));

    for n in 0..MAX_LINKS_PER_ISSUE {
        let created = bob
            .post(
                base,
                &json!({ "globalId": n.to_string(), "object": { "title": "T", "url": "u" } }),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "link {n}");
    }
    let over = bob
        .post(base, &json!({ "object": { "title": "T", "url": "u" } }))
        .await;
    assert_eq!(over.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", over.text);
    // At the cap a link is still updated by its global id, and one freed by a
    // deletion can be taken again.
    let update = bob
        .post(
            base,
            &json!({ "globalId": "7", "object": { "title": "Seven", "url": "u" } }),
        )
        .await;
    assert_eq!(update.status, StatusCode::OK);
    let deleted = send(
        bob.request(reqwest::Method::DELETE, base)
            .query(&[("globalId", "7")]),
    )
    .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let again = bob
        .post(base, &json!({ "object": { "title": "T", "url": "u" } }))
        .await;
    assert_eq!(again.status, StatusCode::CREATED);

    // Every link made and deleted was logged (not the update, nor what was
    // refused), and the history kept its newest entries only.
    let logged = MAX_LINKS_PER_ISSUE + 2;
    assert!(logged > MAX_HISTORY_ENTRIES);
    let history = bob
        .get_with("/rest/api/3/issue/KILN-3/changelog", &[("startAt", "998")])
        .await;
    assert_eq!(history.status, StatusCode::OK, "{}", history.text);
    assert_eq!(history.body["total"], MAX_HISTORY_ENTRIES);
    let newest = &history.body["values"][1]["items"][0];
    assert_eq!(newest["field"], "RemoteIssueLink");
    assert_eq!(newest["to"], again.body["id"].to_string());
    let deletion = &history.body["values"][0]["items"][0];
    assert_eq!(
        deletion["fromString"],
        "This issue links to \"Seven (Web Link)\""
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn apps_read_history_and_link_through_the_gateway_with_their_scopes() {
    let sim = start().await;
    let gateway = format!("{}/ex/jira/{}/rest/api/3", sim.base_url(), sim.cloud_id());
    let alice = caller(&sim, ADMIN);
    let edit = alice
        .put(
            "/rest/api/3/issue/KILN-1",
            &json!({ "fields": { "summary": "Through the gateway" } }),
        )
        .await;
    assert_eq!(edit.status, StatusCode::NO_CONTENT);

    // Reading: classic `read:jira-work`, or getChangeLogs' granular set.
    let classic = common::oauth::access_token(&sim, "read:jira-work").await;
    let granular = common::oauth::access_token(
        &sim,
        "read:issue-meta:jira read:avatar:jira read:issue.changelog:jira",
    )
    .await;
    for access in [&classic, &granular] {
        let reply = send(
            client()
                .get(format!("{gateway}/issue/KILN-1/changelog"))
                .bearer_auth(access),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(reply.body["total"], 1);
        assert!(reply.str_at("/self").starts_with(&gateway));
    }
    // The granular changelog scopes do not read remote links; nor does a read
    // token write them.
    let links = send(
        client()
            .get(format!("{gateway}/issue/KILN-1/remotelink"))
            .bearer_auth(&granular),
    )
    .await;
    assert_eq!(links.status, StatusCode::UNAUTHORIZED);
    let link =
        json!({ "globalId": "app-1", "object": { "title": "T", "url": "https://x.example" } });
    let write = send(
        client()
            .post(format!("{gateway}/issue/KILN-1/remotelink"))
            .bearer_auth(&classic)
            .json(&link),
    )
    .await;
    assert_eq!(write.status, StatusCode::UNAUTHORIZED);

    let writer = common::oauth::access_token(&sim, "read:jira-work write:jira-work").await;
    let created = send(
        client()
            .post(format!("{gateway}/issue/KILN-1/remotelink"))
            .bearer_auth(&writer)
            .json(&link),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert!(created.str_at("/self").starts_with(&gateway));
    let deleted = send(
        client()
            .delete(format!("{gateway}/issue/KILN-1/remotelink"))
            .query(&[("globalId", "app-1")])
            .bearer_auth(&writer),
    )
    .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    sim.shutdown().await;
}

/// A change item as Jira logs an attachment or a link: `(value, text)` added
/// (`to`) or removed (`from`); `fieldId` only where Jira gives one.
fn item(
    field: &str,
    field_id: Option<&str>,
    from: Option<(&str, &str)>,
    to: Option<(&str, &str)>,
) -> Value {
    let mut item = json!({
        "field": field, "fieldtype": "jira",
        "from": from.map(|f| f.0), "fromString": from.map(|f| f.1),
        "to": to.map(|t| t.0), "toString": to.map(|t| t.1),
    });
    if let Some(field_id) = field_id {
        item["fieldId"] = json!(field_id);
    }
    item
}

/// The items of `issue`'s changelog entries, oldest first, as `who` reads them;
/// the page checked against the spec.
async fn history_items(who: &common::Caller<'_>, contract: &Contract, issue: &str) -> Vec<Value> {
    let page = who
        .get(&format!("/rest/api/3/issue/{issue}/changelog"))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{issue}: {}", page.text);
    check_changelog_page(contract, issue, &page.body);
    page.body["values"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|entry| {
            assert_eq!(
                entry["items"].as_array().map(Vec::len),
                Some(1),
                "one item an entry: {entry}"
            );
            entry["items"][0].clone()
        })
        .collect()
}

#[tokio::test]
async fn attachments_and_links_are_logged_in_the_changelog_without_raising_issue_updated() {
    let (url, mut deliveries) = receiver().await;
    let sim = start_with_hook(&url).await;
    let contract = Contract::new();
    let (bob, carol) = (caller(&sim, USER), caller(&sim, OUTSIDER));
    let bob_id = account_id(&sim, USER);

    // Two files in one upload: one entry each, as one `attachment_created` each.
    let uploaded = send(bob.upload(
        "/rest/api/3",
        "KILN-1",
        &[
            common::FormPart::file("notes.txt", Some("text/plain"), b"notes"),
            common::FormPart::file("trace.log", None, b"trace"),
        ],
    ))
    .await;
    assert_eq!(uploaded.status, StatusCode::OK, "{}", uploaded.text);
    let (notes, trace) = (uploaded.str_at("/0/id"), uploaded.str_at("/1/id"));
    let removed = bob.delete(&format!("/rest/api/3/attachment/{trace}")).await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{}", removed.text);

    // KILN-1 blocks SEC-1, which Carol may not browse; then unlinked.
    let linked = bob
        .post(
            "/rest/api/3/issueLink",
            &json!({
                "type": { "name": "Blocks" },
                "inwardIssue": { "key": "SEC-1" },
                "outwardIssue": { "key": "KILN-1" },
            }),
        )
        .await;
    assert_eq!(linked.status, StatusCode::CREATED, "{}", linked.text);
    let link_id = bob
        .get("/rest/api/3/issue/KILN-1?fields=issuelinks")
        .await
        .body["fields"]["issuelinks"][0]["id"]
        .as_str()
        .expect("the link's id")
        .to_owned();
    // The same link again is not made again, and logs nothing.
    let again = bob
        .post(
            "/rest/api/3/issueLink",
            &json!({
                "type": { "id": "10000" },
                "inwardIssue": { "key": "SEC-1" },
                "outwardIssue": { "key": "KILN-1" },
            }),
        )
        .await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.text);
    let unlinked = bob
        .delete(&format!("/rest/api/3/issueLink/{link_id}"))
        .await;
    assert_eq!(unlinked.status, StatusCode::NO_CONTENT, "{}", unlinked.text);

    // A remote link with an application's name, one without; one deleted.
    let remote = "/rest/api/3/issue/KILN-1/remotelink";
    let acme = bob.post(remote, &acme_link("acme-1", "TSTSUP-111")).await;
    assert_eq!(acme.status, StatusCode::CREATED, "{}", acme.text);
    let web = bob
        .post(
            remote,
            &json!({ "object": { "url": "https://example.com/doc", "title": "Design doc" } }),
        )
        .await;
    assert_eq!(web.status, StatusCode::CREATED, "{}", web.text);
    let (acme_id, web_id) = (acme.body["id"].to_string(), web.body["id"].to_string());
    // Updating a link by its global id logs nothing.
    let updated = bob
        .post(remote, &acme_link("acme-1", "TSTSUP-111 (reopened)"))
        .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    let deleted = bob.delete(&format!("{remote}/{web_id}")).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);

    let (notes, trace) = (notes.as_str(), trace.as_str());
    let (acme_id, web_id) = (acme_id.as_str(), web_id.as_str());
    let kiln_1 = [
        item(
            "Attachment",
            Some("attachment"),
            None,
            Some((notes, "notes.txt")),
        ),
        item(
            "Attachment",
            Some("attachment"),
            None,
            Some((trace, "trace.log")),
        ),
        item(
            "Attachment",
            Some("attachment"),
            Some((trace, "trace.log")),
            None,
        ),
        item(
            "Link",
            None,
            None,
            Some(("SEC-1", "This issue blocks SEC-1")),
        ),
        item(
            "Link",
            None,
            Some(("SEC-1", "This issue blocks SEC-1")),
            None,
        ),
        item(
            "RemoteIssueLink",
            None,
            None,
            Some((
                acme_id,
                "This issue links to \"TSTSUP-111 (My Acme Tracker)\"",
            )),
        ),
        item(
            "RemoteIssueLink",
            None,
            None,
            Some((web_id, "This issue links to \"Design doc (Web Link)\"")),
        ),
        item(
            "RemoteIssueLink",
            None,
            Some((web_id, "This issue links to \"Design doc (Web Link)\"")),
            None,
        ),
    ];
    assert_eq!(history_items(&bob, &contract, "KILN-1").await, kiln_1);
    // The other side logs the link read from there.
    assert_eq!(
        history_items(&bob, &contract, "SEC-1").await,
        [
            item(
                "Link",
                None,
                None,
                Some(("KILN-1", "This issue is blocked by KILN-1"))
            ),
            item(
                "Link",
                None,
                Some(("KILN-1", "This issue is blocked by KILN-1")),
                None
            ),
        ]
    );
    // Carol sees KILN-1's history as Jira shows it, the hidden issue's key with
    // it, but nothing more of SEC-1: not its summary.
    let carols = carol.get("/rest/api/3/issue/KILN-1/changelog").await;
    assert_eq!(carols.status, StatusCode::OK, "{}", carols.text);
    assert_eq!(history_items(&carol, &contract, "KILN-1").await, kiln_1);
    assert!(
        !carols.text.contains("Rotate the leaked staging credential"),
        "{}",
        carols.text
    );
    assert_eq!(
        carol.get("/rest/api/3/issue/SEC-1/changelog").await.status,
        StatusCode::NOT_FOUND
    );

    // Every entry is Bob's, ids ascend; `expand=changelog` and v2 show the same.
    let page = bob.get("/rest/api/3/issue/KILN-1/changelog").await.body;
    let values = page["values"].as_array().expect("values").clone();
    assert!(
        values
            .iter()
            .all(|v| v["author"]["accountId"] == bob_id.as_str())
    );
    let ids: Vec<u64> = values
        .iter()
        .filter_map(|v| v["id"].as_str()?.parse().ok())
        .collect();
    assert_eq!(ids.len(), kiln_1.len());
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    let expanded = bob
        .get("/rest/api/3/issue/KILN-1?fields=summary&expand=changelog")
        .await;
    assert_eq!(expanded.body["changelog"]["histories"], json!(values));
    let v2 = bob.get("/rest/api/2/issue/KILN-1/changelog").await;
    assert_eq!(v2.status, StatusCode::OK, "{}", v2.text);
    let v2_items: Vec<Value> = v2.body["values"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| v["items"][0].clone())
        .collect();
    assert_eq!(v2_items, kiln_1);

    // None of it raised `jira:issue_updated`: the first delivery is the edit's,
    // numbered after them from the same sequence.
    let edit = bob
        .put(
            "/rest/api/3/issue/KILN-1",
            &json!({ "fields": { "summary": "After the links" } }),
        )
        .await;
    assert_eq!(edit.status, StatusCode::NO_CONTENT, "{}", edit.text);
    let delivery = next_delivery(&mut deliveries).await;
    assert_eq!(delivery["webhookEvent"], "jira:issue_updated");
    assert_eq!(delivery["changelog"]["items"][0]["field"], "summary");
    let edit_id: u64 = delivery["changelog"]["id"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .expect("a changelog id");
    assert!(ids.iter().all(|id| *id < edit_id), "{ids:?} < {edit_id}");
    let after = bob.get("/rest/api/3/issue/KILN-1/changelog").await;
    assert_eq!(after.body["total"], kiln_1.len() + 1);
    assert_eq!(
        after.body["values"][kiln_1.len()]["id"],
        delivery["changelog"]["id"]
    );
    assert!(
        tokio::time::timeout(std::time::Duration::from_millis(300), deliveries.recv())
            .await
            .is_err(),
        "no other delivery"
    );
    sim.shutdown().await;
}

/// A priority change alone is an edit Jira logs and announces: `priority` by id
/// and name, in the `jira:issue_updated` webhook and the changelog alike, whether
/// written as `fields` or as `update`'s `set`; with the assignee in the same edit
/// both are logged.
#[tokio::test]
async fn a_priority_change_is_logged_and_announced() {
    let (url, mut deliveries) = receiver().await;
    let sim = start_with_hook(&url).await;
    let bob = caller(&sim, USER);
    let alice_id = account_id(&sim, ADMIN);
    let before = bob.get("/rest/api/3/issue/KILN-2?fields=priority").await;
    let was = before.body["fields"]["priority"].clone();
    assert_ne!(was["name"], "Highest", "{}", before.text);

    let raised = bob
        .put(
            "/rest/api/3/issue/KILN-2",
            &json!({ "fields": { "priority": { "name": "Highest" } } }),
        )
        .await;
    assert_eq!(raised.status, StatusCode::NO_CONTENT, "{}", raised.text);
    let delivery = next_delivery(&mut deliveries).await;
    assert_eq!(delivery["webhookEvent"], "jira:issue_updated");
    assert_eq!(
        delivery["changelog"]["items"],
        json!([{
            "field": "priority", "fieldtype": "jira", "fieldId": "priority",
            "from": was["id"], "fromString": was["name"],
            "to": "1", "toString": "Highest",
        }])
    );

    let both = bob
        .put(
            "/rest/api/3/issue/KILN-2",
            &json!({
                "update": { "priority": [{ "set": { "name": "Low" } }] },
                "fields": { "assignee": { "accountId": alice_id } },
            }),
        )
        .await;
    assert_eq!(both.status, StatusCode::NO_CONTENT, "{}", both.text);
    let delivery = next_delivery(&mut deliveries).await;
    let fields: Vec<&str> = delivery["changelog"]["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|item| item["field"].as_str())
        .collect();
    assert_eq!(fields, ["priority", "assignee"]);

    let history = bob.get("/rest/api/3/issue/KILN-2/changelog").await;
    let values = history.body["values"].as_array().expect("values");
    assert_eq!(values.len(), 2, "{}", history.text);
    assert_eq!(values[0]["items"][0]["toString"], "Highest");
    assert_eq!(values[1]["items"][0]["toString"], "Low");
}
