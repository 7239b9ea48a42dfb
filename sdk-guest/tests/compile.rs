//! The macros' compile-time behaviour: misuse is a clear compile error
//! (`tests/ui`, with the expected messages in `*.stderr`), and correct use in
//! all its forms compiles (`tests/pass`).
//!
//! Regenerate the expected messages with `TRYBUILD=overwrite` after a
//! deliberate change, and review the diff.

#[test]
fn misuse_is_a_compile_error() {
    trybuild::TestCases::new().compile_fail("tests/ui/*.rs");
}

#[test]
fn every_supported_form_compiles() {
    trybuild::TestCases::new().pass("tests/pass/*.rs");
}
