//! The Jira Software DevOps APIs, through which CI/CD and other tools attach
//! their data to issues: builds (`builds.rs`), deployments and their gating
//! status (`deployments.rs`), development information (repositories,
//! commits, branches and pull requests, `devinfo.rs`), feature flags
//! (`feature_flags.rs`) and remote links (`remote_links.rs`). What is stored
//! is in `store.rs`, the properties data is tagged and deleted by in
//! `properties.rs`, the per-entity checks in `schema.rs`, and the APIs' own
//! error bodies in `error.rs`.
//!
//! The rules are the spec's: a submission answers 202 with the entities it
//! accepted and those it rejected (an entity that breaks its schema, or whose
//! issue keys are all unknown), plus the unknown issue keys; a request that
//! is wrong as a whole is a 400, and one with more entities than the spec
//! allows is a 413. Stored data is replaced only by data with a greater
//! `updateSequenceNumber` (`updateSequenceId`); an update that is not newer
//! is ignored but still accepted. Deletions answer 202 whether or not there
//! was anything to delete. Jira processes submissions asynchronously; the
//! simulator stores them before it answers, so a read right after a write
//! sees it.
//!
//! Ownership: on Jira each provider app sees and deletes only the data it
//! submitted. The simulator keys everything by the caller's [`provider`]: the
//! OAuth app for a call through the gateway (whichever user it acts for), and
//! the user for an API-token call, which Jira would refuse (these APIs are
//! for apps) and the simulator serves as that user's own integration. An
//! issue key is known when the caller may browse the issue, so a provider
//! cannot learn of issues it may not see.
//!
//! The state lives beside the [`crate::world::World`], not in it: one
//! [`Store`] per simulator, shared by the site's and the gateway's routes.
//! A handler that needs the world (to know which issue keys exist) reads it
//! first and lets it go before it locks the store, so the two locks are
//! never held together.

mod builds;
mod deployments;
mod devinfo;
mod error;
mod feature_flags;
mod properties;
mod remote_links;
mod schema;
mod store;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use axum::routing::{delete, get, post};
use axum::{Extension, Router};
use serde_json::Value;

use self::error::{DevOpsError, Shape};
use self::store::{Area, Provider};
use crate::access::Caller;
use crate::seed::SeedPermission;
use crate::shared::Shared;

/// The DevOps data of one simulator run.
pub(crate) type Store = Arc<Mutex<DevOps>>;

/// Everything providers have submitted.
#[derive(Debug)]
pub(crate) struct DevOps {
    builds: Area<builds::BuildKey>,
    deployments: Area<deployments::DeploymentKey>,
    feature_flags: Area<String>,
    remote_links: Area<String>,
    repositories: devinfo::Repositories,
}

/// How many entities of each kind the simulator keeps, for all providers
/// together: its bound on memory, not a Jira limit. A submission past it is
/// rejected entity by entity, with a message that says so.
const MAX_STORED: usize = 10_000;

/// An empty store.
pub(crate) fn new_store() -> Store {
    Arc::new(Mutex::new(DevOps {
        builds: Area::new(MAX_STORED),
        deployments: Area::new(MAX_STORED),
        feature_flags: Area::new(MAX_STORED),
        remote_links: Area::new(MAX_STORED),
        repositories: devinfo::Repositories::default(),
    }))
}

/// The DevOps routes, mounted both on the site and behind the gateway with
/// the same `store`.
pub(crate) fn routes(store: &Store) -> Router<Arc<Shared>> {
    Router::new()
        .route("/rest/builds/0.1/bulk", post(builds::submit))
        .route(
            "/rest/builds/0.1/bulkByProperties",
            delete(builds::delete_by_properties),
        )
        .route(
            "/rest/builds/0.1/pipelines/{pipeline_id}/builds/{build_number}",
            get(builds::one).delete(builds::delete),
        )
        .route("/rest/deployments/0.1/bulk", post(deployments::submit))
        .route(
            "/rest/deployments/0.1/bulkByProperties",
            delete(deployments::delete_by_properties),
        )
        .route(
            "/rest/deployments/0.1/pipelines/{pipeline_id}/environments/{environment_id}/deployments/{deployment_sequence_number}",
            get(deployments::one).delete(deployments::delete),
        )
        .route(
            "/rest/deployments/0.1/pipelines/{pipeline_id}/environments/{environment_id}/deployments/{deployment_sequence_number}/gating-status",
            get(deployments::gating_status),
        )
        .route("/rest/devinfo/0.10/bulk", post(devinfo::submit))
        .route(
            "/rest/devinfo/0.10/bulkByProperties",
            delete(devinfo::delete_by_properties),
        )
        .route(
            "/rest/devinfo/0.10/existsByProperties",
            get(devinfo::exists_by_properties),
        )
        .route(
            "/rest/devinfo/0.10/repository/{repository_id}",
            get(devinfo::repository).delete(devinfo::delete_repository),
        )
        .route(
            "/rest/devinfo/0.10/repository/{repository_id}/{entity_type}/{entity_id}",
            delete(devinfo::delete_entity),
        )
        .route("/rest/featureflags/0.1/bulk", post(feature_flags::submit))
        .route(
            "/rest/featureflags/0.1/bulkByProperties",
            delete(feature_flags::delete_by_properties),
        )
        .route(
            "/rest/featureflags/0.1/flag/{feature_flag_id}",
            get(feature_flags::one).delete(feature_flags::delete),
        )
        .route("/rest/remotelinks/1.0/bulk", post(remote_links::submit))
        .route(
            "/rest/remotelinks/1.0/bulkByProperties",
            delete(remote_links::delete_by_properties),
        )
        .route(
            "/rest/remotelinks/1.0/remotelink/{remote_link_id}",
            get(remote_links::one).delete(remote_links::delete),
        )
        .layer(Extension(Arc::clone(store)))
}

