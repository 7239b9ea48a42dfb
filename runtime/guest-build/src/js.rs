//! Builds a JavaScript or TypeScript app folder (`package.json`, its
//! lockfile, `manifest.yml`, `src/`) into a component exporting
//! `kiln:app/handler@0.5.0`.
//!
//! Four steps, each where its threat allows:
//!
//! | step | where | why there |
//! |---|---|---|
//! | install Kiln's JS toolchain (esbuild, componentize-js) from the lockfile Kiln ships, once per toolchain version | outside the sandbox, `npm ci --ignore-scripts`, into Kiln's cache | a download checked against the lockfile's integrity hashes; no package's install script runs; the app has no say in it |
//! | read which packages the app's backend imports ([`crate::js_imports`]) | inside the sandbox, offline, `build.mjs` in scan mode: esbuild over the handler modules with every bare import external, nothing written but to its own scan folder | reads the app's code (and its tsconfig) as the bundle does; only the app and the toolchain are mounted, read-only |
//! | install the app's dependencies from *its* lockfile, only those the backend imports and what they need ([`crate::js_provided::pruned_for_install`]) | outside the sandbox, `npm ci --ignore-scripts --omit=dev`, in a private folder holding only copies of `package.json` and the lockfile, pruned | a download; no script runs; the app's `.npmrc` is never read (it is not copied); a frontend package the backend never imports is never fetched |
//! | bundle (esbuild) and componentize (componentize-js, wizer) | inside the bubblewrap sandbox of [`crate::sandbox`], offline | runs the tools on code the app controls (a bundle with no plugin of the app's, only Kiln's mapping of Node's modules, then the app's top-level code under Kiln's wizer, [`crate::wizer`], which makes the snapshot reproducible): the app, the dependencies, the toolchain and the wizer program are mounted read-only; writable are only the output folder and the wizer's compile cache, both in this app's private build folder ([`crate::wizer_cache`]: compiled code, so never shared between apps) |
//!
//! The toolchain is embedded in this crate (its `package.json`,
//! `package-lock.json`, the build script, Kiln's WIT and the Forge layer), so
//! its cache folder is named by the digest of exactly what Kiln ships: a
//! second build is offline, and a Kiln upgrade gets a fresh install. The
//! npm download cache is shared across toolchain versions and apps.
//!
//! The sandbox cannot see Kiln's cache outside the three folders it mounts:
//! a hostile app cannot poison the shared toolchain for the next app.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{ChildStdout, Command, ExitStatus, Stdio};

use sha2::{Digest as _, Sha256};

use crate::cargo_env::allowed_env;
use crate::error::GuestBuildError;
use crate::js_imports::{self, BackendImports};
use crate::js_reuse;
use crate::limits::BuildLimits;
use crate::sandbox::{Sandbox, SandboxedRun, Toolchain};
use crate::supervise::{self, Capped};

