//! Runs as native code at build time, like any build script or proc-macro,
//! and tries every way out it can think of. `probe-targets.txt` (written by
//! the test) names the secret files and the loopback listener to try; the
//! results go to `$OUT_DIR/findings.txt`, one line each: `LEAK …` when an
//! attempt worked, `denied …` when it did not.

use std::io::Write as _;
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn main() {
    println!("cargo:rerun-if-changed=probe-targets.txt");
    println!("cargo:rerun-if-changed=build.rs");
    // Cargo shows a build script's warnings: try to drive the terminal
    // (retitle it, clear it) through one.
    println!("cargo:warning=kiln-build-script \u{1b}]0;owned\u{7}\u{1b}[2Jcleared");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let manifest_dir =
        PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let mut findings = Vec::new();

    // 1. The environment: every variable, names and values.
    for (name, value) in std::env::vars_os() {
        findings.push(format!(
            "env {}={}",
            name.to_string_lossy(),
            value.to_string_lossy()
        ));
    }

    // 2. Files named by the test, and the home directory.
    let targets = std::fs::read_to_string(manifest_dir.join("probe-targets.txt"))
        .unwrap_or_default();
    for line in targets.lines() {
        if let Some(path) = line.strip_prefix("file ") {
            findings.push(match std::fs::read(path) {
                Ok(bytes) => format!("LEAK read {path}: {}", String::from_utf8_lossy(&bytes)),
                Err(e) => format!("denied read {path}: {e}"),
            });
        }
        if let Some(dir) = line.strip_prefix("dir ") {
            findings.push(match std::fs::read_dir(dir) {
                Ok(entries) => format!(
                    "LEAK list {dir}: {:?}",
                    entries
                        .filter_map(|e| e.ok().map(|e| e.file_name()))
                        .collect::<Vec<_>>()
                ),
                Err(e) => format!("denied list {dir}: {e}"),
            });
        }
        // 3. The network: a loopback service the user runs.
        if let Some(addr) = line.strip_prefix("connect ") {
            let addr: SocketAddr = addr.parse().expect("the test writes an address");
            findings.push(
                match TcpStream::connect_timeout(&addr, Duration::from_secs(2)) {
                    Ok(_) => format!("LEAK connect {addr}"),
                    Err(e) => format!("denied connect {addr}: {e}"),
                },
            );
        }
    }

    // 4. Planting a file in the source the user reviewed.
    let planted = manifest_dir.join("planted-by-build.rs");
    findings.push(match std::fs::write(&planted, "// planted") {
        Ok(()) => format!("LEAK wrote {}", planted.display()),
        Err(e) => format!("denied write {}: {e}", planted.display()),
    });

    write_findings(&out.join("findings.txt"), &findings);
}

fn write_findings(path: &Path, findings: &[String]) {
    let mut file = std::fs::File::create(path).expect("OUT_DIR is writable");
    for line in findings {
        writeln!(file, "{}", line.replace('\n', "\\n")).expect("OUT_DIR is writable");
    }
}
