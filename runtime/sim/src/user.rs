//! Seeded users as a test or the runtime sees them: with their per-run API tokens.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// A site user and the API token that authenticates as them for this run only.
#[derive(Clone, PartialEq, Eq)]
pub struct SimUser {
    /// Atlassian account id.
    pub account_id: String,
    /// Login email (the basic-auth user name).
    pub email: String,
    /// Name shown in Jira.
    pub display_name: String,
    /// Secret: random per start, never logged, never echoed by the simulator.
    pub api_token: String,
}

impl std::fmt::Debug for SimUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimUser")
            .field("account_id", &self.account_id)
            .field("email", &self.email)
            .field("display_name", &self.display_name)
            .field("api_token", &"<redacted>")
            .finish()
    }
}

/// Atlassian API tokens start with this marker; keeping it lets secret scanners and
/// the runtime's redaction tests recognise simulator tokens as real-looking ones.
pub(crate) const API_TOKEN_PREFIX: &str = "ATATT3x";

/// `prefix` followed by `bytes` random bytes in unpadded base64url.
///
/// Tokens are 256-bit random so that a guest which somehow learned one run's token
/// cannot predict another's.
pub(crate) fn random_secret(prefix: &str, bytes: usize) -> String {
    let mut buf = vec![0_u8; bytes];
    rand::fill(buf.as_mut_slice());
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(&buf))
}

/// A fresh API token for one user for one run.
pub(crate) fn new_api_token() -> String {
    random_secret(API_TOKEN_PREFIX, 32)
}
