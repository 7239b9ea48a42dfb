//! Forge's custom entities (`kvs.entity(name)` of `@forge/kvs`) on Kiln: the
//! app `tests/js/entities`, built as `runtime build` builds it (its
//! manifest's `app.storage.entities` embedded for the Forge layer), runs on
//! the simulator against the host's real `kiln:app/storage`. Each handler
//! reports what it observed; the expectations here are Forge's documented
//! behaviour: typed attributes, indexes with partitions, the where
//! conditions, both sort orders, cursors, filters, and Kiln's guarantees on
//! top (a stale index entry is never a result; no partition value reaches
//! another partition, whatever characters it holds). Forge's key index,
//! `by-key`, which every entity has undeclared, runs on the host's storage
//! too: its prefix scans are the ones the host checks.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use kiln_guest_build::Sandbox;
use kiln_guest_build::js::{JsBuild, build_js};
use kiln_manifest::Manifest;
use kiln_runtime::LoadedApp;
use serde_json::{Value, json};

use crate::escape_js_app::sources_digest;
use crate::support::{Harness, ok_json};

fn app_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("js/entities")
}

fn tmp() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
}

fn manifest_text() -> String {
    std::fs::read_to_string(app_dir().join("manifest.yml")).expect("the app's manifest")
}

/// The built component, or `None` without Node.js and npm.
fn component() -> Option<&'static Path> {
    static BUILT: OnceLock<Option<PathBuf>> = OnceLock::new();
    BUILT.get_or_init(build).as_deref()
}

fn build() -> Option<PathBuf> {
    let found = |program: &str| {
        std::process::Command::new(program)
            .arg("--version")
            .output()
            .is_ok_and(|out| out.status.success())
    };
    if !found("node") || !found("npm") {
        assert!(
            std::env::var_os("KILN_REQUIRE_NODE").is_none(),
            "KILN_REQUIRE_NODE is set but Node.js or npm is missing: the custom entity cases cannot run"
        );
        eprintln!("skipped: the custom entity cases need Node.js and npm to build their app");
        return None;
    }
    let dir = app_dir();
    let work = tmp().join("kiln-js-entities-build");
    let kept = work.join(format!("{}.wasm", sources_digest(&dir)));
    if kept.is_file() {
        return Some(kept);
    }
    let manifest = Manifest::from_yaml(&manifest_text()).expect("the app's manifest loads");
    let entities = manifest
        .entities()
        .iter()
        .map(|entity| serde_json::to_value(entity).expect("JSON"))
        .collect();
    let built = build_js(&JsBuild {
        app_dir: dir.canonicalize().expect("tests/js/entities exists"),
        handler_modules: vec!["index".to_owned()],
        work_dir: work.join("work"),
        cache_dir: tmp().join("kiln-js-cli-cache"),
        sandbox: Sandbox::available(),
        wizer: crate::support::kiln_wizer(),
        fetch_backends: Vec::new(),
        entities,
        consumers: Vec::new(),
        app_id: "kiln-test-app".into(),
        scopes: Vec::new(),
        licensed: false,
        node_runtime: None,
        architecture: None,
        limits: None,
    })
    .unwrap_or_else(|error| panic!("the entities JS app builds: {error}"));
    for entry in std::fs::read_dir(&work).expect("build folder") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|ext| ext == "wasm") {
            std::fs::remove_file(&path).expect("remove an older build");
        }
    }
    std::fs::copy(&built.path, &kept).expect("keep the built component");
    Some(kept)
}

/// Loads the app into a fresh harness (its own empty storage); the first
/// load compiles the engine while the others wait for the artifact cache.
async fn load() -> Option<(Harness, LoadedApp)> {
    static FIRST_LOAD: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    static CACHED: AtomicBool = AtomicBool::new(false);
    let path = tokio::task::spawn_blocking(component)
        .await
        .expect("the build thread")?;
    let path = path.to_str().expect("a UTF-8 path").to_owned();
    let h = Harness::start().await;
    let _first = if CACHED.load(Ordering::Acquire) {
        None
    } else {
        Some(FIRST_LOAD.lock().await)
    };
    let app = h.load(&path, &manifest_text()).await;
    CACHED.store(true, Ordering::Release);
    Some((h, app))
}

async fn run(case: &str) -> Option<Value> {
    let (h, app) = load().await?;
    let report = ok_json(&h.invoke(&app, case, json!({})).await);
    h.assert_jira_untouched();
    Some(report)
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("a list: {value}"))
        .iter()
        .map(|v| v.as_str().expect("a string").to_owned())
        .collect()
}

