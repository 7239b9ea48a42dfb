//! Forge's `kvs.transact()` on Kiln: the app `tests/js/transactions`, built
//! as `runtime build` builds it (its custom entity declared), runs on the
//! simulator against the host's real `kiln:app/storage.transact`
//! (kiln:app@0.3.0). Each handler reports what it observed; the
//! expectations are Forge's documented behaviour (all operations or none,
//! 25 operations, each key once, entity conditions) and Kiln's way of
//! meeting it (conditions evaluated by the layer, pinned to the versions it
//! read, so concurrent transfers never lose an update).

use serde_json::{Value, json};

use crate::support::{Harness, forge_example, ok_json};

/// The app loaded into a fresh harness (its own empty storage); `None`
/// without Node.js and npm.
async fn load() -> Option<(Harness, kiln_runtime::LoadedApp)> {
    forge_example::load_test_app("transactions").await
}

async fn run(h: &Harness, app: &kiln_runtime::LoadedApp, function: &str, payload: Value) -> Value {
    ok_json(&h.invoke(app, function, payload).await)
}

#[tokio::test]
async fn a_transaction_commits_key_value_and_entity_writes_together() {
    let Some((h, app)) = load().await else {
        return;
    };
    let report = run(&h, &app, "commit", json!({})).await;
    assert_eq!(report["committed"], json!({ "ok": null }), "{report}");
    assert_eq!(report["a"], json!({ "n": 1 }));
    assert_eq!(report["b"], json!(["two"]));
    // Deleted in the same transaction; deleting an absent key is no error.
    assert_eq!(report["old"], Value::Null);
    assert_eq!(report["carol"], json!({ "owner": "carol", "balance": 5 }));
    // The entity's index follows the item written by the transaction.
    assert_eq!(report["byBalance"], json!(["carol"]));
    h.assert_jira_untouched();
}

#[tokio::test]
async fn a_condition_that_does_not_hold_writes_nothing() {
    let Some((h, app)) = load().await else {
        return;
    };
    let report = run(&h, &app, "failing", json!({})).await;
    let refused = &report["refused"]["err"];
    assert_eq!(refused["code"], "CONDITION_FAILED", "{report}");
    assert_eq!(refused["className"], "StorageError", "{report}");
    assert!(
        refused["message"]
            .as_str()
            .is_some_and(|m| m.contains("operation 3 (check \"dave\"")),
        "{report}"
    );
    // Nothing of the refused transaction: not the plain key, not bob, alice unchanged.
    assert_eq!(
        report["afterRefusal"],
        json!({ "plain": null, "alice": { "owner": "alice", "balance": 10 }, "bob": null })
    );
    assert_eq!(
        report["duplicate"]["err"]["code"], "INVALID_TRANSACTION",
        "{report}"
    );
    // The conditions held: both keys written.
    assert_eq!(report["conditional"], json!({ "ok": null }), "{report}");
    assert_eq!(report["plain"], "written");
    assert_eq!(report["alice"], json!({ "owner": "alice", "balance": 0 }));
    assert_eq!(report["bob"], Value::Null);
    h.assert_jira_untouched();
}

#[tokio::test]
async fn forges_limits_are_refused_before_any_storage_call() {
    let Some((h, app)) = load().await else {
        return;
    };
    let invoked = h.invoke(&app, "limits", json!({})).await;
    let report = ok_json(&invoked);
    assert_eq!(
        report["tooMany"]["err"]["code"], "INVALID_TRANSACTION",
        "{report}"
    );
    assert!(
        report["tooMany"]["err"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("at most 25 operations, this one 26")),
        "{report}"
    );
    assert_eq!(
        report["duplicate"]["err"]["code"], "INVALID_TRANSACTION",
        "{report}"
    );
    assert_eq!(
        report["keyPolicy"]["err"]["code"], "UNSUPPORTED_OPTION",
        "{report}"
    );
    // ttl is supported since kiln:app@0.4.0; one that is not a positive
    // whole number is refused by the layer like the rest.
    assert_eq!(report["badTtl"]["err"]["code"], "INVALID_TTL", "{report}");
    // Every one was refused by the layer: the host saw no storage call.
    assert_eq!(invoked.storage_calls, 0, "{report}");
}

#[tokio::test]
async fn concurrent_transfers_lose_no_update_and_conserve_the_sum() {
    let Some((h, app)) = load().await else {
        return;
    };
    let owners = json!(["a", "b", "c"]);
    run(
        &h,
        &app,
        "seed",
        json!({ "owners": owners, "balance": 100 }),
    )
    .await;
    // Transfers around the three accounts, started together: where two
    // meet on an account, the one that commits second finds its condition
    // false and reads again, so each applies exactly once.
    let moves: [(&str, &str, i64); 8] = [
        ("a", "b", 7),
        ("b", "c", 11),
        ("c", "a", 13),
        ("a", "c", 1),
        ("b", "a", 2),
        ("c", "b", 3),
        ("a", "b", 5),
        ("b", "c", 4),
    ];
    let transfer = |(from, to, amount): (&str, &str, i64)| {
        run(
            &h,
            &app,
            "transfer",
            json!({ "from": from, "to": to, "amount": amount }),
        )
    };
    let reports = tokio::join!(
        transfer(moves[0]),
        transfer(moves[1]),
        transfer(moves[2]),
        transfer(moves[3]),
        transfer(moves[4]),
        transfer(moves[5]),
        transfer(moves[6]),
        transfer(moves[7]),
    );
    let reports = [
        reports.0, reports.1, reports.2, reports.3, reports.4, reports.5, reports.6, reports.7,
    ];
    for report in &reports {
        assert!(report["attempts"].as_u64().is_some(), "{report}");
    }
    // How often a transfer met another (more than one attempt): how much the
    // invocations overlapped on this machine, for the log.
    let attempts: Vec<&Value> = reports.iter().map(|r| &r["attempts"]).collect();
    eprintln!("attempts per transfer: {attempts:?}");
    let mut expected = std::collections::BTreeMap::from([("a", 100i64), ("b", 100), ("c", 100)]);
    for (from, to, amount) in moves {
        *expected.get_mut(from).unwrap() -= amount;
        *expected.get_mut(to).unwrap() += amount;
    }
    let report = run(&h, &app, "balances", json!({ "owners": owners })).await;
    assert_eq!(report["found"], json!(expected), "{report}");
    let sum: i64 = expected.values().sum();
    assert_eq!(sum, 300);
    // The index holds each account once, at its committed balance.
    let mut indexed: Vec<(String, i64)> =
        serde_json::from_value(report["indexed"].clone()).unwrap();
    indexed.sort();
    let wanted: Vec<(String, i64)> = expected
        .iter()
        .map(|(k, v)| ((*k).to_owned(), *v))
        .collect();
    assert_eq!(indexed, wanted, "{report}");
    h.assert_jira_untouched();
}
