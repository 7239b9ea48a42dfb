//! State shared by every request of one simulator run.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard, PoisonError};

use axum::http::HeaderMap;
use subtle::ConstantTimeEq as _;
use tokio::sync::watch;

use crate::app_clients::AppClients;
use crate::config::{AppClientConfig, OAuthClientConfig};
use crate::credentials::{Grant, Identity, Presented, Principal, presented};
use crate::faults::Faults;
use crate::oauth::OAuthStore;
use crate::request_log::RecordedRequest;
use crate::user::SimUser;
use crate::webhooks::delivery::{Deliveries, Delivery};
use crate::webhooks::event::Raised;
use crate::world::World;

/// Oldest entries are dropped past this many, so an app looping on requests for a
/// long session cannot grow the simulator's memory without bound.
const REQUEST_LOG_CAPACITY: usize = 100_000;

pub(crate) struct Shared {
    world: Mutex<World>,
    log: Mutex<VecDeque<RecordedRequest>>,
    faults: Mutex<Faults>,
    oauth: Mutex<OAuthStore>,
    pub(crate) oauth_client: OAuthClientConfig,
    pub(crate) app_clients: AppClients,
    pub(crate) base_url: String,
    pub(crate) cloud_id: String,
    pub(crate) users: Vec<SimUser>,
    shutdown: watch::Sender<bool>,
    pub(crate) deliveries: Deliveries,
}

