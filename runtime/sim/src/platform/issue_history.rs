//! (scaffold: filled in by the work on this module)

use std::sync::Arc;

use axum::Router;

use crate::scopes::Alternatives;
use crate::shared::Shared;

/// This module's routes, relative to `/rest/api/{version}`.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
}

/// The scope alternatives of this module's operations (`method`, v3 template
/// as in [`crate::scopes::required`]), or `None` for a route not its own.
pub(crate) fn scopes(_method: &str, _template: &str) -> Option<Alternatives> {
    None
}
