//! Starting and stopping a server: state, sites, installations, listeners, workers.
//!
//! Shutdown (SIGTERM, SIGINT): readiness turns 503 and new web trigger requests are refused;
//! the listeners stop accepting; in-flight requests and invocations finish, up to the grace
//! period (`limits.shutdown_grace_seconds`); events not yet run stay in the persistent queue
//! for the next start. An event whose invocation is cut off by the deadline stays leased and
//! runs again when its lease expires (at least once, see `dispatch`): workers stop renewing
//! leases when the process ends, so that is one lease (`limits.lease_seconds`) later.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use http::StatusCode;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use kiln_runtime::engine::{FuelMetering, InstanceAllocation};
use kiln_runtime::storage::StorageHost;
use kiln_runtime::{EngineHost, EngineSettings, RuntimeOptions};
use kiln_state::forge_sql::{ForgeSqlLimits, ForgeSqlStore};
use kiln_state::serve::UnixMillis;
use kiln_state::{AppStorage, ServeLimits, ServeState, StateLocation, StorageLimits};
use secrecy::{ExposeSecret, SecretString};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinHandle;

use crate::clock::Clock;
use crate::config::{LimitsConfig, SIMULATOR_SITE, ServeConfig};
use crate::endpoint::Endpoint;
use crate::error::StartError;
use crate::host::{AppBundles, Host, SiteHost};
use crate::metrics::{JiraCallCounter, Metrics};
use crate::shared::Shared;
use crate::{admin, dispatch, installations, sites, web_trigger, webhook};

/// The environment of installations made for apps named on the command line.
pub const DEFAULT_ENVIRONMENT: &str = "development";

/// Largest header block a client may send, bytes (hyper's minimum buffer is 8 KiB).
const MAX_HEADER_BYTES: usize = 64 * 1024;
/// How long an app's config variables, once read, serve its invocations without another
/// query: the same bound as a resolved web trigger id ([`web_trigger::cache::FRESH_FOR`]).
/// A `runtime variables set` reaches every replica within it; Forge applies one only at
/// the next deploy.
const CONFIG_VARIABLES_FRESH_FOR: Duration = web_trigger::cache::FRESH_FOR;

/// Everything a server needs; the CLI fills it from arguments and `kiln.toml`.
pub struct ServeOptions {
    pub config: ServeConfig,
    /// The apps, resolved (built) by the caller. Apps without a `[[installation]]` are
    /// installed on the embedded simulator.
    pub apps: AppBundles,
    /// Overrides `listen` in the config.
    pub listen: Option<SocketAddr>,
    /// Overrides `[admin] listen` in the config.
    pub admin_listen: Option<SocketAddr>,
    /// Overrides `state` in the config (`--state`, `$KILN_STATE`).
    pub state: Option<StateLocation>,
    /// `$KILN_STORAGE_KEY`: seals app storage's secrets (see [`crate::storage_key`]).
    pub storage_key: Option<SecretString>,
    /// `$KILN_STORAGE_KEY_PREVIOUS`: earlier keys, read but never sealed with (rotation).
    pub previous_storage_keys: Option<SecretString>,
    /// `Some`: time stands still at this instant until moved through the admin API.
    pub manual_clock: Option<UnixMillis>,
    /// The admin token; without one (and without `admin.token_file`) there is no admin API.
    pub admin_token: Option<SecretString>,
}

/// A started server.
pub struct Running {
    shared: Arc<Shared>,
    endpoints: Vec<Endpoint>,
    listeners: Vec<JoinHandle<()>>,
    workers: Vec<JoinHandle<()>>,
}

