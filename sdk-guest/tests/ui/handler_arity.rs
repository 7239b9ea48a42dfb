#[kiln_sdk::handler]
fn none() -> Result<(), kiln_sdk::AppError> {
    Ok(())
}

#[kiln_sdk::handler]
fn three(_payload: serde_json::Value, _ctx: &kiln_sdk::Context, _extra: u8) -> Result<(), kiln_sdk::AppError> {
    Ok(())
}

fn main() {}
