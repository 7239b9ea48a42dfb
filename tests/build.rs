//! Builds the guest test programs (`tests/programs`) and the example apps
//! (`examples`) into WebAssembly components, and writes their paths to
//! `OUT_DIR/programs.rs` as `pub const NAME: &str = "/abs/path.wasm";`, in the
//! manner of wasmtime's test-programs, plus `ALL`, the list of every program.
//!
//! **Every program has a host test.** `tests/tests/programs_tested.rs` fails,
//! naming the program, when a constant of `ALL` is referenced as
//! `programs::NAME` by no file under `tests/tests` (comments do not count;
//! see `tests/src/program_use.rs`). To add a program: add the package to
//! `tests/programs/Cargo.toml` (or a `.wat` file to `tests/programs/wat`) and a
//! test that loads `kiln_tests::programs::NAME`; `NAME` is the package name in
//! upper case with `-` as `_` (`WAT_<STEM>` for a WAT file).
//!
//! The guests get their own target directory next to the outer build's, so
//! the nested cargo never waits on the lock the outer cargo holds.
//!
//! The hand-written WAT programs (`tests/programs/wat/*.wat`, attacks Rust
//! cannot express) are assembled into `<guests>/wat/*.wasm` and exposed as
//! `WAT_<NAME>` constants.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use kiln_guest_build::{BuiltComponent, GuestBuild, build, ensure_wasm_target};

/// Hand-written WAT programs, relative to the repository root.
const WAT_PROGRAMS: &str = "tests/programs/wat";

/// Guest workspaces, relative to the repository root.
const GUEST_WORKSPACES: &[&str] = &["tests/programs", "examples"];

/// Everything the components are built from, relative to the repository
/// root; a change to any of it rebuilds them.
const GUEST_SOURCES: &[&str] = &["tests/programs", "examples", "sdk-guest", "wit"];

fn main() {
    if let Err(error) = run() {
        // A build script reports by failing; the message is what cargo shows.
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let manifest_dir = PathBuf::from(required_env("CARGO_MANIFEST_DIR")?);
    let out_dir = PathBuf::from(required_env("OUT_DIR")?);
    let repo = manifest_dir
        .parent()
        .ok_or("the kiln-tests crate must sit inside the repository")?;

    for source in GUEST_SOURCES {
        watch(&repo.join(source))?;
    }

    ensure_wasm_target(repo)?;
    let target_dir = guest_target_dir(&out_dir);
    let mut programs = Vec::new();
    for workspace in GUEST_WORKSPACES {
        let options = GuestBuild::new(repo.join(workspace).join("Cargo.toml"))
            .target_dir(&target_dir)
            .release(true);
        programs.extend(build(&options)?.into_iter().map(|component| Program {
            source: format!("{workspace} (package {})", component.package),
            component,
        }));
    }
    programs.extend(assemble_wat(
        &repo.join(WAT_PROGRAMS),
        &target_dir.join("wat"),
    )?);
    std::fs::write(out_dir.join("programs.rs"), constants(&programs)?)?;
    Ok(())
}

fn required_env(name: &str) -> Result<String, String> {
    std::env::var(name).map_err(|_| format!("cargo did not set {name} for the build script"))
}

/// A built guest program and where it comes from.
struct Program {
    component: BuiltComponent,
    /// The workspace and package, or the WAT file, relative to the
    /// repository root.
    source: String,
}

/// Assembles every `*.wat` in `source_dir` into `output_dir`, as
/// components named `wat-<file stem>`.
fn assemble_wat(
    source_dir: &Path,
    output_dir: &Path,
) -> Result<Vec<Program>, Box<dyn std::error::Error>> {
    std::fs::create_dir_all(output_dir)?;
    let mut sources: Vec<PathBuf> = std::fs::read_dir(source_dir)?
        .map(|entry| entry.map(|entry| entry.path()))
        .collect::<Result<_, _>>()?;
    sources.retain(|path| path.extension().is_some_and(|ext| ext == "wat"));
    sources.sort();
    let mut components = Vec::new();
    for source in sources {
        let stem = source
            .file_stem()
            .and_then(|stem| stem.to_str())
            .ok_or_else(|| format!("{} has no UTF-8 name", source.display()))?;
        let binary = wat::parse_file(&source)?;
        let path = output_dir.join(format!("{stem}.wasm"));
        std::fs::write(&path, binary)?;
        components.push(Program {
            component: BuiltComponent {
                package: format!("wat-{stem}"),
                path,
            },
            source: format!("{WAT_PROGRAMS}/{stem}.wat"),
        });
    }
    Ok(components)
}

/// `<target>/kiln-guests`, found from `OUT_DIR`
/// (`<target>[/<triple>]/<profile>/build/kiln-tests-<hash>/out`), so that
/// `cargo clean` removes it and every profile shares one guest build.
fn guest_target_dir(out_dir: &Path) -> PathBuf {
    out_dir
        .ancestors()
        .find(|dir| dir.file_name().is_some_and(|name| name == "build"))
        .and_then(Path::parent)
        .and_then(Path::parent)
        .map(|target| target.join("kiln-guests"))
        .unwrap_or_else(|| out_dir.join("kiln-guests"))
}

/// Emits `rerun-if-changed` for every file and directory under `path`
/// (directories too, so that an added file is noticed), skipping build output
/// and hidden entries.
fn watch(path: &Path) -> std::io::Result<()> {
    println!("cargo::rerun-if-changed={}", path.display());
    if !path.is_dir() {
        return Ok(());
    }
    for entry in std::fs::read_dir(path)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name == "target" || name.starts_with('.') {
            continue;
        }
        watch(&entry.path())?;
    }
    Ok(())
}

/// The Rust source of `programs.rs`: one constant per program, then `ALL`.
fn constants(programs: &[Program]) -> Result<String, Box<dyn std::error::Error>> {
    let mut source = String::new();
    let mut all = String::new();
    let mut names = Vec::new();
    for Program {
        component,
        source: from,
    } in programs
    {
        let name = component.package.to_uppercase().replace('-', "_");
        if names.contains(&name) {
            return Err(format!("two guest packages are both named {name}").into());
        }
        let path = component
            .path
            .to_str()
            .ok_or_else(|| format!("{} is not UTF-8", component.path.display()))?;
        writeln!(
            source,
            "/// Built from `{from}`.\npub const {name}: &str = {path:?};"
        )?;
        writeln!(
            all,
            "    Program {{ name: {name:?}, source: {from:?}, path: {name} }},"
        )?;
        names.push(name);
    }
    writeln!(
        source,
        "/// Every program above; each must be used by a host test\n\
         /// (`tests/tests/programs_tested.rs`).\n\
         pub const ALL: &[Program] = &[\n{all}];"
    )?;
    Ok(source)
}
