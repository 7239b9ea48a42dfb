//! `runtime storage rotate-key` through the real binary, on a SQLite state file seeded
//! with secrets under an old key: without the old key it reports what it cannot move and
//! exits non-zero; with the old key as previous it moves everything, after which the new
//! key alone reads every secret; a placeholder previous key is refused without echo; no
//! key ever reaches the output.

use std::path::Path;
use std::process::{Command, Output};

use kiln_state::{
    AppStorage, EncryptionKey, Installation, SecretCipher, SecretValue, StateLocation,
    StorageLimits,
};
use serde_json::{Value, json};

const OLD_KEY: &str = "1f2e3d4c5b6a79880796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
const NEW_KEY: &str = "a0b1c2d3e4f5061728394a5b6c7d8e9ff9e8d7c6b5a49382716051f4e3d2c1b0";

async fn storage(state: &Path, current: &str, previous: &[&str]) -> AppStorage {
    let key = |hex: &str| EncryptionKey::from_hex(&hex.to_owned().into(), "test").unwrap();
    let cipher =
        SecretCipher::with_previous(key(current), previous.iter().map(|k| key(k)).collect());
    let backends = StateLocation::Sqlite(state.to_owned())
        .open()
        .await
        .unwrap();
    AppStorage::new(backends.storage, StorageLimits::default(), cipher)
}

fn installation(app: &str) -> Installation {
    Installation::new(app, "simulator", "production").unwrap()
}

fn rotate(state: &Path, current: &str, previous: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_runtime"));
    command
        .args(["storage", "rotate-key", "--batch", "3", "--state"])
        .arg(format!("sqlite://{}", state.display()))
        .env_remove("KILN_STATE")
        .env("KILN_STORAGE_KEY", current);
    match previous {
        Some(previous) => command.env("KILN_STORAGE_KEY_PREVIOUS", previous),
        None => command.env_remove("KILN_STORAGE_KEY_PREVIOUS"),
    };
    command.output().expect("the runtime binary starts")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn report(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|_| panic!("{}", text(output)))
}

#[test]
fn rotate_key_moves_every_secret_and_reports_what_it_cannot() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.sqlite3");
    let secret = |n: usize| SecretValue::new(json!({ "token": format!("t-{n}") }));
    // The test's own runtime; the binary runs between its `block_on`s.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let old = storage(&state, OLD_KEY, &[]).await;
        for (app, count) in [("app-a", 7), ("app-b", 2)] {
            let s = old.installation(&installation(app)).await.unwrap();
            for n in 0..count {
                s.set_secret(&format!("k{n}"), &secret(n)).await.unwrap();
            }
        }
    });

    // The new key alone: nothing can be moved; the old key's id (never the key) is named.
    let old_id = EncryptionKey::from_hex(&OLD_KEY.to_owned().into(), "t")
        .unwrap()
        .id_hex();
    let blocked = rotate(&state, NEW_KEY, None);
    assert_eq!(blocked.status.code(), Some(4), "{}", text(&blocked));
    let found = report(&blocked);
    assert_eq!(
        (found["unknownKey"].as_u64(), found["complete"].as_bool()),
        (Some(9), Some(false))
    );
    assert_eq!(found["unknownKeyIds"], json!([old_id]));

    // A placeholder among the previous keys is refused before anything is opened.
    let placeholder = format!("{OLD_KEY},{}", "0".repeat(64));
    let refused = rotate(&state, NEW_KEY, Some(&placeholder));
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    assert!(text(&refused).contains("placeholder"), "{}", text(&refused));

    // The rotation proper, then a second run that finds nothing to do.
    let done = rotate(&state, NEW_KEY, Some(OLD_KEY));
    assert_eq!(done.status.code(), Some(0), "{}", text(&done));
    let moved = report(&done);
    assert_eq!(
        (
            moved["installations"].as_u64(),
            moved["secrets"].as_u64(),
            moved["rotated"].as_u64(),
            moved["complete"].as_bool()
        ),
        (Some(2), Some(9), Some(9), Some(true))
    );
    let again = report(&rotate(&state, NEW_KEY, Some(OLD_KEY)));
    assert_eq!(
        (again["rotated"].as_u64(), again["current"].as_u64()),
        (Some(0), Some(9))
    );
    for output in [&blocked, &refused, &done] {
        let shown = text(output);
        assert!(
            !shown.contains(OLD_KEY) && !shown.contains(NEW_KEY),
            "{shown}"
        );
    }

    // The old key can go: the new one alone reads every secret.
    runtime.block_on(async {
        let after = storage(&state, NEW_KEY, &[]).await;
        for (app, count) in [("app-a", 7), ("app-b", 2)] {
            let s = after.installation(&installation(app)).await.unwrap();
            for n in 0..count {
                assert_eq!(
                    s.get_secret(&format!("k{n}")).await.unwrap(),
                    Some(secret(n))
                );
            }
        }
    });
}
