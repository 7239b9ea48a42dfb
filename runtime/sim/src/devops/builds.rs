//! Builds (`/rest/builds/0.1`): submitting them (`submitBuilds`), reading
//! and deleting one by its key (`getBuildByKey`, `deleteBuildByKey`), and
//! deleting by properties (`deleteBuildsByProperty`).
//!
//! A build is identified by its `pipelineId` and `buildNumber`, within the
//! provider that submitted it. A build without a usable key cannot be named
//! in the answer's `rejectedBuilds`, so it fails the whole request (400);
//! any other problem rejects that build alone. The deprecated
//! `_updateSequenceNumber` of the deletions is "no longer supported" and
//! ignored.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::error::{self, Api, DevOpsError, Shape, Submission, error_messages};
use super::schema::{self, Field, INT64, Kind, Problems, TEXT255, URL, issue_keys, opt, req};
use super::store::Entry;
use super::{
    KeyPath, KnownIssues, ONLY_UNKNOWN_KEYS, Store, Unknown, any_known, properties, provider,
};
use crate::access::Caller;
use crate::shared::{Shared, lock};

/// `(pipelineId, buildNumber)`.
pub(crate) type BuildKey = (String, i64);

/// The spec's limit on builds per submission.
const MAX_BUILDS: usize = 100;

const STATES: &[&str] = &[
    "pending",
    "in_progress",
    "successful",
    "failed",
    "cancelled",
    "unknown",
];

/// The spec's `BuildData`.
const BUILD: &[Field] = &[
    opt("schemaVersion", Kind::Enum(&["1.0"])),
    req("pipelineId", TEXT255),
    req("buildNumber", INT64),
    req("updateSequenceNumber", INT64),
    req("displayName", TEXT255),
    opt("description", TEXT255),
    opt("label", TEXT255),
    req("url", URL),
    req("state", Kind::Enum(STATES)),
    req("lastUpdated", Kind::DateTime),
    req("issueKeys", issue_keys(100)),
    opt(
        "testInfo",
        Kind::Object(&[
            req("totalNumber", INT64),
            req("numberPassed", INT64),
            req("numberFailed", INT64),
            opt("numberSkipped", INT64),
        ]),
    ),
    opt(
        "references",
        Kind::List {
            item: &Kind::Object(&[
                opt(
                    "commit",
                    Kind::Object(&[
                        req("id", TEXT255),
                        req("repositoryUri", Kind::Text(Some(2000))),
                    ]),
                ),
                opt(
                    "ref",
                    Kind::Object(&[req("name", TEXT255), req("uri", Kind::Text(Some(2000)))]),
                ),
            ]),
            min: 1,
            max: Some(5),
        },
    ),
];

/// Builds answer errors as a bare `ErrorMessages` list.
pub(crate) struct Builds;

impl Api for Builds {
    const SHAPE: Shape = Shape::List;
}

/// The build's key, if it has a usable one.
fn key_of(build: &Map<String, Value>) -> Option<BuildKey> {
    let pipeline = build
        .get("pipelineId")?
        .as_str()
        .filter(|p| p.chars().count() <= 255)?;
    let number = build.get("buildNumber")?.as_i64()?;
    Some((pipeline.to_owned(), number))
}

fn key_json((pipeline, number): &BuildKey) -> Value {
    json!({ "pipelineId": pipeline, "buildNumber": number })
}

/// `submitBuilds`: 202 with `acceptedBuilds`, `rejectedBuilds` and
/// `unknownIssueKeys`.
pub(crate) async fn submit(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Extension(store): Extension<Store>,
    body: Submission<Builds>,
) -> Result<Response, DevOpsError> {
    let body = body.into_inner();
    let properties = properties::submitted(&body, Shape::List)?;
    let builds = super::entity_list(&body, "builds", MAX_BUILDS, Shape::List)?;
    let mut keyed = Vec::with_capacity(builds.len());
    for (index, build) in builds.iter().enumerate() {
        let object = build.as_object().ok_or_else(|| {
            DevOpsError::bad_request(Shape::List, format!("builds[{index}]: must be an object."))
        })?;
        let key = key_of(object).ok_or_else(|| {
            DevOpsError::bad_request(
                Shape::List,
                format!(
                    "builds[{index}]: a build needs a pipelineId (a string of at most 255 \
                     characters) and a buildNumber (an integer)."
                ),
            )
        })?;
        keyed.push((key, object));
    }
    let known = KnownIssues::of(&shared, &caller);
    let provider = provider(&caller);
    let mut unknown = Unknown::default();
    let mut accepted = Vec::new();
    let mut rejected = Vec::new();
    let mut store = lock(&store);
    for (key, build) in keyed {
        let mut problems = Problems::default();
        schema::check(build, BUILD, &mut problems);
        if problems.is_empty()
            && !any_known(
                super::strings(build, "issueKeys"),
                |k| known.has_key(k),
                &mut unknown,
            )
        {
            problems.push(ONLY_UNKNOWN_KEYS.to_owned());
        }
        if !problems.is_empty() {
            rejected.push(json!({
                "key": key_json(&key),
                "errors": error_messages(&problems.into_messages()),
            }));
            continue;
        }
        let entry = Entry::submitted(build, BUILD, "updateSequenceNumber", &properties, known.now);
        match store.builds.accept(&provider, key.clone(), entry, "builds") {
            Ok(()) => accepted.push(key_json(&key)),
            Err(full) => rejected.push(json!({
                "key": key_json(&key),
                "errors": error_messages(&[full]),
            })),
        }
    }
    let answer = json!({
        "acceptedBuilds": accepted,
        "rejectedBuilds": rejected,
        "unknownIssueKeys": unknown.into_list(),
    });
    Ok((StatusCode::ACCEPTED, Json(answer)).into_response())
}

/// The `{pipelineId}` and `{buildNumber}` of a build's routes.
#[derive(Deserialize)]
pub(crate) struct BuildPath {
    pipeline_id: String,
    build_number: String,
}

impl BuildPath {
    /// The key, if the number is one (a build with another "number" cannot
    /// have been stored).
    fn key(self) -> Option<BuildKey> {
        let number = self.build_number.parse().ok()?;
        Some((self.pipeline_id, number))
    }
}

/// `getBuildByKey`: the stored build, or the spec's 404.
pub(crate) async fn one(
    caller: Caller,
    Extension(store): Extension<Store>,
    KeyPath(path): KeyPath<BuildPath>,
) -> Response {
    lock(&store)
        .builds
        .answer(&provider(&caller), path.and_then(BuildPath::key))
}

/// `deleteBuildByKey`: 202, whether or not the build was stored.
pub(crate) async fn delete(
    caller: Caller,
    Extension(store): Extension<Store>,
    KeyPath(path): KeyPath<BuildPath>,
) -> Response {
    if let Some(key) = path.and_then(BuildPath::key) {
        lock(&store).builds.remove(&provider(&caller), key);
    }
    error::accepted()
}

/// `deleteBuildsByProperty`: 202; the caller's builds that carry all the
/// query's properties are deleted. No property is the spec's 400.
pub(crate) async fn delete_by_properties(
    caller: Caller,
    Extension(store): Extension<Store>,
    RawQuery(raw): RawQuery,
) -> Result<Response, DevOpsError> {
    let query = properties::query(raw.as_deref(), None, Shape::List)?;
    lock(&store)
        .builds
        .remove_matching(&provider(&caller), &query.properties);
    Ok(error::accepted())
}
