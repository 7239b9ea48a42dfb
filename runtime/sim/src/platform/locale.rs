//! `GET /rest/api/3/mypreferences/locale` (`getLocale`): the caller's locale,
//! the spec's `Locale` (`{"locale": "en_US"}`), which apps read to format dates
//! and numbers as the user reads them.
//!
//! Jira answers the user's language preference or, without one, the locale of
//! the browser's `Accept-Language` (else the site's default). The simulator
//! models no language preferences and no site languages: every user's locale is
//! the one their `User` carries (`render::USER_LOCALE`), whatever the request's
//! headers. Not modelled: `setLocale` (`PUT` on the same path, which Atlassian
//! has deprecated in favour of the user's profile), which stays a `501`.

use axum::Json;
use serde_json::{Value, json};

use super::render::USER_LOCALE;
use crate::access::Caller;

/// The caller's locale. Any authenticated caller has one (the spec needs no
/// permission); an anonymous call is refused before this, as every route's is.
pub(crate) async fn get(_caller: Caller) -> Json<Value> {
    Json(json!({ "locale": USER_LOCALE }))
}
