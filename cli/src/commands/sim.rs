//! `runtime sim`: the Jira simulator on its own, for manual testing.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::anyhow;
use kiln_sim::{Seed, SimConfig, Simulator};

use super::exit::{Exit, Failure};

#[derive(clap::Args, Debug)]
pub struct SimArgs {
    /// Address to listen on (loopback by default; the simulator has no TLS).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// A seed file (JSON or YAML) replacing the built-in data.
    #[arg(long, value_name = "FILE")]
    seed: Option<PathBuf>,
}

/// Reads a seed file: YAML (`.yml`/`.yaml`, through Kiln's hardened reader)
/// or JSON.
fn load_seed(path: &Path) -> Result<Seed, Failure> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Failure::bad_input(anyhow!("cannot read the seed file {}: {e}", path.display()))
    })?;
    let is_yaml = path.extension().is_some_and(|e| e == "yml" || e == "yaml");
    let seed = if is_yaml {
        let value = kiln_manifest::yaml::parse_yaml(&text)
            .map_err(|e| Failure::bad_input(anyhow!("{}:{e}", path.display())))?;
        Seed::from_json(&value.to_string())
    } else {
        Seed::from_json(&text)
    };
    seed.map_err(|e| {
        Failure::bad_input(anyhow!(
            "the seed file {} is not valid: {e}",
            path.display()
        ))
    })
}

pub async fn run(args: SimArgs) -> Result<Exit, Failure> {
    let seed = match &args.seed {
        Some(path) => load_seed(path)?,
        None => Seed::default(),
    };
    let simulator = Simulator::start(SimConfig {
        listen: args.listen,
        seed,
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
