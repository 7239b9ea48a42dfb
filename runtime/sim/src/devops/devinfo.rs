//! Development information (`/rest/devinfo/0.10`): repositories and their
//! commits, branches and pull requests. Storing them
//! (`storeDevelopmentInformation`), reading and deleting a repository
//! (`getRepository`, `deleteRepository`), deleting one entity
//! (`deleteEntity`), and deleting or finding repositories by properties
//! (`deleteByProperties`, `existsByProperties`).
//!
//! The spec's rules: at most 100 repositories per request, at most 400
//! entities of each kind per repository and 1,000 in all (more is the 413);
//! no repository twice in one request, no entity id twice in one list (the
//! later is refused); a repository and each entity are replaced only by data
//! with a greater `updateSequenceId`; a commit message longer than 1,024
//! characters is cut to 1,024; reading a repository gives its most recent 400
//! entities of each kind. Errors are `{"errorMessages": [...]}`, not the bare
//! list the other DevOps APIs use.
//!
//! A repository or entity that breaks its schema is reported in
//! `failedDevinfoEntities`, by repository id (a repository without a usable
//! id fails the whole request: it could not be named there); an entity whose
//! issue keys are all unknown is failed too. Properties belong to the
//! repository: they are replaced when its data is, and `deleteByProperties`
//! deletes matching repositories with everything in them.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::error::{self, Api, DevOpsError, Shape, Submission, error_messages};
use super::properties::{self, Properties, matches};
use super::schema::{self, COUNT, Field, INT64, Kind, Problems, TEXT255, URL, opt, req};
use super::store::Provider;
use super::{KeyPath, KnownIssues, ONLY_UNKNOWN_KEYS, Store, Unknown, any_known, provider};
use crate::access::Caller;
use crate::shared::{Shared, lock};

const SHAPE: Shape = Shape::Wrapped;

/// The spec's limits on one request.
const MAX_REPOSITORIES_PER_REQUEST: usize = 100;
const MAX_ENTITIES_PER_REQUEST: usize = 1_000;
/// Of each kind per repository, in a request and in a read.
const MAX_ENTITIES_PER_KIND: usize = 400;
/// A commit message is cut to this many characters.
const MAX_MESSAGE_CHARS: usize = 1_024;

/// What the simulator keeps, for all providers together: its bounds on
/// memory, not Jira limits.
const MAX_REPOSITORIES: usize = 1_000;
const MAX_ENTITIES: usize = 10_000;

/// A repository's or entity's id: "Only alphanumeric characters, and
/// '~.-_', are allowed. Max length is 1024 characters."
fn is_entity_id(text: &str) -> bool {
    (1..=1024).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"~.-_".contains(&b))
}

/// Development information's issue key:
/// `^\p{L}[\p{L}\p{Digit}_]{1,255}-\p{Digit}{1,255}$`.
fn is_devinfo_issue_key(text: &str) -> bool {
    let Some((project, number)) = text.rsplit_once('-') else {
        return false;
    };
    let mut chars = project.chars();
    let first_is_letter = chars.next().is_some_and(char::is_alphabetic);
    let rest = chars.count();
    first_is_letter
        && (1..=255).contains(&rest)
        && project
            .chars()
            .all(|c| c.is_alphabetic() || c.is_ascii_digit() || c == '_')
        && (1..=255).contains(&number.len())
        && number.bytes().all(|b| b.is_ascii_digit())
}

const ENTITY_ID: Kind = Kind::Pattern(
    is_entity_id,
    "1 to 1024 letters, digits and the characters ~.-_",
);

const ISSUE_KEYS: Kind = Kind::List {
    item: &Kind::Pattern(is_devinfo_issue_key, "an issue key such as ABC-123"),
    min: 1,
    max: Some(500),
};

const AUTHOR: Kind = Kind::Object(&[
    opt("name", TEXT255),
    opt("email", TEXT255),
    opt("username", TEXT255),
    opt("url", Kind::Text(Some(2000))),
    opt("avatar", Kind::Text(Some(2000))),
]);

