//! Deployments (`/rest/deployments/0.1`): submitting them
//! (`submitDeployments`), reading and deleting one by its key
//! (`getDeploymentByKey`, `deleteDeploymentByKey`), its gating status
//! (`getDeploymentGatingStatusByKey`), and deleting by properties
//! (`deleteDeploymentsByProperty`).
//!
//! A deployment is identified by its `pipeline.id`, `environment.id` and
//! `deploymentSequenceNumber`, within the provider that submitted it; one
//! without a usable key fails the whole request (400), as it could not be
//! named in `rejectedDeployments`. It must name issues by `issueKeys`
//! (deprecated) or `associations` (issue keys or ids, services, commits):
//! issue keys and ids are known when the caller may browse the issue, a
//! commit when the same provider submitted it (development information), and
//! services never (the simulator has none). Unknown ones are reported in
//! `unknownIssueKeys` and `unknownAssociations`; a deployment with nothing
//! known is rejected.
//!
//! Gating: the simulator has no change management, so no deployment is
//! gated. A stored deployment's status is `allowed`, with no details (no
//! change request holds it); one the caller has not stored is the spec's 404.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::error::{self, Api, DevOpsError, Shape, Submission, error_messages};
use super::schema::{
    self, Field, INT64, Kind, Problems, TEXT255, URL, Variant, is_issue_id_or_key, issue_keys, opt,
    req,
};
use super::store::Entry;
use super::{
    KeyPath, KnownIssues, ONLY_UNKNOWN_KEYS, Store, Unknown, any_known, properties, provider,
};
use crate::access::Caller;
use crate::shared::{Shared, lock};

/// `(pipeline.id, environment.id, deploymentSequenceNumber)`.
pub(crate) type DeploymentKey = (String, String, i64);

/// The spec's limit on deployments per submission.
const MAX_DEPLOYMENTS: usize = 100;

const STATES: &[&str] = &[
    "unknown",
    "pending",
    "in_progress",
    "cancelled",
    "failed",
    "rolled_back",
    "successful",
];

const ENVIRONMENT_TYPES: &[&str] = &[
    "unmapped",
    "development",
    "testing",
    "staging",
    "production",
];

/// The association types that name issues.
const ISSUE_TYPES: &[&str] = &["issueKeys", "issueIdOrKeys"];

/// The spec's `DeploymentData`.
const DEPLOYMENT: &[Field] = &[
    opt("schemaVersion", Kind::Enum(&["1.0"])),
    req("deploymentSequenceNumber", INT64),
    req("updateSequenceNumber", INT64),
    opt("issueKeys", issue_keys(100)),
    opt(
        "associations",
        Kind::List {
            item: &Kind::Association(&[
                Variant {
                    types: ISSUE_TYPES,
                    value: &Kind::Pattern(is_issue_id_or_key, "an issue key or id"),
                },
                Variant {
                    types: &["serviceIdOrKeys"],
                    value: &TEXT255,
                },
                Variant {
                    types: &["commit"],
                    value: &Kind::Object(&[
                        req("commitHash", TEXT255),
                        req("repositoryId", TEXT255),
                    ]),
                },
            ]),
            min: 1,
            max: Some(3),
        },
    ),
    req("displayName", TEXT255),
    req("url", URL),
    req("description", TEXT255),
    req("lastUpdated", Kind::DateTime),
    opt("label", TEXT255),
    req("state", Kind::Enum(STATES)),
    req(
        "pipeline",
        Kind::Object(&[
            req("id", TEXT255),
            req("displayName", TEXT255),
            req("url", URL),
        ]),
    ),
    req(
        "environment",
        Kind::Object(&[
            req("id", TEXT255),
            req("displayName", TEXT255),
            req("type", Kind::Enum(ENVIRONMENT_TYPES)),
        ]),
    ),
    opt(
        "commands",
        Kind::List {
            item: &Kind::Object(&[opt("command", Kind::Text(None))]),
            min: 0,
            max: None,
        },
    ),
];

/// Deployments answer errors as a bare `ErrorMessages` list.
pub(crate) struct Deployments;

impl Api for Deployments {
    const SHAPE: Shape = Shape::List;
}

