//! All of this crate's integration tests, linked into one test binary.
//!
//! One binary instead of one per file: each binary links wasmtime and the whole
//! host, so 10 binaries cost 10 links and gigabytes of disk on every
//! clean build (a CI run once died of it, `ld` killed by a bus error on a full
//! disk). Run one file's tests with `cargo test -p kiln-cli --test cli <file>::`.

mod app_client_credentials;
mod cli_forge_js;
mod cli_guest_text;
mod cli_lint;
mod cli_new;
mod cli_run_hostile;
mod cli_run_json;
mod cli_sql;
mod cli_storage;
mod cli_storage_rotate_key;
mod cli_variables;
mod hostile_build;
mod oauth_login;
mod sim_command;
mod support;
