//! kiln-serve's integration tests: one binary (`cargo test -p kiln-serve --test serve`), each
//! file a module. They start the real `runtime` binary: `cargo build -p kiln-cli` first.

mod admin_events;
mod app_accounts;
mod app_fields;
mod app_log;
mod as_user_attribution;
mod comment_loop;
mod config_variables;
mod consent;
mod e2e;
mod engine_host;
mod forge_examples;
mod hostile_requests;
mod jira_software_events;
mod lifecycle;
mod pre_uninstall;
mod queues;
mod registration;
mod replicas;
mod site_names;
mod support;
mod three_legged;
mod trigger_filter;
mod web_trigger_url;