fn key_of(deployment: &Map<String, Value>) -> Option<DeploymentKey> {
    let id = |name: &str| {
        deployment
            .get(name)?
            .get("id")?
            .as_str()
            .filter(|id| id.chars().count() <= 255)
            .map(str::to_owned)
    };
    let number = deployment.get("deploymentSequenceNumber")?.as_i64()?;
    Some((id("pipeline")?, id("environment")?, number))
}

fn key_json((pipeline, environment, number): &DeploymentKey) -> Value {
    json!({
        "pipelineId": pipeline,
        "environmentId": environment,
        "deploymentSequenceNumber": number,
    })
}

/// What a submission did not know, beyond plain issue keys: association
/// values by type, in the order met.
#[derive(Default)]
struct UnknownAssociations {
    by_type: Vec<(String, Unknown)>,
    commits: Vec<Value>,
    /// `repositoryId` and `commitHash` of each of `commits`, to keep each once.
    seen_commits: std::collections::HashSet<(String, String)>,
}

impl UnknownAssociations {
    fn add(&mut self, association_type: &str, value: &str) {
        match self.by_type.iter_mut().find(|(t, _)| t == association_type) {
            Some((_, unknown)) => unknown.add(value),
            None => {
                let mut unknown = Unknown::default();
                unknown.add(value);
                self.by_type.push((association_type.to_owned(), unknown));
            }
        }
    }

    fn add_commit(&mut self, commit: &Value) {
        let field = |name: &str| {
            commit
                .get(name)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        if self
            .seen_commits
            .insert((field("repositoryId"), field("commitHash")))
        {
            self.commits.push(commit.clone());
        }
    }

    fn into_json(self) -> Vec<Value> {
        let mut list: Vec<Value> = self
            .by_type
            .into_iter()
            .map(|(t, values)| json!({ "associationType": t, "values": values.into_list() }))
            .collect();
        if !self.commits.is_empty() {
            list.push(json!({ "associationType": "commit", "values": self.commits }));
        }
        list
    }
}

/// `submitDeployments`: 202 with `acceptedDeployments`,
/// `rejectedDeployments`, `unknownIssueKeys` and `unknownAssociations`.
pub(crate) async fn submit(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Extension(store): Extension<Store>,
    body: Submission<Deployments>,
) -> Result<Response, DevOpsError> {
    let body = body.into_inner();
    let properties = properties::submitted(&body, Shape::List)?;
    let deployments = super::entity_list(&body, "deployments", MAX_DEPLOYMENTS, Shape::List)?;
    let mut keyed = Vec::with_capacity(deployments.len());
    for (index, deployment) in deployments.iter().enumerate() {
        let object = deployment.as_object().ok_or_else(|| {
            DevOpsError::bad_request(
                Shape::List,
                format!("deployments[{index}]: must be an object."),
            )
        })?;
        let key = key_of(object).ok_or_else(|| {
            DevOpsError::bad_request(
                Shape::List,
                format!(
                    "deployments[{index}]: a deployment needs a pipeline.id and an \
                     environment.id (strings of at most 255 characters) and a \
                     deploymentSequenceNumber (an integer)."
                ),
            )
        })?;
        keyed.push((key, object));
    }
    let known = KnownIssues::of(&shared, &caller);
    let provider = provider(&caller);
    let mut unknown_keys = Unknown::default();
    let mut unknown_associations = UnknownAssociations::default();
    let mut accepted = Vec::new();
    let mut rejected = Vec::new();
    let mut store = lock(&store);
    for (key, deployment) in keyed {
        let mut problems = Problems::default();
        schema::check(deployment, DEPLOYMENT, &mut problems);
        schema::check_association_total(deployment, &mut problems);
        if problems.is_empty() {
            let keys = deployment.contains_key("issueKeys");
            let associations = deployment.contains_key("associations");
            if !keys && !associations {
                problems.push(String::from(
                    "A deployment must have issueKeys or associations.",
                ));
            } else {
                let mut any = any_known(
                    super::strings(deployment, "issueKeys"),
                    |k| known.has_key(k),
                    &mut unknown_keys,
                );
                for association in deployment
                    .get("associations")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let kind = association
                        .get("associationType")
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    let values = association
                        .get("values")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten();
                    for value in values {
                        let found = match (kind, value) {
                            ("commit", commit) => {
                                let found = commit_known(&store, &provider, commit);
                                if !found {
                                    unknown_associations.add_commit(commit);
                                }
                                found
                            }
                            (kind, Value::String(text)) => {
                                let found =
                                    ISSUE_TYPES.contains(&kind) && known.has_id_or_key(text);
                                if !found {
                                    unknown_associations.add(kind, text);
                                }
                                found
                            }
                            _ => false,
                        };
                        any |= found;
                    }
                }
                if !any {
                    problems.push(ONLY_UNKNOWN_KEYS.to_owned());
                }
            }
        }
        if !problems.is_empty() {
            rejected.push(json!({
                "key": key_json(&key),
                "errors": error_messages(&problems.into_messages()),
            }));
            continue;
        }
        let entry = Entry::submitted(
            deployment,
            DEPLOYMENT,
            "updateSequenceNumber",
            &properties,
            known.now,
        );
        match store
            .deployments
            .accept(&provider, key.clone(), entry, "deployments")
        {
            Ok(()) => accepted.push(key_json(&key)),
            Err(full) => rejected.push(json!({
                "key": key_json(&key),
                "errors": error_messages(&[full]),
            })),
        }
    }
    let answer = json!({
        "acceptedDeployments": accepted,
        "rejectedDeployments": rejected,
        "unknownIssueKeys": unknown_keys.into_list(),
        "unknownAssociations": unknown_associations.into_json(),
    });
    Ok((StatusCode::ACCEPTED, Json(answer)).into_response())
}

