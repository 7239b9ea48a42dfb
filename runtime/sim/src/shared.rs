//! State shared by every request of one simulator run.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard, PoisonError};

use axum::http::HeaderMap;
use subtle::ConstantTimeEq as _;
use tokio::sync::watch;

use crate::config::{AppClientConfig, OAuthClientConfig};
use crate::credentials::{Grant, Identity, Presented, Principal, presented};
use crate::faults::Faults;
use crate::oauth::OAuthStore;
use crate::request_log::RecordedRequest;
use crate::user::SimUser;
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
    pub(crate) app_client: AppClientConfig,
    pub(crate) base_url: String,
    pub(crate) cloud_id: String,
    pub(crate) users: Vec<SimUser>,
    shutdown: watch::Sender<bool>,
}

/// Locks `mutex`, carrying on after a panic elsewhere: every critical section leaves
/// the data consistent before anything that can panic, so poisoning carries no
/// information here and must not take the whole simulator down.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    pub(crate) fn new(
        world: World,
        faults: Faults,
        oauth_client: OAuthClientConfig,
        app_client: AppClientConfig,
        base_url: String,
        cloud_id: String,
        users: Vec<SimUser>,
    ) -> Self {
        Self {
            world: Mutex::new(world),
            log: Mutex::new(VecDeque::new()),
            faults: Mutex::new(faults),
            oauth: Mutex::new(OAuthStore::default()),
            oauth_client,
            app_client,
            base_url,
            cloud_id,
            users,
            shutdown: watch::Sender::new(false),
        }
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
        let user = self
            .users
            .iter()
            .find(|u| u.email.eq_ignore_ascii_case(email))?;
        bool::from(user.api_token.as_bytes().ct_eq(token.as_bytes())).then_some(user)
    }

    /// Checks the request's credential: an API token for basic auth, an unexpired,
    /// unrevoked access token for bearer.
    pub(crate) fn identify(&self, headers: &HeaderMap) -> Identity {
        match presented(headers) {
            Presented::None => Identity::Anonymous,
            Presented::Malformed => Identity::Rejected,
            Presented::Basic { email, token } => match self.user_with_token(&email, &token) {
                Some(user) => Identity::Verified(Principal {
                    account_id: user.account_id.clone(),
                    grant: Grant::ApiToken,
                }),
                None => Identity::Rejected,
            },
            Presented::Bearer(token) => match self.oauth().access(&token) {
                Some((account_id, scopes)) => Identity::Verified(Principal {
                    account_id,
                    grant: Grant::OAuth { scopes },
                }),
                None => Identity::Rejected,
            },
        }
    }
}
