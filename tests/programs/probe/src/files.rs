//! What the guest can see of a filesystem (the host should preopen nothing).

use serde_json::{Value, json};

/// Paths a credential-hunting guest would try first.
const PATHS: &[&str] = &[
    "/",
    ".",
    "/proc/self/environ",
    "/etc/passwd",
    "~/.config",
    "/root/.config",
    "/tmp",
];

/// Tries to list and read each path and lists the preopens.
pub fn probe() -> Value {
    let results: Vec<Value> = PATHS
        .iter()
        .map(|path| {
            json!({
                "path": path,
                "read_dir": outcome(std::fs::read_dir(path).map(|entries| {
                    entries
                        .filter_map(Result::ok)
                        .map(|entry| entry.file_name().to_string_lossy().into_owned())
                        .collect::<Vec<_>>()
                })),
                "read": outcome(std::fs::read(path).map(|bytes| bytes.len())),
            })
        })
        .collect();
    let preopens: Vec<String> = wasip2::filesystem::preopens::get_directories()
        .into_iter()
        .map(|(_, path)| path)
        .collect();
    json!({ "results": results, "preopens": preopens })
}

/// One path to try, chosen by the host test (e.g. a credentials file it
/// wrote with the canary inside).
#[derive(serde::Deserialize)]
pub struct Target {
    path: String,
}

/// Tries to read `path` and list it, and lists the preopens.
pub fn read_one(target: &Target) -> Value {
    let preopens: Vec<String> = wasip2::filesystem::preopens::get_directories()
        .into_iter()
        .map(|(_, path)| path)
        .collect();
    json!({
        "path": target.path,
        "read": outcome(std::fs::read(&target.path).map(|bytes| String::from_utf8_lossy(&bytes).into_owned())),
        "read_dir": outcome(std::fs::read_dir(&target.path).map(|entries| entries.count())),
        "metadata": outcome(std::fs::metadata(&target.path).map(|meta| meta.len())),
        "preopens": preopens,
    })
}

/// `{"ok": value}` or `{"err": "message"}`.
fn outcome<T: serde::Serialize>(result: std::io::Result<T>) -> Value {
    match result {
        Ok(value) => json!({ "ok": value }),
        Err(error) => json!({ "err": error.to_string() }),
    }
}
