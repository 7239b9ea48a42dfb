//! Alerts: create, list, read by id or alias, acknowledge, close, and the status
//! of those asynchronous requests.
//!
//! The Ops API takes alert actions asynchronously: create answers 200 and
//! acknowledge and close 202, each with a `requestId`, and
//! `GET /v1/alerts/requests/{id}` tells whether the action succeeded
//! (`isSuccess`). The simulator applies an action at once, so its status is
//! final when the answer arrives; an action on an alert that does not exist, or
//! that the caller may not see, is accepted and then reported as failed, as the
//! operations declare no 404 of their own.
//!
//! Who sees an alert (the Ops reference: "Team Member ... can only access the
//! alerts that they have permission for", and `visibleTo`): an admin; whoever
//! raised it; a user it names as responder or viewer, or a member of a team it
//! names; someone who may read a schedule it names as responder. An alert that
//! names no responder and no viewer belongs to no team and is visible to every
//! user (an inference: nothing restricts it).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::OpsError;
use super::extract::{Params, parse_body};
use super::paging::{self, Paging};
use super::permissions::can_read;
use super::render;
use crate::access::Caller;
use crate::clock::rfc3339;
use crate::shared::Shared;
use crate::world::{AlertParty, AlertRecord, AlertRequest, AlertStatus, World};

/// The Ops API's limits on alert fields (`CreateAlertRequest`'s `maximum`s,
/// read as lengths; tags and actions as Opsgenie, which the API descends from,
/// bounds them).
const MAX_MESSAGE_CHARS: usize = 130;
const MAX_ALIAS_CHARS: usize = 512;
const MAX_ENTITY_CHARS: usize = 512;
const MAX_SOURCE_CHARS: usize = 100;
const MAX_DESCRIPTION_CHARS: usize = 15_000;
const MAX_NOTE_CHARS: usize = 25_000;
const MAX_EXTRA_PROPERTIES_CHARS: usize = 8_000;
const MAX_PARTIES: usize = 50;
const MAX_TAGS: usize = 20;
const MAX_ACTIONS: usize = 10;
const MAX_LABEL_CHARS: usize = 50;
/// "Sum of offset and size should be lower than 20K."
const MAX_LIST_REACH: usize = 20_000;
/// Alerts kept per run; the oldest closed ones go first past this, so an app
/// raising alerts in a loop cannot exhaust memory.
const MAX_ALERTS: usize = 10_000;
/// `Source`'s default is "IP address of the incoming request". The simulator
/// serves loopback, so that address is the loopback one; it does not look up
/// the peer (an inference that holds for every client it may have).
const DEFAULT_SOURCE: &str = "127.0.0.1";

#[derive(Deserialize)]
pub(crate) struct AlertPath {
    alert_id: String,
}

#[derive(Deserialize)]
pub(crate) struct RequestPath {
    request_id: String,
}

/// `{"type", "id"}` of a responder or viewer.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PartyInput {
    id: String,
    #[serde(rename = "type")]
    kind: String,
}

/// `CreateAlertRequest`: every documented field, each kept.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct CreateInput {
    message: String,
    #[serde(default)]
    responders: Vec<PartyInput>,
    #[serde(default)]
    visible_to: Vec<PartyInput>,
    note: Option<String>,
    alias: Option<String>,
    entity: Option<String>,
    source: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    actions: Vec<String>,
    description: Option<String>,
    priority: Option<String>,
    #[serde(default)]
    extra_properties: BTreeMap<String, String>,
}

fn at_most(field: &str, text: &str, max: usize) -> Result<(), OpsError> {
    if text.chars().count() > max {
        return Err(OpsError::field(
            field,
            format!("must be at most {max} characters."),
        ));
    }
    Ok(())
}

fn labels(field: &str, items: &[String], max: usize) -> Result<(), OpsError> {
    if items.len() > max {
        return Err(OpsError::field(field, format!("at most {max} entries.")));
    }
    items
        .iter()
        .try_for_each(|t| at_most(field, t, MAX_LABEL_CHARS))
}

