//! Who receives which events: the site's dynamic and admin webhooks.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use url::Url;

use super::config::WebhookTargets;
use super::event::{Raised, WebhookEvent};
use super::target::{self, TargetError};
use crate::jql::{self, Query};
use crate::seed::SeedPermission;
use crate::world::World;

/// Jira Cloud expires a dynamic webhook 30 days after it was registered or last
/// refreshed.
pub(crate) const DYNAMIC_WEBHOOK_LIFETIME: time::Duration = time::Duration::days(30);
/// Registrations one app may hold at once: the simulator's bound on memory and
/// fan-out, not a Jira figure.
pub(crate) const MAX_DYNAMIC_PER_APP: usize = 100;
/// Admin webhooks the site may hold at once.
pub(crate) const MAX_ADMIN: usize = 100;
/// Jira numbers webhooks from 10000, like most of its ids.
const FIRST_ID: u64 = 10_000;

/// A webhook a site administrator configured: Jira's *System → WebHooks* page, here
/// the seed's `webhooks` or [`crate::Simulator::add_admin_webhook`]. With a `secret`,
/// every delivery carries `X-Hub-Signature: sha256=<hex HMAC-SHA256 of the body>`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AdminWebhook {
    pub name: String,
    pub url: String,
    pub events: Vec<WebhookEvent>,
    /// Issues the webhook is sent for; all issues when absent. Any JQL the
    /// simulator understands (admin webhooks are not limited to the dynamic subset).
    /// Events about no issue (sprints, boards, projects, versions,
    /// components) are sent whatever it says.
    #[serde(default)]
    pub jql_filter: Option<String>,
    #[serde(default)]
    pub secret: Option<String>,
}

impl std::fmt::Debug for AdminWebhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminWebhook")
            .field("name", &self.name)
            .field("url", &self.url)
            .field("events", &self.events)
            .field("jql_filter", &self.jql_filter)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// Why a webhook cannot be registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("{0}")]
    Target(#[from] TargetError),
    #[error("The webhook must subscribe to at least one event.")]
    NoEvents,
    #[error("Invalid JQL filter: {0}")]
    Jql(String),
    #[error("The site already has {MAX_ADMIN} admin webhooks.")]
    TooMany,
}

/// A webhook registered through `POST /rest/api/3/webhook` by an OAuth app.
#[derive(Debug, Clone)]
pub(crate) struct DynamicWebhook {
    pub(crate) id: u64,
    /// The owning app's client id.
    pub(crate) app: String,
    /// The user who registered it: deliveries cover only issues they may browse.
    pub(crate) owner: String,
    pub(crate) url: Url,
    pub(crate) events: Vec<WebhookEvent>,
    pub(crate) jql_text: String,
    jql: Query,
    pub(crate) field_ids: Option<Vec<String>>,
    pub(crate) property_keys: Option<Vec<String>>,
    pub(crate) expires: OffsetDateTime,
}

/// What a dynamic registration asked for, already validated.
pub(crate) struct DynamicRequest {
    pub(crate) events: Vec<WebhookEvent>,
    pub(crate) jql_text: String,
    pub(crate) field_ids: Option<Vec<String>>,
    pub(crate) property_keys: Option<Vec<String>>,
}

#[derive(Debug, Clone)]
struct AdminRegistration {
    url: Url,
    events: Vec<WebhookEvent>,
    jql: Option<Query>,
    secret: Option<String>,
}

/// One delivery to make: a destination and what identifies it.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub(crate) url: Url,
    pub(crate) secret: Option<String>,
    /// The dynamic webhooks of one app this delivery answers (`matchedWebhookIds`);
    /// empty for an admin webhook.
    pub(crate) matched: Vec<u64>,
    /// The app whose failed-webhook list a final failure goes to.
    pub(crate) app: Option<String>,
    /// Account ids of the matched dynamic webhooks' owners: the payload's
    /// `issuelinks` shows only issues all of them may browse. Empty for an admin
    /// webhook, which is the site's and sees every link.
    pub(crate) viewers: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Registry {
    dynamic: Vec<DynamicWebhook>,
    admin: Vec<AdminRegistration>,
    next_id: u64,
}

impl Default for Registry {
    fn default() -> Self {
        Self {
            dynamic: Vec::new(),
            admin: Vec::new(),
            next_id: FIRST_ID,
        }
    }
}

/// Compiles a dynamic webhook's filter for its owner (`currentUser()` is them).
pub(crate) fn compile_dynamic_filter(
    world: &World,
    owner: &str,
    jql_text: &str,
) -> Result<Query, String> {
    jql::compile_webhook_filter(jql_text, world, owner).map_err(|e| e.0)
}

/// Validates an admin webhook against the world it will watch.
pub(crate) fn prepare_admin(
    world: &World,
    hook: &AdminWebhook,
    targets: WebhookTargets,
) -> Result<(Url, Option<Query>), WebhookError> {
    let url = target::check(&hook.url, targets)?;
    if hook.events.is_empty() {
        return Err(WebhookError::NoEvents);
    }
    // An admin webhook watches the whole site: its JQL resolves names as a site
    // admin sees them (a project only some users may browse still exists).
    let admin = world
        .users
        .iter()
        .find(|u| u.site_admin)
        .map_or("", |u| u.account_id.as_str());
    let jql = match hook.jql_filter.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(jql::compile(text, world, admin).map_err(|e| WebhookError::Jql(e.0))?),
    };
    Ok((url, jql))
}

