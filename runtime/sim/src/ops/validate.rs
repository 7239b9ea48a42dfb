//! Checks shared by the Ops handlers' request bodies.

use serde::Deserialize;
use time::OffsetDateTime;

use super::error::OpsError;
use crate::clock::parse_rfc3339;
use crate::world::World;

/// Ops names are capped at 100 characters.
const MAX_NAME_CHARS: usize = 100;

/// A trimmed name of 1 to 100 characters.
pub(crate) fn name(field: &str, text: &str) -> Result<String, OpsError> {
    let trimmed = text.trim();
    if trimmed.is_empty() || trimmed.chars().count() > MAX_NAME_CHARS {
        return Err(OpsError::field(field, "Name must be 1 to 100 characters."));
    }
    Ok(trimmed.to_owned())
}

/// A required RFC 3339 date-time field.
pub(crate) fn date(field: &str, text: Option<&str>) -> Result<OffsetDateTime, OpsError> {
    text.and_then(parse_rfc3339)
        .ok_or_else(|| OpsError::field(field, "Must be an ISO 8601 date-time."))
}

/// A responder as the Ops API writes one: `{"type": "user", "id": accountId}`.
///
/// Teams and escalations are also responders in the real API; the simulator models
/// users only and says so in the error rather than accepting what it cannot honour.
#[derive(Deserialize)]
pub(crate) struct Responder {
    id: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

impl Responder {
    /// The account id of the existing user this responder names.
    pub(crate) fn account_id(&self, world: &World, field: &str) -> Result<String, OpsError> {
        if self.kind.as_deref().is_some_and(|k| k != "user") {
            return Err(OpsError::field(
                field,
                "Only responders of type \"user\" are supported.",
            ));
        }
        self.id
            .as_deref()
            .and_then(|id| world.user(id))
            .map(|u| u.account_id.clone())
            .ok_or_else(|| OpsError::field(field, "Responder must be an existing user."))
    }
}
