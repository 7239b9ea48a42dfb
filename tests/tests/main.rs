//! All of this crate's integration tests, linked into one test binary.
//!
//! One binary instead of one per file: each binary links wasmtime and the whole
//! host, so 23 binaries cost 23 links and gigabytes of disk on every
//! clean build (a CI run once died of it, `ld` killed by a bus error on a full
//! disk). Run one file's tests with `cargo test -p kiln-tests --test suite <file>::`.

mod support;

mod config_variables;
mod escape_abi;
mod escape_cpu;
mod escape_credentials;
mod escape_egress;
mod escape_events;
mod escape_js_app;
mod escape_js_cpu;
mod escape_js_credentials;
mod escape_js_egress;
mod escape_js_events;
mod escape_js_memory;
mod escape_js_output;
mod escape_js_sql;
mod escape_js_storage;
mod escape_js_tamper;
mod escape_js_url;
mod escape_memory;
mod escape_module;
mod escape_network;
mod escape_output;
mod escape_quotas;
mod escape_slot_reset;
mod escape_soak;
mod escape_storage;
mod escape_url;
mod example_forge_flagsmith;
mod example_forge_scheduled_trigger_lab;
mod example_forge_smart_workflow_followup;
mod example_weather_note;
mod examples;
mod forge_app_files;
mod forge_async_hooks;
mod forge_authorize;
mod forge_browser_versions;
mod forge_collator;
mod forge_entities;
mod forge_events;
mod forge_events_v1;
mod forge_http_client;
mod forge_intl;
mod forge_missing_exports;
mod forge_node_modules;
mod forge_normalize;
mod forge_properties;
mod forge_sql_app;
mod forge_sql_drizzle;
mod forge_transactions;
mod forge_unhandled_rejections;
mod forge_unicode_regex;
mod forge_uploads;
mod foundation;
mod path_grammar;
mod programs_tested;
mod request_policy;
mod sandbox_limits;
mod sdk_sql;
mod security_doc;
mod serve_app;
mod wit_frozen;
mod world_v0_2;
mod world_v0_3;
mod world_v0_4;
