//! The build limits against real builds of hostile app crates: a build
//! script that never ends, one that spins, one that allocates without bound.
//! Each is stopped, nothing of it is left running, and the next build in the
//! same process works. In the bubblewrap sandbox where one can be made (as
//! `runtime run` builds), else with the limits alone, which do not depend on
//! it.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use kiln_guest_build::{BuildLimits, BuiltComponent, GuestBuild, GuestBuildError, Sandbox, build};

/// An app crate whose build script is `build_rs`, in a fresh directory with
/// its own private target directory.
struct App {
    root: tempfile::TempDir,
}

impl App {
    fn new(build_rs: &str) -> Self {
        let root = tempfile::tempdir().unwrap();
        let app = root.path().join("app");
        std::fs::create_dir_all(&app).unwrap();
        std::fs::write(
            app.join("Cargo.toml"),
            "[package]\nname = \"limit-probe\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
             [lib]\ncrate-type = [\"cdylib\"]\npath = \"lib.rs\"\n\n[workspace]\n",
        )
        .unwrap();
        std::fs::write(app.join("lib.rs"), "").unwrap();
        std::fs::write(app.join("build.rs"), build_rs).unwrap();
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        std::fs::copy(
            repo.join("rust-toolchain.toml"),
            app.join("rust-toolchain.toml"),
        )
        .unwrap();
        Self { root }
    }

    fn target(&self) -> PathBuf {
        self.root.path().join("target")
    }

    fn build(&self, limits: BuildLimits) -> Result<Vec<BuiltComponent>, GuestBuildError> {
        let mut options = GuestBuild::new(self.root.path().join("app/Cargo.toml"))
            .target_dir(self.target())
            .quiet(true)
            .limits(limits);
        match Sandbox::available() {
            Some(sandbox) => options = options.sandbox(sandbox),
            None => eprintln!("no bubblewrap sandbox here: testing the limits alone"),
        }
        build(&options)
    }

    /// The text the build script left in `<target>/progress`, if it ran.
    fn progress(&self) -> Option<String> {
        std::fs::read_to_string(self.target().join("progress")).ok()
    }

    /// A build stopped with an error `expected` accepts, after its build
    /// script started; nothing of it is left running, and the next build in
    /// this process works.
    fn assert_stopped(
        &self,
        outcome: Result<Vec<BuiltComponent>, GuestBuildError>,
        expected: impl Fn(&GuestBuildError) -> bool,
    ) {
        let error = outcome.expect_err("the build was stopped");
        assert!(expected(&error), "{error}");
        assert!(self.progress().is_some(), "the build script never ran");
        std::thread::sleep(Duration::from_millis(500));
        assert_eq!(
            self.leftover_process(),
            None,
            "a process of the build outlived it"
        );
        the_next_build_works();
    }

    /// Whether a process is still running from this app's target directory
    /// (its build script).
    fn leftover_process(&self) -> Option<String> {
        let target = self.target().canonicalize().unwrap();
        let needle = target.to_string_lossy().into_owned();
        std::fs::read_dir("/proc")
            .ok()?
            .flatten()
            .find_map(|entry| {
                let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
                let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
                cmdline.contains(&needle).then_some(cmdline)
            })
    }
}

/// A build script that records `progress` in `<target>/progress`, the
/// `target` folder above its `OUT_DIR` (the only place it may write).
const RECORD: &str = r#"
fn record(progress: &str) {
    let out = std::env::var("OUT_DIR").unwrap();
    let target = std::path::Path::new(&out)
        .ancestors()
        .find(|dir| dir.ends_with("target"))
        .unwrap();
    std::fs::write(target.join("progress"), progress).unwrap();
}
"#;

/// Limits roomy enough for cargo and rustc to build the build script on a
/// busy machine.
fn roomy() -> BuildLimits {
    BuildLimits {
        wall_time: Duration::from_secs(300),
        cpu_seconds: 120,
        ..BuildLimits::default()
    }
}

/// After a stopped build the process keeps working: a benign build works.
fn the_next_build_works() {
    let app = App::new("fn main() {}");
    let components = app.build(roomy()).expect("a benign build works");
    assert_eq!(components.len(), 1, "{components:?}");
}

#[test]
fn a_build_script_that_never_ends_is_killed_at_the_deadline() {
    let app = App::new(&format!(
        "{RECORD}\nfn main() {{ record(\"started\"); loop {{ std::thread::sleep(std::time::Duration::from_secs(1)); }} }}"
    ));
    let limits = BuildLimits {
        wall_time: Duration::from_secs(45),
        ..roomy()
    };
    let started = Instant::now();
    let outcome = app.build(limits);
    assert!(started.elapsed() < limits.wall_time + Duration::from_secs(20));
    app.assert_stopped(
        outcome,
        |error| matches!(error, GuestBuildError::TimedOut { limit } if *limit == limits.wall_time),
    );
    assert_eq!(app.progress().as_deref(), Some("started"));
}

#[test]
fn a_build_script_that_spins_is_stopped_by_the_cpu_limit() {
    let app = App::new(&format!(
        "{RECORD}\nfn main() {{ record(\"started\"); let mut n = 0u64; loop {{ n = std::hint::black_box(n.wrapping_add(1)); }} }}"
    ));
    // rustc needs a few CPU seconds for the build script itself.
    let limits = BuildLimits {
        cpu_seconds: 8,
        ..roomy()
    };
    app.assert_stopped(app.build(limits), |error| {
        matches!(error, GuestBuildError::BuildFailed { .. })
    });
    assert_eq!(app.progress().as_deref(), Some("started"));
}

#[test]
fn a_build_script_that_allocates_without_bound_is_stopped() {
    let app = App::new(&format!(
        "{RECORD}\nfn main() {{\n\
             let mut held: Vec<Vec<u8>> = Vec::new();\n\
             loop {{\n\
                 held.push(vec![1u8; 64 << 20]);\n\
                 record(&(held.len() * 64).to_string());\n\
             }}\n\
         }}"
    ));
    let limits = BuildLimits {
        address_space_bytes: 2 << 30,
        ..roomy()
    };
    app.assert_stopped(app.build(limits), |error| {
        matches!(error, GuestBuildError::BuildFailed { .. })
    });
    let reached: u64 = app.progress().unwrap_or_default().parse().unwrap_or(0);
    assert!(
        reached > 0 && reached < 2048,
        "the build script held {reached} MiB under a 2 GiB limit"
    );
}
