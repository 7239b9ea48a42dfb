//! The native test seam, used as an app's unit tests use it: the SDK's
//! public API (requests, `send_all`, storage, log) against
//! `kiln_sdk::testing::Fake`.

use kiln_sdk::log::Level;
use kiln_sdk::prelude::*;
use kiln_sdk::storage::{self, Expected, StorageError, TransactOutcome};
use kiln_sdk::testing::{Fake, LogLine, storage_limits};
use kiln_sdk::{ScopeDenied, testing};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[derive(Serialize, Deserialize, Debug, PartialEq, Eq)]
struct Triaged {
    labels: Vec<String>,
}

// ---- Jira -----------------------------------------------------------------

#[test]
fn a_stub_answers_and_the_request_is_recorded_as_the_host_gets_it() {
    let fake = Fake::install();
    fake.jira()
        .on(Method::Get, "/rest/api/3/issue/{key}")
        .json(200, &json!({"key": "KILN-1"}));

    let issue: Value = as_app()
        .get(route!("/rest/api/3/issue/{}", "KILN-1").unwrap())
        .query("fields", "summary")
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(issue["key"], "KILN-1");

    let sent = fake.jira().requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].principal, Principal::App);
    assert_eq!(sent[0].method, Method::Get);
    assert_eq!(sent[0].path, "/rest/api/3/issue/KILN-1");
    assert_eq!(sent[0].query_value("fields"), Some("summary"));
    assert_eq!(sent[0].body, None);
}

#[test]
fn the_first_matching_stub_answers_and_once_stubs_answer_a_sequence() {
    let fake = Fake::install();
    let jira = fake.jira();
    jira.on(Method::Get, "/rest/api/3/myself")
        .principal(Principal::App)
        .json(200, &json!({"who": "app"}));
    jira.on(Method::Get, "/rest/api/3/myself")
        .once()
        .json(200, &json!({"who": "user, first"}));
    jira.on(Method::Get, "/rest/api/3/myself")
        .json(200, &json!({"who": "user, then"}));

    let who = |jira: kiln_sdk::Jira| -> String {
        let body: Value = jira
            .get(route!("/rest/api/3/myself"))
            .send()
            .unwrap()
            .json()
            .unwrap();
        body["who"].as_str().unwrap().to_owned()
    };
    assert_eq!(who(as_user()), "user, first");
    assert_eq!(who(as_user()), "user, then");
    assert_eq!(who(as_user()), "user, then");
    assert_eq!(who(as_app()), "app");
}

#[test]
fn a_query_condition_narrows_a_stub() {
    let fake = Fake::install();
    fake.jira()
        .on(Method::Get, "/rest/api/3/search/jql")
        .query("jql", "project = KILN")
        .json(200, &json!({"issues": [1]}));
    fake.jira()
        .on(Method::Get, "/rest/api/3/search/jql")
        .json(200, &json!({"issues": []}));
    let count = |jql: &str| -> usize {
        let body: Value = as_user()
            .get(route!("/rest/api/3/search/jql"))
            .query("jql", jql)
            .send()
            .unwrap()
            .json()
            .unwrap();
        body["issues"].as_array().unwrap().len()
    };
    assert_eq!(count("project = KILN"), 1);
    assert_eq!(count("project = SEC"), 0);
}

#[test]
fn host_refusals_are_simulated_as_typed_errors() {
    let fake = Fake::install();
    let denied = RequestError::ScopeDenied(ScopeDenied {
        route: "DELETE /rest/api/3/issue/{issueIdOrKey}".into(),
        missing: vec!["delete:issue:jira".into()],
    });
    fake.jira()
        .on(Method::Delete, "/rest/api/3/issue/{key}")
        .fail(denied.clone());
    let error = as_user()
        .delete(route!("/rest/api/3/issue/KILN-1"))
        .send()
        .unwrap_err();
    assert_eq!(error, denied);
    // `?` in a handler turns it into the app error the host reports.
    assert_eq!(AppError::from(error), AppError::Request(denied));
}

