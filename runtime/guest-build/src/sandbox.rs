//! The build sandbox: building untrusted source runs untrusted native code
//! (build scripts, proc-macros, a linker chosen by the app's
//! `.cargo/config.toml`), so the build runs in a bubblewrap sandbox.
//!
//! Each mount beside the threat it answers:
//!
//! | inside the sandbox | why |
//! |---|---|
//! | nothing of `/` but the system dirs below | the user's home, Kiln's configuration, the token store, the credentials file, SSH keys: none exists inside |
//! | `/usr`, `/bin`, `/lib*` read-only; from `/etc` only the loader cache, `alternatives`, `passwd`/`group` | the compiler, linker and C toolchain build scripts use; no host secrets live there |
//! | the rustup home, `$CARGO_HOME/{bin,registry,git}` read-only | the toolchain and the sources `cargo fetch` downloaded; not `$CARGO_HOME/credentials.toml` or `config.toml` |
//! | the app's local sources (workspace root, path dependencies) read-only | a build cannot rewrite the code the user reviewed, nor plant files for the next run |
//! | a private target directory, read-write | the only place a build writes |
//! | a JS build's `node` when it lives outside the system dirs (nvm, a tarball): that one file, read-only, at its own path | Node.js installed per user runs; nothing else of its folder (`~/.local/bin` lies beside `~/.local/share`) is seen; a shim script is refused before the build (`js::node_for_sandbox`) |
//! | a JS build's compile cache (`<work>/wizer-cache`), read-write | the wizer's compiled engine module ([`crate::wizer_cache`]): the app's own, kept across builds (the target directory is emptied before each), mounted into no other app's build, so what one app writes there reaches only its own later builds |
//! | private `/tmp`, `/proc`, `/dev` | nothing shared with the host's |
//! | no network namespace of the host (`--unshare-all`) | no exfiltration, no reaching loopback services (the simulator, a local Jira, the OAuth callback) |
//! | new session, dies with its parent, all capabilities dropped | no terminal injection (`TIOCSTI`), no orphan, no remounting as root |
//!
//! The environment is the allowlist of [`crate::cargo_env`], so no secret
//! from the runtime's environment is inherited either. Before the sandbox,
//! the dependencies are fetched outside it (`cargo fetch` downloads sources
//! and runs none of them); inside, cargo builds `--offline`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::cargo_env::allowed_env;
use crate::error::GuestBuildError;

/// System directories mounted read-only (as symlinks where the system has
/// merged them into `/usr`).
const SYSTEM_DIRS: &[&str] = &[
    "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32",
];
/// The few files of `/etc` a compiler and a C linker need.
const ETC_FILES: &[&str] = &[
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/alternatives",
    "/etc/passwd",
    "/etc/group",
];

/// A working bubblewrap and the paths the build must never see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sandbox {
    bwrap: PathBuf,
    protected: Vec<PathBuf>,
}

/// Where the toolchain lives, mounted read-only.
#[derive(Debug, Clone)]
pub(crate) struct Toolchain {
    pub rustup_home: Option<PathBuf>,
    pub cargo_home: Option<PathBuf>,
}

impl Toolchain {
    /// `$RUSTUP_HOME`/`$CARGO_HOME`, else their defaults under `$HOME`.
    pub fn from_env() -> Self {
        let home = std::env::var_os("HOME").map(PathBuf::from);
        let var_or = |name: &str, default: &str| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
                .or_else(|| home.as_ref().map(|h| h.join(default)))
        };
        Self {
            rustup_home: var_or("RUSTUP_HOME", ".rustup"),
            cargo_home: var_or("CARGO_HOME", ".cargo"),
        }
    }

    /// The directories mounted read-only for the toolchain.
    fn mounts(&self) -> Vec<PathBuf> {
        let mut mounts = Vec::new();
        if let Some(rustup) = &self.rustup_home {
            mounts.push(rustup.clone());
        }
        if let Some(cargo) = &self.cargo_home {
            for dir in ["bin", "registry", "git"] {
                mounts.push(cargo.join(dir));
            }
        }
        mounts.into_iter().filter(|dir| dir.is_dir()).collect()
    }
}

/// What one sandboxed cargo run sees.
#[derive(Debug, Clone)]
pub(crate) struct SandboxedRun<'a> {
    pub sources: &'a [PathBuf],
    pub target_dir: &'a Path,
    /// Further folders mounted read-write (a JS build's compile cache);
    /// each must belong to this app alone.
    pub cache_dirs: &'a [PathBuf],
    pub working_dir: &'a Path,
    pub toolchain: &'a Toolchain,
    pub rustup_toolchain: Option<&'a str>,
}

