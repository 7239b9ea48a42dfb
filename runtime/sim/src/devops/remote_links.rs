//! Remote links (`/rest/remotelinks/1.0`): submitting them
//! (`submitRemoteLinks`), reading and deleting one by id
//! (`getRemoteLinkById`, `deleteRemoteLinkById`), and deleting by properties
//! (`deleteRemoteLinksByProperty`). These are the DevOps remote links of
//! providers, not the platform's remote issue links
//! (`/rest/api/3/issue/{key}/remotelink`), which are another store.
//!
//! A link is identified by its `id` within the provider that submitted it;
//! one without a usable id fails the whole request (400), as the answer's
//! `rejectedRemoteLinks` is keyed by id. A link may have no associations; one
//! whose associations name only unknown issues or services (the simulator
//! has no services) is rejected, and those are reported in
//! `unknownAssociations`. The deprecated `_updateSequenceNumber` of the
//! deletions is ignored.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::error::{self, Api, DevOpsError, Shape, Submission, error_messages};
use super::schema::{
    self, Field, INT64, ISSUE_KEY, Kind, Problems, TEXT255, URL, Variant, opt, req,
};
use super::store::Entry;
use super::{KeyPath, KnownIssues, ONLY_UNKNOWN_KEYS, Store, Unknown, properties, provider};
use crate::access::Caller;
use crate::shared::{Shared, lock};

/// The spec's limit on remote links per submission.
const MAX_LINKS: usize = 100;

const TYPES: &[&str] = &[
    "document",
    "alert",
    "test",
    "security",
    "logFile",
    "prototype",
    "coverage",
    "bugReport",
    "other",
];

const APPEARANCES: &[&str] = &[
    "default",
    "inprogress",
    "moved",
    "new",
    "removed",
    "prototype",
    "success",
];

/// The spec's `RemoteLinkData`.
const LINK: &[Field] = &[
    opt("schemaVersion", Kind::Enum(&["1.0"])),
    req("id", TEXT255),
    req("updateSequenceNumber", INT64),
    req("displayName", TEXT255),
    req("url", URL),
    req("type", Kind::Enum(TYPES)),
    opt("description", TEXT255),
    req("lastUpdated", Kind::DateTime),
    opt(
        "associations",
        Kind::List {
            item: &Kind::Association(&[
                Variant {
                    types: &["issueKeys"],
                    value: &ISSUE_KEY,
                },
                Variant {
                    types: &["serviceIdOrKeys"],
                    value: &TEXT255,
                },
            ]),
            min: 1,
            max: Some(2),
        },
    ),
    opt(
        "status",
        Kind::Object(&[
            req("appearance", Kind::Enum(APPEARANCES)),
            req("label", TEXT255),
        ]),
    ),
    opt(
        "actionIds",
        Kind::List {
            item: &Kind::Text(None),
            min: 0,
            max: Some(10),
        },
    ),
    opt("attributeMap", Kind::TextMap),
];

/// Remote links answer errors as a bare `ErrorMessages` list.
pub(crate) struct RemoteLinks;

impl Api for RemoteLinks {
    const SHAPE: Shape = Shape::List;
}

fn id_of(link: &Map<String, Value>) -> Option<String> {
    link.get("id")?
        .as_str()
        .filter(|id| !id.is_empty() && id.chars().count() <= 255)
        .map(str::to_owned)
}

