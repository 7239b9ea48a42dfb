//! What a 3LO site's dynamic webhooks must be, and when they are due: the rules, without
//! Jira or the database (those are `jira_api` and `registrar`).
//!
//! - **The needed set**: the Jira events the product-event triggers of the site's
//!   installations subscribe to (every installation kiln-state lists for the site, so every
//!   replica computes the same set). Paused and held installations count: both keep
//!   accepting their events (docs/serve.md, "Consent"), so dropping their webhooks would
//!   lose events an operator expects to run on resume or approval. Forge events Jira's
//!   dynamic webhooks cannot carry (worklogs, projects, versions, users: the platform spec's
//!   `WebhookDetails.events` lists issue, comment and issue-property events only) are
//!   reported, not registered.
//! - **The shape**: one webhook with every needed event and the site's JQL filter (Jira
//!   requires one per dynamic webhook). Jira lets an OAuth 2.0 app hold at most 5
//!   registrations of up to 100 webhooks each; one covers any set of installations.
//! - **When**: Jira expires a dynamic webhook 30 days after its registration or last
//!   refresh. It is refreshed after [`REFRESH_AFTER`] (20 days), so a failing Jira has ten
//!   days of retries before anything expires; one whose 30 days have passed by serve's clock
//!   is registered again (Jira's refresh silently ignores ids it no longer knows).
//! - **Backoff** after a failed call: 30 s doubling to an hour, never sooner than Jira's
//!   `Retry-After`.

use std::collections::BTreeSet;
use std::time::Duration;

use kiln_manifest::{Manifest, ProductEvent};
use kiln_state::serve::{RegisteredWebhook, UnixMillis, WebhookRegistration};

use super::event::jira_events_of;

/// Jira expires a dynamic webhook this long after its registration or last refresh.
pub const LIFETIME: Duration = Duration::from_secs(30 * 86_400);
/// When a registration is refreshed: ten days before it would expire.
pub const REFRESH_AFTER: Duration = Duration::from_secs(20 * 86_400);
/// The events `WebhookDetails.events` accepts (platform spec).
pub const DYNAMIC_EVENTS: &[&str] = &[
    "jira:issue_created",
    "jira:issue_updated",
    "jira:issue_deleted",
    "comment_created",
    "comment_updated",
    "comment_deleted",
    "issue_property_set",
    "issue_property_deleted",
];
/// The filter when the site names none: every issue of any type the login may see. Jira
/// accepts only `=`, `!=`, `IN`, `NOT IN` on a few fields, and rejects a value that does not
/// exist, so "everything" is spelled with the one value every site has: the caller.
pub const DEFAULT_JQL: &str = "reporter = currentUser() OR reporter != currentUser()";

const FIRST_BACKOFF: Duration = Duration::from_secs(30);
const MAX_BACKOFF: Duration = Duration::from_secs(3600);
/// The longest `Retry-After` honoured; a longer one is Jira's or a proxy's mistake.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(86_400);

/// What the site's installations need.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Needed {
    /// Jira event names, sorted.
    pub events: BTreeSet<&'static str>,
    /// Forge events subscribed to that no dynamic webhook carries.
    pub unsupported: BTreeSet<String>,
}

impl Needed {
    /// The needed set of the manifests of the site's installations (one per installation;
    /// an app installed twice counts once).
    pub fn of<'a>(manifests: impl IntoIterator<Item = &'a Manifest>) -> Self {
        let mut needed = Self::default();
        for manifest in manifests {
            for trigger in manifest.triggers() {
                for event in &trigger.events {
                    needed.add(*event);
                }
            }
        }
        needed
    }

    fn add(&mut self, event: ProductEvent) {
        if event.is_lifecycle() {
            // Raised by this host when it approves an installation, not by Jira.
            return;
        }
        let names: Vec<&'static str> = jira_events_of(event)
            .into_iter()
            .filter(|name| DYNAMIC_EVENTS.contains(name))
            .collect();
        if names.is_empty() {
            self.unsupported.insert(event.as_str().to_owned());
        }
        self.events.extend(names);
    }

    /// The webhooks to register: none, or one with every event and `jql`.
    pub fn webhooks(&self, jql: &str) -> Vec<WebhookSpec> {
        if self.events.is_empty() {
            return Vec::new();
        }
        vec![WebhookSpec {
            events: self.events.iter().map(|e| (*e).to_owned()).collect(),
            jql_filter: jql.to_owned(),
        }]
    }
}

