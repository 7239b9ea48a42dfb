//! Uses `request-jira`, `request-jira-all`, `log`, `storage` and `events`, so
//! the built component imports each interface of the world but `sql`, which
//! it does not use (an app without Forge SQL must not import it).

use kiln_sdk::prelude::*;

#[kiln_sdk::handler]
fn everything(_payload: serde_json::Value, ctx: &Context) -> Result<u64, AppError> {
    log::info!("{} {}", ctx.installation_id, ctx.trigger);
    as_user().get(route!("/rest/api/3/myself")).send()?;
    for outcome in send_all([as_app().get(route!("/rest/api/3/myself"))]) {
        outcome?;
    }
    Queue::new("work")?.push(&serde_json::json!({ "run": true }))?;
    Ok(storage::update("runs", |n: Option<u64>| n.unwrap_or(0) + 1)?)
}

kiln_sdk::export_app!(everything);