/// The files of Kiln's JS toolchain, as shipped: path inside the toolchain
/// folder, contents.
const TOOLCHAIN_FILES: &[(&str, &str)] = &[
    ("package.json", include_str!("../js-toolchain/package.json")),
    (
        "package-lock.json",
        include_str!("../js-toolchain/package-lock.json"),
    ),
    ("build.mjs", include_str!("../js-toolchain/build.mjs")),
    ("intl.mjs", include_str!("../js-toolchain/intl.mjs")),
    ("regex.mjs", include_str!("../js-toolchain/regex.mjs")),
    (
        "app_files.mjs",
        include_str!("../js-toolchain/app_files.mjs"),
    ),
    (
        "missing_exports.mjs",
        include_str!("../js-toolchain/missing_exports.mjs"),
    ),
    ("wit/kiln.wit", include_str!("../../../wit/0.5.0/kiln.wit")),
    (
        "forge-api/package.json",
        include_str!("../../../forge/kiln-forge-api/package.json"),
    ),
    (
        "forge-api/src/index.js",
        include_str!("../../../forge/kiln-forge-api/src/index.js"),
    ),
    (
        "forge-api/src/intl_zones.js",
        include_str!("../../../forge/kiln-forge-api/src/intl_zones.js"),
    ),
    (
        "forge-api/src/top_level_env.js",
        include_str!("../../../forge/kiln-forge-api/src/top_level_env.js"),
    ),
    (
        "forge-api/src/normalize.js",
        include_str!("../../../forge/kiln-forge-api/src/normalize.js"),
    ),
    (
        "forge-api/src/normalize_data.js",
        include_str!("../../../forge/kiln-forge-api/src/normalize_data.js"),
    ),
    (
        "forge-api/src/normalize_polyfill.js",
        include_str!("../../../forge/kiln-forge-api/src/normalize_polyfill.js"),
    ),
    (
        "forge-api/src/intl_collator.js",
        include_str!("../../../forge/kiln-forge-api/src/intl_collator.js"),
    ),
    (
        "forge-api/src/intl_collator_data.js",
        include_str!("../../../forge/kiln-forge-api/src/intl_collator_data.js"),
    ),
    (
        "forge-api/src/intl_collator_polyfill.js",
        include_str!("../../../forge/kiln-forge-api/src/intl_collator_polyfill.js"),
    ),
    (
        "forge-api/src/intl_casing.js",
        include_str!("../../../forge/kiln-forge-api/src/intl_casing.js"),
    ),
    (
        "forge-api/src/intl_casing_polyfill.js",
        include_str!("../../../forge/kiln-forge-api/src/intl_casing_polyfill.js"),
    ),
    (
        "forge-api/src/route.js",
        include_str!("../../../forge/kiln-forge-api/src/route.js"),
    ),
    (
        "forge-api/src/errors.js",
        include_str!("../../../forge/kiln-forge-api/src/errors.js"),
    ),
    (
        "forge-api/src/response.js",
        include_str!("../../../forge/kiln-forge-api/src/response.js"),
    ),
    (
        "forge-api/src/request.js",
        include_str!("../../../forge/kiln-forge-api/src/request.js"),
    ),
    (
        "forge-api/src/gateway.js",
        include_str!("../../../forge/kiln-forge-api/src/gateway.js"),
    ),
    (
        "forge-api/src/storage.js",
        include_str!("../../../forge/kiln-forge-api/src/storage.js"),
    ),
    (
        "forge-api/src/properties.js",
        include_str!("../../../forge/kiln-forge-api/src/properties.js"),
    ),
    (
        "forge-api/src/variables.js",
        include_str!("../../../forge/kiln-forge-api/src/variables.js"),
    ),
    (
        "forge-api/src/web_trigger.js",
        include_str!("../../../forge/kiln-forge-api/src/web_trigger.js"),
    ),
    (
        "forge-api/src/entity.js",
        include_str!("../../../forge/kiln-forge-api/src/entity.js"),
    ),
    (
        "forge-api/src/transaction.js",
        include_str!("../../../forge/kiln-forge-api/src/transaction.js"),
    ),
    (
        "forge-api/src/storage_error.js",
        include_str!("../../../forge/kiln-forge-api/src/storage_error.js"),
    ),
    (
        "forge-api/src/unhandled_rejections.js",
        include_str!("../../../forge/kiln-forge-api/src/unhandled_rejections.js"),
    ),
    (
        "forge-api/src/kvs.js",
        include_str!("../../../forge/kiln-forge-api/src/kvs.js"),
    ),
    (
        "forge-api/src/kvs_options.js",
        include_str!("../../../forge/kiln-forge-api/src/kvs_options.js"),
    ),
    (
        "forge-api/src/resolver.js",
        include_str!("../../../forge/kiln-forge-api/src/resolver.js"),
    ),
    (
        "forge-api/src/handler.js",
        include_str!("../../../forge/kiln-forge-api/src/handler.js"),
    ),
    (
        "forge-api/src/app_runtime.js",
        include_str!("../../../forge/kiln-forge-api/src/app_runtime.js"),
    ),
    (
        "forge-api/src/ari.js",
        include_str!("../../../forge/kiln-forge-api/src/ari.js"),
    ),
    (
        "forge-api/src/v8_stack.js",
        include_str!("../../../forge/kiln-forge-api/src/v8_stack.js"),
    ),
    (
        "forge-api/src/warm.js",
        include_str!("../../../forge/kiln-forge-api/src/warm.js"),
    ),
    (
        "forge-api/src/metrics.js",
        include_str!("../../../forge/kiln-forge-api/src/metrics.js"),
    ),
    (
        "forge-api/src/forge_events.js",
        include_str!("../../../forge/kiln-forge-api/src/forge_events.js"),
    ),
    (
        "forge-api/src/forge_sql.js",
        include_str!("../../../forge/kiln-forge-api/src/forge_sql.js"),
    ),
    (
        "forge-api/src/forge_events_v1.js",
        include_str!("../../../forge/kiln-forge-api/src/forge_events_v1.js"),
    ),
    (
        "forge-api/src/node/package.json",
        include_str!("../../../forge/kiln-forge-api/src/node/package.json"),
    ),
    (
        "forge-api/src/node/buffer.js",
        include_str!("../../../forge/kiln-forge-api/src/node/buffer.js"),
    ),
    (
        "forge-api/src/node/crypto.js",
        include_str!("../../../forge/kiln-forge-api/src/node/crypto.js"),
    ),
    (
        "forge-api/src/node/events.cjs",
        include_str!("../../../forge/kiln-forge-api/src/node/events.cjs"),
    ),
    (
        "forge-api/src/node/cluster.js",
        include_str!("../../../forge/kiln-forge-api/src/node/cluster.js"),
    ),
    (
        "forge-api/src/node/tty.js",
        include_str!("../../../forge/kiln-forge-api/src/node/tty.js"),
    ),
    (
        "forge-api/src/node/zlib.js",
        include_str!("../../../forge/kiln-forge-api/src/node/zlib.js"),
    ),
    (
        "forge-api/src/node/os.js",
        include_str!("../../../forge/kiln-forge-api/src/node/os.js"),
    ),
    (
        "forge-api/src/node/diagnostics_channel.js",
        include_str!("../../../forge/kiln-forge-api/src/node/diagnostics_channel.js"),
    ),
    (
        "forge-api/src/node/perf_hooks.js",
        include_str!("../../../forge/kiln-forge-api/src/node/perf_hooks.js"),
    ),
    (
        "forge-api/src/node/async_hooks.js",
        include_str!("../../../forge/kiln-forge-api/src/node/async_hooks.js"),
    ),
    (
        "forge-api/src/node/async_context.js",
        include_str!("../../../forge/kiln-forge-api/src/node/async_context.js"),
    ),
    (
        "forge-api/src/node/process_async_context.js",
        include_str!("../../../forge/kiln-forge-api/src/node/process_async_context.js"),
    ),
    (
        "forge-api/src/node/fs.js",
        include_str!("../../../forge/kiln-forge-api/src/node/fs.js"),
    ),
    (
        "forge-api/src/node/fs_promises.js",
        include_str!("../../../forge/kiln-forge-api/src/node/fs_promises.js"),
    ),
    (
        "forge-api/src/node/fs_volume.js",
        include_str!("../../../forge/kiln-forge-api/src/node/fs_volume.js"),
    ),
    (
        "forge-api/src/node/text_streams.js",
        include_str!("../../../forge/kiln-forge-api/src/node/text_streams.js"),
    ),
    (
        "forge-api/src/node/navigator.js",
        include_str!("../../../forge/kiln-forge-api/src/node/navigator.js"),
    ),
    (
        "forge-api/src/node/event_handler.js",
        include_str!("../../../forge/kiln-forge-api/src/node/event_handler.js"),
    ),
    (
        "forge-api/src/node/message_event.js",
        include_str!("../../../forge/kiln-forge-api/src/node/message_event.js"),
    ),
    (
        "forge-api/src/node/message_clone.js",
        include_str!("../../../forge/kiln-forge-api/src/node/message_clone.js"),
    ),
    (
        "forge-api/src/node/message_port.js",
        include_str!("../../../forge/kiln-forge-api/src/node/message_port.js"),
    ),
    (
        "forge-api/src/node/broadcast_channel.js",
        include_str!("../../../forge/kiln-forge-api/src/node/broadcast_channel.js"),
    ),
    (
        "forge-api/src/node/http.js",
        include_str!("../../../forge/kiln-forge-api/src/node/http.js"),
    ),
    (
        "forge-api/src/node/https.js",
        include_str!("../../../forge/kiln-forge-api/src/node/https.js"),
    ),
    (
        "forge-api/src/node/http_client.js",
        include_str!("../../../forge/kiln-forge-api/src/node/http_client.js"),
    ),
    (
        "forge-api/src/node/unavailable.cjs",
        include_str!("../../../forge/kiln-forge-api/src/node/unavailable.cjs"),
    ),
    (
        "forge-api/src/node/punycode.js",
        include_str!("../../../forge/kiln-forge-api/src/node/punycode.js"),
    ),
    (
        "forge-api/src/node/globals.js",
        include_str!("../../../forge/kiln-forge-api/src/node/globals.js"),
    ),
    (
        "forge-api/src/node/arg_errors.js",
        include_str!("../../../forge/kiln-forge-api/src/node/arg_errors.js"),
    ),
    (
        "forge-api/src/node/engine_timers.js",
        include_str!("../../../forge/kiln-forge-api/src/node/engine_timers.js"),
    ),
    (
        "forge-api/src/node/querystring.js",
        include_str!("../../../forge/kiln-forge-api/src/node/querystring.js"),
    ),
    (
        "forge-api/src/node/stream.cjs",
        include_str!("../../../forge/kiln-forge-api/src/node/stream.cjs"),
    ),
    (
        "forge-api/src/node/stream_promises.js",
        include_str!("../../../forge/kiln-forge-api/src/node/stream_promises.js"),
    ),
    (
        "forge-api/src/node/stream_web.js",
        include_str!("../../../forge/kiln-forge-api/src/node/stream_web.js"),
    ),
    (
        "forge-api/src/node/string_decoder.js",
        include_str!("../../../forge/kiln-forge-api/src/node/string_decoder.js"),
    ),
    (
        "forge-api/src/node/util_types.js",
        include_str!("../../../forge/kiln-forge-api/src/node/util_types.js"),
    ),
    (
        "forge-api/src/node/deep_equal.js",
        include_str!("../../../forge/kiln-forge-api/src/node/deep_equal.js"),
    ),
    (
        "forge-api/src/node/assert.js",
        include_str!("../../../forge/kiln-forge-api/src/node/assert.js"),
    ),
    (
        "forge-api/src/node/assert.cjs",
        include_str!("../../../forge/kiln-forge-api/src/node/assert.cjs"),
    ),
    (
        "forge-api/src/node/assert_strict.cjs",
        include_str!("../../../forge/kiln-forge-api/src/node/assert_strict.cjs"),
    ),
    (
        "forge-api/src/node/timers.js",
        include_str!("../../../forge/kiln-forge-api/src/node/timers.js"),
    ),
    (
        "forge-api/src/node/timers_promises.js",
        include_str!("../../../forge/kiln-forge-api/src/node/timers_promises.js"),
    ),
    (
        "forge-api/src/node/path.js",
        include_str!("../../../forge/kiln-forge-api/src/node/path.js"),
    ),
    (
        "forge-api/src/node/process.js",
        include_str!("../../../forge/kiln-forge-api/src/node/process.js"),
    ),
    (
        "forge-api/src/node/url.js",
        include_str!("../../../forge/kiln-forge-api/src/node/url.js"),
    ),
    (
        "forge-api/src/node/url_legacy.js",
        include_str!("../../../forge/kiln-forge-api/src/node/url_legacy.js"),
    ),
    (
        "forge-api/src/node/util.js",
        include_str!("../../../forge/kiln-forge-api/src/node/util.js"),
    ),
    (
        "forge-api/src/node/node_fetch.cjs",
        include_str!("../../../forge/kiln-forge-api/src/node/node_fetch.cjs"),
    ),
    (
        "forge-api/src/node/form_data.cjs",
        include_str!("../../../forge/kiln-forge-api/src/node/form_data.cjs"),
    ),
    (
        "forge-api/src/body.js",
        include_str!("../../../forge/kiln-forge-api/src/body.js"),
    ),
    (
        "forge-api/src/host.js",
        include_str!("../../../forge/kiln-forge-api/src/host.js"),
    ),
    (
        "forge-api/src/fetch.js",
        include_str!("../../../forge/kiln-forge-api/src/fetch.js"),
    ),
    (
        "forge-api/src/authorize.js",
        include_str!("../../../forge/kiln-forge-api/src/authorize.js"),
    ),
];

/// Marks a toolchain or dependency folder whose install finished.
const COMPLETE_MARKER: &str = ".kiln-complete";

/// Whether `dir` is a JavaScript/TypeScript app folder: a `package.json`
/// beside the manifest, and no `Cargo.toml` (a Rust app with a
/// `package.json` for its tooling stays a Rust app).
pub fn is_js_app(dir: &Path) -> bool {
    dir.join("package.json").is_file()
        && dir.join("manifest.yml").is_file()
        && !dir.join("Cargo.toml").exists()
}

/// The first 16 hex digits of the SHA-256 of everything Kiln's JS toolchain
/// is made of (its files and what Kiln's wizer does): the name of its cache
/// folder.
pub fn toolchain_id() -> String {
    let mut hasher = Sha256::new();
    hasher.update(crate::wizer::VERSION.as_bytes());
    for (path, contents) in TOOLCHAIN_FILES {
        hasher.update((path.len() as u64).to_le_bytes());
        hasher.update(path.as_bytes());
        hasher.update((contents.len() as u64).to_le_bytes());
        hasher.update(contents.as_bytes());
    }
    hex(&hasher.finalize())[..16].to_owned()
}

