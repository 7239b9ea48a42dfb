//! Secrets are never logged: with every target at TRACE (sqlx's statement logging
//! included), storing and reading secrets, and failing to open a moved one, leave no trace
//! of the plaintext or the host key in the log output.

use crate::support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use kiln_state::storage::{Change, Condition, Space, StorageKey};
use kiln_state::{SecretValue, StorageError};
use serde_json::json;
use support::installation;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn secrets_and_the_key_never_reach_the_log() {
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || sink.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    const PLAINTEXT: &str = "plaintext-7f3a9c";
    for harness in [
        support::memory().await,
        support::sqlite().await,
        support::postgres().await,
    ]
    .into_iter()
    .flatten()
    {
        let s = harness
            .storage
            .installation(&installation("app"))
            .await
            .unwrap();
        s.set_secret("token", &SecretValue::new(json!(PLAINTEXT)))
            .await
            .unwrap();
        s.set("visible", &json!("ordinary value")).await.unwrap();
        let got = s.get_secret("token").await.unwrap().unwrap();
        assert_eq!(got.expose_secret(), &json!(PLAINTEXT));
        tracing::info!(secret = ?got, "what a careless caller might log");
        // A sealed secret moved to another key fails, and the failure is logged too.
        let id = harness
            .backend
            .installation_id(s.installation())
            .await
            .unwrap();
        let sealed = harness
            .backend
            .get(
                id,
                Space::Secrets,
                &StorageKey::new("token", 500).unwrap(),
                kiln_state::storage::UnixMillis::now(),
            )
            .await
            .unwrap()
            .unwrap();
        harness
            .backend
            .write(
                id,
                Space::Secrets,
                &StorageKey::new("moved", 500).unwrap(),
                Change::Put {
                    bytes: &sealed.bytes,
                    expires_at: None,
                },
                Condition::Always,
                u64::MAX,
                kiln_state::storage::UnixMillis::now(),
            )
            .await
            .unwrap();
        let err = s.get_secret("moved").await.unwrap_err();
        assert!(matches!(err, StorageError::Secret(_)));
        tracing::error!(error = %err, debug = ?err, "secret read failed");
    }

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        log.contains("secret read failed"),
        "the capture works: {log}"
    );
    assert!(!log.contains(PLAINTEXT), "plaintext in the log:\n{log}");
    assert!(!log.contains(&support::test_key_hex()), "key in the log");
}
