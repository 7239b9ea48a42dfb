//! Starting, inspecting and stopping a simulator.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::access;
use crate::clock::SimClock;
use crate::config::SimConfig;
use crate::error::SimError;
use crate::faults::{self, Faults};
use crate::request_log::{self, RecordedRequest};
use crate::reset_listener::FaultyListener;
use crate::shared::Shared;
use crate::user::{SimUser, new_api_token};
use crate::webhooks::delivery::Deliveries;
use crate::webhooks::registry::prepare_admin;
use crate::webhooks::{AdminWebhook, WebhookError};
use crate::world::World;
use crate::write_budget::{self, WriteBudget};
use crate::{devops, not_modelled, oauth, ops, platform, software, tenant_info};

/// How long [`Simulator::shutdown`] waits for open connections to finish before
/// dropping them; a client holding a connection open must not hang a test run.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// A running simulated site. Dropping it stops the server in the background;
/// [`Simulator::shutdown`] stops it and waits.
pub struct Simulator {
    shared: Arc<Shared>,
    server: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field("base_url", &self.shared.base_url)
            .field("cloud_id", &self.shared.cloud_id)
            .finish_non_exhaustive()
    }
}

impl Simulator {
    /// Builds the site from `config.seed`, binds `config.listen` and serves on the
    /// current tokio runtime.
    pub async fn start(config: SimConfig) -> Result<Simulator, SimError> {
        let mut world = World::from_seed(&config.seed)?;
        world.clock = config.clock;
        for hook in &config.seed.webhooks {
            let (url, jql) = prepare_admin(&world, hook, config.webhooks.targets)
                .map_err(|e| SimError::Seed(format!("webhook {:?}: {e}", hook.name)))?;
            world
                .webhooks
                .add_admin(hook, url, jql)
                .map_err(|e| SimError::Seed(format!("webhook {:?}: {e}", hook.name)))?;
        }
        let shutdown = watch::Sender::new(false);
        let deliveries =
            Deliveries::new(config.webhooks, world.clock.clone(), shutdown.subscribe())?;
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|source| SimError::Bind {
                addr: config.listen,
                source,
            })?;
        let local = listener.local_addr().map_err(|source| SimError::Bind {
            addr: config.listen,
            source,
        })?;
        let users = world
            .users
            .iter()
            .map(|u| SimUser {
                account_id: u.account_id.clone(),
                email: u.email.clone(),
                display_name: u.display_name.clone(),
                api_token: new_api_token(),
            })
            .collect();
        let shared = Arc::new(Shared::new(
            world,
            config.faults,
            config.oauth,
            config.app_client.acting_in(&config.seed),
            format!("http://{local}"),
            config
                .cloud_id
                .unwrap_or_else(uuid::Uuid::new_v4)
                .to_string(),
            users,
            shutdown,
            deliveries,
        ));
        let app = router(
            Arc::clone(&shared),
            WriteBudget::new(config.write_budget_bytes),
        );
        let listener = FaultyListener::new(listener, Arc::clone(&shared));
        let mut stop = shared.shutdown_signal();
        let server = tokio::spawn(async move {
            let graceful = axum::serve(listener, app).with_graceful_shutdown(async move {
                let _ = stop.wait_for(|stopped| *stopped).await;
            });
            if let Err(error) = graceful.await {
                tracing::warn!(%error, "kiln-sim server stopped with an error");
            }
        });
        tracing::info!(base_url = %shared.base_url, "kiln-sim listening");
        Ok(Simulator {
            shared,
            server: Some(server),
        })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// The site's cloud id: a random UUID per start.
    pub fn cloud_id(&self) -> &str {
        &self.shared.cloud_id
    }

    /// The seeded users with this run's API tokens.
    pub fn users(&self) -> &[SimUser] {
        &self.shared.users
    }

    /// The seeded user with this email (case-insensitive).
    pub fn user(&self, email: &str) -> Option<&SimUser> {
        self.shared.user(email)
    }

    /// The OAuth client the authorization server accepts.
    pub fn oauth_client(&self) -> &crate::config::OAuthClientConfig {
        &self.shared.oauth_client
    }

    /// The client-credentials integration the site was configured with: the
    /// app principal's when one app runs on the site (`runtime run`, which
    /// gives it to its app with [`Simulator::app_client_for`], so the app acts
    /// as its own account).
    pub fn app_client(&self) -> crate::config::AppClientConfig {
        self.shared.app_clients.configured()
    }

