//! Making an installation live: registered in kiln-state, loaded into its site's runtime,
//! web trigger ids issued (only for modules without one: only their hashes are kept, so an
//! id is printed once, by the process that issued it), scheduled triggers started.
//!
//! Every installation's approval is bound to its code (see `consent`): [`install`] is an
//! approval of the code served now; [`reconcile`], run at start, keeps an approval that
//! still covers the code, re-approves it where an approval stands (the simulator, the
//! operator policy, `kiln.toml`'s `sha256`) and otherwise holds the installation.

use std::sync::Arc;

use kiln_state::Installation;
use kiln_state::serve::{
    ApprovalBinding, ApprovedScopes, ComponentSha256, Hold, HoldReason, InstallRecord, ModuleKey,
    Scope,
};

use crate::consent::{self, Approver, RunningCode};
use crate::endpoint::Endpoint;
use crate::host::{AppBundle, HostError, Installed, SiteHost};
use crate::lifecycle;
use crate::metrics::HeldLabels;
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

/// How an installation came to be served at this start.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    /// An `[[installation]]` in `kiln.toml`, or an app named on the command line (installed
    /// on the embedded simulator). Its first start approves the code it finds unless
    /// `sha256` names other code.
    Configured {
        scopes: Option<&'a [String]>,
        sha256: Option<&'a ComponentSha256>,
    },
    /// Registered earlier through the admin API: only a standing approval re-approves it.
    Registered,
}

/// On the embedded simulator, the app's own custom fields (Forge's
/// `jira:customField`), as Forge creates them on a site the app is installed
/// on; registering again keeps their ids. A real site has them from the app's
/// Forge deployment.
fn register_app_fields(
    site: &SiteHost,
    bundle: &AppBundle,
    environment: &str,
) -> Result<(), InstallError> {
    let (Some(simulator), fields) = (&site.simulator, bundle.manifest.custom_fields()) else {
        return Ok(());
    };
    if fields.is_empty() {
        return Ok(());
    }
    simulator
        .register_app_fields(&bundle.manifest.app.id, environment, fields)
        .map(|_| ())
        .map_err(|e| InstallError::Invalid(e.to_string()))
}

/// On the embedded simulator, the field types the app offers (Forge's
/// `jira:customFieldType`): a site administrator creates fields of them,
/// which the app owns; registering again replaces the types and keeps those
/// fields. No field is created here, as Forge creates none. A real site has
/// the types from the app's Forge deployment.
fn register_app_field_types(
    site: &SiteHost,
    bundle: &AppBundle,
    environment: &str,
) -> Result<(), InstallError> {
    // Called with none too: a redeploy that drops its types withdraws them.
    let (Some(simulator), types) = (&site.simulator, bundle.manifest.custom_field_types()) else {
        return Ok(());
    };
    simulator
        .register_app_field_types(&bundle.manifest.app.id, environment, types)
        .map(|_| ())
        .map_err(|e| InstallError::Invalid(e.to_string()))
}

/// On the embedded simulator, the issue property paths the app indexes for JQL
/// (Forge's `jira:entityProperty`); registering again replaces them. A real site
/// indexes them from the app's Forge deployment.
fn register_entity_property_indexes(
    site: &SiteHost,
    bundle: &AppBundle,
) -> Result<(), InstallError> {
    let (Some(simulator), modules) = (&site.simulator, bundle.manifest.entity_property_indexes())
    else {
        return Ok(());
    };
    if modules.is_empty() {
        return Ok(());
    }
    simulator
        .register_entity_property_indexes(&bundle.manifest.app.id, modules)
        .map(|_| ())
        .map_err(|e| InstallError::Invalid(e.to_string()))
}

/// Installs (or re-registers) `app` on `site` in `environment`, approving the code served
/// now, and makes it live; a held installation is released and its kept events run.
/// `scopes`: the approved scopes (default: what the manifest declares).
pub async fn install(
    shared: &Arc<Shared>,
    app: &str,
    site: &SiteHost,
    environment: &str,
    scopes: Option<&[String]>,
) -> Result<Vec<Endpoint>, InstallError> {
    let (bundle, installation) = identify(shared, app, site, environment)?;
    register_app_fields(site, bundle, environment)?;
    register_app_field_types(site, bundle, environment)?;
    register_entity_property_indexes(site, bundle)?;
    let existing = shared.state.installation(&installation).await?;
    let record = approved_record(
        shared,
        bundle,
        site,
        installation,
        scopes,
        existing.as_ref(),
    )?;
    let installed = approve(shared, &record, Approver::Admin).await?;
    start(shared, &installed).await
}

