//! All of this crate's integration tests, linked into one test binary.
//!
//! One binary instead of one per file: each binary links wasmtime and the whole
//! host, so 7 binaries cost 7 links and gigabytes of disk on every
//! clean build (a CI run once died of it, `ld` killed by a bus error on a full
//! disk). Run one file's tests with `cargo test -p kiln-state --test state <file>::`.

mod support;

mod backends_agree;
mod dead_letter_jobs;
mod forge_sql;
mod forge_sql_hostile;
mod forge_sql_lateral;
mod forge_sql_metadata;
mod forge_sql_postgres;
mod key_rotation;
mod no_secret_in_logs;
mod postgres_database;
mod serve_contract;
mod serve_jobs;
mod serve_processes;
mod sqlite_file;
mod storage_contract;
mod storage_expiry;
mod variables;
