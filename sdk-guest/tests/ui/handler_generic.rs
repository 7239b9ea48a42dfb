#[kiln_sdk::handler]
fn summary<T: serde::de::DeserializeOwned>(_payload: T) -> Result<(), kiln_sdk::AppError> {
    Ok(())
}

fn main() {}
