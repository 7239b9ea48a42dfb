//! The route → scope catalogue, generated from Atlassian's API specs.
//!
//! The runtime asks two questions on every `request-jira` call: which route is
//! this ([`Catalogue::match_route`]), and do the declared scopes open it
//! ([`DeclaredScopes::allows`]). A route that is not catalogued is refused.

mod declared;
mod forge_scopes;
#[rustfmt::skip]
mod generated;
mod matcher;
mod route;
mod scope;

pub use declared::{DeclaredScopes, ScopeDecision};
pub use forge_scopes::{forge_scopes, is_forge_scope};
pub use generated::Scope;
pub use matcher::Catalogue;
pub use route::{Access, Method, Product, Route, UnscopedOperation, UnsupportedMethod};
pub use scope::UnknownScope;

/// The process-wide catalogue, indexed on first use.
pub fn catalogue() -> &'static Catalogue {
    Catalogue::get()
}