#[test]
fn max_requests_refuses_every_request_past_the_quota() {
    let fake = Fake::install();
    fake.jira().max_requests(2);
    fake.jira()
        .on(Method::Get, "/rest/api/3/myself")
        .status(200);
    let send = || as_user().get(route!("/rest/api/3/myself")).send();
    assert!(send().is_ok());
    assert!(send().is_ok());
    assert!(matches!(send(), Err(RequestError::QuotaExceeded(q)) if q.contains("at most 2")));
    assert_eq!(
        fake.jira().requests().len(),
        3,
        "refused requests are recorded too"
    );
}

#[test]
#[should_panic(expected = "no stub answers PUT \"/rest/api/3/issue/KILN-9\" as user")]
fn an_unstubbed_request_fails_the_test_naming_the_request() {
    let _fake = Fake::install();
    let _ = as_user().put(route!("/rest/api/3/issue/KILN-9")).send();
}

#[test]
#[should_panic(expected = "no fake is installed on this thread")]
fn without_a_fake_the_test_says_how_to_install_one() {
    let _ = as_user().get(route!("/rest/api/3/myself")).send();
}

#[test]
fn a_closure_answers_from_the_request() {
    let fake = Fake::install();
    fake.jira()
        .on(Method::Post, "/rest/api/3/issue/{key}/comment")
        .respond_with(|request| {
            let body: Value = request.json().unwrap().unwrap();
            Ok(Response::new(
                201,
                Vec::new(),
                body["body"].to_string().into_bytes(),
            ))
        });
    let response = as_user()
        .post(route!("/rest/api/3/issue/KILN-2/comment"))
        .json(&json!({"body": "hello"}))
        .send()
        .unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(response.text().unwrap(), "\"hello\"");
    let sent = &fake
        .jira()
        .requests_to(Method::Post, "/rest/api/3/issue/{key}/comment")[0];
    assert_eq!(sent.header("content-type"), Some("application/json"));
}

#[test]
fn a_fallback_answers_what_no_stub_fits() {
    let fake = Fake::install();
    fake.jira()
        .on(Method::Get, "/rest/api/3/myself")
        .json(200, &json!({"stubbed": true}));
    fake.jira().fallback(|request| {
        Ok(Response::new(
            404,
            Vec::new(),
            request.path.clone().into_bytes(),
        ))
    });
    let stubbed = as_user().get(route!("/rest/api/3/myself")).send().unwrap();
    assert_eq!(stubbed.status(), 200);
    let other = as_user()
        .get(route!("/rest/api/3/issue/{}", "KILN-404").unwrap())
        .send()
        .unwrap();
    assert_eq!(other.status(), 404);
    assert_eq!(other.text().unwrap(), "/rest/api/3/issue/KILN-404");
}

// ---- send_all ---------------------------------------------------------------