/// Whether `commit` (`{commitHash, repositoryId}`) names a commit the
/// provider submitted as development information.
fn commit_known(store: &super::DevOps, provider: &str, commit: &Value) -> bool {
    let field = |name: &str| commit.get(name).and_then(Value::as_str);
    match (field("repositoryId"), field("commitHash")) {
        (Some(repository), Some(hash)) => store.repositories.has_commit(provider, repository, hash),
        _ => false,
    }
}

/// The path of a deployment's routes.
#[derive(Deserialize)]
pub(crate) struct DeploymentPath {
    pipeline_id: String,
    environment_id: String,
    deployment_sequence_number: String,
}

impl DeploymentPath {
    fn key(self) -> Option<DeploymentKey> {
        let number = self.deployment_sequence_number.parse().ok()?;
        Some((self.pipeline_id, self.environment_id, number))
    }
}

/// `getDeploymentByKey`: the stored deployment, or the spec's 404.
pub(crate) async fn one(
    caller: Caller,
    Extension(store): Extension<Store>,
    KeyPath(path): KeyPath<DeploymentPath>,
) -> Response {
    lock(&store)
        .deployments
        .answer(&provider(&caller), path.and_then(DeploymentPath::key))
}

/// `getDeploymentGatingStatusByKey`: `allowed` for a stored deployment (the
/// simulator gates none), else the spec's 404.
pub(crate) async fn gating_status(
    caller: Caller,
    Extension(store): Extension<Store>,
    KeyPath(path): KeyPath<DeploymentPath>,
) -> Response {
    let Some(key) = path.and_then(DeploymentPath::key) else {
        return error::not_found();
    };
    let store = lock(&store);
    let Some(entry) = store.deployments.get(&provider(&caller), key.clone()) else {
        return error::not_found();
    };
    let (pipeline, environment, number) = key;
    Json(json!({
        "deploymentSequenceNumber": number,
        "pipelineId": pipeline,
        "environmentId": environment,
        "updatedTimestamp": crate::clock::rfc3339(entry.stored_at),
        "gatingStatus": "allowed",
        "details": [],
    }))
    .into_response()
}

/// `deleteDeploymentByKey`: 202, whether or not it was stored.
pub(crate) async fn delete(
    caller: Caller,
    Extension(store): Extension<Store>,
    KeyPath(path): KeyPath<DeploymentPath>,
) -> Response {
    if let Some(key) = path.and_then(DeploymentPath::key) {
        lock(&store).deployments.remove(&provider(&caller), key);
    }
    error::accepted()
}

/// `deleteDeploymentsByProperty`: 202; the caller's deployments that carry
/// all the query's properties are deleted. No property is the spec's 400.
pub(crate) async fn delete_by_properties(
    caller: Caller,
    Extension(store): Extension<Store>,
    RawQuery(raw): RawQuery,
) -> Result<Response, DevOpsError> {
    let query = properties::query(raw.as_deref(), None, Shape::List)?;
    lock(&store)
        .deployments
        .remove_matching(&provider(&caller), &query.properties);
    Ok(error::accepted())
}
