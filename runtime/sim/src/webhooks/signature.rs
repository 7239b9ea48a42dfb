//! `X-Hub-Signature`: the HMAC-SHA256 of the raw body under an admin webhook's
//! secret, as Jira Cloud signs deliveries of webhooks configured with a secret.

use hmac::{Hmac, KeyInit as _, Mac as _};
use sha2::Sha256;

/// The header's value for `body` under `secret`: `sha256=<lowercase hex>`.
/// Public so receivers (and their tests) compute it exactly as the sender does.
pub fn signature_header(secret: &[u8], body: &[u8]) -> String {
    // HMAC accepts keys of any length, so this cannot fail; the fallback keeps the
    // function total without an unwrap.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return String::from("sha256=");
    };
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4231 test case 2.
    #[test]
    fn matches_the_rfc_4231_vector() {
        assert_eq!(
            signature_header(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
