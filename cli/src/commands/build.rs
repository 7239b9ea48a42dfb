//! `runtime build`: compiles an app folder for wasm32-wasip2 in release mode
//! and writes one component, `<dir>/<app-id>.wasm`, beside its manifest —
//! the file an administrator inspects and a site runs.
//!
//! Also the one place that decides how an app folder is built (for `build`,
//! `run` and `lint`): building runs the app's build scripts and proc-macros,
//! native code, so it happens in the bubblewrap sandbox of
//! `kiln_guest_build::sandbox` with a private target directory. Where no
//! sandbox can be made, a build for a run against a real site is refused
//! unless the user passes `--trust-build`; other builds warn. No credential,
//! login or grant is loaded before the build (the callers' order).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{Context as _, anyhow};
use kiln_guest_build::{GuestBuild, GuestBuildError, Sandbox, ensure_wasm_target};
use kiln_runtime::cache::CacheMode;
use kiln_runtime::consent::ComponentDigest;

use super::app_source::MANIFEST_FILE;
use super::exit::{Exit, Failure};
use super::progress::Progress;

#[derive(clap::Args, Debug)]
pub struct BuildArgs {
    /// The app folder, with manifest.yml: a Cargo project, or a JavaScript/TypeScript Forge app
    /// with package.json.
    #[arg(default_value = ".")]
    dir: PathBuf,
}

pub fn run(args: BuildArgs) -> Result<Exit, Failure> {
    let isolation = BuildIsolation::choose(BuildFor::Local, false, &[]);
    let built = build_app(&args.dir, &isolation)?;
    println!("{}", built.path.display());
    eprintln!("{} bytes, sha256 {}", built.size, built.sha256);
    Ok(Exit::Success)
}

/// What a build is for: it decides whether an unisolated build is allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuildFor {
    /// A run against a real site: credentials are loaded after the build.
    RealSite,
    /// `runtime build`, `lint`, a simulator run: no credential is loaded.
    Local,
}

/// How app folders are built in this invocation. Decided at the first build,
/// not before: a run of a ready `.wasm` builds nothing, so it neither starts
/// bubblewrap to probe it (≈ 25 ms of a cached `runtime run`) nor warns or
/// refuses about a sandbox it does not need.
#[derive(Debug)]
pub struct BuildIsolation {
    purpose: BuildFor,
    trust_build: bool,
    protected: Vec<PathBuf>,
    chosen: OnceLock<Option<Sandbox>>,
}

impl BuildIsolation {
    /// The sandbox when bubblewrap works here; otherwise an unisolated build
    /// for local use (with a warning), and a refusal for a real site unless
    /// the user trusts the source. `protected` are paths the build must not
    /// see beyond the defaults (home, Kiln's configuration, the token store).
    /// Nothing is probed until a build asks ([`Self::sandbox`]).
    pub fn choose(purpose: BuildFor, trust_build: bool, protected: &[PathBuf]) -> Self {
        Self {
            purpose,
            trust_build,
            protected: protected.to_vec(),
            chosen: OnceLock::new(),
        }
    }

    /// The sandbox builds run in, if any (also used by JS builds); probed at
    /// the first call. An error when no sandbox can be made and the build is
    /// for a real site without `--trust-build`.
    pub fn sandbox(&self) -> Result<Option<&Sandbox>, Failure> {
        if let Some(chosen) = self.chosen.get() {
            return Ok(chosen.as_ref());
        }
        let probed = Sandbox::available().map(|mut sandbox| {
            for path in default_protected().iter().chain(&self.protected) {
                sandbox = sandbox.protect(path);
            }
            sandbox
        });
        if probed.is_none() {
            match (self.purpose, self.trust_build) {
                (BuildFor::RealSite, false) => {
                    return Err(Failure::environment(anyhow!(
                        "refusing to build the app folder for a run against a real site: building runs the \
                         app's build scripts and proc-macros as you, and no sandbox is available here \
                         (bubblewrap `bwrap` is not installed, or cannot create namespaces). Install \
                         bubblewrap (Debian/Ubuntu: apt-get install bubblewrap), build and inspect the \
                         component elsewhere and run the .wasm, or pass --trust-build if you trust this source"
                    )));
                }
                (BuildFor::RealSite, true) => eprintln!(
                    "warning: no build sandbox (bubblewrap) here; building unisolated because of --trust-build"
                ),
                (BuildFor::Local, _) => eprintln!(
                    "warning: no build sandbox (bubblewrap) here: the app's build scripts run as you \
                     (without Kiln's environment, but able to read your files); install bubblewrap"
                ),
            }
        }
        Ok(self.chosen.get_or_init(|| probed).as_ref())
    }