/// What to build and where.
#[derive(Debug, Clone)]
pub struct JsBuild {
    /// The app folder (canonical).
    pub app_dir: PathBuf,
    /// The modules of `src/` the manifest's handlers name (`index` for
    /// `handler: index.run`).
    pub handler_modules: Vec<String>,
    /// A private folder for this app's build (dependencies, output); never
    /// inside the app folder.
    pub work_dir: PathBuf,
    /// Kiln's cache folder for JS toolchains and npm downloads, shared by
    /// every JS app.
    pub cache_dir: PathBuf,
    /// The sandbox, or `None` for an unisolated build (no bubblewrap here).
    pub sandbox: Option<Sandbox>,
    /// Kiln's wizer ([`crate::wizer`]), which componentize-js runs to snapshot
    /// the engine: `runtime` itself (`std::env::current_exe()`, run under the
    /// name [`crate::wizer::PROGRAM_NAME`]) or this crate's `kiln-wizer`
    /// program. Mounted read-only into the sandbox.
    pub wizer: PathBuf,
    /// The manifest's `permissions.external.fetch.backend` entries, in
    /// their canonical spelling. Empty: the engine is built without `http`
    /// (its component imports no `wasi:http`, which Kiln links only for an
    /// app that declares a backend) and the Forge layer's `fetch` throws
    /// Forge's error naming the permission. Not empty: the engine's `fetch`
    /// goes out through `wasi:http`, and the layer refuses a URL whose
    /// scheme and host no entry covers before sending it (the host checks
    /// every request again against the manifest it loaded).
    pub fetch_backends: Vec<String>,
    /// The manifest's `app.storage.entities` in its JSON form (an array;
    /// empty when the app declares none). Embedded in the bundle for the
    /// Forge layer's `kvs.entity(name)`, which refuses an entity not
    /// declared here and checks values against the declared types.
    pub entities: Vec<serde_json::Value>,
    /// The manifest's `modules.consumer` in their JSON form (`key`,
    /// `queue`, and `function` or `resolver: { function, method }`). The
    /// Forge layer needs the resolver method of a consumer in Forge's older
    /// shape: the host's queue-event payload names the queue, not the method.
    pub consumers: Vec<serde_json::Value>,
    /// The manifest's `app.id`, for the Forge layer's `getAppContext()`.
    pub app_id: String,
    /// The manifest's `permissions.scopes`, for the Forge layer's
    /// `permissions.hasScope` (the host checks every request against the
    /// manifest it loaded; this only answers the app's questions).
    pub scopes: Vec<String>,
    /// Whether the manifest turns Forge's licensing on (`app.licensing.enabled:
    /// true`): the Forge layer then gives every invocation an active
    /// `context.license`, since Kiln does no licensing and runs every
    /// installation as licensed. Otherwise the app is free and, as on Forge,
    /// has no `context.license`.
    pub licensed: bool,
    /// The manifest's `app.runtime.name` (`nodejs22.x`) and `architecture`
    /// (`arm64`), as written: the Forge layer's `process.version` and
    /// `process.arch` say what Forge would run the app on.
    pub node_runtime: Option<String>,
    pub architecture: Option<String>,
    /// Resource limits of the bundling and componentizing step, which runs
    /// the app's code (its top-level code runs in the wizer) and tools on the
    /// app's input. `None`: [`BuildLimits::from_env`]. There is no unlimited
    /// JS build: no JS source is Kiln's own.
    pub limits: Option<BuildLimits>,
}

/// A manifest value as its manifest writes it (`nodejs22.x`, `arm64`).
fn as_written<T: serde::Serialize>(value: Option<T>) -> Result<Option<String>, serde_json::Error> {
    value
        .map(|value| serde_json::to_value(value).map(|v| v.as_str().map(str::to_owned)))
        .transpose()
        .map(Option::flatten)
}

impl JsBuild {
    /// The build of the app in `app_dir` (canonical) with what its `manifest` decides:
    /// the handler modules, the egress backends `fetch` may reach, the custom entities.
    /// `runtime build` and the tests build apps through this one reading, so a new
    /// manifest input reaches every build at once.
    pub fn for_app(
        app_dir: PathBuf,
        manifest: &kiln_manifest::Manifest,
        work_dir: PathBuf,
        cache_dir: PathBuf,
        sandbox: Option<Sandbox>,
        wizer: PathBuf,
    ) -> Result<Self, serde_json::Error> {
        Ok(Self {
            app_dir,
            handler_modules: handler_modules(manifest),
            work_dir,
            cache_dir,
            sandbox,
            wizer,
            fetch_backends: manifest
                .permissions
                .external
                .fetch
                .backend
                .iter()
                .map(ToString::to_string)
                .collect(),
            entities: manifest
                .entities()
                .iter()
                .map(serde_json::to_value)
                .collect::<Result<_, _>>()?,
            consumers: manifest
                .consumers()
                .iter()
                .map(serde_json::to_value)
                .collect::<Result<_, _>>()?,
            app_id: manifest.app.id.clone(),
            // Every declared scope, Forge's without a route in Kiln too: the
            // layer's `permissions.hasScope` answers what the manifest says.
            scopes: manifest
                .permissions
                .scopes
                .iter()
                .map(ToString::to_string)
                .chain(manifest.permissions.forge_scopes.iter().cloned())
                .collect(),
            licensed: manifest.licensing_enabled(),
            node_runtime: as_written(manifest.app.runtime.name)?,
            architecture: as_written(manifest.app.runtime.architecture)?,
            limits: None,
        })
    }
}

/// The `src/` modules the manifest's handlers name: `index.run` is module
/// `index`; a bare `run` is `index`'s export (Kiln's own handler names).
pub fn handler_modules(manifest: &kiln_manifest::Manifest) -> Vec<String> {
    let mut modules: Vec<String> = manifest
        .modules
        .function
        .iter()
        .map(|function| match function.handler.rsplit_once('.') {
            Some((module, _)) => module.to_owned(),
            None => "index".to_owned(),
        })
        .collect();
    modules.sort();
    modules.dedup();
    modules
}

/// Why a JS app could not be built. Each message says what to run or fix.
#[derive(Debug, thiserror::Error)]
pub enum JsBuildError {
    /// A program (`node`, `npm`) is not on `PATH`.
    #[error(
        "`{program}` is not installed (or not on PATH); building a JavaScript app needs Node.js 18 or later with npm"
    )]
    ProgramMissing {
        /// The program.
        program: &'static str,
    },
    /// `node` on `PATH` is not a Node.js program the sandbox can run: a version manager's
    /// script shim, or a file that cannot be read.
    #[error(
        "`node` on PATH is {path}, which is not a Node.js executable (a version manager's shim?); the build sandbox runs Node.js itself, mounted read-only: put its real folder first on PATH (e.g. `nvm use`, or the manager's `…/bin` of the version) or install Node.js system-wide"
    )]
    NodeNotAnExecutable {
        /// Where `node` resolved to.
        path: PathBuf,
    },
    /// The app has dependencies Kiln does not provide but no npm lockfile.
    #[error(
        "{dir} has dependencies besides the Forge packages Kiln provides, but no package-lock.json{}; run `npm install --package-lock-only` there once and keep the lockfile with the app (Kiln installs exactly what it pins, with npm)",
        .other.map(|name| format!(" ({name} is another package manager's, which Kiln does not read)")).unwrap_or_default()
    )]
    NoLockfile {
        /// The app folder.
        dir: PathBuf,
        /// Another package manager's lockfile found there.
        other: Option<&'static str>,
    },
    /// `package.json` is unreadable or not JSON.
    #[error("cannot read {path}: {detail}")]
    PackageJson {
        /// The file.
        path: PathBuf,
        /// What failed.
        detail: String,
    },
    /// The manifest names no handler module.
    #[error("the manifest names no handler; add a function module with `handler: index.run`")]
    NoHandlers,
    /// A step failed; its messages were printed to stderr.
    #[error("{step} failed ({status}); see its messages above")]
    StepFailed {
        /// What ran.
        step: &'static str,
        /// Its exit status.
        status: ExitStatus,
    },
    /// `npm ci` failed: a package it could not fetch, or a lockfile it
    /// refused; npm's messages say which.
    #[error("`npm ci --ignore-scripts` ({sources}) failed ({status}); see its messages above")]
    InstallFailed {
        /// Where the packages come from.
        sources: NpmSources,
        /// npm's exit status.
        status: ExitStatus,
    },
    /// `npm ci` could not reach a host it downloads from: the machine's
    /// network (or a proxy npm is not told of), not the app, unless the host
    /// is one only the app's lockfile names.
    #[error(
        "`npm ci --ignore-scripts` could not reach {} ({status}); see its messages above. A first build downloads its packages (later ones reuse npm's download cache): check the network, or pass the proxy on (HTTPS_PROXY, npm_config_proxy){}",
        .host.as_deref().unwrap_or("the registry"),
        .sources.unreachable_hint(.host.as_deref())
    )]
    RegistryUnreachable {
        /// The host, when npm named it.
        host: Option<String>,
        /// Where the packages come from.
        sources: NpmSources,
        /// npm's exit status.
        status: ExitStatus,
    },
    /// A program could not be started.
    #[error("could not run {program}: {source}")]
    NotStarted {
        /// The program.
        program: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Reading or writing the cache or the work folder failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// On which path.
        path: PathBuf,
        /// Why it failed.
        source: std::io::Error,
    },
    /// The build left something other than a plain file where the
    /// component belongs (a symlink pointing out of the work folder).
    #[error(
        "the build left {path} as something other than a plain file inside its output folder; refusing it"
    )]
    ComponentNotPlain {
        /// The path.
        path: PathBuf,
    },
    /// The sandbox refused a mount.
    #[error(transparent)]
    Sandbox(#[from] GuestBuildError),
}

/// The component a JS build produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltJsComponent {
    /// The app's `package.json` name.
    pub package: String,
    /// The component file.
    pub path: PathBuf,
    /// Whether this is the last build's component, reused because nothing it
    /// was built from has changed ([`crate::js_reuse`]).
    pub reused: bool,
}

