//! All of this crate's integration tests, linked into one test binary.
//!
//! One binary instead of one per file: each binary links wasmtime and the whole
//! host, so 13 binaries cost 13 links and gigabytes of disk on every
//! clean build (a CI run once died of it, `ld` killed by a bus error on a full
//! disk). Run one file's tests with `cargo test -p kiln-sim --test sim <file>::`.

mod common;

mod admin_webhooks;
mod agile;
mod agile_epics;
mod agile_hostile;
mod agile_properties;
mod agile_webhooks;
mod app_field_configurations;
mod app_fields;
mod assignable_users;
mod attachments;
mod bulk_and_votes;
mod bulk_create;
mod bulk_reads;
mod client_credentials;
mod components;
mod contract;
mod curl;
mod custom_fields;
mod dashboards_and_picker;
mod date_hostile;
mod devops;
mod due_date;
mod entity_property_jql;
mod expression_board_sprint;
mod expressions;
mod faults;
mod field_context_defaults;
mod field_contexts;
mod field_exclusions;
mod field_options;
mod field_screens;
mod filters;
mod groups;
mod hierarchy;
mod issue_data;
mod issue_expand;
mod issue_history;
mod issue_links;
mod issue_type_screen_schemes;
mod jql_autocomplete;
mod jql_fields;
mod jql_history;
mod jql_match;
mod jql_parse;
mod jql_text;
mod json_bodies;
mod my_permissions;
mod myself_expand;
mod not_modelled;
mod notify_and_count;
mod oauth;
mod ops;
mod ops_contract;
mod permissions_check;
mod project_roles;
mod project_search;
mod project_writes;
mod properties;
mod quick_filters;
mod real_clients;
mod reporter;
mod resolution;
mod rest_api_v2;
mod screen_writes;
mod screens;
mod seed_doc;
mod site;
mod site_limits;
mod site_metadata;
mod statuses;
mod time_tracking;
mod user_email;
mod users_list;
mod versions;
mod webhooks;
mod workflow_schemes;
mod workflow_writes;
mod workflows;
mod worklog_feeds;
