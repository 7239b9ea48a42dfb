//! Imports of names a module of the app does not export
//! (`tests/js/missing-exports`): `export { handler, panel, run } from
//! './resolvers'` where the resolvers module has only `handler`, as public
//! apps ship (NFR-for-Jira). Forge's webpack warns and binds the names to
//! `undefined`; esbuild refused the whole bundle, so the app did not build.
//! The build now gives the exporting module those names, `undefined`
//! (runtime/guest-build/js-toolchain/missing_exports.mjs): the functions
//! that exist run, the one naming a missing export fails when invoked.

use serde_json::json;

use crate::support::{forge_example, ok_json};

#[tokio::test]
async fn names_a_module_does_not_export_are_undefined_as_in_webpacks_bundle() {
    let Some((h, app)) = forge_example::load_test_app("missing-exports").await else {
        return;
    };
    let probe = ok_json(&h.invoke(&app, "probe", json!({})).await);
    assert_eq!(probe["exportedNames"], json!(["handler", "panel", "run"]));
    assert_eq!(probe["handler"], "function");
    // Not the resolvers module's own unexported `panel` local.
    assert_eq!(probe["panel"], "undefined");
    assert_eq!(probe["run"], "undefined");
    assert_eq!(probe["missing"], "undefined");

    let resolved = h
        .invoke(
            &app,
            "resolver",
            json!({ "call": { "functionKey": "getText", "payload": { "name": "Kiln" } } }),
        )
        .await;
    assert_eq!(
        ok_json(&resolved),
        json!({ "text": "hello Kiln", "local": "the local panel" })
    );

    // The manifest's `index.panel` names nothing: its invocation fails.
    let panel = h.invoke(&app, "panel", json!({})).await;
    assert!(panel.result.is_err(), "{:?}", panel.result);
    h.assert_jira_untouched();
}
