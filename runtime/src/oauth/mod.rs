//! OAuth 2.0 for both principals. The user: the 3LO authorization-code login,
//! the token file it leaves behind, and the [`TokenSource`] that keeps a
//! current bearer token for `request-jira`. The app: [`ClientCredentials`],
//! a service account's client-credentials grant.
//!
//! The flow mirrors Atlassian's: `login` opens a consent on the authorization
//! server, the code comes back to a loopback listener (the CLI's), is
//! exchanged, and the site's cloud id is looked up; the result is an [`OAuthSession`] in a `0600` file.
//! Access tokens live an hour and refresh tokens rotate on every use, so the
//! file is rewritten atomically each time a token is refreshed.

pub mod client_credentials;
pub mod config_dir;
pub mod endpoints;
pub mod login;
pub mod refresh;
pub mod store_lock;
pub mod token_store;

pub(crate) mod http;
mod token_response;

pub use client_credentials::{ClientCredentials, ClientCredentialsConfig, ClientCredentialsError};
pub use endpoints::{ATLASSIAN_AUTHORIZE_URL, ATLASSIAN_TOKEN_URL, OAuthEndpoints};
pub use login::{
    Callback, CallbackCheck, CallbackQuery, CallbackRefused, Login, LoginConfig, LoginError,
};
pub use refresh::{RefreshError, TokenSource};
pub use store_lock::StoreLock;
pub use token_store::{OAuthSession, TokenStore, TokenStoreError};

/// The scope that makes Atlassian issue a refresh token; it is requested on
/// top of the app's declared scopes and is not a Jira capability.
pub const OFFLINE_ACCESS: &str = "offline_access";