impl Sandbox {
    /// bubblewrap from `PATH`, if it is there and can create a sandbox here
    /// (user namespaces may be disabled, e.g. in some containers). The user's
    /// home is always protected.
    pub fn available() -> Option<Self> {
        let bwrap = find_in_path("bwrap")?;
        let works = Command::new(&bwrap)
            .args(["--unshare-all", "--die-with-parent", "--cap-drop", "ALL"])
            .args(["--ro-bind", "/", "/", "true"])
            .env_clear()
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        works.then(|| Self::with_program(bwrap))
    }

    /// A sandbox run by `bwrap` (not probed).
    pub fn with_program(bwrap: impl Into<PathBuf>) -> Self {
        let protected = std::env::var_os("HOME")
            .filter(|home| !home.is_empty())
            .map(PathBuf::from)
            .into_iter()
            .collect();
        Self {
            bwrap: bwrap.into(),
            protected,
        }
    }

    /// Adds a path the build must never see (a credentials file, the token
    /// store, Kiln's configuration directory): a build whose mounts would
    /// include it is refused.
    pub fn protect(mut self, path: impl Into<PathBuf>) -> Self {
        self.protected.push(path.into());
        self
    }

    /// The bubblewrap program.
    pub fn program(&self) -> &Path {
        &self.bwrap
    }

