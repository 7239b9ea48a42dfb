//! Why a simulator could not start.

/// A failure of [`crate::Simulator::start`] or of loading a [`crate::Seed`].
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
    /// The seed refers to something it does not define, or repeats a key.
    #[error("invalid seed: {0}")]
    Seed(String),
    /// The seed document is not valid JSON for [`crate::Seed`].
    #[error("cannot parse seed: {0}")]
    SeedParse(#[from] serde_json::Error),
    /// An app's custom fields could not be created
    /// ([`crate::Simulator::register_app_fields`]).
    #[error("cannot create the app's custom fields: {0}")]
    AppFields(String),
    /// An app's custom field types could not be registered
    /// ([`crate::Simulator::register_app_field_types`]).
    #[error("cannot offer the app's custom field types: {0}")]
    AppFieldTypes(String),
    /// An app's entity property indexes could not be registered
    /// ([`crate::Simulator::register_entity_property_indexes`]).
    #[error("cannot index the app's entity properties: {0}")]
    EntityPropertyIndexes(String),
    /// The webhook sender could not be set up.
    #[error("cannot set up webhook delivery: {0}")]
    WebhookClient(String),
}