/// One webhook to register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookSpec {
    /// Sorted.
    pub events: Vec<String>,
    pub jql_filter: String,
}

/// What a site's registration needs now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Nothing until `next` (by serve's clock), unless the needed set changes.
    Wait { next: UnixMillis },
    /// Extend the stored webhooks' life.
    Refresh,
    /// Register `webhooks` (none: only delete) and delete the stored ones. `delete_first`:
    /// the URL changed, and Jira allows one URL per app, so the old go before the new.
    Replace {
        webhooks: Vec<WebhookSpec>,
        delete_first: bool,
    },
    /// A failed call's backoff runs until `until`.
    Backoff { until: UnixMillis },
}

/// The one decision: what `stored` needs, given what is `wanted` at `url`, at `now`.
pub fn decide(
    stored: &WebhookRegistration,
    wanted: &[WebhookSpec],
    url: &str,
    now: UnixMillis,
) -> Action {
    if now < stored.next_attempt_at {
        return Action::Backoff {
            until: stored.next_attempt_at,
        };
    }
    let registered: Vec<WebhookSpec> = stored
        .webhooks
        .iter()
        .map(|w| WebhookSpec {
            events: w.events.clone(),
            jql_filter: w.jql_filter.clone(),
        })
        .collect();
    let expired = !stored.webhooks.is_empty() && now >= stored.refreshed_at.plus(LIFETIME);
    if registered != wanted || (!wanted.is_empty() && stored.url != url) || expired {
        return Action::Replace {
            webhooks: wanted.to_vec(),
            delete_first: !stored.webhooks.is_empty() && (stored.url != url || expired),
        };
    }
    if wanted.is_empty() {
        return Action::Wait {
            next: UnixMillis(i64::MAX),
        };
    }
    let due = stored.refreshed_at.plus(REFRESH_AFTER);
    if now >= due {
        Action::Refresh
    } else {
        Action::Wait { next: due }
    }
}

/// How long after the `failures`-th failure in a row the next call waits (`failures` ≥ 1).
pub fn backoff(failures: u32, retry_after: Option<Duration>) -> Duration {
    let doublings = failures.saturating_sub(1).min(16);
    let ours = FIRST_BACKOFF
        .saturating_mul(1u32 << doublings)
        .min(MAX_BACKOFF);
    ours.max(retry_after.unwrap_or_default().min(MAX_RETRY_AFTER))
}