/// Whose data a call reads and writes: the OAuth app calling through the
/// gateway, else the user of the API token. The prefixes keep an app's
/// client id and an account id from ever naming the same provider.
pub(crate) fn provider(caller: &Caller) -> Provider {
    match &caller.app {
        Some(app) => format!("app:{app}"),
        None => format!("user:{}", caller.account_id),
    }
}

/// The issues a provider may associate data with: those the caller may
/// browse, by key (upper case, as Jira matches keys without regard to case)
/// and by id. Read once per request, so checking many keys costs one pass
/// over the issues.
pub(crate) struct KnownIssues {
    keys: HashSet<String>,
    ids: HashSet<String>,
    /// "Now" on the site's clock, read with the issues.
    pub(crate) now: time::OffsetDateTime,
}

impl KnownIssues {
    pub(crate) fn of(shared: &Shared, caller: &Caller) -> Self {
        let world = shared.world();
        let visible = world
            .issues
            .iter()
            .filter(|i| world.may(&caller.account_id, &i.project_key, SeedPermission::Browse));
        let mut keys = HashSet::new();
        let mut ids = HashSet::new();
        for issue in visible {
            keys.insert(issue.key.to_ascii_uppercase());
            ids.insert(issue.id.to_string());
        }
        Self {
            keys,
            ids,
            now: world.now(),
        }
    }

    pub(crate) fn has_key(&self, key: &str) -> bool {
        self.keys.contains(&key.to_ascii_uppercase())
    }

    /// An issue key or a numeric issue id.
    pub(crate) fn has_id_or_key(&self, text: &str) -> bool {
        self.ids.contains(text) || self.has_key(text)
    }
}

/// Values a submission did not know, each once, in the order first met.
#[derive(Debug, Default)]
pub(crate) struct Unknown {
    seen: HashSet<String>,
    list: Vec<String>,
}

impl Unknown {
    pub(crate) fn add(&mut self, value: &str) {
        if self.seen.insert(value.to_owned()) {
            self.list.push(value.to_owned());
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub(crate) fn into_list(self) -> Vec<String> {
        self.list
    }
}

/// Sorts `keys` into known and unknown (added to `unknown`); whether any was
/// known.
pub(crate) fn any_known<'a>(
    keys: impl IntoIterator<Item = &'a str>,
    known: impl Fn(&str) -> bool,
    unknown: &mut Unknown,
) -> bool {
    let mut any = false;
    for key in keys {
        if known(key) {
            any = true;
        } else {
            unknown.add(key);
        }
    }
    any
}

/// The strings of an entity's list property `name` (its issue keys).
pub(crate) fn strings<'a>(
    entity: &'a serde_json::Map<String, Value>,
    name: &str,
) -> impl Iterator<Item = &'a str> + 'a {
    entity
        .get(name)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

/// The message for an entity whose issue keys are all unknown: the specs
/// reject it ("only associated with unknown issue keys ... won't be
/// persisted").
pub(crate) const ONLY_UNKNOWN_KEYS: &str =
    "The entity is associated only with unknown issue keys (or with none), so it was not stored.";

/// The message for an entity refused because the simulator keeps no more.
pub(crate) fn store_full(what: &str, cap: usize) -> String {
    format!("Kiln's Jira simulator keeps at most {cap} {what}; delete some first.")
}

/// A submission's required list `name` of entities: a missing or empty list
/// is the spec's 400, a longer one than `max` its 413 ("submit fewer ... in
/// each payload").
pub(crate) fn entity_list<'a>(
    body: &'a serde_json::Map<String, Value>,
    name: &str,
    max: usize,
    shape: Shape,
) -> Result<&'a [Value], DevOpsError> {
    let list = match body.get(name) {
        Some(Value::Array(list)) if !list.is_empty() => list,
        Some(Value::Array(_)) | None | Some(Value::Null) => {
            return Err(DevOpsError::bad_request(
                shape,
                format!("{name}: at least one is required."),
            ));
        }
        Some(_) => {
            return Err(DevOpsError::bad_request(
                shape,
                format!("{name}: must be a list."),
            ));
        }
    };
    if list.len() > max {
        return Err(DevOpsError::too_large(
            shape,
            format!(
                "Data is too large: {} {name} were submitted, at most {max} are allowed. \
                 Submit fewer {name} in each payload.",
                list.len()
            ),
        ));
    }
    Ok(list)
}

/// Adds `schemaVersion`'s default (`1.0`) to stored data that left it out,
/// as the spec's schema defaults it.
pub(crate) fn with_schema_version(
    mut data: serde_json::Map<String, Value>,
) -> serde_json::Map<String, Value> {
    data.entry("schemaVersion")
        .or_insert_with(|| Value::from("1.0"));
    data
}

/// A by-key route's path parameters, or `None` when they cannot be read (not
/// UTF-8 once percent-decoded): nothing can be stored under such a key, so a
/// read is the 404 and a deletion the 202, as for any key never stored,
/// rather than a plain-text refusal the spec does not list.
pub(crate) struct KeyPath<T>(pub(crate) Option<T>);

impl<T, S> axum::extract::FromRequestParts<S> for KeyPath<T>
where
    T: serde::de::DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        let path = axum::extract::Path::<T>::from_request_parts(parts, state).await;
        Ok(Self(path.ok().map(|axum::extract::Path(path)| path)))
    }
}
