//! Asks Jira who the app is, with the app's own authority (`as_app()`), then
//! reads one issue the same way; `{"times": n}` repeats the first call, so a
//! test can see the host renew the app's token between calls.
//!
//! Result: `{"accountIds": [...], "issue": "KILN-1"}`.

use kiln_sdk::prelude::*;
use serde_json::{Value, json};

#[kiln_sdk::handler]
fn whoami(input: Option<Value>) -> Result<Value, AppError> {
    let times = input
        .as_ref()
        .and_then(|v| v.get("times"))
        .and_then(Value::as_u64)
        .unwrap_or(1);
    let mut account_ids = Vec::new();
    for _ in 0..times {
        let me: Value = as_app()
            .get(route!("/rest/api/3/myself"))
            .send()?
            .error_for_status()?
            .json()?;
        account_ids.push(me["accountId"].clone());
    }
    let issue: Value = as_app()
        .get(route!("/rest/api/3/issue/KILN-1"))
        .query("fields", "summary")
        .send()?
        .error_for_status()?
        .json()?;
    log::info!("the app read {}", issue["key"]);
    Ok(json!({ "accountIds": account_ids, "issue": issue["key"] }))
}

kiln_sdk::export_app!(whoami);
