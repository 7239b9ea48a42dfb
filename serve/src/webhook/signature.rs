//! Jira's webhook signature: `X-Hub-Signature: sha256=<hex HMAC-SHA256 of the body>` under
//! the secret the admin webhook was registered with (Atlassian: "Webhooks — secure admin
//! webhooks"; the same scheme as WebSub). Verified over the exact bytes received, in
//! constant time (`Mac::verify_slice`), before the body is parsed.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

pub const HEADER: &str = "x-hub-signature";
const PREFIX: &str = "sha256=";

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the delivery carries no X-Hub-Signature")]
    Missing,
    #[error("X-Hub-Signature is not sha256=<64 hex digits>")]
    Malformed,
    #[error("X-Hub-Signature does not match the body")]
    Mismatch,
}

pub fn verify(secret: &[u8], body: &[u8], header: Option<&[u8]>) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let hex_digits = header
        .strip_prefix(PREFIX.as_bytes())
        .ok_or(SignatureError::Malformed)?;
    let mut expected = [0u8; 32];
    hex::decode_to_slice(hex_digits, &mut expected).map_err(|_| SignatureError::Malformed)?;
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(secret).map_err(|_| SignatureError::Mismatch)?;
    mac.update(body);
    mac.verify_slice(&expected)
        .map_err(|_| SignatureError::Mismatch)
}

/// The header value for `body` under `secret` (for the simulator and tests).
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(body);
    format!("{PREFIX}{}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_body_under_the_secret_passes() {
        let body = br#"{"webhookEvent":"jira:issue_created"}"#;
        let good = sign(b"s3cret", body);
        assert_eq!(verify(b"s3cret", body, Some(good.as_bytes())), Ok(()));
        assert_eq!(
            verify(b"other", body, Some(good.as_bytes())),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(b"s3cret", b"{}", Some(good.as_bytes())),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(verify(b"s3cret", body, None), Err(SignatureError::Missing));
        for bad in [
            "sha1=00",
            "sha256=zz",
            "sha256=",
            &good[..good.len() - 2],
            &good.to_uppercase(),
        ] {
            assert!(
                verify(b"s3cret", body, Some(bad.as_bytes())).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_known_vector() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        assert_eq!(
            sign(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
