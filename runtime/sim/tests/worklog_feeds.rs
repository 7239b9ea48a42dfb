//! The bulk reads time-tracking and reporting apps sync from: the worklog feeds
//! (`GET /worklog/updated`, `GET /worklog/deleted`, `POST /worklog/list`), a
//! worklog restricted to a group or project role, changelogs in bulk
//! (`POST /changelog/bulkfetch`, `POST /issue/{key}/changelog/list`), over real
//! HTTP on v3, v2 and the gateway: paging, who sees what, the limits, and
//! hostile input answered with Jira's `400`.

use crate::common;
use crate::contract::Contract;

use std::time::Duration;

use common::{ADMIN, OUTSIDER, USER, caller, send};
use kiln_sim::{SimClock, SimConfig, Simulator};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use time::macros::datetime;

/// `changelogs` with the `null`s of its change items left out. The spec types
/// an item's `from`, `to` and their strings as strings, but its own example and
/// Jira's wire send `null` where a value has none (the simulator follows the
/// wire), as `issue_history.rs` says.
pub(crate) fn without_null_items(changelogs: &Value) -> Value {
    let mut checked = changelogs.clone();
    strip_null_items(&mut checked);
    checked
}

fn strip_null_items(value: &mut Value) {
    match value {
        Value::Object(object) => {
            for (name, child) in object.iter_mut() {
                if name == "items" {
                    for item in child.as_array_mut().into_iter().flatten() {
                        if let Some(item) = item.as_object_mut() {
                            item.retain(|_, v| !v.is_null());
                        }
                    }
                } else {
                    strip_null_items(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(strip_null_items),
        _ => {}
    }
}

/// Asserts `instance` is a valid `name` of the platform spec (`contract.rs`).
pub(crate) fn check(name: &str, instance: &Value) {
    Contract::new().check_ref(name, name, instance);
}

const MINUTE: Duration = Duration::from_secs(61);

/// A site whose clock stands still until the test moves it.
async fn frozen() -> (Simulator, SimClock) {
    let clock = SimClock::frozen_at(datetime!(2025-06-02 09:00 UTC).into());
    let sim = common::start_with(SimConfig {
        clock: clock.clone(),
        ..SimConfig::default()
    })
    .await;
    (sim, clock)
}

/// The clock's time in epoch milliseconds, as the feeds write it.
fn millis(clock: &SimClock) -> i64 {
    clock
        .now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after the epoch")
        .as_millis() as i64
}

/// Logs work on `key` as `who` with `extra` fields; the new worklog's id.
async fn log(who: &common::Caller<'_>, key: &str, extra: Value) -> u64 {
    let mut body = json!({ "timeSpent": "1h" });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    let added = who
        .post(&format!("/rest/api/3/issue/{key}/worklog"), &body)
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
    added.str_at("/id").parse().expect("numeric id")
}

/// The worklog ids of a `ChangedWorklogs` page, in order.
fn ids(page: &Value) -> Vec<u64> {
    page["values"]
        .as_array()
        .expect("values")
        .iter()
        .map(|v| v["worklogId"].as_u64().expect("worklogId"))
        .collect()
}

/// `link` (an absolute URL the site gave) as a path on the site.
fn path_of(sim: &Simulator, link: &Value) -> String {
    link.as_str()
        .expect("a link")
        .strip_prefix(sim.base_url())
        .expect("a link on the site")
        .to_owned()
}

#[tokio::test]
async fn the_updated_feed_lists_settled_changes_oldest_first_and_pages_from_until() {
    let (sim, clock) = frozen().await;
    let bob = caller(&sim, USER);
    let first = log(&bob, "KILN-1", json!({})).await;
    let t1 = millis(&clock);
    clock.advance(Duration::from_millis(1500));
    let second = log(&bob, "KILN-2", json!({})).await;
    let t2 = millis(&clock);

    // Within the minute before the request: not listed yet.
    let fresh = bob.get("/rest/api/3/worklog/updated?since=0").await;
    assert_eq!(fresh.status, StatusCode::OK, "{}", fresh.text);
    assert_eq!(ids(&fresh.body), Vec::<u64>::new());
    assert_eq!(fresh.body["until"], 0);
    assert_eq!(fresh.body["lastPage"], true);
    check("ChangedWorklogs", &fresh.body);

    clock.advance(MINUTE);
    let page = bob.get("/rest/api/3/worklog/updated").await;
    assert_eq!(ids(&page.body), vec![first, second]);
    assert_eq!(
        page.body["values"][0],
        json!({ "worklogId": first, "updatedTime": t1, "properties": [] })
    );
    assert_eq!(page.body["since"], 0);
    assert_eq!(page.body["until"], t2);
    assert_eq!(page.body["lastPage"], true);
    assert_eq!(
        page.body["self"],
        format!("{}/rest/api/3/worklog/updated?since=0", sim.base_url())
    );
    assert_eq!(
        page.body["nextPage"],
        format!("{}/rest/api/3/worklog/updated?since={t2}", sim.base_url())
    );
    check("ChangedWorklogs", &page.body);

    // `since` is inclusive: the next page starts with the last change.
    let next = bob.get(&path_of(&sim, &page.body["nextPage"])).await;
    assert_eq!(ids(&next.body), vec![second]);
    assert_eq!(
        ids(&bob
            .get(&format!("/rest/api/3/worklog/updated?since={}", t1 + 1))
            .await
            .body),
        vec![second]
    );

    // An edit moves the worklog to the end once it has settled.
    let edited = bob
        .put(
            &format!("/rest/api/3/issue/KILN-1/worklog/{first}"),
            &json!({ "timeSpent": "2h" }),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.text);
    let t3 = millis(&clock);
    clock.advance(MINUTE);
    let moved = bob
        .get_with(
            "/rest/api/3/worklog/updated",
            &[("since", &t1.to_string()), ("expand", "properties")],
        )
        .await;
    assert_eq!(ids(&moved.body), vec![second, first]);
    assert_eq!(moved.body["values"][1]["updatedTime"], t3);
    assert_eq!(moved.body["values"][1]["properties"], json!([]));
    assert_eq!(
        moved.body["nextPage"],
        format!(
            "{}/rest/api/3/worklog/updated?since={t3}&expand=properties",
            sim.base_url()
        )
    );

    // v2 names v2 in its links; the gateway, its own path.
    let v2 = bob.get("/rest/api/2/worklog/updated?since=0").await;
    assert_eq!(ids(&v2.body), vec![second, first]);
    assert_eq!(
        v2.body["nextPage"],
        format!("{}/rest/api/2/worklog/updated?since={t3}", sim.base_url())
    );
    let token = common::oauth::access_token(&sim, "read:jira-work").await;
    let gateway =
        common::oauth::gateway_get(&sim, &token, "/rest/api/3/worklog/updated?since=0").await;
    assert_eq!(gateway.status(), StatusCode::OK);
    let gateway: Value = gateway.json().await.expect("JSON");
    assert_eq!(ids(&gateway), vec![second, first]);
    assert_eq!(
        gateway["self"],
        format!(
            "{}/ex/jira/{}/rest/api/3/worklog/updated?since=0",
            sim.base_url(),
            sim.cloud_id()
        )
    );
    // A token without a scope that opens the feed is refused.
    let other = common::oauth::access_token(&sim, "read:jira-user").await;
    let refused = common::oauth::gateway_get(&sim, &other, "/rest/api/3/worklog/deleted").await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    sim.shutdown().await;
}

#[tokio::test]
async fn the_updated_feed_pages_a_thousand_at_a_time() {
    let (sim, clock) = frozen().await;
    let bob = caller(&sim, USER);
    let mut logged = Vec::new();
    for _ in 0..1003 {
        logged.push(log(&bob, "KILN-3", json!({})).await);
        clock.advance(Duration::from_millis(1));
    }
    clock.advance(MINUTE);
    let first = bob.get("/rest/api/3/worklog/updated").await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(ids(&first.body), logged[..1000]);
    assert_eq!(first.body["lastPage"], false);
    let second = bob.get(&path_of(&sim, &first.body["nextPage"])).await;
    // The page's last change again, then the rest.
    assert_eq!(ids(&second.body), logged[999..]);
    assert_eq!(second.body["lastPage"], true);
    // The issue's own list pages the same worklogs.
    let listed = bob
        .get("/rest/api/3/issue/KILN-3/worklog?maxResults=5000")
        .await;
    assert_eq!(listed.body["total"], 1003);
    sim.shutdown().await;
}

#[tokio::test]
async fn restricted_worklogs_and_hidden_issues_stay_hidden_from_every_read() {
    let (sim, clock) = frozen().await;
    let (alice, bob, carol) = (
        caller(&sim, ADMIN),
        caller(&sim, USER),
        caller(&sim, OUTSIDER),
    );
    // Carol may browse KILN (as a Viewer) but not SEC, and is in no group but
    // the application's.
    let open = log(&bob, "KILN-1", json!({})).await;
    let to_group = log(
        &bob,
        "KILN-1",
        json!({ "visibility": { "type": "group", "value": "kiln-developers" } }),
    )
    .await;
    let to_role = log(
        &bob,
        "KILN-1",
        json!({ "visibility": { "type": "role", "value": "Member" } }),
    )
    .await;
    let hidden_issue = log(&alice, "SEC-1", json!({})).await;
    clock.advance(MINUTE);

    // As written: the group by name and id, the role by name.
    let read = bob
        .get(&format!("/rest/api/3/issue/KILN-1/worklog/{to_group}"))
        .await;
    let group_id = read.str_at("/visibility/identifier");
    assert_eq!(
        read.body["visibility"],
        json!({ "type": "group", "value": "kiln-developers", "identifier": group_id })
    );
    check("Worklog", &read.body);
    let role = bob
        .get(&format!("/rest/api/3/issue/KILN-1/worklog/{to_role}"))
        .await;
    assert_eq!(
        role.body["visibility"],
        json!({ "type": "role", "value": "Member", "identifier": "Member" })
    );

    let all = vec![open, to_group, to_role, hidden_issue];
    assert_eq!(ids(&bob.get("/rest/api/3/worklog/updated").await.body), all);
    assert_eq!(
        ids(&carol.get("/rest/api/3/worklog/updated").await.body),
        vec![open]
    );

    let list = |who: &'static str| {
        let sim = &sim;
        let body = json!({ "ids": all });
        async move {
            let reply = caller(sim, who)
                .post("/rest/api/3/worklog/list", &body)
                .await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
            for worklog in reply.body.as_array().expect("an array") {
                check("Worklog", worklog);
            }
            reply
                .body
                .as_array()
                .unwrap()
                .iter()
                .map(|w| w["id"].as_str().unwrap().parse::<u64>().unwrap())
                .collect::<Vec<_>>()
        }
    };
    // Alice may edit KILN's issues, so she is a Member too.
    assert_eq!(list(USER).await, all);
    assert_eq!(list(ADMIN).await, all);
    assert_eq!(list(OUTSIDER).await, vec![open]);

    // The issue's own reads agree.
    let mine = carol.get("/rest/api/3/issue/KILN-1/worklog").await;
    assert_eq!(mine.body["total"], 1);
    assert_eq!(mine.body["worklogs"][0]["id"], open.to_string());
    let field = carol.get("/rest/api/3/issue/KILN-1?fields=worklog").await;
    assert_eq!(field.body["fields"]["worklog"]["total"], 1);
    let gone = carol
        .get(&format!("/rest/api/3/issue/KILN-1/worklog/{to_group}"))
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(
        gone.body["errorMessages"],
        json!([format!("Cannot find worklog with id: '{to_group}'.")])
    );

    // A restriction the writer is not in is refused, as Jira refuses it.
    for (visibility, message) in [
        (
            json!({ "type": "group", "value": "site-admins" }),
            "You are currently not a member of the group: site-admins.",
        ),
        (
            json!({ "type": "group", "identifier": "no-such-id" }),
            "Group: no-such-id does not exist.",
        ),
        (
            json!({ "type": "role", "value": "Administrators" }),
            "You are currently not a member of the project role: Administrators.",
        ),
        (
            json!({ "type": "team", "value": "x" }),
            "The visibility type must be 'group' or 'role'.",
        ),
    ] {
        let refused = bob
            .post(
                "/rest/api/3/issue/KILN-1/worklog",
                &json!({ "timeSpent": "1h", "visibility": visibility }),
            )
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{visibility}");
        assert_eq!(refused.body["errors"]["commentLevel"], message);
    }

    // An edit that leaves `visibility` out keeps it; `null` lifts it.
    let path = format!("/rest/api/3/issue/KILN-1/worklog/{to_group}");
    let kept = bob.put(&path, &json!({ "timeSpent": "3h" })).await;
    assert_eq!(kept.body["visibility"]["value"], "kiln-developers");
    let lifted = bob.put(&path, &json!({ "visibility": null })).await;
    assert_eq!(lifted.status, StatusCode::OK, "{}", lifted.text);
    assert!(lifted.body.get("visibility").is_none());
    clock.advance(MINUTE);
    assert_eq!(
        ids(&carol.get("/rest/api/3/worklog/updated").await.body),
        vec![open, to_group]
    );
    // Over v2 too, with the group's id.
    let by_id = bob
        .put(
            &path.replace("/api/3/", "/api/2/"),
            &json!({ "visibility": { "type": "group", "identifier": group_id } }),
        )
        .await;
    assert_eq!(by_id.status, StatusCode::OK, "{}", by_id.text);
    assert_eq!(carol.get(&path).await.status, StatusCode::NOT_FOUND);
    sim.shutdown().await;
}

#[tokio::test]
async fn the_deleted_feed_remembers_each_deletion_with_its_time() {
    let (sim, clock) = frozen().await;
    let (alice, bob, carol) = (
        caller(&sim, ADMIN),
        caller(&sim, USER),
        caller(&sim, OUTSIDER),
    );
    let kept = log(&bob, "KILN-1", json!({})).await;
    let deleted = log(&bob, "KILN-1", json!({})).await;
    let with_issue = log(&alice, "SEC-2", json!({})).await;
    clock.advance(Duration::from_secs(5));
    let removed = bob
        .delete(&format!("/rest/api/3/issue/KILN-1/worklog/{deleted}"))
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{}", removed.text);
    let t1 = millis(&clock);
    clock.advance(Duration::from_secs(5));
    let issue_gone = alice.delete("/rest/api/3/issue/SEC-2").await;
    assert_eq!(
        issue_gone.status,
        StatusCode::NO_CONTENT,
        "{}",
        issue_gone.text
    );
    let t2 = millis(&clock);

    assert_eq!(
        ids(&carol.get("/rest/api/3/worklog/deleted").await.body),
        Vec::<u64>::new()
    );
    clock.advance(MINUTE);
    // Anyone who may use Jira sees every deletion, Carol the SEC one too.
    let feed = carol.get("/rest/api/3/worklog/deleted?since=0").await;
    assert_eq!(feed.status, StatusCode::OK, "{}", feed.text);
    assert_eq!(ids(&feed.body), vec![deleted, with_issue]);
    assert_eq!(feed.body["values"][0]["updatedTime"], t1);
    assert_eq!(feed.body["values"][1]["updatedTime"], t2);
    assert_eq!(
        feed.body["nextPage"],
        format!("{}/rest/api/3/worklog/deleted?since={t2}", sim.base_url())
    );
    check("ChangedWorklogs", &feed.body);
    assert_eq!(
        ids(&carol
            .get(&format!("/rest/api/3/worklog/deleted?since={}", t1 + 1))
            .await
            .body),
        vec![with_issue]
    );
    // Neither is listed as updated, nor read back.
    assert_eq!(
        ids(&alice.get("/rest/api/3/worklog/updated").await.body),
        vec![kept]
    );
    let listed = alice
        .post(
            "/rest/api/3/worklog/list",
            &json!({ "ids": [kept, deleted, with_issue] }),
        )
        .await;
    assert_eq!(listed.body.as_array().map(Vec::len), Some(1));
    // `expand` is not the deleted feed's: ignored.
    let v2 = carol
        .get("/rest/api/2/worklog/deleted?expand=properties")
        .await;
    assert_eq!(
        v2.body["self"],
        format!("{}/rest/api/2/worklog/deleted?since=0", sim.base_url())
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn hostile_feed_input_is_refused_as_jira_refuses_it() {
    let (sim, clock) = frozen().await;
    let bob = caller(&sim, USER);
    let id = log(&bob, "KILN-1", json!({})).await;
    clock.advance(MINUTE);
    for feed in ["updated", "deleted"] {
        for since in [
            "abc",
            "9223372036854775808",
            "-9223372036854775809",
            "1.5",
            "",
        ] {
            let reply = bob
                .get_with(&format!("/rest/api/3/worklog/{feed}"), &[("since", since)])
                .await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{feed} {since}");
            assert_eq!(
                reply.body["errorMessages"],
                json!([format!("The value '{since}' of 'since' is not a number.")])
            );
        }
        for since in ["-1", "-9223372036854775808", "9223372036854775807"] {
            let reply = bob
                .get_with(&format!("/rest/api/3/worklog/{feed}"), &[("since", since)])
                .await;
            assert_eq!(reply.status, StatusCode::OK, "{feed} {since}");
            check("ChangedWorklogs", &reply.body);
        }
    }
    let everything = bob
        .get("/rest/api/3/worklog/updated?since=-9223372036854775808")
        .await;
    assert_eq!(ids(&everything.body), vec![id]);
    let future = bob
        .get("/rest/api/3/worklog/updated?since=9223372036854775807")
        .await;
    assert_eq!(future.body["until"], i64::MAX);
    assert_eq!(ids(&future.body), Vec::<u64>::new());

    let list = "/rest/api/3/worklog/list";
    let full: Vec<u64> = (1..=1000).collect();
    assert_eq!(
        bob.post(list, &json!({ "ids": full })).await.status,
        StatusCode::OK
    );
    let twice: Vec<Value> = (1..=1000)
        .flat_map(|n| [json!(n), json!(n.to_string())])
        .collect();
    assert_eq!(
        bob.post(list, &json!({ "ids": twice })).await.status,
        StatusCode::OK
    );
    let over: Vec<u64> = (1..=1001).collect();
    let huge: Vec<u64> = (1..=200_000).collect();
    for (body, message) in [
        (
            json!({ "ids": over }),
            "A maximum of 1000 worklog IDs can be specified.",
        ),
        (
            json!({ "ids": huge }),
            "A maximum of 1000 worklog IDs can be specified.",
        ),
        (
            json!({ "ids": [] }),
            "At least one worklog ID must be specified.",
        ),
        (json!({}), "At least one worklog ID must be specified."),
        (
            json!({ "ids": null }),
            "At least one worklog ID must be specified.",
        ),
    ] {
        let reply = bob.post(list, &body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            reply.body,
            json!({ "errorMessages": [], "errors": { "ids": message } })
        );
        check("ErrorCollection", &reply.body);
    }
    for body in [
        json!({ "ids": "1" }),
        json!({ "ids": [1.5] }),
        json!({ "ids": ["x"] }),
        json!({ "ids": [null] }),
        json!({ "ids": [18446744073709551615_u64] }),
        json!([1, 2]),
    ] {
        let reply = bob.post(list, &body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(
            reply.body["errorMessages"],
            json!(["Invalid request payload. Refer to the REST API documentation and try again."])
        );
    }
    let broken = send(
        bob.request(Method::POST, list)
            .header("content-type", "application/json")
            .body("{\"ids\": [1,"),
    )
    .await;
    assert_eq!(broken.status, StatusCode::BAD_REQUEST);
    let plain = send(bob.request(Method::POST, list).body("{\"ids\": [1]}")).await;
    assert_eq!(plain.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // Without credentials: Jira's 401.
    let anonymous =
        send(common::client().get(format!("{}/rest/api/3/worklog/updated", sim.base_url()))).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    sim.shutdown().await;
}

/// Edits `key`'s summary to `summary` as `who`.
async fn retitle(who: &common::Caller<'_>, key: &str, summary: &str) {
    let edited = who
        .put(
            &format!("/rest/api/3/issue/{key}"),
            &json!({ "fields": { "summary": summary } }),
        )
        .await;
    assert_eq!(edited.status, StatusCode::NO_CONTENT, "{}", edited.text);
}

async fn issue_id(who: &common::Caller<'_>, key: &str) -> String {
    who.get(&format!("/rest/api/3/issue/{key}?fields=summary"))
        .await
        .str_at("/id")
}

#[tokio::test]
async fn changelogs_in_bulk_are_paged_oldest_first_across_issues() {
    let (sim, clock) = frozen().await;
    let (alice, carol) = (caller(&sim, ADMIN), caller(&sim, OUTSIDER));
    let (kiln1, kiln2) = (
        issue_id(&alice, "KILN-1").await,
        issue_id(&alice, "KILN-2").await,
    );
    // KILN-2 changes first, then KILN-1 twice, SEC-1 in between; the second
    // KILN-1 change also moves a label.
    retitle(&alice, "KILN-2", "two a").await;
    clock.advance(Duration::from_secs(1));
    retitle(&alice, "KILN-1", "one a").await;
    retitle(&alice, "SEC-1", "secret").await;
    clock.advance(Duration::from_secs(1));
    let both = alice
        .put(
            "/rest/api/3/issue/KILN-1",
            &json!({ "fields": { "summary": "one b", "labels": ["synced"] } }),
        )
        .await;
    assert_eq!(both.status, StatusCode::NO_CONTENT, "{}", both.text);

    let bulk = "/rest/api/3/changelog/bulkfetch";
    let body = json!({ "issueIdsOrKeys": ["KILN-1", kiln2, "SEC-1", "NOPE-1", kiln1] });
    let all = carol.post(bulk, &body).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text);
    check("BulkChangelogResponseBean", &without_null_items(&all.body));
    assert!(all.body.get("nextPageToken").is_none());
    let groups = all.body["issueChangeLogs"].as_array().expect("groups");
    assert_eq!(
        groups.len(),
        2,
        "Carol may not browse SEC; KILN-1 once: {}",
        all.body
    );
    assert_eq!(groups[0]["issueId"], kiln2);
    assert_eq!(groups[1]["issueId"], kiln1);
    let kiln1_histories = groups[1]["changeHistories"].as_array().unwrap();
    assert_eq!(kiln1_histories.len(), 2);
    // Each entry as getChangeLogs renders it.
    let own = carol.get("/rest/api/3/issue/KILN-1/changelog").await;
    assert_eq!(own.body["values"], json!(kiln1_histories));

    // Only the label changes.
    let labels = carol
        .post(
            bulk,
            &json!({ "issueIdsOrKeys": ["KILN-1", "KILN-2"], "fieldIds": ["labels"] }),
        )
        .await;
    let groups = labels.body["issueChangeLogs"].as_array().unwrap();
    assert_eq!(groups.len(), 1, "{}", labels.body);
    let items = groups[0]["changeHistories"][0]["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["fieldId"], "labels");

    // One entry a page, through the tokens: the same entries in the same order.
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..10 {
        let mut body = json!({ "issueIdsOrKeys": ["KILN-1", "KILN-2"], "maxResults": 1 });
        if let Some(token) = &token {
            body["nextPageToken"] = json!(token);
        }
        let page = carol.post(bulk, &body).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        for group in page.body["issueChangeLogs"].as_array().unwrap() {
            for history in group["changeHistories"].as_array().unwrap() {
                seen.push((group["issueId"].clone(), history["id"].clone()));
            }
        }
        match page.body.get("nextPageToken") {
            Some(next) => token = Some(next.as_str().unwrap().to_owned()),
            None => break,
        }
    }
    let expected: Vec<(Value, Value)> = [
        &all.body["issueChangeLogs"][0],
        &all.body["issueChangeLogs"][1],
    ]
    .iter()
    .flat_map(|group| {
        group["changeHistories"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| (group["issueId"].clone(), h["id"].clone()))
            .collect::<Vec<_>>()
    })
    .collect();
    assert_eq!(seen, expected);
    // A token is bound to its request.
    let first = carol
        .post(
            bulk,
            &json!({ "issueIdsOrKeys": ["KILN-1", "KILN-2"], "maxResults": 1 }),
        )
        .await;
    let token = first.str_at("/nextPageToken");
    for body in [
        json!({ "issueIdsOrKeys": ["KILN-1"], "maxResults": 1, "nextPageToken": token }),
        json!({ "issueIdsOrKeys": ["KILN-1", "KILN-2"], "nextPageToken": "garbage" }),
    ] {
        let refused = carol.post(bulk, &body).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(
            refused.body["errorMessages"],
            json!(["The provided next page token is invalid or expired."])
        );
    }

    // v2 and the gateway serve the same.
    let v2 = carol.post("/rest/api/2/changelog/bulkfetch", &body).await;
    assert_eq!(v2.body["issueChangeLogs"].as_array().map(Vec::len), Some(2));
    let token = common::oauth::access_token(&sim, "read:jira-work").await;
    let gateway = send(
        common::client()
            .post(format!(
                "{}/ex/jira/{}/rest/api/3/changelog/bulkfetch",
                sim.base_url(),
                sim.cloud_id()
            ))
            .bearer_auth(token)
            .json(&body),
    )
    .await;
    assert_eq!(gateway.status, StatusCode::OK, "{}", gateway.text);
    assert_eq!(
        gateway.body["issueChangeLogs"].as_array().map(Vec::len),
        Some(3),
        "Alice may browse SEC"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn hostile_bulk_changelog_requests_are_refused() {
    let (sim, _clock) = frozen().await;
    let bob = caller(&sim, USER);
    let bulk = "/rest/api/3/changelog/bulkfetch";
    let thousand: Vec<String> = (1..=1000).map(|n| format!("KILN-{n}")).collect();
    assert_eq!(
        bob.post(bulk, &json!({ "issueIdsOrKeys": thousand }))
            .await
            .status,
        StatusCode::OK
    );
    let over: Vec<String> = (1..=1001).map(|n| format!("KILN-{n}")).collect();
    let huge: Vec<u64> = (1..=150_000).collect();
    let fields: Vec<String> = (0..11).map(|n| format!("customfield_{n}")).collect();
    for (body, field, message) in [
        (
            json!({}),
            "issueIdsOrKeys",
            "At least one issue ID or key must be provided.",
        ),
        (
            json!({ "issueIdsOrKeys": [] }),
            "issueIdsOrKeys",
            "At least one issue ID or key must be provided.",
        ),
        (
            json!({ "issueIdsOrKeys": over }),
            "issueIdsOrKeys",
            "A maximum of 1000 issue IDs or keys can be provided.",
        ),
        (
            json!({ "issueIdsOrKeys": huge }),
            "issueIdsOrKeys",
            "A maximum of 1000 issue IDs or keys can be provided.",
        ),
        (
            json!({ "issueIdsOrKeys": ["KILN-1"], "fieldIds": fields }),
            "fieldIds",
            "A maximum of 10 field IDs can be provided.",
        ),
        (
            json!({ "issueIdsOrKeys": ["KILN-1"], "maxResults": 0 }),
            "maxResults",
            "The maximum results must be between 1 and 10000.",
        ),
        (
            json!({ "issueIdsOrKeys": ["KILN-1"], "maxResults": 10_001 }),
            "maxResults",
            "The maximum results must be between 1 and 10000.",
        ),
        (
            json!({ "issueIdsOrKeys": ["KILN-1"], "maxResults": -1 }),
            "maxResults",
            "The maximum results must be between 1 and 10000.",
        ),
    ] {
        let refused = bob.post(bulk, &body).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(refused.body["errors"][field], message, "{body}");
    }
    // Ten distinct field ids, one sent twice, are ten.
    let mut ten: Vec<String> = (0..10).map(|n| format!("customfield_{n}")).collect();
    ten.push(String::from("customfield_0"));
    assert_eq!(
        bob.post(
            bulk,
            &json!({ "issueIdsOrKeys": ["KILN-1"], "fieldIds": ten })
        )
        .await
        .status,
        StatusCode::OK
    );
    for body in [
        json!({ "issueIdsOrKeys": "KILN-1" }),
        json!({ "issueIdsOrKeys": [null] }),
        json!({ "issueIdsOrKeys": ["KILN-1"], "maxResults": "many" }),
        json!({ "issueIdsOrKeys": ["KILN-1"], "maxResults": 1e30 }),
        json!({ "issueIdsOrKeys": ["KILN-1"], "fieldIds": [{}] }),
        json!(["KILN-1"]),
    ] {
        let refused = bob.post(bulk, &body).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{body}");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn changelogs_by_id_answer_the_issues_entries_named() {
    let (sim, _clock) = frozen().await;
    let (alice, carol) = (caller(&sim, ADMIN), caller(&sim, OUTSIDER));
    retitle(&alice, "KILN-4", "first").await;
    retitle(&alice, "KILN-4", "second").await;
    retitle(&alice, "KILN-4", "third").await;
    retitle(&alice, "SEC-1", "hidden").await;
    let history = carol.get("/rest/api/3/issue/KILN-4/changelog").await;
    let entries = history.body["values"].as_array().expect("values").clone();
    assert_eq!(entries.len(), 3);
    let id = |n: usize| entries[n]["id"].as_str().unwrap().parse::<u64>().unwrap();

    let path = "/rest/api/3/issue/KILN-4/changelog/list";
    let picked = carol
        .post(
            path,
            &json!({ "changelogIds": [id(2), 1, id(0), id(2).to_string()] }),
        )
        .await;
    assert_eq!(picked.status, StatusCode::OK, "{}", picked.text);
    assert_eq!(
        picked.body,
        json!({ "startAt": 0, "maxResults": 2, "total": 2, "histories": [entries[0], entries[2]] })
    );
    check("PageOfChangelogs", &without_null_items(&picked.body));
    let none = carol.post(path, &json!({ "changelogIds": [] })).await;
    assert_eq!(none.body["histories"], json!([]));
    // An entry of another issue is not this issue's.
    let sec = alice.get("/rest/api/3/issue/SEC-1/changelog").await;
    let sec_id = sec.str_at("/values/0/id");
    let other = carol.post(path, &json!({ "changelogIds": [sec_id] })).await;
    assert_eq!(other.body["total"], 0);
    // The issue Carol may not browse is not found.
    let hidden = carol
        .post(
            "/rest/api/3/issue/SEC-1/changelog/list",
            &json!({ "changelogIds": [sec_id] }),
        )
        .await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    // Over v2.
    let v2 = carol
        .post(
            "/rest/api/2/issue/KILN-4/changelog/list",
            &json!({ "changelogIds": [id(1)] }),
        )
        .await;
    assert_eq!(v2.body["histories"][0]["id"], entries[1]["id"]);
    assert_eq!(v2.body["histories"][0]["items"], entries[1]["items"]);
    assert!(
        v2.str_at("/histories/0/author/self")
            .contains("/rest/api/2/"),
        "{}",
        v2.text
    );

    let huge: Vec<u64> = (1..=20_000).collect();
    let refused = carol.post(path, &json!({ "changelogIds": huge })).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        refused.body["errors"]["changelogIds"],
        "A maximum of 10000 changelog IDs can be specified."
    );
    let missing = carol.post(path, &json!({})).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        missing.body["errors"]["changelogIds"],
        "The changelog IDs must be provided."
    );
    for body in [
        json!({ "changelogIds": ["x"] }),
        json!({ "changelogIds": 5 }),
        json!("x"),
    ] {
        assert_eq!(
            carol.post(path, &body).await.status,
            StatusCode::BAD_REQUEST,
            "{body}"
        );
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn worklog_properties_are_kept_read_and_shown_where_expanded() {
    let (sim, clock) = frozen().await;
    let contract = Contract::new();
    let (alice, bob, carol) = (
        caller(&sim, ADMIN),
        caller(&sim, USER),
        caller(&sim, OUTSIDER),
    );
    let open = log(&bob, "KILN-1", json!({})).await;
    let restricted = log(
        &bob,
        "KILN-1",
        json!({ "visibility": { "type": "group", "value": "kiln-developers" } }),
    )
    .await;
    let base = |id: u64| format!("/rest/api/3/issue/KILN-1/worklog/{id}/properties");

    let created = bob
        .put(
            &format!("{}/billing", base(open)),
            &json!({ "account": "ACME", "rate": 2 }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let replaced = bob
        .put(
            &format!("{}/billing", base(open)),
            &json!({ "account": "ACME", "rate": 3 }),
        )
        .await;
    assert_eq!(replaced.status, StatusCode::OK, "{}", replaced.text);
    let read = carol.get(&format!("{}/billing", base(open))).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    contract.check_ref("GET worklog property", "EntityProperty", &read.body);
    assert_eq!(
        read.body,
        json!({ "key": "billing", "value": { "account": "ACME", "rate": 3 } })
    );
    let keys = carol.get(&base(open)).await;
    contract.check_ref("GET worklog property keys", "PropertyKeys", &keys.body);
    assert_eq!(keys.body["keys"][0]["key"], "billing");

    // Shown by `expand=properties` on the worklog, the issue's list, the
    // bulk read and the updated feed.
    let expected = json!([{ "key": "billing", "value": { "account": "ACME", "rate": 3 } }]);
    let one = bob
        .get(&format!(
            "/rest/api/3/issue/KILN-1/worklog/{open}?expand=properties"
        ))
        .await;
    assert_eq!(one.body["properties"], expected);
    let plain = bob
        .get(&format!("/rest/api/3/issue/KILN-1/worklog/{open}"))
        .await;
    assert!(plain.body.get("properties").is_none(), "{}", plain.text);
    let listed = bob
        .post(
            "/rest/api/3/worklog/list?expand=properties",
            &json!({ "ids": [open, restricted] }),
        )
        .await;
    assert_eq!(listed.body[0]["properties"], expected, "{}", listed.text);
    assert_eq!(listed.body[1]["properties"], json!([]));
    clock.advance(MINUTE);
    let feed = bob
        .get("/rest/api/3/worklog/updated?since=0&expand=properties")
        .await;
    contract.check_ref("GET /worklog/updated", "ChangedWorklogs", &feed.body);
    let entry = feed.body["values"]
        .as_array()
        .expect("values")
        .iter()
        .find(|v| v["worklogId"] == open)
        .expect("the worklog is listed");
    assert_eq!(entry["properties"], expected);
    let unexpanded = bob.get("/rest/api/3/worklog/updated?since=0").await;
    assert!(
        unexpanded.body["values"]
            .as_array()
            .expect("values")
            .iter()
            .all(|v| v["properties"] == json!([])),
        "{}",
        unexpanded.text
    );

    // Carol may browse KILN but not edit it: 403 to write; the restricted
    // worklog is not there for her at all; an id that is no number is 400.
    let refused = carol.put(&format!("{}/mine", base(open)), &json!(1)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    let hidden = carol.get(&base(restricted)).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND, "{}", hidden.text);
    assert_eq!(
        alice
            .put(&format!("{}/x", base(restricted)), &json!(1))
            .await
            .status,
        StatusCode::CREATED,
        "a member of the group may"
    );
    let invalid = bob
        .get("/rest/api/3/issue/KILN-1/worklog/abc/properties")
        .await;
    assert_eq!(invalid.status, StatusCode::BAD_REQUEST, "{}", invalid.text);
    let elsewhere = bob
        .get(&format!(
            "/rest/api/3/issue/KILN-2/worklog/{open}/properties"
        ))
        .await;
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);
    let long = bob
        .put(&format!("{}/big", base(open)), &json!("x".repeat(40_000)))
        .await;
    assert_eq!(long.status, StatusCode::BAD_REQUEST);

    // Deleted: 204, then the 404 of a missing property.
    let path = format!("{}/billing", base(open));
    assert_eq!(carol.delete(&path).await.status, StatusCode::FORBIDDEN);
    assert_eq!(bob.delete(&path).await.status, StatusCode::NO_CONTENT);
    assert_eq!(bob.get(&path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(bob.delete(&path).await.status, StatusCode::NOT_FOUND);
}
