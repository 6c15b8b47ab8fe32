//! The Linedesk line server.
//!
//! - [`storage`]: what the server keeps, behind the [`storage::Storage`] trait;
//!   [`sqlite::SqliteStorage`] is the default (one file, durable before acknowledging).
//! - [`auth`]: argon2 passwords, random tokens stored as their sha256.
//! - [`config`]: the standalone config file (`serve --config linedesk-server.toml`).
//! - [`tls`]: HTTPS and WSS on the same port (rustls, ring provider).
//! - [`ice`]: the STUN/TURN servers handed to calls and remote sessions (`[ice]`), TURN with
//!   short-lived credentials from a shared secret (coturn's `use-auth-secret`); served by
//!   `GET /api/ice` ([`http::ice`]).
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
//! - [`hub`]: fan-out of new events to subscribed sessions, in order (gaps filled from the
//!   log); [`log_tail`]: events another process appended reach them too.
//! - [`demo`]: the demo world of `linedesk-demo`, seeded through the storage trait.
//! - [`import`]: clients from CSV with a report per row.
//! - [`presence`]: a specialist whose last session closed goes Offline after a grace period.
//! - [`sla`]: where the SLA rules and rows are (the line crate and `sqlite/sla_repo.rs`);
//!   [`sla_timer`] is the loop at the edge; [`sla_file`] reads a line's levels from TOML.
//!   [`ring_timer`] ends calls and remote requests nobody answered (`[ringing]` times).
//! - Calls (V1) and remote sessions (V2): their rules are `linedesk-line`'s (`calls`,
//!   `remote_sessions`, `remote_password`), their rows the backend's (`sqlite/call_repo.rs`,
//!   with the recordings' bytes in the data dir's `recordings/`, and `sqlite/remote_repo.rs`);
//!   [`signal`] relays their WebRTC signalling between the two parties, in memory only;
//!   [`http::recordings`] uploads and serves recordings; [`remote_password`]: the session
//!   password's argon2 hash and the attempts' log.
//! - `tickets`: tickets (T1-T5) and their queues; `rating`: clients rate finished appeals.
//! - [`knowledge`]: quick replies and the knowledge base (files, storage, FTS5 search);
//!   [`http::api`] serves them over HTTP with a bearer token.
//! - [`widget_policy`]: the client's web widget per line (embedding origins, guests), served
//!   by [`http::widget`] at `/widget/` from the `ui/` build embedded at compile time.
//! - [`config_file`]: the administrator's TOML files, checked whole before anything is stored.
//! - `actions`: applying an action: validation, routing through `linedesk-domain`, events.
//! - Workstation (issue 6): `appeals` (started by hand, transfers to a level or another line,
//!   spam), `files` (files of a chat, stored in the database) served by [`http::files`]
//!   with the KB drafts of `kb_drafts`.

pub mod app;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod chat_watch;
pub mod cli;
pub mod config;
pub mod config_file;
pub mod context;
pub mod demo;
pub mod http;
pub mod hub;
pub mod ice;
pub mod import;
pub mod ip_buckets;
mod keepalive;
pub mod knowledge;
pub mod line_settings;
pub mod log_config;
pub mod log_tail;
pub mod metrics;
pub mod postgres;
pub mod presence;
mod rate_limit;
pub mod remote_password;
pub mod revocation;
pub mod ring_timer;
pub mod session;
pub mod session_limits;
pub mod shared_throttle;
pub mod signal;
pub mod sla;
pub mod sla_file;
pub mod sla_timer;
pub mod sqlite;
pub mod storage;
pub mod throttle;
pub mod tls;
pub mod transfer;
pub mod widget_policy;
pub mod wire_error;