pub async fn start(options: ServeOptions) -> Result<Running, StartError> {
    let ServeOptions {
        config,
        apps,
        listen,
        admin_listen,
        state,
        storage_key,
        previous_storage_keys,
        manual_clock,
        admin_token,
    } = options;
    let limits = config.limits;
    let metrics = Arc::new(Metrics::new());
    let clock = manual_clock.map_or(Clock::System, Clock::manual);
    let (state, app_storage, forge_sql) = open_state(
        state.or(config.state),
        storage_key.as_ref(),
        previous_storage_keys.as_ref(),
        limits.lease(),
        &clock,
    )
    .await?;
    let policy = match &config.policy {
        Some(path) => kiln_runtime::consent::OperatorPolicy::load(path)
            .map_err(|e| StartError::Site(e.to_string()))?,
        None => kiln_runtime::consent::OperatorPolicy::default(),
    };
    // Every app a site's runtime may load is one of `apps`: fuel is counted
    // only if one of them sets a budget.
    let fuel = FuelMetering::for_manifests(apps.iter().map(|app| &app.manifest));
    // One pool for every site, of the configured size.
    let allocation = InstanceAllocation::Pooling {
        max_concurrent_instances: limits.instances,
    };
    // Apps' async events go to the persistent queue, whose workers this wakes.
    let queued = Arc::new(tokio::sync::Notify::new());
    // One sink per site: it names installations as serve state does (by the site's key),
    // where the runtime names them by the site's storage name.
    let runtime_options = |site_key: &str| RuntimeOptions {
        events: Some(Arc::new(crate::events::ServeEvents::new(
            state.clone(),
            clock.clone(),
            queued.clone(),
            site_key.to_owned(),
        ))),
        audit: Arc::new(JiraCallCounter(metrics.clone())),
        storage: Some(app_storage.clone()),
        forge_sql: forge_sql.clone(),
        policy: policy.clone(),
        fuel,
        allocation,
        ..RuntimeOptions::default()
    };

    let configured_apps: std::collections::HashSet<&str> = config
        .installations
        .iter()
        .map(|i| i.app.as_str())
        .collect();
    let needs_simulator = config
        .installations
        .iter()
        .any(|i| i.site == SIMULATOR_SITE)
        || apps
            .iter()
            .any(|a| !configured_apps.contains(a.manifest.app.id.as_str()));
    // One engine, pool and compiled copy of each app for every site, built with the
    // engine settings `runtime_options` gives every site alike.
    let engine_host = EngineHost::new(EngineSettings::of(&runtime_options(SIMULATOR_SITE)))
        .map_err(|e| StartError::Site(e.to_string()))?;
    let mut site_hosts: Vec<SiteHost> = Vec::new();
    if needs_simulator {
        site_hosts.push(
            sites::embedded_simulator(
                &engine_host,
                runtime_options(SIMULATOR_SITE),
                config.simulator.webhook_secret_file.as_deref(),
            )
            .await?,
        );
    }
    for entry in &config.sites {
        site_hosts.push(sites::configured(
            entry,
            &engine_host,
            runtime_options(sites::site_key(entry)),
        )?);
    }
    let host = Host::new(apps, site_hosts, policy.clone());

    let admin_token = match (&admin_token, &config.admin.token_file) {
        (Some(token), _) => Some(token.clone()),
        (None, Some(path)) => Some(SecretString::from(
            crate::secret_file::read_private(path)
                .map_err(StartError::AdminToken)?
                .trim()
                .to_owned(),
        )),
        (None, None) => None,
    };
    if admin_token
        .as_ref()
        .is_some_and(|t| t.expose_secret().len() < 16)
    {
        return Err(StartError::AdminToken("at least 16 characters".into()));
    }

    let listen = listen
        .or(config.listen)
        .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080)));
    let listener = TcpListener::bind(listen)
        .await
        .map_err(|source| StartError::Listen {
            addr: listen,
            source,
        })?;
    let bound = listener.local_addr().map_err(|source| StartError::Listen {
        addr: listen,
        source,
    })?;
    let public_url = config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{bound}"))
        .trim_end_matches('/')
        .to_owned();
    let shared = Arc::new(Shared::new(
        host,
        state,
        clock,
        metrics,
        limits,
        public_url.clone(),
        admin_token,
        queued,
    ));

    let mut endpoints = vec![Endpoint::Listening { url: public_url }];
    let mut listeners = vec![tokio::spawn(accept_loop(
        listener,
        main_router(shared.clone()),
        shared.clone(),
    ))];
    if shared.admin_token.is_some() {
        let admin_listen = admin_listen
            .or(config.admin.listen)
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)));
        let admin_listener =
            TcpListener::bind(admin_listen)
                .await
                .map_err(|source| StartError::Listen {
                    addr: admin_listen,
                    source,
                })?;
        let admin_bound = admin_listener
            .local_addr()
            .map_err(|source| StartError::Listen {
                addr: admin_listen,
                source,
            })?;
        endpoints.push(Endpoint::Admin {
            url: format!("http://{admin_bound}"),
        });
        listeners.push(tokio::spawn(accept_loop(
            admin_listener,
            admin::router(shared.clone()),
            shared.clone(),
        )));
    }
    for site in shared.host.sites() {
        sites::register_with_simulator(site, bound.port())?;
        if let Some(simulator) = &site.simulator {
            endpoints.push(Endpoint::Simulator {
                base_url: simulator.base_url().to_owned(),
                cloud_id: simulator.cloud_id().to_owned(),
                users: simulator
                    .users()
                    .iter()
                    .map(|u| crate::endpoint::SimulatorUser {
                        email: u.email.clone(),
                        account_id: u.account_id.clone(),
                        api_token: u.api_token.clone(),
                    })
                    .collect(),
            });
        }
        if site.webhook_secret.is_some() || site.oauth_client_secret.is_some() {
            endpoints.push(Endpoint::Webhook {
                site: site.name.clone(),
                url: shared.webhook_url(&site.name),
            });
        }
    }

    // Installations: the configuration's, then one on the simulator for each app it does
    // not install, then any the admin API registered earlier for apps and sites served now.
    for entry in &config.installations {
        let site = shared
            .host
            .site(&entry.site)
            .cloned()
            .ok_or_else(|| StartError::Site(format!("unknown site {:?}", entry.site)))?;
        let made = installations::reconcile(
            &shared,
            &entry.app,
            &site,
            &entry.environment,
            installations::Source::Configured {
                scopes: entry.scopes.as_deref(),
                sha256: entry.sha256.as_ref(),
            },
        )
        .await
        .map_err(|e| StartError::Installation {
            app: entry.app.clone(),
            site: entry.site.clone(),
            message: e.to_string(),
        })?;
        endpoints.extend(made);
    }
    let unconfigured: Vec<String> = shared
        .host
        .bundles()
        .map(|b| b.manifest.app.id.clone())
        .filter(|id| !configured_apps.contains(id.as_str()))
        .collect();
    if let Some(simulator) = shared.host.site(SIMULATOR_SITE).cloned() {
        for app in unconfigured {
            let made = installations::reconcile(
                &shared,
                &app,
                &simulator,
                DEFAULT_ENVIRONMENT,
                installations::Source::Configured {
                    scopes: None,
                    sha256: None,
                },
            )
            .await
            .map_err(|e| StartError::Installation {
                app: app.clone(),
                site: SIMULATOR_SITE.into(),
                message: e.to_string(),
            })?;
            endpoints.extend(made);
        }
    }
    let registered = shared
        .state
        .list_installations()
        .await
        .map_err(|e| StartError::State(e.to_string()))?;
    for record in registered {
        if shared.host.installed(&record.installation).is_some()
            || shared.host.bundle(record.installation.app_id()).is_none()
            || shared
                .host
                .site_by_key(record.installation.site())
                .is_none()
        {
            continue;
        }
        let Some(site) = shared.host.site_by_key(record.installation.site()).cloned() else {
            continue;
        };
        match installations::reconcile(
            &shared,
            record.installation.app_id(),
            &site,
            record.installation.environment(),
            installations::Source::Registered,
        )
        .await
        {
            Ok(made) => endpoints.extend(made),
            Err(error) => tracing::warn!(%error, "a registered installation cannot be served"),
        }
    }

    let mut workers: Vec<JoinHandle<()>> = (0..limits.workers)
        .map(|_| tokio::spawn(dispatch::worker(shared.clone(), shared.stop.subscribe())))
        .collect();
    // A 3LO site's dynamic webhooks are registered by serve itself (`webhook::registrar`);
    // its task is awaited at shutdown like a worker, so it releases the site's lease.
    let holder = webhook::registrar::holder();
    for site in shared.host.sites() {
        if site.oauth_client_secret.is_none() {
            continue;
        }
        let jql = config
            .sites
            .iter()
            .find(|entry| entry.name == site.name)
            .and_then(|entry| entry.webhook_jql.clone())
            .unwrap_or_else(|| webhook::registration::DEFAULT_JQL.to_owned());
        workers.push(tokio::spawn(webhook::registrar::run(
            shared.clone(),
            site.clone(),
            jql,
            holder.clone(),
            shared.stop.subscribe(),
        )));
    }
    tokio::spawn(maintenance(
        shared.clone(),
        app_storage.clone(),
        shared.stop.subscribe(),
    ));
    Ok(Running {
        shared,
        endpoints,
        listeners,
        workers,
    })
}

