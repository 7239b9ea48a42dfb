//! The answer for a route a real site serves but the simulator does not model.
//!
//! Answering such a route with Jira's `404 null for uri` would tell an app's author
//! that the route does not exist, and send them hunting for a typo. Instead the
//! simulator answers `501 Not Implemented` with [`SIMULATOR_HEADER`]` = `[`NOT_MODELLED`]
//! and a body, in the product's error shape, naming the operation it lacks. Which
//! routes a real site serves comes from Atlassian's specs: `generated.rs` lists every
//! operation of the platform, Software and JSM Ops specs, scoped or not, and is
//! written by `kiln-manifest`'s `generate-catalogue` (its drift test keeps it true).
//!
//! The list is deliberately not Kiln's scope catalogue: the simulator stands for the
//! real site, which also serves operations no OAuth scope opens (`getPolicy`).

#[rustfmt::skip]
mod generated;

use axum::Json;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::jira_error::JiraError;

/// The response header that marks a simulator-specific answer. The CLI looks for it
/// to print a hint instead of leaving the author with a bare 501.
pub const SIMULATOR_HEADER: &str = "x-kiln-simulator";

/// [`SIMULATOR_HEADER`]'s value on a 501 for a route the simulator does not model.
pub const NOT_MODELLED: &str = "not-modelled";

/// One operation of Atlassian's specs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpecOperation {
    pub method: &'static str,
    /// `/literal/{param}/pre{param}suf`, as the specs write it (JSM Ops under `/jsm/ops`).
    pub template: &'static str,
    pub operation_id: &'static str,
}

impl std::fmt::Display for SpecOperation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} ({})",
            self.method, self.template, self.operation_id
        )
    }
}

/// Every operation of Atlassian's platform, Software and JSM Ops specs, sorted by
/// template then method: what a real site serves. The simulator models some; for
/// the rest it answers 501 with [`SIMULATOR_HEADER`]` = `[`NOT_MODELLED`].
pub fn spec_operations() -> &'static [SpecOperation] {
    &generated::SPEC_OPERATIONS
}

/// The spec operation `method path` would reach on a real site, if any. `path` is
/// as received: on the site, or behind the gateway (`/ex/jira/{cloudId}/...`, where
/// 3LO JSM Ops calls drop the cloud id from `/jsm/ops/api/v1/...`).
pub(crate) fn spec_operation(method: &Method, path: &str) -> Option<&'static SpecOperation> {
    let path = site_path(path);
    let segments: Vec<&str> = path.split('/').collect();
    spec_operations()
        .iter()
        .filter(|operation| operation.method == method.as_str())
        .filter_map(|operation| {
            literal_score(operation.template, &segments).map(|s| (s, operation))
        })
        // The most literal template wins, as a literal segment beats a parameter on
        // a real site (`/issue/createmeta` over `/issue/{issueIdOrKey}`).
        .max_by_key(|(score, _)| *score)
        .map(|(_, operation)| operation)
}

/// `path` without the gateway prefix, with the cloud id of a 3LO Ops call put back
/// where the Ops spec has it.
fn site_path(path: &str) -> std::borrow::Cow<'_, str> {
    let Some(site) = behind_gateway(path) else {
        return as_v3(path);
    };
    match site.strip_prefix("/jsm/ops/api/v1/") {
        Some(ops) => format!("/jsm/ops/api/cloud-id/v1/{ops}").into(),
        None => as_v3(site),
    }
}

/// What a call through the gateway asks of the site: `path` after
/// `/ex/jira/{cloudId}`, from its `/`. `None` for a path called on the site
/// itself, or a gateway path that names no more than a cloud id. The one place
/// that reads the gateway's prefix off a path as received.
fn behind_gateway(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("/ex/jira/")?;
    rest.find('/').map(|slash| &rest[slash..])
}

/// A REST API v2 path or template as v3's, whose operations it has (the specs
/// describe v3 only; `platform/v2.rs`).
fn as_v3(path: &str) -> std::borrow::Cow<'_, str> {
    match path.strip_prefix("/rest/api/2/") {
        Some(rest) => format!("/rest/api/3/{rest}").into(),
        None => path.into(),
    }
}