/// The spec's `Commit`.
const COMMIT: &[Field] = &[
    req("id", ENTITY_ID),
    req("issueKeys", ISSUE_KEYS),
    req("updateSequenceId", INT64),
    opt("hash", TEXT255),
    opt(
        "flags",
        Kind::List {
            item: &Kind::Enum(&["MERGE_COMMIT"]),
            min: 0,
            max: None,
        },
    ),
    // Longer messages are cut, not refused.
    req("message", Kind::Text(None)),
    req("author", AUTHOR),
    req("fileCount", COUNT),
    req("url", URL),
    opt(
        "files",
        Kind::List {
            item: &Kind::Object(&[
                req("path", Kind::Text(Some(1024))),
                req("url", URL),
                req(
                    "changeType",
                    Kind::Enum(&["ADDED", "COPIED", "DELETED", "MODIFIED", "MOVED", "UNKNOWN"]),
                ),
                req("linesAdded", COUNT),
                req("linesRemoved", COUNT),
            ]),
            min: 0,
            max: Some(10),
        },
    ),
    req("authorTimestamp", Kind::Text(None)),
    req("displayId", TEXT255),
];

/// The spec's `Branch`.
const BRANCH: &[Field] = &[
    req("id", ENTITY_ID),
    req("issueKeys", ISSUE_KEYS),
    req("updateSequenceId", INT64),
    req("name", Kind::Text(Some(512))),
    req("lastCommit", Kind::Object(COMMIT)),
    opt("createPullRequestUrl", Kind::Text(Some(2000))),
    req("url", Kind::Text(Some(2000))),
];

/// The spec's `PullRequest`.
const PULL_REQUEST: &[Field] = &[
    req("id", ENTITY_ID),
    req("issueKeys", ISSUE_KEYS),
    req("updateSequenceId", INT64),
    req(
        "status",
        Kind::Enum(&["OPEN", "MERGED", "DECLINED", "UNKNOWN"]),
    ),
    req("title", Kind::Text(Some(1024))),
    req("author", AUTHOR),
    req(
        "commentCount",
        Kind::Int {
            min: i32::MIN as i64,
            max: i32::MAX as i64,
        },
    ),
    req("sourceBranch", TEXT255),
    opt("sourceBranchUrl", URL),
    req("lastUpdate", Kind::Text(None)),
    opt("destinationBranch", TEXT255),
    opt("destinationBranchUrl", URL),
    opt(
        "reviewers",
        Kind::List {
            item: &Kind::Object(&[
                opt("name", TEXT255),
                opt("approvalStatus", Kind::Enum(&["APPROVED", "UNAPPROVED"])),
                opt("url", URL),
                opt("avatar", URL),
                opt("email", Kind::Text(Some(254))),
                opt("accountId", Kind::Text(Some(128))),
            ]),
            min: 0,
            max: None,
        },
    ),
    req("url", URL),
    req("displayId", TEXT255),
];

/// The spec's `Repository`, without its entity lists.
const REPOSITORY: &[Field] = &[
    req("name", TEXT255),
    opt("description", Kind::Text(Some(1024))),
    opt("forkOf", Kind::Text(Some(1024))),
    req("url", URL),
    opt("avatar", URL),
    opt("avatarDescription", Kind::Text(Some(1024))),
    req("id", ENTITY_ID),
    req("updateSequenceId", INT64),
];

/// The three kinds of entity a repository holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EntityKind {
    Commit,
    Branch,
    PullRequest,
}

const KINDS: [EntityKind; 3] = [
    EntityKind::Commit,
    EntityKind::Branch,
    EntityKind::PullRequest,
];

