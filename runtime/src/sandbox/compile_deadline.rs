//! The compile deadline: the backstop behind the pre-compile shape limits
//! ([`super::code_limits`]) for code that is within every limit and still
//! slow to compile.
//!
//! Cranelift cannot be interrupted, so the compilation runs on a blocking
//! thread and the load stops waiting for it when the deadline passes. The
//! abandoned compilation keeps its thread (and a core) until it finishes in
//! the background; its result is dropped and never cached. Repeated
//! uploads of a compile bomb are therefore bounded by the shape limits,
//! which keep any one compilation finite, and by the blocking pool's size.

use std::time::Duration;

use super::component_check::ComponentError;

/// Runs `compile` on the blocking pool and waits at most `deadline` for it.
///
/// `compile`'s own refusal is returned as it is (wasmtime's errors become
/// [`ComponentError::Invalid`] through [`ComponentError::compile_failed`]);
/// running out of time becomes [`ComponentError::CompileTimeout`], and a
/// compiler that panicked [`ComponentError::Invalid`].
pub async fn compile_within<T, F>(deadline: Duration, compile: F) -> Result<T, ComponentError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, ComponentError> + Send + 'static,
{
    let task = tokio::task::spawn_blocking(compile);
    match tokio::time::timeout(deadline, task).await {
        Err(_elapsed) => Err(ComponentError::CompileTimeout { limit: deadline }),
        Ok(Err(join)) => Err(ComponentError::Invalid(format!(
            "compilation did not finish: {join}"
        ))),
        Ok(Ok(compiled)) => compiled,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    use super::*;

    #[tokio::test]
    async fn a_compilation_past_the_deadline_fails_the_load() {
        // The "compiler" blocks until the test releases it, after the
        // deadline has fired: the outcome does not depend on machine speed.
        let (release, wait) = mpsc::channel::<()>();
        let (finished, done) = mpsc::channel::<()>();
        let result = compile_within(Duration::from_millis(20), move || {
            let _ = wait.recv();
            let _ = finished.send(());
            Ok(())
        })
        .await;
        assert_eq!(
            result,
            Err(ComponentError::CompileTimeout {
                limit: Duration::from_millis(20)
            })
        );
        assert!(
            result
                .unwrap_err()
                .to_string()
                .contains("took longer than 20ms")
        );
        // The abandoned compilation still runs to its end in the background.
        release.send(()).unwrap();
        done.recv().unwrap();
    }

    #[tokio::test]
    async fn a_compilation_within_the_deadline_returns_its_result() {
        let result = compile_within(Duration::from_secs(3600), || Ok(7)).await;
        assert_eq!(result, Ok(7));
    }

    #[tokio::test]
    async fn a_compile_error_is_an_invalid_component() {
        let result: Result<(), _> = compile_within(Duration::from_secs(3600), || {
            Err(ComponentError::compile_failed(&wasmtime::Error::msg(
                "type mismatch in function 3",
            )))
        })
        .await;
        assert_eq!(
            result,
            Err(ComponentError::Invalid(
                "type mismatch in function 3".into()
            ))
        );
    }

    #[tokio::test]
    async fn a_panicking_compiler_is_reported_not_propagated() {
        let result: Result<(), _> = compile_within(Duration::from_secs(3600), || {
            panic!("compiler bug");
        })
        .await;
        assert!(
            matches!(result, Err(ComponentError::Invalid(text)) if text.contains("did not finish"))
        );
    }
}