/// How literally `template` matches: (whole literal segments, literal characters
/// around parameters), or `None` if it does not match.
fn literal_score(template: &str, segments: &[&str]) -> Option<(usize, usize)> {
    let parts: Vec<&str> = template.split('/').collect();
    if parts.len() != segments.len() {
        return None;
    }
    let mut score = (0, 0);
    for (part, segment) in parts.iter().zip(segments) {
        match part.split_once('{') {
            None if part == segment => score.0 += 1,
            None => return None,
            Some((prefix, rest)) => {
                let suffix = rest.split_once('}').map_or("", |(_, suffix)| suffix);
                let value = segment
                    .strip_prefix(prefix)
                    .and_then(|s| s.strip_suffix(suffix))?;
                if value.is_empty() {
                    return None;
                }
                score.1 += prefix.len() + suffix.len();
            }
        }
    }
    Some(score)
}

/// A route layer: a request that a modelled route caught only through a parameter,
/// where the spec has a more literal operation the simulator lacks
/// (`GET /issue/createmeta` reaching `GET /issue/{issueIdOrKey}`), gets the 501
/// instead of the handler's answer about an issue called `createmeta`. The other
/// way round passes: a route more literal than the request's operation
/// (`GET /issue/bulkfetch`, which is `getIssue` of an issue keyed `bulkfetch`) is
/// the simulator's own handler for that operation there.
pub(crate) async fn unless_shadowed(request: Request, next: Next) -> Response {
    let matched = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| site_template(m.as_str()).into_owned());
    if let (Some(matched), Some(operation)) = (
        matched,
        spec_operation(request.method(), request.uri().path()),
    ) && shape(operation.template) != shape(&matched)
        && !more_literal(&matched, operation.template, request.uri().path())
    {
        return unavailable(operation, request.uri().path());
    }
    next.run(request).await
}

/// Whether the route template `matched` names `path` more literally than the
/// spec's `template` does (both as the specs write paths, [`site_template`]).
fn more_literal(matched: &str, template: &str, path: &str) -> bool {
    let path = site_path(path);
    let segments: Vec<&str> = path.split('/').collect();
    match (
        literal_score(matched, &segments),
        literal_score(template, &segments),
    ) {
        (Some(matched), Some(template)) => matched > template,
        _ => false,
    }
}

/// An axum route template as the specs write paths: without the gateway prefix,
/// and for 3LO JSM Ops (`/ex/jira/{cloud_id}/jsm/ops/api/v1/...`) with the cloud id
/// back where the Ops spec has it (`/jsm/ops/api/{cloudId}/v1/...`).
fn site_template(template: &str) -> std::borrow::Cow<'_, str> {
    let Some(rest) = template.strip_prefix("/ex/jira/{cloud_id}") else {
        return as_v3(template);
    };
    match rest.strip_prefix("/jsm/ops/api/v1/") {
        Some(ops) => format!("/jsm/ops/api/{{cloud_id}}/v1/{ops}").into(),
        None => as_v3(rest),
    }
}

/// `/a/{x}/b{y}.ics` → `/a/{}/b{}.ics`: a template with its parameter names dropped.
fn shape(template: &str) -> String {
    let mut out = String::with_capacity(template.len());
    let mut in_parameter = false;
    for c in template.chars() {
        match c {
            '{' => {
                in_parameter = true;
                out.push_str("{}");
            }
            '}' => in_parameter = false,
            _ if in_parameter => {}
            _ => out.push(c),
        }
    }
    out
}

/// The router's fallback (no route) and method fallback (route, other method): a
/// 501 naming the spec operation if there is one, else what a real site answers.
pub(crate) async fn answer(request: Request) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let path_is_routed = request.extensions().get::<MatchedPath>().is_some();
    match spec_operation(&method, &path) {
        Some(operation) => unavailable(operation, &path),
        None if path_is_routed => StatusCode::METHOD_NOT_ALLOWED.into_response(),
        None => JiraError::not_found("null for uri").into_response(),
    }
}

/// An operation the specs still list that Atlassian has removed from its sites, with
/// the changelog entry that removed it and what replaces it.
struct Removed {
    operation_id: &'static str,
    /// The entry of Atlassian's changelog that announced the removal (`CHANGE-2046`).
    change: &'static str,
    /// The replacement's method and v3 template.
    method: &'static str,
    template: &'static str,
}