impl EntityKind {
    /// The list it is submitted and answered in.
    fn list(self) -> &'static str {
        match self {
            Self::Commit => "commits",
            Self::Branch => "branches",
            Self::PullRequest => "pullRequests",
        }
    }

    /// Its `{entityType}` in `deleteEntity`.
    fn named(path: &str) -> Option<Self> {
        match path {
            "commit" => Some(Self::Commit),
            "branch" => Some(Self::Branch),
            "pull_request" => Some(Self::PullRequest),
            _ => None,
        }
    }

    fn fields(self) -> &'static [Field] {
        match self {
            Self::Commit => COMMIT,
            Self::Branch => BRANCH,
            Self::PullRequest => PULL_REQUEST,
        }
    }
}

/// One stored commit, branch or pull request.
#[derive(Debug, Clone)]
struct Entity {
    data: Map<String, Value>,
    sequence: i64,
    /// When it was last stored, in the store's order: "most recent" reads.
    order: u64,
}

/// One stored repository.
#[derive(Debug, Clone)]
struct Repository {
    data: Map<String, Value>,
    sequence: i64,
    properties: Properties,
    entities: [BTreeMap<String, Entity>; 3],
}

impl Repository {
    fn entities(&self, kind: EntityKind) -> &BTreeMap<String, Entity> {
        &self.entities[kind as usize]
    }

    fn entities_mut(&mut self, kind: EntityKind) -> &mut BTreeMap<String, Entity> {
        &mut self.entities[kind as usize]
    }

    fn entity_count(&self) -> usize {
        self.entities.iter().map(BTreeMap::len).sum()
    }

    /// Whether it or one of its entities has a sequence number of at most
    /// `sequence`.
    fn has_data_up_to(&self, sequence: i64) -> bool {
        self.sequence <= sequence
            || self
                .entities
                .iter()
                .flat_map(BTreeMap::values)
                .any(|e| e.sequence <= sequence)
    }
}

/// The development information of every provider.
#[derive(Debug, Default)]
pub(crate) struct Repositories {
    by_key: BTreeMap<(Provider, String), Repository>,
    next_order: u64,
}

impl Repositories {
    /// Whether `provider` stored the commit `commit` in repository
    /// `repository` (a deployment's commit association).
    pub(crate) fn has_commit(&self, provider: &str, repository: &str, commit: &str) -> bool {
        self.by_key
            .get(&(provider.to_owned(), repository.to_owned()))
            .is_some_and(|r| r.entities(EntityKind::Commit).contains_key(commit))
    }

    fn entity_count(&self) -> usize {
        self.by_key.values().map(Repository::entity_count).sum()
    }
}

/// Development information answers errors as `{"errorMessages": [...]}`.
pub(crate) struct DevInfo;

impl Api for DevInfo {
    const SHAPE: Shape = SHAPE;
}

fn bad(message: String) -> DevOpsError {
    DevOpsError::bad_request(SHAPE, message)
}

/// Cuts a commit's message (and a branch's last commit's) to the spec's
/// length, as Jira does.
fn cut_messages(data: &mut Map<String, Value>) {
    let cut = |commit: &mut Map<String, Value>| {
        if let Some(Value::String(message)) = commit.get_mut("message")
            && let Some((at, _)) = message.char_indices().nth(MAX_MESSAGE_CHARS)
        {
            message.truncate(at);
        }
    };
    cut(data);
    if let Some(Value::Object(last)) = data.get_mut("lastCommit") {
        cut(last);
    }
}

/// A submitted repository: its id, and the object it came as.
type Submitted<'a> = (String, &'a Map<String, Value>);

