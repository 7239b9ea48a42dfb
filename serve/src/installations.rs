//! Making an installation live: registered in kiln-state, loaded into its site's runtime,
//! web trigger ids issued (only for modules without one: only their hashes are kept, so an
//! id is printed once, by the process that issued it), scheduled triggers started.

use std::sync::Arc;

use kiln_state::Installation;
use kiln_state::serve::{ApprovedScopes, InstallRecord, ModuleKey, Scope};

use crate::endpoint::Endpoint;
use crate::host::{HostError, Installed, SiteHost};
use crate::schedule;
use crate::shared::Shared;

#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error(transparent)]
    Host(#[from] HostError),
    #[error(transparent)]
    State(#[from] kiln_state::ServeError),
    #[error("invalid installation: {0}")]
    Invalid(String),
}

/// Installs (or re-registers) `app` on `site` in `environment` and makes it live.
/// `scopes`: the approved scopes (default: what the manifest declares).
pub async fn install(
    shared: &Arc<Shared>,
    app: &str,
    site: &SiteHost,
    environment: &str,
    scopes: Option<&[String]>,
) -> Result<Vec<Endpoint>, InstallError> {
    let bundle = shared
        .host
        .bundle(app)
        .ok_or_else(|| HostError::UnknownApp(app.to_owned()))?;
    let installation = Installation::new(app, site.key.clone(), environment)
        .map_err(|e| InstallError::Invalid(e.to_string()))?;
    let declared: Vec<String> = bundle
        .manifest
        .permissions
        .scopes
        .iter()
        .map(|s| s.as_str().to_owned())
        .collect();
    let approved = scopes.map(<[String]>::to_vec).unwrap_or(declared);
    let approved = ApprovedScopes::new(
        approved
            .into_iter()
            .map(Scope::new)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| InstallError::Invalid(e.to_string()))?,
    )
    .map_err(|e| InstallError::Invalid(e.to_string()))?;
    let existing = shared.state.installation(&installation).await?;
    let record = InstallRecord {
        installation,
        scopes: approved,
        grant: site.grant.clone(),
        paused: existing.as_ref().is_some_and(|r| r.paused),
        installed_at: existing
            .as_ref()
            .map_or_else(|| shared.clock.now(), |r| r.installed_at),
    };
    // Checked before it is registered: an approval that misses a declared scope is refused.
    let installed = shared.host.activate(&record).await?;
    shared.state.install(&record).await?;
    start(shared, &installed).await
}

/// Starts a registered installation: schedulers, and an id for each web trigger that has
/// none. A module that has one keeps it (a restart, another replica, an earlier install):
/// its URL is not printed again. When replicas start together, exactly one issues each id.
pub async fn start(
    shared: &Arc<Shared>,
    installed: &Arc<Installed>,
) -> Result<Vec<Endpoint>, InstallError> {
    let installation = &installed.installation;
    let (app, site, environment) = (
        installation.app_id().to_owned(),
        installed.site.name.clone(),
        installation.environment().to_owned(),
    );
    let mut endpoints = Vec::new();
    let manifest = installed.manifest().clone();
    for module in manifest.web_triggers() {
        let key =
            ModuleKey::new(module.key.clone()).map_err(|e| InstallError::Invalid(e.to_string()))?;
        let url = shared
            .state
            .issue_web_trigger_if_absent(installation, &key, shared.clock.now())
            .await?
            .map(|id| shared.web_trigger_url(&id.expose()));
        endpoints.push(Endpoint::Webtrigger {
            app: app.clone(),
            site: site.clone(),
            environment: environment.clone(),
            key: module.key.clone(),
            url,
        });
    }
    for trigger in manifest.triggers() {
        endpoints.push(Endpoint::Trigger {
            app: app.clone(),
            site: site.clone(),
            environment: environment.clone(),
            key: trigger.key.clone(),
            events: trigger
                .events
                .iter()
                .map(|e| e.as_str().to_owned())
                .collect(),
        });
    }
    for scheduled in manifest.scheduled_triggers() {
        endpoints.push(Endpoint::ScheduledTrigger {
            app: app.clone(),
            site: site.clone(),
            environment: environment.clone(),
            key: scheduled.key.clone(),
            interval: scheduled.interval.as_str().to_owned(),
        });
        tokio::spawn(schedule::run_trigger(
            shared.clone(),
            installed.clone(),
            scheduled.key.clone(),
            scheduled.interval,
            shared.stop.subscribe(),
        ));
    }
    Ok(endpoints)
}

/// Issues a new id for a web trigger (the old URL stops working) and returns its URL.
pub async fn rotate_web_trigger(
    shared: &Shared,
    installed: &Installed,
    key: &str,
) -> Result<String, InstallError> {
    if !installed
        .manifest()
        .web_triggers()
        .iter()
        .any(|m| m.key == key)
    {
        return Err(InstallError::Invalid(format!(
            "the app has no web trigger {key:?}"
        )));
    }
    let module = ModuleKey::new(key).map_err(|e| InstallError::Invalid(e.to_string()))?;
    let id = shared
        .state
        .issue_web_trigger(&installed.installation, &module, shared.clock.now())
        .await?;
    Ok(shared.web_trigger_url(&id.expose()))
}
