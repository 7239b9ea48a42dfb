//! Forge's pre-uninstall trigger (`modules.preUninstall`): when an administrator uninstalls
//! an app from a site, each of its pre-uninstall functions runs once, for its cleanup
//! (deleting what it created on the site, telling a service it is gone).
//!
//! As Forge documents it (manifest reference, "Pre-uninstall trigger"): the run does not
//! hold the uninstall up, its result is ignored, and a failure changes nothing. So the runs
//! are started, the uninstall goes on at once, and each run's outcome is logged and counted
//! (`kiln_invocations_total{trigger="preUninstall"}`). The payload is Forge's `{ context: {
//! cloudId, moduleKey } }` (Forge's `contextToken` means nothing to an app and is left out).
//!
//! Only code the administrator approved runs, as for every trigger: nothing starts for an
//! installation that is held, paused, or whose loaded code is not the approved code. A run
//! is best effort: it is not queued, so a server stopped while it runs does not run it again
//! (an uninstall is not undone by a restart either).

use std::sync::Arc;

use kiln_manifest::PreUninstallModule;
use kiln_runtime::PayloadSource;
use serde_json::json;

use crate::host::Installed;
use crate::invocation::{TriggerKind, invocation_for};
use crate::metrics::InvocationLabels;
use crate::shared::Shared;

/// Starts `installed`'s pre-uninstall functions, if its approved code may run; answers the
/// keys of the modules started.
pub async fn start(shared: &Arc<Shared>, installed: &Arc<Installed>) -> Vec<String> {
    let modules = installed.manifest().pre_uninstall();
    if modules.is_empty() {
        return Vec::new();
    }
    let record = match shared.state.installation(&installed.installation).await {
        Ok(Some(record)) => record,
        Ok(None) => return Vec::new(),
        Err(error) => {
            tracing::warn!(app = %installed.installation.app_id(), %error, "pre-uninstall not run: the installation cannot be read");
            return Vec::new();
        }
    };
    if !record.runnable() || !crate::consent::runs_approved(&record, installed) {
        tracing::info!(app = %installed.installation.app_id(), "pre-uninstall not run: the installation is held, paused or not approved");
        return Vec::new();
    }
    let cloud_id = installed.site.runtime.client().site().cloud_id().to_owned();
    modules
        .iter()
        .map(|module| {
            let payload = json!({
                "context": { "cloudId": cloud_id, "moduleKey": module.key }
            });
            tokio::spawn(run(
                shared.clone(),
                installed.clone(),
                module.clone(),
                payload.to_string(),
            ));
            module.key.clone()
        })
        .collect()
}

async fn run(
    shared: Arc<Shared>,
    installed: Arc<Installed>,
    module: PreUninstallModule,
    payload: String,
) {
    let app = installed.installation.app_id().to_owned();
    // `json!` of the host's own values: valid JSON, so the runtime does not parse it again.
    let invocation = invocation_for(
        &shared,
        &installed,
        TriggerKind::PreUninstall,
        &module.function,
        payload,
        PayloadSource::HostSerialized,
    )
    .await;
    let invoked =
        crate::invocation::run(&shared, &installed, TriggerKind::PreUninstall, invocation).await;
    match &invoked {
        Ok(invoked) => match &invoked.result {
            Ok(_) => tracing::info!(app = %app, module = %module.key, "pre-uninstall ran"),
            Err(failure) => {
                tracing::warn!(app = %app, module = %module.key, %failure, "pre-uninstall failed; the app is uninstalled all the same")
            }
        },
        Err(error) => {
            tracing::warn!(app = %app, module = %module.key, %error, "pre-uninstall could not run; the app is uninstalled all the same")
        }
    }
    let outcome = crate::invocation::outcome(&invoked);
    shared.metrics.count_invocation(InvocationLabels::new(
        app,
        &module.function,
        TriggerKind::PreUninstall,
        outcome,
    ));
}