/// Responders or viewers, each of an allowed kind and existing.
fn parties(
    world: &World,
    field: &str,
    input: Vec<PartyInput>,
    kinds: &[&str],
) -> Result<Vec<AlertParty>, OpsError> {
    if input.len() > MAX_PARTIES {
        return Err(OpsError::field(field, "at most 50 entries."));
    }
    input
        .into_iter()
        .map(|p| {
            if !kinds.contains(&p.kind.as_str()) {
                return Err(OpsError::field(
                    field,
                    format!("type [{}] is not one of {}.", p.kind, kinds.join(", ")),
                ));
            }
            let exists = match p.kind.as_str() {
                "user" => world.user(&p.id).is_some(),
                "team" => world.team(&p.id).is_some(),
                "schedule" => world.schedule_index(&p.id).is_some(),
                // No escalations are modelled, so none exists.
                _ => false,
            };
            if !exists {
                return Err(OpsError::field(
                    field,
                    format!("{} [{}] does not exist.", p.kind, p.id),
                ));
            }
            Ok(AlertParty {
                kind: p.kind,
                id: p.id,
            })
        })
        .collect()
}

pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    body: Bytes,
) -> Result<Json<Value>, OpsError> {
    let input: CreateInput = parse_body(&body)?;
    let message = input.message.trim().to_owned();
    if message.is_empty() || message.chars().count() > MAX_MESSAGE_CHARS {
        return Err(OpsError::field("message", "must be 1 to 130 characters."));
    }
    let priority = input.priority.unwrap_or_else(|| String::from("P3"));
    if !["P1", "P2", "P3", "P4", "P5"].contains(&priority.as_str()) {
        return Err(OpsError::field(
            "priority",
            "must be one of P1, P2, P3, P4, P5.",
        ));
    }
    let description = input.description.unwrap_or_default();
    at_most("description", &description, MAX_DESCRIPTION_CHARS)?;
    if let Some(note) = &input.note {
        at_most("note", note, MAX_NOTE_CHARS)?;
    }
    if let Some(entity) = &input.entity {
        at_most("entity", entity, MAX_ENTITY_CHARS)?;
    }
    let source = input.source.unwrap_or_else(|| String::from(DEFAULT_SOURCE));
    at_most("source", &source, MAX_SOURCE_CHARS)?;
    labels("tags", &input.tags, MAX_TAGS)?;
    labels("actions", &input.actions, MAX_ACTIONS)?;
    let extra: usize = input
        .extra_properties
        .iter()
        .map(|(k, v)| k.chars().count() + v.chars().count())
        .sum();
    if extra > MAX_EXTRA_PROPERTIES_CHARS {
        return Err(OpsError::field(
            "extraProperties",
            "must be at most 8000 characters in all.",
        ));
    }
    if let Some(alias) = &input.alias {
        at_most("alias", alias, MAX_ALIAS_CHARS)?;
    }
    let mut world = shared.world();
    let responders = parties(
        &world,
        "responders",
        input.responders,
        &["team", "user", "escalation", "schedule"],
    )?;
    let visible_to = parties(&world, "visibleTo", input.visible_to, &["team", "user"])?;
    let now = world.now();
    // Alert de-duplication: a create with the alias of an alert still open
    // counts another occurrence of it instead of raising a second alert.
    if let Some(alias) = &input.alias
        && let Some(existing) = world
            .alerts
            .iter_mut()
            .find(|a| &a.alias == alias && a.status != AlertStatus::Closed)
    {
        existing.count = existing.count.saturating_add(1);
        existing.last_occurred = now;
        existing.updated = now;
        let id = existing.id.clone();
        return Ok(Json(accepted(&mut world, "Create", Ok(&id))));
    }
    if world.alerts.len() >= MAX_ALERTS
        && let Some(oldest) = world
            .alerts
            .iter()
            .position(|a| a.status == AlertStatus::Closed)
    {
        world.alerts.remove(oldest);
    }
    if world.alerts.len() >= MAX_ALERTS {
        return Err(OpsError::unprocessable(
            "The simulator keeps at most 10000 open alerts.",
        ));
    }
    let id = uuid::Uuid::new_v4().to_string();
    let tiny_id = world.next_alert_tiny_id;
    world.next_alert_tiny_id += 1;
    world.alerts.push(AlertRecord {
        id: id.clone(),
        tiny_id,
        alias: input.alias.unwrap_or_else(|| id.clone()),
        message,
        description,
        priority,
        tags: input.tags,
        entity: input.entity,
        source,
        actions: input.actions,
        extra_properties: input.extra_properties,
        responders,
        visible_to,
        note: input.note,
        status: AlertStatus::Open,
        acknowledged: false,
        seen: false,
        count: 1,
        reporter: caller.account_id,
        created: now,
        updated: now,
        last_occurred: now,
    });
    Ok(Json(accepted(&mut world, "Create", Ok(&id))))
}

