//! Reads by id that public Forge apps make: `bulkGetUsers` (`GET /user/bulk`),
//! `getCommentsByIds` (`POST /comment/list`), the status categories
//! (`GET /statuscategory`, `/statuscategory/{idOrKey}`) and `getLocale`
//! (`GET /mypreferences/locale`): what each answers, paging, who sees what, the
//! refusals Jira gives, REST API v2 and the gateway's scopes. Answers are checked
//! against the platform spec.

use crate::common;
use crate::contract::Contract;

use common::{ADMIN, OUTSIDER, USER, account_id, caller, client, send, start, start_with};
use kiln_sim::{Seed, SimConfig};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const USERS: &str = "/rest/api/3/user/bulk";
const COMMENTS: &str = "/rest/api/3/comment/list";
const CATEGORIES: &str = "/rest/api/3/statuscategory";
const LOCALE: &str = "/rest/api/3/mypreferences/locale";

/// `GET /user/bulk` for `ids` (each an `accountId`) and `extra` parameters.
fn users_path(ids: &[&str], extra: &str) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for id in ids {
        query.append_pair("accountId", id);
    }
    let query = query.finish();
    format!("{USERS}?{query}{extra}")
}

/// The account ids of a page's users, in order.
fn account_ids(page: &Value) -> Vec<String> {
    page["values"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|u| u["accountId"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The ids of a page's comments, in order.
fn comment_ids(page: &Value) -> Vec<String> {
    page["values"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| c["id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn bulk_users_are_the_users_asked_for_in_the_order_asked() {
    let sim = start().await;
    let contract = Contract::new();
    let (alice, bob, carol) = (
        account_id(&sim, ADMIN),
        account_id(&sim, USER),
        account_id(&sim, OUTSIDER),
    );
    // An unknown id is left out; an id asked for twice is listed once, where
    // it was first asked for.
    let path = users_path(&[&carol, "nobody-at-all", &alice, &carol], "");
    // Every caller may look users up: Carol browses no SEC issue.
    for email in [ADMIN, USER, OUTSIDER] {
        let reply = caller(&sim, email).get(&path).await;
        assert_eq!(reply.status, StatusCode::OK, "{email}: {}", reply.text);
        contract.check_ref("bulkGetUsers", "PageBeanUser", &reply.body);
        assert_eq!(account_ids(&reply.body), [carol.clone(), alice.clone()]);
        assert_eq!(reply.body["total"], 2);
        assert_eq!(reply.body["startAt"], 0);
        assert_eq!(reply.body["maxResults"], 10, "the spec's default");
        assert_eq!(reply.body["isLast"], true);
        assert!(reply.body.get("nextPage").is_none());
        assert!(
            reply
                .str_at("/self")
                .contains("/rest/api/3/user/bulk?accountId="),
            "{}",
            reply.body
        );
    }
    // Each user as `getUser` renders them, less the lists only it adds.
    let reply = caller(&sim, USER)
        .get(&users_path(&[&alice, &bob, &carol], ""))
        .await;
    for (n, id) in [&alice, &bob, &carol].into_iter().enumerate() {
        let one = caller(&sim, USER)
            .get(&format!("/rest/api/3/user?accountId={id}"))
            .await;
        assert_eq!(
            reply.body["values"][n],
            common::without_user_lists(&one.body)
        );
    }
    // Nobody found is an empty page, not an error.
    let none = caller(&sim, USER)
        .get(&users_path(&["nobody", "nor-this-one"], ""))
        .await;
    assert_eq!(none.status, StatusCode::OK, "{}", none.text);
    contract.check_ref("bulkGetUsers", "PageBeanUser", &none.body);
    assert_eq!(none.body["total"], 0);
    assert_eq!(none.body["values"], json!([]));
    sim.shutdown().await;
}

#[tokio::test]
async fn bulk_users_page_ten_at_a_time_by_default() {
    let mut seed = Seed::default();
    seed.users
        .extend(common::many_users(12, "Bulk", "bulk-test"));
    let sim = start_with(SimConfig {
        seed,
        ..SimConfig::default()
    })
    .await;
    let contract = Contract::new();
    let bob = caller(&sim, USER);
    let everyone: Vec<String> = sim.users().iter().map(|u| u.account_id.clone()).collect();
    assert_eq!(everyone.len(), 15);
    let ids: Vec<&str> = everyone.iter().map(String::as_str).collect();

    let first = bob.get(&users_path(&ids, "")).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    contract.check_ref("bulkGetUsers", "PageBeanUser", &first.body);
    assert_eq!(account_ids(&first.body), everyone[..10]);
    assert_eq!(first.body["total"], 15);
    assert_eq!(first.body["isLast"], false);
    // The next page's link keeps the ids and moves on by a page.
    let next = first.str_at("/nextPage");
    assert!(next.contains("startAt=10&maxResults=10"), "{next}");
    let path = next
        .strip_prefix(sim.base_url())
        .expect("a link to the site");
    let second = bob.get(path).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.text);
    assert_eq!(account_ids(&second.body), everyone[10..]);
    assert_eq!(second.body["isLast"], true);

    for (extra, expected) in [
        ("&startAt=3&maxResults=2", everyone[3..5].to_vec()),
        ("&startAt=14&maxResults=50", everyone[14..].to_vec()),
        ("&startAt=15", Vec::new()),
        ("&startAt=99999999999", Vec::new()),
        // A `PageBean` page holds at least one item.
        ("&maxResults=0", everyone[..1].to_vec()),
        ("&maxResults=2147483647", everyone.clone()),
    ] {
        let reply = bob.get(&users_path(&ids, extra)).await;
        assert_eq!(reply.status, StatusCode::OK, "{extra}: {}", reply.text);
        contract.check_ref("bulkGetUsers", "PageBeanUser", &reply.body);
        assert_eq!(account_ids(&reply.body), expected, "{extra}");
        assert_eq!(reply.body["total"], 15, "{extra}");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn bulk_user_refusals_are_jiras_400() {
    let sim = start().await;
    let contract = Contract::new();
    let bob = caller(&sim, USER);
    let alice = account_id(&sim, ADMIN);
    let too_long = "x".repeat(129);
    for path in [
        String::from(USERS),
        format!("{USERS}?accountId="),
        format!("{USERS}?username=alice&key=alice"),
        format!("{USERS}?startAt=1"),
        users_path(&[&alice], "&startAt=-1"),
        users_path(&[&alice], "&startAt=abc"),
        users_path(&[&alice], "&maxResults=-1"),
        users_path(&[&alice], "&maxResults=ten"),
        users_path(&[&alice], "&maxResults=1.5"),
        users_path(&[&alice], "&maxResults=2147483648"),
        users_path(&[&alice, &too_long], ""),
    ] {
        let reply = bob.get(&path).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{path}: {}",
            reply.text
        );
        contract.check_ref("bulkGetUsers 400", "ErrorCollection", &reply.body);
    }
    // An id of the spec's longest is only an unknown id.
    let longest = "x".repeat(128);
    let reply = bob.get(&users_path(&[&longest, &alice], "")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(account_ids(&reply.body), [alice.as_str()]);

    // As many ids as a client puts in one URL (just under the 64 KiB an HTTP
    // URI may hold): answered, each looked up once.
    let many: Vec<String> = (0..3_000).map(|n| format!("id-{n:05}")).collect();
    let mut many: Vec<&str> = many.iter().map(String::as_str).collect();
    many.push(&alice);
    let reply = bob.get(&users_path(&many, "")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(account_ids(&reply.body), [alice.as_str()]);

    // More: the HTTP server's 414 before any handler runs, as a real site
    // refuses such a URL (JRACLOUD-78790), and never a crash.
    let status = raw_status(&sim, &users_path(&vec!["id-00000"; 8_000], "")).await;
    assert_eq!(status, 414);
    let after = bob.get(&users_path(&[&alice], "")).await;
    assert_eq!(after.status, StatusCode::OK);
    sim.shutdown().await;
}

/// The status line's code for `GET path` sent by hand on a fresh connection,
/// for a URL no HTTP client library will build.
async fn raw_status(sim: &kiln_sim::Simulator, path: &str) -> u16 {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let address = sim.base_url().trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connects");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .expect("request written");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("response read");
    let text = String::from_utf8_lossy(&raw);
    text.split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("a status line: {text}"))
}

/// The ids of the comments seeded on `issue`, as `who` reads them.
async fn comments_of(who: &common::Caller<'_>, issue: &str) -> Vec<String> {
    let reply = who.get(&format!("/rest/api/3/issue/{issue}/comment")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body["comments"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| c["id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// `ids` as JSON numbers.
fn numbers(ids: &[&String]) -> Vec<Value> {
    ids.iter()
        .map(|id| json!(id.parse::<u64>().unwrap_or(0)))
        .collect()
}

#[tokio::test]
async fn comments_by_id_are_those_the_caller_may_see_in_id_order() {
    let sim = start().await;
    let contract = Contract::new();
    let (alice, bob, carol) = (
        caller(&sim, ADMIN),
        caller(&sim, USER),
        caller(&sim, OUTSIDER),
    );
    let kiln = comments_of(&alice, "KILN-1").await;
    let sec = comments_of(&alice, "SEC-1").await;
    assert_eq!((kiln.len(), sec.len()), (2, 1));
    let (kiln_a, kiln_b, sec_a) = (&kiln[0], &kiln[1], &sec[0]);

    // Out of order, one twice (once as a string), one that names no comment.
    let mut ids = numbers(&[sec_a, kiln_b, kiln_a]);
    ids.push(json!(kiln_a));
    ids.push(json!(99_999_999));
    let body = json!({ "ids": ids });

    let bobs = bob.post(COMMENTS, &body).await;
    assert_eq!(bobs.status, StatusCode::OK, "{}", bobs.text);
    contract.check_ref("getCommentsByIds", "PageBeanComment", &bobs.body);
    let mut ascending = vec![kiln_a.clone(), kiln_b.clone(), sec_a.clone()];
    ascending.sort_by_key(|id| id.parse::<u64>().unwrap_or(0));
    assert_eq!(comment_ids(&bobs.body), ascending);
    assert_eq!(bobs.body["total"], 3);
    assert_eq!(bobs.body["startAt"], 0);
    assert_eq!(bobs.body["isLast"], true);
    assert_eq!(bobs.body["maxResults"], 1_048_576);
    // Each comment as `getComment` renders it.
    for comment in bobs.body["values"].as_array().expect("values") {
        let link = comment["self"].as_str().unwrap_or_default();
        let path = link.strip_prefix(sim.base_url()).expect("a site link");
        let one = bob.get(path).await;
        assert_eq!(one.status, StatusCode::OK, "{}", one.text);
        assert_eq!(*comment, one.body);
    }

    // Carol may not browse SEC: its comment is left out as the missing one is.
    let carols = carol.post(COMMENTS, &body).await;
    assert_eq!(carols.status, StatusCode::OK, "{}", carols.text);
    contract.check_ref("getCommentsByIds", "PageBeanComment", &carols.body);
    let mut visible = vec![kiln_a.clone(), kiln_b.clone()];
    visible.sort_by_key(|id| id.parse::<u64>().unwrap_or(0));
    assert_eq!(comment_ids(&carols.body), visible);
    assert_eq!(carols.body["total"], 2);
    let hidden = carol
        .post(COMMENTS, &json!({ "ids": numbers(&[sec_a]) }))
        .await;
    let missing = carol.post(COMMENTS, &json!({ "ids": [99_999_999] })).await;
    assert_eq!(hidden.status, StatusCode::OK, "{}", hidden.text);
    assert_eq!(hidden.body, missing.body);
    assert_eq!(hidden.body["values"], json!([]));
    assert_eq!(hidden.body["total"], 0);

    // A comment added now is found, as is one on an issue of another project.
    let added = alice
        .post(
            "/rest/api/3/issue/KILN-3/comment",
            &json!({ "body": { "type": "doc", "version": 1, "content": [
                { "type": "paragraph", "content": [{ "type": "text", "text": "fresh" }] }
            ] } }),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
    let fresh = added.str_at("/id");
    let reply = carol
        .post(COMMENTS, &json!({ "ids": numbers(&[&fresh]) }))
        .await;
    assert_eq!(comment_ids(&reply.body), [fresh.as_str()]);
    sim.shutdown().await;
}

#[tokio::test]
async fn comments_by_id_take_expand() {
    let sim = start().await;
    let contract = Contract::new();
    let bob = caller(&sim, USER);
    let kiln = comments_of(&bob, "KILN-1").await;
    let body = json!({ "ids": numbers(&[&kiln[0]]) });

    let plain = bob.post(COMMENTS, &body).await;
    let comment = &plain.body["values"][0];
    assert!(comment.get("renderedBody").is_none(), "{comment}");
    assert!(comment.get("properties").is_none(), "{comment}");

    let expanded = bob
        .post(&format!("{COMMENTS}?expand=renderedBody,properties"), &body)
        .await;
    assert_eq!(expanded.status, StatusCode::OK, "{}", expanded.text);
    contract.check_ref("getCommentsByIds", "PageBeanComment", &expanded.body);
    let comment = &expanded.body["values"][0];
    let html = comment["renderedBody"].as_str().unwrap_or_default();
    assert!(html.contains("Reviewed the import list"), "{comment}");
    // The simulator models no comment properties: a comment has none.
    assert_eq!(comment["properties"], json!([]));
    // As `getComment` expands it.
    let one = bob
        .get(&format!(
            "/rest/api/3/issue/KILN-1/comment/{}?expand=renderedBody,properties",
            kiln[0]
        ))
        .await;
    assert_eq!(*comment, one.body);
    sim.shutdown().await;
}

#[tokio::test]
async fn comment_list_refusals_are_jiras_400() {
    let sim = start().await;
    let contract = Contract::new();
    let bob = caller(&sim, USER);
    let over: Vec<u64> = (1..=1001).collect();
    // Far more ids than allowed, in a body the size limit still lets through.
    let hostile: Vec<u64> = (1..=200_000).collect();
    for body in [
        json!({}),
        json!({ "ids": [] }),
        json!({ "ids": null }),
        json!({ "ids": over }),
        json!({ "ids": hostile }),
        json!({ "ids": 10000 }),
        json!({ "ids": "10000,10001" }),
        json!({ "ids": [1.5] }),
        json!({ "ids": ["abc"] }),
        json!({ "ids": [null] }),
        json!({ "ids": [{ "id": 1 }] }),
        json!({ "ids": [u64::MAX] }),
        json!([1, 2]),
        json!(null),
    ] {
        let reply = bob.post(COMMENTS, &body).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{}: {}",
            body.to_string().chars().take(80).collect::<String>(),
            reply.text
        );
        contract.check_ref("getCommentsByIds 400", "ErrorCollection", &reply.body);
    }
    let garbled = send(
        bob.request(Method::POST, COMMENTS)
            .header("content-type", "application/json")
            .body("{\"ids\": [1,"),
    )
    .await;
    assert_eq!(garbled.status, StatusCode::BAD_REQUEST, "{}", garbled.text);
    contract.check_ref("400", "ErrorCollection", &garbled.body);
    // Not JSON at all: Jira's 415.
    let text = send(bob.request(Method::POST, COMMENTS).body("ids=1")).await;
    assert_eq!(
        text.status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "{}",
        text.text
    );

    // The limit counts distinct ids: a thousand, each sent twice, is allowed.
    let twice: Vec<u64> = (1..=1000).chain(1..=1000).collect();
    let reply = bob.post(COMMENTS, &json!({ "ids": twice })).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    sim.shutdown().await;
}

#[tokio::test]
async fn status_categories_are_jiras_four_as_statuses_carry_them() {
    let sim = start().await;
    let contract = Contract::new();
    let expected = [
        (1, "undefined", "No Category", "medium-gray"),
        (2, "new", "To Do", "blue-gray"),
        (4, "indeterminate", "In Progress", "yellow"),
        (3, "done", "Done", "green"),
    ];
    // Every caller may read them, whether or not they browse a project.
    for email in [ADMIN, OUTSIDER] {
        let reply = caller(&sim, email).get(CATEGORIES).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        contract.check(
            "getStatusCategories",
            json!({ "type": "array", "items": { "$ref": "#/components/schemas/StatusCategory" } }),
            &reply.body,
        );
        let all = reply.body.as_array().expect("an array");
        assert_eq!(all.len(), expected.len());
        for (category, (id, key, name, color)) in all.iter().zip(expected) {
            assert_eq!(category["id"], id);
            assert_eq!(category["key"], key);
            assert_eq!(category["name"], name);
            assert_eq!(category["colorName"], color);
            let link = category["self"].as_str().unwrap_or_default();
            assert!(
                link.ends_with(&format!("/rest/api/3/statuscategory/{id}")),
                "{link}"
            );
        }
    }

    // One by id or by key, the object every status carries.
    let alice = caller(&sim, ADMIN);
    let statuses = alice.get("/rest/api/3/status").await;
    assert_eq!(statuses.status, StatusCode::OK, "{}", statuses.text);
    let statuses = statuses.body.as_array().expect("statuses").clone();
    assert_eq!(statuses.len(), 3);
    for status in &statuses {
        let carried = &status["statusCategory"];
        for id_or_key in [
            carried["id"].to_string(),
            carried["key"].as_str().unwrap_or_default().to_owned(),
        ] {
            let one = alice.get(&format!("{CATEGORIES}/{id_or_key}")).await;
            assert_eq!(one.status, StatusCode::OK, "{id_or_key}: {}", one.text);
            contract.check_ref("getStatusCategory", "StatusCategory", &one.body);
            assert_eq!(one.body, *carried, "{id_or_key}");
        }
    }
    let none = alice.get(&format!("{CATEGORIES}/undefined")).await;
    assert_eq!(none.body["name"], "No Category");

    // Anything else is the spec's 404.
    for unknown in [
        "0",
        "5",
        "Done",
        "To%20Do",
        "new%20",
        "99999999999999999999999",
        "-1",
    ] {
        let reply = alice.get(&format!("{CATEGORIES}/{unknown}")).await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{unknown}: {}",
            reply.text
        );
        contract.check_ref("getStatusCategory 404", "ErrorCollection", &reply.body);
        assert!(!reply.is_not_modelled(), "{unknown}");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn the_locale_is_the_one_each_user_carries() {
    let sim = start().await;
    let contract = Contract::new();
    for email in [ADMIN, USER, OUTSIDER] {
        let who = caller(&sim, email);
        let reply = who.get(LOCALE).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        contract.check_ref("getLocale", "Locale", &reply.body);
        assert_eq!(reply.body, json!({ "locale": "en_US" }));
        let me = who.get("/rest/api/3/myself").await;
        assert_eq!(reply.body["locale"], me.body["locale"]);
    }
    // Setting it (`setLocale`, deprecated) is not modelled.
    let set = caller(&sim, USER)
        .put(LOCALE, &json!({ "locale": "de_DE" }))
        .await;
    assert_eq!(set.status, StatusCode::NOT_IMPLEMENTED);
    assert!(set.is_not_modelled());
    sim.shutdown().await;
}

#[tokio::test]
async fn v2_serves_each_read_with_v2_links_and_wiki_markup() {
    let sim = start().await;
    let contract = Contract::new();
    let bob = caller(&sim, USER);
    let alice_id = account_id(&sim, ADMIN);

    let users = bob
        .get(&format!("/rest/api/2/user/bulk?accountId={alice_id}"))
        .await;
    assert_eq!(users.status, StatusCode::OK, "{}", users.text);
    assert_eq!(account_ids(&users.body), [alice_id.as_str()]);
    assert!(
        users
            .str_at("/values/0/self")
            .contains("/rest/api/2/user?accountId=")
    );
    assert!(users.str_at("/self").contains("/rest/api/2/user/bulk?"));

    let kiln = comments_of(&bob, "KILN-1").await;
    let comments = bob
        .post(
            "/rest/api/2/comment/list",
            &json!({ "ids": numbers(&[&kiln[0]]) }),
        )
        .await;
    assert_eq!(comments.status, StatusCode::OK, "{}", comments.text);
    assert_eq!(
        comments.body["values"][0]["body"],
        "Reviewed the import list; only jira and log remain."
    );
    assert!(
        comments
            .str_at("/values/0/self")
            .contains("/rest/api/2/issue/")
    );

    let categories = bob.get("/rest/api/2/statuscategory").await;
    assert_eq!(categories.status, StatusCode::OK, "{}", categories.text);
    assert!(
        categories
            .str_at("/0/self")
            .ends_with("/rest/api/2/statuscategory/1")
    );
    let done = bob.get("/rest/api/2/statuscategory/done").await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    contract.check_ref("getStatusCategory v2", "StatusCategory", &done.body);
    assert!(
        done.str_at("/self")
            .ends_with("/rest/api/2/statuscategory/3")
    );

    let locale = bob.get("/rest/api/2/mypreferences/locale").await;
    assert_eq!(locale.status, StatusCode::OK, "{}", locale.text);
    assert_eq!(locale.body, json!({ "locale": "en_US" }));
    sim.shutdown().await;
}

#[tokio::test]
async fn anonymous_calls_are_refused() {
    let sim = start().await;
    for (method, path) in [
        (Method::GET, format!("{USERS}?accountId=x")),
        (Method::POST, String::from(COMMENTS)),
        (Method::GET, String::from(CATEGORIES)),
        (Method::GET, format!("{CATEGORIES}/1")),
        (Method::GET, String::from(LOCALE)),
    ] {
        let reply = send(
            client()
                .request(method, format!("{}{path}", sim.base_url()))
                .json(&json!({ "ids": [1] })),
        )
        .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{path}");
    }
    sim.shutdown().await;
}

/// `method path` on the site's platform API through the gateway, with `access`.
async fn through_gateway(
    sim: &kiln_sim::Simulator,
    access: &str,
    method: Method,
    path: &str,
) -> common::Reply {
    send(
        client()
            .request(
                method,
                format!("{}/ex/jira/{}{path}", sim.base_url(), sim.cloud_id()),
            )
            .bearer_auth(access)
            .json(&json!({ "ids": [1] })),
    )
    .await
}

#[tokio::test]
async fn the_gateway_asks_for_each_operations_scopes() {
    let sim = start().await;
    let user = common::oauth::access_token(&sim, "read:jira-user").await;
    let work = common::oauth::access_token(&sim, "read:jira-work").await;
    let status = common::oauth::access_token(&sim, "read:status:jira").await;
    let configuration = common::oauth::access_token(&sim, "manage:jira-configuration").await;
    let user_configuration =
        common::oauth::access_token(&sim, "read:user-configuration:jira").await;
    let app = common::oauth::app_access_token(&sim).await;
    let users = format!("{USERS}?accountId={}", account_id(&sim, ADMIN));
    let category = format!("{CATEGORIES}/new");
    let cases: [(Method, &str, Vec<&String>, Vec<&String>); 4] = [
        (Method::GET, &users, vec![&user, &app], vec![&work]),
        (Method::POST, COMMENTS, vec![&work, &app], vec![&user]),
        (
            Method::GET,
            &category,
            vec![&work, &status, &app],
            vec![&user],
        ),
        (
            Method::GET,
            LOCALE,
            vec![&configuration, &user_configuration, &app],
            vec![&work, &user],
        ),
    ];
    for (method, path, granted, refused) in cases {
        for access in granted {
            let reply = through_gateway(&sim, access, method.clone(), path).await;
            assert_eq!(
                reply.status,
                StatusCode::OK,
                "{method} {path}: {}",
                reply.text
            );
            let text = reply.text.replace("\\/", "/");
            if text.contains("self") {
                assert!(
                    text.contains(&format!("/ex/jira/{}/rest/api/3/", sim.cloud_id())),
                    "{path}: {text}"
                );
            }
        }
        for access in refused {
            let reply = through_gateway(&sim, access, method.clone(), path).await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{method} {path}");
        }
    }
    let all = through_gateway(&sim, &status, Method::GET, CATEGORIES).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text);
    sim.shutdown().await;
}
