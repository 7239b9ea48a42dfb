//! The embedded simulator has one name for people: `simulator`. `runtime serve`'s admin API
//! lists an installation under it, and `runtime storage --site` takes it and opens the storage
//! the served app reads and writes. (They once differed: the admin API said `simulator`, the
//! CLI's default and app storage said `kiln-simulator`, and `runtime storage --site
//! simulator` opened an empty installation the app never used.) The old name still reaches
//! the same data.
//!
//! Real processes: `runtime serve` and `runtime storage` on one SQLite state file, while the
//! server runs. Run after building the binary: `cargo build -p kiln-cli`.

use std::path::Path;

use serde_json::{Value, json};

use crate::support::*;

fn stored(dir: &Path, key: &str, site: &str, environment: &str) -> Value {
    let output = runtime_storage(
        dir,
        &["get", "replica-app", key],
        Some(site),
        Some(environment),
    );
    assert!(
        output.status.success(),
        "runtime storage get {key} --site {site}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("a JSON value")
}

#[test]
fn the_admin_apis_site_name_opens_the_served_apps_storage() {
    let dir = tempfile::tempdir().unwrap();
    let serve = Launch {
        app: replica_app(),
        ..Launch::new(dir.path())
    }
    .start();
    let count_in = serve.line("webtrigger", Some("count-in"))["url"]
        .as_str()
        .unwrap()
        .to_owned();

    // The app's counter, incremented through its installation, as served.
    let increment = || -> Value {
        let answer: Value = client()
            .post(format!("{count_in}?key=visits"))
            .send()
            .unwrap()
            .error_for_status()
            .unwrap()
            .json()
            .unwrap();
        answer["value"].clone()
    };
    assert_eq!(increment(), 1);

    // Its site and environment as the admin API names them.
    let listed = installations(&serve);
    let installation = listed
        .iter()
        .find(|i| i["app"] == "replica-app")
        .unwrap_or_else(|| panic!("replica-app is installed: {listed:?}"));
    assert_eq!(installation["site"], "simulator");
    // The name `runtime storage --site` takes, which for the simulator is the same.
    let site = installation["storageSite"].as_str().unwrap().to_owned();
    let environment = installation["environment"].as_str().unwrap().to_owned();
    assert_eq!(site, "simulator");

    // That name opens what the app wrote…
    assert_eq!(stored(dir.path(), "visits", &site, &environment), 1);

    // …and what an operator writes under it is what the app reads.
    let set = runtime_storage(
        dir.path(),
        &["set", "replica-app", "visits", "41"],
        Some(&site),
        Some(&environment),
    );
    assert!(
        set.status.success(),
        "runtime storage set: {}",
        String::from_utf8_lossy(&set.stderr)
    );
    assert_eq!(increment(), 42);

    // The name earlier versions used (and printed as the CLI's default) reaches the same
    // data, so values stored under it are still found.
    assert_eq!(
        stored(dir.path(), "visits", "kiln-simulator", &environment),
        42
    );

    // The list a person sees under either name is one installation's.
    let listing = |site: &str| {
        let output = runtime_storage(
            dir.path(),
            &["list", "replica-app"],
            Some(site),
            Some(&environment),
        );
        assert!(output.status.success());
        String::from_utf8(output.stdout).unwrap()
    };
    assert_eq!(listing("simulator"), listing("kiln-simulator"));
    assert!(
        listing("simulator").contains("visits"),
        "{}",
        listing("simulator")
    );

    // The default `--site` is the same name.
    let default = runtime_storage(
        dir.path(),
        &["get", "replica-app", "visits"],
        None,
        Some(&environment),
    );
    assert!(default.status.success());
    assert_eq!(
        serde_json::from_slice::<Value>(&default.stdout).unwrap(),
        json!(42)
    );
}