/// The checks of the request as a whole: a list of repositories, each an
/// object with a usable id, each once, within the spec's limits.
fn repositories_of(body: &Map<String, Value>) -> Result<Vec<Submitted<'_>>, DevOpsError> {
    let list = super::entity_list(body, "repositories", MAX_REPOSITORIES_PER_REQUEST, SHAPE)?;
    let mut repositories: Vec<Submitted<'_>> = Vec::with_capacity(list.len());
    let mut total = 0usize;
    for (index, repository) in list.iter().enumerate() {
        let object = repository
            .as_object()
            .ok_or_else(|| bad(format!("repositories[{index}]: must be an object.")))?;
        let id = object
            .get("id")
            .and_then(Value::as_str)
            .filter(|id| is_entity_id(id))
            .ok_or_else(|| {
                bad(format!(
                    "repositories[{index}].id: a repository needs an id of 1 to 1024 letters, \
                     digits and the characters ~.-_"
                ))
            })?;
        if repositories.iter().any(|(seen, _)| seen == id) {
            return Err(bad(format!(
                "repositories: the repository {id} is listed more than once."
            )));
        }
        for kind in KINDS {
            let count = object
                .get(kind.list())
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            if count > MAX_ENTITIES_PER_KIND {
                return Err(DevOpsError::too_large(
                    SHAPE,
                    format!(
                        "Data is too large: repository {id} has {count} {}, at most \
                         {MAX_ENTITIES_PER_KIND} are allowed. Submit fewer devinfo entities in \
                         each payload.",
                        kind.list()
                    ),
                ));
            }
            total += count;
        }
        repositories.push((id.to_owned(), object));
    }
    if total > MAX_ENTITIES_PER_REQUEST {
        return Err(DevOpsError::too_large(
            SHAPE,
            format!(
                "Data is too large: {total} devinfo entities were submitted, at most \
                 {MAX_ENTITIES_PER_REQUEST} are allowed. Submit fewer devinfo entities in each \
                 payload."
            ),
        ));
    }
    Ok(repositories)
}

/// One repository's part of the answer.
#[derive(Default)]
struct Report {
    repository_errors: Vec<String>,
    accepted: [Vec<String>; 3],
    failed: [Vec<Value>; 3],
}

impl Report {
    fn fail(&mut self, kind: EntityKind, id: &str, messages: Vec<String>) {
        self.failed[kind as usize]
            .push(json!({ "id": id, "errorMessages": error_messages(&messages) }));
    }
}