/// Locks `mutex`, carrying on after a panic elsewhere: every critical section leaves
/// the data consistent before anything that can panic, so poisoning carries no
/// information here and must not take the whole simulator down.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    #[expect(
        clippy::too_many_arguments,
        reason = "called once, by Simulator::start, with each part named"
    )]
    pub(crate) fn new(
        world: World,
        faults: Faults,
        oauth_client: OAuthClientConfig,
        app_client: AppClientConfig,
        base_url: String,
        cloud_id: String,
        users: Vec<SimUser>,
        shutdown: watch::Sender<bool>,
        deliveries: Deliveries,
    ) -> Self {
        Self {
            world: Mutex::new(world),
            log: Mutex::new(VecDeque::new()),
            faults: Mutex::new(faults),
            oauth: Mutex::new(OAuthStore::default()),
            oauth_client,
            app_clients: AppClients::new(app_client),
            base_url,
            cloud_id,
            users,
            shutdown,
            deliveries,
        }
    }

    /// Queues the deliveries `raised` makes. Call it with the world still locked
    /// by the write that raised them: that is what keeps deliveries in write order.
    pub(crate) fn emit(&self, world: &World, raised: Vec<Raised>) {
        for event in raised {
            for target in world.webhooks.targets(world, &event) {
                let mut payload = event.payload.clone();
                if !target.viewers.is_empty()
                    && let Some(issue) = payload.get_mut("issue")
                {
                    crate::platform::issue_link::hide_unbrowsable(world, issue, &target.viewers);
                    crate::platform::hierarchy::hide_unbrowsable(world, issue, &target.viewers);
                }
                if !target.matched.is_empty() {
                    payload.insert(
                        String::from("matchedWebhookIds"),
                        serde_json::json!(target.matched),
                    );
                }
                // Kiln's extension, for the host that registered an admin
                // webhook (`webhooks::acting_app`): inside the body, so the
                // delivery's `X-Hub-Signature` covers it. Not on a dynamic
                // webhook's delivery, which is Jira's to an OAuth 2.0 app.
                if target.app.is_none()
                    && let Some(app) = &event.acting_app
                {
                    payload.insert(
                        String::from(crate::webhooks::acting_app::FIELD),
                        serde_json::json!(app),
                    );
                }
                let body = serde_json::Value::Object(payload).to_string();
                self.deliveries.enqueue(Delivery {
                    id: uuid::Uuid::new_v4().to_string(),
                    url: target.url,
                    body: body.into_bytes().into(),
                    secret: target.secret,
                    app_key: target.app.as_deref().and_then(|app| self.app_key(app)),
                    app: target.app,
                    cloud_id: self.cloud_id.as_str().into(),
                });
            }
        }
    }

    /// The OAuth 2.0 app with this client id, and the secret its dynamic webhooks' deliveries are
    /// signed with.
    fn app_key(&self, client_id: &str) -> Option<crate::webhooks::bearer::AppKey> {
        let key = |client_id: &str, client_secret: &str| crate::webhooks::bearer::AppKey {
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
        };
        if client_id == self.oauth_client.client_id {
            Some(key(client_id, &self.oauth_client.client_secret))
        } else {
            self.app_clients
                .find(client_id)
                .map(|(_, app)| key(client_id, &app.client_secret))
        }
    }

    /// The integration of the app `app_id` (`AppClients::for_app`), acting as
    /// an account of the app's own made on the site
    /// (`World::add_app_account`). The world stays locked while the
    /// integration is given, so no token of it is issued before its account is
    /// on the site.
    pub(crate) fn app_client_for(
        &self,
        app_id: &str,
    ) -> Result<AppClientConfig, crate::app_clients::TooManyApps> {
        let mut world = self.world();
        self.app_clients.for_app(app_id, |configured| {
            world.add_app_account(app_id, &configured.acts_as)
        })
    }

    /// The account the tokens of the integration at `index` act as: its app's
    /// own, or for the configured integration given to no app the seeded user
    /// it acts as.
    pub(crate) fn acting_account(
        &self,
        index: crate::app_clients::AppClientIndex,
        client: &AppClientConfig,
    ) -> Option<String> {
        self.app_clients
            .account(index)
            .or_else(|| self.user(&client.acts_as).map(|u| u.account_id.clone()))
    }

    /// The seeded user with this email (case-insensitive).
    pub(crate) fn user(&self, email: &str) -> Option<&SimUser> {
        self.users
            .iter()
            .find(|u| u.email.eq_ignore_ascii_case(email))
    }

    /// What webhook payloads need: the world, site links, the acting user
    /// and the app (integration) that acted for them, if any.
    pub(crate) fn event_context<'a>(
        &'a self,
        world: &'a World,
        caller: &'a crate::access::Caller,
    ) -> crate::webhooks::event::Context<'a> {
        crate::webhooks::event::Context {
            world,
            links: &self.base_url,
            actor: &caller.account_id,
            app: caller.acting_app.as_deref(),
        }
    }

    /// The per-app API token the integration `client_id` was given for its
    /// app's `asUser()` calls (`AppClients::user_token`).
    pub(crate) fn user_token_for(
        &self,
        client_id: &str,
    ) -> Option<crate::app_clients::AppUserToken> {
        self.app_clients.user_token(client_id)
    }

    pub(crate) fn world(&self) -> MutexGuard<'_, World> {
        lock(&self.world)
    }

    pub(crate) fn oauth(&self) -> MutexGuard<'_, OAuthStore> {
        lock(&self.oauth)
    }

    pub(crate) fn faults(&self) -> Faults {
        lock(&self.faults).clone()
    }

    pub(crate) fn set_faults(&self, faults: Faults) {
        *lock(&self.faults) = faults;
    }

    pub(crate) fn log(&self, entry: RecordedRequest) {
        let mut log = lock(&self.log);
        if log.len() == REQUEST_LOG_CAPACITY {
            log.pop_front();
        }
        log.push_back(entry);
    }

    pub(crate) fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.log).iter().cloned().collect()
    }

    pub(crate) fn clear_requests(&self) {
        lock(&self.log).clear();
    }

    pub(crate) fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    pub(crate) fn signal_shutdown(&self) {
        self.shutdown.send_replace(true);
    }

    /// The user whose API token this is, compared in constant time so response timing
    /// does not reveal how much of a guessed token was right.
    pub(crate) fn user_with_token(&self, email: &str, token: &str) -> Option<&SimUser> {
        let user = self.user(email)?;
        bool::from(user.api_token.as_bytes().ct_eq(token.as_bytes())).then_some(user)
    }

    /// Checks the request's credential: an API token for basic auth, an unexpired,
    /// unrevoked access token for bearer.
    pub(crate) fn identify(&self, headers: &HeaderMap) -> Identity {
        match presented(headers) {
            Presented::None => Identity::Anonymous,
            Presented::Malformed => Identity::Rejected,
            Presented::Basic { email, token } => {
                let (user, for_app) = match self.user_with_token(&email, &token) {
                    Some(user) => (Some(user), None),
                    None => match self.app_clients.with_user_token(&email, &token) {
                        Some(index) => (self.user(&email), Some(index)),
                        None => (None, None),
                    },
                };
                match user {
                    Some(user) => Identity::Verified(Principal {
                        account_id: user.account_id.clone(),
                        grant: Grant::ApiToken,
                        for_app,
                    }),
                    None => Identity::Rejected,
                }
            }
            Presented::Bearer(token) => match self.oauth().access(&token) {
                Some((account_id, scopes, app)) => Identity::Verified(Principal {
                    account_id,
                    grant: Grant::OAuth { scopes, app },
                    for_app: None,
                }),
                None => Identity::Rejected,
            },
        }
    }
}
