//! Kiln's extension to admin webhook deliveries: which app made the write.
//!
//! Jira names who made a change (`user`, or a comment's author) but not
//! which app's credential made it; Forge knows, because it minted that
//! credential, and marks the events an app's own calls caused
//! `selfGenerated` for that app, whether it called `asApp()` or `asUser()`.
//! A host running several apps on this simulator, whose `asUser()` calls all
//! act as one person, cannot tell from `user` alone; so each admin webhook
//! delivery of a write made through an app's integration (an OAuth 2.0
//! token of it, or the API token the app was given for `asUser()`,
//! `AppClients::user_token`) carries the integration's client id in
//! [`FIELD`]. It is part of the body, so the delivery's `X-Hub-Signature`
//! covers it: a receiver should trust it only on a delivery whose signature
//! it checked, from a simulator it started. A write made with a person's
//! own API token carries none. Dynamic webhook deliveries never carry it:
//! they are Jira's deliveries to an OAuth 2.0 app, which Jira does not tell
//! about other apps.

/// The top-level body field naming the acting integration's client id.
pub const FIELD: &str = "kilnActingApp";
