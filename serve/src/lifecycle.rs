//! Forge's lifecycle events as `runtime serve` raises them: `avi:forge:installed:app` when an
//! installation is first approved, `avi:forge:upgraded:app` when it is approved for other
//! code (Forge's "upgraded to a new major version": in Kiln every change of the code an
//! administrator approves is one).
//!
//! This file builds the payloads, in the shape of Forge's lifecycle events reference
//! (<https://developer.atlassian.com/platform/forge/events-reference/life-cycle/>). Which
//! event an approval raises, if any, is decided by the state layer in the transaction that
//! records the approval (`kiln_state::serve::LifecycleChange`), so each is queued once and
//! never lost; the queue then runs it like a product event.
//!
//! A payload names the app's own installation and nothing the site holds, which is why the
//! events need no scope.

use kiln_manifest::ProductEvent;
use kiln_state::Installation;
use kiln_state::serve::{LifecycleEvent, LifecycleEvents, ModuleKey};
use serde_json::{Value, json};

use crate::host::Installed;
use crate::installations::InstallError;

/// The events an approval of `installed`'s code would raise, one per subscribed trigger.
pub fn announcements(installed: &Installed) -> Result<LifecycleEvents, InstallError> {
    let manifest = installed.manifest();
    let mut events = LifecycleEvents::default();
    for (event, list, account_field) in [
        (
            ProductEvent::app_installed(),
            &mut events.installed,
            "installerAccountId",
        ),
        (
            ProductEvent::app_upgraded(),
            &mut events.upgraded,
            "upgraderAccountId",
        ),
    ] {
        let mut triggers = manifest.triggers_for(event).peekable();
        if triggers.peek().is_none() {
            continue;
        }
        for trigger in triggers {
            let module_key = ModuleKey::new(trigger.key.clone())
                .map_err(|e| InstallError::Invalid(e.to_string()))?;
            let payload = payload(installed, event, account_field, &module_key)?
                .to_string()
                .into_bytes();
            list.push(LifecycleEvent {
                module_key,
                payload,
            });
        }
    }
    Ok(events)
}

/// Forge's payload: the installation's id (the one the app's `context` carries), the app
/// (`version`: the SHA-256 of the approved component, Kiln's name for a version), the
/// environment, the event's `context` (the site's cloud id and the trigger's module key, as
/// in every event a Forge function receives), and the account Kiln acts as on the site when
/// it has one (Forge's installing or upgrading user).
///
/// `context` is an object, not the site's ARI string: Forge sends the ARI string only to a
/// Forge Remote back end's lifecycle endpoint; a function's trigger gets
/// `{ cloudId, moduleKey }`, which is what Forge apps read (`event.context.cloudId`, e.g.
/// Atlassian's forge-rovo-guardrail-sprint). The site's ARI stays in the handler's own
/// `context.installContext`.
fn payload(
    installed: &Installed,
    event: ProductEvent,
    account_field: &str,
    module_key: &ModuleKey,
) -> Result<Value, InstallError> {
    let installation = &installed.installation;
    // The app's own name for its installation: the runtime's site part, not serve's key.
    let as_the_app_sees_it = Installation::new(
        installation.app_id(),
        installed.app.installation_site(),
        installation.environment(),
    )
    .map_err(|e| InstallError::Invalid(e.to_string()))?;
    let manifest = installed.manifest();
    let mut app = json!({
        "id": manifest.app.id,
        "version": installed.component.as_str(),
    });
    if let Some(name) = &manifest.app.name {
        app["name"] = json!(name);
    }
    let cloud_id = installed.site.runtime.client().site().cloud_id();
    let mut payload = json!({
        "eventType": event.as_str(),
        "id": kiln_runtime::storage::installation_id(&as_the_app_sees_it),
        "app": app,
        "environment": { "id": installation.environment() },
        "context": { "cloudId": cloud_id, "moduleKey": module_key.as_str() },
    });
    if let Some(account) = &installed.site.account_id {
        payload[account_field] = json!(account);
    }
    Ok(payload)
}