/// Builds the app: toolchain (cached), dependencies (cached per lockfile),
/// then bundle and componentize in the sandbox; or reuses the last build
/// when nothing it was built from has changed.
pub fn build_js(opts: &JsBuild) -> Result<BuiltJsComponent, JsBuildError> {
    build_js_announcing(opts, || {})
}

/// [`build_js`], calling `starting` once it is known that the app is built
/// again (not reused) and before the bundling and componentizing start: a
/// program says "building …" then, not for a build that takes no time.
pub fn build_js_announcing(
    opts: &JsBuild,
    starting: impl FnOnce(),
) -> Result<BuiltJsComponent, JsBuildError> {
    if opts.handler_modules.is_empty() {
        return Err(JsBuildError::NoHandlers);
    }
    let package = read_package(&opts.app_dir)?;
    let npm = find_program("npm")?;
    let node = find_program("node")?;
    let node = match &opts.sandbox {
        Some(_) => node_for_sandbox(&node)?,
        None => node,
    };

    let toolchain = install_toolchain(&npm, &opts.cache_dir)?;
    let npm_cache = opts.cache_dir.join("npm-cache");
    create_dir(&opts.work_dir)?;
    let work_dir = canonical(&opts.work_dir)?;
    let node_setup = NodeSetup {
        node: &node,
        base: match opts.limits {
            Some(limits) => limits,
            None => BuildLimits::from_env_for_node()?,
        },
        probed: std::cell::OnceCell::new(),
    };
    // The app folder as this build reads it: what the scan of its imports
    // and the reuse of the last build are decided by.
    let tree = js_reuse::tree_digest(&opts.app_dir);
    let scan = ScanRun {
        node: &node_setup,
        toolchain: &toolchain,
        work_dir: &work_dir,
        tree: &tree,
    };
    let deps =
        install_app_dependencies(&npm, &npm_cache, &opts.app_dir, &package, &work_dir, || {
            scan_backend_imports(opts, &scan)
        })?;
    let out = work_dir.join("out");
    let component = out.join("component.wasm");

    // The last build is reused when nothing it read has changed (js_reuse.rs).
    let toolchain_id = toolchain_id();
    let settings = js_reuse::BuildSettings {
        toolchain: &toolchain_id,
        handler_modules: &opts.handler_modules,
        fetch_backends: &opts.fetch_backends,
        entities: &opts.entities,
        consumers: &opts.consumers,
        app_id: &opts.app_id,
        scopes: &opts.scopes,
        licensed: opts.licensed,
        node_runtime: opts.node_runtime.as_deref(),
        architecture: opts.architecture.as_deref(),
        isolated: opts.sandbox.is_some(),
        node: node.clone(),
    };
    if let Some(last) = js_reuse::last_build(&work_dir)
        && last.fingerprint == js_reuse::fingerprint(&tree, &settings, &last.other_inputs)
        && plain_file_inside(&component, &out).is_ok()
    {
        return Ok(BuiltJsComponent {
            package,
            path: component,
            reused: true,
        });
    }
    starting();
    js_reuse::forget(&work_dir).map_err(|source| JsBuildError::Io {
        action: "cannot remove",
        path: js_reuse::record_path(&work_dir),
        source,
    })?;
    remove_dir(&out)?;
    create_dir(&out)?;
    // The wizer's compiled engine module, kept across builds (beside `out/`,
    // which each build empties), for this app folder only: compiled code is
    // loaded from there without being checked, so no other app's build may
    // write it (wizer_cache.rs). Not an input of the build: it changes how
    // long the snapshot takes, not its bytes.
    let wizer_cache = work_dir.join(crate::wizer_cache::CACHE_DIR_NAME);
    create_dir(&wizer_cache)?;

    // componentize-js runs its wizer by path; the link gives `runtime` the
    // name it answers to as a wizer. Absolute, as the sandbox mounts it.
    let wizer_program = canonical(&opts.wizer)?;
    let wizer = out.join(crate::wizer::PROGRAM_NAME);
    symlink(&wizer_program, &wizer)?;

    let request = serde_json::json!({
        "appDir": opts.app_dir,
        "handlerModules": opts.handler_modules,
        "nodePaths": deps.installed.iter().map(|d| d.join("node_modules")).collect::<Vec<_>>(),
        "forgeEventsMajor": deps.forge_events_major,
        "uiPackages": deps.ui_packages,
        "witDir": toolchain.join("wit"),
        "forgeDir": toolchain.join("forge-api"),
        "outDir": out,
        "fetchBackends": opts.fetch_backends,
        "entities": opts.entities,
        "consumers": opts.consumers,
        "appId": opts.app_id,
        "scopes": opts.scopes,
        "licensed": opts.licensed,
        "nodeRuntime": opts.node_runtime,
        "architecture": opts.architecture,
        "wizer": wizer,
        "wizerCache": wizer_cache,
    });
    let request_path = out.join("request.json");
    write(&request_path, request.to_string().as_bytes())?;
    let (limits, node_args) = node_setup.get();
    let mut args = node_args.to_vec();
    args.push(toolchain.join("build.mjs").into());
    args.push(request_path.clone().into());

    let mut sources = vec![opts.app_dir.clone(), toolchain.clone(), wizer_program];
    sources.extend(deps.installed.iter().cloned());
    let command = node_command(
        opts.sandbox.as_ref(),
        &node,
        &args,
        sources,
        &out,
        std::slice::from_ref(&wizer_cache),
    )?;
    // esbuild's, componentize-js's and the app's top-level messages go to
    // stderr, passed on escaped; the one stdout line (the component's path)
    // is not trusted: the path is Kiln's own. Within the limits: top-level
    // code that never ends or prints without end is stopped, not waited for.
    let (status, ()) =
        supervise::run(command, Some(limits), &node, discard).map_err(|e| match e {
            GuestBuildError::CargoNotStarted { cargo, source } => JsBuildError::NotStarted {
                program: cargo,
                source,
            },
            other => JsBuildError::Sandbox(other),
        })?;
    if !status.success() {
        return Err(JsBuildError::StepFailed {
            step: "bundling and componentizing (esbuild, componentize-js)",
            status,
        });
    }
    plain_file_inside(&component, &out)?;
    // Recorded only if the app folder is as it was when the build began.
    if js_reuse::tree_digest(&opts.app_dir) == tree {
        let other_inputs = js_reuse::other_inputs(&out.join("build-report.json"), &opts.app_dir);
        let last = js_reuse::LastBuild {
            fingerprint: js_reuse::fingerprint(&tree, &settings, &other_inputs),
            other_inputs,
        };
        // A record that cannot be written only costs the next run a build.
        let _ = js_reuse::remember(&work_dir, &last);
    }
    Ok(BuiltJsComponent {
        package,
        path: component,
        reused: false,
    })
}

/// Kiln's JS toolchain installed in `cache_dir` (installed now if it is not
/// yet): the folder holding its `node_modules`, the Forge layer
/// (`forge-api/`) and `build.mjs`. The Forge layer's own tests run against
/// the dependencies installed here.
pub fn installed_toolchain(cache_dir: &Path) -> Result<PathBuf, JsBuildError> {
    install_toolchain(&find_program("npm")?, cache_dir)
}

/// node and what its steps run with: the build's limits, and the switches
/// and limits [`node_flags`] gives them, probed (a run of node) when a step
/// first needs them: a reused build runs no step, so it starts no probe.
struct NodeSetup<'a> {
    node: &'a Path,
    base: BuildLimits,
    probed: std::cell::OnceCell<(BuildLimits, Vec<OsString>)>,
}

impl NodeSetup<'_> {
    fn get(&self) -> (&BuildLimits, &[OsString]) {
        let (limits, args) = self.probed.get_or_init(|| {
            let mut limits = self.base;
            let args = node_flags(self.node, &mut limits);
            (limits, args)
        });
        (limits, args)
    }
}

/// node's switches before `build.mjs`, for a run within `limits` (whose
/// address-space limit is lifted where node cannot keep to it).
fn node_flags(node: &Path, limits: &mut BuildLimits) -> Vec<OsString> {
    let mut args: Vec<OsString> = Vec::new();
    if node_runs_wasm_without_trap_handler(node) {
        // V8 reserves 10 GiB of address space per WebAssembly memory for its
        // trap handler, which no address-space limit admits (componentize-js
        // runs its tools as WebAssembly in node): bounds checks instead.
        args.push("--disable-wasm-trap-handler".into());
        // Without it, V8 reserves each WebAssembly memory's maximum, 4 GiB
        // when the module names none: two such memories and the limit is
        // spent before any is used.
        args.push(format!("--wasm-max-mem-pages={NODE_WASM_MEMORY_PAGES}").into());
    } else {
        // Node.js before 20.15 has no such switch: the step runs without an
        // address-space limit rather than not at all; its time, CPU, file
        // and output limits still hold.
        limits.address_space_bytes = UNLIMITED;
    }
    args
}

