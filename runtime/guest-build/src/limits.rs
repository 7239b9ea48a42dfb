//! Resource limits of a build of untrusted source.
//!
//! The sandbox ([`crate::sandbox`]) keeps a hostile build script or
//! proc-macro away from the user's secrets and the network; these limits keep
//! it from taking the machine instead. A JS app's build (`crate::js`) runs
//! under them too: its top-level code runs in the wizer at build time. Each
//! beside the threat it answers:
//!
//! | limit | default | threat | how |
//! |---|---|---|---|
//! | [`BuildLimits::wall_time`] | [`DEFAULT_WALL_TIME`] | a build that never ends (a loop, a sleep, a wait on a pipe) holds `runtime run` and the CPU forever | the build runs in its own process group; at the deadline the group is killed (`SIGKILL`), which kills bubblewrap, and with it the sandbox's PID namespace and everything in it |
//! | [`BuildLimits::cpu_seconds`] | [`DEFAULT_CPU_SECONDS`] | a busy loop in a build script or proc-macro | `RLIMIT_CPU` on every process of the build (inherited): `SIGXCPU` at the limit, `SIGKILL` a few seconds later |
//! | [`BuildLimits::address_space_bytes`] | [`DEFAULT_ADDRESS_SPACE_BYTES`] ([`NODE_ADDRESS_SPACE_BYTES`] for a JS build's `node`) | allocation without bound, which would push the host into swap or the OOM killer | `RLIMIT_AS` on every process: an allocation beyond it fails |
//! | [`BuildLimits::file_bytes`] | [`DEFAULT_FILE_BYTES`] | one file written without bound fills the disk | `RLIMIT_FSIZE` on every process: a write beyond it fails |
//! | [`BuildLimits::output_bytes`] | [`DEFAULT_OUTPUT_BYTES`] | output without bound (warnings, `println!`) floods the terminal or the memory of the reader | stdout and stderr are read through one counter; past it the build is killed |
//!
//! The per-process limits (`RLIMIT_*`) bound each process, not their sum:
//! cargo runs a few compilers at once. They are set between `fork` and
//! `exec`, so no process of the build ever runs without them, and a process
//! cannot raise them again (the hard limit is set too; bubblewrap drops every
//! capability).
//!
//! The operator may change each through the runtime's environment (read by
//! [`BuildLimits::from_env`], never passed to the build): `KILN_BUILD_TIMEOUT_SECS`,
//! `KILN_BUILD_CPU_SECS`, `KILN_BUILD_MEMORY_MIB`, `KILN_BUILD_FILE_MIB`,
//! `KILN_BUILD_OUTPUT_MIB`, each a positive whole number.

use std::process::Command;
use std::time::Duration;

use crate::error::GuestBuildError;

const MIB: u64 = 1024 * 1024;

/// Longest a whole build may take: a cold build of an app with a few
/// dependencies takes a minute or two on a small machine.
pub const DEFAULT_WALL_TIME: Duration = Duration::from_secs(15 * 60);

/// CPU time one process of the build may use: rustc on one large crate in
/// release mode stays well under it.
pub const DEFAULT_CPU_SECONDS: u64 = 10 * 60;

/// Address space one process of the build may map: rustc and LLVM on a
/// large crate need a few GiB.
pub const DEFAULT_ADDRESS_SPACE_BYTES: u64 = 8 * 1024 * MIB;

/// Address space the `node` of a JavaScript build may map unless the operator sets
/// `KILN_BUILD_MEMORY_MIB`: it reserves each WebAssembly memory componentize-js's tools make
/// at its maximum (1 GiB, see `js.rs`) besides its own heap, and Node.js 22 reserves more
/// than 20 did: its builds failed with "Array buffer allocation failed" under
/// [`DEFAULT_ADDRESS_SPACE_BYTES`] (2 of 2 runs of `tests/js_build.rs`) and passed at this
/// (2 of 2). Reservations, not memory in use: the CPU, time and file limits still hold.
pub const NODE_ADDRESS_SPACE_BYTES: u64 = 16 * 1024 * MIB;

/// Largest file one process of the build may write: an rlib with debug
/// information of a large crate is a few hundred MiB.
pub const DEFAULT_FILE_BYTES: u64 = 4 * 1024 * MIB;

/// Most bytes the build may print (stdout and stderr together): cargo's
/// messages for hundreds of crates and their warnings are a few MiB.
pub const DEFAULT_OUTPUT_BYTES: u64 = 16 * MIB;

/// Seconds between the soft and the hard CPU limit: `SIGXCPU`, then
/// `SIGKILL` for a process that ignores it.
const CPU_GRACE_SECONDS: u64 = 5;

/// The limits of one build. [`Default`] gives the documented defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuildLimits {
    /// The whole build, from spawn to exit.
    pub wall_time: Duration,
    /// CPU seconds per process.
    pub cpu_seconds: u64,
    /// Bytes of address space per process.
    pub address_space_bytes: u64,
    /// Bytes per file written.
    pub file_bytes: u64,
    /// Bytes printed on stdout and stderr together.
    pub output_bytes: u64,
}

impl Default for BuildLimits {
    fn default() -> Self {
        Self {
            wall_time: DEFAULT_WALL_TIME,
            cpu_seconds: DEFAULT_CPU_SECONDS,
            address_space_bytes: DEFAULT_ADDRESS_SPACE_BYTES,
            file_bytes: DEFAULT_FILE_BYTES,
            output_bytes: DEFAULT_OUTPUT_BYTES,
        }
    }
}

/// The variable that sets [`BuildLimits::address_space_bytes`], in MiB.
const MEMORY_VAR: &str = "KILN_BUILD_MEMORY_MIB";