/// Whether `account_id` may see `alert` (see the module documentation).
fn can_see(world: &World, account_id: &str, alert: &AlertRecord) -> bool {
    if world.is_ops_admin(account_id)
        || alert.reporter == account_id
        || (alert.responders.is_empty() && alert.visible_to.is_empty())
    {
        return true;
    }
    alert
        .responders
        .iter()
        .chain(&alert.visible_to)
        .any(|p| match p.kind.as_str() {
            "user" => p.id == account_id,
            "team" => world.is_team_member(account_id, &p.id),
            "schedule" => world
                .schedule_index(&p.id)
                .is_some_and(|i| can_read(world, account_id, &world.schedules[i])),
            _ => false,
        })
}

/// One term of the alert search the simulator understands: `field:value` (or
/// `field=value`); terms are joined by `AND` or spaces.
enum Term {
    Status(AlertStatus),
    Priority(String),
    Alias(String),
    Tag(String),
    Acknowledged(bool),
    Seen(bool),
    Entity(String),
    Source(String),
}

impl Term {
    fn matches(&self, alert: &AlertRecord) -> bool {
        match self {
            Self::Status(s) => alert.status == *s,
            Self::Priority(p) => alert.priority.eq_ignore_ascii_case(p),
            Self::Alias(a) => &alert.alias == a,
            Self::Tag(t) => alert.tags.iter().any(|x| x == t),
            Self::Acknowledged(b) => alert.acknowledged == *b,
            Self::Seen(b) => alert.seen == *b,
            Self::Entity(e) => alert.entity.as_deref() == Some(e.as_str()),
            Self::Source(s) => &alert.source == s,
        }
    }
}

/// Parses `query`. The full alert search syntax (OR, NOT, wildcards, other
/// fields) is refused with a 422 naming the term, not half-applied.
fn search(query: &str) -> Result<Vec<Term>, OpsError> {
    let unsupported = |term: &str| {
        OpsError::field(
            "query",
            format!(
                "the simulator's alert search understands field:value terms joined by AND, on status, priority, alias, tag, acknowledged, seen, entity and source; not [{term}]."
            ),
        )
    };
    let flag = |term: &str, v: &str| match v {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(unsupported(term)),
    };
    query
        .split_whitespace()
        .filter(|t| !t.eq_ignore_ascii_case("and"))
        .map(|term| {
            let (field, value) = term
                .split_once([':', '='])
                .ok_or_else(|| unsupported(term))?;
            let value = value.trim_matches('"');
            if value.is_empty() || value.contains('*') {
                return Err(unsupported(term));
            }
            Ok(match field {
                "status" => {
                    Term::Status(AlertStatus::parse(value).ok_or_else(|| unsupported(term))?)
                }
                "priority" => Term::Priority(value.to_owned()),
                "alias" => Term::Alias(value.to_owned()),
                "tag" | "tags" => Term::Tag(value.to_owned()),
                "acknowledged" => Term::Acknowledged(flag(term, value)?),
                "seen" | "isSeen" => Term::Seen(flag(term, value)?),
                "entity" => Term::Entity(value.to_owned()),
                "source" => Term::Source(value.to_owned()),
                _ => return Err(unsupported(term)),
            })
        })
        .collect()
}