/// `storeDevelopmentInformation`: 202 with `acceptedDevinfoEntities`,
/// `failedDevinfoEntities` and `unknownIssueKeys`.
pub(crate) async fn submit(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Extension(store): Extension<Store>,
    body: Submission<DevInfo>,
) -> Result<Response, DevOpsError> {
    let body = body.into_inner();
    let properties = properties::submitted(&body, SHAPE)?;
    let repositories = repositories_of(&body)?;
    let known = KnownIssues::of(&shared, &caller);
    let provider = provider(&caller);
    let mut unknown = Unknown::default();
    let mut accepted = Map::new();
    let mut failed = Map::new();
    let mut store = lock(&store);
    let store = &mut store.repositories;
    let mut entity_count = store.entity_count();
    for (id, submitted) in repositories {
        let mut report = Report::default();
        let stored = store_repository(store, &provider, &id, submitted, &properties);
        match stored {
            Err(messages) => report.repository_errors = messages,
            Ok(()) => {
                for kind in KINDS {
                    let list = submitted
                        .get(kind.list())
                        .filter(|v| !v.is_null())
                        .map(|v| v.as_array().ok_or(v));
                    let entities = match list {
                        None => continue,
                        Some(Ok(entities)) => entities,
                        Some(Err(_)) => {
                            report
                                .repository_errors
                                .push(format!("{}: must be a list.", kind.list()));
                            continue;
                        }
                    };
                    let mut seen = std::collections::HashSet::new();
                    for (index, entity) in entities.iter().enumerate() {
                        let Some((entity_id, object)) = entity.as_object().and_then(|o| {
                            o.get("id")
                                .and_then(Value::as_str)
                                .filter(|id| is_entity_id(id))
                                .map(|id| (id, o))
                        }) else {
                            report.repository_errors.push(format!(
                                "{}[{index}]: needs an id of 1 to 1024 letters, digits and the \
                                 characters ~.-_",
                                kind.list()
                            ));
                            continue;
                        };
                        if !seen.insert(entity_id) {
                            report.fail(
                                kind,
                                entity_id,
                                vec![format!("{} lists {entity_id} more than once.", kind.list())],
                            );
                            continue;
                        }
                        let mut problems = Problems::default();
                        schema::check(object, kind.fields(), &mut problems);
                        if problems.is_empty()
                            && !any_known(
                                super::strings(object, "issueKeys"),
                                |k| known.has_key(k),
                                &mut unknown,
                            )
                        {
                            problems.push(ONLY_UNKNOWN_KEYS.to_owned());
                        }
                        if !problems.is_empty() {
                            report.fail(kind, entity_id, problems.into_messages());
                            continue;
                        }
                        let sequence = object
                            .get("updateSequenceId")
                            .and_then(Value::as_i64)
                            .unwrap_or_default();
                        let slot = (provider.clone(), id.clone());
                        let stored_sequence = store
                            .by_key
                            .get(&slot)
                            .and_then(|r| r.entities(kind).get(entity_id))
                            .map(|e| e.sequence);
                        match stored_sequence {
                            Some(old) if old >= sequence => {}
                            None if entity_count >= MAX_ENTITIES => {
                                report.fail(
                                    kind,
                                    entity_id,
                                    vec![super::store_full("devinfo entities", MAX_ENTITIES)],
                                );
                                continue;
                            }
                            existing => {
                                let mut data = schema::declared(object, kind.fields());
                                cut_messages(&mut data);
                                store.next_order += 1;
                                let order = store.next_order;
                                if let Some(repository) = store.by_key.get_mut(&slot) {
                                    if existing.is_none() {
                                        entity_count += 1;
                                    }
                                    repository.entities_mut(kind).insert(
                                        entity_id.to_owned(),
                                        Entity {
                                            data,
                                            sequence,
                                            order,
                                        },
                                    );
                                }
                            }
                        }
                        report.accepted[kind as usize].push(entity_id.to_owned());
                    }
                }
            }
        }
        let repository_failed = !report.repository_errors.is_empty()
            && !store.by_key.contains_key(&(provider.clone(), id.clone()));
        if !repository_failed {
            let mut ids = Map::new();
            for kind in KINDS {
                ids.insert(
                    kind.list().to_owned(),
                    json!(std::mem::take(&mut report.accepted[kind as usize])),
                );
            }
            accepted.insert(id.clone(), Value::Object(ids));
        }
        let mut errors = Map::new();
        if !report.repository_errors.is_empty() {
            errors.insert(
                String::from("errorMessages"),
                error_messages(&report.repository_errors),
            );
        }
        for kind in KINDS {
            let list = std::mem::take(&mut report.failed[kind as usize]);
            if !list.is_empty() {
                errors.insert(kind.list().to_owned(), Value::Array(list));
            }
        }
        if !errors.is_empty() {
            failed.insert(id, Value::Object(errors));
        }
    }
    let answer = json!({
        "acceptedDevinfoEntities": accepted,
        "failedDevinfoEntities": failed,
        "unknownIssueKeys": unknown.into_list(),
    });
    Ok((StatusCode::ACCEPTED, Json(answer)).into_response())
}