/// At start: makes `app` on `site` live under the approval that covers its code now, or
/// holds it (events kept, none run) with the reason logged, listed and exported.
pub async fn reconcile(
    shared: &Arc<Shared>,
    app: &str,
    site: &SiteHost,
    environment: &str,
    source: Source<'_>,
) -> Result<Vec<Endpoint>, InstallError> {
    let (bundle, installation) = identify(shared, app, site, environment)?;
    register_app_fields(site, bundle, environment)?;
    register_app_field_types(site, bundle, environment)?;
    register_entity_property_indexes(site, bundle)?;
    let running = RunningCode::of(bundle, site);
    let (scopes, pinned) = match source {
        Source::Configured { scopes, sha256 } => (scopes, sha256),
        Source::Registered => (None, None),
    };
    // A few rounds: a hold lands only on the approval it was compared with, so a concurrent
    // approval by another replica means reading again.
    for _ in 0..3 {
        let existing = shared.state.installation(&installation).await?;
        // An approval in the old, unbound format counts as none: for a configured
        // installation that is a first start again.
        let existing = existing.filter(|r| {
            r.approval.is_some() || matches!(source, Source::Registered) || r.hold.is_some()
        });
        let Some(record) = existing else {
            let standing = consent::standing_approval(
                site.simulator.is_some(),
                &running,
                &shared.host.policy,
                pinned,
            );
            let record = approved_record(shared, bundle, site, installation.clone(), scopes, None)?;
            if pinned.is_some() && standing.is_none() {
                // `kiln.toml` approves other code than this: registered, but held.
                let record = InstallRecord {
                    approval: None,
                    hold: Some(Hold {
                        reason: HoldReason::ComponentChanged,
                        pending: running.component.clone(),
                    }),
                    ..record
                };
                shared.state.install(&record).await?;
                shared.web_triggers.forget();
                return held(shared, &record, &running).await;
            }
            let installed =
                approve(shared, &record, standing.unwrap_or(Approver::Configuration)).await?;
            return start(shared, &installed).await;
        };
        let Some(mut reason) = consent::mismatch(&record, &running) else {
            if record.hold.is_some() {
                // The code is the approved code again (a rollback): nothing to approve.
                let released = InstallRecord {
                    hold: None,
                    ..record
                };
                let installed = approve(shared, &released, Approver::Earlier).await?;
                return start(shared, &installed).await;
            }
            let installed = shared.host.activate(&record).await?;
            publish_hold(shared, &record.installation, None);
            return start(shared, &installed).await;
        };
        if let Some(approver) = consent::standing_approval(
            site.simulator.is_some(),
            &running,
            &shared.host.policy,
            pinned,
        ) {
            let record = approved_record(
                shared,
                bundle,
                site,
                installation.clone(),
                scopes,
                Some(&record),
            )?;
            let installed = approve(shared, &record, approver).await?;
            return start(shared, &installed).await;
        }
        if record.approval.is_none()
            && let Some(earlier) = &record.hold
        {
            // Held before any code was approved (`sha256` named other code): keep saying so.
            reason = earlier.reason;
        }
        let hold = Hold {
            reason,
            pending: running.component.clone(),
        };
        if record.hold.as_ref() == Some(&hold) || shared.state.hold(&record, &hold).await? {
            shared.web_triggers.forget();
            let record = InstallRecord {
                hold: Some(hold),
                ..record
            };
            return held(shared, &record, &running).await;
        }
    }
    Err(InstallError::Invalid(
        "its approval keeps changing while this host starts; start again".into(),
    ))
}

/// Makes a held installation live (listed, approvable through the admin API) without
/// starting anything that runs: its events are kept until it is approved.
async fn held(
    shared: &Arc<Shared>,
    record: &InstallRecord,
    running: &RunningCode,
) -> Result<Vec<Endpoint>, InstallError> {
    let installed = shared.host.activate(record).await?;
    let reason = record
        .hold
        .as_ref()
        .map_or(HoldReason::Unbound, |h| h.reason);
    let installation = &record.installation;
    tracing::warn!(
        app = %installation.app_id(),
        site = %installation.site(),
        environment = %installation.environment(),
        reason = reason.as_str(),
        approved_sha256 = record.approval.as_ref().map_or("", |a| a.component.as_str()),
        running_sha256 = running.component.as_str(),
        "installation held: {}; its events are kept and run once this code is approved (admin API install, kiln.toml sha256 or the operator policy)",
        reason.describe()
    );
    publish_hold(shared, installation, Some(reason));
    // Scheduled triggers keep queueing their one run per interval; it waits with the rest.
    start(shared, &installed).await
}