/// `submitRemoteLinks`: 202 with `acceptedRemoteLinks`,
/// `rejectedRemoteLinks` (by id) and `unknownAssociations`.
pub(crate) async fn submit(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Extension(store): Extension<Store>,
    body: Submission<RemoteLinks>,
) -> Result<Response, DevOpsError> {
    let body = body.into_inner();
    let properties = properties::submitted(&body, Shape::List)?;
    let links = super::entity_list(&body, "remoteLinks", MAX_LINKS, Shape::List)?;
    let mut keyed = Vec::with_capacity(links.len());
    for (index, link) in links.iter().enumerate() {
        let object = link.as_object().ok_or_else(|| {
            DevOpsError::bad_request(
                Shape::List,
                format!("remoteLinks[{index}]: must be an object."),
            )
        })?;
        let id = id_of(object).ok_or_else(|| {
            DevOpsError::bad_request(
                Shape::List,
                format!(
                    "remoteLinks[{index}]: a remote link needs an id (a string of 1 to 255 \
                     characters)."
                ),
            )
        })?;
        keyed.push((id, object));
    }
    let known = KnownIssues::of(&shared, &caller);
    let provider = provider(&caller);
    let mut unknown_keys = Unknown::default();
    let mut unknown_services = Unknown::default();
    let mut accepted = Vec::new();
    let mut rejected = Map::new();
    let mut store = lock(&store);
    for (id, link) in keyed {
        let mut problems = Problems::default();
        schema::check(link, LINK, &mut problems);
        schema::check_association_total(link, &mut problems);
        if problems.is_empty() && link.contains_key("associations") {
            let mut any = false;
            for key in schema::association_values(link, &["issueKeys"]) {
                if known.has_key(key) {
                    any = true;
                } else {
                    unknown_keys.add(key);
                }
            }
            for service in schema::association_values(link, &["serviceIdOrKeys"]) {
                unknown_services.add(service);
            }
            if !any {
                problems.push(ONLY_UNKNOWN_KEYS.to_owned());
            }
        }
        if !problems.is_empty() {
            rejected.insert(id, error_messages(&problems.into_messages()));
            continue;
        }
        let entry = Entry::submitted(link, LINK, "updateSequenceNumber", &properties, known.now);
        match store
            .remote_links
            .accept(&provider, id.clone(), entry, "remote links")
        {
            Ok(()) => accepted.push(Value::from(id)),
            Err(full) => {
                rejected.insert(id, error_messages(&[full]));
            }
        }
    }
    let mut unknown = Vec::new();
    if !unknown_keys.is_empty() {
        unknown.push(json!({ "associationType": "issueKeys", "values": unknown_keys.into_list() }));
    }
    if !unknown_services.is_empty() {
        unknown.push(
            json!({ "associationType": "serviceIdOrKeys", "values": unknown_services.into_list() }),
        );
    }
    let answer = json!({
        "acceptedRemoteLinks": accepted,
        "rejectedRemoteLinks": rejected,
        "unknownAssociations": unknown,
    });
    Ok((StatusCode::ACCEPTED, Json(answer)).into_response())
}

/// The `{remoteLinkId}` of a link's routes.
#[derive(Deserialize)]
pub(crate) struct LinkPath {
    remote_link_id: String,
}

/// `getRemoteLinkById`: the stored link, or the spec's 404.
pub(crate) async fn one(
    caller: Caller,
    Extension(store): Extension<Store>,
    KeyPath(path): KeyPath<LinkPath>,
) -> Response {
    lock(&store)
        .remote_links
        .answer(&provider(&caller), path.map(|path| path.remote_link_id))
}

/// `deleteRemoteLinkById`: 202, whether or not it was stored.
pub(crate) async fn delete(
    caller: Caller,
    Extension(store): Extension<Store>,
    KeyPath(path): KeyPath<LinkPath>,
) -> Response {
    let Some(path) = path else {
        return error::accepted();
    };
    lock(&store)
        .remote_links
        .remove(&provider(&caller), path.remote_link_id);
    error::accepted()
}

/// `deleteRemoteLinksByProperty`: 202; the caller's links that carry all the
/// query's properties are deleted. No property is the spec's 400.
pub(crate) async fn delete_by_properties(
    caller: Caller,
    Extension(store): Extension<Store>,
    RawQuery(raw): RawQuery,
) -> Result<Response, DevOpsError> {
    let query = properties::query(raw.as_deref(), None, Shape::List)?;
    lock(&store)
        .remote_links
        .remove_matching(&provider(&caller), &query.properties);
    Ok(error::accepted())
}
