#[kiln_sdk::handler]
struct Summary;

fn main() {}