    /// Builds without a sandbox, decided up front (tests that never run a build).
    #[cfg(test)]
    fn unisolated() -> Self {
        Self {
            purpose: BuildFor::Local,
            trust_build: false,
            protected: Vec::new(),
            chosen: OnceLock::from(None),
        }
    }

    /// The build of the app folder `dir` (canonical), in release mode.
    fn guest_build(&self, dir: &Path, quiet: bool) -> Result<GuestBuild, Failure> {
        let mut build = GuestBuild::new(dir.join("Cargo.toml"))
            .release(true)
            .quiet(quiet);
        if let Some(sandbox) = self.sandbox()? {
            build = build
                .sandbox(sandbox.clone())
                .target_dir(private_target_dir(dir)?);
        }
        Ok(build)
    }
}

/// Kiln's per-user state: its configuration directory (grants, the default
/// token store) and `$KILN_TOKEN_STORE`.
fn default_protected() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = kiln_runtime::oauth::config_dir::kiln_config_dir()
        .into_iter()
        .collect();
    paths.extend(
        std::env::var_os("KILN_TOKEN_STORE")
            .filter(|p| !p.is_empty())
            .map(PathBuf::from),
    );
    paths
}

/// Where an isolated build of `dir` writes: a directory of Kiln's cache
/// named by the folder's path, never inside the source (which the sandbox
/// mounts read-only).
pub(super) fn private_target_dir(dir: &Path) -> Result<PathBuf, Failure> {
    let cache = CacheMode::User.directory().ok_or_else(|| {
        Failure::environment(anyhow!(
            "no cache directory for the isolated build: set KILN_CACHE_DIR, XDG_CACHE_HOME or HOME"
        ))
    })?;
    let name = ComponentDigest::of(dir.as_os_str().as_encoded_bytes());
    Ok(cache.join("builds").join(&name.as_str()[..16]))
}

