//! Why a server could not start.

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error("{0}")]
    Site(String),
    #[error("cannot open the state: {0}")]
    State(String),
    #[error("app storage key: {0}")]
    StorageKey(#[from] crate::storage_key::StorageKeyError),
    #[error("installation of {app:?} on {site:?}: {message}")]
    Installation {
        app: String,
        site: String,
        message: String,
    },
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("admin token: {0}")]
    AdminToken(String),
}
