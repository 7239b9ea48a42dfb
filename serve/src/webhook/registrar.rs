//! The task that keeps each 3LO site's dynamic webhooks what its installations need:
//! registered, refreshed before they expire, replaced when the needed set changes, deleted
//! when nothing needs them (the rules are `registration`'s, the calls `jira_api`'s).
//!
//! **One replica calls Jira per site.** Each look first takes (or keeps) the site's lease in
//! kiln-state (`lease_webhook_site`, one conditional statement): the replica that holds it
//! reads what is registered, calls Jira, and stores the answer fenced by its lease. If its
//! lease was taken over meanwhile (it stalled longer than [`LEASE`]), nothing is stored and
//! what it registered in vain is deleted again, so N replicas register once between them.
//!
//! **A failing Jira never stops serve.** A 5xx, a 429 (its `Retry-After` honoured), a
//! revoked login (401) or a refused call is logged at WARN, exported as
//! `kiln_webhook_registrations{site,state="failing"} 1`, stored (so the admin API lists it
//! and every replica honours the backoff), and tried again after the backoff.
//!
//! It looks every [`LOOK_EVERY`] of real time, whenever serve's clock moves (a manual
//! clock in tests), and at once when this process installs, uninstalls, pauses or resumes
//! something (`Shared::webhooks_changed`).

use std::sync::Arc;
use std::time::Duration;

use kiln_state::serve::{LeaseHolder, RegistrationStatus, UnixMillis, WebhookRegistration};
use rand::TryRng;
use tokio::sync::watch;

use super::jira_api::{JiraWebhookError, JiraWebhooks};
use super::registration::{self, Action, Needed, WebhookSpec};
use crate::host::SiteHost;
use crate::metrics::RegistrationLabels;
use crate::shared::Shared;

/// How long a replica holds a site's lease without renewing it (by serve's clock).
pub const LEASE: Duration = Duration::from_secs(60);
/// Longest real-time wait between looks.
const LOOK_EVERY: Duration = Duration::from_secs(5);

/// This process's name as a lease holder: random, so two replicas never share it.
pub fn holder() -> LeaseHolder {
    let mut bytes = [0u8; 16];
    // Without the OS RNG a time-based name still tells processes apart.
    if rand::rngs::SysRng.try_fill_bytes(&mut bytes).is_err() {
        bytes[..16].copy_from_slice(&UnixMillis::now().0.to_le_bytes().repeat(2));
    }
    LeaseHolder::new(format!("serve-{}", hex::encode(bytes)))
        .expect("32 hex digits are a valid holder name")
}

/// Keeps `site`'s webhooks until `stop`, then releases its lease.
pub async fn run(
    shared: Arc<Shared>,
    site: Arc<SiteHost>,
    jql: String,
    holder: LeaseHolder,
    mut stop: watch::Receiver<bool>,
) {
    let jira = JiraWebhooks::new(site.runtime.client().clone());
    let url = shared.webhook_url(&site.name);
    let mut reported_unsupported = false;
    loop {
        if *stop.borrow() || shared.draining() {
            break;
        }
        let changed = shared.webhooks_changed.notified();
        let now = shared.clock.now();
        let next = match shared
            .state
            .lease_webhook_site(&site.key, &holder, now, LEASE)
            .await
        {
            Ok(Some(stored)) => {
                let needed = needed(&shared, &site).await;
                if let Some(needed) = &needed
                    && !needed.unsupported.is_empty()
                    && !reported_unsupported
                {
                    reported_unsupported = true;
                    tracing::warn!(site = %site.name, events = ?needed.unsupported, "Jira's dynamic webhooks cannot carry these events; they are not registered (an admin webhook of the site, signed with its webhook_secret_file, can deliver them)");
                }
                match needed {
                    Some(needed) => {
                        let wanted = needed.webhooks(&jql);
                        look(&shared, &site, &jira, &holder, &url, stored, &wanted, now).await
                    }
                    None => now.plus(LOOK_EVERY),
                }
            }
            // Another replica holds the site: look again when its lease may have ended.
            Ok(None) => now.plus(LOOK_EVERY),
            Err(error) => {
                tracing::warn!(site = %site.name, %error, "cannot read the site's webhook registration");
                now.plus(LOOK_EVERY)
            }
        };
        tokio::select! {
            _ = shared.clock.sleep_until(next, LOOK_EVERY) => {}
            _ = changed => {}
            _ = stop.changed() => {}
        }
    }
    if let Err(error) = shared.state.release_webhook_site(&site.key, &holder).await {
        tracing::warn!(site = %site.name, %error, "cannot release the site's webhook lease");
    }
}

