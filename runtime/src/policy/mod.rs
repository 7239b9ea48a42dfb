//! Request policy: what a guest may ask of `request-jira`, decided before any
//! byte leaves the host. Each rule is a pure function with table tests.

pub mod app_data;
pub mod headers;
pub mod host_routes;
pub mod path;
pub mod url;

#[cfg(test)]
mod table_tests;
