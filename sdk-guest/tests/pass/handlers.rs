use kiln_sdk::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
struct TriageInput {
    issue: String,
}

#[derive(Serialize)]
struct TriageOutput {
    priority: &'static str,
}

#[kiln_sdk::handler]
fn triage(input: TriageInput, ctx: &Context) -> Result<TriageOutput, AppError> {
    log::debug!("{} in {}", input.issue, ctx.module_key);
    Ok(TriageOutput { priority: "High" })
}

mod more {
    use kiln_sdk::prelude::*;

    /// A handler in a module, with a name that is not its function's, whose
    /// errors are its own type.
    #[kiln_sdk::handler(name = "whoami")]
    pub fn who(_payload: serde_json::Value) -> Result<String, RequestError> {
        Ok(as_user().get(route!("/rest/api/3/myself")).send()?.status().to_string())
    }

    /// A module named like a handler does not clash with it.
    pub mod context {}

    #[kiln_sdk::handler]
    pub fn context(_payload: (), context: &Context) -> Result<String, AppError> {
        Ok(context.invocation_id.clone())
    }
}

#[kiln_sdk::handler]
fn comment(key: String) -> Result<(), AppError> {
    as_app()
        .post(route!("/rest/api/3/issue/{key}/comment")?)
        .json(&serde_json::json!({ "body": "hi" }))
        .send()?
        .error_for_status()?;
    Ok(())
}

kiln_sdk::export_app!(triage, more::who, more::context, comment,);

fn main() {}
