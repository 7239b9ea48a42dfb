//! Host bindings for the frozen `kiln:app@0.1.0` world (`wit/0.1.0`).
//!
//! `request-jira` is async because it performs network I/O on the host; the
//! guest still sees a blocking call. No import is `trappable`: every refusal is
//! a typed `request-error` the app can handle, and limits that must stop the
//! guest (deadline, memory, fuel) are enforced by the engine, not by imports.

wasmtime::component::bindgen!({
    path: "../wit/0.1.0",
    world: "app",
    imports: {
        "kiln:app/jira.request-jira": async,
    },
    exports: { default: async },
});

pub use kiln::app::types::{
    AppError, Context, Level, Method, Principal, Request, RequestError, Response, ScopeDenied,
};

impl Principal {
    /// How the principal is named in messages and audit lines.
    pub fn name(self) -> &'static str {
        match self {
            Principal::User => "user",
            Principal::App => "app",
        }
    }
}

impl RequestError {
    /// Whether the host refused the call on policy grounds (an invalid path
    /// or header, an uncatalogued route, a scope the manifest does not
    /// declare) rather than failing to carry it out. One rule for the
    /// session's refusal count and the invocation's failure kind.
    pub fn is_policy_refusal(&self) -> bool {
        matches!(
            self,
            RequestError::InvalidRequest(_)
                | RequestError::UnknownRoute(_)
                | RequestError::ScopeDenied(_)
        )
    }
}