#[test]
fn send_all_sends_one_batch_and_answers_in_order() {
    let fake = Fake::install();
    fake.jira()
        .on(Method::Get, "/rest/api/3/issue/{key}")
        .respond_with(|request| {
            let key = request
                .path
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_owned();
            Ok(Response::new(
                200,
                Vec::new(),
                format!("{{\"key\":\"{key}\"}}").into_bytes(),
            ))
        });
    fake.jira()
        .on(Method::Get, "/rest/api/3/myself")
        .fail(RequestError::Timeout);

    let keys = ["KILN-3", "KILN-1", "KILN-2"];
    let mut requests: Vec<_> = keys
        .iter()
        .map(|key| as_user().get(route!("/rest/api/3/issue/{}", key).unwrap()))
        .collect();
    requests.insert(1, as_app().get(route!("/rest/api/3/myself")));
    let outcomes = kiln_sdk::send_all(requests);

    assert_eq!(outcomes.len(), 4);
    assert_eq!(
        outcomes[1],
        Err(RequestError::Timeout),
        "one failure cancels nothing"
    );
    let answered: Vec<String> = [&outcomes[0], &outcomes[2], &outcomes[3]]
        .into_iter()
        .map(|outcome| {
            let body: Value = outcome.as_ref().unwrap().json().unwrap();
            body["key"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(answered, keys);

    let batches = fake.jira().batches();
    assert_eq!(batches.len(), 1, "one request-jira-all call");
    assert_eq!(batches[0].len(), 4);
    assert_eq!(batches[0][1].principal, Principal::App);
}

#[test]
fn send_all_answers_an_unserialisable_body_in_its_place_without_sending_it() {
    let fake = Fake::install();
    fake.jira()
        .on(Method::Put, "/rest/api/3/issue/{key}")
        .status(204);
    let bad = std::collections::BTreeMap::from([((1, 2), "not a JSON object key")]);
    let outcomes = kiln_sdk::send_all([
        as_user().put(route!("/rest/api/3/issue/KILN-1")).json(&bad),
        as_user()
            .put(route!("/rest/api/3/issue/KILN-2"))
            .json(&json!({})),
    ]);
    assert!(
        matches!(&outcomes[0], Err(RequestError::InvalidRequest(m)) if m.contains("JSON body"))
    );
    assert_eq!(outcomes[1].as_ref().unwrap().status(), 204);
    let batches = fake.jira().batches();
    assert_eq!(batches.len(), 1);
    assert_eq!(batches[0].len(), 1);
    assert_eq!(batches[0][0].path, "/rest/api/3/issue/KILN-2");
}

#[test]
fn send_all_of_nothing_calls_nothing() {
    let fake = Fake::install();
    assert!(kiln_sdk::send_all(Vec::new()).is_empty());
    assert!(fake.jira().batches().is_empty());
}

// ---- storage ----------------------------------------------------------------

#[test]
fn typed_values_round_trip_and_seeds_are_visible() {
    let fake = Fake::install();
    fake.storage().set(
        "triaged:KILN-1",
        &Triaged {
            labels: vec!["bug".into()],
        },
    );

    let seen: Option<Triaged> = storage::get("triaged:KILN-1").unwrap();
    assert_eq!(
        seen,
        Some(Triaged {
            labels: vec!["bug".into()]
        })
    );
    assert_eq!(storage::get::<Triaged>("triaged:KILN-2").unwrap(), None);

    let version = storage::set("triaged:KILN-2", &Triaged { labels: vec![] }).unwrap();
    assert_eq!(fake.storage().version("triaged:KILN-2"), Some(version));
    assert_eq!(
        fake.storage().get::<Triaged>("triaged:KILN-2"),
        Some(Triaged { labels: vec![] })
    );

    storage::delete("triaged:KILN-1").unwrap();
    storage::delete("never-set").unwrap();
    assert_eq!(
        fake.storage().entries().keys().collect::<Vec<_>>(),
        ["triaged:KILN-2"]
    );
}

#[test]
fn a_value_of_another_type_is_an_unexpected_value_naming_the_key() {
    let fake = Fake::install();
    fake.storage().set("count", &"seven");
    let error = storage::get::<u64>("count").unwrap_err();
    assert!(
        matches!(&error, StorageError::UnexpectedValue { key, reason } if key == "count" && reason.contains("u64")),
        "{error:?}"
    );
    // `?` in a handler.
    assert!(AppError::from(error).to_string().contains("\"count\""));
}

#[test]
fn queries_page_by_prefix_in_key_order_with_cursors() {
    let fake = Fake::install();
    for n in [3, 1, 5, 2, 4] {
        fake.storage().set(&format!("issue:{n}"), &n);
    }
    fake.storage().set("other", &0);
    fake.storage().set_secret("issue:secret", &"never listed");

    let first = storage::query()
        .where_prefix("issue:")
        .limit(2)
        .get_many::<u32>()
        .unwrap();
    assert_eq!(
        first.entries.iter().map(|e| e.value).collect::<Vec<_>>(),
        [1, 2]
    );
    let cursor = first.next_cursor.expect("more pages");
    let second = storage::query()
        .where_prefix("issue:")
        .limit(2)
        .cursor(cursor)
        .get_many::<u32>()
        .unwrap();
    assert_eq!(
        second
            .entries
            .iter()
            .map(|e| e.key.as_str())
            .collect::<Vec<_>>(),
        ["issue:3", "issue:4"]
    );
    let last = storage::query()
        .where_prefix("issue:")
        .limit(2)
        .cursor(second.next_cursor.unwrap())
        .get_many::<u32>()
        .unwrap();
    assert_eq!(last.entries.len(), 1);
    assert_eq!(last.next_cursor, None, "no cursor on the last page");

    let everything = storage::query().get_many::<Value>().unwrap();
    assert_eq!(
        everything.entries.len(),
        6,
        "default page of 10 holds all, no secret"
    );
}

#[test]
fn query_limits_and_cursors_are_checked_like_the_host() {
    let _fake = Fake::install();
    assert_eq!(
        storage::query().limit(0).get_many::<Value>().unwrap_err(),
        StorageError::InvalidLimit(0)
    );
    assert_eq!(
        storage::query()
            .limit(storage_limits::MAX_PAGE_SIZE + 1)
            .get_many::<Value>()
            .unwrap_err(),
        StorageError::InvalidLimit(101)
    );
    for forged in ["", "garbage", "fake.zz", "fake.6"] {
        assert_eq!(
            storage::query()
                .cursor(forged)
                .get_many::<Value>()
                .unwrap_err(),
            StorageError::InvalidCursor,
            "{forged:?}"
        );
    }
}

#[test]
fn keys_and_values_break_the_same_rules_as_on_the_host() {
    let _fake = Fake::install();
    for key in [
        String::new(),
        " \t".into(),
        "a\0b".into(),
        "k".repeat(storage_limits::MAX_KEY_CHARS + 1),
    ] {
        assert!(
            matches!(storage::set(&key, &1), Err(StorageError::InvalidKey(_))),
            "{key:?}"
        );
    }
    // Anything else is data, in the installation's own namespace.
    for key in [
        "%",
        "_",
        "../x",
        "ключ",
        " lead",
        &"k".repeat(storage_limits::MAX_KEY_CHARS),
    ] {
        storage::set(key, &1).unwrap();
        assert_eq!(storage::get::<u8>(key).unwrap(), Some(1), "{key:?}");
    }
    let big = "x".repeat(storage_limits::MAX_VALUE_BYTES);
    assert!(
        matches!(storage::set("big", &big), Err(StorageError::InvalidValue(m)) if m.contains("bytes"))
    );
    let mut deep = json!(1);
    for _ in 0..=storage_limits::MAX_DEPTH {
        deep = json!([deep]);
    }
    assert!(
        matches!(storage::set("deep", &deep), Err(StorageError::InvalidValue(m)) if m.contains("nested"))
    );
}

#[test]
fn compare_and_set_applies_only_when_the_key_is_as_expected() {
    let _fake = Fake::install();
    assert!(storage::compare_and_set("lock", Expected::Absent, Some(&"mine")).unwrap());
    assert!(!storage::compare_and_set("lock", Expected::Absent, Some(&"theirs")).unwrap());
    let entry = storage::get_entry::<String>("lock").unwrap().unwrap();
    assert_eq!(entry.value, "mine");
    assert!(
        !storage::compare_and_set("lock", Expected::Version(entry.version + 1), None::<&()>)
            .unwrap()
    );
    assert!(
        storage::compare_and_set("lock", Expected::Version(entry.version), None::<&()>).unwrap()
    );
    assert_eq!(storage::get::<String>("lock").unwrap(), None);
}

#[test]
fn update_retries_when_another_invocation_wrote_in_between() {
    let fake = Fake::install();
    fake.storage().set("count", &10);
    fake.storage().concurrent_write("count", &20);
    let mut calls = Vec::new();
    let written = storage::update("count", |n: Option<u64>| {
        calls.push(n);
        n.unwrap_or(0) + 1
    })
    .unwrap();
    assert_eq!(written, 21, "the concurrent increment is not lost");
    assert_eq!(calls, [Some(10), Some(20)]);
    assert_eq!(fake.storage().get::<u64>("count"), Some(21));
}

#[test]
fn update_gives_up_on_a_key_that_never_settles() {
    let fake = Fake::install();
    for n in 0..storage::MAX_UPDATE_ATTEMPTS {
        fake.storage().concurrent_write("hot", &n);
    }
    let error = storage::update("hot", |n: Option<u32>| n.unwrap_or(0) + 1).unwrap_err();
    assert_eq!(
        error,
        StorageError::Contended {
            key: "hot".into(),
            attempts: storage::MAX_UPDATE_ATTEMPTS
        }
    );
}

#[test]
fn a_transaction_commits_every_operation_at_one_version() {
    let fake = Fake::install();
    fake.storage().set("pending:KILN-1", &true);
    fake.storage().set("audit", &1);
    let audit = storage::get_entry::<u32>("audit").unwrap().unwrap();
    let outcome = storage::transaction()
        .set("triaged:KILN-1", &["bug"])
        .delete("pending:KILN-1")
        .check("audit", Expected::Version(audit.version))
        .set_if("lock", &"mine", Expected::Absent)
        .commit()
        .unwrap();
    let TransactOutcome::Committed { version } = outcome else {
        panic!("expected a commit, got {outcome:?}");
    };
    assert_eq!(fake.storage().version("triaged:KILN-1"), Some(version));
    assert_eq!(fake.storage().version("lock"), Some(version));
    assert_eq!(fake.storage().get::<bool>("pending:KILN-1"), None);
    assert_eq!(
        fake.storage().version("audit"),
        Some(audit.version),
        "a check writes nothing"
    );
}

#[test]
fn a_failed_condition_writes_nothing_and_names_its_operation() {
    let fake = Fake::install();
    fake.storage().set("a", &1);
    fake.storage().set("b", &2);
    let before = fake.storage().entries();
    let a = storage::get_entry::<u32>("a").unwrap().unwrap();
    // Another invocation writes `b` between the app's read and its commit.
    let b = storage::get_entry::<u32>("b").unwrap().unwrap();
    fake.storage().concurrent_write("b", &20);
    let outcome = storage::transaction()
        .set_if("a", &(a.value - 1), Expected::Version(a.version))
        .set_if("b", &(b.value + 1), Expected::Version(b.version))
        .set("c", &3)
        .commit()
        .unwrap();
    assert_eq!(outcome, TransactOutcome::ConditionFailed { index: 1 });
    let mut expected = before;
    expected.insert("b".into(), json!(20));
    assert_eq!(
        fake.storage().entries(),
        expected,
        "only the concurrent write landed"
    );
}

#[test]
fn a_transaction_is_refused_whole_by_the_hosts_rules() {
    let fake = Fake::install();
    let refused = |transaction: storage::Transaction| match transaction.commit() {
        Err(StorageError::InvalidTransaction(rule)) => rule,
        other => panic!("expected invalid-transaction, got {other:?}"),
    };
    assert!(refused(storage::transaction()).contains("no operation"));
    let too_many = (0..=storage::MAX_TRANSACTION_OPERATIONS)
        .fold(storage::transaction(), |t, n| t.set(format!("k{n}"), &n));
    assert!(refused(too_many).contains("26 operations"));
    let twice = storage::transaction().set("k", &1).delete("k");
    assert!(refused(twice).contains("operations 0 and 1"));
    let chunk = "x".repeat(200 * 1024);
    let large = (0..21).fold(storage::transaction(), |t, n| {
        t.set(format!("k{n}"), &chunk)
    });
    assert!(refused(large).contains("bytes"));
    assert!(fake.storage().entries().is_empty(), "nothing was written");
    fake.storage().max_total_bytes(10);
    assert!(matches!(
        storage::transaction()
            .set("a", &"12345")
            .set("b", &"12345")
            .commit(),
        Err(StorageError::QuotaExceeded(_))
    ));
    assert!(fake.storage().entries().is_empty());
}

#[test]
fn secrets_live_apart_from_values() {
    let fake = Fake::install();
    storage::set_secret("token", "s3cr3t").unwrap();
    assert_eq!(storage::get::<String>("token").unwrap(), None);
    assert_eq!(
        storage::get_secret::<String>("token").unwrap().as_deref(),
        Some("s3cr3t")
    );
    assert_eq!(
        fake.storage().secret::<String>("token").as_deref(),
        Some("s3cr3t")
    );
    assert!(fake.storage().entries().is_empty());
    storage::delete_secret("token").unwrap();
    assert_eq!(storage::get_secret::<String>("token").unwrap(), None);
}

#[test]
fn without_storage_app_every_call_is_scope_denied() {
    let fake = Fake::install();
    fake.storage().set("seeded", &1);
    fake.storage().deny();
    assert_eq!(
        storage::get::<u8>("seeded").unwrap_err(),
        StorageError::ScopeDenied
    );
    assert_eq!(
        storage::set("k", &1).unwrap_err(),
        StorageError::ScopeDenied
    );
    assert_eq!(
        storage::query().get_many::<Value>().unwrap_err(),
        StorageError::ScopeDenied
    );
    assert_eq!(
        storage::get_secret::<String>("k").unwrap_err(),
        StorageError::ScopeDenied
    );
    let message = AppError::from(StorageError::ScopeDenied).to_string();
    assert!(message.contains("storage:app"), "{message}");
}

#[test]
fn injected_failures_and_the_quota_come_back_typed() {
    let fake = Fake::install();
    fake.storage()
        .fail_next(StorageError::Unavailable("disk gone".into()));
    assert_eq!(
        storage::set("a", &1).unwrap_err(),
        StorageError::Unavailable("disk gone".into())
    );
    storage::set("a", &1).unwrap();

    fake.storage().max_total_bytes(10);
    // "a" + "1" = 2 bytes used; "b" + "\"1234567\"" = 10 more would be 12.
    assert!(
        matches!(storage::set("b", &"1234567"), Err(StorageError::QuotaExceeded(q)) if q.contains("12 bytes"))
    );
    storage::set("b", &"12345").unwrap();
    // Replacing a value counts only the difference.
    storage::set("b", &"54321").unwrap();
}

// ---- log and context --------------------------------------------------------

#[test]
fn log_lines_are_captured_in_order() {
    let fake = Fake::install();
    log::info!("triaging {}", "KILN-1");
    log::warn("no owner");
    assert_eq!(
        fake.logs(),
        [
            LogLine {
                level: Level::Info,
                message: "triaging KILN-1".into()
            },
            LogLine {
                level: Level::Warn,
                message: "no owner".into()
            },
        ]
    );
}

#[test]
fn the_test_context_has_every_field_and_can_be_changed() {
    let mut ctx = testing::context();
    assert_eq!(ctx.installation_id, "test-installation");
    assert_eq!(ctx.trigger, TriggerKind::Function);
    assert_eq!(ctx.environment, "development");
    ctx.trigger = TriggerKind::Scheduled;
    assert_eq!(ctx.trigger.to_string(), "scheduled");
}

#[test]
fn each_fake_is_fresh_and_a_later_install_replaces_an_earlier_one() {
    let first = Fake::install();
    first.storage().set("k", &1);
    let second = Fake::install();
    assert_eq!(storage::get::<u8>("k").unwrap(), None);
    storage::set("k", &2).unwrap();
    assert_eq!(first.storage().get::<u8>("k"), Some(1));
    drop(first);
    // Dropping the replaced fake leaves the current one installed.
    assert_eq!(storage::get::<u8>("k").unwrap(), Some(2));
    drop(second);
}

// ---- Expiring values and metadata ------------------------------------------

#[test]
fn an_expiring_value_is_gone_once_the_clock_passes_its_time() {
    let fake = Fake::install();
    let ttl = std::time::Duration::from_secs(60);
    storage::set_expiring("lock", &"mine", ttl).unwrap();
    let entry = storage::get_entry::<String>("lock").unwrap().unwrap();
    assert_eq!(entry.created_at, fake.now());
    assert_eq!(entry.updated_at, fake.now());
    assert_eq!(entry.expires_at, Some(fake.now() + ttl));

    fake.advance(std::time::Duration::from_secs(59));
    assert_eq!(
        storage::get::<String>("lock").unwrap().as_deref(),
        Some("mine")
    );
    fake.advance(std::time::Duration::from_secs(1));
    assert_eq!(storage::get::<String>("lock").unwrap(), None);
    assert_eq!(fake.storage().get::<String>("lock"), None);
    let page = storage::query().get_many::<Value>().unwrap();
    assert!(page.entries.is_empty(), "{page:?}");
    // An expired key is absent for a condition too.
    assert!(storage::compare_and_set("lock", Expected::Absent, Some(&"yours")).unwrap());
}

#[test]
fn metadata_keeps_the_creation_time_across_writes_and_a_plain_set_clears_the_expiry() {
    let fake = Fake::install();
    let created = fake.now();
    storage::set_expiring("k", &1, std::time::Duration::from_secs(10)).unwrap();
    fake.advance(std::time::Duration::from_secs(5));
    storage::set("k", &2).unwrap();
    let entry = storage::get_entry::<u32>("k").unwrap().unwrap();
    assert_eq!(entry.created_at, created);
    assert_eq!(entry.updated_at, fake.now());
    assert_eq!(
        entry.expires_at, None,
        "set stores a value that never expires"
    );
    fake.advance(std::time::Duration::from_secs(3600));
    assert_eq!(storage::get::<u32>("k").unwrap(), Some(2));

    // Deleted and stored again: created anew.
    storage::delete("k").unwrap();
    storage::set("k", &3).unwrap();
    let again = fake.storage().entry::<u32>("k").unwrap();
    assert_eq!(again.created_at, fake.now());
    let page = storage::query().get_many::<u32>().unwrap();
    assert_eq!(page.entries, vec![again]);
}

#[test]
fn a_time_to_live_is_refused_at_zero_and_over_the_bound() {
    let fake = Fake::install();
    let zero = storage::set_expiring("k", &1, std::time::Duration::ZERO).unwrap_err();
    assert!(matches!(zero, StorageError::InvalidValue(_)), "{zero:?}");
    let long = storage::set_expiring("k", &1, storage_limits::MAX_TTL * 2).unwrap_err();
    assert!(matches!(long, StorageError::InvalidValue(_)), "{long:?}");
    // Sub-second times to live round up to a whole second, not down to 0.
    storage::set_expiring("k", &1, std::time::Duration::from_millis(10)).unwrap();
    assert_eq!(
        fake.storage().entry::<u32>("k").unwrap().expires_at,
        Some(fake.now() + std::time::Duration::from_secs(1))
    );
    fake.storage().max_ttl(std::time::Duration::from_secs(30));
    assert!(storage::set_expiring("k", &1, std::time::Duration::from_secs(31)).is_err());
    assert_eq!(
        storage::get::<u32>("k").unwrap(),
        Some(1),
        "nothing written"
    );
}

#[test]
fn a_transaction_stores_expiring_values_at_its_version() {
    let fake = Fake::install();
    fake.storage()
        .set_expiring("old", &0, std::time::Duration::from_secs(5));
    let outcome = storage::transaction()
        .set_expiring("session", &"s", std::time::Duration::from_secs(30))
        .set_expiring_if(
            "lock",
            &true,
            std::time::Duration::from_secs(10),
            Expected::Absent,
        )
        .set("plain", &1)
        .commit()
        .unwrap();
    let TransactOutcome::Committed { version } = outcome else {
        panic!("expected a commit, got {outcome:?}");
    };
    let session = fake.storage().entry::<String>("session").unwrap();
    assert_eq!(session.version, version);
    assert_eq!(
        session.expires_at,
        Some(fake.now() + std::time::Duration::from_secs(30))
    );
    assert_eq!(
        fake.storage().entry::<u32>("plain").unwrap().expires_at,
        None
    );
    fake.advance(std::time::Duration::from_secs(10));
    assert_eq!(fake.storage().get::<bool>("lock"), None);
    assert_eq!(fake.storage().get::<u32>("old"), None);
    assert_eq!(
        fake.storage().get::<String>("session").as_deref(),
        Some("s")
    );

    // A zero time to live refuses the whole transaction.
    let refused = storage::transaction()
        .set("a", &1)
        .set_expiring("b", &2, std::time::Duration::ZERO)
        .commit()
        .unwrap_err();
    assert!(
        matches!(refused, StorageError::InvalidValue(_)),
        "{refused:?}"
    );
    assert_eq!(fake.storage().get::<u32>("a"), None);
}
