//! `localeCompare`, `Intl.Collator` and `toLocaleUpperCase` /
//! `toLocaleLowerCase` in a Forge app (`tests/js/collator`): the engine has
//! no ICU, so its `localeCompare` compares code units and its casing ignores
//! the locale; the build gives an app that names them the layer's
//! (forge/kiln-forge-api/src/intl_collator.js, the Unicode Collation
//! Algorithm in CLDR's root order, and intl_casing.js, Turkish, Azeri and
//! Lithuanian casing). The app sorts names, summaries and keys under each
//! option and cases Turkish and Lithuanian text; its answers are compared
//! with what the Node on `PATH` answers running the same module, at test
//! time.

use serde_json::json;

use crate::support::{forge_example, ok_json};

/// Runs the app module `index` (its `run` export) under Node and prints its answer as JSON.
const NODE_RUN: &str = r#"
import { pathToFileURL } from 'node:url';
const { run } = await import(pathToFileURL(process.argv[1]).href);
console.log(JSON.stringify(await run()));
"#;

#[tokio::test]
async fn collator_and_casing_answer_as_node_does() {
    let Some((h, app)) = forge_example::load_test_app("collator").await else {
        return;
    };
    let invoked = h.invoke(&app, "main", json!({})).await;
    let kiln = ok_json(&invoked);
    let index = forge_example::test_app_dir("collator").join("src/index.js");
    let node = tokio::task::spawn_blocking(move || forge_example::node_answers(NODE_RUN, &index))
        .await
        .expect("the node thread");
    // What any correct collator and casing give, so that two equally wrong
    // sides fail too: `'a'.localeCompare('B')` is -1 (by code unit it is
    // positive), `file10` after `file9` with `numeric`, Turkish dotted I.
    assert_eq!(
        node["compares"], "-1,-1,1,1,-1,-1,-1,0,-1,1,0,-1,1",
        "{node}"
    );
    assert_eq!(
        node["comparesNumeric"].as_str().map(|s| &s[..8]),
        Some("-1,-1,1,")
    );
    assert_eq!(node["upperTr"], "İSTANBUL Iİ DİYARBAKIR");
    assert_eq!(node["lowerTr"], "istanbul ığdır ıı");
    assert_eq!(node["badOption"], "RangeError");
    let (Some(kiln), Some(node)) = (kiln.as_object(), node.as_object()) else {
        panic!("objects of answers: Kiln {kiln}, Node {node}");
    };
    let differ: Vec<String> = node
        .iter()
        .filter(|(name, expected)| kiln.get(name.as_str()) != Some(*expected))
        .map(|(name, expected)| {
            format!(
                "{name}:\n  Kiln {:?}\n  Node {expected}",
                kiln.get(name.as_str())
            )
        })
        .collect();
    assert!(differ.is_empty(), "{}", differ.join("\n"));
    assert_eq!(kiln.len(), node.len(), "the same calls: {kiln:?}");
}
