#[kiln_sdk::handler(nme = "summary")]
fn misspelled(_payload: serde_json::Value) -> Result<(), kiln_sdk::AppError> {
    Ok(())
}

#[kiln_sdk::handler(name = 5)]
fn not_a_string(_payload: serde_json::Value) -> Result<(), kiln_sdk::AppError> {
    Ok(())
}

#[kiln_sdk::handler(name = "has space")]
fn spaced(_payload: serde_json::Value) -> Result<(), kiln_sdk::AppError> {
    Ok(())
}

fn main() {}