/// `node args` in the sandbox (`sources` and node itself read-only,
/// `target_dir` and `cache_dirs` writable, run in `target_dir`), or without
/// one, with the allowed environment only, for an unisolated build.
fn node_command(
    sandbox: Option<&Sandbox>,
    node: &Path,
    args: &[OsString],
    mut sources: Vec<PathBuf>,
    target_dir: &Path,
    cache_dirs: &[PathBuf],
) -> Result<Command, JsBuildError> {
    Ok(match sandbox {
        Some(sandbox) => {
            // Node.js installed by a version manager or from a tarball (`~/.nvm/…/bin/node`):
            // that one file, read-only, at its own path; nothing else of its folder.
            if !under_system_dir(node) {
                sources.push(node.to_owned());
            }
            let no_rust = Toolchain {
                rustup_home: None,
                cargo_home: None,
            };
            sandbox.command(
                &SandboxedRun {
                    sources: &sources,
                    target_dir,
                    cache_dirs,
                    working_dir: target_dir,
                    toolchain: &no_rust,
                    rustup_toolchain: None,
                },
                node,
                args,
            )?
        }
        None => {
            let mut command = Command::new(node);
            command.args(args).current_dir(target_dir).env_clear();
            command.envs(allowed_env());
            command
        }
    })
}

/// What a scan of the app's imports runs with.
struct ScanRun<'a> {
    node: &'a NodeSetup<'a>,
    toolchain: &'a Path,
    work_dir: &'a Path,
    /// The app folder's digest ([`js_reuse::tree_digest`]).
    tree: &'a str,
}

/// Where the last scan's result is kept, outside the folder the scan may
/// write: `{"key": …, "packages": […]}`.
const SCAN_RESULT: &str = "scan-result.json";

/// The packages the app's backend imports: `build.mjs` in scan mode
/// (`js_imports.rs`), where the bundle runs (the sandbox, offline, within
/// the build's limits), with the app and the toolchain read-only and only
/// `<work>/scan` writable, before anything of the app's is installed; or the
/// last scan's result when the app folder, its handlers and the toolchain
/// are as they were (nothing else is visible to it). `None` when the scan
/// failed (a syntax error, a module that cannot be found): the install then
/// takes every dependency, as before there was a scan, and the bundle
/// reports what is wrong as it always did.
fn scan_backend_imports(opts: &JsBuild, run: &ScanRun<'_>) -> Option<BackendImports> {
    let fallback = |why: &dyn std::fmt::Display| {
        eprintln!(
            "could not read which packages the app's backend imports ({why}); installing all of its dependencies"
        );
        None
    };
    let key = {
        let mut hasher = Sha256::new();
        hasher.update(b"scan-v1");
        hasher.update(toolchain_id().as_bytes());
        hasher.update(run.tree.as_bytes());
        hasher.update(serde_json::to_vec(&opts.handler_modules).unwrap_or_default());
        hasher.update([u8::from(opts.sandbox.is_some())]);
        hex(&hasher.finalize())
    };
    let result_path = run.work_dir.join(SCAN_RESULT);
    if let Some(imports) = last_scan(&result_path, &key) {
        return Some(imports);
    }
    let scan_dir = run.work_dir.join("scan");
    let prepared = remove_dir(&scan_dir).and_then(|()| create_dir(&scan_dir));
    if let Err(error) = prepared {
        return fallback(&error);
    }
    let request = serde_json::json!({
        "scan": true,
        "appDir": opts.app_dir,
        "handlerModules": opts.handler_modules,
        "nodePaths": [],
        "witDir": run.toolchain.join("wit"),
        "forgeDir": run.toolchain.join("forge-api"),
        "outDir": scan_dir,
    });
    let request_path = scan_dir.join("request.json");
    if let Err(error) = write(&request_path, request.to_string().as_bytes()) {
        return fallback(&error);
    }
    let (limits, node_args) = run.node.get();
    let mut args = node_args.to_vec();
    args.push(run.toolchain.join("build.mjs").into());
    args.push(request_path.into());
    let sources = vec![opts.app_dir.clone(), run.toolchain.to_owned()];
    let command = match node_command(
        opts.sandbox.as_ref(),
        run.node.node,
        &args,
        sources,
        &scan_dir,
        &[],
    ) {
        Ok(command) => command,
        Err(error) => return fallback(&error),
    };
    let imports = match supervise::run(command, Some(limits), run.node.node, read_scan) {
        Ok((status, output)) if status.success() => match BackendImports::from_scan(&output) {
            Ok(imports) => imports,
            Err(error) => return fallback(&error),
        },
        // The bundle step says what the app's code lacks, as it always has.
        Ok((status, _)) => {
            return fallback(&format_args!(
                "the scan stopped ({status}); the bundle says why"
            ));
        }
        Err(error) => return fallback(&error),
    };
    let record = serde_json::json!({ "key": key, "packages": imports.names().collect::<Vec<_>>() });
    // A result that cannot be kept only costs the next build a scan.
    let _ = write(&result_path, record.to_string().as_bytes());
    Some(imports)
}

/// The result [`scan_backend_imports`] kept at `path`, if it was kept under `key`.
fn last_scan(path: &Path, key: &str) -> Option<BackendImports> {
    let file = std::fs::File::open(path).ok()?;
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(file, js_imports::MAX_SCAN_BYTES + 1024),
        &mut bytes,
    )
    .ok()?;
    let record: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    if record.get("key").and_then(serde_json::Value::as_str) != Some(key) {
        return None;
    }
    let packages = serde_json::json!({ "packages": record.get("packages")? }).to_string();
    BackendImports::from_scan(packages.as_bytes()).ok()
}

/// The scan's stdout, read to [`js_imports::MAX_SCAN_BYTES`] and one byte
/// more (so that too long is seen as too long).
fn read_scan(stdout: Capped<ChildStdout>) -> Result<Vec<u8>, GuestBuildError> {
    let mut output = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(stdout, js_imports::MAX_SCAN_BYTES + 1),
        &mut output,
    )
    .map_err(GuestBuildError::Output)?;
    Ok(output)
}

/// Installs the embedded toolchain into `<cache>/js-toolchain/<id>` unless
/// a finished install is there; returns that folder (canonical).
fn install_toolchain(npm: &Path, cache_dir: &Path) -> Result<PathBuf, JsBuildError> {
    let root = cache_dir.join("js-toolchain");
    let dir = root.join(toolchain_id());
    if dir.join(COMPLETE_MARKER).is_file() {
        return canonical(&dir);
    }
    create_dir(&root)?;
    // Installed beside, then renamed into place: a build interrupted half
    // way, or two builds at once, never leave a half toolchain under the
    // final name.
    let staging = root.join(format!("{}.staging-{}", toolchain_id(), unique_suffix()));
    remove_dir(&staging)?;
    for (path, contents) in TOOLCHAIN_FILES {
        let file = staging.join(path);
        if let Some(parent) = file.parent() {
            create_dir(parent)?;
        }
        write(&file, contents.as_bytes())?;
    }
    eprintln!("installing Kiln's JavaScript toolchain (once per Kiln version) …");
    npm_ci(npm, &cache_dir.join("npm-cache"), &staging, false)?;
    write(&staging.join(COMPLETE_MARKER), b"")?;
    match std::fs::rename(&staging, &dir) {
        Ok(()) => {}
        // Another build finished first: use its install.
        Err(_) if dir.join(COMPLETE_MARKER).is_file() => remove_dir(&staging)?,
        Err(source) => {
            return Err(JsBuildError::Io {
                action: "cannot move the toolchain into",
                path: dir,
                source,
            });
        }
    }
    canonical(&dir)
}

/// What the build reads of the app's dependencies.
#[derive(Debug)]
struct AppDependencies {
    /// `<work>/deps`, where they were installed; `None` when nothing needed
    /// installing.
    installed: Option<PathBuf>,
    /// The `@forge/events` major version the app names (`js_provided`):
    /// Kiln installs no `@forge/events`, so `build.mjs` may find none in
    /// `node_modules` to read it from.
    forge_events_major: Option<u64>,
    /// The UI packages the app names that are not installed, which its
    /// backend cannot import (`build.mjs` says so by name if it tries).
    ui_packages: Vec<&'static str>,
}

