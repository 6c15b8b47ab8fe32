//! The HTTP side, over the shared [`crate::context::Server`]:
//!
//! - [`login`]: `POST /api/login` (throttled) and `POST /api/logout`;
//! - [`guest`]: `POST /api/widget/guest`, a web widget's guest signs in (rate-limited per
//!   address);
//! - [`ws`]: `GET /api/ws`, the upgrade to a [`crate::session`];
//! - [`api`]: the bearer-token reads (quick replies, the knowledge base);
//! - [`files`]: files of a chat and KB drafts; [`recordings`]: call recordings;
//! - [`reports`]: the supervisor's reports; [`appeal_sla`]: an appeal's SLA explained;
//! - [`admin`]: the admin API; [`admin_accounts`]: disable, enable, reset, take off a line;
//! - [`line_admin`]: a line's admin (a specialist with the role) edits the line from the app
//!   (SLA levels; [`line_admin_knowledge`]: quick replies with files, KB articles;
//!   [`line_admin_team`]: the specialists' priority, limit and roles; [`line_admin_clients`]:
//!   clients' whole cards; [`line_admin_queues`]: ticket queues);
//! - [`auth`]: who is asking (bearer token, peer address); [`error`]: refusals with the wire's
//!   codes ([`crate::wire_error`], shared with the WebSocket);
//! - [`ice`]: `GET /api/ice`, the STUN/TURN servers with short-lived TURN credentials;
//! - [`token`]: `POST /api/token/renew`, a live token traded for a new one;
//! - [`widget`]: the client's web widget (`/widget/`, `embed.js`, `/api/widget/lines/{line}`);
//! - [`metrics`]: `GET /metrics` (Prometheus) to the configured addresses; [`audit_admin`]: the
//!   audit log of admin actions;
//! - [`router`]: the table of routes; [`serve`]: the accept loops, plain and TLS.
//!
//! Nothing outside this module tree depends on axum, except the WebSocket session itself.

pub mod admin;
pub mod admin_accounts;
pub mod api;
pub mod appeal_sla;
pub mod audit_admin;
pub mod auth;
mod body;
mod connections;
mod download;
pub mod error;
pub mod files;
pub mod guest;
pub mod ice;
pub mod line_admin;
pub mod line_admin_clients;
pub mod line_admin_knowledge;
pub mod line_admin_queues;
pub mod line_admin_team;
pub mod login;
pub mod metrics;
mod origin;
pub mod profile;
pub mod recordings;
pub mod reports;
mod router;
mod serve;
pub mod staff_help;
pub mod token;
pub mod widget;
mod ws;

pub use auth::PeerIp;
pub use error::{HttpError, Refusal};
pub use login::LoginResponse;
pub use router::router;
pub use serve::{serve, serve_tls};
pub use token::RenewedToken;
