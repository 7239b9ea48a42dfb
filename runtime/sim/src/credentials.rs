//! Reading the `Authorization` header and deciding whose credential it is.

use crate::app_clients::AppClientIndex;
use std::collections::BTreeSet;

use axum::http::{HeaderMap, header};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::request_log::AuthKind;

/// What an `Authorization` header carried, before it is checked.
pub(crate) enum Presented {
    None,
    Basic { email: String, token: String },
    Bearer(String),
    Malformed,
}

/// Parses the header without trusting it: any oddity is `Malformed`.
pub(crate) fn presented(headers: &HeaderMap) -> Presented {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Presented::None;
    };
    // Two Authorization headers are ambiguous; refuse rather than pick one.
    if values.next().is_some() {
        return Presented::Malformed;
    }
    let Ok(text) = value.to_str() else {
        return Presented::Malformed;
    };
    let Some((scheme, rest)) = text.split_once(' ') else {
        return Presented::Malformed;
    };
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("basic") {
        let Ok(decoded) = STANDARD.decode(rest) else {
            return Presented::Malformed;
        };
        let Ok(pair) = String::from_utf8(decoded) else {
            return Presented::Malformed;
        };
        match pair.split_once(':') {
            Some((email, token)) => Presented::Basic {
                email: email.to_owned(),
                token: token.to_owned(),
            },
            None => Presented::Malformed,
        }
    } else if scheme.eq_ignore_ascii_case("bearer") && !rest.is_empty() {
        Presented::Bearer(rest.to_owned())
    } else {
        Presented::Malformed
    }
}

/// How a verified credential was obtained, which bounds what it may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Grant {
    /// An API token: the user's full authority.
    ApiToken,
    /// An OAuth 2.0 access token: the user's authority, further limited to `scopes`,
    /// held by `app`.
    OAuth {
        scopes: BTreeSet<String>,
        app: OAuthApp,
    },
}

/// Which of the site's two OAuth integrations holds a token. Jira keys what an app
/// owns (its dynamic webhooks) by the app, not by the user who consented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OAuthApp {
    /// The 3LO app, acting for the user who consented.
    ThreeLegged,
    /// A client-credentials integration (which: [`AppClientIndex`]), acting as
    /// its service account.
    ClientCredentials(AppClientIndex),
}

/// A verified user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Principal {
    pub(crate) account_id: String,
    pub(crate) grant: Grant,
    /// For an API token an app was given for its `asUser()` calls
    /// (`AppClients::user_token`): the app's integration. The user is the
    /// same person either way; only webhooks say which app acted.
    pub(crate) for_app: Option<AppClientIndex>,
}

/// The outcome of checking a request's credential.
#[derive(Debug, Clone)]
pub(crate) enum Identity {
    Anonymous,
    Verified(Principal),
    Rejected,
}

impl Identity {
    pub(crate) fn kind(&self) -> AuthKind {
        match self {
            Self::Anonymous => AuthKind::None,
            Self::Verified(Principal {
                grant: Grant::ApiToken,
                ..
            }) => AuthKind::Basic,
            Self::Verified(Principal {
                grant: Grant::OAuth { .. },
                ..
            }) => AuthKind::Bearer,
            Self::Rejected => AuthKind::Invalid,
        }
    }

    pub(crate) fn account_id(&self) -> Option<&str> {
        match self {
            Self::Verified(p) => Some(&p.account_id),
            Self::Anonymous | Self::Rejected => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn with(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn basic_is_decoded() {
        // "a@b.c:tok"
        match presented(&with("Basic YUBiLmM6dG9r")) {
            Presented::Basic { email, token } => {
                assert_eq!((email.as_str(), token.as_str()), ("a@b.c", "tok"))
            }
            _ => panic!("expected basic"),
        }
    }

    #[test]
    fn oddities_are_malformed() {
        for value in [
            "Basic",
            "Basic !!!",
            "Basic bm9jb2xvbg==",
            "Bearer ",
            "Digest abc",
            "token",
        ] {
            assert!(
                matches!(presented(&with(value)), Presented::Malformed),
                "{value}"
            );
        }
        assert!(matches!(presented(&HeaderMap::new()), Presented::None));
    }
}