impl Running {
    pub fn endpoints(&self) -> &[Endpoint] {
        &self.endpoints
    }

    /// Stops as described in the module docs; returns when done or the grace period ends.
    pub async fn shutdown(self) {
        let grace = self.shared.limits.shutdown_grace();
        self.shared.start_draining();
        let _ = self.shared.stop.send(true);
        tracing::info!(
            grace_seconds = grace.as_secs(),
            "shutting down: finishing in-flight work"
        );
        let workers = self.shared.limits.workers;
        let run_slots = self.shared.run_slots.clone();
        let all = async {
            for handle in self.listeners.into_iter().chain(self.workers) {
                let _ = handle.await;
            }
            // Every run slot back: the webhook fast path's runs have finished too.
            let _ = run_slots.acquire_many(workers as u32).await;
        };
        if tokio::time::timeout(grace, all).await.is_err() {
            tracing::warn!(
                "grace period over: unfinished events stay leased and run again after their lease expires"
            );
        }
    }
}

/// Opens the state once: serve state (queue, installations, schedules) and the apps' storage
/// share one database. Only [`StateLocation::describe`] is logged (no password).
async fn open_state(
    location: Option<StateLocation>,
    storage_key: Option<&SecretString>,
    previous_storage_keys: Option<&SecretString>,
    lease: Duration,
    clock: &Clock,
) -> Result<(ServeState, StorageHost, Option<Arc<ForgeSqlStore>>), StartError> {
    let location = match location {
        Some(location) => location,
        None => StateLocation::Sqlite(kiln_state::default_state_path().ok_or_else(|| {
            StartError::State(
                "no data directory; set KILN_DATA_DIR, --state or `state` in kiln.toml".into(),
            )
        })?),
    };
    let cipher = crate::storage_key::cipher(&location, storage_key, previous_storage_keys)?;
    let backends = location
        .open()
        .await
        .map_err(|e| StartError::State(format!("{}: {e}", location.describe())))?;
    tracing::info!(state = %location.describe(), storage_key_id = %cipher.key_id_hex(), previous_storage_key_ids = ?cipher.previous_key_ids_hex(), lease_seconds = lease.as_secs(), "state opened");
    // Forge SQL's databases live with the state (kiln_state::forge_sql::store).
    let forge_sql = Some(Arc::new(ForgeSqlStore::for_state(
        &location,
        &backends,
        ForgeSqlLimits::default(),
    )));
    let storage = StorageHost::new(
        AppStorage::new(backends.storage, StorageLimits::default(), cipher)
            .with_clock(clock.for_storage()),
    )
    .with_variables_fresh_for(CONFIG_VARIABLES_FRESH_FOR);
    Ok((
        ServeState::new(
            backends.serve,
            ServeLimits {
                lease,
                ..ServeLimits::default()
            },
        ),
        storage,
        forge_sql,
    ))
}

