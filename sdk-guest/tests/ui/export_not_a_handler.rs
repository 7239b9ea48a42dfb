fn summary(_payload: serde_json::Value) -> Result<(), kiln_sdk::AppError> {
    Ok(())
}

kiln_sdk::export_app!(summary);

fn main() {}
