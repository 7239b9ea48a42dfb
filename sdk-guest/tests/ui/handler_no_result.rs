#[kiln_sdk::handler]
fn summary(_payload: serde_json::Value) {}

fn main() {}
