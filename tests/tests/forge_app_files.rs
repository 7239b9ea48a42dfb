//! Node's `fs` in a Forge app (`tests/js/app-files`): the app reads the
//! e-mail templates and locale tables beside its code, as Forge apps do
//! (`path.resolve(__dirname, '../../static/templates/mail.html')`), and
//! writes scratch files to `/tmp`. Kiln's build embeds the files the app's
//! code names (runtime/guest-build/js-toolchain/app_files.mjs) and the
//! layer's `fs` reads them from the guest's memory
//! (forge/kiln-forge-api/src/node/fs_volume.js): no file system is linked.
//! Checked here: the answers, `/tmp` starting empty in every invocation,
//! the app's files read-only, and what must never be in the volume (the
//! operator's `kiln.toml`, dot-files, a symlink out of the app's folder,
//! files the code does not name, the host's files) absent from the answers
//! and from the component's bytes.

use serde_json::{Value, json};

use crate::support::{forge_example, ok_json};

/// Runs the app's `function` on the simulator; `None` without Node.js and npm.
async fn answer(function: &str, payload: Value) -> Option<Value> {
    let (h, app) = forge_example::load_test_app("app-files").await?;
    let answer = ok_json(&h.invoke(&app, function, payload).await);
    h.assert_jira_untouched();
    Some(answer)
}

#[tokio::test]
async fn templates_are_read_from_the_modules_folder_as_on_forge() {
    let payload = json!({ "type": "bug", "text": "It <broke>", "user": "Alice" });
    let Some(answer) = answer("mail", payload).await else {
        return;
    };
    assert_eq!(answer["dirname"], "/src/service");
    assert_eq!(answer["filename"], "/src/service/mail.js");
    assert_eq!(answer["htmlPath"], "/static/templates/mail.html");
    assert_eq!(
        answer["html"],
        "<h1>Feedback: bug</h1>\n<p>It <broke> — from Alice ✅</p>\n"
    );
    // Read by top-level code while the build took the snapshot.
    assert_eq!(answer["text"], "Feedback: bug\nIt <broke>\nfrom Alice\n");
}

#[tokio::test]
async fn a_folder_named_by_a_template_literal_is_embedded_whole() {
    let Some(answer) = answer("locales", json!({ "lang": "fr" })).await else {
        return;
    };
    assert_eq!(answer["available"], json!(["de", "en", "fr"]));
    assert_eq!(answer["chosen"], "fr");
    assert_eq!(
        answer["table"],
        json!({ "greeting": "Bonjour", "done": "Terminé" })
    );
    assert_eq!(answer["isDirectory"], true);
}

#[tokio::test]
async fn tmp_is_writable_and_starts_empty_in_every_invocation() {
    let Some((h, app)) = forge_example::load_test_app("app-files").await else {
        return;
    };
    for key in ["KILN-1", "KILN-7"] {
        let answer = ok_json(
            &h.invoke(&app, "scratch", json!({ "key": key, "summary": "First" }))
                .await,
        );
        assert_eq!(answer["before"], json!([]), "{key}: a fresh /tmp");
        let csv = format!("key,summary\n{key},First\nKILN-2,Second\n");
        assert_eq!(answer["csv"], csv);
        assert_eq!(answer["size"], csv.len());
        assert_eq!(answer["after"], json!([]));
    }
    h.assert_jira_untouched();
}

#[tokio::test]
async fn the_volume_holds_only_the_named_files_of_the_app_read_only() {
    let payload = json!({ "path": "static/unnamed.txt" });
    let Some(answer) = answer("refused", payload).await else {
        return;
    };
    assert_eq!(
        answer["writeTemplate"],
        json!({
            "code": "EROFS",
            "syscall": "open",
            "message": "EROFS: read-only file system, open 'static/templates/mail.html'",
        })
    );
    for (case, path) in [
        ("unnamed", "static/unnamed.txt"),
        ("operatorConfig", "kiln.toml"),
        ("dotenv", ".env"),
        ("linked", "static/linked.md"),
        ("host", "/etc/passwd"),
    ] {
        assert_eq!(
            answer[case],
            json!({
                "code": "ENOENT",
                "syscall": "open",
                "message": format!("ENOENT: no such file or directory, open '{path}'"),
            }),
            "{case}"
        );
    }
    assert_eq!(answer["packages"]["code"], "ENOENT");
    assert_eq!(
        answer["root"],
        json!([
            "locales",
            "locales/de.json",
            "locales/en.json",
            "locales/fr.json",
            "static",
            "static/templates",
            "static/templates/mail.html",
            "static/templates/mail.txt",
            "tmp",
        ])
    );
    assert_eq!(
        answer["openSync"]["code"],
        "ERR_KILN_NODE_MODULE_UNAVAILABLE"
    );
}

#[test]
fn what_is_not_embedded_is_not_in_the_component() {
    let Some(component) = forge_example::test_app("app-files") else {
        return;
    };
    let bytes = std::fs::read(component).expect("the built component");
    let holds = |needle: &str| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(
        holds("Erledigt"),
        "an embedded locale table is in the bytes"
    );
    for secret in [
        "KILN-APP-FILES-OPERATOR-SECRET",
        "KILN-APP-FILES-DOTENV-SECRET",
        "A file no code names",
        // SECURITY.md, which the app's folder links to as static/linked.md.
        "Kiln runs third-party Jira apps that an administrator has not written",
    ] {
        assert!(!holds(secret), "{secret} must not be embedded");
    }
}