/// Builds the app folder `dir` and returns its one component's path.
pub fn build_component(
    dir: &Path,
    isolation: &BuildIsolation,
    quiet: bool,
) -> Result<PathBuf, Failure> {
    // JS apps (issue 18): their own toolchain, same sandbox.
    if super::js_build::is_js_app(dir) {
        // `runtime build` shows its own progress line.
        return super::js_build::build_js_component(dir, isolation, false);
    }
    ensure_wasm_target(dir).map_err(|e| match e {
        GuestBuildError::UntrustedToolchain { .. } => Failure::bad_input(e),
        other => Failure::environment(other),
    })?;
    let components =
        kiln_guest_build::build(&isolation.guest_build(dir, quiet)?).map_err(|e| match e {
            GuestBuildError::NoComponents { .. }
            | GuestBuildError::BuildFailed { .. }
            | GuestBuildError::UntrustedToolchain { .. }
            | GuestBuildError::ComponentOutsideTarget { .. }
            | GuestBuildError::TimedOut { .. }
            | GuestBuildError::OutputTooLarge { .. }
            | GuestBuildError::ExposesProtectedPath { .. } => Failure::bad_input(e),
            other => Failure::environment(other),
        })?;
    match components.as_slice() {
        [one] => Ok(one.path.clone()),
        many => Err(Failure::bad_input(anyhow!(
            "building {} produced several components ({}); an app folder holds one app crate",
            dir.display(),
            many.iter()
                .map(|c| c.package.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// A component `build_app` wrote.
pub struct BuiltApp {
    pub path: PathBuf,
    pub size: usize,
    pub sha256: String,
}

/// Builds the app in `dir` and copies its component to `<dir>/<app-id>.wasm`.
pub fn build_app(dir: &Path, isolation: &BuildIsolation) -> Result<BuiltApp, Failure> {
    let manifest_path = dir.join(MANIFEST_FILE);
    if !dir.join("Cargo.toml").is_file() && !super::js_build::is_js_app(dir) {
        return Err(Failure::bad_input(anyhow!(
            "{} has no Cargo.toml (nor package.json); `runtime build` takes an app folder (create one with `runtime new <name>`)",
            dir.display()
        )));
    }
    if !manifest_path.is_file() {
        return Err(Failure::bad_input(anyhow!(
            "{} has no {MANIFEST_FILE}; an app declares its functions and scopes there (see docs/manifest-reference.md)",
            dir.display()
        )));
    }
    // The manifest first: a broken manifest is reported before a long compile.
    let manifest = super::app_source::load_manifest(&manifest_path)?;
    let dir = dir
        .canonicalize()
        .with_context(|| format!("cannot resolve {}", dir.display()))
        .map_err(Failure::bad_input)?;
    let progress = Progress::start(format!(
        "building {} for wasm32-wasip2 (release)",
        manifest.app.id
    ));
    let component = build_component(&dir, isolation, progress.is_animated())?;
    let wasm = std::fs::read(&component)
        .with_context(|| format!("cannot read {}", component.display()))
        .map_err(Failure::environment)?;
    loadable_size(&manifest.app.id, wasm.len())?;
    let output = dir.join(format!("{}.wasm", file_stem(&manifest.app.id)));
    write_replacing(&dir, &output, &wasm)
        .with_context(|| format!("cannot write {}", output.display()))
        .map_err(Failure::environment)?;
    progress.finish(&format!("built {}", output.display()));
    Ok(BuiltApp {
        path: output,
        size: wasm.len(),
        sha256: ComponentDigest::of(&wasm).to_string(),
    })
}

/// A component Kiln would refuse to load for its size is an error of the
/// build, said here, rather than a file every later `run` or `serve` refuses.
fn loadable_size(app_id: &str, size: usize) -> Result<(), Failure> {
    let limit = kiln_runtime::sandbox::component_check::MAX_COMPONENT_BYTES;
    if size <= limit {
        return Ok(());
    }
    Err(Failure::bad_input(anyhow!(
        "{app_id} built a component of {size} bytes, over the {} MiB Kiln loads; it is not \
         written. Most of a large JavaScript component is its packages' data: import less (a \
         package's submodule rather than its index), or fewer `Intl` locales",
        limit / (1024 * 1024)
    )))
}

/// Writes `bytes` to `path` through a new file in `dir` renamed over it: the
/// app folder is the app author's, and a symlink planted at `path` is
/// replaced, never followed to overwrite what it points to.
fn write_replacing(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let temp = dir.join(format!(".kiln-build.{:016x}.tmp", rand_suffix()));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp)
        .and_then(|mut file| file.write_all(bytes))
        .and_then(|()| std::fs::rename(&temp, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

/// A per-call suffix for temporary names (time and process id suffice:
/// `create_new` refuses any collision).
fn rand_suffix() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    nanos ^ u64::from(std::process::id())
}

/// A file name from an app id, which may be a Forge ARI
/// (`ari:cloud:ecosystem::app/<uuid>`): anything but `[a-z0-9._-]` becomes `-`.
fn file_stem(app_id: &str) -> String {
    app_id
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect::<String>()
        .trim_start_matches('.')
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_ids_become_safe_file_names() {
        assert_eq!(file_stem("hello-jira"), "hello-jira");
        assert_eq!(
            file_stem("ari:cloud:ecosystem::app/1b2c"),
            "ari-cloud-ecosystem--app-1b2c"
        );
        assert_eq!(file_stem("../x"), "-x");
    }

    #[cfg(unix)]
    #[test]
    fn the_output_replaces_a_planted_symlink_instead_of_following_it() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "keep").unwrap();
        let output = dir.path().join("app.wasm");
        std::os::unix::fs::symlink(&victim, &output).unwrap();
        write_replacing(dir.path(), &output, b"\0asm").unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
        assert_eq!(std::fs::read(&output).unwrap(), b"\0asm");
    }

    #[test]
    fn a_folder_without_cargo_toml_is_bad_input() {
        let dir = tempfile::tempdir().unwrap();
        let failure = build_app(dir.path(), &BuildIsolation::unisolated())
            .err()
            .unwrap();
        assert_eq!(failure.exit, Exit::BadInput);
        assert!(
            failure.error.to_string().contains("runtime new"),
            "{}",
            failure.error
        );
    }

    #[test]
    fn a_component_over_what_kiln_loads_fails_the_build() {
        let limit = kiln_runtime::sandbox::component_check::MAX_COMPONENT_BYTES;
        assert!(loadable_size("my-app", limit).is_ok());
        let failure = loadable_size("my-app", limit + 1).err().unwrap();
        assert_eq!(failure.exit, Exit::BadInput);
        let message = failure.error.to_string();
        assert!(
            message.contains("my-app built a component of") && message.contains("128 MiB"),
            "{message}"
        );
    }
}