    /// `bwrap … -- <program> <args>` for `run`, with the allowlisted
    /// environment; refused if a mount would expose a protected path.
    pub(crate) fn command(
        &self,
        run: &SandboxedRun<'_>,
        program: &Path,
        args: &[OsString],
    ) -> Result<Command, GuestBuildError> {
        let toolchain_mounts = run.toolchain.mounts();
        let target = [run.target_dir.to_owned()];
        for bound in toolchain_mounts
            .iter()
            .chain(run.sources)
            .chain(target.iter())
            .chain(run.cache_dirs)
        {
            self.check_hides_protected(bound)?;
        }

        let mut command = Command::new(&self.bwrap);
        command.args([
            "--unshare-all",
            "--die-with-parent",
            "--new-session",
            "--cap-drop",
            "ALL",
        ]);
        for dir in SYSTEM_DIRS {
            let path = Path::new(dir);
            match std::fs::read_link(path) {
                Ok(target) => {
                    command.arg("--symlink").arg(target).arg(path);
                }
                Err(_) if path.is_dir() => {
                    command.arg("--ro-bind").arg(path).arg(path);
                }
                Err(_) => {}
            }
        }
        for file in ETC_FILES {
            command.arg("--ro-bind-try").arg(file).arg(file);
        }
        command.args(["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]);
        for dir in toolchain_mounts.iter().chain(run.sources) {
            command.arg("--ro-bind").arg(dir).arg(dir);
        }
        for dir in target.iter().chain(run.cache_dirs) {
            command.arg("--bind").arg(dir).arg(dir);
        }
        command.arg("--chdir").arg(run.working_dir);
        command.arg("--").arg(program).args(args);

        command.env_clear();
        command.envs(allowed_env());
        command.env("PATH", inside_path(&toolchain_mounts));
        command.env("TMPDIR", "/tmp");
        if let Some(rustup) = &run.toolchain.rustup_home {
            command.env("RUSTUP_HOME", rustup);
        }
        if let Some(cargo) = &run.toolchain.cargo_home {
            command.env("CARGO_HOME", cargo);
        }
        if let Some(channel) = run.rustup_toolchain {
            command.env("RUSTUP_TOOLCHAIN", channel);
        }
        Ok(command)
    }

    /// Refuses a mount of `bound` that contains a protected path.
    fn check_hides_protected(&self, bound: &Path) -> Result<(), GuestBuildError> {
        let bound_real = bound.canonicalize().unwrap_or_else(|_| bound.to_owned());
        for protected in &self.protected {
            let protected_real = protected
                .canonicalize()
                .unwrap_or_else(|_| protected.to_owned());
            if protected_real.starts_with(&bound_real) || protected.starts_with(bound) {
                return Err(GuestBuildError::ExposesProtectedPath {
                    bound: bound.to_owned(),
                    protected: protected.clone(),
                });
            }
        }
        Ok(())
    }
}

/// `PATH` inside the sandbox: the entries of this process's `PATH` that
/// exist there (under a system or toolchain mount), so `cargo` and `cc`
/// resolve as they do outside.
fn inside_path(toolchain_mounts: &[PathBuf]) -> OsString {
    let outside = std::env::var_os("PATH").unwrap_or_default();
    let visible = std::env::split_paths(&outside).filter(|dir| {
        SYSTEM_DIRS.iter().any(|system| dir.starts_with(system))
            || toolchain_mounts.iter().any(|mount| dir.starts_with(mount))
    });
    std::env::join_paths(visible).unwrap_or_default()
}

/// The first executable `name` on `PATH`.
fn find_in_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run<'a>(
        sources: &'a [PathBuf],
        target: &'a Path,
        toolchain: &'a Toolchain,
    ) -> SandboxedRun<'a> {
        SandboxedRun {
            sources,
            target_dir: target,
            cache_dirs: &[],
            working_dir: target,
            toolchain,
            rustup_toolchain: Some("1.95.0"),
        }
    }

    #[test]
    fn a_mount_holding_a_protected_path_is_refused() {
        let home = tempfile::tempdir().unwrap();
        let config = home.path().join(".config/kiln");
        std::fs::create_dir_all(&config).unwrap();
        let sandbox = Sandbox::with_program("bwrap").protect(&config);
        let toolchain = Toolchain {
            rustup_home: None,
            cargo_home: None,
        };
        let target = home.path().join("target");
        for exposing in [home.path().to_owned(), home.path().join(".config")] {
            let sources = [exposing.clone()];
            let error = sandbox
                .command(&run(&sources, &target, &toolchain), Path::new("cargo"), &[])
                .unwrap_err();
            assert!(
                matches!(&error, GuestBuildError::ExposesProtectedPath { bound, .. } if bound == &exposing),
                "{error}"
            );
        }
        let app = [home.path().join("apps/hello")];
        assert!(
            sandbox
                .command(&run(&app, &target, &toolchain), Path::new("cargo"), &[])
                .is_ok()
        );
    }

    #[test]
    fn a_cache_folder_is_mounted_writable_and_checked_like_the_others() {
        let home = tempfile::tempdir().unwrap();
        let sources = [home.path().join("app")];
        let target = home.path().join("work/out");
        let cache = [home.path().join("work/wizer-cache")];
        let toolchain = Toolchain {
            rustup_home: None,
            cargo_home: None,
        };
        let with_cache = |sandbox: &Sandbox| {
            sandbox.command(
                &SandboxedRun {
                    cache_dirs: &cache,
                    ..run(&sources, &target, &toolchain)
                },
                Path::new("node"),
                &[],
            )
        };
        let command = with_cache(&Sandbox::with_program("bwrap")).unwrap();
        let joined = command
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ");
        for writable in [&target, &cache[0]] {
            let writable = writable.display().to_string();
            assert!(
                joined.contains(&format!("--bind {writable} {writable} ")),
                "{joined}"
            );
        }
        // A cache folder holding a protected path is refused too.
        let secret = cache[0].join("token");
        let error = with_cache(&Sandbox::with_program("bwrap").protect(&secret)).unwrap_err();
        assert!(
            matches!(&error, GuestBuildError::ExposesProtectedPath { bound, .. } if bound == &cache[0]),
            "{error}"
        );
    }

    #[test]
    fn the_command_clears_the_environment_and_mounts_sources_read_only() {
        let dir = tempfile::tempdir().unwrap();
        let sources = [dir.path().join("app")];
        let target = dir.path().join("target");
        let toolchain = Toolchain {
            rustup_home: None,
            cargo_home: None,
        };
        let command = Sandbox::with_program("bwrap")
            .command(
                &run(&sources, &target, &toolchain),
                Path::new("cargo"),
                &["build".into()],
            )
            .unwrap();
        let args: Vec<String> = command
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let joined = args.join(" ");
        assert!(
            joined.starts_with("--unshare-all --die-with-parent --new-session"),
            "{joined}"
        );
        let app = sources[0].display().to_string();
        assert!(
            joined.contains(&format!("--ro-bind {app} {app}")),
            "{joined}"
        );
        let target = target.display().to_string();
        assert!(
            joined.contains(&format!("--bind {target} {target}")),
            "{joined}"
        );
        assert!(joined.ends_with("-- cargo build"), "{joined}");
        assert_eq!(
            joined.matches("--bind ").count(),
            1,
            "the target directory is the only writable mount: {joined}"
        );
        assert!(!joined.contains("--share-net"), "{joined}");
        let envs: Vec<String> = command
            .get_envs()
            .filter(|(_, v)| v.is_some())
            .map(|(k, _)| k.to_string_lossy().into_owned())
            .collect();
        assert!(
            envs.iter()
                .all(|k| crate::cargo_env::is_allowed(k) || k == "TMPDIR"),
            "{envs:?}"
        );
    }
}
