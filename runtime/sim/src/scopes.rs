//! Which OAuth scopes each implemented operation needs behind the gateway.
//!
//! Hand-kept for the operations the simulator implements. Platform scopes come from
//! the `x-atlassian-oauth2-scopes` of Atlassian's OpenAPI (`Current` = classic,
//! `Beta` = granular); `search/jql` postdates that snapshot and mirrors the classic
//! `read:jira-work` of the search it replaced. JSM Ops scopes come from the Ops API's
//! security requirements (writes need the read scope too). An operation not listed
//! here is refused to every bearer token: deny by default.

use axum::http::Method;

/// Scope sets any one of which grants the operation.
pub(crate) type Alternatives = &'static [&'static [&'static str]];

const GET_ISSUE: Alternatives = &[
    &["read:jira-work"],
    &[
        "read:issue-meta:jira",
        "read:issue-security-level:jira",
        "read:issue.vote:jira",
        "read:issue.changelog:jira",
        "read:avatar:jira",
        "read:issue:jira",
        "read:status:jira",
        "read:user:jira",
        "read:field-configuration:jira",
    ],
];
/// `bulkFetchIssues` lists exactly `getIssue`'s scopes.
const BULK_FETCH_ISSUES: Alternatives = GET_ISSUE;
const GET_VOTES: Alternatives = &[
    &["read:jira-work"],
    &[
        "read:issue.vote:jira",
        "read:user:jira",
        "read:application-role:jira",
        "read:avatar:jira",
        "read:group:jira",
    ],
];
const WRITE_VOTES: Alternatives = &[&["write:jira-work"], &["write:issue.vote:jira"]];
const CREATE_ISSUE: Alternatives = &[
    &["write:jira-work"],
    &[
        "write:issue:jira",
        "write:comment:jira",
        "write:comment.property:jira",
        "write:attachment:jira",
        "read:issue:jira",
    ],
];
const EDIT_ISSUE: Alternatives = &[&["write:jira-work"], &["write:issue:jira"]];
const DELETE_ISSUE: Alternatives = &[&["write:jira-work"], &["delete:issue:jira"]];
const GET_COMMENTS: Alternatives = &[
    &["read:jira-work"],
    &[
        "read:comment:jira",
        "read:comment.property:jira",
        "read:group:jira",
        "read:project:jira",
        "read:project-role:jira",
        "read:user:jira",
        "read:avatar:jira",
    ],
];
/// `getMyPermissions`: classic `read:jira-work` or granular `read:permission:jira`.
const MY_PERMISSIONS: Alternatives = &[&["read:jira-work"], &["read:permission:jira"]];
const LABELS: Alternatives = &[&["read:jira-work"], &["read:label:jira"]];
const READ_PROJECT_PROPERTY: Alternatives = &[&["read:jira-work"], &["read:project.property:jira"]];
const WRITE_PROJECT_PROPERTY: Alternatives =
    &[&["manage:jira-project"], &["write:project.property:jira"]];
const DELETE_PROJECT_PROPERTY: Alternatives =
    &[&["manage:jira-project"], &["delete:project.property:jira"]];
/// Forge app properties: the spec lists only the granular scope for reads, and an
/// empty classic set beside `write:app-data:jira` for writes; an empty set is
/// refused here as everywhere (see `serverInfo` below), so writes need the scope.
const READ_APP_PROPERTY: Alternatives = &[&["read:app-data:jira"]];
const WRITE_APP_PROPERTY: Alternatives = &[&["write:app-data:jira"]];
const READ_USER_PROPERTY: Alternatives = &[&["read:jira-user"], &["read:user.property:jira"]];
const WRITE_USER_PROPERTY: Alternatives = &[&["write:jira-work"], &["write:user.property:jira"]];
const DELETE_USER_PROPERTY: Alternatives = &[&["write:jira-work"], &["delete:user.property:jira"]];
const UPDATE_COMMENT: Alternatives = &[
    &["write:jira-work"],
    &[
        "read:comment:jira",
        "read:comment.property:jira",
        "read:group:jira",
        "read:project:jira",
        "read:project-role:jira",
        "read:user:jira",
        "write:comment:jira",
        "read:avatar:jira",
    ],
];
const DELETE_COMMENT: Alternatives = &[
    &["write:jira-work"],
    &["delete:comment:jira", "delete:comment.property:jira"],
];
const REGISTER_WEBHOOKS: Alternatives = &[
    &["read:jira-work", "manage:jira-webhook"],
    &["read:field:jira", "read:project:jira", "write:webhook:jira"],
];
const LIST_WEBHOOKS: Alternatives = &[
    &["read:jira-work", "manage:jira-webhook"],
    &["read:webhook:jira", "read:jql:jira"],
];
const DELETE_WEBHOOKS: Alternatives = &[
    &["read:jira-work", "manage:jira-webhook"],
    &["delete:webhook:jira"],
];
const REFRESH_WEBHOOKS: Alternatives = &[
    &["read:jira-work", "manage:jira-webhook"],
    &["write:webhook:jira", "read:webhook:jira"],
];
const FAILED_WEBHOOKS: Alternatives = &[
    &["read:jira-work", "manage:jira-webhook"],
    &[
        "read:issue-details:jira",
        "read:webhook:jira",
        "read:comment.property:jira",
        "read:group:jira",
        "read:issue-type:jira",
        "read:project-role:jira",
        "read:epic:jira-software",
    ],
];
const ADD_COMMENT: Alternatives = &[
    &["write:jira-work"],
    &[
        "read:comment:jira",
        "read:comment.property:jira",
        "read:group:jira",
        "read:project:jira",
        "read:project-role:jira",
        "read:user:jira",
        "write:comment:jira",
        "read:avatar:jira",
    ],
];
const GET_TRANSITIONS: Alternatives = &[
    &["read:jira-work"],
    &[
        "read:issue.transition:jira",
        "read:status:jira",
        "read:field-configuration:jira",
    ],
];
const DO_TRANSITION: Alternatives = &[
    &["write:jira-work"],
    &["write:issue:jira", "write:issue.property:jira"],
];
const SEARCH: Alternatives = &[
    &["read:jira-work"],
    &[
        "read:issue-details:jira",
        "read:audit-log:jira",
        "read:avatar:jira",
        "read:field-configuration:jira",
        "read:issue-meta:jira",
    ],
];
const PROJECTS: Alternatives = &[
    &["read:jira-work"],
    &[
        "read:issue-type:jira",
        "read:project:jira",
        "read:project.property:jira",
        "read:user:jira",
        "read:application-role:jira",
        "read:avatar:jira",
        "read:group:jira",
        "read:issue-type-hierarchy:jira",
        "read:project-category:jira",
        "read:project-version:jira",
        "read:project.component:jira",
    ],
];
const MYSELF: Alternatives = &[
    &["read:jira-user"],
    &[
        "read:application-role:jira",
        "read:group:jira",
        "read:user:jira",
        "read:avatar:jira",
    ],
];
const PROJECT_STATUSES: Alternatives = &[
    &["read:jira-work"],
    &[
        "read:issue-status:jira",
        "read:issue-type:jira",
        "read:status:jira",
    ],
];
const CREATE_META: Alternatives = &[
    &["read:jira-work"],
    &[
        "read:issue-meta:jira",
        "read:avatar:jira",
        "read:field-configuration:jira",
    ],
];
const FIND_USERS: Alternatives = &[
    &["read:jira-user"],
    &[
        "read:user:jira",
        "read:user.property:jira",
        "read:application-role:jira",
        "read:avatar:jira",
        "read:group:jira",
    ],
];
const FIELDS: Alternatives = &[
    &["read:jira-work"],
    &[
        "read:field:jira",
        "read:avatar:jira",
        "read:project-category:jira",
        "read:project:jira",
        "read:field-configuration:jira",
    ],
];
const CREATE_CUSTOM_FIELD: Alternatives = &[
    &["manage:jira-configuration"],
    &[
        "write:field:jira",
        "read:avatar:jira",
        "read:field:jira",
        "read:project-category:jira",
        "read:project:jira",
        "read:field-configuration:jira",
    ],
];
const FIELDS_PAGINATED: Alternatives = &[
    &["read:jira-work"],
    &["read:field:jira", "read:field-configuration:jira"],
];
const FIELD_CONTEXTS: Alternatives = &[
    &["manage:jira-configuration"],
    &[
        "read:field:jira",
        "read:custom-field-contextual-configuration:jira",
    ],
];
const READ_FIELD_OPTIONS: Alternatives =
    &[&["manage:jira-configuration"], &["read:field.option:jira"]];
const WRITE_FIELD_OPTIONS: Alternatives = &[
    &["manage:jira-configuration"],
    &["read:field.option:jira", "write:field.option:jira"],
];
const DELETE_FIELD_OPTION: Alternatives = &[
    &["manage:jira-configuration"],
    &["delete:field.option:jira"],
];
const EDIT_META: Alternatives = &[
    &["read:jira-work"],
    &["read:issue-meta:jira", "read:field-configuration:jira"],
];
const GET_WORKLOGS: Alternatives = &[
    &["read:jira-work"],
    &[
        "read:group:jira",
        "read:issue-worklog:jira",
        "read:issue-worklog.property:jira",
        "read:project-role:jira",
        "read:user:jira",
        "read:avatar:jira",
    ],
];
const ADD_WORKLOG: Alternatives = &[
    &["write:jira-work"],
    &[
        "write:issue-worklog:jira",
        "write:issue-worklog.property:jira",
        "read:avatar:jira",
        "read:group:jira",
        "read:issue-worklog:jira",
        "read:project-role:jira",
        "read:user:jira",
        "read:issue-worklog.property:jira",
    ],
];
const GET_WATCHERS: Alternatives = &[
    &["read:jira-work"],
    &[
        "read:issue.watcher:jira",
        "read:user:jira",
        "read:avatar:jira",
    ],
];
const WRITE_WATCHERS: Alternatives = &[&["write:jira-work"], &["write:issue.watcher:jira"]];
const READ_ISSUE_PROPERTY: Alternatives = &[&["read:jira-work"], &["read:issue.property:jira"]];
const WRITE_ISSUE_PROPERTY: Alternatives = &[&["write:jira-work"], &["write:issue.property:jira"]];
const DELETE_ISSUE_PROPERTY: Alternatives =
    &[&["write:jira-work"], &["delete:issue.property:jira"]];

/// `addAttachment`.
const ADD_ATTACHMENT: Alternatives = &[
    &["write:jira-work"],
    &[
        "read:user:jira",
        "write:attachment:jira",
        "read:attachment:jira",
        "read:avatar:jira",
    ],
];
/// `getAttachment`.
const GET_ATTACHMENT: Alternatives = &[
    &["read:jira-work"],
    &[
        "read:attachment:jira",
        "read:user:jira",
        "read:application-role:jira",
        "read:avatar:jira",
        "read:group:jira",
    ],
];
/// `removeAttachment`.
const REMOVE_ATTACHMENT: Alternatives = &[&["write:jira-work"], &["delete:attachment:jira"]];
/// `getAttachmentContent`.
const ATTACHMENT_CONTENT: Alternatives = &[&["read:jira-work"], &["read:attachment:jira"]];
/// `getAttachmentMeta`.
const ATTACHMENT_SETTINGS: Alternatives =
    &[&["read:jira-work"], &["read:instance-configuration:jira"]];

/// `getIssueLinkTypes` and `getIssueLinkType`.
const READ_ISSUE_LINK_TYPES: Alternatives = &[&["read:jira-work"], &["read:issue-link-type:jira"]];
/// `linkIssues`.
const LINK_ISSUES: Alternatives = &[
    &["write:jira-work"],
    &[
        "write:comment:jira",
        "write:issue:jira",
        "write:issue-link:jira",
    ],
];
/// `getIssueLink`.
const GET_ISSUE_LINK: Alternatives = &[
    &["read:jira-work"],
    &[
        "read:field:jira",
        "read:issue-link-type:jira",
        "read:issue:jira",
        "read:issue-type:jira",
        "read:priority:jira",
        "read:status:jira",
        "read:avatar:jira",
        "read:issue.time-tracking:jira",
        "read:project-category:jira",
        "read:project:jira",
        "read:user:jira",
    ],
];
/// `deleteIssueLink`.
const DELETE_ISSUE_LINK: Alternatives = &[&["write:jira-work"], &["delete:issue-link:jira"]];

const OPS_CONFIG_READ: Alternatives = &[&["read:ops-config:jira-service-management"]];
const OPS_CONFIG_WRITE: Alternatives = &[&[
    "read:ops-config:jira-service-management",
    "write:ops-config:jira-service-management",
]];
const OPS_CONFIG_DELETE: Alternatives = &[&[
    "read:ops-config:jira-service-management",
    "delete:ops-config:jira-service-management",
]];
const OPS_ALERT_READ: Alternatives = &[&["read:ops-alert:jira-service-management"]];
const OPS_ALERT_WRITE: Alternatives = &[&[
    "read:ops-alert:jira-service-management",
    "write:ops-alert:jira-service-management",
]];

/// The scope alternatives for `method` on the route `template` (an axum route
/// template without the gateway's `/ex/jira/{cloud_id}` prefix).
pub(crate) fn required(method: &Method, template: &str) -> Option<Alternatives> {
    // REST API v2 has v3's operations and scopes (`platform/v2.rs`).
    let v3;
    let template = match template.strip_prefix("/rest/api/2/") {
        Some(rest) => {
            v3 = format!("/rest/api/3/{rest}");
            v3.as_str()
        }
        None => template,
    };
    const OPS: &str = "/jsm/ops/api/{cloud_id}/v1";
    if let Some(ops_path) = template.strip_prefix(OPS) {
        return ops_required(method, ops_path);
    }
    const PROPERTIES: &str = "/rest/api/3/issue/{issue_id_or_key}/properties";
    const PROPERTY: &str = "/rest/api/3/issue/{issue_id_or_key}/properties/{property_key}";
    const PROJECT_PROPERTIES: &str = "/rest/api/3/project/{project_id_or_key}/properties";
    const PROJECT_PROPERTY: &str =
        "/rest/api/3/project/{project_id_or_key}/properties/{property_key}";
    const USER_PROPERTIES: &str = "/rest/api/3/user/properties";
    const USER_PROPERTY: &str = "/rest/api/3/user/properties/{property_key}";
    const APP_PROPERTIES: &str = "/rest/forge/1/app/properties";
    const APP_PROPERTY: &str = "/rest/forge/1/app/properties/{property_key}";
    const FIELD_OPTIONS: &str = "/rest/api/3/field/{field_id}/context/{context_id}/option";
    const FIELD_OPTION: &str =
        "/rest/api/3/field/{field_id}/context/{context_id}/option/{option_id}";
    let m = method.as_str();
    let found = match (m, template) {
        ("GET", "/rest/api/3/mypermissions") => MY_PERMISSIONS,
        ("POST", "/rest/api/3/issue") => CREATE_ISSUE,
        ("POST", "/rest/api/3/issue/bulkfetch") => BULK_FETCH_ISSUES,
        ("GET", "/rest/api/3/issue/{issue_id_or_key}/votes") => GET_VOTES,
        ("POST" | "DELETE", "/rest/api/3/issue/{issue_id_or_key}/votes") => WRITE_VOTES,
        ("GET", "/rest/api/3/issue/{issue_id_or_key}") => GET_ISSUE,
        ("PUT", "/rest/api/3/issue/{issue_id_or_key}") => EDIT_ISSUE,
        ("DELETE", "/rest/api/3/issue/{issue_id_or_key}") => DELETE_ISSUE,
        ("GET", "/rest/api/3/issue/{issue_id_or_key}/comment") => GET_COMMENTS,
        ("POST", "/rest/api/3/issue/{issue_id_or_key}/comment") => ADD_COMMENT,
        ("GET", "/rest/api/3/issue/{issue_id_or_key}/transitions") => GET_TRANSITIONS,
        ("POST", "/rest/api/3/issue/{issue_id_or_key}/transitions") => DO_TRANSITION,
        ("PUT", "/rest/api/3/issue/{issue_id_or_key}/assignee") => EDIT_ISSUE,
        ("GET" | "POST", "/rest/api/3/search/jql") => SEARCH,
        (
            "GET",
            "/rest/api/3/project"
            | "/rest/api/3/project/search"
            | "/rest/api/3/project/{project_id_or_key}",
        ) => PROJECTS,
        ("GET", "/rest/api/3/project/{project_id_or_key}/statuses") => PROJECT_STATUSES,
        (
            "GET",
            "/rest/api/3/issue/createmeta/{project_id_or_key}/issuetypes"
            | "/rest/api/3/issue/createmeta/{project_id_or_key}/issuetypes/{issue_type_id}",
        ) => CREATE_META,
        // `getUser` lists the same scopes as `getCurrentUser`.
        ("GET", "/rest/api/3/user" | "/rest/api/3/myself") => MYSELF,
        ("GET", "/rest/api/3/user/search") => FIND_USERS,
        ("GET", "/rest/api/3/issue/{issue_id_or_key}/editmeta") => EDIT_META,
        ("GET", "/rest/api/3/field") => FIELDS,
        ("POST", "/rest/api/3/field") => CREATE_CUSTOM_FIELD,
        ("GET", "/rest/api/3/field/search") => FIELDS_PAGINATED,
        ("GET", "/rest/api/3/field/{field_id}/context") => FIELD_CONTEXTS,
        ("GET", FIELD_OPTIONS) => READ_FIELD_OPTIONS,
        ("POST" | "PUT", FIELD_OPTIONS) => WRITE_FIELD_OPTIONS,
        ("DELETE", FIELD_OPTION) => DELETE_FIELD_OPTION,
        ("GET", "/rest/api/3/issue/{issue_id_or_key}/worklog") => GET_WORKLOGS,
        ("POST", "/rest/api/3/issue/{issue_id_or_key}/worklog") => ADD_WORKLOG,
        ("GET", "/rest/api/3/issue/{issue_id_or_key}/watchers") => GET_WATCHERS,
        ("POST" | "DELETE", "/rest/api/3/issue/{issue_id_or_key}/watchers") => WRITE_WATCHERS,
        ("GET", "/rest/api/3/issue/{issue_id_or_key}/comment/{id}") => GET_COMMENTS,
        ("PUT", "/rest/api/3/issue/{issue_id_or_key}/comment/{id}") => UPDATE_COMMENT,
        ("DELETE", "/rest/api/3/issue/{issue_id_or_key}/comment/{id}") => DELETE_COMMENT,
        ("POST", "/rest/api/3/webhook") => REGISTER_WEBHOOKS,
        ("GET", "/rest/api/3/webhook") => LIST_WEBHOOKS,
        ("DELETE", "/rest/api/3/webhook") => DELETE_WEBHOOKS,
        ("PUT", "/rest/api/3/webhook/refresh") => REFRESH_WEBHOOKS,
        ("GET", "/rest/api/3/webhook/failed") => FAILED_WEBHOOKS,
        ("GET", "/rest/api/3/label") => LABELS,
        ("GET", PROJECT_PROPERTIES | PROJECT_PROPERTY) => READ_PROJECT_PROPERTY,
        ("PUT", PROJECT_PROPERTY) => WRITE_PROJECT_PROPERTY,
        ("DELETE", PROJECT_PROPERTY) => DELETE_PROJECT_PROPERTY,
        ("GET", USER_PROPERTIES | USER_PROPERTY) => READ_USER_PROPERTY,
        ("PUT", USER_PROPERTY) => WRITE_USER_PROPERTY,
        ("DELETE", USER_PROPERTY) => DELETE_USER_PROPERTY,
        ("GET", PROPERTIES | PROPERTY) => READ_ISSUE_PROPERTY,
        ("PUT", PROPERTY) => WRITE_ISSUE_PROPERTY,
        ("DELETE", PROPERTY) => DELETE_ISSUE_PROPERTY,
        ("POST", "/rest/api/3/issue/{issue_id_or_key}/attachments") => ADD_ATTACHMENT,
        ("GET", "/rest/api/3/attachment/{id}") => GET_ATTACHMENT,
        ("DELETE", "/rest/api/3/attachment/{id}") => REMOVE_ATTACHMENT,
        ("GET", "/rest/api/3/attachment/content/{id}") => ATTACHMENT_CONTENT,
        ("GET", "/rest/api/3/attachment/meta") => ATTACHMENT_SETTINGS,
        ("GET", "/rest/api/3/issueLinkType" | "/rest/api/3/issueLinkType/{issue_link_type_id}") => {
            READ_ISSUE_LINK_TYPES
        }
        ("POST", "/rest/api/3/issueLink") => LINK_ISSUES,
        ("GET", "/rest/api/3/issueLink/{link_id}") => GET_ISSUE_LINK,
        ("DELETE", "/rest/api/3/issueLink/{link_id}") => DELETE_ISSUE_LINK,
        ("GET", APP_PROPERTIES | APP_PROPERTY) => READ_APP_PROPERTY,
        ("PUT" | "DELETE", APP_PROPERTY) => WRITE_APP_PROPERTY,
        // `serverInfo` lists empty scope sets: Kiln's catalogue refuses it to apps,
        // and so does the gateway here.
        _ => {
            return crate::platform::site_metadata::scopes(m, template)
                .or_else(|| crate::platform::issue_history::scopes(m, template));
        }
    };
    Some(found)
}

fn ops_required(method: &Method, path: &str) -> Option<Alternatives> {
    const SCHEDULE: &str = "/schedules/{schedule_id}";
    const ROTATION: &str = "/schedules/{schedule_id}/rotations/{rotation_id}";
    const OVERRIDE: &str = "/schedules/{schedule_id}/overrides/{alias}";
    const ROTATIONS: &str = "/schedules/{schedule_id}/rotations";
    const OVERRIDES: &str = "/schedules/{schedule_id}/overrides";
    const ON_CALLS: &str = "/schedules/{schedule_id}/on-calls";
    const NEXT_ON_CALLS: &str = "/schedules/{schedule_id}/next-on-calls";
    const TIMELINE: &str = "/schedules/{schedule_id}/timeline";
    let found = match (method.as_str(), path) {
        ("GET", "/teams" | "/schedules" | SCHEDULE | ROTATIONS | ROTATION) => OPS_CONFIG_READ,
        ("GET", OVERRIDES | OVERRIDE | ON_CALLS | NEXT_ON_CALLS | TIMELINE) => OPS_CONFIG_READ,
        ("POST", "/schedules" | ROTATIONS | OVERRIDES) => OPS_CONFIG_WRITE,
        ("PATCH", SCHEDULE | ROTATION) | ("PUT", OVERRIDE) => OPS_CONFIG_WRITE,
        ("DELETE", SCHEDULE | ROTATION | OVERRIDE) => OPS_CONFIG_DELETE,
        (
            "GET",
            "/alerts" | "/alerts/alias" | "/alerts/{alert_id}" | "/alerts/requests/{request_id}",
        ) => OPS_ALERT_READ,
        ("POST", "/alerts" | "/alerts/{alert_id}/acknowledge" | "/alerts/{alert_id}/close") => {
            OPS_ALERT_WRITE
        }
        _ => return None,
    };
    Some(found)
}

/// Whether `granted` covers every scope of at least one alternative.
pub(crate) fn satisfied(
    alternatives: Alternatives,
    granted: &std::collections::BTreeSet<String>,
) -> bool {
    alternatives
        .iter()
        .any(|needed| needed.iter().all(|scope| granted.contains(*scope)))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| String::from(*s)).collect()
    }

    #[test]
    fn classic_or_granular_grants_an_operation() {
        let alts = required(&Method::PUT, "/rest/api/3/issue/{issue_id_or_key}").expect("mapped");
        assert!(satisfied(alts, &set(&["write:jira-work"])));
        assert!(satisfied(alts, &set(&["write:issue:jira"])));
        assert!(!satisfied(alts, &set(&["read:jira-work"])));
    }

    #[test]
    fn ops_writes_need_the_read_scope_too() {
        let alts = required(&Method::POST, "/jsm/ops/api/{cloud_id}/v1/schedules").expect("mapped");
        assert!(!satisfied(
            alts,
            &set(&["write:ops-config:jira-service-management"])
        ));
        assert!(satisfied(
            alts,
            &set(&[
                "read:ops-config:jira-service-management",
                "write:ops-config:jira-service-management"
            ])
        ));
    }

    /// Every Ops route the simulator serves, with the scopes `jsm-ops-routes.tsv`
    /// lists for it (read, read+write, read+delete).
    #[test]
    fn every_served_ops_route_needs_the_scopes_atlassian_lists() {
        const READ: &str = "read:ops-config:jira-service-management";
        const WRITE: &str = "write:ops-config:jira-service-management";
        const DELETE: &str = "delete:ops-config:jira-service-management";
        let routes: &[(Method, &str, &[&str])] = &[
            (Method::GET, "/teams", &[READ]),
            (Method::GET, "/schedules", &[READ]),
            (Method::POST, "/schedules", &[READ, WRITE]),
            (Method::GET, "/schedules/{schedule_id}", &[READ]),
            (Method::PATCH, "/schedules/{schedule_id}", &[READ, WRITE]),
            (Method::DELETE, "/schedules/{schedule_id}", &[READ, DELETE]),
            (Method::GET, "/schedules/{schedule_id}/rotations", &[READ]),
            (
                Method::POST,
                "/schedules/{schedule_id}/rotations",
                &[READ, WRITE],
            ),
            (
                Method::GET,
                "/schedules/{schedule_id}/rotations/{rotation_id}",
                &[READ],
            ),
            (
                Method::PATCH,
                "/schedules/{schedule_id}/rotations/{rotation_id}",
                &[READ, WRITE],
            ),
            (
                Method::DELETE,
                "/schedules/{schedule_id}/rotations/{rotation_id}",
                &[READ, DELETE],
            ),
            (Method::GET, "/schedules/{schedule_id}/overrides", &[READ]),
            (
                Method::POST,
                "/schedules/{schedule_id}/overrides",
                &[READ, WRITE],
            ),
            (
                Method::GET,
                "/schedules/{schedule_id}/overrides/{alias}",
                &[READ],
            ),
            (
                Method::PUT,
                "/schedules/{schedule_id}/overrides/{alias}",
                &[READ, WRITE],
            ),
            (
                Method::DELETE,
                "/schedules/{schedule_id}/overrides/{alias}",
                &[READ, DELETE],
            ),
            (Method::GET, "/schedules/{schedule_id}/on-calls", &[READ]),
            (
                Method::GET,
                "/schedules/{schedule_id}/next-on-calls",
                &[READ],
            ),
            (Method::GET, "/schedules/{schedule_id}/timeline", &[READ]),
        ];
        for (method, path, scopes) in routes {
            let template = format!("/jsm/ops/api/{{cloud_id}}/v1{path}");
            let alts = required(method, &template).expect("mapped");
            assert_eq!(alts, &[*scopes], "{method} {path}");
        }
        assert!(
            required(
                &Method::PUT,
                "/jsm/ops/api/{cloud_id}/v1/schedules/{schedule_id}"
            )
            .is_none()
        );
    }

    /// The issue link operations, with the classic and a granular scope the
    /// platform spec lists for each; v2 has v3's; link type administration is
    /// not served, so not granted.
    #[test]
    fn issue_link_operations_need_the_spec_scopes() {
        let routes: &[(Method, &str, &str, &str)] = &[
            (
                Method::GET,
                "/rest/api/3/issueLinkType",
                "read:jira-work",
                "read:issue-link-type:jira",
            ),
            (
                Method::GET,
                "/rest/api/2/issueLinkType/{issue_link_type_id}",
                "read:jira-work",
                "read:issue-link-type:jira",
            ),
            (
                Method::DELETE,
                "/rest/api/3/issueLink/{link_id}",
                "write:jira-work",
                "delete:issue-link:jira",
            ),
        ];
        for (method, template, classic, granular) in routes {
            let alts = required(method, template).expect("mapped");
            assert!(satisfied(alts, &set(&[classic])), "{method} {template}");
            assert!(satisfied(alts, &set(&[granular])), "{method} {template}");
        }
        let link = required(&Method::POST, "/rest/api/3/issueLink").expect("mapped");
        assert!(satisfied(link, &set(&["write:jira-work"])));
        assert!(!satisfied(link, &set(&["write:issue-link:jira"])));
        assert!(satisfied(
            link,
            &set(&[
                "write:comment:jira",
                "write:issue:jira",
                "write:issue-link:jira"
            ])
        ));
        let get = required(&Method::GET, "/rest/api/3/issueLink/{link_id}").expect("mapped");
        assert!(satisfied(get, &set(&["read:jira-work"])));
        assert!(!satisfied(get, &set(&["write:jira-work"])));
        assert!(required(&Method::POST, "/rest/api/3/issueLinkType").is_none());
    }

    /// The attachment operations, with the classic and granular scopes the
    /// platform spec lists for each; v2 has v3's.
    #[test]
    fn attachment_operations_need_the_spec_scopes() {
        let routes: &[(Method, &str, &str, &str)] = &[
            (
                Method::POST,
                "/rest/api/3/issue/{issue_id_or_key}/attachments",
                "write:jira-work",
                "write:attachment:jira",
            ),
            (
                Method::GET,
                "/rest/api/3/attachment/{id}",
                "read:jira-work",
                "read:attachment:jira",
            ),
            (
                Method::DELETE,
                "/rest/api/3/attachment/{id}",
                "write:jira-work",
                "delete:attachment:jira",
            ),
            (
                Method::GET,
                "/rest/api/2/attachment/content/{id}",
                "read:jira-work",
                "read:attachment:jira",
            ),
            (
                Method::GET,
                "/rest/api/3/attachment/meta",
                "read:jira-work",
                "read:instance-configuration:jira",
            ),
        ];
        for (method, template, classic, granular) in routes {
            let alts = required(method, template).expect("mapped");
            assert!(satisfied(alts, &set(&[classic])), "{method} {template}");
            assert!(alts[1].contains(granular), "{method} {template}");
            assert!(
                !satisfied(alts, &set(&["read:jira-user"])),
                "{method} {template}"
            );
        }
    }

    #[test]
    fn unmapped_operations_are_denied() {
        assert!(required(&Method::DELETE, "/rest/api/3/project/{project_id_or_key}").is_none());
    }
}
