//! What a grant is bound to: the code, the site and the principal — never
//! the name an app gives itself.
//!
//! An app id is self-declared: any component can write `id: hello-jira` in
//! its manifest. Consent given to one app's code on one site, acting as one
//! principal, must not be inherited by other code, another site, or another
//! account. [`GrantKey`] is that binding, typed, so the CLI's grants and a
//! server's per-installation grants compare the same fields the same way.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::site::Site;

/// The SHA-256 of a component's bytes: what identifies the code. Printed by
/// `runtime inspect` for an operator policy to pre-approve.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ComponentDigest(String);

/// Why a text is not a component digest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{shown}` is not a SHA-256 digest (64 lowercase hex digits, as `runtime inspect` prints)")]
pub struct DigestError {
    shown: String,
}

impl ComponentDigest {
    /// The digest of the component bytes the runtime is about to load.
    pub fn of(component: &[u8]) -> Self {
        Self::from(&crate::compiled::ComponentSha::of(component))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&crate::compiled::ComponentSha> for ComponentDigest {
    /// The same SHA-256, already computed (see [`crate::compiled::HashedComponent`]).
    fn from(sha: &crate::compiled::ComponentSha) -> Self {
        Self(hex::encode(sha.as_bytes()))
    }
}

impl std::str::FromStr for ComponentDigest {
    type Err = DigestError;

    /// Only the canonical form: 64 lowercase hex digits. Uppercase would be
    /// the same digest spelt differently; one spelling keeps comparisons
    /// plain string equality.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let canonical =
            text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if canonical {
            Ok(Self(text.to_owned()))
        } else {
            Err(DigestError {
                shown: text.chars().take(80).collect(),
            })
        }
    }
}

impl TryFrom<String> for ComponentDigest {
    type Error = DigestError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<ComponentDigest> for String {
    fn from(digest: ComponentDigest) -> Self {
        digest.0
    }
}

impl fmt::Display for ComponentDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The site a grant is for: its origin as the runtime sends requests to it,
/// and its cloud id (the installation behind the gateway, which an origin
/// alone does not pin: a bearer token goes to `api.atlassian.com/ex/jira/{cloudId}`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SiteIdentity {
    pub origin: String,
    pub cloud_id: String,
}

impl SiteIdentity {
    /// The identity of the configured site (its normalized origin).
    pub fn of(site: &Site) -> Self {
        Self {
            origin: site.site_url().trim_end_matches('/').to_ascii_lowercase(),
            cloud_id: site.cloud_id().to_owned(),
        }
    }
}

impl fmt::Display for SiteIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (cloud id {})", self.origin, self.cloud_id)
    }
}

/// Who an app acts as: the public identity of each principal's credential —
/// an account email or an OAuth client id, never a secret. A grant made for
/// one account is not a grant for another.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PrincipalIdentity {
    /// `as_user()`'s credential, e.g. `api-token:alice@example.com` or
    /// `oauth-login:<client id>`; `None` when none is configured.
    pub user: Option<String>,
    /// `as_app()`'s credential, e.g. `app-client:<client id>`.
    pub app: Option<String>,
}

impl fmt::Display for PrincipalIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let none = "none";
        write!(
            f,
            "as_user {}, as_app {}",
            self.user.as_deref().unwrap_or(none),
            self.app.as_deref().unwrap_or(none)
        )
    }
}

/// Everything a grant is bound to. Two runs share a grant only when every
/// field is equal; which field differs decides what the user is told.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GrantKey {
    pub site: SiteIdentity,
    pub principal: PrincipalIdentity,
    /// The self-declared manifest id: it names the grant file and is shown
    /// to the user, but identifies nothing on its own.
    pub app_id: String,
    pub component: ComponentDigest,
}

impl GrantKey {
    /// The installation part of the key: the same app id on the same site as
    /// the same principal. A grant there with another digest is an update.
    pub fn same_installation(&self, other: &GrantKey) -> bool {
        self.app_id == other.app_id && self.site == other.site && self.principal == other.principal
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_is_the_sha256_of_the_bytes_in_one_spelling() {
        let digest = ComponentDigest::of(b"abc");
        assert_eq!(
            digest.as_str(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            digest.as_str().parse::<ComponentDigest>(),
            Ok(digest.clone())
        );
        assert!(
            digest
                .as_str()
                .to_uppercase()
                .parse::<ComponentDigest>()
                .is_err()
        );
        assert!("abc".parse::<ComponentDigest>().is_err());
        assert!(format!("{}0", digest).parse::<ComponentDigest>().is_err());
        let json = serde_json::to_string(&digest).unwrap();
        assert_eq!(
            serde_json::from_str::<ComponentDigest>(&json).unwrap(),
            digest
        );
        assert!(serde_json::from_str::<ComponentDigest>("\"not-hex\"").is_err());
    }

    #[test]
    fn the_site_identity_is_the_normalized_origin_and_cloud_id() {
        let site = Site::new(
            "https://Kiln.atlassian.net/",
            crate::site::ATLASSIAN_GATEWAY,
            "c0ffee-1",
        )
        .unwrap();
        let id = SiteIdentity::of(&site);
        assert_eq!(id.origin, "https://kiln.atlassian.net");
        assert_eq!(id.cloud_id, "c0ffee-1");
    }
}