fn reversed(list: &[&str]) -> Vec<String> {
    list.iter().rev().map(|s| (*s).to_owned()).collect()
}

fn refused(report: &Value, code: &str, words: &str) {
    let err = &report["err"];
    assert_eq!(err["name"], "ForgeKvsError", "{report}");
    assert_eq!(err["code"], code, "{report}");
    let message = err["message"].as_str().unwrap_or_default();
    assert!(message.contains(words), "{words:?} not in {report}");
}

#[tokio::test]
async fn entities_get_set_delete_beside_the_key_value_store() {
    let Some(out) = run("crud").await else { return };
    assert_eq!(
        out["stored"],
        json!({ "surname": "Lovelace", "age": 36, "rating": 4.5, "team": "eng", "active": true, "profile": { "langs": ["ada"] } })
    );
    assert_eq!(out["missing"], Value::Null);
    // Forge keeps entities apart from the key-value store: a plain query lists none of their keys.
    assert_eq!(out["plainKeys"], json!([]));
    assert_eq!(out["afterDelete"], Value::Null);
    assert_eq!(out["byAge"], json!([]));
}

#[tokio::test]
async fn entity_values_are_checked_against_the_declared_types() {
    let Some(out) = run("types").await else {
        return;
    };
    for (case, words) in [
        ("fractionalInteger", "declared integer"),
        ("integerOver32Bits", "32-bit signed integer"),
        ("stringForInteger", "declared integer"),
        ("infiniteFloat", "declared float"),
        ("hugeFloat", "declared float"),
        ("numberForString", "declared string"),
        ("textForBoolean", "declared boolean"),
    ] {
        refused(&out[case], "INVALID_ATTRIBUTE_VALUE", words);
    }
    refused(&out["array"], "INVALID_VALUE", "object of its attributes");
    refused(&out["emptyKey"], "INVALID_KEY", "non-empty");
    refused(&out["longKey"], "KEY_TOO_LONG", "takes keys of at most");
    refused(&out["longIndexEntry"], "KEY_TOO_LONG", "index surname");
    // Nothing a refused write carried was stored.
    assert_eq!(out["stored"], Value::Null);
    assert_eq!(out["ok"], json!({ "ok": null }));
    assert_eq!(
        out["after"],
        json!({ "age": -7, "rating": -0.5, "nickname": "undeclared is kept" })
    );
}

#[tokio::test]
async fn undeclared_entities_and_indexes_are_refused() {
    let Some(out) = run("undeclared").await else {
        return;
    };
    for case in ["get", "set", "query"] {
        refused(
            &out[case],
            "ENTITY_NOT_DECLARED",
            "custom entity \"ghost\" is not declared in manifest.yml (app.storage.entities: employee, job, jobs)",
        );
    }
    refused(
        &out["noIndex"],
        "INVALID_QUERY",
        "has no index \"nope\" (indexes: by-key, surname, by-age, by-team-age, by-rating)",
    );
    refused(&out["noIndexNamed"], "INVALID_QUERY", "query().index(name)");
}

#[tokio::test]
async fn every_where_condition_in_both_orders() {
    let Some(out) = run("conditions").await else {
        return;
    };
    // Ages: h -2^31, a -40, b -3, c 0, d 7, e 30, f 31, g 2^31-1.
    let expected: [(&str, &[&str]); 7] = [
        ("all", &["h", "a", "b", "c", "d", "e", "f", "g"]),
        ("equalTo", &["e"]),
        ("between", &["b", "c", "d", "e"]),
        ("greaterThan", &["d", "e", "f", "g"]),
        ("greaterThanEqualTo", &["c", "d", "e", "f", "g"]),
        ("lessThan", &["h", "a", "b"]),
        ("lessThanEqualTo", &["h", "a", "b"]),
    ];
    for (case, keys) in expected {
        assert_eq!(strings(&out[case]["asc"]), keys, "{case} ASC: {out}");
        assert_eq!(
            strings(&out[case]["desc"]),
            reversed(keys),
            "{case} DESC: {out}"
        );
    }
    assert_eq!(strings(&out["beginsWith"]["asc"]), ["ab", "abc", "abd"]);
    assert_eq!(strings(&out["beginsWith"]["desc"]), ["abd", "abc", "ab"]);
    // Strings order by their UTF-8 bytes: é (C3 A9) < 😀 (F0 9F 98 80).
    assert_eq!(strings(&out["stringsGreaterThan"]), ["é", "😀"]);
    assert_eq!(out["getOne"], json!({ "key": "f", "value": { "age": 31 } }));
}

