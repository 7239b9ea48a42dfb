//! How a dynamic webhook's delivery proves it comes from Jira: Jira Cloud sends deliveries
//! of webhooks an OAuth 2.0 app registered (`POST /rest/api/3/webhook`) with
//! `Authorization: Bearer <JWT>`, the JWT signed with HMAC-SHA256 (`HS256`) under the app's
//! client secret, which only Atlassian and the app hold. (Admin webhooks are signed with
//! `X-Hub-Signature` instead, see `signature`.)
//!
//! What is checked, before the body is parsed, each failure typed and echoing nothing:
//! - the header is `Bearer` and three base64url parts, within [`MAX_TOKEN_BYTES`];
//! - the JOSE header names exactly `HS256`: `none`, and every other algorithm, are refused
//!   (the classic JWT forgery is a token that chooses its own algorithm);
//! - the signature over `header.claims`, in constant time (`Mac::verify_slice`);
//! - the claims are a JSON object whose `exp` (seconds; required) has not passed, with
//!   [`LEEWAY_SECONDS`] for clock skew, on serve's clock (so tests move it).
//!
//! Atlassian documents the scheme, not the claims, so no other claim is relied on. The token
//! is not bound to the body: a captured token is replayable with another body until its
//! `exp`, which is why deliveries are still deduplicated by their identifier and only reach
//! installations that could read the event, and why the webhook listener belongs behind
//! TLS.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit as _, Mac as _};
use sha2::Sha256;

/// Longest `Authorization` value read. Jira's tokens are a few hundred bytes.
pub const MAX_TOKEN_BYTES: usize = 4096;
/// Clock skew allowed past `exp`.
pub const LEEWAY_SECONDS: i64 = 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BearerError {
    #[error("the delivery carries no Authorization bearer token")]
    Missing,
    #[error("the Authorization header is not a bearer JWT")]
    Malformed,
    #[error("the token's algorithm is not HS256")]
    Algorithm,
    #[error("the token's signature does not match")]
    Mismatch,
    #[error("the token has expired (or names no expiry)")]
    Expired,
}

/// Verifies the `Authorization` header of a delivery against the app's client secret at
/// `now_seconds` (Unix time).
pub fn verify(
    client_secret: &[u8],
    authorization: Option<&[u8]>,
    now_seconds: i64,
) -> Result<(), BearerError> {
    let value = authorization.ok_or(BearerError::Missing)?;
    if value.len() > MAX_TOKEN_BYTES {
        return Err(BearerError::Malformed);
    }
    let token = value
        .strip_prefix(b"Bearer ")
        .ok_or(BearerError::Malformed)?;
    let mut parts = token.split(|b| *b == b'.');
    let (Some(header), Some(claims), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(BearerError::Malformed);
    };
    let decode = |part: &[u8]| {
        URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|_| BearerError::Malformed)
    };
    let jose: serde_json::Value =
        serde_json::from_slice(&decode(header)?).map_err(|_| BearerError::Malformed)?;
    if jose.get("alg").and_then(|a| a.as_str()) != Some("HS256") {
        return Err(BearerError::Algorithm);
    }
    let mut mac =
        Hmac::<Sha256>::new_from_slice(client_secret).map_err(|_| BearerError::Mismatch)?;
    mac.update(&token[..header.len() + 1 + claims.len()]);
    mac.verify_slice(&decode(signature)?)
        .map_err(|_| BearerError::Mismatch)?;
    let claims: serde_json::Value =
        serde_json::from_slice(&decode(claims)?).map_err(|_| BearerError::Malformed)?;
    match claims.get("exp").and_then(serde_json::Value::as_i64) {
        Some(exp) if exp.saturating_add(LEEWAY_SECONDS) > now_seconds => Ok(()),
        _ => Err(BearerError::Expired),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"the-app-client-secret";
    const NOW: i64 = 1_800_000_000;

    fn token(secret: &[u8], at: i64) -> String {
        kiln_sim::bearer_authorization(secret, "client-1", "cloud-1", at)
    }

    fn check(value: &str) -> Result<(), BearerError> {
        verify(SECRET, Some(value.as_bytes()), NOW)
    }

    /// A token with this header and claims, signed under `secret`.
    fn crafted(header: &str, claims: &str, secret: &[u8]) -> String {
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(claims)
        );
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
        mac.update(input.as_bytes());
        format!(
            "Bearer {input}.{}",
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        )
    }

    #[test]
    fn the_simulators_token_under_the_client_secret_passes() {
        assert_eq!(check(&token(SECRET, NOW)), Ok(()));
        assert_eq!(
            check(&token(SECRET, NOW - 300)),
            Ok(()),
            "within exp + leeway"
        );
    }

    #[test]
    fn forged_expired_and_malformed_tokens_are_refused() {
        assert_eq!(verify(SECRET, None, NOW), Err(BearerError::Missing));
        assert_eq!(
            check(&token(b"another-secret", NOW)),
            Err(BearerError::Mismatch)
        );
        assert_eq!(check(&token(SECRET, NOW - 3600)), Err(BearerError::Expired));
        let claims = format!(r#"{{"exp":{}}}"#, NOW + 60);
        // alg none, with or without a signature; another algorithm under the same key.
        let none = crafted(r#"{"alg":"none"}"#, &claims, SECRET);
        assert_eq!(check(&none), Err(BearerError::Algorithm));
        let unsigned = format!("{}.", none.rsplit_once('.').unwrap().0);
        assert_eq!(check(&unsigned), Err(BearerError::Algorithm));
        let hs512 = crafted(r#"{"alg":"HS512"}"#, &claims, SECRET);
        assert_eq!(check(&hs512), Err(BearerError::Algorithm));
        // Signed correctly but no expiry, or an expiry that is not a number.
        let no_exp = crafted(r#"{"alg":"HS256"}"#, "{}", SECRET);
        assert_eq!(check(&no_exp), Err(BearerError::Expired));
        let text_exp = crafted(r#"{"alg":"HS256"}"#, r#"{"exp":"never"}"#, SECRET);
        assert_eq!(check(&text_exp), Err(BearerError::Expired));
        // Claims changed after signing.
        let good = token(SECRET, NOW);
        let parts: Vec<&str> = good["Bearer ".len()..].split('.').collect();
        let tampered = format!(
            "Bearer {}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(format!(r#"{{"exp":{}}}"#, NOW + 99_999)),
            parts[2]
        );
        assert_eq!(check(&tampered), Err(BearerError::Mismatch));
        for malformed in [
            String::new(),
            "Basic abc".into(),
            format!("bearer {}", &good["Bearer ".len()..]),
            "Bearer a.b".into(),
            "Bearer a.b.c.d".into(),
            "Bearer !!.??.**".into(),
            format!("Bearer {}", "a".repeat(MAX_TOKEN_BYTES)),
        ] {
            assert_eq!(
                check(&malformed),
                Err(BearerError::Malformed),
                "{malformed:?}"
            );
        }
    }
}
