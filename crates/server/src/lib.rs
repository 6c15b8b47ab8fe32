//! The Linedesk line server.
//!
//! - [`storage`]: what the server keeps, behind the [`storage::Storage`] trait;
//!   [`sqlite::SqliteStorage`] is the default (one file, durable before acknowledging).
//! - [`auth`]: argon2 passwords, random tokens stored as their sha256.
//! - [`app`]: `POST /api/login` and `GET /api/ws`.
//! - [`session`]: one WebSocket session of the protocol in `crates/protocol`.
//! - [`hub`]: fan-out of new events to subscribed sessions.
//! - [`demo`]: the demo world of `linedesk-demo`, seeded through the storage trait.
//! - [`import`]: clients from CSV with a report per row.
//! - [`presence`]: a specialist whose last session closed goes Offline after a grace period.
//! - `actions`: applying an action: validation, routing through `linedesk-domain`, events.

mod actions;
pub mod app;
pub mod auth;
pub mod demo;
pub mod hub;
pub mod import;
pub mod load;
pub mod presence;
pub mod session;
pub mod sqlite;
pub mod storage;
