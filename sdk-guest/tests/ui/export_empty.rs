kiln_sdk::export_app!();

fn main() {}
