//! `runtime webtrigger APP KEY`: prints a web trigger's URL, as `forge webtrigger` does.
//!
//! Only a hash of each URL's id is stored, so the URL cannot be shown again: this asks the
//! running server (admin API) to issue a new one, and the previous URL stops working.

use anyhow::anyhow;

use super::exit::{Exit, Failure};

#[derive(clap::Args, Debug)]
pub struct WebtriggerArgs {
    /// The app: its folder, its manifest.yml or .wasm (manifest beside it), or its app id.
    app: String,
    /// The web trigger module's key.
    key: String,
    /// The installation's site (its name in kiln.toml, or `simulator`), when several match.
    #[arg(long)]
    site: Option<String>,
    /// The installation's environment, when several match.
    #[arg(long)]
    environment: Option<String>,
    /// The server's admin API (the `admin` line `runtime serve` printed).
    #[arg(long, value_name = "URL", env = "KILN_ADMIN_URL")]
    admin: String,
}

pub async fn run(args: WebtriggerArgs) -> Result<Exit, Failure> {
    let token = std::env::var("KILN_ADMIN_TOKEN")
        .ok()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            Failure::bad_input(anyhow!("set KILN_ADMIN_TOKEN to the server's admin token"))
        })?;
    // The folder `runtime serve` was given names the app as well as its id does, as
    // for `runtime storage` and `runtime variables`.
    let app_id = super::storage::app_id(&args.app)?;
    let url = kiln_serve::admin_client::issue_web_trigger(
        &args.admin,
        &token,
        &app_id,
        &args.key,
        args.site.as_deref(),
        args.environment.as_deref(),
    )
    .await
    .map_err(|e| Failure::environment(anyhow!(e)))?;
    println!("{url}");
    eprintln!("note: a new URL was issued; the previous URL of this web trigger no longer works");
    Ok(Exit::Success)
}
