struct App;

impl App {
    #[kiln_sdk::handler]
    fn summary(&self, _payload: serde_json::Value) -> Result<(), kiln_sdk::AppError> {
        Ok(())
    }
}

fn main() {}