/// Operations Atlassian has removed. The December 2025 platform spec marks the
/// classic JQL search and the strongly consistent expression evaluation
/// (`evaluateJiraExpression`) "Currently being removed" (CHANGE-2046, effective
/// May 1, 2025 in the spec's `x-changes`), and says of the
/// classic workflow operations "This will be removed on" February 1, 2026
/// (CHANGE-2567, CHANGE-2568) and June 1, 2026 (CHANGE-2569, CHANGE-2570): dates
/// past. Jira Cloud answers a removed operation `410 Gone`, and so does the
/// simulator, so that an app still calling one learns so offline and not in
/// production. (REST API v2's paths are the same operations: `as_v3`.)
const REMOVED: &[Removed] = &[
    Removed {
        operation_id: "searchForIssuesUsingJql",
        change: "CHANGE-2046",
        method: "GET",
        template: "/rest/api/3/search/jql",
    },
    Removed {
        operation_id: "searchForIssuesUsingJqlPost",
        change: "CHANGE-2046",
        method: "POST",
        template: "/rest/api/3/search/jql",
    },
    // Its replacement evaluates the same expressions over the enhanced search
    // (`platform/expression_evaluate.rs`).
    Removed {
        operation_id: "evaluateJiraExpression",
        change: "CHANGE-2046",
        method: "POST",
        template: "/rest/api/3/expression/evaluate",
    },
    Removed {
        operation_id: "getAllWorkflows",
        change: "CHANGE-2567",
        method: "GET",
        template: "/rest/api/3/workflows/search",
    },
    Removed {
        operation_id: "createWorkflow",
        change: "CHANGE-2568",
        method: "POST",
        template: "/rest/api/3/workflows/create",
    },
    Removed {
        operation_id: "getWorkflowsPaginated",
        change: "CHANGE-2569",
        method: "GET",
        template: "/rest/api/3/workflows/search",
    },
    // The transition properties now travel with the workflow (`Bulk get workflows`).
    Removed {
        operation_id: "getWorkflowTransitionProperties",
        change: "CHANGE-2570",
        method: "POST",
        template: "/rest/api/3/workflows",
    },
    Removed {
        operation_id: "createWorkflowTransitionProperty",
        change: "CHANGE-2570",
        method: "POST",
        template: "/rest/api/3/workflows",
    },
    Removed {
        operation_id: "updateWorkflowTransitionProperty",
        change: "CHANGE-2570",
        method: "POST",
        template: "/rest/api/3/workflows",
    },
    Removed {
        operation_id: "deleteWorkflowTransitionProperty",
        change: "CHANGE-2570",
        method: "POST",
        template: "/rest/api/3/workflows",
    },
];

/// Whether Atlassian has removed `operation` ([`REMOVED`]), and how.
fn removal(operation: &SpecOperation) -> Option<&'static Removed> {
    REMOVED
        .iter()
        .find(|removed| removed.operation_id == operation.operation_id)
}

/// The answer for a call to `path` that reached a spec `operation` the
/// simulator does not serve: Jira's `410` if Atlassian removed it
/// ([`removed_message`]), else the simulator's `501` ([`not_modelled`]).
fn unavailable(operation: &SpecOperation, path: &str) -> Response {
    match removed_message(operation, path) {
        Some(message) => JiraError::new(StatusCode::GONE, message).into_response(),
        None => not_modelled_as(
            operation,
            &format!(
                "{} {} ({})",
                operation.method,
                in_version(operation.template, called_in_v2(path)),
                operation.operation_id
            ),
        ),
    }
}

/// The 410's message if Atlassian removed `operation`. It names the operation
/// as the caller called it, in the REST API version of `path` (the specs write
/// only v3's paths), and the replacement in that version too: Atlassian's REST
/// API v2 reference documents the enhanced search at `/rest/api/2/search/jql`
/// as v3's is at `/rest/api/3/search/jql` (the platform spec describes v3
/// alone), and the simulator serves both.
fn removed_message(operation: &SpecOperation, path: &str) -> Option<String> {
    let removed = removal(operation)?;
    let v2 = called_in_v2(path);
    Some(format!(
        "{} {} ({}) has been removed from Jira Cloud ({change}, \
         https://developer.atlassian.com/changelog/#{change}): use {} {}",
        operation.method,
        in_version(operation.template, v2),
        operation.operation_id,
        removed.method,
        in_version(removed.template, v2),
        change = removed.change,
    ))
}