/// Installs the app's runtime dependencies from its lockfile into
/// `<work>/deps` (skipped when the same pruned files were installed
/// already). Nothing is installed when the app has no dependencies, or only
/// packages Kiln's build provides itself (`js_provided`), or when its
/// backend imports none of the others. `scan` says what the backend imports
/// (`js_imports`), `None` when it could not: it runs when there is a
/// lockfile to prune with it, or none to install from.
fn install_app_dependencies(
    npm: &Path,
    npm_cache: &Path,
    app_dir: &Path,
    package: &str,
    work_dir: &Path,
    scan: impl FnOnce() -> Option<BackendImports>,
) -> Result<AppDependencies, JsBuildError> {
    let package_json = app_dir.join("package.json");
    let manifest = read(&package_json)?;
    let value: serde_json::Value =
        serde_json::from_slice(&manifest).map_err(|e| JsBuildError::PackageJson {
            path: package_json.clone(),
            detail: e.to_string(),
        })?;
    let empty = serde_json::Map::new();
    let dependencies = value
        .get("dependencies")
        .and_then(serde_json::Value::as_object)
        .unwrap_or(&empty);
    if crate::js_provided::nothing_to_install(dependencies) {
        return Ok(AppDependencies {
            installed: None,
            forge_events_major: crate::js_provided::forge_events_major(app_dir, dependencies),
            ui_packages: crate::js_provided::ui_packages_named(dependencies),
        });
    }
    let Some(lockfile) = ["package-lock.json", "npm-shrinkwrap.json"]
        .iter()
        .map(|name| app_dir.join(name))
        .find(|path| path.is_file())
    else {
        // Nothing is installed without the lockfile that pins it; but a
        // backend that imports only what Kiln's build serves needs nothing
        // installed (an app that ships no lockfile, its one package.json
        // naming its frontend's packages, builds as it is).
        if scan().is_some_and(|imports| crate::js_provided::served_by_the_build(&imports)) {
            return Ok(AppDependencies {
                installed: None,
                forge_events_major: crate::js_provided::forge_events_major(app_dir, dependencies),
                ui_packages: crate::js_provided::ui_packages_named(dependencies),
            });
        }
        return Err(JsBuildError::NoLockfile {
            dir: app_dir.to_owned(),
            other: ["yarn.lock", "pnpm-lock.yaml", "bun.lock", "bun.lockb"]
                .into_iter()
                .find(|name| app_dir.join(name).is_file()),
        });
    };
    let lock = read(&lockfile)?;
    let imports = scan();
    // What npm installs: the two files without the packages Kiln serves, the
    // UI's, and those the backend does not import (js_provided.rs), when
    // the lockfile says which those are.
    let pruned = match crate::js_provided::pruned_for_install(&manifest, &lock, imports.as_ref()) {
        Ok(pruned) => pruned,
        Err(refused) => {
            eprintln!("{refused}: it is installed as written");
            None
        }
    };
    let ui_packages = pruned
        .as_ref()
        .map(|p| p.ui_dropped.clone())
        .unwrap_or_default();
    let forge_events_major = crate::js_provided::forge_events_major(app_dir, dependencies);
    if pruned.as_ref().is_some_and(|p| p.installs_nothing) {
        return Ok(AppDependencies {
            installed: None,
            forge_events_major,
            ui_packages,
        });
    }
    let (manifest, lock) = match &pruned {
        Some(pruned) => (&pruned.package_json, &pruned.lock),
        None => (&manifest, &lock),
    };
    // Every tarball from the public registry, pinned by its integrity
    // (npm_registry.rs): a lockfile written behind a mirror installs too.
    let public = crate::npm_registry::public_registry_lock(lock);
    let lock = public.as_ref().unwrap_or(lock);
    // Named by exactly the two files npm is given: the pruning (what the
    // backend imports among them) and the registry's rules are in them, so
    // an unchanged app reuses its install and anything else installs anew.
    let digest = {
        let mut hasher = Sha256::new();
        hasher.update(b"pruned-v4 imports-v1 public-registry-v3");
        hasher.update((manifest.len() as u64).to_le_bytes());
        hasher.update(manifest);
        hasher.update(lock);
        hex(&hasher.finalize())
    };
    let deps = work_dir.join("deps");
    let marker = deps.join(COMPLETE_MARKER);
    let installed = AppDependencies {
        installed: Some(deps.clone()),
        forge_events_major,
        ui_packages,
    };
    if std::fs::read_to_string(&marker).is_ok_and(|done| done == digest) {
        return Ok(installed);
    }
    // Only the two files: no `.npmrc` of the app (registry, scripts,
    // credentials helpers) reaches npm.
    remove_dir(&deps)?;
    create_dir(&deps)?;
    write(&deps.join("package.json"), manifest)?;
    write(&deps.join(lockfile.file_name().unwrap_or_default()), lock)?;
    eprintln!("installing the dependencies of {package} from its lockfile …");
    npm_ci(npm, npm_cache, &deps, true)?;
    write(&marker, digest.as_bytes())?;
    Ok(installed)
}

/// `npm ci` in `dir`: exactly the lockfile, no install scripts, no audit.
fn npm_ci(npm: &Path, npm_cache: &Path, dir: &Path, omit_dev: bool) -> Result<(), JsBuildError> {
    let mut command = Command::new(npm);
    command
        .args([
            "ci",
            "--ignore-scripts",
            "--no-audit",
            "--no-fund",
            "--prefer-offline",
            "--loglevel=error",
        ])
        .arg("--cache")
        .arg(npm_cache)
        .current_dir(dir)
        .env_clear()
        .envs(npm_env())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if omit_dev {
        command.arg("--omit=dev");
    }
    let not_started = |source| JsBuildError::NotStarted {
        program: npm.to_owned(),
        source,
    };
    let mut child = command.spawn().map_err(not_started)?;
    // npm's messages go on to stderr as they come, escaped (they quote the
    // lockfile's names and URLs, which are the app's text), and are read for
    // what npm's exit status (1 for every failure) does not say: whether it
    // could reach the network at all.
    let mut messages = NpmMessages::new(std::io::stderr());
    if let Some(stderr) = child.stderr.take() {
        // A write to our own stderr that fails loses npm's messages, not the
        // install: its exit status still decides.
        let _ = kiln_guest_text::copy_lines_escaped(stderr, &mut messages);
    }
    messages.finish();
    let status = child.wait().map_err(not_started)?;
    if status.success() {
        return Ok(());
    }
    // What the failure may say the packages came from: the lockfile npm was
    // given, as `install_app_dependencies` rewrote it (npm_registry.rs).
    let sources = ["package-lock.json", "npm-shrinkwrap.json"]
        .iter()
        .find_map(|name| std::fs::read(dir.join(name)).ok())
        .and_then(|lock| crate::npm_registry::other_hosts(&lock))
        .map_or(NpmSources::AsRecorded, |hosts| {
            if hosts.is_empty() {
                NpmSources::PublicRegistry
            } else {
                NpmSources::AlsoFrom(hosts)
            }
        });
    Err(if messages.unreachable() {
        JsBuildError::RegistryUnreachable {
            host: messages.host,
            sources,
            status,
        }
    } else {
        JsBuildError::InstallFailed { sources, status }
    })
}

/// Where `npm ci` fetches an install's packages from, as its lockfile
/// says (after `npm_registry` moved what it could to the public registry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NpmSources {
    /// registry.npmjs.org, every package.
    PublicRegistry,
    /// registry.npmjs.org and these hosts (sorted), which the lockfile
    /// records for packages Kiln does not move: no integrity hash, a git
    /// repository, a URL that is no registry tarball.
    AlsoFrom(Vec<String>),
    /// The lockfile could not be read: wherever it records.
    AsRecorded,
}

impl std::fmt::Display for NpmSources {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const PUBLIC: &str = crate::npm_registry::PUBLIC_REGISTRY_HOST;
        const UNSERVED: &str =
            "a private package, or a version npm no longer serves, cannot be installed";
        match self {
            Self::PublicRegistry => write!(
                f,
                "packages come from {PUBLIC}, as the lockfile pins them; {UNSERVED}"
            ),
            Self::AlsoFrom(hosts) => {
                // The lockfile's (the app's) list: a few named, the rest counted.
                const NAMED: usize = 5;
                let mut named = hosts
                    .iter()
                    .take(NAMED)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ");
                if hosts.len() > NAMED {
                    named.push_str(&format!(" and {} more", hosts.len() - NAMED));
                }
                write!(
                    f,
                    "packages come from {PUBLIC}, and from {named} where the lockfile records a package Kiln does not move there (one without an integrity hash, or no registry tarball); {UNSERVED}"
                )
            }
            Self::AsRecorded => write!(f, "packages come from where the lockfile records them"),
        }
    }
}

impl NpmSources {
    /// What a failure to reach `host` adds when the host is the lockfile's
    /// own, not the public registry's: the app can change that.
    fn unreachable_hint(&self, host: Option<&str>) -> String {
        match (self, host) {
            (Self::AlsoFrom(hosts), Some(host)) if hosts.iter().any(|h| h == host) => format!(
                ". {host} is where the app's lockfile records packages Kiln does not move to {} (one without an integrity hash, or no registry tarball): if only a company network reaches it, regenerate the lockfile against the public registry",
                crate::npm_registry::PUBLIC_REGISTRY_HOST
            ),
            _ => String::new(),
        }
    }
}

/// npm's errors that say it reached no host: DNS, connection, timeout
/// (npm's own "network" class, `lib/utils/error-message.js`, and the
/// system's errors beside them).
const NPM_NETWORK_CODES: &[&str] = &[
    "ENOTFOUND",
    "EAI_AGAIN",
    "EAI_FAIL",
    "ECONNREFUSED",
    "ECONNRESET",
    "ECONNABORTED",
    "ETIMEDOUT",
    "ERR_SOCKET_TIMEOUT",
    "ENETUNREACH",
    "EHOSTUNREACH",
];

/// Longest start of one of npm's lines kept to read it: its code and URL
/// come first.
const NPM_LINE_BYTES: usize = 4096;

/// npm's messages on their way to `out`, read line by line for the error
/// code and the first URL npm names (`npm error code ENOTFOUND`, `npm
/// error network request to https://host/… failed`; npm 9 writes `npm
/// ERR!`).
struct NpmMessages<W> {
    out: W,
    line: Vec<u8>,
    code: Option<String>,
    host: Option<String>,
}

impl<W: std::io::Write> NpmMessages<W> {
    fn new(out: W) -> Self {
        Self {
            out,
            line: Vec::new(),
            code: None,
            host: None,
        }
    }

    /// Whether npm failed to reach a host.
    fn unreachable(&self) -> bool {
        self.code
            .as_deref()
            .is_some_and(|code| NPM_NETWORK_CODES.contains(&code))
    }

    /// Reads the last line, which npm may end without a line break.
    fn finish(&mut self) {
        if !self.line.is_empty() {
            self.read_line();
            self.line.clear();
        }
    }