/// Checks a submitted repository and stores its data (with the request's
/// properties) if it is new or newer; the messages if it breaks its schema or
/// the store is full.
fn store_repository(
    store: &mut Repositories,
    provider: &str,
    id: &str,
    submitted: &Map<String, Value>,
    properties: &Properties,
) -> Result<(), Vec<String>> {
    let mut problems = Problems::default();
    schema::check(submitted, REPOSITORY, &mut problems);
    if !problems.is_empty() {
        return Err(problems.into_messages());
    }
    let sequence = submitted
        .get("updateSequenceId")
        .and_then(Value::as_i64)
        .unwrap_or_default();
    let key = (provider.to_owned(), id.to_owned());
    let count = store.by_key.len();
    match store.by_key.get_mut(&key) {
        Some(stored) if stored.sequence >= sequence => Ok(()),
        Some(stored) => {
            stored.data = schema::declared(submitted, REPOSITORY);
            stored.sequence = sequence;
            stored.properties = properties.clone();
            Ok(())
        }
        None if count >= MAX_REPOSITORIES => {
            Err(vec![super::store_full("repositories", MAX_REPOSITORIES)])
        }
        None => {
            store.by_key.insert(
                key,
                Repository {
                    data: schema::declared(submitted, REPOSITORY),
                    sequence,
                    properties: properties.clone(),
                    entities: Default::default(),
                },
            );
            Ok(())
        }
    }
}

/// The `{repositoryId}` of a repository's routes.
#[derive(Deserialize)]
pub(crate) struct RepositoryPath {
    repository_id: String,
}

/// The path of `deleteEntity`.
#[derive(Deserialize)]
pub(crate) struct EntityPath {
    repository_id: String,
    entity_type: String,
    entity_id: String,
}

/// `getRepository`: the repository with its most recent 400 entities of
/// each kind (most recent first), or the spec's 404.
pub(crate) async fn repository(
    caller: Caller,
    Extension(store): Extension<Store>,
    KeyPath(path): KeyPath<RepositoryPath>,
) -> Response {
    let Some(path) = path else {
        return error::not_found();
    };
    let store = lock(&store);
    let Some(repository) = store
        .repositories
        .by_key
        .get(&(provider(&caller), path.repository_id))
    else {
        return error::not_found();
    };
    let mut answer = repository.data.clone();
    for kind in KINDS {
        let mut entities: Vec<&Entity> = repository.entities(kind).values().collect();
        entities.sort_by_key(|e| std::cmp::Reverse(e.order));
        let list = entities
            .into_iter()
            .take(MAX_ENTITIES_PER_KIND)
            .map(|e| Value::Object(e.data.clone()))
            .collect();
        answer.insert(kind.list().to_owned(), Value::Array(list));
    }
    Json(Value::Object(answer)).into_response()
}

/// The optional `_updateSequenceId` of the deletions: only data with a
/// sequence number at most it is deleted. One that is not a number is the
/// 400.
fn sequence_limit(raw: Option<&str>) -> Result<Option<i64>, DevOpsError> {
    let mut limit = None;
    for (key, value) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        if key == "_updateSequenceId" {
            limit = Some(
                value
                    .parse::<i64>()
                    .map_err(|_| bad(String::from("_updateSequenceId: must be a number.")))?,
            );
        }
    }
    Ok(limit)
}

/// `deleteRepository`: 202; the repository and all its entities are deleted
/// (with `_updateSequenceId`, only what has a sequence number at most it).
pub(crate) async fn delete_repository(
    caller: Caller,
    Extension(store): Extension<Store>,
    KeyPath(path): KeyPath<RepositoryPath>,
    RawQuery(raw): RawQuery,
) -> Result<Response, DevOpsError> {
    let limit = sequence_limit(raw.as_deref())?;
    let Some(path) = path else {
        return Ok(error::accepted());
    };
    let key = (provider(&caller), path.repository_id);
    let mut store = lock(&store);
    let repositories = &mut store.repositories.by_key;
    match (limit, repositories.get_mut(&key)) {
        (_, None) => {}
        (None, Some(_)) => {
            repositories.remove(&key);
        }
        (Some(limit), Some(repository)) => {
            if repository.sequence <= limit {
                repositories.remove(&key);
            } else {
                for entities in &mut repository.entities {
                    entities.retain(|_, e| e.sequence > limit);
                }
            }
        }
    }
    Ok(error::accepted())
}