/// `GET /v1/alerts`: the alerts the caller may see, filtered by `query` and
/// `from`/`to` (Unix seconds of creation, inclusive; the reference types them
/// as 32-bit integers, which only seconds fit), sorted by `sort` (default
/// `insertedAt`) in `order` (default `desc`), paged 20 by default, 100 at most.
/// `count` is the number of matching alerts on every page together.
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    params: Params,
) -> Result<Json<Value>, OpsError> {
    params.only(&["size", "sort", "offset", "order", "query", "from", "to"])?;
    let paging = Paging::from_params(&params, paging::ALERTS)?;
    if paging.offset.saturating_add(paging.size) > MAX_LIST_REACH {
        return Err(OpsError::field(
            "offset",
            "offset and size together must be under 20000.",
        ));
    }
    let sort = params.one("sort")?.unwrap_or("insertedAt");
    if !["createdAt", "insertedAt", "lastOccurredAt", "priority"].contains(&sort) {
        return Err(OpsError::field(
            "sort",
            "must be one of createdAt, insertedAt, lastOccurredAt, priority.",
        ));
    }
    let descending = match params.one("order")?.unwrap_or("desc") {
        "desc" => true,
        "asc" => false,
        _ => return Err(OpsError::field("order", "must be asc or desc.")),
    };
    let terms = search(params.one("query")?.unwrap_or_default())?;
    let seconds = |name: &str| -> Result<Option<i64>, OpsError> {
        params
            .one(name)?
            .map(|v| {
                v.parse::<i64>()
                    .map_err(|_| OpsError::field(name, "must be an integer."))
            })
            .transpose()
    };
    let (from, to) = (seconds("from")?, seconds("to")?);
    let world = shared.world();
    let mut alerts: Vec<&AlertRecord> = world
        .alerts
        .iter()
        .filter(|a| can_see(&world, &caller.account_id, a))
        .filter(|a| terms.iter().all(|t| t.matches(a)))
        .filter(|a| from.is_none_or(|f| a.created.unix_timestamp() >= f))
        .filter(|a| to.is_none_or(|t| a.created.unix_timestamp() <= t))
        .collect();
    alerts.sort_by(|a, b| {
        let key = match sort {
            "lastOccurredAt" => a.last_occurred.cmp(&b.last_occurred),
            // P1 is the most urgent: "descending priority" puts it first.
            "priority" => b.priority.cmp(&a.priority),
            _ => a.created.cmp(&b.created),
        };
        key.then(a.tiny_id.cmp(&b.tiny_id))
    });
    if descending {
        alerts.reverse();
    }
    let mut next = url::form_urlencoded::Serializer::new(String::new());
    for name in ["sort", "order", "query", "from", "to"] {
        if let Some(value) = params.one(name)? {
            next.append_pair(name, value);
        }
    }
    let next = next.finish();
    let path = if next.is_empty() {
        String::from("/v1/alerts")
    } else {
        format!("/v1/alerts?{next}")
    };
    let mut page = paging.page(&alerts, |a| render::alert(a), &path);
    page["count"] = json!(alerts.len());
    Ok(Json(page))
}

pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<AlertPath>,
) -> Result<Json<Value>, OpsError> {
    let mut world = shared.world();
    let index = world
        .alerts
        .iter()
        .position(|a| a.id == path.alert_id)
        .ok_or_else(|| alert_not_found(&path.alert_id))?;
    Ok(Json(view(&mut world, &caller, index)?))
}

/// `GET /v1/alerts/alias?alias=`: the open alert with this alias, else the
/// latest closed one (aliases repeat only across closed alerts).
pub(crate) async fn by_alias(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    params: Params,
) -> Result<Json<Value>, OpsError> {
    params.only(&["alias"])?;
    let alias = params
        .one("alias")?
        .ok_or_else(|| OpsError::field("alias", "is required."))?
        .to_owned();
    let mut world = shared.world();
    let index = world
        .alerts
        .iter()
        .rposition(|a| a.alias == alias && a.status != AlertStatus::Closed)
        .or_else(|| world.alerts.iter().rposition(|a| a.alias == alias))
        .ok_or_else(|| {
            OpsError::not_found(format!("Alert with alias [{alias}] does not exist."))
        })?;
    Ok(Json(view(&mut world, &caller, index)?))
}

