#[kiln_sdk::handler]
unsafe fn summary(_payload: serde_json::Value) -> Result<(), kiln_sdk::AppError> {
    Ok(())
}

fn main() {}