    fn read_line(&mut self) {
        let line = String::from_utf8_lossy(&self.line);
        let Some(message) = line
            .strip_prefix("npm error ")
            .or_else(|| line.strip_prefix("npm ERR! "))
        else {
            return;
        };
        if self.code.is_none()
            && let Some(code) = message.strip_prefix("code ")
        {
            self.code = Some(code.trim().to_owned());
        }
        if self.host.is_none()
            && let Some((_, rest)) = message.split_once("request to ")
        {
            self.host = rest
                .split_whitespace()
                .next()
                .and_then(crate::npm_registry::url_host);
        }
    }
}

impl<W: std::io::Write> std::io::Write for NpmMessages<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.out.write_all(buf)?;
        for piece in buf.split_inclusive(|&b| b == b'\n') {
            let room = NPM_LINE_BYTES.saturating_sub(self.line.len());
            self.line.extend_from_slice(&piece[..piece.len().min(room)]);
            if piece.ends_with(b"\n") {
                self.read_line();
                self.line.clear();
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// npm's environment: the build allowlist plus npm's own configuration and
/// the proxy variables (npm downloads; it runs no package code here).
fn npm_env() -> Vec<(String, OsString)> {
    let mut env = allowed_env();
    env.extend(std::env::vars_os().filter_map(|(name, value)| {
        let name = name.into_string().ok()?;
        let npm_own = name.to_ascii_lowercase().starts_with("npm_config_");
        let proxy = matches!(
            name.as_str(),
            "HTTPS_PROXY" | "https_proxy" | "HTTP_PROXY" | "http_proxy" | "NO_PROXY" | "no_proxy"
        );
        (npm_own || proxy).then_some((name, value))
    }));
    env
}

/// The `name` of the app's `package.json` (or `app` when it has none).
fn read_package(app_dir: &Path) -> Result<String, JsBuildError> {
    let path = app_dir.join("package.json");
    let value: serde_json::Value =
        serde_json::from_slice(&read(&path)?).map_err(|e| JsBuildError::PackageJson {
            path: path.clone(),
            detail: e.to_string(),
        })?;
    Ok(value
        .get("name")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("app")
        .to_owned())
}

/// Refuses anything at `path` but a regular file inside `dir`: the sandbox
/// could leave a symlink to a host file there for Kiln to read and copy.
fn plain_file_inside(path: &Path, dir: &Path) -> Result<(), JsBuildError> {
    let plain = std::fs::symlink_metadata(path).is_ok_and(|meta| meta.file_type().is_file());
    let inside = path.canonicalize().is_ok_and(|real| real.starts_with(dir));
    if plain && inside {
        Ok(())
    } else {
        Err(JsBuildError::ComponentNotPlain {
            path: path.to_owned(),
        })
    }
}

/// Unique per call in this process and across processes (two builds at
/// once, in one process or several, never share a staging folder).
fn unique_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "{}-{}-{nanos}",
        std::process::id(),
        CALLS.fetch_add(1, Ordering::Relaxed)
    )
}

/// The `node` the sandbox runs: `found` with its symbolic links resolved (a version
/// manager's `current` link, `/usr/bin/node` → `/etc/alternatives/…`). Outside the system
/// folders the sandbox mounts, only that file is mounted (read-only, at the same path: see
/// the sandboxed run's `sources`), never its folder, which may be anything of the user's
/// (`~/.local/bin` lies beside `~/.local/share`): so it must be Node.js itself, an ELF
/// executable, not a shim script that would run other files of the user's.
fn node_for_sandbox(found: &Path) -> Result<PathBuf, JsBuildError> {
    let real = found
        .canonicalize()
        .map_err(|_| JsBuildError::NodeNotAnExecutable {
            path: found.to_owned(),
        })?;
    if under_system_dir(&real) {
        return Ok(real);
    }
    let mut magic = [0u8; 4];
    let is_elf = std::fs::File::open(&real)
        .and_then(|mut file| std::io::Read::read_exact(&mut file, &mut magic))
        .is_ok()
        && magic == *b"\x7fELF"
        && real.is_file();
    if is_elf {
        Ok(real)
    } else {
        Err(JsBuildError::NodeNotAnExecutable { path: real })
    }
}

fn under_system_dir(path: &Path) -> bool {
    let real = path.canonicalize().unwrap_or_else(|_| path.to_owned());
    ["/usr", "/bin", "/sbin", "/lib", "/lib64"]
        .iter()
        .any(|dir| real.starts_with(dir))
}

/// Largest WebAssembly memory node may make during the build, in 64 KiB
/// pages (1 GiB): componentize-js's tools (the splicer, wasm-tools) work on
/// a 12 MB engine in far less; each memory is reserved at this size.
const NODE_WASM_MEMORY_PAGES: u32 = 16 * 1024;

/// `RLIMIT_AS`'s "no limit".
const UNLIMITED: u64 = u64::MAX;

/// Whether `node` accepts `--disable-wasm-trap-handler` (Node.js 20.15 and
/// later): asked by running it, not by parsing its version.
fn node_runs_wasm_without_trap_handler(node: &Path) -> bool {
    Command::new(node)
        .args(["--disable-wasm-trap-handler", "-e", ""])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Reads the build's stdout to its end and keeps nothing.
fn discard(mut stdout: Capped<ChildStdout>) -> Result<(), GuestBuildError> {
    std::io::copy(&mut stdout, &mut std::io::sink())
        .map(drop)
        .map_err(GuestBuildError::Output)
}

fn find_program(name: &'static str) -> Result<PathBuf, JsBuildError> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
        .ok_or(JsBuildError::ProgramMissing { program: name })
}

/// Lower-case hex of `bytes` (digests in cache names and build records).
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut out, byte| {
        let _ = write!(out, "{byte:02x}");
        out
    })
}

fn canonical(path: &Path) -> Result<PathBuf, JsBuildError> {
    path.canonicalize().map_err(|source| JsBuildError::Io {
        action: "cannot resolve",
        path: path.to_owned(),
        source,
    })
}

fn create_dir(path: &Path) -> Result<(), JsBuildError> {
    std::fs::create_dir_all(path).map_err(|source| JsBuildError::Io {
        action: "cannot create",
        path: path.to_owned(),
        source,
    })
}

fn remove_dir(path: &Path) -> Result<(), JsBuildError> {
    match std::fs::remove_dir_all(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(JsBuildError::Io {
            action: "cannot remove",
            path: path.to_owned(),
            source,
        }),
    }
}

fn read(path: &Path) -> Result<Vec<u8>, JsBuildError> {
    std::fs::read(path).map_err(|source| JsBuildError::Io {
        action: "cannot read",
        path: path.to_owned(),
        source,
    })
}

