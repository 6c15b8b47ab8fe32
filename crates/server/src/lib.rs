//! The Linedesk line server.
//!
//! - [`storage`]: what the server keeps, behind the [`storage::Storage`] trait;
//!   [`sqlite::SqliteStorage`] is the default (one file, durable before acknowledging).
//! - [`auth`]: argon2 passwords, random tokens stored as their sha256.
//! - [`config`]: the standalone config file (`serve --config linedesk-server.toml`).
//! - [`tls`]: HTTPS and WSS on the same port (rustls, ring provider).
//! - [`context`]: the shared context (`Server`: storage, hub, sessions, throttle, revocations,
//!   session limits); no HTTP in it. [`app`] re-exports it with `serve` and `router` for the
//!   server's users.
//! - [`http`]: the HTTP side: login, the WebSocket upgrade, files, recordings, the bearer-token
//!   reads, the admin API, the router and the accept loops; [`wire_error`] is the one mapping
//!   from storage errors to the wire's codes, for HTTP and WebSocket alike.
//! - [`throttle`]: failed logins per (login, address) and per address lock them out for a while.
//! - [`revocation`]: live sessions of a revoked token, account or line are closed or narrowed;
//!   expired tokens are deleted.
//! - [`session`]: one WebSocket session of the protocol in `crates/protocol`, bounded by
//!   [`session_limits`] (Hello deadline, keepalive, frame rate, sessions per account).
//! - [`hub`]: fan-out of new events to subscribed sessions.
//! - [`demo`]: the demo world of `linedesk-demo`, seeded through the storage trait.
//! - [`import`]: clients from CSV with a report per row.
//! - [`presence`]: a specialist whose last session closed goes Offline after a grace period.
//! - [`sla`]: each appeal's SLA level and deadlines; `sla_alerts`: the alerts the timer fires;
//!   [`sla_timer`] is the loop at the edge; [`sla_file`] reads a line's levels from TOML.
//! - `calls`: calls (V1) placed, answered and hung up as actions with events in the line's log;
//!   [`signal`] relays their WebRTC signalling between the two parties, in memory only;
//!   `call_records`: each party's call statistics and the call's recording (in the data dir's
//!   `recordings/`), which [`http::recordings`] uploads and serves over HTTP.
//! - `remote_sessions`: remote sessions (V2) asked, answered and ended as actions with events
//!   in the line's log, their signalling relayed by [`signal`] once started;
//!   [`remote_password`]: the client's session password (argon2), the attempts log and the
//!   throttle of wrong passwords.
//! - `tickets`: tickets (T1-T5) and their queues; `rating`: clients rate finished appeals.
//! - [`knowledge`]: quick replies and the knowledge base (files, storage, FTS5 search);
//!   [`http::api`] serves them over HTTP with a bearer token.
//! - [`config_file`]: the administrator's TOML files, checked whole before anything is stored.
//! - `actions`: applying an action: validation, routing through `linedesk-domain`, events.
//! - Workstation (issue 6): `appeals` (started by hand, transfers to a level or another line,
//!   spam), `files` (files of a chat, stored in the database) served by [`http::files`]
//!   with the KB drafts of `kb_drafts`.

pub mod app;
pub mod auth;
mod call_records;
mod calls;
pub mod config;
pub mod config_file;
mod contact;
pub mod context;
pub mod demo;
pub mod http;
pub mod hub;
pub mod import;
mod keepalive;
pub mod knowledge;
pub mod presence;
mod rate_limit;
pub mod remote_password;
mod remote_sessions;
pub mod revocation;
pub mod session;
pub mod session_limits;
pub mod signal;
pub mod sla;
mod sla_alerts;
pub mod sla_file;
pub mod sla_timer;
pub mod sqlite;
pub mod storage;
pub mod throttle;
pub mod tls;
pub mod wire_error;
