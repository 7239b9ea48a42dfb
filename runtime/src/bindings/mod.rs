//! Host bindings for the worlds Kiln implements: the frozen `kiln:app@0.1.0`
//! (`wit/0.1.0`, [`v0_1`]), `kiln:app@0.2.0` (`wit/0.2.0`, [`v0_2`]) and
//! `kiln:app@0.3.0` (`wit/0.3.0`, [`v0_3`]), `kiln:app@0.4.0`
//! (`wit/0.4.0`, [`v0_4`]) and `kiln:app@0.5.0` (`wit/0.5.0`, [`v0_5`]).
//!
//! Every world's imports are linked into one linker (their interface names
//! carry the version, so they never collide); a component's handler export
//! says which world it was built for ([`WorldVersion::of_export`]), and the
//! invocation calls that world's `handle`.
//!
//! One host implementation serves them all: the 0.1.0 shapes (request,
//! response, request-error) are the host's own, and later worlds' identical
//! records convert to and from them ([`shapes`]), so request-jira's policy
//! exists once; storage answers are built in 0.4.0's shapes and converted
//! for 0.3.0 ([`v0_4`]) and from those for 0.2.0 ([`v0_3`]); 0.5.0's, the
//! same as 0.4.0's, convert from them ([`v0_5`]).

mod shapes;
pub mod v0_1;
pub mod v0_2;
pub mod v0_3;
pub mod v0_4;
pub mod v0_5;

use wasmtime::component::{Component, InstancePre};

pub use v0_1::{
    AppError, Context, Level, Method, Principal, Request, RequestError, Response, ScopeDenied,
};

/// What a handler returned instead of a result, in the host's terms.
#[derive(Debug, Clone)]
pub enum HandlerError {
    /// The app's error, as every world can say it (0.1.0's shapes).
    App(AppError),
    /// A consumer asked for its event again later (0.4.0's
    /// `app-error.retry`, Forge's `InvocationError`).
    Retry(RetryAsked),
}

impl From<AppError> for HandlerError {
    fn from(error: AppError) -> Self {
        HandlerError::App(error)
    }
}

/// A consumer's request to see its event again: the guest's words,
/// unchecked until [`crate::invoke`] bounds them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryAsked {
    pub after_seconds: u32,
    pub reason: String,
    /// JSON text, handed back in the retried event's `retryContext`.
    pub data: Option<String>,
}

/// The package (without version) of the worlds this runtime implements.
pub const WORLD_PACKAGE: &str = "kiln:app";

/// A `kiln:app` world version this runtime implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum WorldVersion {
    V0_1,
    V0_2,
    V0_3,
    V0_4,
    V0_5,
}

impl WorldVersion {
    /// Every version, oldest first.
    pub const ALL: [WorldVersion; 5] = [
        WorldVersion::V0_1,
        WorldVersion::V0_2,
        WorldVersion::V0_3,
        WorldVersion::V0_4,
        WorldVersion::V0_5,
    ];

    /// The newest version, which the Rust SDK (`kiln_sdk::sql` is its Forge
    /// SQL), `runtime new` and JavaScript builds target.
    pub const NEWEST: WorldVersion = WorldVersion::V0_5;

    /// The version, as in `kiln:app@0.2.0`.
    pub const fn as_str(self) -> &'static str {
        match self {
            WorldVersion::V0_1 => "0.1.0",
            WorldVersion::V0_2 => "0.2.0",
            WorldVersion::V0_3 => "0.3.0",
            WorldVersion::V0_4 => "0.4.0",
            WorldVersion::V0_5 => "0.5.0",
        }
    }

    /// The handler interface a component of this world exports.
    pub const fn handler_export(self) -> &'static str {
        match self {
            WorldVersion::V0_1 => "kiln:app/handler@0.1.0",
            WorldVersion::V0_2 => "kiln:app/handler@0.2.0",
            WorldVersion::V0_3 => "kiln:app/handler@0.3.0",
            WorldVersion::V0_4 => "kiln:app/handler@0.4.0",
            WorldVersion::V0_5 => "kiln:app/handler@0.5.0",
        }
    }

    /// The `kiln:app` interfaces this world lets a component import.
    pub const fn importable_interfaces(self) -> &'static [&'static str] {
        match self {
            WorldVersion::V0_1 => &["types", "jira", "log"],
            WorldVersion::V0_2 | WorldVersion::V0_3 => &["types", "jira", "log", "storage"],
            WorldVersion::V0_4 => &["types", "jira", "log", "storage", "events"],
            WorldVersion::V0_5 => &["types", "jira", "log", "storage", "events", "sql"],
        }
    }

    /// The world whose handler is `export`, if Kiln implements it.
    pub fn of_export(export: &str) -> Option<WorldVersion> {
        WorldVersion::ALL
            .into_iter()
            .find(|version| version.handler_export() == export)
    }

    /// The world whose version is `version` (`0.2.0`), if Kiln implements it.
    pub fn of_version(version: &str) -> Option<WorldVersion> {
        WorldVersion::ALL
            .into_iter()
            .find(|known| known.as_str() == version)
    }

    /// The world a compiled component exports a handler of, newest first.
    pub fn of_component(component: &Component) -> Option<WorldVersion> {
        WorldVersion::ALL.into_iter().rev().find(|version| {
            component
                .get_export_index(None, version.handler_export())
                .is_some()
        })
    }
}

impl std::fmt::Display for WorldVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{WORLD_PACKAGE}@{}", self.as_str())
    }
}

/// Every handler export Kiln accepts, for messages: `a or b`.
pub fn handler_exports_text() -> String {
    WorldVersion::ALL
        .iter()
        .map(|version| format!("`{}`", version.handler_export()))
        .collect::<Vec<_>>()
        .join(" or ")
}

/// A component prepared for instantiation, with its world's exports
/// resolved once.
pub enum AppPre<T: 'static> {
    V0_1(v0_1::AppPre<T>),
    V0_2(v0_2::AppPre<T>),
    V0_3(v0_3::AppPre<T>),
    V0_4(v0_4::AppPre<T>),
    V0_5(v0_5::AppPre<T>),
}

impl<T: 'static> AppPre<T> {
    /// Resolves the exports of `version`'s world.
    pub fn new(version: WorldVersion, pre: InstancePre<T>) -> wasmtime::Result<Self> {
        Ok(match version {
            WorldVersion::V0_1 => AppPre::V0_1(v0_1::AppPre::new(pre)?),
            WorldVersion::V0_2 => AppPre::V0_2(v0_2::AppPre::new(pre)?),
            WorldVersion::V0_3 => AppPre::V0_3(v0_3::AppPre::new(pre)?),
            WorldVersion::V0_4 => AppPre::V0_4(v0_4::AppPre::new(pre)?),
            WorldVersion::V0_5 => AppPre::V0_5(v0_5::AppPre::new(pre)?),
        })
    }

    pub fn version(&self) -> WorldVersion {
        match self {
            AppPre::V0_1(_) => WorldVersion::V0_1,
            AppPre::V0_2(_) => WorldVersion::V0_2,
            AppPre::V0_3(_) => WorldVersion::V0_3,
            AppPre::V0_4(_) => WorldVersion::V0_4,
            AppPre::V0_5(_) => WorldVersion::V0_5,
        }
    }
}