#[tokio::test]
async fn floats_order_numerically_across_signs_and_magnitudes() {
    let Some(out) = run("orders").await else {
        return;
    };
    let ascending = json!([
        -1e125, -2.5, -1e-130, 0, 1e-130, 0.1, 0.25, 1, 2.5, 10, 1e125
    ]);
    assert_eq!(out["asc"], ascending);
    let mut descending = ascending.as_array().expect("list").clone();
    descending.reverse();
    assert_eq!(out["desc"], Value::Array(descending));
    assert_eq!(out["between"], json!([-2.5, -1e-130, 0, 1e-130, 0.1, 0.25]));
}

#[tokio::test]
async fn cursors_page_without_repeats_or_gaps_in_both_orders() {
    let Some(out) = run("paging").await else {
        return;
    };
    for (sort, ascending) in [("ASC", true), ("DESC", false)] {
        let pages = out[sort].as_array().expect("pages");
        assert!(pages.len() >= 4, "{sort}: {out}");
        let mut seen = Vec::new();
        for page in pages {
            let entries = strings(page);
            assert!(entries.len() <= 7, "{sort}: a page over the limit: {out}");
            seen.extend(entries);
        }
        assert_eq!(seen.len(), 25, "{sort}: {out}");
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 25, "{sort}: a repeat: {out}");
        let ages: Vec<u32> = seen
            .iter()
            .map(|e| e.split(':').next().unwrap().parse().unwrap())
            .collect();
        let mut sorted = ages.clone();
        sorted.sort_unstable();
        if !ascending {
            sorted.reverse();
        }
        assert_eq!(ages, sorted, "{sort}: {out}");
    }
    // greaterThan(2) skips the 15 entries of ages 0-2, then pages of 3.
    let skipped: Vec<String> = out["skipped"]
        .as_array()
        .expect("pages")
        .iter()
        .flat_map(strings)
        .collect();
    let mut expected: Vec<String> = (0..25)
        .filter(|i| i % 5 > 2)
        .map(|i| format!("{}:p{i:02}", i % 5))
        .collect();
    expected.sort();
    assert_eq!(skipped, expected, "{out}");
    assert_eq!(
        out["forgedCursor"]["err"]["code"], "INVALID_CURSOR",
        "{out}"
    );
}

#[tokio::test]
async fn partitions_stay_apart_whatever_their_values_hold() {
    let Some(out) = run("partitions").await else {
        return;
    };
    let seen = out["seen"].as_array().expect("a list");
    assert_eq!(seen.len(), 12);
    for (i, row) in seen.iter().enumerate() {
        let only = [format!("t{i}")];
        assert_eq!(strings(&row["asc"]), only, "{row}");
        assert_eq!(strings(&row["desc"]), only, "{row}");
    }
    refused(
        &out["missingPartition"],
        "INVALID_QUERY",
        "partitioned by [team]",
    );
    refused(&out["wrongType"], "INVALID_QUERY", "expected a string");
}

#[tokio::test]
async fn filters_on_any_attribute() {
    let Some(out) = run("filters").await else {
        return;
    };
    let expected: [(&str, &[&str]); 11] = [
        ("andEqual", &["x1", "x4"]),
        ("notEqual", &["x2", "x3"]),
        ("exists", &["x1", "x3"]),
        ("notExists", &["x2", "x4"]),
        ("containsMember", &["x1"]),
        ("containsText", &["x3"]),
        ("notContains", &["x1", "x3"]),
        ("beginsWith", &["x2"]),
        ("andRange", &["x2", "x3"]),
        ("or", &["x1", "x4"]),
        ("filledPage", &["x1", "x2"]),
    ];
    for (case, keys) in expected {
        assert_eq!(strings(&out[case]), keys, "{case}: {out}");
    }
    refused(&out["mixed"], "INVALID_QUERY", "not both");
}

#[tokio::test]
async fn stale_index_entries_are_never_results() {
    let Some(out) = run("stale").await else {
        return;
    };
    let item = json!([{ "key": "w", "value": { "surname": "Old", "age": 30 } }]);
    assert_eq!(out["all"], item, "{out}");
    assert_eq!(out["allDesc"], item, "{out}");
    assert_eq!(out["asNew"], json!([]), "{out}");
    assert_eq!(
        out["afterRewrite"],
        json!({ "old": [], "new": ["w"], "age30": [], "age31": ["w"] })
    );
    assert_eq!(out["oldEntryLeft"], Value::Null, "{out}");
}