/// The alert at `index` as the caller sees it (403 if they may not), marked
/// seen: `seen` is "whether the alert has been viewed by a user", and reading
/// it through the API is viewing it (an inference).
fn view(world: &mut World, caller: &Caller, index: usize) -> Result<Value, OpsError> {
    if !can_see(world, &caller.account_id, &world.alerts[index]) {
        return Err(OpsError::forbidden(
            "You are not allowed to access this alert.",
        ));
    }
    world.alerts[index].seen = true;
    Ok(render::alert(&world.alerts[index]))
}

pub(crate) async fn acknowledge(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<AlertPath>,
) -> (StatusCode, Json<Value>) {
    change(&shared, &caller, &path.alert_id, "Acknowledge", |alert| {
        alert.acknowledged = true;
        if alert.status == AlertStatus::Open {
            alert.status = AlertStatus::Acked;
        }
    })
}

pub(crate) async fn close(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(path): Path<AlertPath>,
) -> (StatusCode, Json<Value>) {
    change(&shared, &caller, &path.alert_id, "Close", |alert| {
        alert.status = AlertStatus::Closed
    })
}

pub(crate) async fn request_status(
    State(shared): State<Arc<Shared>>,
    _caller: Caller,
    Path(path): Path<RequestPath>,
) -> Result<Json<Value>, OpsError> {
    let world = shared.world();
    let request = world
        .alert_requests
        .iter()
        .find(|r| r.id == path.request_id)
        .ok_or_else(|| {
            OpsError::not_found(format!(
                "Request with id [{}] does not exist.",
                path.request_id
            ))
        })?;
    let mut body = json!({
        "action": request.action,
        "processedAt": rfc3339(request.processed),
        "isSuccess": request.success,
        "status": request.status,
    });
    if !request.alert_id.is_empty() {
        body["alertId"] = json!(request.alert_id);
        body["alias"] = json!(request.alias);
    }
    Ok(Json(body))
}

fn change(
    shared: &Shared,
    caller: &Caller,
    alert_id: &str,
    action: &'static str,
    apply: impl FnOnce(&mut AlertRecord),
) -> (StatusCode, Json<Value>) {
    let mut world = shared.world();
    let now = world.now();
    let outcome = match world.alerts.iter().position(|a| a.id == alert_id) {
        None => Err("Alert does not exist."),
        Some(i) if !can_see(&world, &caller.account_id, &world.alerts[i]) => {
            Err("You are not allowed to access this alert.")
        }
        Some(i) => {
            let alert = &mut world.alerts[i];
            apply(alert);
            alert.updated = now;
            Ok(alert_id)
        }
    };
    (
        StatusCode::ACCEPTED,
        Json(accepted(&mut world, action, outcome)),
    )
}

/// Records an action's outcome (the alert it applied to, or why it failed) and
/// answers with its request id (`SuccessResponse`).
fn accepted(world: &mut World, action: &'static str, outcome: Result<&str, &str>) -> Value {
    let request_id = uuid::Uuid::new_v4().to_string();
    let (alert_id, alias, success, status) = match outcome {
        Ok(id) => {
            let alias = world
                .alerts
                .iter()
                .find(|a| a.id == id)
                .map(|a| a.alias.clone())
                .unwrap_or_default();
            (id.to_owned(), alias, true, format!("{action} processed"))
        }
        Err(why) => (String::new(), String::new(), false, why.to_owned()),
    };
    if world.alert_requests.len() >= MAX_ALERTS {
        world.alert_requests.remove(0);
    }
    let processed = world.now();
    world.alert_requests.push(AlertRequest {
        id: request_id.clone(),
        action,
        alert_id,
        alias,
        processed,
        success,
        status,
    });
    json!({ "result": "Request will be processed", "took": 0, "requestId": request_id })
}

fn alert_not_found(id: &str) -> OpsError {
    OpsError::not_found(format!("Alert with id [{id}] does not exist."))
}