/// The needed set of the site's installations as kiln-state lists them (every replica
/// sees the same), for the apps this process serves. `None`: the state did not answer.
async fn needed(shared: &Shared, site: &SiteHost) -> Option<Needed> {
    let records = match shared.state.list_installations().await {
        Ok(records) => records,
        Err(error) => {
            tracing::warn!(site = %site.name, %error, "cannot list installations");
            return None;
        }
    };
    let manifests: Vec<&kiln_manifest::Manifest> = records
        .iter()
        .filter(|r| r.installation.site() == site.key)
        .filter_map(|r| shared.host.bundle(r.installation.app_id()))
        .map(|b| &b.manifest)
        .collect();
    Some(Needed::of(manifests))
}

/// One look at a site whose lease this process holds; when to look next.
#[allow(clippy::too_many_arguments)]
async fn look(
    shared: &Shared,
    site: &SiteHost,
    jira: &JiraWebhooks,
    holder: &LeaseHolder,
    url: &str,
    stored: WebhookRegistration,
    wanted: &[WebhookSpec],
    now: UnixMillis,
) -> UnixMillis {
    let action = registration::decide(&stored, wanted, url, now);
    let outcome = match &action {
        Action::Wait { next } => {
            export(shared, site, stored.status);
            return (*next).min(now.plus(LOOK_EVERY));
        }
        Action::Backoff { until } => {
            export(shared, site, stored.status);
            return (*until).min(now.plus(LOOK_EVERY));
        }
        Action::Refresh => refresh(jira, &stored, now).await,
        Action::Replace {
            webhooks,
            delete_first,
        } => replace(jira, &stored, url, webhooks, *delete_first, now).await,
    };
    let (record, registered_now) = match outcome {
        Ok(record) => {
            tracing::info!(site = %site.name, ids = ?record.webhooks.iter().map(|w| w.id).collect::<Vec<_>>(), events = ?record.webhooks.iter().flat_map(|w| w.events.iter()).collect::<Vec<_>>(), expires_at = record.expires_at.0, action = action_name(&action), "dynamic webhooks {}", action_name(&action));
            let fresh: Vec<i64> = match &action {
                Action::Replace { .. } => record.webhooks.iter().map(|w| w.id).collect(),
                _ => Vec::new(),
            };
            (record, fresh)
        }
        Err((error, kept)) => {
            let failures = stored.failures.saturating_add(1);
            let wait = registration::backoff(failures, error.retry_after());
            tracing::warn!(site = %site.name, %error, failures, retry_in_seconds = wait.as_secs(), "cannot keep the site's dynamic webhooks; retrying after a backoff");
            let record = WebhookRegistration {
                webhooks: kept,
                status: RegistrationStatus::Failing,
                last_error: error.to_string(),
                failures,
                next_attempt_at: now.plus(wait),
                ..stored.clone()
            };
            (record, Vec::new())
        }
    };
    match shared
        .state
        .store_webhook_registration(holder, &record)
        .await
    {
        Ok(true) => export(shared, site, record.status),
        Ok(false) => {
            // Another replica took the site over while Jira was called: what was
            // registered here is not its record, so it goes again.
            tracing::warn!(site = %site.name, "the site's webhook lease was taken over; undoing this replica's registration");
            if let Err(error) = jira.delete(&registered_now).await {
                tracing::warn!(site = %site.name, %error, "cannot undo a registration");
            }
        }
        Err(error) => {
            tracing::error!(site = %site.name, %error, "cannot store the site's webhook registration");
            if let Err(error) = jira.delete(&registered_now).await {
                tracing::warn!(site = %site.name, %error, "cannot undo a registration");
            }
        }
    }
    if record.status == RegistrationStatus::Failing {
        record.next_attempt_at.min(now.plus(LOOK_EVERY))
    } else {
        now.plus(LOOK_EVERY)
    }
}

