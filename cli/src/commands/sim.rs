//! `runtime sim`: the Jira simulator on its own, for manual testing.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::anyhow;
use kiln_sim::{Seed, SimConfig, Simulator};

use super::exit::{Exit, Failure};
use super::seed_file;

#[derive(clap::Args, Debug)]
pub struct SimArgs {
    /// Address to listen on (loopback by default; the simulator has no TLS).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// A seed file (JSON or YAML) replacing the built-in data.
    #[arg(long, value_name = "FILE")]
    seed: Option<PathBuf>,
}

pub async fn run(args: SimArgs) -> Result<Exit, Failure> {
    let seed = match &args.seed {
        Some(path) => seed_file::load(path).map_err(|e| Failure::bad_input(anyhow!(e)))?,
        None => Seed::default(),
    };
    let simulator = Simulator::start(SimConfig {
        listen: args.listen,
        seed,
        cloud_id: Some(kiln_sim::EMBEDDED_SITE_CLOUD_ID),
        ..SimConfig::default()
    })
    .await
    .map_err(|e| Failure::environment(anyhow!("cannot start the simulator: {e}")))?;

    // One JSON line, for scripts; credentials are printed on purpose here:
    // they are the simulator's own throwaway tokens for this run.
    let users: Vec<serde_json::Value> = simulator
        .users()
        .iter()
        .map(|u| {
            serde_json::json!({
                "accountId": u.account_id,
                "email": u.email,
                "displayName": u.display_name,
                "apiToken": u.api_token,
            })
        })
        .collect();
    println!(
        "{}",
        serde_json::json!({
            "baseUrl": simulator.base_url(),
            "cloudId": simulator.cloud_id(),
            "users": users,
        })
    );
    eprintln!(
        "Jira simulator listening at {} (Ctrl-C to stop)",
        simulator.base_url()
    );
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| Failure::environment(anyhow!("cannot wait for Ctrl-C: {e}")))?;
    simulator.shutdown().await;
    Ok(Exit::Success)
}
