//! `String.prototype.normalize` in a Forge app (`tests/js/normalize`): the
//! engine has no ICU and so no `normalize`; the build gives an app that calls
//! it the layer's (forge/kiln-forge-api/src/normalize.js, with data read from
//! Node's own). Its answers are compared with what the Node on `PATH` answers
//! running the same module, at test time.

use serde_json::json;

use crate::support::{forge_example, ok_json};

/// Runs the app module `index` (its `run` export) under Node and prints its answer as JSON.
const NODE_RUN: &str = r#"
import { pathToFileURL } from 'node:url';
const { run } = await import(pathToFileURL(process.argv[1]).href);
console.log(JSON.stringify(await run()));
"#;

#[tokio::test]
async fn normalize_answers_as_node_does() {
    let Some((h, app)) = forge_example::load_test_app("normalize").await else {
        return;
    };
    let invoked = h.invoke(&app, "main", json!({})).await;
    let kiln = ok_json(&invoked);
    let index = forge_example::test_app_dir("normalize").join("src/index.js");
    let node = tokio::task::spawn_blocking(move || forge_example::node_answers(NODE_RUN, &index))
        .await
        .expect("the node thread");
    // What any correct normalize gives, so that two equally wrong sides fail too.
    assert_eq!(node["slug"], "creme-brulee-angstrom-odz-5", "{node}");
    assert_eq!(
        node["french.NFD"].as_str().map(|s| s.contains("300")),
        Some(true)
    );
    assert_eq!(
        node["badForm"],
        "RangeError: The normalization form should be one of NFC, NFD, NFKC, NFKD."
    );
    assert_eq!(kiln, node, "Kiln's answers differ from Node's");
}
