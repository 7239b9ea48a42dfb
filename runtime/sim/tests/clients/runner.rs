//! Runs real Jira client libraries, unchanged, against a simulator: the pycontribs
//! `jira` package (Python) and `jira.js` (Node), each pinned (requirements.txt with
//! hashes; package-lock.json) and each driven by a script of everyday calls that
//! prints `ok STEP: …` per call and fails at the first wrong answer.
//!
//! Shared by kiln-sim's in-process test and the CLI's `runtime sim` test
//! (`#[path]`-included), so both install and run the clients the same way.
//! A client is skipped, saying so, only when its interpreter (python3, node/npm)
//! is absent; anything else that goes wrong is a failure.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub const PYTHON_CLIENT_VERSION: &str = "3.10.5";

/// This directory, found from either crate's manifest dir.
fn source_dir(manifest_dir: &str) -> PathBuf {
    let from_sim = Path::new(manifest_dir).join("tests/clients");
    if from_sim.join("runner.rs").is_file() {
        return from_sim;
    }
    Path::new(manifest_dir).join("../runtime/sim/tests/clients")
}

fn succeeds(command: &mut Command) -> bool {
    command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn has_python_client(python: &Path) -> bool {
    succeeds(Command::new(python).args([
        "-c",
        &format!(
            "import jira, sys; sys.exit(0 if jira.__version__ == '{PYTHON_CLIENT_VERSION}' else 1)"
        ),
    ]))
}

/// A Python that imports the pinned `jira`: `$KILN_JIRA_PYTHON` (what `.ci/run`
/// sets up), else a virtualenv under `target_tmp` filled from PyPI with
/// `--require-hashes`. `None` when there is no python3.
pub fn python_with_client(manifest_dir: &str, target_tmp: &str) -> Option<PathBuf> {
    if let Some(python) = std::env::var_os("KILN_JIRA_PYTHON").map(PathBuf::from) {
        assert!(
            has_python_client(&python),
            "KILN_JIRA_PYTHON={} does not import jira {PYTHON_CLIENT_VERSION}",
            python.display()
        );
        return Some(python);
    }
    if !succeeds(Command::new("python3").arg("--version")) {
        return None;
    }
    let venv = Path::new(target_tmp).join(format!("jira-python-{PYTHON_CLIENT_VERSION}"));
    let python = venv.join("bin/python");
    if !has_python_client(&python) {
        assert!(
            succeeds(Command::new("python3").args(["-m", "venv"]).arg(&venv)),
            "cannot create a virtualenv (Debian: apt-get install python3-venv)"
        );
        let installed = Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "--require-hashes", "-r"])
            .arg(source_dir(manifest_dir).join("python/requirements.txt"))
            .status()
            .expect("pip runs");
        assert!(
            installed.success(),
            "cannot install the pinned jira client from PyPI"
        );
    }
    Some(python)
}

/// A directory holding the jira.js check script with its locked dependencies
/// installed (`npm ci --ignore-scripts`), under `target_tmp`. `None` when there
/// is no node or npm.
pub fn node_with_client(manifest_dir: &str, target_tmp: &str) -> Option<PathBuf> {
    if !succeeds(Command::new("node").arg("--version"))
        || !succeeds(Command::new("npm").arg("--version"))
    {
        // `.ci/run` installs them and sets this: there a skipped client is a failure.
        assert!(
            std::env::var_os("KILN_REQUIRE_NODE").is_none(),
            "KILN_REQUIRE_NODE is set but Node.js or npm is missing"
        );
        return None;
    }
    let source = source_dir(manifest_dir).join("javascript");
    let dir = Path::new(target_tmp).join("jira-js");
    std::fs::create_dir_all(&dir).expect("jira.js work dir");
    let mut changed = false;
    for file in ["package.json", "package-lock.json", "everyday_calls.mjs"] {
        let wanted = std::fs::read(source.join(file)).expect("client file readable");
        if std::fs::read(dir.join(file)).ok().as_ref() != Some(&wanted) {
            std::fs::write(dir.join(file), &wanted).expect("client file copied");
            changed = changed || file != "everyday_calls.mjs";
        }
    }
    if changed || !dir.join("node_modules/jira.js").is_dir() {
        let installed = Command::new("npm")
            .args([
                "ci",
                "--ignore-scripts",
                "--no-audit",
                "--no-fund",
                "--silent",
            ])
            .current_dir(&dir)
            .status()
            .expect("npm runs");
        assert!(
            installed.success(),
            "cannot install the locked jira.js from npm"
        );
    }
    Some(dir)
}

/// Runs a client script with the site and one user's API token; asserts it
/// completed, showing each step it got through if not.
pub fn run_checked(mut command: Command, base_url: &str, email: &str, token: &str) -> String {
    let output: Output = command
        .args([base_url, email, token])
        .output()
        .expect("the client script runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the client failed against the simulator\n--- steps ---\n{stdout}\n--- error ---\n{stderr}"
    );
    stdout
}

pub fn python_command(python: &Path, manifest_dir: &str) -> Command {
    let mut command = Command::new(python);
    command.arg(source_dir(manifest_dir).join("python/everyday_calls.py"));
    command
}

pub fn node_command(dir: &Path) -> Command {
    let mut command = Command::new("node");
    command.arg(dir.join("everyday_calls.mjs")).current_dir(dir);
    command
}
