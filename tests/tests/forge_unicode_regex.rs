//! Regular expressions with Unicode property escapes (`\p{L}`, `\P{N}`,
//! `\p{Script=Greek}`, `\p{Extended_Pictographic}`…) and the `v` flag in a
//! Forge app (`tests/js/unicode-regex`): the engine has no ICU, so no Unicode
//! property data, and refuses them with a SyntaxError. The build rewrites
//! each literal one (and each `RegExp` call with literal arguments) into its
//! equivalent without them, and gives `RegExp` the code points of the escapes
//! the bundle's strings spell for patterns put together at run time
//! (runtime/guest-build/js-toolchain/regex.mjs).
//!
//! `main`'s answers are compared with what the Node on `PATH` answers running
//! the same module, at test time; `markdown` renders with marked 12, whose
//! emphasis rules use `\p{L}`, `\p{N}` (a literal) and `\p{P}`, `\p{S}` (joined
//! into patterns at run time), as marked renders it on Node.

use serde_json::json;

use crate::support::{forge_example, ok_json};

/// Runs the app module `index` (its `run` export) under Node and prints its answer as JSON.
const NODE_RUN: &str = r#"
import { pathToFileURL } from 'node:url';
const { run } = await import(pathToFileURL(process.argv[1]).href);
console.log(JSON.stringify(await run()));
"#;

#[tokio::test]
async fn property_escapes_match_as_on_node() {
    let Some((h, app)) = forge_example::load_test_app("unicode-regex").await else {
        return;
    };
    let invoked = h.invoke(&app, "main", json!({})).await;
    let kiln = ok_json(&invoked);
    let index = forge_example::test_app_dir("unicode-regex").join("src/index.js");
    let node = tokio::task::spawn_blocking(move || forge_example::node_answers(NODE_RUN, &index))
        .await
        .expect("the node thread");
    // What any correct engine gives, so that two equally wrong sides fail too.
    assert_eq!(node["greek.greek"], "ἈθῆναικαὶΣπάρτηΑΒΓ", "{node}");
    assert_eq!(node["accents.slug"], "crème-brûlée-à-la-française-łódź-5");
    assert_eq!(
        node["astralSteps"],
        json!([["a", 0], ["𝐀", 1], ["é", 3], ["𐐨", 4]])
    );
    assert_eq!(node["upperIgnoringCase"], "aÉσ");
    assert_eq!(node["vDifference"], "AéΩω");
    assert_eq!(node["vStrings"], json!(["ab", "abc"]));
    assert_eq!(
        node["namedGroups"],
        json!({ "word": "Łódź", "number": "42", "index": 5 })
    );
    let (Some(on_kiln), Some(on_node)) = (kiln.as_object(), node.as_object()) else {
        panic!("both answer an object: {kiln} {node}");
    };
    for (name, expected) in on_node {
        assert_eq!(on_kiln.get(name), Some(expected), "{name}");
    }
    assert_eq!(kiln, node, "Kiln's answers differ from Node's");
}

#[tokio::test]
async fn marked_renders_as_on_node() {
    let Some((h, app)) = forge_example::load_test_app("unicode-regex").await else {
        return;
    };
    let invoked = h.invoke(&app, "markdown", json!({})).await;
    let out = ok_json(&invoked);
    // What marked 12.0.2 renders on Node.
    assert_eq!(
        out,
        json!({
            "html": "<p><strong>bold</strong> <em>it</em> <del>x</del></p>\n",
            "accented": "<p><em>Crème</em> <strong>brûlée</strong> and <strong>Ἀθῆναι</strong>, snake_case_word, 5<em>3</em>2</p>\n",
            "list": "<ul>\n<li>漢字 <strong>強調</strong></li>\n<li>émoji 😀 <em>ok</em></li>\n</ul>\n",
        })
    );
}