/// The stored form of what Jira registered.
pub fn registered(ids: &[i64], specs: &[WebhookSpec]) -> Vec<RegisteredWebhook> {
    ids.iter()
        .zip(specs)
        .map(|(id, spec)| RegisteredWebhook {
            id: *id,
            events: spec.events.clone(),
            jql_filter: spec.jql_filter.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiln_state::serve::RegistrationStatus;

    fn manifest(events: &[&str]) -> Manifest {
        let yaml = format!(
            "app:\n  id: needs\n\
             modules:\n  function:\n    - key: f\n      handler: f\n\
             \x20 trigger:\n    - key: t\n      function: f\n      events: [{}]\n\
             permissions:\n  scopes: [read:jira-work, read:jira-user]\n",
            events.join(", ")
        );
        Manifest::from_yaml(&yaml).unwrap_or_else(|e| panic!("{e}\n{yaml}"))
    }

    const DAY: i64 = 86_400_000;
    const T0: UnixMillis = UnixMillis(1_764_000_000_000);
    const URL: &str = "https://kiln.example/webhooks/jira/prod";

    fn stored(events: &[&str], refreshed_at: UnixMillis) -> WebhookRegistration {
        WebhookRegistration {
            url: URL.into(),
            webhooks: vec![RegisteredWebhook {
                id: 10_000,
                events: events.iter().map(|e| (*e).to_owned()).collect(),
                jql_filter: DEFAULT_JQL.into(),
            }],
            expires_at: refreshed_at.plus(LIFETIME),
            refreshed_at,
            status: RegistrationStatus::Registered,
            ..WebhookRegistration::empty("https://site.example")
        }
    }

    #[test]
    fn the_needed_set_is_the_union_of_the_installations_jira_events() {
        let a = manifest(&["avi:jira:created:issue", "avi:jira:commented:issue"]);
        let b = manifest(&["avi:jira:created:issue", "avi:jira:deleted:issue"]);
        let needed = Needed::of([&a, &b, &a]);
        assert_eq!(
            needed.events.iter().copied().collect::<Vec<_>>(),
            [
                "comment_created",
                // Forge raises `commented:issue` on an edit too.
                "comment_updated",
                "jira:issue_created",
                "jira:issue_deleted"
            ]
        );
        assert!(needed.unsupported.is_empty());
        let specs = needed.webhooks("project = KILN");
        assert_eq!(specs.len(), 1, "one webhook carries every event");
        assert_eq!(specs[0].jql_filter, "project = KILN");
        assert!(Needed::of([]).webhooks(DEFAULT_JQL).is_empty());
    }

    #[test]
    fn forge_events_no_dynamic_webhook_carries_are_reported_not_registered() {
        let needed = Needed::of([&manifest(&[
            "avi:jira:created:worklog",
            "avi:jira:updated:issue",
        ])]);
        assert_eq!(
            needed.events.iter().copied().collect::<Vec<_>>(),
            ["jira:issue_updated"]
        );
        assert_eq!(
            needed.unsupported.iter().collect::<Vec<_>>(),
            ["avi:jira:created:worklog"]
        );
    }

    #[test]
    fn a_new_site_registers_and_a_current_one_waits_for_its_refresh_point() {
        let wanted = Needed::of([&manifest(&["avi:jira:created:issue"])]).webhooks(DEFAULT_JQL);
        let empty = WebhookRegistration::empty("https://site.example");
        assert_eq!(
            decide(&empty, &wanted, URL, T0),
            Action::Replace {
                webhooks: wanted.clone(),
                delete_first: false
            }
        );
        let current = stored(&["jira:issue_created"], T0);
        assert_eq!(
            decide(&current, &wanted, URL, UnixMillis(T0.0 + DAY)),
            Action::Wait {
                next: UnixMillis(T0.0 + 20 * DAY)
            }
        );
        // Refreshed well before the 30-day expiry, and at every point after it.
        assert_eq!(
            decide(&current, &wanted, URL, UnixMillis(T0.0 + 20 * DAY)),
            Action::Refresh
        );
        assert_eq!(
            decide(&current, &wanted, URL, UnixMillis(T0.0 + 29 * DAY)),
            Action::Refresh
        );
        // Past 30 days Jira dropped them (a refresh would be ignored): register again.
        assert_eq!(
            decide(&current, &wanted, URL, UnixMillis(T0.0 + 30 * DAY)),
            Action::Replace {
                webhooks: wanted.clone(),
                delete_first: true
            }
        );
    }

    #[test]
    fn a_changed_needed_set_or_url_replaces_and_an_empty_one_deletes() {
        let current = stored(&["jira:issue_created"], T0);
        let more = Needed::of([&manifest(&[
            "avi:jira:created:issue",
            "avi:jira:commented:issue",
        ])])
        .webhooks(DEFAULT_JQL);
        assert_eq!(
            decide(&current, &more, URL, T0),
            Action::Replace {
                webhooks: more.clone(),
                delete_first: false
            },
            "new events: the new webhook first, then the old one goes"
        );
        let same = Needed::of([&manifest(&["avi:jira:created:issue"])]).webhooks(DEFAULT_JQL);
        assert_eq!(
            decide(
                &current,
                &same,
                "https://elsewhere.example/webhooks/jira/prod",
                T0
            ),
            Action::Replace {
                webhooks: same.clone(),
                delete_first: true
            },
            "one URL per app: the old ones go first"
        );
        assert_eq!(
            decide(&current, &[], URL, T0),
            Action::Replace {
                webhooks: Vec::new(),
                delete_first: false
            }
        );
        assert_eq!(
            decide(&WebhookRegistration::empty("s"), &[], URL, T0),
            Action::Wait {
                next: UnixMillis(i64::MAX)
            }
        );
    }

    #[test]
    fn a_failing_site_waits_out_its_backoff() {
        let mut failing = stored(&["jira:issue_created"], T0);
        failing.next_attempt_at = UnixMillis(T0.0 + 60_000);
        assert_eq!(
            decide(&failing, &[], URL, T0),
            Action::Backoff {
                until: UnixMillis(T0.0 + 60_000)
            }
        );
        assert_eq!(backoff(1, None), Duration::from_secs(30));
        assert_eq!(backoff(2, None), Duration::from_secs(60));
        assert_eq!(backoff(40, None), Duration::from_secs(3600));
        assert_eq!(
            backoff(1, Some(Duration::from_secs(120))),
            Duration::from_secs(120),
            "Jira's Retry-After when it is longer"
        );
        assert_eq!(
            backoff(1, Some(Duration::from_secs(u64::MAX))),
            Duration::from_secs(86_400)
        );
    }
}