    /// The client-credentials integration of the app `app_id`, for a host that
    /// runs several apps on this site (`runtime serve`): Jira keys what an app
    /// owns (its app properties, its custom fields' values, its dynamic
    /// webhooks) by the app, so each app calls as its own. The first app to ask
    /// is given the configured one ([`Simulator::app_client`]); asking again
    /// gives the same. Every app, the first included, acts as an account of
    /// its own (`accountType: "app"`, named after the app, derived from its id
    /// so the same on every start), made with the configured one's
    /// permissions; the configured integration acts as its seeded user only
    /// while no app has been given it. See `app_clients.rs` and
    /// `world/app_account.rs`.
    pub fn app_client_for(
        &self,
        app_id: &str,
    ) -> Result<crate::config::AppClientConfig, crate::TooManyApps> {
        self.shared.app_client_for(app_id)
    }

    /// The account id the tokens of the integration `client_id` act as: the
    /// author of what it writes and the actor of the webhooks its writes
    /// cause (a host's `ignoreSelf` compares with it). `None` for a client id
    /// the site does not know, or whose service account has no user here.
    pub fn app_account_id(&self, client_id: &str) -> Option<String> {
        let (index, client) = self.shared.app_clients.find(client_id)?;
        self.shared.acting_account(index, &client)
    }

    /// The API token of its person (the integration's `acts_as`, the seeded
    /// admin by default) given to the app of the integration `client_id`
    /// ([`Simulator::app_client_for`]) for its `asUser()` calls. Basic auth
    /// with it is that person in every way (same account, permissions,
    /// `/myself`, authorship), but the webhooks of what it writes name the
    /// app's integration to admin webhooks (`kilnActingApp`), as Forge knows
    /// which app an `asUser()` call came from. Made with the integration,
    /// random, the same for the simulator's life; `None` for a client id the
    /// site does not know or one given to no app. A host attaches it; no
    /// guest should see it.
    pub fn user_token_for(&self, client_id: &str) -> Option<crate::AppUserToken> {
        self.shared.user_token_for(client_id)
    }

    /// Creates the custom fields an app declares (Forge's `jira:customField`
    /// modules) on the site, owned by the app's client-credentials
    /// integration ([`Simulator::app_client_for`]), which alone writes their
    /// values (`/rest/api/3/app/field/value`); returns their ids
    /// (`customfield_N`) in declaration order.
    ///
    /// `app_id` is the manifest's (`ari:cloud:ecosystem::app/<uuid>`: the
    /// UUID goes into each field's type, its extension ARI) and `environment`
    /// the environment the app runs in. Registering the same app, environment
    /// and module key again finds the same field, renamed as declared now,
    /// so an app run or deployed twice keeps its fields' ids. A refusal (a
    /// blank name, more fields than an app or the site holds) changes nothing.
    pub fn register_app_fields(
        &self,
        app_id: &str,
        environment: &str,
        fields: &[kiln_manifest::CustomFieldModule],
    ) -> Result<Vec<String>, SimError> {
        let client_id = self
            .app_client_for(app_id)
            .map_err(|e| SimError::AppFields(e.to_string()))?
            .client_id;
        self.shared
            .world()
            .register_app_fields(&crate::world::app_field::Registration {
                client_id: &client_id,
                app_id,
                environment,
                fields,
            })
            .map_err(|e| SimError::AppFields(e.describe()))
    }

    /// Offers the custom field types an app declares (Forge's
    /// `jira:customFieldType` modules) on the site, and returns their
    /// extension ARIs in declaration order: the `type` a Jira administrator
    /// gives `POST /rest/api/3/field` to create a field of one. Each such
    /// field is the app's as a `jira:customField`'s is (its values and
    /// contexts' configuration are the app's to write). No field is created
    /// here.
    ///
    /// `app_id` and `environment` as for [`Simulator::register_app_fields`].
    /// Registering the same app and environment again replaces its types
    /// (with none, removes them); fields created of them stay. A refusal
    /// changes nothing.
    pub fn register_app_field_types(
        &self,
        app_id: &str,
        environment: &str,
        types: &[kiln_manifest::CustomFieldModule],
    ) -> Result<Vec<String>, SimError> {
        // No types to own: only the app's old ones go, and the app is given
        // no integration for it.
        let client_id = if types.is_empty() {
            String::new()
        } else {
            self.app_client_for(app_id)
                .map_err(|e| SimError::AppFieldTypes(e.to_string()))?
                .client_id
        };
        self.shared
            .world()
            .register_app_field_types(&crate::world::app_field::Registration {
                client_id: &client_id,
                app_id,
                environment,
                fields: types,
            })
            .map_err(|e| SimError::AppFieldTypes(e.describe()))
    }

