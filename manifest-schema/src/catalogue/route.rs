//! A catalogued Jira route: what the guest may call and which scopes open it.

use std::fmt;
use std::str::FromStr;

use super::Scope;

/// The HTTP methods an app can use (the WIT `method` enum). Anything else cannot
/// be expressed, so it cannot be smuggled past the catalogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    /// Every method, in the order used to index the catalogue.
    pub const ALL: [Method; 5] = [
        Method::Get,
        Method::Post,
        Method::Put,
        Method::Patch,
        Method::Delete,
    ];

    /// The upper-case wire name (`GET`, …).
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A method name that is not one of the five Kiln supports.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported HTTP method {0:?} (expected GET, POST, PUT, PATCH or DELETE)")]
pub struct UnsupportedMethod(pub String);

impl FromStr for Method {
    type Err = UnsupportedMethod;

    /// Exact upper-case names only: the wire form is case-sensitive.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Method::ALL
            .into_iter()
            .find(|m| m.as_str() == name)
            .ok_or_else(|| UnsupportedMethod(name.to_owned()))
    }
}

/// Which Atlassian API a route belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Product {
    /// Jira platform REST API (`/rest/api/3/...`).
    Platform,
    /// Jira Software REST API (`/rest/agile/1.0/...`).
    Software,
    /// Jira Service Management Ops REST API (`/jsm/ops/api/{cloudId}/v1/...`).
    JsmOps,
}

impl fmt::Display for Product {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Product::Platform => "Jira platform",
            Product::Software => "Jira Software",
            Product::JsmOps => "JSM Ops",
        })
    }
}

/// One catalogued operation.
#[derive(Debug, PartialEq, Eq)]
pub struct Route {
    pub method: Method,
    /// The product path as the guest writes it, with `{param}` placeholders.
    pub template: &'static str,
    /// The spec's `operationId`.
    pub operation_id: &'static str,
    pub product: Product,
    /// Who may be granted the route: the apps that declare one of
    /// `alternatives`, or every app.
    pub access: Access,
    /// Scope sets, any one of which grants a [`Access::Scoped`] route (classic
    /// first, then granular). No set is empty, and the list is empty exactly
    /// when the route is [`Access::AnonymousRead`]: a route nobody can be
    /// granted is simply not catalogued. An [`Access::OwnAppData`] route keeps
    /// the app-data scope the spec names beside "no scope": it grants nothing
    /// more, but says whether the operation reads or writes.
    pub alternatives: &'static [&'static [Scope]],
}

/// How a catalogued route is granted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// An app that declares every scope of one of the route's alternatives.
    Scoped,
    /// Every app, with no scope: a read (Atlassian's Connect scope `READ`)
    /// that the spec opens both to anonymous callers (the empty security
    /// requirement `{}`) and to any OAuth 2.0 token (`{"OAuth2": []}`). Today
    /// `GET /rest/api/3/serverInfo`, which Forge apps call for the site's base
    /// URL, and `POST /rest/api/3/permissions/check`, which `@forge/api`'s
    /// `authorize()` sends (its classic scope list is empty; the granular
    /// `read:permission:jira` the spec also names is not needed). Anyone on the
    /// internet may ask them and they change nothing, so no scope an
    /// administrator approves would stand for what they tell; Jira still
    /// answers only what the credential's owner may see. A write, or an
    /// operation the spec opens to anonymous callers but not to OAuth 2.0
    /// (Basic-auth-only operations), stays shut.
    AnonymousRead,
    /// Every app, with no scope: an operation on the calling app's own data,
    /// which Jira confines to that app whoever asks. The spec opens it to any
    /// OAuth 2.0 token (`{"OAuth2": []}`, not to anonymous callers), its
    /// current (`Current`) scope set is empty, and the only scope it names
    /// besides is Atlassian's app-data scope (`read:app-data:jira` or
    /// `write:app-data:jira`, `Beta`). Today, from the December 2025 spec:
    /// - `PUT /rest/api/3/app/field/{fieldIdOrKey}/value` and
    ///   `POST /rest/api/3/app/field/value`: values of the app's own custom
    ///   fields (Jira answers 403 for another app's field);
    /// - `GET` and `POST /rest/api/3/jql/function/computation`,
    ///   `POST /rest/api/3/jql/function/computation/search`: precomputations
    ///   of the app's own JQL functions;
    /// - `DELETE /rest/api/3/uiModifications/{uiModificationId}`: one of the
    ///   app's own UI modifications;
    /// - `PUT` and `DELETE /rest/forge/1/app/properties/{propertyKey}`: the
    ///   app's own properties (keyed by the calling app).
    ///
    /// A Forge app calls them with no scope. What they touch is the app's
    /// already, so no scope an administrator approves would stand for it;
    /// declaring the app-data scope is accepted and changes nothing. The spec
    /// calls that scope "100% optional now" and says Atlassian will make it
    /// mandatory: once its current set names it, the generator's rule no
    /// longer matches and the route is [`Access::Scoped`] again. Jira serves
    /// these operations to apps only (app properties to Forge apps' `asApp()`
    /// only), and keys them by the integration calling: on a configured site,
    /// whose one credential all of a host's apps share, Jira sees one app, as
    /// it does for the dynamic webhooks `runtime/src/policy/host_routes.rs`
    /// keeps from apps; the simulator gives each app an integration of its
    /// own (`Simulator::app_client_for`). Connect's
    /// add-on properties (`/rest/atlassian-connect/1/addons/{addonKey}/...`),
    /// which name the app in the path and no app-data scope, stay shut.
    OwnAppData,
}

/// An operation of Atlassian's specs that no OAuth 2.0 scope opens (the spec
/// names none, or only empty sets: anonymous or Connect-only access). Never
/// catalogued, since the host always attaches a credential and a route nobody
/// can be granted stays shut; known only so that refusing one can say why.
#[derive(Debug, PartialEq, Eq)]
pub struct UnscopedOperation {
    pub method: Method,
    /// The path as the spec writes it, with `{param}` placeholders.
    pub template: &'static str,
    /// The spec's `operationId`.
    pub operation_id: &'static str,
}

impl fmt::Display for Route {
    /// `GET /rest/api/3/issue/{issueIdOrKey}`, as in the WIT `scope-denied.route`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.template)
    }
}
