//! SLA on the server (S2-S5). The rules are `linedesk-line`'s (`sla.rs`: the level of each
//! new appeal and its deadlines; `sla_timers.rs`: the alerts, each once, and what stops them)
//! over the domain's calendars and clock; the rows are the backend's (`SlaRepo`, in SQLite
//! `sqlite/sla_repo.rs`); [`crate::sla_timer`] runs them with the clock at the edge.
//!
//! S4 (waiting extends the resolution deadline) needs a "waiting for the client" state,
//! which the wire's appeals do not have yet, so deadlines never move here.

pub use linedesk_line::{AT_RISK_PERCENT, BUILTIN_DEFAULT, builtin_default};