impl BuildLimits {
    /// The defaults, each replaced by its `KILN_BUILD_*` variable when set.
    pub fn from_env() -> Result<Self, GuestBuildError> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// [`BuildLimits::from_env`] for a JavaScript build's `node`: the address space
    /// defaults to [`NODE_ADDRESS_SPACE_BYTES`] instead (`KILN_BUILD_MEMORY_MIB` still
    /// rules when set).
    pub fn from_env_for_node() -> Result<Self, GuestBuildError> {
        Self::from_vars_for_node(|name| std::env::var(name).ok())
    }

    /// [`BuildLimits::from_env_for_node`] over any source of variables.
    pub fn from_vars_for_node(
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, GuestBuildError> {
        let operator_set = var(MEMORY_VAR).is_some();
        let mut limits = Self::from_vars(&var)?;
        if !operator_set {
            limits.address_space_bytes = limits.address_space_bytes.max(NODE_ADDRESS_SPACE_BYTES);
        }
        Ok(limits)
    }

    /// [`BuildLimits::from_env`] over any source of variables.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, GuestBuildError> {
        let read = |name: &'static str, default: u64| -> Result<u64, GuestBuildError> {
            match var(name) {
                None => Ok(default),
                Some(text) => text
                    .trim()
                    .parse::<u64>()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or(GuestBuildError::BadLimit { name, value: text }),
            }
        };
        let mib = |n: u64| n.saturating_mul(MIB);
        let defaults = Self::default();
        Ok(Self {
            wall_time: Duration::from_secs(read(
                "KILN_BUILD_TIMEOUT_SECS",
                defaults.wall_time.as_secs(),
            )?),
            cpu_seconds: read("KILN_BUILD_CPU_SECS", defaults.cpu_seconds)?,
            address_space_bytes: mib(read(MEMORY_VAR, defaults.address_space_bytes / MIB)?),
            file_bytes: mib(read("KILN_BUILD_FILE_MIB", defaults.file_bytes / MIB)?),
            output_bytes: mib(read("KILN_BUILD_OUTPUT_MIB", defaults.output_bytes / MIB)?),
        })
    }

    /// Puts `command` in a process group of its own (so the whole build can
    /// be killed at once) and sets the per-process limits on it before it
    /// runs anything.
    pub(crate) fn apply(&self, command: &mut Command) {
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt as _;

            command.process_group(0);
            let limits = *self;
            // SAFETY: the closure runs in the child between `fork` and
            // `exec`; it only makes `setrlimit` system calls (rustix calls
            // the kernel directly: no allocation, no lock), which are
            // async-signal-safe.
            unsafe {
                command.pre_exec(move || limits.set_rlimits());
            }
        }
        #[cfg(not(unix))]
        let _ = command;
    }

    #[cfg(unix)]
    fn set_rlimits(&self) -> std::io::Result<()> {
        use rustix::process::{Resource, Rlimit, setrlimit};

        let both = |limit: u64| Rlimit {
            current: Some(limit),
            maximum: Some(limit),
        };
        setrlimit(
            Resource::Cpu,
            Rlimit {
                current: Some(self.cpu_seconds),
                maximum: Some(self.cpu_seconds.saturating_add(CPU_GRACE_SECONDS)),
            },
        )?;
        setrlimit(Resource::As, both(self.address_space_bytes))?;
        setrlimit(Resource::Fsize, both(self.file_bytes))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_apply_without_variables() {
        assert_eq!(
            BuildLimits::from_vars(|_| None).unwrap(),
            BuildLimits::default()
        );
    }

    #[test]
    fn each_variable_overrides_its_limit() {
        let limits = BuildLimits::from_vars(|name| {
            Some(
                match name {
                    "KILN_BUILD_TIMEOUT_SECS" => "30",
                    "KILN_BUILD_CPU_SECS" => "20",
                    "KILN_BUILD_MEMORY_MIB" => "512",
                    "KILN_BUILD_FILE_MIB" => "64",
                    "KILN_BUILD_OUTPUT_MIB" => "1",
                    _ => return None,
                }
                .to_owned(),
            )
        })
        .unwrap();
        assert_eq!(
            limits,
            BuildLimits {
                wall_time: Duration::from_secs(30),
                cpu_seconds: 20,
                address_space_bytes: 512 * MIB,
                file_bytes: 64 * MIB,
                output_bytes: MIB,
            }
        );
    }

    #[test]
    fn zero_or_text_is_a_typed_error_naming_the_variable() {
        for bad in ["0", "-1", "ten", "", "1.5"] {
            let error = BuildLimits::from_vars(|name| {
                (name == "KILN_BUILD_MEMORY_MIB").then(|| bad.to_owned())
            })
            .unwrap_err();
            assert!(
                matches!(&error, GuestBuildError::BadLimit { name: "KILN_BUILD_MEMORY_MIB", value } if value == bad),
                "{error}"
            );
        }
    }

    #[test]
    fn a_js_builds_node_gets_more_address_space_unless_the_operator_says() {
        let node = BuildLimits::from_vars_for_node(|_| None).unwrap();
        assert_eq!(node.address_space_bytes, NODE_ADDRESS_SPACE_BYTES);
        assert_eq!(
            node.cpu_seconds,
            BuildLimits::from_vars(|_| None).unwrap().cpu_seconds
        );
        let set = BuildLimits::from_vars_for_node(|name| {
            (name == "KILN_BUILD_MEMORY_MIB").then(|| "512".to_owned())
        })
        .unwrap();
        assert_eq!(set.address_space_bytes, 512 * MIB);
    }
}