/// The main listener: what Jira, web trigger callers, the orchestrator's probes and the
/// metrics scraper reach.
///
/// `/metrics` is here, not on the admin listener: a Prometheus inside the cluster scrapes
/// each pod's serving port without credentials, while the admin listener is loopback by
/// default, absent without an admin token, and its token can install and uninstall apps —
/// no scraper should hold it. A public ingress forwards only `/x1/` and `/webhooks/`
/// (docs/operations.md, "Metrics").
fn main_router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/x1/{id}", any(web_trigger::handle_root))
        // `…/x1/<id>/`: no path after the id either (the wildcard below takes none).
        .route("/x1/{id}/", any(web_trigger::handle_root))
        .route("/x1/{id}/{*rest}", any(web_trigger::handle_sub))
        .route("/webhooks/jira/{site}", post(webhook::handle))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(shared)
}

async fn healthz() -> Response {
    axum::Json(serde_json::json!({ "status": "ok" })).into_response()
}

/// How long readiness waits for the database.
const READY_DATABASE_TIMEOUT: Duration = Duration::from_secs(2);

/// Ready: not draining, and the state database answers (a replica that cannot reach it
/// could accept nothing). Liveness (`/healthz`) never asks the database, so an outage makes
/// replicas unready, not restarted all at once.
async fn readyz(State(shared): State<Arc<Shared>>) -> Response {
    if shared.draining() {
        return crate::reply::error(StatusCode::SERVICE_UNAVAILABLE, "shutting down");
    }
    match tokio::time::timeout(READY_DATABASE_TIMEOUT, shared.state.queue_depth()).await {
        Ok(Ok(_)) => axum::Json(serde_json::json!({ "status": "ready" })).into_response(),
        Ok(Err(error)) => {
            tracing::warn!(%error, "not ready: the state database does not answer");
            crate::reply::error(StatusCode::SERVICE_UNAVAILABLE, "state unavailable")
        }
        Err(_) => crate::reply::error(StatusCode::SERVICE_UNAVAILABLE, "state unavailable"),
    }
}

