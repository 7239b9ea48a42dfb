//! What a component must be: refused before it runs when it is not a Kiln
//! app, with an error that names what is wrong.

mod support;

use kiln_manifest::Manifest;
use kiln_runtime::LoadError;
use kiln_runtime::sandbox::component_check::ComponentError;
use kiln_tests::programs;
use support::{Harness, manifest};

async fn load(h: &Harness, path: &str) -> Result<kiln_runtime::LoadedApp, LoadError> {
    let wasm = std::fs::read(path).unwrap();
    let yaml = manifest("wat", &["main"], &[], "timeoutSeconds: 1");
    h.runtime
        .load(wasm, Manifest::from_yaml(&yaml).unwrap())
        .await
}

#[tokio::test]
async fn a_core_module_is_refused() {
    let h = Harness::start().await;
    let err = load(&h, programs::WAT_CORE_MODULE)
        .await
        .err()
        .expect("refused");
    assert!(
        matches!(err, LoadError::Component(ComponentError::CoreModule)),
        "{err}"
    );
}

#[tokio::test]
async fn wasi_http_and_unknown_imports_are_refused_by_name() {
    let h = Harness::start().await;
    let err = load(&h, programs::WAT_WASI_HTTP_IMPORT)
        .await
        .err()
        .expect("refused");
    let text = err.to_string();
    assert!(text.contains("wasi:http"), "{text}");
    assert!(
        matches!(
            err,
            LoadError::Component(ComponentError::ForbiddenImport { .. })
        ),
        "{err}"
    );
    let err = load(&h, programs::WAT_UNKNOWN_IMPORT)
        .await
        .err()
        .expect("refused");
    assert!(
        matches!(
            err,
            LoadError::Component(ComponentError::ForbiddenImport { .. })
        ),
        "{err}"
    );
}

#[tokio::test]
async fn a_component_of_another_world_is_refused() {
    let h = Harness::start().await;
    let err = load(&h, programs::WAT_OTHER_WORLD)
        .await
        .err()
        .expect("refused");
    assert!(
        matches!(
            err,
            LoadError::Component(
                ComponentError::WrongWorld { .. } | ComponentError::IncompatibleVersion { .. }
            )
        ),
        "{err}"
    );
}

#[tokio::test]
async fn truncated_and_junk_files_are_refused() {
    let h = Harness::start().await;
    let wasm = std::fs::read(programs::WAT_VALID_MINIMAL).unwrap();
    let yaml = manifest("wat", &["main"], &[], "");
    for bytes in [
        wasm[..wasm.len() / 2].to_vec(),
        b"not wasm at all".to_vec(),
        Vec::new(),
    ] {
        let err = h
            .runtime
            .load(bytes, Manifest::from_yaml(&yaml).unwrap())
            .await
            .err()
            .expect("refused");
        assert!(matches!(err, LoadError::Component(_)), "{err}");
    }
}

#[tokio::test]
async fn the_well_formed_control_passes_the_load_checks() {
    let h = Harness::start().await;
    load(&h, programs::WAT_VALID_MINIMAL).await.expect("loads");
}

#[tokio::test]
async fn a_start_function_loop_hits_the_deadline() {
    let h = Harness::start().await;
    let app = load(&h, programs::WAT_START_LOOP).await.expect("loads");
    let invoked = h.invoke(&app, "main", serde_json::json!({})).await;
    assert!(
        matches!(
            invoked.result,
            Err(kiln_runtime::InvocationFailure::Timeout { .. })
        ),
        "{:?}",
        invoked.result
    );
}
