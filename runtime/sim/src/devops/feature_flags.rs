//! Feature flags (`/rest/featureflags/0.1`): submitting them
//! (`submitFeatureFlags`), reading and deleting one by id
//! (`getFeatureFlagById`, `deleteFeatureFlagById`), and deleting by
//! properties (`deleteFeatureFlagsByProperty`).
//!
//! A flag is identified by its `id` within the provider that submitted it;
//! one without a usable id fails the whole request (400), as the answer's
//! `failedFeatureFlags` is keyed by id. Its order is `updateSequenceId`. The
//! deprecated `_updateSequenceId` of the deletions is ignored.

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

/// The spec's limit on flags per submission.
const MAX_FLAGS: usize = 100;

/// The spec's `FeatureFlagStatus`.
const STATUS: Kind = Kind::Object(&[
    req("enabled", Kind::Bool),
    opt("defaultValue", TEXT255),
    opt(
        "rollout",
        Kind::Object(&[
            opt(
                "percentage",
                Kind::Number {
                    min: 0.0,
                    max: 100.0,
                },
            ),
            opt("text", TEXT255),
            opt(
                "rules",
                Kind::Int {
                    min: 0,
                    max: i64::MAX,
                },
            ),
        ]),
    ),
]);

/// The spec's `FeatureFlagData`.
const FLAG: &[Field] = &[
    opt("schemaVersion", Kind::Enum(&["1.0"])),
    req("id", TEXT255),
    req("key", TEXT255),
    req("updateSequenceId", INT64),
    opt("displayName", TEXT255),
    req("issueKeys", issue_keys(100)),
    req(
        "summary",
        Kind::Object(&[
            opt("url", URL),
            req("status", STATUS),
            req("lastUpdated", Kind::DateTime),
        ]),
    ),
    req(
        "details",
        Kind::List {
            item: &Kind::Object(&[
                req("url", URL),
                req("lastUpdated", Kind::DateTime),
                req(
                    "environment",
                    Kind::Object(&[
                        req("name", TEXT255),
                        opt(
                            "type",
                            Kind::Enum(&["development", "testing", "staging", "production"]),
                        ),
                    ]),
                ),
                req("status", STATUS),
            ]),
            min: 1,
            max: None,
        },
    ),
];

/// Feature flags answer errors as a bare `ErrorMessages` list.
pub(crate) struct FeatureFlags;

impl Api for FeatureFlags {
    const SHAPE: Shape = Shape::List;
}

fn id_of(flag: &Map<String, Value>) -> Option<String> {
    flag.get("id")?
        .as_str()
        .filter(|id| !id.is_empty() && id.chars().count() <= 255)
        .map(str::to_owned)
}

/// `submitFeatureFlags`: 202 with `acceptedFeatureFlags`,
/// `failedFeatureFlags` (by id) and `unknownIssueKeys`.
pub(crate) async fn submit(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Extension(store): Extension<Store>,
    body: Submission<FeatureFlags>,
) -> Result<Response, DevOpsError> {
    let body = body.into_inner();
    let properties = properties::submitted(&body, Shape::List)?;
    let flags = super::entity_list(&body, "flags", MAX_FLAGS, Shape::List)?;
    let mut keyed = Vec::with_capacity(flags.len());
    for (index, flag) in flags.iter().enumerate() {
        let object = flag.as_object().ok_or_else(|| {
            DevOpsError::bad_request(Shape::List, format!("flags[{index}]: must be an object."))
        })?;
        let id = id_of(object).ok_or_else(|| {
            DevOpsError::bad_request(
                Shape::List,
                format!("flags[{index}]: a flag needs an id (a string of 1 to 255 characters)."),
            )
        })?;
        keyed.push((id, object));
    }
    let known = KnownIssues::of(&shared, &caller);
    let provider = provider(&caller);
    let mut unknown = Unknown::default();
    let mut accepted = Vec::new();
    let mut failed = Map::new();
    let mut store = lock(&store);
    for (id, flag) in keyed {
        let mut problems = Problems::default();
        schema::check(flag, FLAG, &mut problems);
        if problems.is_empty()
            && !any_known(
                super::strings(flag, "issueKeys"),
                |k| known.has_key(k),
                &mut unknown,
            )
        {
            problems.push(ONLY_UNKNOWN_KEYS.to_owned());
        }
        if !problems.is_empty() {
            failed.insert(id, error_messages(&problems.into_messages()));
            continue;
        }
        let entry = Entry::submitted(flag, FLAG, "updateSequenceId", &properties, known.now);
        match store
            .feature_flags
            .accept(&provider, id.clone(), entry, "feature flags")
        {
            Ok(()) => accepted.push(Value::from(id)),
            Err(full) => {
                failed.insert(id, error_messages(&[full]));
            }
        }
    }
    let answer = json!({
        "acceptedFeatureFlags": accepted,
        "failedFeatureFlags": failed,
        "unknownIssueKeys": unknown.into_list(),
    });
    Ok((StatusCode::ACCEPTED, Json(answer)).into_response())
}

/// The `{featureFlagId}` of a flag's routes.
#[derive(Deserialize)]
pub(crate) struct FlagPath {
    feature_flag_id: String,
}

/// `getFeatureFlagById`: the stored flag, or the spec's 404.
pub(crate) async fn one(
    caller: Caller,
    Extension(store): Extension<Store>,
    KeyPath(path): KeyPath<FlagPath>,
) -> Response {
    lock(&store)
        .feature_flags
        .answer(&provider(&caller), path.map(|path| path.feature_flag_id))
}

/// `deleteFeatureFlagById`: 202, whether or not it was stored.
pub(crate) async fn delete(
    caller: Caller,
    Extension(store): Extension<Store>,
    KeyPath(path): KeyPath<FlagPath>,
) -> Response {
    let Some(path) = path else {
        return error::accepted();
    };
    lock(&store)
        .feature_flags
        .remove(&provider(&caller), path.feature_flag_id);
    error::accepted()
}

/// `deleteFeatureFlagsByProperty`: 202; the caller's flags that carry all
/// the query's properties are deleted. No property is the spec's 400.
pub(crate) async fn delete_by_properties(
    caller: Caller,
    Extension(store): Extension<Store>,
    RawQuery(raw): RawQuery,
) -> Result<Response, DevOpsError> {
    let query = properties::query(raw.as_deref(), None, Shape::List)?;
    lock(&store)
        .feature_flags
        .remove_matching(&provider(&caller), &query.properties);
    Ok(error::accepted())
}
