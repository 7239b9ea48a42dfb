//! Escape suite, storage, as a JavaScript (Forge) app: a `@forge/kvs`
//! transaction over two keys. Kiln's storage is atomic for one key
//! (compare-and-set), not across keys, so the layer refuses the
//! transaction when it is opened: no operation of it runs, and the store
//! holds nothing it would have written.

use crate::escape_js_app::{self as js, caught};
use crate::support::Harness;

use serde_json::json;

#[tokio::test]
async fn js_storage_transaction_refused_before_any_write() {
    let h = Harness::start().await;
    let Some(app) = js::load(&h, "timeoutSeconds: 10").await else {
        return;
    };
    let invoked = h.invoke(&app, "transact", json!({})).await;
    let out = crate::support::ok_json(&invoked);
    let refused = caught(&out["attempt"]);
    assert_eq!(refused.class, "Error", "{out}");
    assert!(
        refused
            .message
            .contains("kvs.transact() is not supported by Kiln"),
        "{out}"
    );
    assert!(refused.message.contains("atomic for one key only"), "{out}");
    // Neither key was written; the app's reads of them did reach storage.
    assert_eq!(out["a"], json!(null));
    assert_eq!(out["b"], json!(null));
    assert_eq!(invoked.storage_calls, 2);
    h.assert_jira_untouched();
    js::assert_serves(&h, &app).await;
}
