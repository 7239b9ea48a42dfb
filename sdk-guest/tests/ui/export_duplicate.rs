use kiln_sdk::prelude::*;

#[kiln_sdk::handler]
fn summary(_payload: serde_json::Value) -> Result<(), AppError> {
    Ok(())
}

kiln_sdk::export_app!(summary, summary);

fn main() {}