impl Registry {
    pub(crate) fn add_admin(
        &mut self,
        hook: &AdminWebhook,
        url: Url,
        jql: Option<Query>,
    ) -> Result<(), WebhookError> {
        if self.admin.len() >= MAX_ADMIN {
            return Err(WebhookError::TooMany);
        }
        self.admin.push(AdminRegistration {
            url,
            events: hook.events.clone(),
            jql,
            secret: hook.secret.clone(),
        });
        Ok(())
    }

    pub(crate) fn app_webhooks(&self, app: &str) -> impl Iterator<Item = &DynamicWebhook> {
        self.dynamic.iter().filter(move |w| w.app == app)
    }

    /// The URL the app's webhooks already go to, if it has any: Jira allows one
    /// URL per app.
    pub(crate) fn app_url(&self, app: &str) -> Option<&Url> {
        self.app_webhooks(app).next().map(|w| &w.url)
    }

    /// Registers one dynamic webhook; `None` when the app is at its limit.
    pub(crate) fn add_dynamic(
        &mut self,
        app: &str,
        owner: &str,
        url: Url,
        request: DynamicRequest,
        jql: Query,
        now: OffsetDateTime,
    ) -> Option<u64> {
        if self.app_webhooks(app).count() >= MAX_DYNAMIC_PER_APP {
            return None;
        }
        let id = self.next_id;
        self.next_id += 1;
        self.dynamic.push(DynamicWebhook {
            id,
            app: app.to_owned(),
            owner: owner.to_owned(),
            url,
            events: request.events,
            jql_text: request.jql_text,
            jql,
            field_ids: request.field_ids,
            property_keys: request.property_keys,
            expires: now + DYNAMIC_WEBHOOK_LIFETIME,
        });
        Some(id)
    }

    /// Removes the app's webhooks among `ids`; other apps' ids are ignored, as the
    /// spec says.
    pub(crate) fn remove_dynamic(&mut self, app: &str, ids: &[u64]) {
        self.dynamic
            .retain(|w| !(w.app == app && ids.contains(&w.id)));
    }

    /// Extends the app's webhooks among `ids` to `until`.
    pub(crate) fn refresh_dynamic(&mut self, app: &str, ids: &[u64], until: OffsetDateTime) {
        for hook in self
            .dynamic
            .iter_mut()
            .filter(|w| w.app == app && ids.contains(&w.id))
        {
            hook.expires = until;
        }
    }

    /// Whether any registration would look at the issue of an `event`: a dynamic
    /// webhook subscribed to it (its owner's browse check and its JQL), or an admin
    /// webhook subscribed to it with a JQL filter. When none would, the event need
    /// not carry a copy of its issue ([`Raised::issue`]), which holds every comment
    /// and worklog and up to 4 MiB of history: copied on every write, it would make
    /// each write cost the size of its issue.
    pub(crate) fn looks_at_issue(&self, event: WebhookEvent) -> bool {
        self.dynamic.iter().any(|hook| hook.events.contains(&event))
            || self
                .admin
                .iter()
                .any(|hook| hook.jql.is_some() && hook.events.contains(&event))
    }

    /// The deliveries `raised` makes: one per admin webhook that wants it, and one
    /// per app whose live dynamic webhooks match (carrying every matching id).
    pub(crate) fn targets(&self, world: &World, raised: &Raised) -> Vec<Target> {
        let now = world.now();
        let mut out: Vec<Target> = Vec::new();
        for hook in &self.dynamic {
            if hook.expires <= now || !dynamic_wants(world, hook, raised) {
                continue;
            }
            match out
                .iter_mut()
                .find(|t| t.app.as_deref() == Some(hook.app.as_str()))
            {
                Some(target) => {
                    target.matched.push(hook.id);
                    if !target.viewers.contains(&hook.owner) {
                        target.viewers.push(hook.owner.clone());
                    }
                }
                None => out.push(Target {
                    url: hook.url.clone(),
                    secret: None,
                    matched: vec![hook.id],
                    app: Some(hook.app.clone()),
                    viewers: vec![hook.owner.clone()],
                }),
            }
        }
        for hook in &self.admin {
            // The JQL filter selects issues: an event about none (a sprint's, a
            // board's) is sent whatever the filter, as Jira sends it.
            let wanted = hook.events.contains(&raised.event)
                && match (&hook.jql, &raised.issue) {
                    (Some(jql), Some(issue)) => jql.matches(issue),
                    _ => true,
                };
            if wanted {
                out.push(Target {
                    url: hook.url.clone(),
                    secret: hook.secret.clone(),
                    matched: Vec::new(),
                    app: None,
                    viewers: Vec::new(),
                });
            }
        }
        out
    }
}

/// Whether a dynamic webhook wants this event: subscribed, its owner may see the
/// issue, its JQL matches, and its field or property filter (if any) names what
/// changed.
fn dynamic_wants(world: &World, hook: &DynamicWebhook, raised: &Raised) -> bool {
    // Every event a dynamic webhook may name is about an issue; one about none
    // (a sprint's, a board's, a project's …) is never a dynamic webhook's.
    let Some(issue) = &raised.issue else {
        return false;
    };
    if !hook.events.contains(&raised.event)
        || !world.may(&hook.owner, &issue.project_key, SeedPermission::Browse)
        || !hook.jql.matches(issue)
    {
        return false;
    }
    // No changelog (a comment's `jira:issue_updated`) names no field, so a field
    // filter excludes it.
    if raised.event == WebhookEvent::IssueUpdated
        && let Some(fields) = &hook.field_ids
        && !raised
            .changed_fields
            .iter()
            .any(|f| fields.iter().any(|w| w == f))
    {
        return false;
    }
    if let (Some(keys), Some(key)) = (&hook.property_keys, &raised.property_key)
        && !keys.contains(key)
    {
        return false;
    }
    true
}
