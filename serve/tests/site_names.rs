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
use std::process::{Command, Output};

use serde_json::{Value, json};

use crate::support::*;

/// `runtime storage ARGS… APP --storage STATE --site SITE --environment ENV`.
fn storage(dir: &Path, args: &[&str], site: &str, environment: &str) -> Output {
    Command::new(runtime_binary())
        .arg("storage")
        .args(args)
        .arg("--storage")
        .arg(dir.join("state.sqlite3"))
        .args(["--site", site, "--environment", environment])
        .env("KILN_STORAGE_KEY", STORAGE_KEY)
        .output()
        .expect("runtime storage runs")
}

fn stored(dir: &Path, key: &str, site: &str, environment: &str) -> Value {
    let output = storage(dir, &["get", "replica-app", key], site, environment);
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

    // The app writes through its installation, as served.
    let written: Value = client()
        .post(format!("{count_in}?key=visits"))
        .send()
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(written["value"], 1);

    // Its site and environment as the admin API names them.
    let listed: Value = client()
        .get(format!("{}/v1/installations", serve.admin_url()))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .unwrap();
    let installation = listed["installations"]
        .as_array()
        .and_then(|all| all.iter().find(|i| i["app"] == "replica-app"))
        .unwrap_or_else(|| panic!("replica-app is installed: {listed}"))
        .clone();
    let site = installation["site"].as_str().unwrap().to_owned();
    let environment = installation["environment"].as_str().unwrap().to_owned();
    assert_eq!(site, "simulator");

    // That name opens what the app wrote…
    assert_eq!(stored(dir.path(), "visits", &site, &environment), 1);

    // …and what an operator writes under it is what the app reads.
    let set = storage(
        dir.path(),
        &["set", "replica-app", "visits", "41"],
        &site,
        &environment,
    );
    assert!(
        set.status.success(),
        "runtime storage set: {}",
        String::from_utf8_lossy(&set.stderr)
    );
    let next: Value = client()
        .post(format!("{count_in}?key=visits"))
        .send()
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(next["value"], 42);

    // The name earlier versions used (and printed as the CLI's default) reaches the same
    // data, so values stored under it are still found.
    assert_eq!(
        stored(dir.path(), "visits", "kiln-simulator", &environment),
        42
    );

    // The list a person sees under either name is one installation's.
    let listing = |site: &str| {
        let output = storage(dir.path(), &["list", "replica-app"], site, &environment);
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
    let default = Command::new(runtime_binary())
        .args(["storage", "get", "replica-app", "visits", "--storage"])
        .arg(dir.path().join("state.sqlite3"))
        .args(["--environment", &environment])
        .env("KILN_STORAGE_KEY", STORAGE_KEY)
        .output()
        .unwrap();
    assert!(default.status.success());
    assert_eq!(
        serde_json::from_slice::<Value>(&default.stdout).unwrap(),
        json!(42)
    );
}