/// `link` (new) pointing at `program`. Where there are no symlinks, a copy
/// answers to the name as well.
fn symlink(program: &Path, link: &Path) -> Result<(), JsBuildError> {
    #[cfg(unix)]
    let linked = std::os::unix::fs::symlink(program, link);
    #[cfg(not(unix))]
    let linked = std::fs::copy(program, link).map(drop);
    linked.map_err(|source| JsBuildError::Io {
        action: "cannot link",
        path: link.to_owned(),
        source,
    })
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), JsBuildError> {
    std::fs::write(path, bytes).map_err(|source| JsBuildError::Io {
        action: "cannot write",
        path: path.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_is_a_js_app_by_its_package_json_and_manifest_without_cargo() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("manifest.yml"), "").unwrap();
        assert!(!is_js_app(dir.path()));
        std::fs::write(dir.path().join("package.json"), "{}").unwrap();
        assert!(is_js_app(dir.path()));
        std::fs::write(dir.path().join("Cargo.toml"), "").unwrap();
        assert!(!is_js_app(dir.path()));
    }

    #[test]
    fn the_toolchain_id_names_exactly_what_kiln_ships() {
        let id = toolchain_id();
        assert_eq!(id.len(), 16);
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
        // The pinned versions are part of what is hashed.
        let package = TOOLCHAIN_FILES[0].1;
        assert!(package.contains("\"@bytecodealliance/componentize-js\": \"0.23.0\""));
        assert!(package.contains("\"esbuild\": \"0.28.2\""));
    }

    #[test]
    fn every_module_of_the_forge_layer_ships() {
        // A module left out of TOOLCHAIN_FILES would be missing from the
        // installed toolchain, and every app importing it would fail to bundle.
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../forge/kiln-forge-api/src");
        let mut dirs = vec![src.clone()];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                let relative = path.strip_prefix(&src).unwrap().to_str().unwrap();
                let shipped = format!("forge-api/src/{relative}");
                assert!(
                    TOOLCHAIN_FILES.iter().any(|(path, _)| *path == shipped),
                    "{shipped} is not in TOOLCHAIN_FILES"
                );
            }
        }
    }

    #[test]
    fn a_symlinked_component_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().canonicalize().unwrap();
        let secret = tempfile::NamedTempFile::new().unwrap();
        let link = out.join("component.wasm");
        std::os::unix::fs::symlink(secret.path(), &link).unwrap();
        assert!(matches!(
            plain_file_inside(&link, &out),
            Err(JsBuildError::ComponentNotPlain { .. })
        ));
        std::fs::remove_file(&link).unwrap();
        std::fs::write(&link, b"\0asm").unwrap();
        assert!(plain_file_inside(&link, &out).is_ok());
    }

    /// `install_app_dependencies` of `app` with an npm that does not exist: whatever
    /// would run it fails.
    fn dependencies_of(app: &Path, work: &Path) -> Result<AppDependencies, JsBuildError> {
        install_app_dependencies(Path::new("/nonexistent/npm"), work, app, "a", work, || None)
    }

    #[test]
    fn dependencies_without_a_lockfile_are_refused_before_npm_runs() {
        let app = tempfile::tempdir().unwrap();
        let work = tempfile::tempdir().unwrap();
        std::fs::write(
            app.path().join("package.json"),
            r#"{"name":"a","dependencies":{"left-pad":"1.3.0"}}"#,
        )
        .unwrap();
        let error = dependencies_of(app.path(), work.path()).unwrap_err();
        assert!(
            matches!(error, JsBuildError::NoLockfile { other: None, .. }),
            "{error}"
        );
        // Refused too when the backend imports the package, or could not be
        // scanned; not when it imports only what the build serves.
        let scanned = |names: &str| {
            let output = format!(r#"{{"packages":{names}}}"#);
            let imports = BackendImports::from_scan(output.as_bytes()).unwrap();
            install_app_dependencies(
                Path::new("/nonexistent/npm"),
                work.path(),
                app.path(),
                "a",
                work.path(),
                move || Some(imports),
            )
        };
        assert!(matches!(
            scanned(r#"["@forge/api","left-pad"]"#),
            Err(JsBuildError::NoLockfile { .. })
        ));
        let served = scanned(r#"["@forge/api","@forge/resolver","react"]"#).unwrap();
        assert!(served.installed.is_none());

        // With a yarn lockfile, the message says Kiln does not read it.
        std::fs::write(app.path().join("yarn.lock"), "# yarn lockfile v1\n").unwrap();
        let error = dependencies_of(app.path(), work.path()).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("yarn.lock is another package manager's"),
            "{error}"
        );
        // And Bun's (s-petr/longhabit-jira ships only bun.lock).
        std::fs::remove_file(app.path().join("yarn.lock")).unwrap();
        std::fs::write(app.path().join("bun.lock"), "{}\n").unwrap();
        let error = dependencies_of(app.path(), work.path()).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("bun.lock is another package manager's"),
            "{error}"
        );
    }

    #[test]
    fn a_ui_kit_apps_one_package_json_installs_nothing_for_its_backend() {
        let app = tempfile::tempdir().unwrap();
        let work = tempfile::tempdir().unwrap();
        std::fs::write(
            app.path().join("package.json"),
            r#"{"name":"a","dependencies":{"@forge/api":"^8.3.0","@forge/bridge":"^4","@forge/react":"^11","react":"^18"}}"#,
        )
        .unwrap();
        let deps = dependencies_of(app.path(), work.path()).expect("nothing to install");
        assert_eq!(deps.installed, None);
        assert_eq!(deps.ui_packages, ["@forge/bridge", "@forge/react", "react"]);
    }

    #[test]
    fn an_app_needing_only_what_kiln_provides_installs_nothing() {
        let app = tempfile::tempdir().unwrap();
        let work = tempfile::tempdir().unwrap();
        // No lockfile, a yarn one beside: npm (which does not exist here) is
        // never run.
        std::fs::write(app.path().join("yarn.lock"), "# yarn lockfile v1\n").unwrap();
        std::fs::write(
            app.path().join("package.json"),
            r#"{"name":"a","dependencies":{"@forge/api":"^3.9.2","@forge/resolver":"^1.5.0","@forge/events":"^1.2.0"}}"#,
        )
        .unwrap();
        let deps = dependencies_of(app.path(), work.path()).expect("nothing to install");
        assert_eq!(deps.installed, None);
        assert_eq!(deps.forge_events_major, Some(1));
        assert!(!work.path().join("deps").exists());
    }

    /// What `npm_ci` makes of npm's messages, passed through as it passes them.
    fn npm_read(text: &str) -> NpmMessages<Vec<u8>> {
        let mut messages = NpmMessages::new(Vec::new());
        kiln_guest_text::copy_lines_escaped(text.as_bytes(), &mut messages).unwrap();
        messages.finish();
        assert_eq!(messages.out, text.as_bytes(), "passed on as written");
        messages
    }

    #[test]
    fn npm_reaching_no_host_is_told_from_a_package_it_cannot_install() {
        // ghe-for-jira's failure, before its v1 lockfile was moved.
        let offline = npm_read(
            "npm error code ENOTFOUND\n\
             npm error syscall getaddrinfo\n\
             npm error errno ENOTFOUND\n\
             npm error network request to https://packages.atlassian.com/api/npm/npm-remote/sha.js/-/sha.js-2.4.11.tgz failed, reason: getaddrinfo ENOTFOUND packages.atlassian.com\n\
             npm error network This is a problem related to network connectivity.\n",
        );
        assert!(offline.unreachable());
        assert_eq!(offline.host.as_deref(), Some("packages.atlassian.com"));
        // npm 9's prefix; a DNS server that did not answer.
        let npm9 = npm_read(
            "npm ERR! code EAI_AGAIN\nnpm ERR! request to https://registry.npmjs.org/x failed, reason: getaddrinfo EAI_AGAIN registry.npmjs.org",
        );
        assert!(npm9.unreachable());
        assert_eq!(npm9.host.as_deref(), Some("registry.npmjs.org"));
        // A version the registry no longer serves: npm reached it.
        let gone = npm_read(
            "npm error code E404\nnpm error 404 Not Found - GET https://registry.npmjs.org/@forge%2fbridge - Not found\n",
        );
        assert!(!gone.unreachable());
        // Only npm's own lines are read: a package's name is not a code.
        assert!(!npm_read("added 3 packages\ncode ENOTFOUND\n").unreachable());
    }

    #[test]
    fn an_install_failure_says_where_the_packages_came_from() {
        use std::os::unix::process::ExitStatusExt as _;
        let status = ExitStatus::from_raw(256);
        let public = JsBuildError::InstallFailed {
            sources: NpmSources::PublicRegistry,
            status,
        }
        .to_string();
        assert!(
            public.contains("packages come from registry.npmjs.org, as the lockfile pins them"),
            "{public}"
        );
        let mirror = NpmSources::AlsoFrom(vec!["packages.atlassian.com".to_owned()]);
        let also = JsBuildError::InstallFailed {
            sources: mirror.clone(),
            status,
        }
        .to_string();
        assert!(
            also.contains("registry.npmjs.org, and from packages.atlassian.com where the lockfile"),
            "{also}"
        );
        // The app's own host: how to fix the lockfile. The public registry:
        // the network only.
        let theirs = JsBuildError::RegistryUnreachable {
            host: Some("packages.atlassian.com".to_owned()),
            sources: mirror.clone(),
            status,
        }
        .to_string();
        assert!(
            theirs.starts_with("`npm ci --ignore-scripts` could not reach packages.atlassian.com"),
            "{theirs}"
        );
        assert!(theirs.contains("regenerate the lockfile"), "{theirs}");
        let public = JsBuildError::RegistryUnreachable {
            host: Some("registry.npmjs.org".to_owned()),
            sources: mirror,
            status,
        }
        .to_string();
        assert!(
            public.contains("check the network") && !public.contains("regenerate"),
            "{public}"
        );
    }

    #[test]
    fn a_host_npm_cannot_reach_is_a_network_failure() {
        // The real npm, against a host no resolver answers for (RFC 6761's
        // `.invalid`), with a lockfile as `install_app_dependencies` leaves
        // it: without an integrity hash the tarball was not moved.
        let Ok(npm) = find_program("npm") else {
            eprintln!("skipped: no npm here");
            return;
        };
        // Through a proxy, the proxy answers (a 5xx), not the resolver.
        if npm_env()
            .iter()
            .map(|(name, _)| name.to_ascii_lowercase())
            .any(|name| name.ends_with("_proxy") && name != "no_proxy")
        {
            eprintln!("skipped: npm goes through a proxy here");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("package.json"),
            r#"{"name":"a","dependencies":{"x":"1.0.0"}}"#,
        )
        .unwrap();
        std::fs::write(
            dir.path().join("package-lock.json"),
            r#"{"name":"a","lockfileVersion":3,"requires":true,"packages":{
                "":{"name":"a","dependencies":{"x":"1.0.0"}},
                "node_modules/x":{"version":"1.0.0","resolved":"https://kiln-test.invalid/x/-/x-1.0.0.tgz"}}}"#,
        )
        .unwrap();
        // Not npm's retries (a minute of back-off) in a unit test; Kiln
        // never writes an `.npmrc` into an install folder.
        std::fs::write(dir.path().join(".npmrc"), "fetch-retries=0\n").unwrap();
        let error = npm_ci(&npm, &dir.path().join("cache"), dir.path(), true).unwrap_err();
        match &error {
            JsBuildError::RegistryUnreachable { host, sources, .. } => {
                assert_eq!(host.as_deref(), Some("kiln-test.invalid"));
                assert_eq!(
                    sources,
                    &NpmSources::AlsoFrom(vec!["kiln-test.invalid".to_owned()])
                );
            }
            other => panic!("{other}"),
        }
        assert!(
            error.to_string().contains("regenerate the lockfile"),
            "{error}"
        );
    }
}