    /// Indexes the entity property paths an app declares (Forge's
    /// `jira:entityProperty` modules) so that JQL searches them:
    /// `issue.property[key].path` and each value's `searchAlias`, with the
    /// operators of its type (docs/simulator.md, *Entity property JQL*).
    ///
    /// `app_id` is the manifest's. Registering the app again replaces its
    /// indexes with `modules`' (the next run, a redeploy). Only issue
    /// properties are searched: `user` and `project` modules are left out
    /// and counted in [`RegisteredIndexes::skipped_values`]. A refusal (an
    /// alias another app's index has, more values than an app or the site
    /// holds) changes nothing.
    pub fn register_entity_property_indexes(
        &self,
        app_id: &str,
        modules: &[kiln_manifest::EntityPropertyModule],
    ) -> Result<crate::RegisteredIndexes, SimError> {
        self.shared
            .world()
            .register_entity_property_indexes(app_id, modules)
            .map_err(|e| SimError::EntityPropertyIndexes(e.describe()))
    }

    /// The clock the site reads "now" from; moving it changes later answers.
    pub fn clock(&self) -> SimClock {
        self.shared.world().clock.clone()
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.requests()
    }

    pub fn clear_requests(&self) {
        self.shared.clear_requests();
    }

    /// The email notifications apps queued with `POST /rest/api/3/issue/{issueIdOrKey}/notify`
    /// (or v2's), oldest first: what a real site would have mailed, and to whom.
    /// The simulator sends no email.
    pub fn notifications(&self) -> Vec<crate::SentNotification> {
        self.shared.world().notifications.clone()
    }

    /// Replaces the injected faults; applies from the next request (the next
    /// connection, for `reset_connection`).
    pub fn set_faults(&self, faults: Faults) {
        self.shared.set_faults(faults);
    }

    /// Adds an admin webhook, as a site administrator does on Jira's *System →
    /// WebHooks* page: from now on the simulator's writes are delivered to it.
    pub fn add_admin_webhook(&self, hook: &AdminWebhook) -> Result<(), WebhookError> {
        let mut world = self.shared.world();
        let (url, jql) = prepare_admin(&world, hook, self.shared.deliveries.config().targets)?;
        world.webhooks.add_admin(hook, url, jql)
    }

    /// Stops accepting, lets open requests finish (trickling bodies end at once)
    /// and waits for the server task.
    pub async fn shutdown(mut self) {
        self.shared.signal_shutdown();
        if let Some(mut server) = self.server.take()
            && tokio::time::timeout(SHUTDOWN_GRACE, &mut server)
                .await
                .is_err()
        {
            server.abort();
        }
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.shared.signal_shutdown();
    }
}

/// The whole site: platform, Jira Software and DevOps routes on the site and
/// behind the gateway, JSM Ops
/// on its API-token and its OAuth URL, the authorization server; faults and the
/// request log around everything, and the write budget around every write. A route the specs define but the simulator
/// lacks gets a 501 that says so (`not_modelled`).
fn router(shared: Arc<Shared>, budget: Arc<WriteBudget>) -> Router {
    // One DevOps store, shared by the site's routes and the gateway's.
    let devops = devops::new_store();
    let api = Router::new()
        .merge(platform::routes())
        .merge(software::routes())
        .merge(devops::routes(&devops))
        .nest(
            "/ex/jira/{cloud_id}",
            platform::routes()
                .merge(software::routes())
                .merge(devops::routes(&devops)),
        )
        .nest(ops::API_TOKEN_PREFIX, ops::routes())
        .nest(ops::OAUTH_PREFIX, ops::routes())
        // Innermost: only an admitted caller's write is counted or refused.
        .route_layer(from_fn_with_state(budget, write_budget::charge))
        .route_layer(from_fn_with_state(Arc::clone(&shared), access::enforce))
        .route_layer(from_fn(not_modelled::unless_shadowed));
    Router::new()
        .merge(api)
        .merge(oauth::routes())
        .route("/_edge/tenant_info", get(tenant_info::get))
        .fallback(not_modelled::answer)
        .method_not_allowed_fallback(not_modelled::answer)
        .layer(from_fn_with_state(Arc::clone(&shared), faults::inject))
        .layer(from_fn_with_state(Arc::clone(&shared), request_log::record))
        .with_state(shared)
}
