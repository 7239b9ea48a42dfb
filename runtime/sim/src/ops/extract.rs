//! Reading Ops input without axum's plain-text rejections: a body read as bytes
//! and parsed only once the caller's permission is known (the Ops reference lists
//! 403 before 422, and a non-admin must learn they may not act, not that their
//! payload was wrong), and query parameters checked one by one.

use axum::body::Bytes;
use axum::extract::{FromRequestParts, RawQuery};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::error::OpsError;
use super::validate;
use time::OffsetDateTime;

/// Parses a request body of the operation's documented shape; anything else is a
/// 422. Input structs deny unknown fields: a field the simulator does not know
/// would otherwise be dropped silently.
pub(crate) fn parse_body<T: DeserializeOwned>(body: &Bytes) -> Result<T, OpsError> {
    if body.is_empty() {
        return Err(OpsError::unprocessable("The request body is required."));
    }
    serde_json::from_slice(body)
        .map_err(|e| OpsError::unprocessable(format!("The payload cannot be validated: {e}.")))
}

/// A request's query parameters, in order. Handlers name the parameters their
/// operation declares with [`Params::only`]; any other is refused, since an
/// ignored filter would answer a different question than the app asked.
pub(crate) struct Params(Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = OpsError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let RawQuery(raw) = RawQuery::from_request_parts(parts, state)
            .await
            .unwrap_or(RawQuery(None));
        let pairs = url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        Ok(Self(pairs))
    }
}

impl Params {
    /// 422 naming the first parameter not in `declared`.
    pub(crate) fn only(&self, declared: &[&str]) -> Result<&Self, OpsError> {
        match self.0.iter().find(|(k, _)| !declared.contains(&k.as_str())) {
            Some((unknown, _)) => Err(OpsError::field(
                unknown,
                "is not a query parameter of this operation.",
            )),
            None => Ok(self),
        }
    }

    /// The single value of `name`; given twice is ambiguous and refused.
    pub(crate) fn one(&self, name: &str) -> Result<Option<&str>, OpsError> {
        let mut values = self
            .0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str());
        let first = values.next();
        if values.next().is_some() {
            return Err(OpsError::field(name, "is given more than once."));
        }
        Ok(first)
    }

    /// Every value of an array parameter, repeated (`expand=a&expand=b`) or
    /// comma-separated (`expand=a,b`), as the reference's "Expansion" allows.
    pub(crate) fn list(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// A non-negative integer parameter.
    pub(crate) fn number(&self, name: &str) -> Result<Option<usize>, OpsError> {
        self.one(name)?
            .map(|v| {
                v.parse::<usize>()
                    .map_err(|_| OpsError::field(name, "must be a non-negative integer."))
            })
            .transpose()
    }

    /// A `true`/`false` parameter.
    pub(crate) fn flag(&self, name: &str) -> Result<Option<bool>, OpsError> {
        self.one(name)?
            .map(|v| match v {
                "true" => Ok(true),
                "false" => Ok(false),
                _ => Err(OpsError::field(name, "must be true or false.")),
            })
            .transpose()
    }

    /// A date-time parameter (checked as [`validate::date`] checks body dates);
    /// `default` when absent.
    pub(crate) fn date_or(
        &self,
        name: &str,
        default: OffsetDateTime,
    ) -> Result<OffsetDateTime, OpsError> {
        match self.one(name)? {
            None => Ok(default),
            Some(text) => validate::date(name, Some(text)),
        }
    }
}