/// `deleteEntity`: 202; an `{entityType}` other than `commit`, `branch` or
/// `pull_request` is the spec's 400.
pub(crate) async fn delete_entity(
    caller: Caller,
    Extension(store): Extension<Store>,
    KeyPath(path): KeyPath<EntityPath>,
    RawQuery(raw): RawQuery,
) -> Result<Response, DevOpsError> {
    let Some(path) = path else {
        return Ok(error::accepted());
    };
    let kind = EntityKind::named(&path.entity_type).ok_or_else(|| {
        bad(String::from(
            "Wrong entity type: use commit, branch or pull_request.",
        ))
    })?;
    let limit = sequence_limit(raw.as_deref())?;
    let mut store = lock(&store);
    if let Some(repository) = store
        .repositories
        .by_key
        .get_mut(&(provider(&caller), path.repository_id))
    {
        let entities = repository.entities_mut(kind);
        if entities
            .get(&path.entity_id)
            .is_some_and(|e| limit.is_none_or(|limit| e.sequence <= limit))
        {
            entities.remove(&path.entity_id);
        }
    }
    Ok(error::accepted())
}

/// `deleteByProperties`: 202; the caller's repositories whose properties
/// include all the query's are deleted, with their entities. No property,
/// a property twice or a `_updateSequenceId` that is not a number is the
/// 400 (the number itself is "no longer supported" and not applied).
pub(crate) async fn delete_by_properties(
    caller: Caller,
    Extension(store): Extension<Store>,
    RawQuery(raw): RawQuery,
) -> Result<Response, DevOpsError> {
    let query = properties::query(raw.as_deref(), Some("_updateSequenceId"), SHAPE)?;
    let provider = provider(&caller);
    lock(&store)
        .repositories
        .by_key
        .retain(|(owner, _), r| *owner != provider || !matches(&r.properties, &query.properties));
    Ok(error::accepted())
}

/// `existsByProperties`: whether the caller has a repository whose
/// properties include all the query's (with `_updateSequenceId`, one that
/// has data with a sequence number at most it).
pub(crate) async fn exists_by_properties(
    caller: Caller,
    Extension(store): Extension<Store>,
    RawQuery(raw): RawQuery,
) -> Result<Response, DevOpsError> {
    let query = properties::query(raw.as_deref(), Some("_updateSequenceId"), SHAPE)?;
    let provider = provider(&caller);
    let store = lock(&store);
    let exists = store.repositories.by_key.iter().any(|((owner, _), r)| {
        *owner == provider
            && matches(&r.properties, &query.properties)
            && query.sequence.is_none_or(|limit| r.has_data_up_to(limit))
    });
    Ok(Json(json!({ "hasDataMatchingProperties": exists })).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devinfo_ids_and_keys_follow_the_spec() {
        for good in ["abc", "a.b-c_d~e", "08cd9c26"] {
            assert!(is_entity_id(good), "{good}");
        }
        for bad in ["", "a/b", "a b", &"x".repeat(1025)] {
            assert!(!is_entity_id(bad), "{bad}");
        }
        for good in ["KILN-1", "Ünï_2-30"] {
            assert!(is_devinfo_issue_key(good), "{good}");
        }
        for bad in ["K-1", "1KILN-1", "KILN-", "KILN-x", "KI LN-1"] {
            assert!(!is_devinfo_issue_key(bad), "{bad}");
        }
    }

    #[test]
    fn long_commit_messages_are_cut() {
        let mut data = Map::new();
        data.insert(String::from("message"), Value::from("é".repeat(2000)));
        let mut last = Map::new();
        last.insert(String::from("message"), Value::from("x".repeat(1025)));
        data.insert(String::from("lastCommit"), Value::Object(last));
        cut_messages(&mut data);
        assert_eq!(
            data["message"].as_str().map(|m| m.chars().count()),
            Some(1024)
        );
        assert_eq!(
            data["lastCommit"]["message"].as_str().map(str::len),
            Some(1024)
        );
    }
}
