//! How Jira Cloud authenticates a dynamic webhook's deliveries to the OAuth 2.0 app that
//! registered it: not with `X-Hub-Signature` (that is for admin webhooks configured with a
//! secret) but with `Authorization: Bearer <JWT>`, the JWT signed with HMAC-SHA256 (`HS256`)
//! under the app's **client secret**, which only Atlassian and the app hold.
//!
//! Atlassian documents the scheme (a bearer JWT signed with the client secret), not the
//! claims. The simulator's token carries `iss` (the site's cloud id), `aud` (the app's client
//! id), `iat` and `exp` (five minutes later), and is made anew for each attempt, so a retry
//! an hour later is not sent with an expired token. A receiver should rely on the signature
//! and `exp`, not on other claims.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit as _, Mac as _};
use sha2::Sha256;

/// How long a delivery's token is valid after it is made, seconds.
pub const TOKEN_LIFETIME_SECONDS: i64 = 300;

/// The OAuth 2.0 app a dynamic webhook belongs to, and the secret its deliveries are
/// signed with.
#[derive(Clone)]
pub(crate) struct AppKey {
    pub(crate) client_id: String,
    pub(crate) client_secret: String,
}

impl std::fmt::Debug for AppKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppKey")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .finish()
    }
}

/// The `Authorization` value of one delivery attempt made at `now_seconds` (Unix time).
/// Public so receivers (and their tests) verify exactly what the sender makes.
pub fn bearer_authorization(
    client_secret: &[u8],
    client_id: &str,
    cloud_id: &str,
    now_seconds: i64,
) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let claims = serde_json::json!({
        "iss": cloud_id,
        "aud": client_id,
        "iat": now_seconds,
        "exp": now_seconds.saturating_add(TOKEN_LIFETIME_SECONDS),
    });
    let claims = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signing_input = format!("{header}.{claims}");
    // HMAC takes keys of any length; the fallback keeps this total without an unwrap.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(client_secret) else {
        return String::from("Bearer invalid");
    };
    mac.update(signing_input.as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("Bearer {signing_input}.{signature}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_an_hs256_jwt_over_its_claims_under_the_client_secret() {
        let value = bearer_authorization(b"secret", "client-1", "cloud-1", 1_700_000_000);
        let token = value.strip_prefix("Bearer ").unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(header["alg"], "HS256");
        let claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(claims["aud"], "client-1");
        assert_eq!(claims["iss"], "cloud-1");
        assert_eq!(claims["exp"], 1_700_000_000 + TOKEN_LIFETIME_SECONDS);
        let mut mac = Hmac::<Sha256>::new_from_slice(b"secret").unwrap();
        mac.update(format!("{}.{}", parts[0], parts[1]).as_bytes());
        mac.verify_slice(&URL_SAFE_NO_PAD.decode(parts[2]).unwrap())
            .expect("signed under the client secret");
        assert_ne!(
            value,
            bearer_authorization(b"other", "client-1", "cloud-1", 1_700_000_000)
        );
    }
}
