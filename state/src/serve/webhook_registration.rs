//! The dynamic webhooks `runtime serve` registers on a 3LO site (`POST /rest/api/3/webhook`),
//! kept so that N replicas register them once between them.
//!
//! One row per site holds what Jira answered (the webhook ids, their events and filter, the
//! expiry) and a **lease**: only the replica holding the site's lease calls Jira for it.
//! - Taking the lease is one conditional upsert ([`sql`](super::sql)'s `LEASE_WEBHOOK_SITE`):
//!   it succeeds when the row is new, already the caller's, or its lease ran out. Of many
//!   replicas asking at once, one wins.
//! - Storing what Jira answered is fenced by the holder: a replica whose lease was taken
//!   over (it stalled past the lease, its clock was moved) stores nothing, and removes from
//!   Jira what it registered in vain.
//!
//! Every text here comes from Jira's answers or the manifest, so each is bounded when built.

use serde::{Deserialize, Serialize};

use super::types::{NameError, UnixMillis, checked_name};

/// Most webhooks kept for one site: Jira lets an OAuth 2.0 app hold at most 5 registrations
/// of up to 100 webhooks each.
pub const MAX_SITE_WEBHOOKS: usize = 500;

/// One webhook Jira registered: its id and what it was registered for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisteredWebhook {
    pub id: i64,
    /// Jira's event names (`jira:issue_created`, …), sorted.
    pub events: Vec<String>,
    pub jql_filter: String,
}

/// Where a site's registration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RegistrationStatus {
    /// Nothing registered yet (a new row, or every webhook deleted because none is needed).
    Unregistered,
    /// Registered, and refreshed on time.
    Registered,
    /// The last call to Jira failed; it is retried at `next_attempt_at`.
    Failing,
}

impl RegistrationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unregistered => "unregistered",
            Self::Registered => "registered",
            Self::Failing => "failing",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "unregistered" => Some(Self::Unregistered),
            "registered" => Some(Self::Registered),
            "failing" => Some(Self::Failing),
            _ => None,
        }
    }

    pub const ALL: [Self; 3] = [Self::Unregistered, Self::Registered, Self::Failing];
}

/// A site's dynamic webhooks as kiln-state keeps them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookRegistration {
    /// The installation's `site` part (the site URL).
    pub site: String,
    /// The delivery URL the webhooks were registered with (Jira allows one per app).
    pub url: String,
    pub webhooks: Vec<RegisteredWebhook>,
    /// When Jira expires them (the earliest, if they differ); 0 with none.
    pub expires_at: UnixMillis,
    /// When they were registered or last refreshed.
    pub refreshed_at: UnixMillis,
    pub status: RegistrationStatus,
    /// The last failure, bounded; empty when the last call succeeded.
    pub last_error: String,
    /// Failures in a row, for the backoff.
    pub failures: u32,
    /// No call to Jira before this (backoff, or Jira's `Retry-After`).
    pub next_attempt_at: UnixMillis,
}

impl WebhookRegistration {
    /// A site nothing was registered for yet.
    pub fn empty(site: impl Into<String>) -> Self {
        Self {
            site: site.into(),
            url: String::new(),
            webhooks: Vec::new(),
            expires_at: UnixMillis(0),
            refreshed_at: UnixMillis(0),
            status: RegistrationStatus::Unregistered,
            last_error: String::new(),
            failures: 0,
            next_attempt_at: UnixMillis(0),
        }
    }

    /// Checks the bounds before anything is stored.
    pub(crate) fn check(&self) -> Result<(), NameError> {
        checked_name("site", self.site.clone())?;
        if self.url.len() > 2048 {
            return Err(NameError::TooLong {
                what: "webhook URL",
                bytes: self.url.len(),
                max: 2048,
            });
        }
        if self.webhooks.len() > MAX_SITE_WEBHOOKS {
            return Err(NameError::TooMany {
                what: "webhooks per site",
                count: self.webhooks.len(),
                max: MAX_SITE_WEBHOOKS,
            });
        }
        for webhook in &self.webhooks {
            if webhook.jql_filter.len() > 4096 {
                return Err(NameError::TooLong {
                    what: "JQL filter",
                    bytes: webhook.jql_filter.len(),
                    max: 4096,
                });
            }
            for event in &webhook.events {
                checked_name("webhook event", event.clone())?;
            }
        }
        Ok(())
    }

    pub(crate) fn webhooks_json(&self) -> String {
        serde_json::to_string(&self.webhooks).unwrap_or_else(|_| String::from("[]"))
    }

    /// `last_error` cut to [`super::MAX_ERROR_BYTES`] at a character boundary.
    pub(crate) fn bounded_error(&self) -> String {
        super::queue::bounded_error(&self.last_error)
    }
}

/// A stored row back into a registration; damaged JSON or status is a typed error.
#[allow(clippy::too_many_arguments)]
pub(crate) fn from_columns(
    site: String,
    url: String,
    webhooks: &str,
    expires_at: i64,
    refreshed_at: i64,
    status: &str,
    last_error: String,
    failures: i64,
    next_attempt_at: i64,
) -> Result<WebhookRegistration, super::ServeError> {
    let webhooks: Vec<RegisteredWebhook> = serde_json::from_str(webhooks)
        .map_err(|_| super::ServeError::Corrupt("webhook registration list"))?;
    let status = RegistrationStatus::parse(status)
        .ok_or(super::ServeError::Corrupt("webhook registration status"))?;
    Ok(WebhookRegistration {
        site,
        url,
        webhooks,
        expires_at: UnixMillis(expires_at),
        refreshed_at: UnixMillis(refreshed_at),
        status,
        last_error,
        failures: u32::try_from(failures).unwrap_or(u32::MAX),
        next_attempt_at: UnixMillis(next_attempt_at),
    })
}

/// Who may call Jira for a site: a replica's holder name (random per process), checked.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LeaseHolder(String);

impl LeaseHolder {
    pub fn new(name: impl Into<String>) -> Result<Self, NameError> {
        checked_name("lease holder", name.into()).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}