/// Whether `path` (as received: on the site or behind the gateway) is a REST
/// API v2 call.
fn called_in_v2(path: &str) -> bool {
    behind_gateway(path)
        .unwrap_or(path)
        .starts_with("/rest/api/2/")
}

/// A platform template as the specs write it (v3), in v2 if `v2`: the inverse
/// of [`as_v3`].
fn in_version(template: &str, v2: bool) -> std::borrow::Cow<'_, str> {
    match template.strip_prefix("/rest/api/3/") {
        Some(rest) if v2 => format!("/rest/api/2/{rest}").into(),
        _ => template.into(),
    }
}

/// The simulator's `501` for a spec operation it does not model, marked with
/// [`SIMULATOR_HEADER`], in the product's error shape.
pub(crate) fn not_modelled(operation: &SpecOperation) -> Response {
    not_modelled_as(operation, &operation.to_string())
}

/// [`not_modelled`], naming the operation as `named` (a v2 call in v2's path).
fn not_modelled_as(operation: &SpecOperation, named: &str) -> Response {
    let message = format!(
        "Kiln's Jira simulator does not model {named}; a real site serves it. \
         docs/simulator.md lists the routes the simulator models."
    );
    let mut response = if operation.template.starts_with("/jsm/ops/") {
        // JSM Ops' error shape (`ErrorResponses` in the Ops spec).
        (
            StatusCode::NOT_IMPLEMENTED,
            Json(json!({ "errors": [{ "title": message, "code": "NotModelled" }] })),
        )
            .into_response()
    } else {
        JiraError::new(StatusCode::NOT_IMPLEMENTED, message).into_response()
    };
    response
        .headers_mut()
        .insert(SIMULATOR_HEADER, HeaderValue::from_static(NOT_MODELLED));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each removed operation is one the specs list, and its replacement too: a typo
    /// in the table would leave the operation's 501 in place, or point the caller at
    /// a route that does not exist.
    #[test]
    fn removed_operations_and_their_replacements_are_spec_operations() {
        for removed in REMOVED {
            assert!(
                spec_operations()
                    .iter()
                    .any(|op| op.operation_id == removed.operation_id),
                "{} is no spec operation",
                removed.operation_id
            );
            assert!(
                spec_operations()
                    .iter()
                    .any(|op| op.method == removed.method && op.template == removed.template),
                "{} {} replaces {} but is no spec operation",
                removed.method,
                removed.template,
                removed.operation_id
            );
            assert!(removed.change.starts_with("CHANGE-"), "{}", removed.change);
        }
    }

    fn found(method: Method, path: &str) -> Option<&'static str> {
        spec_operation(&method, path).map(|operation| operation.template)
    }

    #[test]
    fn paths_find_their_spec_operation() {
        let cases: &[(Method, &str, Option<&str>)] = &[
            (
                Method::GET,
                "/rest/api/3/issue/KILN-1/votes",
                Some("/rest/api/3/issue/{issueIdOrKey}/votes"),
            ),
            (
                Method::GET,
                "/rest/api/3/issue/createmeta",
                Some("/rest/api/3/issue/createmeta"),
            ),
            (
                Method::GET,
                "/ex/jira/c-1/rest/api/3/serverInfo",
                Some("/rest/api/3/serverInfo"),
            ),
            (
                Method::GET,
                "/jsm/ops/api/c-1/v1/schedules/s-1.ics",
                Some("/jsm/ops/api/{cloudId}/v1/schedules/{scheduleId}.ics"),
            ),
            (
                Method::GET,
                "/ex/jira/c-1/jsm/ops/api/v1/schedules/s-1.ics",
                Some("/jsm/ops/api/{cloudId}/v1/schedules/{scheduleId}.ics"),
            ),
            (
                Method::GET,
                "/rest/agile/1.0/board/1/sprint",
                Some("/rest/agile/1.0/board/{boardId}/sprint"),
            ),
            (Method::GET, "/rest/api/3/issue/KILN-1/nonsense", None),
            (Method::PATCH, "/rest/api/3/issue/KILN-1", None),
            (Method::GET, "/rest/api/3/issue/", None),
            (
                Method::GET,
                "/rest/api/2/issue/KILN-1",
                Some("/rest/api/3/issue/{issueIdOrKey}"),
            ),
            (
                Method::GET,
                "/ex/jira/c-1/rest/api/2/issue/KILN-1/changelog",
                Some("/rest/api/3/issue/{issueIdOrKey}/changelog"),
            ),
            (Method::GET, "/ex/jira", None),
        ];
        for (method, path, expected) in cases {
            assert_eq!(found(method.clone(), path), *expected, "{method} {path}");
        }
    }

    #[test]
    fn a_route_more_literal_than_the_operation_is_not_shadowed() {
        let get_issue = "/rest/api/3/issue/{issueIdOrKey}";
        assert!(more_literal(
            "/rest/api/3/issue/bulkfetch",
            get_issue,
            "/ex/jira/c-1/rest/api/2/issue/bulkfetch"
        ));
        assert!(!more_literal(
            &site_template("/rest/api/3/issue/{issue_id_or_key}"),
            "/rest/api/3/issue/createmeta",
            "/rest/api/3/issue/createmeta"
        ));
    }

    #[test]
    fn shapes_ignore_parameter_names() {
        assert_eq!(
            shape(&site_template(
                "/ex/jira/{cloud_id}/rest/api/3/issue/{issue_id_or_key}"
            )),
            shape("/rest/api/3/issue/{issueIdOrKey}")
        );
        assert_eq!(
            shape(&site_template(
                "/ex/jira/{cloud_id}/jsm/ops/api/v1/teams/{team_id}"
            )),
            shape("/jsm/ops/api/{cloudId}/v1/teams/{teamId}")
        );
        assert_eq!(
            shape("/jsm/ops/api/{cloudId}/v1/schedules/{scheduleId}.ics"),
            "/jsm/ops/api/{}/v1/schedules/{}.ics"
        );
        assert_ne!(
            shape("/rest/api/3/issue/createmeta"),
            shape("/rest/api/3/issue/{issueIdOrKey}")
        );
    }

    #[test]
    fn the_removed_search_is_named_in_the_version_called() {
        let message = |method: Method, path: &str| {
            let operation = spec_operation(&method, path).expect("a spec operation");
            removed_message(operation, path).expect("removed")
        };
        let tail = "has been removed from Jira Cloud (CHANGE-2046, \
                    https://developer.atlassian.com/changelog/#CHANGE-2046): use";
        assert_eq!(
            message(Method::GET, "/rest/api/2/search"),
            format!(
                "GET /rest/api/2/search (searchForIssuesUsingJql) {tail} GET /rest/api/2/search/jql"
            )
        );
        assert_eq!(
            message(Method::POST, "/ex/jira/c-1/rest/api/2/search"),
            format!(
                "POST /rest/api/2/search (searchForIssuesUsingJqlPost) {tail} POST \
                 /rest/api/2/search/jql"
            )
        );
        assert_eq!(
            message(Method::GET, "/ex/jira/c-1/rest/api/3/search"),
            format!(
                "GET /rest/api/3/search (searchForIssuesUsingJql) {tail} GET /rest/api/3/search/jql"
            )
        );
        let not_removed = spec_operation(&Method::GET, "/rest/api/2/issue/KILN-1/votes")
            .expect("a spec operation");
        assert_eq!(
            removed_message(not_removed, "/rest/api/2/issue/KILN-1/votes"),
            None
        );
        assert!(!called_in_v2("/rest/agile/1.0/board"));
        assert!(!called_in_v2("/ex/jira"));
        assert!(!called_in_v2("/rest/api/3/search"));
        assert_eq!(
            in_version("/rest/agile/1.0/board", true),
            "/rest/agile/1.0/board"
        );
    }

    #[test]
    fn every_spec_operation_finds_itself() {
        for operation in spec_operations() {
            let method: Method = operation.method.parse().expect("a method");
            let matched = spec_operation(&method, operation.template).expect("matches itself");
            assert_eq!(matched, operation, "{operation} is shadowed by {matched}");
        }
    }
}