/// Records `record` as approved, makes it live, releases its kept events; queues, with the
/// approval, the lifecycle event it raises (`lifecycle`).
async fn approve(
    shared: &Arc<Shared>,
    record: &InstallRecord,
    approver: Approver,
) -> Result<Arc<Installed>, InstallError> {
    // Checked before it is registered: an approval that misses a declared scope is refused.
    let installed = shared.host.activate(record).await?;
    let announcements = lifecycle::announcements(&installed)?;
    let change = shared
        .state
        .install_announcing(record, &announcements, shared.clock.now())
        .await?;
    shared.web_triggers.forget();
    let installation = &record.installation;
    tracing::info!(
        app = %installation.app_id(),
        site = %installation.site(),
        environment = %installation.environment(),
        sha256 = installed.component.as_str(),
        approved_by = approver.as_str(),
        lifecycle = change.as_str(),
        "installation approved"
    );
    publish_hold(shared, installation, None);
    shared.queued.notify_waiters();
    Ok(installed)
}

/// Sets `kiln_installations_held` for the installation: 1 for `reason`, 0 for the reasons
/// it was held for before.
fn publish_hold(shared: &Shared, installation: &Installation, reason: Option<HoldReason>) {
    for each in HoldReason::ALL {
        let labels = HeldLabels {
            app: installation.app_id().to_owned(),
            site: installation.site().to_owned(),
            environment: installation.environment().to_owned(),
            reason: each.as_str().to_owned(),
        };
        if Some(each) == reason {
            shared.metrics.held.get_or_create(&labels).set(1);
        } else if let Some(gauge) = shared.metrics.held.get(&labels) {
            gauge.set(0);
        }
    }
}

fn identify<'a>(
    shared: &'a Shared,
    app: &str,
    site: &SiteHost,
    environment: &str,
) -> Result<(&'a AppBundle, Installation), InstallError> {
    let bundle = shared
        .host
        .bundle(app)
        .ok_or_else(|| HostError::UnknownApp(app.to_owned()))?;
    let installation = Installation::new(app, site.key.clone(), environment)
        .map_err(|e| InstallError::Invalid(e.to_string()))?;
    Ok((bundle, installation))
}

/// The record of an approval of the code served now, on the site as it is now, as the
/// principal it acts as now; pause state and install time are kept from `existing`.
fn approved_record(
    shared: &Shared,
    bundle: &AppBundle,
    site: &SiteHost,
    installation: Installation,
    scopes: Option<&[String]>,
    existing: Option<&InstallRecord>,
) -> Result<InstallRecord, InstallError> {
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
    Ok(InstallRecord {
        installation,
        scopes: approved,
        grant: site.grant.clone(),
        approval: Some(ApprovalBinding {
            site: site.binding.clone(),
            component: bundle.sha256.clone(),
        }),
        hold: None,
        paused: existing.is_some_and(|r| r.paused),
        installed_at: existing.map_or_else(|| shared.clock.now(), |r| r.installed_at),
    })
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
        let issued = shared
            .state
            .issue_web_trigger_if_absent(installation, &key, shared.clock.now())
            .await?;
        if let Some(id) = &issued {
            keep_sealed(installed, &module.key, id).await;
        }
        let url = issued.map(|id| shared.web_trigger_url(&id.expose()));
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
    for consumer in manifest.consumers() {
        endpoints.push(Endpoint::Consumer {
            app: app.clone(),
            site: site.clone(),
            environment: environment.clone(),
            key: consumer.key.clone(),
            queue: consumer.queue.clone(),
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
    keep_sealed(installed, key, &id).await;
    shared.web_triggers.forget();
    Ok(shared.web_trigger_url(&id.expose()))
}

/// Keeps a sealed copy of a just-issued web trigger id, for the app's `webTrigger.getUrl`
/// (`kiln_state::web_trigger_urls`). A failure is logged, not fatal: the URL works and is
/// printed; only `getUrl` lacks it until the next rotation.
async fn keep_sealed(
    installed: &Installed,
    module_key: &str,
    id: &kiln_state::serve::WebTriggerId,
) {
    let Some(storage) = installed.app.storage() else {
        return;
    };
    if let Err(error) = kiln_state::web_trigger_urls::remember(
        storage.storage(),
        &installed.installation,
        module_key,
        id,
    )
    .await
    {
        tracing::warn!(app = %installed.installation.app_id(), module = %module_key, %error, "web trigger id not kept for webTrigger.getUrl");
    }
}