/// Forge's key index: "Forge automatically creates an index based on each
/// entity's key … The key index's name is `by-key`" (Forge's entities
/// manifest reference), ordered by the key, with the where conditions of a
/// string range, both orders, cursors and filters.
#[tokio::test]
async fn every_entity_has_the_key_index_by_key() {
    let Some(out) = run("key-index").await else {
        return;
    };
    // The job keys and an item stored raw (as before by-key existed), in
    // the order of their UTF-8 bytes.
    let all = [
        "10", "9", "A", "a", "a!~", "a.b", "ab", "abc", "abd", "b", "raw", "s!i!a", "é", "😀",
    ];
    let both = |case: &Value, keys: &[&str]| {
        assert_eq!(strings(&case["asc"]), keys, "ASC: {out}");
        assert_eq!(strings(&case["desc"]), reversed(keys), "DESC: {out}");
    };
    both(&out["all"], &all);
    let expected: [(&str, &[&str]); 7] = [
        ("equalTo", &["ab"]),
        ("beginsWith", &["ab", "abc", "abd"]),
        ("between", &["ab", "abc", "abd", "b"]),
        ("greaterThan", &["raw", "s!i!a", "é", "😀"]),
        ("greaterThanEqualTo", &["b", "raw", "s!i!a", "é", "😀"]),
        ("lessThan", &["10", "9", "A"]),
        ("lessThanEqualTo", &["10", "9", "A", "a"]),
    ];
    for (case, keys) in expected {
        both(&out["conditions"][case], keys);
    }
    // Each result's value is the item's, as get reads it.
    let order = [
        "b", "a", "ab", "abc", "abd", "a.b", "a!~", "A", "é", "😀", "s!i!a", "10", "9",
    ];
    let mut values = serde_json::Map::new();
    for (i, key) in order.iter().enumerate() {
        values.insert(
            (*key).to_owned(),
            json!({ "owner": format!("o{}", i % 2), "size": i }),
        );
    }
    values.insert("raw".to_owned(), json!({ "owner": "raw", "size": 99 }));
    assert_eq!(out["values"], Value::Object(values));
    both(&out["filtered"], &["10", "A", "a", "a.b", "abc", "😀"]);
    both(&out["orFiltered"], &["a", "b", "raw"]);
    // Pages of 4 in either order, then of the o0 owners' 3 at a time.
    let paged = |case: &str| -> Vec<Vec<String>> {
        out["paged"][case]
            .as_array()
            .unwrap_or_else(|| panic!("pages of {case}: {out}"))
            .iter()
            .map(strings)
            .collect()
    };
    let chunks = |keys: Vec<String>, size: usize| -> Vec<Vec<String>> {
        keys.chunks(size).map(<[String]>::to_vec).collect()
    };
    let ascending: Vec<String> = all.iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(paged("asc"), chunks(ascending, 4), "{out}");
    assert_eq!(paged("desc"), chunks(reversed(&all), 4), "{out}");
    assert_eq!(
        paged("filteredDesc"),
        chunks(reversed(&["9", "a!~", "ab", "abd", "b", "s!i!a", "é"]), 3),
        "{out}"
    );
    assert_eq!(out["getOne"], "b");
    assert_eq!(out["getOneDesc"], "😀");
    assert_eq!(out["getOneNone"], Value::Null);
    // Entities whose names begin alike (job, jobs) hold their own keys only.
    both(&out["jobs"], &["a", "a!i!b", "b", "zz"]);
    assert_eq!(strings(&out["jobsBeginsWith"]), ["a!i!b"]);
    // An entity with declared indexes has by-key beside them.
    both(&out["employees"], &["e1", "e10", "e2"]);
    assert_eq!(strings(&out["employeesBySurname"]), ["e2", "e10", "e1"]);
    // A where value no key can hold matches nothing; the host's prefix rules
    // (no NUL, 500 characters) never see it.
    assert_eq!(out["nul"], json!({ "ok": [] }), "{out}");
    assert_eq!(out["tooLong"], json!({ "ok": [] }), "{out}");
    refused(
        &out["noIndex"],
        "INVALID_QUERY",
        "custom entity job has no index \"nope\" (indexes: by-key)",
    );
    refused(
        &out["partition"],
        "INVALID_QUERY",
        "index by-key has no partition",
    );
    refused(
        &out["notAString"],
        "INVALID_QUERY",
        "compares the key (string): expected a string",
    );
    for case in ["forgedDesc", "forgedAsc"] {
        assert_eq!(out[case]["err"]["name"], "StorageError", "{case}: {out}");
        assert_eq!(out[case]["err"]["code"], "INVALID_CURSOR", "{case}: {out}");
    }
}