fn action_name(action: &Action) -> &'static str {
    match action {
        Action::Refresh => "refreshed",
        Action::Replace { webhooks, .. } if webhooks.is_empty() => "deleted",
        Action::Replace { .. } => "registered",
        Action::Wait { .. } | Action::Backoff { .. } => "kept",
    }
}

/// What a failure leaves registered (to store beside the error).
type Failure = (JiraWebhookError, Vec<kiln_state::serve::RegisteredWebhook>);

async fn refresh(
    jira: &JiraWebhooks,
    stored: &WebhookRegistration,
    now: UnixMillis,
) -> Result<WebhookRegistration, Failure> {
    let ids: Vec<i64> = stored.webhooks.iter().map(|w| w.id).collect();
    let expires = jira
        .refresh(&ids)
        .await
        .map_err(|e| (e, stored.webhooks.clone()))?;
    Ok(WebhookRegistration {
        expires_at: UnixMillis(expires.unwrap_or(now.plus(registration::LIFETIME).0)),
        refreshed_at: now,
        ..succeeded(stored)
    })
}

async fn replace(
    jira: &JiraWebhooks,
    stored: &WebhookRegistration,
    url: &str,
    webhooks: &[WebhookSpec],
    delete_first: bool,
    now: UnixMillis,
) -> Result<WebhookRegistration, Failure> {
    let old: Vec<i64> = stored.webhooks.iter().map(|w| w.id).collect();
    let mut remaining = stored.webhooks.clone();
    if delete_first {
        jira.delete(&old)
            .await
            .map_err(|e| (e, remaining.clone()))?;
        remaining.clear();
    }
    let ids = if webhooks.is_empty() {
        Vec::new()
    } else {
        jira.register(url, webhooks)
            .await
            .map_err(|e| (e, remaining.clone()))?
    };
    let new = registration::registered(&ids, webhooks);
    if !remaining.is_empty() {
        // Registered first, deleted after: no moment without a webhook. If the delete
        // fails, the new ids are kept with the old, and the old are deleted at the next look.
        if let Err(error) = jira.delete(&old).await {
            let mut both = new;
            both.extend(remaining);
            return Err((error, both));
        }
    }
    let registered = !new.is_empty();
    Ok(WebhookRegistration {
        url: if registered {
            url.to_owned()
        } else {
            String::new()
        },
        webhooks: new,
        expires_at: if registered {
            now.plus(registration::LIFETIME)
        } else {
            UnixMillis(0)
        },
        refreshed_at: if registered { now } else { UnixMillis(0) },
        status: if registered {
            RegistrationStatus::Registered
        } else {
            RegistrationStatus::Unregistered
        },
        ..succeeded(stored)
    })
}

fn succeeded(stored: &WebhookRegistration) -> WebhookRegistration {
    WebhookRegistration {
        status: RegistrationStatus::Registered,
        last_error: String::new(),
        failures: 0,
        next_attempt_at: UnixMillis(0),
        ..stored.clone()
    }
}

/// `kiln_webhook_registrations{site,state}`: 1 for the site's state, 0 for the others.
fn export(shared: &Shared, site: &SiteHost, status: RegistrationStatus) {
    for each in RegistrationStatus::ALL {
        shared
            .metrics
            .registrations
            .get_or_create(&RegistrationLabels {
                site: site.name.clone(),
                state: each.as_str().to_owned(),
            })
            .set(i64::from(each == status));
    }
}
