//! The seed example in docs/simulator.md is a seed the simulator accepts, and
//! means what it says: kept true by this test.

use crate::common;

use common::caller;
use kiln_sim::{Seed, SimConfig, Simulator};

fn documented_seed() -> String {
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/simulator.md"),
    )
    .expect("docs/simulator.md");
    let section = doc
        .split_once("## Seeding the site")
        .expect("seed section")
        .1;
    let block = section
        .split_once("```yaml\n")
        .expect("yaml block")
        .1
        .split_once("```")
        .expect("block end")
        .0;
    block.to_owned()
}

#[tokio::test]
async fn the_documented_seed_loads_and_serves_its_data() {
    let value = kiln_manifest::yaml::parse_yaml(&documented_seed()).expect("valid YAML");
    let seed = Seed::from_json(&value.to_string()).expect("a Seed");
    seed.validate().expect("a consistent seed");
    assert_eq!(seed.webhooks.len(), 1);
    let sim = Simulator::start(SimConfig {
        seed,
        ..SimConfig::default()
    })
    .await
    .expect("starts");
    let issue = caller(&sim, "alice@example.com")
        .get("/rest/api/3/issue/DEMO-1")
        .await;
    assert_eq!(issue.status, 200);
    assert_eq!(issue.body["fields"]["summary"], "First issue");
    assert_eq!(issue.body["fields"]["labels"][0], "triage");
    assert_eq!(issue.body["fields"]["customfield_10000"]["value"], "High");
    assert_eq!(issue.body["fields"]["duedate"], "2024-01-31");
    let active = caller(&sim, "alice@example.com")
        .get("/rest/agile/1.0/board/1/sprint?state=active")
        .await;
    assert_eq!(active.status, 200, "{}", active.text);
    assert_eq!(active.body["values"][0]["name"], "Sprint 1");
    assert_eq!(active.body["values"][0]["goal"], "Ship the demo");
    let in_sprint = caller(&sim, "alice@example.com")
        .get("/rest/api/3/search/jql?jql=sprint%20in%20openSprints()&fields=summary")
        .await;
    assert_eq!(
        in_sprint.body["issues"][0]["key"], "DEMO-1",
        "{}",
        in_sprint.text
    );
    sim.shutdown().await;
}

#[test]
fn validation_names_what_is_wrong() {
    let broken = r#"{"users": [], "projects": [{"id": "1", "key": "X", "name": "X", "lead": "nobody@example.com"}]}"#;
    let seed = Seed::from_json(broken).expect("parses");
    let error = seed.validate().expect_err("unknown lead").to_string();
    assert!(error.contains("nobody@example.com"), "{error}");
    let hostile = r#"{"users": [], "webhooks": [{"name": "w", "url": "http://example.com/", "events": ["jira:issue_created"]}]}"#;
    let error = Seed::from_json(hostile)
        .expect("parses")
        .validate()
        .expect_err("not loopback")
        .to_string();
    assert!(error.contains("loopback"), "{error}");
    assert!(Seed::from_json(r#"{"users": [], "surprise": 1}"#).is_err());
}