async fn metrics(State(shared): State<Arc<Shared>>) -> Response {
    if let Ok(depth) = shared.state.queue_depth().await {
        shared
            .metrics
            .queue_depth
            .set(i64::try_from(depth).unwrap_or(i64::MAX));
    }
    (
        [(
            http::header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        shared.metrics.encode(),
    )
        .into_response()
}

/// Accepts connections until the stop signal, each served by hyper's HTTP/1 with the
/// header count, header size and header-read timeout limits; then lets open requests
/// finish (up to the grace period).
async fn accept_loop(listener: TcpListener, router: Router, shared: Arc<Shared>) {
    let limits: LimitsConfig = shared.limits;
    let connections = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut stop = shared.stop.subscribe();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                // Over the connection limit: close at once rather than queue without bound.
                let Ok(permit) = connections.clone().try_acquire_owned() else {
                    drop(stream);
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let mut builder = hyper::server::conn::http1::Builder::new();
                builder
                    .timer(TokioTimer::new())
                    .header_read_timeout(limits.client_timeout())
                    .max_headers(limits.max_headers)
                    .max_buf_size(MAX_HEADER_BYTES)
                    .keep_alive(true);
                let connection = builder.serve_connection(
                    TokioIo::new(stream),
                    TowerToHyperService::new(router.clone()),
                );
                let connection = graceful.watch(connection);
                tokio::spawn(async move {
                    let _ = connection.await;
                    drop(permit);
                });
            }
            _ = stop.changed() => break,
        }
    }
    drop(listener);
    let grace = limits.shutdown_grace();
    let _ = tokio::time::timeout(grace, graceful.shutdown()).await;
}

/// Periodic upkeep: the queue depth gauge; hourly, forgetting expired delivery records and
/// async-event jobs past their retention, and removing expired app storage values (which
/// every read already treats as absent: the sweep only frees their space).
async fn maintenance(
    shared: Arc<Shared>,
    app_storage: StorageHost,
    mut stop: watch::Receiver<bool>,
) {
    let mut last_purge = shared.clock.now();
    loop {
        if let Ok(depth) = shared.state.queue_depth().await {
            shared
                .metrics
                .queue_depth
                .set(i64::try_from(depth).unwrap_or(i64::MAX));
        }
        let now = shared.clock.now();
        if now.0 - last_purge.0 > 3_600_000 {
            last_purge = now;
            match shared.state.purge_deliveries(now).await {
                Ok(purged) if purged > 0 => {
                    tracing::info!(purged, "expired delivery records forgotten")
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "cannot purge delivery records"),
            }
            match shared.state.purge_jobs(now).await {
                Ok(purged) if purged > 0 => tracing::info!(purged, "finished jobs forgotten"),
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "cannot purge jobs"),
            }
            purge_expired_values(&app_storage, now).await;
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(5)) => {}
            _ = stop.changed() => return,
        }
    }
}

/// Removes expired app storage values, a bounded batch at a time, until a batch comes back
/// short (or a sweep's worth of batches ran: the next hour takes the rest).
async fn purge_expired_values(app_storage: &StorageHost, now: UnixMillis) {
    const BATCHES_PER_SWEEP: u32 = 100;
    let batch = kiln_state::storage::MAX_PURGE_BATCH;
    for _ in 0..BATCHES_PER_SWEEP {
        match app_storage.storage().purge_expired(now, batch).await {
            Ok(removed) => {
                if removed > 0 {
                    tracing::info!(removed, "expired app storage values removed");
                }
                if removed < u64::from(batch) {
                    return;
                }
            }
            Err(error) => {
                tracing::warn!(%error, "cannot remove expired app storage values");
                return;
            }
        }
    }
}

/// Resolves on SIGTERM or SIGINT (Ctrl-C).
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
