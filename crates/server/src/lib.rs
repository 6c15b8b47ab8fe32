//! The Linedesk line server.
//!
//! - [`storage`]: what the server keeps, behind the [`storage::Storage`] trait;
//!   [`sqlite::SqliteStorage`] is the default (one file, durable before acknowledging).
//! - [`auth`]: argon2 passwords, random tokens stored as their sha256.
//! - [`config`]: the standalone config file (`serve --config linedesk-server.toml`).
//! - [`tls`]: HTTPS and WSS on the same port (rustls, ring provider).
//! - [`app`]: `POST /api/login`, `POST /api/logout` and `GET /api/ws`.
//! - [`admin`]: the admin HTTP API (lines, specialists, client imports) for admin tokens.
//! - [`throttle`]: failed logins per login and per address lock them out for a while.
//! - [`revocation`]: live sessions of a revoked token are closed.
//! - [`session`]: one WebSocket session of the protocol in `crates/protocol`.
//! - [`hub`]: fan-out of new events to subscribed sessions.
//! - [`import`]: clients from CSV with a report per row.
//! - [`presence`]: a specialist whose last session closed goes Offline after a grace period.
//! - `actions`: applying an action: validation, routing through `linedesk-domain`, events.

mod actions;
pub mod admin;
pub mod app;
pub mod auth;
pub mod config;
pub mod hub;
pub mod import;
pub mod load;
pub mod presence;
pub mod revocation;
pub mod session;
pub mod sqlite;
pub mod storage;
pub mod throttle;
pub mod tls;
